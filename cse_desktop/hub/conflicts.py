"""Hard conflicts: listing a team's open ones, and writing the value a person chose.

A push records a conflict when two devices set the same field to different values (or one
deleted a record another was still editing); see :mod:`cse_desktop.hub.merge`. Resolving it
writes the chosen value as a new change, which every laptop then pulls.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa

from cse_desktop.domain.ids import RecordKind, is_record_id
from cse_desktop.hub import records
from cse_desktop.hub import tables as t
from cse_desktop.hub.audit import entry
from cse_desktop.hub.db import Seqs, reader, writer
from cse_desktop.hub.devices import Device
from cse_desktop.hub.errors import AlreadyResolved, HubError, NotFound
from cse_desktop.hub.merge import DELETED, validated
from cse_desktop.hub.records import Batch
from cse_desktop.sync.protocol import ConflictList, HubConflict


class ConflictOps:
    """The open conflicts a device may see, and their resolution."""

    engine: sa.Engine

    def conflicts(self, device: Device) -> ConflictList:
        c = t.conflicts.c
        query = (sa.select(t.conflicts).where(c.team_id == device.team_id,
                                              c.resolved_at.is_(None)).order_by(c.seq))
        if device.own_caseload_only:
            query = query.where(c.person_id.in_(records.visible_people(device)))
        with reader(self.engine) as conn:
            rows = conn.execute(query).all()
        return ConflictList(conflicts=[HubConflict(
            id=r.id, record_kind=r.record_kind, record_id=r.record_id, field=r.field,
            base_value=json.loads(r.base_value), hub_value=json.loads(r.hub_value),
            device_value=json.loads(r.device_value), seq=r.seq, created_at=r.created_at)
            for r in rows])

    def resolve(self, device: Device, conflict_id: str, value: Any) -> int:
        """Write the value a person chose for a conflicted field; returns the change's seq."""
        if not is_record_id(conflict_id):
            raise NotFound("There is no such conflict.")
        c = t.conflicts.c
        with writer(self.engine, serialised=False) as conn:
            # the record first, then the conflict, both locked: the order a push takes
            record_id = conn.execute(sa.select(c.record_id).where(c.id == conflict_id)).scalar()
            state = (records.load(conn, record_id, for_update=True)
                     if record_id is not None else None)
            row = conn.execute(sa.select(t.conflicts).where(c.id == conflict_id)
                               .with_for_update()).first()
            if row is None or state is None or not records.visible(device, state, conn):
                raise NotFound("There is no such conflict.")
            if row.resolved_at is not None:
                raise AlreadyResolved("Someone has already resolved this conflict.")
            if row.field == DELETED:
                if not isinstance(value, bool):
                    raise HubError("Choose whether the record stays deleted (true or false).",
                                   code="invalid")
                content, state.deleted = state.fields, value
            else:
                checked = validated(row.record_kind, row.record_id,
                                    {**state.fields, row.field: value})
                if isinstance(checked, str):
                    raise HubError(checked, code="invalid")
                content = checked
            batch = Batch(seqs=Seqs(conn))
            state.fields, state.version = content, state.version + 1
            if row.record_kind == RecordKind.PERSON:
                before = state.allocated_worker
                state.allocated_worker = str(content.get("allocated_worker", ""))
                batch.reallocated(batch.seqs.peek(), state, before)
            now = t.now()
            seq = batch.add_change(str(uuid.uuid4()), device.id, row.record_id, state,
                                   [row.field], now)
            batch.audit.append(entry(device.id, "resolve", record_id=row.record_id, at=now,
                                     detail=f"conflict {conflict_id} field {row.field}"))
            conn.execute(t.conflicts.update().where(c.id == conflict_id).values(
                resolved_at=now, resolved_by=device.id, resolution_seq=seq))
            batch.write(conn)  # last: its audit entry holds the audit chain to the commit
        return seq
