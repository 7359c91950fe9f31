"""``cse-hub serve`` as an operator starts it: what it trusts and what it logs by default.

A real ``cse-hub serve`` process on 127.0.0.1 (SQLite): with no options it trusts no proxy
(a forged ``X-Forwarded-For`` changes nothing), serves no API description, and writes the
access log to standard error; ``--trusted-proxy`` and ``--openapi`` change exactly that.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from support.hubserver import free_port

pytestmark = pytest.mark.slow


@contextmanager
def serve(tmp_path: Path, *extra: str) -> Iterator[tuple[str, Path]]:
    port, log = free_port(), tmp_path / f"hub-{len(list(tmp_path.glob('hub-*')))}.err"
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cse_desktop.hub.cli", "serve", "--port", str(port),
             "--db", f"sqlite:///{tmp_path / 'hub.sqlite3'}", *extra],
            stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{url}/v1/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the hub did not start: {log.read_text()}")
                time.sleep(0.05)
            yield url, log
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _enrol(url: str, forwarded_for: str) -> int:
    return httpx.post(f"{url}/v1/enrol", timeout=30, headers={"X-Forwarded-For": forwarded_for},
                      json={"code": "AAAA-BBBB-CCCC-DDDD", "device_name": "laptop"}).status_code


def test_by_default_no_proxy_is_trusted_and_requests_are_logged(tmp_path: Path) -> None:
    with serve(tmp_path) as (url, log):
        answers = [_enrol(url, f"198.51.100.{n}") for n in range(12)]
        assert answers == [400] * 10 + [429] * 2  # the limit holds: the peer is the key
        assert httpx.get(f"{url}/openapi.json").status_code == 404
        assert httpx.get(f"{url}/docs").status_code == 404
    lines = [line for line in log.read_text().splitlines() if " access " in line]
    assert sum(" 127.0.0.1 POST /v1/enrol 400 " in line for line in lines) == 10
    assert sum(" 127.0.0.1 POST /v1/enrol 429 " in line for line in lines) == 2
    assert any(" 127.0.0.1 GET - 404 " in line for line in lines)  # no raw paths
    assert "198.51.100" not in log.read_text()


def test_a_trusted_proxy_and_the_openapi_document_on_request(tmp_path: Path) -> None:
    with serve(tmp_path, "--trusted-proxy", "127.0.0.1", "--openapi") as (url, log):
        assert [_enrol(url, f"198.51.100.{n}") for n in range(12)] == [400] * 12
        assert [_enrol(url, "203.0.113.5") for _ in range(11)][-1] == 429
        spec = httpx.get(f"{url}/openapi.json")
        assert spec.status_code == 200 and "/v1/sync/push" in spec.json()["paths"]
        assert httpx.get(f"{url}/docs").status_code == 404  # never the interactive pages
    text = log.read_text()
    assert " 198.51.100.7 POST /v1/enrol 400 " in text
    assert " 203.0.113.5 POST /v1/enrol 429 " in text
