"""The hub's audit: its own append-only log, and the anchors of the laptops' audit chains.

Every operation that changes something writes an entry with :func:`audit` in the same
transaction. The log is hash-chained: each entry's ``hash`` is the SHA-256 of its content and
the previous entry's hash (``prev_hash``), so editing, deleting or reordering an entry breaks
the chain from there on; :func:`verify_chain` (``cse-hub audit verify``) finds the first break.
Cutting entries off the end leaves a shorter chain that still verifies: keep the head that
``cse-hub audit verify`` prints (e.g. with each backup) to detect that too. On PostgreSQL
audit writers take an advisory lock until they commit, so the chain never forks.

At each push a laptop reports the end of its hash-chained audit log; the hub keeps
it (:func:`anchor`) and notes when a chain goes backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

import sqlalchemy as sa

from cse_desktop.hub import tables as t
from cse_desktop.hub.db import insert_rows

#: the ``prev_hash`` of the first entry
GENESIS = "0" * 64
#: the advisory lock PostgreSQL audit writers hold until they commit ("CSEA" in ASCII)
AUDIT_LOCK_KEY = 0x43534541


def entry_hash(prev_hash: str, at: str, actor: str, action: str, record_id: str,
               detail: str) -> str:
    """The hash of one entry, chained to the one before it: the SHA-256 of
    ``t.dumps([prev_hash, at, actor, action, record_id, detail])``, that list of six texts
    written out directly (as ``json.dumps`` escapes each text; half the time, once per change
    pushed)."""
    texts = (prev_hash, at, actor, action, record_id, detail)
    return t.digest(f"[{','.join(map(encode_basestring, texts))}]")


def entry(actor: str, action: str, *, record_id: str = "", detail: str = "",
          at: str = "") -> dict[str, Any]:
    """An entry to write with :func:`append` (``actor``: a device id, "admin" or "unknown"),
    made ``at`` that time (now if not given)."""
    return {"at": at or t.now(), "actor": actor, "action": action, "record_id": record_id,
            "detail": detail}


def audit(conn: sa.Connection, actor: str, action: str, *, record_id: str = "",
          detail: str = "") -> None:
    """Write one entry, chained to the last (the transaction's last write: see
    :func:`append`)."""
    append(conn, [entry(actor, action, record_id=record_id, detail=detail)])


def append(conn: sa.Connection, entries: list[dict[str, Any]]) -> None:
    """Write ``entries`` (each with ``at``, ``actor``, ``action``, ``record_id`` and
    ``detail``) in this order, chained after the last entry: a push group's in one statement.
    On PostgreSQL the transaction holds the audit lock from here until it commits, so a caller
    writes its entries last: after it has locked any row another writer might hold while it
    waits for this lock (a device's, a record's), or the two would deadlock."""
    if not entries:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY})
    prev = conn.execute(sa.select(t.audit.c.hash).order_by(t.audit.c.id.desc()).limit(1)
                        ).scalar() or GENESIS
    for entry in entries:
        entry["prev_hash"] = prev
        prev = entry["hash"] = entry_hash(prev, entry["at"], entry["actor"], entry["action"],
                                          entry["record_id"], entry["detail"])
    insert_rows(conn, t.audit, entries)


@dataclass(frozen=True)
class ChainCheck:
    """What :func:`verify_chain` found."""

    entries: int
    #: the last entry's hash (GENESIS for an empty log)
    head: str
    #: the id of the first entry that does not verify (None when the chain is intact)
    broken_at: int | None = None
    reason: str = ""
    #: the ``expect``ed hash is one of the verified entries' (a head kept earlier)
    found: bool = False


def verify_chain(conn: sa.Connection, expect: str = "") -> ChainCheck:
    """Recompute the chain from the first entry; stop at the first that does not match.

    ``expect``: a head kept earlier; :attr:`ChainCheck.found` says whether the chain still
    holds it (if not, entries were cut off the end since)."""
    a = t.audit.c
    prev, count, found = GENESIS, 0, expect == GENESIS
    rows = conn.execute(sa.select(a.id, a.at, a.actor, a.action, a.record_id, a.detail,
                                  a.prev_hash, a.hash).order_by(a.id))
    for row in rows:
        if row.prev_hash != prev:
            return ChainCheck(count, prev, row.id, "it does not follow the entry before it "
                              "(an entry was removed or reordered)")
        if entry_hash(prev, row.at, row.actor, row.action, row.record_id,
                      row.detail) != row.hash:
            return ChainCheck(count, prev, row.id, "its content was changed after it was "
                              "written")
        prev, count = row.hash, count + 1
        found = found or row.hash == expect
    return ChainCheck(count, prev, found=found)


def anchor(conn: sa.Connection, device_id: str, seq: int, digest: str,
           entries: list[dict[str, Any]]) -> None:
    """Keep the end of a laptop's audit chain as it reported it (unless unchanged); a chain
    that went backwards is noted in ``entries``, for the caller to write last."""
    c = t.audit_anchors.c
    last = conn.execute(sa.select(c.audit_seq, c.hash).where(c.device_id == device_id)
                        .order_by(c.id.desc()).limit(1)).first()
    if last is not None and (last.audit_seq, last.hash) == (seq, digest):
        return
    if last is not None and seq <= last.audit_seq:
        entries.append(entry(device_id, "audit_chain_rewound",
                             detail=f"anchor went from {last.audit_seq} back to {seq}"))
    conn.execute(t.audit_anchors.insert().values(device_id=device_id, audit_seq=seq,
                                                 hash=digest, at=t.now()))


class AuditOps:
    """Reading the hub's audit log and its size (for administrators and tests)."""

    engine: sa.Engine

    def audit_log(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                sa.select(t.audit).order_by(t.audit.c.id))]

    def verify_audit(self, expect: str = "") -> ChainCheck:
        with self.engine.connect() as conn:
            return verify_chain(conn, expect)

    def counts(self) -> dict[str, int]:
        """How many records, changes and conflicts the hub holds."""
        with self.engine.connect() as conn:
            return {name: int(conn.execute(sa.select(sa.func.count()).select_from(table))
                              .scalar() or 0)
                    for name, table in (("records", t.records), ("changes", t.changes),
                                        ("conflicts", t.conflicts))}
