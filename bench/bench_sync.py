"""Sync benchmark: the sync engine and the hub against raw database work (DESIGN.md section 7).

Runs the real hub (``cse-hub serve``, a subprocess on 127.0.0.1) on SQLite and, when PostgreSQL
can be started, on PostgreSQL too, and measures in one run, each against the raw engine *in the
same run*:

* **push**: a laptop (encrypted workspace, cheap test KDF) with 10,000 changes waiting (2,000
  people, 4,000 missing episodes, 4,000 actions, all fictional) runs ``engine.sync``; the push
  phase is timed. Raw: the same ``changes`` rows inserted with SQLAlchemy Core ``executemany``
  into an empty copy of the table (same backend, same engine settings), one transaction and one
  bare HTTP round trip (``GET /v1/health``) per batch of 500;
* **pull**: a second, fresh laptop of the same team syncs the 10,000 changes down. Raw: the
  rows selected from the hub database a page of 1,000 at a time, one bare HTTP round trip per
  page, and inserted with ``executemany`` into the ``records`` table of a raw SQLCipher
  database with the workspace schema;
* **no-op sync**: the second laptop syncs again with nothing to do (median of 20). Raw: a new
  TCP connection and one ``GET /v1/health``;
* **200 devices x 50 changes at once** (PostgreSQL only): 200 enrolled devices each POST one
  ``/v1/sync/push`` of 50 new people at the same moment (one thread and one connection each),
  then each pulls; per-request latency p50/p95/max and errors. Raw: the same 10,000 ``changes``
  rows inserted by 200 concurrent psycopg connections, 50 rows each.

No timing is asserted: the script prints a table, writes JSON to ``bench/results/`` and exits 0.
It exits non-zero only when something is broken (records lost on the way, say). Run from the
project root::

    .venv/bin/python bench/bench_sync.py [--scale 1.0] [--no-postgres] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import shlex
import shutil
import statistics
import sys
import tempfile
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fiction import Fiction
from report import (
    Progress,
    Row,
    environment,
    fmt_rate,
    fmt_time,
    peak_rss_mb,
    print_table,
    timed,
    times_raw,
)
from sync_load import (
    BUDGET_P95_S,
    LoadTests,
    load_average,
    percentile,
    print_load_summary,
)
from sync_parts import (
    BENCH_DIR,
    HUB_PREFIX,
    HubProcess,
    Meter,
    NotRun,
    bare_round_trip,
    breakdown,
    now_s,
    pg_support,
    timed_sync,
)
from sync_raw import RawReferences

from cse_desktop.domain.models import Action, ActionStatus, Owner, Role
from cse_desktop.hub import db as hub_db
from cse_desktop.hub.repository import Hub
from cse_desktop.store import Workspace, keys
from cse_desktop.sync import engine
from cse_desktop.sync.protocol import MAX_BATCH, MAX_PAGE, Change, PushRequest

RESULTS_DIR = BENCH_DIR / "results"

#: DESIGN.md section 7: the sizes and budgets this script checks.
REFERENCE_CHANGES = 10_000  # 2,000 people, 4,000 episodes, 4,000 actions
REFERENCE_DEVICES = 200
REFERENCE_PER_DEVICE = 50
BUDGET_PUSH_S = 10.0
BUDGET_PULL_S = 10.0
BUDGET_NOOP_S = 0.200

PASSPHRASE = "bench-sync-fictional-passphrase"
TEAM = "Bench Team (fictional)"
USERS = ("B. Bench-Worker (fictional)", "P. Sample-Worker (fictional)")
ACTION_TEXTS = ["Fictional action: school to share attendance weekly.",
                "Fictional action: police to run a return interview check.",
                "Fictional action: youth worker to meet the young person twice a week.",
                "Fictional action: carer to report late returns the same evening."]


# ---------------------------------------------------------------------------------------------
# The benchmark


class SyncBench(RawReferences, LoadTests):
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.scale = args.scale
        self.log = Progress()
        self.work = Path(tempfile.mkdtemp(prefix="cse-bench-sync-", dir=args.workdir))
        self.fiction = Fiction(args.seed, date.today())
        n = max(20, round(REFERENCE_CHANGES * self.scale))
        people = n // 5
        episodes = (n - people) // 2
        self.sizes = {"changes": n, "person": people, "episode": episodes,
                      "action": n - people - episodes}
        self.devices = max(4, round(REFERENCE_DEVICES * self.scale))
        self.per_device = max(5, round(REFERENCE_PER_DEVICE * self.scale))
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.results: dict[str, Any] = {}
        self.profiles: dict[str, str] = {}
        self.meter = Meter()
        self.cluster: Any = None
        self.pg_reason = ""
        self._hubs: list[HubProcess] = []
        #: the raw PostgreSQL floor of the load test, per number of devices
        self.raw_floor: dict[int, dict[str, Any]] = {}
        self.device_counts = sorted({max(4, round(d * self.scale)) for d in args.devices})
        self.workers = sorted(set(args.workers))
        self._workspaces: list[Workspace] = []

    # -- set-up helpers ----------------------------------------------------------------------

    def start_postgres(self) -> None:
        if self.args.no_postgres:
            self.pg_reason = "--no-postgres was given"
            return
        pg = pg_support()
        self.log("starting a throwaway PostgreSQL cluster (tests/support/pg.py)")
        try:
            self.cluster = pg.start_cluster()
        except pg.PostgresUnavailable as exc:
            self.pg_reason = f"PostgreSQL unavailable: {str(exc).splitlines()[0]}"
            return
        settings = {"fsync_requested": "off" if self.args.pg_fsync_off else "on"}
        if not self.args.pg_fsync_off:
            # The test cluster runs with fsync=off; a hub in service does not. Restart it with
            # fsync on (a -c option on the command line beats ALTER SYSTEM, so a restart it is).
            c = self.cluster
            options = " ".join([f"-c listen_addresses={pg.HOST}", f"-p {c.port}",
                                f"-k {shlex.quote(str(c.datadir))}", "-c fsync=on",
                                # the raw floor opens one connection per device at once
                                f"-c max_connections={max(self.device_counts) + 300}",
                                "-c shared_buffers=128MB"])
            result = pg._run([c._pg_ctl, "-D", str(c.datadir), "-l",
                              str(c.datadir / "server.log"), "-o", options, "-m", "fast", "-w",
                              "-t", "60", "restart"], c._run_as)
            if result.returncode != 0:
                self.notes.append("PostgreSQL could not be restarted with fsync=on; the "
                                  "figures are with fsync=off: " + result.stderr.strip()[-300:])
        import psycopg

        with psycopg.connect(self.cluster.conninfo()) as conn:
            for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers",
                         "max_connections"):
                settings[name] = conn.execute(f"SHOW {name}").fetchone()[0]
        self.results["postgresql_server"] = settings
        self.log(f"PostgreSQL {settings['server_version']} on port {self.cluster.port}, "
                 f"fsync={settings['fsync']}")

    def new_db_url(self, backend: str, name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.work / (name + '.sqlite3')}"
        return self.cluster.create_database(f"{name}_{uuid.uuid4().hex[:8]}")

    def start_hub(self, url: str, name: str, workers: int = 1) -> HubProcess:
        hub = HubProcess(url, self.work / f"{name}.log", workers).start()
        self._hubs.append(hub)
        return hub

    def stop_hub(self, hub: HubProcess) -> None:
        hub.stop()
        self._hubs.remove(hub)

    def workspace(self, name: str, user: str) -> Workspace:
        ws, _ = Workspace.create(self.work / name, PASSPHRASE,
                                 Owner(name=user, role=Role.PRACTITIONER, team=TEAM),
                                 kdf=keys.FLOOR)  # the cheapest the app opens: not measured
        self._workspaces.append(ws)
        return ws

    def action(self, person_id: str) -> Action:
        rng = self.fiction.rng
        return Action(person_id=person_id, text=rng.choice(ACTION_TEXTS),
                      owner=rng.choice(USERS), agency=rng.choice(["Police", "School", "CSC"]),
                      due=date.today() + timedelta(days=rng.randint(-20, 60)),
                      status=rng.choice([ActionStatus.OPEN, ActionStatus.OPEN,
                                         ActionStatus.DONE]))

    def seed(self, ws: Workspace) -> dict[str, Any]:
        """The laptop's waiting changes: people, then their episodes and actions (add_many)."""
        s = self.sizes
        people = [self.fiction.person() for _ in range(s["person"])]
        episodes = [self.fiction.episode(people[i].id)
                    for i, n in enumerate(self.fiction.spread(s["episode"], len(people)))
                    for _ in range(n)]
        actions = [self.action(people[i].id)
                   for i, n in enumerate(self.fiction.spread(s["action"], len(people)))
                   for _ in range(n)]
        gc.collect()
        t0 = now_s()
        with ws.transaction():
            ws.people.add_many(people)
            ws.episodes.add_many(episodes)
            ws.actions.add_many(actions)
        elapsed = now_s() - t0
        pending = ws.sync.pending_count()
        if pending != s["changes"]:
            raise SystemExit(f"seeding: {s['changes']} records added but {pending} changes "
                             "waiting in the outbox")
        return {"add_many_s": elapsed, "pending": pending}

    # -- 1-3. push, pull and no-op sync on one hub backend ---------------------------------

    def push_pull_noop(self, backend: str) -> None:
        n = self.sizes["changes"]
        label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
        url = self.new_db_url(backend, "hub")
        hub_engine = hub_db.make_engine(url)
        hub_db.upgrade(hub_engine)
        hub = Hub(hub_engine)
        hub.add_team(TEAM)
        for user in USERS:
            hub.add_user(user, team=TEAM)
        server = self.start_hub(url, f"hub-{backend}")
        out: dict[str, Any] = {"hub_db": backend, "changes": n, "sizes": dict(self.sizes)}
        self.results[backend] = out
        try:
            ws_a = self.workspace(f"laptop-a-{backend}", USERS[0])
            engine.connect(ws_a, server.url, hub.new_enrolment_code(USERS[0])[0],
                           device_name="bench-laptop-a")
            self.log(f"[{backend}] seeding laptop A with {n:,} waiting changes (add_many)")
            out["seed"] = self.seed(ws_a)

            self.log(f"[{backend}] push: laptop A syncs {n:,} changes up")
            cpu0 = server.cpu_s()
            first = timed_sync(ws_a, self.meter)
            cpu1 = server.cpu_s()
            s = first["summary"]
            if s.pushed != n or s.rejected or ws_a.sync.pending_count():
                raise SystemExit(f"[{backend}] push: {n} waiting, {s.pushed} pushed, "
                                 f"{s.rejected} rejected, {ws_a.sync.pending_count()} left")
            counts = hub.counts()
            if counts["changes"] != n:
                raise SystemExit(f"[{backend}] the hub holds {counts['changes']} changes, "
                                 f"expected {n}")
            out["push"] = {"push_s": first["push_s"], "echo_pull_s": first["pull_s"],
                           "first_sync_total_s": first["total_s"], "pushed": s.pushed,
                           "echo_received": s.received, "calls": first["calls"],
                           "hub_cpu_first_sync_s": None if cpu0 is None or cpu1 is None
                           else cpu1 - cpu0}
            raw_push = self.raw_push(backend, hub_engine, server.url)
            out["push"].update(raw_push)

            ws_b = self.workspace(f"laptop-b-{backend}", USERS[1])
            engine.connect(ws_b, server.url, hub.new_enrolment_code(USERS[1])[0],
                           device_name="bench-laptop-b")
            self.log(f"[{backend}] pull: a fresh laptop B syncs {n:,} changes down")
            second = timed_sync(ws_b, self.meter)
            s = second["summary"]
            got = ws_b.people.count() + ws_b.episodes.count() + ws_b.actions.count()
            if s.received != n or s.applied != n or got != n:
                raise SystemExit(f"[{backend}] pull: {n} on the hub, {s.received} received, "
                                 f"{s.applied} applied, {got} records on laptop B")
            out["pull"] = {"pull_s": second["pull_s"], "total_s": second["total_s"],
                           "received": s.received, "applied": s.applied,
                           "calls": second["calls"]}
            out["pull"].update(self.raw_pull(backend, hub_engine, server.url))

            runs = self.args.noop_runs
            self.log(f"[{backend}] no-op sync: laptop B syncs {runs} more times, nothing to do")
            engine.sync(ws_b)  # warm-up
            noop_s, raw_noop_s = [], []
            for _ in range(runs):
                elapsed, summary = timed(lambda: engine.sync(ws_b))
                if summary.pushed or summary.received:
                    raise SystemExit(f"[{backend}] no-op sync moved changes: {summary.line()}")
                noop_s.append(elapsed)
                raw_noop_s.append(timed(lambda: bare_round_trip(server.port))[0])
            out["noop"] = {"runs_s": noop_s, "raw_new_connection_health_s": raw_noop_s,
                           "median_s": statistics.median(noop_s),
                           "p90_s": percentile(noop_s, 90), "max_s": max(noop_s),
                           "median_raw_s": statistics.median(raw_noop_s)}
        finally:
            self.stop_hub(server)
            hub_engine.dispose()
        self._rows_push_pull_noop(label, out)

    def _rows_push_pull_noop(self, label: str, out: dict[str, Any]) -> None:
        n = out["changes"]
        p, q, z = out["push"], out["pull"], out["noop"]
        self.rows.append(Row(
            f"push {n:,} changes (hub on {label}, loopback)", fmt_time(p["push_s"]),
            fmt_time(p["raw_changes_executemany_s"]),
            times_raw(p["push_s"], p["raw_changes_executemany_s"]),
            f"<= {BUDGET_PUSH_S:.0f} s", p["push_s"] <= BUDGET_PUSH_S))
        self.rows.append(Row(
            "  same, vs raw insert of the hub's 4 rows per change", fmt_time(p["push_s"]),
            fmt_time(p["raw_hub_rows_executemany_s"]),
            times_raw(p["push_s"], p["raw_hub_rows_executemany_s"]), "-", None))
        self.rows.append(Row(
            f"  first sync in all (push + pulling its own {p['echo_received']:,} back)",
            fmt_time(p["first_sync_total_s"]), "-", "-", "-", None))
        self.rows.append(Row(
            f"pull {n:,} changes to a fresh laptop (hub on {label})", fmt_time(q["pull_s"]),
            fmt_time(q["raw_select_insert_s"]), times_raw(q["pull_s"], q["raw_select_insert_s"]),
            f"<= {BUDGET_PULL_S:.0f} s", q["pull_s"] <= BUDGET_PULL_S))
        self.rows.append(Row(
            f"no-op sync, median of {len(z['runs_s'])} (hub on {label})", fmt_time(z["median_s"]),
            fmt_time(z["median_raw_s"]), times_raw(z["median_s"], z["median_raw_s"]),
            f"<= {fmt_time(BUDGET_NOOP_S)}", z["median_s"] <= BUDGET_NOOP_S))

    # -- the first sync of a laptop's backlog, with and without its echo --------------------

    def first_sync_echo(self, backend: str) -> None:
        """A laptop pushes its backlog once; the pull that follows is then timed on copies of
        that workspace: with its own accepted changes skipped (no echo, as it syncs now) and
        with them applied again (the echo table emptied: as every laptop did before)."""
        n = self.sizes["changes"]
        label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
        url = self.new_db_url(backend, "hub_echo")
        hub_engine = hub_db.make_engine(url)
        hub_db.upgrade(hub_engine)
        hub = Hub(hub_engine)
        hub.add_team(TEAM)
        hub.add_user(USERS[0], team=TEAM)
        server = self.start_hub(url, f"hub-echo-{backend}")
        out: dict[str, Any] = {"hub_db": backend, "changes": n}
        self.results[f"first_sync_echo_{backend}"] = out
        try:
            ws = self.workspace(f"laptop-echo-{backend}", USERS[0])
            engine.connect(ws, server.url, hub.new_enrolment_code(USERS[0])[0],
                           device_name="bench-laptop-echo")
            self.seed(ws)
            self.log(f"[{backend}] echo: laptop C pushes {n:,} changes, then pulls them back "
                     "with and without skipping its own")

            class PushDone(Exception):
                pass

            def stop_at_pull(phase: str, done: int, total: int) -> None:
                if phase == "pull":
                    raise PushDone

            t0 = now_s()
            try:
                engine.sync(ws, progress=stop_at_pull)
            except PushDone:
                out["push_s"] = now_s() - t0
            else:
                raise SystemExit(f"[{backend}] echo: the sync ended without a pull")
            folder = self.work / f"laptop-echo-{backend}"
            ws.lock()
            runs: dict[str, list[float]] = {"skipped": [], "applied": []}
            for n_run, how in enumerate(("skipped", "applied") * 2):
                copy = self.work / f"laptop-echo-{backend}-{n_run}"
                shutil.copytree(folder, copy)
                clone = Workspace.open(copy, PASSPHRASE)
                self._workspaces.append(clone)
                if how == "applied":
                    with clone.transaction():
                        clone.db.execute("DELETE FROM sync_echo")
                timing = timed_sync(clone, self.meter)
                s = timing["summary"]
                own = n if how == "skipped" else 0
                if s.pushed or s.received != n or s.own != own or s.applied:
                    raise SystemExit(f"[{backend}] echo ({how}): {s.line()}, {s.own} own")
                runs[how].append(timing["pull_s"])
                clone.lock()
            out.update({f"pull_{how}_s": min(r) for how, r in runs.items()})
            out["runs_s"] = runs
        finally:
            self.stop_hub(server)
            hub_engine.dispose()
        self.rows.append(Row(
            f"first sync of {n:,} changes, own changes skipped on pull (hub on {label})",
            fmt_time(out["push_s"] + out["pull_skipped_s"]), "-", "-", "-", None))
        self.rows.append(Row(
            f"  its pull of its own {n:,} changes, skipped (no echo)",
            fmt_time(out["pull_skipped_s"]), "-", "-", "-", None))
        self.rows.append(Row(
            "  same pull, its own changes applied again (the echo, as before)",
            fmt_time(out["pull_applied_s"]), "-", "-", "-", None))

    # -- 4. many devices at once against PostgreSQL ---------------------------------------

    def profile(self, backends: list[str]) -> None:
        """cProfile of Hub.push and Hub.pull called in-process (no HTTP) on a fresh hub."""
        size = min(2_000, self.sizes["changes"])
        for backend in backends:
            url = self.new_db_url(backend, "hub_profile")
            hub_engine = hub_db.make_engine(url)
            hub_db.upgrade(hub_engine)
            hub = Hub(hub_engine)
            hub.add_team(TEAM)
            hub.add_user(USERS[0], team=TEAM)
            dev = hub.authenticate(hub.enrol(hub.new_enrolment_code(USERS[0])[0],
                                             "bench-profile").token)
            people = [self.fiction.person() for _ in range(size // 5)]
            records = people + [self.fiction.episode(people[i % len(people)].id)
                                for i in range(size - len(people))]
            changes = [Change(change_id=str(uuid.uuid4()), record_kind=r.kind,  # type: ignore
                              record_id=r.id, op="create", version=1, base_version=0,
                              fields=r.content()) for r in records]
            requests = [PushRequest(changes=changes[i:i + MAX_BATCH])
                        for i in range(0, len(changes), MAX_BATCH)]
            self.log(f"[profile] Hub.push of {size:,} changes and Hub.pull, in-process, "
                     f"{backend}")
            prof = cProfile.Profile()
            t0 = now_s()
            for request in requests:
                prof.runcall(hub.push, dev, request)
            push_s = now_s() - t0
            prof_pull = cProfile.Profile()
            t0 = now_s()
            since = 0
            while True:
                page = prof_pull.runcall(hub.pull, dev, since, MAX_PAGE)
                since = page.next
                if page.done:
                    break
            pull_s = now_s() - t0
            hub_engine.dispose()
            for name, p, secs in (("push", prof, push_s), ("pull", prof_pull, pull_s)):
                text = io.StringIO()
                stats = pstats.Stats(p, stream=text)
                stats.sort_stats("tottime").print_stats(14)
                stats.sort_stats("cumulative").print_stats(r"cse_desktop|sqlalchemy", 14)
                self.profiles[f"{backend}: Hub.{name} of {size:,} changes in-process, "
                              f"{secs:.2f} s under cProfile"] = text.getvalue()

    # -- running ---------------------------------------------------------------------------

    def run(self) -> None:
        t0 = now_s()
        self.meter.install()
        try:
            self.start_postgres()
            backends = ["sqlite"] + (["postgresql"] if self.cluster is not None else [])
            for backend in ([] if self.args.load_only else backends):
                self.push_pull_noop(backend)
                self.first_sync_echo(backend)
            if self.cluster is not None:
                for devices in self.device_counts:
                    for workers in self.workers:
                        self.concurrent(devices, workers)
            else:
                self.results["concurrent"] = {"not_run": self.pg_reason}
                self.rows.append(NotRun(
                    f"hub: {self.devices} devices x {self.per_device} changes at once "
                    "(PostgreSQL)", "-", "-", "-",
                    f"p95 <= {fmt_time(BUDGET_P95_S)}, 0 errors", None))
                self.notes.append(f"The concurrent-devices test was NOT RUN: {self.pg_reason}. "
                                  "It needs PostgreSQL; its budget is unchecked.")
            if self.args.profile:
                self.profile(backends)
        finally:
            self.meter.uninstall()
            for hub in list(self._hubs):
                self.stop_hub(hub)
            for ws in self._workspaces:
                if ws.is_open:
                    ws.lock()
            if self.cluster is not None:
                self.cluster.stop()
            if self.args.keep:
                self.log(f"kept the fictional workspaces and hub databases in {self.work}")
            else:
                shutil.rmtree(self.work, ignore_errors=True)
        self.results["peak_rss_mib"] = round(peak_rss_mb(), 1)
        self.results["total_wall_s"] = now_s() - t0


def _ints(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"give positive numbers: {text!r}")
    return values


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the reference sizes: 10,000 changes, 200 devices x 50 "
                        "(0.01 for the test suite: 100 changes, 4 devices x 5)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON results file (default bench/results/sync-<timestamp>.json)")
    parser.add_argument("--noop-runs", type=int, default=20, help="timed no-op syncs (median)")
    parser.add_argument("--raw-repeats", type=int, default=3,
                        help="rounds of each raw reference (median reported)")
    parser.add_argument("--no-postgres", action="store_true",
                        help="SQLite hub only; the concurrent-devices test is then not run")
    parser.add_argument("--pg-fsync-off", action="store_true",
                        help="keep the test cluster's fsync=off (default: restart it with "
                        "fsync=on, as a hub in service runs)")
    parser.add_argument("--seed", type=int, default=11, help="random seed of the fictional data")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the temporary workspaces and hub databases go")
    parser.add_argument("--keep", action="store_true", help="keep them afterwards")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of Hub.push and Hub.pull (in-process)")
    parser.add_argument("--devices", type=_ints, default=[200, 1000], metavar="N,N",
                        help="devices in the load tests, before --scale (default 200,1000)")
    parser.add_argument("--workers", type=_ints, default=[1, 2, 4], metavar="N,N",
                        help="hub worker processes; every load test runs with each "
                        "(default 1,2,4)")
    parser.add_argument("--load-only", action="store_true",
                        help="only the load tests (no single-laptop push, pull, no-op sync)")
    parser.add_argument("--hub-prefix", default="", metavar="COMMAND",
                        help="start every hub under this command, e.g. \"py-spy record "
                             "--subprocesses -o hub.svg --\" (a profile of the real server)")
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.noop_runs < 1 or args.raw_repeats < 1:
        parser.error("--scale, --noop-runs and --raw-repeats must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    HUB_PREFIX[:] = shlex.split(args.hub_prefix)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or RESULTS_DIR / f"sync-{stamp}.json"
    bench = SyncBench(args)
    sizes = bench.sizes
    load_before = load_average()
    bench.log(f"scale {args.scale}: {sizes['changes']:,} changes ({sizes['person']:,} people, "
              f"{sizes['episode']:,} episodes, {sizes['action']:,} actions); "
              f"{bench.devices} devices x {bench.per_device} changes")
    bench.run()
    load_after = load_average()

    print()
    print(f"CSE Desktop sync benchmark, scale {args.scale} ({sizes['changes']:,} changes; "
          f"{bench.devices} devices x {bench.per_device}), {stamp}")
    if load_before is not None and load_after is not None:
        print(f"load average (1 min) {load_before:.2f} before, {load_after:.2f} after, on "
              f"{os.cpu_count()} CPUs: a busy machine moves the absolute figures, less the ratios")
    pg = bench.results.get("postgresql_server")
    if pg:
        print(f"PostgreSQL {pg['server_version']}, fsync={pg['fsync']}, synchronous_commit="
              f"{pg['synchronous_commit']} (throwaway cluster on this machine)")
    table = print_table(bench.rows)
    print("\nraw: push = executemany of the same `changes` rows into an empty copy of the table "
          f"+ one bare HTTP round trip per batch of {MAX_BATCH}; pull = select the rows a page "
          f"of {MAX_PAGE} at a time + one round trip per page + executemany into a raw "
          "SQLCipher `records` table; no-op = a new TCP connection and GET /v1/health; devices = "
          "the same rows inserted (then selected, a page at a time) by one psycopg connection "
          "per device, all at once.")
    for line in breakdown(bench.results):
        print(line)
    print_load_summary(bench.results.get("concurrent", {}))
    for note in bench.notes:
        print(f"NOTE: {note}")
    print(f"whole run {bench.results['total_wall_s']:.0f} s, peak RSS "
          f"{fmt_rate(bench.results['peak_rss_mib'], 'MiB')}")
    for name, text in bench.profiles.items():
        print(f"\n--- cProfile: {name} ---\n{text.strip()}")

    report = {"benchmark": "sync", "created_at": stamp, "scale": args.scale, "sizes": sizes,
              "devices": bench.devices, "changes_per_device": bench.per_device,
              "seed": args.seed, "environment": environment(),
              "load_average_1min": {"before": load_before, "after": load_after},
              "budgets": {"push_s": BUDGET_PUSH_S, "pull_s": BUDGET_PULL_S,
                          "noop_s": BUDGET_NOOP_S, "concurrent_p95_s": BUDGET_P95_S,
                          "concurrent_errors": 0},
              "table": [{"path": r.path, "absolute": r.absolute, "raw": r.raw,
                         "ratio": r.ratio, "budget": r.budget, "result": r.verdict}
                        for r in bench.rows],
              "table_text": table, "notes": bench.notes, "results": bench.results,
              "profiles": bench.profiles}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
