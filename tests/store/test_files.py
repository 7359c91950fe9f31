"""Everything the app writes is its owner's only (issue 16, item 4): files 0600, the folders it
creates 0700, whatever the umask; a folder that already existed is left as it was.

Checked with os.stat for each writer: the helper itself (under the laxest umask, 0, and one
that takes more away than asked, 0277), then the workspace (database, its -wal and -shm, key
file, unlock-failure record), a backup, a restore and the pre-upgrade backups folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from cse_desktop.domain.errors import WrongPassphrase
from cse_desktop.store import Workspace
from cse_desktop.store.files import private_dir, private_staging, touch_private, write_private

from .conftest import PASSPHRASE, create_workspace, make_person


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o000, 0o277], ids=["umask-000", "umask-277"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_the_helpers_give_0600_files_and_0700_folders_whatever_the_umask(
        tmp_path: Path, umask: int) -> None:
    os.chmod(tmp_path, 0o755)  # noqa: S103  # a folder the test made, to see it left alone
    folder = private_dir(tmp_path / "a" / "b", parents=True)
    assert mode(folder) == mode(folder.parent) == 0o700
    assert mode(tmp_path) == 0o755  # it existed: left alone
    write_private(folder / "whole.bin", b"one")
    write_private(folder / "whole.bin", b"two")  # replacing keeps it private
    assert (folder / "whole.bin").read_bytes() == b"two"
    with private_staging(folder / "streamed.bin") as fh:
        fh.write(b"streamed")
    touch_private(folder / "empty.db")
    for name in ("whole.bin", "streamed.bin", "empty.db"):
        assert mode(folder / name) == 0o600, name
    assert sorted(p.name for p in folder.iterdir()) == ["empty.db", "streamed.bin",
                                                         "whole.bin"]  # no staging left
    with pytest.raises(FileExistsError):
        touch_private(folder / "empty.db")


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with pytest.raises(RuntimeError), private_staging(target) as fh:
        fh.write(b"half")
        raise RuntimeError("stopped")
    assert list(tmp_path.iterdir()) == []


def test_the_workspace_backup_and_restore_are_private(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        folder = tmp_path / "home" / "ws"
        ws, _ = create_workspace(folder)
        ws.people.add(make_person())
        files = {p.name: mode(p) for p in folder.iterdir()}
        assert {"workspace.db", "workspace.db-wal", "workspace.db-shm",
                "workspace.key"} <= set(files)
        assert set(files.values()) == {0o600}, files
        assert mode(folder) == mode(folder.parent) == 0o700
        out = tmp_path / "backup.csebackup"
        ws.backup(out)
        ws.lock()
        assert mode(out) == 0o600
        assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.csebackup", "home"]

        with pytest.raises(WrongPassphrase):
            Workspace.open(folder, "not the passphrase at all")
        failures = [p for p in folder.iterdir() if "fail" in p.name]
        assert failures and {mode(p) for p in failures} == {0o600}

        restored = tmp_path / "restored" / "ws"
        Workspace.restore(out, restored, PASSPHRASE).lock()
        assert mode(restored) == mode(restored.parent) == 0o700
        assert {p.name: mode(p) for p in restored.iterdir()} == {
            p.name: 0o600 for p in restored.iterdir()}
    finally:
        os.umask(old)


def test_an_older_workspace_is_made_private_at_its_next_unlock(tmp_path: Path) -> None:
    """A workspace written before files were 0600 (made here by opening up its modes, as an
    older version under umask 022 left them) is tightened once it has been unlocked."""
    folder = tmp_path / "ws"
    ws, _ = create_workspace(folder)
    ws.lock()
    os.chmod(folder, 0o755)  # noqa: S103  # as older versions left it
    for path in folder.iterdir():
        os.chmod(path, 0o644)
    with pytest.raises(WrongPassphrase):  # a failed unlock changes nothing but its record
        Workspace.open(folder, "not the passphrase at all")
    assert mode(folder / "workspace.db") == 0o644
    Workspace.open(folder, PASSPHRASE).lock()
    assert mode(folder) == 0o700
    assert {p.name: mode(p) for p in folder.iterdir()} == {
        p.name: 0o600 for p in folder.iterdir()}
