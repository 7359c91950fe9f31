"""A pull page: the changes after a cursor, as the one JSON text the answer carries.

Each change is stored as the JSON a page carries it in (``changes.item``); a page is those
texts joined by commas, never parsed and encoded again. It holds at most ``limit`` changes and
stops at about :data:`PAGE_BYTES` of them (always at least one). One change more than the
page is read, to tell whether another page follows (a full last page is done, and the laptop
is spared a request for an empty one).

The rows are joined here, not by the database: PostgreSQL's ``string_agg`` over a page of a
thousand changes cost it 0.9 ms more than sending the rows, and saved Python only 0.3 ms
(measured on this 2-core machine; see bench/README.md).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from cse_desktop.hub import tables as t

#: a pull page stops at about this much text of changes (characters: bytes for the ASCII
#: most of it is)
PAGE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Page:
    #: the changes' JSON texts joined by commas (no brackets)
    items: str
    #: the seq of the page's last change (None: an empty page)
    last: int | None
    #: nothing more follows up to the bound the query read to
    done: bool


def read_page(conn: sa.Connection, where: sa.ColumnElement[bool], limit: int) -> Page:
    """The page of changes matching ``where``, in seq order."""
    c = t.changes.c
    # the driver's own tuples: a Row around each costs 40 % more, a thousand times a page
    # (these two columns need no conversion on either backend, and nothing has fetched from
    # the cursor before: no streaming or buffering options are set here)
    with conn.execute(sa.select(c.seq, c.item).where(where).order_by(c.seq)
                      .limit(limit + 1)) as result:
        rows: Sequence[tuple[int, str]] = result.cursor.fetchall()
    done = len(rows) <= limit
    items = [row[1] for row in rows[:limit]]
    keep = max(1, bisect.bisect_right(
        list(itertools.accumulate(map(len, items))), PAGE_BYTES))
    if keep < len(items):
        items, done = items[:keep], False
    return Page(",".join(items), rows[len(items) - 1][0] if items else None, done)
