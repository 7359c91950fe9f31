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
from collections.abc import Callable, Sequence
from typing import Any

from cse_desktop.hub import threads

#: at most this many hashes in one look-up (the rest wait for the next)
MAX_LOOKUP = 500


class SignIns:
    """The sign-ins waiting in one process, looked up together by ``look_up`` (blocking: it
    runs in a request thread; its answer maps each hash it found to its row)."""

    def __init__(self, look_up: Callable[[Sequence[str]], dict[str, Any]]) -> None:
        self._look_up = look_up
        #: hashes waiting for the next look-up, with the futures of the requests that wait
        self._waiting: dict[str, list[asyncio.Future[Any]]] = {}
        #: the loop whose requests wait here, and whether a look-up is under way on it
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = False
        #: the look-up under way (kept: the loop holds only a weak reference to a task)
        self._task: asyncio.Task[None] | None = None

    async def row(self, hashed: str) -> Any:
        """The row of the device holding the token hashed ``hashed`` (None if none does),
        from the next look-up; raises what that look-up raised."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (a test's): nothing of an old one is waited on
            self._loop, self._waiting, self._busy = loop, {}, False
        future: asyncio.Future[Any] = loop.create_future()
        self._waiting.setdefault(hashed, []).append(future)
        if not self._busy:
            self._busy = True
            self._task = loop.create_task(self._look_up_waiting())
        return await future

    async def _look_up_waiting(self) -> None:
        """Look up what is waiting, then what came in meanwhile, until nothing waits."""
        try:
            while self._waiting:
                hashes = list(self._waiting)[:MAX_LOOKUP]
                batch = {h: self._waiting.pop(h) for h in hashes}
                try:
                    rows = await threads.run(self._look_up, hashes)
                except Exception as exc:  # each request hears it (a database down: 503)
                    for futures in batch.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(exc)
                    continue
                for hashed, futures in batch.items():
                    for future in futures:
                        if not future.done():  # its request may have gone meanwhile
                            future.set_result(rows.get(hashed))
        finally:
            self._busy = False
