"""The checks of a form that pydantic cannot see: ids, references, expressions, scoring wiring.

:func:`check_semantics` returns every problem as a location in the form (keys and indexes) and
a message; the loader turns each into ``file:line: field.path: message``
(:mod:`cse_desktop.forms.problems`).  Also here: the child-friendly wording rules (``child_text``
only in a section that has its own, never in a repeat group) and the scoring section's wiring
(its fields' types, rules, routes and points).
"""

from __future__ import annotations

import contextlib
from typing import Any

from cse_desktop.forms import expr as ex
from cse_desktop.forms.problems import Path_, format_path
from cse_desktop.forms.scope import FLOOR_NAMES, choice_values, form_scope, name_of
from cse_desktop.forms.spec import (
    ChoiceField,
    ComputedField,
    Condition,
    Floor,
    FormSpec,
    IndicatorField,
    RepeatField,
    Route,
    Scoring,
    Section,
    Tier,
    Timing,
)


def check_semantics(spec: FormSpec) -> list[tuple[Path_, str]]:
    """Everything pydantic cannot see: ids, references, expressions, scoring wiring."""
    problems: list[tuple[Path_, str]] = []
    seen: dict[str, Path_] = {}
    scope = form_scope(spec)

    def check_expr(source: str | None, path: Path_, scope_: ex.Scope, want: str | None) -> None:
        if source is None:
            return
        try:
            compiled = ex.compile_expr(source, scope_, want=want)
        except ex.ExprError as exc:
            problems.append((path, str(exc)))
            return
        if compiled.type == ex.NONE:
            problems.append((path, "the expression is always empty"))

    def check_field(field: Any, path: Path_, scope_: ex.Scope) -> None:
        if field.id in seen:
            problems.append(((*path, "id"), f"the field id '{field.id}' is used twice (first "
                                            f"at {format_path(seen[field.id])})"))
        seen.setdefault(field.id, path)
        if isinstance(field, ChoiceField | ComputedField) and field.choices is not None:
            if isinstance(field.choices, str) and field.choices not in spec.choice_lists:
                problems.append(((*path, "choices"),
                                 f"there is no choice list named '{field.choices}'"))
            elif isinstance(field.choices, list):
                _unique_choices(field.choices, (*path, "choices"), problems)
        if isinstance(field, IndicatorField) and spec.scoring is not None:
            unknown = [m for m in field.modules if m not in spec.scoring.modules]
            if unknown:
                problems.append(((*path, "modules"), f"unknown scoring module "
                                 f"{', '.join(unknown)} (known: "
                                 f"{', '.join(spec.scoring.modules)})"))
        check_expr(field.show_if, (*path, "show_if"), scope_, ex.BOOL)
        check_expr(field.required_if, (*path, "required_if"), scope_, ex.BOOL)
        for i, c in enumerate(field.constraints):
            check_expr(c.expr, (*path, "constraints", i, "expr"), scope_, ex.BOOL)
        if field.type == "computed":
            try:
                compiled = ex.compile_expr(field.expr, scope_)
                scope_.names[field.id] = ex.Name(compiled.type)
            except ex.ExprError as exc:
                problems.append(((*path, "expr"), str(exc)))
        if isinstance(field, RepeatField):
            inner = ex.Scope(names=dict(scope_.names), objects=scope_.objects)
            for sub in field.fields:
                inner.names[sub.id] = name_of(sub, spec)
            for j, sub in enumerate(field.fields):
                check_field(sub, (*path, "fields", j), inner)

    # type computed fields first, so that an expression using one declared further down is
    # checked against its real type (as "any" it would pass here and fail at run time)
    for field in spec.all_fields():
        if field.type == "computed":
            with contextlib.suppress(ex.ExprError):  # reported where the field is checked
                scope.names[field.id] = ex.Name(ex.compile_expr(field.expr, scope).type)
    for name, choices in spec.choice_lists.items():
        _unique_choices(choices, ("choice_lists", name), problems)
    for s_i, section in enumerate(spec.sections):
        if section.id in seen:
            problems.append((("sections", s_i, "id"), f"the id '{section.id}' is used twice"))
        seen.setdefault(section.id, ("sections", s_i))
        check_expr(section.show_if, ("sections", s_i, "show_if"), scope, ex.BOOL)
        for f_i, field in enumerate(section.fields):
            check_field(field, ("sections", s_i, "fields", f_i), scope)
            problems += _check_child_text(section, field, ("sections", s_i, "fields", f_i))
    for i, flag in enumerate(spec.flags):
        check_expr(flag.when, ("flags", i, "when"), scope, ex.BOOL)
    if spec.scoring is not None:
        problems += _check_scoring(spec, seen)
    elif any(isinstance(f, IndicatorField) and f.modules for f in spec.all_fields()):
        problems.append((("sections",), "indicators name scoring modules but the form has no "
                                        "scoring section"))
    return problems


def _check_child_text(section: Section, field: Any, path: Path_) -> list[tuple[Path_, str]]:
    """Child-friendly wording shows only in a section that has its own, on top-level fields."""
    if field.child_text is not None and section.child_text is None:
        return [((*path, "child_text"), f"the section '{section.id}' has no child_text, so this "
                                        "wording would never be shown: give the section one")]
    return [((*path, "fields", j, "child_text"), "child_text is for top-level questions, not "
                                                 "the fields of a repeat group")
            for j, sub in enumerate(getattr(field, "fields", [])) if sub.child_text is not None]


def _unique_choices(choices: list, path: Path_, problems: list) -> None:
    values = [c.value for c in choices]
    for i, v in enumerate(values):
        if v in values[:i]:
            problems.append(((*path, i, "value"), f"the choice value '{v}' is used twice"))


def _check_scoring(spec: FormSpec, seen: dict[str, Path_]) -> list[tuple[Path_, str]]:
    scoring = spec.scoring
    assert scoring is not None
    problems: list[tuple[Path_, str]] = []
    fields = {f.id: f for f in spec.all_fields()}
    wiring = {"danger_field": ("yes_no",), "agreed_level_field": ("single_choice",),
              "rationale_field": ("long_text", "text"), "approved_by_field": ("text",),
              "review_date_field": ("date",), "sen_indicator": ("indicator",)}
    for key, types in wiring.items():
        fid = getattr(scoring, key)
        if fid is None:
            continue
        if fid not in fields:
            problems.append((("scoring", key), f"there is no top-level field '{fid}'"))
        elif fields[fid].type not in types:
            problems.append((("scoring", key), f"'{fid}' must be a {' or '.join(types)} field"))
    agreed = fields.get(scoring.agreed_level_field)
    if isinstance(agreed, ChoiceField):
        values = choice_values(agreed, spec) or frozenset()
        if values != {"none", "low", "medium", "high"}:
            problems.append((("scoring", "agreed_level_field"),
                             "the agreed level's choices must be exactly none, low, medium, "
                             "high"))
    sen = fields.get(scoring.sen_indicator or "")
    if isinstance(sen, IndicatorField) and sen.tier is not Tier.VULNERABILITY:
        problems.append((("scoring", "sen_indicator"), f"'{sen.id}' must be a vulnerability"))
    indicators = {f.id: f for f in spec.all_fields() if isinstance(f, IndicatorField)}
    floor_scope = ex.Scope(names=dict(FLOOR_NAMES))
    for key in ("hard_triggers", "floors", "routes"):
        for i, rule in enumerate(getattr(scoring, key) or []):
            problems += _check_condition(rule, ("scoring", key, i), indicators, spec,
                                         floor_scope)
    if not indicators:
        problems.append((("scoring",), "a scored form needs indicator fields"))
    if scoring.approved_by_field is None and "approved_by" in fields:
        problems.append((("scoring",), "a field 'approved_by' without approved_by_field: "
                                       "approval is recorded by role, never typed in"))
    for tier_name in ("moderate", "significant"):
        pts = scoring.points[tier_name]
        if any(v < 0 for v in pts.values()):
            problems.append((("scoring", "points", tier_name), "points cannot be negative"))
        if pts[Timing.BOTH] < max(pts[Timing.CURRENT], pts[Timing.RECENT]):
            problems.append((("scoring", "points", tier_name, "both"),
                             "'both' must score at least as much as 'current' and '6-12m'"))
    return problems


def scoring_rules(scoring: Scoring) -> list[Floor | Route]:
    """Every hard trigger, floor and route of a scoring section, in that order."""
    return [*(scoring.hard_triggers or []), *scoring.floors, *(scoring.routes or [])]


def _check_condition(rule: Condition, path: Path_, indicators: dict[str, IndicatorField],
                     spec: FormSpec, scope: ex.Scope) -> list[tuple[Path_, str]]:
    """A rule's or route's references: indicators, modules, timings and its expression."""
    scoring = spec.scoring
    assert scoring is not None
    fields = {f.id: f for f in spec.all_fields()}
    problems: list[tuple[Path_, str]] = []
    for key in ("indicators", "all_of"):
        for j, fid in enumerate(getattr(rule, key)):
            if fid not in indicators:
                problems.append(((*path, key, j), f"there is no indicator '{fid}'"))
    if rule.all_of and not (rule.indicators or rule.tiers or rule.modules):
        problems.append(((*path, "all_of"), "all_of adds to 'indicators', 'tiers' or "
                                            "'modules'; list the first indicator there"))
    rule_ids = {r.id for r in [*(scoring.hard_triggers or []), *scoring.floors]}
    for j, rid in enumerate(getattr(rule, "or_rules_fired", [])):
        if rid not in rule_ids:
            problems.append(((*path, "or_rules_fired", j), f"there is no rule '{rid}'"))
    for field_id, values in getattr(rule, "or_selected", {}).items():
        f = fields.get(field_id)
        if not isinstance(f, ChoiceField):
            problems.append(((*path, "or_selected", field_id),
                             f"there is no choice field '{field_id}'"))
            continue
        known = choice_values(f, spec) or frozenset()
        problems += [((*path, "or_selected", field_id), f"'{v}' is not one of its choices")
                     for v in values if v not in known]
    for j, module in enumerate(getattr(rule, "only_modules", [])):
        if module not in scoring.modules:
            problems.append(((*path, "only_modules", j), f"unknown scoring module '{module}'"))
    for j, module in enumerate(rule.modules):
        if module not in scoring.modules:
            problems.append(((*path, "modules", j), f"unknown scoring module '{module}'"))
    if rule.timing and rule.present != "yes":
        problems.append(((*path, "timing"), "only a 'yes' has a timing"))
    if rule.timing:
        chosen = [indicators[f] for f in rule.indicators if f in indicators]
        if chosen and not any(set(rule.timing) & set(f.timing_values) for f in chosen):
            problems.append(((*path, "timing"), "none of its indicators takes these timings"))
    if rule.when:
        try:
            ex.compile_expr(rule.when, scope, want=ex.BOOL)
        except ex.ExprError as exc:
            problems.append(((*path, "when"), str(exc)))
    return problems
