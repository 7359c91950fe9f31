"""The caseload's default order, most urgent first: the rule and its words.

:func:`urgency_key` sorts :class:`~cse_desktop.casework.caseload.CaseloadRow` s: missing now; an
RHI overdue (longest overdue first); an RHI due (soonest first); High risk; a review overdue;
then everyone else, by name within each group.  :data:`URGENCY_ORDER` says it in words for the
caseload page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cse_desktop.domain.models import RiskLevel

if TYPE_CHECKING:  # the rule reads rows; the caseload builds them
    from cse_desktop.casework.caseload import CaseloadRow

#: the caseload's default order, most urgent first (:func:`urgency_key`), in words
URGENCY_ORDER = ("missing now", "RHI overdue", "RHI due soonest", "High risk", "review overdue",
                 "then by name")


def urgency_key(row: CaseloadRow) -> tuple[int, float, str, str, str]:
    """The caseload's default sort: missing now; an RHI overdue (longest overdue first); an RHI
    due (soonest first); High risk; a review overdue; then everyone else.  By name within each
    group (the RHI groups by their deadline first)."""
    if row.missing_now:
        group = 0
    elif row.rhi_due is not None:
        group = 1 if row.rhi_overdue else 2
    elif row.risk_level is RiskLevel.HIGH:
        group = 3
    elif row.review_overdue:
        group = 4
    else:
        group = 5
    deadline = row.rhi_due.timestamp() if group in (1, 2) and row.rhi_due else 0.0
    person = row.person
    return (group, deadline, person.family_name.casefold(), person.given_name.casefold(),
            row.person_id)


def by_urgency(rows: Iterable[CaseloadRow]) -> list[CaseloadRow]:
    """``rows`` most urgent first (:func:`urgency_key`)."""
    return sorted(rows, key=urgency_key)
