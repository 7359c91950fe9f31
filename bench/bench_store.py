"""Store benchmark: the repositories against the raw SQLCipher engine (DESIGN.md section 7).

Seeds the reference data set (5,000 people, 20,000 missing episodes, 100,000 submissions,
200,000 audit rows; all of it fictional) through the repositories of a workspace created with
the production KDF, then measures each path against the raw engine *in the same run*:

* store writes through the repositories (record + audit + outbox) vs raw ``sqlcipher3`` inserts
  of the same rows into a copy of the ``records`` table, in a separate SQLCipher database;
* unlock (``Workspace.open``) vs the Argon2id derivation alone plus a raw open and probe;
* caseload list load (``ws.people.list()``) vs a raw SELECT and ``json.loads`` per row;
* name search, one keystroke at a time (``ws.people.search``) vs a raw LIKE query;
* peak RSS, for orientation.

No timing is asserted: the script prints a table, writes JSON to ``bench/results/`` and exits 0.
Run from the project root::

    .venv/bin/python bench/bench_store.py [--scale 1.0] [--out bench/results/store-X.json]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from fiction import OWNER, Fiction, chunks
from report import (
    Progress,
    Row,
    environment,
    fmt_rate,
    fmt_time,
    load_average,
    now_s,
    peak_rss_mb,
    print_table,
    timed,
    times_raw,
)
from store_raw import (
    AUDIT_COLUMNS,
    OUTBOX_COLUMNS,
    RAW_LIST_SQL,
    RAW_SEARCH_SORTED_SQL,
    RAW_SEARCH_SQL,
    RECORD_COLUMNS,
    copy_rows,
    raw_databases,
    raw_insert,
    raw_insert_full,
    raw_insert_many,
)

from cse_desktop.domain.models import Record
from cse_desktop.store import KdfParams, Workspace, connection
from cse_desktop.store.keys import PASSPHRASE_SLOT, KeyFile

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"

#: DESIGN.md section 7: the reference data set.
REFERENCE = {"person": 5_000, "episode": 20_000, "submission": 100_000, "audit": 200_000}

#: DESIGN.md section 7: the budgets this script checks.
BUDGET_WRITE_RATIO = 0.25
BUDGET_UNLOCK_S = 1.0
BUDGET_LIST_S = 0.150
BUDGET_KEYSTROKE_S = 0.030

PASSPHRASE = "bench-workspace-fictional-passphrase"


# ---------------------------------------------------------------------------------------------
# The benchmark


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.scale = args.scale
        self.batch = args.batch
        self.log = Progress()
        self.work = Path(tempfile.mkdtemp(prefix="cse-bench-", dir=args.workdir))
        self.folder = self.work / "workspace"
        self.fiction = Fiction(args.seed, date.today())
        self.target = {k: max(1, round(v * self.scale)) for k, v in REFERENCE.items()}
        self.rows: list[Row] = []
        self.results: dict[str, Any] = {}
        self.rss: dict[str, float] = {}
        self.person_ids: list[str] = []
        self.db_key = b""
        self.ws: Workspace | None = None
        self.raw_single: connection.Connection | None = None
        self.raw_full: connection.Connection | None = None
        self.profiles: dict[str, str] = {}

    def repos(self, ws: Workspace) -> dict[str, Any]:
        return {"person": ws.people, "episode": ws.episodes, "submission": ws.submissions}

    def phase_done(self, name: str) -> None:
        self.rss[name] = round(peak_rss_mb(), 1)

    # -- 1. seeding ------------------------------------------------------------------------

    def seed(self) -> None:
        t = self.target
        self.log(f"creating the workspace (production KDF) in {self.folder}")
        t0 = now_s()
        ws, _recovery = Workspace.create(self.folder, PASSPHRASE, OWNER,
                                         kdf=KdfParams.production())
        create_s = now_s() - t0
        episodes = self.fiction.spread(t["episode"], t["person"])
        submissions = self.fiction.spread(t["submission"], t["person"])
        total = t["person"] + t["episode"] + t["submission"]
        repos = self.repos(ws)
        write_s, done, kinds = 0.0, 0, Counter()
        batch_times: list[float] = []
        t_seed = now_s()
        last_report = t_seed
        for chunk in chunks(self.fiction.caseload(episodes, submissions), self.batch):
            gc.collect()
            t0 = now_s()
            with ws.transaction():
                for record in chunk:
                    repos[record.kind].add(record)
            batch_times.append(now_s() - t0)
            write_s += batch_times[-1]
            for record in chunk:
                kinds[record.kind] += 1
                if record.kind == "person":
                    self.person_ids.append(record.id)
            done += len(chunk)
            if now_s() - last_report > 15 or done == total:
                last_report = now_s()
                self.log(f"  seeded {done:,}/{total:,} records "
                         f"({done / write_s:,.0f} rec/s through the repositories)")
        records_wall = now_s() - t_seed

        self.log("topping up the audit log with audited views (people.view)")
        needed = t["audit"] - ws.audit.count() - 1  # the lock at the end adds one more
        view_s, views = 0.0, 0
        rng = random.Random(self.args.seed + 1)
        while views < needed:
            n = min(self.batch, needed - views)
            picks = [rng.choice(self.person_ids) for _ in range(n)]
            t0 = now_s()
            with ws.transaction():
                for pid in picks:
                    ws.people.view(pid)
            view_s += now_s() - t0
            views += n
        audit_rows = ws.audit.count()
        ws.lock()
        seed_wall = now_s() - t_seed
        self.log(f"seeded in {seed_wall:.1f} s: {dict(kinds)}, {audit_rows + 1:,} audit rows")
        self.results["seed"] = {
            "create_workspace_s": create_s, "records": dict(kinds), "records_total": done,
            "records_write_s": write_s, "records_wall_s": records_wall,
            "records_per_s": done / write_s, "batch_median_s": statistics.median(batch_times),
            "batch_first_s": batch_times[0], "batch_last_s": batch_times[-1],
            "views_added": views, "views_s": view_s,
            "views_per_s": views / view_s if view_s else None,
            "audit_rows": audit_rows + 1, "wall_s": seed_wall,
        }
        self.phase_done("seed")

    # -- raw comparison databases ----------------------------------------------------------

    def build_raw(self) -> None:
        """Two raw SQLCipher databases holding copies of the seeded rows.

        * ``raw-single.db``: the ``records`` table alone (its DDL and indexes copied from the
          workspace): the raw engine baseline for the write budget;
        * ``raw-full.db``: the whole workspace schema (from the migrations) with records, audit
          rows and outbox rows copied: the engine floor for "record + audit + outbox".
        """
        self.db_key = KeyFile.load(Workspace.key_path(self.folder)).unwrap(PASSPHRASE_SLOT,
                                                                             PASSPHRASE)
        src = connection.connect_raw(Workspace.db_path(self.folder), self.db_key)
        try:
            self.raw_single, self.raw_full = raw_databases(src, self.work)

            self.log("raw engine: inserting the same record rows into raw-single.db")
            cur = src.execute(f"SELECT {RECORD_COLUMNS} FROM records ORDER BY rowid")
            insert_s, n = 0.0, 0
            while rows := cur.fetchmany(self.batch):
                elapsed, _ = timed(lambda rows=rows: raw_insert(self.raw_single, rows))
                insert_s += elapsed
                n += len(rows)
            self.results["seed"]["raw_records_per_s"] = n / insert_s
            self.results["seed"]["raw_records_write_s"] = insert_s

            self.log("raw engine: copying records, audit and outbox rows into raw-full.db")
            copy_rows(src, self.raw_full)
        finally:
            src.close()
        self.phase_done("raw_copy")

    # -- 2. unlock -------------------------------------------------------------------------

    def unlock(self) -> None:
        db_path = Workspace.db_path(self.folder)
        params = KeyFile.load(Workspace.key_path(self.folder)).kdf_params()
        kdf_s, raw_s, open_s, unclean = [], [], [], []

        def kdf() -> bytes:
            return hash_secret_raw(PASSPHRASE.encode(), os.urandom(16), params.time_cost,
                                   params.memory_kib, params.parallelism, 32, Type.ID)

        def raw_open() -> None:
            conn = connection.connect_raw(db_path, self.db_key)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                conn.close()

        runs = self.args.unlock_runs
        self.log(f"unlock: {runs} rounds of Argon2id alone, raw open+probe, Workspace.open")
        for i in range(runs):
            kdf_s.append(timed(kdf)[0])
            raw_s.append(timed(raw_open)[0])
            wal = db_path.with_name(db_path.name + "-wal")
            unclean.append(wal.exists() and wal.stat().st_size > 0)
            elapsed, ws = timed(lambda: Workspace.open(self.folder, PASSPHRASE))
            open_s.append(elapsed)
            if i < runs - 1:
                ws.lock()
            else:
                self.ws = ws  # stays open for the read and write measurements
        med_open, med_kdf, med_raw = (statistics.median(x) for x in (open_s, kdf_s, raw_s))
        floor = med_kdf + med_raw
        self.results["unlock"] = {
            "kdf": params.to_json(), "kdf_is_production": params == KdfParams.production(),
            "workspace_open_s": open_s, "argon2id_s": kdf_s, "raw_open_probe_s": raw_s,
            "wal_present_before_open": unclean, "median_open_s": med_open,
            "median_argon2id_s": med_kdf, "median_raw_open_probe_s": med_raw,
            "ratio_to_floor": med_open / floor}
        self.rows.append(Row(
            "unlock: Workspace.open (production KDF)", fmt_time(med_open),
            f"{fmt_time(med_kdf)} KDF + {fmt_time(med_raw)} open", times_raw(med_open, floor),
            f"<= {fmt_time(BUDGET_UNLOCK_S)}", med_open <= BUDGET_UNLOCK_S))
        self.phase_done("unlock")

    # -- 3. reads --------------------------------------------------------------------------

    def _alternate(self, ours: Callable[[], Any], raw: Callable[[], Any],
                   repeats: int) -> tuple[list[float], list[float], Any, Any]:
        """Warm both once, then alternate them ``repeats`` times (same noise for both)."""
        out_ours, out_raw = ours(), raw()
        ours_s, raw_s = [], []
        for _ in range(repeats):
            ours_s.append(timed(ours)[0])
            raw_s.append(timed(raw)[0])
        return ours_s, raw_s, out_ours, out_raw

    def reads(self) -> None:
        ws = self.ws
        assert ws is not None
        raw = connection.connect_raw(Workspace.db_path(self.folder), self.db_key)
        try:
            self._caseload(ws, raw)
            self._search(ws, raw)
        finally:
            raw.close()
        self.phase_done("reads")

    def _caseload(self, ws: Workspace, raw: connection.Connection) -> None:
        repeats = self.args.repeats
        self.log(f"caseload list: ws.people.list() vs raw SELECT + json.loads, {repeats} rounds")
        ours_s, raw_s, people, raw_rows = self._alternate(
            ws.people.list, lambda: [json.loads(d) for (d,) in raw.execute(RAW_LIST_SQL)],
            repeats)
        if len(people) != len(raw_rows) or len(people) != self.target["person"]:
            raise SystemExit(f"caseload size mismatch: repository {len(people)}, raw "
                             f"{len(raw_rows)}, seeded {self.target['person']}")
        med, med_raw = statistics.median(ours_s), statistics.median(raw_s)
        self.results["caseload_list"] = {"people": len(people), "repository_s": ours_s,
                                         "raw_s": raw_s, "median_s": med,
                                         "median_raw_s": med_raw, "ratio": med / med_raw}
        self.rows.append(Row(f"caseload list load ({len(people):,} people)", fmt_time(med),
                             fmt_time(med_raw), times_raw(med, med_raw),
                             f"<= {fmt_time(BUDGET_LIST_S)}", med <= BUDGET_LIST_S))

    def _search(self, ws: Workspace, raw: connection.Connection) -> None:
        query = self.args.query.casefold()
        repeats = self.args.repeats
        self.log(f"name search: typing {query!r} one keystroke at a time, {repeats} rounds each")
        per_key: list[dict[str, Any]] = []
        for n in range(1, len(query) + 1):
            typed = query[:n]
            pattern = f"%{typed}%"
            ours_s, raw_s, found, raw_found = self._alternate(
                lambda typed=typed: ws.people.search(typed),
                lambda pattern=pattern: [json.loads(d) for (d,) in
                                         raw.execute(RAW_SEARCH_SQL, (pattern,))],
                repeats)
            sorted_s = [timed(lambda pattern=pattern: [json.loads(d) for (d,) in raw.execute(
                RAW_SEARCH_SORTED_SQL, (pattern,))])[0] for _ in range(repeats)]
            if len(found) != len(raw_found):
                raise SystemExit(f"search {typed!r}: repository found {len(found)}, raw "
                                 f"{len(raw_found)}")
            per_key.append({"typed": typed, "matches": len(found), "repository_s": ours_s,
                            "raw_s": raw_s, "raw_sorted_s": sorted_s,
                            "median_s": statistics.median(ours_s),
                            "median_raw_s": statistics.median(raw_s),
                            "median_raw_sorted_s": statistics.median(sorted_s)})
        worst = max(per_key, key=lambda k: k["median_s"])
        self.results["name_search"] = {"query": query, "keystrokes": per_key,
                                       "worst": worst["typed"],
                                       "ratio_worst": worst["median_s"] / worst["median_raw_s"]}
        # The desktop filters the loaded caseload in memory on each keystroke (qt/caseload.py);
        # ws.people.search is the command line's and other callers' path: shown for reference.
        self.rows.append(Row(
            f"SQL name search, worst keystroke ({worst['typed']!r}, {worst['matches']:,} hits)",
            fmt_time(worst["median_s"]), fmt_time(worst["median_raw_s"]),
            times_raw(worst["median_s"], worst["median_raw_s"]), "-", None))
        last = per_key[-1]
        self.rows.append(Row(
            f"SQL name search, last keystroke ({last['typed']!r}, {last['matches']:,} hits)",
            fmt_time(last["median_s"]), fmt_time(last["median_raw_s"]),
            times_raw(last["median_s"], last["median_raw_s"]), "-", None))
        self._ui_filter(ws, query)

    def _ui_filter(self, ws: Workspace, query: str) -> None:
        """The caseload filter keystroke as the desktop runs it: the real Qt proxy model over
        the loaded caseload, against a plain Python scan of the same search texts."""
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        from cse_desktop.qt.caseload import CaseloadFilter, CaseloadModel

        app = QApplication.instance() or QApplication([])
        people = ws.people.list()
        model = CaseloadModel()
        model.set_people(people)
        proxy = CaseloadFilter()
        proxy.setSourceModel(model)
        proxy.sort(0)
        texts = [p.search_text() for p in people]
        per_key = []
        for n in range(1, len(query) + 1):
            typed = query[:n]
            ours_s, raw_s = [], []
            for _ in range(self.args.repeats):
                proxy.set_search_text("")
                ours_s.append(timed(lambda typed=typed: proxy.set_search_text(typed))[0])
                raw_s.append(timed(lambda typed=typed: [t for t in texts if typed in t])[0])
            per_key.append({"typed": typed, "shown": proxy.rowCount(),
                            "median_s": statistics.median(ours_s),
                            "median_raw_s": statistics.median(raw_s)})
        app.processEvents()
        worst = max(per_key, key=lambda k: k["median_s"])
        self.results["caseload_filter"] = {"keystrokes": per_key, "worst": worst["typed"]}
        self.rows.append(Row(
            f"caseload filter keystroke (desktop, worst: {worst['typed']!r}, "
            f"{worst['shown']:,} shown)", fmt_time(worst["median_s"]),
            fmt_time(worst["median_raw_s"]), times_raw(worst["median_s"], worst["median_raw_s"]),
            f"<= {fmt_time(BUDGET_KEYSTROKE_S)}", worst["median_s"] <= BUDGET_KEYSTROKE_S))

    # -- 4. writes on the seeded workspace -------------------------------------------------

    def writes(self) -> None:
        ws = self.ws
        assert ws is not None and self.raw_single is not None and self.raw_full is not None
        batches = max(3, round(self.args.write_batches * self.scale))
        groups = -(-batches * self.batch // 25)  # 1 person, 4 episodes, 20 submissions
        sample = list(self.fiction.caseload([4] * groups, [20] * groups))
        sample = sample[:batches * self.batch]
        # a second, distinct set for the batch API (add_many) and its raw counterpart
        batch_sample = list(self.fiction.caseload([4] * groups, [20] * groups))
        batch_sample = batch_sample[:batches * self.batch]
        self.log(f"writes: {batches} batches of {self.batch:,} records (1:4:20 people, "
                 "episodes, submissions), repository vs raw, interleaved")
        src = connection.connect_raw(Workspace.db_path(self.folder), self.db_key)
        repos = self.repos(ws)
        ours_s, single_s, full_s, many_s, raw_many_s = [], [], [], [], []
        try:
            for chunk, batch_chunk in zip(chunks(sample, self.batch),
                                          chunks(batch_sample, self.batch), strict=True):
                marks = [src.execute(f"SELECT coalesce(max({key}), 0) FROM {table}").fetchone()[0]
                         for table, key in (("records", "rowid"), ("audit_event", "seq"),
                                            ("outbox", "seq"))]

                def write(chunk: list[Record] = chunk) -> None:
                    with ws.transaction():
                        for record in chunk:
                            repos[record.kind].add(record)

                ours_s.append(timed(write)[0])
                records = src.execute(f"SELECT {RECORD_COLUMNS} FROM records WHERE rowid > ? "
                                      "ORDER BY rowid", (marks[0],)).fetchall()
                audit = src.execute(f"SELECT {AUDIT_COLUMNS} FROM audit_event WHERE seq > ? "
                                    "ORDER BY seq", (marks[1],)).fetchall()
                outbox = src.execute(f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE seq > ? "
                                     "ORDER BY seq", (marks[2],)).fetchall()
                if not len(records) == len(audit) == len(outbox) == len(chunk):
                    raise SystemExit(f"write batch: {len(chunk)} records added but "
                                     f"{len(records)} records, {len(audit)} audit and "
                                     f"{len(outbox)} outbox rows found")
                single_s.append(timed(lambda r=records: raw_insert(self.raw_single, r))[0])
                full_s.append(timed(lambda r=records, a=audit, o=outbox: raw_insert_full(
                    self.raw_full, r, a, o))[0])

                mark = src.execute("SELECT coalesce(max(rowid), 0) FROM records").fetchone()[0]

                def write_many(chunk: list[Record] = batch_chunk) -> None:
                    with ws.transaction():
                        for kind in ("person", "episode", "submission"):
                            repos[kind].add_many([r for r in chunk if r.kind == kind])

                many_s.append(timed(write_many)[0])
                rows = src.execute(f"SELECT {RECORD_COLUMNS} FROM records WHERE rowid > ? "
                                   "ORDER BY rowid", (mark,)).fetchall()
                raw_many_s.append(timed(lambda r=rows: raw_insert_many(
                    self.raw_single, r))[0])
        finally:
            src.close()
        size = self.batch
        ours, single, full = (size / statistics.median(x) for x in (ours_s, single_s, full_s))
        many, raw_many = (size / statistics.median(x) for x in (many_s, raw_many_s))
        self.results["writes"] = {
            "batches": batches, "batch_size": size, "repository_s": ours_s,
            "raw_single_table_s": single_s, "raw_record_audit_outbox_s": full_s,
            "repository_per_s": ours, "raw_single_table_per_s": single,
            "raw_record_audit_outbox_per_s": full, "ratio": ours / single,
            "ratio_to_raw_record_audit_outbox": ours / full,
            "add_many_s": many_s, "raw_executemany_s": raw_many_s, "add_many_per_s": many,
            "raw_executemany_per_s": raw_many, "add_many_ratio": many / raw_many,
            "add_many_ratio_to_raw_row_inserts": many / single}
        self.rows.insert(0, Row(
            "store writes via repositories (rec+audit+outbox)", fmt_rate(ours),
            fmt_rate(single, "rows/s"), f"{ours / single:.1%} of raw",
            f">= {BUDGET_WRITE_RATIO:.0%} of raw", ours / single >= BUDGET_WRITE_RATIO))
        self.rows.insert(1, Row(
            "  same, vs raw insert of record+audit+outbox rows", fmt_rate(ours),
            fmt_rate(full, "rec/s"), f"{ours / full:.1%} of raw", "-", None))
        self.rows.insert(2, Row(
            "store batch writes (add_many) vs raw row inserts", fmt_rate(many),
            fmt_rate(single, "rows/s"), f"{many / single:.1%} of raw",
            f">= {BUDGET_WRITE_RATIO:.0%} of raw", many / single >= BUDGET_WRITE_RATIO))
        self.rows.insert(3, Row(
            "  same, vs raw executemany of the record rows", fmt_rate(many),
            fmt_rate(raw_many, "rows/s"), f"{many / raw_many:.1%} of raw", "-", None))
        seed = self.results["seed"]
        self.rows.insert(4, Row(
            f"seeding {seed['records_total']:,} records, empty -> full ({seed['wall_s']:.0f} s)",
            fmt_rate(seed["records_per_s"]), fmt_rate(seed["raw_records_per_s"], "rows/s"),
            f"{seed['records_per_s'] / seed['raw_records_per_s']:.1%} of raw", "-", None))
        self.phase_done("writes")

    # -- optional: where the time goes -----------------------------------------------------

    def profile(self) -> None:
        ws = self.ws
        assert ws is not None
        self.log("profiling one more write batch, one list load and one search keystroke")
        sample = list(self.fiction.caseload([4] * 40, [20] * 40))
        repos = self.repos(ws)

        def write() -> None:
            with ws.transaction():
                for record in sample:
                    repos[record.kind].add(record)

        worst = self.results["name_search"]["worst"]
        for name, fn in (("write_batch", write), ("caseload_list", ws.people.list),
                         ("name_search", lambda: ws.people.search(worst))):
            prof = cProfile.Profile()
            prof.runcall(fn)
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(14)
            self.profiles[name] = out.getvalue()

    # -- running ---------------------------------------------------------------------------

    def run(self) -> None:
        t0 = now_s()
        try:
            self.seed()
            self.build_raw()
            self.unlock()
            self.reads()
            self.writes()
            if self.args.profile:
                self.profile()
            if self.ws is not None:
                self.ws.lock()
        finally:
            for conn in (self.raw_single, self.raw_full):
                if conn is not None:
                    conn.close()
            if self.ws is not None:
                self.ws.lock()
            sizes = {p.name: p.stat().st_size for p in sorted(self.work.rglob("*.db"))}
            if self.args.keep:
                self.log(f"kept the fictional workspace and raw databases in {self.work}")
            else:
                shutil.rmtree(self.work, ignore_errors=True)
        self.phase_done("end")
        self.rows.append(Row("peak RSS (whole run, incl. Argon2id 256 MiB)",
                             f"{self.rss['end']:,.0f} MiB", "-", "-", "-", None))
        self.results["db_file_bytes"] = sizes
        self.results["peak_rss_mib_after_phase"] = self.rss
        self.results["total_wall_s"] = now_s() - t0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the reference data set (0.05 for a quick run)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON results file (default bench/results/store-<timestamp>.json)")
    parser.add_argument("--batch", type=int, default=1000,
                        help="records per transaction, for the repositories and the raw engine")
    parser.add_argument("--write-batches", type=int, default=10,
                        help="timed write batches at scale 1 (scaled; at least 3)")
    parser.add_argument("--repeats", type=int, default=7,
                        help="timed rounds per read measurement (median reported)")
    parser.add_argument("--unlock-runs", type=int, default=5, help="timed unlocks (median)")
    parser.add_argument("--query", default="thorn",
                        help="name typed into search, one keystroke at a time")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the fictional data")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the temporary workspace goes (default: the system temp)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the workspace and raw databases afterwards")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of a write batch, a list load and a search")
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.batch < 1 or args.repeats < 1 or args.unlock_runs < 1:
        parser.error("--scale, --batch, --repeats and --unlock-runs must be positive")
    if not args.query.strip():
        parser.error("--query must not be empty")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or RESULTS_DIR / f"store-{stamp}.json"
    bench = Bench(args)
    target = bench.target
    load_before = load_average()
    bench.log(f"scale {args.scale}: {target['person']:,} people, {target['episode']:,} "
              f"episodes, {target['submission']:,} submissions, {target['audit']:,} audit rows; "
              f"batches of {args.batch:,}")
    bench.run()
    load_after = load_average()

    print()
    print(f"CSE Desktop store benchmark, scale {args.scale} ({target['person']:,} people, "
          f"{target['episode']:,} episodes, {target['submission']:,} submissions, "
          f"{target['audit']:,} audit rows), {stamp}")
    if load_before is not None and load_after is not None:
        print(f"load average (1 min) {load_before:.2f} before, {load_after:.2f} after, on "
              f"{os.cpu_count()} CPUs: a busy machine moves the absolute figures, less the ratios")
    table = print_table(bench.rows)
    seed = bench.results["seed"]
    print(f"\nseeding: {seed['wall_s']:.1f} s wall ({seed['records_write_s']:.1f} s for "
          f"{seed['records_total']:,} records at {seed['records_per_s']:,.0f} rec/s, "
          f"{seed['views_s']:.1f} s for {seed['views_added']:,} audited views); "
          f"whole run {bench.results['total_wall_s']:.0f} s")
    for name, text in bench.profiles.items():
        print(f"\n--- cProfile: {name} (top by own time) ---\n{text.strip()}")

    report = {"benchmark": "store", "created_at": stamp, "scale": args.scale,
              "data_set": target, "batch_size": args.batch, "seed": args.seed,
              "environment": environment(),
              "load_average_1min": {"before": load_before, "after": load_after},
              "budgets": {"write_ratio_min": BUDGET_WRITE_RATIO, "unlock_s": BUDGET_UNLOCK_S,
                          "caseload_list_s": BUDGET_LIST_S, "keystroke_s": BUDGET_KEYSTROKE_S},
              "table": [{"path": r.path, "absolute": r.absolute, "raw": r.raw,
                         "ratio": r.ratio, "budget": r.budget, "result": r.verdict}
                        for r in bench.rows],
              "table_text": table, "results": bench.results, "profiles": bench.profiles}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
