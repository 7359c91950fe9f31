"""No personal data in argv (issue 16, item 3): `person add` takes a person's details from
prompts or `--from-json FILE|-`, never from options, because `/proc/<pid>/cmdline` is readable
by every local user and shell history keeps the command line."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

PASS = "correct horse battery staple"

# fictional, and unusual enough that finding them anywhere means they leaked
DETAILS = {"given_name": "Quillon", "family_name": "Zephyrine", "dob": "2011-07-19",
           "also_known_as": ["Quill"], "postcode": "ZZ9 9ZZ"}


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cse_desktop", *args], input=stdin,
                          capture_output=True, text=True, timeout=120)


def assert_plain_error(result: subprocess.CompletedProcess) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    assert lines[0].startswith("cse-desktop: ")


def list_people(folder: Path) -> list[dict]:
    result = cli("person", "list", "--workspace", str(folder), "--json", "--passphrase-stdin",
                 stdin=PASS + "\n")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    result = cli("init", "--workspace", str(folder), "--owner", "Test Worker",
                 "--passphrase-stdin", stdin=PASS + "\n")  # (the test KDF: tests/conftest.py)
    assert result.returncode == 0, result.stderr
    return folder


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def test_cmdline_of_a_running_person_add_holds_no_personal_data(workspace: Path) -> None:
    """The real command, started as a user starts it: while it waits for its input, its
    cmdline (what `ps` shows every user) names the options but none of the details."""
    proc = subprocess.Popen([sys.executable, "-m", "cse_desktop", "person", "add",
                             "--workspace", str(workspace), "--from-json", "-",
                             "--passphrase-stdin"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = _cmdline(proc.pid)
        deadline = time.monotonic() + 30
        while "--from-json" not in seen and time.monotonic() < deadline:  # exec not done yet
            time.sleep(0.05)
            seen = _cmdline(proc.pid)
        assert proc.poll() is None, "the command should still be waiting for its input"
        assert "person add" in seen and "--from-json -" in seen
        for value in ("Quillon", "Zephyrine", "2011-07-19", "Quill", "ZZ9"):
            assert value not in seen
        out, err = proc.communicate(PASS + "\n" + json.dumps(DETAILS), timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    added = {p["id"]: p for p in list_people(workspace)}[out.strip()]
    assert (added["given_name"], added["postcode"]) == ("Quillon", "ZZ9 9ZZ")
    assert added["also_known_as"] == ["Quill"]


@pytest.mark.parametrize("option", ["--given-name", "--family-name", "--dob", "--aka",
                                    "--postcode", "--gender", "--worker", "--risk-level"])
def test_the_old_detail_options_are_refused_with_the_new_way(workspace: Path,
                                                             option: str) -> None:
    result = cli("person", "add", "--workspace", str(workspace), option, "Sample",
                 "--passphrase-stdin", stdin=PASS + "\n")
    assert result.returncode == 2
    assert_plain_error(result)
    assert f"{option} is no longer accepted" in result.stderr
    assert "--from-json" in result.stderr and "prompts" in result.stderr
    assert list_people(workspace) == []


def test_details_from_a_json_file(workspace: Path, tmp_path: Path) -> None:
    file = tmp_path / "person.json"
    file.write_text(json.dumps({**DETAILS, "risk_level": "high"}), "utf-8")
    result = cli("person", "add", "--workspace", str(workspace), "--from-json", str(file),
                 "--passphrase-stdin", stdin=PASS + "\n")
    assert result.returncode == 0, result.stderr
    [added] = list_people(workspace)
    assert (added["family_name"], added["risk_level"]) == ("Zephyrine", "high")


@pytest.mark.parametrize("details, words", [
    ("[1, 2]", "JSON object"),
    ("{not json", "not valid JSON"),
    ('{"given_name": "A", "family_name": "B", "dob": "2011-01-01", "id": "x"}',
     "set by the workspace"),
    ('{"given_name": "A", "family_name": "B", "dob": "2011-01-01", "shoe_size": 5}',
     "shoe_size"),
    ('{"given_name": "A", "family_name": "B"}', "dob"),
])
def test_bad_details_are_refused_plainly_and_change_nothing(workspace: Path, details: str,
                                                            words: str) -> None:
    result = cli("person", "add", "--workspace", str(workspace), "--from-json", "-",
                 "--passphrase-stdin", stdin=PASS + "\n" + details)
    assert result.returncode in (1, 2)
    assert_plain_error(result)
    assert words in result.stderr
    assert list_people(workspace) == []


def test_without_a_terminal_or_json_it_says_how(workspace: Path) -> None:
    result = cli("person", "add", "--workspace", str(workspace), "--passphrase-stdin",
                 stdin=PASS + "\n")
    assert result.returncode == 2
    assert_plain_error(result)
    assert "--from-json" in result.stderr


@pytest.mark.slow
def test_details_asked_at_the_prompts(workspace: Path) -> None:
    """At a terminal (a real pseudo-terminal, no controlling tty so getpass reads it too),
    each detail is asked, then the passphrase."""
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "cse_desktop", "person", "add",
                             "--workspace", str(workspace)], stdin=child, stdout=child,
                            stderr=child, start_new_session=True)
    os.close(child)
    answers = ["Quillon", "Zephyrine", "2011-07-19", "Quill, Q", "", "ZZ9 9ZZ", "",
               "medium", PASS]
    seen = b""
    try:
        for answer in answers:
            while not seen.rstrip().endswith(b":"):
                seen += os.read(main, 1024)
            assert b"Quillon" not in _cmdline(proc.pid).encode()
            seen = b""
            os.write(main, answer.encode() + b"\n")
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    [added] = list_people(workspace)
    assert added["also_known_as"] == ["Quill", "Q"]
    assert (added["postcode"], added["risk_level"], added["gender"]) == ("ZZ9 9ZZ", "medium", "")
