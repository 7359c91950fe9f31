"""A screening rule in plain words, generated from its data (``scoring:`` of a form).

Used by the rule sheet (:mod:`cse_desktop.reports.rulesheet`) so a safeguarding lead can read
and sign off exactly what the software does. The words of a condition follow
:mod:`cse_desktop.forms.scoring` exactly: a rule tested per module sees that module's indicators
(those marked for it and the shared ones) and its counts; a 'yes' without a timing counts as
current; an answer of "current and 6 to 12 months ago" matches a rule asking for either; a
condition on age does not hold while the age is not known. Nothing here is written per rule
id.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from cse_desktop.forms.scoring import level_words, timing_matches
from cse_desktop.forms.spec import (
    PRESENT_LABELS,
    TIER_WORDS,
    TIMING_LABELS,
    ChoiceField,
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

#: the tiers that score by timing, in the order the sheet lists them
TIER_ORDER = (Tier.CRITICAL, Tier.SIGNIFICANT, Tier.MODERATE)
#: a legal status as the routes name it
STATUS_WORDS = {"looked_after": "looked after", "child_protection_plan": "child protection plan",
                "child_in_need": "child in need", "none": "none",
                "not_known": "not known"}

#: the names a ``when`` expression may use (``scope.FLOOR_NAMES``): what each counts or means
NAME_MEANINGS = {
    "total": "the points: of the module, or of every indicator for a rule on the overall level",
    "vulnerabilities": "vulnerabilities answered yes",
    "moderate_current": "moderate indicators answered yes, current (or current and 6 to 12 "
                        "months ago)",
    "significant_current": "significant indicators answered yes, current (or current and 6 "
                           "to 12 months ago)",
    "critical": "critical incidents answered yes, at any time",
    "indicators_current": "moderate and significant indicators answered yes, current (or "
                          "current and 6 to 12 months ago)",
    "age": "the young person's age in years (not known: a condition on it does not hold)",
    "sen": "special educational needs are on the young person's record",
    "missing_episodes_30d": "missing episodes that started in the last 30 days",
    "missing_overnight": "one of those missing episodes was overnight",
}
#: counted names in words: (one, many)
_COUNTS = {
    "total": ("point", "points"),
    "vulnerabilities": ("vulnerability answered yes", "vulnerabilities answered yes"),
    "moderate_current": ("current moderate indicator", "current moderate indicators"),
    "significant_current": ("current significant indicator", "current significant indicators"),
    "critical": ("critical incident answered yes", "critical incidents answered yes"),
    "indicators_current": ("current moderate or significant indicator",
                           "current moderate or significant indicators"),
    "missing_episodes_30d": ("missing episode in the last 30 days",
                             "missing episodes in the last 30 days"),
}
#: true-or-false names in words: (true, false)
_FLAGS = {
    "sen": ("the young person's record shows special educational needs",
            "the young person's record shows no special educational needs"),
    "missing_overnight": ("the young person was missing overnight in the last 30 days",
                          "the young person was not missing overnight in the last 30 days"),
}
_FLIP = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE, ast.Eq: ast.Eq,
         ast.NotEq: ast.NotEq}




def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def quote(label: str) -> str:
    return f"\u201c{label}\u201d"


def join_words(words: list[str], last: str = "or") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s and not s[:2].isupper() else s


def upper_first(s: str) -> str:
    return s[:1].upper() + s[1:]


def timing_words(allowed: list[Timing]) -> str:
    """When a 'yes' must have happened for a condition, in words."""
    if not allowed:
        return "at any time"
    words = join_words([lower_first(TIMING_LABELS[t]) for t in allowed])
    if Timing.BOTH not in allowed and timing_matches(Timing.BOTH, allowed):
        words += " (or both)"
    return words


def when_words(source: str) -> str | None:
    """A ``when`` expression in words, or None when it says something these words do not
    cover (the sheet then shows it as written only)."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return None
    return _clause(tree.body, nested=False)


def _clause(node: ast.AST, *, nested: bool) -> str | None:
    if isinstance(node, ast.BoolOp):
        parts = [_clause(v, nested=True) for v in node.values]
        if any(p is None for p in parts):
            return None
        text = f" {'and' if isinstance(node.op, ast.And) else 'or'} ".join(
            p for p in parts if p is not None)
        return f"({text})" if nested else text
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand = node.operand
        if isinstance(operand, ast.Name) and operand.id in _FLAGS:
            return _FLAGS[operand.id][1]
        if isinstance(operand, ast.Name) and operand.id in _COUNTS:
            return f"there are no {_COUNTS[operand.id][1]}"
        inner = _clause(operand, nested=True)
        return None if inner is None else f"not {inner}"
    if isinstance(node, ast.Name):
        if node.id in _FLAGS:
            return _FLAGS[node.id][0]
        if node.id in _COUNTS:
            return f"there is at least one {_COUNTS[node.id][0]}"
        return None
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if isinstance(left, ast.Constant) and isinstance(right, ast.Name):
            flipped = _FLIP.get(type(op))
            if flipped is None:
                return None
            left, op, right = right, flipped(), left
        if not (isinstance(left, ast.Name) and isinstance(right, ast.Constant)):
            return None
        value = right.value
        if left.id in _FLAGS and isinstance(value, bool) and isinstance(op, ast.Eq | ast.NotEq):
            return _FLAGS[left.id][0 if value == isinstance(op, ast.Eq) else 1]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if left.id == "age":
            return _age_words(op, value)
        if left.id in _COUNTS:
            return _count_words(op, value, *_COUNTS[left.id])
    return None


def _age_words(op: ast.cmpop, n: float) -> str | None:
    words = {ast.LtE: f"aged {_number(n)} or under", ast.Lt: f"aged under {_number(n)}",
             ast.GtE: f"aged {_number(n)} or over", ast.Gt: f"aged over {_number(n)}",
             ast.Eq: f"aged {_number(n)}", ast.NotEq: f"not aged {_number(n)}"}.get(type(op))
    return None if words is None else f"the young person is {words}"


def _count_words(op: ast.cmpop, n: float, one: str, many: str) -> str | None:
    k = _number(n)
    if (isinstance(op, ast.GtE) and n == 1) or (isinstance(op, ast.Gt) and n == 0):
        return f"there is at least one {one}"
    if (isinstance(op, ast.Eq) and n == 0) or (isinstance(op, ast.Lt) and n == 1):
        return f"there are no {many}"
    if isinstance(op, ast.Eq) and n == 1:
        return f"there is exactly one {one}"
    words = {ast.GtE: f"{k} or more", ast.Gt: f"more than {k}", ast.LtE: f"{k} or fewer",
             ast.Lt: f"fewer than {k}", ast.Eq: f"exactly {k}",
             ast.NotEq: f"a number other than {k} of"}.get(type(op))
    return None if words is None else f"there are {words} {many}"


@dataclass(frozen=True)
class Vocabulary:
    """What the words of a form's conditions need: its indicators, modules and levels."""

    indicators: list[IndicatorField]
    modules: dict[str, str]
    levels: dict[Level, str]
    danger_label: str
    #: the hard triggers and floors by id, with their kind
    rules: dict[str, tuple[str, Floor]]
    #: choice fields by id: (label, {value: label})
    choices: dict[str, tuple[str, dict[str, str]]]

    @classmethod
    def of(cls, spec: FormSpec) -> Vocabulary:
        assert spec.scoring is not None
        indicators = [f for f in spec.all_fields() if isinstance(f, IndicatorField)]
        try:
            danger = spec.field(spec.scoring.danger_field).label
        except KeyError:
            danger = spec.scoring.danger_field
        rules = {r.id: ("hard trigger", r) for r in spec.scoring.hard_triggers or []}
        rules.update({r.id: ("floor", r) for r in spec.scoring.floors})
        choices = {f.id: (f.label, {c.value: c.label for c in spec.choices_of(f)})
                   for f in spec.all_fields() if isinstance(f, ChoiceField)}
        return cls(indicators, dict(spec.scoring.modules), level_words(spec), danger, rules,
                   choices)

    def label(self, field_id: str) -> str:
        return next((f.label for f in self.indicators if f.id == field_id), field_id)

    def module_words(self, f: IndicatorField) -> str:
        if not f.modules:
            return "All modules (shared)"
        return ", ".join(self.modules.get(m, m) for m in f.modules)


def indicator_words(cond: Condition, vocab: Vocabulary) -> str:
    """The indicator part of a condition in words ("" when it has none)."""
    if not cond.selects_indicators:
        return ""
    if cond.present == "yes":
        answered = f"answered yes, {timing_words(cond.timing)}"
    else:
        answered = f"answered \u2018{PRESENT_LABELS[cond.present].lower()}\u2019"
    parts: list[str] = []
    for tier in cond.tiers:
        parts.append(f"any {TIER_WORDS[tier][0]}")
    for module in cond.modules:
        members = [f for f in vocab.indicators if module in f.modules]
        parts.append(f"the indicators marked for {vocab.modules.get(module, module)} ("
                     + "; ".join(quote(f.label) for f in members) + ")")
    parts += [quote(vocab.label(fid)) for fid in cond.indicators]
    if cond.all_of:
        every = "; ".join(quote(vocab.label(fid)) for fid in cond.all_of)
        head = every if len(cond.all_of) == 1 else f"all of {every}"
        return f"{head} and at least one of these are each {answered}: {'; '.join(parts)}"
    if len(parts) == 1 and not cond.modules:
        return f"{parts[0]} is {answered}"
    return f"any of these is {answered}: {'; '.join(parts)}"


def scope_words(rule: Floor, vocab: Vocabulary) -> str:
    if rule.scope == "overall":
        return "tested once, on the overall level, with every indicator"
    if rule.only_modules:
        names = join_words([vocab.modules.get(m, m) for m in rule.only_modules])
        one = len(rule.only_modules) == 1
        return (f"tested in the {names} module{'' if one else 's'} only, with "
                f"{'its' if one else 'their'} indicators and counts")
    return "tested in each module, with that module's indicators and counts"


def where_words(rule: Floor, vocab: Vocabulary) -> str:
    """Where a rule is tested, in a few words."""
    if rule.scope == "overall":
        return "on the overall level"
    if rule.only_modules:
        names = join_words([vocab.modules.get(m, m) for m in rule.only_modules])
        return f"in the {names} module{'' if len(rule.only_modules) == 1 else 's'} only"
    return "in each module"


def rule_words(rule: Floor, vocab: Vocabulary, *, kind: str) -> str:
    """A hard trigger or floor as one sentence: "If ..., then the level is High (in each
    module)." ``kind`` is ``hard-trigger`` (sets the level) or ``floor`` (raises it to at
    least)."""
    parts = [p for p in (indicator_words(rule, vocab),
                         _when_clause(rule.when) if rule.when else "") if p]
    level = vocab.levels[rule.level]
    result = f"the level is {level}" if kind == "hard-trigger" else \
        f"the level is at least {level}"
    return f"If {', and '.join(parts)}, then {result} ({where_words(rule, vocab)})."


def _when_clause(source: str) -> str:
    words = when_words(source)
    return words if words is not None else f"{source.strip()} holds (as written)"


def _status_list(statuses: Sequence[str]) -> str:
    return ", ".join(STATUS_WORDS.get(s, s) for s in statuses)


def route_words(route: Route, vocab: Vocabulary) -> str:
    """When a route applies, in words."""
    parts = []
    if route.levels:
        parts.append("the level that stands is "
                     + join_words([vocab.levels[lv] for lv in route.levels]))
    if route.legal_status:
        parts.append("the young person's legal status is one of: "
                     + _status_list(route.legal_status))
    if route.not_legal_status:
        parts.append("the young person's legal status is none of: "
                     + _status_list(route.not_legal_status))
    if route.danger:
        parts.append(f"{quote(vocab.danger_label)} is answered yes")
    own = [p for p in (indicator_words(route, vocab),
                       _when_clause(route.when) if route.when else "") if p]
    fired = [_fired_words(rule_id, vocab) for rule_id in route.or_rules_fired]
    alternatives = []
    if fired:
        alternatives.append(("this rule fired: " if len(fired) == 1 else
                             "one of these rules fired: ") + "; ".join(fired))
    for field_id, values in route.or_selected.items():
        label, labels = vocab.choices.get(field_id, (field_id, {}))
        alternatives.append(f"{quote(label)} is answered "
                            + join_words([quote(labels.get(v, v)) for v in values]))
    if alternatives:
        others = "; or ".join(alternatives)
        parts.append(f"either {', and '.join(own)}; or {others}" if own else others)
    else:
        parts += own
    return "Applies when " + ", and ".join(parts) + "." if parts else "Always applies."


def _fired_words(rule_id: str, vocab: Vocabulary) -> str:
    """A rule a route follows, by its kind, explanation and id."""
    if rule_id not in vocab.rules:
        return rule_id
    kind, rule = vocab.rules[rule_id]
    return f"the {kind} {quote(rule.explanation)} ({rule_id}), in any module or overall"


def version1_hard_trigger(scoring: Scoring) -> Floor:
    """Version 1's hard trigger as a rule: any critical incident answered yes, in each module,
    sets the module's level to ``hard_trigger_level``."""
    return Floor(id="hard-trigger", tiers=[Tier.CRITICAL], level=scoring.hard_trigger_level,
                 explanation="critical incident recorded")
