"""Randomised fault schedules: laptops and a hub converge with nothing lost or duplicated.

Each schedule (a seed) is a random mix of local work on three laptops (two in one team, one in
another) - people added and edited, the same field edited on two laptops, missing episodes added
and deleted, forms finalised or left as drafts - and syncs through a transport that drops 20-50 %
of requests before they are sent, loses the hub's answer after it committed, or cuts pull pages
mid-page; now and then the hub restarts while a sync is running. Then the faults stop, every
laptop syncs, and the schedule checks:

* 0 lost: every record any laptop wrote is on the hub and on every laptop of its team, and the
  value last written to a field (on whichever laptop) is either the agreed value or kept in a
  conflict (an earlier value may rightly be replaced by a later edit made on top of it);
* 0 duplicated: every change that left a laptop was applied exactly once, however many times it
  was sent, and no record exists twice;
* convergence: each laptop holds exactly the hub's records for its team.

``CSE_SYNC_SCHEDULES`` sets the number of schedules per database (default 200).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.faults import FaultyTransport
from support.hubserver import HubServer
from support.laptops import enrolled, person, records

from cse_desktop.domain.errors import HubUnreachable
from cse_desktop.domain.models import Episode, Submission
from cse_desktop.hub import tables as t
from cse_desktop.store.workspace import Workspace
from cse_desktop.sync import engine

pytestmark = pytest.mark.slow

SCHEDULES = int(os.environ.get("CSE_SYNC_SCHEDULES", "200"))
EDITABLE = ("postcode", "gender", "school", "address")


class Laptop:
    def __init__(self, ws: Workspace, team: str, transport: FaultyTransport) -> None:
        self.ws, self.team, self.transport = ws, team, transport

    def sync(self) -> bool:
        try:
            engine.sync(self.ws, transport=self.transport, batch=7, page=5)
            return True
        except HubUnreachable:
            return False


def _hub_records(server: HubServer, team: str) -> dict[str, dict]:
    r = t.records.c
    with server.engine.connect() as conn:
        team_id = conn.execute(sa.select(t.teams.c.id).where(t.teams.c.name == team)).scalar()
        rows = conn.execute(sa.select(r.record_id, r.fields, r.deleted, r.kind)
                            .where(r.team_id == team_id)).all()
    return {row.record_id: {**json.loads(row.fields), "deleted": bool(row.deleted)}
            for row in rows}


def _hub_conflict_values(server: HubServer) -> set[tuple[str, str, str]]:
    c = t.conflicts.c
    with server.engine.connect() as conn:
        rows = conn.execute(sa.select(c.record_id, c.field, c.hub_value, c.device_value)).all()
    kept = set()
    for row in rows:
        kept.add((row.record_id, row.field, row.hub_value))
        kept.add((row.record_id, row.field, row.device_value))
    return kept


#: (record id, field) -> the value last written to it, on any laptop
LastWritten = dict[tuple[str, str], object]


def _step(rng: random.Random, laptop: Laptop, team_people: list[str],
          last_written: LastWritten) -> None:
    ws = laptop.ws
    action = rng.choice(("add_person", "edit", "edit", "episode", "final_form", "draft_form",
                         "delete_episode"))
    if action == "add_person" or not team_people:
        p = ws.people.add(person(f"Kid{rng.randrange(10**6)}", "Fictional"))
        team_people.append(p.id)
        return
    pid = rng.choice(team_people)
    try:
        current = ws.people.get(pid)
    except Exception:  # not pulled to this laptop yet
        return
    if action == "edit":
        field = rng.choice(EDITABLE)
        value = f"{field[:2]}{rng.randrange(1000)}"[:10]
        ws.people.update(current.model_copy(update={field: value}))
        last_written[(pid, field)] = value
    elif action == "episode":
        start = datetime.now(UTC) - timedelta(hours=rng.randrange(5, 500))
        ws.episodes.add(Episode(person_id=pid, started_at=start,
                                returned_at=start + timedelta(hours=rng.randrange(1, 4))))
    elif action in ("final_form", "draft_form"):
        draft = ws.submissions.add(Submission(form_id="rmm-review", form_version=1,
                                              person_id=pid, answers={"note": "first"}))
        draft = ws.submissions.update(draft.model_copy(update={"answers": {"note": "second"}}))
        if action == "final_form":
            ws.submissions.finalise(draft.id, outcome={"level": "low"})
    elif action == "delete_episode":
        episodes = ws.episodes.list(person_id=pid)
        if episodes:
            ws.episodes.delete(rng.choice(episodes).id)


def _edit_on_both(rng: random.Random, one: Laptop, other: Laptop, team_people: list[str],
                  last_written: LastWritten) -> None:
    """The same field of the same child changed on two laptops before either syncs."""
    shared = [pid for pid in team_people
              if _has(one.ws, pid) and _has(other.ws, pid)]
    if not shared:
        return
    pid, field = rng.choice(shared), rng.choice(EDITABLE)
    for n, laptop in enumerate((one, other)):
        value = f"c{n}{rng.randrange(10**5)}"[:10]
        current = laptop.ws.people.get(pid)
        laptop.ws.people.update(current.model_copy(update={field: value}))
        last_written[(pid, field)] = value


def _has(ws: Workspace, pid: str) -> bool:
    try:
        ws.people.get(pid)
        return True
    except Exception:
        return False


def _sync_with_restart(rng: random.Random, laptop: Laptop, server: HubServer) -> None:
    restart = threading.Thread(target=lambda: (time.sleep(rng.random() * 0.02),
                                               server.restart()))
    restart.start()
    laptop.sync()
    restart.join()


def test_randomised_fault_schedules(tmp_path: Path, hub_server: HubServer) -> None:
    shared_rng = random.Random(20261122)
    laptops = [
        Laptop(enrolled(tmp_path / "a", hub_server, "Alex North"), "North Team",
               FaultyTransport(random.Random(1))),
        Laptop(enrolled(tmp_path / "b", hub_server, "Blake North"), "North Team",
               FaultyTransport(random.Random(2))),
        Laptop(enrolled(tmp_path / "c", hub_server, "Casey South"), "South Team",
               FaultyTransport(random.Random(3))),
    ]
    people: dict[str, list[str]] = {"North Team": [], "South Team": []}
    last_written: LastWritten = {}
    sent_total = 0
    for schedule in range(SCHEDULES):
        rng = random.Random(shared_rng.randrange(2**32))
        for laptop in laptops:
            laptop.transport.rate = rng.choice((0.2, 0.35, 0.5))
        for _ in range(rng.randint(3, 7)):
            laptop = rng.choice(laptops)
            roll = rng.random()
            if roll < 0.55:
                _step(rng, laptop, people[laptop.team], last_written)
            elif roll < 0.96:
                laptop.sync()
            else:
                _sync_with_restart(rng, laptop, hub_server)
        if rng.random() < 0.3:
            _edit_on_both(rng, laptops[0], laptops[1], people["North Team"], last_written)
            laptops[rng.randrange(2)].sync()
        # the faults stop: every laptop syncs until nothing is left to do
        for laptop in laptops:
            laptop.transport.rate = 0.0
        for _ in range(2):
            for laptop in laptops:
                assert laptop.sync(), f"schedule {schedule}: sync failed without faults"
        _check(schedule, hub_server, laptops, last_written)
        sent_total = sum(len(lp.transport.sent_change_ids) for lp in laptops)
    injected = sum((lp.transport.injected for lp in laptops), start=Counter())
    conflicts = hub_server.hub.counts()["conflicts"]
    print(f"\n{SCHEDULES} schedules: {sent_total} changes sent, faults injected "
          f"{dict(injected)}, hub restarts {hub_server.restarts}, conflicts kept {conflicts}")
    assert conflicts > 0, "no schedule made a conflict: the schedules are too tame"
    assert all(injected[f] > 0 for f in ("drop_before", "drop_after", "cut_pull"))
    assert hub_server.restarts > 0


def _check(schedule: int, server: HubServer, laptops: list[Laptop],
           last_written: LastWritten) -> None:
    where = f"schedule {schedule}"
    conflicts = _hub_conflict_values(server)
    for laptop in laptops:
        ws = laptop.ws
        assert ws.sync.pending_count() == 0, f"{where}: changes still waiting"
        assert ws.outbox.problems() == [], where
        hub = _hub_records(server, laptop.team)
        mine = records(ws)
        assert mine == hub, f"{where}: a laptop differs from the hub"
        for (rid, field), value in last_written.items():
            if rid in hub:
                agreed = hub[rid][field]
                assert agreed == value or (rid, field, json.dumps(value)) in conflicts, (
                    f"{where}: a value written on a laptop was lost silently")
    # exactly once: one change row per distinct change id sent (resolutions aside)
    sent = set().union(*(lp.transport.sent_change_ids for lp in laptops))
    with server.engine.connect() as conn:
        applied = conn.execute(sa.select(t.changes.c.change_id)).scalars().all()
        rejected = conn.execute(sa.select(sa.func.count()).select_from(t.receipts).where(
            t.receipts.c.result.like('%"status":"rejected"%'))).scalar()
    assert len(applied) == len(set(applied)), f"{where}: a change was applied twice"
    assert set(applied) <= sent, where
    assert rejected == 0, f"{where}: the hub refused a change"
    assert len(applied) == len(sent), f"{where}: a sent change was never applied"


@pytest.mark.parametrize("drafts", [3])
def test_drafts_never_leave_the_laptop(tmp_path: Path, hub_server: HubServer,
                                       drafts: int) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    p = a.people.add(person())
    ids = [a.submissions.add(Submission(form_id="rmm-review", form_version=1, person_id=p.id,
                                        answers={"n": i})).id for i in range(drafts)]
    summary = engine.sync(a)
    assert summary.drafts_kept == drafts
    assert set(_hub_records(hub_server, "North Team")) == {p.id}
    a.submissions.finalise(ids[0], outcome={})
    a.submissions.delete(ids[1])  # a discarded draft never reaches the hub
    summary = engine.sync(a)
    assert summary.pushed == 1 and summary.drafts_kept == 1
    hub = _hub_records(hub_server, "North Team")
    assert set(hub) == {p.id, ids[0]}
    assert hub[ids[0]]["status"] == "final" and hub[ids[0]]["answers"] == {"n": 0}
    assert a.outbox.problems() == []
