"""The desktop application's entry point and its first window.

``run()`` starts Qt and shows :class:`MainWindow`, which opens a real encrypted workspace:

* no workspace yet: create one, show the recovery code once, then the caseload;
* a workspace: unlock it (passphrase or recovery code), then the caseload;
* either way: open the demo workspace (invented people, created on first use).

Locking (Ctrl+L, the Lock button, or closing the window) closes the workspace, drops the key and
empties the caseload.  The window never touches the workspace itself: it builds operations
(``cse_desktop.qt.operations``) and its one :class:`TaskManager` runs them, and unlocking too.
Creating, unlocking and the demo (the start pages' flows) are in :mod:`cse_desktop.qt.opening`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.domain.ids import FormId
from cse_desktop.domain.labels import ROLE_LABELS
from cse_desktop.domain.models import Owner, Person, Role
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.qt.application import APP_NAME, configure_application, show_unexpected_error
from cse_desktop.qt.autolock import AutoLock, minutes_to_ms
from cse_desktop.qt.caseload import CaseloadPage
from cse_desktop.qt.family import FamilyView
from cse_desktop.qt.formfill import FormFillPage
from cse_desktop.qt.manager import ManagerPage
from cse_desktop.qt.menus import NavigationBar, SettingsMenus
from cse_desktop.qt.opening import WorkspaceOpening
from cse_desktop.qt.operations import TaskManager, people
from cse_desktop.qt.operations import workspace as workspaces
from cse_desktop.qt.operations.workspace import OpenedWorkspace
from cse_desktop.qt.pages import (
    CreatePage,
    NewPassphrasePage,
    RecoveryCodePage,
    UnlockPage,
)
from cse_desktop.qt.person.new_person import NewPersonDialog
from cse_desktop.qt.person.page import PersonPage
from cse_desktop.qt.printing import (
    PrintDialog,
    close_print_dialog,
    open_print_dialog,
    profile_job,
)
from cse_desktop.qt.secrets_page import SecretsPage
from cse_desktop.qt.settings import Settings, load_settings
from cse_desktop.qt.sync import ConflictsPage, SyncUi
from cse_desktop.qt.widgets import CardPage, ElidedLabel
from cse_desktop.store import KdfParams
from cse_desktop.store.locations import default_workspace

if TYPE_CHECKING:  # the window never calls the workspace: it only hands it out (tests)
    from cse_desktop.store import Workspace

log = logging.getLogger(__name__)

DEMO_BANNER = "DEMO — fictional data"


class AfterPaint(QObject):
    """Calls ``then`` (queued) once ``widget`` has painted."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self.then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self.then)
        return False


class MainWindow(WorkspaceOpening):
    """The start pages and the caseload, in one window.

    ``workspace`` is the folder of the practitioner's own workspace (default: the platform's
    data folder).  ``kdf`` is the Argon2id cost for workspaces this window creates: production
    unless a test passes ``KdfParams.insecure_for_tests()``.
    """

    def __init__(self, workspace: Path | None = None, *, kdf: KdfParams | None = None) -> None:
        super().__init__()
        self.home_folder = Path(workspace) if workspace is not None else default_workspace()
        self.kdf = kdf or KdfParams.production()
        #: the window's one task manager: unlocking runs on it, and every page's work once a
        #: workspace is attached (``tasks.ws`` is None while locked)
        self.tasks = TaskManager(None, self)
        self.tasks.failed.connect(lambda message: self.statusBar().showMessage(message, 10_000))
        self._owner: Owner | None = None
        self._is_demo = False
        self._engine: FormEngine | None = None
        # the forms are read while the passphrase is typed, off the interface's thread, so
        # unlocking does not wait for them (a problem with them is reported where they are
        # first needed, as before)
        self.tasks.run_network(FormRegistry.load, on_done=self._forms_loaded,
                               on_error=lambda _problem: None)
        #: the pages of an unlocked workspace (built at unlock, dropped at lock)
        self._person_page: PersonPage | None = None
        self._form_page: FormFillPage | None = None
        self._manager_page: ManagerPage | None = None
        self._conflicts_page: ConflictsPage | None = None
        #: the owner of a workspace just opened whose pages are still to be built (they are
        #: built once the caseload has been painted, or as soon as anything asks for them)
        self._pages_for: Owner | None = None
        self._paint_hook: AfterPaint | None = None
        self.wiped_box: QMessageBox | None = None
        self._pending = 0

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
        self.secrets_page = SecretsPage()
        self.caseload_page = CaseloadPage()
        self.stack = QStackedWidget()
        for page in (self.create_page, self.recovery_page, self.unlock_page,
                     self.new_passphrase_page, self.secrets_page, self.caseload_page):
            self.stack.addWidget(page)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # The one Lock (Ctrl+L): the toolbar's button, also in the Workspace menu.
        self.nav = NavigationBar(self)
        self.lock_action = self.nav.lock_action
        self.lock_action.triggered.connect(self.lock_and_return)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        if self.quit_action.shortcut().isEmpty():  # Windows has no standard Quit key
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)
        self.profile_action = QAction("Quarterly missing &profile…", self)
        self.profile_action.setStatusTip("Preview, print or save the quarterly profile of "
                                         "missing episodes")
        self.profile_action.setEnabled(False)
        self.profile_action.triggered.connect(self.print_missing_profile)
        self.print_dialog: PrintDialog | None = None
        menu = self.menuBar().addMenu("&Workspace")
        menu.addAction(self.profile_action)
        menu.addSeparator()
        #: the "with family" view: only the form in hand (qt/family.py)
        self.family = FamilyView(self)
        menu.addAction(self.family.action)
        menu.addSeparator()
        #: change the passphrase, or re-key ("I think my passphrase or recovery code was seen")
        self.secrets_action = QAction("&Passphrase and recovery code…", self)
        self.secrets_action.setStatusTip("Change your passphrase, or start afresh with a new key "
                                         "if your passphrase or recovery code may have been seen")
        self.secrets_action.triggered.connect(lambda: self.show_secrets())
        menu.addAction(self.secrets_action)
        menu.addSeparator()
        menu.addAction(self.lock_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        self.caseload_action, self.team_action = self.nav.caseload_action, self.nav.team_action
        self.add_person_action, self.nav_separator = self.nav.add_person_action, self.nav.separator
        self.caseload_action.triggered.connect(self.show_caseload)
        self.team_action.triggered.connect(self.show_team)
        self.add_person_action.triggered.connect(self.open_new_person_dialog)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.nav)
        self.nav.hide()
        self.menus = SettingsMenus(self.menuBar(), load_settings(), self)
        self.menus.practitioner_action.toggled.connect(self.view_as_practitioner)
        self.help_menu = self.menus.help_menu

        # Auto-lock: idle time (from settings), the OS session locking, the laptop suspending.
        self.autolock = AutoLock(minutes_to_ms(self.settings.idle_minutes), self)
        self.autolock.lock_requested.connect(self._auto_lock)
        self.menus.idle_minutes_changed.connect(self.autolock.set_idle_minutes)
        self.menus.about_requested.connect(  # Help > About (qt/menus.py)
            lambda: self.menus.show_about(self, self.autolock.os_lock_sources))

        self.owner_label = ElidedLabel()  # cut at its end at a large text size
        self.owner_label.setAccessibleName("Workspace owner")
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of people shown")
        self.statusBar().addWidget(self.owner_label, 1)
        self.statusBar().addPermanentWidget(self.count_label)
        self.statusBar().setSizeGripEnabled(False)

        # Sync with the hub: the Hub menu, Sync now, the status bar's sync state (qt/sync/).
        self.sync_ui = SyncUi(self, toolbar=self.nav, toolbar_before=self.nav_separator,
                              menu_before=self.help_menu.menuAction())
        self.sync_ui.install_status(self.statusBar(), 1)
        self.sync_ui.conflicts_requested.connect(self.show_conflicts)
        self.sync_ui.wiped.connect(self._workspace_wiped)

        self.create_page.create_requested.connect(self._create)
        self.create_page.demo_requested.connect(self.open_demo)
        self.recovery_page.confirmed.connect(self._show_caseload)
        self.unlock_page.unlock_requested.connect(
            lambda secret: self._unlock(passphrase=secret))
        self.unlock_page.recovery_unlock_requested.connect(
            lambda secret: self._unlock(recovery_code=secret))
        self.unlock_page.demo_requested.connect(self.open_demo)
        self.new_passphrase_page.save_requested.connect(self._save_new_passphrase)
        self.new_passphrase_page.skipped.connect(self._issue_new_recovery_code)
        self.secrets_page.change_requested.connect(self._change_secrets)
        self.secrets_page.cancelled.connect(self._show_caseload)
        self.caseload_page.add_person_requested.connect(self.open_new_person_dialog)
        self.caseload_page.demo_requested.connect(self.open_demo)
        self.caseload_page.person_activated.connect(self.show_person)
        self.caseload_page.counts_changed.connect(self._show_counts)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._reveal_focus)

        self.resize(1040, 720)
        self.setMinimumSize(760, 520)
        self._workspace_menus(False)
        self.show_start()

    # -- state ---------------------------------------------------------------------------

    @property
    def workspace(self) -> Workspace | None:
        """The open workspace, or None while locked."""
        return self.tasks.ws

    @property
    def settings(self) -> Settings:
        return self.menus.settings

    @property
    def is_demo(self) -> bool:
        return self._is_demo

    def show_start(self) -> None:
        """The unlock page if the practitioner's workspace exists, else the create page."""
        if workspaces.exists(self.home_folder):
            self.unlock_page.reset()
            self.unlock_page.set_workspace_path(str(self.home_folder))  # a tooltip
            self._show(self.unlock_page, "Unlock")
        else:
            self.create_page.reset()
            self._show(self.create_page, "Create your workspace")

    def _show(self, page: QWidget, title: str) -> None:
        if self.family.active:  # only the form in hand until the view is left
            return
        if page is not self.caseload_page:  # a search is for now: leaving the page ends it
            self.caseload_page.clear_search()
        self.stack.setCurrentWidget(page)
        in_workspace = page in self._workspace_pages()
        self.statusBar().setVisible(in_workspace)
        self.nav.setVisible(in_workspace)
        if self._is_demo:
            self.setWindowTitle(f"[DEMO] {title} — {APP_NAME} (fictional data)")
        else:
            self.setWindowTitle(f"{title} — {APP_NAME}")
        focus_first = getattr(page, "focus_first", None)
        if focus_first is not None:
            focus_first()

    def _set_workspace(self, opened: OpenedWorkspace, *, demo: bool) -> None:
        self.tasks.attach(opened.workspace)
        self._owner = opened.owner
        self._is_demo = demo
        self.banner.setVisible(demo)
        self.lock_action.setEnabled(True)
        self.profile_action.setEnabled(True)
        self._workspace_menus(True)
        self.caseload_page.set_demo(demo)
        # the caseload is read first, on the workspace thread, while the other pages are built
        self.caseload_page.set_tasks(self.tasks)
        # the caseload first: the other pages are built once it has been painted (or when
        # something asks for one sooner), not in its way
        self.menus.practitioner_action.setVisible(opened.owner.role is Role.MANAGER)
        self.view_as_practitioner(False)
        self._pages_for = opened.owner
        self.caseload_page.load(on_loaded=self._build_pages_after_paint)
        QTimer.singleShot(2000, self, self._pages_soon)  # (should the caseload not load)
        self.autolock.start()

    def _forms_loaded(self, registry: FormRegistry) -> None:
        if self._engine is None:
            self._engine = FormEngine(registry)

    @property
    def engine(self) -> FormEngine:
        """The practice forms, loaded once on first use."""
        if self._engine is None:
            self._engine = FormEngine(FormRegistry.load())
        return self._engine

    @property
    def person_page(self) -> PersonPage | None:
        self._ensure_pages()
        return self._person_page

    @property
    def form_page(self) -> FormFillPage | None:
        self._ensure_pages()
        return self._form_page

    @property
    def manager_page(self) -> ManagerPage | None:
        self._ensure_pages()
        return self._manager_page

    @property
    def conflicts_page(self) -> ConflictsPage | None:
        self._ensure_pages()
        return self._conflicts_page

    @property
    def form_page_shown(self) -> FormFillPage | None:
        """The form page if it is the page on screen (never builds the session's pages)."""
        page = self._form_page
        return page if page is not None and self.stack.currentWidget() is page else None

    def _pages_soon(self) -> None:
        if self._pages_for is not None:
            self._ensure_pages()

    def _build_pages_after_paint(self) -> None:
        """Build the session's pages once the caseload has painted itself (a widget's paint is
        a low-priority event: anything queued before it would run first and hold it up)."""
        shown = self.caseload_page.views.currentWidget()
        target = shown.viewport() if isinstance(shown, QAbstractScrollArea) else shown
        if target is None:
            QTimer.singleShot(0, self, self._ensure_pages)
        else:
            self._paint_hook = AfterPaint(target, self._ensure_pages)

    def _ensure_pages(self) -> None:
        owner, self._pages_for = self._pages_for, None
        if owner is not None and self.tasks.ws is not None:
            self._open_session(owner)

    def _open_session(self, owner: Owner) -> None:
        """The pages of an unlocked workspace: their work all runs on :attr:`tasks`."""
        tasks = self.tasks
        self._person_page = PersonPage(tasks)
        self._form_page = FormFillPage(tasks, self.engine)
        self._manager_page = (ManagerPage(tasks, self.engine)
                              if owner.role is Role.MANAGER else None)
        self._conflicts_page = self.sync_ui.attach(tasks, demo=self._is_demo)
        self._conflicts_page.person_activated.connect(self.show_person)
        for page in (self._person_page, self._form_page, self._manager_page, self._conflicts_page):
            if page is not None:
                self.stack.addWidget(page)
        self._person_page.back.connect(self.show_caseload)
        self._person_page.start_form.connect(self._start_form)
        self._person_page.open_submission.connect(self._open_submission)
        self._form_page.closed.connect(self._form_closed)
        self._form_page.opened.connect(self.family.offer)
        if self._manager_page is not None:
            self._manager_page.person_activated.connect(self.show_person)
            self._manager_page.record_meeting.connect(
                lambda person_id: self._start_form(FormId.RMM_REVIEW, person_id, None))

    def _workspace_menus(self, unlocked: bool) -> None:
        self.menus.set_workspace_open(unlocked, self.sync_ui.menu.menuAction(),
                                      self.profile_action, self.secrets_action,
                                      self.lock_action)

    def view_as_practitioner(self, on: bool) -> None:
        """A manager sees the app as a practitioner would (no Team manager page), and back."""
        manager = self._owner is not None and self._owner.role is Role.MANAGER
        on = on and manager
        self.menus.practitioner_action.setChecked(on)
        self.team_action.setVisible(manager and not on)
        page = self._manager_page
        if on and page is not None and self.stack.currentWidget() is page:
            self.show_caseload()
        if self._owner is not None:
            role = ROLE_LABELS[self._owner.role] + (" (viewing as a practitioner)" if on else "")
            self.owner_label.setText(f"{self._owner.name}  ·  {role}  ·  {self._owner.team}")

    def _workspace_pages(self) -> list[QWidget]:
        return [p for p in (self.caseload_page, self._person_page, self._form_page,
                            self._manager_page, self._conflicts_page) if p is not None]

    def _show_caseload(self) -> None:
        if self.tasks.ws is None:
            self.show_start()
            return
        self.show_caseload()

    def show_caseload(self) -> None:
        if not self.caseload_page.loading:  # (a read already on its way will do)
            self.caseload_page.load()
        self._show(self.caseload_page, "Caseload")

    def show_team(self) -> None:
        if self.manager_page is not None and self.team_action.isVisible():
            self.manager_page.load()
            self._show(self.manager_page, "Team manager")

    def show_conflicts(self) -> None:
        if self.conflicts_page is not None:
            self.conflicts_page.load()
            self._show(self.conflicts_page, "Sync conflicts")

    def show_person(self, person_id: str) -> None:
        if self.person_page is not None:
            self.person_page.load(person_id)
            self._show(self.person_page, "Young person")

    def open_new_person_dialog(self) -> NewPersonDialog | None:
        """Add a young person; their page opens when the record is saved."""
        if self.tasks.ws is None:
            return None
        dialog = NewPersonDialog(self, worker=self._owner.name if self._owner else "")

        def saved(person: Person) -> None:
            dialog.done_saving()
            self.show_person(person.id)

        def save() -> None:
            self.tasks.run(people.add(person=dialog.person()), on_done=saved,
                           on_error=lambda exc: dialog.show_error(exc.message), owner=dialog)

        dialog.save_requested.connect(save)
        dialog.finished.connect(lambda _: dialog.deleteLater())
        dialog.open()
        self.new_person_dialog = dialog
        return dialog

    def print_missing_profile(self) -> PrintDialog | None:
        """The print dialog for the quarterly missing profile (quarter chosen in it)."""
        if self.tasks.ws is None:
            return None
        self.print_dialog = open_print_dialog(self.tasks, profile_job(), self)
        return self.print_dialog

    def _start_form(self, form_id: str, person_id: str, episode_id: object) -> None:
        """``episode_id``: the episode's id, or None (a signal's ``object`` argument)."""
        if self.form_page is not None:
            self.form_page.start(form_id, person_id, str(episode_id) if episode_id else None)
            self._show(self.form_page, self.engine.form(form_id).spec.title)

    def _open_submission(self, submission_id: str) -> None:
        if self.form_page is not None:
            self.form_page.open(submission_id)
            self._show(self.form_page, "Form")

    def _form_closed(self, person_id: str) -> None:
        if person_id:
            self.show_person(person_id)
        else:
            self.show_caseload()

    def _show_counts(self, _shown: int, _total: int) -> None:
        self.count_label.setText(self.caseload_page.summary_words())  # with any search

    def _reveal_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        page = self.stack.currentWidget()
        if new is not None and isinstance(page, CardPage):
            page.reveal(new)

    # -- locking ---------------------------------------------------------------------------

    def lock_workspace(self) -> None:
        """Close the workspace and forget everything shown from it. Safe to call twice.

        A form being filled in is saved first; then every page drops what it showed, queued
        store work finishes, and the workspace locks (its key is wiped) on the worker thread.
        """
        self._pages_for = None  # pages not built yet are not built now
        self.family.end()  # locking ends the "with family" view: unlocking needs the passphrase
        self.autolock.stop()
        self._owner = None
        self.sync_ui.detach()  # a running sync is cancelled; its result is dropped
        close_print_dialog(self.print_dialog)
        self.print_dialog = None
        self.profile_action.setEnabled(False)
        if self._form_page is not None:
            self._form_page.flush()
            self._form_page.clear()
        for page in (self._person_page, self._form_page, self._manager_page,
                     self._conflicts_page):
            if page is not None:
                page.clear()
                self.stack.removeWidget(page)
                page.deleteLater()
        self._person_page = self._form_page = self._manager_page = self._conflicts_page = None
        self.team_action.setVisible(False)
        self._workspace_menus(False)
        self.caseload_page.set_tasks(None)
        self.caseload_page.clear()
        self.recovery_page.clear_secrets()
        self.new_passphrase_page.clear_secrets()
        self.secrets_page.clear_secrets()
        self.owner_label.clear()
        self.count_label.clear()
        self.statusBar().clearMessage()
        self.lock_action.setEnabled(False)
        self._is_demo = False
        self.banner.hide()
        self.tasks.detach(final=workspaces.lock)

    def _auto_lock(self, reason: str) -> None:
        if self.tasks.ws is None:
            return
        self.lock_and_return()
        why = {"idle": "after a period without use", "session-locked":
               "because the computer was locked", "suspend": "because the computer went to "
               "sleep"}.get(reason, "")
        self.unlock_page.show_notice(f"CSE Desktop locked itself {why}. Anything you were "
                                     "typing was saved.".replace("  ", " "))

    def _workspace_wiped(self, message: str) -> None:
        """The hub revoked or retired this laptop and the workspace was crypto-shredded: close
        every page of the session (as locking does; the files no longer exist), go back to the
        start, and say why."""
        self.lock_workspace()
        self.show_start()
        box = self.wiped_box = QMessageBox(QMessageBox.Icon.Warning,
                                           "This laptop was removed from the hub", message,
                                           QMessageBox.StandardButton.Ok, self)
        box.setAccessibleName("This laptop was removed from the hub")
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(lambda _r: box.deleteLater())
        box.open()

    def lock_and_return(self) -> None:
        """Lock, then back to the start: the unlock page (or create page after the demo)."""
        self.lock_workspace()
        self.show_start()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.lock_workspace()
        super().closeEvent(event)


# -- the application ---------------------------------------------------------------------------


def run(argv: Sequence[str] | None = None, *, workspace: Path | None = None) -> int:
    """Start the desktop application; returns the exit code of the event loop."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(
        list(argv) if argv is not None else sys.argv[:1])
    configure_application(app)
    window = MainWindow(workspace)
    app.aboutToQuit.connect(window.lock_workspace)
    previous_hook = sys.excepthook
    sys.excepthook = show_unexpected_error
    try:
        window.show()
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        window.lock_workspace()


if __name__ == "__main__":
    raise SystemExit(run())
