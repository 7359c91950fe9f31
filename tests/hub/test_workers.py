"""``cse-hub serve --workers N --metrics-port P``: several worker processes, one set of metrics.

The real command in its own process: devices enrol and push at once through it, every change
comes back exactly once on a pull, and the metrics listener adds up every worker's figures.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from support.hubserver import free_port

from cse_desktop.domain.ids import new_id
from cse_desktop.hub import db
from cse_desktop.hub.repository import Hub
from cse_desktop.sync.protocol import Change, PushRequest

pytestmark = pytest.mark.slow

DEVICES = 8


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples with these labels (over every worker)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        sample, _, value = line.rpartition(" ")
        head, _, rest = sample.partition("{")
        if head == name and all(f'{k}="{v}"' in rest for k, v in labels.items()):
            total += float(value)
    return total


def test_several_workers_serve_one_hub_and_one_set_of_metrics(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    hub = Hub(engine)
    hub.add_team("North Team")
    codes = []
    for i in range(DEVICES):
        hub.add_user(f"Worker {i} (fictional)", team="North Team")
        codes.append(hub.new_enrolment_code(f"Worker {i} (fictional)")[0])
    port, metrics_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cse_desktop.hub.cli", "serve", "--db", db_url, "--port",
         str(port), "--workers", "2", "--metrics-port", str(metrics_port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
            time.sleep(0.1)
        assert len(children(proc.pid)) >= 2  # the worker processes (and no fewer)
        tokens = [httpx.post(url + "/v1/enrol", json={"code": c, "device_name": f"laptop-{i}"})
                  .json()["token"] for i, c in enumerate(codes)]
        sent: list[str] = []
        answers: list[int] = []
        barrier = threading.Barrier(DEVICES)

        def push(token: str) -> None:
            changes = [Change(change_id=new_id(), record_kind="person", record_id=new_id(),
                              op="create", version=1, base_version=0,
                              fields={"given_name": "Ava", "family_name": "Example",
                                      "dob": "2010-04-01"}) for _ in range(10)]
            sent.extend(c.change_id for c in changes)
            barrier.wait()
            response = httpx.post(url + "/v1/sync/push", headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                content=PushRequest(changes=changes).model_dump_json(), timeout=60)
            answers.append(response.status_code)

        threads = [threading.Thread(target=push, args=(tok,)) for tok in tokens]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        assert answers == [200] * DEVICES
        seqs, since = [], 0
        while True:
            page = httpx.get(url + "/v1/sync/pull", params={"since": since, "limit": 7},
                             headers={"Authorization": f"Bearer {tokens[0]}"}).json()
            seqs += [c["seq"] for c in page["changes"]]
            since = page["next"]
            if page["done"]:
                break
        assert len(seqs) == len(set(seqs)) == len(sent) == DEVICES * 10

        missing = new_id()
        assert httpx.get(f"{url}/v1/records/person/{missing}", headers={
            "Authorization": f"Bearer {tokens[0]}"}).status_code == 404
        text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        assert metric(text, "cse_hub_request_seconds_count", method="POST",
                      route="/v1/sync/push", status="200") == DEVICES
        assert metric(text, "cse_hub_commit_group_pushes_sum") == DEVICES
        assert 1 <= metric(text, "cse_hub_commit_group_pushes_count") <= DEVICES
        assert metric(text, "cse_hub_request_seconds_count", route="/v1/sync/pull") >= 2
        # routes by their template: no record id in a label
        assert metric(text, "cse_hub_request_seconds_count",
                      route="/v1/records/{kind}/{record_id}", status="404") == 1
        assert missing not in text
        assert httpx.get(f"http://127.0.0.1:{metrics_port}/other").status_code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        engine.dispose()
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
