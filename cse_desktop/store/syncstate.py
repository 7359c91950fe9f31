"""The workspace's side of sync: the hub link, what to push, storing answers, applying pulls.

Everything here runs in workspace transactions, so a crash at any point leaves either the old
state or the new one:

* an outbox row is removed only in the transaction that stores the hub's answer to it;
* a pulled page and the cursor after it are stored in one transaction.

Drafts never leave the laptop (DESIGN.md section 4). A submission's outbox rows are held back
while it is a draft; once it is final they go to the hub as **one** create with the whole final
content (final content never changes, so a retry is always the same change). A draft deleted
before it was finalised never reaches the hub at all.

A pulled change never overwrites a field that has a local change still waiting to be pushed;
the hub merges that change (or records a conflict) when it arrives.

The hub sends a team's changes to every device, the one that made them included. The hub seq
of each change it accepted as sent is kept (``sync_echo``, in the transaction that stores the
answer), and that change is skipped when the pull brings it back, unless another change to
the same record was applied in between.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from cse_desktop.domain.errors import HubRefused, UsageError
from cse_desktop.domain.ids import RecordKind, new_id
from cse_desktop.domain.models import RECORD_TYPES, AuditAction, Person, Record

if TYPE_CHECKING:
    from cse_desktop.store.workspace import Workspace

_HUB_KEY = "hub_link"
_CURSOR_KEY = "hub_cursor"
_LAST_SYNC_KEY = "hub_last_sync"
_BOOKKEEPING = set(Record.BOOKKEEPING)


class HubLink(BaseModel):
    """How this workspace reaches its hub. Kept inside the encrypted database only."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    url: str
    device_id: str
    device_name: str
    token: str
    user: str
    team: str
    #: a pinned CA certificate (PEM); empty means the system's trust store
    ca_pem: str = ""
    connected_at: str


@dataclass(frozen=True)
class Outgoing:
    """One change to push, and the outbox rows it stands for (removed when answered)."""

    change: dict[str, Any]
    covers: tuple[int, ...]

    @property
    def position(self) -> int:
        """Where the change stands in the outbox (pass it as ``after`` for the next page)."""
        return self.covers[-1]


@dataclass(frozen=True)
class Issue:
    """An open conflict or a change the hub refused, as the hub reported it."""

    id: str
    kind: str  # conflict | rejected
    record_kind: RecordKind
    record_id: str
    field: str
    base_value: Any
    hub_value: Any
    device_value: Any
    #: a refusal's stable code from the hub (``not_found``, ``immutable``...); "" for a conflict
    code: str
    #: a refusal's reason in the hub's words ("" for a conflict)
    message: str
    created_at: str


@dataclass(frozen=True)
class PullOutcome:
    received: int
    applied: int
    skipped: int
    #: records removed because their child left this laptop's scope
    removed: int = 0
    #: this laptop's own changes coming back as the hub accepted them (nothing to apply)
    own: int = 0


class SyncState:
    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    # -- the hub link --------------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        row = self._ws.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._ws.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                            "DO UPDATE SET value = excluded.value", (key, value))

    def link(self) -> HubLink | None:
        raw = self._meta(_HUB_KEY)
        return HubLink.model_validate_json(raw) if raw else None

    def set_link(self, link: HubLink) -> None:
        """Keep the link to a hub. A link whose sign-in expired (token "") may be replaced by
        a new enrolment with the same hub: the cursor and the outbox carry on."""
        with self._ws.transaction():
            current = self.link()
            if current is not None and not (current.token == "" and current.url == link.url):
                raise UsageError("This workspace is already connected to a hub.")
            self._set_meta(_HUB_KEY, link.model_dump_json())
            if current is None:
                self._set_meta(_CURSOR_KEY, "0")
            self._ws.audit.append(AuditAction.SYNC, reason="connected to hub" if current is
                                  None else "connected to hub again")

    def set_token(self, token: str) -> None:
        """Replace the device credential: the hub rotated it, or ("") it expired."""
        with self._ws.transaction():
            current = self.link()
            if current is None:
                raise UsageError("This workspace is not connected to a hub.")
            self._set_meta(_HUB_KEY, current.model_copy(update={"token": token})
                           .model_dump_json())

    def cursor(self) -> int:
        return int(self._meta(_CURSOR_KEY) or 0)

    def last_sync(self) -> dict[str, Any] | None:
        raw = self._meta(_LAST_SYNC_KEY)
        return json.loads(raw) if raw else None

    def record_sync(self, summary: dict[str, Any]) -> None:
        with self._ws.transaction():
            self._set_meta(_LAST_SYNC_KEY, json.dumps(
                {"at": datetime.now(UTC).isoformat(), **summary}))
            self._ws.audit.append(AuditAction.SYNC, reason=_reason(summary))

    # -- push ----------------------------------------------------------------------------

    def standing(self, record_id: str) -> tuple[int | None, bool] | None:
        """Where a record stands with the hub: (the hub sequence this workspace holds for it,
        whether changes to it wait in the outbox); None if the workspace has no such record."""
        row = self._ws.db.execute(
            "SELECT r.server_seq, EXISTS (SELECT 1 FROM outbox o WHERE o.record_id = r.id) "
            "FROM records r WHERE r.id = ?", (record_id,)).fetchone()
        return None if row is None else (row[0], bool(row[1]))

    def pending_count(self) -> int:
        """Changes waiting to go to the hub (drafts, which never go, are not counted).

        Read from the outbox's tally (kept by triggers with every write), not counted."""
        tally = self._ws.outbox.tally()
        return tally["change"] + tally["final"]

    def held_back(self) -> int:
        """Draft forms with changes kept on this laptop."""
        return self._ws.outbox.tally()["draft"]

    # one row per change to send: a form's rows stand where its last row stands
    _PAGE_SQL = ("SELECT seq, change_id, record_kind, record_id, op, version, base_version, "
                 "base_seq, fields FROM outbox o WHERE seq > ? AND (record_kind <> 'submission' "
                 "OR seq = (SELECT max(x.seq) FROM outbox x WHERE x.record_id = o.record_id)) "
                 "ORDER BY seq LIMIT ?")

    def outgoing(self, limit: int, after: int = 0) -> list[Outgoing]:
        """Up to ``limit`` changes to push, oldest first, from outbox rows after ``after``.

        A push passes the :attr:`Outgoing.position` of the last change it sent as ``after``,
        so each call reads only the rows it returns (and drafts held back, once): rows before
        it are either answered and gone, or drafts. A form's rows go as one create at the
        place of its last row.

        Outbox rows of discarded drafts (deleted before they were ever final) are removed here:
        the hub never knew them.
        """
        db = self._ws.db
        out: list[Outgoing] = []
        with self._ws.transaction():
            while len(out) < limit:
                rows = db.execute(self._PAGE_SQL, (after, limit)).fetchall()
                for row in rows:
                    after = row[0]
                    item = self._form(row) if row[2] == "submission" else Outgoing(
                        change={"change_id": row[1], "record_kind": row[2],
                                "record_id": row[3], "op": row[4], "version": row[5],
                                "base_version": row[6], "base_seq": row[7],
                                "fields": json.loads(row[8])},
                        covers=(row[0],))
                    if item is not None:
                        out.append(item)
                        if len(out) >= limit:
                            break
                if len(rows) < limit:
                    break
        return out

    def _form(self, row: tuple) -> Outgoing | None:
        """A form's outbox rows, read at its last row: one create with the whole final content
        (named by the last row's change id); None for a draft (held back, or discarded)."""
        seq, change_id, kind, record_id = row[:4]
        db = self._ws.db
        found = db.execute("SELECT data, deleted, json_extract(data, '$.status') FROM records "
                           "WHERE id = ?", (record_id,)).fetchone()
        if found is None:
            return None
        data, deleted, status = found
        if status != "final":
            if deleted:
                db.execute("DELETE FROM outbox WHERE record_id = ?", (record_id,))
            return None
        covers = tuple(s for (s,) in db.execute(
            "SELECT seq FROM outbox WHERE record_id = ? AND seq <= ? ORDER BY seq",
            (record_id, seq)))
        return Outgoing(change={"change_id": change_id, "record_kind": kind,
                                "record_id": record_id, "op": "create", "version": 1,
                                "base_version": 0, "base_seq": None,
                                "fields": json.loads(data)}, covers=covers)

    def acknowledge(self, sent: list[Outgoing], results: list[dict[str, Any]]) -> None:
        """Store the hub's answers: remove the answered outbox rows, note refused changes."""
        if len(sent) != len(results) or any(
                r["change_id"] != o.change["change_id"] for o, r in zip(sent, results,
                                                                        strict=False)):
            raise HubRefused("The hub's answer does not match the changes sent; nothing was "
                             "changed here. Sync again.", code="answer_mismatch", status=200)
        now = datetime.now(UTC).isoformat()
        answered = [(seq,) for item in sent for seq in item.covers]
        refused, echoes, first_seen = [], [], []
        for item, result in zip(sent, results, strict=True):
            change = item.change
            if result["status"] == "rejected":
                refused.append((new_id(), change["record_kind"], change["record_id"],
                                json.dumps(change["fields"]), result.get("code", ""),
                                result.get("message", ""), now))
            elif result["status"] == "accepted":
                # applied as sent, on a base no other device had moved: the hub's record after
                # it is this laptop's own, so its echo in a pull is skipped (see apply_page)
                echoes.append((result["seq"], change["record_id"]))
            elif change["op"] == "create":
                first_seen.append((result["seq"], change["record_id"]))
        with self._ws.transaction():
            db = self._ws.db
            db.executemany("DELETE FROM outbox WHERE seq = ?", answered)
            db.executemany(
                "INSERT INTO sync_issue (id, kind, record_kind, record_id, field, device_value, "
                "code, message, created_at) VALUES (?, 'rejected', ?, ?, '', ?, ?, ?, ?)", refused)
            db.executemany("INSERT OR REPLACE INTO sync_echo (seq, record_id) VALUES (?, ?)",
                           echoes)
            # the hub sequence this laptop now holds (nobody can have changed a record before
            # the hub first saw it)
            db.executemany("UPDATE records SET server_seq = ?1 WHERE id = ?2 AND "
                           "coalesce(server_seq, 0) < ?1", echoes)
            db.executemany("UPDATE records SET server_seq = ? WHERE id = ? AND "
                           "server_seq IS NULL", first_seen)
            self._ws.audit.append(AuditAction.SYNC, reason=f"pushed {len(sent)} changes")

    # -- pull ----------------------------------------------------------------------------

    def _pending_fields(self, record_id: str) -> tuple[set[str] | None, bool]:
        """(fields with local changes waiting, None meaning all of them; a delete waiting)."""
        names: set[str] = set()
        deleting = False
        for op, fields in self._ws.db.execute(
                "SELECT op, fields FROM outbox WHERE record_id = ?", (record_id,)):
            if op == "create":
                return None, False
            if op == "delete":
                deleting = True
            names.update(json.loads(fields))
        return names, deleting

    def apply_page(self, changes: list[dict[str, Any]], next_cursor: int,
                   evict: list[str] | tuple[str, ...] = (), *,
                   pulled: bool = True) -> PullOutcome:
        """Apply one pulled page and store the cursor after it, in one transaction.

        ``evict``: people no longer in this laptop's scope (allocated to another worker); they
        and every record of theirs are removed from this laptop, not just marked deleted.

        A change this laptop made itself and the hub accepted as sent (its echo) is skipped:
        the laptop holds it already. That holds only while nothing else about the record came
        in meanwhile, so any other change applied to a record drops the echoes of its later
        changes, which are then applied like any other. ``pulled=False``: a record fetched
        out of order (the hub's copy after a refusal), never taken for an echo.
        """
        applied = skipped = own = removed = 0
        now = datetime.now(UTC).isoformat()
        with self._ws.transaction():
            db = self._ws.db
            if evict:
                removed = self._evict(list(evict))
            waiting = db.execute("SELECT 1 FROM sync_echo LIMIT 1").fetchone() is not None
            echoes = self._echoes(changes) if pulled and waiting else {}
            for hc in changes:
                kind, rid = hc["record_kind"], hc["record_id"]
                if echoes.get(hc["seq"]) == rid:
                    own += 1
                    continue
                if waiting:
                    self._forget_echoes(rid, echoes)
                model = RECORD_TYPES[kind]
                try:
                    record = model.model_validate({"id": rid, **hc["fields"]})
                except ValidationError:
                    skipped += 1  # written by a newer app version; kept on the hub
                    continue
                row = db.execute("SELECT kind, version, server_seq, deleted, data FROM records "
                                 "WHERE id = ?", (rid,)).fetchone()
                content = record.content()
                if row is None:
                    db.execute(
                        "INSERT INTO records (id, kind, person_id, version, server_seq, deleted, "
                        "created_at, updated_at, created_by, data, search_text) "
                        "VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
                        (rid, kind, content.get("person_id"), hc["seq"], int(hc["deleted"]),
                         now, now, hc.get("created_by") or "hub",
                         record.model_dump_json(exclude=_BOOKKEEPING), _search(record)))
                    applied += 1
                    continue
                local_kind, version, server_seq, deleted, data = row
                if local_kind != kind:
                    skipped += 1
                    continue
                local = json.loads(data)
                pending, deleting = self._pending_fields(rid)
                if pending is None:
                    merged, new_deleted = local, bool(deleted)
                else:
                    merged = {**content, **{k: local[k] for k in pending if k in local}}
                    new_deleted = bool(deleted) if deleting else bool(hc["deleted"])
                seq = max(server_seq or 0, hc["seq"])
                if merged == local and new_deleted == bool(deleted):
                    db.execute("UPDATE records SET server_seq = ? WHERE id = ?", (seq, rid))
                    continue
                if kind == "submission":
                    skipped += 1  # final forms never change; a difference is not applied
                    continue
                try:
                    fresh = model.model_validate({"id": rid, **merged})
                except ValidationError:
                    skipped += 1
                    continue
                db.execute(
                    "UPDATE records SET version = ?, server_seq = ?, deleted = ?, updated_at = ?, "
                    "data = ?, search_text = ?, person_id = ? WHERE id = ?",
                    (version + 1, seq, int(new_deleted), now,
                     fresh.model_dump_json(exclude=_BOOKKEEPING), _search(fresh),
                     merged.get("person_id"), rid))
                applied += 1
            if pulled:  # the echoes of this page, and of changes not shown to this laptop
                db.execute("DELETE FROM sync_echo WHERE seq <= ?", (next_cursor,))
            self._set_meta(_CURSOR_KEY, str(next_cursor))
            if applied:
                self._ws.audit.append(AuditAction.SYNC, reason=f"received {applied} changes")
        return PullOutcome(received=len(changes), applied=applied, skipped=skipped,
                           removed=removed, own=own)

    def _echoes(self, changes: list[dict[str, Any]]) -> dict[int, str]:
        """{hub seq: record id} of this laptop's accepted changes in the page's range."""
        if not changes:
            return {}
        seqs = [hc["seq"] for hc in changes]
        return dict(self._ws.db.execute(
            "SELECT seq, record_id FROM sync_echo WHERE seq BETWEEN ? AND ?",
            (min(seqs), max(seqs))).fetchall())

    def _forget_echoes(self, record_id: str, page: dict[int, str]) -> None:
        """Something other than this laptop's own change reached the record: the hub's record
        after this laptop's later changes is no longer known to be the laptop's own."""
        self._ws.db.execute("DELETE FROM sync_echo WHERE record_id = ?", (record_id,))
        if page:
            for seq in [s for s, rid in page.items() if rid == record_id]:
                del page[seq]

    def _evict(self, people: list[str]) -> int:
        db = self._ws.db
        marks = ",".join("?" * len(people))
        ids = [rid for (rid,) in db.execute(
            f"SELECT id FROM records WHERE id IN ({marks}) OR person_id IN ({marks})",
            (*people, *people))]
        if not ids:
            return 0
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            where = ",".join("?" * len(chunk))
            db.execute(f"DELETE FROM outbox WHERE record_id IN ({where})", chunk)
            db.execute(f"DELETE FROM sync_echo WHERE record_id IN ({where})", chunk)
            # a refused change stays listed (its person should know), but without the values
            db.execute(f"DELETE FROM sync_issue WHERE kind = 'conflict' AND record_id IN "
                       f"({where})", chunk)
            db.execute(f"UPDATE sync_issue SET base_value = 'null', hub_value = 'null', "
                       f"device_value = 'null' WHERE record_id IN ({where})", chunk)
            db.execute(f"DELETE FROM records WHERE id IN ({where})", chunk)
        self._ws.audit.append(AuditAction.SYNC, reason=f"removed {len(ids)} records of "
                              f"{len(people)} people no longer in this caseload")
        return len(ids)

    # -- conflicts and refused changes ---------------------------------------------------

    def set_conflicts(self, conflicts: list[dict[str, Any]]) -> None:
        """Replace the open conflicts with the hub's current list."""
        with self._ws.transaction():
            db = self._ws.db
            db.execute("DELETE FROM sync_issue WHERE kind = 'conflict'")
            db.executemany(
                "INSERT INTO sync_issue (id, kind, record_kind, record_id, field, base_value, "
                "hub_value, device_value, created_at) VALUES (?, 'conflict', ?, ?, ?, ?, ?, ?, ?)",
                [(c["id"], c["record_kind"], c["record_id"], c["field"],
                  json.dumps(c["base_value"]), json.dumps(c["hub_value"]),
                  json.dumps(c["device_value"]), c["created_at"]) for c in conflicts])

    def issues(self, kind: str | None = None) -> list[Issue]:
        sql = ("SELECT id, kind, record_kind, record_id, field, base_value, hub_value, "
               "device_value, code, message, created_at FROM sync_issue")
        args: tuple[Any, ...] = ()
        if kind:
            sql += " WHERE kind = ?"
            args = (kind,)
        return [Issue(r[0], r[1], RecordKind(r[2]), r[3], r[4], json.loads(r[5]),
                      json.loads(r[6]), json.loads(r[7]), r[8], r[9], r[10])
                for r in self._ws.db.execute(sql + " ORDER BY created_at, id", args)]

    def conflict_count(self) -> int:
        return self.issue_count("conflict")

    def issue_count(self, kind: str) -> int:
        """How many open issues of ``kind`` ('conflict', 'rejected'), without reading them."""
        return self._count("SELECT count(*) FROM sync_issue WHERE kind = ?", (kind,))

    def _count(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        row = self._ws.db.execute(sql, args).fetchone()
        return int(row[0]) if row else 0

    def dismiss(self, issue_id: str) -> None:
        """Forget a refused change once a person has read it (conflicts are settled on the hub)."""
        with self._ws.transaction():
            self._ws.db.execute("DELETE FROM sync_issue WHERE id = ? AND kind = 'rejected'",
                                (issue_id,))

    def settled(self, issue_id: str) -> None:
        with self._ws.transaction():
            self._ws.db.execute("DELETE FROM sync_issue WHERE id = ?", (issue_id,))


def _search(record: Record) -> str:
    return record.search_text() if isinstance(record, Person) else ""


def _reason(summary: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in summary.items() if isinstance(v, int))


def shred(folder: Path) -> list[str]:
    """Crypto-shred a workspace: overwrite and delete the key file, then delete the database.

    Without the key file the database is unreadable ciphertext; it is deleted as well. Returns
    the names removed. The workspace must be closed first.
    """
    from cse_desktop.store.workspace import Workspace

    removed = []
    key = Workspace.key_path(folder)
    if key.exists():
        size = key.stat().st_size
        with open(key, "r+b") as fh:
            fh.write(os.urandom(max(size, 1)))
            fh.flush()
            os.fsync(fh.fileno())
        key.unlink()
        removed.append(key.name)
    db = Workspace.db_path(folder)
    rekeyed = db.with_name(db.name + ".rekey")  # a re-key's copy (store/rekey.py)
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"), rekeyed):
        if path.exists():
            path.unlink()
            removed.append(path.name)
    backups = Workspace.backups_path(folder)
    if backups.is_dir():  # the automatic pre-upgrade backups hold the wrapped key too
        for path in backups.iterdir():
            path.unlink()
            removed.append(f"{backups.name}/{path.name}")
        backups.rmdir()
    return removed
