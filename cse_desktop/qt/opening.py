"""Opening a workspace from the start pages: create one, unlock one, the demo, a new passphrase;
and, once open, the passphrase and recovery code (Workspace > Passphrase and recovery code).

After an unlock with the recovery code, the code is replaced: the window asks for a new
passphrase (which may be skipped), then shows the new recovery code, which must be confirmed
like the first.  If the app was closed in between, the next unlock shows a new code at once.

The main window (:class:`cse_desktop.qt.app.MainWindow`) inherits these flows.  Argon2id makes
each unlock take about 0.6 s on purpose.  Opening and creating run on the task manager's network
executor (no workspace is attached yet); the page is disabled behind a wait cursor meanwhile.
Once a workspace is open the window takes it (``_set_workspace``) and shows the next page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget, QWidget

from cse_desktop.domain.errors import CseError, LockedOut
from cse_desktop.qt.operations import workspace as workspaces
from cse_desktop.qt.operations.workspace import OpenedWorkspace
from cse_desktop.qt.pages import CreatePage, NewPassphrasePage, RecoveryCodePage, UnlockPage
from cse_desktop.qt.secrets_page import SecretsPage
from cse_desktop.store.locations import demo_workspace

if TYPE_CHECKING:
    from cse_desktop.domain.models import Owner
    from cse_desktop.qt.operations import TaskManager
    from cse_desktop.store import KdfParams

T = TypeVar("T")


class WorkspaceOpening(QMainWindow):
    """The start pages' flows, for the main window (which provides what is declared here)."""

    if TYPE_CHECKING:
        tasks: TaskManager
        home_folder: Path
        kdf: KdfParams
        _pending: int
        stack: QStackedWidget
        create_page: CreatePage
        recovery_page: RecoveryCodePage
        unlock_page: UnlockPage
        new_passphrase_page: NewPassphrasePage
        secrets_page: SecretsPage
        _owner: Owner | None

        def _set_workspace(self, opened: OpenedWorkspace, *, demo: bool) -> None: ...
        def _show(self, page: QWidget, title: str) -> None: ...
        def _show_caseload(self) -> None: ...
        def show_start(self) -> None: ...
        def lock_workspace(self) -> None: ...

    def _in_background(self, page: QWidget, job: Callable[[], T],
                       on_done: Callable[[T], None],
                       on_error: Callable[[CseError], None]) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        page.setEnabled(False)
        self._pending += 1

        def restore() -> None:
            self._pending -= 1
            page.setEnabled(True)
            QApplication.restoreOverrideCursor()

        def done(result: T) -> None:
            restore()
            on_done(result)

        def failed(error: CseError) -> None:
            restore()
            on_error(error)

        self.tasks.run_network(job, on_done=done, on_error=failed)

    @property
    def busy(self) -> bool:
        """True while a workspace is being opened or created in the background."""
        return self._pending > 0

    def _create(self, owner: Owner, passphrase: str) -> None:
        page = self.create_page

        def done(opened: OpenedWorkspace) -> None:
            page.reset()
            self._set_workspace(opened, demo=self._is_demo_folder(self.home_folder))
            self.recovery_page.show_code(opened.recovery_code)
            self._show(self.recovery_page, "Your recovery code")

        self._in_background(page, workspaces.create(folder=self.home_folder,
                                                   passphrase=passphrase, owner=owner,
                                                   kdf=self.kdf),
                            done, lambda exc: page.show_error(exc.message))

    def _unlock(self, *, passphrase: str | None = None, recovery_code: str | None = None) -> None:
        page = self.unlock_page

        def done(opened: OpenedWorkspace) -> None:
            page.clear_secrets()
            self._set_workspace(opened, demo=self._is_demo_folder(self.home_folder))
            if recovery_code is not None:
                self._show(self.new_passphrase_page, "Choose a new passphrase")
            elif opened.recovery_code_due:
                self._issue_new_recovery_code()
            else:
                self._show_caseload()

        def failed(exc: CseError) -> None:
            if isinstance(exc, LockedOut):
                page.show_locked_out(exc.retry_after)
            else:
                page.show_error(exc.message)

        self._in_background(page, workspaces.unlock(folder=self.home_folder,
                                                   passphrase=passphrase,
                                                   recovery_code=recovery_code),
                            done, failed)

    def _save_new_passphrase(self, passphrase: str) -> None:
        page = self.new_passphrase_page
        if self.tasks.ws is None:
            self.show_start()
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        page.setEnabled(False)

        def restore() -> None:
            page.setEnabled(True)
            QApplication.restoreOverrideCursor()

        def done(_: None) -> None:
            restore()
            page.clear_secrets()
            self._issue_new_recovery_code()
            self.statusBar().showMessage("Your new passphrase is saved. Use it next time you "
                                         "unlock.", 10_000)

        def failed(exc: CseError) -> None:
            restore()
            page.show_error(exc.message)

        self.tasks.run(workspaces.set_new_passphrase(passphrase=passphrase), on_done=done,
                       on_error=failed)

    def open_demo(self) -> None:
        """Open the demo workspace, creating and filling it on first use."""
        page = self.stack.currentWidget()
        self.lock_workspace()

        def done(opened: OpenedWorkspace) -> None:
            self._set_workspace(opened, demo=True)
            self._show_caseload()

        def failed(exc: CseError) -> None:
            if isinstance(page, CreatePage | UnlockPage):
                page.show_error(exc.message)

        self._in_background(page or self.stack, workspaces.open_demo(kdf=self.kdf), done, failed)

    @staticmethod
    def _is_demo_folder(folder: Path) -> bool:
        return folder.resolve() == demo_workspace().resolve()

    def _issue_new_recovery_code(self) -> None:
        """The recovery code was used: replace it, and show the new one (to confirm)."""
        if self.tasks.ws is None:
            self.show_start()
            return

        def done(code: str) -> None:
            self._show_new_code(code, "You unlocked your workspace with your recovery code, "
                                      "so it has been replaced: the old code no longer opens "
                                      "this workspace.")

        self.tasks.run(workspaces.new_recovery_code(), on_done=done,
                       on_error=lambda exc: self.statusBar().showMessage(exc.message))

    def _show_new_code(self, code: str, why: str) -> None:
        self.recovery_page.show_code(code, why=why)
        self._show(self.recovery_page, "Your new recovery code")

    def show_secrets(self, *, seen: bool = False) -> None:
        """Workspace > Passphrase and recovery code."""
        if self.tasks.ws is None or self._owner is None:
            return
        self.secrets_page.start(self._owner.name, self._owner.team, seen=seen)
        self._show(self.secrets_page, "Passphrase and recovery code")

    def _change_secrets(self, old: str, new: str, rekey: bool) -> None:
        page = self.secrets_page
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        page.setEnabled(False)

        def restore() -> None:
            page.setEnabled(True)
            QApplication.restoreOverrideCursor()

        def done(code: str | None) -> None:
            restore()
            page.clear_secrets()
            if code:
                self._show_new_code(code, "Your workspace has a new key and passphrase: old "
                                          "copies of the key file, your old passphrase and your "
                                          "old recovery code no longer open it.")
            else:
                self._show_caseload()
                self.statusBar().showMessage("Your new passphrase is saved. Use it next time "
                                             "you unlock.", 10_000)

        def failed(exc: CseError) -> None:
            restore()
            page.show_error(exc.message)

        if rekey:
            self.tasks.run(workspaces.rekey(old=old, new=new), on_done=done, on_error=failed)
        else:
            self.tasks.run(workspaces.change_passphrase(old=old, new=new),
                           on_done=lambda _: done(None), on_error=failed)
