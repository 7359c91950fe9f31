"""The outbox: one row per local change, written in the same transaction as the change.

Sync (a later layer) pushes these rows to the hub and removes each only after the hub's answer
is stored locally.  ``change_id`` is made here, once, so a retried push is idempotent.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cse_desktop.domain.ids import new_id

if TYPE_CHECKING:
    from cse_desktop.store.workspace import Workspace


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    change_id: str
    record_kind: str
    record_id: str
    op: str
    version: int
    base_version: int
    base_seq: int | None
    fields: dict[str, Any]
    created_at: str


def _entry(row: tuple) -> OutboxEntry:
    seq, change_id, kind, record_id, op, version, base_version, base_seq, fields, created = row
    return OutboxEntry(seq, change_id, kind, record_id, op, version, base_version, base_seq,
                       json.loads(fields), created)


#: The outbox tally counted afresh, as the triggers of migration 0006 keep it: rows of records
#: other than forms; final forms with rows; drafts (not deleted) with rows.
_RECOUNT_SQL = (
    "SELECT (SELECT count(*) FROM outbox WHERE record_kind <> 'submission'), "
    "coalesce(sum(status = 'final'), 0), coalesce(sum(status = 'draft' AND deleted = 0), 0) "
    "FROM (SELECT json_extract(r.data, '$.status') AS status, r.deleted "
    "      FROM (SELECT DISTINCT record_id FROM outbox WHERE record_kind = 'submission') o "
    "      JOIN records r ON r.id = o.record_id AND r.kind = 'submission')")
TALLIES = ("change", "final", "draft")
#: where a form (``r``, a records row) counts in the tally; NULL: nowhere
_FORM_STATE = ("CASE WHEN json_extract(r.data, '$.status') = 'final' THEN 'final' "
               "WHEN r.deleted = 0 AND json_extract(r.data, '$.status') = 'draft' THEN 'draft' "
               "END")

_COLUMNS = ("seq, change_id, record_kind, record_id, op, version, base_version, base_seq, "
            "fields, created_at")


class Outbox:
    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._tallied = False

    def add(self, *, record_kind: str, record_id: str, op: str, version: int, base_version: int,
            base_seq: int | None, fields: dict[str, Any]) -> str:
        return self.add_encoded(record_kind=record_kind, record_id=record_id, op=op,
                                version=version, base_version=base_version, base_seq=base_seq,
                                fields=json.dumps(fields, ensure_ascii=False,
                                                  separators=(",", ":")))

    def add_encoded(self, *, record_kind: str, record_id: str, op: str, version: int,
                    base_version: int, base_seq: int | None, fields: str) -> str:
        """As :meth:`add`, with ``fields`` already encoded as a JSON object."""
        change_id = new_id()
        self._ws.db.execute(
            "INSERT INTO outbox (change_id, record_kind, record_id, op, version, base_version, "
            "base_seq, fields, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (change_id, record_kind, record_id, op, version, base_version, base_seq, fields,
             datetime.now(UTC).isoformat()))
        self._count_added([(record_kind, record_id)])
        return change_id

    def add_encoded_many(self, rows: list[tuple[str, str, str, int, int, int | None, str]], *,
                         at: datetime | None = None) -> None:
        """Many changes at once: (kind, record id, op, version, base version, base seq,
        fields JSON) each."""
        when = (at or datetime.now(UTC)).isoformat()
        self._ws.db.executemany(
            "INSERT INTO outbox (change_id, record_kind, record_id, op, version, base_version, "
            "base_seq, fields, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(new_id(), *row, when) for row in rows])
        self._count_added([(row[0], row[1]) for row in rows])

    def _count_added(self, added: list[tuple[str, str]]) -> None:
        """Count rows just added into the tally: each change to a record other than a form, and
        each form whose first rows these are, under what the form is now. (Rows leaving and
        forms changing are counted by the triggers of migration 0006.)"""
        if not self._tallied:  # a workspace kept at an older schema (migration tests)
            if not self._has_tally():
                return
            self._tallied = True
        db = self._ws.db
        changes = sum(kind != "submission" for kind, _ in added)
        if changes:
            db.execute("UPDATE outbox_tally SET n = n + ? WHERE what = 'change'", (changes,))
        forms = Counter(rid for kind, rid in added if kind == "submission")
        ids = list(forms)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for rid, rows, what in db.execute(
                    f"SELECT o.record_id, count(*), {_FORM_STATE} FROM outbox o "
                    f"LEFT JOIN records r ON r.id = o.record_id AND r.kind = 'submission' "
                    f"WHERE o.record_id IN ({marks}) GROUP BY o.record_id", chunk):
                if what is not None and rows == forms[rid]:
                    db.execute("UPDATE outbox_tally SET n = n + 1 WHERE what = ?", (what,))

    def pending(self, limit: int | None = None) -> list[OutboxEntry]:
        sql = f"SELECT {_COLUMNS} FROM outbox ORDER BY seq"
        rows = self._ws.db.execute(sql + (" LIMIT ?" if limit else ""),
                                   (limit,) if limit else ()).fetchall()
        return [_entry(row) for row in rows]

    def count(self) -> int:
        return int(self._ws.db.execute("SELECT count(*) FROM outbox").scalar())

    def tally(self) -> dict[str, int]:
        """What the outbox holds, read from the tally its triggers keep (microseconds, however
        long the backlog): ``change`` rows of records other than forms, ``final`` forms and
        ``draft`` forms (not deleted) with rows."""
        found = dict(self._ws.db.execute("SELECT what, n FROM outbox_tally").fetchall())
        return {what: int(found.get(what, 0)) for what in TALLIES}

    def recount(self) -> dict[str, int]:
        """The same as :meth:`tally`, counted from the rows (slow with a long backlog)."""
        row = self._ws.db.execute(_RECOUNT_SQL).fetchone() or (0, 0, 0)
        return dict(zip(TALLIES, (int(n) for n in row), strict=True))

    def _has_tally(self) -> bool:  # absent from workspaces older than schema 6
        return self._ws.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                   "name = 'outbox_tally'").fetchone() is not None

    def _has_sync_issues(self) -> bool:  # absent from workspaces older than schema 3
        return self._ws.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                   "name = 'sync_issue'").fetchone() is not None

    def problems(self) -> list[str]:
        """Where the outbox and the records disagree (empty when consistent).

        * every outbox row names a record that exists, at a version it has reached;
        * a live record the hub has never seen has its latest version waiting in the outbox
          (unless the hub refused it, which is kept as a sync issue for a person to read);
        * the tally of waiting changes agrees with the rows.

        (A record with changes waiting may be further on than them: a pulled change moves the
        local version on without an outbox row.)
        """
        db = self._ws.db
        found = [f"outbox change for missing record {rid}" for (rid,) in db.execute(
            "SELECT o.record_id FROM outbox o LEFT JOIN records r ON r.id = o.record_id "
            "WHERE r.id IS NULL LIMIT 20")]
        found += [f"outbox change ahead of record {rid}" for (rid,) in db.execute(
            "SELECT o.record_id FROM outbox o JOIN records r ON r.id = o.record_id "
            "WHERE o.version > r.version LIMIT 20")]
        found += [f"record {rid} has a change that is not in the outbox" for (rid,) in db.execute(
            "SELECT r.id FROM records r LEFT JOIN "
            "(SELECT record_id, max(version) AS v FROM outbox GROUP BY record_id) o "
            "ON o.record_id = r.id "
            "WHERE r.server_seq IS NULL AND r.deleted = 0 AND (o.v IS NULL OR o.v <> r.version) "
            + ("AND r.id NOT IN (SELECT record_id FROM sync_issue WHERE kind = 'rejected') "
               if self._has_sync_issues() else "") + "LIMIT 20")]
        if self._has_tally() and (kept := self.tally()) != (counted := self.recount()):
            found.append(f"outbox tally {kept} differs from its rows {counted}")
        return found
