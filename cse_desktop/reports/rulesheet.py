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

The words of each condition come from :mod:`cse_desktop.forms.rulewords`.

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
from typing import Any, Literal

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from cse_desktop import __version__
from cse_desktop.domain.dates import uk_datetime
from cse_desktop.domain.errors import UsageError
from cse_desktop.domain.labels import LEGAL_LABELS
from cse_desktop.domain.models import LegalStatus
from cse_desktop.forms.engine import ROUTING_STATUS
from cse_desktop.forms.loader import load_form_text
from cse_desktop.forms.rulewords import (
    NAME_MEANINGS,
    STATUS_WORDS,
    TIER_ORDER,
    Vocabulary,
    join_words,
    lower_first,
    quote,
    route_words,
    rule_words,
    scope_words,
    upper_first,
    version1_hard_trigger,
)
from cse_desktop.forms.scope import FLOOR_NAMES
from cse_desktop.forms.scoring import (
    CAVEAT,
    PATHWAY_LABELS,
    route_reason,
    selected_indicators,
)
from cse_desktop.forms.spec import (
    ROUTING_STATUSES,
    SHORT_TIMING,
    TIER_WORDS,
    TIMING_LABELS,
    Condition,
    Floor,
    FormSpec,
    IndicatorField,
    Level,
    Scoring,
    Tier,
    Timing,
)
from cse_desktop.reports import page
from cse_desktop.reports.page import PrintMeta

WIDTH = 178 * mm - 12  # the page frame: A4 less 16 mm margins, less the frame's padding
LABEL_COL = 30 * mm
SHA_FONT = "Courier"

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
    modules = join_words([f"{label} ({key})" for key, label in scoring.modules.items()], "and")
    n = len(scoring.modules)
    points = [f"{TIER_WORDS[Tier(tier)][1]}: " + ", ".join(
        f"{lower_first(TIMING_LABELS[t])} {scoring.points[tier][t]}" for t in Timing)
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
    tier: Literal["moderate", "significant"] = ("moderate" if f.tier is Tier.MODERATE
                                                 else "significant")
    return scoring.points[tier][timing]


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
            f"Special educational needs count once. If {quote(sen.label)} is answered yes, "
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
    title = f"{n}. {upper_first(rule.explanation)}: " + (
        level if kind == "hard-trigger" else f"at least {level}")
    rows: list[list[Any]] = [["Rule", rule_words(rule, vocab, kind=kind)]]
    if rule.when:
        rows.append(["As written", Paragraph(f'<font face="{SHA_FONT}">when: '
                                             f"{page.text(rule.when.strip())}</font>",
                                             st["cell"])])
    rows.append(["Tested", upper_first(scope_words(rule, vocab)) + "."])
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
            rows.append([f"{STATUS_WORDS[status]} ({status})", "; ".join(names)])
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
            ["Reason shown", upper_first(route_reason(route, vocab.levels))],
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
                  f"stands applies. Whatever the level, if {quote(vocab.danger_label)} is "
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
    agreed = quote(_field_label(spec, scoring.agreed_level_field))
    rationale = quote(_field_label(spec, scoring.rationale_field))
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
                    f"{quote(_field_label(spec, scoring.approved_by_field))} (typed in, or "
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
                     f"{quote(_field_label(spec, scoring.review_date_field))}, or else "
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
