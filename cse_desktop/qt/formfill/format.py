"""Showing answers and computed values as a worker reads them (UK dates and times, labels).

Pure functions, no widgets: the filler, the read-only view and the tests share them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from cse_desktop.domain.dates import uk_date, uk_datetime
from cse_desktop.domain.labels import RISK_WORDS
from cse_desktop.domain.models import RiskLevel
from cse_desktop.forms.spec import EVIDENCE_LABELS, PRESENT_LABELS, TIMING_LABELS, FormSpec
from cse_desktop.forms.values import parse_date, parse_datetime


def number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def computed_text(value: Any, display: str, labels: Mapping[str, str] | None = None) -> str:
    """A computed value formatted by its ``display``: hours as '13.5 hours', yes_no as Yes/No;
    a code with ``labels`` (the field's ``choices``) as its words."""
    if value is None:
        return "Not known yet"
    if labels and isinstance(value, str) and value in labels:
        return labels[value]
    if display == "hours":
        if isinstance(value, int | float) and not isinstance(value, bool):
            hours = round(float(value), 1)
            text = number_text(hours)
            return f"{text} hour{'' if hours == 1 else 's'}"
        return str(value)
    if display == "yes_no":
        return "Yes" if value else "No"
    if display == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return number_text(value)
    if display == "date":
        day = value if isinstance(value, date) else parse_date(value)
        return uk_date(day) if day else str(value)
    if display == "datetime":
        moment = value if isinstance(value, datetime) else parse_datetime(value)
        return uk_datetime(moment) if moment else str(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def choice_label(spec: FormSpec, field: Any, value: str) -> str:
    for choice in spec.choices_of(field):
        if choice.value == value:
            return choice.label
    return value


def answer_text(spec: FormSpec, field: Any, value: Any) -> str:
    """One answer as text (repeat groups are shown row by row by the caller)."""
    if value is None:
        return "Not answered"
    t = field.type
    if t in ("yes_no", "yes_no_possible"):
        return PRESENT_LABELS.get(value, str(value))
    if t == "single_choice":
        return choice_label(spec, field, value)
    if t == "multiple_choice":
        return "; ".join(choice_label(spec, field, v) for v in value) or "None ticked"
    if t == "date":
        day = parse_date(value)
        return uk_date(day) if day else str(value)
    if t == "datetime":
        moment = parse_datetime(value)
        return f"{uk_datetime(moment)} (UK time)" if moment else str(value)
    if t == "number":
        return number_text(value) + (f" {field.unit}" if field.unit else "")
    if t == "rating":
        return f"{value} (from {field.min} to {field.max})"
    if t == "indicator":
        parts = [PRESENT_LABELS.get(value.get("present"), "Not answered")]
        if value.get("timing"):
            parts.append(TIMING_LABELS.get(value["timing"], value["timing"]))
        if value.get("evidence"):
            parts.append(EVIDENCE_LABELS.get(value["evidence"], value["evidence"]))
        text = " · ".join(parts)
        if value.get("detail"):
            text += f": {value['detail']}"
        return text
    return str(value)


def level_label(level: str | None) -> str:
    if level is None:
        return "Not agreed yet"
    try:
        return RISK_WORDS[RiskLevel(level)]
    except ValueError:
        return level
