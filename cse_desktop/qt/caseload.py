"""The caseload: a table of the people in the workspace, with a name search.

``CaseloadModel`` holds the people (read through ``ws.people``); ``CaseloadFilter`` sorts and
filters them; ``CaseloadPage`` shows them.  The model never touches the store itself: the main
window hands it the list, and empties it when the workspace locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.domain.models import Person, RiskLevel
from cse_desktop.qt.widgets import button, field_label, text_label

ModelIndex = QModelIndex | QPersistentModelIndex

#: a value that sorts the way the column should (names by family name, risk by rank...)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: the case-folded text the name search matches (names and also-known-as)
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
#: the person's record id
ID_ROLE = Qt.ItemDataRole.UserRole + 3


class Column(IntEnum):
    NAME = 0
    AGE = 1
    RISK = 2
    WORKER = 3
    REVIEW = 4


HEADERS = {Column.NAME: "Name", Column.AGE: "Age", Column.RISK: "Risk level",
           Column.WORKER: "Allocated worker", Column.REVIEW: "Next review"}

RISK_LABELS = {RiskLevel.NOT_ASSESSED: "Not assessed", RiskLevel.NONE: "None",
               RiskLevel.LOW: "Low", RiskLevel.MEDIUM: "Medium", RiskLevel.HIGH: "High"}
# Colour only reinforces the words; it never carries meaning alone.
_RISK_COLOURS = {RiskLevel.HIGH: QColor("#a3122a"), RiskLevel.MEDIUM: QColor("#8a4b00"),
                 RiskLevel.NOT_ASSESSED: QColor("#5b6773")}
_MUTED = QColor("#5b6773")
_OVERDUE = QColor("#a3122a")
_NO_DATE = date.max.toordinal()


def uk_date(day: date) -> str:
    """5 Mar 2025: unambiguous, and the way UK practitioners write dates."""
    return f"{day.day} {day:%b %Y}"


class CaseloadModel(QAbstractTableModel):
    """One row per person; read-only."""

    def __init__(self, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self._people: list[Person] = []
        self._search_texts: list[str] = []
        self._today = today

    @property
    def today(self) -> date:
        return self._today or date.today()

    def set_people(self, people: Sequence[Person]) -> None:
        self.beginResetModel()
        self._people = list(people)
        self._search_texts = [p.search_text() for p in self._people]
        self.endResetModel()

    def rows_matching(self, words: Sequence[str]) -> set[int]:
        """Rows whose name or also-known-as contains every one of ``words`` (case-folded)."""
        return {row for row, text in enumerate(self._search_texts)
                if all(word in text for word in words)}

    def clear(self) -> None:
        """Drop every person (on lock): nothing personal stays in memory through the model."""
        self.set_people([])

    def person(self, row: int) -> Person:
        return self._people[row]

    # -- QAbstractTableModel -------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._people)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[Column(section)]
            if role == Qt.ItemDataRole.TextAlignmentRole and section == Column.AGE:
                return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._people)):
            return None
        person = self._people[index.row()]
        column = Column(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(person, column)
        if role == SORT_ROLE:
            return self._sort_key(person, column)
        if role == SEARCH_ROLE:
            return self._search_texts[index.row()]
        if role == ID_ROLE:
            return str(person.id)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(person, column)
        if role == Qt.ItemDataRole.FontRole and column == Column.RISK \
                and person.risk_level is RiskLevel.HIGH:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.AGE:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.NAME \
                and person.also_known_as:
            return "Also known as: " + ", ".join(person.also_known_as)
        return None

    def _display(self, person: Person, column: Column) -> str:
        if column == Column.NAME:
            if person.also_known_as:
                return f"{person.display_name} (aka {', '.join(person.also_known_as)})"
            return person.display_name
        if column == Column.AGE:
            return str(person.age_on(self.today))
        if column == Column.RISK:
            return RISK_LABELS[person.risk_level]
        if column == Column.WORKER:
            return person.allocated_worker or "Not allocated"
        review = person.next_review
        if review is None:
            return "Not set"
        return f"{uk_date(review)} (overdue)" if review < self.today else uk_date(review)

    def _sort_key(self, person: Person, column: Column) -> Any:
        if column == Column.NAME:
            return f"{person.family_name.casefold()}\t{person.given_name.casefold()}"
        if column == Column.AGE:
            return person.age_on(self.today)
        if column == Column.RISK:
            return person.risk_level.rank
        if column == Column.WORKER:
            return person.allocated_worker.casefold() or "\uffff"
        return person.next_review.toordinal() if person.next_review else _NO_DATE

    def _colour(self, person: Person, column: Column) -> QColor | None:
        if column == Column.RISK:
            return _RISK_COLOURS.get(person.risk_level)
        if column == Column.WORKER and not person.allocated_worker:
            return _MUTED
        if column == Column.REVIEW:
            if person.next_review is None:
                return _MUTED
            if person.next_review < self.today:
                return _OVERDUE
        return None


class CaseloadFilter(QSortFilterProxyModel):
    """Sorts by each column's own order and keeps rows whose name or also-known-as contains
    every word typed (the same rule as ``ws.people.search``, applied to the rows in memory)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._accepted: set[int] | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_search_text(self, text: str) -> None:
        words = text.casefold().split()
        if words == self._words:
            return
        self.beginFilterChange()
        self._words = words
        # Matched once in Python over the cached texts; filterAcceptsRow is then a set lookup
        # (a keystroke over 5,000 people stays well inside 30 ms).
        source = self.sourceModel()
        self._accepted = (source.rows_matching(words)
                          if words and isinstance(source, CaseloadModel) else None)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def invalidate_matches(self) -> None:
        """The source rows changed: match the current words again."""
        words, self._words = self._words, []
        self.set_search_text(" ".join(words))

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        if not self._words:
            return True
        if self._accepted is not None:
            return source_row in self._accepted
        index = self.sourceModel().index(source_row, Column.NAME, source_parent)
        text = index.data(SEARCH_ROLE) or ""
        return all(word in text for word in self._words)


class SearchEdit(QLineEdit):
    """The search box: Esc clears it."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)


class CaseloadTable(QTableView):
    """The table: the Name column takes the spare width, never less than its names need."""

    def __init__(self) -> None:
        super().__init__()
        self.name_min_width = 200

    def fit_columns(self) -> None:
        for column in (Column.AGE, Column.RISK, Column.WORKER, Column.REVIEW):
            self.resizeColumnToContents(column)
            self.setColumnWidth(column, self.columnWidth(column) + 24)
        self.resizeColumnToContents(Column.NAME)
        self.name_min_width = max(200, self.columnWidth(Column.NAME) + 24)
        self.fit_name()

    def fit_name(self) -> None:
        others = sum(self.columnWidth(c) for c in Column if c != Column.NAME)
        spare = self.viewport().width() - others
        self.setColumnWidth(Column.NAME, max(self.name_min_width, spare))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_name()


class CaseloadPage(QWidget):
    """The caseload table with its search box and a Lock button."""

    lock_requested = Signal()
    #: (rows shown, rows in total) whenever either changes
    counts_changed = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.model = CaseloadModel(self)
        self.proxy = CaseloadFilter(self)
        self.proxy.setSourceModel(self.model)

        header = QWidget()
        header.setObjectName("caseloadHeader")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(header)
        row.setContentsMargins(20, 12, 20, 12)
        row.setSpacing(10)
        title = QLabel("Caseload")
        title.setObjectName("caseloadTitle")
        row.addWidget(title)
        row.addStretch(1)
        self.search_edit = SearchEdit()
        self.search_edit.setAccessibleName("Search the caseload by name or also-known-as")
        self.search_edit.setPlaceholderText("Name or also-known-as")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMaxLength(200)
        self.search_edit.setMinimumWidth(280)
        self.search_edit.setToolTip("Search by name or also-known-as (Ctrl+F). "
                                    "Esc clears the search.")
        row.addWidget(field_label("&Search", self.search_edit))
        row.addWidget(self.search_edit)
        row.addSpacing(12)
        self.lock_button = button("&Lock", "Lock the workspace",
                                  tooltip="Lock the workspace (Ctrl+L)")
        row.addWidget(self.lock_button)

        self.table = CaseloadTable()
        self.table.setObjectName("caseloadTable")
        self.table.setAccessibleName("Caseload")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(32)
        heading = self.table.horizontalHeader()
        heading.setHighlightSections(False)
        heading.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        heading.setMinimumSectionSize(80)
        heading.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        heading.setStretchLastSection(False)

        self.empty_label = text_label("", "emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty_label.setAccessibleName("Caseload message")
        self.views = QStackedWidget()
        self.views.addWidget(self.table)
        self.views.addWidget(self.empty_label)

        body = QVBoxLayout()
        body.setContentsMargins(20, 14, 20, 14)
        body.addWidget(self.views)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addLayout(body, 1)

        self.search_edit.textChanged.connect(self._search)
        self.lock_button.clicked.connect(self.lock_requested)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        for clear_button in self.search_edit.findChildren(QToolButton):
            clear_button.setAccessibleName("Clear the search")
            clear_button.setToolTip("Clear the search (Esc)")
        QWidget.setTabOrder(self.search_edit, self.lock_button)
        QWidget.setTabOrder(self.lock_button, self.table)

    # -- content -------------------------------------------------------------------------

    def set_people(self, people: Sequence[Person]) -> None:
        self.model.set_people(people)
        self.proxy.invalidate_matches()
        self.table.fit_columns()
        self._update_counts()

    def clear(self) -> None:
        self.search_edit.clear()
        self.model.clear()
        self._update_counts()

    def focus_first(self) -> None:
        self.table.setFocus()
        if self.proxy.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def row_count(self) -> int:
        return self.proxy.rowCount()

    # -- internals -----------------------------------------------------------------------

    def _search(self, text: str) -> None:
        self.proxy.set_search_text(text)
        self._update_counts()

    def _update_counts(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if total == 0:
            self.empty_label.setText("There is no one on this caseload yet.")
            self.views.setCurrentWidget(self.empty_label)
        elif shown == 0:
            self.empty_label.setText(
                f"No one on this caseload matches “{self.search_edit.text().strip()}”.\n"
                "Check the spelling, or search for part of a name.")
            self.views.setCurrentWidget(self.empty_label)
        else:
            self.views.setCurrentWidget(self.table)
        self.counts_changed.emit(shown, total)
