"""Where a workspace stands with its hub, read for the window (no Qt).

:func:`read_status` is the status bar's state (connected, changes waiting, open conflicts, last
sync); :func:`read_issues` the open conflicts and the changes the hub refused, each with the
young person it concerns.  Both run on the workspace's worker after every change, so they
count rather than read rows: the changes waiting and the drafts kept come from the outbox's
tally, which the store keeps as rows come and go (microseconds with 125,000 unsent changes).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cse_desktop.domain.errors import NotFound
from cse_desktop.domain.ids import RecordKind
from cse_desktop.domain.labels import RECORD_LABELS
from cse_desktop.domain.models import RECORD_TYPES
from cse_desktop.store.syncstate import Issue
from cse_desktop.store.workspace import Workspace


@dataclass(frozen=True)
class SyncStatus:
    """The workspace's sync state, read in one go (COUNT queries)."""

    connected: bool = False
    url: str = ""
    user: str = ""
    team: str = ""
    device_name: str = ""
    pending: int = 0
    drafts_kept: int = 0
    conflicts: int = 0
    refused: int = 0
    last_sync_at: datetime | None = None


def read_status(ws: Workspace) -> SyncStatus:
    link = ws.sync.link()
    if link is None:
        return SyncStatus(pending=ws.sync.pending_count(), drafts_kept=ws.sync.held_back())
    last = ws.sync.last_sync()
    at: datetime | None = None
    if last and last.get("at"):
        with contextlib.suppress(TypeError, ValueError):
            at = datetime.fromisoformat(last["at"])
    # a link whose sign-in expired (no token) must be connected again before it syncs
    return SyncStatus(connected=bool(link.token), url=link.url, user=link.user, team=link.team,
                      device_name=link.device_name, pending=ws.sync.pending_count(),
                      drafts_kept=ws.sync.held_back(), conflicts=ws.sync.conflict_count(),
                      refused=ws.sync.issue_count("rejected"), last_sync_at=at)


#: plainer words for some of the hub's refusal codes (the hub's own words otherwise)
REFUSAL_WORDS = {
    "not_found": "The hub no longer shows you this record: it may have moved to another "
                 "worker's caseload or team.",
    "immutable": "A final form never changes: record an amendment instead.",
}

NOT_ON_THIS_LAPTOP = "Not on this laptop"


@dataclass(frozen=True)
class SyncIssue:
    """A conflict or a refused change, with the young person it concerns."""

    issue: Issue
    #: the person's id, None when the record is no longer on this laptop
    person_id: str | None
    person_name: str
    #: why the hub refused the change, in plain words ("" for a conflict)
    reason: str
    #: whether a person may type a value of their own (the field holds plain text)
    text_field: bool

    @property
    def id(self) -> str:
        return self.issue.id

    @property
    def record(self) -> str:
        return RECORD_LABELS[self.issue.record_kind]

    @property
    def found_at(self) -> datetime | None:
        try:
            at = datetime.fromisoformat(self.issue.created_at)
        except (TypeError, ValueError):
            return None
        return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SyncIssues:
    conflicts: tuple[SyncIssue, ...] = ()
    refused: tuple[SyncIssue, ...] = ()


def read_issues(ws: Workspace) -> SyncIssues:
    """The open conflicts and the refused changes, oldest first."""
    issues = [sync_issue(ws, i) for i in ws.sync.issues()]
    return SyncIssues(conflicts=tuple(i for i in issues if i.issue.kind == "conflict"),
                      refused=tuple(i for i in issues if i.issue.kind == "rejected"))


def sync_issue(ws: Workspace, issue: Issue) -> SyncIssue:
    person_id, name = _person_of(ws, issue.record_kind, issue.record_id)
    reason = REFUSAL_WORDS.get(issue.code) or issue.message or issue.code
    text_field = issue.kind == "conflict" and is_text_field(issue.record_kind, issue.field)
    return SyncIssue(issue, person_id, name, reason, text_field)


def is_text_field(record_kind: RecordKind, field: str) -> bool:
    """Whether a person may type a value of their own (a plain text field)."""
    model = RECORD_TYPES.get(record_kind)
    info = model.model_fields.get(field) if model is not None else None
    return info is not None and info.annotation is str


def _person_of(ws: Workspace, kind: RecordKind, record_id: str) -> tuple[str | None, str]:
    try:
        if kind is RecordKind.PERSON:
            person = ws.people.get(record_id, include_deleted=True)
        else:
            record = ws.repository_for(kind).get(record_id, include_deleted=True)
            person = ws.people.get(record.person_id, include_deleted=True)
    except (NotFound, KeyError, AttributeError):
        return None, NOT_ON_THIS_LAPTOP
    return person.id, person.display_name
