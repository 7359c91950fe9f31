"""Signing in the requests of one moment together: one query for every token waiting.

A request's sign-in is one query by its token's hash (``DeviceOps.sign_in_rows``). Alone it
costs the hub about 0.3 ms of CPU, nearly all of it the query's round trip through the
database driver, and PostgreSQL a statement of its own. When a thousand laptops sync at once,
that was a tenth of the hub's CPU.

So a request waits on the event loop for its row (:meth:`SignIns.row`), holding no thread, and
one look-up in a request thread reads the rows of every hash waiting then; the hashes that
come in meanwhile wait for the next one. On an idle hub a request is looked up at once, alone.
Under load the look-ups grow by themselves: 50 hashes in one query cost about 15 µs each.

What a row then says (an unknown, expired, revoked or retired device) is decided for each
request by ``DeviceOps.signed_in``, as before.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cse_desktop.hub import threads

#: at most this many hashes in one look-up (the rest wait for the next)
MAX_LOOKUP = 500


class SignInFailed(RuntimeError):
    """The look-up a request waited on failed (the database out of reach, say): answered as
    any other route's unexpected failure is (500), the cause chained, for the log."""


@dataclass
class _Waiting:
    """The sign-ins of one event loop: the hashes waiting for the next look-up, with the
    futures of the requests that wait for each, and the look-up under way (kept: the loop
    holds only a weak reference to a task)."""

    hashes: dict[str, list[asyncio.Future[Any]]] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None


class SignIns:
    """The sign-ins waiting in one process, looked up together by ``look_up`` (blocking: it
    runs in a request thread; its answer maps each hash it found to its row).

    Each event loop has its own waiting list and look-up task (a server has one loop; tests
    may run several, even at once), so a future is only ever resolved on its own loop."""

    def __init__(self, look_up: Callable[[Sequence[str]], dict[str, Any]]) -> None:
        self._look_up = look_up
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Waiting] = (
            weakref.WeakKeyDictionary())

    async def row(self, hashed: str) -> Any:
        """The row of the device holding the token hashed ``hashed`` (None if none does),
        from the next look-up; :class:`SignInFailed` if that look-up failed."""
        loop = asyncio.get_running_loop()
        waiting = self._loops.get(loop)
        if waiting is None:
            waiting = self._loops[loop] = _Waiting()
        future: asyncio.Future[Any] = loop.create_future()
        waiting.hashes.setdefault(hashed, []).append(future)
        if waiting.task is None:
            waiting.task = loop.create_task(self._look_up_waiting(waiting))
        return await future

    async def _look_up_waiting(self, waiting: _Waiting) -> None:
        """Look up what is waiting, then what came in meanwhile, until nothing waits. Every
        waiter is answered, whatever happens: its row, or the failure as its own error."""
        batch: dict[str, list[asyncio.Future[Any]]] = {}
        try:
            while waiting.hashes:
                hashes = list(waiting.hashes)[:MAX_LOOKUP]
                batch = {h: waiting.hashes.pop(h) for h in hashes}
                try:
                    rows = await threads.run(self._look_up, hashes)
                    answers = [(futures, rows.get(h)) for h, futures in batch.items()]
                except Exception as exc:  # each waiter hears it, as an error of its own
                    _fail(batch, exc)
                    continue
                for futures, row in answers:
                    for future in futures:
                        if not future.done():  # its request may have gone meanwhile
                            future.set_result(row)
        except BaseException as exc:  # cancelled (the loop closing): nobody is left waiting
            _fail(batch, exc)
            _fail(waiting.hashes, exc)
            waiting.hashes.clear()
            raise
        finally:
            waiting.task = None


def _fail(batch: dict[str, list[asyncio.Future[Any]]], exc: BaseException) -> None:
    """Fail every waiter of ``batch`` still waiting: each with an error of its own (one error
    raised in hundreds of requests would gather all their tracebacks)."""
    for futures in batch.values():
        for future in futures:
            if future.done():
                continue
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                error = SignInFailed("the sign-in look-up failed")
                error.__cause__ = exc
                future.set_exception(error)
