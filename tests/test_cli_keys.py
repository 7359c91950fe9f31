"""The command line's keys (issue 16, items 1 and 2), run as a user runs it.

The findings reproduced: the shipped ``cse-desktop`` had a hidden ``--insecure-test-kdf`` on
``init`` and ``demo``, and its loader opened key files at that cost; ``passwd`` could not revoke
a passphrase or recovery code that had been seen.  "Shipped" here means the program without the
test suite's start-up hook (``support/testkdf.py``): PYTHONPATH is this checkout only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import testkdf
from test_cli import NEW_PASS, PASS, assert_plain_error, cli, list_people

from cse_desktop.store import KdfParams, Workspace
from cse_desktop.store.keys import KEY_FILE_NAME, PASSPHRASE_SLOT, RECOVERY_SLOT, KeyFile


def shipped(*args: str, stdin: str = PASS + "\n") -> subprocess.CompletedProcess:
    """``cse-desktop`` as installed: no test hook in the process."""
    env = {**os.environ, "PYTHONPATH": str(testkdf.ROOT)}
    return subprocess.run([sys.executable, "-m", "cse_desktop", *args, "--passphrase-stdin"],
                          input=stdin, capture_output=True, text=True, timeout=120, env=env)


def test_the_shipped_cli_has_no_test_kdf_flag(tmp_path: Path) -> None:
    for command in ("init", "demo"):
        result = shipped(command, "--workspace", str(tmp_path / "ws"), "--insecure-test-kdf")
        assert result.returncode == 2
        assert_plain_error(result)
        assert "unrecognized arguments: --insecure-test-kdf" in result.stderr
        assert not (tmp_path / "ws").exists()


def test_the_shipped_cli_refuses_a_test_kdf_key_file(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    assert cli("init", "--workspace", str(folder), "--passphrase-stdin",
               stdin=PASS + "\n").returncode == 0  # the suite's cheap cost
    assert KeyFile.load(folder / KEY_FILE_NAME).kdf_params() == KdfParams.insecure_for_tests()
    before = (folder / KEY_FILE_NAME).read_bytes()
    result = shipped("check", "--workspace", str(folder))
    assert result.returncode == 4
    assert "less work than CSE Desktop accepts" in assert_one_line(result)
    assert (folder / KEY_FILE_NAME).read_bytes() == before


def assert_one_line(result: subprocess.CompletedProcess) -> str:
    assert_plain_error(result)
    return result.stderr.strip()


def test_the_shipped_cli_creates_at_the_production_cost(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    result = shipped("init", "--workspace", str(folder), "--owner", "Test Worker")
    assert result.returncode == 0, result.stderr
    key_file = KeyFile.load(folder / KEY_FILE_NAME)
    for slot in (PASSPHRASE_SLOT, RECOVERY_SLOT):
        assert key_file.kdf_params(slot) == KdfParams.production()


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "ws"
    made = cli("init", "--workspace", str(folder), "--owner", "Test Worker",
               "--passphrase-stdin", stdin=PASS + "\n")
    assert made.returncode == 0, made.stderr
    return folder, made.stdout.strip().splitlines()[-1]


def test_passwd_rekey_revokes_the_old_passphrase_and_key_file(
        workspace: tuple[Path, str]) -> None:
    folder, old_code = workspace
    old_key_file = (folder / KEY_FILE_NAME).read_bytes()
    result = cli("passwd", "--workspace", str(folder), "--rekey", "--passphrase-stdin",
                 stdin=f"{PASS}\n{NEW_PASS}\n{NEW_PASS}\n")
    assert result.returncode == 0, result.stderr
    assert "Old key files and the old passphrase and recovery code no longer open it" in (
        result.stdout)
    assert "Backups made before now still open" in result.stdout
    code = result.stdout.strip().splitlines()[-1]
    assert len(code) == 29 and code != old_code
    wrong = cli("person", "list", "--workspace", str(folder), "--passphrase-stdin",
                stdin=PASS + "\n")
    assert wrong.returncode == 3
    assert list_people(folder, NEW_PASS) == []
    (folder / KEY_FILE_NAME).write_bytes(old_key_file)  # an old copy of the key file
    stale = cli("person", "list", "--workspace", str(folder), "--passphrase-stdin",
                stdin=PASS + "\n")
    assert stale.returncode == 4
    assert_plain_error(stale)


def test_passwd_recovery_replaces_the_used_code(workspace: tuple[Path, str]) -> None:
    folder, old_code = workspace
    result = cli("passwd", "--workspace", str(folder), "--recovery", "--passphrase-stdin",
                 stdin=f"{old_code}\n{NEW_PASS}\n")
    assert result.returncode == 0, result.stderr
    assert "You used your recovery code, so it has been replaced" in result.stdout
    assert "passwd --rekey" in result.stdout
    code = result.stdout.strip().splitlines()[-1]
    assert code != old_code
    again = cli("passwd", "--workspace", str(folder), "--recovery", "--passphrase-stdin",
                stdin=f"{old_code}\n{PASS}\n")
    assert again.returncode == 3
    with Workspace.open(folder, recovery_code=code) as ws:
        assert ws.recovery_code_used  # e.g. the desktop closed before a new code was made


def test_the_cli_says_when_a_new_recovery_code_is_due(workspace: tuple[Path, str]) -> None:
    folder, code = workspace
    with Workspace.open(folder, recovery_code=code):
        pass  # unlocked with the code, and no new one made
    listed = cli("person", "list", "--workspace", str(folder), "--json", "--passphrase-stdin",
                 stdin=PASS + "\n")
    assert listed.returncode == 0
    assert json.loads(listed.stdout) == []
    assert "passwd --new-recovery-code" in listed.stderr
    made = cli("passwd", "--workspace", str(folder), "--new-recovery-code",
               "--passphrase-stdin", stdin=PASS + "\n")
    assert made.returncode == 0, made.stderr
    new_code = made.stdout.strip().splitlines()[-1]
    quiet = cli("person", "list", "--workspace", str(folder), "--passphrase-stdin",
                stdin=PASS + "\n")
    assert quiet.returncode == 0 and quiet.stderr == ""
    with Workspace.open(folder, recovery_code=new_code):
        pass
