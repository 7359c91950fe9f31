"""Building blocks shared by the person record's tabs.

* :class:`RowsModel`: the table model of a list of records, one row each, its columns methods.
* :class:`RecordTable`: the table view every tab uses (rows selected whole, Enter opens).
* :class:`RecordDialog`: a small modal form (fields, an inline error, Save and Cancel) whose
  Save hands the work to the page, and which stays open with the message if the store refuses.
* Date and date-time inputs in UK local time (Europe/London), whatever the laptop's zone.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, ClassVar, TypeVar

from PySide6.QtCore import (
    QDate,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTime,
    QTimer,
    QTimeZone,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.domain.dates import LOCAL_ZONE
from cse_desktop.domain.ids import ALL_KINDS, Changes
from cse_desktop.qt.tables import ID_ROLE, ColumnSpec, TableModel, cell_width
from cse_desktop.qt.tables import SORT_ROLE as SORT_ROLE
from cse_desktop.qt.tables import bold as bold
from cse_desktop.qt.tables import sorting_proxy as sorting_proxy
from cse_desktop.qt.theme import Ink
from cse_desktop.qt.widgets import MessageLabel, button, field_label, text_label

ModelIndex = QModelIndex | QPersistentModelIndex
T = TypeVar("T")

# Colour only reinforces the words; it never carries meaning alone (the theme's inks).
RED, AMBER, MUTED = Ink.RED, Ink.AMBER, Ink.MUTED

#: the record kinds the page shows: a change to any of them refreshes it
RECORD_KINDS: Changes = ALL_KINDS


def chain_tab_order(widgets: Sequence[QWidget]) -> None:
    """Tab moves through ``widgets`` in this order."""
    for first, second in itertools.pairwise(widgets):
        QWidget.setTabOrder(first, second)


# -- table models and views --------------------------------------------------------------------


class RowsModel(TableModel[T]):
    """A :class:`~cse_desktop.qt.tables.TableModel` whose columns are methods: one row per item,
    :attr:`HEADERS` the headings; subclasses say what each cell shows (a cell's tooltip is its
    text unless :meth:`tooltip` says otherwise)."""

    HEADERS: ClassVar[Sequence[str]] = ()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([self._column(c, header) for c, header in enumerate(self.HEADERS)],
                         self.record_id, parent)

    def _column(self, column: int, header: str) -> ColumnSpec[T]:
        def tooltip(item: T) -> str | None:
            tip = self.tooltip(item, column)
            return tip if tip is not None else (self.display(item, column) or None)

        return ColumnSpec(header, lambda item: self.display(item, column),
                          lambda item: self.sort_key(item, column),
                          colour=lambda item: self.colour(item, column),
                          font=lambda item: self.font(item, column), tooltip=tooltip)

    def set_rows(self, rows: Sequence[T]) -> None:
        self.set_items(rows)

    # -- what subclasses provide -------------------------------------------------------------

    def display(self, item: T, column: int) -> str:
        raise NotImplementedError

    def sort_key(self, item: T, column: int) -> Any:
        return self.display(item, column).casefold()

    def record_id(self, item: T) -> str:
        return str(getattr(item, "id", ""))

    def colour(self, item: T, column: int) -> Ink | None:
        return None

    def font(self, item: T, column: int) -> QFont | None:
        return None

    def tooltip(self, item: T, column: int) -> str | None:
        return None


#: a wrapped table with more rows than this fits its rows as they come into view
FIT_ALL_ROWS = 300


class RecordTable(QTableView):
    """A table of records: rows selected whole; Enter or a double-click activates a row.

    Columns fit their contents; ``stretch`` takes the spare width (it is elided when short, and
    its full text is the cell's tooltip).
    """

    def __init__(self, accessible_name: str, *, stretch: int = 0, sortable: bool = True,
                 wrap: dict[int, int] | None = None) -> None:
        super().__init__()
        self.stretch = stretch
        #: columns whose text wraps, and their widths (the stretch column may be one, width 0):
        #: rows then grow to fit
        self.wrap = dict(wrap or {})
        self._rows_timer = QTimer(self)
        self._rows_timer.setSingleShot(True)
        self._rows_timer.setInterval(0)
        self._rows_timer.timeout.connect(self._fit_rows_now)
        #: rows fitted so far (a long table fits the rows it shows, as they come into view)
        self._fitted: set[int] | None = None
        self.verticalScrollBar().valueChanged.connect(self._fit_visible_rows)
        self.setAccessibleName(accessible_name)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(bool(self.wrap))
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.setSortingEnabled(sortable)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(32)
        heading = self.horizontalHeader()
        heading.setHighlightSections(False)
        heading.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        heading.setMinimumSectionSize(70)
        heading.setStretchLastSection(False)

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        model.modelReset.connect(self.fit_columns)
        model.layoutChanged.connect(self.fit_columns)
        if self.wrap:
            model.rowsInserted.connect(self.fit_rows)
            model.rowsRemoved.connect(self.fit_rows)
            model.dataChanged.connect(self.fit_rows)
            self.horizontalHeader().sectionResized.connect(self.fit_rows)
        self.fit_columns()

    def fit_rows(self, *_: object) -> None:
        """Wrapped rows take the height their text needs (once, after a burst of changes)."""
        if self.wrap:
            self._rows_timer.start()

    def fit_columns(self) -> None:
        model = self.model()
        if model is None:
            return
        heading = self.horizontalHeader()
        for column in range(model.columnCount()):
            mode = (QHeaderView.ResizeMode.Stretch if column == self.stretch
                    else QHeaderView.ResizeMode.Interactive)
            heading.setSectionResizeMode(column, mode)
            if column in self.wrap and column != self.stretch:
                self.setColumnWidth(column, self.wrap[column])
            elif column != self.stretch:
                self.setColumnWidth(column, self._content_width(column))
        self.fit_rows()

    def _fit_rows_now(self) -> None:
        model = self.model()
        if model is None:
            return
        self._fitted = set()
        if model.rowCount() <= FIT_ALL_ROWS:
            self.resizeRowsToContents()
        else:  # a long record (thousands of forms): the rows on screen, then those scrolled to
            self._fit_visible_rows()
        self.updateGeometries()  # the scroll bar follows the new heights at once

    def _fit_visible_rows(self, *_: object) -> None:
        """Wrapped rows in view (and a screenful either side) take the height their text needs;
        the rest keep the default height until they are scrolled to."""
        model = self.model()
        fitted = self._fitted
        if model is None or fitted is None or not self.wrap:
            return
        count = model.rowCount()
        first = max(0, self.rowAt(0))
        last = self.rowAt(self.viewport().height() - 1)
        last = count - 1 if last < 0 else last
        span = last - first + 1
        for row in range(max(0, first - span), min(count, last + span + 1)):
            if row not in fitted:
                fitted.add(row)
                self.resizeRowToContents(row)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_visible_rows()  # taller: more rows in view

    def _content_width(self, column: int) -> int:
        """As wide as the cells and the (bold) heading need, with room for the sort arrow;
        tighter than Qt's own fit, which pads every heading for an arrow."""
        heading = str(self.model().headerData(column, Qt.Orientation.Horizontal) or "")
        font = QFont(self.font())
        font.setBold(True)
        header_width = QFontMetrics(font).horizontalAdvance(heading) + 34
        cells = cell_width(self, column) + 10
        return max(70, min(max(header_width, cells), 300))

    def selected_source_row(self) -> int | None:
        """The selected row, in the source model's numbering (None when nothing is)."""
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        if not rows:
            return None
        index = rows[0]
        model = self.model()
        while isinstance(model, QSortFilterProxyModel):
            index = model.mapToSource(index)
            model = model.sourceModel()
        return index.row()

    def select_record(self, record_id: str) -> bool:
        model = self.model()
        for row in range(model.rowCount()):
            if model.index(row, 0).data(ID_ROLE) == record_id:
                self.selectRow(row)
                return True
        return False


def source_row(index: QModelIndex) -> int:
    model = index.model()
    while isinstance(model, QSortFilterProxyModel):
        index = model.mapToSource(index)
        model = model.sourceModel()
    return index.row()


# -- dates and times in UK local time ----------------------------------------------------------

_WALL_CLOCK = QTimeZone.utc()  # the widget holds UK wall-clock numbers, never converted by Qt


def datetime_edit(accessible_name: str) -> QDateTimeEdit:
    """A date-time input in UK local time (24-hour), typed as 05/03/2026 20:30."""
    edit = QDateTimeEdit()
    edit.setTimeZone(_WALL_CLOCK)
    edit.setDisplayFormat("dd/MM/yyyy HH:mm")
    edit.setCalendarPopup(True)
    edit.setAccessibleName(accessible_name)
    edit.setMinimumWidth(190)
    return edit


def set_local(edit: QDateTimeEdit, at: datetime) -> None:
    local = at.astimezone(LOCAL_ZONE)
    edit.setDateTime(QDateTime(QDate(local.year, local.month, local.day),
                               QTime(local.hour, local.minute), _WALL_CLOCK))


def local_value(edit: QDateTimeEdit) -> datetime:
    """The instant the input means: its numbers read as Europe/London wall-clock time."""
    value = edit.dateTime().toTimeZone(_WALL_CLOCK)
    day, clock = value.date(), value.time()
    return datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute(),
                    tzinfo=LOCAL_ZONE).astimezone(UTC)


def date_edit(accessible_name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    edit.setAccessibleName(accessible_name)
    edit.setMinimumWidth(150)
    return edit


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class OptionalDateEdit(QWidget):
    """A date that may be left unset: a date input and a 'none' check box beside it."""

    changed = Signal()

    def __init__(self, accessible_name: str, none_text: str) -> None:
        super().__init__()
        self.edit = date_edit(accessible_name)
        self.none_box = QCheckBox(none_text)
        self.none_box.setAccessibleName(f"{accessible_name}: {none_text.lower()}")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        row.addWidget(self.edit)
        row.addWidget(self.none_box)
        row.addStretch(1)
        self.setFocusProxy(self.edit)
        self.none_box.toggled.connect(lambda on: self.edit.setEnabled(not on))
        self.none_box.toggled.connect(self.changed)
        self.edit.dateChanged.connect(self.changed)

    def set_value(self, day: date | None, default: date) -> None:
        self.edit.setDate(to_qdate(day or default))
        self.none_box.setChecked(day is None)
        self.edit.setEnabled(day is not None)

    def value(self) -> date | None:
        return None if self.none_box.isChecked() else from_qdate(self.edit.date())


# -- labels and small dialogs ------------------------------------------------------------------


def section_title(text: str) -> QLabel:
    label = text_label(text, "personSection")
    label.setAccessibleName(text)
    return label


def editable_combo(items: Sequence[str], name: str, *, max_length: int) -> QComboBox:
    """A drop-down list the worker may also type into (blank first), named for screen
    readers, its text kept to ``max_length`` characters."""
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(["", *items])
    combo.setAccessibleName(name)
    edit = combo.lineEdit()
    assert edit is not None  # an editable combo box always has one
    edit.setAccessibleName(name)
    edit.setMaxLength(max_length)
    return combo


class RecordDialog(QDialog):
    """A small modal form: fields in a grid, an inline error, Save and Cancel.

    Save validates (:meth:`problem`), then emits :attr:`save_requested`; the page runs the
    store work and calls :meth:`done_saving` (closes) or :meth:`show_error` (stays open).
    """

    save_requested = Signal()

    def __init__(self, title: str, intro: str, save_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName("personDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(10)
        heading = text_label(title, "dialogTitle")
        heading.setAccessibleName(title)
        layout.addWidget(heading)
        if intro:
            layout.addWidget(text_label(intro, "pageIntro"))
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)
        layout.addLayout(self.grid)
        self._next_row = 0
        self.error = MessageLabel("error")
        layout.addWidget(self.error)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = button("Cancel", "Cancel and close without saving")
        self.save_button = button(save_text, save_text, role="primary")
        self.save_button.setDefault(True)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self._save)

    def add_field(self, label: str, widget: QWidget, hint: str = "") -> None:
        """A bold label (its mnemonic focuses the field) above the field, full width."""
        self.add_row((label, widget, hint))

    def add_row(self, *fields: tuple[str, QWidget, str]) -> None:
        """Fields side by side: (label, widget, hint) each."""
        row = self._next_row
        span = 2 if len(fields) == 1 else 1
        for column, (label, widget, hint) in enumerate(fields):
            self.grid.addWidget(field_label(label, widget), row, column, 1, span)
            self.grid.addWidget(widget, row + 1, column, 1, span)
            if hint:
                self.grid.addWidget(text_label(hint, "hint"), row + 2, column, 1, span)
        used = 3 if any(hint for _, _, hint in fields) else 2
        self.grid.setRowMinimumHeight(row + used, 8)  # a gap before the next field
        self._next_row = row + used + 1

    def add_widget(self, widget: QWidget) -> None:
        self.grid.addWidget(widget, self._next_row, 0, 1, 2)
        self._next_row += 1

    def problem(self) -> str:
        """What is wrong with the input, in plain words ('' when it can be saved)."""
        return ""

    def _save(self) -> None:
        message = self.problem()
        if message:
            self.show_error(message)
            return
        self.error.clear_message()
        self.save_button.setEnabled(False)
        self.save_requested.emit()

    def show_error(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.error.show_message(message)

    def done_saving(self) -> None:
        self.save_button.setEnabled(True)
        self.accept()
