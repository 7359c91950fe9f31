"""Every route does its blocking work in the hub's own request threads (hub/threads.py), not
on the event loop and not through anyio's hand-over."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from support.hubserver import HubServer

from cse_desktop.domain.ids import new_id
from cse_desktop.hub.app import REQUEST_THREADS
from cse_desktop.hub.repository import Hub
from cse_desktop.hub.threads import RequestThreads


def test_every_signed_in_route_signs_in_and_works_in_a_request_thread(
        hub_server: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = hub_server.hub
    token = admin.enrol(admin.new_enrolment_code("Alex North")[0], "laptop").token
    seen: dict[str, set[str]] = {}

    def spy(name: str) -> None:
        real = getattr(Hub, name)

        def where(self: Hub, *args: Any, **kwargs: Any) -> Any:
            seen.setdefault(name, set()).add(threading.current_thread().name.split("_")[0])
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Hub, name, where)

    for name in ("authenticate", "prepare_push", "pull_json", "info", "conflicts", "record",
                 "rotate_token"):
        spy(name)
    person = new_id()
    change = {"change_id": new_id(), "record_kind": "person", "record_id": person,
              "op": "create", "version": 1, "base_version": 0,
              "fields": {"given_name": "Ava", "family_name": "Example", "dob": "2010-04-01"}}
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=hub_server.url) as client:
        answers = [client.post("/v1/sync/push", json={"protocol": 1, "changes": [change]},
                               headers=auth),
                   client.get("/v1/sync/pull?since=0", headers=auth),
                   client.get("/v1/device", headers=auth),
                   client.get("/v1/conflicts", headers=auth),
                   client.get(f"/v1/records/person/{person}", headers=auth),
                   client.post("/v1/device/token", headers=auth)]
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    assert set(seen) == {"authenticate", "prepare_push", "pull_json", "info", "conflicts",
                         "record", "rotate_token"}
    assert all(threads == {"hub-request"} for threads in seen.values()), seen


def test_the_pool_has_the_configured_number_of_threads_at_most() -> None:
    import asyncio

    pool = RequestThreads(REQUEST_THREADS)
    gate = threading.Barrier(REQUEST_THREADS + 1, timeout=10)
    names: set[str] = set()

    def hold() -> None:
        names.add(threading.current_thread().name)
        gate.wait()

    async def main() -> None:
        waiting = [asyncio.ensure_future(pool.run(hold)) for _ in range(REQUEST_THREADS * 2)]
        await asyncio.sleep(0.2)
        assert len(names) == REQUEST_THREADS  # the rest queue for a thread
        await asyncio.get_running_loop().run_in_executor(None, gate.wait)
        await asyncio.get_running_loop().run_in_executor(None, gate.wait)
        await asyncio.gather(*waiting)

    asyncio.run(main())
    assert len(names) == REQUEST_THREADS
