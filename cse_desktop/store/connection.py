"""Opening the SQLCipher database: raw key first, settings pinned, everything verified.

The only module that imports ``sqlcipher3``.  A connection is refused (and nothing is written)
when the engine is not SQLCipher 4, when the file is plain SQLite, when the key does not open
it, or when it is not one of our workspaces.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3
from sqlcipher3 import dbapi2

from cse_desktop.domain.errors import IntegrityFailure, NotOurDatabase, UnsafeEngine
from cse_desktop.store import memory
from cse_desktop.store.files import touch_private

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    # sqlcipher3 ships no type information; its DB-API is the standard library's sqlite3
    # module, built against SQLCipher, so the type checker reads it as sqlite3.
    from sqlite3 import Connection, DatabaseError, IntegrityError
else:
    DatabaseError = dbapi2.DatabaseError
    IntegrityError = dbapi2.IntegrityError
    Connection = dbapi2.Connection
#: whether a piece of SQL ends a complete statement (trigger bodies included)
complete_statement = sqlcipher3.complete_statement

#: PRAGMA application_id of every workspace database ("CSEW").
APPLICATION_ID = 0x43534557
PAGE_SIZE = 4096
CACHE_KIB = 65_536
SQLITE_MAGIC = b"SQLite format 3\x00"

#: Cipher settings pinned on every open, so a change of SQLCipher's defaults can never strand a
#: laptop's data, and verified by reading them back.
PINNED_CIPHER = {
    "cipher_page_size": "4096",
    "cipher_use_hmac": "1",
    "cipher_plaintext_header_size": "0",
    "cipher_hmac_algorithm": "HMAC_SHA512",
    "cipher_kdf_algorithm": "PBKDF2_HMAC_SHA512",
}


def _not_ours(why: str) -> NotOurDatabase:
    return NotOurDatabase(f"This is not a CSE Desktop workspace database ({why}). "
                          "Nothing was changed.")


def _check_engine(conn: Connection) -> None:
    row = conn.execute("PRAGMA cipher_version").fetchone()
    version = row[0] if row else ""
    if not version or not str(version).startswith("4."):
        raise UnsafeEngine("The encryption engine (SQLCipher 4) is missing, so CSE Desktop "
                           "refuses to run rather than store anything unencrypted.")


def _apply_key(conn: Connection, db_key: bytes | bytearray) -> None:
    """Key the connection with the raw key.  The key reaches SQLCipher as a buffer: its
    ``x'<hex>'`` form is written into a locked ``bytearray`` handed to ``sqlite3_key`` (through
    sqlcipher3's ``set_key``, which passes the buffer itself) and wiped at once; no ``str`` of
    it is made (``PRAGMA key`` would need one, and the statement cache would keep it).
    SQLCipher keeps its own copy, in memory it wipes when the connection closes."""
    if len(db_key) != 32:
        raise ValueError("database key must be 32 bytes")
    # Errors from SQLCipher go nowhere: they would reach stderr, and could name pages or files.
    conn.execute("PRAGMA cipher_log_level = NONE")
    form = memory.raw_key_form(db_key)
    try:
        conn.set_key(form)  # type: ignore[attr-defined]  # sqlcipher3's own method
    finally:
        memory.release(form)
    for name, value in PINNED_CIPHER.items():
        conn.execute(f"PRAGMA {name} = {value}")


def _session_settings(conn: Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute("PRAGMA foreign_keys = ON")
    # 64 MiB of decrypted pages: the caseload and its indexes stay in memory once read.
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    verify_settings(conn)


def verify_settings(conn: Connection) -> None:
    """Read every pinned setting back; refuse to go on if any differs."""
    _check_engine(conn)
    settings = {}
    for (line,) in conn.execute("PRAGMA cipher_settings").fetchall():
        # lines look like "PRAGMA cipher_page_size = 4096;"
        name, _, value = line.removeprefix("PRAGMA ").rstrip(";").partition(" = ")
        settings[name.strip()] = value.strip()
    checks = {
        "journal_mode": (conn.execute("PRAGMA journal_mode").fetchone()[0], "wal"),
        "synchronous": (conn.execute("PRAGMA synchronous").fetchone()[0], 2),
        "temp_store": (conn.execute("PRAGMA temp_store").fetchone()[0], 2),
        "secure_delete": (conn.execute("PRAGMA secure_delete").fetchone()[0], 1),
    }
    wrong = [k for k, want in PINNED_CIPHER.items() if settings.get(k) != want]
    wrong += [k for k, (have, want) in checks.items() if have != want]
    if wrong:
        raise UnsafeEngine("The encrypted database is not configured safely "
                           f"({', '.join(sorted(wrong))}); CSE Desktop refuses to use it.")


def create_database(path: Path, db_key: bytes | bytearray) -> Connection:
    """A new, empty, keyed database file (the caller applies the migrations)."""
    touch_private(path)  # 0600 from the start (FileExistsError if it exists): SQLite keeps
    # the mode of the file it opens and gives it to its -wal and -shm files
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        _check_engine(conn)
        _apply_key(conn, db_key)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        _session_settings(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def open_database(path: Path, db_key: bytes | bytearray) -> Connection:
    """Open an existing workspace database, verifying that it is ours before writing anything."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        raise _not_ours("the database file is missing") from None
    if head == SQLITE_MAGIC:
        raise _not_ours("it is an unencrypted SQLite file")
    if size < PAGE_SIZE or size % PAGE_SIZE:
        raise _not_ours("the file is too short or truncated")

    # Read-only until we know the file is ours: nothing is created or changed on a bad file.
    # Without a WAL (clean shutdown) the probe is also immutable: a read-only probe would still
    # create -wal and -shm files, and leave them behind when the file turns out to be bad.
    wal = path.with_name(path.name + "-wal")
    uri = path.resolve().as_uri() + ("?mode=ro" if wal.exists() else "?mode=ro&immutable=1")
    probe = sqlcipher3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        _check_engine(probe)
        _apply_key(probe, db_key)
        try:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
            app_id = probe.execute("PRAGMA application_id").fetchone()[0]
            pages = probe.execute("PRAGMA page_count").fetchone()[0]
        except DatabaseError as exc:
            if "malformed" in str(exc):
                # Page 1 passed its HMAC, so the key is right: the file is ours but damaged
                # (SQLite refuses a file shorter than its header says before we can look).
                raise IntegrityFailure("The workspace database is truncated or damaged. "
                                       "Restore it from a backup.") from None
            raise _not_ours("the key does not open it, or it is damaged") from None
        if app_id != APPLICATION_ID:
            raise _not_ours("it belongs to another application")
        if (not wal.exists() or wal.stat().st_size == 0) and pages * PAGE_SIZE > size:
            raise IntegrityFailure("The workspace database is truncated (part of the file is "
                                   "missing). Restore it from a backup.")
    finally:
        probe.close()

    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        _apply_key(conn, db_key)
        _session_settings(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def integrity_problems(conn: Connection) -> list[str]:
    """Page HMACs (cipher_integrity_check: no rows = sound) and b-tree structure (quick_check)."""
    try:
        problems = [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
        quick = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
    except DatabaseError as exc:
        return [f"database unreadable: {exc}"]
    if quick != ["ok"]:
        problems += quick
    return problems


def export_copy(conn: Connection, target: Path,
                db_key: bytes | bytearray | None = None) -> None:
    """A consistent, compact, encrypted copy of the database at ``target``.

    Uses ``sqlcipher_export`` into an attached database; the only ATTACH in the code.  Without
    ``db_key`` the copy has the connection's own key: SQLCipher keys the attached file from the
    main database, so no key passes through SQL at all.  With ``db_key`` (another key), its
    raw-key form is bound as a blob; SQLite keeps that copy with the cached statement, in
    memory it frees unwiped, until the connection closes.
    """
    if db_key is None:
        conn.execute("ATTACH DATABASE ? AS backup", (str(target),))
    else:
        form = memory.raw_key_form(db_key)  # a blob: SQLCipher reads it as a raw key
        try:
            conn.execute("ATTACH DATABASE ? AS backup KEY ?", (str(target), form))
        finally:
            memory.release(form)
    try:
        for name, value in PINNED_CIPHER.items():
            conn.execute(f"PRAGMA backup.{name} = {value}")
        conn.execute("SELECT sqlcipher_export('backup')")
        version = conn.execute("PRAGMA main.user_version").fetchone()[0]
        conn.execute(f"PRAGMA backup.user_version = {int(version)}")
        conn.execute(f"PRAGMA backup.application_id = {APPLICATION_ID}")
    finally:
        conn.execute("DETACH DATABASE backup")


def connect_raw(path: Path, db_key: bytes | bytearray) -> Connection:
    """A keyed connection with no checks at all: for tests and benchmarks only."""
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    _apply_key(conn, db_key)
    return conn


DAMAGED = ("The workspace database is damaged (it failed an integrity check while reading). "
            "Restore it from a backup and tell your IT team.")


def is_damage(exc: DatabaseError) -> bool:
    """SQLite's own "disk image is malformed" / "not a database": a page failed its HMAC."""
    return type(exc) is DatabaseError or "malformed" in str(exc) or "not a database" in str(exc)


class Rows:
    """The rows of one statement, read in full while the connection was held."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[tuple]) -> None:
        self._rows = rows

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple]:
        return self._rows

    def scalar(self) -> Any:
        """The first column of the first row (for ``SELECT count(*)`` and the like)."""
        if not self._rows:
            raise LookupError("the statement returned no rows")
        return self._rows[0][0]

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._rows)


class GuardedConnection:
    """The workspace's one connection, safe to share between threads.

    * Every statement runs, and its rows are read in full, while a lock is held: the desktop
      uses the connection from its worker thread, and a Python sqlite connection used from
      two threads at once can crash the process.
    * A damaged page surfaces as IntegrityFailure, not a crash.
    """

    def __init__(self, conn: Connection, lock: threading.RLock) -> None:
        self._conn = conn
        self._lock = lock

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Rows:
        with self._lock:
            try:
                return Rows(self._conn.execute(sql, params).fetchall())
            except DatabaseError as exc:
                if is_damage(exc):
                    raise IntegrityFailure(DAMAGED) from exc
                raise

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            try:
                self._conn.executemany(sql, rows)
            except DatabaseError as exc:
                if is_damage(exc):
                    raise IntegrityFailure(DAMAGED) from exc
                raise

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @property
    def raw(self) -> Connection:
        """The connection itself (hold the workspace's lock while using it)."""
        return self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()
