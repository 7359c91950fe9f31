"""The team manager's page: the next Risk Management Meeting, open actions, and approvals.

Three tabs, read together by one operation (:func:`cse_desktop.qt.operations.caseload.overview`):

* **Next RMM**: the date of the next weekly meeting and who is due at it, with the reasons;
  "Record meeting" asks the window to open the meeting record for the selected person.
* **Open actions**: every open RMM action on the caseload, its owner, agency, due date and RAG
  status (in words; the colour only repeats them).
* **Downgrades awaiting approval**: screenings whose agreed level is lower than the suggested
  level.  A manager approves in their own name (the workspace owner's), recorded as an
  amendment; in a practitioner's workspace the button is switched off and says why.

The page reads itself again after a change to people, episodes, forms or actions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.casework.caseload import (
    RMM_WEEKDAY,
    CaseloadRow,
    OpenAction,
    PendingDowngrade,
    TeamOverview,
    local_today,
)
from cse_desktop.domain.dates import long_date, uk_date
from cse_desktop.domain.errors import CseError
from cse_desktop.domain.ids import RecordKind
from cse_desktop.domain.labels import RAG_TIPS, RAG_WORDS, RISK_LABELS
from cse_desktop.domain.models import Rag, RiskLevel, Role, Submission
from cse_desktop.forms.engine import FormEngine
from cse_desktop.qt.caseload_model import (
    NAME_COLUMN,
    REVIEW_COLUMN,
    WORKER_COLUMN,
    name_key,
)
from cse_desktop.qt.operations import TaskManager
from cse_desktop.qt.operations import caseload as caseload_ops
from cse_desktop.qt.printing import (
    PrintDialog,
    agenda_job,
    close_print_dialog,
    open_print_dialog,
)
from cse_desktop.qt.tables import (
    ID_ROLE,
    ColumnSpec,
    RefreshesWhenShown,
    TableModel,
    bold_when,
    sorting_proxy,
)
from cse_desktop.qt.theme import RAG_INKS, RISK_INKS, Ink
from cse_desktop.qt.widgets import (
    MessageLabel,
    button,
    lay_out_tabbed_page,
    setup_table,
    tabbed_page_top,
    text_label,
)

T = TypeVar("T")

_RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.COMPLETE: 3}
_NO_DATE = date.max.toordinal()


# ---------------------------------------------------------------------------------------------
# Models


def _level_column(header: str, level: Callable[[T], RiskLevel]) -> ColumnSpec[T]:
    return ColumnSpec(header, lambda x: RISK_LABELS[level(x)], lambda x: level(x).rank,
                      colour=lambda x: RISK_INKS.get(level(x)),
                      font=bold_when(lambda x: level(x) is RiskLevel.HIGH))


def _or_muted(text: Callable[[T], str]) -> Callable[[T], Ink | None]:
    """The muted ink when ``text`` is empty ("Not set" shows instead)."""
    return lambda x: None if text(x) else Ink.MUTED


def rmm_model(parent: QWidget | None = None) -> TableModel[CaseloadRow]:
    """Who is due at the next meeting, and why."""
    columns: list[ColumnSpec[CaseloadRow]] = [
        NAME_COLUMN,
        _level_column("Risk level", lambda r: r.risk_level),
        ColumnSpec("Why due", lambda r: "; ".join(r.rmm_reasons),
                   lambda r: "; ".join(r.rmm_reasons).casefold(),
                   tooltip=lambda r: "Due at the next meeting: " + "; ".join(r.rmm_reasons)),
        REVIEW_COLUMN,
        WORKER_COLUMN,
    ]
    return TableModel(columns, lambda r: r.person_id, parent)


def actions_model(parent: QWidget | None = None) -> TableModel[OpenAction]:
    """Every open action on the caseload."""
    columns: list[ColumnSpec[OpenAction]] = [
        ColumnSpec("RAG status", lambda a: RAG_WORDS[a.rag],
                   lambda a: _RAG_ORDER[a.rag] * 10_000_000 + (a.due.toordinal() if a.due
                                                               else 9_999_999),
                   colour=lambda a: RAG_INKS[a.rag], font=bold_when(lambda a: a.rag is Rag.RED),
                   swatch=lambda a: RAG_INKS[a.rag], tooltip=lambda a: RAG_TIPS[a.rag]),
        ColumnSpec("Due", lambda a: uk_date(a.due) if a.due else "No date",
                   lambda a: a.due.toordinal() if a.due else _NO_DATE,
                   colour=lambda a: None if a.due else Ink.MUTED),
        ColumnSpec("Young person", lambda a: a.person.display_name,
                   lambda a: name_key(a.person)),
        ColumnSpec("Action", lambda a: " ".join(a.text.split()), lambda a: a.text.casefold(),
                   tooltip=lambda a: a.text),
        ColumnSpec("Owner", lambda a: a.owner or "Not set",
                   lambda a: a.owner.casefold() or "\uffff", colour=_or_muted(lambda a: a.owner)),
        ColumnSpec("Agency", lambda a: a.agency or "Not set",
                   lambda a: a.agency.casefold() or "\uffff",
                   colour=_or_muted(lambda a: a.agency)),
    ]
    return TableModel(columns, lambda a: str(a.person.id), parent)


def downgrades_model(parent: QWidget | None = None) -> TableModel[PendingDowngrade]:
    """Screenings whose lower agreed level waits for a manager."""
    columns: list[ColumnSpec[PendingDowngrade]] = [
        ColumnSpec("Young person", lambda d: d.person.display_name,
                   lambda d: name_key(d.person)),
        _level_column("Suggested", lambda d: d.suggested_level),
        _level_column("Agreed", lambda d: d.agreed_level),
        ColumnSpec("Rationale", lambda d: " ".join(d.rationale.split()) or "None given",
                   lambda d: d.rationale.casefold(), tooltip=lambda d: d.rationale or None,
                   colour=_or_muted(lambda d: d.rationale)),
        ColumnSpec("Worker", lambda d: d.worker or "Not allocated",
                   lambda d: d.worker.casefold() or "\uffff"),
        ColumnSpec("Screened", lambda d: uk_date(d.day) if d.day else "Not known",
                   lambda d: d.finalised_at.timestamp() if d.finalised_at else 0.0,
                   tooltip=lambda d: f"Recorded by {d.recorded_by}" if d.recorded_by
                   else None),
    ]
    return TableModel(columns, lambda d: d.submission_id, parent)


# ---------------------------------------------------------------------------------------------
# The page


class _Tab(QWidget):
    """A tab: intro labels, the table (or a message when it is empty), a row of buttons."""

    def __init__(self, model: TableModel[Any], table_name: str, empty_text: str, *,
                 stretch: int) -> None:
        super().__init__()
        self.stretch = stretch
        #: no column but the stretching one is wider than this (longer text is cut short)
        self.max_width = 240
        self.setObjectName("managerTab")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.model = model
        self.proxy = sorting_proxy(model, self)
        self.table = setup_table(QTableView(), table_name)
        self.table.setModel(self.proxy)
        # One column (the longest text) takes the width the others leave; its text is cut
        # short with "…" when narrow, and the tooltip shows it whole.
        heading = self.table.horizontalHeader()
        heading.setStretchLastSection(False)
        heading.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self.empty_text = empty_text
        self.empty_label = text_label(empty_text, "emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty_label.setAccessibleName(f"{table_name}: message")
        self.views = QStackedWidget()
        self.views.addWidget(self.table)
        self.views.addWidget(self.empty_label)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(16, 14, 16, 14)
        self.layout_.setSpacing(8)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(10)

    def finish(self) -> None:
        self.layout_.addWidget(self.views, 1)
        self.layout_.addLayout(self.buttons)

    def refresh_view(self, message: str | None = None) -> None:
        if self.model.rowCount():
            self.views.setCurrentWidget(self.table)
            bold = QFont(self.table.horizontalHeader().font())
            bold.setBold(True)  # the style sheet makes the headings bold
            metrics = QFontMetrics(bold)
            scale = QFontMetrics(self.table.font()).averageCharWidth() / 7  # text size
            for column in range(self.model.columnCount()):
                if column != self.stretch:
                    heading = str(self.model.headerData(column, Qt.Orientation.Horizontal))
                    cells = self.table.sizeHintForColumn(column) + 20  # cell padding
                    width = max(cells, metrics.horizontalAdvance(heading) + 30)
                    self.table.setColumnWidth(column, min(width, int(self.max_width * scale)))
        else:
            self.empty_label.setText(message or self.empty_text)
            self.views.setCurrentWidget(self.empty_label)

    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.proxy.mapToSource(rows[0]).row()


class ManagerPage(RefreshesWhenShown, QWidget):
    """The team manager's page: Next RMM, Open actions, Downgrades awaiting approval."""

    WATCHED = frozenset({RecordKind.PERSON, RecordKind.EPISODE, RecordKind.SUBMISSION,
                         RecordKind.ACTION})

    #: a person's row was activated (Enter or double-click): their record id
    person_activated = Signal(str)
    #: "Record meeting" for the selected person: their record id
    record_meeting = Signal(str)
    #: a lower level was approved: the id of the approving amendment
    approved = Signal(str)

    def __init__(self, tasks: TaskManager, engine: FormEngine,
                 parent: QWidget | None = None, *, today: date | None = None,
                 rmm_weekday: int = RMM_WEEKDAY) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.tasks = tasks
        self.engine = engine
        self.today = today
        self.rmm_weekday = rmm_weekday
        self.overview: TeamOverview | None = None
        self._approving = False
        #: asks the manager why they approve (None: cancelled); tests replace it
        self.ask_reason: Callable[[PendingDowngrade], str | None] = self._reason_dialog

        self.refresh_button = button("R&efresh", "Read the team's caseload again",
                                     tooltip="Read the caseload, actions and approvals again")
        header, self.status_label, self.tabs = tabbed_page_top("Team manager",
                                                               self.refresh_button)

        # -- Next RMM
        self.rmm_model = rmm_model(self)
        self.rmm_tab = tab = _Tab(self.rmm_model, "People due at the next meeting",
                                  "No one is due at the next Risk Management Meeting.",
                                  stretch=2)
        self.meeting_label = text_label("", "meetingDate")
        self.meeting_label.setAccessibleName("Next meeting")
        self.rmm_hint = text_label(
            "Due: medium or high risk; a review due by the meeting; a return home interview "
            "that flagged exploitation since their last meeting; or missing 3 or more times "
            "in 30 days.", "hint")
        tab.layout_.addWidget(self.meeting_label)
        tab.layout_.addWidget(self.rmm_hint)
        self.record_button = button("&Record meeting", "Record the meeting for the selected "
                                    "young person", role="primary",
                                    tooltip="Open a Risk Management Meeting record for the "
                                            "selected young person")
        self.open_button = button("&Open record", "Open the selected young person's record")
        self.agenda_button = button("Print a&genda pack…", "Print the agenda pack for the "
                                    "next meeting", tooltip="Preview, print or save one PDF: "
                                    "a cover agenda and a summary of everyone due")
        self.print_dialog: PrintDialog | None = None
        tab.buttons.addWidget(self.record_button)
        tab.buttons.addWidget(self.open_button)
        tab.buttons.addStretch(1)
        tab.buttons.addWidget(self.agenda_button)
        tab.finish()

        # -- Open actions
        self.actions_model = actions_model(self)
        self.actions_tab = tab = _Tab(self.actions_model, "Open actions",
                                      "There are no open actions on this caseload.", stretch=3)
        tab.max_width = 170
        self.actions_summary = text_label("", "tabSummary")
        self.actions_summary.setAccessibleName("Open actions summary")
        tab.layout_.addWidget(self.actions_summary)
        self.action_detail = text_label("", "rationale")
        self.action_detail.setAccessibleName("The selected action")
        self.action_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_open_button = button("Open &young person's record",
                                         "Open the record of the young person the selected "
                                         "action is for")
        tab.buttons.addWidget(self.action_open_button)
        tab.buttons.addStretch(1)
        tab.finish()
        tab.layout_.insertWidget(tab.layout_.indexOf(tab.views) + 1, self.action_detail)

        # -- Downgrades awaiting approval
        self.downgrades_model = downgrades_model(self)
        self.downgrades_tab = tab = _Tab(self.downgrades_model, "Downgrades awaiting approval",
                                         "No lower levels are waiting for approval.", stretch=3)
        self.approval_intro = text_label("", "tabSummary")
        self.approval_intro.setAccessibleName("About approvals")
        tab.layout_.addWidget(self.approval_intro)
        self.rationale_label = text_label("", "rationale")
        self.rationale_label.setAccessibleName("Rationale of the selected screening")
        self.rationale_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        self.approve_button = button("A&pprove lower level", "Approve the lower level of the "
                                     "selected screening", role="primary")
        self.approval_message = MessageLabel("notice")
        self.approval_error = MessageLabel("error")
        tab.buttons.addWidget(self.approve_button)
        tab.buttons.addStretch(1)
        tab.finish()
        after_table = tab.layout_.indexOf(tab.views) + 1
        for i, widget in enumerate((self.rationale_label, self.approval_message,
                                    self.approval_error)):
            tab.layout_.insertWidget(after_table + i, widget)

        # Highest risk first (ties keep the casework's name order); red actions first, soonest
        # due first; the oldest screening first.  A click on a heading sorts by that column.
        self.rmm_tab.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.actions_tab.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.downgrades_tab.table.sortByColumn(5, Qt.SortOrder.AscendingOrder)
        self.tabs.addTab(self.rmm_tab, "&Next RMM")
        self.tabs.addTab(self.actions_tab, "Open &actions")
        self.tabs.addTab(self.downgrades_tab, "&Downgrades awaiting approval")

        lay_out_tabbed_page(self, header, self.tabs)

        self.refresh_button.clicked.connect(self.load)
        self.record_button.clicked.connect(self._record_meeting)
        self.agenda_button.clicked.connect(self.print_agenda)
        self.open_button.clicked.connect(lambda: self._open_selected(self.rmm_tab))
        self.action_open_button.clicked.connect(lambda: self._open_selected(self.actions_tab))
        self.approve_button.clicked.connect(self.approve_selected)
        for t in (self.rmm_tab, self.actions_tab, self.downgrades_tab):
            t.table.activated.connect(lambda index, t=t: self._activate(t, index))
            t.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.watch(tasks)
        self._update_labels()
        self._update_buttons()

    # -- reading ---------------------------------------------------------------------------

    def now(self) -> datetime:
        if self.today is not None:
            return datetime.combine(self.today, time(12, 0), UTC)
        return datetime.now(UTC)

    @property
    def is_manager(self) -> bool:
        return self.overview is not None and self.overview.owner.role is Role.MANAGER

    def load(self, on_loaded: Callable[[], None] | None = None) -> None:
        """Read the meeting list, the actions and the approvals through the task manager."""
        generation = self.begin_load()
        self.status_label.setText("Reading…")

        def done(overview: TeamOverview) -> None:
            if self.is_current(generation):
                self.set_overview(overview)
                if on_loaded is not None:
                    on_loaded()

        def failed(exc: CseError) -> None:
            if self.is_current(generation):
                self.status_label.setText(f"Could not read the caseload. {exc.message}")

        try:
            self.tasks.run(caseload_ops.overview(now=self.now(), rmm_weekday=self.rmm_weekday),
                           on_done=done, on_error=failed, owner=self)
        except RuntimeError:  # the task manager closed (the workspace locked): nothing to read
            self.status_label.setText("")

    def set_overview(self, overview: TeamOverview) -> None:
        self.overview = overview
        self.rmm_model.set_items(overview.due)
        self.actions_model.set_items(overview.actions)
        self.downgrades_model.set_items(overview.downgrades)
        self.status_label.setText("")
        self._update_labels()
        self._update_buttons()

    def clear(self) -> None:
        """Forget everything shown (on lock)."""
        self.forget_loads()
        self.overview = None
        for model in (self.rmm_model, self.actions_model, self.downgrades_model):
            model.clear()
        self.approval_message.clear_message()
        self.approval_error.clear_message()
        self.status_label.setText("")
        close_print_dialog(self.print_dialog)
        self.print_dialog = None
        self._update_labels()
        self._update_buttons()

    # -- approving -------------------------------------------------------------------------

    def approve_selected(self) -> None:
        """Approve the selected screening's lower level, as the workspace's owner."""
        tab = self.downgrades_tab
        row = tab.selected_row()
        if row is None or not self.is_manager or self._approving:
            return
        item = self.downgrades_model.item(row)
        reason = self.ask_reason(item)
        if reason is None:
            return
        self.approval_message.clear_message()
        self.approval_error.clear_message()
        self._approving = True
        self._update_buttons()

        def done(amendment: Submission) -> None:
            self._approving = False
            level = RiskLevel((amendment.outcome or {}).get("level", item.agreed_level))
            self.approval_message.show_message(
                f"Approved. {item.person.display_name}'s risk level is now "
                f"{RISK_LABELS[level]}. Your approval and your reason are recorded with "
                "the screening, in your name.")
            self._update_buttons()
            self.approved.emit(str(amendment.id))

        def failed(exc: CseError) -> None:
            self._approving = False
            self.approval_error.show_message(exc.message)
            self._update_buttons()

        self.tasks.run(caseload_ops.approve(engine=self.engine,
                                            submission_id=item.submission_id, reason=reason,
                                            now=self.now()),
                       on_done=done, on_error=failed, owner=self)

    def _reason_dialog(self, item: PendingDowngrade) -> str | None:
        text, ok = QInputDialog.getMultiLineText(
            self, "Approve the lower level",
            f"Approve the lower level for {item.person.display_name}: "
            f"{RISK_LABELS[item.agreed_level]} instead of the suggested "
            f"{RISK_LABELS[item.suggested_level]}?\n\nYour name, the time and your reason are "
            "recorded with the screening, and the young person's risk level changes.\n\n"
            "Why do you approve it?")
        return text if ok else None

    # -- internals -------------------------------------------------------------------------

    def _activate(self, tab: _Tab, index: QModelIndex) -> None:
        """Emit ``person_activated`` for the young person on the row at ``index``."""
        if not index.isValid():
            return
        item = tab.model.item(tab.proxy.mapToSource(index).row())
        self.person_activated.emit(str(item.person.id))

    def _open_selected(self, tab: _Tab) -> None:
        rows = tab.table.selectionModel().selectedRows()
        if rows:
            self._activate(tab, rows[0])

    def print_agenda(self) -> PrintDialog | None:
        """The print dialog for the agenda pack of the meeting shown."""
        if self.overview is None:
            return None
        self.print_dialog = open_print_dialog(self.tasks, agenda_job(self.overview.meeting),
                                              self)
        return self.print_dialog

    def _record_meeting(self) -> None:
        rows = self.rmm_tab.table.selectionModel().selectedRows()
        if rows:
            self.record_meeting.emit(rows[0].data(ID_ROLE))

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _update_labels(self) -> None:
        overview = self.overview
        due = len(overview.due) if overview else 0
        actions = overview.actions if overview else []
        waiting = len(overview.downgrades) if overview else 0
        self.tabs.setTabText(0, f"&Next RMM ({due})")
        self.tabs.setTabText(1, f"Open &actions ({len(actions)})")
        self.tabs.setTabText(2, f"&Downgrades awaiting approval ({waiting})")
        if overview is None:
            self.meeting_label.setText("")
        else:
            when = long_date(overview.meeting)
            today = " (today)" if overview.meeting == local_today(overview.now) else ""
            people = "young person is" if due == 1 else "young people are"
            self.meeting_label.setText(f"Next Risk Management Meeting: {when}{today}. "
                                       f"{due} {people} due.")
        counts = {rag: sum(1 for a in actions if a.rag is rag) for rag in Rag}
        noun = "action" if len(actions) == 1 else "actions"
        self.actions_summary.setText(
            f"{len(actions)} open {noun}: {counts[Rag.RED]} red (overdue), "
            f"{counts[Rag.AMBER]} amber (due within 7 days), {counts[Rag.GREEN]} green.")
        if overview is not None and not self.is_manager:
            self.approval_intro.setText(
                "These screenings agreed a lower level than the one suggested; the higher "
                "level stands until a team manager approves. Only a manager can approve: "
                "this workspace belongs to a practitioner, so the Approve button is "
                "switched off.")
        else:
            self.approval_intro.setText(
                "These screenings agreed a lower level than the one suggested. Until a "
                "manager approves, the higher level stands. Read the rationale, then approve "
                "the lower level in your own name, or leave it and talk to the worker.")
        for tab in (self.rmm_tab, self.actions_tab, self.downgrades_tab):
            tab.refresh_view()

    def _update_buttons(self) -> None:
        rmm_selected = self.rmm_tab.selected_row() is not None
        self.record_button.setEnabled(rmm_selected)
        self.agenda_button.setEnabled(self.overview is not None)
        self.open_button.setEnabled(rmm_selected)
        action_row = self.actions_tab.selected_row()
        self.action_open_button.setEnabled(action_row is not None)
        if action_row is None:
            self.action_detail.hide()
        else:
            action = self.actions_model.item(action_row)
            due = f"due {uk_date(action.due)}" if action.due else "no due date"
            who = ", ".join(x for x in (action.owner, action.agency) if x) or "no owner set"
            self.action_detail.setText(
                f"{action.person.display_name}: {RAG_WORDS[action.rag]} ({due}). "
                f"Owner: {who}.\nAction: {action.text}")
            self.action_detail.show()
        row = self.downgrades_tab.selected_row()
        self.approve_button.setEnabled(row is not None and self.is_manager
                                       and not self._approving)
        if self.overview is not None and not self.is_manager:
            self.approve_button.setToolTip("Only a team manager can approve a lower level.")
        elif row is None:
            self.approve_button.setToolTip("Select a screening in the list first.")
        else:
            self.approve_button.setToolTip("Approve the lower level in your own name.")
        if row is None:
            self.rationale_label.setText("")
            self.rationale_label.hide()
        else:
            item = self.downgrades_model.item(row)
            when = f" on {uk_date(item.day)}" if item.day else ""
            by = f" by {item.recorded_by}" if item.recorded_by else ""
            self.rationale_label.setText(
                f"{item.person.display_name}: suggested {RISK_LABELS[item.suggested_level]}, "
                f"agreed {RISK_LABELS[item.agreed_level]} (recorded{by}{when}).\n"
                f"Rationale: {item.rationale or 'none given'}")
            self.rationale_label.show()
