"""The parts the sync benchmark (``bench/bench_sync.py``) measures with: the hub as a
subprocess (``cse-hub serve``), a bare HTTP round trip, the test suite's throwaway PostgreSQL,
and the :class:`Meter` that times where a laptop's sync goes."""

from __future__ import annotations

import gc
import http.client
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from report import Row
from sync_load import listening_sockets, tree_cpu_s

from cse_desktop.store import Workspace
from cse_desktop.store.syncstate import SyncState
from cse_desktop.sync import engine
from cse_desktop.sync.client import HubClient

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


class NotRun(Row):
    """A measurement that could not be made here: shown as such, never faked."""

    @property
    def verdict(self) -> str:
        return "NOT RUN"


def now_s() -> float:
    return time.perf_counter()



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bare_round_trip(port: int) -> None:
    """A new TCP connection and one GET /v1/health (http.client: no TLS context, no pool)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/v1/health")
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"GET /v1/health answered HTTP {response.status}")
    finally:
        conn.close()



def pg_support() -> Any:
    """``tests/support/pg.py`` (the test suite's throwaway PostgreSQL cluster)."""
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from support import pg

    return pg


# ---------------------------------------------------------------------------------------------
# The hub in a subprocess


#: a command the hub is started under (``--hub-prefix``: a profiler such as ``py-spy record``)
HUB_PREFIX: list[str] = []


class HubProcess:
    """``cse-hub serve --db URL --port P`` in its own process (its own GIL), on 127.0.0.1."""

    def __init__(self, db_url: str, log_path: Path, workers: int = 1) -> None:
        self.db_url = db_url
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.metrics_port = free_port()
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> HubProcess:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [*HUB_PREFIX, sys.executable, "-m", "cse_desktop.hub.cli", "serve",
             "--db", self.db_url, "--port", str(self.port),
             "--metrics-port", str(self.metrics_port)]
            + (["--workers", str(self.workers)] if self.workers > 1 else []),
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the hub did not start (exit {self.proc.returncode}):\n"
                                 + self.log_path.read_text(errors="replace")[-2000:])
            try:
                # every worker, not only the first: a connection goes to one of the workers
                # listening when it is made (hub/listeners.py)
                if (httpx.get(self.url + "/v1/health", timeout=2).status_code == 200
                        and (self.workers == 1 or not sys.platform.startswith("linux")
                             or listening_sockets(self.port) >= self.workers)):
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit("the hub did not answer within 60 s")
            time.sleep(0.05)

    def cpu_s(self) -> float | None:
        """CPU time (user + system, all threads) the hub's processes (the server and its
        worker processes) have used so far (Linux)."""
        return None if self.proc is None else tree_cpu_s(self.proc.pid)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly on SIGINT
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if hasattr(self, "_log"):
            self._log.close()


# ---------------------------------------------------------------------------------------------
# Where the time of a sync goes: the client calls and workspace steps, timed from outside


class Meter:
    """Wraps HubClient.push/pull/conflicts and SyncState.outgoing/acknowledge/apply_page to add
    up the time spent in each (waiting for the hub vs working in the workspace)."""

    TARGETS = ((HubClient, ("push", "pull", "conflicts")),
               (SyncState, ("outgoing", "acknowledge", "apply_page")))

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._originals: list[tuple[type, str, Any]] = []

    def install(self) -> None:
        for cls, names in self.TARGETS:
            for name in names:
                original = getattr(cls, name, None)
                if original is None:  # renamed since: that part of the breakdown goes missing
                    continue
                self._originals.append((cls, name, original))
                setattr(cls, name, self._wrap(f"{cls.__name__}.{name}", original))

    def uninstall(self) -> None:
        for cls, name, original in reversed(self._originals):
            setattr(cls, name, original)
        self._originals.clear()

    def _wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0
                self.calls[label] += 1
        return wrapper

    def snapshot(self) -> dict[str, dict[str, float]]:
        return {k: {"s": self.seconds[k], "calls": self.calls[k]} for k in sorted(self.seconds)}

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()


def timed_sync(ws: Workspace, meter: Meter) -> dict[str, Any]:
    """engine.sync(ws), with the time of each phase (from its progress reports)."""
    marks: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        marks.setdefault(phase, time.perf_counter())

    meter.reset()
    gc.collect()
    t0 = time.perf_counter()
    summary = engine.sync(ws, progress=progress)
    end = time.perf_counter()
    pull_start = marks.get("pull", end)
    return {"summary": summary, "total_s": end - t0, "push_s": pull_start - t0,
            "pull_s": end - pull_start, "calls": meter.snapshot()}


def breakdown(results: dict[str, Any]) -> list[str]:
    """Where the time of the timed syncs went, from the Meter's figures."""
    lines = []
    for backend in ("sqlite", "postgresql"):
        r = results.get(backend)
        if not r or "pull" not in r:
            continue
        push, pull = r["push"]["calls"], r["pull"]["calls"]

        def s(calls: dict[str, dict[str, float]], key: str) -> str:
            x = calls.get(key, {"s": 0.0, "calls": 0})
            return f"{x['s']:.2f} s ({x['calls']:.0f} calls)"

        hub_cpu = r["push"].get("hub_cpu_first_sync_s")
        if hub_cpu is not None:
            lines.append(f"{backend}, laptop A's first sync: {r['push']['first_sync_total_s']:.2f}"
                         f" s wall, hub process CPU {hub_cpu:.2f} s")
        lines.append(f"{backend}, laptop A's first sync: push waiting for the hub "
                     f"{s(push, 'HubClient.push')}, outgoing() {s(push, 'SyncState.outgoing')}, "
                     f"acknowledge() {s(push, 'SyncState.acknowledge')}; echo pull waiting "
                     f"{s(push, 'HubClient.pull')}, apply_page() {s(push, 'SyncState.apply_page')}")
        lines.append(f"{backend}, laptop B's pull: waiting for the hub {s(pull, 'HubClient.pull')}"
                     f", apply_page() {s(pull, 'SyncState.apply_page')}, conflicts "
                     f"{s(pull, 'HubClient.conflicts')}")
    return lines
