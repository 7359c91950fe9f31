"""The caseload and the team manager's views, worked out from the workspace (no Qt here).

* :func:`caseload_rows`: one :class:`CaseloadRow` per person: age, risk level, last missing
  episode, missing now, the earliest outstanding return home interview (RHI) deadline, the next
  review, and whether (and why) the child is due at the next Risk Management Meeting (RMM).
* the caseload's default order, most urgent first, is :mod:`cse_desktop.casework.urgency`.
* :func:`next_rmm_date`, :func:`rmm_due`: the weekly meeting and who is due at it (domain
  research section 4 and section 7 step 6: medium or high risk, a review due, an RHI that
  flagged exploitation since the child's last meeting, or missing 3 or more times in 30 days).
* :func:`open_actions`: every open RMM action on the caseload, with its RAG status.
* :func:`downgrades_awaiting_approval`, :func:`approve_downgrade`: screenings whose agreed
  level is lower than the suggested one (the higher level stands until a manager approves,
  section 7 step 5), and the manager's approval, recorded as an amendment.

Reading is one pass per record kind, never one query per person.  People come through
``ws.people.list()``.  Episodes and final submissions are read as narrow projections of the
few fields these views need (:func:`_episode_facts`, :func:`_submission_facts`).  Parsing every
submission whole through the repository (kilobytes of answers each) costs about 55
microseconds a record, so seconds at the reference scale (5,000 children, 100,000
submissions); the projection costs a quarter of that or less, and leaves drafts and other
forms in the database.  Both read only live rows (``deleted = 0``) of the store's ``records``
table, as the repositories do; a test checks that the two agree.  (A narrow read like this
belongs in the store's repositories; it lives here until they offer one.)

Times are UTC instants throughout; "today" is the date in the UK (``LOCAL_ZONE``).
"""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cse_desktop.casework.submissions import LEVEL_SETTING_FORMS, context_for, finalise
from cse_desktop.domain.dates import LOCAL_ZONE
from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.labels import RISK_LABELS
from cse_desktop.domain.models import (
    RHI_WINDOW,
    ActionStatus,
    AuditAction,
    Owner,
    Person,
    Rag,
    RhiStatus,
    RiskLevel,
    Role,
    Submission,
)
from cse_desktop.forms.engine import FormEngine
from cse_desktop.store.workspace import Workspace

#: The weekly RMM meets on this weekday (``calendar.MONDAY`` is 0); Lincolnshire's MACE meets
#: on Tuesdays (domain research section 4).  Every function takes the weekday as a parameter.
RMM_WEEKDAY = calendar.TUESDAY

SCREENING_FORM = "exploitation-screening"
RHI_FORM = "return-home-interview"
RMM_FORM = "rmm-review"
#: the screening's free-text reason for an agreed level that differs from the suggested one
RATIONALE_FIELD = "override_rationale"
#: the RHI outcome flag raised when the interview recorded exploitation indicators
RESCREEN_FLAG = "rescreen"

#: "3 or more times in a 30-day period requires a strategy meeting" (section 3)
REPEAT_MISSING_TIMES = 3
REPEAT_MISSING_DAYS = 30

#: Why a child is due at the next RMM, in the order they are listed.
REASON_HIGH = "High risk"
REASON_MEDIUM = "Medium risk"
REASON_REVIEW = "Review due"
REASON_RHI = "RHI flagged exploitation"
REASON_REPEAT = "Repeat missing (3 in 30 days)"
RMM_REASONS = (REASON_HIGH, REASON_MEDIUM, REASON_REVIEW, REASON_RHI, REASON_REPEAT)

#: an episode's return home interview is still outstanding in these states
OUTSTANDING_RHI = frozenset({RhiStatus.NOT_YET_DUE, RhiStatus.DUE, RhiStatus.OFFERED})

_RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.COMPLETE: 3}


def local_today(now: datetime) -> date:
    """The date in the UK at the instant ``now``."""
    return now.astimezone(LOCAL_ZONE).date()


def next_rmm_date(today: date, weekday: int = RMM_WEEKDAY) -> date:
    """The date of the next weekly meeting: today if it meets today."""
    if not 0 <= weekday <= 6:
        raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
    return today + timedelta(days=(weekday - today.weekday()) % 7)


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    """One person on the caseload, with everything the caseload table and the RMM list show."""

    person: Person
    age: int
    risk_level: RiskLevel
    #: when the latest missing episode started (UTC), None if there has been none
    last_missing: datetime | None
    #: an episode is open: the child is missing now
    missing_now: bool
    #: the earliest outstanding return home interview deadline (UTC), None if none
    rhi_due: datetime | None
    rhi_overdue: bool
    next_review: date | None
    review_overdue: bool
    #: why the child is due at the next RMM (empty: not due), in RMM_REASONS order
    rmm_reasons: tuple[str, ...]
    #: a final screening's lower level is waiting for a manager's approval
    approval_pending: bool
    allocated_worker: str

    @property
    def person_id(self) -> str:
        return str(self.person.id)

    @property
    def open_episode(self) -> bool:
        return self.missing_now

    @property
    def due_at_next_rmm(self) -> bool:
        return bool(self.rmm_reasons)

    def rhi_time_left(self, now: datetime) -> timedelta | None:
        """Time until the earliest outstanding RHI deadline (negative once overdue)."""
        return None if self.rhi_due is None else self.rhi_due - now


@dataclass(frozen=True, slots=True)
class OpenAction:
    """An open RMM action, with the person it is for."""

    action_id: str
    person: Person
    text: str
    owner: str
    agency: str
    due: date | None
    rag: Rag


@dataclass(frozen=True, slots=True)
class PendingDowngrade:
    """A final screening whose agreed level is lower than the suggested level, not approved."""

    submission_id: str
    person: Person
    suggested_level: RiskLevel
    agreed_level: RiskLevel
    rationale: str
    #: the person's allocated worker
    worker: str
    #: who finalised the screening
    recorded_by: str
    finalised_at: datetime | None

    @property
    def day(self) -> date | None:
        """The UK date the screening was finalised."""
        return None if self.finalised_at is None else local_today(self.finalised_at)


@dataclass(frozen=True, slots=True)
class TeamOverview:
    """Everything the team manager's page shows, read in one operation."""

    owner: Owner
    now: datetime
    meeting: date
    rows: list[CaseloadRow]
    due: list[CaseloadRow]
    actions: list[OpenAction]
    downgrades: list[PendingDowngrade]


# ---------------------------------------------------------------------------------------------
# Reading the workspace: one pass per record kind


@dataclass(slots=True)
class _EpisodeFacts:
    id: str
    person_id: str
    started_at: datetime
    returned_at: datetime | None
    rhi_status: RhiStatus

    @property
    def rhi_due_at(self) -> datetime | None:
        return None if self.returned_at is None else self.returned_at + RHI_WINDOW


@dataclass(slots=True)
class _SubmissionFacts:
    """The few fields of a final submission the caseload needs."""

    id: str
    person_id: str
    form_id: str
    episode_id: str | None
    amends: str | None
    finalised_at: datetime | None
    #: when the store made it final (its last write): the order finals took effect in
    stored_at: datetime | None
    finalised_by: str
    level: str | None
    approval_pending: bool
    suggested_level: str | None
    agreed_level: str | None
    flags: frozenset[str]
    #: the date the form is about: the meeting date, the interview date
    day: date | None


def _instant(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


_EPISODE_SQL = ("SELECT id, person_id, json_extract(data, '$.started_at', '$.returned_at', "
                "'$.rhi_status') FROM records WHERE kind = 'episode' AND deleted = 0")

_SUBMISSION_PATHS = ("form_id", "episode_id", "amends", "finalised_at", "finalised_by",
                     "outcome.level", "outcome.approval_pending", "outcome.suggested_level",
                     "outcome.agreed_level", "outcome.flags", "answers.meeting_date",
                     "answers.interview_at", "answers.offered_at")
#: final submissions of the forms the caseload reads; SQLite parses each row's JSON once
#: (its JSON cache serves the filter and the projection)
_SUBMISSION_SQL = ("SELECT id, person_id, updated_at, json_extract(data, "
                   + ", ".join(f"'$.{p}'" for p in _SUBMISSION_PATHS)
                   + ") FROM records WHERE kind = 'submission' AND deleted = 0 "
                   "AND json_extract(data, '$.status') = 'final' "
                   "AND json_extract(data, '$.form_id') IN (?, ?, ?)")


def _episode_facts(ws: Workspace) -> list[_EpisodeFacts]:
    """Every live episode: who, when it started and ended, the RHI status (one query)."""
    facts = []
    for rid, person_id, blob in ws.db.execute(_EPISODE_SQL):
        started, returned, status = json.loads(blob)
        start = _instant(started)
        if start is None:  # cannot happen for a stored (validated) episode
            continue
        facts.append(_EpisodeFacts(rid, person_id, start, _instant(returned),
                                   RhiStatus(status or RhiStatus.NOT_YET_DUE)))
    return facts


def _submission_facts(ws: Workspace) -> list[_SubmissionFacts]:
    """Every live final screening, RHI and meeting record, narrowly (one query)."""
    facts = []
    forms = (SCREENING_FORM, RHI_FORM, RMM_FORM)
    for rid, person_id, updated_at, blob in ws.db.execute(_SUBMISSION_SQL, forms):
        (form_id, episode_id, amends, finalised_at, finalised_by, level, pending, suggested,
         agreed, flags, meeting_date, interview_at, offered_at) = json.loads(blob)
        finalised = _instant(finalised_at)
        if form_id == RMM_FORM:
            day = _day(meeting_date)
        elif form_id == RHI_FORM:
            when = _instant(interview_at) or _instant(offered_at)
            day = local_today(when) if when else None
        else:
            day = None
        if day is None and finalised is not None:
            day = local_today(finalised)
        flag_ids = frozenset(f.get("id", "") for f in flags or () if isinstance(f, dict))
        facts.append(_SubmissionFacts(rid, person_id, form_id, episode_id, amends, finalised,
                                      _instant(updated_at), finalised_by or "", level,
                                      bool(pending), suggested, agreed, flag_ids, day))
    return facts


_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(slots=True)
class _Caseload:
    """The workspace read once: people, episodes and final submissions, grouped by person."""

    people: list[Person]
    episodes: dict[str, list[_EpisodeFacts]] = field(default_factory=dict)
    finals: dict[str, list[_SubmissionFacts]] = field(default_factory=dict)
    #: episodes with a final RHI recorded against them
    interviewed: set[str] = field(default_factory=set)
    #: final screenings waiting for a manager's approval, by person
    pending: dict[str, list[_SubmissionFacts]] = field(default_factory=dict)

    @classmethod
    def read(cls, ws: Workspace) -> _Caseload:
        people = ws.people.list()
        live = {p.id for p in people}
        episodes: dict[str, list[_EpisodeFacts]] = defaultdict(list)
        for e in _episode_facts(ws):
            if e.person_id in live:
                episodes[e.person_id].append(e)
        finals: dict[str, list[_SubmissionFacts]] = defaultdict(list)
        for s in _submission_facts(ws):
            if s.person_id in live:
                finals[s.person_id].append(s)
        caseload = cls(people, dict(episodes), dict(finals))
        caseload.interviewed = {s.episode_id for subs in finals.values() for s in subs
                                if s.form_id == RHI_FORM and s.episode_id}
        for person_id, subs in finals.items():
            waiting = _awaiting_approval(subs)
            if waiting:
                caseload.pending[person_id] = waiting
        return caseload


def awaiting_approval(submissions: Iterable[Submission]) -> bool:
    """Whether one child's final screenings hold a lower level still waiting for a manager:
    the caseload's rule, for a child's submissions read whole."""
    facts = [_SubmissionFacts(
        id=str(s.id), person_id=str(s.person_id), form_id=s.form_id, episode_id=s.episode_id,
        amends=s.amends, finalised_at=s.finalised_at, stored_at=s.updated_at,
        finalised_by=s.finalised_by, level=(s.outcome or {}).get("level"),
        approval_pending=bool((s.outcome or {}).get("approval_pending")),
        suggested_level=None, agreed_level=None, flags=frozenset(), day=None)
        for s in submissions if s.is_final and not s.deleted]
    return bool(_awaiting_approval(facts))


def _current(subs: Iterable[_SubmissionFacts]) -> list[_SubmissionFacts]:
    """Final submissions not corrected by a later final amendment."""
    subs = list(subs)
    amended = {s.amends for s in subs if s.amends}
    return [s for s in subs if s.id not in amended]


def _awaiting_approval(subs: Sequence[_SubmissionFacts]) -> list[_SubmissionFacts]:
    """One person's screenings whose lower level still waits for a manager.

    A screening leaves the queue when a final amendment corrects it (normally the manager's
    approval) or when a later screening or meeting record sets the level again: approving it
    then would overturn the newer decision.  "Later" is the order the store made them final,
    which is the order they set the child's level in.
    """
    current = _current(subs)
    setting = [s for s in subs if s.form_id in LEVEL_SETTING_FORMS]
    waiting = []
    for s in current:
        if s.form_id != SCREENING_FORM or not s.approval_pending:
            continue
        when = s.stored_at or _NEVER
        if any((t.stored_at or _NEVER) > when for t in setting if t.id != s.id):
            continue
        waiting.append(s)
    return waiting


# ---------------------------------------------------------------------------------------------
# The caseload


def caseload_rows(ws: Workspace, now: datetime, *,
                  rmm_weekday: int = RMM_WEEKDAY) -> list[CaseloadRow]:
    """One row per person on the caseload at the instant ``now``, sorted by name."""
    return _rows(_Caseload.read(ws), now, rmm_weekday)


def _rows(caseload: _Caseload, now: datetime, rmm_weekday: int) -> list[CaseloadRow]:
    now = _aware(now)
    today = local_today(now)
    meeting = next_rmm_date(today, rmm_weekday)
    rows = [_row(p, caseload, now, today, meeting) for p in caseload.people]
    rows.sort(key=lambda r: (r.person.family_name.casefold(), r.person.given_name.casefold(),
                             r.person_id))
    return rows


def person_row(person: Person, now: datetime, *, rmm_weekday: int = RMM_WEEKDAY) -> CaseloadRow:
    """A row from the person's record alone (no missing history or forms known)."""
    now = _aware(now)
    today = local_today(now)
    return _row(person, _Caseload([person]), now, today, next_rmm_date(today, rmm_weekday))


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (a UTC instant)")
    return now.astimezone(UTC)


def _row(person: Person, caseload: _Caseload, now: datetime, today: date,
         meeting: date) -> CaseloadRow:
    pid = str(person.id)
    episodes = caseload.episodes.get(pid, [])
    finals = caseload.finals.get(pid, [])

    last_missing = max((e.started_at for e in episodes), default=None)
    missing_now = any(e.returned_at is None for e in episodes)
    rhi_due = min((due for e in episodes
                   if e.rhi_status in OUTSTANDING_RHI and e.id not in caseload.interviewed
                   and (due := e.rhi_due_at) is not None), default=None)
    recent = sum(1 for e in episodes if 0 <= (now - e.started_at).days < REPEAT_MISSING_DAYS)

    reasons = []
    if person.risk_level is RiskLevel.HIGH:
        reasons.append(REASON_HIGH)
    elif person.risk_level is RiskLevel.MEDIUM:
        reasons.append(REASON_MEDIUM)
    if person.next_review is not None and person.next_review <= meeting:
        reasons.append(REASON_REVIEW)
    if _rhi_flagged_since_last_rmm(finals):
        reasons.append(REASON_RHI)
    if recent >= REPEAT_MISSING_TIMES:
        reasons.append(REASON_REPEAT)

    return CaseloadRow(
        person=person, age=person.age_on(today), risk_level=person.risk_level,
        last_missing=last_missing, missing_now=missing_now,
        rhi_due=rhi_due, rhi_overdue=rhi_due is not None and now > rhi_due,
        next_review=person.next_review,
        review_overdue=person.next_review is not None and person.next_review < today,
        rmm_reasons=tuple(reasons), approval_pending=pid in caseload.pending,
        allocated_worker=person.allocated_worker)


def _rhi_flagged_since_last_rmm(finals: Sequence[_SubmissionFacts]) -> bool:
    """A final RHI flagged a re-screen for exploitation on or after the last meeting's date."""
    current = _current(finals)
    meetings = [s.day for s in current if s.form_id == RMM_FORM and s.day is not None]
    last = max(meetings, default=None)
    return any(s.form_id == RHI_FORM and RESCREEN_FLAG in s.flags
               and (last is None or (s.day is not None and s.day >= last))
               for s in current)


def rmm_due(rows: Iterable[CaseloadRow]) -> list[CaseloadRow]:
    """The people due at the next RMM: highest risk first, then by name."""
    due = [r for r in rows if r.due_at_next_rmm]
    due.sort(key=lambda r: (-r.risk_level.rank, r.person.family_name.casefold(),
                            r.person.given_name.casefold()))
    return due


# ---------------------------------------------------------------------------------------------
# Actions


def open_actions(ws: Workspace, today: date) -> list[OpenAction]:
    """Every open action on the caseload: red first, then amber, green; soonest due first."""
    people: dict[str, Person] = {p.id: p for p in ws.people.list()}
    return _open_actions(ws, people, today)


def _open_actions(ws: Workspace, people: Mapping[str, Person], today: date) -> list[OpenAction]:
    found = []
    for action in ws.actions.list():
        person = people.get(action.person_id)
        if action.status is not ActionStatus.OPEN or person is None:
            continue
        found.append(OpenAction(action_id=str(action.id), person=person, text=action.text,
                                owner=action.owner, agency=action.agency, due=action.due,
                                rag=action.rag(today)))
    found.sort(key=lambda a: (_RAG_ORDER[a.rag], a.due or date.max,
                              a.person.family_name.casefold(), a.person.given_name.casefold()))
    return found


# ---------------------------------------------------------------------------------------------
# Downgrades awaiting a manager's approval


def downgrades_awaiting_approval(ws: Workspace) -> list[PendingDowngrade]:
    """Final screenings whose lower agreed level waits for a manager, oldest first."""
    return _downgrades(ws, _Caseload.read(ws))


def _downgrades(ws: Workspace, caseload: _Caseload) -> list[PendingDowngrade]:
    people: dict[str, Person] = {p.id: p for p in caseload.people}
    found = []
    for person_id, waiting in caseload.pending.items():
        person = people[person_id]
        for facts in waiting:
            final = ws.submissions.get(facts.id)  # a handful: read whole for the rationale
            rationale = final.answers.get(RATIONALE_FIELD) or ""
            found.append(PendingDowngrade(
                submission_id=facts.id, person=person,
                suggested_level=_level(facts.suggested_level),
                agreed_level=_level(facts.agreed_level),
                rationale=str(rationale).strip(), worker=person.allocated_worker,
                recorded_by=facts.finalised_by, finalised_at=facts.finalised_at))
    found.sort(key=lambda d: (d.finalised_at or _NEVER, d.person.family_name.casefold()))
    return found


def _level(value: Any) -> RiskLevel:
    try:
        return RiskLevel(value)
    except ValueError:
        return RiskLevel.NOT_ASSESSED


def approve_downgrade(ws: Workspace, engine: FormEngine, submission_id: str, rationale: str,
                      now: datetime) -> Submission:
    """Record a manager's approval of a screening's lower level; the child's level follows.

    The approval is an amendment of the screening carrying the approval (who, their role, when,
    why: :meth:`FormEngine.approve`), finalised and audited in one transaction.  Only a
    workspace whose owner is a team manager may approve (the hub vouches for the role of an
    enrolled workspace, and refuses an approval pushed by anyone else), and only a screening
    that is still waiting (not approved already, not overtaken by a later screening or meeting).
    Anything refused changes nothing.
    """
    if ws.owner.role is not Role.MANAGER:
        raise ValidationFailed("Only a team manager can approve a lower risk level. Ask your "
                               "manager to approve it in their workspace.")
    with ws.transaction():
        caseload = _Caseload.read(ws)
        waiting = {s.id for subs in caseload.pending.values() for s in subs}
        if submission_id not in waiting:
            raise ValidationFailed("This screening is not waiting for approval: it may have "
                                   "been approved already, or a later screening or meeting has "
                                   "set the level since. Refresh the list.")
        original = ws.submissions.get(submission_id)
        draft = engine.approve(original, ws.owner, rationale, now)
        # the manager approves the levels the list showed; if new information (a missing
        # episode, a meeting) has changed them since, nothing is approved
        was, now_is = original.outcome or {}, engine.outcome(
            draft.model_copy(update={"approval": None}), context_for(ws, draft, now=now))
        if (now_is["level"], now_is["agreed_level"]) != (was.get("level"),
                                                         was.get("agreed_level")):
            raise ValidationFailed(
                "This screening's levels have changed since it was recorded: "
                f"{RISK_LABELS[_level(now_is['level'])]} would stand now, not "
                f"{RISK_LABELS[_level(was.get('level'))]} (new information, "
                "such as a missing episode or a meeting). Ask the worker to screen again. "
                "Nothing was approved.")
        final = finalise(ws, engine, draft, now=now, revalidate=False)
        ws.audit.append(AuditAction.APPROVE, "submission", str(final.id),
                        reason=final.approval.rationale if final.approval else "", at=now)
        return final


# ---------------------------------------------------------------------------------------------
# The team manager's page, in one read


def team_overview(ws: Workspace, now: datetime, *,
                  rmm_weekday: int = RMM_WEEKDAY) -> TeamOverview:
    """The next meeting, who is due at it, open actions and the approval queue."""
    caseload = _Caseload.read(ws)
    now = _aware(now)
    today = local_today(now)
    rows = _rows(caseload, now, rmm_weekday)
    people: dict[str, Person] = {p.id: p for p in caseload.people}
    return TeamOverview(owner=ws.owner, now=now, meeting=next_rmm_date(today, rmm_weekday),
                        rows=rows, due=rmm_due(rows),
                        actions=_open_actions(ws, people, today),
                        downgrades=_downgrades(ws, caseload))
