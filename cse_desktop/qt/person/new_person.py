"""Adding a young person to the caseload: the few facts needed to start a record.

The rest of the profile is filled in on the person's page (Profile tab).
"""

from __future__ import annotations

from datetime import date

from pydantic import ValidationError
from PySide6.QtWidgets import QComboBox, QWidget

from cse_desktop.domain.models import Person
from cse_desktop.qt.person.common import (
    RecordDialog,
    chain_tab_order,
    date_edit,
    from_qdate,
    to_qdate,
)
from cse_desktop.qt.widgets import line_edit

GENDERS = ["", "Female", "Male", "Non-binary", "Not stated"]


class NewPersonDialog(RecordDialog):
    """Given name, family name, date of birth, also-known-as, gender, allocated worker."""

    def __init__(self, parent: QWidget | None, *, today: date | None = None,
                 worker: str = "") -> None:
        super().__init__("Add a young person",
                         "Start a record with what you know now; add the rest on their page.",
                         "Add young person", parent)
        self._today = today or date.today()
        self.given_edit = line_edit("Given name", max_length=100)
        self.family_edit = line_edit("Family name", max_length=100)
        self.dob_edit = date_edit("Date of birth")
        self.dob_edit.setDate(to_qdate(self._today.replace(year=self._today.year - 14, day=1)))
        self.aka_edit = line_edit("Also known as (names separated by commas)", max_length=300)
        self.gender_combo = QComboBox()
        self.gender_combo.setAccessibleName("Gender")
        for text in GENDERS:
            self.gender_combo.addItem(text or "Not recorded", text)
        self.worker_edit = line_edit("Allocated worker", max_length=200)
        self.worker_edit.setText(worker)
        self.add_row(("&Given name", self.given_edit, ""),
                     ("&Family name", self.family_edit, ""))
        self.add_row(("Date of &birth", self.dob_edit, ""),
                     ("G&ender", self.gender_combo, ""))
        self.add_field("&Also known as", self.aka_edit,
                       "Nicknames or street names, separated by commas.")
        self.add_field("Allocated &worker", self.worker_edit)
        chain_tab_order([self.given_edit, self.family_edit, self.dob_edit, self.gender_combo,
                         self.aka_edit, self.worker_edit, self.cancel_button, self.save_button])
        self.given_edit.setFocus()

    def problem(self) -> str:
        if not self.given_edit.text().strip() or not self.family_edit.text().strip():
            return "Enter the young person's given name and family name."
        dob = from_qdate(self.dob_edit.date())
        if dob > self._today:
            return "The date of birth is in the future. Check the year."
        if dob.year < self._today.year - 30:
            return "The date of birth is more than 30 years ago. Check the year."
        try:
            self.person()
        except ValidationError as exc:
            return "Check the details: " + "; ".join(
                e["msg"].removeprefix("Value error, ") for e in exc.errors())
        return ""

    def person(self) -> Person:
        aka = [a.strip() for a in self.aka_edit.text().split(",") if a.strip()]
        dob = from_qdate(self.dob_edit.date())
        return Person(given_name=self.given_edit.text(), family_name=self.family_edit.text(),
                      dob=dob, also_known_as=aka, gender=self.gender_combo.currentData() or "",
                      allocated_worker=self.worker_edit.text().strip())
