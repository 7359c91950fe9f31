"""Printing from the app (qt/printing/): the dialog, preview, print and save as PDF.

Real components throughout: an encrypted workspace and its task manager, reportlab documents, Qt's
printer writing a real PDF file, pikepdf reading the files back.  Screens are saved under
test-artifacts/screenshots/ (print-*.png) for people to look at.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QWidget,
)

from cse_desktop.domain.models import AuditAction
from cse_desktop.qt.operations import Operation
from cse_desktop.qt.printing import (
    PrintDialog,
    PrintJob,
    QuarterOptions,
    SummaryOptions,
    audit_print,
    paint,
)
from cse_desktop.qt.settings import (
    DEFAULT_MARKING,
    clean_marking,
    load_home_authority,
    load_marking,
    load_quarter_kind,
)

REASON = "Fictional RMM on 10 March 2026"
PASSWORD = "fictional pdf password 7"


# -- a document made with the shared page (the same path as every report) -------------------


class Built:
    """A builder that makes a three-page document and remembers what it was asked for."""

    def __init__(self, pages: int = 3) -> None:
        self.pages = pages
        self.calls: list[dict] = []
        self.outputs: list[bytes] = []

    def __call__(self, ws, meta, profile, **options) -> bytes:  # type: ignore[no-untyped-def]
        from reportlab.platypus import PageBreak, Paragraph

        from cse_desktop.reports.page import render, styles

        self.calls.append({"meta": meta, "profile": profile, "owner": ws.owner.name,
                           **options})
        st = styles()

        def story():  # type: ignore[no-untyped-def]
            out = []
            for n in range(self.pages):
                if n:
                    out.append(PageBreak())
                out.append(Paragraph(f"Fictional test document, part {n + 1}", st["title"]))
                out.append(Paragraph(f"Audience profile: {profile}. " + "Invented text. " * 80,
                                     st["body"]))
            return out

        pdf = render(story, meta)
        self.outputs.append(pdf)
        return pdf


def test_job(builder: Built, **kwargs) -> PrintJob:  # type: ignore[no-untyped-def]
    return PrintJob(title="Fictional test document", what="Fictional test document",
                    build=builder, record_kind="person", record_id="fictional-person-1",
                    subject="Asha Examplefield (fictional)", file_name="fictional.pdf",
                    **kwargs)


test_job.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture
def make_dialog(qtbot, caseload_workspace):  # type: ignore[no-untyped-def]
    def make(job: PrintJob) -> PrintDialog:
        dialog = PrintDialog(caseload_workspace.tasks, job)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def audit_rows(tasks, action: AuditAction | None = None):  # type: ignore[no-untyped-def]
    events = tasks.call(Operation(lambda ws: ws.audit.events()))
    return [e for e in events if action is None or e.action is action]


def wait_idle(qtbot, dialog: PrintDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy and dialog.tasks.idle, timeout=20_000)


def pdf_printer(out: Path):  # type: ignore[no-untyped-def]
    """An ask_printer that "chooses" a PDF file as the printer."""
    def choose(printer: QPrinter) -> bool:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True

    return choose


# -- the reason is required ------------------------------------------------------------------


def test_no_reason_no_print_no_file_no_audit(qtbot, make_dialog, caseload_workspace,
                                            tmp_path, screenshot) -> None:
    builder = Built()
    dialog = make_dialog(test_job(builder))
    before = len(audit_rows(caseload_workspace.tasks))
    asked: list[str] = []
    dialog.ask_save_path = lambda name: asked.append(name) or str(tmp_path / "x.pdf")  # type: ignore[func-returns-value]
    dialog.ask_printer = pdf_printer(tmp_path / "printed.pdf")
    dialog.reason_edit.setText("   ")
    for b in (dialog.save_button, dialog.print_button, dialog.preview_button):
        b.click()
        assert dialog.error.isVisible()
        assert "reason" in dialog.error.text()
        assert dialog.reason_edit.property("invalid") is True
    screenshot(dialog, "print-dialog-reason-required")
    wait_idle(qtbot, dialog)
    assert asked == [] and builder.calls == [] and dialog.preview is None
    assert list(tmp_path.glob("*.pdf")) == []
    assert len(audit_rows(caseload_workspace.tasks)) == before
    # typing clears the red border
    qtbot.keyClicks(dialog.reason_edit, "a")
    assert dialog.reason_edit.property("invalid") is False


def test_audit_print_refuses_an_empty_reason(caseload_workspace) -> None:
    from cse_desktop.domain.errors import UsageError

    with pytest.raises(UsageError):
        caseload_workspace.tasks.call(Operation(lambda ws: audit_print(
            ws, b"%PDF", what="x", record_kind="", record_id="", profile="internal",
            reason=" \n ")))


# -- save as PDF -----------------------------------------------------------------------------


def test_save_as_pdf_with_a_password(qtbot, make_dialog, caseload_workspace, tmp_path) -> None:
    builder = Built()
    dialog = make_dialog(test_job(builder))
    dialog.profile_combo.setCurrentIndex(dialog.profile_combo.findData("police"))
    dialog.reason_edit.setText(REASON)
    dialog.protect_box.setChecked(True)
    dialog.password_edit.setText(PASSWORD)
    dialog.confirm_edit.setText(PASSWORD)
    out = tmp_path / "saved"  # .pdf is added
    dialog.ask_save_path = lambda name: str(out)
    before = len(audit_rows(caseload_workspace.tasks))
    dialog.save_button.click()
    wait_idle(qtbot, dialog)
    assert not dialog.error.isVisible(), dialog.error.text()
    saved = tmp_path / "saved.pdf"
    assert saved.is_file() and not out.exists()
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(saved)
    with pikepdf.open(saved, password=PASSWORD) as pdf:
        assert len(pdf.pages) == 3
        assert pdf.encryption.bits == 256
    # the builder was given the audience and the owner's name and the marking
    call = builder.calls[-1]
    assert call["profile"] == "police"
    assert call["meta"].printed_by == "Morgan Fictional-Manager"
    assert call["meta"].profile_label == "Police copy"
    assert call["meta"].marking == DEFAULT_MARKING
    rows = audit_rows(caseload_workspace.tasks)
    assert len(rows) == before + 1
    row = rows[-1]
    digest = hashlib.sha256(saved.read_bytes()).hexdigest()
    assert row.action is AuditAction.EXPORT
    assert (row.record_kind, row.record_id) == ("person", "fictional-person-1")
    assert row.reason == (f"Fictional test document; profile police; password-protected; "
                          f"reason: {REASON}; sha256 {digest}")
    assert dialog.last_digest == digest
    assert "Saved to" in dialog.notice.text() and "password" in dialog.notice.text()
    # the password does not stay in the dialog
    assert dialog.password_edit.text() == "" and dialog.confirm_edit.text() == ""


def test_save_without_a_password_opens_and_remembers_the_marking(
        qtbot, make_dialog, caseload_workspace, tmp_path) -> None:
    builder = Built(pages=1)
    dialog = make_dialog(test_job(builder))
    dialog.marking_edit.setText("  OFFICIAL   fictional  ")
    dialog.reason_edit.setText(REASON)
    dialog.ask_save_path = lambda name: str(tmp_path / name)
    dialog.save_button.click()
    wait_idle(qtbot, dialog)
    saved = tmp_path / "fictional.pdf"
    with pikepdf.open(saved) as pdf:
        assert len(pdf.pages) == 1
    assert builder.calls[-1]["meta"].marking == "OFFICIAL fictional"
    assert load_marking() == "OFFICIAL fictional"
    second = make_dialog(test_job(Built()))
    assert second.marking_edit.text() == "OFFICIAL fictional"
    row = audit_rows(caseload_workspace.tasks, AuditAction.EXPORT)[-1]
    assert "profile internal; reason:" in row.reason


@pytest.mark.parametrize(("password", "again", "message"), [
    ("short7!", "short7!", "at least 8 characters"),
    (PASSWORD, PASSWORD + "x", "not the same"),
])
def test_a_bad_password_saves_nothing(qtbot, make_dialog, caseload_workspace, tmp_path,
                                      password, again, message) -> None:
    dialog = make_dialog(test_job(Built()))
    dialog.reason_edit.setText(REASON)
    dialog.protect_box.setChecked(True)
    dialog.password_edit.setText(password)
    dialog.confirm_edit.setText(again)
    asked: list[str] = []
    dialog.ask_save_path = lambda name: asked.append(name) or str(tmp_path / "x.pdf")  # type: ignore[func-returns-value]
    before = len(audit_rows(caseload_workspace.tasks))
    dialog.save_button.click()
    assert message in dialog.error.text()
    assert asked == [] and list(tmp_path.glob("*.pdf")) == []
    assert len(audit_rows(caseload_workspace.tasks)) == before


def test_cancelling_the_file_chooser_saves_nothing(qtbot, make_dialog, caseload_workspace,
                                                   tmp_path) -> None:
    builder = Built()
    dialog = make_dialog(test_job(builder))
    dialog.reason_edit.setText(REASON)
    dialog.ask_save_path = lambda name: ""
    before = len(audit_rows(caseload_workspace.tasks))
    dialog.save_button.click()
    wait_idle(qtbot, dialog)
    assert builder.calls == []
    assert len(audit_rows(caseload_workspace.tasks)) == before


def test_a_save_that_fails_says_why(qtbot, make_dialog, caseload_workspace, tmp_path) -> None:
    dialog = make_dialog(test_job(Built(pages=1)))
    dialog.reason_edit.setText(REASON)
    dialog.ask_save_path = lambda name: str(tmp_path / "no such folder" / "x.pdf")
    before = len(audit_rows(caseload_workspace.tasks))
    dialog.save_button.click()
    wait_idle(qtbot, dialog)
    assert "There is no folder" in dialog.error.text()
    assert len(audit_rows(caseload_workspace.tasks)) == before


# -- print -----------------------------------------------------------------------------------


def test_print_to_a_pdf_printer_writes_the_pages_and_an_audit_row(
        qtbot, make_dialog, caseload_workspace, tmp_path) -> None:
    builder = Built(pages=3)
    dialog = make_dialog(test_job(builder))
    dialog.profile_combo.setCurrentIndex(dialog.profile_combo.findData("education"))
    dialog.reason_edit.setText(REASON)
    out = tmp_path / "printed.pdf"
    dialog.ask_printer = pdf_printer(out)
    before = len(audit_rows(caseload_workspace.tasks))
    dialog.print_button.click()
    wait_idle(qtbot, dialog)
    assert not dialog.error.isVisible(), dialog.error.text()
    assert out.is_file()
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 3
        box = [float(v) for v in pdf.pages[0].mediabox]
        assert abs(box[2] - 595.3) < 2 and abs(box[3] - 841.9) < 2  # A4, as the document
    rows = audit_rows(caseload_workspace.tasks)
    assert len(rows) == before + 1
    row = rows[-1]
    digest = hashlib.sha256(builder.outputs[-1]).hexdigest()
    assert row.action is AuditAction.PRINT
    assert (row.record_kind, row.record_id) == ("person", "fictional-person-1")
    assert row.reason == (f"Fictional test document; profile education; reason: {REASON}; "
                          f"sha256 {digest}")
    assert row.actor  # who printed comes with every audit event
    assert "Sent 3 pages to the printer" in dialog.notice.text()


def test_a_greyscale_printer_gets_greyscale_pages(qtbot, make_dialog, tmp_path) -> None:
    dialog = make_dialog(test_job(Built(pages=2)))
    dialog.reason_edit.setText(REASON)
    out = tmp_path / "grey.pdf"
    choose = pdf_printer(out)

    def grey(printer: QPrinter) -> bool:
        printer.setColorMode(QPrinter.ColorMode.GrayScale)
        return choose(printer)

    dialog.ask_printer = grey
    dialog.print_button.click()
    wait_idle(qtbot, dialog)
    assert not dialog.error.isVisible(), dialog.error.text()
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 2
        images = list(pdf.pages[0].get_images().values())
        assert images and images[0].ColorSpace == "/DeviceGray"


class SlowPaint:
    """Wraps paint_pdf: notes the thread it runs on, and makes each page take a while (as a
    real printer does) so that the test can watch and cancel a print in progress."""

    def __init__(self, monkeypatch, per_page: float = 0.06) -> None:  # type: ignore[no-untyped-def]
        self.real = paint.paint_pdf
        self.per_page = per_page
        self.threads: list[threading.Thread] = []
        monkeypatch.setattr(paint, "paint_pdf", self)

    def __call__(self, pdf, printer, painter, *, progress=None, **kwargs) -> int:  # type: ignore[no-untyped-def]
        self.threads.append(threading.current_thread())

        def slow(page: int, pages: int) -> None:
            if progress is not None:
                progress(page, pages)
            time.sleep(self.per_page)

        return self.real(pdf, printer, painter, progress=slow, **kwargs)


class Watch:
    """A UI-thread timer that notes the dialog's message on each tick (so the ticks show the
    UI thread kept running, and what it said)."""

    def __init__(self, dialog: PrintDialog, on_tick=None) -> None:  # type: ignore[no-untyped-def]
        self.seen: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self._tick(dialog, on_tick))
        self.timer.start()

    def _tick(self, dialog: PrintDialog, on_tick) -> None:  # type: ignore[no-untyped-def]
        assert threading.current_thread() is threading.main_thread()
        self.seen.append(dialog.notice.text())
        if on_tick is not None:
            on_tick(dialog.notice.text())

    def during_print(self) -> list[str]:
        return [text for text in self.seen if text.startswith("Printing page")]


def test_print_runs_on_a_worker_thread_while_the_dialog_stays_responsive(
        qtbot, make_dialog, caseload_workspace, tmp_path, monkeypatch, screenshot) -> None:
    slow = SlowPaint(monkeypatch)
    builder = Built(pages=8)
    dialog = make_dialog(test_job(builder))
    dialog.reason_edit.setText(REASON)
    out = tmp_path / "printed.pdf"
    dialog.ask_printer = pdf_printer(out)
    before = len(audit_rows(caseload_workspace.tasks, AuditAction.PRINT))
    dialog.print_button.click()
    # once built and audited, the pages are sent by the worker: the UI thread goes on
    qtbot.waitUntil(lambda: dialog.worker is not None, timeout=20_000)
    assert dialog.busy
    assert dialog.cancel_print_button.isVisible() and dialog.cancel_print_button.isEnabled()
    assert not dialog.print_button.isEnabled()
    assert len(audit_rows(caseload_workspace.tasks, AuditAction.PRINT)) == before + 1
    watch = Watch(dialog)
    qtbot.waitUntil(lambda: bool(watch.during_print()), timeout=10_000)
    screenshot(dialog, "print-dialog-printing")
    wait_idle(qtbot, dialog)
    watch.timer.stop()
    assert not dialog.error.isVisible(), dialog.error.text()
    assert slow.threads and all(t is not threading.main_thread() for t in slow.threads)
    # the UI thread ticked through the print (8 pages x 60 ms) and showed the progress
    during = watch.during_print()
    assert len(during) >= 10, watch.seen
    assert {text for text in during} <= {f"Printing page {n} of 8…" for n in range(1, 9)}
    assert len(set(during)) >= 3
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 8
    assert "Sent 8 pages to the printer" in dialog.notice.text()
    assert dialog.worker is None and not dialog.cancel_print_button.isVisible()
    assert dialog.print_button.isEnabled()
    assert dialog.last_digest == hashlib.sha256(builder.outputs[-1]).hexdigest()


def test_cancelling_a_print_stops_after_the_page_being_sent(
        qtbot, make_dialog, caseload_workspace, tmp_path, monkeypatch) -> None:
    SlowPaint(monkeypatch)
    dialog = make_dialog(test_job(Built(pages=10)))
    dialog.reason_edit.setText(REASON)
    out = tmp_path / "cancelled.pdf"
    dialog.ask_printer = pdf_printer(out)

    def cancel_on_page_3(text: str) -> None:
        if text.startswith("Printing page 3 of") and dialog.cancel_print_button.isEnabled():
            qtbot.mouseClick(dialog.cancel_print_button, Qt.MouseButton.LeftButton)

    watch = Watch(dialog, cancel_on_page_3)
    dialog.print_button.click()
    wait_idle(qtbot, dialog)
    watch.timer.stop()
    assert any(text.startswith("Cancelling") for text in watch.seen)
    notice = dialog.notice.text()
    assert notice.startswith("Printing cancelled."), notice
    assert "recorded in the audit log" in notice
    assert not dialog.error.isVisible(), dialog.error.text()
    if "dropped the job" not in notice:  # a PDF file cannot be aborted: the pages sent stay
        with pikepdf.open(out) as pdf:
            sent = len(pdf.pages)
        assert 3 <= sent < 10
        assert f"{sent} of 10 pages had been sent and will still print" in notice
    # the attempt is audited (audit first, always); the dialog is ready again
    row = audit_rows(caseload_workspace.tasks, AuditAction.PRINT)[-1]
    assert row.reason.startswith("Fictional test document; profile internal; reason: ")
    assert dialog.last_digest == ""
    assert not dialog.cancel_print_button.isVisible() and dialog.print_button.isEnabled()


def test_closing_the_dialog_mid_print_cancels_it(qtbot, make_dialog, tmp_path,
                                                 monkeypatch) -> None:
    SlowPaint(monkeypatch)
    dialog = make_dialog(test_job(Built(pages=10)))
    dialog.reason_edit.setText(REASON)
    out = tmp_path / "closed.pdf"
    dialog.ask_printer = pdf_printer(out)
    dialog.print_button.click()
    qtbot.waitUntil(lambda: dialog.worker is not None, timeout=20_000)
    worker = dialog.worker
    assert worker is not None
    qtbot.waitUntil(lambda: dialog.notice.text().startswith("Printing page 2"), timeout=10_000)
    dialog.reject()  # as locking the workspace does
    assert worker.finished and worker.outcome == "cancelled"
    assert dialog.worker is None and not dialog.busy
    qtbot.wait(50)  # the worker's last signals arrive to no effect
    if not worker.aborted:
        with pikepdf.open(out) as pdf:
            assert len(pdf.pages) < 10


def test_a_printer_that_will_not_start_says_so_after_the_audit(
        qtbot, make_dialog, caseload_workspace, tmp_path) -> None:
    dialog = make_dialog(test_job(Built(pages=2)))
    dialog.reason_edit.setText(REASON)
    folder = tmp_path / "a folder, not a file"
    folder.mkdir()
    dialog.ask_printer = pdf_printer(folder)  # the "printer" cannot open its output
    before = len(audit_rows(caseload_workspace.tasks, AuditAction.PRINT))
    dialog.print_button.click()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20_000)
    wait_idle(qtbot, dialog)
    assert "The printer could not be started" in dialog.error.text()
    assert len(audit_rows(caseload_workspace.tasks, AuditAction.PRINT)) == before + 1
    assert dialog.worker is None and not dialog.cancel_print_button.isVisible()


def test_print_resolution_and_colour(qtbot, tmp_path) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "x.pdf"))
    assert printer.resolution() > paint.PRINT_DPI == 200
    assert paint.print_settings(printer) == (200, False)  # at most 200 dpi
    printer.setResolution(150)
    assert paint.print_settings(printer) == (150, False)  # never more than the printer's
    printer.setColorMode(QPrinter.ColorMode.GrayScale)
    assert paint.print_settings(printer) == (150, True)


def test_cancelling_the_print_dialog_prints_and_audits_nothing(
        qtbot, make_dialog, caseload_workspace) -> None:
    dialog = make_dialog(test_job(Built(pages=1)))
    dialog.reason_edit.setText(REASON)
    dialog.ask_printer = lambda printer: False
    before = len(audit_rows(caseload_workspace.tasks))
    dialog.print_button.click()
    wait_idle(qtbot, dialog)
    assert len(audit_rows(caseload_workspace.tasks)) == before


def test_printing_into_a_missing_folder_prints_and_audits_nothing(
        qtbot, make_dialog, caseload_workspace, tmp_path) -> None:
    dialog = make_dialog(test_job(Built(pages=1)))
    dialog.reason_edit.setText(REASON)
    dialog.ask_printer = pdf_printer(tmp_path / "no such folder" / "x.pdf")
    before = len(audit_rows(caseload_workspace.tasks))
    dialog.print_button.click()
    wait_idle(qtbot, dialog)
    assert "There is no folder" in dialog.error.text()
    assert len(audit_rows(caseload_workspace.tasks)) == before


def test_a_print_that_cannot_be_audited_is_not_printed(
        qtbot, make_dialog, caseload_workspace, tmp_path, monkeypatch) -> None:
    from cse_desktop.domain.errors import CseError

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise CseError("The audit log is full (fictional).")

    monkeypatch.setattr(caseload_workspace.ws.audit, "append", refuse)
    dialog = make_dialog(test_job(Built(pages=2)))
    dialog.reason_edit.setText(REASON)
    out = tmp_path / "never.pdf"
    dialog.ask_printer = pdf_printer(out)
    dialog.print_button.click()
    wait_idle(qtbot, dialog)
    assert "Nothing was printed" in dialog.error.text()
    assert not out.exists()


# -- preview ---------------------------------------------------------------------------------


def test_preview_alone_is_not_audited_printing_from_it_is(
        qtbot, make_dialog, caseload_workspace, tmp_path, screenshot) -> None:
    builder = Built(pages=3)
    dialog = make_dialog(test_job(builder))
    dialog.reason_edit.setText(REASON)
    before = len(audit_rows(caseload_workspace.tasks))
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.preview is not None and dialog.preview.isVisible(),
                    timeout=20_000)
    preview = dialog.preview
    widget = preview.findChild(QPrintPreviewWidget)
    qtbot.waitUntil(lambda: widget.pageCount() == 3, timeout=10_000)
    widget.setZoomMode(QPrintPreviewWidget.ZoomMode.FitToWidth)
    qtbot.wait(50)
    screenshot(preview, "print-preview")
    assert len(audit_rows(caseload_workspace.tasks)) == before  # looking is not printing
    # every input of the preview has a name (Qt's own page number and zoom boxes included)
    assert not [w for w in preview.findChildren(QWidget)
                if isinstance(w, QLineEdit | QComboBox) and not w.accessibleName()
                and not isinstance(w.parent(), QComboBox)]

    # "Print" inside the preview (after Qt's print dialog, here a PDF file) is a print
    out = tmp_path / "from-preview.pdf"
    preview.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    preview.printer().setOutputFileName(str(out))
    widget.print_()
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 3
    rows = audit_rows(caseload_workspace.tasks)
    assert len(rows) == before + 1
    assert rows[-1].action is AuditAction.PRINT
    assert rows[-1].reason.endswith(hashlib.sha256(builder.outputs[-1]).hexdigest())
    preview.close()
    qtbot.waitUntil(lambda: dialog.preview is None)
    assert len(builder.calls) == 1  # the preview's document is the one printed


def test_closing_the_dialog_closes_the_preview_and_forgets_the_password(
        qtbot, make_dialog) -> None:
    dialog = make_dialog(test_job(Built(pages=1)))
    dialog.reason_edit.setText(REASON)
    dialog.protect_box.setChecked(True)
    dialog.password_edit.setText(PASSWORD)
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    preview = dialog.preview
    dialog.reject()
    assert not preview.isVisible()
    assert dialog.password_edit.text() == ""


# -- the dialog itself -----------------------------------------------------------------------


def unnamed(root: QWidget) -> list[str]:
    kinds = (QAbstractButton, QLineEdit, QComboBox, QDateEdit)
    return [f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}"
            for w in root.findChildren(QWidget)
            if isinstance(w, kinds) and not w.accessibleName()
            and not (isinstance(w, QLineEdit) and isinstance(w.parent(), QComboBox | QDateEdit))
            and not w.objectName().startswith("qt_")]


def test_every_input_has_a_name_and_the_profiles_are_offered(qtbot, make_dialog,
                                                             screenshot) -> None:
    sections = [("child", "Child summary"), ("risk", "Risk"), ("missing", "Missing episodes"),
                ("chronology", "Chronology"), ("actions", "Actions")]
    job = test_job(Built(), options=lambda: SummaryOptions(sections, date(2026, 3, 10)))
    dialog = make_dialog(job)
    assert unnamed(dialog) == []
    names = [dialog.profile_combo.itemData(i) for i in range(dialog.profile_combo.count())]
    assert names == ["internal", "police", "education", "health", "family"]
    assert dialog.profile_combo.currentData() == "internal"
    assert dialog.profile_hint.text()  # what the chosen audience's copy leaves out
    assert not dialog.password_edit.isEnabled()
    dialog.protect_box.setChecked(True)
    assert dialog.password_edit.isEnabled()
    dialog.resize(600, dialog.sizeHint().height())
    screenshot(dialog, "print-dialog-summary")


def test_summary_options(qtbot) -> None:
    sections = [("child", "Child summary"), ("risk", "Risk"), ("chronology", "Chronology")]
    options = SummaryOptions(sections, date(2026, 3, 10))
    qtbot.addWidget(options)
    assert options.values() == {"sections": None, "date_from": None, "date_to": None}
    options.section_boxes["risk"].setChecked(False)
    options.from_edit.none_box.setChecked(False)
    options.to_edit.none_box.setChecked(False)
    values = options.values()
    assert values["sections"] == {"child", "chronology"}
    assert values["date_from"] == date(2025, 3, 10) and values["date_to"] == date(2026, 3, 10)
    assert options.problem() == ""
    options.from_edit.set_value(date(2026, 4, 1), date(2026, 4, 1))
    assert "after its end" in options.problem()
    for box in options.section_boxes.values():
        box.setChecked(False)
    assert "at least one section" in options.problem()


def test_quarter_options_name_the_audience(qtbot, make_dialog, caseload_workspace,
                                           tmp_path, screenshot) -> None:
    settings = tmp_path / "settings.ini"
    builder = Built(pages=1)
    job = PrintJob(title="Quarterly missing profile", what="Quarterly missing profile",
                   build=lambda ws, meta, profile, *, quarter, shareable, home_la: builder(
                       ws, meta, profile, quarter=quarter, shareable=shareable,
                       home_la=home_la),
                   profiles=False,
                   options=lambda: QuarterOptions(date(2026, 3, 10), settings_file=settings))
    dialog = make_dialog(job)
    assert not dialog.profile_combo.isVisible()
    assert unnamed(dialog) == []
    screenshot(dialog, "print-dialog-quarterly")
    options = dialog.options
    assert isinstance(options, QuarterOptions)
    # financial-year quarters by default: the last complete one is October to December 2025
    assert options.kind_combo.currentData() == "financial"
    assert options.quarter == "FY2025-26Q3"
    assert options.quarter_combo.itemText(0) == "January to March 2026 (FY2025-26Q4, so far)"
    assert [options.quarter_combo.itemData(i) for i in range(3)] == [
        "FY2025-26Q4", "FY2025-26Q3", "FY2025-26Q2"]
    # the home authority is asked for: nothing is printed without it
    assert options.home_authority == ""
    assert "home authority" in options.problem()
    options.home_edit.setText("  Demo   Borough Council ")
    assert options.problem() == ""
    # calendar quarters on request
    options.kind_combo.setCurrentIndex(options.kind_combo.findData("calendar"))
    assert [options.quarter_combo.itemData(i) for i in range(3)] == ["2026Q1", "2025Q4",
                                                                     "2025Q3"]
    assert options.quarter == "2025Q4"
    options.shareable_box.setChecked(True)
    dialog.reason_edit.setText(REASON)
    dialog.ask_save_path = lambda name: str(tmp_path / name)
    dialog.save_button.click()
    wait_idle(qtbot, dialog)
    assert (tmp_path / "missing-profile-2025Q4-shareable.pdf").is_file()
    call = builder.calls[-1]
    assert (call["quarter"], call["shareable"]) == ("2025Q4", True)
    assert call["home_la"] == "Demo Borough Council"
    assert call["meta"].title == "Missing profile 2025Q4"
    row = audit_rows(caseload_workspace.tasks, AuditAction.EXPORT)[-1]
    assert row.reason.startswith("Quarterly missing profile 2025Q4 (shareable); "
                                 "profile shareable; reason: ")
    # remembered for the next time
    assert load_home_authority(settings) == "Demo Borough Council"
    assert load_quarter_kind(settings) == "calendar"
    again = QuarterOptions(date(2026, 3, 10), settings_file=settings)
    qtbot.addWidget(again)
    assert again.home_authority == "Demo Borough Council" and again.quarter == "2025Q4"


def test_the_marking_default_matches_the_reports(qtbot) -> None:
    from cse_desktop.reports.page import DEFAULT_MARKING as REPORTS_DEFAULT

    assert DEFAULT_MARKING == REPORTS_DEFAULT
    assert clean_marking("") == DEFAULT_MARKING
    assert clean_marking("x" * 100) == "x" * 60


# -- the real documents, from where the app offers them ----------------------------------------


def pdf_text(path: Path, password: str | None = None) -> list[str]:
    """The text of each page (pypdfium2)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path), password=password)
    try:
        pages = []
        for page in doc:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        doc.close()


def test_person_page_prints_the_rmm_case_summary(qtbot, caseload_workspace, tmp_path,
                                                 screenshot) -> None:
    from cse_desktop.qt.person.page import PersonPage

    from .conftest import CASELOAD_NOW, WINDOW_SIZE

    tasks = caseload_workspace.tasks
    person_id = caseload_workspace.examples.repeat_missing
    page = PersonPage(tasks, today=CASELOAD_NOW.date(), clock=lambda: CASELOAD_NOW)
    qtbot.addWidget(page)
    page.resize(*WINDOW_SIZE)
    page.show()
    assert not page.print_button.isEnabled()  # nothing to print until a record is open
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.load(person_id)
    assert page.print_button.isEnabled()
    page.print_button.click()
    dialog = page.print_dialog
    assert isinstance(dialog, PrintDialog) and dialog.isVisible()
    qtbot.waitExposed(dialog)
    assert "Eden Placeholder" in dialog.findChild(QWidget, "pageIntro").text()
    options = dialog.options
    assert isinstance(options, SummaryOptions)
    from cse_desktop.reports.summary import SECTIONS

    assert list(options.section_boxes) == list(SECTIONS)
    assert unnamed(dialog) == []
    screenshot(dialog, "print-dialog-person-summary")

    # the preview shows the real document's pages (and is not audited)
    dialog.reason_edit.setText(REASON)
    before = len(audit_rows(tasks))
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    widget = dialog.preview.findChild(QPrintPreviewWidget)
    qtbot.waitUntil(lambda: widget.pageCount() >= 1, timeout=10_000)
    widget.setZoomMode(QPrintPreviewWidget.ZoomMode.FitToWidth)
    qtbot.wait(50)
    screenshot(dialog.preview, "print-preview-summary")
    dialog.preview.close()
    assert len(audit_rows(tasks)) == before

    # print, for the police: the pages go to the "printer" and the print is audited
    dialog.profile_combo.setCurrentIndex(dialog.profile_combo.findData("police"))
    dialog.reason_edit.setText(REASON)
    printed = tmp_path / "printed-summary.pdf"
    dialog.ask_printer = pdf_printer(printed)
    dialog.print_button.click()
    wait_idle(qtbot, dialog)
    assert not dialog.error.isVisible(), dialog.error.text()
    with pikepdf.open(printed) as pdf:
        assert len(pdf.pages) >= 1
    rows = tasks.call(Operation(lambda ws: ws.audit.events(record_id=person_id)))
    row = rows[-1]
    assert row.action is AuditAction.PRINT and row.record_kind == "person"
    assert row.reason.startswith(f"RMM case summary; profile police; reason: {REASON}; "
                                 "sha256 ")

    # save a protected copy without the chronology: the text says so and has the marking
    options.section_boxes["chronology"].setChecked(False)
    dialog.protect_box.setChecked(True)
    dialog.password_edit.setText(PASSWORD)
    dialog.confirm_edit.setText(PASSWORD)
    dialog.ask_save_path = lambda name: str(tmp_path / name)
    dialog.save_button.click()
    wait_idle(qtbot, dialog)
    assert not dialog.error.isVisible(), dialog.error.text()
    saved = tmp_path / "rmm-case-summary-2026-03-10.pdf"
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(saved)
    pages = pdf_text(saved, PASSWORD)
    assert all("OFFICIAL-SENSITIVE" in text for text in pages)
    assert "Placeholder" in pages[0]
    assert "Police copy" in pages[0]
    row = tasks.call(Operation(lambda ws: ws.audit.events(record_id=person_id)))[-1]
    assert row.action is AuditAction.EXPORT
    assert hashlib.sha256(saved.read_bytes()).hexdigest() in row.reason

    # locking closes the dialog and forgets the record
    page.clear()
    qtbot.waitUntil(lambda: not dialog.isVisible() if _valid(dialog) else True)
    assert page.print_dialog is None and not page.print_button.isEnabled()


def _valid(obj) -> bool:  # type: ignore[no-untyped-def]
    import shiboken6

    return shiboken6.isValid(obj)


def test_manager_prints_the_agenda_pack_for_the_meeting_shown(
        qtbot, caseload_workspace, caseload_engine, tmp_path, screenshot, monkeypatch) -> None:
    from cse_desktop.qt.manager import ManagerPage

    from .conftest import CASELOAD_NOW, WINDOW_SIZE

    monkeypatch.setattr(paint, "PRINT_DPI", 72)  # 90 pages at 300 dpi take a while
    page = ManagerPage(caseload_workspace.tasks, caseload_engine, today=CASELOAD_NOW.date())
    qtbot.addWidget(page)
    page.resize(*WINDOW_SIZE)
    page.show()
    assert not page.agenda_button.isEnabled()
    loaded: list[bool] = []
    page.load(on_loaded=lambda: loaded.append(True))
    qtbot.waitUntil(lambda: bool(loaded), timeout=10_000)
    assert page.agenda_button.isEnabled() and page.agenda_button.accessibleName()
    screenshot(page, "print-manager-next-rmm")
    page.agenda_button.click()
    dialog = page.print_dialog
    assert isinstance(dialog, PrintDialog)
    qtbot.waitExposed(dialog)
    assert "Tuesday 10 March 2026" in dialog.findChild(QWidget, "pageIntro").text()
    dialog.reason_edit.setText(REASON)
    out = tmp_path / "agenda.pdf"
    dialog.ask_printer = pdf_printer(out)
    dialog.print_button.click()
    wait_idle(qtbot, dialog)
    assert not dialog.error.isVisible(), dialog.error.text()
    due = len(page.overview.due)
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) > due  # a cover, then at least a page for each young person
    row = audit_rows(caseload_workspace.tasks, AuditAction.PRINT)[-1]
    assert row.reason.startswith("RMM agenda pack for 2026-03-10; profile internal; reason: ")
    page.clear()
    assert page.print_dialog is None


def test_the_workspace_menu_prints_the_quarterly_missing_profile(
        qtbot, make_window, tmp_path, screenshot) -> None:
    from .test_app import open_demo

    window = make_window()
    assert not window.profile_action.isEnabled()  # locked: nothing to print
    open_demo(qtbot, window)
    assert window.profile_action.isEnabled()
    window.profile_action.trigger()
    dialog = window.print_dialog
    assert isinstance(dialog, PrintDialog)
    qtbot.waitExposed(dialog)
    assert not dialog.profile_combo.isVisible()
    options = dialog.options
    assert isinstance(options, QuarterOptions)
    assert options.quarter.startswith("FY")  # financial-year quarters by default
    options.home_edit.setText("Demo Borough Council")
    options.shareable_box.setChecked(True)
    dialog.reason_edit.setText("Fictional quarterly report to the partnership")
    dialog.ask_save_path = lambda name: str(tmp_path / name)
    dialog.save_button.click()
    wait_idle(qtbot, dialog)
    assert not dialog.error.isVisible(), dialog.error.text()
    saved = tmp_path / f"missing-profile-{options.quarter}-shareable.pdf"
    pages = pdf_text(saved)
    assert all("OFFICIAL-SENSITIVE" in text for text in pages)
    assert "Shareable version" in pages[0]
    assert "Home authority: Demo Borough Council." in pages[0]
    screenshot(dialog, "print-dialog-missing-profile")
    ws = window.workspace
    row = [e for e in window.tasks.call(Operation(lambda w: w.audit.events()))
           if e.action is AuditAction.EXPORT][-1]
    assert row.reason.startswith(f"Quarterly missing profile {options.quarter} (shareable); "
                                 "profile shareable; reason: Fictional quarterly report")
    # Ctrl+L: the dialog closes with the workspace
    window.lock_and_return()
    assert not ws.is_open
    assert window.print_dialog is None and not window.profile_action.isEnabled()
    assert not (_valid(dialog) and dialog.isVisible())


def test_a_print_worker_loads_the_image_plugins_on_the_ui_thread(qtbot, tmp_path,
                                                                 monkeypatch) -> None:
    """Made on the UI thread, a print worker loads Qt's image plugins there first. A worker
    that loaded them itself froze a print: each plugin is moved to the UI thread under a Qt
    lock the UI thread may hold while it waits for the interpreter, which the worker held."""
    asked: list[threading.Thread] = []

    class Writer:
        @staticmethod
        def supportedImageFormats() -> list[bytes]:
            asked.append(threading.current_thread())
            return []

    blank = pikepdf.new()
    blank.add_blank_page()
    blank.save(tmp_path / "blank.pdf")
    pdf = (tmp_path / "blank.pdf").read_bytes()
    monkeypatch.setattr(paint, "QImageWriter", Writer)
    paint.load_image_plugins.cache_clear()
    try:
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "printed.pdf"))
        for _ in range(2):
            assert paint.PrintWorker(printer, pdf, dpi=72, grey=False).total == 1
    finally:
        paint.load_image_plugins.cache_clear()
    assert asked == [threading.main_thread()]  # once, on the UI thread
