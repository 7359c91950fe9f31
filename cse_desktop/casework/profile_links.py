"""The missing profile's links to exploitation risk, the Risk Management Meeting (RMM), the
National Referral Mechanism (NRM) and disruption, and the readers of form answers it shares
with :mod:`cse_desktop.casework.missing_profile` (whose module doc defines every figure).

What the store holds, and what is read:

* the child's record: ``risk_level`` (now) and ``nrm_referral`` (a flag with no date);
* final exploitation screenings: the outcome's ``level``, ``referrals`` (``nrm``) and
  ``referral_date``;
* final RMM records: the ``agreed_level``, the ``meeting_date``, v1's single ``pathway``
  (``nrm``), v2's multiple ``outcomes`` (``nrm``) where present, and the ``disruption`` rows
  (``dis_tactic``, ``dis_date``, ``dis_status``) of either version;
* final return home interviews: ``referrals`` (``nrm``) and ``interview_at``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cse_desktop.casework.profile_figures import RISK_ROWS, Links, breakdown
from cse_desktop.casework.quarters import Quarter, local_day
from cse_desktop.casework.submissions import LEVEL_SETTING_FORMS
from cse_desktop.domain.models import Person, RiskLevel, Submission

#: rows of a meeting's disruption list that are not disruption activity
NOT_DISRUPTION = frozenset({"placement_move"})
NOT_DONE = frozenset({"not_possible"})


@dataclass(frozen=True)
class ChildRecords:
    """One child's records the links read (current versions, except ``level_setters``, which
    holds every final screening and meeting record: the level follows each in turn)."""

    person: Person
    level_setters: Sequence[Submission] = ()
    screenings: Sequence[Submission] = ()
    meetings: Sequence[Submission] = ()
    interviews: Sequence[Submission] = ()


def level_at(person: Person, setters: Sequence[Submission], cutoff: datetime) -> str:
    """The child's risk level standing at ``cutoff``: the level set by the last final screening
    or meeting record finalised before it, as the store set it when it was finalised; a child
    with no such record at all is at the level on their record; one whose records all came
    later was not assessed by then."""
    if not setters:
        return person.risk_level.value
    made = [(s.finalised_at or s.created_at, s.created_at, level) for s in setters
            if (s.finalised_at or s.created_at) < cutoff
            and (level := _level_set_by(s)) is not None]
    return max(made)[2] if made else RiskLevel.NOT_ASSESSED.value


def _level_set_by(s: Submission) -> str | None:
    key = LEVEL_SETTING_FORMS.get(s.form_id)
    if key is None:
        return None
    level = (s.outcome or {}).get(key) or s.answers.get(key)
    return level if level in RiskLevel._value2member_map_ else None


def meeting_day(meeting: Submission) -> date:
    """A meeting record's meeting date (else the day it was made final, UK time)."""
    return answer_day(meeting.answers.get("meeting_date")) or local_day(
        meeting.finalised_at or meeting.created_at)


def links_of(q: Quarter, children: Sequence[ChildRecords], *, cutoff: datetime,
             tactic_labels: dict[str, str]) -> Links:
    """The links for the children who went missing in ``q``; levels as at ``cutoff``."""
    levels: Counter[str] = Counter()
    screened = discussed = nrm = nrm_flag = 0
    activities: dict[tuple[str, str, date], str] = {}
    for child in children:
        pid = child.person.id
        levels[level_at(child.person, child.level_setters, cutoff)] += 1
        nrm_flag += child.person.nrm_referral
        meetings = [(m, meeting_day(m)) for m in child.meetings]
        screened += any(q.contains(s.finalised_at or s.created_at) for s in child.screenings)
        discussed += any(q.contains_day(day) for _, day in meetings)
        referred = any(
            "nrm" in ticked(s.answers, "referrals") and q.contains_day(
                answer_day(s.answers.get("referral_date"))
                or local_day(s.finalised_at or s.created_at))
            for s in child.screenings)
        referred |= any(q.contains_day(day) and (m.answers.get("pathway") == "nrm"
                                                 or "nrm" in ticked(m.answers, "outcomes"))
                        for m, day in meetings)
        referred |= any(
            "nrm" in ticked(s.answers, "referrals") and q.contains(
                answer_time(s.answers.get("interview_at")) or s.finalised_at or s.created_at)
            for s in child.interviews)
        nrm += referred
        for m, day_of_meeting in meetings:
            for row in m.answers.get("disruption") or []:
                tactic = row.get("dis_tactic") if isinstance(row, dict) else None
                if (not isinstance(tactic, str) or not tactic or tactic in NOT_DISRUPTION
                        or row.get("dis_status") in NOT_DONE):
                    continue
                day = answer_day(row.get("dis_date")) or day_of_meeting
                if q.contains_day(day):
                    activities[(pid, tactic, day)] = tactic
    n = len(children)
    return Links(
        children=n,
        by_risk_level=breakdown("Exploitation risk level at the end of the quarter", levels,
                                RISK_ROWS, n, "children", partition=True, pinned=["high"]),
        screened=screened, discussed_at_rmm=discussed, nrm_referred=nrm, nrm_on_record=nrm_flag,
        disruption_children=len({pid for pid, _, _ in activities}),
        disruption=breakdown("Disruption activities, by tactic", Counter(activities.values()),
                             tactic_labels, len(activities), "activities", partition=True,
                             ranked=True, keep_zero=False, last=["other"]),
    )


# -- readers of form answers ---------------------------------------------------------------------


def answer_time(value: Any) -> datetime | None:
    """A date-time answer as a UTC instant (None if missing, unreadable or without a zone)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def answer_day(value: Any) -> date | None:
    """A date answer (None if missing or unreadable)."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def tidy(value: Any) -> str:
    """A text answer with its spacing tidied ('' for anything else)."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def ticked(answers: dict[str, Any], field_id: str) -> set[str]:
    """The values chosen in a multiple-choice answer."""
    value = answers.get(field_id)
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()
