"""The hub's audit: its own append-only log, and the anchors of the laptops' audit chains.

Every operation that changes something writes an entry with :func:`audit` in the same
transaction. At each push a laptop reports the end of its hash-chained audit log; the hub keeps
it (:func:`anchor`) and notes when a chain goes backwards.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cse_desktop.hub import tables as t


def audit(conn: sa.Connection, actor: str, action: str, *, record_id: str = "",
          detail: str = "") -> None:
    """Write one entry (``actor``: a device id, "admin" or "unknown")."""
    conn.execute(t.audit.insert().values(at=t.now(), actor=actor, action=action,
                                         record_id=record_id, detail=detail))


def anchor(conn: sa.Connection, device_id: str, seq: int, digest: str) -> None:
    """Keep the end of a laptop's audit chain as it reported it (unless unchanged)."""
    c = t.audit_anchors.c
    last = conn.execute(sa.select(c.audit_seq, c.hash).where(c.device_id == device_id)
                        .order_by(c.id.desc()).limit(1)).first()
    if last is not None and (last.audit_seq, last.hash) == (seq, digest):
        return
    if last is not None and seq <= last.audit_seq:
        audit(conn, device_id, "audit_chain_rewound",
              detail=f"anchor went from {last.audit_seq} back to {seq}")
    conn.execute(t.audit_anchors.insert().values(device_id=device_id, audit_seq=seq,
                                                 hash=digest, at=t.now()))


class AuditOps:
    """Reading the hub's audit log and its size (for administrators and tests)."""

    engine: sa.Engine

    def audit_log(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                sa.select(t.audit).order_by(t.audit.c.id))]

    def counts(self) -> dict[str, int]:
        """How many records, changes and conflicts the hub holds."""
        with self.engine.connect() as conn:
            return {name: int(conn.execute(sa.select(sa.func.count()).select_from(table))
                              .scalar() or 0)
                    for name, table in (("records", t.records), ("changes", t.changes),
                                        ("conflicts", t.conflicts))}
