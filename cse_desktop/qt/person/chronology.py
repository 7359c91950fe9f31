"""The Chronology tab: the child's merged practice chronology, newest first, with filters.

The events come from :func:`cse_desktop.casework.chronology.chronology_of` (read with the rest
of the record on the worker thread).  Filters by type (check boxes) and by date range (UK days)
apply the same test as :func:`~cse_desktop.casework.chronology.filter_chronology`.
Enter or a double-click on a row opens what it came from: a form opens the submission; other
rows go to their tab.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.casework import chronology as ch
from cse_desktop.casework.chronology import ChronologyEvent, event_matches
from cse_desktop.domain.dates import uk_date, uk_datetime
from cse_desktop.qt.person.common import (
    MUTED,
    RED,
    SORT_ROLE,
    ModelIndex,
    OptionalDateEdit,
    RecordTable,
    RowsModel,
    bold,
    chain_tab_order,
    source_row,
)
from cse_desktop.qt.tables import SortInModel, italic
from cse_desktop.qt.theme import Ink
from cse_desktop.qt.widgets import button, field_label, text_label

#: the type filters: (check box text, the kinds it shows)
FILTERS: list[tuple[str, frozenset[str]]] = [
    ("Missing and returns", frozenset({ch.EPISODE_MISSING, ch.EPISODE_RETURNED})),
    ("Forms", frozenset({ch.SUBMISSION})),
    ("Meeting decisions", frozenset({ch.RMM_DECISION})),
    ("Amendments", frozenset({ch.AMENDMENT})),
    ("Actions", frozenset({ch.ACTION})),
    ("People and places", frozenset({ch.ASSOCIATION})),
    ("Drafts (not final)", frozenset({ch.DRAFT})),
    ("Profile", frozenset({ch.PROFILE})),
]


class ChronologyModel(RowsModel[ChronologyEvent]):
    HEADERS = ("When", "Type", "What happened", "Detail")
    WHEN, TYPE, TITLE, DETAIL = range(4)

    def display(self, item: ChronologyEvent, column: int) -> str:
        if column == self.WHEN:
            return uk_date(item.local_date) if item.all_day else uk_datetime(item.at)
        if column == self.TYPE:
            return item.kind_label
        if column == self.TITLE:
            return item.title
        return item.detail

    def sort_key(self, item: ChronologyEvent, column: int) -> Any:
        if column == self.WHEN:
            return item.at.timestamp()
        return super().sort_key(item, column)

    def record_id(self, item: ChronologyEvent) -> str:
        return item.record_id

    def colour(self, item: ChronologyEvent, column: int) -> Ink | None:
        if column in (self.TYPE, self.TITLE):
            if item.kind == ch.EPISODE_MISSING:
                return RED
            if item.kind == ch.DRAFT:
                return MUTED
        if column == self.DETAIL:
            return MUTED if item.kind == ch.DRAFT else None
        return None

    def font(self, item: ChronologyEvent, column: int) -> QFont | None:
        if column == self.TITLE and item.kind in (ch.RMM_DECISION, ch.EPISODE_MISSING):
            return bold()
        if column == self.TITLE and item.kind == ch.DRAFT:
            return italic()
        return None

    def tooltip(self, item: ChronologyEvent, column: int) -> str | None:
        return f"{item.title}\n{item.detail}".strip()


class ChronologyFilter(SortInModel):
    """Keeps the events of the checked types within the date range."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kinds: frozenset[str] | None = None
        self.start: date | None = None
        self.end: date | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_filter(self, kinds: frozenset[str] | None, start: date | None,
                   end: date | None) -> None:
        self.beginFilterChange()
        self.kinds, self.start, self.end = kinds, start, end
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, ChronologyModel) or source_parent.isValid():
            return True
        return event_matches(model.item(source_row), self.kinds, self.start, self.end)


class ChronologyTab(QWidget):
    """The chronology table and its filters."""

    #: a row was opened: the event it shows
    event_activated = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("personTab")
        self.model = ChronologyModel(self)
        self.proxy = ChronologyFilter(self)
        self.proxy.setSourceModel(self.model)

        self.kind_boxes: list[tuple[QCheckBox, frozenset[str]]] = []
        types = QGridLayout()
        types.setHorizontalSpacing(18)
        types.setVerticalSpacing(4)
        for i, (text, kinds) in enumerate(FILTERS):
            box = QCheckBox(text)
            box.setChecked(True)
            box.setAccessibleName(f"Show {text.lower()}")
            box.toggled.connect(self._apply)
            types.addWidget(box, i // 4, i % 4)
            self.kind_boxes.append((box, kinds))
        self.from_edit = OptionalDateEdit("Show events from", "Any date")
        self.to_edit = OptionalDateEdit("Show events up to", "Any date")
        self.from_edit.changed.connect(self._apply)
        self.to_edit.changed.connect(self._apply)
        self.reset_button = button("Show &all", "Show every event: clear the filters")
        self.reset_button.clicked.connect(self.reset_filters)
        self.count_label = text_label("", "hint")
        self.count_label.setWordWrap(False)
        self.count_label.setAccessibleName("Events shown")

        dates = QHBoxLayout()
        dates.setSpacing(8)
        dates.addWidget(field_label("Fro&m", self.from_edit.edit))
        dates.addWidget(self.from_edit)
        dates.addSpacing(10)
        dates.addWidget(field_label("&To", self.to_edit.edit))
        dates.addWidget(self.to_edit)
        dates.addStretch(1)
        dates.addWidget(self.count_label)
        dates.addSpacing(10)
        dates.addWidget(self.reset_button)

        self.table = RecordTable("Chronology", stretch=ChronologyModel.DETAIL,
                                 wrap={ChronologyModel.TITLE: 330, ChronologyModel.DETAIL: 0})
        self.table.setObjectName("chronologyTable")
        self.table.setModel(self.proxy)
        self.table.sortByColumn(ChronologyModel.WHEN, Qt.SortOrder.DescendingOrder)
        self.table.activated.connect(self._activated)
        self.empty_label = text_label("", "emptyState")

        filters_title = QLabel("Show")
        filters_title.setObjectName("fieldLabel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(filters_title)
        layout.addLayout(types)
        layout.addLayout(dates)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        self.empty_label.hide()

        chain_tab_order([*(box for box, _ in self.kind_boxes), self.from_edit.edit,
                         self.from_edit.none_box, self.to_edit.edit, self.to_edit.none_box,
                         self.reset_button, self.table])
        self.reset_filters()

    # -- content -------------------------------------------------------------------------------

    def set_events(self, events: list[ChronologyEvent], today: date) -> None:
        self._today = today
        if self.from_edit.value() is None:
            self.from_edit.set_value(None, today - timedelta(days=90))
        if self.to_edit.value() is None:
            self.to_edit.set_value(None, today)
        self.model.set_rows(events)
        self._update_count()

    def clear(self) -> None:
        self.model.clear()
        self._update_count()

    def reset_filters(self) -> None:
        for box, _ in self.kind_boxes:
            box.blockSignals(True)
            box.setChecked(True)
            box.blockSignals(False)
        today = getattr(self, "_today", None) or date.today()
        self.from_edit.set_value(None, today - timedelta(days=90))
        self.to_edit.set_value(None, today)
        self._apply()

    def set_kinds(self, kinds: set[str]) -> None:
        """Check exactly the filters whose kinds are all in ``kinds`` (for keyboard macros and
        tests: the same as clicking the boxes)."""
        for box, box_kinds in self.kind_boxes:
            box.setChecked(box_kinds <= kinds)

    def checked_kinds(self) -> frozenset[str] | None:
        """The kinds shown, or None when every type is."""
        checked = [kinds for box, kinds in self.kind_boxes if box.isChecked()]
        if len(checked) == len(self.kind_boxes):
            return None
        return frozenset().union(*checked)

    def visible_events(self) -> list[ChronologyEvent]:
        return [self.model.item(source_row(self.proxy.index(r, 0)))
                for r in range(self.proxy.rowCount())]

    # -- internals -----------------------------------------------------------------------------

    def _apply(self, *_: object) -> None:
        self.proxy.set_filter(self.checked_kinds(), self.from_edit.value(), self.to_edit.value())
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"Showing {shown} of {total} event{'s' if total != 1 else ''}")
        if total and not shown:
            self.empty_label.setText("No events match these filters. Show all to clear them.")
        self.empty_label.setVisible(bool(total) and not shown)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.event_activated.emit(self.model.item(source_row(index)))
