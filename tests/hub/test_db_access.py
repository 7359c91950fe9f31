"""``db.one_of`` (the rows whose column is one of many values), ``db.reader`` and
``db.writer``'s planning, on both backends."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from cse_desktop.hub import tables as t
from cse_desktop.hub.db import insert_rows, one_of


def _pick(engine: sa.Engine, values: list[str]) -> tuple[set[str], int]:
    """The change ids found among ``values``, and how many queries it took."""
    r = t.receipts.c
    found: set[str] = set()
    queries = 0
    with engine.connect() as conn:
        for among in one_of(conn, r.change_id, values):
            queries += 1
            found.update(conn.execute(sa.select(r.change_id).where(among)).scalars())
    return found, queries


def test_one_of_finds_exactly_the_rows_listed_however_many(engine: sa.Engine) -> None:
    stored = [str(uuid.uuid4()) for _ in range(2_500)] + ["with,a comma", "x'); --", ""]
    with engine.begin() as conn:
        insert_rows(conn, t.receipts, [{"change_id": c, "device_id": "d", "payload_hash": "h",
                                        "result": "{}"} for c in stored])
    wanted = stored[:2_500:2] + [str(uuid.uuid4()) for _ in range(300)]  # some not stored
    found, queries = _pick(engine, wanted)
    assert found == set(stored[:2_500:2])
    # PostgreSQL: one query with one parameter; SQLite: lists of 1,000
    assert queries == (1 if engine.dialect.name == "postgresql" else 2)
    # a value with a comma cannot go in the joined text: lists of 1,000 on both
    found, queries = _pick(engine, ["with,a comma", "x'); --", stored[1]])
    assert found == {"with,a comma", "x'); --", stored[1]}
    assert _pick(engine, []) == (set(), 0)
    assert _pick(engine, [""])[0] == {""}  # an empty value is one value, not none
    # two lists in one statement keep their own values
    r = t.receipts.c
    with engine.connect() as conn:
        first = next(one_of(conn, r.change_id, stored[:3]))
        second = next(one_of(conn, r.change_id, stored[5:7]))
        got = set(conn.execute(sa.select(r.change_id).where(first | second)).scalars())
    assert got == set(stored[:3]) | set(stored[5:7])


def test_reads_commit_each_statement_and_writers_plan_each_statement(
        engine: sa.Engine) -> None:
    """On PostgreSQL a reader runs without BEGIN/ROLLBACK (autocommit), a writer after it on
    the same pooled connection is a transaction again, and a writer plans each statement for
    its own values (no generic plan made while a table was empty)."""
    from cse_desktop.hub.db import reader, writer

    postgres = engine.dialect.name == "postgresql"
    setting = sa.text("SELECT current_setting('plan_cache_mode')")
    for _ in range(2):  # the second time round, on connections back from the pool
        with reader(engine) as conn:
            used = conn.connection.dbapi_connection
            if postgres:
                assert used.autocommit is True
                assert conn.execute(setting).scalar() == "auto"
        with writer(engine, serialised=False) as conn:
            # the very connection the reader had (the pool holds no other idle one)
            assert conn.connection.dbapi_connection is used
            assert conn.in_transaction()
            if postgres:
                assert conn.connection.dbapi_connection.autocommit is False
                assert conn.execute(setting).scalar() == "force_custom_plan"
    if postgres:  # SET LOCAL: gone with the writer's transaction
        with engine.connect() as conn:
            assert conn.execute(setting).scalar() == "auto"
