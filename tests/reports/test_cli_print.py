"""`cse-desktop print …`, run as a user runs it: a real process, a real workspace, real PDFs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

PASS = "correct horse battery staple"


def cli(*args: str, stdin: str = PASS + "\n",
        home: Path | None = None) -> subprocess.CompletedProcess:
    """Run the command; ``home`` is its CSE_DESKTOP_HOME (where the desktop's settings are)."""
    env = dict(os.environ, **({"CSE_DESKTOP_HOME": str(home)} if home else {}))
    return subprocess.run([sys.executable, "-m", "cse_desktop", *args, "--passphrase-stdin"],
                          input=stdin, capture_output=True, text=True, timeout=180, env=env)


def one_plain_error(result: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("cse-desktop: "), result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("print") / "ws"
    made = cli("demo", "--workspace", str(folder), "--people", "30", "--owner", "Pat Manager",
               "--role", "manager")
    assert made.returncode == 0, made.stderr
    return folder


def audit_reasons(folder: Path) -> list[str]:
    from cse_desktop.store import Workspace

    with Workspace.open(folder, PASS) as ws:
        return [r[0] for r in ws.db.execute(
            "SELECT reason FROM audit_event WHERE action = 'print' ORDER BY seq")]


def test_print_profile_shareable_and_audited(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "profile.pdf"
    result = cli("print", "profile", "--workspace", str(demo), "--quarter", "2026Q3",
                 "--shareable", "--out", str(out), "--reason", "Quarterly partnership report",
                 "--home-authority", "Demo Borough Council")
    assert result.returncode == 0, result.stderr
    assert "saved to" in result.stdout
    reader = PdfReader(out)
    for page in reader.pages:
        assert page.extract_text().count("OFFICIAL-SENSITIVE") == 2
    assert any("Quarterly missing profile 2026Q3 (shareable); profile shareable; reason: "
               "Quarterly partnership report; sha256 " in r for r in audit_reasons(demo))


def test_print_needs_a_reason_and_a_good_quarter(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    no_reason = cli("print", "profile", "--workspace", str(demo), "--quarter", "2026Q3",
                    "--home-authority", "Demo Borough Council", "--out", str(out))
    assert no_reason.returncode == 2 and "--reason" in one_plain_error(no_reason)
    assert not out.exists()
    bad = cli("print", "profile", "--workspace", str(demo), "--quarter", "2026Q5",
              "--out", str(out), "--reason", "x")
    assert bad.returncode == 2, bad.stderr
    one_plain_error(bad)
    assert not out.exists()


def test_print_profile_refuses_without_a_home_authority(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    refused = cli("print", "profile", "--workspace", str(demo), "--quarter", "FY2026-27Q2",
                  "--out", str(out), "--reason", "x", home=tmp_path / "no-settings", stdin="")
    assert refused.returncode == 2
    assert "--home-authority" in one_plain_error(refused)
    assert not out.exists()


def test_print_profile_defaults_to_the_last_financial_quarter(demo: Path,
                                                              tmp_path: Path) -> None:
    from datetime import date

    from cse_desktop.casework.quarters import Quarter

    out = tmp_path / "fy.pdf"
    result = cli("print", "profile", "--workspace", str(demo), "--out", str(out), "--reason",
                 "Financial year report", "--home-authority", "Demo Borough Council")
    assert result.returncode == 0, result.stderr
    quarter = Quarter.last_complete(date.today())
    assert quarter.financial and str(quarter).startswith("FY")
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert f"{quarter.label}: {quarter.kind_label} ({quarter})" in text
    assert "Home authority: Demo Borough Council." in text
    assert any(f"Quarterly missing profile {quarter} (restricted)" in r
               for r in audit_reasons(demo))


def test_a_reason_naming_someone_is_read_from_stdin_not_argv(demo: Path,
                                                            tmp_path: Path) -> None:
    """Without --reason the reason is the line after the passphrase (issue 16: nothing
    personal in argv), and the audit keeps it."""
    out = tmp_path / "agenda.pdf"
    result = cli("print", "agenda", "--workspace", str(demo), "--date", "2026-03-02",
                 "--out", str(out), stdin=f"{PASS}\nRMM for Quillon Zephyrine\n")
    assert result.returncode == 0, result.stderr
    assert "reason: RMM for Quillon Zephyrine;" in audit_reasons(demo)[-1]


def test_protected_print_opens_only_with_its_password(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "protected.pdf"
    result = cli("print", "profile", "--workspace", str(demo), "--quarter", "2026Q3",
                 "--out", str(out), "--reason", "Send to partner", "--protect",
                 "--home-authority", "Demo Borough Council",
                 stdin=f"{PASS}\npdf password 123\npdf password 123\n")
    assert result.returncode == 0, result.stderr
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(out)
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert reader.decrypt("pdf password 123")
    assert "password-protected" in audit_reasons(demo)[-1]


def _first_person(folder: Path) -> dict:
    listed = cli("person", "list", "--workspace", str(folder), "--json")
    assert listed.returncode == 0, listed.stderr
    import json

    return json.loads(listed.stdout)[0]


def test_print_summary_for_a_police_audience(demo: Path, tmp_path: Path) -> None:
    child = _first_person(demo)
    out = tmp_path / "summary.pdf"
    result = cli("print", "summary", "--workspace", str(demo), "--person", child["id"],
                 "--profile", "police", "--sections", "child,missing,actions",
                 "--out", str(out), "--reason", "Police liaison for the RMM",
                 stdin=f"{PASS}\npdf password 123\npdf password 123\n")
    assert result.returncode == 0, result.stderr
    assert "password-protected" in result.stdout  # by default: the copy leaves the team
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(out)
    reader = PdfReader(out)
    assert reader.decrypt("pdf password 123")
    words = "\n".join(page.extract_text() for page in reader.pages)
    assert child["family_name"] in words and "Missing episodes" in words
    assert "Chronology" not in words  # not chosen
    assert ("profile police; password-protected; reason: Police liaison for the RMM"
            in audit_reasons(demo)[-1])
    wrong = cli("print", "summary", "--workspace", str(demo), "--person", child["id"],
                "--profile", "press", "--out", str(out), "--reason", "x")
    assert wrong.returncode == 2 and "internal" in one_plain_error(wrong)


def test_print_agenda_pack(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack.pdf"
    result = cli("print", "agenda", "--workspace", str(demo), "--date", "2026-11-24",
                 "--out", str(out), "--reason", "Weekly RMM")
    assert result.returncode == 0, result.stderr
    reader = PdfReader(out)
    assert reader.outline and "agenda" in reader.pages[0].extract_text().lower()
    bad = cli("print", "agenda", "--workspace", str(demo), "--date", "next tuesday",
              "--out", str(out), "--reason", "x")
    assert bad.returncode == 2 and "YYYY-MM-DD" in one_plain_error(bad)


def test_saved_pdfs_are_private_and_their_metadata_names_no_one(demo: Path,
                                                                tmp_path: Path) -> None:
    """Issue 16: under the laxest umask the saved PDF is still 0600, and its document
    information names neither the child nor the worker (the page names the worker)."""
    child = _first_person(demo)
    out = tmp_path / "summary.pdf"
    rules = tmp_path / "rules.pdf"
    commands = [
        ["print", "summary", "--workspace", str(demo), "--person", child["id"], "--out",
         str(out), "--reason", "Internal RMM", "--passphrase-stdin"],
        ["forms", "rules", "--form", "exploitation-screening", "--out", str(rules)],
    ]
    for args in commands:
        result = subprocess.run([sys.executable, "-m", "cse_desktop", *args], input=PASS + "\n",
                                capture_output=True, text=True, timeout=180,
                                preexec_fn=lambda: os.umask(0))
        assert result.returncode == 0, result.stderr
    for pdf in (out, rules):
        assert os.stat(pdf).st_mode & 0o777 == 0o600, pdf
    reader = PdfReader(out)
    info = " ".join(str(v) for v in (reader.metadata or {}).values())
    assert "RMM case summary" in info
    for name in (child["given_name"], child["family_name"], "Pat", "Manager"):
        assert name not in info
    assert "Pat Manager" in " ".join(reader.pages[0].extract_text().split())
    assert child["family_name"] in reader.pages[0].extract_text()
    assert "/Metadata" not in reader.trailer["/Root"]  # no XMP packet to carry a name either


def test_a_copy_leaving_the_team_may_be_saved_unprotected_when_asked(demo: Path,
                                                                    tmp_path: Path) -> None:
    out = tmp_path / "pack.pdf"
    result = cli("print", "agenda", "--workspace", str(demo), "--date", "2026-11-24",
                 "--profile", "education", "--no-protect", "--out", str(out), "--reason",
                 "DSL briefing")
    assert result.returncode == 0, result.stderr
    assert not PdfReader(out).is_encrypted
    assert "password-protected" not in audit_reasons(demo)[-1]
