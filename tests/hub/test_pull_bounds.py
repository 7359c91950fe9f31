"""Pulls of one moment share one reading of their bounds on PostgreSQL (hub/db.py,
``PullBounds``).

A reading serves the pulls that follow it for ``FRESH_FOR``; such a pull may be behind a
commit of *another* process (another worker) by that long, never behind one of this process
that numbered changes, and never tells a laptop whose cursor is past the reading that the hub
is behind it. The other process here is real: a second Python process pushing to the same
database. On SQLite every pull reads its bounds afresh.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import sqlalchemy as sa

from cse_desktop.domain.ids import RecordKind, new_id
from cse_desktop.hub import db
from cse_desktop.hub.devices import Device
from cse_desktop.hub.repository import Hub
from cse_desktop.sync.protocol import Change, PushRequest

TEAM = "North Team"
FOREVER = 3600.0  # a reading that stays fresh for the whole test: no timing in the asserts

_OTHER_WORKER = """
import sys
from cse_desktop.domain.ids import new_id
from cse_desktop.hub import db
from cse_desktop.hub.repository import Hub
from cse_desktop.sync.protocol import Change, PushRequest

hub = Hub(db.make_engine(sys.argv[1]))
device = hub.authenticate(sys.argv[2])
change = Change(change_id=new_id(), record_kind="person", record_id=new_id(), op="create",
                version=1, base_version=0,
                fields={"given_name": "Other", "family_name": "Worker", "dob": "2011-02-03"})
print(hub.push(device, PushRequest(changes=[change])).results[0].seq)
"""


def create() -> Change:
    return Change(change_id=new_id(), record_kind=RecordKind.PERSON, record_id=new_id(),
                  op="create", version=1, base_version=0,
                  fields={"given_name": "Ava", "family_name": "Example", "dob": "2010-04-01"})


@pytest.fixture
def setup(pg_cluster: Any) -> tuple[Hub, Device, Device, str, str]:
    """A hub on PostgreSQL with two devices of one team; the first's token, for the other
    process."""
    return _setup(str(pg_cluster.create_database(f"hub_bounds_{new_id()[:8]}")))


def _setup(db_url: str) -> tuple[Hub, Device, Device, str, str]:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    hub = Hub(engine)
    hub.add_team(TEAM)
    tokens = []
    for name in ("Worker A (fictional)", "Worker B (fictional)"):
        hub.add_user(name, team=TEAM)
        tokens.append(hub.enrol(hub.new_enrolment_code(name)[0], name).token)
    a, b = (hub.authenticate(token) for token in tokens)
    return hub, a, b, db_url, tokens[0]


def other_worker_pushes(url: str, token: str) -> int:
    out = subprocess.run([sys.executable, "-c", _OTHER_WORKER, url, token], check=True,
                         capture_output=True, text=True, timeout=120)
    return int(out.stdout.strip().splitlines()[-1])


def test_a_reading_serves_the_pulls_that_follow_it_and_no_longer(setup: Any) -> None:
    hub, _a, b, url, token = setup
    hub.bounds.FRESH_FOR = FOREVER
    assert hub.pull(b, 0, 1000).changes == []  # the reading: nothing yet
    seq = other_worker_pushes(url, token)
    # another worker committed after the reading: this one's pulls may be behind it ...
    page = hub.pull(b, 0, 1000)
    assert page.changes == [] and page.next == 0 and page.done
    # ... only while the reading is fresh; then the change comes, nothing skipped
    hub.bounds.FRESH_FOR = 0.0
    page = hub.pull(b, page.next, 1000)
    assert [c.seq for c in page.changes] == [seq]


def test_a_commit_of_this_process_is_seen_at_once(setup: Any) -> None:
    hub, a, b, _url, _token = setup
    hub.bounds.FRESH_FOR = FOREVER
    assert hub.pull(b, 0, 1000).changes == []
    seq = hub.push(a, PushRequest(changes=[create()])).results[0].seq
    assert [c.seq for c in hub.pull(b, 0, 1000).changes] == [seq]


def test_a_cursor_past_the_reading_gets_a_new_one_not_cursor_ahead(setup: Any) -> None:
    hub, _a, b, url, token = setup
    hub.bounds.FRESH_FOR = FOREVER
    assert hub.pull(b, 0, 1000).next == 0
    # the laptop learned of a newer change from another worker, and comes here with it
    seq = other_worker_pushes(url, token)
    page = hub.pull(b, seq, 1000)
    assert page.changes == [] and page.next == seq and page.done


def test_the_pulls_of_one_moment_read_their_bounds_once(setup: Any) -> None:
    hub, a, b, _url, _token = setup
    hub.push(a, PushRequest(changes=[create() for _ in range(3)]))
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    hub.bounds.FRESH_FOR = FOREVER
    sa.event.listen(hub.engine, "before_cursor_execute", seen)
    try:
        pages = [hub.pull(b, 0, 1000) for _ in range(10)]
        # commits that number no change (a failed sign-in's audit, a rate-limit attempt) do
        # not move the bounds, and do not throw the reading away
        hub.record_auth_failure("unknown credential", "192.0.2.1")
        pages += [hub.pull(b, 0, 1000) for _ in range(10)]
    finally:
        sa.event.remove(hub.engine, "before_cursor_execute", seen)
    assert all(len(p.changes) == 3 for p in pages)
    bounds = [s for s in statements if "max(" in s.lower() and "seq)" in s]
    assert len(bounds) == 1, bounds


def test_on_sqlite_every_pull_reads_its_bounds_afresh(tmp_path: Any) -> None:
    hub, _a, b, url, token = _setup(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    hub.bounds.FRESH_FOR = FOREVER
    assert hub.pull(b, 0, 1000).changes == []
    seq = other_worker_pushes(url, token)
    assert [c.seq for c in hub.pull(b, 0, 1000).changes] == [seq]
