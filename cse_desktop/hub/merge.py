"""The hub's merge policy: what one pushed change does to a record, decided without a database.

:func:`merge` is given the record as the hub holds it (or nothing, for a create), the change,
the fields other devices changed since the change's base and the record as it was at that
base; it answers with an :class:`Outcome`: the content and deleted flag to write, the fields
the change set, the conflicts to record, or why the change is refused.

* A field no other device touched since the base is applied.
* A field another device touched, pushed with a value different from the hub's, keeps the
  hub's value and becomes a hard conflict holding the base, hub and device values.
* A delete of a record someone else changed meanwhile is not applied: it becomes a conflict
  on ``deleted``. An edit of a record someone else deleted meanwhile is applied to the
  tombstone, with a conflict on ``deleted`` so a person decides whether it comes back.
* The merged content must still be a valid record; a final form never changes; drafts stay
  on the laptop.

Who may see the record, approvals and held risk levels need the database: the caller
(:mod:`cse_desktop.hub.changes`) decides those before and after asking here.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from pydantic_core import from_json

from cse_desktop.domain.ids import RecordKind
from cse_desktop.domain.models import RECORD_TYPES, Record
from cse_desktop.sync.protocol import Change, Conflict

#: what a record's content leaves out, and no change may set (the hub keeps these itself)
BOOKKEEPING = set(Record.BOOKKEEPING)
#: the name a conflict over whether the record is deleted goes by
DELETED = "deleted"


@dataclass(frozen=True)
class Stored:
    """A record as the hub holds it: its content and whether it is deleted."""

    fields: Mapping[str, Any]
    deleted: bool


@dataclass(frozen=True)
class Outcome:
    """What a change does: write ``fields``/``deleted`` (unless refused) and record
    ``conflicts``; ``changed`` lists the fields the change actually set."""

    status: Literal["accepted", "merged", "conflict", "rejected"]
    fields: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False
    changed: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    #: why it was refused (a ChangeResult code) and the same in plain words
    code: str = ""
    message: str = ""
    #: ``fields`` as JSON text, when the validation made it ("" otherwise): stored as is
    text: str = ""

    @property
    def refused(self) -> bool:
        return self.status == "rejected"


def refused(code: str, message: str) -> Outcome:
    return Outcome(status="rejected", code=code, message=message)


def validated(kind: str, record_id: str, content: Mapping[str, Any]) -> dict[str, Any] | str:
    """The record's content as the desktop would store it, or a plain message saying why not."""
    checked = validated_text(kind, record_id, content)
    return checked if isinstance(checked, str) else checked[0]


def validated_text(kind: str, record_id: str,
                   content: Mapping[str, Any]) -> tuple[dict[str, Any], str] | str:
    """As :func:`validated`, with the content's JSON text: written once by the model, and the
    content read back from it (cheaper than dumping the model and encoding the dump)."""
    model = RECORD_TYPES[kind]
    try:
        record = model.model_validate({"id": record_id, **content})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "record"
        return f"The {model.kind} is not valid: {where}: {first['msg']}"[:480]
    text = record.model_dump_json(exclude=BOOKKEEPING)
    # read back by pydantic's own parser: the text is its own, and it reads it 4x faster
    return from_json(text), text


def merge(state: Stored | None, change: Change, touched: Set[str],
          base: Mapping[str, Any]) -> Outcome:
    """Decide ``change`` against ``state``.

    ``state`` is None exactly when the change creates the record (the caller has refused a
    create of an id that exists and an edit of one that does not). ``touched``: the fields
    other devices changed after the change's base; ``base``: the record's content at that
    base, read only for the fields in conflict (a caller may pass ``{}`` when the change sets
    no field in ``touched``).
    """
    if state is None:
        return _create(change)
    if change.record_kind == RecordKind.SUBMISSION:
        return refused("immutable", "A final form never changes; record an amendment.")
    if change.op == "delete":
        return _delete(state, change, touched)
    return _update(state, change, touched, base)


def _create(change: Change) -> Outcome:
    checked = validated_text(change.record_kind, change.record_id, change.fields)
    if isinstance(checked, str):
        return refused("invalid", checked)
    content, text = checked
    if change.record_kind == RecordKind.SUBMISSION and content.get("status") != "final":
        return refused("draft", "Drafts stay on the laptop; only final forms sync.")
    return Outcome(status="accepted", fields=content, changed=tuple(sorted(content)),
                   text=text)


def _delete(state: Stored, change: Change, touched: Set[str]) -> Outcome:
    if touched and not state.deleted:
        # deleted here while someone else was still working on it: keep it, and let a
        # person decide
        conflict = Conflict(record_kind=change.record_kind, record_id=change.record_id,
                            field=DELETED, base_value=False, hub_value=False,
                            device_value=True)
        return Outcome(status="conflict", fields=dict(state.fields), deleted=False,
                       conflicts=(conflict,))
    changed = () if state.deleted else (DELETED,)
    return Outcome(status="merged" if touched else "accepted", fields=dict(state.fields),
                   deleted=True, changed=changed)


def _update(state: Stored, change: Change, touched: Set[str],
            base: Mapping[str, Any]) -> Outcome:
    kind, rid = change.record_kind, change.record_id
    conflicts = []
    if DELETED in touched and state.deleted:
        # edited here while someone else deleted it: the edit is kept on the tombstone, and
        # a person decides whether the record comes back
        conflicts.append(Conflict(record_kind=kind, record_id=rid, field=DELETED,
                                  base_value=False, hub_value=True, device_value=False))
    merged = dict(state.fields)
    changed = []
    for name, value in change.fields.items():
        if name in touched and state.fields.get(name) != value:
            conflicts.append(Conflict(record_kind=kind, record_id=rid, field=name,
                                      base_value=base.get(name),
                                      hub_value=state.fields.get(name), device_value=value))
        elif merged.get(name) != value:
            merged[name] = value
            changed.append(name)
    checked = validated_text(kind, rid, merged)
    if isinstance(checked, str):
        return refused("invalid", checked)
    content, text = checked
    status: Literal["accepted", "merged", "conflict"] = (
        "conflict" if conflicts else ("merged" if touched else "accepted"))
    return Outcome(status=status, fields=content, deleted=state.deleted,
                   changed=tuple(changed), conflicts=tuple(conflicts), text=text)
