"""The request threads of a hub process: where a request's blocking work runs (signing in,
reading a body, the database), off the event loop.

Every route is ``async`` and hands its blocking work to :func:`run`: one plain thread pool per
process, given work with asyncio's ``run_in_executor``. Starlette's own hand-over (for a route
or dependency written as a plain function) goes through anyio, which sets up a capacity
limiter and a cancel scope and looks up the async library on every call; what that cost a push
under load is in bench/README.md.

Work a thread has started runs to its end, as it did through anyio: a laptop that hangs up
does not cut a sign-in or a write short (work still queued for a thread is dropped with the
request; a sign-in look-up, shared by the requests of one moment, runs for the others).
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

#: threads per process for the work of requests (sign-in, bodies, the database). Pushes wait
#: for their group without one, so a thread is held only while it works or waits for the
#: database: 4 keep a worker's core busy even with a database a few milliseconds away (a pull
#: of 1,000 changes is about 3 ms of CPU), and contend less for the interpreter than 12 did
#: (1,000 laptops pulling at once on 2 cores: p95 2.4-2.6 s against 2.9-3.0 s; the load
#: tests in bench/README.md)
REQUEST_THREADS = 4
#: the names of the threads (``hub-request_0`` ...)
THREAD_NAME = "hub-request"

#: the process's pool: its threads start as work comes (so none exists before a worker
#: process is started) and end with the process
_POOL = ThreadPoolExecutor(REQUEST_THREADS, thread_name_prefix=THREAD_NAME)


async def run(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` in a request thread, with this task's context variables;
    awaited without holding the event loop."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_POOL, call)
