"""Helpers for the person record's tests (test_person_*.py); their fixtures are in conftest.py."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QWidget,
)

from cse_desktop.casework.submissions import finalise
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import AuditAction
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.samples import load_samples
from cse_desktop.qt.operations import Operation, TaskManager
from cse_desktop.qt.person import PersonPage

LEFT = Qt.MouseButton.LeftButton
PAGE_SIZE = (1040, 720)


def open_person(qtbot, page: PersonPage, person_id: str) -> None:
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.load(person_id)


def click(qtbot, widget: QAbstractButton) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.text()
    if isinstance(widget, QCheckBox):  # on its box: the widget may be wider than its text
        qtbot.mouseClick(widget, LEFT, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, LEFT)


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def cell_texts(table: QTableView, column: int) -> list[str]:
    model = table.model()
    return [model.index(r, column).data() for r in range(model.rowCount())]


def banner_text(page: PersonPage) -> str:
    return page.rhi_text.text().replace("\u00a0", " ")  # units are kept on their numbers


def views(tasks: TaskManager, person_id: str) -> int:
    return tasks.call(Operation(lambda ws: sum(1 for e in ws.audit.events(record_id=person_id)
                                               if e.action is AuditAction.VIEW)))


def final_screening(tasks: TaskManager, engine: FormEngine, person_id: str, **answers):
    sample = next(s for s in load_samples() if s.form_id == FormId.SCREENING)

    def make(ws):
        draft = engine.set_answers(engine.start(FormId.SCREENING, person_id),
                                   {**sample.answers, **answers})
        return finalise(ws, engine, draft, now=sample.now)

    return tasks.call(Operation(make))


def unnamed_controls(root: QWidget) -> list[str]:
    kinds = (QAbstractButton, QLineEdit, QComboBox, QDateEdit, QPlainTextEdit, QTableView)
    missing = []
    for widget in root.findChildren(QWidget):
        if isinstance(widget, kinds) and not widget.accessibleName():
            if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QComboBox | QDateEdit):
                continue  # the editor inside a named combo box or date input
            if widget.objectName().startswith("qt_") \
                    or type(widget).__name__ in ("QTabBar", "QToolButton"):
                continue  # Qt's own parts: a table's corner, a tab bar and its arrows
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing
