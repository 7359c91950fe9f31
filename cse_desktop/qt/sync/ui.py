"""The window's sync furniture: the Hub menu, Sync now on the toolbar, the status bar's sync
state and, per unlocked workspace, the controller and the conflicts page."""

from __future__ import annotations

import contextlib

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStatusBar, QToolBar

from cse_desktop.casework.sync_status import SyncStatus
from cse_desktop.qt.operations import TaskManager
from cse_desktop.qt.resources import icon
from cse_desktop.qt.sync.conflicts import ConflictsPage
from cse_desktop.qt.sync.connect import ConnectDialog
from cse_desktop.qt.sync.controller import SyncController
from cse_desktop.qt.sync.status import SyncStatusWidget
from cse_desktop.sync.engine import SyncSummary

DEMO_TIP = ("The demo workspace holds invented people: it cannot be connected to a hub. "
            "Lock it and open your own workspace.")
#: why Sync now is unavailable (its tooltip and status tip say so)
NOT_CONNECTED_TIP = "Connect to your team's hub first (Hub menu, Connect to hub…)."
DEMO_SYNC_TIP = ("The demo's sync was made up to show what a sync leaves behind; there is no "
                 "real hub to sync with.")
SYNCING_TIP = "A sync is running."


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
        self.conflicts_action = QAction("Con&flicts and changes not accepted", window)
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

    def attach(self, tasks: TaskManager, *, demo: bool = False) -> ConflictsPage:
        """A workspace opened: its controller and conflicts page (add the page to the stack)."""
        self.detach()
        self._demo = demo
        controller = self.controller = SyncController(tasks, self)
        controller.status_changed.connect(self._status_changed)
        controller.running_changed.connect(self._running_changed)
        controller.progress.connect(self.status_widget.set_progress)
        controller.sync_finished.connect(self._sync_finished)
        controller.sync_failed.connect(self._show_message)
        controller.wiped.connect(self._wiped)
        self.conflicts_page = ConflictsPage(tasks, controller)
        self.conflicts_page.set_demo(demo)
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
        self.sync_action.setEnabled(connected and not running and not self._demo)
        self._explain_sync(c is not None and connected, running)
        self.cancel_action.setEnabled(c is not None and c.syncing)
        self.conflicts_action.setEnabled(c is not None)
        if self._demo:
            self.status_widget.connect_button.setEnabled(False)
            self.status_widget.connect_button.setToolTip(DEMO_TIP)
        else:
            self.status_widget.connect_button.setEnabled(not running)

    def _explain_sync(self, connected: bool, running: bool) -> None:
        """Sync now says why it is unavailable (tooltip and status tip), or what it does."""
        if self._demo:
            why = DEMO_SYNC_TIP
        elif not connected:
            why = NOT_CONNECTED_TIP
        elif running:
            why = SYNCING_TIP
        else:
            status = self.status
            where = status.url if status is not None and status.url else "the hub"
            self.sync_action.setToolTip("Sync now (F5)")
            self.sync_action.setStatusTip(f"Send this laptop's changes to {where} and "
                                          "receive the team's (F5)")
            return
        self.sync_action.setToolTip(f"Sync now is unavailable. {why}")
        self.sync_action.setStatusTip(why)

    def _status_changed(self, status: SyncStatus) -> None:
        self.status_widget.set_status(status)
        if self.conflicts_page is not None:
            self.conflicts_page.set_demo(self._demo)
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
