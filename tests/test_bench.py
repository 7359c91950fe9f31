"""`make bench` keeps working: the benchmark runs end to end at a tiny scale."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_store_benchmark_runs_at_a_small_scale(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_store.py"), "--scale", "0.01",
         "--unlock-runs", "1", "--repeats", "1", "--write-batches", "3",
         "--out", str(out), "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    results = json.loads(out.read_text())["results"]
    for key in ("unlock", "writes", "caseload_list", "name_search", "caseload_filter"):
        assert key in results, key
    assert results["writes"]["add_many_per_s"] > 0
