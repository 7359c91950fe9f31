"""Operations on people and places of concern (associations): their own record kind, so their
own module, though the person page is the only place they are added."""

from __future__ import annotations

from cse_desktop.domain.ids import Changes, RecordKind
from cse_desktop.domain.models import Association
from cse_desktop.qt.operations.tasks import Operation

ASSOCIATION_CHANGES: Changes = frozenset({RecordKind.ASSOCIATION})


def add(*, association: Association) -> Operation[Association]:
    return Operation(lambda ws: ws.associations.add(association), ASSOCIATION_CHANGES)
