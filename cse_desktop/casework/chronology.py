"""A child's practice chronology: every dated event on the record, merged, newest first.

Practitioners bring a chronology to every Risk Management Meeting (domain research 4, 6(d)):
when the child went missing and came back, the return home interview clock, screenings and
their levels, meeting decisions, parent sessions and actions.  :func:`build_chronology` derives
it from the records (nothing is stored, so it cannot drift); :func:`filter_chronology` narrows
it by type and date.  No Qt here: the desktop, the command line and reports share it.  Form
titles and choice words come from :mod:`~cse_desktop.casework.form_words`; the return home
interview that counts for an episode, and its clock, from
:mod:`~cse_desktop.casework.interviews`.

Times are UTC instants; the short texts show them in UK local time (Europe/London).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cse_desktop.casework.form_words import FormWords, level_words
from cse_desktop.casework.interviews import rhi_state
from cse_desktop.domain.dates import LOCAL_ZONE, uk_date, uk_datetime, when_words
from cse_desktop.domain.ids import FormId, RecordKind
from cse_desktop.domain.labels import ASSOCIATION_LABELS, CATEGORY_LABELS, POLICE_GRADE_LABELS
from cse_desktop.domain.models import (
    Action,
    ActionStatus,
    Association,
    Episode,
    EpisodeCategory,
    Person,
    Submission,
)
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.scoring import AWAITING_APPROVAL
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


#: the answer that says when a form's event happened (else: when it was finalised)
_EVENT_TIME_FIELDS: dict[str, tuple[str, ...]] = {
    FormId.PARENT_SESSION: ("session_at",),
    FormId.RETURN_HOME_INTERVIEW: ("interview_at", "offered_at"),
    FormId.RMM_REVIEW: ("meeting_date",)}
_DETAIL_LIMIT = 200
#: a meeting record's flags that repeat one of its outcomes (version 2)
_RMM_OUTCOME_FLAGS = frozenset({"strategy-discussion", "nrm"})


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
    record_kind: RecordKind
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
    return when_words(at, all_day)


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
                  registry: FormRegistry | None = None, include_drafts: bool = True,
                  absolute: bool = False) -> list[ChronologyEvent]:
    """:func:`build_chronology` over records already read (for a caller that holds them).
    ``absolute``: clocks in dates and times, not countdowns (paper is read after it is
    printed)."""
    now = now or datetime.now(UTC)
    forms = FormWords(registry)
    by_id: dict[str, Submission] = {s.id: s for s in submissions}
    events: list[ChronologyEvent] = [ChronologyEvent(
        at=person.created_at, kind=PROFILE, title="Added to the caseload",
        detail=_join(f"Added by {person.created_by}." if person.created_by else "",
                     f"Allocated to {person.allocated_worker}." if person.allocated_worker
                     else ""),
        record_id=str(person.id), record_kind=RecordKind.PERSON)]
    for episode in episodes:
        if not episode.deleted:
            events += _episode_events(episode, now, submissions, forms, absolute)
    for submission in submissions:
        if submission.deleted or (not submission.is_final and not include_drafts):
            continue
        events.append(_submission_event(submission, by_id, forms))
    origins = _action_origins(submissions, forms)
    for action in actions:
        if not action.deleted:
            events += _action_events(action, now, absolute, origins)
    events += [_association_event(a) for a in associations if not a.deleted]
    return sort_newest_first(events)


def submission_summary(submission: Submission, registry: FormRegistry | None = None) -> str:
    """A final submission in a line: 'Exploitation screening: Medium (agreed), suggested Low'.

    A draft is just its form's title.
    """
    forms = FormWords(registry)
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
                    forms: FormWords, absolute: bool = False) -> list[ChronologyEvent]:
    eid = str(episode.id)
    category = CATEGORY_LABELS[episode.category]
    grade = POLICE_GRADE_LABELS[episode.police_risk_grade]
    started = ChronologyEvent(
        at=episode.started_at, kind=EPISODE_MISSING,
        title=("Reported missing" if episode.category is EpisodeCategory.MISSING
               else f"Reported {category.lower()}"),
        detail=_join(f"Police risk grade: {grade}.",
                     f"Police reference {episode.police_reference}."
                     if episode.police_reference else "",
                     "" if episode.returned_at is not None else "Not yet returned."),
        record_id=eid, record_kind=RecordKind.EPISODE, episode_id=eid)
    if episode.returned_at is None or episode.duration is None:
        return [started]
    state = rhi_state(episode, now, submissions, forms.registry)
    if state.owed and absolute:
        rhi = f"Return home interview: {state.due_by[:1].lower()}{state.due_by[1:]}."
    elif state.owed:
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
        record_id=eid, record_kind=RecordKind.EPISODE, episode_id=eid)
    return [started, returned]


def _submission_event(s: Submission, by_id: dict[str, Submission],
                      forms: FormWords) -> ChronologyEvent:
    at, all_day = submission_time(s)
    title = forms.title(s)
    summary, detail = _summary(s, forms)
    kind = RMM_DECISION if s.form_id == FormId.RMM_REVIEW else SUBMISSION
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
                           detail=_short(detail), record_id=str(s.id),
                           record_kind=RecordKind.SUBMISSION, form_id=s.form_id,
                           episode_id=str(s.episode_id) if s.episode_id else None,
                           all_day=all_day)


def _summary(s: Submission, forms: FormWords) -> tuple[str, str]:
    """(the words after the title, a short detail) for a final submission."""
    a, o = s.answers, s.outcome or {}
    flags = " ".join(_sentence(f["message"]) for f in o.get("flags", []) if f.get("message"))
    if s.form_id == FormId.SCREENING:
        agreed = level_words(o.get("agreed_level") or a.get("agreed_level"))
        suggested = level_words(o.get("suggested_level"))
        level = level_words(o.get("level"))
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
            f"Review by {uk_date(date.fromisoformat(o['review_date']))}."
            if o.get("review_date") else "", flags)
        return summary, detail
    if s.form_id == FormId.RMM_REVIEW:
        level = level_words(a.get("agreed_level"))
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
    if s.form_id == FormId.RETURN_HOME_INTERVIEW:
        outcome = forms.label(s, "outcome", a.get("outcome"))
        computed = o.get("computed") or {}
        timing = ""
        if a.get("outcome") == "completed" and "completed_within_72h" in computed:
            timing = ("Completed within 72 hours of the return."
                      if computed["completed_within_72h"]
                      else "Not completed within 72 hours of the return.")
        return outcome.removeprefix("Interview ").lower(), _join(timing, flags)
    if s.form_id == FormId.PARENT_SESSION:
        kind = forms.label(s, "session_type", a.get("session_type"))
        nxt = _local_day(a.get("next_session_date"))
        detail = _join(_sentence(f"With {a['worker']}") if a.get("worker") else "",
                       _sentence(_short(a.get("summary", ""), 90)) if a.get("summary") else "",
                       f"Next session {nxt}." if nxt else "", flags)
        return kind.lower() if kind else "", detail
    return level_words(o.get("level") or o.get("agreed_level")), flags


@dataclass(frozen=True)
class _Origin:
    """When a form says an action was agreed (the form's event: the meeting, the session), and
    when one said it ended (its completion date, else that form's event)."""

    agreed: tuple[datetime, bool, str]
    ended: tuple[datetime, bool, str] | None = None


_ActionKey = tuple[str, str, date | None]


def _action_key(row: Any) -> _ActionKey | None:
    """An ``actions`` row as the action record it became (text, owner, due), as
    ``casework.submissions`` matches them; None for a row that is not one."""
    if not isinstance(row, dict) or not row.get("action_text"):
        return None
    try:
        due = date.fromisoformat(row["action_due"]) if row.get("action_due") else None
    except (TypeError, ValueError):
        return None
    return str(row["action_text"]), str(row.get("action_owner", "")), due


def _action_origins(submissions: Sequence[Submission],
                    forms: FormWords) -> dict[_ActionKey, _Origin]:
    """The final forms' ``actions`` rows, by the action each became: the earliest form that
    agreed it, and the earliest that recorded it done or cancelled."""
    finals = sorted((s for s in submissions if s.is_final and not s.deleted),
                    key=lambda s: submission_time(s)[0])
    origins: dict[_ActionKey, _Origin] = {}
    for s in finals:
        rows = s.answers.get("actions")
        if not isinstance(rows, list):
            continue
        at, all_day = submission_time(s)
        title = forms.title(s)
        where = (title if title.istitle() else title[:1].lower() + title[1:]) \
            + f" of {when_words(at, all_day)}"
        for row in rows:
            key = _action_key(row)
            if key is None:
                continue
            origin = origins.get(key) or _Origin(agreed=(at, all_day, where))
            if origin.ended is None and row.get("action_status") in ("done", "cancelled"):
                completed = _parse_when(row.get("action_completed"))
                ended = (*completed, where) if completed else (at, all_day, where)
                origin = _Origin(agreed=origin.agreed, ended=ended)
            origins[key] = origin
    return origins


def _action_events(action: Action, now: datetime, absolute: bool = False,
                   origins: dict[_ActionKey, _Origin] | None = None) -> list[ChronologyEvent]:
    """Agreed (and done, cancelled or due) events of one action.  An action a form agreed is
    dated by that form's event (the meeting or session), not by when the record was typed up;
    one a form recorded as done, by its completion date.  Other actions: the record's own
    times (a form's date later than the record is a review of it, not its origin)."""
    aid = str(action.id)
    who = _join(action.owner, f"({action.agency})" if action.agency else "")
    due = f"due {uk_date(action.due)}" if action.due else "no due date"
    origin = (origins or {}).get((action.text, action.owner, action.due))
    agreed_at, agreed_all_day, source = action.created_at, False, ""
    if origin is not None and origin.agreed[0] <= action.created_at:
        agreed_at, agreed_all_day, where = origin.agreed
        source = f"Agreed at the {where}."
    events = [ChronologyEvent(
        at=agreed_at, kind=ACTION, title=f"Action agreed: {_short(action.text, 90)}",
        detail=_join(_upper_first(_sentence(_join(f"Owner {who}," if who else "", due))),
                     source),
        record_id=aid, record_kind=RecordKind.ACTION, all_day=agreed_all_day)]
    # The record keeps no completion time: a form's completion date is the evidence where one
    # gave it, else the record's last change.
    ended_at, ended_all_day, ended_note = action.updated_at, False, ""
    if origin is not None and origin.ended is not None \
            and origin.ended[0] <= action.updated_at:
        ended_at, ended_all_day, where = origin.ended
        ended_note = f"Recorded at the {where}."
    today = now.astimezone(LOCAL_ZONE).date()
    if action.status is ActionStatus.DONE:
        events.append(ChronologyEvent(
            at=ended_at, kind=ACTION, title=f"Action done: {_short(action.text, 90)}",
            detail=_join(_sentence(f"Marked done{' by ' + who if who else ''}"), ended_note),
            record_id=aid, record_kind=RecordKind.ACTION, all_day=ended_all_day))
    elif action.status is ActionStatus.CANCELLED:
        events.append(ChronologyEvent(
            at=ended_at, kind=ACTION,
            title=f"Action cancelled: {_short(action.text, 90)}", detail=ended_note,
            record_id=aid, record_kind=RecordKind.ACTION, all_day=ended_all_day))
    elif action.due is not None and action.due <= today:
        late = (today - action.due).days
        events.append(ChronologyEvent(
            at=datetime.combine(action.due, time(0, 0), LOCAL_ZONE).astimezone(UTC),
            kind=ACTION, title=f"Action due: {_short(action.text, 90)}",
            detail=(f"Not done as at {uk_date(today)}." if absolute
                    else "Due today and not done yet." if late == 0
                    else f"Not done: overdue by {late} day{'s' if late != 1 else ''}."),
            record_id=aid, record_kind=RecordKind.ACTION, all_day=True))
    return events


def _association_event(association: Association) -> ChronologyEvent:
    kind = ASSOCIATION_LABELS[association.association_kind].lower()
    return ChronologyEvent(
        at=association.created_at, kind=ASSOCIATION,
        title=f"Restricted: {kind} of concern recorded",
        detail=_short(_join(_sentence(association.description),
                            _sentence(f"Area: {association.area}") if association.area else "")),
        record_id=str(association.id), record_kind=RecordKind.ASSOCIATION,
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
