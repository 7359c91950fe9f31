"""Operations on the caseload as a whole: its rows, the team manager's overview, approvals."""

from __future__ import annotations

from datetime import datetime

from cse_desktop.casework.caseload import (
    RMM_WEEKDAY,
    CaseloadRow,
    TeamOverview,
    approve_downgrade,
    caseload_rows,
    team_overview,
)
from cse_desktop.domain.ids import Changes, RecordKind
from cse_desktop.domain.models import Submission
from cse_desktop.forms.engine import FormEngine
from cse_desktop.qt.operations.tasks import Operation

#: an approval amends the screening and changes the young person's risk level
APPROVAL_CHANGES: Changes = frozenset({RecordKind.SUBMISSION, RecordKind.PERSON})


def rows(*, now: datetime, rmm_weekday: int = RMM_WEEKDAY) -> Operation[list[CaseloadRow]]:
    """One row per person on the caseload, worked out for ``now``."""
    return Operation(lambda ws: caseload_rows(ws, now, rmm_weekday=rmm_weekday))


def overview(*, now: datetime, rmm_weekday: int = RMM_WEEKDAY) -> Operation[TeamOverview]:
    """The team manager's page: who is due at the next meeting, open actions, approvals."""
    return Operation(lambda ws: team_overview(ws, now, rmm_weekday=rmm_weekday))


def approve(*, engine: FormEngine, submission_id: str, reason: str,
            now: datetime) -> Operation[Submission]:
    """Approve a screening's lower level, in the name of the workspace's owner: the approving
    amendment."""
    return Operation(lambda ws: approve_downgrade(ws, engine, submission_id, reason, now),
                     APPROVAL_CHANGES)
