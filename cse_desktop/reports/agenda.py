"""The RMM agenda pack: everyone due at a Risk Management Meeting, in one PDF.

A cover page lists the agenda: every young person due at the meeting on that date (medium or
high risk, a review due, a return home interview that flagged exploitation since their last
meeting, or missing three or more times in 30 days: ``casework.caseload.rmm_due``), with the
reasons.  One case summary per young person follows, each starting on a new page.  The PDF's
outline (bookmarks) has the agenda and one entry per young person.

Every page carries the shared furniture (marking, caveat, page x of y, printed by and at), and
every summary is redacted for the chosen audience profile.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph
from reportlab.platypus.flowables import Flowable

from cse_desktop.casework.caseload import CaseloadRow, caseload_rows, local_today, rmm_due
from cse_desktop.casework.form_words import default_registry
from cse_desktop.domain.dates import LOCAL_ZONE, long_date, uk_date
from cse_desktop.domain.labels import RISK_WORDS
from cse_desktop.reports import page
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.redaction import get_profile
from cse_desktop.reports.summary import (
    AgendaItem,
    PreparedSummary,
    meta_for,
    prepare_summary,
)
from cse_desktop.store.workspace import Workspace

DOCUMENT_TITLE = "RMM agenda pack"
AGENDA_BOOKMARK = "agenda"


class Bookmark(Flowable):
    """An invisible mark: a PDF destination at this point and an outline entry for it."""

    def __init__(self, key: str, title: str, level: int = 0,
                 pages: dict[str, int] | None = None) -> None:
        super().__init__()
        self.key, self.title, self.level = key, title, level
        #: where to note the page number the mark lands on (for the agenda's page column)
        self.pages = pages

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=self.level, closed=False)
        self.canv.showOutline()
        if self.pages is not None:
            self.pages[self.key] = self.canv.getPageNumber()


def due_at(ws: Workspace, meeting_date: date, printed_at: datetime) -> list[CaseloadRow]:
    """Who is due at the meeting on ``meeting_date``, highest risk first, with the reasons.

    Worked out as at the time printed when the meeting is within the coming week (the usual
    case: the pack goes out the day before), else as at 08:00 on the meeting day.
    """
    today = local_today(printed_at)
    if 0 <= (meeting_date - today).days < 7:
        now = printed_at
    else:
        now = datetime.combine(meeting_date, time(8, 0), LOCAL_ZONE)
    return rmm_due(caseload_rows(ws, now, rmm_weekday=meeting_date.weekday()))


def _cover(meeting_date: date, due: list[CaseloadRow], profile_label: str,
           st: dict[str, Any], pages: dict[str, int]) -> list[Flowable]:
    """The agenda. ``pages`` holds where each child's summary starts, from the first layout
    pass (empty on the first pass: the column's width is fixed, so the layout is the same)."""
    out: list[Flowable] = [
        Bookmark(AGENDA_BOOKMARK, f"Agenda: {uk_date(meeting_date)}"),
        Paragraph("Risk Management Meeting: agenda", st["title"]),
        Paragraph(page.text(f"{long_date(meeting_date)} · Prepared for: "
                            f"{profile_label}"), st["subtitle"]),
        page.gap(3),
    ]
    if not due:
        out.append(page.empty("No young person is due at this meeting.", st))
        return out
    count = len(due)
    out.append(Paragraph(page.text(
        f"{count} young {'person is' if count == 1 else 'people are'} due at this meeting: "
        "medium or high risk, a review due, a return home interview that flagged "
        "exploitation, or missing 3 or more times in 30 days."), st["body"]))
    out.append(page.gap(2))
    rows: list[list[Any]] = [["No.", "Young person", "Risk level", "Why on the agenda",
                              "Allocated worker", "Next review", "Page"]]
    for n, row in enumerate(due, start=1):
        p = row.person
        rows.append([str(n), f"{p.display_name}\nAge {row.age}", RISK_WORDS[row.risk_level],
                     "\n".join(row.rmm_reasons), row.allocated_worker,
                     uk_date(row.next_review) if row.next_review else "Not set",
                     str(pages.get(_child_key(n), ""))])
    out.append(page.table(rows, [w * mm for w in (9, 42, 20, 47, 30, 20, 10)], st=st))
    out += [page.gap(3), page.empty(
        "Each young person's case summary follows, starting on a new page, in this order. "
        "Use the PDF's bookmarks to go straight to one.", st)]
    return out


def _child_key(n: int) -> str:
    return f"child-{n}"


def build_agenda(ws: Workspace, meeting_date: date, *, meta: PrintMeta,
                 profile: str = "internal") -> bytes:
    """The agenda pack for the meeting on ``meeting_date`` as a PDF (bytes, built in memory).

    UsageError for an unknown profile.
    """
    chosen = get_profile(profile)
    due = due_at(ws, meeting_date, meta.printed_at)
    registry = default_registry()
    summaries: list[PreparedSummary] = [
        prepare_summary(ws, row.person_id, meta=meta, profile=chosen,
                        item=AgendaItem(meeting_date, row.rmm_reasons), registry=registry)
        for row in due]
    meta = meta_for(meta, chosen)
    pages: dict[str, int] = {}

    def story() -> list[Flowable]:
        st = page.styles()
        out = _cover(meeting_date, due, chosen.label, st, dict(pages))
        for n, summary in enumerate(summaries, start=1):
            out += [PageBreak(),
                    Bookmark(_child_key(n), f"{n}. {summary.person.display_name}", pages=pages),
                    *summary.story()]
        return out

    return page.render(story, meta)
