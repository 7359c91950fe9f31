"""Sign-ins waiting at the same moment are looked up together (hub/signins.py), and each
request still gets its own device's answer.

The batcher is driven on a real event loop with a look-up function that records what it was
asked and answers from a table; the sign-in through the real hub (SQLite and PostgreSQL, over
HTTP) checks that a crowd of devices, revoked, unknown and rotated tokens among them, each
hear about themselves."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from support.hubserver import HubServer

from cse_desktop.hub import tables as t
from cse_desktop.hub.signins import MAX_LOOKUP, SignInFailed, SignIns


class Table:
    """A look-up answering from a dict, recording each call (and when it ran); it can be held
    (to let waiters gather), and told to fail once or to answer nonsense."""

    def __init__(self, rows: dict[str, str], *, hold: float = 0.0) -> None:
        self.rows, self.hold = rows, hold
        self.calls: list[list[str]] = []
        self.spans: list[tuple[float, float]] = []
        self.fail: Exception | None = None
        self.nonsense = False
        self.threads: set[str] = set()

    def __call__(self, hashes: Sequence[str]) -> Any:
        start = time.monotonic()
        self.calls.append(list(hashes))
        self.threads.add(threading.current_thread().name.split("_")[0])
        time.sleep(self.hold)
        self.spans.append((start, time.monotonic()))
        if self.fail is not None:
            fail, self.fail = self.fail, None
            raise fail
        if self.nonsense:
            return None
        return {h: self.rows[h] for h in hashes if h in self.rows}

    def one_at_a_time(self) -> bool:
        """Whether each look-up started after the one before it ended."""
        spans = sorted(self.spans)
        return all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_a_lone_sign_in_is_looked_up_at_once_in_a_request_thread() -> None:
    table = Table({"a": "row a"})

    async def main() -> list[str | None]:
        sign_ins = SignIns(table)
        return [await sign_ins.row("a"), await sign_ins.row("missing")]

    assert asyncio.run(main()) == ["row a", None]
    assert table.calls == [["a"], ["missing"]]
    assert table.threads == {"hub-request"}


def test_sign_ins_that_wait_together_are_looked_up_together() -> None:
    rows = {f"h{i}": f"row {i}" for i in range(300)}
    table = Table(rows, hold=0.05)
    first = [f"h{i}" for i in range(100)] + ["unknown-1", "h7"]
    meanwhile = [f"h{i}" for i in range(100, 300)] + ["unknown-2", "h7"]

    async def main() -> list[str | None]:
        sign_ins = SignIns(table)
        waves = [asyncio.gather(*(sign_ins.row(h) for h in first))]
        await asyncio.sleep(0.02)  # the first look-up is under way: these wait for the next
        waves.append(asyncio.gather(*(sign_ins.row(h) for h in meanwhile)))
        return [answer for wave in waves for answer in await wave]

    answers = asyncio.run(main())
    # each its own row (the same hash twice in a look-up too), None for an unknown one
    assert answers == [rows.get(h) for h in first + meanwhile]
    assert [sorted(c) for c in table.calls] == [sorted(set(first)), sorted(set(meanwhile))]
    assert table.one_at_a_time()


def test_a_look_up_takes_at_most_max_lookup_hashes() -> None:
    count = MAX_LOOKUP * 2 + 7
    table = Table({f"h{i}": f"row {i}" for i in range(count)}, hold=0.02)

    async def main() -> list[str | None]:
        sign_ins = SignIns(table)
        return list(await asyncio.gather(*(sign_ins.row(f"h{i}") for i in range(count))))

    assert asyncio.run(main()) == [f"row {i}" for i in range(count)]
    assert max(len(c) for c in table.calls) == MAX_LOOKUP
    assert sorted(h for c in table.calls for h in c) == sorted(f"h{i}" for i in range(count))


def test_a_failed_look_up_is_heard_by_its_waiters_only() -> None:
    """Each of its waiters gets an error of its own (the cause chained); a request that came
    in during the failing look-up is answered by the next one."""
    table = Table({"a": "row a", "b": "row b"}, hold=0.05)
    cause = RuntimeError("the database is down (fictional)")

    async def main() -> tuple[list[BaseException | str | None], str | None]:
        sign_ins = SignIns(table)
        table.fail = cause
        first = asyncio.gather(sign_ins.row("a"), sign_ins.row("b"), return_exceptions=True)
        await asyncio.sleep(0.02)  # the failing look-up is under way
        later = asyncio.ensure_future(sign_ins.row("b"))
        return list(await first), await later

    first, later = asyncio.run(main())
    assert all(isinstance(e, SignInFailed) and e.__cause__ is cause for e in first)
    assert first[0] is not first[1]
    assert later == "row b"
    assert table.calls == [["a", "b"], ["b"]] and table.one_at_a_time()


def test_nonsense_from_a_look_up_fails_its_waiters_and_hangs_no_one() -> None:
    table = Table({"a": "row a"})

    async def main() -> tuple[BaseException | str | None, str | None]:
        sign_ins = SignIns(table)
        table.nonsense = True
        try:
            first: BaseException | str | None = await asyncio.wait_for(sign_ins.row("a"), 5)
        except SignInFailed as exc:
            first = exc
        table.nonsense = False
        return first, await asyncio.wait_for(sign_ins.row("a"), 5)

    first, again = asyncio.run(main())
    assert isinstance(first, SignInFailed) and again == "row a"


def test_a_look_up_cancelled_leaves_no_waiter_hanging() -> None:
    """The look-up's task cancelled (its loop closing): its waiters and those queued behind
    it are cancelled, not left waiting; the next request starts a new look-up."""
    table = Table({"a": "row a", "b": "row b"}, hold=0.05)

    async def main() -> tuple[bool, bool, str | None]:
        sign_ins = SignIns(table)
        held = asyncio.ensure_future(sign_ins.row("a"))
        await asyncio.sleep(0.01)
        queued = asyncio.ensure_future(sign_ins.row("b"))
        await asyncio.sleep(0.01)
        waiting = sign_ins._loops[asyncio.get_running_loop()]
        assert waiting.task is not None
        waiting.task.cancel()
        results = await asyncio.wait_for(asyncio.gather(held, queued, return_exceptions=True),
                                         5)
        cancelled = [isinstance(r, asyncio.CancelledError) for r in results]
        return cancelled[0], cancelled[1], await asyncio.wait_for(sign_ins.row("b"), 5)

    assert asyncio.run(main()) == (True, True, "row b")


def test_two_event_loops_at_once_each_get_their_own_answers() -> None:
    """One app served by two loops in two threads (as two test clients could): each loop's
    requests are looked up and answered on that loop."""
    table = Table({f"h{i}": f"row {i}" for i in range(40)}, hold=0.02)
    sign_ins = SignIns(table)
    answers: dict[int, list[str | None]] = {}

    def serve(part: int) -> None:
        async def main() -> list[str | None]:
            return list(await asyncio.gather(*(sign_ins.row(f"h{i}")
                                               for i in range(part, 40, 2))))
        answers[part] = asyncio.run(asyncio.wait_for(main(), 10))

    threads = [threading.Thread(target=serve, args=(part,)) for part in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == {part: [f"row {i}" for i in range(part, 40, 2)] for part in (0, 1)}


def test_a_request_gone_while_it_waits_leaves_the_others_answered() -> None:
    table = Table({"a": "row a", "b": "row b"}, hold=0.05)

    async def main() -> tuple[bool, str | None]:
        sign_ins = SignIns(table)
        first = asyncio.ensure_future(sign_ins.row("a"))  # looked up alone, held
        await asyncio.sleep(0.01)
        gone = asyncio.ensure_future(sign_ins.row("a"))
        stays = asyncio.ensure_future(sign_ins.row("b"))
        await asyncio.sleep(0.01)
        gone.cancel()
        await first
        return gone.cancelled(), await stays

    assert asyncio.run(main()) == (True, "row b")


def _get(server: HubServer, client: httpx.AsyncClient, token: str) -> asyncio.Future[
        httpx.Response]:
    return asyncio.ensure_future(client.get(f"{server.url}/v1/device",
                                            headers={"Authorization": f"Bearer {token}"}))


def test_a_crowd_signing_in_at_once_each_hear_about_themselves(
        hub_server: HubServer) -> None:
    hub = hub_server.hub
    tokens: dict[str, str] = {}  # token -> device id
    for i in range(30):
        user = f"Crowd Worker {i:02d} (fictional)"
        hub.add_user(user, team="North Team" if i % 2 else "South Team")
        enrolled = hub.enrol(hub.new_enrolment_code(user)[0], f"crowd laptop {i:02d}")
        tokens[enrolled.token] = enrolled.device_id
    revoked, *active = list(tokens)
    hub.set_device_status(tokens[revoked], "revoked")
    rotated_old = active[0]
    rotated_new = hub.rotate_token(hub.authenticate(rotated_old)).token

    others = active[1:]  # the rotated device signs in with its new token only

    async def crowd() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as client:
            asked = [*others, rotated_new, revoked, "not-a-token-of-any-device", *others]
            return list(await asyncio.gather(*(_get(hub_server, client, tk) for tk in asked)))

    answers = asyncio.run(crowd())
    mine = [*others, rotated_new]
    for token, answer in zip(mine + others, answers[:len(mine)] + answers[-len(others):],
                             strict=True):
        assert answer.status_code == 200, answer.text
        expected = tokens.get(token, tokens[rotated_old])  # the new token: the same device
        assert answer.json()["device_id"] == expected
    assert answers[len(mine)].json()["code"] == "device_revoked"
    assert answers[len(mine) + 1].status_code == 401
    assert answers[len(mine) + 1].json()["code"] == "unauthenticated"
    # the rotated device used its new token: the old one no longer signs in
    with httpx.Client(base_url=hub_server.url, timeout=30) as client:
        old = client.get("/v1/device", headers={"Authorization": f"Bearer {rotated_old}"})
    assert old.status_code == 401


@pytest.mark.parametrize("count", [1, 450])
def test_sign_in_rows_finds_current_and_previous_tokens(hub_server: HubServer,
                                                        count: int) -> None:
    """By hash, in one query on PostgreSQL (lists of 400 on SQLite); unknown ones left out."""
    hub = hub_server.hub
    enrolled = hub.enrol(hub.new_enrolment_code("Alex North")[0], "laptop (fictional)")
    old = enrolled.token
    new = hub.rotate_token(hub.authenticate(old)).token
    unknown = [t.digest(f"no device holds this {i}") for i in range(count)]
    rows = hub.sign_in_rows([*unknown, t.digest(old), t.digest(new)])
    assert set(rows) == {t.digest(old), t.digest(new)}
    assert rows[t.digest(old)].id == rows[t.digest(new)].id == enrolled.device_id
