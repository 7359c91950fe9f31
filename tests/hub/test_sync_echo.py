"""No echo: a laptop's own changes, accepted by the hub as sent, are not applied again when the
pull brings them back; and skipping them never hides another laptop's change.

Every test runs on SQLite and on PostgreSQL, with real laptops (encrypted workspaces) syncing
over HTTP with the real hub.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.hubserver import HubServer
from support.laptops import enrolled, person, records

from cse_desktop.domain.errors import SyncCancelled
from cse_desktop.domain.models import Episode, Submission
from cse_desktop.hub import tables as t
from cse_desktop.sync import engine


def _hub(server: HubServer) -> dict[str, dict]:
    """The hub's records of North Team, as :func:`support.laptops.records` gives a laptop's."""
    r = t.records.c
    with server.engine.connect() as conn:
        rows = conn.execute(sa.select(r.record_id, r.fields, r.deleted).join(
            t.teams, t.teams.c.id == r.team_id).where(t.teams.c.name == "North Team")).all()
    return {row.record_id: {**json.loads(row.fields), "deleted": bool(row.deleted)}
            for row in rows}


def _hub_seqs(server: HubServer) -> dict[str, int]:
    r = t.records.c
    with server.engine.connect() as conn:
        return {row.record_id: row.seq for row in conn.execute(sa.select(r.record_id, r.seq))}


def test_a_first_sync_applies_nothing_of_its_own(tmp_path: Path, hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    people = a.people.add_many([person(f"Echo{i}") for i in range(6)])
    a.episodes.add(Episode(person_id=people[0].id, started_at=people[0].created_at))
    a.people.update(a.people.get(people[1].id).model_copy(update={"school": "Elm Academy"}))
    a.episodes.delete(a.episodes.list()[0].id)
    form = a.submissions.add(Submission(form_id="rmm-review", form_version=1,
                                        person_id=people[2].id, answers={"n": 1}))
    a.submissions.finalise(form.id, outcome={})
    versions = {p.id: p.version for p in a.people.list()}
    first = engine.sync(a, batch=4, page=3)
    assert first.pushed == 10 and first.rejected == 0
    assert first.received == 10 and first.own == 10 and first.applied == 0
    assert first.skipped == 0 and "not applied" not in first.line()
    assert records(a) == _hub(hub_server)
    assert {p.id: p.version for p in a.people.list()} == versions  # nothing written again
    # the laptop holds each record at the hub's sequence number, as if it had applied the echo
    hub_seqs = _hub_seqs(hub_server)
    for kind in ("person", "episode", "submission"):
        for rec in a.repository_for(kind).list(include_deleted=True):
            assert rec.server_seq == hub_seqs[rec.id], kind
    assert a.db.execute("SELECT count(*) FROM sync_echo").scalar() == 0  # all used up
    again = engine.sync(a)
    assert again.pushed == again.received == 0


def test_two_laptops_editing_the_same_child_each_get_the_others_change(
        tmp_path: Path, hub_server: HubServer) -> None:
    """Different fields merge, the same field conflicts; a second laptop of the same user is
    another laptop: it gets the first one's changes."""
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    a2 = enrolled(tmp_path / "a2", hub_server, "Alex North")
    child = a.people.add(person("Shared"))
    engine.sync(a)
    engine.sync(b)
    engine.sync(a2)
    a.people.update(a.people.get(child.id).model_copy(update={"school": "A school",
                                                            "postcode": "ZZ1 1AA"}))
    b.people.update(b.people.get(child.id).model_copy(update={"address": "B address",
                                                            "postcode": "ZZ2 2BB"}))
    first = engine.sync(a)
    assert first.own == 1 and first.applied == 0
    second = engine.sync(b)
    assert second.conflicted == 1  # the postcode: both values kept for a person to choose
    assert second.applied >= 1  # A's school reached B (and B's merged record came back)
    for laptop in (a, b, a2):
        engine.sync(laptop)
    hub = _hub(hub_server)
    for laptop in (a, b, a2):
        assert records(laptop) == hub
        got = laptop.people.get(child.id)
        assert (got.school, got.address) == ("A school", "B address")
        assert got.postcode == hub[child.id]["postcode"]
    assert hub_server.hub.counts()["conflicts"] == 1


def test_an_echo_after_an_interrupted_pull_is_applied_not_skipped(
        tmp_path: Path, hub_server: HubServer) -> None:
    """A's pull stops after another laptop's change to a child, before A's own merged change
    to it; A edits the child again and syncs. The hub's record after A's new change is not
    what A held when it sent it (A's merged change came in between), so that echo is
    applied: skipping it would leave A without its own new value."""
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    child = a.people.add(person("Interrupted"))
    engine.sync(a)
    engine.sync(b)
    a.people.update(a.people.get(child.id).model_copy(update={"address": "1 A Road"}))
    b.people.update(b.people.get(child.id).model_copy(update={"school": "B School"}))
    engine.sync(b)

    stop = threading.Event()

    def after_first_page(phase: str, done: int, total: int) -> None:
        if phase == "pull" and done >= 1:
            stop.set()

    with pytest.raises(SyncCancelled):
        engine.sync(a, page=1, progress=after_first_page, cancel=stop)
    a.people.update(a.people.get(child.id).model_copy(update={"postcode": "ZZ9 9ZZ"}))
    summary = engine.sync(a)
    assert summary.pushed == 1
    got = a.people.get(child.id)
    assert (got.address, got.school, got.postcode) == ("1 A Road", "B School", "ZZ9 9ZZ")
    assert records(a) == _hub(hub_server)
    engine.sync(b)
    assert records(b) == records(a)


def test_an_echo_is_not_taken_for_another_record(tmp_path: Path,
                                                 hub_server: HubServer) -> None:
    """An echo is known by its sequence number *and* its record."""
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    mine = a.people.add(person("Mine"))
    engine.sync(a)
    theirs = b.people.add(person("Theirs"))
    engine.sync(b)
    seq = _hub_seqs(hub_server)[theirs.id]
    # a stale echo row naming another record at the sequence number of B's change
    a.db.execute("INSERT INTO sync_echo (seq, record_id) VALUES (?, ?)", (seq, mine.id))
    summary = engine.sync(a)
    assert summary.own == 0 and summary.applied == 1
    assert a.people.get(theirs.id).given_name == "Theirs"
