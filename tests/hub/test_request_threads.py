"""Every route does its blocking work in the hub's own request threads (hub/threads.py), not
on the event loop and not through anyio's hand-over."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from support.hubserver import HubServer

from cse_desktop.domain.ids import new_id
from cse_desktop.hub import threads
from cse_desktop.hub.repository import Hub
from cse_desktop.hub.threads import REQUEST_THREADS, THREAD_NAME


def test_every_signed_in_route_signs_in_and_works_in_a_request_thread(
        hub_server: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = hub_server.hub
    code = admin.new_enrolment_code("Alex North")[0]
    seen: dict[str, set[str]] = {}

    def spy(name: str) -> None:
        real = getattr(Hub, name)

        def where(self: Hub, *args: Any, **kwargs: Any) -> Any:
            seen.setdefault(name, set()).add(threading.current_thread().name.split("_")[0])
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Hub, name, where)

    for name in ("enrol", "sign_in_rows", "prepare_push", "pull_json", "info", "conflicts",
                 "record", "rotate_token"):
        spy(name)
    person = new_id()
    change = {"change_id": new_id(), "record_kind": "person", "record_id": person,
              "op": "create", "version": 1, "base_version": 0,
              "fields": {"given_name": "Ava", "family_name": "Example", "dob": "2010-04-01"}}
    with httpx.Client(base_url=hub_server.url) as client:
        enrolled = client.post("/v1/enrol", json={"code": code, "device_name": "laptop"})
        assert enrolled.status_code == 200, enrolled.text
        auth = {"Authorization": f"Bearer {enrolled.json()['token']}"}
        answers = [client.post("/v1/sync/push", json={"protocol": 1, "changes": [change]},
                               headers=auth),
                   client.get("/v1/sync/pull?since=0", headers=auth),
                   client.get("/v1/device", headers=auth),
                   client.get("/v1/conflicts", headers=auth),
                   client.get(f"/v1/records/person/{person}", headers=auth),
                   client.post("/v1/device/token", headers=auth)]
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    assert set(seen) == {"enrol", "sign_in_rows", "prepare_push", "pull_json", "info",
                         "conflicts", "record", "rotate_token"}
    assert all(where == {THREAD_NAME} for where in seen.values()), seen


def test_requests_share_one_pool_of_request_threads_per_process() -> None:
    """Twice as many blocking jobs as threads: the first REQUEST_THREADS all run at once (the
    barrier only opens when that many are inside), the rest wait for a thread, and no more
    threads are ever made, whichever app or event loop hands the work over."""
    import asyncio

    gate = threading.Barrier(REQUEST_THREADS + 1, timeout=30)
    names: set[str] = set()

    def hold() -> None:
        names.add(threading.current_thread().name)
        gate.wait()

    async def main() -> None:
        waiting = [asyncio.ensure_future(threads.run(hold)) for _ in range(REQUEST_THREADS * 2)]
        wait = asyncio.get_running_loop().run_in_executor
        await wait(None, gate.wait)  # REQUEST_THREADS jobs are inside hold() at once
        assert len(names) == REQUEST_THREADS
        await wait(None, gate.wait)  # then the rest, on the same threads
        await asyncio.gather(*waiting)

    asyncio.run(main())
    asyncio.run(main())  # another event loop, as another app's: the same pool
    assert len(names) == REQUEST_THREADS
    assert all(name.startswith(THREAD_NAME) for name in names)
