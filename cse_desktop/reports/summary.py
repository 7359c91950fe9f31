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
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Paragraph, Table
from reportlab.platypus.flowables import Flowable

from cse_desktop.casework.chronology import (
    ASSOCIATION_LABELS,
    CATEGORY_LABELS,
    POLICE_GRADE_LABELS,
    chronology_of,
    default_registry,
    duration_text,
    filter_chronology,
    rhi_state,
    submission_time,
    uk_datetime,
    uk_day,
)
from cse_desktop.domain.errors import UsageError
from cse_desktop.domain.labels import EDUCATION_LABELS, LEGAL_LABELS, SEN_LABELS
from cse_desktop.domain.models import (
    LOCAL_ZONE,
    RHI_WINDOW,
    Action,
    ActionStatus,
    Association,
    Episode,
    LegalStatus,
    Person,
    Rag,
    RiskLevel,
    Submission,
)
from cse_desktop.forms.explain import approval_words, fired_rule_words, outcome_routes
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.scoring import AWAITING_APPROVAL, WITHHELD_RULE
from cse_desktop.forms.sensitivity import Category
from cse_desktop.forms.spec import (
    PRESENT_LABELS,
    TIMING_LABELS,
    ChoiceField,
    FormSpec,
    IndicatorField,
)
from cse_desktop.reports import page
from cse_desktop.reports.charts import MEETING, SCREENING, RiskPoint, risk_history_chart
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.redaction import RedactionProfile, get_profile
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

SCREENING_FORM = "exploitation-screening"
RMM_FORM = "rmm-review"
RHI_FORM = "return-home-interview"
PARENT_FORM = "parent-session"

#: the screening module of criminal exploitation, and the NRM's value in referral and outcome
#: choices (the screening, the return home interview and the meeting record)
CCE_MODULE = "cce"
NRM = "nrm"

#: missing-episode counts are given for these periods before the document was printed (days)
COUNT_PERIODS = (30, 90, 365)

LEVEL_WORDS = {RiskLevel.NOT_ASSESSED: "Not assessed", RiskLevel.NONE: "No current concern",
               RiskLevel.LOW: "Low", RiskLevel.MEDIUM: "Medium", RiskLevel.HIGH: "High"}
TIER_LABELS = {"critical": "Critical", "significant": "Significant", "moderate": "Moderate",
               "vulnerability": "Vulnerability"}
RAG_LABELS = {Rag.RED: "Red", Rag.AMBER: "Amber", Rag.GREEN: "Green", Rag.COMPLETE: "Complete"}
ACTION_STATUS_LABELS = {ActionStatus.OPEN: "Open", ActionStatus.DONE: "Done",
                        ActionStatus.CANCELLED: "Cancelled"}
#: parent-session attendees who are the child's parents or carers
_CARER_RELATIONSHIPS = {"mother", "father", "step_parent", "foster_carer", "kinship_carer",
                        "grandparent"}
#: flags whose message would tell a family what the child asked to keep from them
_FAMILY_WITHHELD_FLAGS = {"not-for-parent"}

_EPOCH = datetime.min.replace(tzinfo=UTC)
_WIDTH = 178 * mm  # the page's frame width (A4 less 16 mm margins)


class _Cell(Paragraph):
    """A table cell's paragraph that keeps its line breaks for a width it was wrapped at.

    A table is wrapped again every time it splits across a page, so the rows of a long
    chronology were broken into lines once per page they follow; the lines depend only on the
    width, so they are kept.
    """

    _kept: tuple[float, Any] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        kept = self._kept
        if kept is not None and kept[0] == availWidth:
            self.width, self.height, self._wrapWidths, self.blPara = kept[1]
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._kept = (availWidth, (self.width, self.height, self._wrapWidths, self.blPara))
        return size


@dataclass(frozen=True)
class AgendaItem:
    """The meeting a summary is printed for, and why the child is on its agenda."""

    meeting_date: date
    reasons: tuple[str, ...] = ()


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
# Reading answers through the profile


def _words(value: Any) -> str:
    return str(value).replace("_", " ").capitalize()


class _Answers:
    """Form answers as printable words, with withheld ones left out (never read into text)."""

    def __init__(self, profile: RedactionProfile, registry: FormRegistry | None) -> None:
        self.profile = profile
        self.registry = registry

    def spec(self, sub: Submission) -> FormSpec | None:
        if self.registry is None:
            return None
        try:
            return self.registry.get(sub.form_id, sub.form_version)
        except KeyError:
            return None

    def field(self, sub: Submission, field_id: str,
              group_id: str | None = None) -> tuple[Any | None, Any | None]:
        spec = self.spec(sub)
        if spec is None:
            return None, None
        try:
            if group_id is None:
                return spec.field(field_id), None
            group = spec.field(group_id)
        except KeyError:
            return None, None
        subs = getattr(group, "fields", [])
        return next((f for f in subs if f.id == field_id), None), group

    def withheld(self, sub: Submission, field_id: str, group_id: str | None = None) -> bool:
        """Whether this audience may not see the answer: by the field's sensitivity
        categories (and its group's), its ``sensitive`` mark, or because a worker marked it
        restricted."""
        f, group = self.field(sub, field_id, group_id)
        restricted = field_id in sub.restricted_fields or (
            group_id is not None and group_id in sub.restricted_fields)
        return self.profile.withholds_field(f, field_id, group=group, group_id=group_id,
                                            categories=self.categories(sub, field_id,
                                                                       group_id),
                                            restricted=restricted)

    def categories(self, sub: Submission, field_id: str,
                   group_id: str | None = None) -> frozenset[Category] | None:
        """A field's sensitivity categories with its group's (None: no forms to ask)."""
        if self.registry is None:
            return None
        found = self.registry.categories(sub.form_id, sub.form_version, field_id)
        if group_id is not None:
            found |= self.registry.categories(sub.form_id, sub.form_version, group_id)
        return found

    def wording(self, sub: Submission, field_id: str) -> str | None:
        """A question's label in the newest wording of the same question."""
        if self.registry is None:
            return None
        return self.registry.wording(sub.form_id, sub.form_version, field_id)

    def raw(self, sub: Submission, field_id: str) -> Any:
        """The answer, or None if there is none or it is withheld."""
        if field_id not in sub.answers or self.withheld(sub, field_id):
            return None
        return sub.answers[field_id]

    def show(self, sub: Submission, field_id: str, *, group_id: str | None = None,
             row: dict[str, Any] | None = None) -> str:
        """The answer in words ('' if none or withheld). Inside a repeat group pass the
        group and the row."""
        source = sub.answers if row is None else row
        if field_id not in source or self.withheld(sub, field_id, group_id):
            return ""
        value = source[field_id]
        f, _ = self.field(sub, field_id, group_id)
        return self.profile.scrub(self._format(sub, f, value))

    def rows(self, sub: Submission, group_id: str) -> list[dict[str, Any]]:
        """The rows of a repeat group ([] if it is withheld)."""
        value = sub.answers.get(group_id)
        if not isinstance(value, list) or self.withheld(sub, group_id):
            return []
        return [r for r in value if isinstance(r, dict)]

    def _format(self, sub: Submission, f: Any, value: Any) -> str:
        if value is None or value == "" or value == []:
            return ""
        spec = self.spec(sub)
        if isinstance(value, list):
            return ", ".join(self._format(sub, f, v) for v in value)
        if isinstance(f, ChoiceField) and spec is not None:
            newest = (self.registry.wording(sub.form_id, sub.form_version, f.id, str(value))
                      if self.registry is not None else None)
            if newest is not None:  # top-level questions read in the newest wording
                return newest
            for choice in spec.choices_of(f):
                if choice.value == value:
                    return choice.label
            return _words(value)
        kind = getattr(f, "type", None)
        if kind in ("yes_no", "yes_no_possible"):
            return PRESENT_LABELS.get(str(value), _words(value))
        if kind == "date":
            try:
                return uk_day(date.fromisoformat(str(value)))
            except ValueError:
                return str(value)
        if kind == "datetime":
            try:
                at = datetime.fromisoformat(str(value))
            except ValueError:
                return str(value)
            return uk_datetime(at if at.tzinfo else at.replace(tzinfo=LOCAL_ZONE))
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value)


# ---------------------------------------------------------------------------------------------
# The record, read once


@dataclass
class _Record:
    person: Person
    episodes: list[Episode]
    finals: list[Submission]
    current: list[Submission]
    actions: list[Action]
    associations: list[Association]
    #: whether a hub verified each approval, in words, by submission id
    verified: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def read(cls, ws: Workspace, person_id: str) -> _Record:
        person = ws.people.get(person_id)  # NotFound: "There is no person with id ..."
        finals = [s for s in ws.submissions.list(person_id=person.id) if s.is_final]
        amended = {s.amends for s in finals if s.amends}
        return cls(person=person,
                   episodes=ws.episodes.list(person_id=person.id),
                   finals=finals,
                   current=[s for s in finals if s.id not in amended],
                   actions=ws.actions.list(person_id=person.id),
                   associations=ws.associations.list(person_id=person.id),
                   verified={str(s.id): verification_words(ws, s) for s in finals
                             if s.approval is not None})

    def of(self, form_id: str) -> list[Submission]:
        """Current (not amended) final submissions of a form, newest event first."""
        subs = [s for s in self.current if s.form_id == form_id]
        subs.sort(key=lambda s: (submission_time(s)[0], s.finalised_at or _EPOCH), reverse=True)
        return subs

    def latest(self, form_id: str) -> Submission | None:
        subs = self.of(form_id)
        return subs[0] if subs else None


def _event_day(sub: Submission) -> date:
    return submission_time(sub)[0].astimezone(LOCAL_ZONE).date()


def risk_points(record_finals: Sequence[Submission]) -> list[RiskPoint]:
    """Every level decision: each final screening's standing level (on the day it was made
    final, amendments included) and each meeting's agreed level (on the meeting's date)."""
    points = []
    for s in record_finals:
        level: Any = None
        if s.form_id == SCREENING_FORM:
            o = s.outcome or {}
            level = o.get("level") or o.get("agreed_level") or s.answers.get("agreed_level")
            when = (s.finalised_at or s.updated_at).astimezone(LOCAL_ZONE).date()
            source = SCREENING
        elif s.form_id == RMM_FORM:
            level = s.answers.get("agreed_level")
            when = _event_day(s)
            source = MEETING
        if level in RiskLevel._value2member_map_:
            points.append(RiskPoint(when, RiskLevel(level), source))
    points.sort(key=lambda p: p.day)
    return points


# ---------------------------------------------------------------------------------------------
# Building the story


class PreparedSummary:
    """A child's summary, read once; :meth:`story` makes fresh flowables each time."""

    def __init__(self, record: _Record, *, meta: PrintMeta, profile: RedactionProfile,
                 sections: list[str], date_from: date | None, date_to: date | None,
                 item: AgendaItem | None, registry: FormRegistry | None) -> None:
        if profile.withhold_restricted:  # actions marked restricted stay with the team
            record = dataclasses.replace(record, actions=[x for x in record.actions
                                                          if not x.restricted])
        self.record = record
        self.person = record.person
        self.meta = meta
        self.profile = profile
        self.sections = sections
        self.date_from, self.date_to = date_from, date_to
        self.item = item
        self.registry = registry
        self.answers = _Answers(profile, registry)
        self.now = meta.printed_at.astimezone(UTC)
        self.today = meta.printed_at.astimezone(LOCAL_ZONE).date()
        st = page.styles()
        st["label"] = ParagraphStyle("label", parent=st["cell"], textColor=page.MUTED)
        self.st = st
        self._cells: dict[tuple[str, str, float], _Cell] = {}

    # -- small builders (every text goes through the profile's scrub) ---------------------

    def s(self, value: Any) -> str:
        return self.profile.scrub("" if value is None else str(value))

    def para(self, value: Any, style: str = "body") -> Paragraph:
        return Paragraph(page.text(self.s(value)), self.st[style])

    def labelled(self, label: str, value: Any, style: str = "body") -> Paragraph:
        return Paragraph(f"<b>{page.text(label)}</b> {page.text(self.s(value))}", self.st[style])

    def table(self, rows: list[list[Any]], widths: list[float], *, header: bool = True,
              **kw: Any) -> Table:
        """page.table, with every text scrubbed for the audience, in cells that remember their
        layout (a long table is measured again each time it splits across a page)."""
        clean = [[self._cell(self.s(c), "cellhead" if header and r == 0 else "cell",
                             widths[i]) if isinstance(c, str) else c
                  for i, c in enumerate(row)] for r, row in enumerate(rows)]
        return page.table(clean, widths, header=header, st=self.st, **kw)

    def _cell(self, value: str, style: str, width: float) -> _Cell:
        """The cell for ``value`` in a column of ``width``: made once and reused by the second
        layout pass (and by equal cells in columns of the same width), lines and all."""
        key = (value, style, width)
        cell = self._cells.get(key)
        if cell is None:
            cell = self._cells[key] = _Cell(page.text(value), self.st[style])
        return cell

    def facts(self, pairs: list[tuple[str, Any]], columns: int = 2) -> Table | Paragraph:
        """Label and value pairs in a ruled grid, ``columns`` pairs a row; empty values left
        out."""
        pairs = [(k, v) for k, v in pairs if v not in (None, "", [])]
        if not pairs:
            return page.empty("Nothing recorded.", self.st)
        label_w = 34 * mm if columns == 2 else 44 * mm
        value_w = _WIDTH / columns - label_w
        rows = []
        for i in range(0, len(pairs), columns):
            row: list[Any] = []
            for k, v in pairs[i:i + columns]:
                row += [Paragraph(page.text(k), self.st["label"]),
                        Paragraph(page.text(self.s(v)), self.st["cell"])]
            row += [""] * (2 * columns - len(row))
            rows.append(row)
        return page.table(rows, [label_w, value_w] * columns, header=False, st=self.st,
                          extra=[("BACKGROUND", (c, 0), (c, -1), page.HEAD_FILL)
                                 for c in range(0, 2 * columns, 2)])

    def h2(self, title: str) -> list[Flowable]:
        """A sub-heading, moved to the next page rather than left alone at the foot of one."""
        return [CondPageBreak(30 * mm), Paragraph(page.text(title), self.st["h2"])]

    def nothing(self, message: str) -> Paragraph:
        return page.empty(message, self.st)

    # -- the story ----------------------------------------------------------------------------

    def story(self) -> list[Flowable]:
        out: list[Flowable] = self._header()
        for section in self.sections:
            out += [CondPageBreak(40 * mm), Paragraph(page.text(SECTIONS[section]),
                                                      self.st["h1"])]
            out += getattr(self, f"_{section}")()
        if not self.sections:
            out.append(self.nothing("No sections were chosen for this summary."))
        return out

    def _header(self) -> list[Flowable]:
        p = self.person
        age = p.age_on(self.today)
        aka = f" (also known as {', '.join(p.also_known_as)})" if p.also_known_as else ""
        lines = [
            Paragraph(page.text(f"{DOCUMENT_TITLE}: {p.display_name}{aka}"), self.st["title"]),
            Paragraph(page.text(f"Born {uk_day(p.dob)} (age {age}) · Current risk level: "
                                f"{LEVEL_WORDS[p.risk_level]} · Prepared for: "
                                f"{self.profile.label}"), self.st["subtitle"]),
        ]
        if self.item is not None and "meeting" not in self.sections:
            reasons = "; ".join(self.item.reasons)
            lines.append(Paragraph(page.text(
                f"For the Risk Management Meeting on {uk_day(self.item.meeting_date)}"
                + (f". On the agenda: {reasons}." if reasons else ".")), self.st["subtitle"]))
        lines += self._warnings_box()
        if self.profile.redacts:
            lines.append(Paragraph(page.text(
                f"This copy is prepared for this audience ({self.profile.label}). Information "
                "that may not be shared with it has been left out."), self.st["small"]))
        lines.append(page.gap(1))
        return lines

    # -- warnings a chair needs, near the top -------------------------------------------------

    def warnings(self) -> list[tuple[str, str]]:
        """What the chair must not miss, as (headline, detail): a child with current criminal
        exploitation indicators and no NRM referral recorded, return home interviews overdue,
        missing now, a review overdue, a lower level awaiting approval. Only what this audience
        may see is counted."""
        out: list[tuple[str, str]] = []
        nrm = self._nrm_warning()
        if nrm:
            out.append(nrm)
        for e in sorted(self.record.episodes, key=lambda e: e.started_at):
            if e.returned_at is None:
                out.append(("Missing now", f"Reported missing {uk_datetime(e.started_at)}, "
                                           "not yet returned."))
                continue
            state = rhi_state(e, self.now, self.record.finals, self.registry)
            if state.overdue and state.due_at is not None:
                out.append(("Return home interview overdue",
                            f"{state.clock[:1].upper()}{state.clock[1:]}: the young person "
                            f"returned {uk_datetime(e.returned_at)}; the interview was due by "
                            f"{uk_datetime(state.due_at)}."))
        review = self.person.next_review
        if review is not None and review < self.today:
            out.append(("Review overdue", f"The next review was due on {uk_day(review)}."))
        screening = self.record.latest(SCREENING_FORM)
        if screening is not None and (screening.outcome or {}).get("approval_pending"):
            out.append((AWAITING_APPROVAL, str((screening.outcome or {}).get(
                "level_standing_because") or "")))
        return out

    def _nrm_warning(self) -> tuple[str, str] | None:
        screening = self.record.latest(SCREENING_FORM)
        spec = self.answers.spec(screening) if screening is not None else None
        if screening is None or spec is None or self._nrm_recorded():
            return None
        current = [f for f in spec.all_fields() if isinstance(f, IndicatorField)
                   and CCE_MODULE in f.modules and _current_yes(screening.answers.get(f.id))
                   and not self.answers.withheld(screening, f.id)]
        if not current:
            return None
        n = len(current)
        return (f"{LEVEL_WORDS[self.person.risk_level]}, current criminal exploitation "
                "indicators, no NRM referral recorded",
                f"The screening of {uk_day(_event_day(screening))} records {n} current "
                f"criminal exploitation indicator{'s' if n != 1 else ''}; neither the young "
                "person's record, a meeting decision nor a referral made at a screening or "
                "return home interview shows a National Referral Mechanism referral. "
                "Consider a referral.")

    def _nrm_recorded(self) -> bool:
        """An NRM referral is recorded: on the person record, as a meeting's decision
        (version 2's outcomes, version 1's pathway) or as a referral made at a screening or a
        return home interview."""
        if self.person.nrm_referral:
            return True
        for sub in self.record.current:
            a = sub.answers
            if sub.form_id == RMM_FORM and (a.get("pathway") == NRM or (
                    isinstance(a.get("outcomes"), list) and NRM in a["outcomes"])):
                return True
            if isinstance(a.get("referrals"), list) and NRM in a["referrals"]:
                return True
        return False

    def _warnings_box(self) -> list[Flowable]:
        found = self.warnings()
        if not found:
            return []
        red = page.RAG_COLOURS["red"]
        rows = [[Paragraph(f"<font color='#b3261e'><b>{page.text(self.s(head))}</b></font>"
                           + (f" {page.text(self.s(detail))}" if detail else ""),
                           self.st["cell"])] for head, detail in found]
        box = Table([[Paragraph("<b>Warnings for the chair</b>", self.st["cell"])], *rows],
                    colWidths=[_WIDTH])
        box.setStyle([("BOX", (0, 0), (-1, -1), 1.2, red),
                      ("LINEBEFORE", (0, 0), (0, -1), 4, red),
                      ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fbeaea")),
                      ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                      ("LEFTPADDING", (0, 0), (-1, -1), 7)])
        return [page.gap(1), box, page.gap(1)]

    # -- 1. meeting ---------------------------------------------------------------------------

    def _meeting(self) -> list[Flowable]:
        out: list[Flowable] = []
        if self.item is not None:
            out.append(self.labelled("This meeting:", uk_day(self.item.meeting_date)))
            if self.item.reasons:
                out.append(self.labelled("Why on the agenda:", "; ".join(self.item.reasons)))
        rmm = self.record.latest(RMM_FORM)
        if rmm is None:
            out.append(self.nothing("No Risk Management Meeting has been recorded for this "
                                    "young person yet."))
            return out
        a = self.answers
        out.append(self.facts([
            ("Last meeting", uk_day(_event_day(rmm))),
            ("Chair", a.show(rmm, "chair")),
            ("Why on that agenda", a.show(rmm, "item_reason")),
            ("How the young person took part", _with(a.show(rmm, "child_took_part"),
                                                     a.show(rmm, "child_not_asked_reason"))),
            ("How the parent or carer took part", _with(a.show(rmm, "parent_took_part"),
                                                        a.show(rmm, "parent_not_asked_reason"))),
            ("Young person told the outcome", self._told(rmm, "child")),
            ("Parent or carer told the outcome", self._told(rmm, "parent")),
            ("Themes discussed", _with(a.show(rmm, "themes"), a.show(rmm, "themes_other"))),
        ], columns=1))
        rows = a.rows(rmm, "attendees")
        if rows:
            contacts = [a.show(rmm, "att_contact", group_id="attendees", row=r) for r in rows]
            with_contact = any(contacts) and not self.profile.withhold_contact_details
            head = ["Name", "Agency", "Role", "Attended"] + (["Contact"] if with_contact else [])
            body = [[a.show(rmm, k, group_id="attendees", row=r)
                     for k in ("att_name", "att_agency", "att_role", "att_attendance")]
                    + ([contact] if with_contact else [])
                    for r, contact in zip(rows, contacts, strict=True)]
            widths = ([44, 50, 50, 34] if not with_contact else [38, 40, 38, 24, 38])
            out += [page.gap(2), *self.h2("Attendees and apologies"),
                    self.table([head, *body], [w * mm for w in widths])]
        return out

    def _told(self, rmm: Submission, who: str) -> str:
        """Whether the young person (``who`` "child") or the parent or carer ("parent") was
        told what the meeting decided: when and by whom, or why not (version 2)."""
        a = self.answers
        told = a.raw(rmm, f"{who}_told")
        when, by = a.show(rmm, f"{who}_told_date"), a.show(rmm, f"{who}_told_by")
        detail = ", ".join(p for p in (f"on {when}" if when else "",
                                       f"by {by}" if by else "") if p)
        if told == "yes":
            return "Yes" + (f", {detail}" if detail else "") + "."
        if told == "planned":
            return "Not yet: planned" + (f", {detail}" if detail else "") + "."
        if told == "no":
            return _with("No", a.show(rmm, f"{who}_told_reason"))
        return ""

    # -- 2. child -----------------------------------------------------------------------------

    def _child(self) -> list[Flowable]:
        p, prof = self.person, self.profile
        looked_after = p.legal_status in (LegalStatus.LAC_S20, LegalStatus.LAC_S31,
                                          LegalStatus.LAC_S38)
        pairs: list[tuple[str, Any]] = [
            ("Name", p.display_name),
            ("Also known as", ", ".join(p.also_known_as)),
            ("Date of birth", f"{uk_day(p.dob)} (age {p.age_on(self.today)})"),
            ("Gender", p.gender),
            ("Ethnicity", p.ethnicity),
            ("Legal status", LEGAL_LABELS[p.legal_status]),
            ("Looked after", "Yes" if looked_after else "No"),
            ("Placing authority", p.placing_la),
            ("UASC", "Yes" if p.uasc else "No"),
            ("NRM referral", "Yes" if p.nrm_referral else "No"),
            ("Special educational needs", SEN_LABELS[p.sen]),
            ("Disability", ", ".join(p.disability)),
            ("Education", EDUCATION_LABELS[p.education_status]),
            ("School or college", p.school),
            ("Allocated worker", p.allocated_worker),
            ("Team", p.team),
            ("Current risk level", LEVEL_WORDS[p.risk_level]),
            ("Next review", uk_day(p.next_review) if p.next_review else ""),
        ]
        if not prof.withhold_address:
            pairs.insert(5, ("Address", ", ".join(x for x in (p.address, p.postcode) if x)))
        out: list[Flowable] = [self.facts(pairs)]
        if not prof.withhold_third_party:
            carers = self._carers()
            if carers:
                out += [page.gap(2), *self.h2("Parents and carers"),
                        self.table([["Name", "Relationship", "Recorded at"], *carers],
                                   [70 * mm, 60 * mm, 48 * mm])]
        return out

    def _carers(self) -> list[list[str]]:
        seen: dict[str, list[str]] = {}
        for sub in reversed(self.record.of(PARENT_FORM)):  # oldest first: newest wins
            for row in self.answers.rows(sub, "attendees"):
                if row.get("attendee_relationship") not in _CARER_RELATIONSHIPS:
                    continue
                name = self.answers.show(sub, "attendee_name", group_id="attendees", row=row)
                if name:
                    seen[name.casefold()] = [
                        name, self.answers.show(sub, "attendee_relationship",
                                                group_id="attendees", row=row),
                        f"Parent session, {uk_day(_event_day(sub))}"]
        return list(seen.values())

    # -- 3. professionals ---------------------------------------------------------------------

    def _professionals(self) -> list[Flowable]:
        a, rec = self.answers, self.record
        people: dict[str, dict[str, Any]] = {}

        def add(name: str, agency: str = "", role: str = "", contact: str = "") -> None:
            name = " ".join(name.split())
            if not name:
                return
            entry = people.setdefault(name.casefold(), {"name": name, "agency": "",
                                                        "roles": [], "contact": ""})
            entry["agency"] = entry["agency"] or agency
            if role and role not in entry["roles"]:
                entry["roles"].append(role)
            entry["contact"] = entry["contact"] or contact

        add(self.person.allocated_worker, self.person.team, "Allocated worker")
        rmm = rec.latest(RMM_FORM)
        if rmm is not None:
            for row in a.rows(rmm, "attendees"):
                add(a.show(rmm, "att_name", group_id="attendees", row=row),
                    a.show(rmm, "att_agency", group_id="attendees", row=row),
                    a.show(rmm, "att_role", group_id="attendees", row=row)
                    or "Risk Management Meeting",
                    a.show(rmm, "att_contact", group_id="attendees", row=row))
            g = "professionals"  # involved, not at the meeting (version 2)
            for row in a.rows(rmm, g):
                add(a.show(rmm, "prof_name", group_id=g, row=row),
                    a.show(rmm, "prof_agency", group_id=g, row=row),
                    a.show(rmm, "prof_role", group_id=g, row=row),
                    a.show(rmm, "prof_contact", group_id=g, row=row))
        for action in rec.actions:
            if action.status is ActionStatus.OPEN:
                add(action.owner, action.agency, "Action owner")
        rhi = rec.latest(RHI_FORM)
        if rhi is not None:
            add(a.show(rhi, "interviewer"), a.show(rhi, "interviewer_independence"),
                "Return home interview")
        session = rec.latest(PARENT_FORM)
        if session is not None:
            add(a.show(session, "worker"), "", "Parent and carer support")
        if not people:
            return [self.nothing("No professionals are recorded yet.")]
        with_contact = any(p["contact"] for p in people.values()) \
            and not self.profile.withhold_contact_details
        head = ["Name", "Agency", "Role"] + (["Contact"] if with_contact else [])
        rows = [[p["name"], p["agency"], "; ".join(p["roles"])]
                + ([p["contact"]] if with_contact else []) for p in people.values()]
        widths = [50, 60, 68] if not with_contact else [42, 46, 50, 40]
        return [self.table([head, *rows], [w * mm for w in widths])]

    # -- 4. concerns --------------------------------------------------------------------------

    def _concerns(self) -> list[Flowable]:
        a, rec = self.answers, self.record
        rmm, screening = rec.latest(RMM_FORM), rec.latest(SCREENING_FORM)
        out: list[Flowable] = []
        if rmm is not None and a.show(rmm, "presenting_concerns"):
            out.append(self.labelled(f"Presenting concerns (meeting of "
                                     f"{uk_day(_event_day(rmm))}):",
                                     a.show(rmm, "presenting_concerns")))
        elif screening is not None and a.show(screening, "reason"):
            out.append(self.labelled(f"Reason for the latest screening "
                                     f"({uk_day(_event_day(screening))}):",
                                     a.show(screening, "reason")))
        pairs: list[tuple[str, Any]] = []
        for sub in (rmm, screening):
            if sub is not None and a.show(sub, "exploitation_types"):
                types = a.show(sub, "exploitation_types")
                other = a.show(sub, "exploitation_types_other")
                pairs.append(("Type of exploitation", f"{types} ({other})" if other else types))
                break
        if screening is not None:
            pairs.append(("Pattern", a.show(screening, "exploitation_models")))
        if rmm is not None:
            pairs += [("What agencies shared", a.show(rmm, "discussion_summary")),
                      ("Other children at risk", a.show(rmm, "other_children_at_risk")),
                      ("Who, and what is done", a.show(rmm, "other_children_detail"))]
        if screening is not None:  # (its safety goal is printed with the safety plan)
            pairs.append(("Danger statement", a.show(screening, "danger_statement")))
        if any(v for _, v in pairs):
            out += [page.gap(1), self.facts(pairs, columns=1)]
        if not out:
            return [self.nothing("No concerns have been recorded yet: there is no final "
                                 "screening or meeting record.")]
        return out

    # -- 5. risk ------------------------------------------------------------------------------

    def _risk(self) -> list[Flowable]:
        a, rec = self.answers, self.record
        screening = rec.latest(SCREENING_FORM)
        out: list[Flowable] = []
        if screening is None:
            out.append(self.nothing("No final exploitation screening has been recorded."))
        else:
            o = screening.outcome or {}
            suggested = o.get("suggested_level")
            agreed = o.get("agreed_level") or screening.answers.get("agreed_level")
            stands = o.get("level")
            pending = bool(o.get("approval_pending"))
            review = o.get("review_date")
            set_by = o.get("level_set_by") or {}
            pairs: list[tuple[str, Any]] = [
                ("Latest screening", uk_datetime(screening.finalised_at)
                 if screening.finalised_at else ""),
                ("Suggested level", _level_words(suggested)),
                ("Set by", self._shown(screening, set_by, "text", "withheld")),
                ("Agreed level", _level_words(agreed)),
                ("Level that stands", f"{_level_words(stands)}. "
                                      f"{o.get('level_standing_because', '')}" if pending
                 else ""),
                ("Why the agreed level differs", a.show(screening, "override_rationale")),
                ("Approval", self._approval(screening) if o.get("downgrade") and not pending
                 else ""),
                ("Review by", uk_day(date.fromisoformat(review)) if review else ""),
            ]
            out.append(self.facts(pairs, columns=1))
            out += self._rules_fired(screening)
            routes = outcome_routes(o)
            if routes:
                out += self.h2("What happens next")
                out += [self.labelled(f"{r['label']}:", r["text"] + (
                    f" Why: {self._shown(screening, r, 'reason', 'reason_withheld')}."
                    if r.get("reason") else "")) for r in routes]
        out += [page.gap(2), self.labelled("Trajectory:", self._trajectory())]
        points = risk_points(rec.finals)
        out += self.h2("Risk level over time")
        if points:
            out.append(risk_history_chart(points, until=self.today))
            out.append(self.para("Each final screening and each meeting decision sets the "
                                 "level; the last one holds until the date printed.", "small"))
        else:
            out.append(self.nothing("No screening or meeting has set a level yet."))
        if screening is not None:
            out += [*self.h2("Indicators present (latest screening)"),
                    *self._indicators(screening)]
        return out

    def _rules_fired(self, screening: Submission) -> list[Flowable]:
        """Every rule that fired, in order of effect (the one that set the level first), each
        without the answers that made it apply when this audience may not see one of them."""
        rules = [r for r in (screening.outcome or {}).get("rules_fired") or []
                 if isinstance(r, dict) and r.get("text")]
        if not rules:
            return []
        lines = []
        for i, r in enumerate(rules, start=1):
            text = self._shown(screening, r, "text", "withheld") or WITHHELD_RULE
            lines.append(self.para(f"{i}. {fired_rule_words({**r, 'text': text})}", "cell"))
        return [*self.h2("Rules that fired, in order of effect on the level"), *lines,
                self.para("The first rule set the level; rules marked 'no effect' gave a "
                          "lower level.", "small")]

    def _approval(self, screening: Submission) -> str:
        """Who approved the lower level, when, why (unless this audience may not read the
        reasons for the level), and whether a hub verified it: as the outcome panel says."""
        o = dict(screening.outcome or {})
        if o.get("approval") and self.answers.withheld(screening, "override_rationale"):
            o["approval"] = {**o["approval"], "rationale": "left out of this copy"}
        return approval_words(o, self.record.verified.get(str(screening.id), ""))

    def _shown(self, screening: Submission, part: dict[str, Any], full: str,
               short: str) -> str:
        """An outcome sentence, without the indicators that made it apply when this
        audience may not see one of them."""
        hidden = any(self.answers.withheld(screening, i) for i in part.get("indicators") or [])
        return str(part.get(short) or "") if hidden else str(part.get(full) or "")

    def _withheld_flags(self, sub: Submission) -> set[str]:
        """The ids of a submission's flags this audience may not see: those whose condition
        reads an answer withheld from it (and, where third-party information is withheld,
        the child's wish that something is not shared with a parent)."""
        out = set(_FAMILY_WITHHELD_FLAGS) if self.profile.withhold_third_party else set()
        spec = self.answers.spec(sub)
        if spec is None:
            return out
        ids = {f.id for f in spec.all_fields()}
        for flag in spec.flags:
            if any(self.answers.withheld(sub, name) for name in _flag_names(flag.when) & ids):
                out.add(flag.id)
        return out

    def _trajectory(self) -> str:
        rmm = self.record.latest(RMM_FORM)
        if rmm is not None and self.answers.show(rmm, "trajectory"):
            return (f"{self.answers.show(rmm, 'trajectory')} (meeting of "
                    f"{uk_day(_event_day(rmm))})")
        points = risk_points(self.record.finals)
        if len(points) < 2:
            return "Not enough decisions yet to say."
        before, after = points[-2].level.rank, points[-1].level.rank
        word = "Increased" if after > before else "Reduced" if after < before \
            else "Stayed the same"
        return (f"{word}: {LEVEL_WORDS[points[-2].level]} on {uk_day(points[-2].day)}, "
                f"{LEVEL_WORDS[points[-1].level]} on {uk_day(points[-1].day)}")

    def _indicators(self, screening: Submission) -> list[Flowable]:
        spec = self.answers.spec(screening)
        if spec is None:
            return [self.nothing("The screening's form version is not available.")]
        detail = not self.profile.withholds_indicator_detail
        rows = []
        for f in spec.all_fields():
            if not isinstance(f, IndicatorField):
                continue
            value = screening.answers.get(f.id)
            if not isinstance(value, dict) or value.get("present") not in ("yes", "possible"):
                continue
            if self.answers.withheld(screening, f.id):  # by category: never a row at all
                continue
            label = self.answers.wording(screening, f.id) or f.label
            row = [label, TIER_LABELS.get(str(f.tier), _words(f.tier)),
                   PRESENT_LABELS.get(value["present"], _words(value["present"])),
                   TIMING_LABELS.get(str(value.get("timing")), "") if f.asks_timing else "",
                   _words(value["evidence"]) if value.get("evidence") else ""]
            if detail:
                row.append(str(value.get("detail", "") or ""))
            rows.append(row)
        if not rows:
            return [self.nothing("No indicators were recorded as present"
                                 + (" that can be shown to this audience."
                                    if self.profile.withheld_categories else "."))]
        head = ["Indicator", "Tier", "Present", "When", "Evidence"] + (["Detail"] if detail
                                                                        else [])
        widths = [62, 22, 18, 30, 22, 24] if detail else [76, 24, 20, 34, 24]
        return [self.table([head, *rows], [w * mm for w in widths])]

    # -- 6. missing ---------------------------------------------------------------------------

    def _missing(self) -> list[Flowable]:
        episodes = sorted(self.record.episodes, key=lambda e: e.started_at, reverse=True)
        counts = missing_counts(episodes, self.now)
        head = [f"Last {days} days" for days in COUNT_PERIODS] + ["All recorded"]
        out: list[Flowable] = [self.table(
            [head, [str(counts[d]) for d in COUNT_PERIODS] + [str(len(episodes))]],
            [_WIDTH / 4] * 4)]
        if any(e.returned_at is None for e in episodes):
            out.append(self.para("Missing now: an episode is open (the young person has not "
                                 "returned).", "body"))
        if not episodes:
            out.append(self.nothing("No missing episodes have been recorded."))
            return out
        hide_where = self.profile.withhold_location or self.profile.withhold_intelligence \
            or self.profile.withhold_sensitive_fields
        head = ["Went missing", "Returned", "Duration", *([] if hide_where else ["Found"]),
                "Return home interview", "Within 72 h"]
        rows = [self._episode_row(e, hide_where) for e in episodes]
        widths = ([32, 30, 24, 30, 38, 24] if not hide_where else [36, 34, 26, 52, 30])
        out += [page.gap(2), self.table([head, *rows], [w * mm for w in widths])]
        return out

    def _episode_row(self, e: Episode, hide_where: bool) -> list[str]:
        started = uk_datetime(e.started_at)
        if e.category.value != "missing":
            started += f"\n{CATEGORY_LABELS[e.category]}"
        started += f"\nPolice grade: {POLICE_GRADE_LABELS[e.police_risk_grade]}"
        returned = uk_datetime(e.returned_at) if e.returned_at else "Not yet returned"
        duration = ""
        if e.duration is not None:
            duration = duration_text(e.duration) + (", overnight" if e.overnight else "")
        state = rhi_state(e, self.now, self.record.finals, self.registry)
        interview = self._interview(e)
        rhi = state.status + (f", {state.clock}" if state.clock else "")
        on_time = ""
        if interview is not None:
            when, label = interview
            rhi += f"\n{label} {uk_datetime(when)}"
            if e.returned_at is not None:
                on_time = "Yes" if when - e.returned_at <= RHI_WINDOW else \
                    f"No ({duration_text(when - e.returned_at)} after return)"
        elif state.owed and state.due_at is not None:
            on_time = f"Due by {uk_datetime(state.due_at)}"
        elif e.returned_at is not None and state.status != "Not yet due":
            on_time = "Not recorded"
        reason = self._rhi_reason(e)
        if reason:
            rhi += f"\nWhy: {reason}"
        harm = self._harm(e)
        if harm:
            rhi += f"\nHarm disclosed: {harm}"
        row = [started, returned, duration]
        if not hide_where:
            row.append(e.where_found)
        return [*row, rhi, on_time]

    def _rhi_for(self, e: Episode) -> Submission | None:
        subs = [s for s in self.record.of(RHI_FORM) if s.episode_id == e.id]
        return subs[0] if subs else None

    def _interview(self, e: Episode) -> tuple[datetime, str] | None:
        """When the interview took place (completed) or was offered, from the final RHI."""
        sub = self._rhi_for(e)
        if sub is None:
            return None
        for field_id, label in (("interview_at", "Interviewed"), ("offered_at", "Offered")):
            value = sub.answers.get(field_id)
            if value:
                try:
                    at = datetime.fromisoformat(value)
                except ValueError:
                    continue
                return (at if at.tzinfo else at.replace(tzinfo=LOCAL_ZONE)), label
        return None

    def _rhi_reason(self, e: Episode) -> str:
        """Why the interview was not offered, or not completed (the form asks every time)."""
        sub = self._rhi_for(e)
        if sub is None or sub.answers.get("outcome") in (None, "completed"):
            return ""
        return self.answers.show(sub, "outcome_reason")

    def _harm(self, e: Episode) -> str:
        sub = self._rhi_for(e)
        if sub is None or self.profile.withhold_sensitive_fields:
            return ""
        harm = sub.answers.get("harm")
        if not harm or harm == ["none"]:
            return ""
        return self.answers.show(sub, "harm")

    # -- 7. chronology ------------------------------------------------------------------------

    def _chronology(self) -> list[Flowable]:
        prof, rec = self.profile, self.record
        hide_where = prof.withhold_location or prof.withhold_intelligence \
            or prof.withhold_sensitive_fields
        episodes = [e.model_copy(update={"where_found": ""}) if hide_where else e
                    for e in rec.episodes]
        finals = rec.finals
        # a flag raised by answers this audience may not see ("harm disclosed", "asked that
        # something is not shared with a parent") says too much on its own
        finals = [_without_flags(f, self._withheld_flags(f)) for f in finals]
        if prof.withhold_restricted:  # the chronology quotes some answers (a session's summary)
            finals = [_without_restricted(f) for f in finals]
        events = chronology_of(rec.person, episodes, finals, rec.actions,
                               [] if prof.withhold_associations else rec.associations,
                               now=self.now, registry=self.registry, include_drafts=False)
        events = [e for e in events if not (e.restricted and prof.withhold_associations)]
        events = filter_chronology(events, start=self.date_from, end=self.date_to)
        # cut off at the time printed: a record dated later (entered ahead, or a copy printed
        # as at an earlier time) is not part of the record this document shows
        events = [e for e in events if e.at <= self.now]
        span = _span_words(self.date_from, self.date_to)
        out: list[Flowable] = [self.para(
            f"{span}, up to the time printed ({uk_datetime(self.now)}): nothing dated later is "
            "included. Final records only (drafts are not part of the record); newest first.",
            "small")]
        if not events:
            out.append(self.nothing("Nothing is recorded in this period."))
            return out
        rows = []
        for e in events:
            detail = e.detail
            when = uk_day(e.local_date) if e.all_day else uk_datetime(e.at)
            rows.append([when, e.kind_label, Paragraph(
                f"<b>{page.text(self.s(e.title))}</b>"
                + (f"<br/>{page.text(self.s(' '.join(detail.split())))}" if detail.strip()
                   else ""), self.st["cell"])])
        out.append(self.table([["When", "Type", "What happened"], *rows],
                              [30 * mm, 30 * mm, 118 * mm]))
        return out

    # -- 8. associations ----------------------------------------------------------------------

    def _associations(self) -> list[Flowable]:
        a, rec, prof = self.answers, self.record, self.profile
        out: list[Flowable] = []
        if not prof.withhold_associations and rec.associations:
            rows = [[ASSOCIATION_LABELS[x.association_kind], x.description, x.details, x.area,
                     uk_day(x.created_at.astimezone(LOCAL_ZONE).date())]
                    for x in sorted(rec.associations, key=lambda x: x.created_at, reverse=True)]
            out += [*self.h2("Linked records (restricted)"),
                    self.table([["Kind", "Description", "Details", "Area", "Recorded"], *rows],
                               [w * mm for w in (24, 50, 50, 30, 24)])]
        screening = rec.latest(SCREENING_FORM)
        if screening is not None:
            g = "people_of_concern"
            rows = [[a.show(screening, k, group_id=g, row=r) for k in (
                "poc_name", "poc_age", "poc_relationship", "poc_contact", "poc_vehicle",
                "poc_area", "poc_reported")] for r in a.rows(screening, g)]
            if rows:
                out += [*self.h2(f"People of concern (screening of "
                                  f"{uk_day(_event_day(screening))})"),
                        self.table([["Name", "Age", "Relationship", "Contact", "Vehicle",
                                     "Area", "Told police"], *rows],
                                   [w * mm for w in (32, 12, 28, 30, 30, 28, 18)])]
            g = "places_of_concern"
            rows = [[a.show(screening, k, group_id=g, row=r)
                     for k in ("place_name", "place_type", "place_dates")]
                    for r in a.rows(screening, g)]
            if rows:
                out += [*self.h2("Places of concern (screening)"),
                        self.table([["Place", "Type", "When"], *rows],
                                   [w * mm for w in (80, 48, 50)])]
        places, people = [], []
        for rhi in rec.of(RHI_FORM):
            when = uk_day(_event_day(rhi))
            places += [[a.show(rhi, k, group_id="locations", row=r)
                        for k in ("loc_place", "loc_type", "loc_when", "loc_town")] + [when]
                       for r in a.rows(rhi, "locations")]
            people += [[a.show(rhi, k, group_id="people_with", row=r)
                        for k in ("pw_name", "pw_age", "pw_relationship", "pw_vehicle",
                                  "pw_contact")] + [when]
                       for r in a.rows(rhi, "people_with")]
        if places:
            out += [*self.h2("Where the young person went while missing (return home "
                              "interviews)"),
                    self.table([["Place", "Type", "When", "Town", "Interview"], *places],
                               [w * mm for w in (56, 30, 34, 30, 28)])]
        discussed, seen = [], set()
        for rmm in rec.of(RMM_FORM):  # newest first (version 2)
            for r in a.rows(rmm, "discussed"):
                row = [a.show(rmm, k, group_id="discussed", row=r)
                       for k in ("disc_kind", "disc_name", "disc_detail", "disc_on_record")]
                if tuple(row[:3]) not in seen and any(row[:3]):
                    seen.add(tuple(row[:3]))
                    discussed.append([*row, uk_day(_event_day(rmm))])
        if discussed:
            out += [*self.h2("Discussed at Risk Management Meetings"),
                    self.table([["What", "Name or description", "What the meeting heard or "
                                 "agreed", "On the record", "Meeting"], *discussed],
                               [w * mm for w in (22, 40, 62, 32, 22)])]
        if people:
            out += [*self.h2("Who they were with (return home interviews)"),
                    self.table([["Name", "Age", "Relationship", "Vehicle", "Contact",
                                 "Interview"], *people],
                               [w * mm for w in (40, 12, 34, 34, 30, 28)])]
        return out or [self.nothing("No people, places, vehicles or handles of concern are "
                                    "recorded.")]

    # -- 9. disruption ------------------------------------------------------------------------

    def _disruption(self) -> list[Flowable]:
        a = self.answers
        rows, seen = [], set()
        for rmm in self.record.of(RMM_FORM):
            for r in a.rows(rmm, "disruption"):
                tactic = a.show(rmm, "dis_tactic", group_id="disruption", row=r)
                other = a.show(rmm, "dis_tactic_other", group_id="disruption", row=r)
                row = [f"{tactic}: {other}" if other else tactic,
                       a.show(rmm, "dis_target", group_id="disruption", row=r),
                       a.show(rmm, "dis_agency", group_id="disruption", row=r),
                       a.show(rmm, "dis_date", group_id="disruption", row=r),
                       a.show(rmm, "dis_status", group_id="disruption", row=r)]
                key = tuple(row)
                if key in seen:
                    continue
                seen.add(key)
                rows.append([*row, uk_day(_event_day(rmm))])
        if not rows:
            return [self.nothing("No disruption activity has been recorded.")]
        return [self.table([["Tactic", "Aimed at", "Agency leading", "Date", "Status",
                             "Meeting"], *rows], [w * mm for w in (42, 38, 34, 22, 20, 22)])]

    # -- 10. voice ----------------------------------------------------------------------------

    def _voice(self) -> list[Flowable]:
        a, rec = self.answers, self.record
        child: list[tuple[datetime, str, str]] = []
        sources = [(RMM_FORM, "child_voice", "At the meeting"),
                   (SCREENING_FORM, "child_view", "Screening"),
                   (RHI_FORM, "child_own_words", "Return home interview"),
                   (RHI_FORM, "what_would_help", "What would help (return home interview)"),
                   (RHI_FORM, "feeling_notes", "How they feel (return home interview)"),
                   (RHI_FORM, "trusted_adult", "Trusted adult (return home interview)"),
                   (RHI_FORM, "not_share_detail",
                    "Asked that this is not shared with their parent or carer")]
        for form_id, field_id, label in sources:
            for sub in rec.of(form_id):
                text = a.show(sub, field_id)
                if text:
                    child.append((submission_time(sub)[0], label, text))
        parent: list[tuple[datetime, str, str]] = []
        for form_id, field_id, label in [
                (PARENT_FORM, "parent_account", "Parent session, in their words"),
                (PARENT_FORM, "parent_views_rmm", "For the meeting (parent session)"),
                (RMM_FORM, "parent_view", "At the meeting"),
                (SCREENING_FORM, "parent_view", "Screening")]:
            for sub in rec.of(form_id):
                text = a.show(sub, field_id)
                if text:
                    parent.append((submission_time(sub)[0], label, text))
        out: list[Flowable] = [*self.h2("The young person")]
        out += self._quotes(child, "The young person's own words are not included in this "
                            "copy." if self.profile.withhold_sensitive_fields
                            else "Nothing in the young person's own words is recorded yet.")
        out += self.h2("Parent or carer")
        out += self._quotes(parent, "No view from a parent or carer is recorded yet.")
        return out

    def _quotes(self, entries: list[tuple[datetime, str, str]], none: str,
                limit: int = 8) -> list[Flowable]:
        if not entries:
            return [self.nothing(none)]
        entries.sort(key=lambda e: e[0], reverse=True)
        return [Paragraph(f"<b>{page.text(uk_day(at.astimezone(LOCAL_ZONE).date()))}, "
                          f"{page.text(label)}:</b> {page.text(self.s(text))}", self.st["body"])
                for at, label, text in entries[:limit]]

    # -- 11. strengths, safety and support plan ----------------------------------------------

    def _safety(self) -> list[Flowable]:
        a, rec = self.answers, self.record
        rmm, screening = rec.latest(RMM_FORM), rec.latest(SCREENING_FORM)
        pairs: list[tuple[str, Any]] = []
        for sub, where in ((rmm, "meeting"), (screening, "screening")):
            text = a.show(sub, "strengths") if sub is not None else ""
            if sub is not None and text:
                pairs.append((f"Strengths and protective factors ({where} of "
                              f"{uk_day(_event_day(sub))})", text))
                break
        if screening is not None:
            pairs.append((f"Safety goal (screening of {uk_day(_event_day(screening))})",
                          a.show(screening, "safety_goal")))
        out: list[Flowable] = self._meeting_plan(rmm)
        if any(v for _, v in pairs):
            out.append(self.facts(pairs, columns=1))
        else:
            out.append(self.nothing("No strengths or safety goal are recorded yet."))
        out += [*self.h2("Safety plan agreed with the family (parent and carer support)"),
                *self._family_plan()]
        rhi = rec.latest(RHI_FORM)
        if rhi is not None:
            out += [*self.h2("Safety plan from the latest return home interview"),
                    self._rhi_plan(rhi)]
        out += [*self.h2("Support in place"), *self._support(screening, rhi)]
        return out

    def _meeting_plan(self, rmm: Submission | None) -> list[Flowable]:
        """The safety and support plan the latest meeting agreed (version 2), with its steps:
        a move of home or placement is one (a safety step, not disruption)."""
        if rmm is None or "safety_plan" not in rmm.answers:
            return []
        a = self.answers
        pairs: list[tuple[str, Any]] = [
            ("The plan", a.show(rmm, "safety_plan")),
            ("Steps agreed", _with(a.show(rmm, "safety_steps"),
                                   a.show(rmm, "safety_steps_other"))),
            ("The move of home or placement", a.show(rmm, "placement_move_detail")),
        ]
        if not any(v for _, v in pairs):
            return [self.nothing("The meeting's safety and support plan is not included in "
                                 "this copy.")]
        return [*self.h2(f"Safety and support plan (meeting of {uk_day(_event_day(rmm))})"),
                self.facts(pairs, columns=1), page.gap(2)]

    def _family_plan(self) -> list[Flowable]:
        a, g = self.answers, "safety_plan"
        sessions = self.record.of(PARENT_FORM)
        if not sessions:
            return [self.nothing("No parent or carer support session is recorded.")]
        latest = sessions[0]
        planned = next((s for s in sessions if a.rows(s, g)), None)
        if planned is None:
            if any(s.answers.get(g) for s in sessions):  # recorded, but not for this audience
                return [self.nothing("The safety plan is not included in this copy.")]
            return [self.nothing("No safety plan is recorded in a parent or carer support "
                                 "session.")]
        rows = []
        for r in a.rows(planned, g):
            who = a.show(planned, "sp_who", group_id=g, row=r)
            detail = a.show(planned, "sp_who_detail", group_id=g, row=r)
            review = a.show(planned, "sp_review", group_id=g, row=r)
            try:
                late = date.fromisoformat(str(r.get("sp_review"))) < self.today
            except ValueError:
                late = False
            rows.append([a.show(planned, "sp_risk", group_id=g, row=r),
                         a.show(planned, "sp_action", group_id=g, row=r),
                         f"{who}: {detail}" if who and detail else who or detail,
                         a.show(planned, "sp_by_when", group_id=g, row=r),
                         f"{review} (overdue)" if review and late else review])
        note = f"Agreed at the parent or carer support session of {uk_day(_event_day(planned))}."
        if planned is not latest:
            note += (f" The latest session ({uk_day(_event_day(latest))}) recorded no safety "
                     "plan steps.")
        return [self.para(note, "small"),
                self.table([["The worry or situation", "What was agreed", "Who", "By when",
                             "Review on"], *rows], [w * mm for w in (42, 66, 30, 20, 20)])]

    def _rhi_plan(self, rhi: Submission) -> Flowable:
        a = self.answers
        day = uk_day(_event_day(rhi))
        agreed, plan = a.raw(rhi, "safety_plan_agreed"), a.show(rhi, "safety_plan")
        if agreed == "yes" and plan:
            return self.labelled(f"Agreed at the interview of {day}:", plan)
        if agreed == "yes":
            return self.nothing(f"A safety plan was agreed at the interview of {day}; its "
                                "detail is not included in this copy."
                                if rhi.answers.get("safety_plan") else
                                f"A safety plan was agreed at the interview of {day}, but it "
                                "was not written down.")
        if agreed == "no":
            return self.nothing(f"No safety plan was agreed at the interview of {day}.")
        return self.nothing(f"The interview of {day} does not record whether a safety plan "
                            "was agreed.")

    def _support(self, screening: Submission | None,
                 rhi: Submission | None) -> list[Flowable]:
        a = self.answers
        pairs: list[tuple[str, Any]] = []
        if screening is not None and a.show(screening, "referrals"):
            when = a.show(screening, "referral_date")
            pairs.append((f"Referrals (screening of {uk_day(_event_day(screening))})",
                          a.show(screening, "referrals") + (f"; referred {when}" if when
                                                            else "")))
        if rhi is not None and a.show(rhi, "referrals"):
            other = a.show(rhi, "referrals_other")
            pairs.append((f"Referrals (return home interview of {uk_day(_event_day(rhi))})",
                          a.show(rhi, "referrals") + (f" ({other})" if other else "")))
        session = self.record.latest(PARENT_FORM)
        if session is not None:
            day = uk_day(_event_day(session))
            if a.raw(session, "support_ending") == "yes":
                reason = a.show(session, "ending_reason")
                text = f"Ended at the session of {day}" + (f": {reason}" if reason else ".")
            else:
                nxt = a.show(session, "next_session_date")
                text = f"Ongoing: last session {day}" + (f"; next session {nxt}." if nxt
                                                          else ".")
            pairs.append(("Parent and carer support", text))
        if not pairs:
            return [self.nothing("No referrals or parent and carer support are recorded.")]
        return [self.facts(pairs, columns=1)]

    # -- 12. actions --------------------------------------------------------------------------

    def _actions(self) -> list[Flowable]:
        actions = self.record.actions
        if not actions:
            return [self.nothing("No actions are recorded.")]
        order = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.COMPLETE: 3}
        open_ = sorted((x for x in actions if x.status is ActionStatus.OPEN),
                       key=lambda x: (order[x.rag(self.today)], x.due or date.max))
        closed = sorted((x for x in actions if x.status is not ActionStatus.OPEN),
                        key=lambda x: x.updated_at, reverse=True)
        out: list[Flowable] = [*self.h2("Open actions")]
        if open_:
            rows, extra = [], []
            for i, x in enumerate(open_, start=1):
                rag = x.rag(self.today)
                label = RAG_LABELS[rag]
                rows.append([x.text, x.owner, x.agency, uk_day(x.due) if x.due else "No date",
                             Paragraph(f"<font color='white'><b>{label}</b></font>",
                                       self.st["cell"])])
                extra += [("BACKGROUND", (4, i), (4, i), page.RAG_COLOURS[rag.value]),
                          ("TEXTCOLOR", (4, i), (4, i), colors.white)]
            out += [self.table([["Action", "Owner", "Agency", "Due", "RAG"], *rows],
                               [w * mm for w in (68, 38, 34, 20, 18)], extra=extra),
                    self.para(f"RAG as at {uk_day(self.today)}: red is overdue, amber is due "
                              f"within {Action.AMBER_DAYS} days, green is due later or has no "
                              "date.", "small")]
        else:
            out.append(self.nothing("No actions are open."))
        out += self.h2("Previous actions and their completion status")
        if closed:
            ended = self._action_endings()
            rows = []
            for x in closed:
                when, outcome = ended.get((x.text, x.owner, x.due), ("", ""))
                rows.append([x.text, x.owner, x.agency, uk_day(x.due) if x.due else "No date",
                             ACTION_STATUS_LABELS[x.status],
                             when or uk_day(x.updated_at.astimezone(LOCAL_ZONE).date())
                             + " (last change)", outcome])
            out += [self.table([["Action", "Owner", "Agency", "Due", "Completion status",
                                 "Date closed", "Outcome"], *rows],
                               [w * mm for w in (40, 26, 22, 18, 20, 20, 32)]),
                    self.para("Date closed: the date a meeting record gives; where none "
                              "does (records made before version 2 of the meeting record), "
                              "the action's last change, when it was marked done or "
                              "cancelled.", "small")]
        else:
            out.append(self.nothing("No actions have been completed or cancelled yet."))
        return out

    def _action_endings(self) -> dict[tuple[str, str, date | None], tuple[str, str]]:
        """(completion date, outcome) of each action a meeting record closed, by the action's
        text, owner and due date (the newest meeting's word wins)."""
        a, g = self.answers, "actions"
        out: dict[tuple[str, str, date | None], tuple[str, str]] = {}
        for rmm in reversed(self.record.of(RMM_FORM)):  # oldest first: newest wins
            for r in a.rows(rmm, g):
                if r.get("action_status") not in ("done", "cancelled"):
                    continue
                try:
                    due = date.fromisoformat(str(r["action_due"])) if r.get("action_due") \
                        else None
                except ValueError:
                    continue
                when = a.show(rmm, "action_completed", group_id=g, row=r)
                outcome = a.show(rmm, "action_outcome", group_id=g, row=r)
                if when or outcome:
                    out[(str(r.get("action_text", "")), str(r.get("action_owner", "")), due)] \
                        = (when, outcome)
        return out

    # -- 13. decisions ------------------------------------------------------------------------

    def _decisions(self) -> list[Flowable]:
        a = self.answers
        rmm = self.record.latest(RMM_FORM)
        review = self.person.next_review
        if rmm is None:
            return [self.nothing("No meeting decision is recorded yet."),
                    self.labelled("Next review:", uk_day(review) if review else "Not set")]
        out: list[Flowable] = [self.facts([
            ("Meeting", uk_day(_event_day(rmm))),
            ("Agreed risk level", a.show(rmm, "agreed_level")),
            ("Since the last meeting", a.show(rmm, "trajectory")),
            ("Why this level", a.show(rmm, "level_rationale")),
            ("Decisions", a.show(rmm, "decisions")),
            ("What happens next", self._next_steps(rmm)),
            ("Why stepping down or closing", a.show(rmm, "pathway_reason")),
            ("Next review", a.show(rmm, "next_review_date")
             or (uk_day(review) if review else "")),
        ], columns=1)]
        dist = [[a.show(rmm, "dist_name", group_id="distribution", row=r),
                 a.show(rmm, "dist_agency", group_id="distribution", row=r)]
                for r in a.rows(rmm, "distribution")]
        if dist:
            out += [*self.h2("Distribution list"),
                    self.table([["Name", "Agency"], *dist], [80 * mm, 98 * mm])]
        return out

    def _next_steps(self, rmm: Submission) -> str:
        """What the meeting decided happens next: several outcomes, one a line (version 2),
        or version 1's one pathway."""
        a = self.answers
        if not isinstance(rmm.answers.get("outcomes"), list):
            return a.show(rmm, "pathway")
        words = [self.answers.show(rmm, "outcomes", row={"outcomes": v})
                 for v in rmm.answers["outcomes"] if v != "other"]
        other = a.show(rmm, "outcomes_other")
        return "\n".join([*words, *([f"Other: {other}"] if other else [])])


def _flag_names(when: str) -> set[str]:
    """The names a flag's condition reads (quoted values left out)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"'[^']*'|\"[^\"]*\"", "", when)))


def _without_restricted(sub: Submission) -> Submission:
    """A copy of a submission without the answers a worker marked restricted (in memory only:
    the record itself never changes)."""
    if not sub.restricted_fields:
        return sub
    kept = {k: v for k, v in sub.answers.items() if k not in sub.restricted_fields}
    return sub.model_copy(update={"answers": kept})


def _without_flags(sub: Submission, flag_ids: set[str]) -> Submission:
    """A copy of a final submission whose outcome leaves out the given flags (in memory only:
    the record itself never changes)."""
    outcome = sub.outcome or {}
    flags = outcome.get("flags") or []
    if not any(isinstance(f, dict) and f.get("id") in flag_ids for f in flags):
        return sub
    kept = [f for f in flags if not (isinstance(f, dict) and f.get("id") in flag_ids)]
    return sub.model_copy(update={"outcome": {**outcome, "flags": kept}})


def _with(words: str, reason: str) -> str:
    """An answer with its reason, if there is one ('Was not asked: ...')."""
    return f"{words}: {reason}" if words and reason else words


def _current_yes(value: Any) -> bool:
    """An indicator answered 'yes' as current (a 'yes' without a timing counts as current)."""
    return isinstance(value, dict) and value.get("present") == "yes" \
        and value.get("timing") in (None, "", "current", "both")


def _level_words(value: Any) -> str:
    try:
        return LEVEL_WORDS[RiskLevel(value)]
    except ValueError:
        return ""


def _span_words(date_from: date | None, date_to: date | None) -> str:
    if date_from and date_to:
        return f"From {uk_day(date_from)} to {uk_day(date_to)}"
    if date_from:
        return f"From {uk_day(date_from)}"
    if date_to:
        return f"Up to {uk_day(date_to)}"
    return "All dates"


def missing_counts(episodes: Iterable[Episode], now: datetime) -> dict[int, int]:
    """Episodes that started in the last 30, 90 and 365 days up to ``now`` (inclusive)."""
    episodes = list(episodes)
    return {days: sum(1 for e in episodes if now - timedelta(days=days) <= e.started_at <= now)
            for days in COUNT_PERIODS}


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
    record = _Record.read(ws, person_id)
    return PreparedSummary(record, meta=meta, profile=chosen, sections=ids,
                           date_from=date_from, date_to=date_to, item=item,
                           registry=registry if registry is not None else default_registry())


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

