"""The screening rule sheet: a form version's whole scoring rule, printed from its file, for a
safeguarding lead to read and sign off (issue 11, parts 7 and 9).

Everything on the sheet is generated from the form's data (``scoring:`` and the indicator
fields), never written here per rule: the indicators with their points by timing, the
vulnerabilities and how special educational needs count, the bands, every hard trigger and
floor and every route (or, in version 1, pathway) in plain words generated from its condition,
with the expression of a ``when`` shown as written too, and how professional judgement and a
manager's approval work. The head of the sheet names the form, its version and the SHA-256 of
the form file the sheet was printed from (read once: the sheet is built from the bytes that
were hashed), so a signed sheet can be matched to the file; every page's footer repeats it.
The sheet ends with a sign-off box.

The words of a condition follow :mod:`cse_desktop.forms.scoring` exactly: a rule tested per
module sees that module's indicators (those marked for it and the shared ones) and its counts;
a 'yes' without a timing counts as current; an answer of "current and 6 to 12 months ago"
matches a rule asking for either; a condition on age does not hold while the age is not known.

:func:`read_form_source` reads and hashes the file, :func:`build_rulesheet` lays the sheet out,
:func:`cse_desktop.reports.output.write_pdf` writes it whole or not at all (as the print
commands do, without an audit entry: the sheet holds no personal data and needs no workspace).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from cse_desktop import __version__
from cse_desktop.casework.chronology import uk_datetime
from cse_desktop.domain.errors import UsageError
from cse_desktop.domain.labels import LEGAL_LABELS
from cse_desktop.domain.models import LegalStatus
from cse_desktop.forms.engine import ROUTING_STATUS
from cse_desktop.forms.loader import FLOOR_NAMES, load_form_text
from cse_desktop.forms.scoring import (
    CAVEAT,
    PATHWAY_LABELS,
    level_words,
    route_reason,
    selected_indicators,
    timing_matches,
)
from cse_desktop.forms.spec import (
    PRESENT_LABELS,
    ROUTING_STATUSES,
    TIMING_LABELS,
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
from cse_desktop.reports import page
from cse_desktop.reports.page import PrintMeta

WIDTH = 178 * mm - 12  # the page frame: A4 less 16 mm margins, less the frame's padding
LABEL_COL = 30 * mm
SHA_FONT = "Courier"

#: the tiers that score by timing, in the order the sheet lists them
TIER_ORDER = (Tier.CRITICAL, Tier.SIGNIFICANT, Tier.MODERATE)
#: a tier's words: one, many
TIER_WORDS = {Tier.CRITICAL: ("critical incident", "Critical incidents"),
              Tier.SIGNIFICANT: ("significant indicator", "Significant indicators"),
              Tier.MODERATE: ("moderate indicator", "Moderate indicators"),
              Tier.VULNERABILITY: ("vulnerability", "Vulnerabilities")}
#: the short heading of each timing in the points tables (the full words come from the form)
SHORT_TIMING = {Timing.CURRENT: "Current", Timing.RECENT: "6 to 12 months",
                Timing.BOTH: "Both", Timing.HISTORIC: "Over 12 months"}
#: a legal status as the routes name it
STATUS_WORDS = {"looked_after": "looked after", "child_protection_plan": "child protection plan",
                "child_in_need": "child in need", "none": "none"}

#: the names a ``when`` expression may use (``loader.FLOOR_NAMES``): what each counts or means
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


# -- the form file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FormSource:
    """A form version as printed: the spec read from exactly the bytes that were hashed."""

    spec: FormSpec
    #: the file's name as people see it (``forms/exploitation-screening/v2.yaml``)
    file_name: str
    sha256: str


def read_form_source(path: Path, file_name: str) -> FormSource:
    """Read the form file once, hash it and load the form from the same bytes."""
    data = path.read_bytes()
    spec = load_form_text(data.decode("utf-8"), file_name)
    return FormSource(spec=spec, file_name=file_name, sha256=hashlib.sha256(data).hexdigest())


# -- words -------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _quote(label: str) -> str:
    return f"\u201c{label}\u201d"


def _join(words: list[str], last: str = "or") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s and not s[:2].isupper() else s


def _upper_first(s: str) -> str:
    return s[:1].upper() + s[1:]


def timing_words(allowed: list[Timing]) -> str:
    """When a 'yes' must have happened for a condition, in words."""
    if not allowed:
        return "at any time"
    words = _join([_lower_first(TIMING_LABELS[t]) for t in allowed])
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
        return cls(indicators, dict(spec.scoring.modules), level_words(spec), danger, rules)

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
                     + "; ".join(_quote(f.label) for f in members) + ")")
    parts += [_quote(vocab.label(fid)) for fid in cond.indicators]
    if cond.all_of:
        every = "; ".join(_quote(vocab.label(fid)) for fid in cond.all_of)
        head = every if len(cond.all_of) == 1 else f"all of {every}"
        return f"{head} and at least one of these are each {answered}: {'; '.join(parts)}"
    if len(parts) == 1 and not cond.modules:
        return f"{parts[0]} is {answered}"
    return f"any of these is {answered}: {'; '.join(parts)}"


def scope_words(rule: Floor, vocab: Vocabulary) -> str:
    if rule.scope == "overall":
        return "tested once, on the overall level, with every indicator"
    if rule.only_modules:
        names = _join([vocab.modules.get(m, m) for m in rule.only_modules])
        one = len(rule.only_modules) == 1
        return (f"tested in the {names} module{'' if one else 's'} only, with "
                f"{'its' if one else 'their'} indicators and counts")
    return "tested in each module, with that module's indicators and counts"


def where_words(rule: Floor, vocab: Vocabulary) -> str:
    """Where a rule is tested, in a few words."""
    if rule.scope == "overall":
        return "on the overall level"
    if rule.only_modules:
        names = _join([vocab.modules.get(m, m) for m in rule.only_modules])
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


def _status_list(statuses: list[str]) -> str:
    return ", ".join(STATUS_WORDS.get(s, s) for s in statuses)


def route_words(route: Route, vocab: Vocabulary) -> str:
    """When a route applies, in words."""
    parts = []
    if route.levels:
        parts.append("the level that stands is "
                     + _join([vocab.levels[lv] for lv in route.levels]))
    if route.legal_status:
        parts.append("the young person's legal status is one of: "
                     + _status_list(route.legal_status))
    if route.not_legal_status:
        parts.append("the young person's legal status is none of: "
                     + _status_list(route.not_legal_status))
    if route.danger:
        parts.append(f"{_quote(vocab.danger_label)} is answered yes")
    own = [p for p in (indicator_words(route, vocab),
                       _when_clause(route.when) if route.when else "") if p]
    fired = [_fired_words(rule_id, vocab) for rule_id in route.or_rules_fired]
    if fired:
        by_rule = ("this rule fired: " if len(fired) == 1 else
                   "one of these rules fired: ") + "; ".join(fired)
        parts.append(f"either {', and '.join(own)}; or {by_rule}" if own else by_rule)
    else:
        parts += own
    return "Applies when " + ", and ".join(parts) + "." if parts else "Always applies."


def _fired_words(rule_id: str, vocab: Vocabulary) -> str:
    """A rule a route follows, by its kind, explanation and id."""
    if rule_id not in vocab.rules:
        return rule_id
    kind, rule = vocab.rules[rule_id]
    return f"the {kind} {_quote(rule.explanation)} ({rule_id}), in any module or overall"


def version1_hard_trigger(scoring: Scoring) -> Floor:
    """Version 1's hard trigger as a rule: any critical incident answered yes, in each module,
    sets the module's level to ``hard_trigger_level``."""
    return Floor(id="hard-trigger", tiers=[Tier.CRITICAL], level=scoring.hard_trigger_level,
                 explanation="critical incident recorded")


# -- the sheet ---------------------------------------------------------------------------------


def build_rulesheet(source: FormSource, meta: PrintMeta) -> bytes:
    """The rule sheet of a scored form version, as PDF bytes."""
    spec = source.spec
    if spec.scoring is None:
        raise UsageError(f"The form '{spec.id}' version {spec.version} has no scoring rule "
                         "to print.")
    footer = f"{spec.id} v{spec.version} \u00b7 form file SHA-256 {source.sha256[:16]}\u2026"
    meta = dataclasses.replace(
        meta, caveat=CAVEAT,
        profile_label=f"{meta.profile_label} \u00b7 {footer}" if meta.profile_label else footer,
        subject=meta.subject or f"Rule sheet: {spec.title} ({spec.id} v{spec.version})",
        keywords=list(meta.keywords) or ["rule sheet", spec.id, f"v{spec.version}",
                                         f"sha256:{source.sha256}"])
    return page.render(lambda: _story(source, meta), meta)


def _story(source: FormSource, meta: PrintMeta) -> list[Flowable]:
    spec = source.spec
    scoring = spec.scoring
    assert scoring is not None
    st = page.styles()
    vocab = Vocabulary.of(spec)
    story: list[Flowable] = [
        Paragraph(page.text(f"Screening rule sheet: {spec.title}, version {spec.version}"),
                  st["title"]),
        Paragraph(page.text("The whole scoring and routing rule of this form version, printed "
                            "from its form file, for a safeguarding lead to read and sign "
                            "off."), st["subtitle"]),
        page.gap(2),
        _facts(source, meta, st),
        page.gap(3),
        _boxed(Paragraph(f"<b>{page.text(CAVEAT)}</b> The suggested level comes from the "
                         "rule below; the practitioner agrees a level with their reasons, and "
                         "the level agreed is the one that acts.", st["body"])),
        page.gap(1),
        Paragraph(page.text(
            "Every word of the rules, routes and labels below is generated from the form file "
            "named above. A signed copy of this sheet stands for that file only: check its "
            "SHA-256 (for example with sha256sum) before relying on the signature. Any change "
            "to the rule is a new form version with its own sheet."), st["small"]),
    ]
    if spec.description:
        story += [Paragraph("About the form", st["h2"]),
                  Paragraph(page.text(spec.description), st["body"])]
    story += _how_it_works(spec, scoring, vocab, st)
    story += _indicator_tables(scoring, vocab, st)
    story += _vulnerabilities(scoring, vocab, st)
    story += _bands(scoring, vocab, st)
    story += _rules(spec, scoring, vocab, st)
    story += _routes(scoring, vocab, st)
    story += _judgement(spec, scoring, vocab, st)
    story += _sign_off(source, st)
    return story


def _boxed(flowable: Flowable) -> Table:
    box = Table([[flowable]], colWidths=[WIDTH], hAlign="LEFT")
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, page.INK),
                             ("BACKGROUND", (0, 0), (-1, -1), page.HEAD_FILL),
                             ("LEFTPADDING", (0, 0), (-1, -1), 6),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                             ("TOPPADDING", (0, 0), (-1, -1), 5),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    return box


def _facts(source: FormSource, meta: PrintMeta, st: dict) -> Table:
    spec = source.spec
    sha = Paragraph(f'<font face="{SHA_FONT}">{source.sha256}</font>', st["cell"])
    rows: list[list[Any]] = [
        ["Form", spec.title],
        ["Form id", spec.id],
        ["Version", str(spec.version)],
        ["Form file", source.file_name],
        ["SHA-256 of the form file", sha],
        ["Printed", f"{uk_datetime(meta.printed_at)} by {meta.printed_by}, with CSE Desktop "
                    f"{__version__}"],
    ]
    return page.table(rows, [42 * mm, WIDTH - 42 * mm], header=False, st=st,
                      extra=[("BACKGROUND", (0, 0), (0, -1), page.HEAD_FILL)])


def _para(value: str, st: dict, style: str = "body") -> Paragraph:
    return Paragraph(page.text(value), st[style])


def _bullet(value: str, st: dict) -> Paragraph:
    style = ParagraphStyle("bullet", parent=st["body"], leftIndent=10, bulletIndent=0)
    return Paragraph(page.text(value), style, bulletText="\u2022")


def _how_it_works(spec: FormSpec, scoring: Scoring, vocab: Vocabulary,
                  st: dict) -> list[Flowable]:
    modules = _join([f"{label} ({key})" for key, label in scoring.modules.items()], "and")
    n = len(scoring.modules)
    points = [f"{TIER_WORDS[Tier(tier)][1]}: " + ", ".join(
        f"{_lower_first(TIMING_LABELS[t])} {scoring.points[tier][t]}" for t in Timing)
        for tier in ("significant", "moderate")]
    items = [
        f"The screening has {n} module{'s' if n != 1 else ''}: {modules}. Each module is "
        "scored on its own, from the indicators marked for it and the shared ones (marked "
        "\u201cAll modules\u201d below).",
        "Each indicator is answered yes or no, or \u2018possible\u2019 where the form offers it. "
        "Only a \u2018yes\u2019 scores points. A \u2018possible\u2019 scores nothing and is "
        "listed for discussion; it counts only in a rule or route that says "
        "\u2018possible\u2019.",
        "A \u2018yes\u2019 to a significant or moderate indicator scores by when it happened. "
        + "; ".join(points) + ". A \u2018yes\u2019 without a timing counts as current (the "
        "cautious reading). Critical incidents score no points: they act through the hard "
        "triggers and floors.",
        f"Each vulnerability answered yes scores {scoring.vulnerability_points} "
        f"point{'s' if scoring.vulnerability_points != 1 else ''}.",
        "A module's level is the highest of: its band (from its points), every hard trigger "
        "that holds in it (it sets the level it names) and every floor that holds in it (it "
        "raises the level to at least the level it names; a floor never lowers a level).",
        "The suggested level is the highest module level, raised by the rules tested on the "
        "overall level. The module with the highest level (then the most points) is named as "
        "the deciding module; the total shown is the highest module total.",
        "Where a rule asks for timings, an answer of \u201ccurrent and 6 to 12 months ago\u201d "
        "meets a rule that asks for either. A condition on age does not hold while the young "
        "person's age is not known.",
    ]
    story: list[Flowable] = [*page.heading("How the score works", st)]
    story += [_bullet(item, st) for item in items]
    used = sorted({name for rule in [*(scoring.hard_triggers or []), *scoring.floors,
                                     *(scoring.routes or [])] if rule.when
                   for name in _names_in(rule.when)}, key=list(FLOOR_NAMES).index)
    if used:
        story += [Paragraph("Names used in the rules' expressions", st["h2"]),
                  page.table([["Name", "What it is"],
                              *([name, NAME_MEANINGS.get(name, name)] for name in used)],
                             [42 * mm, WIDTH - 42 * mm], st=st)]
    return story


def _names_in(source: str) -> list[str]:
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return []
    return [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in FLOOR_NAMES]


def _module_order(f: IndicatorField, scoring: Scoring) -> int:
    if not f.modules:
        return 0
    keys = list(scoring.modules)
    return 1 + min((keys.index(m) for m in f.modules if m in keys), default=len(keys))


def _timings_asked(f: IndicatorField) -> str:
    """The timings the form asks for, as the answers give them (``forms describe``)."""
    if not f.asks_timing:
        return "none (a yes counts as current)"
    return ", ".join(t.value for t in f.timing_values)


def _indicator_tables(scoring: Scoring, vocab: Vocabulary, st: dict) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(60 * mm), *page.heading(
        "Indicators and their points", st)]
    story.append(_para(
        "Points for a \u2018yes\u2019 by its timing. Current: in the last 6 months; Both: "
        "current and 6 to 12 months ago. A dash: the form does not ask that timing for this "
        "indicator. \u201cTimings asked\u201d gives them as an answer states them: current, "
        "6-12m, both, historic (over 12 months ago). Grouped by tier, then by module, in the "
        "order of the form.", st, "small"))
    rest = [24 * mm, 17.5 * mm, *[14.5 * mm] * 4, 24.5 * mm]  # the longest word fits each
    widths = [WIDTH - sum(rest), *rest]
    head = ["Indicator", "Module", "Tier", *(SHORT_TIMING[t] for t in Timing), "Timings asked"]
    for tier in TIER_ORDER:
        members = sorted((f for f in vocab.indicators if f.tier is tier),
                         key=lambda f: _module_order(f, scoring))
        if not members:
            continue
        rows: list[list[Any]] = [head]
        for f in members:
            asked = f.timing_values or (Timing.CURRENT,)
            pts = [(str(_points(scoring, f, t)) if t in asked else "\u2013") for t in Timing]
            rows.append([f.label, vocab.module_words(f), tier.value.capitalize(), *pts,
                         _timings_asked(f)])
        story += [Paragraph(page.text(f"{TIER_WORDS[tier][1]} ({len(members)})"), st["h2"]),
                  page.table(rows, widths, st=st)]
    return story


def _points(scoring: Scoring, f: IndicatorField, timing: Timing) -> int:
    if f.tier is Tier.CRITICAL:
        return 0
    if f.tier is Tier.VULNERABILITY:
        return scoring.vulnerability_points
    return scoring.points[f.tier.value][timing]  # type: ignore[index]


def _vulnerabilities(scoring: Scoring, vocab: Vocabulary, st: dict) -> list[Flowable]:
    members = [f for f in vocab.indicators if f.tier is Tier.VULNERABILITY]
    pts = scoring.vulnerability_points
    story: list[Flowable] = [CondPageBreak(50 * mm),
                             *page.heading(f"Vulnerabilities ({len(members)})", st)]
    story.append(_para(
        f"Each vulnerability answered yes scores {pts} point{'s' if pts != 1 else ''} in "
        "every module it counts in; it takes no timing.", st))
    sen = next((f for f in members if f.id == scoring.sen_indicator), None)
    if sen is not None:
        once = max(scoring.sen_points, scoring.vulnerability_points)
        story.append(_para(
            f"Special educational needs count once. If {_quote(sen.label)} is answered yes, "
            f"it scores {once} point{'s' if once != 1 else ''}, whatever the young person's "
            "record says. If it is not answered yes and the record shows special educational "
            f"needs (SEN support or an EHCP), they score {scoring.sen_points} "
            f"point{'s' if scoring.sen_points != 1 else ''}.", st))
    elif scoring.sen_points:
        story.append(_para(
            f"Special educational needs on the young person's record (SEN support or an EHCP) "
            f"score {scoring.sen_points} point{'s' if scoring.sen_points != 1 else ''}. This "
            "version names no special-educational-needs indicator of its own, so a "
            "vulnerability about them answered yes scores its point as well.", st))
    else:
        story.append(_para("Special educational needs on the young person's record score no "
                           "points.", st))
    rows: list[list[Any]] = [["Vulnerability", "Module", "Points"]]
    rows += [[f.label + ("  (special educational needs: counted once, as above)"
                         if f is sen else ""), vocab.module_words(f), str(pts)]
             for f in members]
    story.append(page.table(rows, [WIDTH - 52 * mm, 36 * mm, 16 * mm], st=st))
    return story


def _bands(scoring: Scoring, vocab: Vocabulary, st: dict) -> list[Flowable]:
    rows: list[list[Any]] = [["Points (in a module)", "Band level"]]
    for band, after in zip(scoring.bands, [*scoring.bands[1:], None], strict=True):
        span = (f"{band.min_points} to {after.min_points - 1}" if after is not None
                else f"{band.min_points} or more")
        rows.append([span, vocab.levels[band.level]])
    return [CondPageBreak(40 * mm), *page.heading("Bands", st),
            _para("A module's points give its band level:", st),
            page.table(rows, [50 * mm, 60 * mm], st=st)]


def _rule_block(n: int, rule: Floor, vocab: Vocabulary, kind: str, st: dict) -> Flowable:
    level = vocab.levels[rule.level]
    title = f"{n}. {_upper_first(rule.explanation)}: " + (
        level if kind == "hard-trigger" else f"at least {level}")
    rows: list[list[Any]] = [["Rule", rule_words(rule, vocab, kind=kind)]]
    if rule.when:
        rows.append(["As written", Paragraph(f'<font face="{SHA_FONT}">when: '
                                             f"{page.text(rule.when.strip())}</font>",
                                             st["cell"])])
    rows.append(["Tested", _upper_first(scope_words(rule, vocab)) + "."])
    rows.append(["Explanation", rule.explanation + (
        "  (the outcome adds the indicators answered: the rule looks at more than one)"
        if _looks_at_many(rule, vocab) else "")])
    if rule.prompt:
        rows.append(["Prompt to the worker", rule.prompt])
    rows.append(["Rule id", rule.id])
    return KeepTogether([Paragraph(page.text(title), st["h2"]),
                         page.table(rows, [LABEL_COL, WIDTH - LABEL_COL], header=False, st=st,
                                    extra=[("BACKGROUND", (0, 0), (0, -1), page.HEAD_FILL)])])


def _looks_at_many(cond: Condition, vocab: Vocabulary) -> bool:
    return len(selected_indicators(cond, vocab.indicators)) + len(cond.all_of) > 1


def _rules(spec: FormSpec, scoring: Scoring, vocab: Vocabulary, st: dict) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(60 * mm), *page.heading("Hard triggers", st)]
    if scoring.hard_triggers is None:
        story.append(_para(
            "This version has one hard trigger: any critical incident answered yes, at any "
            "time, sets the module's level.", st))
        triggers = [version1_hard_trigger(scoring)]
    else:
        story.append(_para(
            "A hard trigger that holds sets the level it names (hard triggers never lower a "
            "level). Each is listed with the words the outcome shows when it fires.", st))
        triggers = list(scoring.hard_triggers)
    story += [_rule_block(i, r, vocab, "hard-trigger", st) for i, r in enumerate(triggers, 1)]
    story += [CondPageBreak(60 * mm), *page.heading("Floors (raise only)", st)]
    if scoring.floors:
        story.append(_para("A floor that holds raises the level to at least the level it "
                           "names; it never lowers it.", st))
        story += [_rule_block(i, r, vocab, "floor", st)
                  for i, r in enumerate(scoring.floors, 1)]
    else:
        story.append(page.empty("This version has no floors.", st))
    return story


def _legal_status_table(st: dict) -> Table:
    """The legal statuses the routes name, and the record's statuses each stands for."""
    rows: list[list[Any]] = [["Legal status (routes)", "On the young person's record"]]
    for status in ROUTING_STATUSES:
        if status == "none":
            names = [LEGAL_LABELS[s] for s in LegalStatus if s not in ROUTING_STATUS]
            rows.append([f"{STATUS_WORDS[status]} ({status})",
                         "; ".join(names) + "; or no legal status known"])
        else:
            names = [LEGAL_LABELS[s] for s in LegalStatus if ROUTING_STATUS.get(s) == status]
            rows.append([f"{STATUS_WORDS[status]} ({status})", "; ".join(names)])
    return page.table(rows, [56 * mm, WIDTH - 56 * mm], st=st)


def _routes(scoring: Scoring, vocab: Vocabulary, st: dict) -> list[Flowable]:
    if scoring.routes is None:
        return _pathways(scoring, vocab, st)
    story: list[Flowable] = [CondPageBreak(60 * mm), *page.heading("Routes", st),
                             _para(
        "Every route whose condition holds applies, each shown with its reason; several can "
        "apply at once. A route for a level follows the level that stands (after "
        "professional judgement and approval, below), not only the suggested level. Where a "
        "route looks at more than one indicator, its reason names those answered; where it "
        "applies because a rule fired, its reason names that rule.", st),
                             _para("The young person's legal status comes from their record "
                                   "(on the command line, from the context file's "
                                   "legal_status):", st),
                             _legal_status_table(st)]
    for n, route in enumerate(scoring.routes, 1):
        rows: list[list[Any]] = [
            ["Applies", route_words(route, vocab)],
            ["What to do", route.text],
            ["Reason shown", _upper_first(route_reason(route, vocab.levels))],
            ["Same day", "Yes: contact today" if route.same_day else "No"],
        ]
        if route.when:
            rows.insert(1, ["As written", Paragraph(
                f'<font face="{SHA_FONT}">when: {page.text(route.when.strip())}</font>',
                st["cell"])])
        rows.append(["Route id", route.id])
        story.append(KeepTogether([
            Paragraph(page.text(f"{n}. {route.label}"), st["h2"]),
            page.table(rows, [LABEL_COL, WIDTH - LABEL_COL], header=False, st=st,
                       extra=[("BACKGROUND", (0, 0), (0, -1), page.HEAD_FILL)])]))
    return story


def _pathways(scoring: Scoring, vocab: Vocabulary, st: dict) -> list[Flowable]:
    assert scoring.pathways is not None
    rows: list[list[Any]] = [["Level that stands", "Pathway", "What to do", "Same-day contact"]]
    for level in Level:
        p = scoring.pathways[level]
        rows.append([vocab.levels[level], PATHWAY_LABELS.get(p.route, p.route), p.text,
                     "Yes" if p.same_day_contact else "No"])
    return [CondPageBreak(60 * mm), *page.heading("Pathways", st),
            _para("This version has one pathway for each level: the pathway of the level that "
                  f"stands applies. Whatever the level, if {_quote(vocab.danger_label)} is "
                  "answered yes, the outcome says to call 999.", st),
            page.table(rows, [30 * mm, 34 * mm, WIDTH - 94 * mm, 30 * mm], st=st)]


def _field_label(spec: FormSpec, field_id: str | None) -> str:
    if not field_id:
        return ""
    try:
        return spec.field(field_id).label
    except KeyError:
        return field_id


def _judgement(spec: FormSpec, scoring: Scoring, vocab: Vocabulary,
               st: dict) -> list[Flowable]:
    agreed = _quote(_field_label(spec, scoring.agreed_level_field))
    rationale = _quote(_field_label(spec, scoring.rationale_field))
    if scoring.approved_by_field is None:
        approval = ("A lower agreed level than the suggested one takes effect only when a team "
                    "manager approves it with the approval action in CSE Desktop. Approval "
                    "goes by role: only a user with the manager role can approve. The "
                    "approval (the manager's name and role, the time and their reason) is "
                    "recorded as an amendment of the screening and audited; it is never "
                    "typed into the form.")
    else:
        approval = ("A lower agreed level than the suggested one takes effect only when the "
                    "name of the manager who approved it is in "
                    f"{_quote(_field_label(spec, scoring.approved_by_field))} (typed in, or "
                    "filled in by a manager's approval action).")
    items = [
        f"The practitioner records the agreed level in {agreed}. When it differs from the "
        f"suggested level, the form asks why, in {rationale}.",
        "An agreed level the same as or higher than the suggested level stands at once.",
        approval,
        "Until a level is agreed, and while a lower agreed level waits for approval, the "
        "higher of the suggested level and the level agreed at the young person's last Risk "
        "Management Meeting stands, and the outcome says which and why.",
        "The pathway follows the level that stands." if scoring.routes is None
        else "The routes follow the level that stands.",
    ]
    if scoring.review_date_field:
        items.append(f"Review: on the date given in "
                     f"{_quote(_field_label(spec, scoring.review_date_field))}, or else "
                     f"{scoring.review_months} months after the screening.")
    return [CondPageBreak(50 * mm), *page.heading("Professional judgement and approval", st),
            *(_bullet(item, st) for item in items)]


def _sign_off(source: FormSource, st: dict) -> list[Flowable]:
    spec = source.spec
    statement = Paragraph(
        f"I have read this rule sheet for {page.text(spec.title)}, form {page.text(spec.id)} "
        f"version {spec.version}, printed from the form file with SHA-256 "
        f'<font face="{SHA_FONT}">{source.sha256}</font>, and I agree that it is the rule '
        "the software is to apply.", st["body"])
    names = ("Name", "Role", "Date", "Signature")
    box = Table([[Paragraph(name, st["cellhead"]), ""] for name in names],
                colWidths=[LABEL_COL, WIDTH - LABEL_COL],
                rowHeights=[12 * mm] * len(names), hAlign="LEFT")  # room to write by hand
    box.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, page.INK),
                             ("BACKGROUND", (0, 0), (0, -1), page.HEAD_FILL),
                             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 4)]))
    return [CondPageBreak(80 * mm), *page.heading("Sign-off", st),
            KeepTogether([statement, page.gap(2), box])]
