"""Hub fixtures: every contract test runs on SQLite and on PostgreSQL (a throwaway cluster)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.hubserver import HubServer
from support.pg import PgCluster, require_cluster

from cse_desktop.hub import db


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = require_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"hub_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def hub_server(db_url: str) -> Iterator[HubServer]:
    server = HubServer(db_url).start()
    server.hub.add_team("North Team")
    server.hub.add_team("South Team")
    for user, team in (("Alex North", "North Team"), ("Blake North", "North Team"),
                       ("Casey South", "South Team")):
        server.hub.add_user(user, team=team)
    yield server
    server.close()


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    """A fresh hub database at the newest schema, on each backend."""
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()
