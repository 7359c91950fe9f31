"""Operations on a child's actions: add one, change one (done, restricted)."""

from __future__ import annotations

from cse_desktop.domain.ids import Changes, RecordKind
from cse_desktop.domain.models import Action
from cse_desktop.qt.operations.tasks import Operation

ACTION_CHANGES: Changes = frozenset({RecordKind.ACTION})


def add(*, action: Action) -> Operation[Action]:
    return Operation(lambda ws: ws.actions.add(action), ACTION_CHANGES)


def update(*, action: Action) -> Operation[Action]:
    """Save a changed action (version checked)."""
    return Operation(lambda ws: ws.actions.update(action), ACTION_CHANGES)
