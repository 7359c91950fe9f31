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

Reading is one pass per record kind, never one query per person: people come through
``ws.people.list()``, and each child's history facts (episodes and final forms, read narrowly)
through :mod:`cse_desktop.casework.caseload_facts`, which keeps them in the store's per-person
cache between reads.

Times are UTC instants throughout; "today" is the date in the UK (``LOCAL_ZONE``).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cse_desktop.casework.caseload_facts import (
    NEVER,
    NO_FACTS,
    CaseloadRead,
    PersonFacts,
    facts_by_person,
    local_today,
    person_facts,
)
from cse_desktop.casework.submissions import context_for, finalise
from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.labels import RISK_LABELS
from cse_desktop.domain.models import (
    ActionStatus,
    AuditAction,
    Owner,
    Person,
    Rag,
    RiskLevel,
    Role,
    Submission,
)
from cse_desktop.forms.engine import FormEngine
from cse_desktop.store.workspace import Workspace

#: The weekly RMM meets on this weekday (``calendar.MONDAY`` is 0); Lincolnshire's MACE meets
#: on Tuesdays (domain research section 4).  Every function takes the weekday as a parameter.
RMM_WEEKDAY = calendar.TUESDAY

#: the screening's free-text reason for an agreed level that differs from the suggested one
RATIONALE_FIELD = "override_rationale"

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


_RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.COMPLETE: 3}


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
# The caseload


def caseload_rows(ws: Workspace, now: datetime, *,
                  rmm_weekday: int = RMM_WEEKDAY) -> list[CaseloadRow]:
    """One row per person on the caseload at the instant ``now``, sorted by name.  Each
    person's history comes from the store's cache where it holds it (see
    :func:`~cse_desktop.casework.caseload_facts.facts_by_person`)."""
    people = ws.people.list()
    return _rows(people, facts_by_person(ws, people), now, rmm_weekday)


def _rows(people: Sequence[Person], facts: Mapping[str, PersonFacts], now: datetime,
          rmm_weekday: int) -> list[CaseloadRow]:
    now = _aware(now)
    today = local_today(now)
    meeting = next_rmm_date(today, rmm_weekday)
    rows = [_row(p, facts.get(p.id, NO_FACTS), now, today, meeting) for p in people]
    rows.sort(key=lambda r: (r.person.family_name.casefold(), r.person.given_name.casefold(),
                             r.person_id))
    return rows


def person_row(person: Person, now: datetime, *, rmm_weekday: int = RMM_WEEKDAY) -> CaseloadRow:
    """A row from the person's record alone (no missing history or forms known)."""
    now = _aware(now)
    today = local_today(now)
    return _row(person, NO_FACTS, now, today, next_rmm_date(today, rmm_weekday))


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (a UTC instant)")
    return now.astimezone(UTC)


def _row(person: Person, facts: PersonFacts, now: datetime, today: date,
         meeting: date) -> CaseloadRow:
    last_missing = facts.starts[0] if facts.starts else None
    rhi_due = facts.rhi_due
    recent = sum(1 for s in facts.starts if 0 <= (now - s).days < REPEAT_MISSING_DAYS)

    reasons = []
    if person.risk_level is RiskLevel.HIGH:
        reasons.append(REASON_HIGH)
    elif person.risk_level is RiskLevel.MEDIUM:
        reasons.append(REASON_MEDIUM)
    if person.next_review is not None and person.next_review <= meeting:
        reasons.append(REASON_REVIEW)
    if facts.rhi_flagged:
        reasons.append(REASON_RHI)
    if recent >= REPEAT_MISSING_TIMES:
        reasons.append(REASON_REPEAT)

    return CaseloadRow(
        person=person, age=person.age_on(today), risk_level=person.risk_level,
        last_missing=last_missing, missing_now=facts.missing_now,
        rhi_due=rhi_due, rhi_overdue=rhi_due is not None and now > rhi_due,
        next_review=person.next_review,
        review_overdue=person.next_review is not None and person.next_review < today,
        rmm_reasons=tuple(reasons), approval_pending=bool(facts.pending),
        allocated_worker=person.allocated_worker)


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
    return _downgrades(ws, CaseloadRead.read(ws))


def _downgrades(ws: Workspace, caseload: CaseloadRead) -> list[PendingDowngrade]:
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
    found.sort(key=lambda d: (d.finalised_at or NEVER, d.person.family_name.casefold()))
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
        caseload = CaseloadRead.read(ws)
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
    caseload = CaseloadRead.read(ws)
    now = _aware(now)
    today = local_today(now)
    rows = _rows(caseload.people, {p.id: person_facts(caseload, p.id) for p in caseload.people},
                 now, rmm_weekday)
    people: dict[str, Person] = {p.id: p for p in caseload.people}
    return TeamOverview(owner=ws.owner, now=now, meeting=next_rmm_date(today, rmm_weekday),
                        rows=rows, due=rmm_due(rows),
                        actions=_open_actions(ws, people, today),
                        downgrades=_downgrades(ws, caseload))
