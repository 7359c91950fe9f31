"""The print dialog: audience, marking, the document's options and a reason; preview, print or
save as PDF.

Every print or export asks for the audience profile and a reason:

* **Print preview…** shows the pages (pypdfium2 renders them; Qt paints them).  A preview alone
  is not a print and writes no audit entry; printing from inside the preview is a print.
* **Print…** asks for the printer (Qt's print dialog), writes the audit entry (what, profile,
  reason and the SHA-256 of the PDF) and only then paints the pages.  If the audit entry cannot
  be written, nothing is printed.  The pages are painted by a :class:`PrintWorker` on the task
  manager's network executor: the dialog says how far it has got and offers Cancel (it stops
  after the page being sent).  Printing from inside the preview is driven by Qt's preview and
  stays on the UI thread.
* **Save as PDF…** asks where, protects the file with a password (AES-256: by default for a
  copy leaving the team, see ``RedactionProfile.leaves_team``; the user may untick it), and
  saves it, readable by its owner only (audited as an export).
* The dialog says that a paper copy passes through the print system (its spool file).

The document is built, and saved, by operations on the workspace executor
(:mod:`cse_desktop.qt.operations.printing`); results for a closed dialog are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.domain.errors import CseError, UsageError
from cse_desktop.qt.operations import Operation, TaskManager, unexpected_error
from cse_desktop.qt.operations import printing as operations
from cse_desktop.qt.person.common import chain_tab_order
from cse_desktop.qt.printing import paint
from cse_desktop.qt.printing.options import PrintJob, PrintOptions
from cse_desktop.qt.printing.paint import (
    NOT_STARTED,
    PrintWorker,
    new_printer,
    print_settings,
    printer_problem,
)
from cse_desktop.qt.printing.preview import PrintPreview
from cse_desktop.qt.printing.protection import PasswordFields
from cse_desktop.qt.settings import MAX_MARKING_LENGTH, clean_marking, load_marking, save_marking
from cse_desktop.qt.widgets import (
    MessageLabel,
    button,
    field_label,
    line_edit,
    set_invalid,
    text_label,
)
from cse_desktop.reports.jobs import Document, audience_profiles
from cse_desktop.reports.output import reason_given

#: the dialog's width when it opens (wider if its options need it)
DIALOG_WIDTH = 580


@dataclass(frozen=True)
class _Request:
    """One click's inputs, read when it was made."""

    document: Document
    marking: str
    reason: str
    values: dict[str, Any]


class PrintDialog(QDialog):
    """Audience, marking, the document's options, a reason; preview, print or save as PDF."""

    def __init__(self, tasks: TaskManager, job: PrintJob,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.job = job
        self.setObjectName("personDialog")
        self.setWindowTitle(f"Print: {job.title}")
        self.setModal(True)
        # No setMinimumWidth: the layout's own minimum (the widest option) must hold.
        self.preview: QPrintPreviewDialog | None = None
        self.busy = False
        #: asks for a printer (Qt's print dialog); tests replace it
        self.ask_printer: Callable[[QPrinter], bool] = self._ask_printer
        #: asks where to save (a file chooser); '' when cancelled; tests replace it
        self.ask_save_path: Callable[[str], str] = self._ask_save_path
        #: the SHA-256 of the last document printed or saved
        self.last_digest = ""
        #: the print being sent off the UI thread, if any (and its digest and request)
        self.worker: PrintWorker | None = None
        self._printing: tuple[str, _Request] | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(8)
        heading = text_label(job.title, "dialogTitle")
        heading.setAccessibleName(job.title)
        layout.addWidget(heading)
        intro = ("Printing and saving are recorded in the audit log, with the audience, your "
                 "reason and a check code that identifies this exact document.")
        if job.subject:
            intro = f"{job.subject}. {intro}"
        layout.addWidget(text_label(intro, "pageIntro"))

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.profile_combo = QComboBox()
        self.profile_combo.setAccessibleName("Audience profile")
        self.profile_combo.setToolTip("Who will read it: sections and sensitive details "
                                      "they should not see are left out of the document")
        self.profile_hint = text_label("", "hint")
        self.profile_hint.setAccessibleName("What this audience's copy leaves out")
        if job.profiles:
            for name, label, description in audience_profiles():
                self.profile_combo.addItem(label, name)
                self.profile_combo.setItemData(self.profile_combo.count() - 1, description,
                                               Qt.ItemDataRole.ToolTipRole)
            internal = self.profile_combo.findData("internal")
            self.profile_combo.setCurrentIndex(max(internal, 0))
            self.profile_combo.currentIndexChanged.connect(self._profile_changed)
            self._profile_changed()
        self.marking_edit = line_edit("Protective marking", max_length=MAX_MARKING_LENGTH)
        self.marking_edit.setText(load_marking())
        self.marking_edit.setToolTip("Printed at the top and bottom of every page")
        column = 0
        if job.profiles:
            grid.addWidget(field_label("&Audience", self.profile_combo), 0, 0)
            grid.addWidget(self.profile_combo, 1, 0)
            column = 1
        else:
            self.profile_combo.hide()
            self.profile_hint.hide()
        grid.addWidget(field_label("Protective &marking", self.marking_edit), 0, column,
                       1, 2 - column)
        grid.addWidget(self.marking_edit, 1, column, 1, 2 - column)
        layout.addLayout(grid)
        # Wrapped text stays out of the grids: a grid cannot work out the height of text
        # that spans its columns, and the dialog would squeeze it.
        layout.addWidget(self.profile_hint)

        self.options: PrintOptions | None = job.options() if job.options else None
        if self.options is not None:
            layout.addSpacing(4)
            layout.addWidget(self.options)

        layout.addSpacing(4)
        self.reason_edit = line_edit("Reason for printing", max_length=300,
                                     placeholder=job.reason_example)
        layout.addWidget(field_label("&Reason for printing or saving", self.reason_edit))
        layout.addWidget(self.reason_edit)
        layout.addWidget(text_label("Required. It is recorded in the audit log.", "hint"))

        layout.addSpacing(4)
        self.error = MessageLabel("error")  # shown further down, under the options
        self.notice = MessageLabel("notice")
        self.protection = PasswordFields(self.error)
        # the protection's fields, by the names the dialog has always had
        self.protect_box = self.protection.box
        self.password_edit = self.protection.password_edit
        self.confirm_edit = self.protection.confirm_edit
        self.password_hint = self.protection.hint
        layout.addWidget(self.protection)
        self.spool_hint = text_label(
            "Print… sends the pages through this computer's print system, which keeps the "
            "job (a spool file) until the printer has taken it, and may keep a copy if the "
            "printer is busy or offline: collect the paper at once.", "hint")
        self.spool_hint.setAccessibleName("Printing passes through the print system")
        layout.addWidget(self.spool_hint)

        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        layout.addStretch(1)

        buttons = QHBoxLayout()
        self.close_button = button("Close", "Close without printing")
        self.preview_button = button("Print pre&view…", "Print preview",
                                     tooltip="See the pages before printing (not audited)")
        self.print_button = button("&Print…", "Print", tooltip="Choose a printer and print")
        self.save_button = button("&Save as PDF…", "Save as PDF", role="primary",
                                  tooltip="Save the document as a PDF file")
        self.cancel_print_button = button("&Cancel printing", "Cancel printing",
                                          tooltip="Stop after the page being sent")
        self.cancel_print_button.hide()  # shown while a print is being sent
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        for b in (self.cancel_print_button, self.preview_button, self.print_button,
                  self.save_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)

        self.close_button.clicked.connect(self.reject)
        self.preview_button.clicked.connect(self.start_preview)
        self.print_button.clicked.connect(self.start_print)
        self.save_button.clicked.connect(self.start_save)
        self.cancel_print_button.clicked.connect(self.cancel_print)
        self.reason_edit.textEdited.connect(lambda _: set_invalid(self.reason_edit, False))
        if job.profiles:
            self.profile_combo.currentIndexChanged.connect(self._protect_by_default)
            self._protect_by_default()
        order: list[QWidget] = [self.profile_combo] if job.profiles else []
        order += [self.marking_edit]
        if self.options is not None:
            order.append(self.options)
        order += [self.reason_edit, self.protect_box, self.password_edit, self.confirm_edit,
                  self.close_button, self.cancel_print_button, self.preview_button,
                  self.print_button, self.save_button]
        chain_tab_order(order)
        (self.profile_combo if job.profiles else self.marking_edit).setFocus()

    # -- reading the inputs ------------------------------------------------------------------

    def document(self) -> Document:
        """The document the current choices make."""
        document = self.job.document(self.profile_combo.currentData() or "internal")
        return self.options.adjust(document) if self.options is not None else document

    def _request(self) -> _Request | None:
        """The inputs, or None (with the problem shown) when something is missing."""
        self.error.clear_message()
        self.notice.clear_message()
        if self.options is not None:
            problem = self.options.problem()
            if problem:
                self.error.show_message(problem)
                return None
        try:
            reason = reason_given(self.reason_edit.text())
        except UsageError:
            set_invalid(self.reason_edit, True)
            self.error.show_message("Enter a reason for printing or saving: it is required "
                                    "and recorded in the audit log.")
            self.reason_edit.setFocus()
            return None
        set_invalid(self.reason_edit, False)
        marking = clean_marking(self.marking_edit.text())
        return _Request(self.document(), marking, reason,
                        self.options.values() if self.options is not None else {})

    # -- building the PDF (worker thread) ----------------------------------------------------

    def _build(self, request: _Request, then: Callable[[bytes], object]) -> None:
        self._run(operations.build_document(job=self.job, document=request.document,
                                            marking=request.marking, options=request.values),
                  then, "Preparing the document…")

    def _run(self, operation: Operation[Any], then: Callable[[Any], object],
             status: str) -> None:
        self._set_busy(True, status)

        def done(result: Any) -> None:
            self._set_busy(False)
            then(result)

        def failed(exc: CseError) -> None:
            self._set_busy(False)
            self.error.show_message(exc.message)

        try:
            self.tasks.run(operation, on_done=done, on_error=failed, owner=self)
        except RuntimeError:  # the workspace locked meanwhile
            self._set_busy(False)
            self.reject()

    def _set_busy(self, busy: bool, status: str = "") -> None:
        self.busy = busy
        for b in (self.preview_button, self.print_button, self.save_button):
            b.setEnabled(not busy)
        if busy:
            self.notice.show_message(status)
        else:
            self.notice.clear_message()

    # -- preview ----------------------------------------------------------------------------

    def start_preview(self) -> None:
        """Build the document and show Qt's print preview (no audit entry unless printed)."""
        request = self._request()
        if request is not None and not self.busy:
            self._build(request, lambda pdf: self.show_preview(pdf, request))

    def show_preview(self, pdf: bytes, request: _Request) -> QPrintPreviewDialog:
        preview = self.preview = PrintPreview(
            pdf, request.document, lambda printer: self.print_to(printer, pdf, request), self)
        preview.finished.connect(lambda _r: self._preview_closed(preview))
        self.notice.show_message("The preview is open. Printing from it is recorded in the "
                                 "audit log; looking is not.")
        preview.open()
        return preview

    def _preview_closed(self, preview: QPrintPreviewDialog) -> None:
        if self.preview is preview:
            self.preview = None
        preview.deleteLater()

    # -- print ------------------------------------------------------------------------------

    def start_print(self) -> None:
        """Build the document, ask for a printer, audit, print."""
        request = self._request()
        if request is not None and not self.busy:
            self._build(request, lambda pdf: self._choose_printer(pdf, request))

    def _choose_printer(self, pdf: bytes, request: _Request) -> None:
        printer = new_printer(pdf, request.document.title)
        if self.ask_printer(printer):
            self.print_to(printer, pdf, request, background=True)

    def _ask_printer(self, printer: QPrinter) -> bool:
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(f"Print: {self.job.title}")
        return dialog.exec() == QDialog.DialogCode.Accepted

    def print_to(self, printer: QPrinter, pdf: bytes, request: _Request, *,
                 background: bool = False) -> bool:
        """Write the audit entry, then paint the pages on ``printer``.  True when the pages
        went to the printer (with ``background``: when the print started on its own thread,
        which reports in the dialog when it ends).

        The audit entry comes first: a print that cannot be audited is not printed (a print
        job, once started, cannot always be taken back).  A printer that then fails to start
        leaves an entry for a print that did not happen, never the other way round.
        """
        problem = printer_problem(printer)
        if problem:
            self.error.show_message(problem)
            return False
        digest = self._audit_print(pdf, request)
        if not digest:
            return False
        dpi, grey = print_settings(printer)
        if background:
            return self._start_worker(PrintWorker(printer, pdf, dpi=dpi, grey=grey), digest,
                                      request)
        # Inside Qt's preview: its print must be painted before this returns, so it is
        # painted here, on the UI thread (no progress: the preview is not re-entrant).
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        busy = self.busy
        self._set_busy(True, "Printing…")
        try:
            pages = paint.paint_here(printer, pdf, dpi=dpi, grey=grey)
        finally:
            self._set_busy(busy)
            QApplication.restoreOverrideCursor()
        if pages is None:
            self.error.show_message(NOT_STARTED)
            return False
        self._printed(pages, digest, request)
        return True

    def _audit_print(self, pdf: bytes, request: _Request) -> str:
        """Record the print before it is painted; its digest, or '' (the problem shown) when
        it cannot be recorded: a print that cannot be audited is not printed."""
        try:
            return self.tasks.call(operations.record_print(
                job=self.job, document=request.document, pdf=pdf, reason=request.reason))
        except RuntimeError:  # the workspace locked meanwhile
            return ""
        except Exception as exc:  # a CseError, or a bug or the disk: never print unaudited
            error = exc if isinstance(exc, CseError) else unexpected_error(exc)
            self.error.show_message("Nothing was printed: the print could not be recorded in "
                                    f"the audit log. {error.message}")
            return ""

    def _start_worker(self, worker: PrintWorker, digest: str, request: _Request) -> bool:
        """Paint the pages on the network executor; the dialog stays usable meanwhile."""
        self.worker, self._printing = worker, (digest, request)
        self._set_busy(True, "Starting the printer…")
        self.cancel_print_button.setEnabled(True)
        self.cancel_print_button.show()
        self.setCursor(Qt.CursorShape.BusyCursor)
        # the progress comes from the worker's thread: queued, so handled on this one
        worker.progress.connect(self._progress, Qt.ConnectionType.QueuedConnection)
        try:
            self.tasks.run_network(worker.run, on_done=self._print_ended,
                                   on_error=self._print_failed, owner=self)
        except RuntimeError:  # the window is closing
            self._end_print(worker)
            return False
        return True

    def cancel_print(self) -> None:
        """Stop the print after the page being sent (the dialog stays usable meanwhile)."""
        if self.worker is not None and not self.worker.cancelling:
            self.worker.cancel()
            self.cancel_print_button.setEnabled(False)
            self.notice.show_message("Cancelling: stopping after the page being sent…")

    def _progress(self, page: int, pages: int) -> None:
        if self.worker is not None and not self.worker.cancelling:
            self.notice.show_message(f"Printing page {page} of {pages}…")

    def _end_print(self, worker: PrintWorker) -> tuple[str, _Request] | None:
        """Forget the print ``worker`` sent; its digest and request (None when closing the
        dialog has ended it already)."""
        printing = self._printing
        if worker is not self.worker or printing is None:
            return None
        self.worker, self._printing = None, None
        self.cancel_print_button.hide()
        self.unsetCursor()
        self._set_busy(False)
        return printing

    def _print_ended(self, worker: PrintWorker) -> None:
        printing = self._end_print(worker)
        if printing is None:
            return
        if worker.outcome == "printed":
            self._printed(worker.pages, *printing)
        elif worker.outcome == "cancelled":
            self.notice.show_message(worker.cancelled_words())
        else:
            self.error.show_message(NOT_STARTED)

    def _print_failed(self, error: CseError) -> None:
        if self.worker is not None and self._end_print(self.worker) is not None:
            self.error.show_message(f"Printing stopped (the attempt is in the audit log). "
                                    f"{error.message}")

    def _printed(self, pages: int, digest: str, request: _Request) -> None:
        self.last_digest = digest
        self._remember_marking(request.marking)
        noun = "page" if pages == 1 else "pages"
        self.notice.show_message(f"Sent {pages} {noun} to the printer. The print is recorded "
                                 "in the audit log.")

    # -- save as PDF -------------------------------------------------------------------------

    def start_save(self) -> None:
        """Ask where, then build, (protect,) save and audit the PDF on the worker thread."""
        request = self._request()
        if request is None or self.busy:
            return
        password = self.protection.password()
        if password == "":
            return
        path = self.ask_save_path(request.document.file_name)
        if not path:
            return
        out = Path(path)
        if out.suffix.lower() != ".pdf":
            out = out.with_name(out.name + ".pdf")
        marking = request.marking
        operation = operations.save_document(
            job=self.job, document=request.document, marking=marking, options=request.values,
            out=out, reason=request.reason, password=password)

        def saved(digest: str) -> None:
            self.last_digest = digest
            self._remember_marking(marking)
            self.protection.clear()
            protected = " It is protected with the password you chose." if password else ""
            self.notice.show_message(f"Saved to {out}.{protected} The export is recorded in "
                                     "the audit log.")

        self._run(operation, saved, "Preparing and saving the PDF…")

    def _ask_save_path(self, file_name: str) -> str:
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        path, _ = QFileDialog.getSaveFileName(self, "Save as PDF", str(Path(folder, file_name)),
                                              "PDF documents (*.pdf)")
        return path

    # -- the rest ----------------------------------------------------------------------------

    def _profile_changed(self) -> None:
        tip = self.profile_combo.currentData(Qt.ItemDataRole.ToolTipRole) or ""
        self.profile_hint.setText(tip)
        self.profile_hint.setVisible(bool(tip))

    def _protect_by_default(self) -> None:
        """A copy leaving the team (``Document.protect_by_default``) is password-protected
        unless the user unticks it; the internal copy is not."""
        self.protect_box.setChecked(self.document().protect_by_default)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.width() < DIALOG_WIDTH:
            self.resize(DIALOG_WIDTH, self.height())
        self._fit_height()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self, self._fit_height)
        return handled

    def _fit_height(self) -> None:
        """Grow when a message appears (wrapped text needs height for its width), rather
        than squeezing the fields into each other."""
        layout = self.layout() if shiboken6.isValid(self) else None
        if layout is None:
            return
        need = (layout.heightForWidth(self.width()) if layout.hasHeightForWidth()
                else layout.sizeHint().height())
        if need > self.height():
            self.resize(self.width(), need)

    @staticmethod
    def _remember_marking(marking: str) -> None:
        if marking != load_marking():
            save_marking(marking)

    def done(self, result: int) -> None:
        """Closing forgets the reason and the password (and closes a preview).  A print
        being sent is cancelled: closing waits for the page being sent, then the run ends
        (the workspace may be locking)."""
        if self.worker is not None:
            worker = self.worker
            worker.stop()
            self._end_print(worker)
        if self.preview is not None:
            self.preview.close()
        self.protection.clear()
        super().done(result)


def open_print_dialog(tasks: TaskManager, job: PrintJob,
                      parent: QWidget | None) -> PrintDialog:
    """Show the print dialog for ``job`` (window-modal; deleted when closed)."""
    dialog = PrintDialog(tasks, job, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.open()
    return dialog


def close_print_dialog(dialog: PrintDialog | None) -> None:
    """Close a print dialog if it is still open (the workspace is locking)."""
    if dialog is not None and shiboken6.isValid(dialog):
        dialog.reject()


