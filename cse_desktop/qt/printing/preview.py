"""Qt's print preview of a built document: the pages as pdfium renders them.

Looking is not printing and writes no audit entry.  Printing from inside the preview is a
print: the preview hands the printer to the dialog, which audits it before painting.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from cse_desktop.qt.printing.paint import PREVIEW_DPI, is_preview, new_printer, paint_pdf
from cse_desktop.reports.jobs import Document


class PrintPreview(QPrintPreviewDialog):
    """The pages of ``pdf``; ``print_to(printer)`` prints them when the user prints from
    the preview (on the UI thread: Qt's preview drives it)."""

    def __init__(self, pdf: bytes, document: Document, print_to: Callable[[QPrinter], object],
                 parent: QWidget) -> None:
        printer = new_printer(pdf, document.title)
        super().__init__(printer, parent)
        # Qt's preview does not own its printer: it lives as long as this wrapper.
        self._own_printer = printer
        self._pdf = pdf
        self._print_to = print_to
        self.setWindowTitle(f"Print preview: {document.title}")
        self.setAccessibleName(f"Print preview of the {document.what}")
        self.resize(820, 900)
        self.paintRequested.connect(self._paint_requested)
        self._name_controls()

    def _paint_requested(self, printer: QPrinter) -> None:
        if not is_preview(printer):  # "Print" inside the preview
            self._print_to(printer)
            return
        painter = QPainter(printer)
        try:
            paint_pdf(self._pdf, printer, painter, dpi=PREVIEW_DPI)
        finally:
            painter.end()

    def _name_controls(self) -> None:
        """Qt's preview has unnamed inputs (the page number, the zoom): name them for screen
        readers."""
        for combo in self.findChildren(QComboBox):
            if not combo.accessibleName():
                combo.setAccessibleName("Zoom")
            # the app's padded text boxes do not fit inside Qt's editable zoom box: the
            # number was cut off at the bottom; give it the room it needs
            edit = combo.lineEdit()
            if edit is not None:
                edit.setStyleSheet("padding: 0px; margin: 0px; border: none;")
                edit.setAccessibleName("Zoom")
            combo.setMinimumContentsLength(7)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumHeight(combo.sizeHint().height())
        for edit in self.findChildren(QLineEdit):
            if not edit.accessibleName() and not isinstance(edit.parent(), QComboBox):
                edit.setAccessibleName("Page number")
