"""The page every printed report shares: protective marking, caveat, page x of y, printed by.

Government Security Classifications: the marking (default OFFICIAL-SENSITIVE, configurable)
stands at the top **and** the bottom of every page, with the handling caveat; the footer also
says who printed the document and when, and "page x of y" (domain research section 5 and
6(d)). Reports build a list of flowables (the "story") and call :func:`render`.

Nothing is written to disk except the output the user chose; the document is built in memory.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from cse_desktop import __version__
from cse_desktop.domain.dates import uk_datetime

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
DEFAULT_CAVEAT = "Not for onward sharing without the chair's agreement"

INK = colors.HexColor("#1b2733")
MUTED = colors.HexColor("#52606d")
RULE = colors.HexColor("#c5ced6")
HEAD_FILL = colors.HexColor("#e8edf2")
RAG_COLOURS = {"red": colors.HexColor("#b3261e"), "amber": colors.HexColor("#9a6700"),
               "green": colors.HexColor("#2e7d32"), "complete": MUTED}


@dataclass(frozen=True)
class PrintMeta:
    """What every page says about the document."""

    title: str
    printed_by: str
    printed_at: datetime
    marking: str = DEFAULT_MARKING
    caveat: str = DEFAULT_CAVEAT
    #: the audience profile the document was redacted for (shown in the footer)
    profile_label: str = ""
    subject: str = ""
    keywords: list[str] = field(default_factory=list)


def styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=9.5,
                          leading=12.5, textColor=INK, spaceAfter=3)
    return {
        "title": ParagraphStyle("title", parent=body, fontName="Helvetica-Bold", fontSize=17,
                                leading=21, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=body, textColor=MUTED, fontSize=10),
        "h1": ParagraphStyle("h1", parent=body, fontName="Helvetica-Bold", fontSize=12.5,
                             leading=16, spaceBefore=10, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=body, fontName="Helvetica-Bold", fontSize=10.5,
                             leading=14, spaceBefore=6, spaceAfter=2),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10,
                                textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "cellhead": ParagraphStyle("cellhead", parent=body, fontName="Helvetica-Bold",
                                   fontSize=8.5, leading=10.5, spaceAfter=0),
        "marking": ParagraphStyle("marking", parent=body, fontName="Helvetica-Bold",
                                  alignment=TA_CENTER),
    }


def text(value: Any) -> str:
    """Text for a Paragraph: escaped, with line breaks kept."""
    s = "" if value is None else str(value)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("\n", "<br/>")


def table(rows: list[list[Any]], widths: list[float], *, header: bool = True,
          st: dict[str, ParagraphStyle] | None = None,
          extra: list[tuple] | None = None) -> Table:
    """A ruled table; cells that are strings become wrapped paragraphs."""
    st = st or styles()
    cells = [[Paragraph(text(c), st["cellhead" if header and r == 0 else "cell"])
              if not isinstance(c, Flowable) else c for c in row]
             for r, row in enumerate(rows)]
    t = Table(cells, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [("GRID", (0, 0), (-1, -1), 0.4, RULE),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
             ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL))
    t.setStyle(TableStyle(style + (extra or [])))
    return t


def empty(message: str, st: dict[str, ParagraphStyle] | None = None) -> Paragraph:
    return Paragraph(text(message), (st or styles())["small"])


class _Doc(BaseDocTemplate):
    """Two passes: the first counts the pages, the second prints "page x of y"."""

    def __init__(self, buffer: io.BytesIO, meta: PrintMeta, total_pages: int | None) -> None:
        super().__init__(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm,
                         topMargin=22 * mm, bottomMargin=22 * mm, title=meta.title,
                         author="", subject=meta.subject,
                         keywords=meta.keywords, creator=f"CSE Desktop {__version__}")
        # The metadata (/Title, /Subject, /Keywords) names the kind of document, never a
        # person: it travels with the file, is indexed by desktop search and shown by file
        # managers without opening it; who printed it is on the page, for the reader.
        self.meta = meta
        self.total_pages = total_pages
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._furniture)])

    def _furniture(self, canvas: Any, doc: Any) -> None:
        meta = self.meta
        width, height = A4
        canvas.saveState()
        for y in (height - 11 * mm, 9 * mm):
            canvas.setFont("Helvetica-Bold", 10)
            canvas.setFillColor(INK)
            canvas.drawCentredString(width / 2, y, meta.marking)
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawCentredString(width / 2, height - 15 * mm, meta.caveat)
        when = uk_datetime(meta.printed_at)
        profile = f" · {meta.profile_label}" if meta.profile_label else ""
        canvas.drawString(16 * mm, 14 * mm, f"Printed by {meta.printed_by} on {when}{profile}")
        total = self.total_pages or 0
        canvas.drawRightString(width - 16 * mm, 14 * mm,
                               f"Page {doc.page} of {total}" if total else f"Page {doc.page}")
        canvas.setStrokeColor(RULE)
        canvas.line(16 * mm, height - 17 * mm, width - 16 * mm, height - 17 * mm)
        canvas.line(16 * mm, 17.5 * mm, width - 16 * mm, 17.5 * mm)
        canvas.restoreState()


def render(story_factory: Any, meta: PrintMeta) -> bytes:
    """Build the PDF in memory. ``story_factory()`` returns a fresh list of flowables (the
    document is laid out twice: once to count pages, once to print "page x of y")."""
    first = io.BytesIO()
    counting = _Doc(first, meta, None)
    counting.build(story_factory())
    final = io.BytesIO()
    _Doc(final, meta, counting.page).build(story_factory())
    return final.getvalue()


def heading(title: str, st: dict[str, ParagraphStyle] | None = None) -> list[Flowable]:
    return [Paragraph(text(title), (st or styles())["h1"])]


def gap(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)


# -- headings that keep their first lines, and no more ------------------------------------------

#: the most a heading asks to keep with it: past this, what follows splits where it must
_MOST_KEPT = 90 * mm
#: the lines of a paragraph, and the rows of a table (below its header), kept with a heading
_KEPT_LINES = 3
_KEPT_ROWS = 1


class HeadingBreak(CondPageBreak):
    """A page break before a heading, taken only when the heading and the start of what
    follows it would not fit on the page: a table's header row and first rows, a paragraph's
    first lines, a chart (which cannot split) whole.

    A fixed reserve (``CondPageBreak(40 * mm)``) either leaves a heading alone at the foot of a
    page or sends it on with a third of a page left empty; this measures what it keeps.
    :func:`link_headings` tells each break what follows it; unlinked, it keeps ``reserve``.
    """

    def __init__(self, reserve: float) -> None:
        super().__init__(reserve)
        self.following: list[Flowable] = []
        self._measured: tuple[float, float] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self.following:
            if self._measured is None or self._measured[0] != availWidth:
                self._measured = (availWidth, min(kept_height(self.following, availWidth),
                                                  _MOST_KEPT))
            self.height = self._measured[1]
        return super().wrap(availWidth, availHeight)


def heading_break(reserve_mm: float = 30) -> HeadingBreak:
    return HeadingBreak(reserve_mm * mm)


def link_headings(story: list[Flowable]) -> list[Flowable]:
    """Tell every :class:`HeadingBreak` in ``story`` what follows it (in place; returned)."""
    for i, f in enumerate(story):
        if isinstance(f, HeadingBreak):
            f.following = story[i + 1:i + 8]
    return story


def kept_height(flowables: list[Flowable], width: float) -> float:
    """The height of the headings and spacers at the start of ``flowables`` and the start of
    the first thing after them that must not be left behind (see :class:`HeadingBreak`)."""
    total = 0.0
    for f in flowables:
        if isinstance(f, CondPageBreak):
            continue
        heading = isinstance(f, Paragraph) and f.style.name in ("h1", "h2")
        if isinstance(f, Spacer) or heading:
            total += f.wrap(width, _MOST_KEPT)[1] + f.getSpaceBefore() + f.getSpaceAfter()
            continue
        return total + _first_part(f, width)
    return total


def _first_part(f: Flowable, width: float) -> float:
    h = f.wrap(width, _MOST_KEPT * 10)[1] + f.getSpaceBefore()
    if isinstance(f, Table):
        rows = list(getattr(f, "_rowHeights", None) or [])
        if rows:
            return sum(rows[:getattr(f, "repeatRows", 0) + _KEPT_ROWS])
    if isinstance(f, Paragraph):
        return min(h, f.getSpaceBefore() + _KEPT_LINES * f.style.leading)
    return h
