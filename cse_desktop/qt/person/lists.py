"""The Forms, Actions and People-and-places tabs: lists of the child's records.

* Forms: drafts, finals and amendments; Enter opens one (the page emits ``open_submission``);
  the New buttons start a form (``start_form``).
* Actions: text, owner, agency, due date, status and RAG in words ("Overdue", "Due soon",
  "On track", "Done"), colour only reinforcing them; add an action, mark one done.
* People and places of concern: restricted records (withheld from redacted prints and exports).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.casework.chronology import submission_summary, submission_time
from cse_desktop.casework.form_words import form_title
from cse_desktop.domain.dates import uk_date, uk_datetime, when_words
from cse_desktop.domain.errors import CseError
from cse_desktop.domain.ids import FormId, RecordId
from cse_desktop.domain.labels import ACTION_STATUS_LABELS, ASSOCIATION_LABELS, RAG_SHORT
from cse_desktop.domain.models import (
    Action,
    ActionStatus,
    Association,
    AssociationKind,
    Episode,
    Rag,
    Submission,
)
from cse_desktop.qt.operations import Operation, TaskManager, actions, associations
from cse_desktop.qt.person.common import (
    AMBER,
    MUTED,
    RED,
    OptionalDateEdit,
    RecordDialog,
    RecordTable,
    RowsModel,
    bold,
    chain_tab_order,
    editable_combo,
    sorting_proxy,
    source_row,
)
from cse_desktop.qt.person.profile import plain_store_message
from cse_desktop.qt.tables import italic
from cse_desktop.qt.theme import RAG_INKS, Ink
from cse_desktop.qt.widgets import MessageLabel, button, line_edit, text_label

_RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.COMPLETE: 3}
RESTRICTED_HINT = ("A restricted action stays with the team: it is left out of every printed "
                   "copy except the internal RMM copy.")
AGENCIES = ["Children's social care", "Police", "Education", "Health", "Youth service",
            "Exploitation team", "Parent or carer", "Voluntary sector"]
#: the forms a worker starts from the Forms tab: (form id, button text, accessible name)
#: (their mnemonics must not repeat a menu title's: the menu bar's Alt+letter wins)
NEW_FORMS = [
    (FormId.SCREENING, "New e&xploitation screening", "New exploitation screening"),
    (FormId.PARENT_SESSION, "New &parent session", "New parent session"),
    (FormId.RMM_REVIEW, "New &meeting record", "New Risk Management Meeting record"),
]


def rag_label(action: Action, today: date) -> str:
    if action.status is ActionStatus.CANCELLED:
        return "Closed"
    return RAG_SHORT[action.rag(today)]


def _run_dialog(tasks: TaskManager, dialog: RecordDialog, operation: Operation[Any]) -> None:
    def failed(error: CseError) -> None:
        dialog.show_error(plain_store_message(error.message))

    tasks.run(operation, on_done=lambda _: dialog.done_saving(), on_error=failed, owner=dialog)


def _open(owner: QWidget, dialog: RecordDialog) -> RecordDialog:
    owner.dialog = dialog  # type: ignore[attr-defined]

    def closed(_: int) -> None:
        if getattr(owner, "dialog", None) is dialog:
            owner.dialog = None  # type: ignore[attr-defined]
        dialog.deleteLater()

    dialog.finished.connect(closed)
    dialog.open()
    return dialog


def _text_box(accessible_name: str, max_length: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setAccessibleName(accessible_name)
    box.setTabChangesFocus(True)  # Tab moves on; it never types a tab character
    box.setFixedHeight(84)
    box.setToolTip(f"Up to {max_length:,} characters")
    return box


def _tab_layout(tab: QWidget, *rows: Any) -> QVBoxLayout:
    layout = QVBoxLayout(tab)
    layout.setContentsMargins(0, 4, 0, 0)
    layout.setSpacing(8)
    for row in rows:
        if isinstance(row, QWidget):
            layout.addWidget(row, 1 if isinstance(row, RecordTable) else 0)
        else:
            layout.addLayout(row)
    return layout


def _button_row(*buttons: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(8)
    for b in buttons:
        row.addWidget(b)
    row.addStretch(1)
    return row


# -- forms (submissions) -----------------------------------------------------------------------


class SubmissionsModel(RowsModel[Submission]):
    # No form version here: workers do not need it to find a form; the form page's own
    # heading names it.
    HEADERS = ("Form", "Status", "Date", "Finalised", "Amends", "Outcome")
    FORM, STATUS, DATE, FINALISED, AMENDS, OUTCOME = range(6)

    def set_submissions(self, submissions: Sequence[Submission]) -> None:
        self._by_id = {s.id: s for s in submissions}
        self._amended = {s.amends for s in submissions if s.amends and s.is_final}
        self.set_rows(submissions)

    def display(self, item: Submission, column: int) -> str:
        if column == self.FORM:
            return form_title(item)
        if column == self.STATUS:
            if not item.is_final:
                return "Draft amendment" if item.amends else "Draft"
            if item.amends:
                return "Final amendment"
            return "Final (amended later)" if item.id in self._amended else "Final"
        if column == self.DATE:
            at, all_day = submission_time(item)
            return when_words(at, all_day)
        if column == self.FINALISED:
            return uk_datetime(item.finalised_at) if item.finalised_at else "Not final"
        if column == self.OUTCOME:
            summary = submission_summary(item)
            title = form_title(item)
            words = summary.removeprefix(title).removeprefix(": ")
            return (words[:1].upper() + words[1:]) if words else "—"
        if item.amends is None:
            return ""
        original = self._by_id.get(item.amends)
        if original is None or original.finalised_at is None:
            return "An earlier record"
        return f"The final of {uk_datetime(original.finalised_at)}"

    def sort_key(self, item: Submission, column: int) -> Any:
        if column == self.DATE:
            return submission_time(item)[0].timestamp()
        if column == self.FINALISED:
            return item.finalised_at.timestamp() if item.finalised_at else float("inf")
        return super().sort_key(item, column)

    def colour(self, item: Submission, column: int) -> Ink | None:
        if column == self.STATUS and not item.is_final:
            return AMBER
        return None

    def font(self, item: Submission, column: int) -> QFont | None:
        if column == self.STATUS and not item.is_final:
            return italic()
        return None


class SubmissionsTab(QWidget):
    open_submission = Signal(str)
    start_form = Signal(str)  # form id

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("personTab")
        self.model = SubmissionsModel(self)
        self.model.set_submissions([])
        self.proxy = sorting_proxy(self.model, self)
        self.new_buttons: dict[str, Any] = {}
        for form_id, text, name in NEW_FORMS:
            b = button(text, name, role="primary" if form_id == "exploitation-screening"
                       else "secondary")
            b.clicked.connect(lambda _=False, f=form_id: self.start_form.emit(f))
            self.new_buttons[form_id] = b
        self.open_button = button("&Open", "Open the selected form",
                                  tooltip="Open the selected form (Enter)")
        self.open_button.clicked.connect(self._open_selected)
        self.table = RecordTable("Forms", stretch=SubmissionsModel.OUTCOME,
                                 wrap={SubmissionsModel.OUTCOME: 0})
        self.table.setObjectName("submissionsTable")
        self.table.setModel(self.proxy)
        self.table.sortByColumn(SubmissionsModel.DATE, Qt.SortOrder.DescendingOrder)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.empty_label = text_label("No forms have been started for this child.",
                                      "emptyState")
        _tab_layout(self, _button_row(*self.new_buttons.values(), self.open_button),
                    self.table, self.empty_label)
        chain_tab_order([*self.new_buttons.values(), self.open_button, self.table])
        self._update_buttons()

    def set_submissions(self, submissions: Sequence[Submission]) -> None:
        self.model.set_submissions(submissions)
        # the Amends column only when something amends something (it gives Outcome the room)
        self.table.setColumnHidden(SubmissionsModel.AMENDS,
                                   not any(s.amends for s in submissions))
        self.table.setVisible(bool(submissions))
        self.empty_label.setVisible(not submissions)
        self._update_buttons()

    def clear(self) -> None:
        self.set_submissions([])

    def _update_buttons(self, *_: object) -> None:
        self.open_button.setEnabled(self.table.selected_source_row() is not None)

    def _open_selected(self) -> None:
        row = self.table.selected_source_row()
        if row is not None:
            self.open_submission.emit(str(self.model.item(row).id))

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_submission.emit(str(self.model.item(source_row(index)).id))


# -- actions -----------------------------------------------------------------------------------


class ActionsModel(RowsModel[Action]):
    HEADERS = ("Action", "Owner", "Agency", "Due", "Status", "RAG")
    TEXT, OWNER, AGENCY, DUE, STATUS, RAG = range(6)

    def __init__(self, parent: QWidget | None, today: Callable[[], date]) -> None:
        super().__init__(parent)
        self.today = today

    def display(self, item: Action, column: int) -> str:
        if column == self.TEXT:
            return item.text
        if column == self.OWNER:
            return item.owner or "Not set"
        if column == self.AGENCY:
            return item.agency or "Not set"
        if column == self.DUE:
            return uk_date(item.due) if item.due else "No due date"
        if column == self.STATUS:
            return ACTION_STATUS_LABELS[item.status] + (" (restricted)" if item.restricted
                                                        else "")
        return rag_label(item, self.today())

    def sort_key(self, item: Action, column: int) -> Any:
        if column == self.DUE:
            return item.due.toordinal() if item.due else date.max.toordinal()
        if column == self.RAG:
            due = item.due.toordinal() if item.due else date.max.toordinal()
            return _RAG_ORDER[item.rag(self.today())] * 10_000_000 + due
        return super().sort_key(item, column)

    def colour(self, item: Action, column: int) -> Ink | None:
        if column == self.RAG:
            return RAG_INKS[item.rag(self.today())]
        if column == self.DUE and item.rag(self.today()) is Rag.RED:
            return RED
        if (column == self.OWNER and not item.owner) \
                or (column == self.AGENCY and not item.agency):
            return MUTED
        return None

    def font(self, item: Action, column: int) -> QFont | None:
        if column == self.RAG and item.rag(self.today()) is Rag.RED:
            return bold()
        return None


class ActionDialog(RecordDialog):
    def __init__(self, parent: QWidget | None, today: date) -> None:
        super().__init__("Add an action", "An action agreed for this child: who does what, by "
                         "when.", "Add action", parent)
        self.text_box = _text_box("Action", 2000)
        self.owner_edit = line_edit("Owner", max_length=200, placeholder="Who will do it")
        self.agency_combo = editable_combo(AGENCIES, "Agency", max_length=200)
        self.due_edit = OptionalDateEdit("Due date", "No due date")
        self.due_edit.set_value(today + timedelta(days=14), today)
        self.restricted_box = QCheckBox("&Restricted: keep it with the team")
        self.restricted_box.setAccessibleName("Restricted")
        self.restricted_box.setToolTip(RESTRICTED_HINT)
        self.add_field("&Action", self.text_box)
        self.add_row(("&Owner", self.owner_edit, ""), ("A&gency", self.agency_combo, ""))
        self.add_field("&Due date", self.due_edit)
        self.add_widget(self.restricted_box)
        chain_tab_order([self.text_box, self.owner_edit, self.agency_combo, self.due_edit.edit,
                         self.due_edit.none_box, self.restricted_box, self.cancel_button,
                         self.save_button])
        self.text_box.setFocus()

    def problem(self) -> str:
        text = self.text_box.toPlainText().strip()
        if not text:
            return "Describe the action."
        if len(text) > 2000:
            return f"The action is {len(text)} characters long; keep it to 2,000."
        return ""

    def action(self, person_id: str) -> Action:
        return Action(person_id=RecordId(person_id), text=self.text_box.toPlainText().strip(),
                      owner=self.owner_edit.text().strip(),
                      agency=self.agency_combo.currentText().strip(), due=self.due_edit.value(),
                      restricted=self.restricted_box.isChecked())


class ActionsTab(QWidget):
    def __init__(self, tasks: TaskManager, today: Callable[[], date]) -> None:
        super().__init__()
        self.setObjectName("personTab")
        self.tasks = tasks
        self.today = today
        self.person_id: str | None = None
        self.dialog: RecordDialog | None = None
        self.model = ActionsModel(self, today)
        self.proxy = sorting_proxy(self.model, self)
        self.add_button = button("&Add action…", "Add an action", role="primary")
        self.done_button = button("Mark &done", "Mark the selected action done")
        self.restrict_button = button("Mark r&estricted", "Mark the selected action restricted")
        self.restrict_button.setToolTip(RESTRICTED_HINT)
        self.message = MessageLabel("error")
        self.key = text_label("RAG: Overdue (past its due date), Due soon (within 7 days), "
                              "On track, Done.", "hint")
        self.table = RecordTable("Actions", stretch=ActionsModel.TEXT,
                                 wrap={ActionsModel.TEXT: 0})
        self.table.setObjectName("actionsTable")
        self.table.setModel(self.proxy)
        self.table.sortByColumn(ActionsModel.RAG, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.empty_label = text_label("No actions are recorded for this child.", "emptyState")
        _tab_layout(self, _button_row(self.add_button, self.done_button, self.restrict_button),
                    self.message, self.key, self.table, self.empty_label)
        chain_tab_order([self.add_button, self.done_button, self.restrict_button, self.table])
        self.add_button.clicked.connect(self.open_add_dialog)
        self.done_button.clicked.connect(self.mark_done)
        self.restrict_button.clicked.connect(self.toggle_restricted)
        self._update_buttons()

    def set_actions(self, person_id: str, actions: Sequence[Action]) -> None:
        selected = self.table.selected_source_row()
        selected_id = self.model.item(selected).id if selected is not None else None
        self.person_id = person_id
        self.model.set_rows(actions)
        self.table.setVisible(bool(actions))
        self.empty_label.setVisible(not actions)
        if selected_id:
            self.table.select_record(selected_id)
        self._update_buttons()

    def clear(self) -> None:
        self.person_id = None
        self.model.clear()
        self.message.clear_message()
        self._update_buttons()

    def selected_action(self) -> Action | None:
        row = self.table.selected_source_row()
        return self.model.item(row) if row is not None else None

    def _update_buttons(self, *_: object) -> None:
        action = self.selected_action()
        self.add_button.setEnabled(self.person_id is not None)
        self.done_button.setEnabled(action is not None and action.status is ActionStatus.OPEN)
        self.restrict_button.setEnabled(action is not None)
        restricted = action is not None and action.restricted
        self.restrict_button.setText("Remove r&estricted mark" if restricted
                                     else "Mark r&estricted")
        self.restrict_button.setAccessibleName("Remove the restricted mark from the selected "
                                               "action" if restricted else
                                               "Mark the selected action restricted")

    def open_add_dialog(self) -> ActionDialog | None:
        if self.person_id is None:
            return None
        dialog = ActionDialog(self, self.today())
        person_id = self.person_id

        def save() -> None:
            action = dialog.action(person_id)
            _run_dialog(self.tasks, dialog, actions.add(action=action))

        dialog.save_requested.connect(save)
        return _open(self, dialog)  # type: ignore[return-value]

    def toggle_restricted(self) -> None:
        """Mark the selected action restricted (withheld from every printed copy but the
        internal one), or remove the mark."""
        action = self.selected_action()
        if action is None:
            return
        changed = action.model_copy(update={"restricted": not action.restricted})
        self._update(changed)

    def mark_done(self) -> None:
        action = self.selected_action()
        if action is None or action.status is not ActionStatus.OPEN:
            return
        done = action.model_copy(update={"status": ActionStatus.DONE})
        self._update(done)

    def _update(self, action: Action) -> None:
        self.message.clear_message()
        self.tasks.run(actions.update(action=action),
                       on_error=lambda e: self.message.show_message(
                           plain_store_message(e.message)), owner=self)


# -- people and places of concern --------------------------------------------------------------


class AssociationsModel(RowsModel[Association]):
    HEADERS = ("Kind", "Description", "Area", "Details", "Recorded")
    KIND, DESCRIPTION, AREA, DETAILS, RECORDED = range(5)

    def display(self, item: Association, column: int) -> str:
        if column == self.KIND:
            return ASSOCIATION_LABELS[item.association_kind]
        if column == self.DESCRIPTION:
            return item.description
        if column == self.AREA:
            return item.area or "—"
        if column == self.DETAILS:
            return item.details or "—"
        return uk_datetime(item.created_at)

    def sort_key(self, item: Association, column: int) -> Any:
        if column == self.RECORDED:
            return item.created_at.timestamp()
        return super().sort_key(item, column)


class AssociationDialog(RecordDialog):
    def __init__(self, parent: QWidget | None, episodes: Sequence[Episode]) -> None:
        super().__init__("Add a person or place of concern",
                         "Restricted: withheld from redacted prints and exports. Record only "
                         "what is needed to keep the child safe.", "Add", parent)
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Kind")
        for kind, label in ASSOCIATION_LABELS.items():
            self.kind_combo.addItem(label, kind)
        self.description_edit = line_edit("Description", max_length=500,
                                          placeholder="Who or what, as it is known")
        self.area_edit = line_edit("Area", max_length=200)
        self.details_box = _text_box("Details", 4000)
        self.episode_combo = QComboBox()
        self.episode_combo.setAccessibleName("Linked missing episode")
        self.episode_combo.addItem("None", None)
        for episode in sorted(episodes, key=lambda e: e.started_at, reverse=True):
            self.episode_combo.addItem(f"Missing {uk_datetime(episode.started_at)}",
                                       str(episode.id))
        self.add_row(("&Kind", self.kind_combo, ""), ("A&rea", self.area_edit, ""))
        self.add_field("&Description", self.description_edit)
        self.add_field("De&tails", self.details_box)
        self.add_field("Linked missing &episode", self.episode_combo)
        chain_tab_order([self.kind_combo, self.area_edit, self.description_edit,
                         self.details_box, self.episode_combo, self.cancel_button,
                         self.save_button])
        self.kind_combo.setFocus()

    def problem(self) -> str:
        if not self.description_edit.text().strip():
            return "Describe the person, place, vehicle or handle."
        if len(self.details_box.toPlainText()) > 4000:
            return "The details are too long; keep them to 4,000 characters."
        return ""

    def association(self, person_id: str) -> Association:
        episode = self.episode_combo.currentData()
        return Association(person_id=RecordId(person_id),
                           association_kind=AssociationKind(self.kind_combo.currentData()),
                           description=self.description_edit.text().strip(),
                           area=self.area_edit.text().strip(),
                           details=self.details_box.toPlainText().strip(),
                           episode_id=RecordId(episode) if episode else None)


class AssociationsTab(QWidget):
    def __init__(self, tasks: TaskManager) -> None:
        super().__init__()
        self.setObjectName("personTab")
        self.tasks = tasks
        self.person_id: str | None = None
        self.episodes: list[Episode] = []
        self.dialog: RecordDialog | None = None
        self.model = AssociationsModel(self)
        self.proxy = sorting_proxy(self.model, self)
        self.restricted = text_label(
            "Restricted. These records can identify people who may pose a risk and the "
            "sources of information. They are withheld from redacted prints and exports: share "
            "them only with those who need to know.", "restrictedNotice")
        self.restricted.setAccessibleName("Restricted information")
        self.add_button = button("&Add person or place…", "Add a person or place of concern",
                                 role="primary")
        self.table = RecordTable("People and places of concern (restricted)",
                                 stretch=AssociationsModel.DETAILS,
                                 wrap={AssociationsModel.DESCRIPTION: 260,
                                       AssociationsModel.DETAILS: 0})
        self.table.setObjectName("associationsTable")
        self.table.setModel(self.proxy)
        self.table.sortByColumn(AssociationsModel.RECORDED, Qt.SortOrder.DescendingOrder)
        self.empty_label = text_label("No people or places of concern are recorded.",
                                      "emptyState")
        _tab_layout(self, self.restricted, _button_row(self.add_button), self.table,
                    self.empty_label)
        chain_tab_order([self.add_button, self.table])
        self.add_button.clicked.connect(self.open_add_dialog)
        self.add_button.setEnabled(False)

    def set_associations(self, person_id: str, associations: Sequence[Association],
                         episodes: Sequence[Episode]) -> None:
        self.person_id = person_id
        self.episodes = list(episodes)
        self.model.set_rows(associations)
        self.table.setVisible(bool(associations))
        self.empty_label.setVisible(not associations)
        self.add_button.setEnabled(True)

    def clear(self) -> None:
        self.person_id = None
        self.episodes = []
        self.model.clear()
        self.add_button.setEnabled(False)

    def open_add_dialog(self) -> AssociationDialog | None:
        if self.person_id is None:
            return None
        dialog = AssociationDialog(self, self.episodes)
        person_id = self.person_id

        def save() -> None:
            association = dialog.association(person_id)
            _run_dialog(self.tasks, dialog, associations.add(association=association))

        dialog.save_requested.connect(save)
        return _open(self, dialog)  # type: ignore[return-value]
