"""``cse-hub serve --workers N --metrics-port P``: several worker processes, one set of metrics.

The real command in its own process: devices enrol and push at once through it, every change
comes back exactly once on a pull, the metrics listener adds up every worker's figures, and
the rate limits hold an address to the same number of attempts whichever worker answers.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from support.hubserver import free_port

from cse_desktop.domain.ids import new_id
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


@contextlib.contextmanager
def serve(db_url: str, port: int, *extra: str) -> Iterator[subprocess.Popen[str]]:
    """``cse-hub serve --workers 2`` on ``port``, once it answers; stopped afterwards (and
    checked for tracebacks)."""
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cse_desktop.hub.cli", "serve", "--db", db_url, "--port",
         str(port), "--workers", "2", *extra],
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
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")


def test_several_workers_serve_one_hub_and_one_set_of_metrics(db_url: str,
                                                               engine: sa.Engine) -> None:
    hub = Hub(engine)
    hub.add_team("North Team")
    codes = []
    for i in range(DEVICES):
        hub.add_user(f"Worker {i} (fictional)", team="North Team")
        codes.append(hub.new_enrolment_code(f"Worker {i} (fictional)")[0])
    port, metrics_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    with serve(db_url, port, "--metrics-port", str(metrics_port)) as proc:
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


# -- rate limits: one count for every worker ------------------------------------------------------


def worker_of(conn: http.client.HTTPConnection, port: int, workers: list[int]) -> int:
    """The worker process holding the hub's end of ``conn`` (from Linux's /proc: the socket
    whose peer is this connection's local port, and the process with that socket open)."""
    assert conn.sock is not None
    here = conn.sock.getsockname()[1]
    sockets = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(f.rsplit(":", 1)[1], 16) for f in fields[1:3])
        if (local, remote) == (port, here):
            sockets.add(f"socket:[{fields[9]}]")
    for pid in workers:
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in sockets for fd in Path(f"/proc/{pid}/fd").iterdir()):
                return pid
    raise AssertionError(f"no worker holds the connection from port {here}")


def one_connection_per_worker(port: int, workers: list[int]) -> list[http.client.HTTPConnection]:
    """A kept-alive connection to each of two workers (a new connection goes to one of them
    by a hash of its addresses: open them until both have one)."""
    held: dict[int, http.client.HTTPConnection] = {}
    spare = []
    for _ in range(200):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/v1/health")
        assert conn.getresponse().read()
        pid = worker_of(conn, port, workers)
        if pid in held:
            spare.append(conn)  # kept open meanwhile, so the next goes elsewhere more often
        else:
            held[pid] = conn
        if len(held) == 2:
            break
    for conn in spare:
        conn.close()
    assert len(held) == 2, "every connection went to one worker"
    return list(held.values())


def ask(conn: http.client.HTTPConnection, method: str, path: str, body: str = "",
        token: str = "") -> tuple[int, str]:
    """(status, Retry-After) of one request on ``conn``."""
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    conn.request(method, path, body=body.encode(), headers=headers)
    resp = conn.getresponse()
    resp.read()
    return resp.status, resp.getheader("Retry-After") or ""


def test_the_rate_limits_hold_across_workers(db_url: str, engine: sa.Engine) -> None:
    """20 failed sign-ins and 10 enrolment attempts per address per 5 minutes (the defaults),
    sent in turn to two workers: with a count per worker each would have seen only half."""
    hub = Hub(engine)
    hub.add_team("North Team")
    hub.add_user("Worker (fictional)", team="North Team")
    token = hub.enrol(hub.new_enrolment_code("Worker (fictional)")[0], "laptop").token
    port = free_port()
    with serve(db_url, port, "--no-access-log") as proc:
        first, second = conns = one_connection_per_worker(port, children(proc.pid))
        try:
            for n in range(20):
                assert ask(conns[n % 2], "GET", "/v1/conflicts", token="x" * 43)[0] == 401
            for conn in (first, second, first):
                status, retry = ask(conn, "GET", "/v1/conflicts", token="x" * 43)
                assert status == 429 and 1 <= int(retry) <= 300
            for conn in conns:  # a valid credential is never held up by the failures
                assert ask(conn, "GET", "/v1/device", token=token)[0] == 200

            wrong = '{"code": "AAAA-BBBB-CCCC-DDDD", "device_name": "laptop"}'
            for n in range(10):
                assert ask(conns[n % 2], "POST", "/v1/enrol", wrong)[0] == 400
            for conn in (second, first, second):
                status, retry = ask(conn, "POST", "/v1/enrol", wrong)
                assert status == 429 and 1 <= int(retry) <= 300
        finally:
            for conn in conns:
                conn.close()
    with engine.connect() as conn:
        recorded = dict(conn.execute(sa.text(
            "SELECT kind, count(*) FROM rate_limit_attempts GROUP BY kind")).all())
    assert recorded == {"auth_failure": 20, "enrol": 10}  # the refused ones not counted


# -- new connections dealt out evenly among the workers -------------------------------------------


def listening(port: int) -> dict[str, set[int]]:
    """The listening sockets on ``port`` (their /proc names), each with the processes holding
    it open."""
    found: dict[str, set[int]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                found[f"socket:[{fields[9]}]"] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                for fd in (entry / "fd").iterdir():
                    with contextlib.suppress(OSError):
                        name = os.readlink(fd)
                        if name in found:
                            found[name].add(int(entry.name))
    return found


def both_listening(port: int) -> dict[str, set[int]]:
    """:func:`listening` once both workers listen (the hub answers once its first has
    started)."""
    deadline = time.monotonic() + 60
    while len(sockets := listening(port)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(sockets) == 2, sockets
    return sockets


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT balancing "
                    "and /proc are Linux's")
def test_each_worker_listens_on_its_own_socket_and_connections_are_dealt_evenly(
        db_url: str) -> None:
    """uvicorn shares one listening socket among its workers, and the first worker awake
    accepts every waiting connection; here each worker listens on a socket of its own, and
    the kernel deals a burst of connections out among them (hub/listeners.py)."""
    port = free_port()
    with serve(db_url, port, "--no-access-log") as proc:
        sockets = both_listening(port)
        holders = list(sockets.values())
        # one worker each (the supervisor only reserves the port; its other child, the
        # resource tracker of Python's multiprocessing, holds none)
        assert all(len(h) == 1 for h in holders), holders
        workers = sorted(set.union(*holders))
        assert len(workers) == 2 and set(workers) <= set(children(proc.pid))

        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(100)]
        try:
            for conn in conns:  # a burst: all connected before any request is answered
                conn.connect()
            for conn in conns:
                conn.request("GET", "/v1/health")
            for conn in conns:
                assert conn.getresponse().read()
            served = [worker_of(conn, port, workers) for conn in conns]
        finally:
            for conn in conns:
                conn.close()
        # by a hash of each connection's addresses: about 50 each (under 30 has odds of
        # about 1 in 20,000)
        assert min(served.count(pid) for pid in workers) >= 30, served


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT balancing "
                    "and /proc are Linux's")
def test_a_worker_that_dies_is_replaced_on_a_socket_of_its_own(db_url: str) -> None:
    port = free_port()
    with serve(db_url, port, "--no-access-log"):
        dead = next(iter(next(iter(both_listening(port).values()))))
        os.kill(dead, signal.SIGKILL)
        # meanwhile the other worker answers every new connection
        assert all(httpx.get(f"http://127.0.0.1:{port}/v1/health").status_code == 200
                   for _ in range(10))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sockets = listening(port)
            holders = set().union(*sockets.values())
            if len(sockets) == 2 and dead not in holders:
                break
            time.sleep(0.2)
        assert len(sockets) == 2 and dead not in holders, sockets
        assert all(len(h) == 1 for h in sockets.values())  # the new one has its own


def _serve_refused(db_url: str, port: int, workers: int) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cse_desktop.hub.cli", "serve", "--db", db_url, "--port",
         str(port), "--workers", str(workers)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "serving on" not in done.stdout
    return done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checked before binding on "
                    "Linux; elsewhere uvicorn's own bind refuses")
@pytest.mark.parametrize("workers", [1, 2])
def test_a_port_in_use_is_said_plainly(db_url: str, workers: int) -> None:
    port = free_port()
    with socket.socket() as other:  # another program listens on the port
        other.bind(("127.0.0.1", port))
        other.listen()
        err = _serve_refused(db_url, port, workers)
    assert f"Cannot serve on 127.0.0.1:{port}: another hub or another program" in err
    assert "--port" in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT is Linux's")
def test_a_second_hub_on_the_same_port_is_refused(db_url: str) -> None:
    """Its workers' sockets would join the first hub's (SO_REUSEPORT), and the kernel would
    split the laptops between two hubs."""
    port = free_port()
    with serve(db_url, port, "--no-access-log"):
        err = _serve_refused(db_url, port, 2)
        assert f"Cannot serve on 127.0.0.1:{port}" in err
        assert len(listening(port)) == 2  # the first hub's workers, and no third
