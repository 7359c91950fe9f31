"""A serving hub process tunes its garbage collector once it has started (hub/app.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cse_desktop.hub.app import GC_THRESHOLDS

_PROBE = """
import gc, json, sys
from fastapi.testclient import TestClient
from cse_desktop.hub import db
from cse_desktop.hub.app import create_app

engine = db.make_engine(sys.argv[1])
db.upgrade(engine)
before = gc.get_threshold()
with TestClient(create_app(engine, serving=sys.argv[2] == "serving")) as client:
    assert client.get("/v1/health").status_code == 200
    print(json.dumps({"before": before, "after": gc.get_threshold(),
                      "frozen": gc.get_freeze_count()}))
"""


def _probe(tmp_path: Path, mode: str) -> dict[str, list[int] | int]:
    url = f"sqlite:///{tmp_path / f'{mode}.db'}"
    out = subprocess.run([sys.executable, "-c", _PROBE, url, mode], capture_output=True,
                         text=True, check=True, timeout=120)
    result: dict[str, list[int] | int] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("mode", ["serving", "embedded"])
def test_only_a_serving_process_freezes_its_start_up_objects_and_raises_the_thresholds(
        tmp_path: Path, mode: str) -> None:
    got = _probe(tmp_path, mode)
    if mode == "serving":
        assert got["after"] == list(GC_THRESHOLDS)
        # the modules, the app and the engine: well over ten thousand objects
        assert isinstance(got["frozen"], int) and got["frozen"] > 10_000
    else:  # an app inside another program (the tests, a tool) leaves its collector alone
        assert got["after"] == got["before"]
        assert got["frozen"] == 0
