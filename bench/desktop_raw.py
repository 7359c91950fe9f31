"""The desktop benchmark's timing on the Qt event loop, and the raw widget trees each real
screen is measured against (bare Qt, no store, no operations): a plain table, a person's tabs,
a form's scroll area.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

#: the size of every window measured, the real one and the raw trees
WINDOW_SIZE = (1040, 720)


# ---------------------------------------------------------------------------------------------
# Waiting and timing on the Qt event loop


def wait_until(condition: Callable[[], bool], timeout_s: float = 120.0) -> None:
    """Process events until ``condition`` holds (1 ms polling: the resolution of every figure)."""
    app = QApplication.instance()
    assert app is not None
    deadline = time.perf_counter() + timeout_s
    while not condition():
        app.processEvents()
        if condition():
            return
        if time.perf_counter() > deadline:
            raise SystemExit("timed out waiting for the window (is something broken?)")
        time.sleep(0.001)


def settle(widget: QWidget) -> None:
    """Let pending layouts and timers run, then paint ``widget`` now (repaint is synchronous)."""
    QApplication.processEvents()
    widget.repaint()


def next_frame() -> None:
    """Deliver what is queued and paint what changed (Qt repaints only the widgets a keystroke
    touched): the frame a keystroke waits for.  Whole-window repaints (``settle``) are for the
    opens, where everything on screen is new."""
    QApplication.sendPostedEvents()
    QApplication.processEvents()


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ---------------------------------------------------------------------------------------------
# The raw widget builds: plain Qt, plain Python lists, no workspace


class FirstPaint(QObject):
    """Notes when ``view`` first paints with ``rows`` rows: the moment the caseload is on the
    screen (the view's paint is done here, inside the filter, so the time is taken after it).
    Work the window queues for after that paint (building the other pages) is not counted."""

    def __init__(self, view: QTableView, rows: int) -> None:
        super().__init__()
        self.view, self.rows, self.at = view, rows, None
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Paint and self.at is None
                and self.view.model() is not None and self.view.model().rowCount() == self.rows):
            watched.removeEventFilter(self)
            watched.event(event)  # paint now, then note the time
            self.at = time.perf_counter()
            return True
        return False


class ListModel(QAbstractTableModel):
    """A table model over a plain list of tuples: the least a caseload table can be."""

    def __init__(self, rows: Sequence[tuple[str, ...]], columns: int) -> None:
        super().__init__()
        self.rows, self.columns = rows, columns

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.columns

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return f"Column {section + 1}"
        return None


def _shown_and_closed(widget: QWidget, t0: float) -> float:
    """Show ``widget`` at the window size until painted; the seconds since ``t0``. Then close
    it (not timed)."""
    widget.resize(*WINDOW_SIZE)
    widget.show()
    settle(widget)
    elapsed = time.perf_counter() - t0
    widget.close()
    widget.deleteLater()
    QApplication.processEvents()
    return elapsed


def raw_table(rows: Sequence[tuple[str, ...]], columns: int) -> float:
    """Build, show and paint a QTableView over ``rows``: the floor for 'caseload painted'."""
    gc.collect()
    t0 = time.perf_counter()
    view = QTableView()
    view.setModel(ListModel(rows, columns))
    view.setSortingEnabled(True)
    return _shown_and_closed(view, t0)


def raw_person(fields: int, forms: Sequence[tuple[str, ...]]) -> float:
    """A tab widget: a profile of ``fields`` labelled line edits and a table of the forms."""
    gc.collect()
    t0 = time.perf_counter()
    tabs = QTabWidget()
    profile = QWidget()
    form = QFormLayout(profile)
    for n in range(fields):
        form.addRow(f"Field {n + 1}", QLineEdit(f"value {n + 1}"))
    tabs.addTab(profile, "Profile")
    table = QTableView()
    table.setModel(ListModel(forms, 4))
    tabs.addTab(table, "Forms")
    return _shown_and_closed(tabs, t0)


def raw_form(kinds: list[str], *, keystroke: bool = False) -> tuple[float, float]:
    """A scroll area with a label and an input per field (three radio buttons for a choice or
    an indicator, a plain text edit for long text, a line edit otherwise): the floor for
    'form painted'. With ``keystroke``, also one character typed into the first text edit."""
    gc.collect()
    t0 = time.perf_counter()
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    body = QWidget()
    layout = QVBoxLayout(body)
    first_text: QPlainTextEdit | None = None
    for n, kind in enumerate(kinds):
        layout.addWidget(QLabel(f"Question {n + 1}: a fictional question of the {kind} kind"))
        if kind in ("indicator", "single_choice", "yes_no", "multiple_choice"):
            for option in ("Yes", "No", "Not known"):
                layout.addWidget(QRadioButton(option))
        elif kind == "long_text":
            edit = QPlainTextEdit()
            first_text = first_text or edit
            layout.addWidget(edit)
        elif kind != "info":
            layout.addWidget(QLineEdit())
    scroll.setWidget(body)
    scroll.resize(*WINDOW_SIZE)
    scroll.show()
    settle(scroll)
    build = time.perf_counter() - t0
    key = float("nan")
    if keystroke and first_text is not None:
        first_text.setFocus()
        QApplication.processEvents()
        gc.collect()
        t0 = time.perf_counter()
        QTest.keyClick(first_text, Qt.Key.Key_A)
        next_frame()
        key = time.perf_counter() - t0
    scroll.close()
    scroll.deleteLater()
    QApplication.processEvents()
    return build, key
