"""Device tokens expire and rotate at sync, without ever locking a laptop out.

Over HTTP to the real hub (SQLite and PostgreSQL) and with real laptops (encrypted
workspaces) syncing through :mod:`cse_desktop.sync.engine`. A token's age is set by writing
its issue time in the hub's database: the clock is the hub's own.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from support.hubserver import HubServer
from support.laptops import enrolled, person

from cse_desktop.domain.errors import HubRefused, UsageError
from cse_desktop.hub import tables as t
from cse_desktop.hub.tokens import ROTATE_AFTER, TOKEN_LIFETIME
from cse_desktop.sync import engine
from cse_desktop.sync.protocol import TOKEN_ROTATE_HEADER


def _age(server: HubServer, device_id: str, age: timedelta) -> None:
    """Make the device's current token ``age`` old."""
    with server.engine.begin() as conn:
        conn.execute(t.devices.update().where(t.devices.c.id == device_id).values(
            token_issued_at=(datetime.now(UTC) - age).isoformat()))


def _get(server: HubServer, token: str, path: str = "/v1/device") -> httpx.Response:
    return httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {token}"},
                     timeout=30)


def _person_change() -> dict[str, object]:
    return {"change_id": str(uuid.uuid4()), "record_kind": "person",
            "record_id": str(uuid.uuid4()), "op": "create", "version": 1, "base_version": 0,
            "fields": {"given_name": "Jordan", "family_name": "Example", "dob": "2010-05-17"}}


def _rotate(server: HubServer, token: str) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/device/token", timeout=30,
                      headers={"Authorization": f"Bearer {token}"})


def test_a_token_due_for_rotation_is_told_so_and_rotates(hub_server: HubServer) -> None:
    code, _ = hub_server.hub.new_enrolment_code("Alex North")
    device = hub_server.hub.enrol(code, "laptop")
    fresh = _get(hub_server, device.token)
    assert fresh.status_code == 200 and TOKEN_ROTATE_HEADER not in fresh.headers

    _age(hub_server, device.device_id, ROTATE_AFTER + timedelta(minutes=1))
    for path in ("/v1/device", "/v1/sync/pull", "/v1/conflicts"):
        assert _get(hub_server, device.token, path).headers.get(TOKEN_ROTATE_HEADER) == "1"
    # a push is told too, whether its body is taken or refused
    for body, status in (({"changes": [_person_change()]}, 200), ({"changes": []}, 422)):
        pushed = httpx.post(f"{hub_server.url}/v1/sync/push", json=body, timeout=30,
                            headers={"Authorization": f"Bearer {device.token}"})
        assert pushed.status_code == status, pushed.text
        assert pushed.headers.get(TOKEN_ROTATE_HEADER) == "1"

    rotated = _rotate(hub_server, device.token)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["token"]
    expires = datetime.fromisoformat(rotated.json()["expires_at"])
    assert abs(expires - (datetime.now(UTC) + TOKEN_LIFETIME)) < timedelta(minutes=5)
    # the old token works until the new one is used (its answer may have been lost)...
    assert _get(hub_server, device.token).status_code == 200
    answer = _get(hub_server, new)
    assert answer.status_code == 200 and TOKEN_ROTATE_HEADER not in answer.headers
    # ...and never after
    old = _get(hub_server, device.token)
    assert old.status_code == 401 and old.json()["code"] == "unauthenticated"
    actions = [e["action"] for e in hub_server.hub.audit_log()]
    assert actions.count("token_rotated") == 1
    # the administrator sees when it expires now
    (listed,) = hub_server.hub.devices()
    assert listed["token_expires_at"] == rotated.json()["expires_at"]


def test_a_lost_rotation_answer_costs_nothing(hub_server: HubServer) -> None:
    code, _ = hub_server.hub.new_enrolment_code("Alex North")
    device = hub_server.hub.enrol(code, "laptop")
    lost = _rotate(hub_server, device.token).json()["token"]  # never reached the laptop
    again = _rotate(hub_server, device.token)  # the laptop rotates with the old one
    assert again.status_code == 200
    kept = again.json()["token"]
    assert _get(hub_server, lost).status_code == 401  # replaced before it was ever used
    assert _get(hub_server, kept).status_code == 200
    assert _get(hub_server, device.token).status_code == 401


def test_an_expired_token_is_refused_plainly(hub_server: HubServer) -> None:
    code, _ = hub_server.hub.new_enrolment_code("Alex North")
    device = hub_server.hub.enrol(code, "laptop")
    _age(hub_server, device.device_id, TOKEN_LIFETIME + timedelta(minutes=1))
    for path in ("/v1/device", "/v1/sync/pull"):
        resp = _get(hub_server, device.token, path)
        assert resp.status_code == 401
        assert resp.json()["code"] == "token_expired"
        assert "enrolment code" in resp.json()["detail"]
    assert _rotate(hub_server, device.token).json()["code"] == "token_expired"
    # an expired token is a known device, not a guess: it does not count as a failed sign-in
    assert "auth_failed" not in [e["action"] for e in hub_server.hub.audit_log()]


def test_a_laptop_keeps_syncing_across_a_rotation(tmp_path: Path,
                                                  hub_server: HubServer) -> None:
    ws = enrolled(tmp_path / "a", hub_server, "Alex North")
    link = ws.sync.link()
    assert link is not None
    ws.people.add(person())
    engine.sync(ws)
    assert ws.sync.link() == link  # not due: unchanged

    _age(hub_server, link.device_id, ROTATE_AFTER + timedelta(hours=1))
    ws.people.add(person("Riley"))
    assert engine.sync(ws).pushed == 1
    rotated = ws.sync.link()
    assert rotated is not None and rotated.token != link.token
    assert rotated.model_copy(update={"token": link.token}) == link
    ws.people.add(person("Morgan"))
    assert engine.sync(ws).pushed == 1  # with the new token
    assert _get(hub_server, link.token).status_code == 401  # the old one is gone
    assert hub_server.hub.counts()["records"] == 3


def test_an_expired_laptop_connects_again_and_loses_nothing(tmp_path: Path,
                                                            hub_server: HubServer) -> None:
    ws = enrolled(tmp_path / "a", hub_server, "Alex North")
    link = ws.sync.link()
    assert link is not None
    ws.people.add(person())
    engine.sync(ws)
    ws.people.add(person("Riley"))  # made while the laptop was away

    _age(hub_server, link.device_id, TOKEN_LIFETIME + timedelta(days=1))
    with pytest.raises(HubRefused) as refused:
        engine.sync(ws)
    assert refused.value.code == "token_expired"
    assert "connect again" in str(refused.value) and "Nothing on it is lost" in str(
        refused.value)
    with pytest.raises(HubRefused, match="connect again"):  # without asking the hub again
        engine.sync(ws)
    assert ws.sync.pending_count() == 1

    wrong, _ = hub_server.hub.new_enrolment_code("Blake North")
    with pytest.raises(UsageError, match="Alex North"):
        engine.connect(ws, hub_server.url, wrong)
    code, _ = hub_server.hub.new_enrolment_code("Alex North")
    engine.connect(ws, hub_server.url, code)
    summary = engine.sync(ws)
    assert summary.pushed == 1 and ws.sync.pending_count() == 0
    with hub_server.engine.connect() as conn:
        names = set(conn.execute(sa.select(t.records.c.fields)).scalars())
    assert any("Riley" in n for n in names)


def test_a_late_forget_leaves_a_token_rotated_again_meanwhile_working(
        hub_server: HubServer) -> None:
    """A new token's first use forgets the one before it, but only while the new one is still
    current: had another request rotated again meanwhile, the token just used is now the
    previous one, and must keep working until the newest is used (its answer may be lost)."""
    hub = hub_server.hub
    enrolled = hub.enrol(hub.new_enrolment_code("Alex North")[0], "laptop (fictional)")
    second = hub.rotate_token(hub.authenticate(enrolled.token)).token
    hashed = t.digest(second)
    device, forget = hub.signed_in(hashed, hub.sign_in_rows([hashed])[hashed])
    assert forget  # the new token's first use
    third = hub.rotate_token(device).token  # another request of the laptop's, meanwhile
    hub.forget_previous_token(device, hashed)  # the first use's forget, come late
    assert hub.authenticate(second).id == enrolled.device_id
    assert hub.authenticate(third).id == enrolled.device_id
