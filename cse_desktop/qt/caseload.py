"""The caseload: a table of the people in the workspace, with filters and a name search.

``CaseloadModel`` holds one :class:`~cse_desktop.casework.caseload.CaseloadRow` per person;
``CaseloadFilter`` sorts them, keeps the rows of the chosen filter (High, RHI due, due at the
next RMM...) and matches the search words; ``CaseloadPage`` shows them.  The page reads the
workspace only through a :class:`~cse_desktop.qt.operations.WorkspaceRunner` (``load()``, and
again whenever the runner reports a change to people, episodes or forms); the model never
touches the store.  ``set_rows`` / ``set_people`` fill it directly (tests, and a window without
a runner).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.casework.caseload import (
    RMM_WEEKDAY,
    CaseloadRow,
    caseload_rows,
    local_today,
    person_row,
)
from cse_desktop.casework.chronology import clock_words
from cse_desktop.domain.errors import CseError
from cse_desktop.domain.models import LOCAL_ZONE, Person, RiskLevel
from cse_desktop.forms.scoring import AWAITING_APPROVAL
from cse_desktop.qt.operations import WorkspaceRunner
from cse_desktop.qt.resources import is_high_contrast
from cse_desktop.qt.widgets import (
    FlowLayout,
    button,
    field_label,
    page_header,
    setup_table,
    text_label,
)

ModelIndex = QModelIndex | QPersistentModelIndex

#: a value that sorts the way the column should (names by family name, risk by rank...)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: the case-folded text the name search matches (names and also-known-as)
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
#: the person's record id
ID_ROLE = Qt.ItemDataRole.UserRole + 3

#: the record kinds whose change alters the caseload
WATCHED_KINDS = frozenset({"person", "episode", "submission"})
#: how often the page re-reads the caseload while shown (the RHI clocks move on)
REFRESH_MS = 5 * 60 * 1000


class Column(IntEnum):
    NAME = 0
    AGE = 1
    RISK = 2
    LAST_MISSING = 3
    RHI_DUE = 4
    REVIEW = 5
    WORKER = 6


HEADERS = {Column.NAME: "Name", Column.AGE: "Age", Column.RISK: "Risk level",
           Column.LAST_MISSING: "Last missing", Column.RHI_DUE: "RHI due",
           Column.REVIEW: "Next review", Column.WORKER: "Allocated worker"}
HEADER_TIPS = {Column.LAST_MISSING: "When the latest missing episode started",
               Column.RHI_DUE: "The return home interview is due within 72 hours of the "
                               "return: time left on the earliest one outstanding",
               Column.REVIEW: "The date of the next review of the risk assessment"}

RISK_LABELS = {RiskLevel.NOT_ASSESSED: "Not assessed", RiskLevel.NONE: "None",
               RiskLevel.LOW: "Low", RiskLevel.MEDIUM: "Medium", RiskLevel.HIGH: "High"}


class Ink(StrEnum):
    """Text colours in the tables.  Colour only reinforces the words; it never carries meaning
    alone.  Each has a shade for the standard theme (WCAG AA on white) and one for the
    high-contrast theme (AAA on black), chosen when the cell is drawn."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    MUTED = "muted"


_INKS = {
    False: {Ink.RED: QColor("#a3122a"), Ink.AMBER: QColor("#8a4b00"),
            Ink.GREEN: QColor("#1d6b35"), Ink.MUTED: QColor("#5b6773")},
    True: {Ink.RED: QColor("#ff8080"), Ink.AMBER: QColor("#ffff00"),
           Ink.GREEN: QColor("#7dff7d"), Ink.MUTED: QColor("#b0b0b0")},
}


def ink(which: Ink | None) -> QColor | None:
    """The colour of ``which`` in the theme in use (None: the view's own text colour)."""
    return None if which is None else _INKS[is_high_contrast()][which]


RED, AMBER, GREEN, MUTED = Ink.RED, Ink.AMBER, Ink.GREEN, Ink.MUTED
_RISK_COLOURS = {RiskLevel.HIGH: RED, RiskLevel.MEDIUM: AMBER, RiskLevel.NOT_ASSESSED: MUTED}
_MUTED = MUTED
_OVERDUE = RED
_NO_DATE = date.max.toordinal()
NONE_SHOWN = "—"


def uk_date(day: date) -> str:
    """5 Mar 2025: unambiguous, and the way UK practitioners write dates."""
    return f"{day.day} {day:%b %Y}"


def uk_day(instant: datetime) -> str:
    """The UK date of a UTC instant."""
    return uk_date(instant.astimezone(LOCAL_ZONE).date())


def uk_time(instant: datetime) -> str:
    """14:05 on 5 Mar 2025, in UK time."""
    local = instant.astimezone(LOCAL_ZONE)
    return f"{local:%H:%M} on {uk_date(local.date())}"


def time_left_words(left: timedelta | None) -> str:
    """The interview clock in the casework's words ('due in 51 h', 'overdue by 5 h'), or '—'."""
    return NONE_SHOWN if left is None else clock_words(left)


class Show(StrEnum):
    """The caseload filters (one at a time)."""

    ALL = "all"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    RHI = "rhi"
    REVIEW_OVERDUE = "review-overdue"
    RMM = "rmm"


#: (button text with its Alt+letter, what it shows, in words for the tooltip and screen reader)
SHOW_TEXT = {
    Show.ALL: ("&All", "everyone on the caseload"),
    Show.HIGH: ("&High", "the people at high risk"),
    Show.MEDIUM: ("&Medium", "the people at medium risk"),
    Show.LOW: ("L&ow", "the people at low risk"),
    Show.RHI: ("&RHI due or overdue", "the people with a return home interview due or overdue"),
    Show.REVIEW_OVERDUE: ("Re&view overdue", "the people whose review date has passed"),
    Show.RMM: ("&Due at next RMM", "the people due at the next Risk Management Meeting"),
}
_EMPTY_TEXT = {
    Show.ALL: "There is no one on this caseload yet.",
    Show.HIGH: "No one on this caseload is at high risk.",
    Show.MEDIUM: "No one on this caseload is at medium risk.",
    Show.LOW: "No one on this caseload is at low risk.",
    Show.RHI: "No return home interviews are due or overdue.",
    Show.REVIEW_OVERDUE: "No reviews are overdue.",
    Show.RMM: "No one is due at the next Risk Management Meeting.",
}


def _in(show: Show, row: CaseloadRow) -> bool:
    if show is Show.ALL:
        return True
    if show is Show.HIGH:
        return row.risk_level is RiskLevel.HIGH
    if show is Show.MEDIUM:
        return row.risk_level is RiskLevel.MEDIUM
    if show is Show.LOW:
        return row.risk_level is RiskLevel.LOW
    if show is Show.RHI:
        return row.rhi_due is not None
    if show is Show.REVIEW_OVERDUE:
        return row.review_overdue
    return row.due_at_next_rmm


class CaseloadModel(QAbstractTableModel):
    """One row per person; read-only."""

    def __init__(self, parent: QWidget | None = None, *, today: date | None = None,
                 now: datetime | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseloadRow] = []
        self._search_texts: list[str] = []
        self._groups: dict[Show, set[int]] = {show: set() for show in Show}
        self._fixed_now = now
        self._now = now
        self._today = today

    @property
    def now(self) -> datetime:
        """The instant the rows were worked out for (times left are counted from it)."""
        return self._now or datetime.now(UTC)

    @property
    def today(self) -> date:
        return self._today or local_today(self.now)

    def set_rows(self, rows: Sequence[CaseloadRow], now: datetime | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._now = now or self._fixed_now
        self._search_texts = [r.person.search_text() for r in self._rows]
        self._groups = {show: {i for i, r in enumerate(self._rows) if _in(show, r)}
                        for show in Show}
        self.endResetModel()

    def set_people(self, people: Sequence[Person]) -> None:
        """Rows from the people alone (no missing history or forms: those need ``load``)."""
        now = self._fixed_now or datetime.now(UTC)
        self.set_rows([person_row(p, now) for p in people], now)

    def rows_matching(self, words: Sequence[str]) -> set[int]:
        """Rows whose name or also-known-as contains every one of ``words`` (case-folded)."""
        return {row for row, text in enumerate(self._search_texts)
                if all(word in text for word in words)}

    def rows_shown_by(self, show: Show) -> set[int]:
        return self._groups[show]

    def counts(self) -> dict[Show, int]:
        """How many people each filter shows (over the whole caseload)."""
        return {show: len(rows) for show, rows in self._groups.items()}

    def clear(self) -> None:
        """Drop every person (on lock): nothing personal stays in memory through the model."""
        self.set_rows([])

    def person(self, row: int) -> Person:
        return self._rows[row].person

    def row(self, row: int) -> CaseloadRow:
        return self._rows[row]

    # -- QAbstractTableModel -------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            column = Column(section)
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[column]
            if role == Qt.ItemDataRole.ToolTipRole:
                return HEADER_TIPS.get(column)
            if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.AGE:
                return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._spoken(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == SEARCH_ROLE:
            return self._search_texts[index.row()]
        if role == ID_ROLE:
            return row.person_id
        if role == Qt.ItemDataRole.ForegroundRole:
            return ink(self._colour(row, column))
        if role == Qt.ItemDataRole.FontRole and self._bold(row, column):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.AGE:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        return None

    def _display(self, row: CaseloadRow, column: Column) -> str:
        person = row.person
        if column == Column.NAME:
            if person.also_known_as:
                return f"{person.display_name} (aka {', '.join(person.also_known_as)})"
            return person.display_name
        if column == Column.AGE:
            return str(row.age)
        if column == Column.RISK:
            return RISK_LABELS[row.risk_level] + (" (awaiting approval)"
                                                  if row.approval_pending else "")
        if column == Column.LAST_MISSING:
            if row.missing_now:
                return "Missing now"
            return uk_day(row.last_missing) if row.last_missing else NONE_SHOWN
        if column == Column.RHI_DUE:
            return time_left_words(row.rhi_time_left(self.now))
        if column == Column.WORKER:
            return row.allocated_worker or "Not allocated"
        review = row.next_review
        if review is None:
            return "Not set"
        return f"{uk_date(review)} (overdue)" if row.review_overdue else uk_date(review)

    def _spoken(self, row: CaseloadRow, column: Column) -> str:
        """What a screen reader says: words for the dashes."""
        if column == Column.LAST_MISSING and row.last_missing is None:
            return "No missing episodes"
        if column == Column.RHI_DUE and row.rhi_due is None:
            return "No return home interview outstanding"
        if column == Column.RISK and row.approval_pending:
            return f"{RISK_LABELS[row.risk_level]}. {AWAITING_APPROVAL}."
        return self._display(row, column)

    def _tooltip(self, row: CaseloadRow, column: Column) -> str | None:
        person = row.person
        if column == Column.NAME:  # the whole name, when the column is too narrow for it
            if person.also_known_as:
                return f"{person.display_name}. Also known as: {', '.join(person.also_known_as)}"
            return person.display_name
        if column == Column.RISK and row.approval_pending:
            return (f"{AWAITING_APPROVAL}: a screening agreed a lower level; this level "
                    "stands until a team manager approves it.")
        if column == Column.LAST_MISSING and row.last_missing is not None:
            prefix = "Missing since" if row.missing_now else "Last went missing at"
            return f"{prefix} {uk_time(row.last_missing)}"
        if column == Column.RHI_DUE and row.rhi_due is not None:
            return f"Return home interview due by {uk_time(row.rhi_due)}"
        return None

    def _sort_key(self, row: CaseloadRow, column: Column) -> Any:
        person = row.person
        if column == Column.NAME:
            return f"{person.family_name.casefold()}\t{person.given_name.casefold()}"
        if column == Column.AGE:
            return row.age
        if column == Column.RISK:
            return row.risk_level.rank
        if column == Column.LAST_MISSING:
            if row.missing_now:  # missing now sorts after (more recent than) any return
                return 1e12
            return row.last_missing.timestamp() if row.last_missing else -1.0
        if column == Column.RHI_DUE:  # soonest (most overdue) first
            return row.rhi_due.timestamp() if row.rhi_due else 1e12
        if column == Column.WORKER:
            return row.allocated_worker.casefold() or "\uffff"
        return row.next_review.toordinal() if row.next_review else _NO_DATE

    def _colour(self, row: CaseloadRow, column: Column) -> Ink | None:
        if column == Column.RISK:
            return _RISK_COLOURS.get(row.risk_level)
        if column == Column.WORKER and not row.allocated_worker:
            return _MUTED
        if column == Column.LAST_MISSING:
            return RED if row.missing_now else (_MUTED if row.last_missing is None else None)
        if column == Column.RHI_DUE:
            if row.rhi_due is None:
                return _MUTED
            return RED if row.rhi_overdue else AMBER
        if column == Column.REVIEW:
            if row.next_review is None:
                return _MUTED
            if row.review_overdue:
                return _OVERDUE
        return None

    def _bold(self, row: CaseloadRow, column: Column) -> bool:
        return ((column == Column.RISK and row.risk_level is RiskLevel.HIGH)
                or (column == Column.LAST_MISSING and row.missing_now)
                or (column == Column.RHI_DUE and row.rhi_overdue)
                or (column == Column.REVIEW and row.review_overdue))


class CaseloadFilter(QSortFilterProxyModel):
    """Sorts by each column's own order and keeps the rows of the chosen filter whose name or
    also-known-as contains every word typed (the same rule as ``ws.people.search``, applied to
    the rows in memory)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._accepted: set[int] | None = None
        self._show = Show.ALL
        self._shown: set[int] | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    @property
    def show(self) -> Show:
        return self._show

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

    def set_show(self, show: Show) -> None:
        show = Show(show)
        if show is self._show:
            return
        self.beginFilterChange()
        self._show = show
        self._shown = self._rows_shown()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def _rows_shown(self) -> set[int] | None:
        source = self.sourceModel()
        if self._show is Show.ALL or not isinstance(source, CaseloadModel):
            return None
        return source.rows_shown_by(self._show)

    def invalidate_matches(self) -> None:
        """The source rows changed: match the current words and filter again."""
        self.beginFilterChange()
        source = self.sourceModel()
        self._shown = self._rows_shown()
        self._accepted = (source.rows_matching(self._words)
                          if self._words and isinstance(source, CaseloadModel) else None)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        if self._shown is not None and source_row not in self._shown:
            return False
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
    """The table: the Name column takes the spare width, never less than ``name_min_width``
    (a longer name is cut short with "…"; its tooltip shows it whole)."""

    def __init__(self) -> None:
        super().__init__()
        self.name_min_width = 170

    def fit_columns(self) -> None:
        """Each column as wide as its cells or its heading; the Name column takes the rest."""
        header = self.horizontalHeader()
        bold = QFont(header.font())
        bold.setBold(True)  # the style sheet makes the headings bold
        metrics = QFontMetrics(bold)
        model = self.model()
        for column in Column:
            if column == Column.NAME:
                continue
            heading = model.headerData(column, Qt.Orientation.Horizontal) if model else ""
            needed = metrics.horizontalAdvance(str(heading or "")) + 30  # padding, sort arrow
            cells = self.sizeHintForColumn(column) + 12  # the style sheet's cell padding
            self.setColumnWidth(column, max(cells, needed))
        # about 24 characters of a name, whatever the text size
        self.name_min_width = max(170, QFontMetrics(self.font()).averageCharWidth() * 24)
        self.fit_name()

    def fit_name(self) -> None:
        others = sum(self.columnWidth(c) for c in Column if c != Column.NAME)
        spare = self.viewport().width() - others
        self.setColumnWidth(Column.NAME, max(self.name_min_width, spare))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_name()


class CaseloadPage(QWidget):
    """The caseload table with its filters, search box and a Lock button.

    With a ``runner``, :meth:`load` reads the caseload off the UI thread, and the page reloads
    itself when the runner reports a change to people, episodes or submissions.
    """

    lock_requested = Signal()
    #: (rows shown, rows in total) whenever either changes
    counts_changed = Signal(int, int)
    #: a person's row was activated (Enter or double-click): their record id
    person_activated = Signal(str)

    def __init__(self, runner: WorkspaceRunner | None = None, parent: QWidget | None = None,
                 *, now: datetime | None = None, rmm_weekday: int = RMM_WEEKDAY) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.rmm_weekday = rmm_weekday
        self._fixed_now = now
        self._runner: WorkspaceRunner | None = None
        self._generation = 0
        self._stale = False
        self._loading = False
        self.load_error = ""
        self.model = CaseloadModel(self, now=now)
        self.proxy = CaseloadFilter(self)
        self.proxy.setSourceModel(self.model)

        header, row = page_header("Caseload")
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

        # The filters: one at a time, each with its count.  Each is its own Tab stop (not a
        # radio group, where Tab would skip to the checked one) and has an Alt+letter.
        self.filter_bar = QWidget()
        self.filter_bar.setObjectName("filterBar")
        self.filter_bar.setAccessibleName("Caseload filters")
        chips = FlowLayout(self.filter_bar, spacing=8)
        chips.setContentsMargins(20, 10, 20, 0)
        self.filter_buttons: dict[Show, QPushButton] = {}
        for show in Show:
            chip = QPushButton()
            chip.setCheckable(True)
            chip.setProperty("role", "chip")
            chip.setAutoDefault(False)
            chip.setCursor(Qt.CursorShape.PointingHandCursor)
            chip.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            chip.setObjectName(f"filter-{show.value}")
            self.filter_buttons[show] = chip
            chips.addWidget(chip)
        self.filter_buttons[Show.ALL].setChecked(True)
        self._update_filter_labels()

        self.table = CaseloadTable()
        self.table.setObjectName("caseloadTable")
        setup_table(self.table, "Caseload")
        self.table.setModel(self.proxy)
        self.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setStretchLastSection(False)  # the Name column stretches
        self.table.activated.connect(self._activate)

        self.empty_label = text_label("", "emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty_label.setAccessibleName("Caseload message")
        self.views = QStackedWidget()
        self.views.addWidget(self.table)
        self.views.addWidget(self.empty_label)

        body = QVBoxLayout()
        body.setContentsMargins(20, 10, 20, 14)
        body.addWidget(self.views)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.filter_bar)
        layout.addLayout(body, 1)

        for show, chip in self.filter_buttons.items():
            chip.clicked.connect(lambda _checked=False, s=show: self.set_filter(s))
        self.search_edit.textChanged.connect(self._search)
        self.lock_button.clicked.connect(self.lock_requested)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        for clear_button in self.search_edit.findChildren(QToolButton):
            clear_button.setAccessibleName("Clear the search")
            clear_button.setToolTip("Clear the search (Esc)")
        order: list[QWidget] = [self.search_edit, self.lock_button,
                                *self.filter_buttons.values(), self.table]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self._refresh_if_shown)
        if runner is not None:
            self.set_runner(runner)

    # -- the workspace -------------------------------------------------------------------

    @property
    def runner(self) -> WorkspaceRunner | None:
        return self._runner

    def set_runner(self, runner: WorkspaceRunner | None) -> None:
        """Read through ``runner`` from now on (None: a locked workspace, nothing to read)."""
        if self._runner is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # already gone or closed
                self._runner.changed.disconnect(self._on_changed)
        self._runner = runner
        if runner is not None:
            runner.changed.connect(self._on_changed)
            self.refresh_timer.start()
        else:
            self.refresh_timer.stop()

    def load(self, on_loaded: Callable[[], None] | None = None) -> None:
        """Read the caseload through the runner; the table fills when it arrives."""
        runner = self._runner
        if runner is None:
            return
        self._generation += 1
        generation = self._generation
        self._stale = False
        self._loading = True
        now = self._fixed_now or datetime.now(UTC)
        weekday = self.rmm_weekday
        if self.model.rowCount() == 0:
            self._update_counts()

        def done(rows: list[CaseloadRow]) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self._loading = False
                self.load_error = ""
                self.set_rows(rows, now)
                if on_loaded is not None:
                    on_loaded()

        def failed(exc: CseError) -> None:
            if shiboken6.isValid(self) and generation == self._generation:
                self._loading = False
                self.load_error = exc.message
                self._update_counts()

        try:
            runner.run(lambda ws: caseload_rows(ws, now, rmm_weekday=weekday), on_done=done,
                       on_error=failed)
        except RuntimeError:  # the runner closed (the workspace locked): nothing to read
            self._loading = False

    def _on_changed(self, kinds: object) -> None:
        if not WATCHED_KINDS.intersection(kinds):  # type: ignore[arg-type]
            return
        if self.isVisible():
            self.load()
        else:
            self._stale = True

    def _refresh_if_shown(self) -> None:
        if self.isVisible() and not self._loading:
            self.load()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self.load()

    # -- content -------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[CaseloadRow], now: datetime | None = None) -> None:
        self._fill(lambda: self.model.set_rows(rows, now or self._fixed_now))

    def set_people(self, people: Sequence[Person]) -> None:
        self._fill(lambda: self.model.set_people(people))

    def _fill(self, fill: Callable[[], None]) -> None:
        current = self.current_person_id()
        first = self.model.rowCount() == 0
        fill()
        self.proxy.invalidate_matches()
        if first:  # a reload keeps the widths the user may have set
            self.table.fit_columns()
        self._update_filter_labels()
        self._update_counts()
        if current is not None:
            self.select_person(current)

    def clear(self) -> None:
        self._generation += 1  # a load still in flight is dropped when it lands
        self._loading = False
        self._stale = False
        self.load_error = ""
        self.search_edit.clear()
        self.model.clear()
        self.set_filter(Show.ALL)
        self._update_filter_labels()

    def set_filter(self, show: Show) -> None:
        """Show only the rows of one filter (its button stays pressed; the others rise)."""
        show = Show(show)
        for each, chip in self.filter_buttons.items():
            chip.setChecked(each is show)
        self.proxy.set_show(show)
        self._update_filter_labels()
        self._update_counts()

    def current_person_id(self) -> str | None:
        index = self.table.currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def select_person(self, person_id: str) -> bool:
        for r in range(self.proxy.rowCount()):
            if self.proxy.index(r, Column.NAME).data(ID_ROLE) == person_id:
                self.table.selectRow(r)
                return True
        return False

    def focus_first(self) -> None:
        self.table.setFocus()
        if self.proxy.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def row_count(self) -> int:
        return self.proxy.rowCount()

    def shown_ids(self) -> list[str]:
        """The record ids of the rows shown, in their order on screen."""
        return [self.proxy.index(r, Column.NAME).data(ID_ROLE)
                for r in range(self.proxy.rowCount())]

    # -- internals -----------------------------------------------------------------------

    def _activate(self, index: QModelIndex) -> None:
        person_id = index.data(ID_ROLE)
        if person_id:
            self.person_activated.emit(person_id)

    def _search(self, text: str) -> None:
        self.proxy.set_search_text(text)
        self._update_counts()

    def _update_filter_labels(self) -> None:
        """Each filter's words and count; the chosen one is ticked as well as filled (the tick
        shows in any theme, and does not depend on colour)."""
        counts = self.model.counts()
        for show, chip in self.filter_buttons.items():
            text, meaning = SHOW_TEXT[show]
            count = counts[show]
            chosen = chip.isChecked()
            tick = "✓ " if chosen else ""
            chip.setText(f"{tick}{text} ({count})")
            if chosen:  # wide enough for its bold text (the style sheet's size hint is not)
                bold = QFont(chip.font())
                bold.setBold(True)
                label = f"{tick}{text.replace('&', '')} ({count})"
                chip.setMinimumWidth(QFontMetrics(bold).horizontalAdvance(label) + 28)
            else:
                chip.setMinimumWidth(0)
            key = text[text.index("&") + 1].upper()
            noun = "person" if count == 1 else "people"
            plain = text.replace("&", "")
            chip.setAccessibleName(f"Show {plain}: {count} {noun}")
            chip.setToolTip(f"Show {meaning} (Alt+{key})")

    def _update_counts(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        words = self.search_edit.text().strip()
        show = self.proxy.show
        if total == 0:
            if self.load_error:
                text = f"The caseload could not be read. {self.load_error}"
            elif self._loading:
                text = "Reading the caseload…"
            else:
                text = _EMPTY_TEXT[Show.ALL]
            self.empty_label.setText(text)
            self.views.setCurrentWidget(self.empty_label)
        elif shown == 0:
            if words and show is Show.ALL:
                text = (f"No one on this caseload matches “{words}”.\n"
                        "Check the spelling, or search for part of a name.")
            elif words:
                text = (f"No one in “{SHOW_TEXT[show][0].replace('&', '')}” matches "
                        f"“{words}”.\nChoose All to search the whole caseload.")
            else:
                text = _EMPTY_TEXT[show]
            self.empty_label.setText(text)
            self.views.setCurrentWidget(self.empty_label)
        else:
            self.views.setCurrentWidget(self.table)
        self.counts_changed.emit(shown, total)
