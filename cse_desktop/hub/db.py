"""The hub's database: engine set-up for SQLite and PostgreSQL, migrations, the write lock.

Every change the hub accepts gets the next ``seq``; pulls page through ``seq`` order, so seqs
must become visible in the order they are given. Writers are therefore serialised: on SQLite
by ``BEGIN IMMEDIATE`` (one writer at a time), on PostgreSQL by a transaction-scoped advisory
lock taken first thing in every writing transaction.
"""

from __future__ import annotations

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
#: the advisory lock key every PostgreSQL writer takes ("CSE" in ASCII)
WRITE_LOCK_KEY = 0x435345


class HubDatabaseError(CseError):
    code = "hub_database"
    exit_status = 4


def default_url() -> str:
    import os

    home = os.environ.get("CSE_HUB_HOME") or user_data_dir("cse-hub", appauthor=False)
    folder = Path(home)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite:///{folder / 'hub.sqlite3'}"


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
        return sa.create_engine(parsed, pool_size=40, max_overflow=20, pool_pre_ping=True,
                                hide_parameters=True)
    raise HubDatabaseError(f"The hub runs on SQLite or PostgreSQL, not {parsed.drivername}.")


def writer(engine: sa.Engine) -> _Writer:
    """A writing transaction, serialised with every other writer (see the module docstring)."""
    return _Writer(engine)


def head_seq(conn: sa.Connection) -> int:
    """The last ``seq`` given (0 on a new hub)."""
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(changes.c.seq), 0)))
               .scalar() or 0)


class _Writer:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def __enter__(self) -> sa.Connection:
        self._conn = self._engine.connect()
        self._conn.info["writer"] = True
        self._tx = self._conn.begin()
        if self._engine.dialect.name == "postgresql":
            self._conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})
        return self._conn

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self._tx.commit()
            else:
                self._tx.rollback()
        finally:
            self._conn.info.pop("writer", None)
            self._conn.close()


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
