"""`make bench` keeps working: the benchmark runs end to end at a tiny scale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def bench_env(**extra: str) -> dict[str, str]:
    """The environment ``make bench`` runs in: without the suite's cheap key setting in the
    children (``support/testkdf.py``), so a benchmark that makes a key file the shipped code
    refuses fails here too."""
    from support import testkdf

    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
             if p and Path(p) != testkdf.SITE]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(parts), **extra}


def test_the_store_benchmark_runs_at_a_small_scale(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_store.py"), "--scale", "0.01",
         "--unlock-runs", "1", "--repeats", "1", "--write-batches", "3",
         "--out", str(out), "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env=bench_env())
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    results = json.loads(out.read_text())["results"]
    for key in ("unlock", "writes", "caseload_list", "name_search", "caseload_filter"):
        assert key in results, key
    assert results["writes"]["add_many_per_s"] > 0


def test_the_sync_benchmark_runs_at_a_small_scale(tmp_path: Path) -> None:
    """100 changes up and down, no-op syncs, and (when PostgreSQL can be started) 4 devices x 5
    changes at once, with 1 and 2 hub workers. Nothing about the timings is checked, only that
    the bench runs through."""
    out = tmp_path / "sync.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_sync.py"), "--scale", "0.01",
         "--noop-runs", "2", "--raw-repeats", "1", "--out", str(out),
         "--workdir", str(tmp_path), "--devices", "200", "--workers", "1,2"],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env=bench_env())
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    results = json.loads(out.read_text())["results"]
    sqlite = results["sqlite"]
    assert sqlite["push"]["pushed"] == sqlite["changes"] == 100
    assert sqlite["pull"]["applied"] == 100
    assert sqlite["noop"]["median_s"] > 0
    concurrent = results["concurrent"]
    if "not_run" in concurrent:  # PostgreSQL could not be started here: said so, not faked
        assert "NOT RUN" in result.stdout
    else:
        for workers in (1, 2):
            run = concurrent[f"4x{workers}"]
            assert run["push"]["requests"] == run["devices"] == 4
            assert run["push"]["errors"] == run["pull"]["errors"] == 0
            assert run["metrics"]["cse_hub_commit_group_pushes_sum"] == 4
        assert results["postgresql"]["pull"]["applied"] == 100


def test_the_reports_benchmark_runs_at_a_small_scale(tmp_path: Path) -> None:
    out = tmp_path / "reports.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_reports.py"), "--scale", "0.05",
         "--repeats", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env=bench_env())
    assert result.returncode == 0, result.stderr[-2000:]
    results = json.loads(out.read_text())
    assert results["summary"]["chronology_rows"] >= 6 and results["summary"]["bytes"] > 0
    assert results["agenda"]["children"] == 2 and results["agenda"]["bytes"] > 0


def test_the_desktop_benchmark_runs_at_a_small_scale(tmp_path: Path) -> None:
    """The real window offscreen over 50 people and 1,000 forms: one unlock (production KDF),
    the person records, the screening empty and full, the keystrokes. Only that it runs
    through and measures every path is checked, never a timing."""
    out = tmp_path / "desktop.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_desktop.py"), "--scale", "0.01",
         "--repeats", "1", "--unlock-runs", "1", "--out", str(out),
         "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
        env=bench_env(QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    report = json.loads(out.read_text())
    results = report["results"]
    assert report["data_set"] == {"person": 50, "episode": 200, "submission": 1000}
    unlock = results["unlock"]
    assert unlock["kdf_s"][0] > 0 and unlock["click_to_caseload_s"][0] > unlock["kdf_s"][0] / 4
    assert results["person_busiest"]["forms"] >= results["person_typical"]["forms"]
    for kind in ("empty", "full"):
        form = results["form"][kind]
        assert form["open_s"][0] > 0 and form["raw_s"][0] > 0
        assert form["text_key_s"][0] > 0 and form["choice_key_s"][0] > 0
    for tab in ("forms", "chronology"):
        assert results[f"tab_{tab}_busiest"]["show_s"][0] > 0
    assert len(report["table"]) == 12
    assert not list(tmp_path.glob("cse-bench-desktop-*"))  # the workspace was deleted
