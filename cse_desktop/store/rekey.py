"""Re-keying a workspace: a new database key, passphrase and recovery code.

For "I think my passphrase or recovery code was seen" (``cse-desktop passwd --rekey``, the
desktop's choice of the same words).  Changing the passphrase only re-wraps the database key, so
a copy of the old key file (from any backup) with the old passphrase would still open the
database.  Re-keying encrypts the database afresh under a new random key:

1. the database is copied, encrypted under the new key, to ``workspace.db.rekey``
   (``sqlcipher_export``, as a backup is), fsynced and checked; the audit event of the re-key
   is written first, so the copy holds it;
2. the connection is checkpointed and closed (no WAL is left beside the old database);
3. the new key file (the new key wrapped under the new passphrase and a new recovery code)
   replaces the old one atomically: *this* is the moment the re-key takes effect;
4. the copy is renamed over ``workspace.db`` and the connection reopened under the new key.

A crash before step 3 leaves the old key file, which opens the old database; the copy does not
open with its key and is removed at the next unlock.  A crash after step 3 leaves the new key
file; the next unlock finds the copy, which opens with the new key, and finishes step 4
(:func:`finish_interrupted`).  Either the old secrets open the old workspace or the new secrets
open the new one, never neither (``tests/store/test_rekey.py`` kills the process at random
moments to show it).

``PRAGMA rekey`` was not used: it re-encrypts the file in place in one transaction, but the key
lives in a second file, and between the database's commit and the key file's replacement no
key file on disk would open the database.

Backups made before a re-key keep the key file and the key they were made with: they still
open with the passphrase or recovery code valid when they were made.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from cse_desktop.domain.errors import NotOurDatabase
from cse_desktop.domain.models import AuditAction
from cse_desktop.store import connection
from cse_desktop.store.files import fsync_dir
from cse_desktop.store.keys import KeyFile, default_params

if TYPE_CHECKING:
    from cse_desktop.store.workspace import Workspace

log = logging.getLogger(__name__)

#: the audit reasons (the action is ``change-passphrase``)
REKEYED = "re-key: new database key, passphrase and recovery code"
ABANDONED = "re-key abandoned: nothing changed"
FINISHED = "re-key finished at this unlock (it was interrupted after taking effect)"
UNDONE = "re-key interrupted before taking effect: nothing changed"

def pending_path(folder: Path) -> Path:
    return Path(folder) / "workspace.db.rekey"


def _sidecars(db: Path) -> tuple[Path, Path]:
    return db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")


def rekey(ws: Workspace, key_file: KeyFile, new_passphrase: str) -> str:
    """Re-key ``ws`` (whose current key file is ``key_file``, the passphrase already checked
    and the new one already passed by the strength rule); returns the new recovery code."""
    folder = ws.folder
    db, pending = ws.db_path(folder), pending_path(folder)
    new_file, new_key, code = key_file.rekeyed(new_passphrase, default_params())
    with ws._lock:
        _remove(pending)
        ws.audit.append(AuditAction.CHANGE_PASSPHRASE, reason=REKEYED)
        try:
            connection.export_copy(ws.db.raw, pending, new_key)
            _fsync(pending)
            check = connection.open_database(pending, new_key)
            try:
                problems = connection.integrity_problems(check)
            finally:
                check.close()
            if problems:
                raise OSError("the re-encrypted copy failed its check")
            ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except BaseException:
            _remove(pending)
            ws.audit.append(AuditAction.CHANGE_PASSPHRASE, reason=ABANDONED)
            raise
        ws._close_connection()
        new_file.save(ws.key_path(folder))  # the re-key takes effect here
        _switch(pending, db)
        _reopen(ws, new_key, new_file)
    return code


def _reopen(ws: Workspace, db_key: bytes | bytearray, key_file: KeyFile) -> None:
    """Open the re-keyed database under ``db_key``; the old key is wiped."""
    conn = connection.open_database(ws.db_path(ws.folder), db_key)
    ws._conn = connection.GuardedConnection(conn, ws._lock)
    for i in range(len(ws._db_key)):
        ws._db_key[i] = 0
    ws._db_key = bytearray(db_key)
    ws._key_file = key_file
    ws.audit._rolled_back()  # its cached end of the chain belonged to the closed connection


def finish_interrupted(folder: Path, db_key: bytes | bytearray) -> str:
    """At unlock, before the database is opened: finish or undo a re-key a crash interrupted.
    Returns the audit reason for what was done ("" when there was nothing to do)."""
    pending = pending_path(folder)
    if not pending.exists():
        return ""
    try:
        conn = connection.open_database(pending, db_key)
    except NotOurDatabase:  # the key file is the old one: the re-key never took effect
        _remove(pending)
        log.info("an interrupted re-key was undone")
        return UNDONE
    conn.close()
    _switch(pending, Path(folder) / "workspace.db")
    log.info("an interrupted re-key was finished")
    return FINISHED


def _switch(pending: Path, db: Path) -> None:
    # What is beside the old database belongs to it (and is already in the copy); what is
    # beside the copy is left by its check, closed cleanly.
    for path in (*_sidecars(db), *_sidecars(pending)):
        path.unlink(missing_ok=True)
    os.replace(pending, db)
    fsync_dir(db.parent)


def _remove(pending: Path) -> None:
    for path in (pending, *_sidecars(pending)):
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

