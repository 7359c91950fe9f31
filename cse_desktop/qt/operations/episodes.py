"""Operations on missing episodes: record one going missing, a return, an interview status."""

from __future__ import annotations

from cse_desktop.domain.ids import Changes, RecordKind
from cse_desktop.domain.models import Episode
from cse_desktop.qt.operations.tasks import Operation

EPISODE_CHANGES: Changes = frozenset({RecordKind.EPISODE})


def add(*, episode: Episode) -> Operation[Episode]:
    """Record a child going missing."""
    return Operation(lambda ws: ws.episodes.add(episode), EPISODE_CHANGES)


def update(*, episode: Episode) -> Operation[Episode]:
    """Save a changed episode: its return, or its interview status (version checked)."""
    return Operation(lambda ws: ws.episodes.update(episode), EPISODE_CHANGES)
