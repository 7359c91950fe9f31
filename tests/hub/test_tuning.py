"""A serving hub process tunes its garbage collector and its C allocator once it has started
(hub/tuning.py); an app inside another program leaves both alone."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from typing import Any

import pytest

from cse_desktop.hub.tuning import GC_THRESHOLDS

_PROBE = """
import gc, json, resource, sys
from fastapi.testclient import TestClient
from cse_desktop.hub import db
from cse_desktop.hub.app import create_app


def faults_per_copy():
    # what a pull page's text goes through on its way out: joined, encoded, framed
    text = "x" * 700_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for i in range(100):
        joined = ",".join([text[:699_000 + i], "y"])
        body = b'{"changes":[%s]}' % joined.encode()
        del joined, body
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 300


engine = db.make_engine(sys.argv[1])
db.upgrade(engine)
before = gc.get_threshold()
with TestClient(create_app(engine, serving=sys.argv[2] == "serving")) as client:
    assert client.get("/v1/health").status_code == 200
    print(json.dumps({"before": before, "after": gc.get_threshold(),
                      "frozen": gc.get_freeze_count(), "faults": faults_per_copy()}))
"""


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """What a serving process and an embedded app report, each in a process of its own."""
    folder = tmp_path_factory.mktemp("tuning")
    found = {}
    for mode in ("serving", "embedded"):
        url = f"sqlite:///{folder / f'{mode}.db'}"
        out = subprocess.run([sys.executable, "-c", _PROBE, url, mode], capture_output=True,
                             text=True, check=True, timeout=120)
        found[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("mode", ["serving", "embedded"])
def test_only_a_serving_process_freezes_its_start_up_objects_and_raises_the_thresholds(
        probes: dict[str, dict[str, Any]], mode: str) -> None:
    got = probes[mode]
    if mode == "serving":
        assert got["after"] == list(GC_THRESHOLDS)
        # the modules, the app and the engine: well over ten thousand objects
        assert isinstance(got["frozen"], int) and got["frozen"] > 10_000
    else:  # an app inside another program (the tests, a tool) leaves its collector alone
        assert got["after"] == got["before"]
        assert got["frozen"] == 0


@pytest.mark.skipif(sys.platform != "linux" or platform.libc_ver()[0] != "glibc",
                    reason="the allocator is tuned where it is glibc's")
def test_a_serving_process_reuses_memory_for_a_pull_pages_copies(
        probes: dict[str, dict[str, Any]]) -> None:
    """A 700 KB copy is 171 pages: with glibc's defaults each copy faults most of them in
    again; a serving process keeps large blocks on its heap and reuses them."""
    serving, embedded = probes["serving"]["faults"], probes["embedded"]["faults"]
    assert embedded > 50  # the defaults, unchanged outside a server: the probe sees faults
    assert serving * 10 < embedded
