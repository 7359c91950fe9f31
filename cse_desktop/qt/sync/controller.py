"""The sync controller: connect, sync and resolve for one unlocked workspace, off the UI thread.

The hub work runs on the task manager's network executor, one job at a time, so a sync that
takes seconds never holds up the UI thread or the workspace's worker; results and progress come
back on the main thread by signal.  The cheap status reads go through the workspace executor.

When a sync (or a resolve) meets a revoked or retired laptop, the engine crypto-shreds the
workspace and raises :class:`DeviceWiped`: :attr:`SyncController.wiped` says why.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from cse_desktop.casework.sync_status import SyncStatus
from cse_desktop.domain.errors import CseError, DeviceWiped, WorkspaceLocked
from cse_desktop.qt.operations import Operation, TaskManager
from cse_desktop.qt.operations import sync as sync_ops
from cse_desktop.qt.sync.words import sync_error_message
from cse_desktop.store.syncstate import HubLink
from cse_desktop.sync.engine import SyncSummary

T = TypeVar("T")


class SyncController(QObject):
    """Connect, sync and resolve for one unlocked workspace, off the UI thread."""

    #: a fresh :class:`SyncStatus` (after a read through the task manager)
    status_changed = Signal(object)
    #: a network job started (True) or ended (False)
    running_changed = Signal(bool)
    #: (phase, done, total) while a sync runs; phase is push, pull or conflicts
    progress = Signal(str, int, int)
    #: a sync ended well: its :class:`SyncSummary`
    sync_finished = Signal(object)
    #: a sync stopped (cancelled, hub unreachable, refused...): plain words
    sync_failed = Signal(str)
    #: the hub revoked or retired this laptop; the workspace is gone: why
    wiped = Signal(str)
    #: this laptop was enrolled: the :class:`HubLink`
    connected = Signal(object)

    _progressed = Signal(str, int, int)

    def __init__(self, tasks: TaskManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.status = SyncStatus()
        self._job: str | None = None  # connect | sync | resolve
        self._cancel: threading.Event | None = None
        self._closed = False
        self._reading = False
        self._read_again = False
        self._progressed.connect(self._on_progress)
        tasks.changed.connect(self._on_changed)

    # -- state ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._job is not None

    @property
    def syncing(self) -> bool:
        return self._job == "sync"

    def refresh(self) -> None:
        """Read the status again (at most one read in flight)."""
        if self._closed:
            return
        if self._reading:
            self._read_again = True
            return
        self._reading = True

        def done(status: SyncStatus) -> None:
            self._reading = False
            if self._closed:
                return
            self.status = status
            self.status_changed.emit(status)
            if self._read_again:
                self._read_again = False
                self.refresh()

        def failed(_exc: CseError) -> None:  # locked or wiped meanwhile: keep what we had
            self._reading = False

        try:
            self.tasks.run(sync_ops.read_status(), on_done=done, on_error=failed, owner=self)
        except RuntimeError:  # the task manager closed (the workspace locked)
            self._reading = False

    def _on_changed(self, _kinds: object) -> None:
        self.refresh()

    # -- jobs ----------------------------------------------------------------------------

    def start_sync(self) -> bool:
        """Start a sync now; False if one cannot start (not connected, or busy)."""
        if not self.status.connected:
            return False
        cancel = threading.Event()

        def report(phase: str, done: int, total: int) -> None:  # on the network thread
            if not self._closed:
                with contextlib.suppress(RuntimeError):  # the controller is gone
                    self._progressed.emit(phase, done, total)

        started = self._start("sync", sync_ops.sync(progress=report, cancel=cancel),
                              self._synced, self._sync_stopped)
        if started:
            self._cancel = cancel
        return started

    def cancel(self) -> None:
        """Ask a running sync to stop at its next step (what was done is kept)."""
        if self._cancel is not None:
            self._cancel.set()

    def connect_hub(self, url: str, code: str, *, ca_file: str = "", device_name: str = "",
                    on_done: Callable[[HubLink], None] | None = None,
                    on_error: Callable[[CseError], None] | None = None) -> bool:
        def connected(link: HubLink) -> None:
            if on_done is not None:
                on_done(link)
            self.connected.emit(link)
            self.refresh()

        return self._start("connect", sync_ops.connect(url=url, code=code, ca_file=ca_file,
                                                       device_name=device_name),
                           connected, self._failed_with(on_error))

    def resolve(self, issue_id: str, value: Any, *,
                on_done: Callable[[int], None] | None = None,
                on_error: Callable[[CseError], None] | None = None) -> bool:
        """Send a person's choice to the hub, then sync to bring the new value here."""
        def resolved(seq: int) -> None:
            if on_done is not None:
                on_done(seq)
            self.refresh()
            self.start_sync()  # bring the chosen value to this laptop

        return self._start("resolve", sync_ops.resolve(issue_id=issue_id, value=value),
                           resolved, self._failed_with(on_error))

    def _start(self, kind: str, operation: Operation[T], on_done: Callable[[T], None],
               on_error: Callable[[CseError], None]) -> bool:
        if self._closed or self.running:
            return False

        def done(value: T) -> None:
            if self._ended():
                on_done(value)

        def failed(exc: CseError) -> None:
            if self._ended() and not self._stopped_by(exc):
                on_error(exc)

        self._job = kind
        try:
            sync_ops.run_on_network(self.tasks, operation, on_done=done, on_error=failed,
                                    owner=self)
        except RuntimeError:  # the task manager closed (the workspace locked)
            self._job = None
            return False
        self.running_changed.emit(True)
        return True

    def _ended(self) -> bool:
        """A job ended; False when nobody is to hear of it (the workspace is locking)."""
        self._job = None
        self._cancel = None
        if self._closed:
            return False
        self.running_changed.emit(False)
        return True

    def _stopped_by(self, exc: CseError) -> bool:
        """Whether ``exc`` ends this session: the laptop was wiped, or it locked meanwhile."""
        if isinstance(exc, DeviceWiped):
            self._closed = True
            self.wiped.emit(exc.message)
            return True
        return isinstance(exc, WorkspaceLocked)

    def _failed_with(self, on_error: Callable[[CseError], None] | None
                     ) -> Callable[[CseError], None]:
        def failed(exc: CseError) -> None:
            if on_error is not None:
                on_error(exc)
            else:
                self.sync_failed.emit(sync_error_message(exc))
            self.refresh()

        return failed

    def _on_progress(self, phase: str, done: int, total: int) -> None:
        if not self._closed and self.syncing:
            self.progress.emit(phase, done, total)

    def _synced(self, summary: SyncSummary) -> None:
        if summary.applied or summary.removed:
            self._refresh_views()
        self.sync_finished.emit(summary)
        self.refresh()

    def _sync_stopped(self, exc: CseError) -> None:
        # A sync cut short may still have applied pages it pulled: views read again.
        self._refresh_views()
        self.sync_failed.emit(sync_error_message(exc))
        self.refresh()

    def _refresh_views(self) -> None:
        """Every view re-reads what it shows (the task manager's changed signal, all kinds)."""
        with contextlib.suppress(RuntimeError):  # the task manager closed
            self.tasks.run(sync_ops.records_arrived())

    def close(self) -> None:
        """The workspace is locking: cancel a running sync and forget any result."""
        if self._closed and self._job is None:
            return
        self._closed = True
        self.cancel()
        with contextlib.suppress(RuntimeError, TypeError):
            self.tasks.changed.disconnect(self._on_changed)
