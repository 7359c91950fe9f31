"""The Missing episodes tab: episodes, their return home interview clocks, and recording them.

"Record reported missing" and "Record return" open small dialogs in UK local time; a return
starts the 72-hour return home interview clock (``rhi_status`` becomes due).  The clock is
computed on UTC instants (``returned_at + 72 h``) against the page's clock, never stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QVBoxLayout, QWidget

from cse_desktop.casework.chronology import duration_text
from cse_desktop.casework.interviews import RhiState, interview_records, rhi_state
from cse_desktop.casework.submissions import episode_record_of
from cse_desktop.domain.dates import uk_datetime
from cse_desktop.domain.errors import CseError
from cse_desktop.domain.ids import RecordId
from cse_desktop.domain.labels import CATEGORY_LABELS, POLICE_GRADE_LABELS, RHI_STATUS_LABELS
from cse_desktop.domain.models import (
    Episode,
    EpisodeCategory,
    PoliceRiskGrade,
    RhiStatus,
    Submission,
)
from cse_desktop.qt.operations import Operation, TaskManager, episodes
from cse_desktop.qt.person.common import (
    AMBER,
    RED,
    RecordDialog,
    RecordTable,
    RowsModel,
    bold,
    chain_tab_order,
    datetime_edit,
    editable_combo,
    local_value,
    set_local,
    sorting_proxy,
    source_row,
)
from cse_desktop.qt.person.profile import plain_store_message
from cse_desktop.qt.theme import Ink
from cse_desktop.qt.widgets import MessageLabel, button, line_edit, text_label

RHI_FORM = "return-home-interview"
#: the interview button's words: (label with its Alt key, accessible name, tooltip)
_START = ("Start return home &interview", "Start return home interview for the selected episode",
          "Start the interview form for the selected episode")
_CONTINUE = ("Continue return home &interview",
             "Continue return home interview for the selected episode",
             "The selected episode's interview is a draft: carry on with it")
_OPEN = ("Open return home &interview", "Open return home interview for the selected episode",
         "The selected episode's interview is recorded: open it (amend it to correct it)")
HOW_RETURNED = ["Returned by themselves", "Police", "Parent or carer", "Foster carer",
                "Residential staff", "Other agency"]
#: a little slack for a laptop clock that runs slightly behind the police's
_FUTURE_SLACK = timedelta(minutes=5)

#: a record dialog of any kind
D = TypeVar("D", bound=RecordDialog)


def _combo(labels: dict[Any, str], accessible_name: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(accessible_name)
    for value, text in labels.items():
        combo.addItem(text, value)
    return combo


class EpisodesModel(RowsModel[Episode]):
    HEADERS = ("Reported missing", "Returned", "Duration", "Overnight", "Interview due",
               "Interview", "Details")
    STARTED, RETURNED, DURATION, OVERNIGHT, RHI_DUE, RHI_STATUS, DETAILS = range(7)

    def __init__(self, parent: QWidget | None, now: Callable[[], datetime]) -> None:
        super().__init__(parent)
        self.now = now
        self.submissions: list[Submission] = []

    def set_episodes(self, episodes: Sequence[Episode], submissions: Sequence[Submission]) -> None:
        self.submissions = interview_records(submissions)  # all an episode's row looks at
        self.set_rows(episodes)

    def state(self, episode: Episode) -> RhiState:
        return rhi_state(episode, self.now(), self.submissions)

    def interview(self, episode: Episode) -> Submission | None:
        """The episode's return home interview: its draft, or else its final record."""
        return episode_record_of(self.submissions, RHI_FORM, str(episode.id))

    def display(self, item: Episode, column: int) -> str:
        if column == self.STARTED:
            return uk_datetime(item.started_at)
        if column == self.RETURNED:
            return uk_datetime(item.returned_at) if item.returned_at else "Not returned yet"
        if column == self.DURATION:
            return duration_text(item.duration) if item.duration is not None else "Still missing"
        if column == self.OVERNIGHT:
            return {True: "Yes", False: "No", None: "Not yet known"}[item.overnight]
        if column == self.RHI_DUE:
            state = self.state(item)
            return state.clock or "—"
        if column == self.RHI_STATUS:
            return self.state(item).status
        return self.details(item)

    @staticmethod
    def details(item: Episode) -> str:
        """Police risk and reference, the category if not 'missing', where found and how."""
        parts = [f"Police risk: {POLICE_GRADE_LABELS[item.police_risk_grade].lower()}"
                 + (f" ({item.police_reference})" if item.police_reference else "")]
        if item.category is not EpisodeCategory.MISSING:
            parts.insert(0, CATEGORY_LABELS[item.category])
        if item.where_found:
            parts.append(f"found at {item.where_found}")
        if item.how_returned:
            parts.append(f"returned by {item.how_returned.lower()}")
        return "; ".join(parts)

    def sort_key(self, item: Episode, column: int) -> Any:
        if column == self.STARTED:
            return item.started_at.timestamp()
        if column == self.RETURNED:
            return item.returned_at.timestamp() if item.returned_at else float("inf")
        if column == self.DURATION:
            return item.duration.total_seconds() if item.duration is not None else float("inf")
        if column == self.RHI_DUE:
            state = self.state(item)
            return state.due_at.timestamp() if state.owed and state.due_at else float("inf")
        return super().sort_key(item, column)

    def colour(self, item: Episode, column: int) -> Ink | None:
        if column in (self.RETURNED, self.DURATION) and item.returned_at is None:
            return RED
        if column == self.RHI_DUE:
            state = self.state(item)
            if state.overdue:
                return RED
            if state.owed:
                return AMBER
        return None

    def font(self, item: Episode, column: int) -> QFont | None:
        if column == self.RETURNED and item.returned_at is None:
            return bold()
        if column == self.RHI_DUE and self.state(item).owed:
            return bold()
        return None

    def tooltip(self, item: Episode, column: int) -> str | None:
        if column == self.RHI_DUE:
            state = self.state(item)
            if state.owed and state.due_at:
                return (f"The return home interview is due within 72 hours of the return: by "
                        f"{uk_datetime(state.due_at)} (UK time).")
        return None


# -- dialogs -----------------------------------------------------------------------------------


class MissingDialog(RecordDialog):
    """Record that the child was reported missing."""

    def __init__(self, parent: QWidget | None, now: Callable[[], datetime]) -> None:
        super().__init__("Record reported missing",
                         "When the child was reported missing, in UK time.", "Record missing",
                         parent)
        self._now = now
        self.started_edit = datetime_edit("Reported missing at (UK time)")
        set_local(self.started_edit, now())
        self.reference_edit = line_edit("Police reference", max_length=50)
        self.category_combo = _combo({EpisodeCategory.MISSING: "Missing",
                                      EpisodeCategory.AWAY_FROM_PLACEMENT:
                                          "Away from placement without authorisation",
                                      EpisodeCategory.ABSENT: "Absent (older police category)"},
                                     "Category")
        self.grade_combo = _combo(POLICE_GRADE_LABELS, "Police risk grade")
        self.grade_combo.setCurrentIndex(self.grade_combo.findData(PoliceRiskGrade.NOT_KNOWN))
        self.add_row(("Reported missing &at (UK time)", self.started_edit, ""),
                     ("Police &reference", self.reference_edit, ""))
        self.add_row(("&Category", self.category_combo, ""),
                     ("Police risk &grade", self.grade_combo, ""))
        chain_tab_order([self.started_edit, self.reference_edit, self.category_combo,
                         self.grade_combo, self.cancel_button, self.save_button])
        self.started_edit.setFocus()

    def problem(self) -> str:
        if local_value(self.started_edit) > self._now() + _FUTURE_SLACK:
            return "The time the child went missing is in the future. Check the date and time."
        return ""

    def episode(self, person_id: str) -> Episode:
        return Episode(person_id=RecordId(person_id), started_at=local_value(self.started_edit),
                       police_reference=self.reference_edit.text().strip(),
                       category=EpisodeCategory(self.category_combo.currentData()),
                       police_risk_grade=PoliceRiskGrade(self.grade_combo.currentData()))


class ReturnDialog(RecordDialog):
    """Record the child's return: this starts the 72-hour return home interview clock."""

    def __init__(self, parent: QWidget | None, episode: Episode,
                 now: Callable[[], datetime]) -> None:
        super().__init__("Record return",
                         f"Reported missing {uk_datetime(episode.started_at)} (UK time). "
                         "Recording the return starts the 72-hour return home interview clock.",
                         "Record return", parent)
        self._now = now
        self.episode_record = episode
        self.returned_edit = datetime_edit("Returned at (UK time)")
        set_local(self.returned_edit, now())
        self.where_edit = line_edit("Where found", max_length=500)
        self.how_combo = editable_combo(HOW_RETURNED, "How they returned", max_length=200)
        self.add_field("&Returned at (UK time)", self.returned_edit)
        self.add_field("&Where found", self.where_edit)
        self.add_field("&How they returned", self.how_combo)
        chain_tab_order([self.returned_edit, self.where_edit, self.how_combo,
                         self.cancel_button, self.save_button])
        self.returned_edit.setFocus()

    def problem(self) -> str:
        returned = local_value(self.returned_edit)
        started = self.episode_record.started_at
        if returned < started:
            return (f"The return time ({uk_datetime(returned)}) is before the time the child "
                    f"went missing ({uk_datetime(started)}). Check the date and time.")
        if returned > self._now() + _FUTURE_SLACK:
            return "The return time is in the future. Check the date and time."
        return ""

    def returned(self) -> Episode:
        episode = self.episode_record
        status = (RhiStatus.DUE if episode.rhi_status is RhiStatus.NOT_YET_DUE
                  else episode.rhi_status)
        return episode.model_copy(update={
            "returned_at": local_value(self.returned_edit),
            "where_found": self.where_edit.text().strip(),
            "how_returned": self.how_combo.currentText().strip(),
            "rhi_status": status})


class InterviewStatusDialog(RecordDialog):
    """Record an offer, a refusal or a decision not to offer the interview."""

    CHOICES = (RhiStatus.DUE, RhiStatus.OFFERED, RhiStatus.COMPLETED, RhiStatus.DECLINED,
               RhiStatus.NOT_OFFERED)

    def __init__(self, parent: QWidget | None, episode: Episode) -> None:
        super().__init__("Return home interview status",
                         "Record the interview itself with Start return home interview. Use "
                         "this to record that it was offered, declined or not offered.",
                         "Save status", parent)
        self.episode_record = episode
        self.status_combo = _combo({s: RHI_STATUS_LABELS[s] for s in self.CHOICES},
                                   "Return home interview status")
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(episode.rhi_status)))
        self.add_field("&Status", self.status_combo)
        chain_tab_order([self.status_combo, self.cancel_button, self.save_button])

    def updated(self) -> Episode:
        return self.episode_record.model_copy(
            update={"rhi_status": RhiStatus(self.status_combo.currentData())})


# -- the tab -----------------------------------------------------------------------------------


class EpisodesTab(QWidget):
    """Episodes with their interview clocks, and the buttons that record them."""

    start_interview = Signal(str)  # episode id
    open_submission = Signal(str)  # the episode's interview record

    def __init__(self, tasks: TaskManager, now: Callable[[], datetime]) -> None:
        super().__init__()
        self.setObjectName("personTab")
        self.tasks = tasks
        self.now = now
        self.person_id: str | None = None
        self.dialog: RecordDialog | None = None
        self._select_after_load: str | None = None
        self.model = EpisodesModel(self, now)
        self.proxy = sorting_proxy(self.model, self)

        self.summary = text_label("", "episodeSummary")
        self.summary.setAccessibleName("Missing episodes summary")
        self.missing_button = button("Record reported &missing…", "Record reported missing",
                                     role="primary",
                                     tooltip="Record that the child was reported missing")
        self.return_button = button("Record &return…", "Record return",
                                    tooltip="Record the return of the selected episode; this "
                                            "starts the 72-hour interview clock")
        self.interview_button = button(*_START[:2], tooltip=_START[2])
        self.status_button = button("Interview &status…", "Change the interview status",
                                    tooltip="Record that the interview was offered, declined "
                                            "or not offered")
        self.message = MessageLabel("error")
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        for b in (self.missing_button, self.return_button, self.interview_button,
                  self.status_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.table = RecordTable("Missing episodes", stretch=EpisodesModel.DETAILS)
        self.table.setObjectName("episodesTable")
        self.table.setModel(self.proxy)
        self.table.sortByColumn(EpisodesModel.STARTED, Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.activated.connect(self._activated)
        self.empty_label = text_label("No missing episodes are recorded for this child.",
                                      "emptyState")
        self.detail_label = text_label("", "episodeDetail")
        self.detail_label.setAccessibleName("The selected episode")
        self.detail_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.empty_label)
        chain_tab_order([self.missing_button, self.return_button, self.interview_button,
                         self.status_button, self.table])

        self.missing_button.clicked.connect(self.open_missing_dialog)
        self.return_button.clicked.connect(self.open_return_dialog)
        self.interview_button.clicked.connect(self._start_selected)
        self.status_button.clicked.connect(self.open_status_dialog)
        self._update_buttons()

    # -- content -------------------------------------------------------------------------------

    def set_episodes(self, person_id: str, episodes: Sequence[Episode],
                     submissions: Sequence[Submission]) -> None:
        selected = self.selected_episode()
        self.person_id = person_id
        self.model.set_episodes(episodes, submissions)
        self.empty_label.setVisible(not episodes)
        self.table.setVisible(bool(episodes))
        self.summary.setText(self._summary(episodes))
        wanted = self._select_after_load or (selected.id if selected else None)
        self._select_after_load = None
        found = wanted is not None and self.table.select_record(wanted)
        if not found and self.proxy.rowCount():
            self.table.selectRow(0)  # the newest: its details show under the table
        self._update_buttons()

    def clear(self) -> None:
        self.person_id = None
        self.model.clear()
        self.summary.setText("")
        self.message.clear_message()
        self._update_buttons()

    def selected_episode(self) -> Episode | None:
        row = self.table.selected_source_row()
        return self.model.item(row) if row is not None else None

    def _summary(self, episodes: Sequence[Episode]) -> str:
        now = self.now()

        def count(days: int) -> int:
            return sum(1 for e in episodes if timedelta(0) <= now - e.started_at
                       < timedelta(days=days))

        recent = [e for e in episodes if timedelta(0) <= now - e.started_at < timedelta(days=30)]
        overnight = sum(1 for e in recent if e.overnight)
        still = sum(1 for e in episodes if e.returned_at is None)
        parts = [f"{count(30)} in the last 30 days"
                 + (f" ({overnight} overnight)" if overnight else ""),
                 f"{count(90)} in the last 90 days", f"{count(365)} in the last year",
                 f"{len(episodes)} in all"]
        text = "Missing episodes: " + "; ".join(parts) + "."
        if still:
            text += f" Still missing now: {still}."
        if count(30) >= 3:
            text += " Three or more in 30 days: consider a strategy meeting."
        return text

    def _describe(self, episode: Episode) -> str:
        """The selected episode in full, under the table (the Details column is elided)."""
        state = self.model.state(episode)
        returned = (f"returned {uk_datetime(episode.returned_at)}"
                    if episode.returned_at else "not returned yet")
        interview = (f"return home interview {state.clock}" if state.clock
                     else f"return home interview: {state.status.lower()}")
        return (f"Reported missing {uk_datetime(episode.started_at)}, {returned}; {interview}. "
                f"{EpisodesModel.details(episode)}.")

    def _open_episodes(self) -> list[Episode]:
        return [e for e in self.model.items if e.returned_at is None]

    def _update_buttons(self, *_: object) -> None:
        loaded = self.person_id is not None
        selected = self.selected_episode()
        self.detail_label.setText(self._describe(selected) if selected else "")
        self.detail_label.setVisible(selected is not None)
        self.missing_button.setEnabled(loaded)
        self.return_button.setEnabled(loaded and bool(self._open_episodes()))
        interview = self.model.interview(selected) if selected is not None else None
        words = _START if interview is None else _OPEN if interview.is_final else _CONTINUE
        if self.interview_button.text() != words[0]:
            self.interview_button.setText(words[0])
            self.interview_button.setAccessibleName(words[1])
            self.interview_button.setToolTip(words[2])
        self.interview_button.setEnabled(loaded and selected is not None
                                         and selected.returned_at is not None)
        self.status_button.setEnabled(loaded and selected is not None
                                      and selected.returned_at is not None)

    # -- dialogs -------------------------------------------------------------------------------

    def open_missing_dialog(self) -> MissingDialog | None:
        if self.person_id is None:
            return None
        dialog = MissingDialog(self, self.now)
        person_id = self.person_id

        def save() -> None:
            try:
                episode = dialog.episode(person_id)
            except ValueError as exc:  # pydantic's own check, in case
                dialog.show_error(str(exc))
                return
            self._select_after_load = episode.id
            self._run(dialog, episodes.add(episode=episode))

        dialog.save_requested.connect(save)
        return self._show(dialog)

    def open_return_dialog(self) -> ReturnDialog | None:
        if self.person_id is None:
            return None
        episode = self.selected_episode()
        open_ones = self._open_episodes()
        if episode is None or episode.returned_at is not None:
            if len(open_ones) != 1:
                self.message.show_message(
                    "Select the episode the child returned from, then choose Record return."
                    if open_ones else "Every episode already has a return recorded.")
                return None
            episode = open_ones[0]
        self.message.clear_message()
        dialog = ReturnDialog(self, episode, self.now)

        def save() -> None:
            updated = dialog.returned()
            self._select_after_load = updated.id
            self._run(dialog, episodes.update(episode=updated))

        dialog.save_requested.connect(save)
        return self._show(dialog)

    def open_status_dialog(self) -> InterviewStatusDialog | None:
        episode = self.selected_episode()
        if episode is None or episode.returned_at is None:
            return None
        dialog = InterviewStatusDialog(self, episode)

        def save() -> None:
            updated = dialog.updated()
            self._select_after_load = updated.id
            self._run(dialog, episodes.update(episode=updated))

        dialog.save_requested.connect(save)
        return self._show(dialog)

    def _show(self, dialog: D) -> D:
        self.dialog = dialog
        dialog.finished.connect(lambda _: self._dialog_closed(dialog))
        dialog.open()  # window-modal, and the event loop keeps running (no nested exec)
        return dialog

    def _dialog_closed(self, dialog: RecordDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _run(self, dialog: RecordDialog, operation: Operation[Episode]) -> None:
        def failed(error: CseError) -> None:
            self._select_after_load = None
            dialog.show_error(plain_store_message(error.message))

        self.tasks.run(operation, on_done=lambda _: dialog.done_saving(), on_error=failed,
                       owner=dialog)

    # -- interview -----------------------------------------------------------------------------

    def _start_selected(self) -> None:
        """Start the interview, or continue its draft or open its record: the casework
        decides (``start_or_resume``), so a second interview is never made."""
        episode = self.selected_episode()
        if episode is not None and episode.returned_at is not None:
            self.start_interview.emit(str(episode.id))

    def _activated(self, index: QModelIndex) -> None:
        episode = self.model.item(source_row(index))
        if episode.returned_at is None:
            self.table.selectRow(index.row())
            self.open_return_dialog()
            return
        interview = self.model.interview(episode)  # its draft, or its final record
        if interview is not None:
            self.open_submission.emit(str(interview.id))

    def select_episode(self, episode_id: str) -> None:
        self.table.select_record(episode_id)
