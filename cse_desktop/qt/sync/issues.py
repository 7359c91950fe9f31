"""A sync issue in words, and the two tables that list them.

:class:`IssueRow` is a conflict or a refused change (a
:class:`~cse_desktop.casework.sync_status.SyncIssue`) with its field and values as a person
reads them: dates the UK way, choices by their labels.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QObject

from cse_desktop.casework.sync_status import SyncIssue
from cse_desktop.domain.dates import uk_date, uk_datetime
from cse_desktop.domain.labels import (
    ACTION_STATUS_LABELS,
    ASSOCIATION_LABELS,
    CATEGORY_LABELS,
    EDUCATION_LABELS,
    LEGAL_LABELS,
    POLICE_GRADE_LABELS,
    RHI_STATUS_LABELS,
    RISK_LABELS,
    SEN_LABELS,
)
from cse_desktop.qt.person.profile import FIELD_LABELS
from cse_desktop.qt.tables import ColumnSpec, TableModel
from cse_desktop.qt.theme import Ink

_ENUM_LABELS: dict[str, dict[Any, str]] = {
    "risk_level": RISK_LABELS, "legal_status": LEGAL_LABELS, "sen": SEN_LABELS,
    "education_status": EDUCATION_LABELS, "category": CATEGORY_LABELS,
    "police_risk_grade": POLICE_GRADE_LABELS, "rhi_status": RHI_STATUS_LABELS,
    "association_kind": ASSOCIATION_LABELS, "status": ACTION_STATUS_LABELS,
}
EMPTY = "(empty)"


def field_name(field: str) -> str:
    """A record field in the form's words ('dob' -> 'Date of birth')."""
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    if field == "deleted":
        return "Record deleted"
    return field.replace("_", " ").capitalize() if field else "Whole record"


def describe(value: Any, field: str = "") -> str:
    """A stored value in plain words: dates the UK way, choices by their labels."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(describe(v, field) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_name(k)}: {describe(v, k)}" for k, v in value.items())
    if isinstance(value, str):
        labels = _ENUM_LABELS.get(field)
        if labels is not None and value in labels:
            return labels[value]
        if len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
            with contextlib.suppress(ValueError):
                return uk_date(date.fromisoformat(value))
        if len(value) > 18 and value[10:11] == "T":
            with contextlib.suppress(ValueError):
                at = datetime.fromisoformat(value)
                if at.tzinfo is not None:
                    return uk_datetime(at)
        return " ".join(value.split())
    return str(value)


@dataclass(frozen=True)
class IssueRow:
    """A conflict or refused change, with the words a person needs to understand it."""

    item: SyncIssue
    field: str
    hub_text: str
    device_text: str
    base_text: str

    @property
    def id(self) -> str:
        return self.item.id


def issue_row(item: SyncIssue) -> IssueRow:
    issue = item.issue
    if issue.kind == "rejected":
        return IssueRow(item, "", "", describe(issue.device_value), "")
    return IssueRow(item, field_name(issue.field), describe(issue.hub_value, issue.field),
                    describe(issue.device_value, issue.field),
                    describe(issue.base_value, issue.field))


def _found(row: IssueRow) -> str:
    at = row.item.found_at
    return uk_datetime(at) if at is not None else ""


def _found_key(row: IssueRow) -> float:
    at = row.item.found_at
    return at.timestamp() if at is not None else 0.0


def _person_column() -> ColumnSpec[IssueRow]:
    return ColumnSpec("Young person", lambda r: r.item.person_name,
                      lambda r: r.item.person_name.casefold())


def _record_column() -> ColumnSpec[IssueRow]:
    return ColumnSpec("Record", lambda r: r.item.record, lambda r: r.item.record)


def _value_column(header: str, text: Callable[[IssueRow], str]) -> ColumnSpec[IssueRow]:
    """A value, muted when empty; the tooltip shows it whole."""
    return ColumnSpec(header, text, lambda r: text(r).casefold(),
                      colour=lambda r: Ink.MUTED if text(r) == EMPTY else None, tooltip=text)


def conflicts_model(parent: QObject | None = None) -> TableModel[IssueRow]:
    columns = [
        _person_column(), _record_column(),
        ColumnSpec("Field", lambda r: r.field, lambda r: r.field.casefold()),
        _value_column("On the hub", lambda r: r.hub_text),
        _value_column("On this laptop", lambda r: r.device_text),
        _value_column("Earlier value", lambda r: r.base_text),
        ColumnSpec("Found", _found, _found_key),
    ]
    return TableModel(columns, lambda r: r.id, parent)


def refused_model(parent: QObject | None = None) -> TableModel[IssueRow]:
    columns = [
        _person_column(), _record_column(),
        ColumnSpec("Why the hub did not accept it", lambda r: r.item.reason,
                   lambda r: r.item.reason.casefold(), tooltip=lambda r: r.item.reason),
        ColumnSpec("Found", _found, _found_key),
    ]
    return TableModel(columns, lambda r: r.id, parent)
