"""Return home interviews: the one that counts for a missing episode, and its 72-hour clock.

One rule, :func:`current_interview`, decides which interview record stands for an episode; the
chronology, the printed case summary and the quarterly missing profile all use it, so they
cannot disagree about the same episode.  :func:`rhi_state` says where the interview stands,
in the words every screen shares (:func:`clock_words`); paper, read long after it is printed,
says the same in absolute time (:attr:`RhiState.due_by`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cse_desktop.casework.form_words import FormWords
from cse_desktop.domain.dates import LOCAL_ZONE, uk_datetime
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.labels import RHI_STATUS_LABELS
from cse_desktop.domain.models import RHI_WINDOW, Episode, RhiStatus, Submission
from cse_desktop.forms.loader import FormRegistry

#: the answers that say when the interview took place, or was offered, with their words
CONTACT_FIELDS = (("interview_at", "Interviewed"), ("offered_at", "Offered"))


# -- which interview counts ----------------------------------------------------------------------


def interview_records(submissions: Iterable[Submission]) -> list[Submission]:
    """The return home interview records among a child's ``submissions``: all that
    :func:`current_interviews` and :func:`rhi_state` look at (a child with thousands of forms
    is scanned once, not once per episode)."""
    return [s for s in submissions if s.form_id == FormId.RETURN_HOME_INTERVIEW]


def current_interviews(submissions: Iterable[Submission]) -> dict[str, Submission]:
    """The interview that counts for each episode, by episode id: see :func:`current_interview`.
    """
    subs = [s for s in submissions if s.is_final and not s.deleted]
    corrected = {s.amends for s in subs if s.amends}
    best: dict[str, Submission] = {}
    for s in subs:
        if s.form_id != FormId.RETURN_HOME_INTERVIEW or s.episode_id is None \
                or s.id in corrected:
            continue
        held = best.get(s.episode_id)
        if held is None or _order(s) > _order(held):
            best[s.episode_id] = s
    return best


def current_interview(episode: Episode,
                      submissions: Iterable[Submission]) -> Submission | None:
    """The return home interview that counts for ``episode``, or None.

    Among ``submissions`` (a child's records, in any order): the *final*, not deleted return
    home interview records linked to the episode that no final record corrects; of those, the
    one finalised last (ties: created last, then the greater id).  A correction therefore
    stands in for what it corrects, and of two independent final records (made on two laptops
    before a sync) the later word counts.  Drafts never count: they are not part of the
    record.
    """
    return current_interviews(submissions).get(str(episode.id))


def _order(s: Submission) -> tuple[datetime, datetime, str]:
    return (s.finalised_at or s.created_at, s.created_at, str(s.id))


def interview_contact(interview: Submission) -> tuple[datetime, str] | None:
    """When the interview took place ("Interviewed") or was offered ("Offered"), from the
    form's answers (a time without a zone is UK local time), or None if neither is recorded."""
    for field_id, label in CONTACT_FIELDS:
        value = interview.answers.get(field_id)
        if value:
            try:
                at = datetime.fromisoformat(value)
            except ValueError:
                continue
            return (at if at.tzinfo else at.replace(tzinfo=LOCAL_ZONE)), label
    return None


def within_72h(returned_at: datetime, at: datetime | None) -> bool:
    """True when ``at`` is recorded and no more than exactly 72 hours after the return."""
    return at is not None and at - returned_at <= RHI_WINDOW


# -- the clock, in words -------------------------------------------------------------------------


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


@dataclass(frozen=True)
class RhiState:
    """Where an episode's return home interview stands, in words.

    ``status`` is the recorded status, or the outcome of the interview that counts for the
    episode (:func:`current_interview`: that record is the better evidence); ``clock`` is
    "due in 51 h" / "overdue by 5 h" while the interview is still owed, else "".
    """

    status: str
    clock: str
    owed: bool
    overdue: bool
    due_at: datetime | None
    submission_id: str | None = None

    @property
    def due_by(self) -> str:
        """Where the interview stands in absolute time, for paper (a countdown is wrong the
        moment it is printed): 'Due by 8 Dec 2026, 10:45', 'Offered, due by 8 Dec 2026,
        10:45', 'Overdue: it was due by 8 Dec 2026, 10:45'; else the status alone."""
        if not self.owed or self.due_at is None:
            return self.status
        when = uk_datetime(self.due_at)
        if self.overdue:
            return f"{self.status}; overdue: it was due by {when}" \
                if self.status != RHI_STATUS_LABELS[RhiStatus.DUE] \
                else f"Overdue: it was due by {when}"
        return f"{self.status}, due by {when}" \
            if self.status != RHI_STATUS_LABELS[RhiStatus.DUE] else f"Due by {when}"


def rhi_state(episode: Episode, now: datetime,
              interviews: Sequence[Submission] = (),
              registry: FormRegistry | None = None) -> RhiState:
    """The RHI state of ``episode`` at ``now`` (UTC instants: due = returned_at + 72 h).

    ``interviews`` are the child's submissions; the interview that counts for this episode
    (:func:`current_interview`) overrides the recorded status.
    """
    due = episode.rhi_due_at
    interview = current_interview(episode, interviews)
    if interview is not None:
        outcome = interview.answers.get("outcome")
        words = FormWords(registry).label(interview, "outcome", outcome) if outcome \
            else "Interview recorded"
        return RhiState(words, "", False, False, due, str(interview.id))
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
