"""The hub's PostgreSQL pool checks a connection before use only after it sat idle: one whose
server process is gone is replaced, not handed to a request."""

from __future__ import annotations

import uuid

import psycopg
import pytest
import sqlalchemy as sa
from support.pg import PgCluster

from cse_desktop.hub import db


def _kill_other_sessions(cluster: PgCluster, dbname: str) -> int:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        return len(conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall())


def test_an_idle_connection_whose_server_went_away_is_replaced(
        pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"hub_{uuid.uuid4().hex[:12]}"
    engine = db.make_engine(pg_cluster.create_database(name))
    try:
        with engine.connect() as conn:  # one connection, back in the pool
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        assert _kill_other_sessions(pg_cluster, name) == 1

        # in steady use (idle for less than PING_AFTER_IDLE_S) it is not checked: the dead
        # connection reaches the caller, who sees the error (and the pool drops it)
        with pytest.raises(sa.exc.OperationalError), engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
        assert _kill_other_sessions(pg_cluster, name) == 1
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # idle long enough to be checked
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
