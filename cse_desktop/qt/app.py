"""The desktop application's entry point and its first window.

``run()`` starts Qt and shows :class:`MainWindow`, which opens a real encrypted workspace:

* no workspace yet: create one, show the recovery code once, then the caseload;
* a workspace: unlock it (passphrase or recovery code), then the caseload;
* either way: open the demo workspace (invented people, created on first use).

Locking (Ctrl+L, the Lock button, or closing the window) closes the workspace, drops the key and
empties the caseload.  The UI never writes SQL: it calls the ``Workspace`` facade and its
repositories only.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.casework import demo
from cse_desktop.domain.errors import LockedOut
from cse_desktop.domain.models import Owner
from cse_desktop.qt.caseload import CaseloadPage
from cse_desktop.qt.pages import (
    ROLE_LABELS,
    CreatePage,
    NewPassphrasePage,
    RecoveryCodePage,
    UnlockPage,
)
from cse_desktop.qt.resources import resource
from cse_desktop.qt.widgets import USER_ERRORS, CardPage, busy, plain_message
from cse_desktop.store import KdfParams, Workspace
from cse_desktop.store.locations import default_workspace, demo_workspace

log = logging.getLogger(__name__)

APP_NAME = "CSE Desktop"
DESKTOP_FILE_NAME = "cse-desktop"
DEMO_BANNER = "DEMO — fictional data"


class MainWindow(QMainWindow):
    """The start pages and the caseload, in one window.

    ``workspace`` is the folder of the practitioner's own workspace (default: the platform's
    data folder).  ``kdf`` is the Argon2id cost for workspaces this window creates: production
    unless a test passes ``KdfParams.insecure_for_tests()``.
    """

    def __init__(self, workspace: Path | None = None, *, kdf: KdfParams | None = None) -> None:
        super().__init__()
        self.home_folder = Path(workspace) if workspace is not None else default_workspace()
        self.kdf = kdf or KdfParams.production()
        self._ws: Workspace | None = None
        self._is_demo = False

        self.banner = QLabel(f"{DEMO_BANNER}. Every person here is invented: "
                             "do not record real cases in the demo workspace.")
        self.banner.setObjectName("demoBanner")
        self.banner.setAccessibleName(DEMO_BANNER)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setWordWrap(True)
        self.banner.hide()

        self.create_page = CreatePage()
        self.recovery_page = RecoveryCodePage()
        self.unlock_page = UnlockPage()
        self.new_passphrase_page = NewPassphrasePage()
        self.caseload_page = CaseloadPage()
        self.stack = QStackedWidget()
        for page in (self.create_page, self.recovery_page, self.unlock_page,
                     self.new_passphrase_page, self.caseload_page):
            self.stack.addWidget(page)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.lock_action = QAction("&Lock", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setStatusTip("Lock the workspace: close it and forget the key")
        self.lock_action.setEnabled(False)
        self.lock_action.triggered.connect(self.lock_and_return)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        if self.quit_action.shortcut().isEmpty():  # Windows has no standard Quit key
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)
        menu = self.menuBar().addMenu("&Workspace")
        menu.addAction(self.lock_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)

        self.owner_label = QLabel()
        self.owner_label.setAccessibleName("Workspace owner")
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of people shown")
        self.statusBar().addWidget(self.owner_label, 1)
        self.statusBar().addPermanentWidget(self.count_label)
        self.statusBar().setSizeGripEnabled(False)

        self.create_page.create_requested.connect(self._create)
        self.create_page.demo_requested.connect(self.open_demo)
        self.recovery_page.confirmed.connect(self._show_caseload)
        self.unlock_page.unlock_requested.connect(
            lambda secret: self._unlock(passphrase=secret))
        self.unlock_page.recovery_unlock_requested.connect(
            lambda secret: self._unlock(recovery_code=secret))
        self.unlock_page.demo_requested.connect(self.open_demo)
        self.new_passphrase_page.save_requested.connect(self._save_new_passphrase)
        self.new_passphrase_page.skipped.connect(self._show_caseload)
        self.caseload_page.lock_requested.connect(self.lock_and_return)
        self.caseload_page.counts_changed.connect(self._show_counts)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._reveal_focus)

        self.resize(1040, 720)
        self.setMinimumSize(760, 520)
        self.show_start()

    # -- state ---------------------------------------------------------------------------

    @property
    def workspace(self) -> Workspace | None:
        """The open workspace, or None while locked."""
        return self._ws

    @property
    def is_demo(self) -> bool:
        return self._is_demo

    def show_start(self) -> None:
        """The unlock page if the practitioner's workspace exists, else the create page."""
        if Workspace.exists(self.home_folder):
            self.unlock_page.reset()
            self.unlock_page.set_workspace_path(str(self.home_folder))
            self._show(self.unlock_page, "Unlock")
        else:
            self.create_page.reset()
            self._show(self.create_page, "Create your workspace")

    def _show(self, page: QWidget, title: str) -> None:
        self.stack.setCurrentWidget(page)
        self.statusBar().setVisible(page is self.caseload_page)
        if self._is_demo:
            self.setWindowTitle(f"[DEMO] {title} — {APP_NAME} (fictional data)")
        else:
            self.setWindowTitle(f"{title} — {APP_NAME}")
        focus_first = getattr(page, "focus_first", None)
        if focus_first is not None:
            focus_first()

    def _set_workspace(self, ws: Workspace, *, demo: bool) -> None:
        self._ws = ws
        self._is_demo = demo
        self.banner.setVisible(demo)
        self.lock_action.setEnabled(True)

    def _show_caseload(self) -> None:
        ws = self._ws
        if ws is None:
            self.show_start()
            return
        owner = ws.owner
        self.caseload_page.set_people(ws.people.list())
        self.owner_label.setText(f"{owner.name}  ·  {ROLE_LABELS[owner.role]}  ·  {owner.team}")
        self._show(self.caseload_page, "Caseload")

    def _show_counts(self, shown: int, total: int) -> None:
        noun = "person" if total == 1 else "people"
        if shown == total:
            self.count_label.setText(f"{total} {noun}")
        else:
            self.count_label.setText(f"Showing {shown} of {total} {noun}")

    def _reveal_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        page = self.stack.currentWidget()
        if new is not None and isinstance(page, CardPage):
            page.reveal(new)

    # -- create, unlock, demo --------------------------------------------------------------
    #
    # Argon2id makes each unlock take about 0.6 s on purpose.  This first window runs the
    # store calls synchronously on the GUI thread behind a wait cursor (see widgets.busy);
    # the full application moves store work to a worker thread.

    def _create(self, owner: Owner, passphrase: str) -> None:
        page = self.create_page
        try:
            with busy(page):
                ws, recovery_code = Workspace.create(self.home_folder, passphrase, owner,
                                                     kdf=self.kdf)
        except USER_ERRORS as exc:
            page.show_error(plain_message(exc))
            return
        page.reset()
        self._set_workspace(ws, demo=self._is_demo_folder(self.home_folder))
        self.recovery_page.show_code(recovery_code)
        self._show(self.recovery_page, "Your recovery code")

    def _unlock(self, *, passphrase: str | None = None, recovery_code: str | None = None) -> None:
        page = self.unlock_page
        try:
            with busy(page):
                ws = Workspace.open(self.home_folder, passphrase, recovery_code=recovery_code)
        except LockedOut as exc:
            page.show_locked_out(exc.retry_after)
            return
        except USER_ERRORS as exc:
            page.show_error(plain_message(exc))
            return
        page.clear_secrets()
        self._set_workspace(ws, demo=self._is_demo_folder(self.home_folder))
        if recovery_code is not None:
            self._show(self.new_passphrase_page, "Choose a new passphrase")
        else:
            self._show_caseload()

    def _save_new_passphrase(self, passphrase: str) -> None:
        page, ws = self.new_passphrase_page, self._ws
        if ws is None:
            self.show_start()
            return
        try:
            with busy(page):
                ws.set_passphrase_after_recovery(passphrase)
        except USER_ERRORS as exc:
            page.show_error(plain_message(exc))
            return
        page.clear_secrets()
        self._show_caseload()
        self.statusBar().showMessage("Your new passphrase is saved. Use it next time you "
                                     "unlock.", 10_000)

    def open_demo(self) -> None:
        """Open the demo workspace, creating and filling it on first use."""
        page = self.stack.currentWidget()
        self.lock_workspace()
        try:
            with busy(page):
                ws = self._open_or_create_demo()
        except USER_ERRORS as exc:
            if isinstance(page, CreatePage | UnlockPage):
                page.show_error(plain_message(exc))
            return
        self._set_workspace(ws, demo=True)
        self._show_caseload()

    def _open_or_create_demo(self) -> Workspace:
        return demo.open_or_create(kdf=self.kdf)

    @staticmethod
    def _is_demo_folder(folder: Path) -> bool:
        return folder.resolve() == demo_workspace().resolve()

    # -- locking ---------------------------------------------------------------------------

    def lock_workspace(self) -> None:
        """Close the workspace and forget everything shown from it. Safe to call twice."""
        ws, self._ws = self._ws, None
        self.caseload_page.clear()
        self.recovery_page.clear_secrets()
        self.new_passphrase_page.clear_secrets()
        self.owner_label.clear()
        self.count_label.clear()
        self.statusBar().clearMessage()
        self.lock_action.setEnabled(False)
        self._is_demo = False
        self.banner.hide()
        if ws is not None:
            ws.lock()

    def lock_and_return(self) -> None:
        """Lock, then back to the start: the unlock page (or create page after the demo)."""
        self.lock_workspace()
        self.show_start()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.lock_workspace()
        super().closeEvent(event)


# -- the application ---------------------------------------------------------------------------


def configure_application(app: QApplication) -> None:
    """Name, icon and style sheet: shared by ``run()`` and the tests."""
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    icon_path = resource("icons", "app.svg")
    if icon_path.exists():
        app.setWindowIcon(QIcon(str(icon_path)))
    else:
        log.warning("application icon missing: %s", icon_path)
    try:
        app.setStyleSheet(resource("style.qss").read_text("utf-8"))
    except OSError:
        log.warning("style sheet missing; using the platform style")


def _show_unexpected_error(kind: type[BaseException], value: BaseException,
                           tb: TracebackType | None) -> None:
    """A bug reached the event loop: log it and tell the user in plain words, not a traceback."""
    log.error("unexpected error", exc_info=(kind, value, tb))
    QMessageBox.critical(
        None, APP_NAME,
        "Something went wrong inside CSE Desktop. What you saved before this is safe. If it "
        "happens again, close CSE Desktop, open it again, and tell your IT service desk.")


def run(argv: Sequence[str] | None = None, *, workspace: Path | None = None) -> int:
    """Start the desktop application; returns the exit code of the event loop."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(
        list(argv) if argv is not None else sys.argv[:1])
    configure_application(app)
    window = MainWindow(workspace)
    app.aboutToQuit.connect(window.lock_workspace)
    previous_hook = sys.excepthook
    sys.excepthook = _show_unexpected_error
    try:
        window.show()
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        window.lock_workspace()


if __name__ == "__main__":
    raise SystemExit(run())
