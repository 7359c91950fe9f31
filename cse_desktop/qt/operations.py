"""Store work off the UI thread: every call to the workspace runs on one worker thread.

The workspace has one SQLCipher connection; a single worker serialises every use of it, so the
UI thread never waits on the disk or the KDF, and two operations never interleave.  A result
(or a plain-English error) comes back on the main thread by signal (Anki's CollectionOp /
QueryOp, in small)::

    runner.run(lambda ws: ws.people.list(), on_done=page.set_people)

Mutations say what changed, so each view refreshes only what it shows::

    runner.run(lambda ws: ws.episodes.add(episode), on_done=..., changes={"episode"})

and every view listening to :attr:`WorkspaceRunner.changed` hears ``{"episode"}`` afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from cse_desktop.domain.errors import CseError
from cse_desktop.store import Workspace

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Delivery(QObject):
    """Carries a finished operation from the worker thread to the main thread."""

    finished = Signal(object)


class WorkspaceRunner(QObject):
    """Runs operations on the workspace, one at a time, on a worker thread."""

    #: emitted on the main thread after a mutation: the record kinds it changed
    changed = Signal(object)
    #: emitted when an operation fails with an error meant for the user (plain English)
    failed = Signal(str)
    #: emitted when the number of operations in flight goes from 0 to 1 or back
    busy_changed = Signal(bool)

    def __init__(self, ws: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workspace")
        self._delivery = _Delivery()
        self._delivery.finished.connect(self._deliver)
        self._in_flight = 0
        self._closed = False

    def run(self, operation: Callable[[Workspace], T], *,
            on_done: Callable[[T], None] | None = None,
            on_error: Callable[[CseError], None] | None = None,
            changes: Iterable[str] = ()) -> Future[T]:
        """Queue ``operation(ws)``; ``on_done(result)`` runs on the main thread afterwards.

        A :class:`CseError` goes to ``on_error`` (or the :attr:`failed` signal); any other
        exception is logged (type only: no personal data) and reported as unexpected.
        """
        if self._closed:
            raise RuntimeError("the workspace runner is closed")
        changed = frozenset(changes)
        self._in_flight += 1
        if self._in_flight == 1:
            self.busy_changed.emit(True)

        def work() -> tuple[str, Any]:
            try:
                outcome: tuple[str, Any] = ("ok", operation(self.ws))
            except CseError as exc:
                outcome = ("error", exc)
            except Exception as exc:  # never let a worker exception vanish or crash the UI
                log.error("operation failed unexpectedly (%s)", type(exc).__name__)
                outcome = ("error", CseError("Something went wrong and nothing more was "
                                             "changed. Try again; if it happens again, tell "
                                             "your IT team."))
            # Emitted here, on the worker thread, so every result is queued to the main thread
            # in the order the operations ran.  (A done-callback would run on the main thread
            # when the future had already finished, and overtake results still queued.)
            self._delivery.finished.emit((outcome, on_done, on_error, changed))
            return outcome

        return self._executor.submit(work)  # type: ignore[return-value]

    def call(self, operation: Callable[[Workspace], T]) -> T:
        """Run ``operation`` on the worker thread and wait for it (short, synchronous needs:
        closing, locking, and tests).  Errors are raised here."""
        return self._executor.submit(operation, self.ws).result()

    def _deliver(self, payload: tuple[tuple[str, Any], Callable | None, Callable | None,
                                      frozenset[str]]) -> None:
        (status, value), on_done, on_error, changed = payload
        self._in_flight -= 1
        if self._in_flight == 0:
            self.busy_changed.emit(False)
        if self._closed:
            return
        if status == "ok":
            if on_done is not None:
                on_done(value)
            if changed:
                self.changed.emit(changed)
        elif on_error is not None:
            on_error(value)
        else:
            self.failed.emit(value.message)

    @property
    def idle(self) -> bool:
        return self._in_flight == 0

    def close(self, final: Callable[[Workspace], None] | None = None) -> None:
        """Finish queued work, run ``final(ws)`` last (e.g. save a draft, lock), and stop."""
        if self._closed:
            return
        self._closed = True
        if final is not None:
            self._executor.submit(final, self.ws).result()
        self._executor.shutdown(wait=True)
