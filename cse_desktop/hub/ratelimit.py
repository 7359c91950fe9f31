"""Rate limits shared by every worker process: the attempts that count are rows in the hub
database (``rate_limit_attempts``), so ``cse-hub serve --workers N`` holds an address to the
same limit as one process does.

* **One step.** :meth:`RateLimiter.attempt` checks and records in one transaction: an attempt
  is recorded only when it is allowed, and refused ones are not (so a flood does not extend
  its own wait, and an address never has more than ``limit`` rows in a window). A check then a
  separate record would let a burst of requests all pass the check before any was recorded.
* **Atomic across workers.** On PostgreSQL the transaction first takes a transaction-scoped
  advisory lock on the (kind, address) pair, so the attempts of one address are counted one
  after another and ``limit`` is exact; other addresses are not held up. (The two-key form:
  its locks never meet the one-key locks of :mod:`cse_desktop.hub.db`.) SQLite has one writer
  at a time (``BEGIN IMMEDIATE``), which does the same.
* **Time** is the wall clock (seconds since the epoch), the same in every process on the
  machine; ``time.monotonic`` differs from process to process.
* **Bounded.** Each recorded attempt also looks at the :data:`SWEEP` oldest rows of its kind
  and deletes those that have expired (on PostgreSQL one transaction sweeps at a time; the
  others skip it rather than wait), so expired rows can go a hundred times as fast as rows
  come, and a check reads at most ``limit`` rows of one address through an index, however
  many addresses flood the hub. Both walk an index a bounded way whatever the planner's
  statistics say; on PostgreSQL each statement is planned as it runs, as in every writer
  (:func:`cse_desktop.hub.db.writer`), because a pooled connection otherwise keeps the plan it
  made while the table was nearly empty (a sweep then read every expired row: 25 ms with
  100,000 of them, against 2 ms now).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

import sqlalchemy as sa

from cse_desktop.hub.db import writer
from cse_desktop.hub.tables import rate_limit_attempts as attempts

#: the most expired rows one recorded attempt deletes
SWEEP = 100
#: the first key of this module's advisory locks ("RL"); sweepers lock (_LOCKS + 1, 0)
_LOCKS = 0x524C
#: PostgreSQL: this pair's lock, and the sweepers' lock if free
_BEGIN = sa.text("SELECT pg_advisory_xact_lock(CAST(:ns AS integer), CAST(:key AS integer)), "
                 "pg_try_advisory_xact_lock(CAST(:ns AS integer) + 1, 0)")


class RateLimiter:
    """At most ``limit`` attempts of one ``kind`` (``enrol``, ``auth_failure``) per ``window``
    seconds from each client address, counted in the hub database."""

    def __init__(self, engine: sa.Engine, kind: str, limit: int, window: float, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine, self.kind, self.limit, self.window = engine, kind, limit, window
        self._clock = clock

    def attempt(self, key: str) -> float:
        """An attempt from address ``key``: 0 when it is allowed (and then it is recorded),
        else the seconds until the address may try again (at least 1; nothing recorded)."""
        source = key[:100]
        c = attempts.c
        with writer(self.engine, serialised=False) as conn:
            sweeper = True
            if conn.dialect.name == "postgresql":
                sweeper = bool(conn.execute(_BEGIN, {"ns": _LOCKS,
                                                    "key": _lock_key(self.kind, source)}).one()[1])
            now = self._clock()
            cutoff = now - self.window
            count, oldest = conn.execute(
                sa.select(sa.func.count(), sa.func.min(c.at))
                .where(c.kind == self.kind, c.source == source, c.at > cutoff)).one()
            if count >= self.limit:
                return max(1.0, float(oldest) + self.window - now)
            conn.execute(attempts.insert().values(kind=self.kind, source=source, at=now))
            if sweeper:  # the oldest SWEEP rows of this kind, then those of them expired: a
                # bounded walk of the index however many are expired, whatever the statistics
                oldest_rows = (sa.select(c.id, c.at).where(c.kind == self.kind)
                               .order_by(c.at).limit(SWEEP).subquery())
                expired = sa.select(oldest_rows.c.id).where(oldest_rows.c.at <= cutoff)
                conn.execute(attempts.delete().where(c.id.in_(expired)))
        return 0.0


def _lock_key(kind: str, source: str) -> int:
    """A 32-bit lock key for one kind and address (two pairs sharing one only wait for each
    other a moment)."""
    return int.from_bytes(hashlib.sha256(f"{kind}\0{source}".encode()).digest()[:4], "big",
                          signed=True)
