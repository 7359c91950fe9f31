"""The quarterly missing-episode profile as a PDF (domain research 6(e); issue 6 item 4).

:func:`build_profile` computes the figures (:mod:`cse_desktop.casework.missing_profile`) and
lays them out: which version it is, headline figures, the comparison with the previous quarter,
volumes, return home interview performance, the children, themes, hotspots and when episodes
start, with bar charts, and the definitions used. It is aggregate: no child is named anywhere.

Two versions:

* **restricted** (default): every number as counted, and named areas; marked "Restricted
  version" in the banner and in the footer of every page;
* **shareable**: :meth:`MissingProfile.suppress` applied before anything is drawn, so tables,
  charts, rates and changes all come from the suppressed figures (1 to 4 shown as "<5", a
  number that would give one away shown as "c"); says so in the banner and every footer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from cse_desktop.casework.missing_profile import (
    DEFAULT_HOME_LA,
    DEFAULT_THRESHOLD,
    SECONDARY,
    Breakdown,
    Count,
    MissingProfile,
    compute_profile,
    fmt_count,
    fmt_pct,
    pct,
)
from cse_desktop.reports.page import (
    HEAD_FILL,
    INK,
    MUTED,
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
RESTRICTED_FILL = colors.HexColor("#fbe9e7")
RESTRICTED_EDGE = colors.HexColor("#b3261e")
SHAREABLE_FILL = colors.HexColor("#eef6ee")
SHAREABLE_EDGE = colors.HexColor("#2e7d32")

RESTRICTED_LABEL = "Restricted version"
SHAREABLE_LABEL = "Shareable version (small numbers suppressed)"


def build_profile(ws: Workspace, quarter: str, *, meta: PrintMeta, shareable: bool = False,
                  home_la: str = DEFAULT_HOME_LA, threshold: int = DEFAULT_THRESHOLD,
                  now: datetime | None = None) -> bytes:
    """The profile of ``quarter`` (``"2026Q3"``) as PDF bytes (UsageError for a bad quarter).

    ``shareable`` suppresses counts from 1 to ``threshold - 1`` everywhere; ``home_la`` is this
    authority's name, to tell its own looked-after children from those placed in by others.
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
        Paragraph(text(f"{p.quarter.label} ({p.quarter})"
                       + (f", compared with {prev.quarter.label}" if prev else "")
                       + f". Home authority: {p.home_la}."), st["subtitle"]),
        gap(3), _banner(p), gap(4), _tiles(p), gap(2),
        Paragraph(text(
            f"Episodes that started in the quarter (UK time). Rates: offered of the "
            f"{fmt_count(p.rhi.returned)} returned episodes; completed of those offered; "
            f"completed within 72 hours of those completed."), st["small"]),
    ]
    story += _comparison(p, st)
    story += _volumes(p, st)
    story += _rhi(p, st)
    story += _children(p, st)
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
    """Eight headline figures in two rows of four."""
    st = styles()
    big = ParagraphStyle("tile", parent=st["title"], fontSize=18, leading=21, spaceAfter=1)
    v, r = p.volumes, p.rhi
    high = v.by_risk_grade.count("high")
    figures = [
        ("Episodes", v.episodes, ""),
        ("Children who went missing", v.children, ""),
        (f"Repeat children ({p.repeat_threshold}+ episodes)", v.repeat_children,
         _share(v.repeat_children, v.children, "of children")),
        ("Episodes graded high risk", high, _share(high, v.episodes, "of episodes")),
        ("RHIs offered", r.offered, _share(r.offered, r.returned, "of returned")),
        ("Offered within 72 hours", r.offered_within_72h,
         _share(r.offered_within_72h, r.returned, "of returned")),
        ("RHIs completed", r.completed, _share(r.completed, r.offered, "of offered")),
        ("Completed within 72 hours", r.completed_within_72h,
         _share(r.completed_within_72h, r.completed, "of completed")),
    ]
    cells = [[Paragraph(text(fmt_count(value)), big),
              Paragraph(text(label), st["cellhead"]),
              Paragraph(text(note or " "), st["small"])] for label, value, note in figures]
    rows = [cells[:4], cells[4:]]
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
    value = pct(count, base)
    return "" if value is None else f"{fmt_pct(value)} {of}"


# -- sections ------------------------------------------------------------------------------------


def _comparison(p: MissingProfile, st: dict) -> list[Flowable]:
    if p.previous is None:
        return []
    rows: list[list] = [["Measure", str(p.quarter), str(p.previous.quarter), "Change"]]
    for c in p.comparison():
        if c.is_rate:
            now = fmt_pct(c.current if isinstance(c.current, float) else None)
            before = fmt_pct(c.previous if isinstance(c.previous, float) else None)
            change = ("\u2013" if c.change is None else "no change" if round(c.change) == 0
                      else f"{c.change:+.0f} points")
        else:
            now, before = _cell(c.current), _cell(c.previous)
            change = ("\u2013" if c.change is None else "no change" if c.change == 0
                      else f"{c.change:+,}")
        rows.append([c.label, now, before, change])
    comparison = _table(rows, [52 * mm, 14 * mm, 14 * mm, 18 * mm], {1, 2, 3}, st)
    counts = [c for c in p.comparison() if not c.is_rate][:7]
    chart = hbar_chart([_short(c.label) for c in counts],
                       [(str(p.quarter), [c.current for c in counts], CURRENT),
                        (str(p.previous.quarter), [c.previous for c in counts], PREVIOUS)],
                       width=WIDTH - 100 * mm - GUTTER, height=96 * mm,
                       title="This quarter and the previous one")
    return [KeepTogether([*heading("Compared with the previous quarter", st),
                          _side_by_side(comparison, chart, left_width=100 * mm)])]


_SHORT = {"Episodes": "Episodes", "Children who went missing": "Children",
          "Episodes graded high risk by police": "High risk episodes",
          "Children looked after": "Looked after", "Returned episodes (RHI base)": "Returned",
          "RHIs offered": "RHIs offered"}


def _short(label: str) -> str:
    if label.startswith("Repeat children"):
        return "Repeat children"
    return _SHORT.get(label, label)


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
        ("Completed within 72 hours of the return", r.completed_within_72h, r.completed,
         "completed"),
        ("Completed, time not recorded", r.completed_time_not_recorded, r.completed,
         "completed"),
        ("Declined (by the young person or a parent or carer)", r.declined, r.offered,
         "offered"),
        ("Not offered", r.not_offered, r.returned, "returned"),
        ("Done by someone not independent (social worker, carer or staff)",
         r.not_independent, r.completed, "completed"),
    ]:
        of = "" if base is None else f"{fmt_count(base)} {base_label}"
        share = "" if base is None else fmt_pct(pct(count, base))
        rows.append([label, fmt_count(count), of, share])
    performance = _table(rows, [WIDTH - 82 * mm, 20 * mm, 40 * mm, 22 * mm], {1, 3}, st)
    intro = ("Every episode in the quarter where the child has returned should have an "
             "interview offered, and done, within 72 hours of the return, by someone "
             "independent of their carers and social worker. Free-text reasons are not "
             "included: they can identify a child.")
    return [_opening("2. Return home interviews", intro, performance, st), gap(3),
            _pair(breakdown_table(r.outcomes, st), breakdown_table(r.independence, st))]


def _children(p: MissingProfile, st: dict) -> list[Flowable]:
    d = p.demographics
    intro = (f"{fmt_count(d.children)} children. Each child is counted once, from their "
             f"record as it stands now; age is at the start of their first episode in the "
             f"quarter. Looked after children placed here by another authority are those "
             f"whose placing authority is not {p.home_la}.")
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
    return [_opening("4. Themes from the interviews", lines,
                     _pair(breakdown_table(t.push, st), breakdown_table(t.pull, st)), st),
            gap(3),
            _pair(breakdown_table(t.harm, st), breakdown_table(t.exploitation, st)), gap(3),
            _pair(breakdown_table(t.travel, st), breakdown_table(t.other, st))]


def _hotspots(p: MissingProfile, st: dict) -> list[Flowable]:
    h = p.hotspots
    lines = (f"From the {fmt_count(h.recorded)} episodes with an interview form. "
             f"{fmt_count(h.found_out_of_area)} were found out of area. Areas are as written "
             f"on the form; a postcode is shown only as its sector.")
    return [_opening("5. Hotspots", lines, _pair(breakdown_table(h.areas, st, limit=15),
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
    return [_opening("6. When episodes started",
                     "The day and time each episode started, in UK time.", _pair(days, hours),
                     st), gap(3),
            _pair(breakdown_table(tm.day_of_week, st), breakdown_table(tm.time_of_day, st))]


def _definitions(p: MissingProfile, st: dict) -> list[Flowable]:
    notes = [
        f"An episode is in the quarter when it started between 00:00 on "
        f"{_day(p.quarter.first_day)} and 23:59 on {_day(p.quarter.last_day)}, UK time.",
        f"Repeat children went missing {p.repeat_threshold} or more times in the quarter.",
        "Within 72 hours: the offer (or interview) was recorded no more than exactly 72 hours "
        "after the child's return. An offer or interview without a recorded time is counted "
        "as not within 72 hours.",
        "The interview for an episode is its latest final return home interview form (an "
        "amendment replaces what it amends). Without a form, the episode's recorded interview "
        "status is used.",
        "Declined and not-completed figures use the form's coded outcomes only.",
        "Themes and hotspots come from return home interview forms: episodes without one are "
        "not in them.",
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


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


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


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if top / step <= 5:
            return step
    return max(1, top // 5)


#: a chart series: its name, one value per category, its colour
Series = tuple[str, Sequence[Count | float | None], colors.Color]


def bar_chart(categories: Sequence[str], series: Sequence[Series], *, width: float,
              height: float, title: str = "") -> Drawing:
    """Grouped vertical bars. A hidden value (a marker string) draws no bar, only its marker
    above the axis, so a chart in the shareable version never shows a small number."""
    d = Drawing(width, height)
    left, right, top = 22.0, 4.0, 14.0 if title else 6.0
    bottom = 22.0
    legend = 12.0 if len(series) > 1 else 0.0
    plot_w, plot_h = width - left - right, height - top - bottom - legend
    base_y = bottom + legend
    values = [v for _, vals, _ in series for v in vals if isinstance(v, int)]
    highest = max(values, default=0)
    step = _nice_step(max(highest, 1))
    ceiling = max(step, -(-max(highest, 1) // step) * step)
    if title:
        d.add(String(0, height - 9, title, fontName="Helvetica-Bold", fontSize=8.5,
                     fillColor=INK))
    for k in range(0, ceiling + 1, step):
        y = base_y + plot_h * k / ceiling
        d.add(Line(left, y, left + plot_w, y, strokeColor=RULE, strokeWidth=0.4))
        d.add(String(left - 3, y - 2.5, f"{k:,}", fontName="Helvetica", fontSize=6.5,
                     fillColor=MUTED, textAnchor="end"))
    groups = max(1, len(categories))
    slot = plot_w / groups
    bar_w = min(14.0, slot * 0.8 / max(1, len(series)))
    for i, name in enumerate(categories):
        x0 = left + slot * i + (slot - bar_w * len(series)) / 2
        for j, (_, vals, colour) in enumerate(series):
            value = vals[i] if i < len(vals) else None
            x = x0 + j * bar_w
            if isinstance(value, int):
                h = plot_h * value / ceiling
                if h > 0:
                    d.add(Rect(x, base_y, bar_w - 1, h, fillColor=colour, strokeColor=None))
                d.add(String(x + (bar_w - 1) / 2, base_y + h + 1.5, f"{value:,}",
                             fontName="Helvetica", fontSize=6, fillColor=INK,
                             textAnchor="middle"))
            elif isinstance(value, str):
                d.add(String(x + (bar_w - 1) / 2, base_y + 1.5, value, fontName="Helvetica",
                             fontSize=6, fillColor=INK, textAnchor="middle"))
        lines = name.split("\n")
        cx = left + slot * i + slot / 2
        for n, line in enumerate(lines):
            d.add(String(cx, base_y - 8 - 7 * n, line, fontName="Helvetica", fontSize=6.5,
                         fillColor=INK, textAnchor="middle"))
    d.add(Line(left, base_y, left + plot_w, base_y, strokeColor=INK, strokeWidth=0.6))
    if len(series) > 1:
        x = left
        for name, _, colour in series:
            d.add(Rect(x, 2, 7, 7, fillColor=colour, strokeColor=None))
            d.add(String(x + 10, 3, name, fontName="Helvetica", fontSize=7, fillColor=INK))
            x += 60
    return d




def hbar_chart(categories: Sequence[str], series: Sequence[Series], *, width: float,
               height: float, title: str = "") -> Drawing:
    """Grouped horizontal bars, one group per category (labels on the left, largest value
    sets the scale). Hidden values draw no bar, only their marker."""
    d = Drawing(width, height)
    label_w, right, top = 62.0, 16.0, 14.0 if title else 4.0
    legend = 14.0 if len(series) > 1 else 0.0
    plot_w, plot_h = width - label_w - right, height - top - legend
    values = [v for _, vals, _ in series for v in vals if isinstance(v, int)]
    highest = max(values, default=0) or 1
    if title:
        d.add(String(0, height - 9, title, fontName="Helvetica-Bold", fontSize=8.5,
                     fillColor=INK))
    slot = plot_h / max(1, len(categories))
    bar_h = min(9.0, slot * 0.8 / max(1, len(series)))
    for i, name in enumerate(categories):
        y_top = height - top - slot * i - (slot - bar_h * len(series)) / 2
        d.add(String(label_w - 4, y_top - bar_h * len(series) / 2 - 2.5, name,
                     fontName="Helvetica", fontSize=7, fillColor=INK, textAnchor="end"))
        for j, (_, vals, colour) in enumerate(series):
            value = vals[i] if i < len(vals) else None
            y = y_top - (j + 1) * bar_h
            shown = value if isinstance(value, str) else "" if value is None else f"{value:,}"
            w = plot_w * value / highest if isinstance(value, int) else 0.0
            if w > 0:
                d.add(Rect(label_w, y + 0.5, w, bar_h - 1, fillColor=colour, strokeColor=None))
            d.add(String(label_w + w + 2, y + bar_h / 2 - 2.2, shown, fontName="Helvetica",
                         fontSize=6, fillColor=INK))
    d.add(Line(label_w, legend, label_w, height - top, strokeColor=INK, strokeWidth=0.6))
    if len(series) > 1:
        x = label_w
        for name, _, colour in series:
            d.add(Rect(x, 2, 7, 7, fillColor=colour, strokeColor=None))
            d.add(String(x + 10, 3, name, fontName="Helvetica", fontSize=7, fillColor=INK))
            x += 50
    return d
