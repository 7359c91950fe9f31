"""Typed identifiers. Every record id is a UUID4 in its canonical text form."""

from __future__ import annotations

import uuid
from enum import StrEnum
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


class FormId(StrEnum):
    """The forms the code relies on by name (each is a folder under ``forms/``; a test checks
    every member against the form files, so a renamed folder fails the suite)."""

    SCREENING = "exploitation-screening"
    PARENT_SESSION = "parent-session"
    RETURN_HOME_INTERVIEW = "return-home-interview"
    RMM_REVIEW = "rmm-review"


class RecordKind(StrEnum):
    """The kinds of record a workspace keeps and the hub syncs."""

    PERSON = "person"
    EPISODE = "episode"
    SUBMISSION = "submission"
    ACTION = "action"
    ASSOCIATION = "association"


#: what a mutation changed: the record kinds a view refreshes on
Changes = frozenset[RecordKind]

ALL_KINDS: Changes = frozenset(RecordKind)
NO_CHANGES: Changes = frozenset()
