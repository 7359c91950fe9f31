"""Answer values: checking their shape against a field, and turning them into typed values.

Answers are stored as JSON (dates as ISO text).  ``check_value`` says, in plain English, why a
value cannot be an answer to a field; ``typed`` converts a stored answer for expressions.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from cse_desktop.forms.spec import PRESENT_VALUES, FormSpec, IndicatorField

EVIDENCE_VALUES = ("evidenced", "reported", "professional_concern")
_INDICATOR_KEYS = {"present", "timing", "evidence", "detail"}
MAX_DETAIL = 2000


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _is_number(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # a whole number too large for a float
        return False


def check_value(field: Any, value: Any, spec: FormSpec) -> str | None:
    """None if ``value`` is a well-formed answer to ``field``; otherwise why not."""
    t = field.type
    if t in ("computed", "info"):
        return "this is not something to fill in"
    if t in ("text", "long_text"):
        if not isinstance(value, str):
            return "must be text"
        if len(value) > field.limit:
            return f"is too long ({len(value):,} characters; at most {field.limit:,})"
        return None
    if t == "yes_no":
        return None if value in ("yes", "no") else "must be yes or no"
    if t == "yes_no_possible":
        return None if value in PRESENT_VALUES else "must be yes, no or possible"
    if t == "single_choice":
        allowed = [c.value for c in spec.choices_of(field)]
        return None if value in allowed else f"must be one of: {', '.join(allowed)}"
    if t == "multiple_choice":
        allowed = [c.value for c in spec.choices_of(field)]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of choices"
        bad = [v for v in value if v not in allowed]
        if bad:
            return f"'{bad[0]}' is not one of: {', '.join(allowed)}"
        if len(set(value)) != len(value):
            return "a choice is given twice"
        return None
    if t == "date":
        return None if parse_date(value) else "must be a date (YYYY-MM-DD)"
    if t == "datetime":
        if parse_datetime(value) is None:
            return "must be a date and time with its time zone (e.g. 2026-03-01T21:30:00+00:00)"
        return None
    if t == "number":
        if not _is_number(value):
            return "must be a number"
        if field.integer and value != int(value):
            return "must be a whole number"
        if field.min is not None and value < field.min:
            return f"must be at least {field.min:g}"
        if field.max is not None and value > field.max:
            return f"must be at most {field.max:g}"
        return None
    if t == "rating":
        if not _is_number(value) or value != int(value) or not field.min <= value <= field.max:
            return f"must be a whole number from {field.min} to {field.max}"
        return None
    if t == "indicator":
        return _check_indicator(field, value)
    if t == "repeat":
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            return "must be a list of rows"
        if len(value) > field.max_rows:
            return f"has {len(value)} rows; at most {field.max_rows}"
        subs = {f.id: f for f in field.fields}
        for i, row in enumerate(value):
            for key, sub_value in row.items():
                if key not in subs:
                    return f"row {i + 1}: '{key}' is not a field of this group"
                if sub_value is None:
                    continue
                problem = check_value(subs[key], sub_value, spec)
                if problem:
                    return f"row {i + 1}: {subs[key].label}: {problem}"
        return None
    return "unknown field type"  # pragma: no cover (the schema forbids it)


def _check_indicator(field: IndicatorField, value: Any) -> str | None:
    if not isinstance(value, dict):
        return 'must be an object like {"present": "yes", "timing": "current"}'
    extra = set(value) - _INDICATOR_KEYS
    if extra:
        return f"unknown part '{sorted(extra)[0]}' (allowed: present, timing, evidence, detail)"
    allowed = PRESENT_VALUES if field.allow_possible else ("yes", "no")
    if value.get("present") not in allowed:
        return f"'present' must be {' or '.join(allowed)}"
    timing = value.get("timing")
    if timing is not None:
        if not field.asks_timing:
            return "this indicator does not take a timing"
        allowed_timings = [t.value for t in field.timing_values]
        if timing not in allowed_timings:
            return f"'timing' must be {' or '.join(allowed_timings)}"
    evidence = value.get("evidence")
    if evidence is not None and evidence not in EVIDENCE_VALUES:
        return f"'evidence' must be one of: {', '.join(EVIDENCE_VALUES)}"
    detail = value.get("detail")
    if detail is not None and (not isinstance(detail, str) or len(detail) > MAX_DETAIL):
        return f"'detail' must be text of at most {MAX_DETAIL} characters"
    return None


def typed(field: Any, value: Any) -> Any:
    """A stored answer as expressions see it (dates as dates, indicators as their 'present')."""
    if value is None:
        return None
    t = field.type
    if t == "date":
        return parse_date(value)
    if t == "datetime":
        return parse_datetime(value)
    if t == "indicator":
        return value.get("present") if isinstance(value, dict) else None
    return value
