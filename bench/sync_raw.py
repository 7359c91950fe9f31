"""The raw floor of the sync benchmark's single-laptop push and pull: the same rows, written and
read by SQLAlchemy Core and a raw SQLCipher database, with one bare HTTP round trip per batch
or page (``bench/README.md``). A mixin of :class:`bench_sync.SyncBench`, which owns the set-up
(arguments, progress log, databases, sizes)."""

from __future__ import annotations

import math
import secrets
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from report import timed

from cse_desktop.hub import db as hub_db
from cse_desktop.hub import tables as t
from cse_desktop.store import connection, migrate
from cse_desktop.sync.protocol import MAX_BATCH, MAX_PAGE


class RawReferences:
    """``raw_push`` and ``raw_pull``: the raw engine's time for the same work, same run."""

    # provided by SyncBench
    args: Any
    log: Callable[[str], None]
    new_db_url: Callable[..., str]
    work: Path
    sizes: dict[str, int]

    @staticmethod
    def _health(client: httpx.Client) -> None:
        client.get("/v1/health").raise_for_status()

    def raw_push(self, backend: str, hub_engine: sa.Engine, url: str) -> dict[str, Any]:
        """The raw floor for the push: the same rows, executemany, one round trip a batch."""
        with hub_engine.connect() as conn:
            changes = [dict(r._mapping) for r in conn.execute(
                sa.select(t.changes).order_by(t.changes.c.seq))]
            records = [dict(r._mapping) for r in conn.execute(sa.select(t.records))]
            receipts = [dict(r._mapping) for r in conn.execute(sa.select(t.receipts))]
            audit = [dict(r._mapping) for r in conn.execute(
                sa.select(t.audit).where(t.audit.c.action.in_(["create", "update", "delete"]))
                .order_by(t.audit.c.id))]
            teams = [dict(r._mapping) for r in conn.execute(sa.select(t.teams))]
        for row in audit:
            row.pop("id")
        batches = math.ceil(len(changes) / MAX_BATCH)

        def split(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
            size = math.ceil(len(rows) / batches)
            return [rows[i:i + size] for i in range(0, len(rows), size)]

        rounds = self.args.raw_repeats
        self.log(f"[{backend}] raw push: {len(changes):,} changes rows, executemany in "
                 f"{batches} batches, one HTTP round trip each; {rounds} rounds, fresh "
                 "databases each")
        client = httpx.Client(base_url=url)
        raw_runs: list[float] = []
        raw4_runs: list[float] = []
        try:
            for n in range(rounds):
                # fresh databases each round, made and connected to before the clock starts
                raw1 = hub_db.make_engine(self.new_db_url(backend, f"raw_changes_{n}"))
                raw4 = hub_db.make_engine(self.new_db_url(backend, f"raw_hub_rows_{n}"))
                try:
                    t.metadata.create_all(raw1, tables=[t.changes])
                    t.metadata.create_all(raw4, tables=[t.teams, t.records, t.changes,
                                                        t.receipts, t.audit])
                    with raw4.begin() as conn:
                        conn.execute(t.teams.insert(), teams)

                    def changes_only(raw1: sa.Engine = raw1) -> None:
                        for chunk in split(changes):
                            self._health(client)
                            with raw1.begin() as conn:
                                conn.execute(t.changes.insert(), chunk)

                    def four_tables(raw4: sa.Engine = raw4) -> None:
                        for parts in zip(*(split(x) for x in (records, changes, receipts,
                                                              audit)), strict=True):
                            self._health(client)
                            with raw4.begin() as conn:
                                for table, rows in zip((t.records, t.changes, t.receipts,
                                                        t.audit), parts, strict=True):
                                    conn.execute(table.insert(), rows)

                    raw_runs.append(timed(changes_only)[0])
                    raw4_runs.append(timed(four_tables)[0])
                finally:
                    raw1.dispose()
                    raw4.dispose()
        finally:
            client.close()
        raw_s, raw4_s = statistics.median(raw_runs), statistics.median(raw4_runs)
        return {"raw_changes_executemany_s": raw_s, "raw_hub_rows_executemany_s": raw4_s,
                "raw_changes_runs_s": raw_runs, "raw_hub_rows_runs_s": raw4_runs,
                "raw_batches": batches,
                "raw_rows": {"records": len(records), "changes": len(changes),
                             "receipts": len(receipts), "audit": len(audit)}}

    def raw_pull(self, backend: str, hub_engine: sa.Engine, url: str) -> dict[str, Any]:
        """The raw floor for the pull: select a page, one round trip, insert into SQLCipher."""
        c = t.changes.c
        query = (sa.select(c.seq, c.record_id, c.record_kind, c.person_id, c.version,
                           c.deleted, c.at, c.item)
                 .where(c.seq > sa.bindparam("since")).order_by(c.seq).limit(MAX_PAGE))
        client = httpx.Client(base_url=url)
        insert = ("INSERT INTO records (id, kind, person_id, version, server_seq, deleted, "
                  "created_at, updated_at, created_by, data, search_text) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'hub', ?, '')")
        rounds = self.args.raw_repeats
        self.log(f"[{backend}] raw pull: pages of {MAX_PAGE:,} selected from the hub database "
                 f"and inserted into a raw SQLCipher database; {rounds} rounds, a fresh "
                 "database each")
        pages, runs = 0, []

        def pull_all(raw: connection.Connection) -> int:
            nonlocal pages
            since, total, pages = 0, 0, 0
            while True:
                self._health(client)
                with hub_engine.connect() as conn:
                    rows = conn.execute(query, {"since": since}).all()
                pages += 1
                if rows:
                    raw.execute("BEGIN IMMEDIATE")
                    raw.executemany(insert, [(r.record_id, r.record_kind, r.person_id,
                                              r.version, r.seq, int(r.deleted), r.at, r.at,
                                              r.item) for r in rows])
                    raw.execute("COMMIT")
                    total += len(rows)
                    since = rows[-1].seq
                if len(rows) < MAX_PAGE:
                    return total

        try:
            for n in range(rounds):
                raw = connection.create_database(self.work / f"raw-pull-{backend}-{n}.db",
                                                 secrets.token_bytes(32))
                try:
                    migrate.upgrade(raw)
                    elapsed, total = timed(lambda raw=raw: pull_all(raw))
                finally:
                    raw.close()
                if total != self.sizes["changes"]:
                    raise SystemExit(f"[{backend}] raw pull found {total} changes")
                runs.append(elapsed)
        finally:
            client.close()
        return {"raw_select_insert_s": statistics.median(runs), "raw_runs_s": runs,
                "raw_pages": pages}
