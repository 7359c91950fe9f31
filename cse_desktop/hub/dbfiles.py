"""The hub's SQLite files are private to the account that runs the hub.

They hold every record the hub has, in clear. A new database file is created with mode 0600
(SQLite gives its ``-wal`` and ``-shm`` files the database file's mode); the hub refuses to
open one that other users of the machine may read or write, with a plain message saying how
to fix it. (On PostgreSQL the files are the server's: the operator guide says to keep its data
directory on an encrypted volume.)
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cse_desktop.domain.errors import CseError


class DatabaseFileExposed(CseError):
    code = "hub_database_exposed"
    exit_status = 4


def secure(database: str | None) -> None:
    """Create the SQLite file ``database`` as 0600 if it is new; refuse it if it (or its
    ``-wal``/``-shm`` files) can be read or written by the group or by others."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass  # created meanwhile by another process: checked below
        except OSError:
            return  # no such folder, no permission: SQLite says so in its own words
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            raise DatabaseFileExposed(
                f"The hub database file {candidate} can be read by other users of this "
                f"machine (its mode is {mode:04o}), so the hub will not use it. It holds "
                f"every record in clear: make it private with 'chmod 600 {candidate}' "
                "(and check who may have read it).")
