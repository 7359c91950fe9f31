"""`cse-desktop init` and `passwd` apply the store's passphrase rule: the reason in plain words,
a non-zero exit, no traceback, and nothing written."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from test_cli import assert_plain_error, cli, key_slots, list_people

STRONG = "kettle violin marmalade lighthouse"
NEW_STRONG = "lantern orbit velvet pumpkin"
REFUSED = "This passphrase is too easy to guess: it is rated Very weak, and a workspace " \
          "passphrase must be rated Fair or better."


def _slots(key_file: Path) -> dict:
    """The wrapped keys of a key file (what a passphrase change would rewrite)."""
    return json.loads(key_file.read_bytes())["body"]["slots"]


def init(folder: Path, passphrase: str, *extra: str) -> subprocess.CompletedProcess:
    return cli("init", "--workspace", str(folder), "--owner", "Sam Fictional", "--team",
               "North Kestrel Team", *extra, "--passphrase-stdin",
               stdin=passphrase + "\n")


@pytest.mark.parametrize("weak", ["password12", "Liverpool2019", "qwertyuiop"])
def test_init_refuses_a_weak_passphrase_cleanly(tmp_path: Path, weak: str) -> None:
    result = init(tmp_path / "ws", weak)
    assert result.returncode == 1
    assert_plain_error(result)
    assert result.stderr.startswith(f"cse-desktop: {REFUSED} ")
    assert "Add another word or two." in result.stderr
    assert weak not in result.stderr + result.stdout
    assert result.stdout == ""  # no recovery code
    assert list(tmp_path.iterdir()) == []  # no folder, no staging folder


def test_init_counts_the_owners_name(tmp_path: Path) -> None:
    result = init(tmp_path / "ws", "Fictional Kestrel 2024")
    assert result.returncode == 1
    assert_plain_error(result)
    assert "Avoid your own name and your team's name." in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_init_accepts_a_strong_passphrase(tmp_path: Path) -> None:
    result = init(tmp_path / "ws", STRONG)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert list_people(tmp_path / "ws", STRONG) == []


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    assert init(tmp_path / "ws", STRONG).returncode == 0
    return tmp_path / "ws"


def test_passwd_refuses_a_weak_passphrase_and_keeps_the_key_file(workspace: Path) -> None:
    before = _slots(workspace / "workspace.key")
    result = cli("passwd", "--workspace", str(workspace), "--passphrase-stdin",
                 stdin=f"{STRONG}\npassword12\n")
    assert result.returncode == 1
    assert_plain_error(result)
    assert result.stderr.startswith(f"cse-desktop: {REFUSED} ")
    assert "Passphrase changed" not in result.stdout
    # the key file's slots are untouched (its audit mark moves with every unlock and lock)
    assert _slots(workspace / "workspace.key") == before
    assert list_people(workspace, STRONG) == []


def test_passwd_after_recovery_refuses_a_weak_passphrase(tmp_path: Path) -> None:
    result = init(tmp_path / "ws", STRONG)
    code = result.stdout.strip().splitlines()[-1]
    slots = key_slots(tmp_path / "ws")
    result = cli("passwd", "--workspace", str(tmp_path / "ws"), "--recovery",
                 "--passphrase-stdin", stdin=f"{code}\nshort\n")
    assert result.returncode == 1
    assert_plain_error(result)
    assert "at least 10 characters" in result.stderr
    # the wrapped keys are untouched (the key file notes that the recovery code was used)
    assert key_slots(tmp_path / "ws") == slots


def test_passwd_accepts_a_strong_passphrase(workspace: Path) -> None:
    result = cli("passwd", "--workspace", str(workspace), "--passphrase-stdin",
                 stdin=f"{STRONG}\n{NEW_STRONG}\n")
    assert result.returncode == 0, result.stderr
    assert "Passphrase changed." in result.stdout
    assert list_people(workspace, NEW_STRONG) == []
    old = cli("check", "--workspace", str(workspace), "--passphrase-stdin", stdin=STRONG + "\n")
    assert old.returncode == 3
