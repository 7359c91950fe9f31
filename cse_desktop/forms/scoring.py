"""Scoring and routing of the exploitation screening, entirely as the form's data says.

Domain research section 7 and issue 11:

1. Each module (CSE, CCE) is scored alike from its own indicators and the shared ones:
   SERAF-style points mapped to bands, hard triggers (version 1: any critical incident; later
   versions: the rules listed in ``hard_triggers``) and raise-only floors of ``scope: module``.
2. The suggested level is the highest module level, raised by the ``scope: overall`` rules
   (for example the missing-episode floors, which say nothing about a module).
3. Professional judgement may differ, with a rationale; a lower agreed level needs a manager's
   approval (version 1: a typed name; later versions: the manager's approval action, by role).
   Until then the higher of the suggested level and the level agreed at the last Risk
   Management Meeting stands.
4. The routes follow the level that stands (version 1: one pathway per level; later versions:
   every route whose condition holds, each with the reason it applies).

Every rule that fired is listed, ordered by its effect on the level, and ``level_set_by`` names
the one that decided it, in the words the outcome panel and the printed summary also use.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from cse_desktop.forms import expr as ex
from cse_desktop.forms.spec import (
    Condition,
    Floor,
    FormSpec,
    IndicatorField,
    Level,
    Route,
    Scoring,
    Tier,
    Timing,
)

#: how a fired rule bears on the level, in the order rules are listed
EFFECT_SET = "set"            # decided the level
EFFECT_SAME = "same"          # gives the same level as the rule that decided it
EFFECT_NONE = "none"          # gives a lower level: no effect on the outcome
_EFFECT_ORDER = {EFFECT_SET: 0, EFFECT_SAME: 1, EFFECT_NONE: 2}
_KIND_ORDER = {"hard-trigger": 0, "band": 1, "floor": 2}

#: version 1's pathways as routes: a heading for each
PATHWAY_LABELS = {"universal": "Universal services", "early_help": "Early help",
                   "rmm": "Risk Management Meeting"}

CAVEAT = "The score supports, and does not replace, professional judgement."
#: a rule or a route's reason, for a reader who may not see the answers that made it apply
WITHHELD_RULE = "a rule about answers left out of this copy"
WITHHELD_REASON = "answers left out of this copy"
#: said wherever a lower agreed level waits for a manager (outcome, caseload, person header)
AWAITING_APPROVAL = "Lower level awaiting manager approval"


@dataclass(frozen=True)
class ScoringInputs:
    """What scoring needs besides the answers."""

    age: int | None = None
    sen: bool = False
    missing_episodes_30d: int = 0
    missing_overnight: bool = False
    #: the child's legal status as routes see it (``spec.ROUTING_STATUSES``); None: not known
    legal_status: str | None = None
    #: the level agreed at the child's last Risk Management Meeting, if any
    rmm_level: Level | None = None
    #: a manager's approval of this submission's lower level (``Approval`` as JSON)
    approval: dict[str, Any] | None = None


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _level(value: Any) -> Level | None:
    try:
        return Level(value)
    except ValueError:
        return None


def level_words(spec: FormSpec) -> dict[Level, str]:
    """The form's own words for each level (its agreed-level choices)."""
    words = {lv: lv.value.capitalize() for lv in Level}
    scoring = spec.scoring
    if scoring is not None:
        try:
            field = spec.field(scoring.agreed_level_field)
            words.update({Level(c.value): c.label for c in spec.choices_of(field)})
        except (KeyError, ValueError, AttributeError):
            pass
    return words


def _present(value: Any) -> str | None:
    return value.get("present") if isinstance(value, dict) else None


def _timing(value: Any) -> Timing:
    # A 'yes' without a timing yet is treated as current: the cautious reading.
    raw = value.get("timing") if isinstance(value, dict) else None
    try:
        return Timing(raw) if raw else Timing.CURRENT
    except ValueError:
        return Timing.CURRENT


def _is_current(timing: Timing) -> bool:
    return timing in (Timing.CURRENT, Timing.BOTH)


def timing_matches(timing: Timing, allowed: list[Timing]) -> bool:
    """Whether an answer's timing meets a condition's ``timing`` list (empty: any); an answer
    of "both" meets a list with current or 6 to 12 months ago."""
    if not allowed:
        return True
    if timing is Timing.BOTH:  # current and 6-12 months ago
        return bool({Timing.BOTH, Timing.CURRENT, Timing.RECENT} & set(allowed))
    return timing in allowed


def selected_indicators(cond: Condition, pool: list[IndicatorField]) -> list[IndicatorField]:
    """The indicators of ``pool`` a condition looks at."""
    return [f for f in pool if f.id in cond.indicators or f.tier in cond.tiers
            or any(m in f.modules for m in cond.modules)]


def _answered_as(cond: Condition, f: IndicatorField, answers: dict[str, Any]) -> bool:
    value = answers.get(f.id)
    return _present(value) == cond.present and (
        cond.present != "yes" or timing_matches(_timing(value), cond.timing))


def _matching(cond: Condition, pool: list[IndicatorField],
              answers: dict[str, Any]) -> list[IndicatorField]:
    """The indicators that make the condition's indicator part hold (none: it does not)."""
    matched = [f for f in selected_indicators(cond, pool) if _answered_as(cond, f, answers)]
    if cond.all_of and matched:
        every = [f for f in pool if f.id in cond.all_of]
        if len(every) < len(cond.all_of) or not all(_answered_as(cond, f, answers)
                                                    for f in every):
            return []
        matched = every + [f for f in matched if f not in every]
    return matched


@dataclass
class _Tally:
    counts: dict[str, int]
    points: dict[str, int]
    critical: list[IndicatorField]


def _tally(scoring: Scoring, pool: list[IndicatorField], answers: dict[str, Any],
           inputs: ScoringInputs) -> _Tally:
    counts = {"vulnerabilities": 0, "moderate_current": 0, "significant_current": 0,
              "critical": 0, "indicators_current": 0}
    points = {"vulnerability": 0, "moderate": 0, "significant": 0, "sen": 0}
    critical = []
    sen_answered = False
    for f in pool:
        value = answers.get(f.id)
        if _present(value) != "yes":
            continue  # "no", "possible" (scores 0) or unanswered
        if f.tier is Tier.VULNERABILITY:
            counts["vulnerabilities"] += 1
            if f.id == scoring.sen_indicator:
                sen_answered = True  # scored once, below, with the child's record
            else:
                points["vulnerability"] += scoring.vulnerability_points
        elif f.tier is Tier.CRITICAL:
            counts["critical"] += 1
            critical.append(f)
        else:
            timing = _timing(value)
            tier: Literal["moderate", "significant"] = (
                "moderate" if f.tier is Tier.MODERATE else "significant")
            points[tier] += scoring.points[tier][timing]
            if _is_current(timing):
                counts[f"{tier}_current"] += 1
                counts["indicators_current"] += 1
    if sen_answered:
        points["sen"] = max(scoring.sen_points, scoring.vulnerability_points)
    elif inputs.sen and scoring.sen_points:
        points["sen"] = scoring.sen_points
    return _Tally(counts, points, critical)


def _names(tally: _Tally, inputs: ScoringInputs) -> dict[str, Any]:
    return {"total": sum(tally.points.values()), **tally.counts, "age": inputs.age,
            "sen": inputs.sen, "missing_episodes_30d": inputs.missing_episodes_30d,
            "missing_overnight": inputs.missing_overnight}


def _holds(rule: Condition, rule_id: str, pool: list[IndicatorField], answers: dict[str, Any],
           env: ex.Env, exprs: dict[str, ex.Expr]) -> tuple[bool, list[IndicatorField]]:
    matched: list[IndicatorField] = []
    if rule.selects_indicators:
        matched = _matching(rule, pool, answers)
        if not matched:
            return False, []
    if rule.when and not ex.truth(exprs[rule_id].evaluate(env)):
        return False, []
    return True, matched


def _which(cond: Condition, matched: list[IndicatorField], pool: list[IndicatorField],
           pattern: str) -> str:
    """The indicators that made a condition hold, in words: only when it could have been
    other indicators (a rule about one indicator says what it is already)."""
    if not matched or len(selected_indicators(cond, pool)) + len(cond.all_of) <= 1:
        return ""
    return pattern.format("; ".join(f.label for f in matched))


class _Rules:
    """The rules that fired in one module (or overall), with their levels."""

    def __init__(self, words: dict[Level, str], prefix: str, module: str | None) -> None:
        self.words, self.prefix, self.module = words, prefix, module
        self.fired: list[dict[str, Any]] = []

    def add(self, kind: str, rule_id: str, level: Level, text: str, *, at_least: bool,
            prompt: str = "", which: str = "", indicators: list[str] | None = None) -> None:
        """``which``: the indicators that made it fire, in words (``indicators``: their ids);
        ``short`` is the text without them, for readers who may not see those answers."""
        arrow = f"→ at least {self.words[level]}" if at_least else f"→ {self.words[level]}"
        self.fired.append({"id": rule_id, "kind": kind, "module": self.module,
                           "level": level.value, "text": f"{self.prefix}{text}{which} {arrow}",
                           "short": f"{self.prefix}{text} {arrow}",
                           "withheld": f"{self.prefix}{WITHHELD_RULE} {arrow}",
                           "indicators": indicators or [], "prompt": prompt})

    @property
    def level(self) -> Level:
        return max((Level(r["level"]) for r in self.fired), key=lambda lv: lv.rank,
                   default=Level.NONE)

    def decider(self) -> dict[str, Any] | None:
        """The rule that decided the level: a hard trigger, else the points, else a floor."""
        top = self.level
        tied = [r for r in self.fired if r["level"] == top.value]
        return min(tied, key=lambda r: _KIND_ORDER[r["kind"]], default=None)


def _score_module(scoring: Scoring, module: str, label: str, pool: list[IndicatorField],
                  answers: dict[str, Any], inputs: ScoringInputs, exprs: dict[str, ex.Expr],
                  now: datetime, words: dict[Level, str]) -> tuple[dict[str, Any], _Rules]:
    tally = _tally(scoring, pool, answers, inputs)
    total = sum(tally.points.values())
    band = max((b for b in scoring.bands if b.min_points <= total), key=lambda b: b.min_points)
    rules = _Rules(words, f"{label}: ", module)
    rules.add("band", "band", band.level, f"{total} point{'s' if total != 1 else ''}",
              at_least=False)
    env = ex.Env(_names(tally, inputs), {}, now=now)
    if scoring.hard_triggers is None:
        if tally.counts["critical"]:
            rules.add("hard-trigger", "hard-trigger", scoring.hard_trigger_level,
                      "critical incident recorded", at_least=False,
                      which=f" ({'; '.join(f.label for f in tally.critical)})",
                      indicators=[f.id for f in tally.critical])
    else:
        for trigger in scoring.hard_triggers:
            if trigger.scope == "module" and module in (trigger.only_modules or [module]):
                _fire(rules, "hard-trigger", trigger, pool, answers, env, exprs)
    for floor in scoring.floors:
        if floor.scope == "module" and module in (floor.only_modules or [module]):
            _fire(rules, "floor", floor, pool, answers, env, exprs)
    return ({"label": label, "total": total, "level": rules.level.value,
             "breakdown": tally.points, "counts": tally.counts,
             "rules_fired": rules.fired}, rules)


def _fire(rules: _Rules, kind: str, rule: Floor, pool: list[IndicatorField],
          answers: dict[str, Any], env: ex.Env, exprs: dict[str, ex.Expr]) -> None:
    holds, matched = _holds(rule, rule.id, pool, answers, env, exprs)
    if holds:
        rules.add(kind, rule.id, rule.level, rule.explanation, at_least=kind == "floor",
                  prompt=rule.prompt, which=_which(rule, matched, pool, " ({})"),
                  indicators=[f.id for f in matched])


def score(spec: FormSpec, answers: dict[str, Any], inputs: ScoringInputs, now: datetime,
          exprs: dict[str, ex.Expr],
          indicators: list[IndicatorField] | None = None) -> dict[str, Any]:
    """The outcome of a screening: levels, every rule that fired, routes, approval.

    ``indicators``: the form's indicator fields as the outcome's sentences name them (the
    engine passes them in the newest wording of the same question); by default the form's own.
    """
    scoring = spec.scoring
    assert scoring is not None
    words = level_words(spec)
    if indicators is None:
        indicators = [f for f in spec.all_fields() if isinstance(f, IndicatorField)]
    modules: dict[str, dict[str, Any]] = {}
    module_rules: dict[str, _Rules] = {}
    for module, label in scoring.modules.items():
        pool = [f for f in indicators if not f.modules or module in f.modules]
        modules[module], module_rules[module] = _score_module(
            scoring, module, label, pool, answers, inputs, exprs, now, words)
    best = max(modules, key=lambda m: (Level(modules[m]["level"]).rank, modules[m]["total"]))

    overall = _Rules(words, "", None)
    env = ex.Env(_names(_tally(scoring, indicators, answers, inputs), inputs), {}, now=now)
    for trigger in scoring.hard_triggers or []:
        if trigger.scope == "overall":
            _fire(overall, "hard-trigger", trigger, indicators, answers, env, exprs)
    for floor in scoring.floors:
        if floor.scope == "overall":
            _fire(overall, "floor", floor, indicators, answers, env, exprs)

    module_level = Level(modules[best]["level"])
    suggested = max(module_level, overall.level, key=lambda lv: lv.rank)
    decider = (overall.decider() if overall.level.rank > module_level.rank
               else module_rules[best].decider())
    rules = _ordered([*overall.fired, *(r for m in module_rules.values() for r in m.fired)],
                     decider, suggested)
    discussion = [{"field": f.id, "label": f.label} for f in indicators
                  if _present(answers.get(f.id)) == "possible"]

    agreed = _level(answers.get(scoring.agreed_level_field))
    # what stands until a level is agreed, and while a lower one waits for a manager: the
    # suggested level, or the level agreed at the last RMM if that is higher
    held = max(suggested, inputs.rmm_level or Level.NONE, key=lambda lv: lv.rank)
    override = agreed is not None and agreed != suggested
    downgrade = agreed is not None and agreed.rank < held.rank
    # only a manager's approval, recorded by the approval action, lets a lower level stand
    # (version 1's typed-in approver is kept in its answers but no longer approves anything)
    approval = inputs.approval if (inputs.approval or {}).get("role") == "manager" else None
    approved_by = approval["by"] if approval else None
    approval_pending = downgrade and approved_by is None
    standing = agreed if agreed is not None and not approval_pending else held
    call_999 = answers.get(scoring.danger_field) == "yes"
    routes = _routes(spec, scoring, standing, indicators, answers, inputs, call_999, env, exprs,
                     words, rules)
    review = answers.get(scoring.review_date_field) if scoring.review_date_field else None
    return {
        "total": max(m["total"] for m in modules.values()),
        "suggested_level": suggested.value,
        "deciding_module": best,
        "modules": modules,
        "breakdown": modules[best]["breakdown"],
        "rules_fired": rules,
        "level_set_by": ({"rule": decider["id"], "module": decider["module"],
                          "text": decider["text"], "short": decider["short"],
                          "withheld": decider["withheld"],
                          "indicators": decider["indicators"]} if decider else None),
        "prompts": list({r["prompt"]: {"rule": r["id"], "text": r["prompt"]}
                         for r in reversed(rules) if r["prompt"]}.values())[::-1],
        "for_discussion": discussion,
        "warnings": _warnings(scoring, inputs, exprs),
        "agreed_level": agreed.value if agreed else None,
        "override": override,
        "downgrade": downgrade,
        "approved_by": approved_by,
        "approval": approval,
        "approval_pending": approval_pending,
        "level": standing.value,
        "level_standing_because": _standing_because(standing, suggested, held, agreed,
                                                    approval_pending, words),
        "pathway": _pathway(scoring, standing, routes),
        "routes": routes,
        "call_999": call_999,
        "review_date": review or add_months(now.date(), scoring.review_months).isoformat(),
        "caveat": CAVEAT,
    }


def _warnings(scoring: Scoring, inputs: ScoringInputs,
              exprs: dict[str, ex.Expr]) -> list[str]:
    """What the outcome could not take into account."""
    if inputs.age is not None:
        return []
    rules: list[Floor | Route] = [*(scoring.hard_triggers or []), *scoring.floors,
                                   *(scoring.routes or [])]
    by_age = [r for r in rules if r.when and "age" in exprs[r.id].names]
    if not by_age:
        return []
    words = "; ".join(r.explanation if isinstance(r, Floor) else r.reason for r in by_age)
    return ["The young person's age is not known, so the rules that depend on it were not "
            f"applied ({words}). Give their age to score them fully."]


def _ordered(fired: list[dict[str, Any]], decider: dict[str, Any] | None,
             suggested: Level) -> list[dict[str, Any]]:
    """Every fired rule with its effect: the decider first, then those giving the same level,
    then those with no effect; higher levels and hard triggers first within each."""
    out = []
    for rule in fired:
        if rule is decider:
            effect = EFFECT_SET
        elif rule["level"] == suggested.value:
            effect = EFFECT_SAME
        else:
            effect = EFFECT_NONE
        out.append({**rule, "effect": effect,
                    "raised": effect != EFFECT_NONE and rule["kind"] == "floor"})
    out.sort(key=lambda r: (_EFFECT_ORDER[r["effect"]], -Level(r["level"]).rank,
                            _KIND_ORDER[r["kind"]]))
    return out


def _standing_because(standing: Level, suggested: Level, held: Level, agreed: Level | None,
                      pending: bool, words: dict[Level, str]) -> str:
    what = (f"the level agreed at the last Risk Management Meeting ({words[held]})"
            if held != suggested else f"the suggested level ({words[suggested]})")
    if pending:
        return f"{AWAITING_APPROVAL}: {what} stands until a manager approves the agreed level."
    if agreed is None:
        return f"{what[0].upper()}{what[1:]} stands until a level is agreed."
    if agreed == suggested == held:
        return f"The agreed level is the suggested level ({words[standing]})."
    if agreed.rank >= held.rank:
        return (f"The agreed level ({words[standing]}) is not lower than {what}: it stands "
                "without approval.")
    return f"The agreed level ({words[standing]}) is lower than {what}, approved by a manager."


def _routes(spec: FormSpec, scoring: Scoring, standing: Level, indicators: list[IndicatorField],
            answers: dict[str, Any], inputs: ScoringInputs, call_999: bool, env: ex.Env,
            exprs: dict[str, ex.Expr], words: dict[Level, str],
            fired: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if scoring.routes is None:  # version 1: one pathway per level
        assert scoring.pathways is not None
        p = scoring.pathways[standing]
        reason = f"the level that stands is {words[standing]}"
        return [{"id": p.route, "label": PATHWAY_LABELS[p.route], "text": p.text,
                 "reason": reason, "reason_short": reason, "reason_withheld": reason,
                 "indicators": [],
                 "same_day": p.same_day_contact}]
    status = inputs.legal_status or "not_known"
    out = []
    for route in scoring.routes:
        if route.levels and standing not in route.levels:
            continue
        if route.legal_status and status not in route.legal_status:
            continue
        if route.not_legal_status and status in route.not_legal_status:
            continue
        if route.danger and not call_999:
            continue
        holds, matched = _holds(route, route.id, indicators, answers, env, exprs)
        if (route.or_rules_fired or route.or_selected) and not (route.selects_indicators
                                                                or route.when):
            holds = False  # the route is only about those rules or choices
        by_rule = next((r for r in fired if r["id"] in route.or_rules_fired), None)
        by_choice = _selected(spec, route.or_selected, answers)
        if not holds and by_rule is None and by_choice is None:
            continue
        short = route_reason(route, words, standing)
        if holds:
            which, ids = _which(route, matched, indicators, ": {}"), [f.id for f in matched]
        elif by_rule is not None:
            which, ids = f": {by_rule['short']}", list(by_rule["indicators"])
        else:
            which, ids = f": {by_choice}", []
        out.append({"id": route.id, "label": route.label, "text": route.text,
                    "reason": short + which, "reason_short": short,
                    "reason_withheld": WITHHELD_REASON, "indicators": ids,
                    "same_day": route.same_day})
    return out


def _selected(spec: FormSpec, choices: dict[str, list[str]],
              answers: dict[str, Any]) -> str | None:
    """The first of ``choices`` ({field: values}) selected in the answers, in words."""
    for field_id, values in choices.items():
        answer = answers.get(field_id)
        chosen = answer if isinstance(answer, list) else [answer]
        for value in values:
            if value in chosen:
                field = spec.field(field_id)
                label = next(c.label for c in spec.choices_of(field) if c.value == value)
                return f"{label} (answered to “{field.label}”)"
    return None


def route_reason(route: Route, words: dict[Level, str], standing: Level | None = None) -> str:
    """A route's reason in words; ``{level}`` stands for the level that stands (or, with none
    given, the levels the route is for)."""
    if standing is not None:
        level = words[standing]
    else:
        names = [words[lv] for lv in route.levels]
        level = " or ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""
    return route.reason.replace("{level}", level)


def _pathway(scoring: Scoring, standing: Level, routes: list[dict[str, Any]]) -> dict[str, Any]:
    """The first route set by the level that stands (the one pathway of version 1)."""
    by_level = {r.id for r in scoring.routes or [] if r.levels}
    first = next((r for r in routes if r["id"] in by_level), routes[0] if routes else None)
    return {"level": standing.value, "route": first["id"] if first else "",
            "text": first["text"] if first else "",
            "same_day_contact": any(r["same_day"] for r in routes)}
