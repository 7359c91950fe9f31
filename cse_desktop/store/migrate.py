"""Numbered SQL migrations, tracked by ``PRAGMA user_version``.

``migrations/NNNN_name.sql`` files are applied in order, all pending ones in one transaction
together with the ``user_version`` bumps, so a crash leaves the database at the old or the new
schema, never between.  Opening a workspace of an older schema first makes an automatic
encrypted backup (see ``Workspace``).  A released migration is never edited: add a new one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib import resources

from cse_desktop.domain.errors import CseError
from cse_desktop.domain.models import Person
from cse_desktop.store.connection import Connection, complete_statement

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) for every migration shipped, in order."""
    found = []
    for entry in resources.files("cse_desktop.store.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..N without gaps: {numbers}")
    return found


def _refresh_person_search(conn: Connection) -> None:
    """After 0002: the search text as the repository writes it (Unicode case-folding)."""
    rows = conn.execute("SELECT id, data FROM records WHERE kind = 'person'").fetchall()
    for record_id, data in rows:
        text = Person.model_validate(json.loads(data)).search_text()
        conn.execute("UPDATE records SET search_text = ? WHERE id = ?", (text, record_id))


#: Python steps run inside a migration's transaction, after its SQL.
PYTHON_STEPS: dict[int, Callable[[Connection], None]] = {2: _refresh_person_search}

LATEST = len(migrations())


def schema_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def upgrade(conn: Connection, target: int = LATEST) -> list[int]:
    """Apply the migrations above the current version up to ``target``; returns those applied.

    All of them run in **one** transaction: a failure or a kill at any point leaves the
    workspace exactly as it was, at its old schema.
    """
    current = schema_version(conn)
    if current > LATEST:
        raise CseError("This workspace was made by a newer version of CSE Desktop. "
                       "Update the application to open it.")
    pending = [(n, sql) for n, _name, sql in migrations() if current < n <= target]
    if not pending:
        return []
    try:
        conn.execute("BEGIN IMMEDIATE")
        for number, sql in pending:
            for statement in _statements(sql):
                conn.execute(statement)
            if number in PYTHON_STEPS:
                PYTHON_STEPS[number](conn)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return [n for n, _ in pending]


def _statements(sql: str) -> list[str]:
    """A migration's SQL as single statements (``executescript`` would commit first, breaking
    the one-transaction upgrade); trigger bodies stay whole."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
