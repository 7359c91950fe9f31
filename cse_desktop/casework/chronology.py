"""A child's practice chronology: every dated event on the record, merged, newest first.

Practitioners bring a chronology to every Risk Management Meeting (domain research 4, 6(d)):
when the child went missing and came back, the return home interview clock, screenings and
their levels, meeting decisions, parent sessions and actions.  :func:`build_chronology` derives
it from the records (nothing is stored, so it cannot drift); :func:`filter_chronology` narrows
it by type and date.  No Qt here: the desktop, the command line and reports share it.

Times are UTC instants; the short texts show them in UK local time (Europe/London).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from cse_desktop.domain.models import (
    LOCAL_ZONE,
    Action,
    ActionStatus,
    Association,
    AssociationKind,
    Episode,
    EpisodeCategory,
    Person,
    PoliceRiskGrade,
    RhiStatus,
    Submission,
)
from cse_desktop.forms.loader import FormLoadError, FormRegistry, default_forms_dir
from cse_desktop.forms.scoring import AWAITING_APPROVAL
from cse_desktop.forms.spec import FormSpec
from cse_desktop.store.workspace import Workspace

# -- event kinds (stable codes; the UI gives them labels) ------------------------------------

EPISODE_MISSING = "episode-missing"
EPISODE_RETURNED = "episode-returned"
SUBMISSION = "submission"
AMENDMENT = "amendment"
DRAFT = "draft"
RMM_DECISION = "rmm-decision"
ACTION = "action"
ASSOCIATION = "association"
PROFILE = "profile"

#: every kind, in the order filters list them
KINDS: tuple[str, ...] = (EPISODE_MISSING, EPISODE_RETURNED, SUBMISSION, RMM_DECISION,
                          AMENDMENT, DRAFT, ACTION, ASSOCIATION, PROFILE)
KIND_LABELS: dict[str, str] = {
    EPISODE_MISSING: "Reported missing",
    EPISODE_RETURNED: "Returned",
    SUBMISSION: "Form",
    RMM_DECISION: "Meeting decision",
    AMENDMENT: "Amendment",
    DRAFT: "Draft (not final)",
    ACTION: "Action",
    ASSOCIATION: "Concern (restricted)",
    PROFILE: "Profile",
}

#: short titles for the forms the app ships (other forms use their own title)
FORM_TITLES: dict[str, str] = {
    "exploitation-screening": "Exploitation screening",
    "rmm-review": "Risk Management Meeting",
    "return-home-interview": "Return home interview",
    "parent-session": "Parent session",
}

LEVEL_LABELS = {"not_assessed": "Not assessed", "none": "None", "low": "Low",
                "medium": "Medium", "high": "High"}
CATEGORY_LABELS = {EpisodeCategory.MISSING: "Missing", EpisodeCategory.ABSENT: "Absent",
                   EpisodeCategory.AWAY_FROM_PLACEMENT: "Away from placement"}
POLICE_GRADE_LABELS = {PoliceRiskGrade.NO_APPARENT_RISK: "No apparent risk",
                       PoliceRiskGrade.LOW: "Low", PoliceRiskGrade.MEDIUM: "Medium",
                       PoliceRiskGrade.HIGH: "High", PoliceRiskGrade.NOT_KNOWN: "Not known"}
RHI_STATUS_LABELS = {RhiStatus.NOT_YET_DUE: "Not yet due",
                     RhiStatus.DUE: "Due", RhiStatus.OFFERED: "Offered",
                     RhiStatus.COMPLETED: "Completed", RhiStatus.DECLINED: "Declined",
                     RhiStatus.NOT_OFFERED: "Not offered"}
ASSOCIATION_LABELS = {AssociationKind.PERSON: "Person", AssociationKind.PLACE: "Place",
                      AssociationKind.VEHICLE: "Vehicle",
                      AssociationKind.HANDLE: "Online or phone handle",
                      AssociationKind.OTHER: "Other"}

#: the answer that says when a form's event happened (else: when it was finalised)
_EVENT_TIME_FIELDS = {"parent-session": ("session_at",),
                      "return-home-interview": ("interview_at", "offered_at"),
                      "rmm-review": ("meeting_date",)}
_DETAIL_LIMIT = 200
#: a meeting record's flags that repeat one of its outcomes (version 2)
_RMM_OUTCOME_FLAGS = frozenset({"strategy-discussion", "nrm"})
_EPOCH = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ChronologyEvent:
    """One line of the chronology.

    ``record_kind``/``record_id`` name the record it comes from (a submission event opens that
    submission); ``all_day`` events know only their date; ``restricted`` ones (people and places
    of concern) are withheld from redacted prints and exports.
    """

    at: datetime
    kind: str
    title: str
    detail: str
    record_id: str
    record_kind: str
    form_id: str | None = None
    episode_id: str | None = None
    all_day: bool = False
    restricted: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def local_date(self) -> date:
        return self.at.astimezone(LOCAL_ZONE).date()


# -- text helpers (UK local time) ------------------------------------------------------------


def uk_day(day: date) -> str:
    """5 Mar 2026."""
    return f"{day.day} {day:%b %Y}"


def uk_datetime(at: datetime) -> str:
    """5 Mar 2026 14:30, in UK local time."""
    local = at.astimezone(LOCAL_ZONE)
    return f"{uk_day(local.date())} {local:%H:%M}"


def duration_text(span: timedelta) -> str:
    """'45 min', '13 h 30 min', '2 days 5 h'."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    return f"{mins} min"


def hours_text(span: timedelta) -> str:
    """A countdown in whole hours ('51 h'), in minutes under an hour, in days past 72 h."""
    minutes = int(abs(span.total_seconds()) // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours <= 72:
        return f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} days" + (f" {hours} h" if hours else "")


def clock_words(left: timedelta) -> str:
    """The 72-hour interview clock in words, the same on every screen and on paper: 'due in
    51 h', 'due in 20 min', 'due now', 'overdue by 5 h', 'overdue by 4 days 4 h'."""
    if left == timedelta(0):
        return "due now"
    return f"due in {hours_text(left)}" if left > timedelta(0) else \
        f"overdue by {hours_text(left)}"


def uk_weekday_time(at: datetime) -> str:
    """Tue 8 Dec 10:45, in UK local time: when an interview is due, days away at most."""
    local = at.astimezone(LOCAL_ZONE)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _short(text: str, limit: int = _DETAIL_LIMIT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?", "…")) else text + "."


# -- forms: titles and choice labels ---------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _registry_at(root: str) -> FormRegistry | None:
    try:
        return FormRegistry.load(Path(root))
    except FormLoadError:
        return None


def default_registry() -> FormRegistry | None:
    """The shipped forms (loaded once); None if they cannot be read (titles then fall back)."""
    return _registry_at(str(default_forms_dir()))


class _Forms:
    def __init__(self, registry: FormRegistry | None) -> None:
        self.registry = registry

    def spec(self, submission: Submission) -> FormSpec | None:
        if self.registry is None:
            return None
        try:
            return self.registry.get(submission.form_id, submission.form_version)
        except KeyError:
            return None

    def title(self, submission: Submission) -> str:
        if submission.form_id in FORM_TITLES:
            return FORM_TITLES[submission.form_id]
        spec = self.spec(submission)
        if spec is not None:
            return spec.title
        return submission.form_id.replace("-", " ").capitalize()

    def label(self, submission: Submission, field_id: str, value: Any) -> str:
        """The words a choice answer stands for ('home_visit' -> 'Home visit')."""
        if value is None or value == "":
            return ""
        if self.registry is not None:  # in the newest wording of the same question
            words = self.registry.wording(submission.form_id, submission.form_version,
                                          field_id, str(value))
            if words is not None:
                return words
        if str(value) in LEVEL_LABELS:
            return LEVEL_LABELS[str(value)]
        return str(value).replace("_", " ").capitalize()


def form_title(submission: Submission, registry: FormRegistry | None = None) -> str:
    """The short title of a submission's form ('Exploitation screening')."""
    return _Forms(registry if registry is not None else default_registry()).title(submission)


# -- when things happened --------------------------------------------------------------------


def _parse_when(value: Any) -> tuple[datetime, bool] | None:
    """An answer as a UTC instant: (instant, date-only?), or None if it is not a date."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if "T" in value:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=LOCAL_ZONE)
            return parsed.astimezone(UTC), False
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime.combine(day, time(0, 0), LOCAL_ZONE).astimezone(UTC), True


def submission_time(submission: Submission) -> tuple[datetime, bool]:
    """When a submission's event happened: the form's own date (a session, an interview, a
    meeting) where it has one, else when it was finalised (or last saved, for a draft)."""
    for field_id in _EVENT_TIME_FIELDS.get(submission.form_id, ()):
        parsed = _parse_when(submission.answers.get(field_id))
        if parsed is not None:
            return parsed
    if submission.is_final and submission.finalised_at is not None:
        return submission.finalised_at, False
    return submission.updated_at, False


def _local_day(value: Any) -> str:
    parsed = _parse_when(value)
    if parsed is None:
        return ""
    at, all_day = parsed
    return uk_day(at.astimezone(LOCAL_ZONE).date()) if all_day else uk_datetime(at)


# -- the return home interview clock -----------------------------------------------------------


@dataclass(frozen=True)
class RhiState:
    """Where an episode's return home interview stands, in words.

    ``status`` is the recorded status, or the outcome of a final interview record for the
    episode (that record is the better evidence); ``clock`` is "due in 51 h" / "overdue by 5 h"
    while the interview is still owed, else "".
    """

    status: str
    clock: str
    owed: bool
    overdue: bool
    due_at: datetime | None
    submission_id: str | None = None


def rhi_state(episode: Episode, now: datetime,
              interviews: Sequence[Submission] = (),
              registry: FormRegistry | None = None) -> RhiState:
    """The RHI state of ``episode`` at ``now`` (UTC instants: due = returned_at + 72 h).

    ``interviews`` are the child's submissions; final return home interviews for this episode
    (the newest, amendments included) override the recorded status.
    """
    forms = _Forms(registry if registry is not None else default_registry())
    due = episode.rhi_due_at
    finals = [s for s in interviews if s.is_final and s.form_id == "return-home-interview"
              and s.episode_id == episode.id]
    if finals:
        latest = max(finals, key=lambda s: s.finalised_at or _EPOCH)
        outcome = latest.answers.get("outcome")
        words = forms.label(latest, "outcome", outcome) if outcome else "Interview recorded"
        return RhiState(words, "", False, False, due, str(latest.id))
    if episode.returned_at is None or due is None:
        return RhiState(RHI_STATUS_LABELS[RhiStatus.NOT_YET_DUE], "", False, False, None)
    status = episode.rhi_status
    if status is RhiStatus.NOT_YET_DUE:  # returned, but the status was never moved on
        status = RhiStatus.DUE
    if status not in (RhiStatus.DUE, RhiStatus.OFFERED):
        return RhiState(RHI_STATUS_LABELS[status], "", False, False, due)
    left = due - now
    return RhiState(RHI_STATUS_LABELS[status], clock_words(left), True, left < timedelta(0),
                    due)


# -- building the chronology -------------------------------------------------------------------


def build_chronology(ws: Workspace, person_id: str, *, now: datetime | None = None,
                     registry: FormRegistry | None = None,
                     include_drafts: bool = True) -> list[ChronologyEvent]:
    """The merged practice chronology of one child, newest first.

    Reads (without auditing a view: the caller audits opening the record) the person, their
    episodes, submissions, actions and people and places of concern.  Drafts are included as
    kind ``draft`` (clearly not final) unless ``include_drafts`` is false.  Raises NotFound if
    there is no such person.
    """
    person = ws.people.get(person_id)
    return chronology_of(person, ws.episodes.list(person_id=person.id),
                         ws.submissions.list(person_id=person.id),
                         ws.actions.list(person_id=person.id),
                         ws.associations.list(person_id=person.id),
                         now=now, registry=registry, include_drafts=include_drafts)


def chronology_of(person: Person, episodes: Sequence[Episode],
                  submissions: Sequence[Submission], actions: Sequence[Action] = (),
                  associations: Sequence[Association] = (), *, now: datetime | None = None,
                  registry: FormRegistry | None = None,
                  include_drafts: bool = True) -> list[ChronologyEvent]:
    """:func:`build_chronology` over records already read (for a caller that holds them)."""
    now = now or datetime.now(UTC)
    forms = _Forms(registry if registry is not None else default_registry())
    by_id = {s.id: s for s in submissions}
    events: list[ChronologyEvent] = [ChronologyEvent(
        at=person.created_at, kind=PROFILE, title="Added to the caseload",
        detail=_join(f"Added by {person.created_by}." if person.created_by else "",
                     f"Allocated to {person.allocated_worker}." if person.allocated_worker
                     else ""),
        record_id=str(person.id), record_kind="person")]
    for episode in episodes:
        if not episode.deleted:
            events += _episode_events(episode, now, submissions, forms)
    for submission in submissions:
        if submission.deleted or (not submission.is_final and not include_drafts):
            continue
        events.append(_submission_event(submission, by_id, forms))
    for action in actions:
        if not action.deleted:
            events += _action_events(action, now)
    events += [_association_event(a) for a in associations if not a.deleted]
    return sort_newest_first(events)


def submission_summary(submission: Submission, registry: FormRegistry | None = None) -> str:
    """A final submission in a line: 'Exploitation screening: Medium (agreed), suggested Low'.

    A draft is just its form's title.
    """
    forms = _Forms(registry if registry is not None else default_registry())
    title = forms.title(submission)
    if not submission.is_final:
        return title
    summary, _ = _summary(submission, forms)
    return f"{title}: {summary}" if summary else title


def sort_newest_first(events: Iterable[ChronologyEvent]) -> list[ChronologyEvent]:
    """Newest first; events at the same instant keep their given order, reversed (so a record's
    later step, given after its earlier one, comes first)."""
    indexed = sorted(enumerate(events), key=lambda pair: (pair[1].at, pair[0]), reverse=True)
    return [event for _, event in indexed]


def _episode_events(episode: Episode, now: datetime, submissions: Sequence[Submission],
                    forms: _Forms) -> list[ChronologyEvent]:
    eid = str(episode.id)
    category = CATEGORY_LABELS[episode.category]
    grade = POLICE_GRADE_LABELS[episode.police_risk_grade]
    started = ChronologyEvent(
        at=episode.started_at, kind=EPISODE_MISSING,
        title=("Reported missing" if episode.category is EpisodeCategory.MISSING
               else f"Reported missing ({category.lower()})"),
        detail=_join(f"Police risk grade: {grade}.",
                     f"Police reference {episode.police_reference}."
                     if episode.police_reference else "",
                     "" if episode.returned_at is not None else "Not yet returned."),
        record_id=eid, record_kind="episode", episode_id=eid)
    if episode.returned_at is None or episode.duration is None:
        return [started]
    state = rhi_state(episode, now, submissions, forms.registry)
    if state.owed:
        rhi = (f"Return home interview {state.clock} "
               f"(by {uk_datetime(state.due_at)})." if state.due_at else "")
    else:
        rhi = f"Return home interview: {state.status[0].lower()}{state.status[1:]}."
    returned = ChronologyEvent(
        at=episode.returned_at, kind=EPISODE_RETURNED,
        title=f"Returned after {duration_text(episode.duration)}"
              + (", overnight" if episode.overnight else ""),
        detail=_join(_sentence(f"Found at {episode.where_found}") if episode.where_found else "",
                     _sentence(f"Returned by {episode.how_returned.lower()}")
                     if episode.how_returned else "",
                     rhi),
        record_id=eid, record_kind="episode", episode_id=eid)
    return [started, returned]


def _submission_event(s: Submission, by_id: dict[str, Submission],
                      forms: _Forms) -> ChronologyEvent:
    at, all_day = submission_time(s)
    title = forms.title(s)
    summary, detail = _summary(s, forms)
    kind = RMM_DECISION if s.form_id == "rmm-review" else SUBMISSION
    if not s.is_final:
        kind = DRAFT
        title = f"Draft (not final): {title}"
        detail = _join("Not finalised: it is not part of the record yet.",
                       f"Last saved {uk_datetime(s.updated_at)}.")
        summary = ""
    elif s.amends is not None:
        kind = AMENDMENT
        original = by_id.get(s.amends)
        when = (f" finalised {uk_datetime(original.finalised_at)}"
                if original is not None and original.finalised_at else "")
        detail = _join(f"Corrects the {title.lower()}{when}.", detail)
        title = f"{title} (amended)"
    elif s.is_final and s.finalised_at is not None \
            and s.finalised_at.astimezone(LOCAL_ZONE).date() \
            != at.astimezone(LOCAL_ZONE).date():
        detail = _join(detail, f"Recorded {uk_datetime(s.finalised_at)}.")
    return ChronologyEvent(at=at, kind=kind, title=f"{title}: {summary}" if summary else title,
                           detail=_short(detail), record_id=str(s.id), record_kind="submission",
                           form_id=s.form_id,
                           episode_id=str(s.episode_id) if s.episode_id else None,
                           all_day=all_day)


def _summary(s: Submission, forms: _Forms) -> tuple[str, str]:
    """(the words after the title, a short detail) for a final submission."""
    a, o = s.answers, s.outcome or {}
    flags = " ".join(_sentence(f["message"]) for f in o.get("flags", []) if f.get("message"))
    if s.form_id == "exploitation-screening":
        agreed = LEVEL_LABELS.get(str(o.get("agreed_level") or a.get("agreed_level")), "")
        suggested = LEVEL_LABELS.get(str(o.get("suggested_level")), "")
        level = LEVEL_LABELS.get(str(o.get("level")), "")
        summary = _join(f"{agreed} (agreed)," if agreed else "",
                        f"suggested {suggested}" if suggested else "").rstrip(",")
        routes = [r["label"] for r in o.get("routes") or [] if r.get("label")]
        pathway = ("Next: " + "; ".join(routes) if routes
                   else (o.get("pathway") or {}).get("text", ""))
        detail = _join(
            f"{AWAITING_APPROVAL}: the level stays {level}."
            if o.get("approval_pending") else "",
            f"Approved by {o['approved_by']}." if o.get("approved_by") else "",
            _sentence(pathway),
            f"Review by {uk_day(date.fromisoformat(o['review_date']))}."
            if o.get("review_date") else "", flags)
        return summary, detail
    if s.form_id == "rmm-review":
        level = LEVEL_LABELS.get(str(a.get("agreed_level")), "")
        trajectory = forms.label(s, "trajectory", a.get("trajectory")).lower()
        review = _local_day(a.get("next_review_date"))
        summary = ", ".join(p for p in (f"agreed {level}" if level else "",
                                        f"trajectory {trajectory}" if trajectory else "",
                                        f"next review {review}" if review else "") if p)
        # what happens next: several outcomes (version 2) or one pathway (version 1)
        chosen = a.get("outcomes")
        if isinstance(chosen, list):
            nexts = [forms.label(s, "outcomes", v) for v in chosen if v != "other"]
            if "other" in chosen and a.get("outcomes_other"):
                nexts.append(str(a["outcomes_other"]))
            after = _sentence("Next: " + "; ".join(nexts)) if nexts else ""
            # the outcomes already say these flags' news
            flags = " ".join(_sentence(f["message"]) for f in o.get("flags", [])
                             if f.get("message") and f.get("id") not in _RMM_OUTCOME_FLAGS)
        else:
            after = _sentence(forms.label(s, "pathway", a.get("pathway")))
        detail = _join(after, _sentence(f"Chair: {a['chair']}") if a.get("chair") else "",
                       flags)
        return summary, detail
    if s.form_id == "return-home-interview":
        outcome = forms.label(s, "outcome", a.get("outcome"))
        computed = o.get("computed") or {}
        timing = ""
        if a.get("outcome") == "completed" and "completed_within_72h" in computed:
            timing = ("Completed within 72 hours of the return."
                      if computed["completed_within_72h"]
                      else "Not completed within 72 hours of the return.")
        return outcome.removeprefix("Interview ").lower(), _join(timing, flags)
    if s.form_id == "parent-session":
        kind = forms.label(s, "session_type", a.get("session_type"))
        nxt = _local_day(a.get("next_session_date"))
        detail = _join(_sentence(f"With {a['worker']}") if a.get("worker") else "",
                       _sentence(_short(a.get("summary", ""), 90)) if a.get("summary") else "",
                       f"Next session {nxt}." if nxt else "", flags)
        return kind.lower() if kind else "", detail
    level = o.get("level") or o.get("agreed_level")
    return (LEVEL_LABELS.get(str(level), "") if level else ""), flags


def _action_events(action: Action, now: datetime) -> list[ChronologyEvent]:
    aid = str(action.id)
    who = _join(action.owner, f"({action.agency})" if action.agency else "")
    due = f"due {uk_day(action.due)}" if action.due else "no due date"
    events = [ChronologyEvent(
        at=action.created_at, kind=ACTION, title=f"Action agreed: {_short(action.text, 90)}",
        detail=_upper_first(_sentence(_join(f"Owner {who}," if who else "", due))),
        record_id=aid, record_kind="action")]
    today = now.astimezone(LOCAL_ZONE).date()
    if action.status is ActionStatus.DONE:
        # The model keeps no completion time: the last change is the best evidence of it.
        events.append(ChronologyEvent(
            at=action.updated_at, kind=ACTION, title=f"Action done: {_short(action.text, 90)}",
            detail=_sentence(f"Marked done{' by ' + who if who else ''}"),
            record_id=aid, record_kind="action"))
    elif action.status is ActionStatus.CANCELLED:
        events.append(ChronologyEvent(
            at=action.updated_at, kind=ACTION,
            title=f"Action cancelled: {_short(action.text, 90)}", detail="",
            record_id=aid, record_kind="action"))
    elif action.due is not None and action.due <= today:
        late = (today - action.due).days
        events.append(ChronologyEvent(
            at=datetime.combine(action.due, time(0, 0), LOCAL_ZONE).astimezone(UTC),
            kind=ACTION, title=f"Action due: {_short(action.text, 90)}",
            detail=("Due today and not done yet." if late == 0
                    else f"Not done: overdue by {late} day{'s' if late != 1 else ''}."),
            record_id=aid, record_kind="action", all_day=True))
    return events


def _association_event(association: Association) -> ChronologyEvent:
    kind = ASSOCIATION_LABELS[association.association_kind].lower()
    return ChronologyEvent(
        at=association.created_at, kind=ASSOCIATION,
        title=f"Restricted: {kind} of concern recorded",
        detail=_short(_join(_sentence(association.description),
                            _sentence(f"Area: {association.area}") if association.area else "")),
        record_id=str(association.id), record_kind="association",
        episode_id=str(association.episode_id) if association.episode_id else None,
        restricted=True)


# -- filtering -------------------------------------------------------------------------------


def _bound(value: date | datetime | None, *, end: bool) -> datetime | None:
    """A filter bound as a UTC instant; a date means the whole UK day (inclusive)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=LOCAL_ZONE)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(0, 0), LOCAL_ZONE).astimezone(UTC)


def event_matches(event: ChronologyEvent, kinds: Iterable[str] | None = None,
                  start: date | datetime | None = None,
                  end: date | datetime | None = None) -> bool:
    """Whether one event passes :func:`filter_chronology`'s test."""
    if kinds is not None and event.kind not in set(kinds):
        return False
    low, high = _bound(start, end=False), _bound(end, end=True)
    if low is not None and event.at < low:
        return False
    if high is not None:
        inclusive = isinstance(end, datetime)
        return event.at <= high if inclusive else event.at < high
    return True


def filter_chronology(events: Iterable[ChronologyEvent], kinds: Iterable[str] | None = None,
                      start: date | datetime | None = None,
                      end: date | datetime | None = None) -> list[ChronologyEvent]:
    """The events of the given kinds (None: all) between ``start`` and ``end`` inclusive.

    A date bound means the whole of that day in UK local time; a datetime bound is an instant.
    The order of ``events`` is kept.
    """
    wanted = None if kinds is None else frozenset(kinds)
    return [e for e in events if event_matches(e, wanted, start, end)]
