"""The hub's database: engine set-up for SQLite and PostgreSQL, migrations, change numbers.

Every change the hub accepts gets a ``seq``; pulls page through ``seq`` order with a cursor, so
a pull must never pass a seq whose change is not visible yet but will be later.

* **SQLite** has one writer at a time (``BEGIN IMMEDIATE``): numbers are given from the highest
  one written, and every seq a reader can see below the highest is committed.
* **PostgreSQL** writers run side by side. Numbers come from the sequence ``changes_seq``
  (``CACHE 1``: handed out in increasing order across sessions), so a transaction may commit
  seq 12 while another still holds 11. Before it takes a number, a writing transaction takes a
  *shared* advisory lock whose key encodes ``v``, the last number the sequence handed out:
  every seq it will hold is above ``v``. A reader (:func:`pull_bounds`) first reads ``head``, the
  highest committed seq, then the lowest ``v`` of the locks held: it reads only up to
  ``min(head, v)``. Proof: if a change with seq ``s <= head`` is uncommitted, its
  transaction took ``s`` before the committed ``head`` was taken (the sequence only grows),
  so before the reader looked; it took its lock before ``s``, and holds it until it commits,
  so the reader saw the lock, and ``v < s``. ``tests/hub/test_concurrency.py`` holds a lower
  seq open while a higher one commits and checks that no reader skips it.

Admin writes (enrolment, device status, users) still run one at a time under
:func:`writer`'s transaction-scoped advisory lock; pushes and resolutions do not take it.
"""

from __future__ import annotations

import operator
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from platformdirs import user_data_dir

from cse_desktop.domain.errors import CseError
from cse_desktop.hub import dbfiles
from cse_desktop.hub.tables import changes

MIGRATIONS = Path(__file__).with_name("migrations")
#: the advisory lock key every PostgreSQL admin writer takes ("CSE" in ASCII)
WRITE_LOCK_KEY = 0x435345
#: in-flight change writers on PostgreSQL hold a shared advisory lock on IN_FLIGHT + v, where
#: every seq they hold is above v ("CS" in the top 16 bits; v stays below 2**48)
IN_FLIGHT = 0x4353 << 48
_REGISTER = sa.text(
    "SELECT pg_advisory_xact_lock_shared(:base + (SELECT CASE WHEN is_called THEN last_value "
    "ELSE last_value - 1 END FROM changes_seq))")
_NEXT = sa.text("SELECT nextval('changes_seq') FROM generate_series(1, :n)")
_LOWEST_IN_FLIGHT = (
    "SELECT min((classid::bigint << 32) | objid::bigint) - :base FROM pg_locks "
    "WHERE locktype = 'advisory' AND objsubid = 1 AND classid::bigint >= :high "
    "AND classid::bigint < :high + 65536 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
#: a connection's ``info`` key: its transaction has taken seqs (:class:`Seqs`)
NUMBERED = "numbered"
#: a pull's bounds in one statement: the highest committed seq, the lowest v in flight
_BOUNDS = sa.text(
    f"SELECT (SELECT coalesce(max(seq), 0) FROM changes) AS head, ({_LOWEST_IN_FLIGHT}) AS low")


class HubDatabaseError(CseError):
    code = "hub_database"
    exit_status = 4


def default_url() -> str:
    import os

    home = os.environ.get("CSE_HUB_HOME") or user_data_dir("cse-hub", appauthor=False)
    folder = Path(home)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite:///{folder / 'hub.sqlite3'}"


#: a pooled PostgreSQL connection idle for longer than this is checked before it is used
PING_AFTER_IDLE_S = 5.0


def _ping_when_idle(engine: sa.Engine) -> None:
    """Check a pooled connection before use only if it sat idle for a while (a database
    restarted meanwhile leaves dead connections in the pool): a connection in steady use is
    not pinged before every request, which cost a round trip on each of them."""

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            dbapi_conn.execute("SELECT 1")
            dbapi_conn.rollback()
        except Exception as exc:  # any failure: the pool drops it and connects afresh
            raise sa.exc.DisconnectionError("an idle pooled connection is gone") from exc


def make_engine(url: str | None = None) -> sa.Engine:
    url = url or default_url()
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise HubDatabaseError(f"Not a database URL: {url!r}. Use sqlite:///PATH or "
                               "postgresql+psycopg://USER@HOST/DB.") from None
    if parsed.get_backend_name() == "sqlite":
        dbfiles.secure(parsed.database)
        # hide_parameters: an error message must never carry a record's content into a log
        engine = sa.create_engine(parsed, connect_args={"timeout": 30,
                                                        "check_same_thread": False},
                                  pool_size=20, max_overflow=20, hide_parameters=True)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("writer") else "BEGIN")

        return engine
    if parsed.get_backend_name() == "postgresql":
        engine = sa.create_engine(parsed, pool_size=40, max_overflow=20, hide_parameters=True)
        _ping_when_idle(engine)
        return engine
    raise HubDatabaseError(f"The hub runs on SQLite or PostgreSQL, not {parsed.drivername}.")


def reader(engine: sa.Engine) -> sa.Connection:
    """A connection for the reads that answer a request (sign-in, pulls, a record).

    On PostgreSQL each statement commits on its own: no ``BEGIN`` and ``ROLLBACK`` round
    trips around a read, which halved a sign-in's time. Nothing is lost by it: at the
    default isolation level (read committed) each statement sees its own snapshot anyway,
    inside a transaction or not. The connection is back to transactions when it returns to
    the pool."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def writer(engine: sa.Engine, *, serialised: bool = True) -> _Writer:
    """A writing transaction. ``serialised`` (admin writes): one at a time, also on
    PostgreSQL; pushes and resolutions pass False and number their changes with
    :class:`Seqs`. On SQLite every writer is serialised (``BEGIN IMMEDIATE``)."""
    return _Writer(engine, serialised)


def pull_bounds(conn: sa.Connection) -> tuple[int, int]:
    """``(head, safe)``: the highest committed seq, and the highest up to which every change
    is committed and visible (a pull reads only ``seq <= safe``, in a later statement; see the
    module docstring).

    On PostgreSQL both come from one statement: its snapshot (which gives ``head``) is taken
    when it starts, before it scans ``pg_locks``, so the order the proof needs holds.
    """
    if conn.dialect.name != "postgresql":
        head = head_seq(conn)
        return head, head
    row = conn.execute(_BOUNDS, {"base": IN_FLIGHT, "high": IN_FLIGHT >> 32}).one()
    head = int(row.head)
    return head, head if row.low is None else min(head, int(row.low))


class PullBounds:
    """The bounds of pulls (:func:`pull_bounds`) on PostgreSQL, read once for the pulls of one
    moment.

    Reading them costs PostgreSQL a look at every session's locks (``pg_locks``): 0.3 ms
    with room for 1,300 sessions, more than the rest of a small pull. When a thousand
    laptops pull at once, a reading taken less than :attr:`FRESH_FOR` ago serves the pulls
    that follow it. The proof still holds, as it is about order: the reading was taken before
    each of those pulls reads its page, so its ``safe`` can only be lower than a new one.

    * Such a pull may answer up to :attr:`FRESH_FOR` behind another worker process's commit,
      as if it had arrived that much earlier: a laptop whose page says ``done`` gets that
      change at its next sync (as it would if that writer had still been in flight).
    * It is never older than a commit of this process that numbered changes (a push group, a
      resolution: :meth:`numbered_commit`; a reading taken before it is not used again).
    * Nor is it behind the laptop's own cursor: a cursor past the reading's ``head`` gets a
      new reading, so a laptop is never told the hub is behind it on an old one.
    * A database restored under a running hub may be answered from a reading of before the
      restore for that long: stop the hub to restore (installer/OPERATOR-GUIDE.md).

    On SQLite the bounds are one look-up of an index: read afresh for every pull.
    """

    #: how long (seconds) one reading serves the pulls that follow it
    FRESH_FOR = 0.025
    #: a new object at each commit of this process that numbered changes
    generation = object()

    def __init__(self) -> None:
        #: (head, safe, when the reading started, the generation before it)
        self._last: tuple[int, int, float, object] | None = None

    @classmethod
    def numbered_commit(cls) -> None:
        """A transaction of this process that gave changes their seqs has committed."""
        cls.generation = object()

    def read(self, conn: sa.Connection, since: int) -> tuple[int, int]:
        """``(head, safe)`` for a pull after ``since``."""
        if conn.dialect.name != "postgresql":
            return pull_bounds(conn)
        started, generation = time.monotonic(), PullBounds.generation
        last = self._last
        if (last is not None and started - last[2] < self.FRESH_FOR
                and last[3] is generation and since <= last[0]):
            return last[0], last[1]
        head, safe = pull_bounds(conn)
        self._last = (head, safe, started, generation)
        return head, safe


class Seqs:
    """The seqs one writing transaction gives its changes, in increasing order.

    On PostgreSQL the first call registers the transaction as in flight, then takes ``expect``
    numbers from the sequence at once (more later if needed; numbers not used leave gaps,
    which pulls skip). On SQLite (a single writer) they continue from the highest seq.
    """

    def __init__(self, conn: sa.Connection, expect: int = 1) -> None:
        self._conn, self._expect = conn, max(1, expect)
        self._pool: deque[int] = deque()
        self._last: int | None = None
        self._pg = conn.dialect.name == "postgresql"

    def peek(self) -> int:
        """The seq the next change will get."""
        if not self._pool:
            self._refill()
        return self._pool[0]

    def take(self) -> int:
        value = self.peek()
        self._pool.popleft()
        return value

    def _refill(self) -> None:
        if not self._pg:
            start = (self._last if self._last is not None else head_seq(self._conn)) + 1
            self._pool.append(start)
            self._last = start
            return
        if self._last is None:
            self._conn.execute(_REGISTER, {"base": IN_FLIGHT})
            self._conn.info[NUMBERED] = True  # its commit moves the pulls' bounds
        n, self._expect = self._expect, 1
        # the driver's tuples, in one go: a change of a group costs no row of SQLAlchemy's
        with self._conn.execute(_NEXT, {"n": n}) as result:
            self._pool.extend(row[0] for row in result.cursor.fetchall())
        self._last = self._pool[-1]


def head_seq(conn: sa.Connection) -> int:
    """The last ``seq`` given (0 on a new hub)."""
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(changes.c.seq), 0)))
               .scalar() or 0)


class _Writer:
    def __init__(self, engine: sa.Engine, serialised: bool) -> None:
        self._engine, self._serialised = engine, serialised

    def __enter__(self) -> sa.Connection:
        self._conn = self._engine.connect()
        self._conn.info["writer"] = True
        self._tx = self._conn.begin()
        if self._engine.dialect.name == "postgresql":
            # psycopg prepares a statement run often, and PostgreSQL may then keep a generic
            # plan made while a table was small: a group's look-up of its receipts became a
            # sequential scan of them all, kept as they grew. A writer plans each statement
            # for its own values (reads keep their plans: few, simple, and on indexes).
            self._conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
            if self._serialised:
                self._conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"),
                                   {"k": WRITE_LOCK_KEY})
        return self._conn

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self._tx.commit()
                if self._conn.info.get(NUMBERED):
                    PullBounds.numbered_commit()
            else:
                self._tx.rollback()
        finally:
            self._conn.info.pop(NUMBERED, None)
            self._conn.info.pop("writer", None)
            self._conn.close()


def one_of(conn: sa.Connection, column: sa.ColumnElement[str],
           values: Sequence[str]) -> Iterator[sa.ColumnElement[bool]]:
    """Conditions that together pick the rows whose ``column`` is one of ``values`` (a query
    for each). On PostgreSQL one, the values sent as one text parameter split into an array
    by the server (``= ANY(string_to_array(...))``): the statement is the same whatever their
    number, so it is not rendered again with a parameter for each value on every call, and
    the list is joined in C. On SQLite (or for values with commas), lists of at most 1,000."""
    if not values:
        return
    joined = ",".join(values)
    # (a single empty value would be split into no values at all: listed instead)
    if conn.dialect.name == "postgresql" and joined and joined.count(",") == len(values) - 1:
        ids: sa.BindParameter[str] = sa.bindparam("one_of", joined, unique=True)
        yield column == sa.any_(sa.func.string_to_array(ids, ","))
        return
    for i in range(0, len(values), 1000):
        yield column.in_(values[i:i + 1000])


def insert_rows(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` (each row with the same keys). On PostgreSQL with
    ``COPY``, in this transaction: one round trip, the rows formatted in C, nothing parsed
    or planned per row."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    import psycopg

    names = list(rows[0])
    # a row's values in that order, picked in C (itemgetter of one name gives no tuple)
    values: Callable[[dict[str, Any]], Any] = (
        operator.itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],))
    raw: Any = conn.connection.dbapi_connection
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    try:
        with raw.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(values(row))
    except psycopg.Error as exc:
        # As SQLAlchemy's own errors (so a group is retried on a duplicate or a deadlock),
        # without the server's message: it quotes the failing row, a record's content.
        cls = (sa.exc.IntegrityError if isinstance(exc, psycopg.IntegrityError)
               else sa.exc.OperationalError if isinstance(exc, psycopg.OperationalError)
               else sa.exc.DatabaseError)
        reason = Exception(f"COPY into {table.name} failed (SQLSTATE {exc.sqlstate})")
        raise cls(statement, None, reason) from None


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: sa.Engine) -> str:
    """Bring the database to the newest schema (idempotent). Returns the revision reached."""
    cfg = _config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except sa.exc.OperationalError as exc:
        raise HubDatabaseError(f"Could not open the hub database: {_first_line(exc)}") from None
    return head_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)) or type(exc).__name__
    return text.strip().splitlines()[0]
