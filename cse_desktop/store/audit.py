"""The append-only, hash-chained audit log.

Each row stores the hash of the row before it, and its own hash covers every column and that
previous hash.  The hash of the last row (the *head*) is kept in ``meta``.  So an edited row
breaks its own hash; a deleted or inserted row breaks the chain; a deleted last row no longer
matches the head.  Triggers refuse UPDATE and DELETE, as a first line.

What the chain cannot do on its own: the hashes use no secret, so someone who holds the
database key *and* rewrites the chain from the point of change onwards (head included) is not
detected locally.  The defence for that is outside the laptop: the hub keeps the head it last
saw at each sync, so a rewritten history no longer matches it (sync issue).

Audit rows hold ids, never names or other personal data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cse_desktop.domain.errors import AuditChainBroken
from cse_desktop.domain.models import AuditAction, AuditEvent

if TYPE_CHECKING:
    from cse_desktop.store.workspace import Workspace

_HEAD_KEY = "audit_head"
_COLUMNS = "seq, at, actor, action, record_kind, record_id, reason, prev_hash, hash"


def _row_hash(seq: int, at: str, actor: str, action: str, record_kind: str, record_id: str,
              reason: str, prev_hash: str) -> str:
    payload = json.dumps([seq, at, actor, action, record_kind, record_id, reason, prev_hash],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditLog:
    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._head: tuple[int, str] | None = None
        self._dirty = False  # an event was added in this transaction; head not yet in meta

    def genesis_hash(self) -> str:
        return hashlib.sha256(f"cse-desktop audit {self._ws.workspace_id}".encode()).hexdigest()

    def _read_head(self) -> tuple[int, str]:
        row = self._ws.db.execute("SELECT value FROM meta WHERE key = ?", (_HEAD_KEY,)).fetchone()
        if row is None:
            return 0, self.genesis_hash()
        seq, _, digest = row[0].partition(":")
        return int(seq), digest

    def append(self, action: AuditAction, record_kind: str = "", record_id: str = "",
               reason: str = "", *, at: datetime | None = None) -> AuditEvent:
        """Add one event, inside the caller's transaction (or a transaction of its own).

        The head in ``meta`` is written once, just before the transaction commits.
        """
        with self._ws.transaction(join=True):
            if self._head is None:
                self._head = self._read_head()
            prev_seq, prev_hash = self._head
            seq = prev_seq + 1
            moment = (at or datetime.now(UTC)).astimezone(UTC)
            when = moment.isoformat()
            actor = self._ws.actor
            digest = _row_hash(seq, when, actor, action.value, record_kind, record_id, reason,
                               prev_hash)
            try:
                self._ws.db.execute(
                    f"INSERT INTO audit_event ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq, when, actor, action.value, record_kind, record_id, reason, prev_hash,
                     digest))
            except self._ws.IntegrityError:
                # Only a row added behind the log's back (past its recorded end) collides.
                raise AuditChainBroken("The audit log has been tampered with: it holds rows "
                                       "past its recorded end.") from None
            self._head = (seq, digest)
            self._dirty = True
        return AuditEvent(seq=seq, at=moment, actor=actor, action=action, record_kind=record_kind,
                          record_id=record_id, reason=reason, prev_hash=prev_hash, hash=digest)

    def append_many(self, action: AuditAction, record_kind: str, record_ids: list[str], *,
                    at: datetime | None = None) -> None:
        """One event per record (e.g. a batch of creates), chained in order."""
        with self._ws.transaction(join=True):
            if self._head is None:
                self._head = self._read_head()
            seq, digest = self._head
            when = (at or datetime.now(UTC)).astimezone(UTC).isoformat()
            actor = self._ws.actor
            rows = []
            for record_id in record_ids:
                prev_hash, seq = digest, seq + 1
                digest = _row_hash(seq, when, actor, action.value, record_kind, record_id, "",
                                   prev_hash)
                rows.append((seq, when, actor, action.value, record_kind, record_id, "",
                             prev_hash, digest))
            try:
                self._ws.db.executemany(
                    f"INSERT INTO audit_event ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows)
            except self._ws.IntegrityError:
                raise AuditChainBroken("The audit log has been tampered with: it holds rows "
                                       "past its recorded end.") from None
            self._head = (seq, digest)
            self._dirty = True

    # -- transaction hooks (called by Workspace.transaction) -------------------------------

    def _snapshot(self) -> tuple[tuple[int, str] | None, bool]:
        return self._head, self._dirty

    def _restore(self, state: tuple[tuple[int, str] | None, bool]) -> None:
        """A savepoint rolled back: the head is again what it was when the savepoint began."""
        self._head, self._dirty = state

    def _rolled_back(self) -> None:
        """The whole transaction rolled back: the head in ``meta`` is the truth again."""
        self._head, self._dirty = None, False

    def _before_commit(self) -> None:
        if self._dirty and self._head is not None:
            seq, digest = self._head
            self._ws.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                (_HEAD_KEY, f"{seq}:{digest}"))
            self._dirty = False

    def events(self, *, record_id: str | None = None, limit: int | None = None) -> list[AuditEvent]:
        sql = f"SELECT {_COLUMNS} FROM audit_event"
        args: list[object] = []
        if record_id is not None:
            sql += " WHERE record_id = ?"
            args.append(record_id)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [_event(row) for row in self._ws.db.execute(sql, args)]

    def count(self) -> int:
        return int(self._ws.db.execute("SELECT count(*) FROM audit_event").scalar())

    def _rows(self) -> Iterator[tuple]:
        yield from self._ws.db.execute(f"SELECT {_COLUMNS} FROM audit_event ORDER BY seq")

    def problems(self) -> list[str]:
        """Every break in the chain (empty when the log is intact)."""
        found: list[str] = []
        expected_prev = self.genesis_hash()
        expected_seq = 1
        last_seq, last_hash = 0, expected_prev
        for seq, at, actor, action, kind, rid, reason, prev_hash, digest in self._rows():
            if seq != expected_seq:
                found.append(f"audit row {seq}: expected row {expected_seq} (a row is missing "
                             "or was inserted)")
            if prev_hash != expected_prev:
                found.append(f"audit row {seq}: does not follow the row before it")
            if _row_hash(seq, at, actor, action, kind, rid, reason, prev_hash) != digest:
                found.append(f"audit row {seq}: its content was changed")
            expected_prev, expected_seq = digest, seq + 1
            last_seq, last_hash = seq, digest
            if len(found) > 100:
                break
        head_seq, head_hash = self._read_head()
        if (head_seq, head_hash) != (last_seq, last_hash):
            found.append(f"audit log ends at row {last_seq} but its recorded end is row "
                         f"{head_seq} (rows were removed or added at the end)")
        return found

    def verify(self) -> int:
        """Raise AuditChainBroken on any break; returns the number of rows checked."""
        problems = self.problems()
        if problems:
            raise AuditChainBroken("The audit log has been tampered with or damaged: "
                                   + "; ".join(problems[:5]))
        return self.count()


def _event(row: tuple) -> AuditEvent:
    seq, at, actor, action, kind, rid, reason, prev_hash, digest = row
    return AuditEvent(seq=seq, at=at, actor=actor, action=AuditAction(action), record_kind=kind,
                      record_id=rid, reason=reason, prev_hash=prev_hash, hash=digest)
