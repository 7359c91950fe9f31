"""Group commit: pushes waiting at the same moment are applied in one transaction.

A push is handed to the process's queue (:meth:`GroupCommit.submit` from a thread, or
:meth:`GroupCommit.submit_async` from the event loop) and waits for its answer. One committer
thread per process takes every push waiting (up to :data:`MAX_GROUP_CHANGES` changes, in
order of arrival), applies them in one transaction with one commit (one fsync), answers each
push, and takes the next group from what gathered meanwhile. On an idle hub a push is
committed at once, alone; under load the groups grow by themselves, and the number of commits
(and fsyncs) stays about one per commit time.

A push waiting from the event loop holds no thread: the request threads are left for the work
that needs one (parsing, digests, validating new records, pulls), so a small thread pool can
serve hundreds of pushes waiting at once without the threads contending for the interpreter.

Nothing is held across a push but this queue. On PostgreSQL each worker process has its own
queue and their groups are applied side by side (see :mod:`cse_desktop.hub.db`); only the
last step of each, writing its audit entries and committing, takes turns: the audit log is
one hash chain, and a group holds its lock from its entries to its commit (one fsync;
:mod:`cse_desktop.hub.audit`). On SQLite the database has one writer anyway.

If a group fails (a deadlock, a change id pushed twice at once through two workers, a bug),
it is rolled back and its pushes are applied again one by one, so each push is answered
exactly as it would have been had it been committed alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from cse_desktop.hub import metrics

#: a group stops growing at this many changes (a push carries at most 500)
MAX_GROUP_CHANGES = 5_000
#: times a push alone is tried again after a deadlock or a concurrent duplicate
RETRIES = 3


@dataclass
class Job:
    """One push waiting in the queue: its input, then its answer or its error."""

    size: int
    payload: Any
    result: Any = None
    error: BaseException | None = None
    done: bool = False
    queued_at: float = field(default_factory=time.perf_counter)
    #: how the push's waiter hears it is done: an event (a thread waits) or a future of the
    #: event loop the waiter awaits on
    event: threading.Event | None = None
    future: asyncio.Future[None] | None = None

    def answer(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result

    def finished(self) -> None:
        self.done = True
        if self.event is not None:
            self.event.set()
        if self.future is not None:
            loop = self.future.get_loop()
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits
                loop.call_soon_threadsafe(_resolve, self.future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class GroupCommit:
    """The queue of one process (one :class:`~cse_desktop.hub.repository.Hub`)."""

    def __init__(self, apply: Callable[[Sequence[Job]], None]) -> None:
        #: applies a group in one transaction and sets each job's result; raises to roll back
        self._apply = apply
        self._cv = threading.Condition()
        self._queue: list[Job] = []
        self._committer: threading.Thread | None = None

    def submit(self, size: int, payload: Any) -> Any:
        """Apply ``payload`` (``size`` changes) in the next group, waiting in this thread; its
        result, or raise its error."""
        job = Job(size, payload, event=threading.Event())
        self._enqueue(job)
        assert job.event is not None
        job.event.wait()
        return job.answer()

    async def submit_async(self, size: int, payload: Any) -> Any:
        """As :meth:`submit`, awaited on the event loop (no thread held while waiting)."""
        job = Job(size, payload, future=asyncio.get_running_loop().create_future())
        self._enqueue(job)
        assert job.future is not None
        await job.future
        return job.answer()

    def _enqueue(self, job: Job) -> None:
        with self._cv:
            self._queue.append(job)
            metrics.QUEUE_DEPTH.inc()
            if self._committer is None or not self._committer.is_alive():
                self._committer = threading.Thread(target=self._run, name="group-commit",
                                                   daemon=True)
                self._committer.start()
            self._cv.notify()

    def _run(self) -> None:
        """The committer thread: one group after another, for as long as the process runs."""
        while True:
            with self._cv:
                while not self._queue:
                    self._cv.wait()
                group = self._take()
            try:
                self._commit(group)
            except BaseException as exc:  # never leave a push waiting for ever
                for job in group:
                    if not job.done:
                        job.error = exc
                        job.finished()
                if not isinstance(exc, Exception):
                    raise

    def _take(self) -> list[Job]:
        """The jobs waiting, in order of arrival, up to the cap (at least one)."""
        group: list[Job] = []
        rest: list[Job] = []
        total = 0
        for job in self._queue:
            if not group or total + job.size <= MAX_GROUP_CHANGES:
                group.append(job)
                total += job.size
            else:
                rest.append(job)
        self._queue = rest
        metrics.QUEUE_DEPTH.dec(len(group))
        return group

    def _commit(self, group: list[Job]) -> None:
        start = time.perf_counter()
        try:
            self._apply(group)
        except Exception:  # the group is rolled back: each push again, alone
            metrics.COMMIT_FAILURES.inc()
            for job in group:
                job.result = None
                self._alone(job)
        finally:
            now = time.perf_counter()
            metrics.GROUP_PUSHES.observe(len(group))
            metrics.GROUP_CHANGES.observe(sum(j.size for j in group))
            metrics.COMMIT_SECONDS.observe(now - start)
            for job in group:
                metrics.QUEUE_WAIT.observe(start - job.queued_at)
                job.finished()

    def _alone(self, job: Job) -> None:
        for attempt in range(RETRIES + 1):
            try:
                self._apply([job])
                job.error = None
                return
            except (sa.exc.IntegrityError, sa.exc.OperationalError) as exc:
                # a deadlock, or the same change or record written at once by another worker:
                # once that commits, this push sees it and is answered accordingly
                job.error = exc
                if attempt < RETRIES:
                    metrics.COMMIT_RETRIES.inc()
                    time.sleep(0.01 * (attempt + 1))
            except Exception as exc:  # this push's own error, answered to it alone
                job.error = exc
                return
