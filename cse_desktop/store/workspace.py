"""The workspace: one folder holding the encrypted database, its key file and unlock state.

``Workspace`` is the one facade over the store (as Anki's ``Collection``): it owns the single
SQLCipher connection, and the repositories hang off it::

    ws = Workspace.open(folder, passphrase)
    person = ws.people.add(Person(...))
    ws.lock()

The UI never writes SQL; it calls the repositories (through its operations, on one thread).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cse_desktop.domain.errors import (
    BackupInvalid,
    IntegrityFailure,
    NotOurDatabase,
    ValidationFailed,
    WorkspaceExists,
    WorkspaceLocked,
    WorkspaceMissing,
    WrongPassphrase,
)
from cse_desktop.domain.models import AuditAction, Owner
from cse_desktop.store import connection, memory, migrate, rekey, strength
from cse_desktop.store.audit import AuditLog
from cse_desktop.store.backup import read_backup, write_backup
from cse_desktop.store.files import (
    make_private,
    move_into_place,
    private_dir,
    staging_folder,
    touch_private,
    write_private,
)
from cse_desktop.store.keys import (
    KEY_FILE_NAME,
    PASSPHRASE_SLOT,
    RECOVERY_SLOT,
    KdfParams,
    KeyFile,
    default_params,
    generate_recovery_code,
)
from cse_desktop.store.outbox import Outbox
from cse_desktop.store.repositories import (
    ActionRepository,
    AssociationRepository,
    EpisodeRepository,
    PersonRepository,
    Repository,
    SubmissionRepository,
)
from cse_desktop.store.summaries import PersonSummaries
from cse_desktop.store.syncstate import SyncState, shred
from cse_desktop.store.throttle import UnlockThrottle

log = logging.getLogger(__name__)

DB_FILE_NAME = "workspace.db"


@dataclass
class CheckReport:
    """The result of a full check; ``ok`` when every list is empty."""

    integrity: list[str] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)
    outbox: list[str] = field(default_factory=list)
    audit_rows: int = 0
    records: int = 0

    @property
    def ok(self) -> bool:
        return not (self.integrity or self.audit or self.outbox)


def _user_words(owner: Owner) -> tuple[str, str]:
    """What an attacker who knows whose workspace it is would try first in a passphrase.  (Not
    the folder's name: it is generic, "workspace" or "demo-workspace".)"""
    return (owner.name, owner.team)


def _fresh_folder(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise WorkspaceExists(f"{folder} already exists and is not empty: choose a new folder "
                              "for the workspace.")


class Workspace:
    """An unlocked workspace. Create one with :meth:`create` or :meth:`open`."""

    IntegrityError = connection.IntegrityError

    def __init__(self, folder: Path, conn: connection.Connection, db_key: bytes | bytearray,
                 key_file: KeyFile) -> None:
        self.folder = folder
        self._lock = threading.RLock()
        self._conn: connection.GuardedConnection | None = connection.GuardedConnection(
            conn, self._lock)
        self._db_key = memory.secure_buffer(len(db_key))
        self._db_key[:] = db_key
        self._key_file = key_file
        self.workspace_id = key_file.workspace_id
        self._depth = 0
        self._owner: Owner | None = None
        self._clock: Callable[[], float] = time.time
        self.audit = AuditLog(self)
        self.outbox = Outbox(self)
        self.sync = SyncState(self)
        self.summaries = PersonSummaries(self)
        self.people = PersonRepository(self)
        self.episodes = EpisodeRepository(self)
        self.submissions = SubmissionRepository(self)
        self.actions = ActionRepository(self)
        self.associations = AssociationRepository(self)

    # -- paths ---------------------------------------------------------------------------

    @staticmethod
    def db_path(folder: Path) -> Path:
        return Path(folder) / DB_FILE_NAME

    @staticmethod
    def backups_path(folder: Path) -> Path:
        """Where the automatic backups made before a schema upgrade go."""
        return Path(folder) / "backups"

    @staticmethod
    def key_path(folder: Path) -> Path:
        return Path(folder) / KEY_FILE_NAME

    @classmethod
    def exists(cls, folder: Path) -> bool:
        return cls.key_path(folder).exists() or cls.db_path(folder).exists()

    # -- life cycle ----------------------------------------------------------------------

    @classmethod
    def create(cls, folder: Path | str, passphrase: str, owner: Owner, *,
               kdf: KdfParams | None = None,
               schema_version: int = migrate.LATEST) -> tuple[Workspace, str]:
        """Make a new workspace; returns it (unlocked) and the recovery code to show once.

        ``kdf`` defaults to the current default cost (production); the command line and the
        desktop never pass another.  A cost below ``keys.FLOOR`` makes a key file that no
        unlock accepts (tests lower the floor in their own processes only).
        ``schema_version`` below the latest is for migration tests only.  A passphrase that
        fails ``store.strength`` raises WeakPassphrase, and nothing is written.
        """
        folder = Path(folder)
        _fresh_folder(folder)
        strength.check(passphrase, _user_words(owner))
        key_file, db_key, recovery = KeyFile.create(passphrase, kdf or default_params())
        key_file = key_file.with_sealed(db_key, failures_seen=0)
        staging = staging_folder(folder)
        try:
            conn = connection.create_database(cls.db_path(staging), db_key)
            try:
                migrate.upgrade(conn, schema_version)
                conn.execute("BEGIN IMMEDIATE")
                for key, value in (("workspace_id", key_file.workspace_id),
                                   ("owner", owner.model_dump_json()),
                                   ("created_at", datetime.now(UTC).isoformat())):
                    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
                conn.execute("COMMIT")
            finally:
                conn.close()
            key_file.save(cls.key_path(staging))
            move_into_place(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        # Open with the key in hand (a third Argon2id run would only cost time). Below the
        # latest schema (migration tests) it is handed back un-upgraded.
        try:
            ws = cls._open_with_key(folder, db_key, key_file,
                                    upgrade=schema_version == migrate.LATEST)
        finally:
            memory.release(db_key)
        try:
            ws.audit.append(AuditAction.UNLOCK, reason="created")
            ws.audit.write_mark()
        except BaseException:
            ws._close()
            raise
        return ws, recovery

    @classmethod
    def open(cls, folder: Path | str, passphrase: str | None = None, *,
             recovery_code: str | None = None, clock: Callable[[], float] = time.time,
             ) -> Workspace:
        """Unlock a workspace with its passphrase (or its recovery code).

        Raises WrongPassphrase, LockedOut (too many failures: no attempt made), KeyFileDamaged,
        NotOurDatabase or IntegrityFailure (KeyTooWeak: a key file below the floor); in every
        case nothing on disk changes except the failed-unlock record (the throttle's file and
        the key file's count).  A successful unlock audits the failures since the last one (and
        a record of them found removed), seals that count into the key file, re-wraps a
        passphrase slot below today's cost, and finishes or undoes an interrupted re-key.
        """
        folder = Path(folder)
        if not cls.exists(folder):
            raise WorkspaceMissing(f"There is no workspace in {folder}.")
        if (passphrase is None) == (recovery_code is None):
            raise ValueError("give exactly one of passphrase or recovery_code")
        key_file = KeyFile.load(cls.key_path(folder))
        throttle = UnlockThrottle(folder, clock)
        throttle.check(key_file)
        slot, secret = ((PASSPHRASE_SLOT, passphrase) if passphrase is not None
                        else (RECOVERY_SLOT, recovery_code or ""))
        try:
            db_key = key_file.unwrap(slot, secret)
        except WrongPassphrase as exc:
            raise (throttle.record_failure(exc.message) or exc) from None
        try:
            interrupted = rekey.finish_interrupted(folder, db_key)
            ws = cls._open_with_key(folder, db_key, key_file)
            ws._clock = clock
            try:
                pending = throttle.pending_failures()
                removed = throttle.removed_from_record(key_file, db_key, len(pending))
                with ws.transaction():
                    for failed_at in pending:
                        ws.audit.append(AuditAction.FAILED_UNLOCK,
                                        at=datetime.fromtimestamp(failed_at, UTC))
                    if removed:
                        ws.audit.append(AuditAction.FAILED_UNLOCK, reason=removed)
                    if interrupted:
                        ws.audit.append(AuditAction.CHANGE_PASSPHRASE, reason=interrupted)
                    ws.audit.append(AuditAction.UNLOCK,
                                    reason="recovery code" if slot == RECOVERY_SLOT else "")
                ws._key_file = key_file.after_unlock(db_key, slot, secret)
                if ws._key_file.to_bytes() != key_file.to_bytes():
                    ws._key_file.save(cls.key_path(folder))
                throttle.reset()
                make_private(folder)  # a workspace from before 0600 files (a no-op after)
                ws.audit.seal_unlock()
            except BaseException:
                ws._close()
                raise
        finally:
            memory.release(db_key)  # the workspace holds its own locked copy
        return ws

    @classmethod
    def _open_with_key(cls, folder: Path, db_key: bytes | bytearray, key_file: KeyFile, *,
                       upgrade: bool = True) -> Workspace:
        db_path = cls.db_path(folder)
        wal = db_path.with_name(db_path.name + "-wal")
        unclean = wal.exists() and wal.stat().st_size > 0
        conn = connection.open_database(db_path, db_key)
        try:
            if unclean:
                # The last session did not close cleanly: check every page before trusting it.
                problems = connection.integrity_problems(conn)
                if problems:
                    log.error("integrity check failed after unclean shutdown (%d problems)",
                              len(problems))
                    raise IntegrityFailure("The workspace database is damaged. Restore it from "
                                           "a backup.")
            row = conn.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()
            if row is None or row[0] != key_file.workspace_id:
                raise NotOurDatabase("The database does not belong to this key file. "
                                     "Nothing was changed.")
            ws = cls(folder, conn, db_key, key_file)
            if upgrade:
                current = migrate.schema_version(conn)
                if 0 < current < migrate.LATEST:
                    # before an upgrade, an encrypted backup of the workspace as it was
                    backups = cls.backups_path(folder)
                    private_dir(backups)
                    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
                    ws.backup(backups / f"before-schema-{migrate.LATEST}-from-{current}-"
                                        f"{stamp}-{secrets.token_hex(3)}.csebackup")
                migrate.upgrade(conn)
        except connection.DatabaseError as exc:
            conn.close()
            if connection.is_damage(exc):
                raise IntegrityFailure(connection.DAMAGED) from exc
            raise
        except BaseException:
            conn.close()
            raise
        return ws

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def lock(self) -> None:
        """Audit the lock, close the connection and drop the key. Safe to call twice."""
        if self._conn is None:
            return
        try:
            self.audit.append(AuditAction.LOCK)
        except Exception as exc:  # locking must always succeed; the failure is logged
            log.warning("could not write the lock audit event (%s)", type(exc).__name__)
        self.audit.write_mark()
        self._close()

    close = lock

    def shred(self) -> list[str]:
        """Close without a trace and crypto-shred the workspace (the hub revoked this laptop).

        The key file is overwritten and deleted, then the database; returns the names removed.
        """
        self._close()
        return shred(self.folder)

    def _close(self) -> None:
        with self._lock:
            self._close_connection()
            memory.release(self._db_key)
            self._db_key = bytearray()
            self.audit.wipe()

    def _close_connection(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock()

    # -- connection and transactions -----------------------------------------------------

    @property
    def db(self) -> connection.GuardedConnection:
        conn = self._conn
        if conn is None:
            raise WorkspaceLocked("The workspace is locked. Unlock it to continue.")
        return conn

    @contextlib.contextmanager
    def transaction(self, *, join: bool = False) -> Iterator[None]:
        """One atomic unit of work.

        Nested use is a savepoint, so a failed inner step rolls back alone; with ``join=True``
        an inner step simply joins the outer transaction (for steps that cannot half-fail).
        """
        with self._lock:
            db = self.db
            if self._depth and join:
                yield
                return
            if self._depth:
                name = f"sp{self._depth}"
                db.execute(f"SAVEPOINT {name}")
                self._depth += 1
                audit_state = self.audit._snapshot()
                try:
                    yield
                except BaseException:
                    db.execute(f"ROLLBACK TO {name}")
                    db.execute(f"RELEASE {name}")
                    self.audit._restore(audit_state)
                    raise
                else:
                    db.execute(f"RELEASE {name}")
                finally:
                    self._depth -= 1
                return
            db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
                self.audit._before_commit()
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                self.audit._rolled_back()
                raise
            finally:
                self._depth = 0

    # -- owner ---------------------------------------------------------------------------

    @property
    def owner(self) -> Owner:
        if self._owner is None:
            value = self.db.execute("SELECT value FROM meta WHERE key = 'owner'").scalar()
            self._owner = Owner.model_validate_json(value)
        return self._owner

    def set_owner(self, owner: Owner) -> None:
        with self.transaction():
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'owner'",
                            (owner.model_dump_json(),))
            self.audit.append(AuditAction.OWNER)
        self._owner = owner

    @property
    def actor(self) -> str:
        return self.owner.name

    def repository_for(self, kind: str) -> Repository:
        repos = {r.kind: r for r in (self.people, self.episodes, self.submissions, self.actions,
                                     self.associations)}
        return repos[kind]

    @property
    def schema_version(self) -> int:
        with self._lock:
            return migrate.schema_version(self.db.raw)

    # -- secrets -------------------------------------------------------------------------

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the database key under a new passphrase (the database is not rewritten).

        A new passphrase that fails ``store.strength`` raises WeakPassphrase before anything
        else happens (the old one is not even tried)."""
        strength.check(new, _user_words(self.owner))
        self._set_passphrase(self.verify_passphrase(old), new)

    def verify_passphrase(self, passphrase: str) -> KeyFile:
        """Check the workspace passphrase (changing it, leaving the "with family" view): its
        key-file slot is unwrapped as unlocking does, under the same unlock throttle, so a
        wrong one counts as a failed unlock (WrongPassphrase, or LockedOut once there are too
        many).  The unwrapped key is dropped at once; the key file it opened is returned."""
        key_file = KeyFile.load(self.key_path(self.folder))
        throttle = UnlockThrottle(self.folder, self._clock)
        throttle.check(key_file)
        try:
            memory.release(key_file.unwrap(PASSPHRASE_SLOT, passphrase))
        except WrongPassphrase as exc:
            raise (throttle.record_failure(exc.message) or exc) from None
        return key_file

    def set_passphrase_after_recovery(self, new: str) -> None:
        """Choose a new passphrase once unlocked (normally with the recovery code)."""
        strength.check(new, _user_words(self.owner))
        self._set_passphrase(KeyFile.load(self.key_path(self.folder)), new)

    def rekey(self, old: str, new: str) -> str:
        """A new database key, passphrase and recovery code (``store/rekey.py``): old key files
        and the old passphrase no longer open the workspace.  Returns the new recovery code,
        to show once.  The new passphrase meets the strength rule, and must differ from the
        old one (which may have been seen)."""
        strength.check(new, _user_words(self.owner))
        if new == old:
            raise ValidationFailed("Choose a new passphrase: the old one may have been seen.")
        return rekey.rekey(self, self.verify_passphrase(old), new)

    @property
    def recovery_code_used(self) -> bool:
        """Whether the workspace was unlocked with its recovery code since that code was made
        (then a new one is due: :meth:`new_recovery_code`)."""
        sealed = self._key_file.sealed_state(bytes(self._db_key)) or {}
        return bool(sealed.get("recovery_code_used"))

    def new_recovery_code(self) -> str:
        """Replace the recovery code (the old one no longer opens this key file); returns the
        new one, to show once.  Old key files, as in backups, still open with the old code:
        :meth:`rekey` is what revokes it everywhere."""
        db_key = bytes(self._db_key)
        code = generate_recovery_code()
        new_file = (KeyFile.load(self.key_path(self.folder))
                    .rewrap(RECOVERY_SLOT, code, db_key)
                    .with_sealed(db_key, recovery_code_used=False))
        new_file.save(self.key_path(self.folder))
        self._key_file = new_file
        self.audit.append(AuditAction.CHANGE_PASSPHRASE, reason="new recovery code")
        return code

    def _set_passphrase(self, key_file: KeyFile, new: str) -> None:
        new_file = key_file.rewrap(PASSPHRASE_SLOT, new, self._db_key)
        new_file.save(self.key_path(self.folder))
        self._key_file = new_file
        self.audit.append(AuditAction.CHANGE_PASSPHRASE)

    # -- key material for the audit log (store/audit.py) -----------------------------------

    def key_material(self) -> bytearray:
        """The database key's buffer itself (the audit key is derived from it): never copy."""
        if self._conn is None:
            raise WorkspaceLocked("The workspace is locked. Unlock it to continue.")
        return self._db_key

    def key_file_changed(self, key_file: KeyFile) -> None:
        """The audit log wrote a new mark into the key file: later backups carry it."""
        self._key_file = key_file

    # -- checks --------------------------------------------------------------------------

    def check(self) -> CheckReport:
        """Page HMACs, b-tree structure, the audit chain and the outbox, all at once."""
        with self._lock:
            report = CheckReport()
            report.integrity = connection.integrity_problems(self.db.raw)
            if report.integrity:
                return report
            report.audit = self.audit.problems()
            report.outbox = self.outbox.problems()
            report.audit_rows = self.audit.count()
            report.records = int(self.db.execute("SELECT count(*) FROM records").scalar())
            return report

    # -- backup and restore --------------------------------------------------------------

    def backup(self, out: Path | str) -> Path:
        """Write an encrypted, verified backup of the whole workspace to one file.

        The file holds the key file (wrapped keys) and a fresh encrypted copy of the database;
        it opens with the passphrase or recovery code valid at the time of the backup.
        """
        out = Path(out)
        if out.exists():
            raise ValidationFailed(f"{out} already exists: choose a new file name for the backup.")
        if not out.parent.is_dir():
            raise ValidationFailed(f"The folder {out.parent} does not exist.")
        staging = staging_folder(out)
        try:
            copy = touch_private(staging / DB_FILE_NAME)
            with self._lock:
                connection.export_copy(self.db.raw, copy)  # the same key
            check = connection.open_database(copy, self._db_key)
            try:
                if connection.integrity_problems(check):
                    raise IntegrityFailure("The backup copy failed its check; nothing was saved.")
                schema = migrate.schema_version(check)
            finally:
                check.close()
            write_backup(out, workspace_id=self.workspace_id, schema=schema,
                         key_file=self._key_file.to_bytes(), db_bytes=copy.read_bytes())
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        self.audit.append(AuditAction.BACKUP, reason=hashlib.sha256(out.read_bytes()).hexdigest())
        return out

    @classmethod
    def restore(cls, backup: Path | str, folder: Path | str, passphrase: str | None = None, *,
                recovery_code: str | None = None) -> Workspace:
        """Restore a backup into a new folder, verifying it completely first.

        Nothing is written to ``folder`` unless the backup opens with the secret, passes the
        integrity check and its audit chain verifies.
        """
        backup, folder = Path(backup), Path(folder)
        _fresh_folder(folder)
        key_bytes, db_bytes = read_backup(backup)
        key_file = KeyFile.from_bytes(key_bytes)
        slot, secret = ((PASSPHRASE_SLOT, passphrase) if passphrase is not None
                        else (RECOVERY_SLOT, recovery_code or ""))
        db_key = key_file.unwrap(slot, secret)
        # failed unlocks counted in the backup's key file belong to the folder it came from
        key_file = key_file.with_sealed(db_key, failures_seen=key_file.failures)
        key_file.locked_until = 0.0
        staging = staging_folder(folder)
        try:
            write_private(staging / DB_FILE_NAME, db_bytes)
            key_file.save(staging / KEY_FILE_NAME)
            try:
                ws = cls._open_with_key(staging, db_key, key_file)
            except (NotOurDatabase, IntegrityFailure) as exc:
                raise BackupInvalid("The backup is damaged (its database does not open); "
                                    "nothing was restored.") from exc
            try:
                report = ws.check()
                if not report.ok:
                    raise BackupInvalid("The backup is damaged (it failed its integrity or "
                                        "audit check); nothing was restored.")
                ws.audit.append(AuditAction.RESTORE, reason=backup.name)
            finally:
                ws._close()
            move_into_place(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            memory.release(db_key)
        return cls.open(folder, passphrase, recovery_code=recovery_code)

