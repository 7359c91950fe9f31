"""The request threads of a hub process: where a request's blocking work runs (signing in,
reading a body, the database), off the event loop.

Every route is ``async`` and hands its blocking work to :meth:`RequestThreads.run`: a plain
thread pool, given work with asyncio's ``run_in_executor``. Starlette's own hand-over (for a
route or dependency written as a plain function) goes through anyio, which sets up a capacity
limiter and a cancel scope and looks up the async library on every call: on the push path,
under load, that was about 8 % of the hub's CPU (bench/README.md).

A request's work runs to its end once handed over, as it did through anyio: a laptop that
hangs up does not cut a sign-in or a read short.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class RequestThreads:
    """A pool of ``size`` threads (started as work comes, named ``hub-request``); they end
    with the process, or when the pool is dropped."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pool = ThreadPoolExecutor(size, thread_name_prefix="hub-request")

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)`` in a request thread, with this task's context variables;
        awaited without holding the event loop."""
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)
