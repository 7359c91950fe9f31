"""The sync benchmark's load tests: many devices push at once, then pull at once, against
``cse-hub serve --workers N`` on PostgreSQL, beside the raw floor of the same run (see
``bench/README.md``). A mixin of :class:`bench_sync.SyncBench`, which owns the set-up."""

from __future__ import annotations

import gc
import json
import math
import os
import re
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import load_client
import sqlalchemy as sa
from report import Row, fmt_time, times_raw

from cse_desktop.hub import db as hub_db
from cse_desktop.hub import tables as t
from cse_desktop.hub.repository import Hub
from cse_desktop.sync.protocol import MAX_PAGE, Change, PushRequest

BUDGET_P95_S = 1.0  # 200 devices (DESIGN.md section 7)
BUDGET_P95_LARGE_S = 3.0  # 1,000 devices, several workers
DEVICES_PER_TEAM = 20  # the load test's devices are spread over teams of this size

#: the end of a pull page's JSON: its cursor and whether it is the last
_ENVELOPE_END = re.compile(rb'"next":(\d+),"done":(true|false)')


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def load_average() -> float | None:
    import os

    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def tree_cpu_s(root: int) -> float | None:
    """CPU time (user + system, all threads) used so far by process ``root`` and every process
    below it (Linux ``/proc``), or None where that cannot be read."""
    found = _tree(root)
    return None if found is None else sum(cpu for _, cpu in found.values())


def tree_peak_rss_mib(root: int) -> float | None:
    """The peak resident memory of process ``root`` and every process below it, each one's
    peak added (Linux ``VmHWM``), in MiB; None where that cannot be read."""
    found = _tree(root)
    if found is None:
        return None
    total = 0
    for pid in found:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines()
                       if line.startswith("VmHWM:")), 0)
    return total / 1024


def _tree(root: int) -> dict[int, tuple[int, float]] | None:
    """Process ``root`` and every process below it: pid -> (parent pid, CPU seconds)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent pid, CPU seconds)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    if root not in stats:
        return None
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, (ppid, _) in stats.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return {pid: stats[pid] for pid in tree}


def listening_sockets(port: int) -> int:
    """How many sockets listen on ``port`` on this machine (Linux; 0 elsewhere): with
    ``--workers N`` the hub has one per worker once every worker has started."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        count += sum(1 for line in lines
                     if int(line.split()[1].rsplit(":", 1)[1], 16) == port
                     and line.split()[3] == "0A")  # LISTEN
    return count


def postmaster_pid(datadir: Any) -> int | None:
    """The PostgreSQL server's process id, from its data folder."""
    try:
        return int((Path(datadir) / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, IndexError, ValueError):
        return None


class LoadTests:
    """The load tests; the set-up (cluster, hubs, sizes, rows) comes from SyncBench."""

    # provided by SyncBench
    cluster: Any
    devices: int
    per_device: int
    fiction: Any
    log: Any
    rows: list[Row]
    results: dict[str, Any]
    raw_floor: dict[int, dict[str, Any]]
    new_db_url: Callable[..., str]
    start_hub: Callable[..., Any]
    stop_hub: Callable[..., None]

    # -- 4. many devices at once against PostgreSQL ---------------------------------------

    def concurrent(self, devices: int, workers: int) -> None:
        """``devices`` enrolled devices push at once, then pull at once, against a fresh hub
        database served by ``cse-hub serve --workers N``; the raw floor is measured once per
        number of devices, in the same run."""
        per = self.per_device
        n_teams = math.ceil(devices / DEVICES_PER_TEAM)
        url = self.new_db_url("postgresql", "hub_load")
        hub_engine = hub_db.make_engine(url)
        hub_db.upgrade(hub_engine)
        hub = Hub(hub_engine)
        tag = f"[load {devices}x{workers}w]"
        self.log(f"{tag} enrolling {devices} devices in {n_teams} teams (Hub API)")
        teams = [f"Load Team {i + 1:02d} (fictional)" for i in range(n_teams)]
        for team in teams:
            hub.add_team(team)
        tokens: list[str] = []
        for i in range(devices):
            user = f"Load Worker {i + 1:04d} (fictional)"
            hub.add_user(user, team=teams[i % n_teams])
            code, _ = hub.new_enrolment_code(user)
            tokens.append(hub.enrol(code, f"bench-device-{i + 1:04d}").token)
        bodies = []
        for _ in range(devices):
            changes = [Change(change_id=str(uuid.uuid4()), record_kind="person",
                              record_id=(p := self.fiction.person()).id, op="create",
                              version=1, base_version=0, fields=p.content())
                       for _ in range(per)]
            bodies.append(PushRequest(changes=changes).model_dump_json().encode())
        out: dict[str, Any] = {"devices": devices, "workers": workers,
                               "changes_per_device": per, "teams": n_teams,
                               "body_bytes_median": statistics.median(len(b) for b in bodies),
                               "load_average_1min_before": load_average()}
        self.results.setdefault("concurrent", {})[f"{devices}x{workers}"] = out
        server = self.start_hub(url, f"hub-load-{devices}-{workers}", workers)
        try:
            for what, payload in (("push", bodies), ("pull", None)):
                self.log(f"{tag} {devices} devices {what}"
                         + (f" {per} changes each" if payload else "") + ", all at once")
                pg_pid = postmaster_pid(self.cluster.datadir)
                cpu0, pg0 = server.cpu_s(), tree_cpu_s(pg_pid)
                out[what] = self._run_clients(server.url, tokens, what, payload)
                cpu1, pg1 = server.cpu_s(), tree_cpu_s(pg_pid)
                out[what]["hub_cpu_s"] = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
                # the other two users of the machine's cores in the same interval
                out[what]["postgres_cpu_s"] = None if pg0 is None or pg1 is None else pg1 - pg0
            out["metrics"] = self._metrics(f"http://127.0.0.1:{server.metrics_port}")
            out["hub_peak_rss_mib"] = (None if server.proc is None
                                       else tree_peak_rss_mib(server.proc.pid))
        finally:
            self.stop_hub(server)
        out["load_average_1min_after"] = load_average()
        expected = devices * per
        with hub_engine.connect() as conn:
            rows = conn.execute(sa.select(t.changes).order_by(t.changes.c.seq)).all()
        hub_engine.dispose()
        out["hub_changes"] = len(rows)
        if out["push"]["errors"] == 0 and len(rows) != expected:
            raise SystemExit(f"{tag} every push answered but the hub holds {len(rows)} "
                             f"changes, expected {expected}")
        if len({r.change_id for r in rows}) != len(rows):
            raise SystemExit(f"{tag} the hub holds a change twice")
        if devices not in self.raw_floor:
            by_device: dict[str, list[tuple]] = defaultdict(list)
            for r in rows:
                by_device[r.device_id].append(tuple(r))
            self.raw_floor[devices] = self.raw_concurrent(list(by_device.values()))
        out["raw"] = self.raw_floor[devices]
        self._rows_concurrent(out)

    @staticmethod
    def _metrics(url: str) -> dict[str, float]:
        """The hub's own counters after a load test (GET /metrics): group commits, the
        changes they carried, errors."""
        try:
            text = httpx.get(url + "/metrics", timeout=30).text
        except httpx.HTTPError:
            return {}
        wanted = ("cse_hub_commit_group_pushes_sum", "cse_hub_commit_group_pushes_count",
                  "cse_hub_commit_retries_total", "cse_hub_commit_group_failures_total",
                  "cse_hub_errors_total")
        found: dict[str, float] = {}
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            base = name.split("{", 1)[0]
            if base in wanted:
                found[base] = found.get(base, 0.0) + float(value)
        return found

    def _run_clients(self, url: str, tokens: list[str], what: str,
                     bodies: list[bytes] | None) -> dict[str, Any]:
        """Every device at once, one connection each, driven from one thread
        (:mod:`load_client`): a push each, or pulls until each device is up to date."""
        count = len(tokens)
        host, port = urlsplit(url).hostname or "127.0.0.1", urlsplit(url).port or 80
        pages: list[list[bytearray]] = [[] for _ in range(count)]
        rejected = [0]
        failures: list[str] = []

        def pull(i: int, since: int) -> bytes:
            return load_client.request("GET", f"/v1/sync/pull?since={since}&limit={MAX_PAGE}",
                                       host, port, tokens[i])

        def after(i: int, status: int, body: bytearray) -> bytes | None:
            if status != 200:
                failures.append(f"{what} HTTP {status}: {body[:200]!r}")
                return None
            if bodies is not None:
                results = json.loads(body)["results"]
                bad = [r for r in results if r["status"] not in ("accepted", "merged")]
                if bad or len(results) != self.per_device:
                    rejected[0] += len(bad)
                    failures.append(f"push: {len(results)} answers, {len(bad)} not accepted "
                                    f"({bad[0]['code'] if bad else ''})")
                return None
            # Nothing of the page but its cursor is read while the others wait: on one machine
            # that would take the hub's CPU (real laptops read their pages on their own). The
            # cursor is read from the envelope's end; the pages are kept, and their changes
            # counted once every device is done (device 0's pages parsed whole, as a check).
            tail = _ENVELOPE_END.search(body, max(0, len(body) - 4096))
            if tail is None:
                page = json.loads(body)
                cursor, done = page["next"], page["done"]
            else:
                cursor, done = int(tail[1]), tail[2] == b"true"
            pages[i].append(body)
            return None if done else pull(i, cursor)

        first = ([load_client.request("POST", "/v1/sync/push", host, port, tokens[i], body)
                  for i, body in enumerate(bodies)] if bodies is not None
                 else [pull(i, 0) for i in range(count)])
        gc.collect()
        own0 = time.process_time()
        outcome = load_client.run(host, port, first, after)
        own_cpu = time.process_time() - own0  # the requests' own cost, not the set-up
        errors = outcome.errors + failures
        flat = [x for per_device in outcome.latencies for x in per_device]
        out: dict[str, Any] = {
            "requests": len(flat), "errors": len(errors), "error_samples": errors[:5],
            "rejected_changes": rejected[0], "wall_s": outcome.wall_s,
            "p50_s": statistics.median(flat) if flat else None,
            "p95_s": percentile(flat, 95) if flat else None,
            "max_s": max(flat) if flat else None, "latencies_s": flat,
            "load_generator_cpu_s": own_cpu}
        if bodies is None:
            # every item of a page begins so (inside a value those characters are escaped)
            received = [sum(page.count(b'{"seq":') for page in kept) for kept in pages]
            parsed = sum(len(json.loads(page)["changes"]) for page in pages[0])
            pages.clear()
            if parsed != received[0]:
                raise SystemExit(f"[load] device 0 counted {received[0]} changes, parsed "
                                 f"{parsed}")
            # device i is in team i % teams and sees every change of its team
            teams = math.ceil(count / DEVICES_PER_TEAM)
            sizes = Counter(i % teams for i in range(count))
            expected = [sizes[i % teams] * self.per_device for i in range(count)]
            wrong = sum(1 for got, want in zip(received, expected, strict=True) if got != want)
            # a device's pulls follow each other at once: its total is their sum
            device_s = [sum(per_device) for per_device in outcome.latencies]
            out.update({"changes_received": sum(received), "devices_with_wrong_count": wrong,
                        "device_total_p95_s": percentile(device_s, 95),
                        "device_total_max_s": max(device_s)})
            if wrong and not errors:
                out["errors"] = wrong
                out["error_samples"] = [f"{wrong} devices received the wrong number of changes"]
        else:
            out["changes_per_s"] = count * self.per_device / outcome.wall_s
        return out

    def raw_concurrent(self, groups: list[list[tuple]]) -> dict[str, Any]:
        """The same rows inserted by one psycopg connection per device, all at once (plain,
        then serialised by the hub's write lock); then each connection selects its team's
        rows a page at a time, as the devices' pulls do."""
        import psycopg

        name = f"raw_load_{uuid.uuid4().hex[:8]}"
        raw_engine = hub_db.make_engine(self.cluster.create_database(name))
        t.metadata.create_all(raw_engine, tables=[t.changes])
        raw_engine.dispose()
        names = [col.name for col in t.changes.columns]
        team_of = [group[0][names.index("team_id")] for group in groups]
        insert = (f"INSERT INTO changes ({', '.join(names)}) "
                  f"VALUES ({', '.join(['%s'] * len(names))})")
        # as a pull page reads them (hub/pages.py)
        select = ("SELECT seq, item FROM changes WHERE team_id = %s AND seq > %s ORDER BY seq "
                  "LIMIT %s")
        self.log(f"[load] raw: {len(groups)} psycopg connections insert "
                 f"{sum(map(len, groups)):,} rows at once (plain, then under the write lock), "
                 "then select their team's rows")
        conns = [psycopg.connect(self.cluster.conninfo(name)) for _ in groups]

        def write(conn: psycopg.Connection, i: int, locked: bool) -> list[float]:
            t0 = time.perf_counter()
            with conn.transaction():
                if locked:
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (hub_db.WRITE_LOCK_KEY,))
                conn.cursor().executemany(insert, groups[i])
            return [time.perf_counter() - t0]

        def read(conn: psycopg.Connection, i: int) -> list[float]:
            lat, since = [], 0
            while True:
                t0 = time.perf_counter()
                with conn.transaction():
                    rows = conn.execute(select, (team_of[i], since, MAX_PAGE)).fetchall()
                lat.append(time.perf_counter() - t0)
                if len(rows) < MAX_PAGE:
                    return lat
                since = rows[-1][0]

        out: dict[str, Any] = {"connections": len(conns)}
        variants: list[tuple[str, Callable[[psycopg.Connection, int], list[float]]]] = [
            ("plain", lambda conn, i: write(conn, i, False)),
            ("write_lock", lambda conn, i: write(conn, i, True)),
            ("pull", read)]
        try:
            for variant, work in variants:
                if variant != "pull":
                    with conns[0].transaction():
                        conns[0].execute("TRUNCATE changes")
                barrier = threading.Barrier(len(conns) + 1)
                lat: list[list[float]] = [[] for _ in conns]
                errors: list[str] = []

                def run(i: int, work: Callable[..., list[float]] = work,
                        barrier: threading.Barrier = barrier, lat: list[list[float]] = lat,
                        errors: list[str] = errors) -> None:
                    barrier.wait()
                    try:
                        lat[i] = work(conns[i], i)
                    except Exception as exc:  # counted and reported, like the hub's
                        errors.append(f"{type(exc).__name__}: {exc}"[:200])

                threads = [threading.Thread(target=run, args=(i,), daemon=True)
                           for i in range(len(conns))]
                for th in threads:
                    th.start()
                gc.collect()
                barrier.wait()
                t0 = time.perf_counter()
                for th in threads:
                    th.join()
                flat = [x for per_conn in lat for x in per_conn]
                out[variant] = {"wall_s": time.perf_counter() - t0, "errors": len(errors),
                                "error_samples": errors[:3], "requests": len(flat),
                                "p50_s": statistics.median(flat), "p95_s": percentile(flat, 95),
                                "max_s": max(flat), "latencies_s": flat}
        finally:
            for conn in conns:
                conn.close()
        return out

    def budget_p95(self, devices: int) -> float:
        """The p95 budget for this many devices (DESIGN.md section 7): 1 s up to the
        reference 200 (scaled), 3 s beyond."""
        return BUDGET_P95_S if devices <= self.devices else BUDGET_P95_LARGE_S

    def _rows_concurrent(self, out: dict[str, Any]) -> None:
        d, per, w = out["devices"], out["changes_per_device"], out["workers"]
        push, pull, raw = out["push"], out["pull"], out["raw"]
        plain, locked = raw["plain"], raw["write_lock"]
        limit = self.budget_p95(d)
        load = out.get("load_average_1min_before")
        where = f"PostgreSQL, --workers {w}" + (f", load {load:.1f}" if load is not None else "")

        def absolute(x: dict[str, Any]) -> str:
            if x["p95_s"] is None:
                return f"no answers, {x['errors']} errors"
            return f"p95 {fmt_time(x['p95_s'])}, {x['errors']} errors"

        def ok(x: dict[str, Any]) -> bool:
            return x["p95_s"] is not None and x["p95_s"] <= limit and x["errors"] == 0

        budget = f"p95 <= {fmt_time(limit)}, 0 errors"
        self.rows.append(Row(
            f"hub: {d} devices x {per} changes pushed at once ({where})", absolute(push),
            f"p95 {fmt_time(plain['p95_s'])}",
            times_raw(push["p95_s"], plain["p95_s"]) if push["p95_s"] else "n/a", budget,
            ok(push)))
        if push["p50_s"] is not None:
            self.rows.append(Row(
                f"  push p50 / max; all {d} answered after", f"{fmt_time(push['p50_s'])} / "
                f"{fmt_time(push['max_s'])}; {fmt_time(push['wall_s'])}",
                f"{fmt_time(plain['p50_s'])} / {fmt_time(plain['max_s'])}; "
                f"{fmt_time(plain['wall_s'])}", "-", "-", None))
        self.rows.append(Row(
            "  raw floor with one global write lock (serialised)", absolute(push),
            f"p95 {fmt_time(locked['p95_s'])}",
            times_raw(push["p95_s"], locked["p95_s"]) if push["p95_s"] else "n/a", "-", None))
        self.rows.append(Row(
            f"hub: the {d} devices pull at once, per request ({where})", absolute(pull),
            f"p95 {fmt_time(raw['pull']['p95_s'])}",
            times_raw(pull["p95_s"], raw["pull"]["p95_s"]) if pull["p95_s"] else "n/a",
            budget, ok(pull)))


def print_load_summary(conc: dict[str, Any]) -> None:
    """Throughput against --workers (every figure beside the raw floor of the same run), the
    hub's group commit counters, and any errors."""
    runs = [x for x in conc.values() if isinstance(x, dict) and "push" in x]
    if not runs:
        return

    def cpu(x: dict[str, Any], key: str = "hub_cpu_s") -> str:
        return "-" if x.get(key) is None else f"{x[key]:.1f} s"

    def mib(value: float | None) -> str:
        return "-" if value is None else f"{value:,.0f} MiB"

    print("\nload tests: throughput against --workers (raw = the same rows by one psycopg "
          "connection per device, same run)")
    print("devices | workers | load | push changes/s | raw changes/s | push p95 | pull p95 | "
          "raw pull p95 | CPU push/pull: hub, PostgreSQL, load generator | pushes per group | "
          "hub peak RSS")
    for x in runs:
        push, pull, raw = x["push"], x["pull"], x["raw"]
        raw_rate = x["devices"] * x["changes_per_device"] / raw["plain"]["wall_s"]
        m = x.get("metrics", {})
        groups = m.get("cse_hub_commit_group_pushes_count")
        size = (f"{m['cse_hub_commit_group_pushes_sum'] / groups:.1f}" if groups else "-")
        load = x.get("load_average_1min_before")
        print(f"{x['devices']} | {x['workers']} | {'-' if load is None else f'{load:.1f}'} | "
              f"{push['changes_per_s']:,.0f} | {raw_rate:,.0f} | "
              f"{fmt_time(push['p95_s']) if push['p95_s'] else '-'} | "
              f"{fmt_time(pull['p95_s']) if pull['p95_s'] else '-'} | "
              f"{fmt_time(raw['pull']['p95_s'])} | {cpu(push)} / {cpu(pull)}, "
              f"{cpu(push, 'postgres_cpu_s')} / {cpu(pull, 'postgres_cpu_s')}, "
              f"{cpu(push, 'load_generator_cpu_s')} / {cpu(pull, 'load_generator_cpu_s')} "
              f"| {size} | {mib(x.get('hub_peak_rss_mib'))}")
        for sample in push["error_samples"] + pull["error_samples"]:
            print(f"  error ({x['devices']} devices, {x['workers']} workers): {sample}")
