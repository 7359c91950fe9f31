"""Rate limits counted in the hub database (``hub/ratelimit.py``), on SQLite and PostgreSQL.

An address gets ``limit`` attempts per window and then waits until its oldest attempt leaves
the window; attempts from separate engines (as from separate worker processes) at the same
moment never pass the limit together; expired attempts stop counting and are swept away a
bounded batch at a time. ``test_workers.py`` checks the limits across real worker processes.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from cse_desktop.hub import db
from cse_desktop.hub.ratelimit import SWEEP, RateLimiter
from cse_desktop.hub.tables import rate_limit_attempts as attempts


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def rows(engine: sa.Engine) -> list[tuple[str, str, float]]:
    with engine.connect() as conn:
        c = attempts.c
        return [tuple(r) for r in conn.execute(sa.select(c.kind, c.source, c.at)
                                                .order_by(c.kind, c.source, c.at))]


def test_an_address_waits_until_its_oldest_attempt_leaves_the_window(engine: sa.Engine) -> None:
    clock = Clock()
    start = clock.now
    limiter = RateLimiter(engine, "enrol", 3, 100.0, clock=clock)
    for step in range(3):
        clock.now = start + 10 * step
        assert limiter.attempt("192.0.2.1") == 0
    clock.now = start + 30
    assert limiter.attempt("192.0.2.1") == pytest.approx(70.0)  # Retry-After
    assert limiter.attempt("192.0.2.2") == 0  # another address is not held up
    # another kind of attempt from the same address counts against its own limit
    assert RateLimiter(engine, "auth_failure", 3, 100.0, clock=clock).attempt("192.0.2.1") == 0
    clock.now = start + 99.5
    assert limiter.attempt("192.0.2.1") == 1.0  # never less than a second
    clock.now = start + 100  # the first attempt has left the window
    assert limiter.attempt("192.0.2.1") == 0
    assert limiter.attempt("192.0.2.1") == pytest.approx(10.0)
    # refused attempts were not recorded (a flood does not lengthen its own wait), and the
    # attempt that left the window was swept away
    assert [at - start for kind, source, at in rows(engine)
            if (kind, source) == ("enrol", "192.0.2.1")] == [10, 20, 100]


def test_expired_attempts_do_not_count_and_are_swept_a_batch_at_a_time(
        engine: sa.Engine) -> None:
    clock = Clock()
    window = 300.0
    old = clock.now - window - 1
    with engine.begin() as conn:  # a flood from many addresses, five minutes ago and more
        conn.execute(attempts.insert(), [
            {"kind": "enrol", "source": f"198.51.100.{n % 250}", "at": old - n}
            for n in range(2 * SWEEP + 50)])
        conn.execute(attempts.insert(), [  # still in the window: kept
            {"kind": "enrol", "source": "203.0.113.1", "at": clock.now - 10}])
        conn.execute(attempts.insert(), [  # another kind (its own window): not this sweep's
            {"kind": "auth_failure", "source": "198.51.100.7", "at": old}])
    limiter = RateLimiter(engine, "enrol", 2, window, clock=clock)

    def expired() -> int:
        return sum(1 for kind, _, at in rows(engine) if kind == "enrol" and at <= clock.now
                   - window)

    assert limiter.attempt("198.51.100.7") == 0  # its old attempts do not count
    assert expired() == SWEEP + 50  # the oldest SWEEP went, and no more
    assert limiter.attempt("198.51.100.8") == 0
    assert expired() == 50
    assert limiter.attempt("198.51.100.7") == 0
    assert expired() == 0
    assert limiter.attempt("198.51.100.7") > 0  # two in the window: the limit
    assert rows(engine) == [("auth_failure", "198.51.100.7", old),
                            ("enrol", "198.51.100.7", clock.now),
                            ("enrol", "198.51.100.7", clock.now),
                            ("enrol", "198.51.100.8", clock.now),
                            ("enrol", "203.0.113.1", clock.now - 10)]


def test_attempts_at_the_same_moment_from_two_engines_never_pass_the_limit_together(
        db_url: str, engine: sa.Engine) -> None:
    other = db.make_engine(db_url)  # as a second worker process has its own
    limiters = [RateLimiter(e, "auth_failure", 10, 300.0) for e in (engine, other)]
    answers: list[float] = []
    barrier = threading.Barrier(8)

    def attack(n: int) -> None:
        barrier.wait()
        for _ in range(5):
            answers.append(limiters[n % 2].attempt("192.0.2.99"))

    try:
        threads = [threading.Thread(target=attack, args=(n,)) for n in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
    finally:
        other.dispose()
    assert len(answers) == 40
    assert answers.count(0) == 10
    assert all(1 <= wait <= 300 for wait in answers if wait)
    assert len(rows(engine)) == 10


def test_a_long_address_is_cut_to_the_column(engine: sa.Engine) -> None:
    limiter = RateLimiter(engine, "enrol", 1, 300.0)
    assert limiter.attempt("x" * 500) == 0
    assert limiter.attempt("x" * 100 + "y") > 0  # the same first 100 characters
    assert [len(r[1]) for r in rows(engine)] == [100]
