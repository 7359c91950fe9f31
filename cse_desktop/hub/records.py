"""Records as the hub holds them, who may see them, and the batch a write gathers.

Team scoping lives here and nowhere else: a device sees and changes only the records of its
user's team (or, where the team chose it, only its user's own caseload). A record outside that
scope is answered exactly as a record that does not exist (``not_found``), so a device cannot
even learn that it exists.

A :class:`Batch` gathers the rows a group of pushes (or a conflict's resolution) writes, so
that each table gets one multi-row statement at the end (:meth:`Batch.write`). It holds the
records it touches locked (``FOR UPDATE`` on PostgreSQL, where writers run side by side), and
remembers the changes it made, so a later push in the same group sees an earlier one exactly
as it would had the earlier one been committed first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from cse_desktop.domain.ids import RecordKind
from cse_desktop.hub import tables as t
from cse_desktop.hub.audit import append
from cse_desktop.hub.db import Seqs, insert_rows, one_of
from cse_desktop.hub.devices import Device


@dataclass
class RecordState:
    """A record as the hub holds it (while a batch works on it)."""

    kind: str
    team_id: int
    person_id: str
    owner_user_id: int
    allocated_worker: str
    version: int
    deleted: bool
    fields: dict[str, Any]
    seq: int
    created_by: str
    stored: bool  # already a row in `records` (else inserted when the batch is written)


def pull_item(seq: int, state: RecordState, record_id: str, content: str) -> str:
    """The change as a pull page carries it: the JSON of a :class:`HubChange`, made around the
    record's content as JSON text ``content`` (never parsed and encoded again). The change log
    keeps the content only here (``changes.item``); migration 0010's downgrade cuts it back out
    of this form (the fields after the deleted flag, the creator's name last)."""
    deleted = "true" if state.deleted else "false"
    # the kind is one of RecordKind's words and the id a canonical UUID: nothing to escape
    return (f'{{"seq":{seq:d},"record_kind":"{state.kind}",'
            f'"record_id":"{record_id}","version":{state.version:d},'
            f'"deleted":{deleted},"fields":{content},'
            f'"created_by":{t.dumps_names(state.created_by)}}}')


def _state_of(m: Any) -> RecordState:
    return RecordState(kind=m["kind"], team_id=m["team_id"], person_id=m["person_id"],
                       owner_user_id=m["owner_user_id"],
                       allocated_worker=m["allocated_worker"], version=m["version"],
                       deleted=bool(m["deleted"]), fields=json.loads(m["fields"]),
                       seq=m["seq"], created_by=m["created_by"], stored=True)


def load(conn: sa.Connection, record_id: str, *, for_update: bool = False
         ) -> RecordState | None:
    """The record as the hub holds it; ``for_update``: locked until the transaction ends
    (PostgreSQL; SQLite has one writer anyway)."""
    query = sa.select(t.records).where(t.records.c.record_id == record_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return None if row is None else _state_of(row._mapping)


def visible_people(device: Device) -> sa.Select[tuple[str]]:
    """The ids of the people this device may see (its own caseload only, where set)."""
    r = t.records
    query = sa.select(r.c.record_id).where(r.c.kind == RecordKind.PERSON,
                                           r.c.team_id == device.team_id)
    if device.own_caseload_only:
        query = query.where(sa.or_(r.c.owner_user_id == device.user_id,
                                   r.c.allocated_worker == device.user_name))
    return query


def visible(device: Device, state: RecordState | None, conn: sa.Connection,
            batch: Batch | None = None) -> bool:
    """Whether ``device`` may see the record (its person may be new in ``batch``)."""
    if state is None or state.team_id != device.team_id:
        return False
    if not device.own_caseload_only:
        return True
    if state.kind == RecordKind.PERSON:
        person: RecordState | None = state
    elif batch is not None:
        person = batch.state(conn, state.person_id)
    else:
        person = load(conn, state.person_id)
    return person is not None and (person.owner_user_id == device.user_id
                                   or person.allocated_worker == device.user_name)


@dataclass
class Batch:
    """Rows a write gathers, so each table gets one multi-row statement."""

    seqs: Seqs
    states: dict[str, RecordState | None] = field(default_factory=dict)
    #: the records' content as JSON once a change of this batch set it (written once)
    content: dict[str, str] = field(default_factory=dict)
    #: the changes this batch made to each record: (seq, device id, fields it set)
    made: dict[str, list[tuple[int, str, tuple[str, ...]]]] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    changes: list[dict[str, Any]] = field(default_factory=list)
    receipts: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    scope: list[dict[str, Any]] = field(default_factory=list)
    #: the pushing devices' users (id -> name, role) as the hub holds them now, read once per
    #: batch
    users: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: children whose level the hub holds after refusing an approval (person id -> (level,
    #: the refused approval's id)); None: released by an accepted screening or meeting record
    held: dict[str, tuple[str, str] | None] = field(default_factory=dict)

    def state(self, conn: sa.Connection, record_id: str) -> RecordState | None:
        """The record as this batch holds it (read from the database the first time)."""
        if record_id not in self.states:
            self.states[record_id] = load(conn, record_id)
        return self.states[record_id]

    def preload(self, conn: sa.Connection, record_ids: Iterable[str]) -> None:
        """Read (and lock, in id order) these records in a few queries, not one per change."""
        listed = sorted(set(record_ids) - self.states.keys())
        for among in one_of(conn, t.records.c.record_id, listed):
            query = sa.select(t.records).where(among)
            if conn.dialect.name == "postgresql":
                query = query.order_by(t.records.c.record_id).with_for_update()
            for row in conn.execute(query):
                self.states[row.record_id] = _state_of(row._mapping)
        for rid in listed:
            self.states.setdefault(rid, None)

    def add_change(self, change_id: str, device_id: str, record_id: str, state: RecordState,
                   changed: Iterable[str], at: str, text: str = "") -> int:
        """Give the record's new state the next seq and gather the change's row; returns the
        seq. ``text``: the state's fields as JSON, if the caller has it already."""
        seq = self.seqs.take()
        state.seq = seq
        self.states[record_id] = state
        self.dirty.add(record_id)
        listed = tuple(changed)
        self.made.setdefault(record_id, []).append((seq, device_id, listed))
        content = self.content[record_id] = text or t.dumps(state.fields)
        self.changes.append({
            "seq": seq, "change_id": change_id, "device_id": device_id,
            "record_kind": state.kind, "record_id": record_id, "team_id": state.team_id,
            "person_id": state.person_id, "version": state.version, "deleted": state.deleted,
            "changed": t.dumps_names(listed), "at": at,
            "item": pull_item(seq, state, record_id, content)})
        return seq

    def touched_here(self, record_id: str, device_id: str, after: int) -> set[str]:
        """Fields other devices set on the record in this batch after seq ``after``."""
        return {name for seq, dev, names in self.made.get(record_id, ())
                if seq > after and dev != device_id for name in names}

    def reallocated(self, seq: int, state: RecordState, before: str) -> None:
        """Note who gains and who loses a child whose allocated worker changed."""
        if state.kind != RecordKind.PERSON or before == state.allocated_worker:
            return
        for name, gained in ((before, False), (state.allocated_worker, True)):
            if name:
                self.scope.append({"seq": seq, "team_id": state.team_id,
                                   "person_id": state.person_id, "user_name": name,
                                   "gained": gained})

    def write(self, conn: sa.Connection) -> None:
        """Write everything gathered: records, changes, receipts, conflicts (a newer one on a
        field supersedes an older open one), held levels, scope events, and the audit entries
        last, chained. The transaction's last write: on PostgreSQL it then holds the audit
        chain's lock until it commits."""
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for rid in self.dirty:
            s = self.states[rid]
            assert s is not None
            row = {"record_id": rid, "kind": s.kind, "team_id": s.team_id,
                   "person_id": s.person_id, "owner_user_id": s.owner_user_id,
                   "allocated_worker": s.allocated_worker, "version": s.version,
                   "deleted": s.deleted, "fields": self.content.get(rid) or t.dumps(s.fields),
                   "seq": s.seq,
                   "created_by": s.created_by}
            (updates if s.stored else inserts).append(row)
        insert_rows(conn, t.records, inserts)
        if updates:
            r = t.records.c
            conn.execute(
                t.records.update().where(r.record_id == sa.bindparam("b_id")).values(
                    allocated_worker=sa.bindparam("allocated_worker"),
                    version=sa.bindparam("version"), deleted=sa.bindparam("deleted"),
                    fields=sa.bindparam("fields"), seq=sa.bindparam("seq")),
                [{**u, "b_id": u["record_id"]} for u in updates])
        if self.conflicts:
            # a newer conflict on the same field supersedes an older open one (one choice)
            latest = {(c["record_id"], c["field"]): c for c in self.conflicts}
            self.conflicts = list(latest.values())
            c = t.conflicts.c
            for record_id, name in latest:
                conn.execute(t.conflicts.update().where(
                    c.record_id == record_id, c.field == name, c.resolved_at.is_(None))
                    .values(resolved_at=t.now(), resolved_by="superseded"))
        if self.held:
            h = t.held_levels.c
            conn.execute(t.held_levels.delete().where(h.person_id.in_(list(self.held))))
            now = t.now()
            rows = [{"person_id": pid, "level": held[0], "submission_id": held[1],
                     "held_at": now} for pid, held in self.held.items() if held]
            insert_rows(conn, t.held_levels, rows)
        for table, rows in ((t.changes, self.changes), (t.receipts, self.receipts),
                            (t.conflicts, self.conflicts), (t.scope_events, self.scope)):
            insert_rows(conn, table, rows)
        append(conn, self.audit)  # last: it takes the audit chain's lock (hub/audit.py)
