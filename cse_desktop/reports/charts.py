"""Charts for printed reports (reportlab.graphics), drawn as flowables.

:func:`risk_history_chart`: the child's risk level over time as a step line, one step for each
final screening and each Risk Management Meeting decision (domain research 6(d) section 5),
held until the date the document was printed.  Drawn from shapes rather than a chart widget
so the UK date ticks, the level bands and the markers stay legible in black and white.

:func:`bar_chart`: grouped bars (the quarterly missing profile), where a suppressed number
draws only its marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from cse_desktop.casework.missing_profile import Count
from cse_desktop.domain.dates import uk_date
from cse_desktop.domain.labels import RISK_LABELS
from cse_desktop.domain.models import RiskLevel
from cse_desktop.reports.page import INK, MUTED, RULE

#: the levels on the chart, bottom to top
CHART_LEVELS: tuple[RiskLevel, ...] = (RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MEDIUM,
                                       RiskLevel.HIGH)
_BAND = {RiskLevel.NONE: colors.HexColor("#f4f6f8"), RiskLevel.LOW: colors.HexColor("#eef6ee"),
         RiskLevel.MEDIUM: colors.HexColor("#fbf3e0"), RiskLevel.HIGH: colors.HexColor("#fbe9e7")}
_MARK = {RiskLevel.NONE: colors.HexColor("#8a98a6"), RiskLevel.LOW: colors.HexColor("#2e7d32"),
         RiskLevel.MEDIUM: colors.HexColor("#9a6700"), RiskLevel.HIGH: colors.HexColor("#b3261e")}

SCREENING = "screening"
MEETING = "meeting"


@dataclass(frozen=True)
class RiskPoint:
    """A decision on the child's level: the day (UK), the level, and where it came from
    (:data:`SCREENING` or :data:`MEETING`)."""

    day: date
    level: RiskLevel
    source: str


def _month_ticks(start: date, end: date) -> list[date]:
    months = (end.year - start.year) * 12 + end.month - start.month
    step = 1 if months <= 8 else 2 if months <= 16 else 3 if months <= 30 else 6
    ticks = []
    year, month = start.year, start.month
    while True:
        day = date(year, month, 1)
        if day > end:
            break
        if day >= start and (month - 1) % step == 0:
            ticks.append(day)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return ticks


def _week_ticks(start: date, end: date) -> list[date]:
    day = start + timedelta(days=(7 - start.weekday()) % 7)  # Mondays
    ticks = []
    while day <= end:
        ticks.append(day)
        day += timedelta(days=7)
    return ticks


def risk_history_chart(points: list[RiskPoint], *, until: date, width: float = 178 * mm,
                       height: float = 52 * mm) -> Drawing:
    """A step chart of ``points`` (any order), the last level held until ``until``.

    ``points`` must not be empty (say "no level recorded yet" in words instead).
    """
    if not points:
        raise ValueError("a risk history chart needs at least one point")
    points = sorted((p for p in points if p.level in CHART_LEVELS), key=lambda p: p.day) \
        or [RiskPoint(min(p.day for p in points), RiskLevel.NONE, SCREENING)]
    drawing = Drawing(width, height)
    left, right, bottom, top = 58.0, width - 8.0, 34.0, height - 6.0
    band = (top - bottom) / len(CHART_LEVELS)

    first, last = points[0].day, max(until, points[-1].day)
    span = max((last - first).days, 14)
    pad = max(2, round(span * 0.04))
    start, end = first - timedelta(days=pad), first + timedelta(days=span + pad)
    total = (end - start).days

    def x(day: date) -> float:
        return left + (right - left) * (day - start).days / total

    def y(level: RiskLevel) -> float:
        return bottom + band * (CHART_LEVELS.index(level) + 0.5)

    for i, level in enumerate(CHART_LEVELS):
        drawing.add(Rect(left, bottom + band * i, right - left, band, fillColor=_BAND[level],
                         strokeColor=None))
        drawing.add(String(left - 6, y(level) - 3, RISK_LABELS[level], fontName="Helvetica",
                           fontSize=7.5, fillColor=INK, textAnchor="end"))
    drawing.add(Rect(left, bottom, right - left, top - bottom, fillColor=None, strokeColor=RULE,
                     strokeWidth=0.6))

    weekly = total <= 70
    for tick in (_week_ticks if weekly else _month_ticks)(start, end):
        tx = x(tick)
        drawing.add(Line(tx, bottom, tx, top, strokeColor=RULE, strokeWidth=0.3))
        drawing.add(Line(tx, bottom - 3, tx, bottom, strokeColor=MUTED, strokeWidth=0.5))
        label = f"{tick.day} {tick:%b}" if weekly else f"{tick:%b %Y}"
        drawing.add(String(tx, bottom - 11, label, fontName="Helvetica", fontSize=7,
                           fillColor=MUTED, textAnchor="middle"))

    # the step line: each level holds until the next decision, the last until ``until``
    path: list[float] = []
    for i, point in enumerate(points):
        px, py = x(point.day), y(point.level)
        if path:
            path += [px, path[-1]]
        path += [px, py]
        if i == len(points) - 1:
            path += [x(until if until >= point.day else point.day), py]
    drawing.add(PolyLine(path, strokeColor=INK, strokeWidth=1.4))

    ux = x(until)
    drawing.add(Line(ux, bottom, ux, top, strokeColor=MUTED, strokeWidth=0.6,
                     strokeDashArray=[2, 2]))

    for point in points:
        px, py = x(point.day), y(point.level)
        if point.source == MEETING:
            drawing.add(Rect(px - 3.2, py - 3.2, 6.4, 6.4, fillColor=_MARK[point.level],
                             strokeColor=colors.white, strokeWidth=0.8))
        else:
            drawing.add(Circle(px, py, 3.3, fillColor=_MARK[point.level],
                               strokeColor=colors.white, strokeWidth=0.8))

    # legend
    ly = 6.0
    drawing.add(Circle(left + 4, ly + 2.5, 3, fillColor=MUTED, strokeColor=None))
    drawing.add(String(left + 11, ly, "Screening", fontName="Helvetica", fontSize=7,
                       fillColor=INK))
    drawing.add(Rect(left + 60, ly - 0.5, 6, 6, fillColor=MUTED, strokeColor=None))
    drawing.add(String(left + 70, ly, "Risk Management Meeting decision", fontName="Helvetica",
                       fontSize=7, fillColor=INK))
    drawing.add(Line(left + 200, ly + 2.5, left + 212, ly + 2.5, strokeColor=MUTED,
                     strokeWidth=0.6, strokeDashArray=[2, 2]))
    drawing.add(String(left + 216, ly, f"Printed {uk_date(until)}",
                       fontName="Helvetica", fontSize=7, fillColor=INK))
    drawing.hAlign = "LEFT"
    return drawing


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if top / step <= 5:
            return step
    return max(1, top // 5)


#: a chart series: its name, one value per category, its colour
Series = tuple[str, Sequence[Count | float | None], colors.Color]


def bar_chart(categories: Sequence[str], series: Sequence[Series], *, width: float,
              height: float, title: str = "", suffix: str = "",
              ceiling: int | None = None) -> Drawing:
    """Grouped vertical bars. A hidden value (a marker string) draws no bar, only its marker
    above the axis, so a chart in the shareable version never shows a small number; None
    draws nothing. ``suffix`` follows each value ("%"); ``ceiling`` fixes the scale's top."""
    d = Drawing(width, height)
    left, right, top = 22.0, 4.0, 14.0 if title else 6.0
    bottom = 22.0
    legend = 12.0 if len(series) > 1 else 0.0
    plot_w, plot_h = width - left - right, height - top - bottom - legend
    base_y = bottom + legend
    values = [v for _, vals, _ in series for v in vals if isinstance(v, int)]
    highest = max(values, default=0)
    step = _nice_step(max(highest, ceiling or 1))
    ceiling = max(step, -(-max(highest, ceiling or 1) // step) * step)
    if title:
        d.add(String(0, height - 9, title, fontName="Helvetica-Bold", fontSize=8.5,
                     fillColor=INK))
    for k in range(0, ceiling + 1, step):
        y = base_y + plot_h * k / ceiling
        d.add(Line(left, y, left + plot_w, y, strokeColor=RULE, strokeWidth=0.4))
        d.add(String(left - 3, y - 2.5, f"{k:,}{suffix}", fontName="Helvetica", fontSize=6.5,
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
                d.add(String(x + (bar_w - 1) / 2, base_y + h + 1.5, f"{value:,}{suffix}",
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
            x += 18 + 3.6 * len(name)
    return d
