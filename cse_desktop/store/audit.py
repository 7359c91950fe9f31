"""The append-only, hash-chained audit log, keyed with a secret.

Each row stores the hash of the row before it, and its own hash covers every column and that
previous hash.  The hash of the last row (the *head*) is kept in ``meta``.  So an edited row
breaks its own hash; a deleted or inserted row breaks the chain; a deleted last row no longer
matches the head.  Triggers refuse UPDATE and DELETE, as a first line.

**Keyed.** Row hashes are HMAC-SHA256 under the workspace's *audit key*, derived from the
database key with HKDF (its own label, so it is never the database key itself) when the keyed
chain starts, and kept in ``meta`` so that a later change of the database key (re-key) leaves
the chain verifiable.  Rows written before this version used plain SHA-256: they still verify
as before, and the first keyed row of such a workspace is a marked ``audit-keyed`` event whose
number ``meta`` records (``audit_keyed_from``; 1 for a workspace born keyed).  Rewriting a keyed
row with the public SHA-256 rule is therefore detected.

**Truncation.** The end of the chain (its count and head) is also written into the key file at
every unlock and lock, with an HMAC under the audit key (``KeyFile.audit_mark``).  At the next
unlock the database must still hold that row with that hash; if it does not (rows deleted and
the stored end reset, or an older database file put back), an ``audit-cut`` event is written,
which ``check`` reports from then on (exit 4).  At each push the hub also receives the head and
the laptop's hashes at the heads it pushed before (``links``): a history rewritten to end
*higher* no longer matches what the hub stored, and the hub records it.

What no local check can stop: someone who holds the database key can read the audit key and
rewrite the chain, its head and the key file's mark consistently.  Only the hub, which kept the
heads it was shown, sees that.

Audit rows hold ids, never names or other personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cse_desktop.domain.errors import AuditChainBroken
from cse_desktop.domain.models import AuditAction, AuditEvent
from cse_desktop.store import memory
from cse_desktop.store.keys import KeyFile

if TYPE_CHECKING:
    from cse_desktop.store.workspace import Workspace

log = logging.getLogger(__name__)

_HEAD_KEY = "audit_head"
_KEY_META = "audit_key"
_KEYED_FROM_META = "audit_keyed_from"
_MARK_KEPT_META = "audit_mark_kept"
_PUSHED_META = "audit_pushed"
_COLUMNS = "seq, at, actor, action, record_kind, record_id, reason, prev_hash, hash"
#: the HKDF label of the audit key, and the HMAC label of the key file's mark
_AUDIT_KEY_INFO = b"cse-desktop/audit-chain/v1"
_MARK_LABEL = b"cse-desktop/key-file-audit-mark/v1\x00"
#: how many earlier pushed heads a push carries proofs for
MAX_LINKS = 8

#: how every finding of a cut log begins (``check`` says it in a sentence of its own)
AUDIT_CUT = "The audit log was cut"
_ROWS_AFTER_END = ("The audit log has been tampered with: it holds rows past its recorded "
                   "end.")


def _payload(seq: int, at: str, actor: str, action: str, record_kind: str, record_id: str,
             reason: str, prev_hash: str) -> bytes:
    return json.dumps([seq, at, actor, action, record_kind, record_id, reason, prev_hash],
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _row_hash(seq: int, at: str, actor: str, action: str, record_kind: str, record_id: str,
              reason: str, prev_hash: str) -> str:
    """The unkeyed hash of rows written before the chain was keyed (public rule)."""
    return hashlib.sha256(_payload(seq, at, actor, action, record_kind, record_id, reason,
                                   prev_hash)).hexdigest()


def _keyed_hash(key: bytes | bytearray, seq: int, at: str, actor: str, action: str,
                record_kind: str, record_id: str, reason: str, prev_hash: str) -> str:
    return hmac.new(key, _payload(seq, at, actor, action, record_kind, record_id, reason,
                                  prev_hash), hashlib.sha256).hexdigest()


def derive_audit_key(db_key: bytes | bytearray, workspace_id: str) -> bytearray:
    """HKDF-SHA256 (RFC 5869, one block) of the database key: salt the workspace id, info the
    audit label.  Written out with ``hmac`` so the key stays in buffers that can be wiped."""
    prk = bytearray(hmac.digest(workspace_id.encode("utf-8"), db_key, "sha256"))
    try:
        return bytearray(hmac.digest(prk, _AUDIT_KEY_INFO + b"\x01", "sha256"))
    finally:
        memory.wipe(prk)


def mark_mac(key: bytes | bytearray, workspace_id: str, count: int, head: str) -> str:
    message = _MARK_LABEL + f"{workspace_id}\x00{count}\x00{head}".encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class AuditLog:
    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._head: tuple[int, str] | None = None
        self._dirty = False  # an event was added in this transaction; head not yet in meta
        self._key: bytearray | None = None  # the audit key, once read or made
        self._keyed_from = 0

    def genesis_hash(self) -> str:
        return hashlib.sha256(f"cse-desktop audit {self._ws.workspace_id}".encode()).hexdigest()

    def _meta(self, key: str) -> str | None:
        row = self._ws.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._ws.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                            (key, value))

    def _read_head(self) -> tuple[int, str]:
        value = self._meta(_HEAD_KEY)
        if value is None:
            return 0, self.genesis_hash()
        seq, _, digest = value.partition(":")
        return int(seq), digest

    def head(self) -> tuple[int, str]:
        """(number, hash) of the last event as recorded in ``meta``."""
        return self._read_head()

    # -- the audit key -------------------------------------------------------------------

    def _stored_key(self) -> tuple[bytearray | None, int]:
        """The audit key and the first keyed row, from ``meta`` (None: the chain is unkeyed)."""
        if self._key is None:
            value, start = self._meta(_KEY_META), self._meta(_KEYED_FROM_META)
            if value is None or start is None:
                return None, 0
            try:
                key = bytearray.fromhex(value)
                first = int(start)
            except ValueError:
                return None, 0
            memory.lock(key)
            self._key, self._keyed_from = key, first
        return self._key, self._keyed_from

    def _chain_key(self, prev_seq: int, prev_hash: str) -> tuple[bytearray, int, str]:
        """The audit key for the next row (inside the caller's transaction).  An unkeyed chain
        is keyed here: a new one from row 1; an older one with a marked ``audit-keyed`` row,
        which is written now.  Returns the key and the (possibly moved on) head."""
        key, _ = self._stored_key()
        if key is not None:
            return key, prev_seq, prev_hash
        key = derive_audit_key(self._ws.key_material(), self._ws.workspace_id)
        memory.lock(key)
        first = prev_seq + 1
        self._set_meta(_KEY_META, key.hex())
        self._set_meta(_KEYED_FROM_META, str(first))
        self._key, self._keyed_from = key, first
        if prev_seq == 0:
            return key, prev_seq, prev_hash
        when = datetime.now(UTC).isoformat()
        row = self._row(key, first, when, AuditAction.AUDIT_KEYED.value, "", "",
                        f"events from {first} on are keyed", prev_hash)
        self._insert([row])
        return key, first, row[-1]

    def wipe(self) -> None:
        """Forget the audit key (the workspace is locking)."""
        if self._key is not None:
            memory.release(self._key)
        self._key, self._keyed_from = None, 0

    # -- appending -----------------------------------------------------------------------

    def _row(self, key: bytearray, seq: int, when: str, action: str, kind: str, rid: str,
             reason: str, prev_hash: str) -> tuple[Any, ...]:
        actor = self._ws.actor
        digest = _keyed_hash(key, seq, when, actor, action, kind, rid, reason, prev_hash)
        return (seq, when, actor, action, kind, rid, reason, prev_hash, digest)

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        try:
            self._ws.db.executemany(
                f"INSERT INTO audit_event ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        except self._ws.IntegrityError:
            # Only a row added behind the log's back (past its recorded end) collides.
            raise AuditChainBroken(_ROWS_AFTER_END) from None

    def append(self, action: AuditAction, record_kind: str = "", record_id: str = "",
               reason: str = "", *, at: datetime | None = None) -> AuditEvent:
        """Add one event, inside the caller's transaction (or a transaction of its own).

        The head in ``meta`` is written once, just before the transaction commits.
        """
        with self._ws.transaction(join=True):
            if self._head is None:
                self._head = self._read_head()
            key, prev_seq, prev_hash = self._chain_key(*self._head)
            seq = prev_seq + 1
            moment = (at or datetime.now(UTC)).astimezone(UTC)
            row = self._row(key, seq, moment.isoformat(), action.value, record_kind,
                            record_id, reason, prev_hash)
            self._insert([row])
            self._head = (seq, row[-1])
            self._dirty = True
        return AuditEvent(seq=seq, at=moment, actor=row[2], action=action,
                          record_kind=record_kind, record_id=record_id, reason=reason,
                          prev_hash=prev_hash, hash=row[-1])

    def append_many(self, action: AuditAction, record_kind: str, record_ids: list[str], *,
                    at: datetime | None = None) -> None:
        """One event per record (e.g. a batch of creates), chained in order."""
        with self._ws.transaction(join=True):
            if self._head is None:
                self._head = self._read_head()
            key, seq, digest = self._chain_key(*self._head)
            when = (at or datetime.now(UTC)).astimezone(UTC).isoformat()
            rows = []
            for record_id in record_ids:
                seq += 1
                row = self._row(key, seq, when, action.value, record_kind, record_id, "",
                                digest)
                digest = row[-1]
                rows.append(row)
            self._insert(rows)
            self._head = (seq, digest)
            self._dirty = True

    # -- transaction hooks (called by Workspace.transaction) -------------------------------

    def _snapshot(self) -> tuple[tuple[int, str] | None, bool, bytearray | None, int]:
        return self._head, self._dirty, self._key, self._keyed_from

    def _restore(self, state: tuple[tuple[int, str] | None, bool, bytearray | None, int]
                 ) -> None:
        """A savepoint rolled back: the head is again what it was when the savepoint began."""
        if state[2] is None and self._key is not None:
            self.wipe()  # the key was made inside the savepoint: its meta rows are gone too
        self._head, self._dirty, self._key, self._keyed_from = state

    def _rolled_back(self) -> None:
        """The whole transaction rolled back: the head in ``meta`` is the truth again."""
        self._head, self._dirty = None, False
        self.wipe()

    def _before_commit(self) -> None:
        if self._dirty and self._head is not None:
            seq, digest = self._head
            self._set_meta(_HEAD_KEY, f"{seq}:{digest}")
            self._dirty = False

    # -- reading -------------------------------------------------------------------------

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

    def _hash_at(self, seq: int) -> str | None:
        row = self._ws.db.execute("SELECT hash FROM audit_event WHERE seq = ?",
                                  (seq,)).fetchone()
        return None if row is None else str(row[0])

    # -- checking ------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Every break in the chain (empty when the log is intact), every cut found at an
        unlock, and a key file whose record of the chain's end the chain no longer holds."""
        found: list[str] = []
        key, keyed_from = self._stored_key()
        expected_prev = self.genesis_hash()
        expected_seq = 1
        last_seq, last_hash = 0, expected_prev
        for seq, at, actor, action, kind, rid, reason, prev_hash, digest in self._rows():
            if seq != expected_seq:
                found.append(f"audit row {seq}: expected row {expected_seq} (a row is missing "
                             "or was inserted)")
            if prev_hash != expected_prev:
                found.append(f"audit row {seq}: does not follow the row before it")
            args = (seq, at, actor, action, kind, rid, reason, prev_hash)
            keyed = key is not None and seq >= keyed_from
            if (_keyed_hash(key, *args) if keyed and key is not None
                    else _row_hash(*args)) != digest:
                found.append(f"audit row {seq}: its content was changed")
            if keyed and seq == keyed_from and seq > 1 and action != AuditAction.AUDIT_KEYED:
                found.append(f"audit row {seq}: the start of the keyed log was moved")
            if action == AuditAction.AUDIT_CUT.value:
                found.append(f"{reason} (found when the workspace was unlocked at {at[:16]} "
                             "UTC)")
            expected_prev, expected_seq = digest, seq + 1
            last_seq, last_hash = seq, digest
            if len(found) > 100:
                break
        head_seq, head_hash = self._read_head()
        if (head_seq, head_hash) != (last_seq, last_hash):
            found.append(f"audit log ends at row {last_seq} but its recorded end is row "
                         f"{head_seq} (rows were removed or added at the end)")
        if key is None and last_seq and self._meta(_MARK_KEPT_META) is not None:
            found.append("the audit log's key is missing: the log was rewritten")
        mark = self._mark_problem(self._key_file())
        if mark:
            found.append(mark)
        return found

    def verify(self) -> int:
        """Raise AuditChainBroken on any break; returns the number of rows checked."""
        problems = self.problems()
        if problems:
            raise AuditChainBroken("The audit log has been tampered with or damaged: "
                                   + "; ".join(problems[:5]))
        return self.count()

    # -- the key file's mark (count and head, written at every unlock and lock) ------------

    def _key_file(self) -> KeyFile | None:
        try:
            return KeyFile.load(self._ws.key_path(self._ws.folder))
        except Exception:  # a damaged key file is reported by unlocking, not here
            return None

    def _mark_problem(self, key_file: KeyFile | None) -> str | None:
        """Why the key file's mark does not fit this chain, in plain words (None: it fits)."""
        if key_file is None:
            return None
        mark = key_file.audit_mark
        if mark is None:
            if self._meta(_MARK_KEPT_META) is not None:
                return (f"{AUDIT_CUT}: the key file no longer records where the log "
                        "ended, so events may have been removed")
            return None  # a workspace made before the mark existed: nothing to compare yet
        key, _ = self._stored_key()
        count, head = mark["count"], mark["head"]
        if key is None or not hmac.compare_digest(
                mark["mac"], mark_mac(key, self._ws.workspace_id, count, head)):
            return (f"{AUDIT_CUT}: the key file's record of where the log ended "
                    "was altered")
        if count and self._hash_at(count) != head:
            return (f"{AUDIT_CUT}: it ended at event {count} when the workspace "
                    "was last locked or unlocked, and that event is now missing or different, "
                    "so events were removed or rewritten")
        return None

    def seal_unlock(self) -> None:
        """At unlock: compare the chain with the key file's mark (an ``audit-cut`` event when
        it no longer fits), then write the mark anew."""
        key_file = self._key_file()
        problem = self._mark_problem(key_file)
        if problem:
            log.info("the audit log no longer holds the end the key file recorded")
            self.append(AuditAction.AUDIT_CUT, reason=problem)
        self.write_mark()

    def write_mark(self) -> None:
        """Write the chain's count and head, with their HMAC, into the key file (best effort:
        a key file or database that fails here is logged, never fatal: a lock must succeed)."""
        try:
            key, _ = self._stored_key()
            key_file = self._key_file()
            if key is None or key_file is None:
                return
            count, head = self._read_head()
            key_file.set_audit_mark(count, head, mark_mac(key, self._ws.workspace_id, count,
                                                          head))
            key_file.save(self._ws.key_path(self._ws.folder))
            self._ws.key_file_changed(key_file)
            if self._meta(_MARK_KEPT_META) is None:
                with self._ws.transaction():
                    self._set_meta(_MARK_KEPT_META, "1")
        except Exception as exc:  # locking must always succeed
            log.warning("could not record the audit log's end in the key file (%s)",
                        type(exc).__name__)

    # -- what a push tells the hub ---------------------------------------------------------

    def push_links(self) -> list[tuple[int, str]]:
        """(number, hash) in today's chain of each head this laptop pushed before (recently
        first): the hub compares them with the heads it stored.  A row no longer there is
        sent as zeros, which never matches."""
        value = self._meta(_PUSHED_META)
        seqs = [int(s) for s in value.split(",") if s.isdigit()] if value else []
        return [(s, self._hash_at(s) or "0" * 64) for s in seqs if s > 0]

    def note_pushed(self, seq: int) -> None:
        """Remember a head about to be pushed (before it is sent: a lost answer still counts)."""
        value = self._meta(_PUSHED_META)
        seqs = [s for s in (value.split(",") if value else []) if s.isdigit() and int(s) != seq]
        with self._ws.transaction():
            self._set_meta(_PUSHED_META, ",".join([str(seq), *seqs][:MAX_LINKS]))


def _event(row: tuple) -> AuditEvent:
    seq, at, actor, action, kind, rid, reason, prev_hash, digest = row
    return AuditEvent(seq=seq, at=at, actor=actor, action=AuditAction(action), record_kind=kind,
                      record_id=rid, reason=reason, prev_hash=prev_hash, hash=digest)
