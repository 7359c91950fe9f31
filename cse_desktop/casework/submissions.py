"""Saving, finalising and amending submissions in a workspace, with the form engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cse_desktop.casework.chronology import duration_text
from cse_desktop.casework.interviews import clock_words, current_interviews
from cse_desktop.domain.dates import uk_weekday_time
from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.ids import Changes, FormId, RecordKind
from cse_desktop.domain.models import (
    RHI_WINDOW,
    Action,
    ActionStatus,
    Episode,
    Person,
    RhiStatus,
    RiskLevel,
    Submission,
)
from cse_desktop.forms.engine import FormContext, FormEngine
from cse_desktop.forms.values import parse_datetime
from cse_desktop.store.workspace import Workspace

#: forms whose final outcome sets the child's current risk level
LEVEL_SETTING_FORMS: dict[str, str] = {FormId.SCREENING: "level", FormId.RMM_REVIEW: "agreed_level"}


#: the meeting record, whose agreed level stands while a lower screening level awaits approval
RMM_FORM = FormId.RMM_REVIEW
RHI_FORM_ID = FormId.RETURN_HOME_INTERVIEW


def context_for(ws: Workspace, submission: Submission, *,
                now: datetime | None = None) -> FormContext:
    """The child, the episode, the last 30 days' missing history and the level agreed at the
    child's last Risk Management Meeting, for a submission."""
    person = ws.people.get(submission.person_id)
    episodes = ws.episodes.list(person_id=person.id)
    episode = ws.episodes.get(submission.episode_id) if submission.episode_id else None
    ctx = FormContext.for_person(person, episodes, episode=episode, now=now)
    if submission.form_id in LEVEL_SETTING_FORMS and submission.form_id != RMM_FORM:
        ctx.rmm_level = last_rmm_level(ws, person)
    return ctx


def last_rmm_level(ws: Workspace, person: Person) -> str | None:
    """The level agreed at the child's latest Risk Management Meeting (by meeting date, then
    the order the records were made final); a corrected record counts as its correction."""
    finals = [s for s in ws.submissions.list(person_id=person.id)
              if s.is_final and s.form_id == RMM_FORM]
    amended = {s.amends for s in finals if s.amends}
    current = [s for s in finals if s.id not in amended]
    if not current:
        return None
    latest = max(current, key=lambda s: (str(s.answers.get("meeting_date") or ""),
                                         s.finalised_at or datetime.min.replace(tzinfo=UTC)))
    level = latest.answers.get(LEVEL_SETTING_FORMS[RMM_FORM])
    return level if level in ("none", "low", "medium", "high") else None


#: forms of which a missing episode has one record: the return home interview
ONE_PER_EPISODE = frozenset({RHI_FORM_ID})


class OnePerEpisode(ValidationFailed):
    """A second record of a one-per-episode form was refused; ``existing`` is the record the
    episode already has (open that one instead)."""

    code = "one_per_episode"

    def __init__(self, message: str, existing: Submission) -> None:
        super().__init__(message)
        self.existing = existing


def episode_record(ws: Workspace, form_id: str, episode_id: str) -> Submission | None:
    """The record of ``form_id`` an episode has, to open rather than start another.

    A draft (a first draft, or a correction of the final record) comes first; then the
    current final record (the newest correction, or the original if it was never amended).
    None if the episode has none. Deleted records do not count.
    """
    episode = ws.episodes.get(episode_id)
    return episode_record_of(ws.submissions.list(person_id=episode.person_id), form_id,
                             episode_id)


def episode_record_of(submissions: Sequence[Submission], form_id: str,
                      episode_id: str) -> Submission | None:
    """:func:`episode_record` among submissions already read (the desktop's episode list)."""
    mine = [s for s in submissions if s.form_id == form_id and s.episode_id == episode_id
            and not s.deleted]
    drafts = [s for s in mine if not s.is_final]
    if drafts:
        return max(drafts, key=lambda s: s.updated_at)
    # the final record that counts, by the one rule the chronology, summary and profile use
    # (the return home interview is the only form kept one per episode)
    return current_interviews(mine).get(episode_id)


def start_or_resume(ws: Workspace, engine: FormEngine, form_id: str, person_id: str, *,
                    episode_id: str | None = None) -> Submission:
    """What "Start" opens: a new draft, stored at once, or, for a form an episode has one
    record of (the return home interview), the record the episode already has.

    That is its draft (resumed), or its final record, returned as it is: the caller shows it
    read only, and a correction is made by amending it. One call, one transaction, so two
    presses never make two interviews.
    """
    draft = engine.start(form_id, person_id, episode_id=episode_id)
    with ws.transaction():
        if draft.form_id in ONE_PER_EPISODE and episode_id is not None:
            existing = episode_record(ws, draft.form_id, episode_id)
            if existing is not None:
                return existing
        return save_draft(ws, draft)


def _check_one_per_episode(ws: Workspace, draft: Submission) -> None:
    """Refuse a new draft for an episode that already has its one record of the form: a second
    first draft, or a second correction while one is open."""
    if draft.form_id not in ONE_PER_EPISODE or draft.episode_id is None:
        return
    existing = episode_record(ws, draft.form_id, draft.episode_id)
    if existing is None or existing.id == draft.id:
        return
    title = "return home interview" if draft.form_id == RHI_FORM_ID else "record"
    if draft.amends is None:
        state = ("a draft: open it to carry on" if not existing.is_final
                 else "a final record: open it, and amend it to correct it")
        raise OnePerEpisode(f"This missing episode already has a {title}, {state}. An episode "
                            f"has one {title}.", existing)
    if not existing.is_final:
        raise OnePerEpisode(f"A correction of this {title} is already open: carry on with "
                            "that one.", existing)


@dataclass(frozen=True)
class InterviewClock:
    """The return home interview's 72-hour clock as its form's header shows it."""

    text: str
    #: past the 72 hours with no interview, or the interview took place after them
    late: bool


def interview_clock(episode: Episode | None, answers: Mapping[str, Any],
                    now: datetime) -> InterviewClock | None:
    """'Due in 31 h, by Tue 8 Dec 10:45' / 'Overdue by 5 h (due by Sat 5 Dec 10:45)'; once
    the interview's time is recorded, how long after the return it took place. None for an
    episode with no return yet. The words are the casework's (:func:`clock_words`), as on the
    caseload and the episode list."""
    if episode is None or episode.returned_at is None or episode.rhi_due_at is None:
        return None
    due = episode.rhi_due_at
    held = parse_datetime(answers.get("interview_at")) \
        if answers.get("outcome") == "completed" else None
    if held is not None:
        after = held - episode.returned_at
        late = after > RHI_WINDOW
        return InterviewClock(
            f"Interview held {duration_text(after)} after the return: "
            + ("more than 72 hours, so it is late" if late else "within 72 hours"), late)
    left = due - now
    words = clock_words(left)
    if left < timedelta(0):
        return InterviewClock(f"Interview {words} (it was due by {uk_weekday_time(due)})", True)
    return InterviewClock(f"Interview {words}, by {uk_weekday_time(due)}", False)


def save_draft(ws: Workspace, draft: Submission) -> Submission:
    """Store a draft: added the first time, updated after (version checked).

    A missing episode has one return home interview: a second draft for the same episode is
    refused (:class:`OnePerEpisode`); :func:`start_or_resume` opens the one it has.
    """
    if draft.is_final:
        raise ValidationFailed("A final submission cannot be saved as a draft.")
    if draft.version == 0:
        with ws.transaction(join=True):
            _check_one_per_episode(ws, draft)
            return ws.submissions.add(draft)
    return ws.submissions.update(draft)


def finalise(ws: Workspace, engine: FormEngine, draft: Submission, *,
             now: datetime | None = None, revalidate: bool = True) -> Submission:
    """Validate, finalise and store a draft in one transaction; refused while invalid.

    A final screening or meeting record then sets the child's risk level and next review.
    ``revalidate``: see :meth:`FormEngine.finalise`.
    """
    ctx = context_for(ws, draft, now=now)
    final = engine.finalise(draft, ctx, revalidate=revalidate)  # FormInvalid: every problem
    with ws.transaction():
        stored = save_draft(ws, draft.model_copy(update={"answers": final.answers}))
        stored = ws.submissions.finalise(stored.id, outcome=final.outcome,
                                         finalised_at=final.finalised_at)
        _apply_outcome(ws, stored)
        _record_rhi(ws, stored)
        _record_actions(ws, engine, stored)
    return stored


def finalise_changes(final: Submission) -> Changes:
    """The record kinds :func:`finalise` changed for ``final``: the submission always; the
    child (risk level, next review), the episode (interview status) and the actions only when
    the form's outcome sets them (:func:`_apply_outcome`, :func:`_record_rhi`,
    :func:`_record_actions`)."""
    kinds = {RecordKind.SUBMISSION}
    if final.form_id in LEVEL_SETTING_FORMS:
        kinds.add(RecordKind.PERSON)
    if final.form_id == RHI_FORM_ID and final.episode_id is not None:
        kinds.add(RecordKind.EPISODE)
    if isinstance(final.answers.get("actions"), list) and final.answers["actions"]:
        kinds.add(RecordKind.ACTION)
    return frozenset(kinds)


#: what saving, starting or amending a draft changes
DRAFT_CHANGES: Changes = frozenset({RecordKind.SUBMISSION})


def amend(ws: Workspace, engine: FormEngine, final: Submission) -> Submission:
    """Start (and store) a draft that corrects a final submission (refused while a correction
    of the same return home interview is already open)."""
    return save_draft(ws, engine.amend(final))


def _apply_outcome(ws: Workspace, final: Submission) -> None:
    key = LEVEL_SETTING_FORMS.get(final.form_id)
    outcome = final.outcome or {}
    if key is None:
        return
    level = outcome.get(key) or final.answers.get(key)
    if level is None:
        return
    person = ws.people.get(final.person_id)
    changes: dict[str, object] = {"risk_level": RiskLevel(level)}
    review = outcome.get("review_date") or final.answers.get("next_review_date")
    if review:
        changes["next_review"] = date.fromisoformat(review)
    ws.people.update(person.model_copy(update=changes))


#: a return home interview's outcome → the episode's interview status
_RHI_STATUS = {"completed": RhiStatus.COMPLETED, "declined_child": RhiStatus.DECLINED,
               "declined_parent": RhiStatus.DECLINED, "not_offered": RhiStatus.NOT_OFFERED,
               "unable_to_contact": RhiStatus.OFFERED, "missing_again": RhiStatus.OFFERED}


def _record_rhi(ws: Workspace, final: Submission) -> None:
    """A final return home interview sets its episode's interview status."""
    if final.form_id != RHI_FORM_ID or final.episode_id is None:
        return
    status = _RHI_STATUS.get(str(final.answers.get("outcome")))
    episode = ws.episodes.get(final.episode_id)
    if status is not None and episode.rhi_status is not status:
        ws.episodes.update(episode.model_copy(update={"rhi_status": status}))


def _record_actions(ws: Workspace, engine: FormEngine, final: Submission) -> None:
    """Actions agreed in a form (its ``actions`` rows) become the child's action records, so
    they are tracked with a RAG status. Rows already recorded (same text, owner and due date,
    e.g. from the submission an amendment corrects) are not added twice; an open one a later
    record marks done or cancelled (a meeting reviewing it) is closed."""
    rows = final.answers.get("actions")
    if not isinstance(rows, list) or not rows:
        return
    spec = engine.form(final.form_id, final.form_version).spec
    agency_labels: dict[str, str] = {}
    try:
        group = spec.field("actions")
        agency_field = next(f for f in group.fields if f.id == "action_agency")
        agency_labels = {c.value: c.label for c in spec.choices_of(agency_field)}
    except (KeyError, StopIteration, AttributeError):
        pass
    recorded = {(a.text, a.owner, a.due): a for a in ws.actions.list(person_id=final.person_id)}
    existing = set(recorded)
    new = []
    for row in rows:
        due = date.fromisoformat(row["action_due"]) if row.get("action_due") else None
        key = (row.get("action_text", ""), row.get("action_owner", ""), due)
        status = row.get("action_status", "open")
        if key[0] and key in recorded:
            # a meeting reviewing an open action records how it ended (version 2 of the
            # meeting record: done or cancelled, with a completion date and outcome)
            action = recorded.pop(key)
            if action.status is ActionStatus.OPEN and status in ("done", "cancelled"):
                ws.actions.update(action.model_copy(update={"status": ActionStatus(status)}))
            continue
        if not key[0] or key in existing:
            continue
        existing.add(key)
        new.append(Action(person_id=final.person_id, text=key[0], owner=key[1], due=due,
                          agency=agency_labels.get(row.get("action_agency", ""),
                                                   row.get("action_agency", "")),
                          status=ActionStatus(status) if status in ActionStatus._value2member_map_
                          else ActionStatus.OPEN))
    # agreed when the form was completed (the meeting), not when it was typed up
    agreed = final.finalised_at
    ws.actions.add_many(new, at=agreed if agreed and agreed <= datetime.now(UTC) else None)

