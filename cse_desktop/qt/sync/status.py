"""The status bar's sync state: "Last sync 5 min ago · 1 change waiting · No open conflicts",
and while a sync runs its progress bar and Cancel button."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from cse_desktop.casework.sync_status import SyncStatus
from cse_desktop.domain.dates import uk_datetime
from cse_desktop.qt.sync.words import plural, relative_time
from cse_desktop.qt.widgets import button

STATUS_REFRESH_MS = 30_000


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
                                       tooltip="Show the sync conflicts and the changes the "
                                               "hub did not accept (Ctrl+3)")
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
            parts.append(plural(status.refused, "change not accepted", "changes not accepted"))
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
