"""The quarterly missing-episode profile as a PDF (domain research 6(e); issue 6 item 4).

:func:`build_profile` computes the figures (:mod:`cse_desktop.casework.missing_profile`) and
lays them out: which version it is, headline figures, the comparison with the previous quarter
and the same quarter a year before, a four-quarter trend, volumes, return home interview
performance (against every returned episode and against completed interviews, with the reasons
for interviews not offered or declined), the children, links to exploitation risk, the Risk
Management Meeting, NRM referrals and disruption, themes, hotspots and when episodes start,
with bar charts, and the definitions used. It is aggregate: no child is named anywhere.

Two versions:

* **restricted** (default): every number as counted, and named areas; marked "Restricted
  version" in the banner and in the footer of every page;
* **shareable**: :meth:`MissingProfile.suppress` applied before anything is drawn, so tables,
  charts, rates and changes all come from the suppressed figures (1 to 4 shown as "<5", a
  number that would give one away shown as "c"); says so in the banner and every footer.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from cse_desktop.casework.missing_profile import (
    DEFAULT_THRESHOLD,
    SECONDARY,
    Breakdown,
    Count,
    MissingProfile,
    Quarter,
    compute_profile,
    fmt_count,
    fmt_pct,
    pct,
)
from cse_desktop.domain.dates import full_date
from cse_desktop.reports.charts import bar_chart
from cse_desktop.reports.page import (
    HEAD_FILL,
    RULE,
    PrintMeta,
    gap,
    heading,
    render,
    styles,
    table,
    text,
)
from cse_desktop.store.workspace import Workspace

WIDTH = 178 * mm - 12  # the page frame: A4 less 16 mm margins, less the frame's padding
GUTTER = 4 * mm
HALF = (WIDTH - GUTTER) / 2
CURRENT = colors.HexColor("#2f5d8a")
PREVIOUS = colors.HexColor("#a9bccf")
TREND_THIRD = colors.HexColor("#d08c2e")
RESTRICTED_FILL = colors.HexColor("#fbe9e7")
RESTRICTED_EDGE = colors.HexColor("#b3261e")
SHAREABLE_FILL = colors.HexColor("#eef6ee")
SHAREABLE_EDGE = colors.HexColor("#2e7d32")

RESTRICTED_LABEL = "Restricted version"
SHAREABLE_LABEL = "Shareable version (small numbers suppressed)"


def build_profile(ws: Workspace, quarter: str | Quarter, *, meta: PrintMeta,
                  shareable: bool = False, home_la: str | None = None,
                  threshold: int = DEFAULT_THRESHOLD, now: datetime | None = None) -> bytes:
    """The profile of ``quarter`` (``"FY2026-27Q2"``, ``"2026Q3"``) as PDF bytes (UsageError
    for a bad quarter).

    ``shareable`` suppresses counts from 1 to ``threshold - 1`` everywhere; ``home_la`` is this
    authority's name, to tell its own looked-after children from those placed in by others
    (without it they are one row, and the PDF says why).
    """
    profile = compute_profile(ws, quarter, home_la=home_la, now=now)
    if shareable:
        profile = profile.suppress(threshold)
    return render_profile(profile, meta)


def render_profile(profile: MissingProfile, meta: PrintMeta) -> bytes:
    """Lay out an already computed (and, for sharing, already suppressed) profile."""
    version = SHAREABLE_LABEL if profile.shareable else RESTRICTED_LABEL
    footer = f"{meta.profile_label} · {version}" if meta.profile_label else version
    meta = dataclasses.replace(
        meta, profile_label=footer,
        subject=meta.subject or f"Quarterly missing profile {profile.quarter}",
        keywords=list(meta.keywords) or ["missing", "return home interview", str(profile.quarter)])
    return render(lambda: _story(profile), meta)


# -- the story ----------------------------------------------------------------------------------


def _story(p: MissingProfile) -> list[Flowable]:
    st = styles()
    prev = p.previous
    story: list[Flowable] = [
        Paragraph("Missing episodes: quarterly profile", st["title"]),
        Paragraph(text(f"{p.quarter.label}: {p.quarter.kind_label} ({p.quarter})"
                       + (f", compared with {prev.quarter.label}" if prev else "")
                       + (f" and {p.year_ago.quarter.label}" if p.year_ago else "") + ". "
                       + (f"Home authority: {p.home_la}." if p.home_la else
                          "Home authority not given: looked after children are not split "
                          "into this authority's own and those placed here by others.")),
                  st["subtitle"]),
        gap(3), _banner(p), gap(4), _tiles(p), gap(2),
        Paragraph(text(
            f"Episodes that started in the quarter (UK time). Return home interview rates "
            f"are of the {fmt_count(p.rhi.returned)} returned episodes unless they say "
            f"otherwise; completed of those offered."), st["small"]),
    ]
    story += _comparison(p, st)
    story += _trend(p, st)
    story += _volumes(p, st)
    story += _rhi(p, st)
    story += _children(p, st)
    story += _links(p, st)
    story += _themes(p, st)
    story += _hotspots(p, st)
    story += _timing(p, st)
    story += _definitions(p, st)
    return story


def _banner(p: MissingProfile) -> Table:
    st = styles()
    if p.shareable:
        t = p.suppressed_below
        words = (f"<b>SHAREABLE VERSION.</b> Aggregate figures only; no child is named. Numbers "
                 f"from 1 to {(t or DEFAULT_THRESHOLD) - 1} are shown as "
                 f"{text(f'<{t}')}; where a hidden number could be worked out from a total, "
                 f"another number is hidden too and shown as {SECONDARY}; percentages and "
                 f"changes that would use a hidden number are shown as \u2013. Areas with "
                 f"fewer than {t} episodes are not named.")
        fill, edge = SHAREABLE_FILL, SHAREABLE_EDGE
    else:
        words = ("<b>RESTRICTED VERSION.</b> Contains unsuppressed small numbers and named "
                 "areas, which could identify a child. For the partnership's exploitation "
                 "and missing leads and the Risk Management Meeting only. Do not publish or "
                 "share outside the partnership: print the shareable version instead.")
        fill, edge = RESTRICTED_FILL, RESTRICTED_EDGE
    box = Table([[Paragraph(words, st["body"])]], colWidths=[WIDTH])
    box.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), fill),
                             ("BOX", (0, 0), (-1, -1), 1.2, edge),
                             ("LEFTPADDING", (0, 0), (-1, -1), 6),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                             ("TOPPADDING", (0, 0), (-1, -1), 4),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return box


def _tiles(p: MissingProfile) -> Table:
    """Twelve headline figures in three rows of four: volumes, interviews, links."""
    st = styles()
    big = ParagraphStyle("tile", parent=st["title"], fontSize=18, leading=21, spaceAfter=1)
    v, r, k = p.volumes, p.rhi, p.links
    high = v.by_risk_grade.count("high")
    high_risk = k.by_risk_level.count("high")
    figures = [
        ("Episodes", v.episodes, ""),
        ("Children who went missing", v.children, ""),
        (f"Repeat children ({p.repeat_threshold}+ episodes)", v.repeat_children,
         _share(v.repeat_children, v.children, "children")),
        ("Episodes graded high risk by police", high, _share(high, v.episodes, "episodes")),
        ("RHIs offered within 72 hours", r.offered_within_72h,
         _share(r.offered_within_72h, r.returned, "returned")),
        ("RHIs completed", r.completed, _share(r.completed, r.offered, "offered")),
        ("RHIs completed within 72 hours", r.completed_within_72h,
         _share(r.completed_within_72h, r.returned, "returned")),
        ("RHIs overdue (72 hours passed, nothing recorded)", r.overdue,
         _share(r.overdue, r.returned, "returned")),
        ("Children at high risk of exploitation", high_risk,
         _share(high_risk, k.children, "children")),
        ("Children discussed at an RMM", k.discussed_at_rmm,
         _share(k.discussed_at_rmm, k.children, "children")),
        ("Children with an NRM referral recorded", k.nrm_referred,
         _share(k.nrm_referred, k.children, "children")),
        ("Disruption activities recorded", k.disruption.base, ""),
    ]
    cells = [[Paragraph(text(fmt_count(value)), big),
              Paragraph(text(label), st["cellhead"]),
              Paragraph(text(note or " "), st["small"])] for label, value, note in figures]
    rows = [cells[:4], cells[4:8], cells[8:]]
    tile = WIDTH / 4
    t = Table(rows, colWidths=[tile] * 4, hAlign="LEFT")
    t.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, RULE),
                           ("INNERGRID", (0, 0), (-1, -1), 0.6, RULE),
                           ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f6f8fa")),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("TOPPADDING", (0, 0), (-1, -1), 4),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    return t


def _share(count: Count, base: Count, of: str) -> str:
    """'41% of 87 returned': the percentage and its denominator."""
    value = pct(count, base)
    return "" if value is None else f"{fmt_pct(value)} of {fmt_count(base)} {of}"


# -- sections ------------------------------------------------------------------------------------


def _comparison(p: MissingProfile, st: dict) -> list[Flowable]:
    if p.previous is None:
        return []
    year = p.year_ago
    head = ["Measure", str(p.quarter), str(p.previous.quarter), "Change"]
    widths = [WIDTH - 66 * mm, 22 * mm, 22 * mm, 22 * mm]
    if year is not None:
        head += [str(year.quarter), f"Change on {year.quarter}"]
        widths = [WIDTH - 112 * mm, 22 * mm, 22 * mm, 22 * mm, 22 * mm, 24 * mm]
    rows: list[list] = [head]
    for c in p.comparison():
        row = [c.label, _cell(c.current), _cell(c.previous), _change_words(c.change, c.is_rate)]
        if year is not None:
            row += [_cell(c.year_ago), _change_words(c.year_change, c.is_rate)]
        rows.append(row)
    comparison = _table(rows, widths, set(range(1, len(head))), st)
    intro = ("This quarter against the one before it and the same quarter a year before. Rates "
             "change in percentage points.")
    return [_opening("Compared with earlier quarters", intro, comparison, st)]


def _change_words(change: float | int | None, is_rate: bool) -> str:
    if change is None:
        return "\u2013"
    if is_rate:
        return "no change" if round(change) == 0 else f"{change:+.0f} points"
    return "no change" if change == 0 else f"{change:+,}"


def _trend(p: MissingProfile, st: dict) -> list[Flowable]:
    """The quarter and the three before it: volumes, and the 72-hour rates."""
    quarters = p.trend
    if len(quarters) < 2:
        return []
    names = [f"{q.quarter.short}\n{q.quarter}" for q in quarters]
    volumes = bar_chart(names, [
        ("Episodes", [q.volumes.episodes for q in quarters], CURRENT),
        ("Children", [q.volumes.children for q in quarters], PREVIOUS),
        ("Repeat children", [q.volumes.repeat_children for q in quarters], TREND_THIRD)],
        width=HALF, height=62 * mm, title="Episodes and children, four quarters")
    rates = bar_chart(names, [
        ("Offered in 72 h", [_whole(q.offered_within_72h_pct) for q in quarters], CURRENT),
        ("Completed in 72 h", [_whole(q.completed_within_72h_of_returned_pct)
                               for q in quarters], PREVIOUS)],
        width=HALF, height=62 * mm, title="Interviews within 72 hours, % of returned",
        suffix="%", ceiling=100)
    rows: list[list] = [["Quarter", "Episodes", "Children", "Returned", "Offered in 72 h",
                         "Completed in 72 h"]]
    for q in quarters:
        rows.append([f"{q.quarter.label} ({q.quarter})", _cell(q.volumes.episodes),
                     _cell(q.volumes.children), _cell(q.rhi.returned),
                     _with_pct(q.rhi.offered_within_72h, q.offered_within_72h_pct),
                     _with_pct(q.rhi.completed_within_72h,
                               q.completed_within_72h_of_returned_pct)])
    trend_table = _table(rows, [WIDTH - 110 * mm, 18 * mm, 18 * mm, 18 * mm, 28 * mm, 28 * mm],
                         {1, 2, 3, 4, 5}, st)
    intro = ("This quarter and the three before it. Within 72 hours is a share of every "
             "returned episode. A hidden number draws no bar, only its marker; a rate that "
             "would use a hidden number is not drawn.")
    return [_opening("Trend over four quarters", intro, _pair(volumes, rates), st), gap(2),
            trend_table]


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _with_pct(count: Count, rate: float | None) -> str:
    return fmt_count(count) if rate is None else f"{fmt_count(count)} ({fmt_pct(rate)})"


def _opening(title: str, intro: str, first: Flowable, st: dict) -> KeepTogether:
    """A section's heading, introduction and first block, kept on one page."""
    return KeepTogether([*heading(title, st), Paragraph(text(intro), st["body"]), gap(1),
                         first])


def _volumes(p: MissingProfile, st: dict) -> list[Flowable]:
    v = p.volumes
    lines = (f"{fmt_count(v.episodes)} episodes started in the quarter, by "
             f"{fmt_count(v.children)} children. {fmt_count(v.repeat_children)} children went "
             f"missing {p.repeat_threshold} or more times in the quarter, accounting for "
             f"{fmt_count(v.repeat_episodes)} episodes. {fmt_count(v.overnight)} episodes "
             f"covered part of a night (midnight to 6am); in {fmt_count(v.not_returned)} the "
             f"child had not returned when this was printed.")
    return [_opening("1. Volumes", lines, _pair(breakdown_table(v.by_category, st),
                                                breakdown_table(v.by_risk_grade, st)), st)]


def _rhi(p: MissingProfile, st: dict) -> list[Flowable]:
    r = p.rhi
    rows: list[list] = [["Measure", "Number", "Of", "%"]]
    for label, count, base, base_label in [
        ("Returned episodes (the base)", r.returned, None, ""),
        ("Offered an interview", r.offered, r.returned, "returned"),
        ("Offered within 72 hours of the return", r.offered_within_72h, r.returned,
         "returned"),
        ("Offered, time of offer not recorded", r.offered_time_not_recorded, r.offered,
         "offered"),
        ("Completed", r.completed, r.offered, "offered"),
        ("Completed within 72 hours of the return", r.completed_within_72h, r.returned,
         "returned"),
        ("Completed within 72 hours, of interviews completed", r.completed_within_72h,
         r.completed, "completed"),
        ("Completed, time not recorded", r.completed_time_not_recorded, r.completed,
         "completed"),
        ("Declined (by the young person or a parent or carer)", r.declined, r.offered,
         "offered"),
        ("Not offered", r.not_offered, r.returned, "returned"),
        ("Overdue: more than 72 hours, nothing recorded", r.overdue, r.returned, "returned"),
        ("Done by someone not independent (social worker, carer or staff)",
         r.not_independent, r.completed, "completed"),
    ]:
        of = "" if base is None else f"{fmt_count(base)} {base_label}"
        share = "" if base is None else fmt_pct(pct(count, base))
        rows.append([label, fmt_count(count), of, share])
    performance = _table(rows, [WIDTH - 82 * mm, 20 * mm, 40 * mm, 22 * mm], {1, 3}, st)
    intro = ("Every episode in the quarter where the child has returned should have an "
             "interview offered, and done, within 72 hours of the return, by someone "
             "independent of their carers and social worker. Timeliness is shown against "
             "every returned episode (an interview never done is not on time) and against "
             "interviews completed. Free-text reasons are not included: they can identify a "
             "child.")
    return [_opening("2. Return home interviews", intro, performance, st), gap(3),
            _pair(breakdown_table(r.outcomes, st), breakdown_table(r.independence, st)),
            gap(3),
            _pair(breakdown_table(r.not_offered_reasons, st),
                  breakdown_table(r.declined_reasons, st))]


def _children(p: MissingProfile, st: dict) -> list[Flowable]:
    d = p.demographics
    intro = (f"{fmt_count(d.children)} children. Each child is counted once, from their "
             f"record as it stands now; age is at the start of their first episode in the "
             f"quarter. "
             + (f"Looked after children placed here by another authority are those whose "
                f"placing authority is recorded and is not {p.home_la}." if p.home_la else
                "The home authority was not given, so looked after children are not split "
                "into this authority's own and those placed here by others."))
    return [_opening("3. The children who went missing", intro,
                     _pair(breakdown_table(d.age_band, st), breakdown_table(d.gender, st)), st),
            gap(3),
            _pair(breakdown_table(d.legal_status, st), breakdown_table(d.ethnicity, st)),
            gap(3),
            _pair(breakdown_table(d.characteristics, st), breakdown_table(d.education, st))]


def _themes(p: MissingProfile, st: dict) -> list[Flowable]:
    t = p.themes
    lines = (f"From the {fmt_count(t.interviews)} completed interviews with a form. Harm was "
             f"disclosed in {fmt_count(t.harm_disclosed)} "
             f"({fmt_pct(pct(t.harm_disclosed, t.interviews))}), and signs of exploitation "
             f"recorded in {fmt_count(t.exploitation_indicated)} "
             f"({fmt_pct(pct(t.exploitation_indicated, t.interviews))}). An interview can "
             f"record several answers, so columns do not add up.")
    return [_opening("5. Themes from the interviews", lines,
                     _pair(breakdown_table(t.push, st), breakdown_table(t.pull, st)), st),
            gap(3),
            _pair(breakdown_table(t.harm, st), breakdown_table(t.exploitation, st)), gap(3),
            _pair(breakdown_table(t.travel, st), breakdown_table(t.other, st))]


def _links(p: MissingProfile, st: dict) -> list[Flowable]:
    k = p.links
    rows: list[list] = [["Of the children who went missing", "Number", "%"]]
    for label, count in [
        ("Screened for exploitation in the quarter", k.screened),
        ("Discussed at a Risk Management Meeting in the quarter", k.discussed_at_rmm),
        ("NRM referral recorded in the quarter", k.nrm_referred),
        ("NRM referral on their record (any time)", k.nrm_on_record),
        ("With a disruption activity in the quarter", k.disruption_children),
    ]:
        rows.append([label, fmt_count(count), fmt_pct(pct(count, k.children))])
    rows.append(["Base: children who went missing", fmt_count(k.children), ""])
    figures = _table(rows, [HALF - 30 * mm, 16 * mm, 14 * mm], {1, 2}, st,
                     extra=[("BACKGROUND", (0, -1), (-1, -1), HEAD_FILL)])
    intro = (f"The {fmt_count(k.children)} children who went missing in the quarter: their "
             f"exploitation risk level at the end of the quarter, and what the screenings, "
             f"Risk Management Meetings and disruption recorded for them in the quarter.")
    return [_opening("4. Exploitation risk, RMM, NRM and disruption", intro,
                     _pair(breakdown_table(k.by_risk_level, st), figures), st), gap(3),
            _pair(breakdown_table(k.disruption, st), [])]


def _hotspots(p: MissingProfile, st: dict) -> list[Flowable]:
    h = p.hotspots
    lines = (f"Areas from the {fmt_count(h.located)} episodes with a where-found on the "
             f"episode record or an interview form, so episodes without an interview count "
             f"too; where found is recorded for {fmt_count(h.where_found_recorded)} of the "
             f"{fmt_count(h.returned)} returned episodes "
             f"({fmt_pct(pct(h.where_found_recorded, h.returned))}). Of the "
             f"{fmt_count(h.recorded)} episodes with an interview form, "
             f"{fmt_count(h.found_out_of_area)} were found out of area. Areas are as written; "
             f"a postcode is shown only as its sector.")
    return [_opening("6. Hotspots", lines, _pair(breakdown_table(h.areas, st, limit=15),
                                                 breakdown_table(h.venue_types, st)), st)]


def _timing(p: MissingProfile, st: dict) -> list[Flowable]:
    tm = p.timing
    series = [(str(p.quarter), [r.count for r in tm.day_of_week.rows], CURRENT)]
    series_t = [(str(p.quarter), [r.count for r in tm.time_of_day.rows], CURRENT)]
    if p.previous is not None:
        series.append((str(p.previous.quarter),
                       [r.count for r in p.previous.timing.day_of_week.rows], PREVIOUS))
        series_t.append((str(p.previous.quarter),
                         [r.count for r in p.previous.timing.time_of_day.rows], PREVIOUS))
    days = bar_chart([r.label[:3] for r in tm.day_of_week.rows], series, width=HALF,
                     height=58 * mm, title="Episodes by day of the week")
    hours = bar_chart([r.label.replace("-", "-\n") for r in tm.time_of_day.rows], series_t,
                      width=HALF, height=58 * mm, title="Episodes by time of day (start)")
    return [_opening("7. When episodes started",
                     "The day and time each episode started, in UK time.", _pair(days, hours),
                     st), gap(3),
            _pair(breakdown_table(tm.day_of_week, st), breakdown_table(tm.time_of_day, st))]


def _definitions(p: MissingProfile, st: dict) -> list[Flowable]:
    notes = [
        f"An episode is in the quarter when it started between 00:00 on "
        f"{full_date(p.quarter.first_day)} and 23:59 on {full_date(p.quarter.last_day)}, UK time.",
        f"Repeat children went missing {p.repeat_threshold} or more times in the quarter.",
        "Within 72 hours: the offer (or interview) was recorded no more than exactly 72 hours "
        "after the child's return. An offer or interview without a recorded time is counted "
        "as not within 72 hours.",
        "The interview for an episode is its latest final return home interview form (an "
        "amendment replaces what it amends). Without a form, the episode's recorded interview "
        "status is used.",
        "Declined and not-completed figures use the form's coded outcomes and coded reasons "
        "only; a reason written only as free text is counted as such, never printed.",
        "Overdue: the child returned more than 72 hours before this was printed and nothing "
        "is recorded (no form, no status).",
        "Themes come from completed return home interview forms. Hotspot areas come from "
        "every episode with a where-found on its record or an interview form; types of place "
        "from interview forms only.",
        "Risk level: the level set by the last final screening or Risk Management Meeting "
        "record made by the end of the quarter (or by the time of printing); a child never "
        "assessed on a form, at the level on their record.",
        "Discussed at an RMM: a meeting record dated in the quarter. NRM referral recorded: a "
        "screening, meeting or interview in the quarter that records one. Disruption: the "
        "meeting records' disruption activities dated in the quarter, not placement moves or "
        "those not possible, each tactic once per child and date.",
        "Looked after children: own authority when the placing authority is blank or names "
        "the home authority (ignoring case, punctuation and words such as 'County Council').",
        f"Quarters: {p.quarter.kind_label}. Financial-year quarters are written "
        f"FY2026-27Q1 (April to June 2026), calendar quarters 2026Q3.",
        "Not independent: done by the young person's social worker, or by a carer or staff "
        "from their home.",
    ]
    if p.shareable:
        notes.append(f"Shareable version: numbers from 1 to {(p.suppressed_below or 5) - 1} "
                     f"are shown as <{p.suppressed_below}; {SECONDARY} marks a number hidden "
                     f"so that a small one cannot be worked out; zero is shown.")
    else:
        notes.append("Restricted version: no number is suppressed.")
    return [KeepTogether([*heading("Definitions", st),
                          *[Paragraph(text(f"\u2022 {n}"), st["small"]) for n in notes]])]


# -- building blocks ----------------------------------------------------------------------------


def _cell(value: Count | float | None) -> str:
    if value is None:
        return "\u2013"
    if isinstance(value, float):
        return fmt_pct(value)
    return fmt_count(value)


def _table(rows: list[list], widths: list[float], numeric: set[int], st: dict,
           extra: list[tuple] | None = None) -> Table:
    """:func:`page.table` with the ``numeric`` columns right-aligned (header included)."""
    right = ParagraphStyle("num", parent=st["cell"], alignment=TA_RIGHT)
    right_head = ParagraphStyle("numhead", parent=st["cellhead"], alignment=TA_RIGHT)
    cells = [[Paragraph(text(c), right_head if r == 0 else right)
              if i in numeric and isinstance(c, str) else c for i, c in enumerate(row)]
             for r, row in enumerate(rows)]
    return table(cells, widths, st=st, extra=extra)


def breakdown_table(b: Breakdown, st: dict, *, limit: int | None = None) -> list[Flowable]:
    """A titled table: label, number, % of the base; the base (or total) underneath."""
    rows: list[list] = [[b.title, "Number", "%"]]
    shown = list(b.rows)
    hidden = 0
    if limit is not None and len(shown) > limit:
        hidden = len(shown) - limit
        shown = shown[:limit]
    for row in shown:
        rows.append([row.label, fmt_count(row.count), fmt_pct(b.pct(row))])
    if not b.rows:
        rows.append(["None recorded", "", ""])
    total = "Total" if b.partition else "Base"
    rows.append([f"{total}: {b.base_label}", fmt_count(b.base), ""])
    label_w = (HALF - 30 * mm)
    t = _table(rows, [label_w, 16 * mm, 14 * mm], {1, 2}, st,
               extra=[("BACKGROUND", (0, -1), (-1, -1), HEAD_FILL)])
    parts: list[Flowable] = [t]
    notes = [b.note] if b.note else []
    if hidden:
        notes.append(f"{hidden} more not listed.")
    if notes:
        parts.append(Paragraph(text(" ".join(notes)), st["small"]))
    return parts


def _pair(left: Flowable | list[Flowable], right: Flowable | list[Flowable]) -> Table:
    return _side_by_side(left, right, left_width=HALF)


def _side_by_side(left: Flowable | list[Flowable], right: Flowable | list[Flowable], *,
                  left_width: float) -> Table:
    """Two columns, ``left_width`` and the rest of the frame, with a gutter between."""
    t = Table([[left, right]], colWidths=[left_width, WIDTH - left_width], hAlign="LEFT")
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                           ("TOPPADDING", (0, 0), (-1, -1), 0),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                           ("LEFTPADDING", (1, 0), (1, 0), GUTTER)]))
    return t
