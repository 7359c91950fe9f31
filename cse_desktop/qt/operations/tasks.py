"""The one task manager: every piece of work the desktop does off the UI thread runs here.

Two executors, each a single worker thread:

* the **workspace** executor runs :class:`Operation` s against the workspace.  The workspace
  has one SQLCipher connection; one worker serialises every use of it, so the UI thread never
  waits on the disk and two operations never interleave;
* the **network** executor runs work that must not hold up the workspace: talking to the hub,
  rendering pages for the printer, deriving a key while the workspace is still locked.

A window has one task manager for its whole life: made before any workspace is open (unlocking
runs on the network executor), :meth:`TaskManager.attach` ed to the workspace once it is open
and :meth:`TaskManager.detach` ed when it locks.  Results of work started before a detach are
dropped, so nothing read from a locked workspace reaches a widget.

A result, or a plain-English error, comes back on the main thread by a queued signal, in the
order the work ran (Anki's CollectionOp / QueryOp, in small)::

    tasks.run(people.list_people(), on_done=page.set_people, owner=page)

An operation says what it changes, so a widget never does: after it succeeds, every view
listening to :attr:`TaskManager.changed` hears the record kinds (a :data:`Changes` set).
When ``owner`` is given and that widget has been destroyed by the time the result arrives, the
result is dropped here, in one place, instead of each widget guarding itself.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal

from cse_desktop.domain.errors import CseError
from cse_desktop.domain.ids import NO_CHANGES, Changes
from cse_desktop.store import Workspace

log = logging.getLogger(__name__)

T = TypeVar("T")

#: the one wording for a failure the user could not have caused (no traceback, no detail:
#: the log carries the exception type only, never personal data)
UNEXPECTED = ("Something went wrong and nothing more was changed. Try again; if it happens "
              "again, tell your IT team.")


def unexpected_error(exc: BaseException) -> CseError:
    """Log an exception nobody planned for (type only) and return the error the user sees."""
    log.error("background work failed unexpectedly (%s)", type(exc).__name__)
    return CseError(UNEXPECTED)


@dataclass(frozen=True)
class Operation(Generic[T]):
    """One piece of work on the workspace and the record kinds it changes.

    ``changes`` is either a fixed set or, when only the result knows (finalising a form may or
    may not touch the person), a function of the result.  Build operations with the factories
    in this package's noun modules, never inline in a widget.
    """

    work: Callable[[Workspace], T]
    changes: Changes | Callable[[T], Changes] = NO_CHANGES

    def changed_by(self, result: T) -> Changes:
        return self.changes(result) if callable(self.changes) else self.changes


class _Delivery(QObject):
    """Carries a finished piece of work from a worker thread to the main thread."""

    finished = Signal(object)


@dataclass(frozen=True)
class _Done:
    ok: bool
    value: Any
    changes: Changes
    on_done: Callable[[Any], None] | None
    on_error: Callable[[CseError], None] | None
    owner: QObject | None
    #: the workspace session the work was started in (see :meth:`TaskManager.detach`)
    session: int


class TaskManager(QObject):
    """Runs operations on the workspace and other slow work, off the UI thread."""

    #: emitted on the main thread after a mutation: the record kinds (``Changes``) it changed
    changed = Signal(object)
    #: emitted when work fails with an error meant for the user and no ``on_error`` was given
    failed = Signal(str)
    #: emitted when the amount of work in flight goes from 0 to 1 or back
    busy_changed = Signal(bool)

    def __init__(self, ws: Workspace | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        #: the open workspace, None while locked (then only :meth:`run_network` works)
        self.ws = ws
        self._session = 0
        self._network_jobs: set[Future[Any]] = set()
        self._workspace = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workspace")
        self._network = ThreadPoolExecutor(max_workers=1, thread_name_prefix="network")
        self._delivery = _Delivery()
        self._delivery.finished.connect(self._deliver)
        self._in_flight = 0
        self._closed = False

    # -- running work -----------------------------------------------------------------------

    def run(self, operation: Operation[T], *,
            on_done: Callable[[T], None] | None = None,
            on_error: Callable[[CseError], None] | None = None,
            owner: QObject | None = None) -> Future[T]:
        """Queue ``operation`` on the workspace; ``on_done(result)`` runs on the main thread.

        A :class:`CseError` goes to ``on_error`` (or the :attr:`failed` signal); any other
        exception is logged (type only) and reported as :data:`UNEXPECTED`.  The returned
        future holds the result too, for a caller that must wait for it (a save in flight).
        Raises ``RuntimeError`` while no workspace is attached.
        """
        ws = self.require_workspace()
        return self._submit(self._workspace, lambda: operation.work(ws),
                            operation.changed_by, on_done, on_error, owner)

    def run_network(self, job: Callable[[], T], *,
                    on_done: Callable[[T], None] | None = None,
                    on_error: Callable[[CseError], None] | None = None,
                    owner: QObject | None = None) -> Future[T]:
        """Queue ``job()`` (no workspace access) on the network executor: the hub, rendering,
        key derivation.  Results come back exactly as for :meth:`run`."""
        return self._submit(self._network, job, lambda _: NO_CHANGES, on_done, on_error,
                            owner)

    def call(self, operation: Operation[T]) -> T:
        """Run ``operation`` on the workspace thread and wait for it (short, synchronous needs:
        closing, locking, tests).  Errors are raised here; :attr:`changed` is still emitted."""
        result = self._workspace.submit(operation.work, self.require_workspace()).result()
        changes = operation.changed_by(result)
        if changes:
            self.changed.emit(changes)
        return result

    @property
    def idle(self) -> bool:
        return self._in_flight == 0

    def attach(self, ws: Workspace) -> None:
        """Run operations on ``ws`` (just opened) from now on."""
        self._raise_if_closed()
        self.ws = ws

    def detach(self, final: Callable[[Workspace], None] | None = None) -> None:
        """Forget the workspace: network work not yet started is cancelled and running work
        waited for, queued operations finish, then ``final(ws)`` runs last (lock it).  Results
        of anything started before now are dropped.  Safe to call while detached."""
        for job in list(self._network_jobs):
            if job.cancel():  # never ran, so it never reports: count it out here
                self._network_jobs.discard(job)
                self._finished_one()
        for job in list(self._network_jobs):
            with contextlib.suppress(Exception):
                job.result()
        ws, self.ws = self.ws, None
        self._session += 1
        if ws is not None and not self._closed:
            self._workspace.submit(final or (lambda _: None), ws).result()

    def close(self, final: Callable[[Workspace], None] | None = None) -> None:
        """:meth:`detach` (running ``final(ws)`` last), then stop both executors for good."""
        if self._closed:
            return
        self.detach(final)
        self._closed = True
        self._network.shutdown(wait=True, cancel_futures=True)
        self._workspace.shutdown(wait=True)

    def _raise_if_closed(self) -> None:
        if self._closed:
            raise RuntimeError("the task manager is closed")

    def require_workspace(self) -> Workspace:
        """The attached workspace; ``RuntimeError`` while locked or closed."""
        self._raise_if_closed()
        if self.ws is None:
            raise RuntimeError("no workspace is open")
        return self.ws

    # -- delivery -------------------------------------------------------------------------------

    def _submit(self, executor: ThreadPoolExecutor, job: Callable[[], T],
                changes_of: Callable[[T], Changes],
                on_done: Callable[[T], None] | None,
                on_error: Callable[[CseError], None] | None,
                owner: QObject | None) -> Future[T]:
        self._raise_if_closed()
        self._in_flight += 1
        if self._in_flight == 1:
            self.busy_changed.emit(True)
        result: Future[T] = Future()
        session = self._session

        def work() -> None:
            try:
                value = job()
                done = _Done(True, value, changes_of(value), on_done, on_error, owner, session)
                result.set_result(value)
            except CseError as exc:
                done = _Done(False, exc, NO_CHANGES, on_done, on_error, owner, session)
                result.set_exception(exc)
            except Exception as exc:  # never let a worker exception vanish or crash the UI
                error = unexpected_error(exc)
                done = _Done(False, error, NO_CHANGES, on_done, on_error, owner, session)
                result.set_exception(error)
            # Emitted here, on the worker thread, so results reach the main thread queued, in
            # the order the work ran.  (A done-callback runs on the main thread when the future
            # has already finished, and would overtake results still queued.)
            self._delivery.finished.emit(done)

        queued = executor.submit(work)
        if executor is self._network:
            self._network_jobs.add(queued)
            queued.add_done_callback(self._network_jobs.discard)
        return result

    def _finished_one(self) -> None:
        self._in_flight -= 1
        if self._in_flight == 0:
            self.busy_changed.emit(False)

    def _deliver(self, done: _Done) -> None:
        self._finished_one()
        if self._closed or done.session != self._session:
            return  # the workspace it ran on has been locked since
        # the widget that asked may have gone (closed page, locked workspace): then nobody is
        # told, but views still refresh after a mutation
        asker_alive = done.owner is None or shiboken6.isValid(done.owner)
        if not done.ok:
            if not asker_alive:
                return
            if done.on_error is not None:
                done.on_error(done.value)
            else:
                self.failed.emit(done.value.message)
            return
        if asker_alive and done.on_done is not None:
            done.on_done(done.value)
        if done.changes:
            self.changed.emit(done.changes)
