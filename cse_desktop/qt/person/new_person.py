"""Adding a young person to the caseload: the few facts needed to start a record.

The rest of the profile is filled in on the person's page (Profile tab).  The date of birth
starts empty (a made-up date would be saved by anyone who missed it): it is typed as
day/month/year, and a missing or impossible date is refused in plain words.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import ValidationError
from PySide6.QtWidgets import QComboBox, QWidget

from cse_desktop.domain.dates import full_date
from cse_desktop.domain.models import Person
from cse_desktop.qt.person.common import RecordDialog, chain_tab_order
from cse_desktop.qt.widgets import line_edit, set_invalid

GENDERS = ["", "Female", "Male", "Non-binary", "Not stated"]
DOB_EXAMPLE = "for example 04/05/2012 for 4 May 2012"
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{1,4})")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]


def read_day(text: str) -> tuple[date | None, str]:
    """A typed day/month/year date: (the date, '') or (None, what is wrong in plain words)."""
    text = text.strip()
    if not text:
        return None, f"Enter the date of birth ({DOB_EXAMPLE})."
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match is None:
        return None, f"Type the date of birth as day/month/year ({DOB_EXAMPLE})."
    day, month, year = (int(part) for part in match.groups())
    if len(match.group(3)) != 4:
        return None, "Type the year of birth in full, for example 2012."
    if not 1 <= month <= 12:
        return None, f"There is no month {month}: the month comes second ({DOB_EXAMPLE})."
    try:
        return date(year, month, day), ""
    except ValueError:
        return None, (f"There is no {day} {_MONTHS[month - 1]} {year}. "
                      "Check the date of birth.")


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
        self.dob_edit = line_edit("Date of birth (day/month/year)", max_length=12,
                                  placeholder="dd/mm/yyyy")
        self.dob_edit.textEdited.connect(lambda _: set_invalid(self.dob_edit, False))
        self.aka_edit = line_edit("Also known as (names separated by commas)", max_length=300)
        self.gender_combo = QComboBox()
        self.gender_combo.setAccessibleName("Gender")
        for text in GENDERS:
            self.gender_combo.addItem(text or "Not recorded", text)
        self.worker_edit = line_edit("Allocated worker", max_length=200)
        self.worker_edit.setText(worker)
        self.add_row(("&Given name", self.given_edit, ""),
                     ("&Family name", self.family_edit, ""))
        self.add_row(("Date of &birth", self.dob_edit, "Day/month/year, e.g. 04/05/2012."),
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
        dob, wrong = read_day(self.dob_edit.text())
        if dob is not None and dob > self._today:
            wrong = f"The date of birth, {full_date(dob)}, is in the future. Check the year."
        elif dob is not None and dob.year < self._today.year - 30:
            wrong = (f"The date of birth, {full_date(dob)}, is more than 30 years ago. "
                     "Check the year.")
        set_invalid(self.dob_edit, bool(wrong))
        if wrong:
            self.dob_edit.setFocus()
            return wrong
        try:
            self.person()
        except ValidationError as exc:
            return "Check the details: " + "; ".join(
                e["msg"].removeprefix("Value error, ") for e in exc.errors())
        return ""

    def person(self) -> Person:
        aka = [a.strip() for a in self.aka_edit.text().split(",") if a.strip()]
        dob, wrong = read_day(self.dob_edit.text())
        if dob is None:
            raise ValueError(wrong)
        return Person(given_name=self.given_edit.text(), family_name=self.family_edit.text(),
                      dob=dob, also_known_as=aka, gender=self.gender_combo.currentData() or "",
                      allocated_worker=self.worker_edit.text().strip())
