"""The facts a child's RMM case summary prints, worked out once from the record.

:func:`read_case` reads one child's record (:class:`CaseRecord`: the final records, with the
current version of each) and gives a :class:`CaseSummary`: the level decisions and the
trajectory they make, each missing episode with the return home interview that counts for it
(:func:`~cse_desktop.casework.interviews.current_interview`, the rule the chronology and the
quarterly profile share) and whether it was on time, the missing counts, whether an NRM
referral is recorded, the order of the actions and which meeting rows closed them, and the
warnings a chair must not miss.  Nothing here knows the audience: the printed summary
(:mod:`cse_desktop.reports.summary`) reads each fact through the audience's redaction profile
and lays it out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cse_desktop.casework.chronology import duration_text, submission_time
from cse_desktop.casework.form_words import FormWords
from cse_desktop.casework.interviews import (
    RhiState,
    current_interviews,
    interview_contact,
    rhi_state,
    within_72h,
)
from cse_desktop.domain.dates import LOCAL_ZONE, uk_date, uk_datetime
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.labels import RHI_STATUS_LABELS, RISK_WORDS
from cse_desktop.domain.models import (
    Action,
    ActionStatus,
    Association,
    Episode,
    Person,
    Rag,
    RhiStatus,
    RiskLevel,
    Submission,
)
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.scoring import AWAITING_APPROVAL
from cse_desktop.forms.spec import IndicatorField
from cse_desktop.store.workspace import Workspace

#: missing-episode counts are given for these periods before the document was printed (days)
COUNT_PERIODS = (30, 90, 365)
#: the screening module of criminal exploitation, and the NRM's value in referral and outcome
#: choices (the screening, the return home interview and the meeting record)
CCE_MODULE = "cce"
NRM = "nrm"
#: parent-session attendees who are the child's parents or carers
CARER_RELATIONSHIPS = frozenset({"mother", "father", "step_parent", "foster_carer",
                                 "kinship_carer", "grandparent"})
#: where a level decision came from
SCREENING = "screening"
MEETING = "meeting"
#: RAG order of the open actions (red first)
_RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.COMPLETE: 3}
_EPOCH = datetime.min.replace(tzinfo=UTC)

#: (text, owner, due) of an action, as a meeting record's actions list writes it
ActionKey = tuple[str, str, date | None]


def event_day(sub: Submission) -> date:
    """The UK day a submission's event happened (a meeting's date, an interview's...)."""
    return submission_time(sub)[0].astimezone(LOCAL_ZONE).date()


# -- the record, read once -----------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRecord:
    """One child's record as the summary reads it: final submissions only (``current`` leaves
    out those a correction replaces)."""

    person: Person
    episodes: tuple[Episode, ...]
    finals: tuple[Submission, ...]
    current: tuple[Submission, ...]
    actions: tuple[Action, ...]
    associations: tuple[Association, ...]

    @classmethod
    def read(cls, ws: Workspace, person_id: str) -> CaseRecord:
        person = ws.people.get(person_id)  # NotFound: "There is no person with id ..."
        finals = [s for s in ws.submissions.list(person_id=person.id) if s.is_final]
        amended = {s.amends for s in finals if s.amends}
        return cls(person=person,
                   episodes=tuple(ws.episodes.list(person_id=person.id)),
                   finals=tuple(finals),
                   current=tuple(s for s in finals if s.id not in amended),
                   actions=tuple(ws.actions.list(person_id=person.id)),
                   associations=tuple(ws.associations.list(person_id=person.id)))

    def of(self, form_id: str) -> list[Submission]:
        """Current (not amended) final submissions of a form, newest event first."""
        subs = [s for s in self.current if s.form_id == form_id]
        subs.sort(key=lambda s: (submission_time(s)[0], s.finalised_at or _EPOCH), reverse=True)
        return subs

    def latest(self, form_id: str) -> Submission | None:
        subs = self.of(form_id)
        return subs[0] if subs else None

    def without_restricted_actions(self) -> CaseRecord:
        """The record less the actions a worker marked restricted (they stay with the team)."""
        return dataclasses.replace(self, actions=tuple(x for x in self.actions
                                                       if not x.restricted))


# -- the level and its trajectory ----------------------------------------------------------------


@dataclass(frozen=True)
class LevelDecision:
    """A decision on the child's level: the UK day, the level, and :data:`SCREENING` or
    :data:`MEETING`."""

    day: date
    level: RiskLevel
    source: str


def level_decisions(finals: Iterable[Submission]) -> list[LevelDecision]:
    """Every level decision, oldest first: each final screening's standing level (on the day it
    was made final, amendments included) and each meeting's agreed level (on the meeting's
    date)."""
    points = []
    for s in finals:
        level: Any = None
        if s.form_id == FormId.SCREENING:
            o = s.outcome or {}
            level = o.get("level") or o.get("agreed_level") or s.answers.get("agreed_level")
            when = (s.finalised_at or s.updated_at).astimezone(LOCAL_ZONE).date()
            source = SCREENING
        elif s.form_id == FormId.RMM_REVIEW:
            level = s.answers.get("agreed_level")
            when = event_day(s)
            source = MEETING
        if level in RiskLevel._value2member_map_:
            points.append(LevelDecision(when, RiskLevel(level), source))
    points.sort(key=lambda p: p.day)
    return points


def trajectory_words(decisions: Sequence[LevelDecision]) -> str:
    """How the level moved between the last two decisions ('Increased: Low on 3 Mar 2026,
    High on 9 Apr 2026'), or that there are not enough decisions to say."""
    if len(decisions) < 2:
        return "Not enough decisions yet to say."
    before, after = decisions[-2], decisions[-1]
    word = "Increased" if after.level.rank > before.level.rank else "Reduced" \
        if after.level.rank < before.level.rank else "Stayed the same"
    return (f"{word}: {RISK_WORDS[before.level]} on {uk_date(before.day)}, "
            f"{RISK_WORDS[after.level]} on {uk_date(after.day)}")


# -- missing episodes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EpisodeFacts:
    """A missing episode with its return home interview: where it stands (``rhi``), the
    interview that counts for it (``interview``), when that took place or was offered
    (``contact``: a time and "Interviewed" or "Offered"), and whether it was on time."""

    episode: Episode
    rhi: RhiState
    interview: Submission | None
    contact: tuple[datetime, str] | None

    @property
    def on_time(self) -> str:
        """Whether the interview was within 72 hours of the return, in words: 'Still open'
        while it may still be held in time, 'No' once it is overdue ('' when it is not yet
        due)."""
        e, state = self.episode, self.rhi
        if self.contact is not None:
            when = self.contact[0]
            if e.returned_at is None:
                return ""
            return "Yes" if within_72h(e.returned_at, when) else \
                f"No ({duration_text(when - e.returned_at)} after return)"
        if state.owed:  # when it is due is in the interview's own cell (RhiState.due_by)
            return "No" if state.overdue else "Still open"
        if e.returned_at is not None and state.status != RHI_STATUS_LABELS[
                RhiStatus.NOT_YET_DUE]:
            return "Not recorded"
        return ""


def episode_facts(episodes: Iterable[Episode], finals: Sequence[Submission], now: datetime,
                  registry: FormRegistry | None) -> list[EpisodeFacts]:
    """Each episode's facts, newest first."""
    counting = current_interviews(finals)
    out = []
    for e in sorted(episodes, key=lambda e: e.started_at, reverse=True):
        interview = counting.get(str(e.id))
        out.append(EpisodeFacts(e, rhi_state(e, now, finals, registry), interview,
                                interview_contact(interview) if interview else None))
    return out


def missing_counts(episodes: Iterable[Episode], now: datetime) -> dict[int, int]:
    """Episodes that started in the last 30, 90 and 365 days up to ``now`` (inclusive)."""
    episodes = list(episodes)
    return {days: sum(1 for e in episodes if now - timedelta(days=days) <= e.started_at <= now)
            for days in COUNT_PERIODS}


# -- the summary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSummary:
    """What a child's case summary says, as at ``now`` (UTC; ``today`` is the UK day)."""

    record: CaseRecord
    now: datetime
    today: date
    decisions: tuple[LevelDecision, ...]
    episodes: tuple[EpisodeFacts, ...]
    counts: dict[int, int]
    forms: FormWords

    @property
    def person(self) -> Person:
        return self.record.person

    # -- warnings for the chair

    def warnings(self, shown: Callable[[Submission, str], bool]) -> list[tuple[str, str]]:
        """What the chair must not miss, as (headline, detail): a child with current criminal
        exploitation indicators and no NRM referral recorded, missing now, return home
        interviews overdue, a review overdue, a lower level awaiting approval.  ``shown``
        says whether the reader may see an answer: only what they may see is counted."""
        out: list[tuple[str, str]] = []
        nrm = self.nrm_warning(shown)
        if nrm:
            out.append(nrm)
        for facts in sorted(self.episodes, key=lambda f: f.episode.started_at):
            e, state = facts.episode, facts.rhi
            if e.returned_at is None:
                out.append(("Missing now", f"Reported missing {uk_datetime(e.started_at)}, "
                                           "not yet returned."))
            elif state.overdue and state.due_at is not None:
                out.append(("Return home interview overdue",
                            f"The young person returned {uk_datetime(e.returned_at)}; the "
                            f"interview was due by {uk_datetime(state.due_at)} and is not "
                            "recorded as held."))
        review = self.person.next_review
        if review is not None and review < self.today:
            out.append(("Review overdue", f"The next review was due on {uk_date(review)}."))
        screening = self.record.latest(FormId.SCREENING)
        if screening is not None and (screening.outcome or {}).get("approval_pending"):
            out.append((AWAITING_APPROVAL, str((screening.outcome or {}).get(
                "level_standing_because") or "")))
        return out

    def current_cce_indicators(self, screening: Submission) -> list[str]:
        """The criminal exploitation indicators the screening answers 'yes', now (a 'yes'
        without a timing counts as current)."""
        spec = self.forms.spec(screening)
        if spec is None:
            return []
        return [f.id for f in spec.all_fields() if isinstance(f, IndicatorField)
                and CCE_MODULE in f.modules and _current_yes(screening.answers.get(f.id))]

    def nrm_warning(self, shown: Callable[[Submission, str], bool]) -> tuple[str, str] | None:
        """The NRM warning, if the latest screening records current criminal exploitation
        indicators the reader may see and no NRM referral is recorded."""
        screening = self.record.latest(FormId.SCREENING)
        if screening is None or self.nrm_recorded():
            return None
        n = sum(1 for i in self.current_cce_indicators(screening) if shown(screening, i))
        if not n:
            return None
        return (f"{RISK_WORDS[self.person.risk_level]}, current criminal exploitation "
                "indicators, no NRM referral recorded",
                f"The screening of {uk_date(event_day(screening))} records {n} current "
                f"criminal exploitation indicator{'s' if n != 1 else ''}; neither the young "
                "person's record, a meeting decision nor a referral made at a screening or "
                "return home interview shows a National Referral Mechanism referral. "
                "Consider a referral.")

    def nrm_recorded(self) -> bool:
        """An NRM referral is recorded: on the person record, as a meeting's decision
        (version 2's outcomes, version 1's pathway) or as a referral made at a screening or a
        return home interview."""
        if self.person.nrm_referral:
            return True
        for sub in self.record.current:
            a = sub.answers
            if sub.form_id == FormId.RMM_REVIEW and (a.get("pathway") == NRM or (
                    isinstance(a.get("outcomes"), list) and NRM in a["outcomes"])):
                return True
            if isinstance(a.get("referrals"), list) and NRM in a["referrals"]:
                return True
        return False

    # -- people and actions

    def carer_rows(self) -> list[tuple[Submission, dict[str, Any]]]:
        """The parent sessions' attendee rows that are the child's parents or carers, oldest
        session first (so a later session's word on the same person wins)."""
        return [(sub, row) for sub in reversed(self.record.of(FormId.PARENT_SESSION))
                for row in _rows(sub, "attendees")
                if row.get("attendee_relationship") in CARER_RELATIONSHIPS]

    def open_actions(self) -> list[Action]:
        """Open actions, red first, then by due date (no date last)."""
        return sorted((x for x in self.record.actions if x.status is ActionStatus.OPEN),
                      key=lambda x: (_RAG_ORDER[x.rag(self.today)], x.due or date.max))

    def closed_actions(self) -> list[Action]:
        """Done or cancelled actions, the last changed first."""
        return sorted((x for x in self.record.actions if x.status is not ActionStatus.OPEN),
                      key=lambda x: x.updated_at, reverse=True)

    def closing_rows(self) -> list[tuple[ActionKey, Submission, dict[str, Any]]]:
        """The meeting records' rows that mark an action done or cancelled, by the action's
        text, owner and due date, oldest meeting first (so the newest meeting's word wins)."""
        out = []
        for rmm in reversed(self.record.of(FormId.RMM_REVIEW)):
            for r in _rows(rmm, "actions"):
                if r.get("action_status") not in ("done", "cancelled"):
                    continue
                try:
                    due = date.fromisoformat(str(r["action_due"])) if r.get("action_due") \
                        else None
                except ValueError:
                    continue
                out.append(((str(r.get("action_text", "")), str(r.get("action_owner", "")),
                             due), rmm, r))
        return out


def read_case(ws: Workspace, person_id: str, *, now: datetime,
              registry: FormRegistry | None = None,
              withhold_restricted_actions: bool = False) -> CaseSummary:
    """One child's case summary as at ``now`` (NotFound if there is no such person)."""
    record = CaseRecord.read(ws, person_id)
    if withhold_restricted_actions:
        record = record.without_restricted_actions()
    return case_summary(record, now=now, registry=registry)


def case_summary(record: CaseRecord, *, now: datetime,
                 registry: FormRegistry | None = None) -> CaseSummary:
    """:func:`read_case` over a record already read."""
    forms = FormWords(registry)
    now = now.astimezone(UTC)
    return CaseSummary(
        record=record, now=now, today=now.astimezone(LOCAL_ZONE).date(),
        decisions=tuple(level_decisions(record.finals)),
        episodes=tuple(episode_facts(record.episodes, record.finals, now, forms.registry)),
        counts=missing_counts(record.episodes, now), forms=forms)


def _rows(sub: Submission, group_id: str) -> list[dict[str, Any]]:
    value = sub.answers.get(group_id)
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _current_yes(value: Any) -> bool:
    """An indicator answered 'yes' as current (a 'yes' without a timing counts as current)."""
    return isinstance(value, dict) and value.get("present") == "yes" \
        and value.get("timing") in (None, "", "current", "both")
