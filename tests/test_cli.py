"""The `cse-desktop` command line, run as a user runs it: a real process, real workspaces."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

PASS = "correct horse battery staple"
NEW_PASS = "a different, longer passphrase"


def cli(*args: str, stdin: str = "", home: Path | None = None) -> subprocess.CompletedProcess:
    env = None
    if home is not None:
        import os

        env = {**os.environ, "CSE_DESKTOP_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "cse_desktop", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, env=env)


def assert_plain_error(result: subprocess.CompletedProcess) -> None:
    """A user's error: exactly one plain line on stderr, never a traceback."""
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cse-desktop: ")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    result = cli("init", "--workspace", str(folder), "--owner", "Test Worker",
                 "--passphrase-stdin", stdin=PASS + "\n")
    assert result.returncode == 0, result.stderr
    return folder


def add_person(folder: Path, given: str = "Alex", family: str = "Sample",
               dob: str = "2011-02-03", **extra: object) -> str:
    details = json.dumps({"given_name": given, "family_name": family, "dob": dob, **extra})
    result = cli("person", "add", "--workspace", str(folder), "--from-json", "-",
                 "--passphrase-stdin", stdin=PASS + "\n" + details)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def list_people(folder: Path, passphrase: str = PASS) -> list[dict]:
    result = cli("person", "list", "--workspace", str(folder), "--json", "--passphrase-stdin",
                 stdin=passphrase + "\n")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def key_slots(folder: Path) -> dict:
    """The wrapped keys in a workspace's key file (not its count of failed unlocks)."""
    return json.loads((folder / "workspace.key").read_text())["body"]["slots"]


def folder_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def test_init_prints_the_recovery_code_once_on_its_last_line(tmp_path: Path) -> None:
    result = cli("init", "--workspace", str(tmp_path / "ws"),
                 "--passphrase-stdin", stdin=PASS + "\n")
    assert result.returncode == 0, result.stderr
    code = result.stdout.strip().splitlines()[-1]
    assert len(code) == 29 and code.count("-") == 5
    assert result.stdout.count(code) == 1
    # ... and the code really unlocks the workspace (passwd --recovery: code, then new twice)
    result = cli("passwd", "--workspace", str(tmp_path / "ws"), "--recovery",
                 "--passphrase-stdin", stdin=f"{code.lower()}\n{NEW_PASS}\n")
    assert result.returncode == 0, result.stderr
    assert list_people(tmp_path / "ws", NEW_PASS) == []


def test_init_refuses_a_weak_passphrase_and_creates_nothing(tmp_path: Path) -> None:
    result = cli("init", "--workspace", str(tmp_path / "ws"),
                 "--passphrase-stdin", stdin="short\n")
    assert result.returncode == 1
    assert_plain_error(result)
    assert "at least 10 characters" in result.stderr
    assert not (tmp_path / "ws").exists()
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_an_existing_workspace(workspace: Path) -> None:
    before = folder_hashes(workspace)
    result = cli("init", "--workspace", str(workspace),
                 "--passphrase-stdin", stdin=PASS + "\n")
    assert result.returncode == 1
    assert_plain_error(result)
    assert folder_hashes(workspace) == before


def test_person_add_and_list(workspace: Path) -> None:
    first = add_person(workspace, "Alex", "Sample", "2011-02-03", also_known_as=["Lexi"])
    second = add_person(workspace, "Bo", "Example", "2012-12-31")
    people = list_people(workspace)
    assert {p["id"] for p in people} == {first, second}
    by_id = {p["id"]: p for p in people}
    assert by_id[first]["given_name"] == "Alex"
    assert by_id[first]["family_name"] == "Sample"
    assert by_id[first]["dob"] == "2011-02-03"
    assert by_id[first]["also_known_as"] == ["Lexi"]
    result = cli("person", "list", "--workspace", str(workspace), "--search", "lex",
                 "--passphrase-stdin", stdin=PASS + "\n")
    assert result.returncode == 0
    assert "Sample, Alex" in result.stdout and "Example" not in result.stdout


@pytest.mark.parametrize("dob, words", [("2011-02-30", "YYYY-MM-DD"),
                                        ("2099-01-01", "future"),
                                        ("1970-01-01", "30 years")])
def test_person_add_rejects_bad_dates_plainly(workspace: Path, dob: str, words: str) -> None:
    details = json.dumps({"given_name": "Al", "family_name": "Sample", "dob": dob})
    result = cli("person", "add", "--workspace", str(workspace), "--from-json", "-",
                 "--passphrase-stdin", stdin=PASS + "\n" + details)
    assert result.returncode == 1
    assert_plain_error(result)
    assert words in result.stderr
    assert list_people(workspace) == []


def test_wrong_passphrase_exits_3_and_changes_nothing_but_the_failure_count(
        workspace: Path) -> None:
    before = folder_hashes(workspace)
    before_slots = key_slots(workspace)
    result = cli("check", "--workspace", str(workspace), "--passphrase-stdin",
                 stdin="not the passphrase\n")
    assert result.returncode == 3
    assert_plain_error(result)
    assert "passphrase is not correct" in result.stderr
    after = folder_hashes(workspace)
    assert set(after) - set(before) == {"unlock-failures.json"}
    # the key file counts the failure too (issue 16); its wrapped keys stay as they were
    assert {k: after[k] for k in before if k != "workspace.key"} == {
        k: v for k, v in before.items() if k != "workspace.key"}
    assert key_slots(workspace) == before_slots


def test_locked_out_after_ten_failures(workspace: Path) -> None:
    for _ in range(10):
        assert cli("check", "--workspace", str(workspace), "--passphrase-stdin",
                   stdin="wrong guess\n").returncode == 3
    result = cli("check", "--workspace", str(workspace), "--passphrase-stdin",
                 stdin=PASS + "\n")
    assert result.returncode == 3
    assert_plain_error(result)
    assert "Too many wrong attempts" in result.stderr


def test_check_reports_a_sound_workspace(workspace: Path) -> None:
    add_person(workspace)
    result = cli("check", "--workspace", str(workspace), "--passphrase-stdin",
                 stdin=PASS + "\n")
    assert result.returncode == 0, result.stderr
    assert "Workspace sound" in result.stdout
    assert "1 change waiting" in result.stdout


def test_check_exits_4_when_the_audit_chain_is_broken(workspace: Path) -> None:
    add_person(workspace)
    # An attacker with the key removes the append-only trigger and edits an audit row.
    from cse_desktop.store import Workspace

    ws = Workspace.open(workspace, PASS)
    ws.db.execute("DROP TRIGGER audit_event_no_update")
    ws.db.execute("UPDATE audit_event SET actor = 'someone else' WHERE seq = 2")
    ws.db.close()  # leave without the audited lock
    result = cli("check", "--workspace", str(workspace), "--passphrase-stdin",
                 stdin=PASS + "\n")
    assert result.returncode == 4
    assert "Traceback" not in result.stderr
    assert "audit row 2" in result.stderr


def test_check_exits_4_on_a_damaged_database(workspace: Path) -> None:
    add_person(workspace)
    db = workspace / "workspace.db"
    data = bytearray(db.read_bytes())
    data[4096 + 200] ^= 0xFF  # a byte inside page 2
    db.write_bytes(bytes(data))
    result = cli("check", "--workspace", str(workspace), "--passphrase-stdin",
                 stdin=PASS + "\n")
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr


def test_passwd_changes_the_passphrase(workspace: Path) -> None:
    add_person(workspace)
    result = cli("passwd", "--workspace", str(workspace), "--passphrase-stdin",
                 stdin=f"{PASS}\n{NEW_PASS}\n")
    assert result.returncode == 0, result.stderr
    assert len(list_people(workspace, NEW_PASS)) == 1
    old = cli("check", "--workspace", str(workspace), "--passphrase-stdin", stdin=PASS + "\n")
    assert old.returncode == 3


def test_passwd_with_a_wrong_old_passphrase_keeps_the_key_file(workspace: Path) -> None:
    slots = key_slots(workspace)
    result = cli("passwd", "--workspace", str(workspace), "--passphrase-stdin",
                 stdin=f"wrong old one\n{NEW_PASS}\n")
    assert result.returncode == 3
    assert_plain_error(result)
    assert key_slots(workspace) == slots  # (only the count of failed unlocks moved)


def test_backup_and_restore_round_trip(workspace: Path, tmp_path: Path) -> None:
    ids = {add_person(workspace, "Alex"), add_person(workspace, "Bo")}
    backup = tmp_path / "ws.cse-backup"
    result = cli("backup", "--workspace", str(workspace), "--out", str(backup),
                 "--passphrase-stdin", stdin=PASS + "\n")
    assert result.returncode == 0, result.stderr
    for name in ids:  # the backup file is encrypted too
        assert name.encode() not in backup.read_bytes()
    assert b"Alex" not in backup.read_bytes()
    restored = tmp_path / "restored"
    result = cli("restore", "--from", str(backup), "--workspace", str(restored),
                 "--passphrase-stdin", stdin=PASS + "\n")
    assert result.returncode == 0, result.stderr
    assert {p["id"] for p in list_people(restored)} == ids
    # Restoring over an existing workspace is refused and changes nothing.
    before = folder_hashes(restored)
    again = cli("restore", "--from", str(backup), "--workspace", str(restored),
                "--passphrase-stdin", stdin=PASS + "\n")
    assert again.returncode == 1
    assert_plain_error(again)
    assert folder_hashes(restored) == before


def test_restore_of_a_damaged_backup_creates_nothing(workspace: Path, tmp_path: Path) -> None:
    backup = tmp_path / "ws.cse-backup"
    assert cli("backup", "--workspace", str(workspace), "--out", str(backup),
               "--passphrase-stdin", stdin=PASS + "\n").returncode == 0
    data = bytearray(backup.read_bytes())
    data[-100] ^= 0x01
    backup.write_bytes(bytes(data))
    result = cli("restore", "--from", str(backup), "--workspace", str(tmp_path / "r"),
                 "--passphrase-stdin", stdin=PASS + "\n")
    assert result.returncode == 4
    assert_plain_error(result)
    assert not (tmp_path / "r").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws", "ws.cse-backup"]


def test_demo_is_deterministic_and_fictional(tmp_path: Path) -> None:
    listings = []
    for name in ("a", "b"):
        folder = tmp_path / name
        result = cli("demo", "--workspace", str(folder), "--people", "8", "--seed", "7",
                     "--passphrase-stdin", stdin=PASS + "\n")
        assert result.returncode == 0, result.stderr
        assert "8 person" in result.stdout
        listings.append(list_people(folder))
    assert listings[0] == listings[1]
    assert len(listings[0]) == 8
    assert all("DEMO" in p["flags"] and p["postcode"].startswith("ZZ99") for p in listings[0])
    other = tmp_path / "c"
    assert cli("demo", "--workspace", str(other), "--people", "8", "--seed", "8",
               "--passphrase-stdin", stdin=PASS + "\n").returncode == 0
    assert list_people(other) != listings[0]
    # A second demo into the same workspace is refused plainly.
    again = cli("demo", "--workspace", str(tmp_path / "a"), "--passphrase-stdin",
                stdin=PASS + "\n")
    assert again.returncode == 1
    assert_plain_error(again)


def test_passphrases_are_never_taken_from_argv(workspace: Path) -> None:
    result = cli("check", "--workspace", str(workspace), "--passphrase", PASS)
    assert result.returncode == 2
    assert_plain_error(result)


def test_without_a_terminal_or_stdin_flag_the_cli_says_what_to_do(workspace: Path) -> None:
    result = cli("check", "--workspace", str(workspace))
    assert result.returncode == 2
    assert_plain_error(result)
    assert "--passphrase-stdin" in result.stderr


@pytest.mark.parametrize("argv", [["frobnicate"], ["person"], ["init"],
                                  ["demo", "--workspace", "x", "--people", "0"]])
def test_usage_errors_exit_2_on_one_line(argv: list[str]) -> None:
    result = cli(*argv)
    assert result.returncode == 2
    assert_plain_error(result)


def test_missing_workspace_is_a_plain_error(tmp_path: Path) -> None:
    result = cli("check", "--workspace", str(tmp_path / "nowhere"), "--passphrase-stdin",
                 stdin=PASS + "\n")
    assert result.returncode == 1
    assert_plain_error(result)
    assert "no workspace" in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = cli("--debug", "check", "--workspace", str(tmp_path / "nowhere"),
                 "--passphrase-stdin", stdin=PASS + "\n")
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_version() -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("cse-desktop ")


def test_output_cut_by_its_reader_ends_quietly() -> None:
    """`cse-desktop forms describe … | head`: the reader takes one line and closes the pipe.

    The pipe is shrunk to one page so the 30 KB of output cannot all fit in it before the reader
    closes: the writer really meets the closed pipe (EPIPE), every run."""
    fcntl = pytest.importorskip("fcntl")
    if not hasattr(fcntl, "F_SETPIPE_SZ"):
        pytest.skip("pipe sizes can only be set on Linux")
    import os

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    proc = subprocess.Popen([sys.executable, "-m", "cse_desktop", "forms", "describe",
                             "--form", "exploitation-screening", "--json"],
                            stdout=write_end, stderr=subprocess.PIPE, text=True)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        first = reader.readline()
    _, stderr = proc.communicate(timeout=120)
    assert first.strip() == b"["  # it had started writing a long JSON list
    assert stderr == ""  # no "unexpected error (BrokenPipeError)", no "Exception ignored"
    assert proc.returncode == 141  # 128 + SIGPIPE: what a shell reports for a cut pipe
