"""Scoring and routing of the exploitation screening, entirely as the form's data says.

Domain research section 7: hard triggers → the trigger level (High); SERAF-style points mapped
to bands; raise-only floors; each module (CSE, CCE) scored alike and the overall level is the
highest; professional judgement may differ, with a rationale, and a downgrade needs a named
manager; the pathway follows the level that stands; immediate danger shows "call 999".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cse_desktop.forms import expr as ex
from cse_desktop.forms.spec import FormSpec, IndicatorField, Level, Scoring, Tier, Timing


@dataclass(frozen=True)
class ScoringInputs:
    """What scoring needs besides the answers."""

    age: int | None = None
    sen: bool = False
    missing_episodes_30d: int = 0
    missing_overnight: bool = False


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _level(value: Any) -> Level | None:
    try:
        return Level(value)
    except ValueError:
        return None


def score(spec: FormSpec, answers: dict[str, Any], inputs: ScoringInputs, now: datetime,
          floor_exprs: dict[str, ex.Expr]) -> dict[str, Any]:
    scoring = spec.scoring
    assert scoring is not None
    indicators = [f for f in spec.all_fields() if isinstance(f, IndicatorField)]
    modules: dict[str, dict[str, Any]] = {}
    for module, label in scoring.modules.items():
        modules[module] = _score_module(scoring, module, label, indicators, answers, inputs,
                                        floor_exprs, now)
    best = max(modules.values(), key=lambda m: (Level(m["level"]).rank, m["total"]))
    suggested = Level(max((Level(m["level"]) for m in modules.values()), key=lambda lv: lv.rank))
    rules = [rule for m in modules.values() for rule in m["rules_fired"]]
    discussion = [{"field": f.id, "label": f.label} for f in indicators
                  if _present(answers.get(f.id)) == "possible"]

    agreed = _level(answers.get(scoring.agreed_level_field))
    override = agreed is not None and agreed != suggested
    downgrade = override and agreed.rank < suggested.rank  # type: ignore[union-attr]
    approved_by = (answers.get(scoring.approved_by_field) or "").strip()
    approval_pending = downgrade and not approved_by
    standing = agreed if agreed is not None and not approval_pending else suggested
    pathway = scoring.pathways[standing]
    review = None
    if scoring.review_date_field:
        review = answers.get(scoring.review_date_field)
    return {
        "total": max(m["total"] for m in modules.values()),
        "suggested_level": suggested.value,
        "deciding_module": next(k for k, v in modules.items() if v is best),
        "modules": modules,
        "breakdown": best["breakdown"],
        "rules_fired": rules,
        "for_discussion": discussion,
        "agreed_level": agreed.value if agreed else None,
        "override": override,
        "downgrade": downgrade,
        "approved_by": approved_by or None,
        "approval_pending": approval_pending,
        "level": standing.value,
        "pathway": {"level": standing.value, "route": pathway.route, "text": pathway.text,
                    "same_day_contact": pathway.same_day_contact},
        "call_999": answers.get(scoring.danger_field) == "yes",
        "review_date": review or add_months(now.date(), scoring.review_months).isoformat(),
        "caveat": "The score supports, and does not replace, professional judgement.",
    }


def _present(value: Any) -> str | None:
    return value.get("present") if isinstance(value, dict) else None


def _is_current(timing: str | None) -> bool:
    # A 'yes' without a timing yet is treated as current: the cautious reading.
    return timing in (None, Timing.CURRENT.value, Timing.BOTH.value)


def _score_module(scoring: Scoring, module: str, label: str,
                  indicators: list[IndicatorField], answers: dict[str, Any],
                  inputs: ScoringInputs, floor_exprs: dict[str, ex.Expr],
                  now: datetime) -> dict[str, Any]:
    mine = [f for f in indicators if not f.modules or module in f.modules]
    counts = {"vulnerabilities": 0, "moderate_current": 0, "significant_current": 0,
              "critical": 0, "indicators_current": 0}
    points = {"vulnerability": 0, "moderate": 0, "significant": 0, "sen": 0}
    critical_labels = []
    for f in mine:
        value = answers.get(f.id)
        if _present(value) != "yes":
            continue  # "no", "possible" (scores 0) or unanswered
        timing = value.get("timing")
        if f.tier is Tier.VULNERABILITY:
            counts["vulnerabilities"] += 1
            points["vulnerability"] += scoring.vulnerability_points
        elif f.tier is Tier.CRITICAL:
            counts["critical"] += 1
            critical_labels.append(f.label)
        else:
            tier = f.tier.value
            points[tier] += scoring.points[tier][Timing(timing) if timing else Timing.CURRENT]
            if _is_current(timing):
                counts[f"{tier}_current"] += 1
                counts["indicators_current"] += 1
    if inputs.sen and scoring.sen_points:
        points["sen"] = scoring.sen_points
    total = sum(points.values())
    band = max((b for b in scoring.bands if b.min_points <= total), key=lambda b: b.min_points)
    level = band.level
    rules = [{"id": "band", "module": module, "level": band.level.value,
              "text": f"{label}: {total} point{'s' if total != 1 else ''} → {band.level.value}"}]
    if counts["critical"]:
        if scoring.hard_trigger_level.rank > level.rank:
            level = scoring.hard_trigger_level
        rules.append({"id": "hard-trigger", "module": module,
                      "level": scoring.hard_trigger_level.value,
                      "text": f"{label}: critical incident recorded ({'; '.join(critical_labels)})"
                              f" → {scoring.hard_trigger_level.value}"})
    names = {"total": total, **counts, "age": inputs.age, "sen": inputs.sen,
             "missing_episodes_30d": inputs.missing_episodes_30d,
             "missing_overnight": inputs.missing_overnight}
    env = ex.Env(names, {}, now=now)
    for floor in scoring.floors:
        if floor_exprs[floor.id].evaluate(env):
            raised = floor.level.rank > level.rank
            if raised:
                level = floor.level
            rules.append({"id": floor.id, "module": module, "level": floor.level.value,
                          "raised": raised,
                          "text": f"{label}: {floor.explanation} → at least {floor.level.value}"})
    return {"label": label, "total": total, "level": level.value, "breakdown": points,
            "counts": counts, "rules_fired": rules}
