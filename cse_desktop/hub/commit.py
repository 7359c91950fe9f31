"""Group commit: pushes waiting at the same moment are applied in one transaction.

A request thread hands its push to :meth:`GroupCommit.submit` and waits. If no group is being
committed, it becomes the leader at once: it takes every push waiting (its own first, up to
:data:`MAX_GROUP_CHANGES` changes), applies them in one transaction with one commit (one
fsync), hands each push its answer, and returns its own. Pushes that arrive while a group
commits wait for it to finish; then one of them leads the next group, with all the others that
gathered meanwhile. On an idle hub a push is committed at once, alone; under load the groups
grow by themselves, and the number of commits (and fsyncs) stays about one per commit time.

Nothing is held across a push but this queue: the work a push needs no database for (parsing,
digests, validating new records) runs in its own thread before it queues. On PostgreSQL each
worker process has its own queue and their groups commit side by side (see
:mod:`cse_desktop.hub.db`); on SQLite the database has one writer anyway.

If a group fails (a deadlock, a change id pushed twice at once through two workers, a bug),
it is rolled back and its pushes are applied again one by one, so each push is answered
exactly as it would have been had it been committed alone.
"""

from __future__ import annotations

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


class GroupCommit:
    """The queue of one process (one :class:`~cse_desktop.hub.repository.Hub`)."""

    def __init__(self, apply: Callable[[Sequence[Job]], None]) -> None:
        #: applies a group in one transaction and sets each job's result; raises to roll back
        self._apply = apply
        self._cv = threading.Condition()
        self._queue: list[Job] = []
        self._busy = False

    def submit(self, size: int, payload: Any) -> Any:
        """Apply ``payload`` (``size`` changes) in the next group; its result, or raise its
        error."""
        job = Job(size, payload)
        with self._cv:
            self._queue.append(job)
            metrics.QUEUE_DEPTH.inc()
            while not job.done and self._busy:
                self._cv.wait()
            if not job.done:
                self._busy = True
                group = self._take(job)
        if not job.done:
            try:
                self._commit(group)
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()
        if job.error is not None:
            raise job.error
        return job.result

    def _take(self, leader: Job) -> list[Job]:
        """The leader's job first, then the others in order of arrival, up to the cap."""
        group, total, rest = [leader], leader.size, []
        for job in self._queue:
            if job is leader:
                continue
            if total + job.size <= MAX_GROUP_CHANGES:
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
                job.done = True

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
