"""``run_self_test``: every shipped form filled in and finalised through the real filler."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from cse_desktop.domain.ids import FormId

REPORT = re.compile(r"^self-test ok: (\d+) forms? finalised \(([a-z0-9, -]+)\) in \d+\.\d s$")


def test_the_self_test_finalises_every_form_and_reports_in_one_line(tmp_path) -> None:
    env = {**os.environ, "CSE_DESKTOP_HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path)}
    env.pop("QT_QPA_PLATFORM", None)  # the self-test must choose offscreen by itself
    result = subprocess.run(
        [sys.executable, "-c",
         "from cse_desktop.qt.selftest import run_self_test; raise SystemExit(run_self_test())"],
        capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    match = REPORT.match(lines[0])
    assert match, lines[0]
    names = match.group(2).split(", ")
    assert names == [FormId.SCREENING, FormId.PARENT_SESSION, FormId.RETURN_HOME_INTERVIEW,
                     FormId.RMM_REVIEW]
    assert int(match.group(1)) == len(names)
    # nothing is left behind: the temporary workspace is deleted
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("cse-desktop-self-test")]
    assert not (tmp_path / "home").exists()


def test_a_failure_is_one_plain_line(tmp_path, monkeypatch, capsys) -> None:
    from cse_desktop.qt import selftest

    def broken(_folder):
        raise selftest.SelfTestFailed("rmm-review was not finalised: Chair: This needs an answer")

    monkeypatch.setattr(selftest, "_run", broken)
    assert selftest.run_self_test() == 1
    out = capsys.readouterr().out
    assert out == ("self-test FAILED: rmm-review was not finalised: Chair: This needs an "
                   "answer\n")
