"""Painting PDF pages on a printer: pypdfium2 renders them, Qt paints them.

:func:`paint_pdf` paints for the preview (on the UI thread, driven by Qt's preview) and for a
printer; a :class:`PrintWorker` runs a print on the task manager's network executor, telling
the dialog how far it has got by a queued signal and stopping after the page being sent when
cancelled.  pdfium is not thread-safe: every use of it takes :data:`_PDFIUM`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRectF, QSizeF, Signal
from PySide6.QtGui import (
    QImage,
    QImageWriter,
    QPageLayout,
    QPageSize,
    QPaintEngine,
    QPainter,
)
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

#: pages are rendered at this resolution for the preview (dots per inch) ...
PREVIEW_DPI = 110
#: ... and at most at this one for a printer (its own resolution when lower).  200 dpi
#: keeps text sharp on paper; 300 dpi made a 90-page agenda pack ~100 MB and ~17 s to send
PRINT_DPI = 200

#: pdfium is not thread-safe: the preview (UI thread) and a print (worker) take turns
_PDFIUM = threading.Lock()

#: pypdfium2's bitmaps (byte order reversed: RGB) by their number of channels
_FORMATS = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888,
            4: QImage.Format.Format_RGBA8888}


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


def paint_here(printer: QPrinter, pdf: bytes, *, dpi: int, grey: bool) -> int | None:
    """Paint ``pdf`` on ``printer`` on this thread; the pages painted, or None when the
    printer would not start."""
    painter = QPainter()
    if not painter.begin(printer):
        return None
    try:
        return paint_pdf(pdf, printer, painter, dpi=dpi, grey=grey)
    finally:
        painter.end()


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


def _fit(width: float, height: float, into_width: float, into_height: float) -> QRectF:
    scale = min(into_width / width, into_height / height)
    w, h = width * scale, height * scale
    return QRectF((into_width - w) / 2, (into_height - h) / 2, w, h)


def page_count(pdf: bytes) -> int:
    """The number of pages of ``pdf``."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        doc = pdfium.PdfDocument(pdf)
        try:
            return len(doc)
        finally:
            doc.close()


# -- the printer ---------------------------------------------------------------------------------


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


# -- a print in the background ------------------------------------------------------------------

#: what the dialog says when the printer would not start
NOT_STARTED = ("The printer could not be started (the attempt is in the audit log). Check that "
               "it is switched on and connected, then try again.")


@functools.cache
def load_image_plugins() -> None:
    """Load Qt's image format plugins on this thread (the UI thread), once, before a worker
    paints. A PDF printer asks them which formats they write as it takes each page's image;
    the first ask creates each plugin and moves it to the UI thread, which takes a Qt lock the
    UI thread may hold while it waits for the interpreter's lock, held by the worker: a print
    froze that way in the test suite (2026-12-06). Made here, the plugins are on the UI thread
    already, and a worker only looks them up."""
    QImageWriter.supportedImageFormats()


class PrintWorker(QObject):
    """One print, painted off the UI thread: :meth:`run` is the job the dialog gives the task
    manager's network executor (Qt allows a QPainter on a QPrinter off the GUI thread).  It
    touches no widget: :attr:`progress` reaches the dialog queued, and the dialog reads the
    outcome when the task manager hands the finished worker back.  :meth:`cancel` stops it
    after the page being sent (and aborts the print job when the printer can); :meth:`stop`
    also waits for that page (closing the dialog)."""

    #: (page number, pages) before each page is sent; emitted on the worker's thread
    progress = Signal(int, int)

    def __init__(self, printer: QPrinter, pdf: bytes, *, dpi: int, grey: bool) -> None:
        """Made on the UI thread (the dialog's), where it loads the image plugins first."""
        super().__init__()
        load_image_plugins()
        self.printer, self.pdf, self.dpi, self.grey = printer, pdf, dpi, grey
        self._cancel = threading.Event()
        self._started = threading.Event()
        self._finished = threading.Event()
        #: the outcome, once finished: "printed", "cancelled" or "not started" (a failure
        #: is raised, and the task manager words it)
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

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def cancelled_words(self) -> str:
        """What a cancelled print sent, in words for the dialog."""
        if self.aborted:
            what = "The printer dropped the job, so nothing should come out."
        elif self.pages:
            noun = "page" if self.pages == 1 else "pages"
            what = f"{self.pages} of {self.total} {noun} had been sent and will still print."
        else:
            what = "No pages had been sent."
        return f"Printing cancelled. {what} The print is recorded in the audit log."

    def stop(self) -> None:
        """Cancel, and wait for the page being sent, if the print has begun (one that has
        not will not begin)."""
        self._cancel.set()
        if self._started.is_set():
            self._finished.wait()

    def run(self) -> PrintWorker:
        """Paint the pages (on the worker's thread); returns this worker, its outcome set."""
        self._started.set()
        try:
            if self._cancel.is_set():  # stopped before its turn came
                self.outcome = "cancelled"
                return self
            painter = QPainter()
            if not painter.begin(self.printer):
                self.outcome = "not started"
                return self
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
            finally:
                painter.end()
            return self
        finally:
            self._finished.set()
