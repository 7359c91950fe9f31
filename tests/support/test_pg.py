"""The throwaway PostgreSQL helper works end to end (one cluster, so this stays fast).

Under CI=true a missing PostgreSQL is a failure, not a skip (require_cluster).
"""

from __future__ import annotations

import psycopg

from .pg import PgCluster, require_cluster


def test_cluster_lifecycle() -> None:
    cluster = require_cluster()
    datadir = cluster.datadir
    try:
        assert isinstance(cluster, PgCluster)
        assert cluster.url == f"postgresql+psycopg://cse@127.0.0.1:{cluster.port}/postgres"
        assert datadir.is_dir()

        first = cluster.create_database("selftest_one")
        second = cluster.create_database("selftest_two")
        assert first == f"postgresql+psycopg://cse@127.0.0.1:{cluster.port}/selftest_one"
        assert second.endswith("/selftest_two")

        with psycopg.connect(cluster.conninfo("selftest_one"), autocommit=True) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
            conn.execute("create table t (id integer primary key, name text not null)")
            conn.execute("insert into t values (1, 'fictional')")
            assert conn.execute("select name from t").fetchall() == [("fictional",)]
            names = {
                row[0] for row in conn.execute("select datname from pg_database").fetchall()
            }
            assert {"selftest_one", "selftest_two"} <= names
    finally:
        cluster.stop()
    assert not datadir.exists()
    cluster.stop()  # idempotent
