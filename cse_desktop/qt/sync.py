"""Sync with the team's hub, in the window: connect, Sync now, the status bar, conflicts.

* :class:`SyncController` (one per unlocked workspace) runs the network work of
  :mod:`cse_desktop.sync.engine` (connect, sync, resolve) on a thread of its own, one job at a
  time, so a sync that takes seconds never holds up the UI thread or the workspace runner's
  single worker (the workspace is thread-safe: every statement runs under its lock).  Results
  and progress come back on the main thread by signal.  The cheap status reads (pending
  changes, conflicts, last sync) go through the runner.
* :class:`SyncStatusWidget`: the status bar's "Last sync 5 min ago · 1 change waiting ·
  No open conflicts", and while a sync runs its progress bar and Cancel button.
* :class:`ConnectDialog`: enrol this laptop with a hub using a one-time code.
* :class:`ConflictsPage`: open conflicts (a person chooses the value) and refused changes
  (read, then dismissed).
* :class:`SyncUi`: the window's furniture for all of this (Hub menu, Sync now on the toolbar,
  the status widget) and, per session, the controller and the conflicts page.

When a sync (or a resolve) meets a revoked or retired laptop, the engine crypto-shreds the
workspace and raises :class:`DeviceWiped`; :attr:`SyncUi.wiped` tells the window, which
closes every page of the session and goes back to the start with the reason.
"""

from __future__ import annotations

import contextlib
import logging
import platform
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QSize, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QStackedWidget,
    QStatusBar,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.casework.chronology import (
    ASSOCIATION_LABELS,
    CATEGORY_LABELS,
    POLICE_GRADE_LABELS,
    RHI_STATUS_LABELS,
    uk_datetime,
    uk_day,
)
from cse_desktop.domain.errors import (
    CseError,
    DeviceWiped,
    HubRefused,
    HubUnreachable,
    HubUntrusted,
    NotFound,
    WorkspaceLocked,
)
from cse_desktop.domain.models import RECORD_TYPES
from cse_desktop.qt.caseload import ID_ROLE, MUTED, SORT_ROLE
from cse_desktop.qt.manager import ColumnSpec, ListModel
from cse_desktop.qt.operations import WorkspaceRunner
from cse_desktop.qt.person.lists import ACTION_STATUS_LABELS
from cse_desktop.qt.person.profile import (
    EDUCATION_LABELS,
    FIELD_LABELS,
    LEGAL_LABELS,
    RISK_LABELS,
    SEN_LABELS,
)
from cse_desktop.qt.resources import icon
from cse_desktop.qt.widgets import (
    MessageLabel,
    button,
    field_label,
    lay_out_tabbed_page,
    line_edit,
    setup_table,
    tabbed_page_top,
    text_label,
)
from cse_desktop.store import Workspace
from cse_desktop.store.syncstate import HubLink, Issue
from cse_desktop.sync import engine
from cse_desktop.sync.engine import SyncSummary

log = logging.getLogger(__name__)

#: every record kind: a sync may bring any of them, so every view re-reads afterwards
ALL_KINDS = frozenset({"person", "episode", "submission", "action", "association"})

UNREACHABLE_MESSAGE = "Hub not reachable — your changes are safe on this laptop."
UNEXPECTED_MESSAGE = ("Something went wrong while talking to the hub. Nothing on this laptop "
                      "was lost; try again, and if it happens again tell your IT service desk.")
DEMO_TIP = ("The demo workspace holds invented people: it cannot be connected to a hub. "
            "Lock it and open your own workspace.")
STATUS_REFRESH_MS = 30_000


# ---------------------------------------------------------------------------------------------
# What the status bar shows


@dataclass(frozen=True)
class SyncStatus:
    """The workspace's sync state, read in one go (cheap COUNT queries)."""

    connected: bool = False
    url: str = ""
    user: str = ""
    team: str = ""
    device_name: str = ""
    pending: int = 0
    drafts_kept: int = 0
    conflicts: int = 0
    refused: int = 0
    last_sync_at: datetime | None = None


def read_status(ws: Workspace) -> SyncStatus:
    """Runs on the runner's worker thread."""
    link = ws.sync.link()
    if link is None:
        return SyncStatus(pending=ws.sync.pending_count(), drafts_kept=ws.sync.held_back())
    last = ws.sync.last_sync()
    at: datetime | None = None
    if last and last.get("at"):
        with contextlib.suppress(TypeError, ValueError):
            at = datetime.fromisoformat(last["at"])
    return SyncStatus(connected=True, url=link.url, user=link.user, team=link.team,
                      device_name=link.device_name, pending=ws.sync.pending_count(),
                      drafts_kept=ws.sync.held_back(), conflicts=ws.sync.conflict_count(),
                      refused=len(ws.sync.issues("rejected")), last_sync_at=at)


def relative_time(then: datetime, now: datetime | None = None) -> str:
    """'just now', '5 min ago', '2 hours ago', 'yesterday', '3 days ago'."""
    now = now or datetime.now(UTC)
    seconds = max(0.0, (now - then).total_seconds())
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} hour{'s' * (hours != 1)} ago"
    days = hours // 24
    return "yesterday" if days == 1 else f"{days} days ago"


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"


def sync_error_message(exc: CseError) -> str:
    """Plain words for a sync that stopped (never a traceback)."""
    if isinstance(exc, HubUntrusted):
        return exc.message
    if isinstance(exc, HubUnreachable):
        return UNREACHABLE_MESSAGE
    if isinstance(exc, HubRefused) and exc.code == "rate_limited":
        return ("The hub is refusing requests from this laptop for a few minutes (too many "
                "attempts). Your changes are safe on this laptop; sync again later.")
    return exc.message


def connect_error_message(exc: CseError) -> str:
    """Plain words for a failed enrolment, shown in the Connect dialog."""
    if isinstance(exc, HubUntrusted):
        return exc.message
    if isinstance(exc, HubUnreachable):
        return ("The hub cannot be reached at this address. Check the address and that this "
                "laptop is online, then try again.")
    if isinstance(exc, HubRefused):
        if exc.code == "enrolment_code_invalid":
            return ("The hub did not accept this enrolment code: it may be mistyped, already "
                    "used or expired. Check it, or ask your hub administrator for a new one.")
        if exc.code == "rate_limited":
            return ("Too many attempts to connect from this laptop. Wait a few minutes, then "
                    "try again.")
        if exc.code in ("no_such_endpoint", "method_not_allowed", "http_error"):
            return ("There is no CSE Desktop hub at this address. Check the address your IT "
                    "team gave you.")
    return exc.message


# ---------------------------------------------------------------------------------------------
# The controller: network work on its own thread


@dataclass
class _Job:
    kind: str  # connect | sync | resolve
    on_done: Callable[[Any], None] | None
    on_error: Callable[[CseError], None] | None


class SyncController(QObject):
    """Connect, sync and resolve for one unlocked workspace, off the UI thread."""

    #: a fresh :class:`SyncStatus` (after a read through the runner)
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

    _delivered = Signal(object)
    _progressed = Signal(str, int, int)

    def __init__(self, runner: WorkspaceRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.ws = runner.ws
        self.status = SyncStatus()
        self._job: _Job | None = None
        self._cancel: threading.Event | None = None
        self._closed = False
        self._reading = False
        self._read_again = False
        self._delivered.connect(self._deliver)
        self._progressed.connect(self._on_progress)
        runner.changed.connect(self._on_changed)

    # -- state ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._job is not None

    @property
    def syncing(self) -> bool:
        return self._job is not None and self._job.kind == "sync"

    @property
    def cancel_requested(self) -> bool:
        return self._cancel is not None and self._cancel.is_set()

    def refresh(self) -> None:
        """Read the status again through the runner (at most one read in flight)."""
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
            self.runner.run(read_status, on_done=done, on_error=failed)
        except RuntimeError:  # the runner closed (the workspace locked)
            self._reading = False

    def _on_changed(self, _kinds: object) -> None:
        self.refresh()

    # -- jobs ----------------------------------------------------------------------------

    def start_sync(self) -> bool:
        """Start a sync now; False if one cannot start (not connected, or busy)."""
        if self._closed or self.running or not self.status.connected:
            return False
        cancel = self._cancel = threading.Event()

        def report(phase: str, done: int, total: int) -> None:
            if not self._closed:
                self._progressed.emit(phase, done, total)

        self._start("sync", lambda ws: engine.sync(ws, progress=report, cancel=cancel),
                    None, None)
        return True

    def cancel(self) -> None:
        """Ask a running sync to stop at its next step (what was done is kept)."""
        if self._cancel is not None:
            self._cancel.set()

    def connect_hub(self, url: str, code: str, *, ca_file: str = "", device_name: str = "",
                    on_done: Callable[[HubLink], None] | None = None,
                    on_error: Callable[[CseError], None] | None = None) -> bool:
        if self._closed or self.running:
            return False
        self._start("connect", lambda ws: engine.connect(
            ws, url, code, ca_file=ca_file or None, device_name=device_name or None),
            on_done, on_error)
        return True

    def resolve(self, issue_id: str, value: Any, *,
                on_done: Callable[[int], None] | None = None,
                on_error: Callable[[CseError], None] | None = None) -> bool:
        """Send a person's choice to the hub, then sync to bring the new value here."""
        if self._closed or self.running:
            return False
        self._start("resolve", lambda ws: engine.resolve(ws, issue_id, value), on_done,
                    on_error)
        return True

    def _start(self, kind: str, work: Callable[[Workspace], Any],
               on_done: Callable[[Any], None] | None,
               on_error: Callable[[CseError], None] | None) -> None:
        self._job = _Job(kind, on_done, on_error)
        ws = self.ws

        def run() -> None:
            try:
                outcome: tuple[str, Any] = ("ok", work(ws))
            except CseError as exc:
                outcome = ("error", exc)
            except Exception as exc:  # a bug: its type to the log, plain words to the user
                log.error("%s failed unexpectedly (%s)", kind, type(exc).__name__)
                outcome = ("error", CseError(UNEXPECTED_MESSAGE))
            if not self._closed:
                with contextlib.suppress(RuntimeError):  # the controller is gone (app exit)
                    self._delivered.emit(outcome)

        # A daemon thread: a hub that never answers (30 s timeout) cannot hold up quitting.
        threading.Thread(target=run, name=f"hub-{kind}", daemon=True).start()
        self.running_changed.emit(True)

    def _on_progress(self, phase: str, done: int, total: int) -> None:
        if not self._closed and self.syncing:
            self.progress.emit(phase, done, total)

    def _deliver(self, outcome: tuple[str, Any]) -> None:
        job, self._job = self._job, None
        self._cancel = None
        if self._closed or job is None:
            return
        status, value = outcome
        self.running_changed.emit(False)
        if status == "error" and isinstance(value, DeviceWiped):
            self._closed = True
            self.wiped.emit(value.message)
            return
        if status == "error" and isinstance(value, WorkspaceLocked):
            return  # locked meanwhile
        if job.kind == "sync":
            self._sync_done(status, value)
            return
        if status == "ok":
            if job.on_done is not None:
                job.on_done(value)
            if job.kind == "connect":
                self.connected.emit(value)
                self.refresh()
            elif job.kind == "resolve":
                self.refresh()
                self.start_sync()  # bring the chosen value to this laptop
        else:
            if job.on_error is not None:
                job.on_error(value)
            else:
                self.sync_failed.emit(sync_error_message(value))
            self.refresh()

    def _sync_done(self, status: str, value: Any) -> None:
        if status == "ok":
            summary: SyncSummary = value
            if summary.applied or summary.removed:
                self._refresh_views()
            self.sync_finished.emit(summary)
        else:
            # A sync cut short may still have applied pages it pulled: views read again.
            self._refresh_views()
            self.sync_failed.emit(sync_error_message(value))
        self.refresh()

    def _refresh_views(self) -> None:
        """Every view re-reads what it shows (the runner's changed signal, all kinds)."""
        with contextlib.suppress(RuntimeError):  # the runner closed
            self.runner.run(lambda ws: None, changes=ALL_KINDS)

    def close(self) -> None:
        """The workspace is locking: cancel a running sync and forget any result."""
        if self._closed and self._job is None:
            return
        self._closed = True
        self.cancel()
        with contextlib.suppress(RuntimeError, TypeError):
            self.runner.changed.disconnect(self._on_changed)


# ---------------------------------------------------------------------------------------------
# The status bar


class SyncStatusWidget(QWidget):
    """Last sync, changes waiting and open conflicts; the progress of a running sync."""

    connect_requested = Signal()
    conflicts_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.status: SyncStatus | None = None
        self._running = False
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)

        self.connect_button = button("Not connected to a hub — connect…",
                                     "Not connected to a hub. Connect to the team's hub",
                                     role="link", tooltip="Connect this laptop to your team's "
                                                          "hub with a one-time code")
        self.last_sync_label = QLabel()
        self.last_sync_label.setAccessibleName("Last sync")
        self.pending_label = QLabel()
        self.pending_label.setAccessibleName("Changes waiting to be sent")
        self.conflicts_button = button("", "Open conflicts", role="link",
                                       tooltip="Show the sync conflicts and refused changes "
                                               "(Ctrl+3)")
        self.progress_label = QLabel()
        self.progress_label.setAccessibleName("Sync progress")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("formProgress")
        self.progress_bar.setAccessibleName("Sync progress")
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedSize(120, 10)
        self.cancel_button = button("Cancel", "Cancel the sync", role="link",
                                    tooltip="Stop the sync: what was sent or received is kept")
        for widget in (self.connect_button, self.last_sync_label, self.pending_label,
                       self.conflicts_button, self.progress_label, self.progress_bar,
                       self.cancel_button):
            row.addWidget(widget)
        self.connect_button.clicked.connect(self.connect_requested)
        self.conflicts_button.clicked.connect(self.conflicts_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.ticker = QTimer(self)
        self.ticker.setInterval(STATUS_REFRESH_MS)
        self.ticker.timeout.connect(self._show_last_sync)
        self.set_running(False)
        self.clear()

    def _height(self) -> int:
        """The same height whatever is shown: when a status bar widget's height changes, the
        status bar lays itself out again and re-shows the widgets a message had hidden."""
        margins = self.contentsMargins()
        tallest = max(w.sizeHint().height() for w in self.findChildren(QWidget))
        return tallest + margins.top() + margins.bottom()

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self._height())

    def clear(self) -> None:
        """Nothing shown (locked)."""
        self.status = None
        self.ticker.stop()
        for widget in (self.connect_button, self.last_sync_label, self.pending_label,
                       self.conflicts_button):
            widget.hide()

    def set_status(self, status: SyncStatus) -> None:
        self.status = status
        self.connect_button.setVisible(not status.connected)
        for widget in (self.pending_label, self.conflicts_button):
            widget.setVisible(status.connected)
        self.last_sync_label.setVisible(status.connected and not self._running)
        waiting = ("No changes waiting" if not status.pending else
                   f"{plural(status.pending, 'change')} waiting")
        self.pending_label.setText(waiting)
        tip = ("Changes made on this laptop that the hub has not received yet."
               if status.pending else "Everything made on this laptop is on the hub.")
        if status.drafts_kept:
            tip += (f" {plural(status.drafts_kept, 'draft form')} stay on this laptop until "
                    "finalised.")
        self.pending_label.setToolTip(tip)
        self.pending_label.setAccessibleDescription(tip)
        parts = []
        if status.conflicts:
            parts.append(plural(status.conflicts, "open conflict"))
        if status.refused:
            parts.append(plural(status.refused, "refused change"))
        text = ", ".join(parts) if parts else "No open conflicts"
        self.conflicts_button.setText(text)
        self.conflicts_button.setAccessibleName(f"{text}: show the conflicts view")
        self._show_last_sync()
        if status.connected:
            self.ticker.start()

    def _show_last_sync(self) -> None:
        status = self.status
        if status is None or not status.connected:
            return
        if status.last_sync_at is None:
            text, tip = "Never synced", f"Connected to {status.url}; not synced yet."
        else:
            text = f"Last sync {relative_time(status.last_sync_at, self.clock())}"
            tip = (f"Last sync {uk_datetime(status.last_sync_at)} with {status.url} as "
                   f"{status.user} ({status.team}).")
        self.last_sync_label.setText(text)
        self.last_sync_label.setToolTip(tip)
        self.last_sync_label.setAccessibleDescription(tip)

    def set_running(self, running: bool) -> None:
        self._running = running
        self.progress_label.setVisible(running)
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        if running:
            self.last_sync_label.hide()
            self.progress_label.setText("Syncing…")
            self.progress_bar.setRange(0, 0)
        elif self.status is not None and self.status.connected:
            self.last_sync_label.show()

    def set_progress(self, phase: str, done: int, total: int) -> None:
        if phase == "push" and total:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
            self.progress_label.setText(f"Sending {done} of {plural(total, 'change')}…")
        elif phase == "push":
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText("Sending changes…")
        elif phase == "pull":
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText("Receiving changes…" if not done
                                        else f"Receiving changes… ({done} so far)")
        else:
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText("Checking for conflicts…")
        self.progress_bar.setAccessibleDescription(self.progress_label.text())

    def set_cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("Cancelling…")


# ---------------------------------------------------------------------------------------------
# Connect to hub


def default_device_name() -> str:
    return (platform.node() or "laptop")[:100]


class ConnectDialog(QDialog):
    """Enrol this laptop with a hub: address, one-time code, optional pinned CA, a name."""

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.link: HubLink | None = None
        self.setObjectName("personDialog")
        self.setWindowTitle("Connect to hub")
        self.setModal(True)
        self.setMinimumWidth(540)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(6)
        heading = text_label("Connect to your team's hub", "dialogTitle")
        heading.setAccessibleName("Connect to your team's hub")
        layout.addWidget(heading)
        layout.addWidget(text_label(
            "Your hub administrator gives you the hub's address and a one-time enrolment "
            "code. Records then travel between this laptop and your team's hub each time you "
            "sync.", "pageIntro"))
        layout.addSpacing(6)

        self.url_edit = line_edit("Hub address", max_length=300,
                                  placeholder="https://hub.example.org")
        self.code_edit = line_edit("Enrolment code", max_length=64,
                                   placeholder="ABCD-EFGH-JKLM-NPQR")
        self.ca_edit = line_edit("Pinned CA certificate file (optional)", max_length=1000,
                                 placeholder="Only if your IT team gave you one")
        self.ca_button = button("C&hoose…", "Choose the CA certificate file")
        self.name_edit = line_edit("This laptop's name on the hub", max_length=100)
        self.name_edit.setText(default_device_name())
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        rows: list[tuple[str, QWidget, QWidget | None, str]] = [
            ("Hub &address", self.url_edit, None, ""),
            ("Enrolment &code", self.code_edit, None,
             "16 letters and numbers; it works once and expires."),
            ("Pinned CA certificate (o&ptional)", self.ca_edit, self.ca_button,
             "Leave empty unless your hub uses a private certificate authority."),
            ("This laptop's &name on the hub", self.name_edit, None,
             "Helps your administrator tell your laptops apart."),
        ]
        r = 0
        for label, edit, extra, hint in rows:
            grid.addWidget(field_label(label, edit), r, 0, 1, 2)
            grid.addWidget(edit, r + 1, 0, 1, 1 if extra else 2)
            if extra is not None:
                grid.addWidget(extra, r + 1, 1)
            if hint:
                grid.addWidget(text_label(hint, "hint"), r + 2, 0, 1, 2)
            grid.setRowMinimumHeight(r + 3, 6)
            r += 4
        grid.setColumnStretch(0, 1)
        layout.addLayout(grid)
        self.error = MessageLabel("error")
        self.notice = MessageLabel("notice")
        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = button("Cancel", "Cancel and close without connecting")
        self.connect_button = button("C&onnect", "Connect to the hub", role="primary")
        self.connect_button.setDefault(True)
        self.done_button = button("Done", "Close", role="primary")
        self.done_button.hide()
        for b in (self.cancel_button, self.connect_button, self.done_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.connect_button.clicked.connect(self.submit)
        self.done_button.clicked.connect(self.accept)
        self.ca_button.clicked.connect(self._choose_ca)
        for edit in (self.url_edit, self.code_edit, self.ca_edit, self.name_edit):
            edit.textEdited.connect(lambda _t: self.error.clear_message())
        self.url_edit.setFocus()

    def inputs(self) -> list[QWidget]:
        return [self.url_edit, self.code_edit, self.ca_edit, self.ca_button, self.name_edit]

    def _choose_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the hub's CA certificate", str(Path.home()),
            "Certificates (*.pem *.crt *.cer);;All files (*)")
        if path:
            self.ca_edit.setText(path)

    def problem(self) -> tuple[str, QLineEdit | None]:
        url, code = self.url_edit.text().strip(), self.code_edit.text().strip()
        if not url:
            return "Enter the hub's address, for example https://hub.example.org.", self.url_edit
        if not code:
            return "Enter the enrolment code your hub administrator gave you.", self.code_edit
        if not 8 <= len(code) <= 64:
            return ("That is not an enrolment code: it has 16 letters and numbers, like "
                    "ABCD-EFGH-JKLM-NPQR.", self.code_edit)
        ca = self.ca_edit.text().strip()
        if ca and not Path(ca).is_file():
            return f"There is no file at {ca}. Choose the CA certificate again.", self.ca_edit
        return "", None

    def submit(self) -> None:
        message, where = self.problem()
        if message:
            self.show_error(message)
            if where is not None:
                where.setFocus()
            return
        self.error.clear_message()
        self.notice.show_message("Connecting to the hub…")
        self._set_busy(True)
        started = self.controller.connect_hub(
            self.url_edit.text().strip(), self.code_edit.text().strip(),
            ca_file=self.ca_edit.text().strip(), device_name=self.name_edit.text().strip(),
            on_done=self.show_connected,
            on_error=lambda exc: self.show_error(connect_error_message(exc)))
        if not started:
            self.show_error("A sync is running. Wait for it to finish, then connect.")

    def _set_busy(self, busy: bool) -> None:
        for widget in [*self.inputs(), self.connect_button]:
            widget.setEnabled(not busy)

    def show_error(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        self.notice.clear_message()
        self.error.show_message(message)

    def show_connected(self, link: HubLink) -> None:
        if not shiboken6.isValid(self):
            return
        self.link = link
        self.error.clear_message()
        self.code_edit.clear()  # used once; no need to keep it on screen
        for widget in [*self.inputs(), self.connect_button, self.cancel_button]:
            widget.setEnabled(False)
        self.connect_button.hide()
        self.cancel_button.hide()
        self.done_button.show()
        self.done_button.setFocus()
        self.notice.show_message(
            f"Connected. This laptop syncs with {link.url} as {link.user} ({link.team}). "
            "Choose Sync now (F5) to send and receive records.")


# ---------------------------------------------------------------------------------------------
# Conflicts and refused changes


RECORD_LABELS = {"person": "Young person's details", "episode": "Missing episode",
                 "submission": "Form", "action": "RMM action",
                 "association": "Person, place or vehicle of concern"}

_ENUM_LABELS: dict[str, dict[Any, str]] = {
    "risk_level": RISK_LABELS, "legal_status": LEGAL_LABELS, "sen": SEN_LABELS,
    "education_status": EDUCATION_LABELS, "category": CATEGORY_LABELS,
    "police_risk_grade": POLICE_GRADE_LABELS, "rhi_status": RHI_STATUS_LABELS,
    "association_kind": ASSOCIATION_LABELS, "status": ACTION_STATUS_LABELS,
}
EMPTY = "(empty)"


def field_name(field: str) -> str:
    """A record field in the form's words ('dob' -> 'Date of birth')."""
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    if field == "deleted":
        return "Record deleted"
    return field.replace("_", " ").capitalize() if field else "Whole record"


def describe(value: Any, field: str = "") -> str:
    """A stored value in plain words: dates the UK way, choices by their labels."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(describe(v, field) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_name(k)}: {describe(v, k)}" for k, v in value.items())
    if isinstance(value, str):
        labels = _ENUM_LABELS.get(field)
        if labels is not None and value in labels:
            return labels[value]
        if len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
            with contextlib.suppress(ValueError):
                return uk_day(date.fromisoformat(value))
        if len(value) > 18 and value[10:11] == "T":
            with contextlib.suppress(ValueError):
                at = datetime.fromisoformat(value)
                if at.tzinfo is not None:
                    return uk_datetime(at)
        return " ".join(value.split())
    return str(value)


def is_text_field(record_kind: str, field: str) -> bool:
    """Whether a person may type a value of their own (a plain text field)."""
    model = RECORD_TYPES.get(record_kind)
    info = model.model_fields.get(field) if model is not None else None
    return info is not None and info.annotation is str


@dataclass(frozen=True)
class IssueRow:
    """A conflict or refused change, with the names a person needs to understand it."""

    issue: Issue
    record: str
    person_id: str | None
    person_name: str
    field: str
    hub_text: str
    device_text: str
    base_text: str
    reason: str
    text_field: bool

    @property
    def id(self) -> str:
        return self.issue.id

    @property
    def found_at(self) -> datetime | None:
        try:
            at = datetime.fromisoformat(self.issue.created_at)
        except (TypeError, ValueError):
            return None
        return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _person_of(ws: Workspace, kind: str, record_id: str) -> tuple[str | None, str]:
    try:
        if kind == "person":
            person = ws.people.get(record_id, include_deleted=True)
        else:
            record = ws.repository_for(kind).get(record_id, include_deleted=True)
            person = ws.people.get(record.person_id, include_deleted=True)  # type: ignore
    except (NotFound, KeyError, AttributeError):
        return None, "Not on this laptop"
    return person.id, person.display_name


#: plainer words for some of the hub's refusal codes (the hub's own words otherwise)
REFUSAL_WORDS = {
    "not_found": "The hub no longer shows you this record: it may have moved to another "
                 "worker's caseload or team.",
    "immutable": "A final form never changes: record an amendment instead.",
}


def issue_row(ws: Workspace, issue: Issue) -> IssueRow:
    person_id, name = _person_of(ws, issue.record_kind, issue.record_id)
    reason = REFUSAL_WORDS.get(issue.code) or issue.message or issue.code
    if issue.kind == "rejected":
        return IssueRow(issue, RECORD_LABELS.get(issue.record_kind, issue.record_kind),
                        person_id, name, "", "", describe(issue.device_value), "", reason,
                        False)
    return IssueRow(issue, RECORD_LABELS.get(issue.record_kind, issue.record_kind), person_id,
                    name, field_name(issue.field), describe(issue.hub_value, issue.field),
                    describe(issue.device_value, issue.field),
                    describe(issue.base_value, issue.field), reason,
                    is_text_field(issue.record_kind, issue.field))


def read_issues(ws: Workspace) -> tuple[list[IssueRow], list[IssueRow]]:
    """(open conflicts, refused changes); runs on the runner's worker thread."""
    issues = ws.sync.issues()
    conflicts = [issue_row(ws, i) for i in issues if i.kind == "conflict"]
    refused = [issue_row(ws, i) for i in issues if i.kind == "rejected"]
    return conflicts, refused


def _found(row: IssueRow) -> str:
    at = row.found_at
    return uk_datetime(at) if at is not None else ""


def _found_key(row: IssueRow) -> float:
    at = row.found_at
    return at.timestamp() if at is not None else 0.0


def _muted_if_empty(text: Callable[[IssueRow], str]) -> Callable[[IssueRow], Any]:
    return lambda r: MUTED if text(r) == EMPTY else None


def conflicts_model(parent: QWidget | None = None) -> ListModel[IssueRow]:
    columns: list[ColumnSpec[IssueRow]] = [
        ColumnSpec("Young person", lambda r: r.person_name, lambda r: r.person_name.casefold()),
        ColumnSpec("Record", lambda r: r.record, lambda r: r.record),
        ColumnSpec("Field", lambda r: r.field, lambda r: r.field.casefold()),
        ColumnSpec("On the hub", lambda r: r.hub_text, lambda r: r.hub_text.casefold(),
                   colour=_muted_if_empty(lambda r: r.hub_text), tooltip=lambda r: r.hub_text),
        ColumnSpec("On this laptop", lambda r: r.device_text,
                   lambda r: r.device_text.casefold(),
                   colour=_muted_if_empty(lambda r: r.device_text),
                   tooltip=lambda r: r.device_text),
        ColumnSpec("Earlier value", lambda r: r.base_text,
                   lambda r: r.base_text.casefold(),
                   colour=_muted_if_empty(lambda r: r.base_text), tooltip=lambda r: r.base_text),
        ColumnSpec("Found", _found, _found_key),
    ]
    return ListModel(columns, lambda r: r.id, parent)


def refused_model(parent: QWidget | None = None) -> ListModel[IssueRow]:
    columns: list[ColumnSpec[IssueRow]] = [
        ColumnSpec("Young person", lambda r: r.person_name, lambda r: r.person_name.casefold()),
        ColumnSpec("Record", lambda r: r.record, lambda r: r.record),
        ColumnSpec("Why the hub refused it", lambda r: r.reason, lambda r: r.reason.casefold(),
                   tooltip=lambda r: r.reason),
        ColumnSpec("Found", _found, _found_key),
    ]
    return ListModel(columns, lambda r: r.id, parent)


class _IssueTab(QWidget):
    """A table (or a message when it is empty), the selected row in words, then buttons."""

    def __init__(self, model: ListModel[IssueRow], table_name: str, intro: str,
                 empty_text: str, stretch: Sequence[int]) -> None:
        super().__init__()
        self.setObjectName("managerTab")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setDynamicSortFilter(True)
        self.table = setup_table(QTableView(), table_name)
        self.table.setModel(self.proxy)
        self.table.sortByColumn(model.columnCount() - 1, Qt.SortOrder.AscendingOrder)
        heading = self.table.horizontalHeader()
        heading.setStretchLastSection(False)
        # The values share the width the names and dates leave; long text ends in "…" and the
        # tooltip (and the box below the table) shows it whole.
        heading.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in stretch:
            heading.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.empty_label = text_label(empty_text, "emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty_label.setAccessibleName(f"{table_name}: message")
        self.views = QStackedWidget()
        self.views.addWidget(self.table)
        self.views.addWidget(self.empty_label)
        self.detail = text_label("", "rationale")
        self.detail.setAccessibleName(f"The selected {table_name.lower()[:-1]}")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.hide()
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(16, 14, 16, 14)
        self.layout_.setSpacing(8)
        summary = text_label(intro, "tabSummary")
        summary.setAccessibleName(f"About {table_name.lower()}")
        self.layout_.addWidget(summary)
        self.layout_.addWidget(self.views, 1)
        self.layout_.addWidget(self.detail)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(10)

    def show_rows(self) -> None:
        self.views.setCurrentWidget(self.table if self.model.rowCount() else self.empty_label)

    def selected(self) -> IssueRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.item(self.proxy.mapToSource(rows[0]).row())

    def select_first(self) -> None:
        if self.proxy.rowCount() and not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)


class ConflictsPage(QWidget):
    """Open conflicts (choose a value) and changes the hub refused (read, then dismiss)."""

    #: "Open young person's record": the person's id
    person_activated = Signal(str)

    def __init__(self, runner: WorkspaceRunner, controller: SyncController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.runner = runner
        self.controller = controller
        self._generation = 0
        self._stale = False
        self._resolving = False

        self.sync_button = button("Sync &now", "Sync now",
                                  tooltip="Send and receive changes now (F5)")
        header, self.status_label, self.tabs = tabbed_page_top("Sync conflicts",
                                                               self.sync_button)

        # -- conflicts
        self.conflicts_model = conflicts_model(self)
        self.conflicts_tab = tab = _IssueTab(
            self.conflicts_model, "Open conflicts",
            "The same field was changed here and elsewhere before either reached the hub. "
            "The hub kept both values: choose the one that is right.",
            "There are no open conflicts.", stretch=(3, 4, 5))
        self.keep_hub_button = button("&Keep hub value", "Keep the hub's value")
        self.use_laptop_button = button("Use this &laptop's value", "Use this laptop's value")
        self.custom_edit = line_edit("Another value", max_length=2000,
                                     placeholder="Or type the right value")
        self.custom_button = button("Use &typed value", "Use the typed value")
        self.open_button = button("&Open young person's record",
                                  "Open the record of the young person the conflict is about")
        for widget in (self.keep_hub_button, self.use_laptop_button):
            tab.buttons.addWidget(widget)
        tab.buttons.addSpacing(12)
        tab.buttons.addWidget(self.custom_edit, 1)
        tab.buttons.addWidget(self.custom_button)
        tab.buttons.addStretch(0)
        tab.layout_.addLayout(tab.buttons)
        open_row = QHBoxLayout()
        open_row.addWidget(self.open_button)
        open_row.addStretch(1)
        tab.layout_.addLayout(open_row)
        self.message = MessageLabel("notice")
        self.error = MessageLabel("error")
        tab.layout_.addWidget(self.message)
        tab.layout_.addWidget(self.error)

        # -- refused changes
        self.refused_model = refused_model(self)
        self.refused_tab = tab = _IssueTab(
            self.refused_model, "Refused changes",
            "The hub did not accept these changes, so they are not on the hub. Read why, make "
            "the change again if it is still needed, then dismiss the notice.",
            "The hub has refused no changes.", stretch=(2,))
        self.dismiss_button = button("&Dismiss", "Dismiss the selected refused change")
        tab.buttons.addWidget(self.dismiss_button)
        tab.buttons.addStretch(1)
        tab.layout_.addLayout(tab.buttons)

        self.tabs.addTab(self.conflicts_tab, "&Conflicts")
        self.tabs.addTab(self.refused_tab, "&Refused changes")
        lay_out_tabbed_page(self, header, self.tabs)

        self.sync_button.clicked.connect(controller.start_sync)
        self.keep_hub_button.clicked.connect(lambda: self.choose("hub"))
        self.use_laptop_button.clicked.connect(lambda: self.choose("device"))
        self.custom_button.clicked.connect(lambda: self.choose("typed"))
        self.custom_edit.returnPressed.connect(lambda: self.choose("typed"))
        self.custom_edit.textChanged.connect(lambda _t: self._update_buttons())
        self.open_button.clicked.connect(self._open_person)
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        for t in (self.conflicts_tab, self.refused_tab):
            t.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        runner.changed.connect(self._on_changed)
        controller.status_changed.connect(lambda _s: self._on_changed(()))
        controller.running_changed.connect(lambda _r: self._update_buttons())
        self._update_tabs()
        self._selected()

    # -- reading ---------------------------------------------------------------------------

    def load(self, on_loaded: Callable[[], None] | None = None) -> None:
        self._generation += 1
        generation = self._generation
        self._stale = False

        def done(result: tuple[list[IssueRow], list[IssueRow]]) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self.set_issues(*result)
                if on_loaded is not None:
                    on_loaded()

        def failed(exc: CseError) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self.status_label.setText(f"Could not read the conflicts. {exc.message}")

        with contextlib.suppress(RuntimeError):
            self.runner.run(read_issues, on_done=done, on_error=failed)

    def set_issues(self, conflicts: Sequence[IssueRow], refused: Sequence[IssueRow]) -> None:
        keep = {t: (t.selected().id if t.selected() else None)
                for t in (self.conflicts_tab, self.refused_tab)}
        self.conflicts_model.set_items(conflicts)
        self.refused_model.set_items(refused)
        for t, selected_id in keep.items():
            t.show_rows()
            rows = [i for i in range(t.proxy.rowCount())
                    if t.proxy.index(i, 0).data(ID_ROLE) == selected_id]
            if rows:
                t.table.selectRow(rows[0])
            else:
                t.select_first()
        status = self.controller.status
        if status.connected:
            self.status_label.setText(f"Hub: {status.url}")
        self._update_tabs()
        self._selected()

    def clear(self) -> None:
        self._generation += 1
        self.conflicts_model.clear()
        self.refused_model.clear()
        self.custom_edit.clear()
        self.message.clear_message()
        self.error.clear_message()
        self.status_label.setText("")
        self._update_tabs()
        self._selected()

    def _on_changed(self, _kinds: object) -> None:
        if self.isVisible():
            self.load()
        else:
            self._stale = True

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.load()

    def _update_tabs(self) -> None:
        n, m = self.conflicts_model.rowCount(), self.refused_model.rowCount()
        self.tabs.setTabText(0, f"&Conflicts ({n})")
        self.tabs.setTabText(1, f"&Refused changes ({m})")
        self.conflicts_tab.show_rows()
        self.refused_tab.show_rows()

    # -- choosing ---------------------------------------------------------------------------

    def _selected(self) -> None:
        row = self.conflicts_tab.selected()
        tab = self.conflicts_tab
        if row is None:
            tab.detail.hide()
        else:
            tab.detail.setText(
                f"{row.person_name} — {row.record}: {row.field}\n"
                f"On the hub: {row.hub_text}\n"
                f"On this laptop: {row.device_text}\n"
                f"Before both changes: {row.base_text}")
            tab.detail.setAccessibleDescription(tab.detail.text())
            tab.detail.show()
        refused = self.refused_tab.selected()
        if refused is None:
            self.refused_tab.detail.hide()
        else:
            self.refused_tab.detail.setText(
                f"{refused.person_name} — {refused.record}\n"
                f"Why the hub refused it: {refused.reason}\n"
                + ("The change: " + refused.device_text if refused.issue.device_value is not None
                   else "The change is not kept: the record left this laptop."))
            self.refused_tab.detail.setAccessibleDescription(self.refused_tab.detail.text())
            self.refused_tab.detail.show()
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.conflicts_tab.selected()
        free = row is not None and not self._resolving and not self.controller.running
        self.keep_hub_button.setEnabled(free)
        self.use_laptop_button.setEnabled(free)
        text_field = row is not None and row.text_field
        self.custom_edit.setVisible(text_field)
        self.custom_button.setVisible(text_field)
        self.custom_edit.setEnabled(free)
        self.custom_button.setEnabled(free and bool(self.custom_edit.text().strip()))
        self.open_button.setEnabled(row is not None and row.person_id is not None)
        self.dismiss_button.setEnabled(self.refused_tab.selected() is not None)
        self.sync_button.setEnabled(self.controller.status.connected
                                    and not self.controller.running)

    def choose(self, which: str) -> bool:
        """Resolve the selected conflict with the hub's value, this laptop's, or the typed one."""
        row = self.conflicts_tab.selected()
        if row is None or self._resolving or self.controller.running:
            return False
        issue = row.issue
        if which == "hub":
            value, words = issue.hub_value, f"the hub's value ({row.hub_text})"
        elif which == "device":
            value, words = issue.device_value, f"this laptop's value ({row.device_text})"
        else:
            typed = self.custom_edit.text().strip()
            if not typed or not row.text_field:
                return False
            value, words = typed, f"“{typed}”"
        self._resolving = True
        self.error.clear_message()
        self.message.show_message(f"Saving {words} on the hub…")

        def done(_seq: int) -> None:
            self._resolving = False
            if shiboken6.isValid(self):
                self.custom_edit.clear()
                self.message.show_message(
                    f"{row.field} of {row.person_name}: {words} is kept. Syncing to bring it "
                    "to this laptop.")
                self._update_buttons()

        def failed(exc: CseError) -> None:
            self._resolving = False
            if shiboken6.isValid(self):
                self.message.clear_message()
                self.error.show_message(sync_error_message(exc))
                self._update_buttons()

        if not self.controller.resolve(issue.id, value, on_done=done, on_error=failed):
            self._resolving = False
            self.message.clear_message()
            self.error.show_message("A sync is running. Wait for it to finish, then choose.")
            return False
        self._update_buttons()
        return True

    def dismiss_selected(self) -> None:
        row = self.refused_tab.selected()
        if row is None:
            return
        issue_id = row.id
        with contextlib.suppress(RuntimeError):
            self.runner.run(lambda ws: ws.sync.dismiss(issue_id),
                            on_done=lambda _r: (self.load(), self.controller.refresh()))

    def _open_person(self) -> None:
        row = self.conflicts_tab.selected()
        if row is not None and row.person_id is not None:
            self.person_activated.emit(row.person_id)


# ---------------------------------------------------------------------------------------------
# The window's sync furniture


class SyncUi(QObject):
    """The Hub menu, Sync now on the toolbar, the status widget; per session the controller
    and the conflicts page.

    The window builds one at start-up, calls :meth:`attach` when a workspace opens (adding the
    returned page to its stack) and :meth:`detach` when it locks.
    """

    #: "show me the conflicts" (the status bar link, the menu, Ctrl+3)
    conflicts_requested = Signal()
    #: the hub revoked or retired this laptop and its workspace was wiped: why
    wiped = Signal(str)

    def __init__(self, window: QMainWindow, *, toolbar: QToolBar,
                 toolbar_before: QAction | None = None,
                 menu_before: QAction | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.controller: SyncController | None = None
        self.conflicts_page: ConflictsPage | None = None
        self.connect_dialog: ConnectDialog | None = None
        self._demo = False

        self.connect_action = QAction("&Connect to hub…", window)
        self.connect_action.setStatusTip("Connect this laptop to your team's hub with a "
                                         "one-time enrolment code")
        self.connect_action.triggered.connect(self.open_connect_dialog)
        self.sync_action = QAction(icon("sync"), "&Sync now", window)
        self.sync_action.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+Shift+S")])
        self.sync_action.setStatusTip("Send this laptop's changes to the hub and receive the "
                                      "team's (F5)")
        self.sync_action.setToolTip("Sync now (F5)")
        self.sync_action.triggered.connect(self.sync_now)
        self.cancel_action = QAction("C&ancel sync", window)
        self.cancel_action.setStatusTip("Stop the running sync; what was done is kept")
        self.cancel_action.triggered.connect(self.cancel_sync)
        self.conflicts_action = QAction("Con&flicts and refused changes", window)
        self.conflicts_action.setShortcut(QKeySequence("Ctrl+3"))
        self.conflicts_action.triggered.connect(self.conflicts_requested)

        self.menu = QMenu("Hu&b", window)  # Alt+H is Help, Alt+U Unlock
        for action in (self.connect_action, self.sync_action, self.cancel_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.conflicts_action)
        bar = window.menuBar()
        if menu_before is not None:
            bar.insertMenu(menu_before, self.menu)
        else:
            bar.addMenu(self.menu)
        if toolbar_before is not None:
            toolbar.insertAction(toolbar_before, self.sync_action)
        else:
            toolbar.addAction(self.sync_action)
        tool_button = toolbar.widgetForAction(self.sync_action)
        if tool_button is not None:
            tool_button.setAccessibleName("Sync now")

        self.status_widget = SyncStatusWidget()
        self.status_widget.connect_requested.connect(self.open_connect_dialog)
        self.status_widget.conflicts_requested.connect(self.conflicts_requested)
        self.status_widget.cancel_requested.connect(self.cancel_sync)
        self._update_actions()

    def install_status(self, status_bar: QStatusBar, index: int) -> None:
        status_bar.insertPermanentWidget(index, self.status_widget)

    # -- a session -------------------------------------------------------------------------

    def attach(self, runner: WorkspaceRunner, *, demo: bool = False) -> ConflictsPage:
        """A workspace opened: its controller and conflicts page (add the page to the stack)."""
        self.detach()
        self._demo = demo
        controller = self.controller = SyncController(runner, self)
        controller.status_changed.connect(self._status_changed)
        controller.running_changed.connect(self._running_changed)
        controller.progress.connect(self.status_widget.set_progress)
        controller.sync_finished.connect(self._sync_finished)
        controller.sync_failed.connect(self._show_message)
        controller.wiped.connect(self._wiped)
        self.conflicts_page = ConflictsPage(runner, controller)
        controller.refresh()
        self._update_actions()
        return self.conflicts_page

    def detach(self) -> None:
        """The workspace is locking (or gone): cancel a running sync, forget the status."""
        controller, self.controller = self.controller, None
        if controller is not None:
            controller.close()
            controller.deleteLater()  # a sync still running delivers nothing once closed
            for signal in (controller.status_changed, controller.running_changed,
                           controller.progress, controller.sync_finished,
                           controller.sync_failed, controller.wiped):
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect()
        self.conflicts_page = None  # the window removes and deletes it with the other pages
        if self.connect_dialog is not None and shiboken6.isValid(self.connect_dialog):
            self.connect_dialog.reject()
        self.connect_dialog = None
        self.status_widget.set_running(False)
        self.status_widget.clear()
        self._demo = False
        self._update_actions()

    # -- actions ---------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus | None:
        return self.controller.status if self.controller is not None else None

    def _update_actions(self) -> None:
        c = self.controller
        connected = c is not None and c.status.connected
        running = c is not None and c.running
        self.connect_action.setEnabled(c is not None and not connected and not running
                                       and not self._demo)
        if self._demo:
            self.connect_action.setStatusTip(DEMO_TIP)
        self.sync_action.setEnabled(connected and not running)
        self.cancel_action.setEnabled(c is not None and c.syncing)
        self.conflicts_action.setEnabled(c is not None)
        if self._demo:
            self.status_widget.connect_button.setEnabled(False)
            self.status_widget.connect_button.setToolTip(DEMO_TIP)
        else:
            self.status_widget.connect_button.setEnabled(not running)

    def _status_changed(self, status: SyncStatus) -> None:
        self.status_widget.set_status(status)
        if status.connected:
            self.sync_action.setStatusTip(f"Send this laptop's changes to {status.url} and "
                                          "receive the team's (F5)")
        self._update_actions()

    def _running_changed(self, running: bool) -> None:
        c = self.controller
        self.status_widget.set_running(running and c is not None and c.syncing)
        self._update_actions()

    def sync_now(self) -> bool:
        c = self.controller
        if c is None or not c.start_sync():
            return False
        self.status_widget.set_running(True)
        self._update_actions()
        return True

    def cancel_sync(self) -> None:
        c = self.controller
        if c is not None and c.syncing:
            c.cancel()
            self.status_widget.set_cancelling()
            self.cancel_action.setEnabled(False)

    def _sync_finished(self, summary: SyncSummary) -> None:
        line = summary.line()
        self._show_message(line[:1].upper() + line[1:])

    def _show_message(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 15_000)

    def _wiped(self, message: str) -> None:
        self.wiped.emit(message)

    def open_connect_dialog(self) -> ConnectDialog | None:
        c = self.controller
        if c is None or self._demo or c.status.connected:
            return None
        dialog = self.connect_dialog = ConnectDialog(c, self.window)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog
