"""The group commit's queue on its own: pushes awaited on the event loop hold no thread while
they wait, and everything that gathered while a group committed goes in the next group."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from cse_desktop.hub.commit import GroupCommit, Job


def test_waiting_pushes_hold_no_thread_and_gather_into_the_next_group() -> None:
    first_group_entered, release = threading.Event(), threading.Event()
    groups: list[list[str]] = []

    def apply(jobs: Sequence[Job]) -> None:
        groups.append([job.payload for job in jobs])
        if len(groups) == 1:
            first_group_entered.set()
            assert release.wait(10)  # the first group commits slowly
        for job in jobs:
            job.result = f"answer to {job.payload}"

    queue = GroupCommit(apply)

    async def main() -> list[str]:
        first = asyncio.ensure_future(queue.submit_async(1, "push 0"))
        while not first_group_entered.is_set():
            await asyncio.sleep(0.001)
        threads_before = threading.active_count()
        waiting = [asyncio.ensure_future(queue.submit_async(1, f"push {n}"))
                   for n in range(1, 60)]
        await asyncio.sleep(0.05)  # every one of them is now queued, waiting
        assert threading.active_count() == threads_before  # ...and none holds a thread
        assert not any(w.done() for w in waiting)
        release.set()
        return [await first] + [await w for w in waiting]

    answers = asyncio.run(main())
    assert answers == [f"answer to push {n}" for n in range(60)]
    assert groups == [["push 0"], [f"push {n}" for n in range(1, 60)]]


def test_a_thread_and_the_event_loop_share_one_queue_and_errors_reach_their_push() -> None:
    def apply(jobs: Sequence[Job]) -> None:
        if any(job.payload == "bad" for job in jobs):
            raise ValueError("a group with a bad push")  # rolled back: each again, alone
        for job in jobs:
            job.result = job.payload.upper()

    queue = GroupCommit(apply)
    assert queue.submit(1, "from a thread") == "FROM A THREAD"

    async def main() -> tuple[str, BaseException | None]:
        good = asyncio.ensure_future(queue.submit_async(1, "good"))
        bad = asyncio.ensure_future(queue.submit_async(1, "bad"))
        error = None
        try:
            await bad
        except ValueError as exc:
            error = exc
        return await good, error

    good, error = asyncio.run(main())
    assert good == "GOOD" and isinstance(error, ValueError)
