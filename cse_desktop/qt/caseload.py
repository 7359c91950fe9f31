"""The caseload page: a table of the people in the workspace, with filters and a name search.

The rows come most urgent first (:func:`cse_desktop.casework.urgency.urgency_key`); a click on
a heading sorts by that column and "Sort by urgency" goes back, and the line above the table
says which order is shown and any search.  From the search box, Down moves into the results
and Enter opens the first match; Tab goes search, filters, table.  Headings never truncate:
the columns fit their headings (on two lines when the window is narrow or the text large) and
the data is elided instead, its tooltip showing it whole.

The rows, their columns and the filters live in :mod:`cse_desktop.qt.caseload_model`; this is
the page that shows them.  It reads the workspace only through operations
(:mod:`cse_desktop.qt.operations.caseload`) run by the task manager: ``load()``, and again
whenever the task manager reports a change to people, episodes or forms.  ``set_rows`` /
``set_people`` fill it directly (tests, and a window without a task manager).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.casework.caseload import RMM_WEEKDAY, CaseloadRow
from cse_desktop.casework.urgency import URGENCY_ORDER
from cse_desktop.domain.errors import CseError
from cse_desktop.domain.ids import RecordKind
from cse_desktop.domain.models import Person
from cse_desktop.qt.caseload_model import CaseloadFilter, CaseloadModel, Column, Show
from cse_desktop.qt.caseload_table import CaseloadTable, SearchEdit
from cse_desktop.qt.operations import TaskManager
from cse_desktop.qt.operations import caseload as caseload_ops
from cse_desktop.qt.tables import ID_ROLE, RefreshesWhenShown
from cse_desktop.qt.widgets import (
    FlowLayout,
    button,
    field_label,
    page_header,
    setup_table,
    text_label,
)

#: what the summary line says of the default order
URGENCY_WORDS = "most urgent first (" + ", ".join(URGENCY_ORDER) + ")"
#: how a column's order reads: (ascending, descending)
SORT_WORDS = {
    Column.NAME: ("A to Z", "Z to A"), Column.AGE: ("youngest first", "oldest first"),
    Column.RISK: ("lowest first", "highest first"),
    Column.LAST_MISSING: ("longest ago first", "most recent first"),
    Column.RHI_DUE: ("soonest first", "latest first"),
    Column.REVIEW: ("earliest first", "latest first"), Column.WORKER: ("A to Z", "Z to A"),
}
#: how often the page re-reads the caseload while shown (the RHI clocks move on)
REFRESH_MS = 5 * 60 * 1000

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

class CaseloadPage(RefreshesWhenShown, QWidget):
    """The caseload table with its filters and search box (the window's toolbar and Workspace
    menu hold the one Lock, Ctrl+L).

    With a task manager, :meth:`load` reads the caseload off the UI thread, and the page reloads
    itself after a change to people, episodes or submissions (when next shown, if hidden).
    """

    WATCHED = frozenset({RecordKind.PERSON, RecordKind.EPISODE, RecordKind.SUBMISSION})

    #: (rows shown, rows in total) whenever either changes (:meth:`summary_words` says more)
    counts_changed = Signal(int, int)
    #: a person's row was activated (Enter or double-click): their record id
    person_activated = Signal(str)
    #: the empty caseload's buttons
    add_person_requested = Signal()
    demo_requested = Signal()

    def __init__(self, tasks: TaskManager | None = None, parent: QWidget | None = None,
                 *, now: datetime | None = None, rmm_weekday: int = RMM_WEEKDAY) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.rmm_weekday = rmm_weekday
        self._fixed_now = now
        self._loading = False
        self._demo = False
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

        # The order and the search, in words; "Sort by urgency" after sorting by a column.
        self.summary_label = text_label("", "caseloadSummary")
        self.summary_label.setAccessibleName("What the caseload shows")
        self.urgency_button = button("Sort by &urgency", "Sort by urgency", role="link",
                                     tooltip="Most urgent first: " + ", ".join(URGENCY_ORDER))
        self.urgency_button.hide()
        summary = QHBoxLayout()
        summary.setContentsMargins(20, 8, 20, 0)
        summary.addWidget(self.summary_label, 1)
        summary.addWidget(self.urgency_button)

        self.table = CaseloadTable()
        self.table.setObjectName("caseloadTable")
        setup_table(self.table, "Caseload")
        self.table.setModel(self.proxy)
        self.table.horizontalHeader().setStretchLastSection(False)  # the Name column stretches
        self.table.activated.connect(self._activate)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._sorted)
        self.sort_by_urgency()

        # The message when nothing is shown; on an empty caseload, a way to start.
        self.empty_label = text_label("", "emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty_label.setAccessibleName("Caseload message")
        self.add_button = button("&Add a young person", "Add a young person", role="primary",
                                 tooltip="Start a record for a young person (Ctrl+N)")
        self.demo_button = button("Open the d&emo", "Open the demo workspace", role="demo",
                                  tooltip="A separate practice workspace full of invented young "
                                          "people: nothing you do there touches this one.")
        self.empty_state = QWidget()
        self.empty_state.setObjectName("caseloadEmpty")
        starts = QHBoxLayout()
        starts.addStretch(1)
        starts.addWidget(self.add_button)
        starts.addWidget(self.demo_button)
        starts.addStretch(1)
        empty = QVBoxLayout(self.empty_state)
        empty.setContentsMargins(0, 0, 0, 0)
        empty.addWidget(self.empty_label)
        empty.addLayout(starts)
        empty.addStretch(1)
        self.views = QStackedWidget()
        self.views.addWidget(self.table)
        self.views.addWidget(self.empty_state)

        body = QVBoxLayout()
        body.setContentsMargins(20, 10, 20, 14)
        body.addWidget(self.views)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.filter_bar)
        layout.addLayout(summary)
        layout.addLayout(body, 1)

        for show, chip in self.filter_buttons.items():
            chip.clicked.connect(lambda _checked=False, s=show: self.set_filter(s))
        self.search_edit.textChanged.connect(self._search)
        self.search_edit.returnPressed.connect(self.open_first_match)
        self.search_edit.down_pressed.connect(self.enter_results)
        self.table.up_from_top.connect(self.focus_search)
        self.urgency_button.clicked.connect(self.sort_by_urgency)
        self.add_button.clicked.connect(self.add_person_requested)
        self.demo_button.clicked.connect(self.demo_requested)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)
        for clear_button in self.search_edit.findChildren(QToolButton):
            clear_button.setAccessibleName("Clear the search")
            clear_button.setToolTip("Clear the search (Esc)")
        order: list[QWidget] = [self.search_edit, *self.filter_buttons.values(),
                                self.urgency_button, self.table, self.add_button,
                                self.demo_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self._refresh_if_shown)
        self.set_tasks(tasks)

    # -- the workspace -------------------------------------------------------------------

    @property
    def tasks(self) -> TaskManager | None:
        return self._tasks

    def set_tasks(self, tasks: TaskManager | None) -> None:
        """Read through ``tasks`` from now on (None: a locked workspace, nothing to read)."""
        self.watch(tasks)
        if tasks is not None:
            self.refresh_timer.start()
        else:
            self.refresh_timer.stop()

    @property
    def loading(self) -> bool:
        """A read of the caseload is on its way."""
        return self._loading

    def load(self, on_loaded: Callable[[], None] | None = None) -> None:
        """Read the caseload through the task manager; the table fills when it arrives."""
        tasks = self._tasks
        if tasks is None:
            return
        generation = self.begin_load()
        self._loading = True
        now = self._fixed_now or datetime.now(UTC)
        if self.model.rowCount() == 0:
            self._update_counts()

        def done(rows: list[CaseloadRow]) -> None:
            if self.is_current(generation):
                self._loading = False
                self.load_error = ""
                self.set_rows(rows, now)
                if on_loaded is not None:
                    on_loaded()

        def failed(exc: CseError) -> None:
            if self.is_current(generation):
                self._loading = False
                self.load_error = exc.message
                self._update_counts()

        try:
            tasks.run(caseload_ops.rows(now=now, rmm_weekday=self.rmm_weekday), on_done=done,
                      on_error=failed, owner=self)
        except RuntimeError:  # the task manager closed (the workspace locked): nothing to read
            self._loading = False

    def _refresh_if_shown(self) -> None:
        if self.isVisible() and not self._loading:
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
        self.forget_loads()  # a load still in flight is dropped when it lands
        self._loading = False
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

    def enter_results(self) -> None:
        """From the search box into the results: the first row shown, selected."""
        if self.proxy.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def open_first_match(self) -> None:
        """Enter in the search box: open the first person shown."""
        if self.proxy.rowCount():
            self.table.selectRow(0)
            self._activate(self.proxy.index(0, Column.NAME))

    def clear_search(self) -> None:
        """Leaving the page: forget the search (the chosen filter stays, and shows)."""
        self.search_edit.clear()

    def set_demo(self, demo: bool) -> None:
        """In the demo workspace, the empty caseload does not offer the demo."""
        self._demo = demo
        self._update_counts()

    def sort_by_urgency(self) -> None:
        """The default order: most urgent first (the order the rows are kept in)."""
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self._sorted()

    @property
    def sorted_by_urgency(self) -> bool:
        return self.proxy.sortColumn() < 0

    def summary_words(self) -> str:
        """How many are shown, of how many, with the filter and search that hide the rest:
        '30 people', 'Showing 1 of 30 people — High, search: “kes”'."""
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "person" if total == 1 else "people"
        words = self.search_edit.text().strip()
        why = [] if self.proxy.show is Show.ALL else [
            SHOW_TEXT[self.proxy.show][0].replace("&", "")]
        if words:
            why.append(f"search: “{words}”")
        if not why:
            return f"{total} {noun}"
        return f"Showing {shown} of {total} {noun} — " + ", ".join(why)

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def row_count(self) -> int:
        return self.proxy.rowCount()

    def shown_ids(self) -> list[str]:
        """The record ids of the rows shown, in their order on screen."""
        return [self.proxy.index(r, Column.NAME).data(ID_ROLE)
                for r in range(self.proxy.rowCount())]

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            QTimer.singleShot(0, self, self._update_filter_labels)  # the chosen chip's bold width

    # -- internals -----------------------------------------------------------------------

    def _activate(self, index: QModelIndex) -> None:
        person_id = index.data(ID_ROLE)
        if person_id:
            self.person_activated.emit(person_id)

    def _search(self, text: str) -> None:
        self.proxy.set_search_text(text)
        self._update_counts()

    def _sorted(self, *_args: object) -> None:
        column = self.proxy.sortColumn()
        self.urgency_button.setVisible(column >= 0)
        self._update_summary()

    def _update_summary(self) -> None:
        column = self.proxy.sortColumn()
        if column < 0:
            order = URGENCY_WORDS
        else:
            up, down = SORT_WORDS[Column(column)]
            heading = self.model.columns[column].header
            descending = self.proxy.sortOrder() == Qt.SortOrder.DescendingOrder
            order = f"sorted by {heading}, {down if descending else up}"
        self.summary_label.setText(f"{self.summary_words()}, {order}.")
        self.summary_label.setVisible(self.model.rowCount() > 0)  # the empty page says enough

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
            # wide enough for its text, bold when chosen (the style sheet's size hint is not)
            font = QFont(chip.font())
            font.setBold(chosen)
            label = f"{tick}{text.replace('&', '')} ({count})"
            chip.setMinimumWidth(QFontMetrics(font).horizontalAdvance(label) + 28)
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
                text = _EMPTY_TEXT[Show.ALL] if self._demo else (
                    "There is no one on this caseload yet. Add a young person to start their "
                    "record, or open the demo to look around with invented people.")
            self.empty_label.setText(text)
            self.views.setCurrentWidget(self.empty_state)
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
            self.views.setCurrentWidget(self.empty_state)
        else:
            self.views.setCurrentWidget(self.table)
        empty = total == 0 and not self._loading and not self.load_error
        self.add_button.setVisible(empty)
        self.demo_button.setVisible(empty and not self._demo)
        self._update_summary()
        self.counts_changed.emit(shown, total)
