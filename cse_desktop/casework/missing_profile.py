"""The quarterly missing-episode profile ("missing problem profile"): counting the records.

Domain research section 6(e) lists the dataset; section 3 gives the rules it measures against
(a return home interview, RHI, offered and done within 72 hours of the return, by someone
independent). :func:`compute_profile` reads the store and returns a
:class:`~cse_desktop.casework.profile_figures.MissingProfile`: aggregate numbers only. No
child's name, address, date of birth or free-text answer ever goes into it, so nothing printed
from it can name a child. :meth:`MissingProfile.suppress` gives the shareable version, with
small numbers hidden. The figures' types live in :mod:`~cse_desktop.casework.profile_figures`,
the quarters in :mod:`~cse_desktop.casework.quarters`, the hotspots in
:mod:`~cse_desktop.casework.profile_hotspots` and the links in
:mod:`~cse_desktop.casework.profile_links`.

Definitions (each is also stated where it is used):

* **Quarter**: a financial-year quarter ``FY2026-27Q1`` (April to June 2026; the default in
  the desktop and the command line) or a calendar quarter ``2026Q3`` (July to September 2026).
  Bounds are local midnights in Europe/London. See :mod:`~cse_desktop.casework.quarters`.
* **An episode in the quarter**: a live (not deleted) episode of a live child whose
  ``started_at`` falls in ``[start of quarter, start of next quarter)``. Where the child
  returned, or whether they have yet, does not matter for volumes.
* **Children**: distinct children with at least one episode in the quarter. **Repeat
  children**: children with ``repeat_threshold`` (default 3) or more episodes in the quarter.
* **The interview for an episode**: the one rule the chronology and the case summary also use,
  :func:`~cse_desktop.casework.interviews.current_interview`: of the *final*
  return-home-interview submissions recorded against the episode that no correction replaces,
  the one finalised last. Drafts are ignored. Where there is no final form, the
  episode's recorded ``rhi_status`` is used, and any time that only a form holds counts as "not
  recorded".
* **RHI base**: episodes in the quarter where the child has returned (``returned_at`` set).
  Episodes still open are counted separately and are not in any RHI rate.
* **Offered**: the form's outcome is anything except ``not_offered`` (the form then requires the
  offer time), or, without a form, the status is offered, completed or declined.
  **Offered within 72 hours**: the form's ``offered_at`` is no more than exactly 72 hours after
  the episode's ``returned_at`` (72:00:00 counts; 72:00:01 does not), the same rule as the
  form's own ``offered_within_72h``. **Completed within 72 hours**: the outcome is
  ``completed`` and ``interview_at`` is no more than 72 hours after the return. An offer or
  interview without a recorded time counts as not within 72 hours and is shown as "time not
  recorded". **Overdue**: a returned episode with nothing recorded (no form, status due or
  not yet due) more than 72 hours after the return, when the profile was made.
* **Rates**: offered, offered within 72 hours, not offered and completed within 72 hours are a
  percentage of the RHI base (every returned episode); completed and declined of those
  offered; completed within 72 hours also of those completed. Percentages are rounded to
  whole numbers when printed.
* **Declined / not completed reasons** are the form's coded outcomes (the young person said no,
  the parent or carer said no, no contact, missing again) and, where the form version has them,
  its coded reason fields ``not_offered_reason`` and ``declined_reason``. Free-text reasons
  are never aggregated or printed (they can identify a child): an interview with only a
  free-text reason is counted as "reason written as free text only".
* **Demographics** count children, not episodes, from each child's record as it stands now (the
  store keeps no history of legal status or SEN), except the age band, which is the child's age
  at the start of their first episode in the quarter. **Looked after** is legal status s20, s31
  or s38. With the **home authority** given: **own authority** when the placing authority is
  blank or names the home authority, otherwise **placed in** by another authority. Names
  match ignoring case, spacing, punctuation, "&"/"and", and the words around a council's name
  ("Surrey", "Surrey County Council" and "SURREY CC" are one authority). Without it, looked
  after children are one row, not split.
* **Themes** (push and pull factors, harm, exploitation indicators, travel) count *completed*
  interviews with a form that ticked each answer; one interview can tick several.
* **Hotspots**: areas count episodes that have a where-found on the episode record or an
  interview form (any outcome), so an episode with no interview still counts where the child
  was found. An episode's areas are the episode's where found (or, if the record has none,
  the form's), the form's "area, town or postcode", the out-of-area towns of the places they
  went, and the postcode sector (``ZZ99 3``) of any postcode written in a place. A full
  postcode is always cut to its sector; text that contains a child's name or a street
  address (a house number and a street) is shown as withheld. Venue types count episodes with
  an interview form and at least one place of that type. Ranked by count, then name.
* **Links** (children who went missing in the quarter): their exploitation **risk level**
  standing at the end of the quarter (or when the profile was made, for a quarter not yet
  over): the level set by the last final screening or Risk Management Meeting record
  finalised by then, read as the store set it (the screening's outcome level, the meeting's
  agreed level); a child with no such record at all counts at the level on their record, one
  whose first such record came later as not assessed. **Screened**: a final screening
  finalised in the quarter. **Discussed at an RMM**: a meeting record whose meeting date is in
  the quarter. **NRM referral recorded in the quarter**: a screening whose referrals include
  the NRM with its referral date in the quarter, a meeting in the quarter whose pathway (v1)
  or outcomes (v2) include the NRM, or an interview in the quarter whose referrals include
  it; the record's own NRM flag is counted separately (it has no date). **Disruption
  activities**: rows of the meeting records' disruption list dated in the quarter (their own
  date, else the meeting date), except placement moves (a safety action on the child, not
  disruption of those exploiting them) and those marked not possible; the same tactic for
  the same child on the same date counts once, however many meetings record it. Only the
  current version of a record counts (a correction replaces what it corrects).
* **Time of day / day of week**: of each episode's start, in UK local time (Europe/London).
* **Comparison**: the same measures for the previous quarter and the same quarter a year
  before; change = this - that. The trend shows this quarter and the three before it.
* **Suppression** (shareable version): see :meth:`MissingProfile.suppress`. Zero is not
  suppressed (a zero reveals no child); 1 to ``threshold - 1`` show as ``<threshold``; a
  number hidden so that a small one cannot be worked out by subtraction shows as ``c``.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cse_desktop.casework.form_words import default_registry
from cse_desktop.casework.interviews import current_interviews, within_72h
from cse_desktop.casework.profile_figures import (
    CATEGORY_ROWS,
    DECLINED_OUTCOMES,
    DEFAULT_THRESHOLD,
    EDUCATION_ROWS,
    GRADE_ROWS,
    LEGAL_ROWS,
    NOT_INDEPENDENT,
    NOT_OFFERED_OUTCOMES,
    NOT_RECORDED,
    OFFERED_OUTCOMES,
    OUTCOME_LABELS,
    REASON_LABELS,
    REASON_NO_FORM,
    REASON_NONE,
    REASON_TEXT_ONLY,
    SECONDARY,
    Breakdown,
    Count,
    Demographics,
    MissingProfile,
    RhiPerformance,
    Themes,
    Timing,
    Volumes,
    breakdown,
    fmt_count,
    fmt_pct,
    pct,
)
from cse_desktop.casework.profile_hotspots import (
    NameGuard,
    hotspots_of,
)
from cse_desktop.casework.profile_links import (
    ChildRecords,
    answer_time,
    links_of,
    ticked,
    tidy,
)
from cse_desktop.casework.quarters import (
    AGE_BANDS,
    DAYS,
    TIME_BANDS,
    Quarter,
    age_band,
    local_day,
    time_band,
)
from cse_desktop.casework.submissions import LEVEL_SETTING_FORMS
from cse_desktop.domain.dates import LOCAL_ZONE
from cse_desktop.domain.errors import UsageError
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.labels import SEN_LABELS
from cse_desktop.domain.models import (
    Episode,
    LegalStatus,
    Person,
    RhiStatus,
    SenStatus,
    Submission,
)
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.spec import ChoiceField, RepeatField
from cse_desktop.store.workspace import Workspace

REPEAT_THRESHOLD = 3
#: the RHI's coded reason fields (free-text ``outcome_reason`` is never aggregated)
NOT_OFFERED_REASON = "not_offered_reason"
DECLINED_REASON = "declined_reason"
LOOKED_AFTER = frozenset({LegalStatus.LAC_S20, LegalStatus.LAC_S31, LegalStatus.LAC_S38})

_COUNCIL_WORDS = re.compile(
    r"^(?:the |london borough of |royal borough of |borough of |city of |county of |county )+"
    r"|(?: metropolitan| royal)?(?: borough| county| city| district)?(?: council| cc| mbc| bc"
    r"| dc| la)$")

#: what the profile's readers (reports/profile.py, the command line, tests) import from here
__all__ = [
    "DEFAULT_THRESHOLD", "SECONDARY", "Breakdown", "Count", "MissingProfile", "Quarter",
    "compute_profile", "fmt_count", "fmt_pct", "pct",
]


# -- reading the records ------------------------------------------------------------------------


@dataclass
class _Labels:
    """Choice labels of a form (its newest version, with older versions' values kept)."""

    choices: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, registry: FormRegistry | None,
             form_id: str = FormId.RETURN_HOME_INTERVIEW) -> _Labels:
        labels = cls()
        if registry is None:
            return labels
        try:
            specs = [registry.get(form_id, v) for v in sorted(registry.versions(form_id))]
        except KeyError:
            return labels
        for spec in specs:  # oldest first: the newest wording wins
            fields = list(spec.all_fields())
            for f in list(fields):
                if isinstance(f, RepeatField):
                    fields += f.fields
            for f in fields:
                if isinstance(f, ChoiceField):
                    labels.choices.setdefault(f.id, {}).update(
                        {c.value: c.label for c in spec.choices_of(f)})
        return labels

    def of(self, field_id: str) -> dict[str, str]:
        return dict(self.choices.get(field_id, {}))


@dataclass(frozen=True)
class _Records:
    """Everything the profile reads, once, for every quarter it counts."""

    people: dict[str, Person]
    episodes: list[Episode]
    interviews: dict[str, Submission]
    interviews_by_child: dict[str, list[Submission]]
    #: per child: current final screenings and meeting records (every level-setting final)
    level_setters: dict[str, list[Submission]]
    screenings: dict[str, list[Submission]]
    meetings: dict[str, list[Submission]]
    labels: _Labels
    meeting_labels: _Labels

    @classmethod
    def read(cls, ws: Workspace, registry: FormRegistry | None) -> _Records:
        people: dict[str, Person] = {p.id: p for p in ws.people.list()}
        submissions = [s for s in ws.submissions.list()
                       if s.is_final and not s.deleted and s.person_id in people]
        amended = {s.amends for s in submissions if s.amends}
        setters: dict[str, list[Submission]] = defaultdict(list)
        screenings: dict[str, list[Submission]] = defaultdict(list)
        meetings: dict[str, list[Submission]] = defaultdict(list)
        for s in submissions:
            if s.form_id in LEVEL_SETTING_FORMS:
                setters[s.person_id].append(s)
            if s.id in amended:
                continue
            if s.form_id == FormId.SCREENING:
                screenings[s.person_id].append(s)
            elif s.form_id == FormId.RMM_REVIEW:
                meetings[s.person_id].append(s)
        registry = registry if registry is not None else default_registry()
        interviews = current_interviews(submissions)
        by_child: dict[str, list[Submission]] = defaultdict(list)
        for s in interviews.values():
            by_child[s.person_id].append(s)
        return cls(people=people,
                   episodes=[e for e in ws.episodes.list() if e.person_id in people],
                   interviews=interviews, interviews_by_child=dict(by_child),
                   level_setters=dict(setters),
                   screenings=dict(screenings), meetings=dict(meetings),
                   labels=_Labels.load(registry), meeting_labels=_Labels.load(registry,
                                                                              FormId.RMM_REVIEW))


def rhi_outcome(episode: Episode, interview: Submission | None,
                now: datetime | None = None) -> str:
    """The key of ``OUTCOME_LABELS`` for a returned episode (overdue as at ``now``)."""
    if interview is not None:
        outcome = interview.answers.get("outcome")
        if outcome in ("completed", "declined_child", "declined_parent", "unable_to_contact",
                       "missing_again", "not_offered"):
            return str(outcome)
    status = episode.rhi_status
    if status is RhiStatus.COMPLETED:
        return "completed"
    if status is RhiStatus.DECLINED:
        return "declined_unrecorded"
    if status is RhiStatus.NOT_OFFERED:
        return "not_offered_unrecorded"
    if status is RhiStatus.OFFERED:
        return "offered_pending"
    due = episode.rhi_due_at
    late = due is not None and (now or datetime.now(UTC)) > due
    return "no_outcome_overdue" if late else "no_outcome_due"


def reason_of(interview: Submission | None, field_id: str) -> str:
    """A not-offered or declined interview's coded reason, or how its reason was recorded."""
    if interview is None:
        return REASON_NO_FORM
    code = interview.answers.get(field_id)
    if isinstance(code, str) and code:
        return code
    return REASON_TEXT_ONLY if tidy(interview.answers.get("outcome_reason")) else REASON_NONE


def authority_key(name: str) -> str:
    """A council's name reduced to what identifies it ('Surrey County Council' -> 'surrey')."""
    text = re.sub(r"[^\w\s]", " ", name.casefold().replace("&", " and "))
    text = " ".join(text.split())
    while True:
        shorter = _COUNCIL_WORDS.sub("", text).strip()
        if shorter == text or not shorter:
            return text
        text = shorter


def same_authority(a: str, b: str) -> bool:
    return bool(a.strip()) and authority_key(a) == authority_key(b)


def legal_group(person: Person, home_la: str | None) -> str:
    """The key of ``LEGAL_ROWS`` for a child (looked after split by the placing authority
    when the home authority is known)."""
    status = person.legal_status
    if status in LOOKED_AFTER:
        if home_la is None:
            return "lac"
        own = not person.placing_la.strip() or same_authority(person.placing_la, home_la)
        return "lac_own" if own else "lac_placed_in"
    return {LegalStatus.CP: "cp", LegalStatus.CIN: "cin",
            LegalStatus.CARE_LEAVER: "care_leaver",
            LegalStatus.EARLY_HELP: "early_help"}.get(status, "not_known")


# -- computing ----------------------------------------------------------------------------------


def compute_profile(ws: Workspace, quarter: str | Quarter, *, home_la: str | None = None,
                    repeat_threshold: int = REPEAT_THRESHOLD,
                    registry: FormRegistry | None = None,
                    now: datetime | None = None) -> MissingProfile:
    """The profile of ``quarter`` (``"FY2026-27Q1"`` or ``"2026Q3"``) with the four quarters
    before it, for the comparison and the trend.

    ``home_la`` is this authority's name; without it looked after children are not split into
    own and placed in. Reads people, episodes and submissions (no audit entry: the caller
    audits the print). UsageError for a badly written quarter.
    """
    q = quarter if isinstance(quarter, Quarter) else Quarter.parse(quarter)
    if repeat_threshold < 1:
        raise UsageError("The repeat-children threshold must be at least 1.")
    home = " ".join(home_la.split()) if isinstance(home_la, str) else None
    records = _Records.read(ws, registry)
    guard = NameGuard(records.people.values())
    generated = now or datetime.now(UTC)

    def one(qq: Quarter) -> MissingProfile:
        return profile_of(qq, records, guard=guard, home_la=home or None,
                          repeat_threshold=repeat_threshold, now=generated)

    return dataclasses.replace(one(q), earlier=tuple(one(q.shifted(-n)) for n in range(1, 5)))


def profile_of(q: Quarter, records: _Records, *, guard: Callable[[str], str],
               home_la: str | None, repeat_threshold: int, now: datetime) -> MissingProfile:
    """One quarter's figures over records already read (no earlier quarters)."""
    episodes = sorted((e for e in records.episodes if q.contains(e.started_at)),
                      key=lambda e: (e.started_at, e.id))
    by_child: dict[str, list[Episode]] = defaultdict(list)
    for e in episodes:
        by_child[e.person_id].append(e)
    n_episodes, n_children = len(episodes), len(by_child)
    people, interviews, labels = records.people, records.interviews, records.labels

    # -- volumes
    repeaters = [pid for pid, eps in by_child.items() if len(eps) >= repeat_threshold]
    volumes = Volumes(
        episodes=n_episodes, children=n_children, repeat_children=len(repeaters),
        repeat_episodes=sum(len(by_child[pid]) for pid in repeaters),
        not_returned=sum(1 for e in episodes if e.returned_at is None),
        overnight=sum(1 for e in episodes if e.overnight),
        by_category=breakdown("By category", Counter(e.category.value for e in episodes),
                              CATEGORY_ROWS, n_episodes,
                              "episodes", partition=True),
        by_risk_grade=breakdown("By police risk grade",
                                Counter(e.police_risk_grade.value for e in episodes),
                                GRADE_ROWS, n_episodes,
                                "episodes", partition=True, pinned=["high"]),
    )
    returned = [e for e in episodes if e.returned_at is not None]
    rhi = _rhi(returned, interviews, labels, now)
    demographics = _demographics(by_child, people, home_la)
    themes = _themes(returned, interviews, labels, now)
    hotspots = hotspots_of(episodes, interviews, labels.of("loc_type"), guard)

    # -- timing (episode starts, UK local time)
    starts = [e.started_at.astimezone(LOCAL_ZONE) for e in episodes]
    timing = Timing(
        time_of_day=breakdown("Time of day the episode started", Counter(
            time_band(s) for s in starts), {label: label for _, label in TIME_BANDS},
            n_episodes, "episodes", partition=True),
        day_of_week=breakdown("Day of the week the episode started", Counter(
            DAYS[s.weekday()] for s in starts), {d: d for d in DAYS}, n_episodes, "episodes",
            partition=True),
    )
    links = links_of(q, [ChildRecords(
        person=people[pid], level_setters=records.level_setters.get(pid, ()),
        screenings=records.screenings.get(pid, ()), meetings=records.meetings.get(pid, ()),
        interviews=records.interviews_by_child.get(pid, ())) for pid in by_child],
        cutoff=min(q.ends_at, now), tactic_labels=records.meeting_labels.of("dis_tactic"))
    return MissingProfile(quarter=q, home_la=home_la, repeat_threshold=repeat_threshold,
                          generated_at=now, volumes=volumes, rhi=rhi, demographics=demographics,
                          themes=themes, hotspots=hotspots, timing=timing, links=links)


def _rhi(returned: Sequence[Episode], interviews: dict[str, Submission], labels: _Labels,
         now: datetime) -> RhiPerformance:
    outcomes: Counter[str] = Counter()
    offered_in_time = offered_no_time = completed_in_time = completed_no_time = 0
    independence: Counter[str] = Counter()
    not_offered_why: Counter[str] = Counter()
    declined_why: Counter[str] = Counter()
    for e in returned:
        assert e.returned_at is not None
        form = interviews.get(e.id)
        outcome = rhi_outcome(e, form, now)
        outcomes[outcome] += 1
        answers = form.answers if form is not None else {}
        if outcome in OFFERED_OUTCOMES:
            offered_at = answer_time(answers.get("offered_at"))
            offered_in_time += within_72h(e.returned_at, offered_at)
            offered_no_time += offered_at is None
        if outcome == "completed":
            interview_at = answer_time(answers.get("interview_at"))
            completed_in_time += within_72h(e.returned_at, interview_at)
            completed_no_time += interview_at is None
            if form is None:
                independence["_no_form"] += 1
            else:
                who = answers.get("interviewer_independence")
                independence[who if isinstance(who, str) and who else "_not_recorded"] += 1
        if outcome in NOT_OFFERED_OUTCOMES:
            not_offered_why[reason_of(form, NOT_OFFERED_REASON)] += 1
        if outcome in DECLINED_OUTCOMES:
            declined_why[reason_of(form, DECLINED_REASON)] += 1
    who_labels = labels.of("interviewer_independence")
    who_labels.update({"_not_recorded": NOT_RECORDED,
                       "_no_form": "No interview form (status only)"})
    n_completed = outcomes["completed"]
    n_declined = sum(outcomes[k] for k in DECLINED_OUTCOMES)
    n_not_offered = sum(outcomes[k] for k in NOT_OFFERED_OUTCOMES)

    def reasons(title: str, counter: Counter[str], field_id: str, base: int,
                base_label: str) -> Breakdown:
        return breakdown(title, counter, labels.of(field_id) | REASON_LABELS, base, base_label,
                         partition=True, keep_zero=False, ranked=True,
                         last=list(REASON_LABELS))

    return RhiPerformance(
        returned=len(returned),
        offered=sum(outcomes[k] for k in OFFERED_OUTCOMES),
        offered_within_72h=offered_in_time, offered_time_not_recorded=offered_no_time,
        completed=n_completed, completed_within_72h=completed_in_time,
        completed_time_not_recorded=completed_no_time,
        declined=n_declined, not_offered=n_not_offered,
        not_independent=sum(independence[k] for k in NOT_INDEPENDENT),
        outcomes=breakdown("Outcome for each returned episode", outcomes, OUTCOME_LABELS,
                           len(returned), "returned episodes", partition=True,
                           pinned=["completed", "no_outcome_overdue"]),
        independence=breakdown("Who did the completed interviews", independence, who_labels,
                               n_completed, "completed interviews", partition=True),
        not_offered_reasons=reasons("Why an interview was not offered", not_offered_why,
                                    NOT_OFFERED_REASON, n_not_offered, "not offered"),
        declined_reasons=reasons("Why an interview was declined", declined_why,
                                 DECLINED_REASON, n_declined, "declined"),
        overdue=outcomes["no_outcome_overdue"],
    )


def _demographics(by_child: dict[str, list[Episode]], people: dict[str, Person],
                  home_la: str | None) -> Demographics:
    """Children; age at their first episode in the quarter."""
    n_children = len(by_child)
    children = [people[pid] for pid in by_child]
    ages: Counter[str] = Counter()
    for pid, eps in by_child.items():
        ages[age_band(people[pid].age_on(local_day(eps[0].started_at)))] += 1
    legal = Counter(legal_group(p, home_la) for p in children)
    legal_labels = {k: v for k, v in LEGAL_ROWS.items()
                    if (k == "lac") == (home_la is None) or not k.startswith("lac")}
    characteristics = Counter({
        "uasc": sum(p.uasc for p in children),
        "sen_support": sum(p.sen is SenStatus.SEN_SUPPORT for p in children),
        "ehcp": sum(p.sen is SenStatus.EHCP for p in children),
    })
    return Demographics(
        children=n_children,
        age_band=breakdown("Age at the start of their first episode", ages,
                           {label: label for _, _, label in AGE_BANDS}, n_children, "children",
                           partition=True),
        gender=breakdown("Gender", Counter(tidy(p.gender) or NOT_RECORDED for p in children),
                         {}, n_children, "children", partition=True, ranked=True,
                         last=[NOT_RECORDED]),
        ethnicity=breakdown("Ethnicity",
                            Counter(tidy(p.ethnicity) or NOT_RECORDED for p in children), {},
                            n_children, "children", partition=True, ranked=True,
                            last=[NOT_RECORDED]),
        legal_status=breakdown("Legal status", legal, legal_labels, n_children, "children",
                               partition=True, pinned=["lac_own", "lac_placed_in", "lac"]),
        characteristics=breakdown("Other characteristics", characteristics, {
            "uasc": "Unaccompanied asylum-seeking child",
            "sen_support": f"Special educational needs: {SEN_LABELS[SenStatus.SEN_SUPPORT]}",
            "ehcp": SEN_LABELS[SenStatus.EHCP]}, n_children, "children"),
        education=breakdown("Education", Counter(p.education_status.value for p in children),
                            EDUCATION_ROWS, n_children, "children", partition=True),
    )


def _themes(returned: Sequence[Episode], interviews: dict[str, Submission], labels: _Labels,
            now: datetime) -> Themes:
    """Completed interviews with a form."""
    done = [interviews[e.id].answers for e in returned
            if e.id in interviews and rhi_outcome(e, interviews[e.id], now) == "completed"]
    n_done = len(done)

    def tally(field_id: str) -> Counter[str]:
        return Counter(v for a in done for v in ticked(a, field_id))

    def theme(title: str, field_id: str, none: str) -> Breakdown:
        return breakdown(title, tally(field_id), labels.of(field_id), n_done,
                         "completed interviews", ranked=True, last=[none])

    def yes(field_id: str) -> int:
        return sum(1 for a in done if a.get(field_id) == "yes")

    return Themes(
        interviews=n_done,
        harm_disclosed=sum(1 for a in done if ticked(a, "harm") - {"none"}),
        exploitation_indicated=sum(1 for a in done
                                   if ticked(a, "exploitation_indicators") - {"none"}),
        push=theme("What pushed them to leave", "push_factors", "none_given"),
        pull=theme("What drew them away", "pull_factors", "none_given"),
        harm=theme("Harm they told us about", "harm", "none"),
        exploitation=theme("Signs of exploitation", "exploitation_indicators", "none"),
        travel=theme("How they travelled", "travel", ""),
        other=breakdown("Other answers", Counter({
            k: yes(k) for k in ("drugs_alcohol", "online_contact", "health_needs",
                                "immediate_safety", "rmm_referral")}),
            {"drugs_alcohol": "Given or used drugs or alcohol",
             "online_contact": "In contact with someone online about going",
             "health_needs": "Health needs identified",
             "immediate_safety": "Immediate safety concerns",
             "rmm_referral": "Referred to the Risk Management Meeting"},
            n_done, "completed interviews"),
    )


