"""Printing from the app: preview, print and save as PDF, each asked for and audited.

One dialog serves every printed document (the RMM case summary, the agenda pack and the
quarterly missing profile).  A :class:`PrintJob` says what the document is, which record it is
about, and how to build it (a ``reports`` builder, run on the workspace's worker thread); an
optional :class:`PrintOptions` widget adds the document's own choices (the summary's sections
and chronology dates; the profile's quarter and version).

Every print or export asks for the audience profile and a reason:

* **Print preview…** shows the pages (pypdfium2 renders them; Qt paints them).  A preview alone
  is not a print and writes no audit entry; printing from inside the preview is a print.
* **Print…** asks for the printer (Qt's print dialog), writes the audit entry
  (:func:`audit_print`: what, profile, reason and the SHA-256 of the PDF) and only then paints
  the pages.  If the audit entry cannot be written, nothing is printed.  The pages are
  rendered and painted on a background thread (:class:`PrintWorker`): the dialog says how far
  it has got and offers Cancel (it stops after the page being sent).  Printing from inside
  the preview is driven by Qt's preview and stays on the UI thread.
* **Save as PDF…** asks where, optionally protects the file with a password (AES-256), and
  saves it through :func:`cse_desktop.reports.output.save_report` (audited as an export).

Nothing is written to disk except the file the user chose.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import (
    QEvent,
    QRectF,
    QSizeF,
    QStandardPaths,
    Qt,
    QThread,
    QTimer,
    Signal,
)
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPaintEngine, QPainter, QShowEvent
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.casework.quarters import Quarter
from cse_desktop.domain.errors import CseError, UsageError
from cse_desktop.domain.models import AuditAction
from cse_desktop.qt.operations import WorkspaceRunner
from cse_desktop.qt.person.common import OptionalDateEdit, chain_tab_order
from cse_desktop.qt.settings import (
    MAX_MARKING_LENGTH,
    clean_marking,
    load_home_authority,
    load_marking,
    load_quarter_kind,
    save_marking,
    save_profile_options,
)
from cse_desktop.qt.widgets import (
    MessageLabel,
    button,
    field_label,
    line_edit,
    set_invalid,
    text_label,
)

if TYPE_CHECKING:
    from cse_desktop.reports.page import PrintMeta
    from cse_desktop.store import Workspace

log = logging.getLogger(__name__)

#: the shortest password accepted for a protected PDF (as reports.output.MIN_PASSWORD)
MIN_PASSWORD = 8
#: pages are rendered at this resolution for the preview (dots per inch) ...
PREVIEW_DPI = 110
#: ... and at most at this one for a printer (its own resolution when lower).  200 dpi
#: keeps text sharp on paper; 300 dpi made a 90-page agenda pack ~100 MB and ~17 s to send
PRINT_DPI = 200

#: the dialog's width when it opens (wider if its options need it)
DIALOG_WIDTH = 580

#: builds the PDF on the worker thread: ``build(ws, meta, profile, **options) -> bytes``
Builder = Callable[..., bytes]


# -- the job ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """What one run of the dialog prints: its title, and how the audit entry names it."""

    #: the title printed on the document (PDF title and metadata)
    title: str
    #: what the audit entry says was printed ("RMM case summary")
    what: str
    #: the audience profile recorded in the audit entry ("internal", "shareable")
    profile: str
    #: the audience as the footer shows it ("Internal RMM")
    profile_label: str
    #: the file name offered by Save as PDF
    file_name: str = "document.pdf"


@dataclass(frozen=True)
class PrintJob:
    """A document the dialog can preview, print and save.

    ``build(ws, meta, profile, **options)`` returns the PDF; it runs on the worker thread.
    ``profiles`` says whether the audience profiles (redaction) apply: when they do not, the
    options widget names the audience (see :meth:`PrintOptions.adjust`).  ``options`` makes
    the widget with the document's own choices, if it has any.
    """

    title: str
    what: str
    build: Builder
    record_kind: str = ""
    record_id: str = ""
    #: who or what the document is about, shown under the dialog's title
    subject: str = ""
    profiles: bool = True
    options: Callable[[], PrintOptions] | None = None
    file_name: str = "document.pdf"
    #: the reason box's example text
    reason_example: str = "For example: for the chair of the next Risk Management Meeting"


class PrintOptions(QWidget):
    """The document's own choices, shown in the print dialog.  Subclasses override
    :meth:`values` (keyword arguments for the builder), :meth:`problem` and :meth:`adjust`."""

    def values(self) -> dict[str, Any]:
        return {}

    def problem(self) -> str:
        """What is wrong with the choices, in plain words ('' when fine)."""
        return ""

    def adjust(self, document: Document) -> Document:
        """The document as these choices make it (title, audit wording, audience)."""
        return document


def audience_profiles() -> list[tuple[str, str, str]]:
    """The audience profiles (name, label, what is withheld), internal RMM first."""
    from cse_desktop.reports.redaction import PROFILES

    return [(name, getattr(profile, "label", name), getattr(profile, "description", ""))
            for name, profile in PROFILES.items()]


def audit_print(ws: Workspace, pdf: bytes, *, what: str, record_kind: str, record_id: str,
                profile: str, reason: str) -> str:
    """Record a print (sent to a printer; nothing saved) in the audit log, worded as
    :func:`~cse_desktop.reports.output.save_report` words a saved file; returns the SHA-256
    of the document printed."""
    reason = " ".join(reason.split())
    if not reason:
        raise UsageError("Say why you are printing this (a reason is required and audited).")
    digest = hashlib.sha256(pdf).hexdigest()
    ws.audit.append(AuditAction.PRINT, record_kind, record_id,
                    reason=f"{what}; profile {profile}; reason: {reason}; sha256 {digest}")
    return digest


# -- painting PDF pages onto a printer ----------------------------------------------------------


def paint_pdf(pdf: bytes, printer: QPrinter, painter: QPainter, *, dpi: int,
              grey: bool | None = None,
              progress: Callable[[int, int], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> int:
    """Paint the pages of ``pdf`` on ``printer`` (one sheet each, scaled to fit and centred);
    returns the number of pages painted.  ``painter`` is already active on the printer;
    ``progress`` hears (page number, pages) before each page; when ``cancelled`` says so
    before a page, the painting stops there (so fewer pages are painted).  Greyscale pages
    (a third of the data: quicker to send) when ``grey``, or by default when the printer is
    set to greyscale.  Safe on a worker thread (pdfium is used under a lock)."""
    import pypdfium2 as pdfium

    if grey is None:
        grey = printer.colorMode() == QPrinter.ColorMode.GrayScale
    with _PDFIUM:
        doc = pdfium.PdfDocument(pdf)
        total = len(doc)
    try:
        target = printer.pageLayout().fullRectPixels(printer.resolution())
        painted = 0
        for number in range(total):
            if cancelled is not None and cancelled():
                break
            if progress is not None:
                progress(number + 1, total)
            if painted:
                printer.newPage()
            image = _render(doc, number, dpi=dpi, grey=grey)
            painter.drawImage(_fit(image.width(), image.height(), target.width(),
                                   target.height()), image)
            painted += 1
        return painted
    finally:
        with _PDFIUM:
            doc.close()


#: pdfium is not thread-safe: the preview (UI thread) and a print (worker) take turns
_PDFIUM = threading.Lock()


def _render(doc: Any, number: int, *, dpi: int, grey: bool) -> QImage:
    """One page of an open pypdfium2 document as an image (a copy Qt owns)."""
    with _PDFIUM:
        page = doc[number]
        try:
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True, grayscale=grey,
                                 may_draw_forms=False)
            try:
                return QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride,
                              _FORMATS[bitmap.n_channels]).copy()
            finally:
                bitmap.close()
        finally:
            page.close()


def page_count(pdf: bytes) -> int:
    """The number of pages of ``pdf``."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        doc = pdfium.PdfDocument(pdf)
        try:
            return len(doc)
        finally:
            doc.close()


def print_settings(printer: QPrinter) -> tuple[int, bool]:
    """How to render pages for ``printer``: (dots per inch, greyscale).

    The printer's own resolution, at most :data:`PRINT_DPI`; greyscale when the printer is
    set to greyscale or can only print in greyscale (a third of the data of colour)."""
    dpi = min(printer.resolution() or PRINT_DPI, PRINT_DPI)
    grey = printer.colorMode() == QPrinter.ColorMode.GrayScale
    if not grey and printer.outputFormat() == QPrinter.OutputFormat.NativeFormat:
        modes = QPrinterInfo(printer).supportedColorModes()
        grey = bool(modes) and QPrinter.ColorMode.Color not in modes
    return dpi, grey


class PrintWorker(QThread):
    """Paints a PDF on a printer on its own thread (Qt allows a QPainter on a QPrinter off
    the GUI thread).  It touches no widget: it reports through its signals, which reach the
    dialog on the UI thread.  :meth:`cancel` stops it after the page being sent (and aborts
    the print job when the printer can)."""

    #: (page number, pages) before each page is sent
    progress = Signal(int, int)

    def __init__(self, printer: QPrinter, pdf: bytes, *, dpi: int, grey: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.printer, self.pdf, self.dpi, self.grey = printer, pdf, dpi, grey
        self._cancel = threading.Event()
        #: the outcome, read once the thread has finished: "printed", "cancelled",
        #: "not started" or "failed"
        self.outcome = ""
        self.pages = 0  # pages sent
        self.total = page_count(pdf)  # pages in the document
        self.aborted = False  # the printer dropped the job on cancel

    def cancel(self) -> None:
        """Stop after the page being sent (any thread)."""
        self._cancel.set()

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        painter = QPainter()
        if not painter.begin(self.printer):
            self.outcome = "not started"
            return
        try:
            self.pages = paint_pdf(self.pdf, self.printer, painter, dpi=self.dpi,
                                   grey=self.grey, progress=self.progress.emit,
                                   cancelled=self._cancel.is_set)
            if self.pages < self.total:
                self.outcome = "cancelled"
                # not every printer can drop a job (a PDF file cannot): then the pages
                # already sent are printed and the run ends normally
                self.aborted = self.printer.abort()
            else:
                self.outcome = "printed"
        except Exception as exc:  # pdfium or the printer: say so on the dialog
            log.error("printing failed (%s)", type(exc).__name__)
            self.outcome = "failed"
        finally:
            painter.end()


#: pypdfium2's bitmaps (byte order reversed: RGB) by their number of channels
_FORMATS = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888,
            4: QImage.Format.Format_RGBA8888}


def _fit(width: float, height: float, into_width: float, into_height: float) -> QRectF:
    scale = min(into_width / width, into_height / height)
    w, h = width * scale, height * scale
    return QRectF((into_width - w) / 2, (into_height - h) / 2, w, h)


def is_preview(printer: QPrinter) -> bool:
    """True while Qt's print preview draws its pages (the preview records a picture); false
    when the pages go to a printer or a file."""
    engine = printer.paintEngine()
    return engine is not None and engine.type() == QPaintEngine.Type.Picture


def printer_problem(printer: QPrinter) -> str:
    """Why ``printer`` cannot print, in plain words ('' when it looks ready): checked before
    the print is audited."""
    if not printer.isValid():
        return "That printer is not available. Choose another printer and try again."
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        name = printer.outputFileName()
        if not name:
            return "Choose a file to print to, or a printer."
        if not Path(name).parent.is_dir():
            return f"There is no folder {str(Path(name).parent)!r} to print into."
    return ""


def new_printer(pdf: bytes, title: str) -> QPrinter:
    """A printer set up for the document: its paper size and orientation, and no margins of
    its own (the PDF has them)."""
    import pypdfium2 as pdfium

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    printer.setFullPage(True)
    with _PDFIUM:
        doc = pdfium.PdfDocument(pdf)
        try:
            width, height = doc[0].get_size() if len(doc) else (595.0, 842.0)
        finally:
            doc.close()
    size = QPageSize(QSizeF(min(width, height), max(width, height)), QPageSize.Unit.Point,
                     "", QPageSize.SizeMatchPolicy.FuzzyMatch)  # A4 stays A4
    printer.setPageSize(size)
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if width > height
                               else QPageLayout.Orientation.Portrait)
    return printer


# -- the dialog ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    """One click's inputs, read when it was made."""

    document: Document
    marking: str
    reason: str
    values: dict[str, Any]


class PrintDialog(QDialog):
    """Audience, marking, the document's options, a reason; preview, print or save as PDF."""

    def __init__(self, runner: WorkspaceRunner, job: PrintJob,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.job = job
        self.setObjectName("personDialog")
        self.setWindowTitle(f"Print: {job.title}")
        self.setModal(True)
        # No setMinimumWidth: the layout's own minimum (the widest option) must hold.
        self.preview: QPrintPreviewDialog | None = None
        self.busy = False
        self._preview_request: _Request | None = None
        self._preview_pdf = b""
        #: asks for a printer (Qt's print dialog); tests replace it
        self.ask_printer: Callable[[QPrinter], bool] = self._ask_printer
        #: asks where to save (a file chooser); '' when cancelled; tests replace it
        self.ask_save_path: Callable[[str], str] = self._ask_save_path
        #: the SHA-256 of the last document printed or saved
        self.last_digest = ""
        #: the print being sent on its own thread, if any (and its digest and request)
        self.worker: PrintWorker | None = None
        self._printing: tuple[str, _Request] | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(8)
        heading = text_label(job.title, "dialogTitle")
        heading.setAccessibleName(job.title)
        layout.addWidget(heading)
        intro = ("Printing and saving are recorded in the audit log, with the audience, your "
                 "reason and a fingerprint (SHA-256) of the document.")
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
        self.protect_box = QCheckBox("P&rotect the saved PDF with a password")
        self.protect_box.setAccessibleName("Protect the saved PDF with a password")
        self.password_edit = line_edit("PDF password", password=True, max_length=200)
        self.confirm_edit = line_edit("Type the PDF password again", password=True,
                                      max_length=200)
        pw = QGridLayout()
        pw.setHorizontalSpacing(14)
        pw.setVerticalSpacing(4)
        pw.setColumnStretch(0, 1)
        pw.setColumnStretch(1, 1)
        layout.addWidget(self.protect_box)
        pw.addWidget(field_label("PDF pass&word", self.password_edit), 0, 0)
        pw.addWidget(field_label("Type it a&gain", self.confirm_edit), 0, 1)
        pw.addWidget(self.password_edit, 1, 0)
        pw.addWidget(self.confirm_edit, 1, 1)
        self.password_hint = text_label(
            f"For Save as PDF. At least {MIN_PASSWORD} characters; the file is encrypted "
            "(AES-256). Give the password to the reader separately, never with the file.",
            "hint")
        layout.addLayout(pw)
        layout.addWidget(self.password_hint)

        self.error = MessageLabel("error")
        self.notice = MessageLabel("notice")
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
        self.protect_box.toggled.connect(self._protect_toggled)
        self.reason_edit.textEdited.connect(lambda _: set_invalid(self.reason_edit, False))
        self._protect_toggled(False)
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
        job = self.job
        name = self.profile_combo.currentData() if self.job.profiles else ""
        label = self.profile_combo.currentText() if self.job.profiles else ""
        document = Document(title=job.title, what=job.what, profile=name or "none",
                            profile_label=label, file_name=job.file_name)
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
        reason = " ".join(self.reason_edit.text().split())
        if not reason:
            set_invalid(self.reason_edit, True)
            self.error.show_message("Enter a reason for printing or saving: it is required "
                                    "and recorded in the audit log.")
            self.reason_edit.setFocus()
            return None
        set_invalid(self.reason_edit, False)
        marking = clean_marking(self.marking_edit.text())
        return _Request(self.document(), marking, reason,
                        self.options.values() if self.options is not None else {})

    def _password(self) -> str | None:
        """The password to protect the saved file with: None when not wanted, '' (with the
        problem shown) when it is not acceptable."""
        if not self.protect_box.isChecked():
            return None
        password, again = self.password_edit.text(), self.confirm_edit.text()
        if len(password) < MIN_PASSWORD:
            self.error.show_message(f"The PDF password needs at least {MIN_PASSWORD} "
                                    "characters.")
            set_invalid(self.password_edit, True)
            self.password_edit.setFocus()
            return ""
        if password != again:
            self.error.show_message("The two passwords are not the same. Type them again.")
            set_invalid(self.confirm_edit, True)
            self.confirm_edit.setFocus()
            return ""
        set_invalid(self.password_edit, False)
        set_invalid(self.confirm_edit, False)
        return password

    # -- building the PDF (worker thread) ----------------------------------------------------

    def _build(self, request: _Request, then: Callable[[bytes], None]) -> None:
        build, values, document, marking = (self.job.build, request.values, request.document,
                                            request.marking)

        def work(ws: Workspace) -> bytes:
            return build(ws, _meta(ws, document, marking), document.profile, **values)

        self._run(work, then, "Preparing the document…")

    def _run(self, work: Callable[[Workspace], Any], then: Callable[[Any], None],
             status: str) -> None:
        self._set_busy(True, status)

        def done(result: Any) -> None:
            if shiboken6.isValid(self):
                self._set_busy(False)
                then(result)

        def failed(exc: CseError) -> None:
            if shiboken6.isValid(self):
                self._set_busy(False)
                self.error.show_message(exc.message)

        try:
            self.runner.run(work, on_done=done, on_error=failed)
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
        self._preview_request, self._preview_pdf = request, pdf
        printer = new_printer(pdf, request.document.title)
        preview = self.preview = QPrintPreviewDialog(printer, self)
        # Qt's preview does not own its printer: it lives as long as the preview's wrapper.
        preview.printer_ref = printer  # type: ignore[attr-defined]
        preview.setWindowTitle(f"Print preview: {request.document.title}")
        preview.setAccessibleName(f"Print preview of the {request.document.what}")
        preview.resize(820, 900)
        preview.paintRequested.connect(self._paint_requested)
        preview.finished.connect(lambda _r: self._preview_closed(preview))
        _name_preview_controls(preview)
        self.notice.show_message("The preview is open. Printing from it is recorded in the "
                                 "audit log; looking is not.")
        preview.open()
        return preview

    def _preview_closed(self, preview: QPrintPreviewDialog) -> None:
        if self.preview is preview:
            self.preview = None
            self._preview_pdf = b""
            self._preview_request = None
        preview.deleteLater()

    def _paint_requested(self, printer: QPrinter) -> None:
        request, pdf = self._preview_request, self._preview_pdf
        if request is None or not pdf:
            return
        if is_preview(printer):
            painter = QPainter(printer)
            try:
                paint_pdf(pdf, printer, painter, dpi=PREVIEW_DPI)
            finally:
                painter.end()
        else:  # "Print" inside the preview: Qt's preview drives it, so on this thread
            self.print_to(printer, pdf, request)

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
        document = request.document
        try:
            digest = self.runner.call(lambda ws: audit_print(
                ws, pdf, what=document.what, record_kind=self.job.record_kind,
                record_id=self.job.record_id, profile=document.profile,
                reason=request.reason))
        except CseError as exc:
            self.error.show_message(f"Nothing was printed: the print could not be recorded "
                                    f"in the audit log. {exc.message}")
            return False
        except RuntimeError:  # the workspace locked meanwhile
            return False
        except Exception as exc:  # a bug or the disk: never print unaudited
            log.error("print audit failed unexpectedly (%s)", type(exc).__name__)
            self.error.show_message("Nothing was printed: the print could not be recorded "
                                    "in the audit log. Try again; if it happens again, tell "
                                    "your IT service desk.")
            return False
        dpi, grey = print_settings(printer)
        if background:
            self._start_worker(PrintWorker(printer, pdf, dpi=dpi, grey=grey, parent=self),
                               digest, request)
            return True
        # Inside Qt's preview: its print must be painted before this returns, so it is
        # painted here, on the UI thread (no progress: the preview is not re-entrant).
        painter = QPainter()
        if not painter.begin(printer):
            self._printer_not_started()
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        busy = self.busy
        self._set_busy(True, "Printing…")
        try:
            pages = paint_pdf(pdf, printer, painter, dpi=dpi, grey=grey)
        finally:
            painter.end()
            self._set_busy(busy)
            QApplication.restoreOverrideCursor()
        self._printed(pages, digest, request)
        return True

    def _start_worker(self, worker: PrintWorker, digest: str, request: _Request) -> None:
        self.worker = worker
        self._set_busy(True, "Starting the printer…")
        self.cancel_print_button.setEnabled(True)
        self.cancel_print_button.show()
        self.setCursor(Qt.CursorShape.BusyCursor)
        self._printing = (digest, request)
        # the worker's signals come from its thread: queued, so handled on this one
        queued = Qt.ConnectionType.QueuedConnection
        worker.progress.connect(self._progress, queued)
        worker.finished.connect(self._print_ended, queued)
        worker.start()

    def cancel_print(self) -> None:
        """Stop the print after the page being sent (the dialog stays usable meanwhile)."""
        if self.worker is not None and not self.worker.cancelling:
            self.worker.cancel()
            self.cancel_print_button.setEnabled(False)
            self.notice.show_message("Cancelling: stopping after the page being sent…")

    def _progress(self, page: int, pages: int) -> None:
        if self.worker is not None and not self.worker.cancelling:
            self.notice.show_message(f"Printing page {page} of {pages}…")

    def _print_ended(self) -> None:
        worker, printing = self.worker, self._printing
        if worker is None or printing is None:
            return  # closing the dialog has ended this print already
        worker.wait()  # finished comes just before the thread ends: at once
        digest, request = printing
        self.worker, self._printing = None, None
        worker.deleteLater()
        self.cancel_print_button.hide()
        self.unsetCursor()
        self._set_busy(False)
        if worker.outcome == "printed":
            self._printed(worker.pages, digest, request)
        elif worker.outcome == "cancelled":
            self._print_cancelled(worker)
        elif worker.outcome == "not started":
            self._printer_not_started()
        else:
            sent = (f" after {worker.pages} of {worker.total} pages" if worker.pages else "")
            self.error.show_message(f"Printing stopped{sent}: the printer or the document "
                                    "could not be processed (the attempt is in the audit "
                                    "log). Try again; if it happens again, tell your IT "
                                    "service desk.")

    def _printed(self, pages: int, digest: str, request: _Request) -> None:
        self.last_digest = digest
        self._remember_marking(request.marking)
        noun = "page" if pages == 1 else "pages"
        self.notice.show_message(f"Sent {pages} {noun} to the printer. The print is recorded "
                                 "in the audit log.")

    def _print_cancelled(self, worker: PrintWorker) -> None:
        if worker.aborted:
            what = "The printer dropped the job, so nothing should come out."
        elif worker.pages:
            noun = "page" if worker.pages == 1 else "pages"
            what = (f"{worker.pages} of {worker.total} {noun} had been sent and will still "
                    "print.")
        else:
            what = "No pages had been sent."
        self.notice.show_message(f"Printing cancelled. {what} The print is recorded in the "
                                 "audit log.")

    def _printer_not_started(self) -> None:
        self.error.show_message("The printer could not be started (the attempt is in the "
                                "audit log). Check that it is switched on and connected, "
                                "then try again.")

    # -- save as PDF -------------------------------------------------------------------------

    def start_save(self) -> None:
        """Ask where, then build, (protect,) save and audit the PDF on the worker thread."""
        request = self._request()
        if request is None or self.busy:
            return
        password = self._password()
        if password == "":
            return
        path = self.ask_save_path(request.document.file_name)
        if not path:
            return
        out = Path(path)
        if out.suffix.lower() != ".pdf":
            out = out.with_name(out.name + ".pdf")
        build, job, document = self.job.build, self.job, request.document
        marking, values, reason = request.marking, request.values, request.reason

        def work(ws: Workspace) -> str:
            from cse_desktop.reports.output import save_report

            pdf = build(ws, _meta(ws, document, marking), document.profile, **values)
            return save_report(ws, pdf, out, what=document.what, record_kind=job.record_kind,
                               record_id=job.record_id, profile=document.profile,
                               reason=reason, password=password, export=True)

        def saved(digest: str) -> None:
            self.last_digest = digest
            self._remember_marking(marking)
            self.password_edit.clear()
            self.confirm_edit.clear()
            protected = " It is protected with the password you chose." if password else ""
            self.notice.show_message(f"Saved to {out}.{protected} The export is recorded in "
                                     "the audit log.")

        self._run(work, saved, "Preparing and saving the PDF…")

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

    def _protect_toggled(self, on: bool) -> None:
        self.password_edit.setEnabled(on)
        self.confirm_edit.setEnabled(on)
        if not on:
            self.password_edit.clear()
            self.confirm_edit.clear()
            set_invalid(self.password_edit, False)
            set_invalid(self.confirm_edit, False)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.width() < DIALOG_WIDTH:
            self.resize(DIALOG_WIDTH, self.height())
        self._fit_height()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self._fit_height)
        return handled

    def _fit_height(self) -> None:
        """Grow when a message appears (wrapped text needs height for its width), rather
        than squeezing the fields into each other."""
        if not shiboken6.isValid(self):
            return
        layout = self.layout()
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
        worker, self.worker, self._printing = self.worker, None, None
        if worker is not None:
            worker.cancel()
            worker.wait()
            worker.deleteLater()
            self.cancel_print_button.hide()
            self.unsetCursor()
            self._set_busy(False)
        if self.preview is not None:
            self.preview.close()
        self.password_edit.clear()
        self.confirm_edit.clear()
        self._preview_pdf = b""
        super().done(result)


def _meta(ws: Workspace, document: Document, marking: str) -> PrintMeta:
    from cse_desktop.reports.page import PrintMeta

    return PrintMeta(title=document.title, printed_by=ws.owner.name,
                     printed_at=datetime.now(UTC), marking=marking,
                     profile_label=document.profile_label)


def _name_preview_controls(preview: QPrintPreviewDialog) -> None:
    """Qt's preview has unnamed inputs (the page number, the zoom): name them for screen
    readers."""
    for combo in preview.findChildren(QComboBox):
        if not combo.accessibleName():
            combo.setAccessibleName("Zoom")
    for edit in preview.findChildren(QLineEdit):
        if not edit.accessibleName() and not isinstance(edit.parent(), QComboBox):
            edit.setAccessibleName("Page number")


# -- the three documents -----------------------------------------------------------------------


class SummaryOptions(PrintOptions):
    """The RMM case summary's sections, and the chronology's date range."""

    def __init__(self, sections: Iterable[tuple[str, str]], today: date | None = None) -> None:
        super().__init__()
        self.today = today or date.today()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.section_boxes: dict[str, QCheckBox] = {}
        title = text_label("Sections", "fieldLabel")
        title.setAccessibleName("Sections")
        layout.addWidget(title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(0)
        items = list(sections)
        half = (len(items) + 1) // 2
        for i, (section_id, label) in enumerate(items):
            box = QCheckBox(label)
            box.setAccessibleName(f"Section: {label}")
            box.setChecked(True)
            self.section_boxes[section_id] = box
            grid.addWidget(box, i % half, i // half)
        layout.addLayout(grid)
        self.from_edit = OptionalDateEdit("Chronology from", "From the start")
        self.to_edit = OptionalDateEdit("Chronology to", "Up to today")
        self.from_edit.set_value(None, self.today.replace(year=self.today.year - 1))
        self.to_edit.set_value(None, self.today)
        dates = QGridLayout()
        dates.setHorizontalSpacing(14)
        dates.setVerticalSpacing(4)
        dates.addWidget(field_label("Chronology &from", self.from_edit), 0, 0)
        dates.addWidget(field_label("Chronology &to", self.to_edit), 0, 1)
        dates.addWidget(self.from_edit, 1, 0)
        dates.addWidget(self.to_edit, 1, 1)
        layout.addSpacing(4)
        layout.addLayout(dates)
        chain_tab_order([*self.section_boxes.values(), self.from_edit.edit,
                         self.from_edit.none_box, self.to_edit.edit, self.to_edit.none_box])
        if self.section_boxes:
            self.setFocusProxy(next(iter(self.section_boxes.values())))

    def chosen(self) -> list[str]:
        return [sid for sid, box in self.section_boxes.items() if box.isChecked()]

    def values(self) -> dict[str, Any]:
        chosen = self.chosen()
        return {"sections": None if len(chosen) == len(self.section_boxes) else set(chosen),
                "date_from": self.from_edit.value(), "date_to": self.to_edit.value()}

    def problem(self) -> str:
        if self.section_boxes and not self.chosen():
            return "Choose at least one section to print."
        start, end = self.from_edit.value(), self.to_edit.value()
        if start is not None and end is not None and start > end:
            return "The chronology's start date is after its end date."
        return ""


def summary_sections() -> list[tuple[str, str]]:
    """The summary's sections, in order: (id, label)."""
    from cse_desktop.reports.summary import SECTIONS

    if isinstance(SECTIONS, Mapping):
        return [(str(k), str(v)) for k, v in SECTIONS.items()]
    return [(str(k), str(v)) for k, v in SECTIONS]


def summary_job(person_id: str, name: str, *, today: date | None = None) -> PrintJob:
    """The RMM case summary of one young person."""

    def build(ws: Workspace, meta: PrintMeta, profile: str, **options: Any) -> bytes:
        from cse_desktop.reports.summary import build_summary

        return build_summary(ws, person_id, meta=meta, profile=profile, **options)

    sections = summary_sections()
    day = today or date.today()
    return PrintJob(title="RMM case summary", what="RMM case summary", build=build,
                    record_kind="person", record_id=person_id, subject=name,
                    options=lambda: SummaryOptions(sections, day),
                    file_name=f"rmm-case-summary-{day:%Y-%m-%d}.pdf")


def agenda_job(meeting: date) -> PrintJob:
    """Everyone due at the Risk Management Meeting on ``meeting``, in one pack."""

    def build(ws: Workspace, meta: PrintMeta, profile: str) -> bytes:
        from cse_desktop.reports.agenda import build_agenda

        return build_agenda(ws, meeting, meta=meta, profile=profile)

    when = f"{meeting:%A} {meeting.day} {meeting:%B %Y}"
    return PrintJob(title=f"RMM agenda pack {meeting:%d %b %Y}",
                    what=f"RMM agenda pack for {meeting.isoformat()}", build=build,
                    subject=f"The Risk Management Meeting on {when}: a cover agenda and a "
                            "summary of each young person due",
                    file_name=f"rmm-agenda-pack-{meeting:%Y-%m-%d}.pdf",
                    reason_example=f"For example: Risk Management Meeting on {when}")


def quarter_of(day: date, *, financial: bool = True) -> str:
    return str(Quarter.containing(day, financial=financial))


def quarter_words(quarter: str) -> str:
    """FY2026-27Q2 -> July to September 2026 (Q2 of financial year 2026-27)."""
    q = Quarter.parse(quarter)
    return f"{q.label} ({q.kind_label})"


def recent_quarters(today: date, count: int = 8, *, financial: bool = True) -> list[str]:
    """The quarter of ``today`` and the ``count - 1`` before it, newest first."""
    return [str(q) for q in Quarter.recent(today, count, financial=financial)]


class QuarterOptions(PrintOptions):
    """The kind of quarter (financial year by default, or calendar), the quarter, this
    council's name (the home authority: needed to tell looked after children placed here by
    other authorities from its own), and whether this is the shareable version."""

    def __init__(self, today: date | None = None, settings_file: Path | None = None) -> None:
        super().__init__()
        self.today = today or date.today()
        self.settings_file = settings_file
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Kind of quarter")
        self.kind_combo.addItem("Financial year (April to March)", "financial")
        self.kind_combo.addItem("Calendar year (January to December)", "calendar")
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(
            load_quarter_kind(settings_file))))
        self.quarter_combo = QComboBox()
        self.quarter_combo.setAccessibleName("Quarter")
        self._fill_quarters()
        self.kind_combo.currentIndexChanged.connect(self._fill_quarters)
        self.home_edit = QLineEdit(load_home_authority(settings_file))
        self.home_edit.setAccessibleName("Home authority: this council's name")
        self.home_edit.setPlaceholderText("For example: Surrey County Council")
        self.home_edit.setMaxLength(200)
        self.home_edit.setToolTip("This council's name, as children's records write the "
                                  "placing authority: looked after children placed here by "
                                  "another authority are counted apart from its own.")
        self.shareable_box = QCheckBox("S&hareable version: withhold numbers under 5")
        self.shareable_box.setAccessibleName("Shareable version: withhold numbers under 5")
        layout.addWidget(field_label("&Kind of quarter", self.kind_combo))
        layout.addWidget(self.kind_combo)
        layout.addWidget(field_label("&Quarter", self.quarter_combo))
        layout.addWidget(self.quarter_combo)
        layout.addWidget(field_label("Home &authority (this council)", self.home_edit))
        layout.addWidget(self.home_edit)
        layout.addWidget(self.shareable_box)
        layout.addWidget(text_label(
            "The shareable version is for the partnership: every count from 1 to 4 is shown "
            "as \u201c<5\u201d, so no child can be recognised from it.", "hint"))
        chain_tab_order([self.kind_combo, self.quarter_combo, self.home_edit,
                         self.shareable_box])
        self.setFocusProxy(self.quarter_combo)

    def _fill_quarters(self) -> None:
        financial = self.kind_combo.currentData() != "calendar"
        self.quarter_combo.clear()
        current = quarter_of(self.today, financial=financial)
        for quarter in recent_quarters(self.today, financial=financial):
            q = Quarter.parse(quarter)
            so_far = ", so far" if quarter == current else ""
            self.quarter_combo.addItem(f"{q.label} ({quarter}{so_far})", quarter)
        self.quarter_combo.setCurrentIndex(1)  # the last complete quarter

    @property
    def quarter(self) -> str:
        return str(self.quarter_combo.currentData())

    @property
    def home_authority(self) -> str:
        return " ".join(self.home_edit.text().split())

    def problem(self) -> str:
        if not self.home_authority:
            return ("Give the home authority (this council's name): the profile needs it to "
                    "tell looked after children placed here by other authorities from its "
                    "own.")
        return ""

    def values(self) -> dict[str, Any]:
        save_profile_options(self.home_authority, str(self.kind_combo.currentData()),
                             self.settings_file)
        return {"quarter": self.quarter, "shareable": self.shareable_box.isChecked(),
                "home_la": self.home_authority}

    def adjust(self, document: Document) -> Document:
        version = "shareable" if self.shareable_box.isChecked() else "restricted"
        return replace(document, title=f"Missing profile {self.quarter}",
                       what=f"Quarterly missing profile {self.quarter} ({version})",
                       # the profile names its version in the footer itself
                       profile=version, profile_label="",
                       file_name=f"missing-profile-{self.quarter}-{version}.pdf")


def profile_job(today: date | None = None) -> PrintJob:
    """The quarterly missing-episode profile (the quarter is chosen in the dialog)."""

    def build(ws: Workspace, meta: PrintMeta, _profile: str, *, quarter: str,
              shareable: bool, home_la: str) -> bytes:
        from cse_desktop.reports.profile import build_profile

        return build_profile(ws, quarter, meta=meta, shareable=shareable, home_la=home_la)

    return PrintJob(title="Quarterly missing profile", what="Quarterly missing profile",
                    build=build, profiles=False, subject="Missing episodes across the "
                    "caseload for one quarter: volumes, return interviews, patterns, trends",
                    options=lambda: QuarterOptions(today),
                    reason_example="For example: the partnership's quarterly missing "
                                   "children report")


def open_print_dialog(runner: WorkspaceRunner, job: PrintJob,
                      parent: QWidget | None) -> PrintDialog:
    """Show the print dialog for ``job`` (window-modal; deleted when closed)."""
    dialog = PrintDialog(runner, job, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.open()
    return dialog


def close_print_dialog(dialog: PrintDialog | None) -> None:
    """Close a print dialog if it is still open (the workspace is locking)."""
    if dialog is not None and shiboken6.isValid(dialog):
        dialog.reject()


__all__ = ["Document", "PrintDialog", "PrintJob", "PrintOptions", "PrintWorker",
           "QuarterOptions", "SummaryOptions", "agenda_job", "audit_print",
           "close_print_dialog", "open_print_dialog", "paint_pdf", "print_settings",
           "profile_job", "summary_job"]
