"""The words of a screening's outcome, shared by the outcome panel and the printed summary.

The outcome itself (``FormEngine.outcome``, the JSON of ``forms score``) already holds the
sentences: what set the level, every rule that fired, each route with its reason. This module
only puts them together the same way for every reader, including outcomes stored before
routes existed (version 1 finals record one pathway).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cse_desktop.domain.dates import LOCAL_ZONE, uk_date
from cse_desktop.domain.labels import ROLE_WORDS
from cse_desktop.forms.scoring import PATHWAY_LABELS


def fired_rule_words(rule: dict[str, Any]) -> str:
    """A fired rule as listed: its text, and whether it changed nothing."""
    return rule["text"] + (" (no effect on the level)" if rule.get("effect") == "none" else "")


def outcome_routes(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    """The routes of an outcome; a stored outcome without them gives its one pathway."""
    if outcome.get("routes"):
        return list(outcome["routes"])
    pathway = outcome.get("pathway") or {}
    if not pathway.get("text"):
        return []
    return [{"id": pathway.get("route", ""), "text": pathway["text"], "reason": "",
             "label": PATHWAY_LABELS.get(pathway.get("route", ""), "What happens next"),
             "same_day": bool(pathway.get("same_day_contact"))}]


def approval_words(outcome: dict[str, Any], verification: str = "") -> str:
    """Who approved a lower level, when and why; with the hub's verification if known."""
    approval = outcome.get("approval")
    if not approval:
        name = outcome.get("approved_by")
        return f"Lower level approved by {name} (name typed into the form)." if name else ""
    when = datetime.fromisoformat(approval["at"]).astimezone(LOCAL_ZONE).date()
    role = ROLE_WORDS.get(approval.get("role", ""), approval.get("role", ""))
    text = (f"Lower level approved by {approval['by']} ({role}) on {uk_date(when)}. "
            f"Why: {approval['rationale']}")
    return text + (f" This approval is {verification}." if verification else "")
