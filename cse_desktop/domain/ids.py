"""Typed identifiers. Every record id is a UUID4 in its canonical text form."""

from __future__ import annotations

import uuid
from typing import NewType

RecordId = NewType("RecordId", str)
ChangeId = NewType("ChangeId", str)


def new_id() -> RecordId:
    return RecordId(str(uuid.uuid4()))


def is_record_id(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except (ValueError, AttributeError, TypeError):
        return False
