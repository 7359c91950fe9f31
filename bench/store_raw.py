"""The store benchmark's raw engine: the SQL that copies and reads the workspace's rows in a
plain SQLCipher database, with none of the repositories' work (the floor each path is
measured against).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path

from cse_desktop.store import connection, migrate

RECORD_COLUMNS = ("id, kind, person_id, version, server_seq, deleted, created_at, updated_at, "
                  "created_by, data, search_text")
AUDIT_COLUMNS = "seq, at, actor, action, record_kind, record_id, reason, prev_hash, hash"
OUTBOX_COLUMNS = ("seq, change_id, record_kind, record_id, op, version, base_version, base_seq, "
                  "fields, created_at")


def insert_sql(table: str, columns: str) -> str:
    marks = ", ".join("?" for _ in columns.split(","))
    return f"INSERT INTO {table} ({columns}) VALUES ({marks})"


INSERT_RECORD = insert_sql("records", RECORD_COLUMNS)
INSERT_AUDIT = insert_sql("audit_event", AUDIT_COLUMNS)
INSERT_OUTBOX = insert_sql("outbox", OUTBOX_COLUMNS)
INSERT_HEAD = "INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)"

RAW_LIST_SQL = "SELECT data FROM records WHERE kind = 'person' AND deleted = 0"
RAW_SEARCH_SQL = RAW_LIST_SQL + " AND search_text LIKE ? ESCAPE '\\'"
RAW_SEARCH_SORTED_SQL = (RAW_SEARCH_SQL + " ORDER BY json_extract(data, '$.family_name'), "
                         "json_extract(data, '$.given_name')")


def raw_insert(conn: connection.Connection, rows: Sequence[tuple]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    for row in rows:
        conn.execute(INSERT_RECORD, row)
    conn.execute("COMMIT")


def raw_insert_many(conn: connection.Connection, rows: Sequence[tuple]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(INSERT_RECORD, rows)
    conn.execute("COMMIT")


def raw_insert_full(conn: connection.Connection, records: Sequence[tuple],
                     audit: Sequence[tuple], outbox: Sequence[tuple]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    for record, event, change in zip(records, audit, outbox, strict=True):
        conn.execute(INSERT_RECORD, record)
        conn.execute(INSERT_AUDIT, event)
        conn.execute(INSERT_HEAD, (f"{event[0]}:{event[-1]}",))
        conn.execute(INSERT_OUTBOX, change)
    conn.execute("COMMIT")


def raw_databases(src: connection.Connection, work: Path
                  ) -> tuple[connection.Connection, connection.Connection]:
    """Two raw SQLCipher databases in ``work``, each with a key of its own:

    * ``raw-single.db``: the ``records`` table alone (its DDL and indexes copied from the
      workspace ``src``): the raw engine baseline for the write budget;
    * ``raw-full.db``: the whole workspace schema (from the migrations): the engine floor for
      "record + audit + outbox".
    """
    ddl = [sql for (sql,) in src.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'records' "
        "AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC")]
    single = connection.create_database(work / "raw-single.db", secrets.token_bytes(32))
    full = None
    try:
        for sql in ddl:
            single.execute(sql)
        full = connection.create_database(work / "raw-full.db", secrets.token_bytes(32))
        migrate.upgrade(full)
    except BaseException:  # neither is left open when the other fails
        single.close()
        if full is not None:
            full.close()
        raise
    return single, full


def copy_rows(src: connection.Connection, dst: connection.Connection) -> None:
    """Copy the workspace's record, audit and outbox rows into ``dst`` (same schema)."""
    for table, columns in (("records", RECORD_COLUMNS), ("audit_event", AUDIT_COLUMNS),
                           ("outbox", OUTBOX_COLUMNS)):
        cur = src.execute(f"SELECT {columns} FROM {table} ORDER BY rowid")
        sql = insert_sql(table, columns)
        while rows := cur.fetchmany(10_000):
            dst.execute("BEGIN IMMEDIATE")
            dst.executemany(sql, rows)
            dst.execute("COMMIT")
