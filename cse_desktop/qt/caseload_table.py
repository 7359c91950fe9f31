"""The caseload's table and search box.

* :class:`SearchEdit`: Esc clears it; Down moves into the results.
* :class:`CaseloadTable`: every heading whole (on two lines when the window is narrow or the
  text large), the data elided instead with its whole text as a tooltip; refits when the text
  size changes; Up on the first row goes back to the search box.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QHelpEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QLineEdit, QTableView, QToolTip

from cse_desktop.qt.caseload_model import CaseloadFilter, CaseloadModel, Column
from cse_desktop.qt.tables import cell_width

#: padding of a heading (the style sheet's, and room for the sort arrow) and of a cell
HEADING_PAD, CELL_PAD = 34, 12  # as widgets.fit_headers_to_text
#: which columns' data is cut short first when the table is too narrow
ELIDE_FIRST = (Column.WORKER, Column.REVIEW, Column.AGE, Column.RISK, Column.LAST_MISSING,
               Column.RHI_DUE)

class SearchEdit(QLineEdit):
    """The search box: Esc clears it; Down moves into the results."""

    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Down and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.down_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def heading_width(metrics: QFontMetrics, text: str) -> int:
    """The width a heading needs: its widest line, with padding and room for the sort arrow."""
    return max(metrics.horizontalAdvance(line) for line in text.split("\n")) + HEADING_PAD


class CaseloadTable(QTableView):
    """The table: every heading whole (on two lines if it must), the data elided instead; the
    Name column takes the spare width, never less than ``name_min_width``."""

    #: Up on the first row: back to the search box
    up_from_top = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.name_min_width = 170
        self._fitting = False

    def heading_metrics(self) -> QFontMetrics:
        bold = QFont(self.horizontalHeader().font())
        bold.setBold(True)  # the style sheet makes the headings bold
        return QFontMetrics(bold)

    def fit_columns(self) -> None:
        """Fit the columns to the width there is.  Each column wants its heading and its
        cells; if they do not all fit, headings go onto two lines (widest first), then the
        data gives way (elided, down to its heading's width).  The Name column takes the rest.
        """
        model = self.model()
        source = model.sourceModel() if isinstance(model, CaseloadFilter) else model
        if not isinstance(source, CaseloadModel) or self._fitting:
            return
        self._fitting = True
        try:
            self._fit(source)
        finally:
            self._fitting = False

    def _fit(self, source: CaseloadModel) -> None:
        metrics = self.heading_metrics()
        self.verticalHeader().setDefaultSectionSize(
            max(32, QFontMetrics(self.font()).height() + 14))
        # names want about 24 characters, and give way (elided) down to about 14
        char = QFontMetrics(self.font()).averageCharWidth()
        self.name_min_width = max(170, char * 14)
        others: list[Column] = [c for c in Column if c != Column.NAME]
        cells = {c: cell_width(self, c) + CELL_PAD for c in others}
        available = self.viewport().width() - max(self.name_min_width, char * 24)
        wrapped: set[int] = set()

        heads = {c: heading_width(metrics, source.heading(c)) for c in others}
        room = self.viewport().width() - self.name_min_width
        if sum(max(heads[c], cells[c]) for c in others) > available:
            # not everything fits: the headings must, so the widest go onto two lines
            for column in sorted(others, key=lambda c: -heads[c]):
                if sum(heads.values()) <= room:
                    break
                two_lines = heading_width(metrics, source.heading(column, True))
                if two_lines < heads[column]:
                    wrapped.add(column)
                    heads[column] = two_lines
        wants = {c: max(heads[c], cells[c]) for c in others}
        over = sum(wants.values()) - room
        # the data gives way, least urgent first: the clocks and "Missing now" keep their words
        # longest (every cell cut short shows its whole text as a tooltip)
        for elided in ELIDE_FIRST:
            if over <= 0:
                break
            give = min(over, wants[elided] - heads[elided])
            wants[elided] -= give
            over -= give
        source.set_wrapped(wrapped)
        for column in others:
            self.setColumnWidth(column, wants[column])
        self.fit_name()

    def fit_name(self) -> None:
        others = sum(self.columnWidth(c) for c in Column if c != Column.NAME)
        spare = self.viewport().width() - others
        self.setColumnWidth(Column.NAME, max(self.name_min_width, spare))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.fit_columns()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            QTimer.singleShot(0, self, self.fit_columns)  # the text size changed: fit again

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (event.key() == Qt.Key.Key_Up and self.currentIndex().row() <= 0
                and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            self.up_from_top.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        """A cell cut short shows its whole text as a tooltip (unless it has its own)."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.indexAt(event.pos())
            if index.isValid() and not index.data(Qt.ItemDataRole.ToolTipRole):
                text = str(index.data() or "")
                font = index.data(Qt.ItemDataRole.FontRole) or self.font()
                width = QFontMetrics(font).horizontalAdvance(text) + CELL_PAD + 4
                if text and width > self.columnWidth(index.column()):
                    QToolTip.showText(event.globalPos(), text, self)
                    return True
        return super().viewportEvent(event)
