"""The RMM case summary: one child's record, printed for a Risk Management Meeting.

Contents follow domain research 6(d): the meeting; the child; professionals involved;
presenting concerns; risk (latest screening: date, suggested and agreed levels, override
rationale, trajectory, indicators present with their timing) with a risk-level history chart;
missing episodes (counts for the last 30, 90 and 365 days before the document was printed, and
a table with the return home interview status and whether it was on time); the chronology for
a chosen date range, cut off at the time printed; people and places of concern; disruption
activity; the voice of the child and the parent's or carer's view; strengths and the current
safety and support plan (6(d) item 11: the safety goal of the latest screening, the safety plan
of the latest parent session and of the latest return home interview, referrals and parent
support); actions (open ones with owner, due date and RAG, then previous ones with their
completion status); decisions and the next review.  Sections can be chosen (:data:`SECTIONS`);
a section with nothing recorded says so.

Every value passes the audience's :class:`~cse_desktop.reports.redaction.RedactionProfile`
before it is put into the story: a withheld value is never in the document at all.

:func:`build_summary` returns the PDF; :func:`prepare_summary` reads the record once and gives
an object whose :meth:`PreparedSummary.story` makes the flowables (the agenda pack puts many of
them in one document).  Dates are UK style ("7 Mar 2026") in UK local time.

This module is the layout of the document's top (title, warnings for the chair) and its entry
points.  What the summary says (which interview counts for an episode, the trajectory, the
warnings, the order of the actions) is worked out in :mod:`cse_desktop.casework.case_summary`;
the sections are laid out in :mod:`~cse_desktop.reports.summary_sections` and
:mod:`~cse_desktop.reports.summary_record`, with the shared builders in
:mod:`~cse_desktop.reports.summary_layout`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date

from reportlab.lib import colors
from reportlab.platypus import Paragraph, Table
from reportlab.platypus.flowables import Flowable

from cse_desktop.casework.case_summary import CaseRecord, CaseSummary, case_summary
from cse_desktop.casework.form_words import default_registry
from cse_desktop.domain.dates import uk_date
from cse_desktop.domain.errors import UsageError
from cse_desktop.domain.labels import RISK_WORDS
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.reports import page
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.redaction import RedactionProfile, get_profile
from cse_desktop.reports.summary_layout import WIDTH, AgendaItem, SummaryWriter
from cse_desktop.reports.summary_record import RECORD_SECTIONS
from cse_desktop.reports.summary_sections import CASE_SECTIONS
from cse_desktop.store.workspace import Workspace
from cse_desktop.sync.approvals import verification_words

#: the sections of the summary, in print order: id -> heading
SECTIONS: dict[str, str] = {
    "meeting": "The meeting",
    "child": "Child summary",
    "professionals": "Professionals and agencies involved",
    "concerns": "Presenting concerns",
    "risk": "Risk",
    "missing": "Missing episodes",
    "chronology": "Chronology",
    "associations": "People and places of concern",
    "disruption": "Disruption activity",
    "voice": "Voice of the child and the parent's or carer's view",
    "safety": "Strengths and the current safety and support plan",
    "actions": "Actions",
    "decisions": "Decisions and next review",
}

DOCUMENT_TITLE = "RMM case summary"
SECTION_BUILDERS: dict[str, Callable[[SummaryWriter], list[Flowable]]] = {
    **CASE_SECTIONS, **RECORD_SECTIONS}


# ---------------------------------------------------------------------------------------------
# Choosing sections


def resolve_sections(sections: Iterable[str] | None,
                     profile: RedactionProfile) -> list[str]:
    """The section ids to print, in print order: those asked for (None: all), less those the
    audience does not receive.  UsageError for an id that is not a section."""
    wanted = set(SECTIONS) if sections is None else {s.strip() for s in sections}
    unknown = sorted(wanted - set(SECTIONS))
    if unknown:
        raise UsageError(f"There is no summary section {', '.join(map(repr, unknown))}. "
                         f"Choose from: {', '.join(SECTIONS)}.")
    return [s for s in SECTIONS if s in wanted and profile.shows(s)]


# ---------------------------------------------------------------------------------------------
# The story


class PreparedSummary(SummaryWriter):
    """A child's summary, read once; :meth:`story` makes fresh flowables each time."""

    def __init__(self, summary: CaseSummary, *, meta: PrintMeta, profile: RedactionProfile,
                 sections: list[str], date_from: date | None, date_to: date | None,
                 item: AgendaItem | None, registry: FormRegistry | None,
                 verified: dict[str, str]) -> None:
        super().__init__(summary, profile=profile, registry=registry, date_from=date_from,
                         date_to=date_to, item=item, verified=verified)
        self.meta = meta
        self.sections = sections

    def story(self) -> list[Flowable]:
        out: list[Flowable] = self._header()
        for section in self.sections:
            out += [page.heading_break(40), Paragraph(page.text(SECTIONS[section]),
                                                     self.st["h1"])]
            out += SECTION_BUILDERS[section](self)
        if not self.sections:
            out.append(self.nothing("No sections were chosen for this summary."))
        return page.link_headings(out)

    def _header(self) -> list[Flowable]:
        p = self.person
        age = p.age_on(self.today)
        aka = f" (also known as {', '.join(p.also_known_as)})" if p.also_known_as else ""
        lines = [
            Paragraph(page.text(f"{DOCUMENT_TITLE}: {p.display_name}{aka}"), self.st["title"]),
            Paragraph(page.text(f"Born {uk_date(p.dob)} (age {age}) · Current risk level: "
                                f"{RISK_WORDS[p.risk_level]} · Prepared for: "
                                f"{self.profile.label}"), self.st["subtitle"]),
        ]
        if self.item is not None and "meeting" not in self.sections:
            reasons = "; ".join(self.item.reasons)
            lines.append(Paragraph(page.text(
                f"For the Risk Management Meeting on {uk_date(self.item.meeting_date)}"
                + (f". On the agenda: {reasons}." if reasons else ".")), self.st["subtitle"]))
        lines += self._warnings_box()
        if self.profile.redacts:
            lines.append(Paragraph(page.text(
                f"This copy is prepared for this audience ({self.profile.label}). Information "
                "that may not be shared with it has been left out."), self.st["small"]))
        lines.append(page.gap(1))
        return lines

    def warnings(self) -> list[tuple[str, str]]:
        """What the chair must not miss (:meth:`CaseSummary.warnings`), counting only what
        this audience may see."""
        return self.summary.warnings(lambda sub, field_id: not self.answers.withheld(sub,
                                                                                    field_id))

    def _warnings_box(self) -> list[Flowable]:
        found = self.warnings()
        if not found:
            return []
        red = page.RAG_COLOURS["red"]
        rows = [[Paragraph(f"<font color='#b3261e'><b>{page.text(self.s(head))}</b></font>"
                           + (f" {page.text(self.s(detail))}" if detail else ""),
                           self.st["cell"])] for head, detail in found]
        box = Table([[Paragraph("<b>Warnings for the chair</b>", self.st["cell"])], *rows],
                    colWidths=[WIDTH])
        box.setStyle([("BOX", (0, 0), (-1, -1), 1.2, red),
                      ("LINEBEFORE", (0, 0), (0, -1), 4, red),
                      ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fbeaea")),
                      ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                      ("LEFTPADDING", (0, 0), (-1, -1), 7)])
        return [page.gap(1), box, page.gap(1)]


# ---------------------------------------------------------------------------------------------
# Entry points


def prepare_summary(ws: Workspace, person_id: str, *, meta: PrintMeta,
                    profile: str | RedactionProfile = "internal",
                    sections: Iterable[str] | None = None, date_from: date | None = None,
                    date_to: date | None = None, item: AgendaItem | None = None,
                    registry: FormRegistry | None = None) -> PreparedSummary:
    """Read one child's record for a summary (NotFound if there is no such person, UsageError
    for an unknown profile or section, or a date range that ends before it starts)."""
    chosen = get_profile(profile)
    ids = resolve_sections(sections, chosen)
    if date_from and date_to and date_to < date_from:
        raise UsageError("The chronology's date range ends before it starts.")
    if meta.printed_at.tzinfo is None:
        raise UsageError("The time printed must include its time zone.")
    registry = registry if registry is not None else default_registry()
    record = CaseRecord.read(ws, person_id)
    verified = {str(s.id): verification_words(ws, s) for s in record.finals
                if s.approval is not None}
    if chosen.withhold_restricted:  # actions marked restricted stay with the team
        record = record.without_restricted_actions()
    return PreparedSummary(case_summary(record, now=meta.printed_at, registry=registry),
                           meta=meta, profile=chosen, sections=ids, date_from=date_from,
                           date_to=date_to, item=item, registry=registry, verified=verified)


def summary_story(ws: Workspace, person_id: str, *, meta: PrintMeta,
                  profile: str | RedactionProfile = "internal",
                  sections: Iterable[str] | None = None, date_from: date | None = None,
                  date_to: date | None = None,
                  item: AgendaItem | None = None) -> list[Flowable]:
    """The summary's flowables, for a caller that lays out its own document."""
    return prepare_summary(ws, person_id, meta=meta, profile=profile, sections=sections,
                           date_from=date_from, date_to=date_to, item=item).story()


def meta_for(meta: PrintMeta, profile: RedactionProfile) -> PrintMeta:
    """``meta`` with the audience named in the footer (unless the caller named it)."""
    return meta if meta.profile_label else dataclasses.replace(meta,
                                                               profile_label=profile.label)


def build_summary(ws: Workspace, person_id: str, *, meta: PrintMeta,
                  profile: str = "internal", sections: set[str] | None = None,
                  date_from: date | None = None, date_to: date | None = None) -> bytes:
    """The RMM case summary of one child as a PDF (bytes, built in memory)."""
    prepared = prepare_summary(ws, person_id, meta=meta, profile=profile, sections=sections,
                               date_from=date_from, date_to=date_to)
    story: Callable[[], list[Flowable]] = prepared.story
    return page.render(story, meta_for(meta, prepared.profile))
