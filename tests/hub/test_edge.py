"""The hub's edge, attacked over HTTP (the real hub on 127.0.0.1, SQLite and PostgreSQL).

Each test is an attack from issue 15 that the hub must refuse: a retiring device reading, a
forged ``X-Forwarded-For`` dodging the rate limits, a database file other users may read, an
oversized chunked body, the API description served to anyone; and what the operator needs to
see one (the access log, the source address of a failed sign-in).
"""

from __future__ import annotations

import logging
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from support.hubserver import HubServer

from cse_desktop.hub import db
from cse_desktop.hub import tables as t
from cse_desktop.hub.cli import main as hub_main
from cse_desktop.hub.dbfiles import DatabaseFileExposed
from cse_desktop.hub.edge import ACCESS_LOGGER

PROBLEM = "application/problem+json"


def _enrol(server: HubServer, user: str = "Alex North") -> tuple[str, dict[str, str]]:
    code, _ = server.hub.new_enrolment_code(user)
    enrolled = server.hub.enrol(code, "laptop")
    return enrolled.device_id, {"Authorization": f"Bearer {enrolled.token}"}


def _push_one(server: HubServer, auth: dict[str, str]) -> httpx.Response:
    change = {"change_id": str(uuid.uuid4()), "record_kind": "person",
              "record_id": str(uuid.uuid4()), "op": "create", "version": 1,
              "base_version": 0, "fields": {"given_name": "Jordan", "family_name": "Example",
                                            "dob": "2010-05-17"}}
    return httpx.post(f"{server.url}/v1/sync/push", json={"changes": [change]}, headers=auth,
                      timeout=30)


def _status(server: HubServer, device_id: str) -> str:
    with server.engine.connect() as conn:
        return str(conn.execute(sa.select(t.devices.c.status)
                                .where(t.devices.c.id == device_id)).scalar())


# -- a retiring device may only push and read its status -------------------------------------

READS = [("GET", "/v1/sync/pull"), ("GET", "/v1/conflicts"),
         ("GET", f"/v1/records/person/{uuid.UUID(int=1)}"),
         ("POST", f"/v1/conflicts/{uuid.UUID(int=2)}/resolve"), ("POST", "/v1/device/token")]


@pytest.mark.parametrize(("method", "path"), READS)
def test_a_retiring_device_cannot_read(hub_server: HubServer, method: str, path: str) -> None:
    device_id, auth = _enrol(hub_server)
    hub_server.hub.set_device_status(device_id, "retiring")
    status = httpx.get(f"{hub_server.url}/v1/device", headers=auth, timeout=30)
    assert status.status_code == 200 and status.json()["status"] == "retiring"

    body = {"value": "x"} if path.endswith("/resolve") else None
    resp = httpx.request(method, f"{hub_server.url}{path}", headers=auth, json=body,
                         timeout=30)
    assert resp.status_code == 401, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    assert resp.json()["code"] == "device_retired"
    # it was retired there and then: its status is refused from now on, its final push is not
    assert _status(hub_server, device_id) == "retired"
    again = httpx.get(f"{hub_server.url}/v1/device", headers=auth, timeout=30)
    assert again.status_code == 401 and again.json()["code"] == "device_retired"
    final = _push_one(hub_server, auth)
    assert final.status_code == 200 and final.json()["results"][0]["status"] == "accepted"


# -- proxy headers are not trusted unless the operator says so --------------------------------


def _enrol_attempts(server: HubServer, forwarded: list[str]) -> list[int]:
    body = {"code": "AAAA-BBBB-CCCC-DDDD", "device_name": "laptop"}
    return [httpx.post(f"{server.url}/v1/enrol", json=body, timeout=30,
                       headers={"X-Forwarded-For": addr}).status_code for addr in forwarded]


def test_a_forged_forwarded_for_does_not_dodge_the_enrolment_limit(db_url: str) -> None:
    spoofed = [f"198.51.100.{n}" for n in range(1, 6)]
    with HubServer(db_url, enrol_limit=3) as server:
        assert _enrol_attempts(server, spoofed) == [400, 400, 400, 429, 429]
    # with the proxy trusted, each forwarded address is a client of its own, and one
    # address is still limited
    with HubServer(db_url, enrol_limit=3, trusted_proxies=("127.0.0.1",)) as server:
        assert _enrol_attempts(server, spoofed) == [400] * 5
        assert _enrol_attempts(server, ["203.0.113.9"] * 4) == [400, 400, 400, 429]


def test_a_forged_forwarded_for_does_not_dodge_the_sign_in_limit(db_url: str) -> None:
    with HubServer(db_url, auth_failure_limit=3) as server:
        answers = [httpx.get(f"{server.url}/v1/conflicts", timeout=30, headers={
            "Authorization": f"Bearer {'x' * 43}", "X-Forwarded-For": f"192.0.2.{n}"})
            for n in range(1, 6)]
        assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
        failures = [e for e in server.hub.audit_log() if e["action"] == "auth_failed"]
        # the audit names the real peer, never the address the request claimed
        assert [e["detail"] for e in failures] == ["unknown credential from 127.0.0.1"] * 3


def test_failed_sign_ins_with_unreadable_bodies_count_towards_the_limit(db_url: str) -> None:
    # the credential is judged before the body, so a bad body does not dodge the limit
    with HubServer(db_url, auth_failure_limit=3) as server:
        bodies = [b"not json", b"[" * 100_000, b"\xff\xfe", b"{}", b'{"changes": [1]}']
        answers = [httpx.post(f"{server.url}/v1/sync/push", content=body, timeout=30, headers={
            "Authorization": f"Bearer {'x' * 43}", "Content-Type": "application/json"})
            for body in bodies]
        assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
        assert [a.json()["code"] for a in answers] == ["unauthenticated"] * 3 + ["rate_limited"] * 2


def test_a_trusted_proxy_names_the_client_in_the_audit(db_url: str) -> None:
    with HubServer(db_url, trusted_proxies=("127.0.0.1",)) as server:
        resp = httpx.get(f"{server.url}/v1/conflicts", timeout=30, headers={
            "Authorization": "Bearer nonsense", "X-Forwarded-For": "203.0.113.7"})
        assert resp.status_code == 401
        failures = [e for e in server.hub.audit_log() if e["action"] == "auth_failed"]
        assert [e["detail"] for e in failures] == ["unknown credential from 203.0.113.7"]


# -- database files are private -----------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_is_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which would make a file 0644
    try:
        with HubServer(f"sqlite:///{tmp_path / 'hub.sqlite3'}") as server:
            server.hub.add_team("North Team")
            files = sorted(tmp_path.glob("hub.sqlite3*"))
            assert {f.name for f in files} >= {"hub.sqlite3", "hub.sqlite3-wal",
                                               "hub.sqlite3-shm"}
            assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        os.umask(old)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_the_hub_refuses_a_database_others_may_read(tmp_path: Path, mode: int,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hub.sqlite3"
    db.upgrade(db.make_engine(f"sqlite:///{path}"))
    path.chmod(mode)
    with pytest.raises(DatabaseFileExposed, match="chmod 600"):
        db.make_engine(f"sqlite:///{path}")
    assert hub_main(["serve", "--db", f"sqlite:///{path}", "--port", "1"]) == 4
    err = capsys.readouterr().err
    assert "can be read by other users" in err and "Traceback" not in err
    path.chmod(0o600)
    db.make_engine(f"sqlite:///{path}").dispose()  # fixed: accepted again


# -- 413 for every oversized body ---------------------------------------------------------------


def test_an_oversized_chunked_body_gets_413(hub_server: HubServer) -> None:
    _, auth = _enrol(hub_server)

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b" " * (1024 * 1024)

    for path in ("/v1/sync/push", "/v1/enrol", f"/v1/conflicts/{uuid.UUID(int=3)}/resolve"):
        resp = httpx.post(f"{hub_server.url}{path}", content=chunks(), timeout=60,
                          headers={**auth, "Content-Type": "application/json"})
        assert resp.request.headers.get("transfer-encoding") == "chunked"
        assert resp.status_code == 413, (path, resp.text[:200])
        assert resp.headers["content-type"].startswith(PROBLEM)
        assert resp.json()["code"] == "too_large"
    # a body just under the limit in chunks is read whole and parsed as usual
    small = httpx.post(f"{hub_server.url}/v1/sync/push", timeout=60, headers=auth,
                       content=iter([b'{"changes": ', b"[]}"]))
    assert small.status_code == 422 and small.json()["code"] == "invalid_request"


# -- the API description is not served unless the operator asks ------------------------------


def test_openapi_and_docs_are_off_by_default(hub_server: HubServer) -> None:
    for path in ("/openapi.json", "/docs", "/redoc"):
        resp = httpx.get(f"{hub_server.url}{path}", timeout=30)
        assert resp.status_code == 404, path
        assert resp.headers["content-type"].startswith(PROBLEM)


# -- the access log -----------------------------------------------------------------------------


def test_the_access_log_has_address_route_status_and_time_only(
        hub_server: HubServer, caplog: pytest.LogCaptureFixture) -> None:
    device_id, auth = _enrol(hub_server)
    record_id = str(uuid.uuid4())
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        httpx.get(f"{hub_server.url}/v1/records/person/{record_id}?x=Jordan", headers=auth,
                  timeout=30)
        httpx.get(f"{hub_server.url}/v1/sync/pull?since=0", headers=auth, timeout=30)
        httpx.get(f"{hub_server.url}/v1/no/such/{record_id}", timeout=30)
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(lines) == 3, lines
    words = [line.split() for line in lines]
    assert [w[:4] for w in words] == [
        ["127.0.0.1", "GET", "/v1/records/{kind}/{record_id}", "404"],
        ["127.0.0.1", "GET", "/v1/sync/pull", "200"],
        ["127.0.0.1", "GET", "-", "404"]]
    assert all(len(w) == 5 and w[4].endswith("ms") and float(w[4][:-2]) >= 0 for w in words)
    text = "\n".join(lines)
    for secret in (record_id, device_id, auth["Authorization"].split()[1], "Jordan", "since"):
        assert secret not in text
