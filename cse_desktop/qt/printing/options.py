"""The desktop's print jobs: a :mod:`cse_desktop.reports.jobs` job and the widget with its own
choices (the summary's sections and chronology dates; the profile's quarter and version)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLineEdit, QVBoxLayout, QWidget

from cse_desktop.casework.quarters import CALENDAR, FINANCIAL, Quarter
from cse_desktop.qt.person.common import OptionalDateEdit, chain_tab_order
from cse_desktop.qt.settings import (
    MAX_AUTHORITY_LENGTH,
    clean_home_authority,
    load_home_authority,
    load_quarter_kind,
    save_profile_options,
)
from cse_desktop.qt.widgets import field_label, text_label
from cse_desktop.reports import jobs
from cse_desktop.reports.jobs import Document, profile_document, summary_sections


class PrintOptions(QWidget):
    """The document's own choices, shown in the print dialog.  Subclasses override
    :meth:`values` (keyword arguments for the builder), :meth:`problem` and :meth:`adjust`."""

    def values(self) -> dict[str, Any]:
        return {}

    def problem(self) -> str:
        """What is wrong with the choices, in plain words ('' when fine)."""
        return ""

    def adjust(self, document: Document) -> Document:
        """The document as these choices make it (title, audit wording, audience)."""
        return document


@dataclass(frozen=True)
class PrintJob(jobs.PrintJob):
    """A print job and the widget with its own choices, if it has any (made when the dialog
    opens)."""

    options: Callable[[], PrintOptions] | None = None

    @classmethod
    def of(cls, job: jobs.PrintJob,
           options: Callable[[], PrintOptions] | None = None) -> PrintJob:
        fields = {f.name: getattr(job, f.name) for f in dataclasses.fields(job)}
        return cls(**fields, options=options)


class SummaryOptions(PrintOptions):
    """The RMM case summary's sections, and the chronology's date range."""

    def __init__(self, sections: Iterable[tuple[str, str]], today: date | None = None) -> None:
        super().__init__()
        self.today = today or date.today()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.section_boxes: dict[str, QCheckBox] = {}
        title = text_label("Sections", "fieldLabel")
        title.setAccessibleName("Sections")
        layout.addWidget(title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(0)
        items = list(sections)
        half = (len(items) + 1) // 2
        for i, (section_id, label) in enumerate(items):
            box = QCheckBox(label)
            box.setAccessibleName(f"Section: {label}")
            box.setChecked(True)
            self.section_boxes[section_id] = box
            grid.addWidget(box, i % half, i // half)
        layout.addLayout(grid)
        self.from_edit = OptionalDateEdit("Chronology from", "From the start")
        self.to_edit = OptionalDateEdit("Chronology to", "Up to today")
        self.from_edit.set_value(None, self.today.replace(year=self.today.year - 1))
        self.to_edit.set_value(None, self.today)
        dates = QGridLayout()
        dates.setHorizontalSpacing(14)
        dates.setVerticalSpacing(4)
        dates.addWidget(field_label("Chronology &from", self.from_edit), 0, 0)
        dates.addWidget(field_label("Chronology &to", self.to_edit), 0, 1)
        dates.addWidget(self.from_edit, 1, 0)
        dates.addWidget(self.to_edit, 1, 1)
        layout.addSpacing(4)
        layout.addLayout(dates)
        chain_tab_order([*self.section_boxes.values(), self.from_edit.edit,
                         self.from_edit.none_box, self.to_edit.edit, self.to_edit.none_box])
        if self.section_boxes:
            self.setFocusProxy(next(iter(self.section_boxes.values())))

    def chosen(self) -> list[str]:
        return [sid for sid, box in self.section_boxes.items() if box.isChecked()]

    def values(self) -> dict[str, Any]:
        chosen = self.chosen()
        return {"sections": None if len(chosen) == len(self.section_boxes) else set(chosen),
                "date_from": self.from_edit.value(), "date_to": self.to_edit.value()}

    def problem(self) -> str:
        if self.section_boxes and not self.chosen():
            return "Choose at least one section to print."
        start, end = self.from_edit.value(), self.to_edit.value()
        if start is not None and end is not None and start > end:
            return "The chronology's start date is after its end date."
        return ""


class QuarterOptions(PrintOptions):
    """The kind of quarter (financial year by default, or calendar), the quarter, this
    council's name (the home authority: needed to tell looked after children placed here by
    other authorities from its own), and whether this is the shareable version."""

    def __init__(self, today: date | None = None, settings_file: Path | None = None) -> None:
        super().__init__()
        self.today = today or date.today()
        self.settings_file = settings_file
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Kind of quarter")
        self.kind_combo.addItem("Financial year (April to March)", FINANCIAL)
        self.kind_combo.addItem("Calendar year (January to December)", CALENDAR)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(
            load_quarter_kind(settings_file))))
        self.quarter_combo = QComboBox()
        self.quarter_combo.setAccessibleName("Quarter")
        self._fill_quarters()
        self.kind_combo.currentIndexChanged.connect(self._fill_quarters)
        self.home_edit = QLineEdit(load_home_authority(settings_file))
        self.home_edit.setAccessibleName("Home authority: this council's name")
        self.home_edit.setPlaceholderText("For example: Surrey County Council")
        self.home_edit.setMaxLength(MAX_AUTHORITY_LENGTH)
        self.home_edit.setToolTip("This council's name, as children's records write the "
                                  "placing authority: looked after children placed here by "
                                  "another authority are counted apart from its own.")
        self.shareable_box = QCheckBox("S&hareable version: withhold numbers under 5")
        self.shareable_box.setAccessibleName("Shareable version: withhold numbers under 5")
        layout.addWidget(field_label("&Kind of quarter", self.kind_combo))
        layout.addWidget(self.kind_combo)
        layout.addWidget(field_label("&Quarter", self.quarter_combo))
        layout.addWidget(self.quarter_combo)
        layout.addWidget(field_label("Home &authority (this council)", self.home_edit))
        layout.addWidget(self.home_edit)
        layout.addWidget(self.shareable_box)
        layout.addWidget(text_label(
            "The shareable version is for the partnership: every count from 1 to 4 is shown "
            "as \u201c<5\u201d, so no child can be recognised from it.", "hint"))
        chain_tab_order([self.kind_combo, self.quarter_combo, self.home_edit,
                         self.shareable_box])
        self.setFocusProxy(self.quarter_combo)

    def _fill_quarters(self) -> None:
        financial = self.kind_combo.currentData() != CALENDAR
        self.quarter_combo.clear()
        quarters = Quarter.recent(self.today, financial=financial)
        for quarter in quarters:
            so_far = ", so far" if quarter == quarters[0] else ""
            self.quarter_combo.addItem(f"{quarter.label} ({quarter}{so_far})", str(quarter))
        self.quarter_combo.setCurrentIndex(1)  # the last complete quarter

    @property
    def quarter(self) -> str:
        return str(self.quarter_combo.currentData())

    @property
    def home_authority(self) -> str:
        return clean_home_authority(self.home_edit.text())

    def problem(self) -> str:
        if not self.home_authority:
            return ("Give the home authority (this council's name): the profile needs it to "
                    "tell looked after children placed here by other authorities from its "
                    "own.")
        return ""

    def values(self) -> dict[str, Any]:
        save_profile_options(self.home_authority, str(self.kind_combo.currentData()),
                             self.settings_file)
        return {"quarter": self.quarter, "shareable": self.shareable_box.isChecked(),
                "home_la": self.home_authority}

    def adjust(self, document: Document) -> Document:
        return profile_document(self.quarter, shareable=self.shareable_box.isChecked())


# -- the three documents -----------------------------------------------------------------------


def summary_job(person_id: str, name: str, *, today: date | None = None) -> PrintJob:
    """The RMM case summary of one young person."""
    day = today or date.today()
    sections = summary_sections()
    return PrintJob.of(jobs.summary_job(person_id, name, today=day),
                       lambda: SummaryOptions(sections, day))


def agenda_job(meeting: date) -> PrintJob:
    """Everyone due at the Risk Management Meeting on ``meeting``, in one pack."""
    return PrintJob.of(jobs.agenda_job(meeting))


def profile_job(today: date | None = None) -> PrintJob:
    """The quarterly missing-episode profile (the quarter is chosen in the dialog)."""
    return PrintJob.of(jobs.profile_job(), lambda: QuarterOptions(today))
