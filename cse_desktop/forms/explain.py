"""The words of a screening's outcome, shared by the outcome panel and the printed summary.

The outcome itself (``FormEngine.outcome``, the JSON of ``forms score``) already holds the
sentences: what set the level, every rule that fired, each route with its reason. This module
only puts them together the same way for every reader, including outcomes stored before
routes existed (version 1 finals record one pathway); and says, for the outcome panel, how a
module's points and counts read, the rules in order (the one that set the level first), and
whether a draft has the answers its suggested level needs (:func:`answers_needed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cse_desktop.domain.dates import LOCAL_ZONE, uk_date
from cse_desktop.domain.labels import ROLE_WORDS
from cse_desktop.forms.scoring import PATHWAY_LABELS
from cse_desktop.forms.spec import FormSpec, IndicatorField, Tier


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


# -- the outcome panel's words -----------------------------------------------------------------

#: each part of a module's points (its ``breakdown``), as "N points for ..."
POINTS_FOR = {Tier.VULNERABILITY.value: "vulnerabilities",
              Tier.MODERATE.value: "moderate indicators",
              Tier.SIGNIFICANT.value: "significant indicators",
              "sen": "special educational needs"}
#: each count a module keeps (its ``counts``), as "N <one>/<many>" answered yes
COUNT_WORDS = (("critical", "critical incident", "critical incidents"),
               ("significant_current", "current significant indicator",
                "current significant indicators"),
               ("moderate_current", "current moderate indicator", "current moderate indicators"),
               ("vulnerabilities", "vulnerability", "vulnerabilities"))


def points(n: int) -> str:
    return f"{n} point{'s' if n != 1 else ''}"


def points_words(module: dict[str, Any]) -> str:
    """A module's points, labelled as points: '6 points: 1 for vulnerabilities, 5 for
    significant indicators' (parts that scored nothing are left out)."""
    parts = [f"{n} for {POINTS_FOR.get(k, k)}" for k, n in module.get("breakdown", {}).items()
             if n]
    return points(module.get("total", 0)) + (": " + ", ".join(parts) if parts else "")


def count_words(module: dict[str, Any]) -> str:
    """What a module counted, labelled as counts: 'Answered yes: 1 current significant
    indicator, 1 vulnerability' (empty when nothing counted, or the outcome keeps no counts)."""
    counts = module.get("counts") or {}
    parts = [f"{counts[k]} {one if counts[k] == 1 else many}"
             for k, one, many in COUNT_WORDS if counts.get(k)]
    return "Answered yes: " + ", ".join(parts) if parts else ""


def rules_in_order(outcome: dict[str, Any]) -> list[str]:
    """Every rule that fired, led by the one that set the suggested level (``level_set_by``),
    each saying how it bears on the level: the order and words of the outcome panel.

    The engine already lists the deciding rule first; an outcome stored before rules had an
    effect is put in the same order here, by ``level_set_by``."""
    fired = list(outcome.get("rules_fired") or [])
    set_by = outcome.get("level_set_by") or {}
    lead = next((i for i, r in enumerate(fired) if r.get("effect") == "set"), None)
    if lead is None and set_by:
        lead = next((i for i, r in enumerate(fired)
                     if r.get("text") == set_by.get("text")), None)
    lines = []
    if lead is not None:
        lines.append(f"Set the level: {fired.pop(lead)['text']}")
    for rule in fired:
        effect = rule.get("effect")
        lines.append(rule["text"] + (" (gives the same level)" if effect == "same"
                                     else " (no effect on the level)" if effect == "none"
                                     else ""))
    return lines


@dataclass(frozen=True)
class AnswersNeeded:
    """How far a draft screening is from a suggested level worth showing.

    A screening's level is only raised by what is answered: an indicator left unanswered
    counts as not present. So the level it suggests means "no current concern" only once
    every question it reads has an answer: the immediate-danger question (required by the
    form) and every indicator (yes, no or possible; optional in the form, so a worker may
    still finalise with some unanswered, and is told so). Indicators shown only on a
    condition are not counted (none of the shipped screenings has any).
    """

    answered: int
    total: int
    #: the indicator sections with questions still to answer: (title, how many)
    sections: tuple[tuple[str, int], ...]
    danger_answered: bool

    @property
    def enough(self) -> bool:
        return self.danger_answered and self.answered == self.total

    @property
    def missing(self) -> int:
        return self.total - self.answered


def answers_needed(spec: FormSpec, answers: dict[str, Any]) -> AnswersNeeded:
    """What a screening still needs answered before its suggested level is shown."""
    scoring = spec.scoring
    danger = scoring.danger_field if scoring is not None else None
    answered = total = 0
    sections = []
    for section in spec.sections:
        fields = [f for f in section.fields
                  if isinstance(f, IndicatorField) and not f.show_if]
        done = sum(1 for f in fields if _present(answers.get(f.id)))
        answered, total = answered + done, total + len(fields)
        if done < len(fields):
            sections.append((section.title, len(fields) - done))
    danger_answered = danger is None or answers.get(danger) not in (None, "")
    return AnswersNeeded(answered, total, tuple(sections), danger_answered)


def _present(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("present"))
