"""Files and folders the app writes: readable by their owner only, whatever the umask.

Everything the app writes (the workspace, backups, saved and exported PDFs, settings) may hold
a child's details, and a laptop is shared with other accounts (IT, family members, services).
So every file is created 0600 and every folder the app creates 0700, from the moment it exists:
the mode is given to ``open``/``mkdir`` (so no one can open the file between its creation and a
later ``chmod``) and set again on the open descriptor, because a umask can take bits away from
the mode asked for (``umask 0277`` would leave a 0400 file) but never adds them. Folders that
already exist (the user's Documents, say) are left as they are: the files in them are private.

On Windows the bits mean little (a file inherits its folder's ACL, which for the app's data
folder under %LOCALAPPDATA% is the user's own); the calls are the same.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

#: a file the app writes: read and write by its owner only
FILE_MODE = 0o600
#: a folder the app creates: its owner only
DIR_MODE = 0o700


def private_dir(folder: Path, *, parents: bool = False) -> Path:
    """``folder``, created 0700 if it does not exist (and each missing parent too, with
    ``parents``); an existing folder is left as it is."""
    folder = Path(folder)
    if parents and not folder.parent.exists():
        private_dir(folder.parent, parents=True)
    try:
        os.mkdir(folder, DIR_MODE)
    except FileExistsError:
        if not folder.is_dir():
            raise
        return folder
    if os.name == "posix":
        os.chmod(folder, DIR_MODE)  # the umask may have taken bits away; no one else can
        # enter it meanwhile, as no bit beyond DIR_MODE was ever set
    return folder


def create_private(path: Path, *, exclusive: bool = True) -> BinaryIO:
    """``path`` opened for writing, created 0600 (``exclusive``: it must not exist yet;
    otherwise an existing file is emptied and keeps its own mode)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0), FILE_MODE)
    try:
        if os.name == "posix" and exclusive:
            os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def touch_private(path: Path) -> Path:
    """An empty new file at ``path``, 0600, for an engine that writes into an existing file
    and keeps its mode (SQLite, and its -wal and -shm files, which copy the database's)."""
    create_private(path).close()
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all, 0600: written and flushed to disk beside it under a
    temporary name, then moved into place (replacing a file already there)."""
    with private_staging(Path(path)) as fh:
        fh.write(data)


@contextmanager
def private_staging(path: Path) -> Iterator[BinaryIO]:
    """A new 0600 file beside ``path`` to write into; moved onto ``path`` when the block ends
    without an error, removed otherwise."""
    staging = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        with create_private(staging) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def staging_folder(target: Path) -> Path:
    """A new private folder beside ``target`` (its parent made if need be) to build something
    in before :func:`move_into_place` puts it at ``target``."""
    private_dir(target.parent, parents=True)
    return private_dir(target.parent / f".{target.name}.staging-{secrets.token_hex(4)}")


def move_into_place(staging: Path, folder: Path) -> None:
    """Rename ``staging`` to ``folder`` (an empty folder already there is replaced), durably."""
    if folder.exists():
        folder.rmdir()  # empty, or the rename would have to refuse
    os.replace(staging, folder)
    fsync_dir(folder.parent)


def make_private(folder: Path) -> int:
    """Take group and other access away from ``folder``, the files in it and its subfolders
    (a workspace written by a version before files were made 0600); returns how many changed.
    Only for what the app itself made: never a user's own folder."""
    if os.name != "posix":
        return 0
    changed = 0
    for path in [folder, *sorted(Path(folder).rglob("*"))]:
        try:
            if path.is_symlink():
                continue
            mode = os.stat(path).st_mode & 0o777
            if mode & 0o077:
                os.chmod(path, mode & 0o700)
                changed += 1
        except OSError:  # not ours to change (another owner, a read-only disk): the unlock
            continue     # goes on; the next one tries again
    return changed


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (POSIX; a no-op elsewhere)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
