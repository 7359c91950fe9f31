"""A cache of per-person summaries that a higher layer works out from the records.

The store keeps the table (``person_summary``, migration 5) and its invalidation: triggers on
``records`` drop a person's row whenever one of their episodes or forms is inserted, updated
or deleted, in the same transaction as the write.  What a summary says is the caller's
business (``casework.caseload_facts``): here it is JSON text tagged with the version of the
rules that wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cse_desktop.store.workspace import Workspace


class PersonSummaries:
    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    def read(self, rules: int) -> dict[str, str]:
        """Every stored summary written under ``rules``, by person id."""
        return dict(self._ws.db.execute(
            "SELECT person_id, facts FROM person_summary WHERE rules = ?", (rules,)).fetchall())

    def write(self, rules: int, summaries: Iterable[tuple[str, str]]) -> None:
        """Store ``(person_id, JSON text)`` summaries worked out under ``rules``, in one
        transaction (joining the caller's, if any)."""
        with self._ws.transaction(join=True):
            self._ws.db.executemany(
                "INSERT OR REPLACE INTO person_summary (person_id, rules, facts) "
                "VALUES (?, ?, ?)", [(pid, rules, facts) for pid, facts in summaries])

    def count(self) -> int:
        row = self._ws.db.execute("SELECT count(*) FROM person_summary").fetchone()
        return int(row[0]) if row else 0
