"""The Profile tab: the child's details, shown read-only until the worker chooses Edit.

Edit (Alt+I or Ctrl+E) makes the fields editable; Save (Ctrl+S) and Cancel (Esc) return to
reading.  Unsaved edits are never dropped silently: a refresh of the same record keeps them (and
says when the record changed meanwhile), and the page asks before opening another record over
them.  Changes are saved through the task manager (``operations.people.update``).  The risk
level is not edited here: the latest final screening or Risk Management Meeting record sets
it.  If the record changed elsewhere since it was read, the store refuses the save
(StaleRecord); the tab then reloads the record and says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.domain.errors import CseError, StaleRecord
from cse_desktop.domain.labels import (
    EDUCATION_LABELS,
    LEGAL_LABELS,
    RISK_LABELS,
    SEN_LABELS,
)
from cse_desktop.domain.models import EducationStatus, LegalStatus, Person, SenStatus
from cse_desktop.qt.operations import TaskManager, people
from cse_desktop.qt.operations.people import PersonRecord
from cse_desktop.qt.person.common import (
    OptionalDateEdit,
    chain_tab_order,
    date_edit,
    editable_combo,
    from_qdate,
    section_title,
    to_qdate,
)
from cse_desktop.qt.widgets import (
    MessageLabel,
    button,
    field_label,
    line_edit,
    set_invalid,
    text_label,
)

GENDERS = ["Female", "Male", "Non-binary", "Not stated"]

#: the words the store's messages use for each field, as the form labels them
FIELD_LABELS = {
    "given_name": "Given name", "family_name": "Family name", "also_known_as": "Also known as",
    "dob": "Date of birth", "gender": "Gender", "ethnicity": "Ethnicity",
    "address": "Address", "postcode": "Postcode", "school": "School or college",
    "education_status": "Education", "sen": "Special educational needs",
    "disability": "Disability", "legal_status": "Legal status",
    "placing_la": "Placing local authority", "uasc": "UASC", "nrm_referral": "NRM referral",
    "allocated_worker": "Allocated worker", "team": "Team", "next_review": "Next review",
}
STALE_MESSAGE = ("This record was changed elsewhere after you opened it, so your changes were "
                 "not saved. It has been reloaded: make your changes again.")


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def plain_store_message(message: str) -> str:
    """A store message with field codes in the form's own words ('dob:' -> 'Date of birth:')."""
    def label(match: re.Match[str]) -> str:
        return FIELD_LABELS.get(match.group(1), match.group(1)) + ":"

    pattern = r"\b(" + "|".join(FIELD_LABELS) + r")(?:\.\d+)?:"
    return re.sub(pattern, label, message)


def _enum_combo(labels: dict[Any, str], accessible_name: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(accessible_name)
    # long choices must not widen the column: the list shows them in full when open
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(14)
    for value, text in labels.items():
        combo.addItem(text, value)
    return combo


class ProfileTab(QWidget):
    """The child's details. ``reload_requested`` asks the page to read the record again."""

    reload_requested = Signal()
    saved = Signal(object)

    def __init__(self, tasks: TaskManager, today: Callable[[], date]) -> None:
        super().__init__()
        self.setObjectName("personTab")
        self.tasks = tasks
        self._today = today
        self._person: Person | None = None
        self._latest: Person | None = None
        self._dirty = False
        self._filling = False
        self._saving = False
        self._editing = False

        # -- the mode and its buttons --------------------------------------------------------
        self.error = MessageLabel("error")
        self.notice = MessageLabel("notice")
        self.mode_label = text_label("", "hint")
        self.mode_label.setAccessibleName("Profile mode")
        self.edit_button = button("Ed&it profile", "Edit the profile", role="primary",
                                  tooltip="Change these details (Alt+I or Ctrl+E)")
        self.save_button = button("&Save changes", "Save changes to the profile",
                                  role="primary", tooltip="Save changes (Ctrl+S)")
        self.cancel_button = button("Cancel", "Cancel editing the profile",
                                    tooltip="Stop editing and put back the saved details (Esc)")

        # -- inputs ----------------------------------------------------------------------------
        self.given_edit = line_edit("Given name", max_length=100)
        self.family_edit = line_edit("Family name", max_length=100)
        self.aka_edit = line_edit("Also known as (separate names with commas)", max_length=500,
                                  placeholder="Nicknames, street names, other spellings")
        self.dob_edit = date_edit("Date of birth")
        self.gender_combo = editable_combo(GENDERS, "Gender", max_length=50)
        self.ethnicity_edit = line_edit("Ethnicity", max_length=100)
        self.address_edit = line_edit("Address", max_length=500)
        self.postcode_edit = line_edit("Postcode", max_length=10)
        self.school_edit = line_edit("School or college", max_length=200)
        self.education_combo = _enum_combo(EDUCATION_LABELS, "Education")
        self.sen_combo = _enum_combo(SEN_LABELS, "Special educational needs")
        self.disability_edit = line_edit("Disability (separate with commas)", max_length=500)
        self.legal_combo = _enum_combo(LEGAL_LABELS, "Legal status")
        self.placing_edit = line_edit("Placing local authority", max_length=200)
        self.uasc_box = QCheckBox("Unaccompanied asylum-seeking child (UASC)")
        self.uasc_box.setAccessibleName("Unaccompanied asylum-seeking child (UASC)")
        self.nrm_box = QCheckBox("Referred to the National Referral Mechanism (NRM)")
        self.nrm_box.setAccessibleName("Referred to the National Referral Mechanism (NRM)")
        self.worker_edit = line_edit("Allocated worker", max_length=200)
        self.team_edit = line_edit("Team", max_length=200)
        self.review_edit = OptionalDateEdit("Next review", "No review date set")
        self.risk_value = text_label("", "riskValue")
        self.risk_value.setAccessibleName("Risk level")
        self.risk_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                                | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.risk_value.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        risk_note = text_label("Set by the latest screening or Risk Management Meeting record; "
                               "it is not edited here.", "hint")

        # -- layout: sections of fields in a card ----------------------------------------------
        card = QFrame()
        card.setObjectName("personCard")
        body = QVBoxLayout(card)
        body.setContentsMargins(24, 18, 24, 18)
        body.setSpacing(8)

        fields = QGridLayout()  # one grid, so the columns line up across the sections
        fields.setHorizontalSpacing(18)
        fields.setVerticalSpacing(4)
        for c in range(3):
            fields.setColumnStretch(c, 1)
        body.addLayout(fields)
        self._grid_row = 0

        def grid(title: str, rows: list[list[tuple[str, QWidget]]]) -> None:
            r = self._grid_row
            fields.addWidget(section_title(title), r, 0, 1, 3)
            fields.setRowMinimumHeight(r + 1, 6)
            r += 2
            for row in rows:
                for c, (label, widget) in enumerate(row):
                    span = 3 if len(row) == 1 else (2 if len(row) == 2 and c == 1 else 1)
                    if label:
                        fields.addWidget(field_label(label, widget), r, c, 1, span)
                    fields.addWidget(widget, r + 1, c, 1, span)
                fields.setRowMinimumHeight(r + 2, 8)
                r += 3
            self._grid_row = r

        grid("Who they are", [
            [("&Given name", self.given_edit), ("&Family name", self.family_edit),
             ("Date of &birth", self.dob_edit)],
            [("Also &known as", self.aka_edit)],
            [("Gen&der", self.gender_combo), ("E&thnicity", self.ethnicity_edit)],
        ])
        grid("Home and education", [
            [("Add&ress", self.address_edit)],
            [("&Postcode", self.postcode_edit), ("S&chool or college", self.school_edit)],
            [("&Education", self.education_combo), ("Special educational &needs", self.sen_combo),
             ("Disabilit&y", self.disability_edit)],
        ])
        grid("Legal status and care", [
            [("&Legal status", self.legal_combo), ("Placing local &authority", self.placing_edit)],
            [("", self.uasc_box)],  # one per row: the long labels never widen the grid
            [("", self.nrm_box)],
        ])
        grid("Allocation and review", [
            [("Allocated &worker", self.worker_edit), ("Tea&m", self.team_edit)],
            [("Next re&view", self.review_edit)],
        ])
        fields.addWidget(section_title("Risk level"), self._grid_row, 0, 1, 3)
        fields.addWidget(self.risk_value, self._grid_row + 1, 0, 1, 3)
        fields.addWidget(risk_note, self._grid_row + 2, 0, 1, 3)

        actions = QHBoxLayout()  # at the top of the card: seen without scrolling
        actions.addWidget(self.mode_label, 1)
        actions.addWidget(self.edit_button)
        actions.addWidget(self.save_button)
        actions.addWidget(self.cancel_button)
        body.insertLayout(0, actions)
        body.insertWidget(1, self.error)
        body.insertWidget(2, self.notice)

        inner = QWidget()
        inner.setObjectName("personTabInner")
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(0, 0, 8, 0)
        outer.addWidget(card)
        outer.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        # the first stop is Edit profile, not the frame (fields scroll into view on focus)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll_area)

        order = [self.edit_button, self.save_button, self.cancel_button,
                 self.given_edit, self.family_edit, self.dob_edit, self.aka_edit,
                 self.gender_combo, self.ethnicity_edit, self.address_edit, self.postcode_edit,
                 self.school_edit, self.education_combo, self.sen_combo, self.disability_edit,
                 self.legal_combo, self.placing_edit, self.uasc_box, self.nrm_box,
                 self.worker_edit, self.team_edit, self.review_edit.edit,
                 self.review_edit.none_box, self.risk_value]
        chain_tab_order(order)

        # -- behaviour -------------------------------------------------------------------------
        for edit in (self.given_edit, self.family_edit, self.aka_edit, self.ethnicity_edit,
                     self.address_edit, self.postcode_edit, self.school_edit,
                     self.disability_edit, self.placing_edit, self.worker_edit, self.team_edit):
            edit.textEdited.connect(self._edited)
        self.gender_combo.currentTextChanged.connect(self._edited)
        for combo in (self.education_combo, self.sen_combo, self.legal_combo):
            combo.currentIndexChanged.connect(self._edited)
        self.dob_edit.dateChanged.connect(self._edited)
        self.uasc_box.toggled.connect(self._edited)
        self.nrm_box.toggled.connect(self._edited)
        self.review_edit.changed.connect(self._edited)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.cancel)
        self.edit_button.clicked.connect(self.start_editing)
        for keys, slot in ((QKeySequence(QKeySequence.StandardKey.Save), self.save),
                           (QKeySequence("Ctrl+E"), self.start_editing),
                           (QKeySequence(Qt.Key.Key_Escape), self._escape)):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._show_mode()

    # -- state ---------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self._dirty

    @property
    def person(self) -> Person | None:
        return self._person

    @property
    def editing(self) -> bool:
        return self._editing

    def start_editing(self) -> None:
        """Make the fields editable and put the focus on the first one."""
        if self._person is None or self._editing:
            return
        self._editing = True
        self.notice.clear_message()
        self._show_mode()
        self.given_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def cancel(self) -> None:
        """Stop editing: the saved details come back (Cancel is the worker's own choice)."""
        if self._saving:
            return
        self.undo()
        self._editing = False
        self._show_mode()
        self.edit_button.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _escape(self) -> None:
        if self._editing and not self._dirty:
            self.cancel()  # with edits, Esc does nothing: Cancel is one deliberate click away

    def _inputs(self) -> list[QWidget]:
        return [self.given_edit, self.family_edit, self.aka_edit, self.dob_edit,
                self.gender_combo, self.ethnicity_edit, self.address_edit, self.postcode_edit,
                self.school_edit, self.education_combo, self.sen_combo, self.disability_edit,
                self.legal_combo, self.placing_edit, self.uasc_box, self.nrm_box,
                self.worker_edit, self.team_edit, self.review_edit]

    def _show_mode(self) -> None:
        """Read-only: line edits and dates read-only (their text still selectable), choices
        disabled; editing: everything enabled."""
        editing = self._editing
        for widget in self._inputs():
            if isinstance(widget, QLineEdit | QAbstractSpinBox):
                widget.setReadOnly(not editing)
            elif isinstance(widget, OptionalDateEdit):
                widget.edit.setReadOnly(not editing)
                widget.none_box.setEnabled(editing)
            else:
                widget.setEnabled(editing)
        if self.property("viewing") != (not editing):  # the style sheet's read look
            self.setProperty("viewing", not editing)
            for widget in self.findChildren(QWidget):
                widget.style().unpolish(widget)
                widget.style().polish(widget)
        # the tab's first stop (PersonPage.focus_first): Edit profile, or the first field
        self.setFocusProxy(self.given_edit if editing else self.edit_button)
        self.edit_button.setVisible(not editing)
        self.edit_button.setEnabled(self._person is not None)
        self.save_button.setVisible(editing)
        self.cancel_button.setVisible(editing)
        self.mode_label.setText("Editing: save your changes or cancel." if editing
                                else "Choose Edit profile to change these details.")
        self._update_buttons()

    def set_record(self, record: PersonRecord) -> None:
        """Show the record; unsaved edits are kept (a save then meets the version check)."""
        if self._dirty and self._person is not None and self._person.id == record.person.id:
            if record.person.version != self._person.version:
                self.notice.show_message("This record has changed since you started editing. "
                                         "Save will ask you to make your changes again; Cancel "
                                         "shows the latest details.")
                self._latest = record.person
            self._show_risk(record.person)
            return
        if self._person is None or self._person.id != record.person.id:
            self._editing = False  # another child's record opens read-only
        self._latest = record.person
        self._fill(record.person)

    def clear(self) -> None:
        self._person = None
        self._latest = None
        self._filling = True
        for edit in self.findChildren(QLineEdit):
            edit.clear()
        self._filling = False
        self._dirty = False
        self._editing = False
        self.error.clear_message()
        self.notice.clear_message()
        self._show_mode()

    def _fill(self, person: Person) -> None:
        self._person = person
        self._filling = True
        try:
            self.given_edit.setText(person.given_name)
            self.family_edit.setText(person.family_name)
            self.aka_edit.setText(", ".join(person.also_known_as))
            self.dob_edit.setDate(to_qdate(person.dob))
            self.gender_combo.setCurrentText(person.gender)
            self.ethnicity_edit.setText(person.ethnicity)
            self.address_edit.setText(person.address)
            self.postcode_edit.setText(person.postcode)
            self.school_edit.setText(person.school)
            self.education_combo.setCurrentIndex(self.education_combo.findData(
                person.education_status))
            self.sen_combo.setCurrentIndex(self.sen_combo.findData(person.sen))
            self.disability_edit.setText(", ".join(person.disability))
            self.legal_combo.setCurrentIndex(self.legal_combo.findData(person.legal_status))
            self.placing_edit.setText(person.placing_la)
            self.uasc_box.setChecked(person.uasc)
            self.nrm_box.setChecked(person.nrm_referral)
            self.worker_edit.setText(person.allocated_worker)
            self.team_edit.setText(person.team)
            self.review_edit.set_value(person.next_review, self._today())
        finally:
            self._filling = False
        self._show_risk(person)
        self._dirty = False
        for edit in (self.given_edit, self.family_edit):
            set_invalid(edit, False)
        self._show_mode()

    def _show_risk(self, person: Person) -> None:
        self.risk_value.setText(RISK_LABELS[person.risk_level])
        self.risk_value.setProperty("level", person.risk_level.value)
        self.risk_value.style().unpolish(self.risk_value)
        self.risk_value.style().polish(self.risk_value)

    def _edited(self, *_: object) -> None:
        if self._filling or self._person is None or not self._editing:
            return
        self._dirty = True
        self.notice.clear_message()
        self._update_buttons()

    def _update_buttons(self) -> None:
        can = self._dirty and not self._saving and self._person is not None
        self.save_button.setEnabled(can)
        self.cancel_button.setEnabled(not self._saving)

    # -- saving --------------------------------------------------------------------------------

    def changes(self) -> dict[str, Any]:
        """The form's values, as Person fields."""
        education = self.education_combo.currentData()
        sen = self.sen_combo.currentData()
        legal = self.legal_combo.currentData()
        return {
            "given_name": self.given_edit.text(),
            "family_name": self.family_edit.text(),
            "also_known_as": _names(self.aka_edit.text()),
            "dob": from_qdate(self.dob_edit.date()),
            "gender": self.gender_combo.currentText().strip(),
            "ethnicity": self.ethnicity_edit.text().strip(),
            "address": self.address_edit.text().strip(),
            "postcode": self.postcode_edit.text().strip().upper(),
            "school": self.school_edit.text().strip(),
            "education_status": EducationStatus(education),
            "sen": SenStatus(sen),
            "disability": _names(self.disability_edit.text()),
            "legal_status": LegalStatus(legal),
            "placing_la": self.placing_edit.text().strip(),
            "uasc": self.uasc_box.isChecked(),
            "nrm_referral": self.nrm_box.isChecked(),
            "allocated_worker": self.worker_edit.text().strip(),
            "team": self.team_edit.text().strip(),
            "next_review": self.review_edit.value(),
        }

    def _problem(self, changes: dict[str, Any]) -> str:
        missing = [(edit, label) for edit, label, key in (
            (self.given_edit, "given name", "given_name"),
            (self.family_edit, "family name", "family_name")) if not changes[key].strip()]
        for edit in (self.given_edit, self.family_edit):
            set_invalid(edit, any(edit is m for m, _ in missing))
        if missing:
            missing[0][0].setFocus()
            return "Enter the " + " and the ".join(label for _, label in missing) + "."
        return ""

    def save(self) -> None:
        person = self._person
        if person is None or not self._dirty or self._saving:
            return
        changes = self.changes()
        problem = self._problem(changes)
        if problem:
            self.error.show_message(problem)
            return
        self.error.clear_message()
        updated = person.model_copy(update=changes)
        self._saving = True
        self._update_buttons()
        self.tasks.run(people.update(person=updated), on_done=self._saved,
                       on_error=self._save_failed, owner=self)

    def _saved(self, person: Person) -> None:
        self._saving = False
        self._dirty = False
        self._editing = False
        self._fill(person)
        self.edit_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.notice.show_message("The profile was saved.")
        self.saved.emit(person)

    def _save_failed(self, error: CseError) -> None:
        self._saving = False
        if isinstance(error, StaleRecord):
            self._dirty = False
            self.error.show_message(STALE_MESSAGE)
            self.reload_requested.emit()
        else:
            self.error.show_message(plain_store_message(error.message))
        self._update_buttons()

    def undo(self) -> None:
        latest = self._latest or self._person
        if latest is not None:
            self._fill(latest)
        self.error.clear_message()
        self.notice.clear_message()

