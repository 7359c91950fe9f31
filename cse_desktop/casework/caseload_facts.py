"""What the caseload knows about each person's episodes and final forms, read narrowly.

* :class:`CaseloadRead`: the workspace read once (people, episodes, final screenings, RHIs and
  meeting records), grouped by person: what the team manager's views need.
* :class:`PersonFacts`: the part of one person's history the caseload table needs that does
  not depend on the clock (episode starts, missing now, the earliest outstanding RHI deadline,
  an RHI flag since the last meeting, screenings waiting for approval).
* :func:`facts_by_person`: those facts for everyone, from the store's per-person cache
  (``ws.summaries``) where it holds them, worked out (and stored) for the others.  The store
  drops a person's cached facts whenever one of their episodes or forms is written, so the
  cache never outlives what it was made from; :data:`RULES` is bumped whenever what the facts
  mean changes, so a cache written by an older version is never used.

Reading is one pass per record kind, never one query per person.  Episodes and final
submissions are read as narrow projections of the few fields these views need
(:func:`episode_facts`, :func:`submission_facts`): parsing every submission whole through the
repository (kilobytes of answers each) costs about 55 microseconds a record, seconds at the
reference scale (5,000 children, 100,000 submissions).  Both read only live rows
(``deleted = 0``) of the store's ``records`` table, as the repositories do; a test checks that
the two agree, and another that the cached facts agree with facts worked out afresh.

Times are UTC instants throughout; "today" is the date in the UK (``LOCAL_ZONE``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cse_desktop.casework.submissions import LEVEL_SETTING_FORMS
from cse_desktop.domain.dates import LOCAL_ZONE
from cse_desktop.domain.models import RHI_WINDOW, Person, RhiStatus, Submission
from cse_desktop.store.workspace import Workspace

SCREENING_FORM = "exploitation-screening"
RHI_FORM = "return-home-interview"
RMM_FORM = "rmm-review"
#: the RHI outcome flag raised when the interview recorded exploitation indicators
RESCREEN_FLAG = "rescreen"
#: an episode's return home interview is still outstanding in these states
OUTSTANDING_RHI = frozenset({RhiStatus.NOT_YET_DUE, RhiStatus.DUE, RhiStatus.OFFERED})

#: the version of what :class:`PersonFacts` means: bump it whenever a rule above or below that
#: feeds them changes (a cached summary written under another number is worked out again)
RULES = 1
#: with more people than this to work out, one pass over every record beats one per person
_WHOLE_READ_OVER = 400


def local_today(now: datetime) -> date:
    """The date in the UK at the instant ``now``."""
    return now.astimezone(LOCAL_ZONE).date()


@dataclass(slots=True)
class EpisodeFacts:
    id: str
    person_id: str
    started_at: datetime
    returned_at: datetime | None
    rhi_status: RhiStatus

    @property
    def rhi_due_at(self) -> datetime | None:
        return None if self.returned_at is None else self.returned_at + RHI_WINDOW


@dataclass(slots=True)
class SubmissionFacts:
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


#: narrows either query to some people (a JSON array of their ids)
_OF_PEOPLE = " AND person_id IN (SELECT value FROM json_each(?))"


def episode_facts(ws: Workspace, person_ids: Sequence[str] | None = None) -> list[EpisodeFacts]:
    """Every live episode (of ``person_ids``, if given): who, when it started and ended, the RHI
    status (one query)."""
    facts = []
    sql, args = _narrowed(_EPISODE_SQL, (), person_ids)
    for rid, person_id, blob in ws.db.execute(sql, args):
        started, returned, status = json.loads(blob)
        start = _instant(started)
        if start is None:  # cannot happen for a stored (validated) episode
            continue
        facts.append(EpisodeFacts(rid, person_id, start, _instant(returned),
                                   RhiStatus(status or RhiStatus.NOT_YET_DUE)))
    return facts


def submission_facts(ws: Workspace,
                     person_ids: Sequence[str] | None = None) -> list[SubmissionFacts]:
    """Every live final screening, RHI and meeting record (of ``person_ids``, if given),
    narrowly (one query)."""
    facts = []
    sql, args = _narrowed(_SUBMISSION_SQL, (SCREENING_FORM, RHI_FORM, RMM_FORM), person_ids)
    for rid, person_id, updated_at, blob in ws.db.execute(sql, args):
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
        facts.append(SubmissionFacts(rid, person_id, form_id, episode_id, amends, finalised,
                                      _instant(updated_at), finalised_by or "", level,
                                      bool(pending), suggested, agreed, flag_ids, day))
    return facts


def _narrowed(sql: str, args: tuple[str, ...],
              person_ids: Sequence[str] | None) -> tuple[str, tuple[str, ...]]:
    if person_ids is None:
        return sql, args
    return sql + _OF_PEOPLE, (*args, json.dumps(list(person_ids)))


NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(slots=True)
class CaseloadRead:
    """The workspace read once: people, episodes and final submissions, grouped by person."""

    people: list[Person]
    episodes: dict[str, list[EpisodeFacts]] = field(default_factory=dict)
    finals: dict[str, list[SubmissionFacts]] = field(default_factory=dict)
    #: episodes with a final RHI recorded against them
    interviewed: set[str] = field(default_factory=set)
    #: final screenings waiting for a manager's approval, by person
    pending: dict[str, list[SubmissionFacts]] = field(default_factory=dict)

    @classmethod
    def read(cls, ws: Workspace, *, people: Sequence[Person] | None = None,
             person_ids: Sequence[str] | None = None) -> CaseloadRead:
        """Everyone on the caseload (or ``people``, when given); ``person_ids`` narrows the
        queries to those people (best for a few)."""
        people = ws.people.list() if people is None else list(people)
        live = {p.id for p in people}
        episodes: dict[str, list[EpisodeFacts]] = defaultdict(list)
        for e in episode_facts(ws, person_ids):
            if e.person_id in live:
                episodes[e.person_id].append(e)
        finals: dict[str, list[SubmissionFacts]] = defaultdict(list)
        for s in submission_facts(ws, person_ids):
            if s.person_id in live:
                finals[s.person_id].append(s)
        caseload = cls(people, dict(episodes), dict(finals))
        caseload.interviewed = {s.episode_id for subs in finals.values() for s in subs
                                if s.form_id == RHI_FORM and s.episode_id}
        for person_id, subs in finals.items():
            waiting = waiting_for_approval(subs)
            if waiting:
                caseload.pending[person_id] = waiting
        return caseload


def awaiting_approval(submissions: Iterable[Submission]) -> bool:
    """Whether one child's final screenings hold a lower level still waiting for a manager:
    the caseload's rule, for a child's submissions read whole."""
    facts = [SubmissionFacts(
        id=str(s.id), person_id=str(s.person_id), form_id=s.form_id, episode_id=s.episode_id,
        amends=s.amends, finalised_at=s.finalised_at, stored_at=s.updated_at,
        finalised_by=s.finalised_by, level=(s.outcome or {}).get("level"),
        approval_pending=bool((s.outcome or {}).get("approval_pending")),
        suggested_level=None, agreed_level=None, flags=frozenset(), day=None)
        for s in submissions if s.is_final and not s.deleted]
    return bool(waiting_for_approval(facts))


def current_finals(subs: Iterable[SubmissionFacts]) -> list[SubmissionFacts]:
    """Final submissions not corrected by a later final amendment."""
    subs = list(subs)
    amended = {s.amends for s in subs if s.amends}
    return [s for s in subs if s.id not in amended]


def waiting_for_approval(subs: Sequence[SubmissionFacts]) -> list[SubmissionFacts]:
    """One person's screenings whose lower level still waits for a manager.

    A screening leaves the queue when a final amendment corrects it (normally the manager's
    approval) or when a later screening or meeting record sets the level again: approving it
    then would overturn the newer decision.  "Later" is the order the store made them final,
    which is the order they set the child's level in.
    """
    current = current_finals(subs)
    setting = [s for s in subs if s.form_id in LEVEL_SETTING_FORMS]
    waiting = []
    for s in current:
        if s.form_id != SCREENING_FORM or not s.approval_pending:
            continue
        when = s.stored_at or NEVER
        if any((t.stored_at or NEVER) > when for t in setting if t.id != s.id):
            continue
        waiting.append(s)
    return waiting


def rhi_flagged_since_last_rmm(finals: Sequence[SubmissionFacts]) -> bool:
    """A final RHI flagged a re-screen for exploitation on or after the last meeting's date."""
    current = current_finals(finals)
    meetings = [s.day for s in current if s.form_id == RMM_FORM and s.day is not None]
    last = max(meetings, default=None)
    return any(s.form_id == RHI_FORM and RESCREEN_FLAG in s.flags
               and (last is None or (s.day is not None and s.day >= last))
               for s in current)



# ---------------------------------------------------------------------------------------------
# One person's facts, and their cache


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What the caseload table needs of one person's episodes and forms, whatever the time."""

    #: when each missing episode started (UTC), latest first
    starts: tuple[datetime, ...] = ()
    #: an episode is open: the child is missing now
    missing_now: bool = False
    #: the earliest outstanding return home interview deadline (UTC)
    rhi_due: datetime | None = None
    #: a final RHI flagged a re-screen on or after the last meeting
    rhi_flagged: bool = False
    #: final screenings whose lower level waits for a manager
    pending: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"starts": [s.isoformat() for s in self.starts],
                           "missing_now": self.missing_now,
                           "rhi_due": self.rhi_due.isoformat() if self.rhi_due else None,
                           "rhi_flagged": self.rhi_flagged, "pending": list(self.pending)},
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> PersonFacts:
        data = json.loads(text)
        due = data["rhi_due"]
        return cls(starts=tuple(datetime.fromisoformat(s) for s in data["starts"]),
                   missing_now=bool(data["missing_now"]),
                   rhi_due=datetime.fromisoformat(due) if due else None,
                   rhi_flagged=bool(data["rhi_flagged"]), pending=tuple(data["pending"]))


NO_FACTS = PersonFacts()


def person_facts(caseload: CaseloadRead, person_id: str) -> PersonFacts:
    """One person's :class:`PersonFacts`, from the workspace read whole."""
    episodes = caseload.episodes.get(person_id, [])
    finals = caseload.finals.get(person_id, [])
    rhi_due = min((due for e in episodes
                   if e.rhi_status in OUTSTANDING_RHI and e.id not in caseload.interviewed
                   and (due := e.rhi_due_at) is not None), default=None)
    return PersonFacts(
        starts=tuple(sorted((e.started_at for e in episodes), reverse=True)),
        missing_now=any(e.returned_at is None for e in episodes), rhi_due=rhi_due,
        rhi_flagged=rhi_flagged_since_last_rmm(finals),
        pending=tuple(s.id for s in caseload.pending.get(person_id, ())))


def facts_by_person(ws: Workspace, people: Sequence[Person]) -> dict[str, PersonFacts]:
    """Every person's :class:`PersonFacts`: cached ones as stored, the rest worked out now from
    their records and stored for next time (in one transaction)."""
    cached = ws.summaries.read(RULES)
    facts: dict[str, PersonFacts] = {p.id: PersonFacts.from_json(cached[p.id]) for p in people
                                     if p.id in cached}
    missing = [p for p in people if p.id not in facts]
    if not missing:
        return facts
    subset = None if len(missing) > _WHOLE_READ_OVER else [p.id for p in missing]
    read = CaseloadRead.read(ws, people=missing, person_ids=subset)
    fresh: dict[str, PersonFacts] = {p.id: person_facts(read, p.id) for p in missing}
    ws.summaries.write(RULES, ((pid, f.to_json()) for pid, f in fresh.items()))
    facts.update(fresh)
    return facts
