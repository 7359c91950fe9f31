"""Saving, finalising and amending submissions in a workspace, with the form engine."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.models import Person, RiskLevel, Submission
from cse_desktop.forms.engine import FormContext, FormEngine
from cse_desktop.store.workspace import Workspace

#: forms whose final outcome sets the child's current risk level
LEVEL_SETTING_FORMS = {"exploitation-screening": "level", "rmm-review": "agreed_level"}


def context_for(ws: Workspace, submission: Submission, *,
                now: datetime | None = None) -> FormContext:
    """The child, the episode and the last 30 days' missing history for a submission."""
    person = ws.people.get(submission.person_id)
    episodes = ws.episodes.list(person_id=person.id)
    episode = ws.episodes.get(submission.episode_id) if submission.episode_id else None
    return FormContext.for_person(person, episodes, episode=episode, now=now)


def save_draft(ws: Workspace, draft: Submission) -> Submission:
    """Store a draft: added the first time, updated after (version checked)."""
    if draft.is_final:
        raise ValidationFailed("A final submission cannot be saved as a draft.")
    if draft.version == 0:
        return ws.submissions.add(draft)
    return ws.submissions.update(draft)


def finalise(ws: Workspace, engine: FormEngine, draft: Submission, *,
             now: datetime | None = None) -> Submission:
    """Validate, finalise and store a draft in one transaction; refused while invalid.

    A final screening or meeting record then sets the child's risk level and next review.
    """
    ctx = context_for(ws, draft, now=now)
    final = engine.finalise(draft, ctx)  # raises FormInvalid with every problem
    with ws.transaction():
        stored = save_draft(ws, draft.model_copy(update={"answers": final.answers}))
        stored = ws.submissions.finalise(stored.id, outcome=final.outcome)
        _apply_outcome(ws, stored)
    return stored


def amend(ws: Workspace, engine: FormEngine, final: Submission) -> Submission:
    """Start (and store) a draft that corrects a final submission."""
    return ws.submissions.add(engine.amend(final))


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


def latest_final(ws: Workspace, person: Person, form_id: str) -> Submission | None:
    finals = [s for s in ws.submissions.list(person_id=person.id)
              if s.is_final and s.form_id == form_id]
    return max(finals, key=lambda s: s.finalised_at or datetime.min.replace(tzinfo=UTC),
               default=None)
