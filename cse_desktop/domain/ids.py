"""Typed identifiers. Every record id is a UUID4 in its canonical text form."""

from __future__ import annotations

import re
import uuid
from enum import StrEnum
from typing import NewType

RecordId = NewType("RecordId", str)
ChangeId = NewType("ChangeId", str)


def new_id() -> RecordId:
    return RecordId(str(uuid.uuid4()))


#: a UUID in its canonical text form: lower-case hex, hyphens 8-4-4-4-12 (what
#: ``str(uuid.UUID(x))`` gives back; matched by pattern, as every pushed change's ids are)
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_record_id(value: str) -> bool:
    return isinstance(value, str) and _CANONICAL_UUID.fullmatch(value) is not None


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
