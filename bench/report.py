"""What the benchmarks share to measure and report: timers, peak memory, progress lines, the
result table, and the machine a run was made on.
"""

from __future__ import annotations

import gc
import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from cse_desktop.store import connection

BENCH_DIR = Path(__file__).resolve().parent


def now_s() -> float:
    return time.perf_counter()


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class Progress:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.start:7.1f} s] {message}", file=sys.stderr,
              flush=True)


@dataclass
class Row:
    """One line of the result table."""

    path: str
    absolute: str
    raw: str
    ratio: str
    budget: str
    passed: bool | None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "info"}[self.passed]


def fmt_time(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_rate(per_s: float, unit: str = "rec/s") -> str:
    return f"{per_s:,.0f} {unit}"


def times_raw(ours: float, raw: float) -> str:
    return f"{ours / raw:.2f}x raw" if raw > 0 else "n/a"


def print_table(rows: Sequence[Row]) -> str:
    head = ("path", "absolute", "raw", "ratio", "budget", "result")
    cells = [head] + [(r.path, r.absolute, r.raw, r.ratio, r.budget, r.verdict) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = []
    for n, c in enumerate(cells):
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    text = "\n".join(lines)
    print(text)
    return text


def environment() -> dict[str, Any]:
    conn = connection.connect_raw(Path(":memory:"), bytes(32))
    try:
        cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
        sqlite = conn.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        conn.close()
    versions = {}
    for dist in ("sqlcipher3", "argon2-cffi", "pydantic", "cryptography"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {"python": platform.python_version(), "platform": platform.platform(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "cipher_version": cipher,
            "sqlite_version": sqlite, "packages": versions, "commit": git_commit()}


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def git_commit() -> str | None:
    git = BENCH_DIR.parent / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head.removeprefix("ref: ")
            path = git / ref
            if path.exists():
                return path.read_text().strip()
            for line in (git / "packed-refs").read_text().splitlines():
                if line.endswith(" " + ref):
                    return line.split()[0]
            return None
        return head
    except OSError:
        return None
