"""Operations on form submissions: start, open, save as you go, finalise, amend.

The rules are the casework's (``cse_desktop.casework.submissions``); what finalising changed
comes from there too (:func:`~cse_desktop.casework.submissions.finalise_changes`).  Versions:
a draft is saved with the version it carries, and the form page keeps that version current
from the results it receives, so an operation never remembers anything between runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cse_desktop.casework import submissions as casework
from cse_desktop.casework.submissions import DRAFT_CHANGES, finalise_changes
from cse_desktop.domain.models import Submission
from cse_desktop.forms.engine import FormContext, FormEngine
from cse_desktop.qt.operations.tasks import Operation
from cse_desktop.store import Workspace
from cse_desktop.sync.approvals import verification_words


@dataclass(frozen=True)
class Opened:
    """A submission to show, with the child, episode and history its form needs."""

    submission: Submission
    context: FormContext
    #: whether a hub verified a final submission's approval, in words ("" if not asked)
    verification: str = ""


def start(*, engine: FormEngine, form_id: str, person_id: str, episode_id: str | None,
          now: datetime) -> Operation[Opened]:
    """A new draft, stored at once; or the record an episode already has of a
    one-per-episode form (its return home interview: ``start_or_resume``)."""
    def work(ws: Workspace) -> Opened:
        stored = casework.start_or_resume(ws, engine, form_id, person_id,
                                          episode_id=episode_id)
        return Opened(stored, casework.context_for(ws, stored, now=now))

    return Operation(work, DRAFT_CHANGES)


def read(*, submission_id: str, now: datetime) -> Operation[Opened]:
    """A draft to resume, or a final submission (with its approval verification) to read."""
    def work(ws: Workspace) -> Opened:
        submission = ws.submissions.get(submission_id)
        verified = verification_words(ws, submission) if submission.approval else ""
        return Opened(submission, casework.context_for(ws, submission, now=now), verified)

    return Operation(work)


def get(*, submission_id: str) -> Operation[Submission]:
    return Operation(lambda ws: ws.submissions.get(submission_id))


def save_draft(*, draft: Submission) -> Operation[Submission]:
    """Store a draft with the version it carries (``StaleRecord`` if that is not the
    store's)."""
    return Operation(lambda ws: casework.save_draft(ws, draft), DRAFT_CHANGES)


def finalise(*, engine: FormEngine, draft: Submission,
             now: datetime) -> Operation[Submission]:
    """Validate and finalise a draft (``FormInvalid`` lists every problem); what it changed
    beyond the submission (risk level, episode, actions) depends on the form."""
    return Operation(lambda ws: casework.finalise(ws, engine, draft, now=now),
                     finalise_changes)


def amend(*, engine: FormEngine, final: Submission, now: datetime) -> Operation[Opened]:
    """Start (and store) a draft correcting a final submission."""
    def work(ws: Workspace) -> Opened:
        draft = casework.amend(ws, engine, final)
        return Opened(draft, casework.context_for(ws, draft, now=now))

    return Operation(work, DRAFT_CHANGES)
