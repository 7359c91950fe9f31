"""Writers side by side: group commit, change numbers without a global lock, safe pulls.

* A transaction holding a lower seq stays open while a higher seq commits: a pull in between
  must stop below the lower seq, and a pull after it commits must return both (PostgreSQL, the
  only backend with writers side by side).
* Pushes applied together in one group are answered exactly as if applied one by one.
* Several hubs (as several worker processes) push to the same records at once while a reader
  pulls all the time: the reader gets every change exactly once, and no update is lost.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
import sqlalchemy as sa

from cse_desktop.domain.ids import RecordKind, new_id
from cse_desktop.hub import db
from cse_desktop.hub import tables as t
from cse_desktop.hub.audit import append
from cse_desktop.hub.changes import PreparedPush
from cse_desktop.hub.commit import Job
from cse_desktop.hub.devices import Device
from cse_desktop.hub.merge import merge
from cse_desktop.hub.records import Batch
from cse_desktop.hub.repository import Hub
from cse_desktop.sync.protocol import Change, ChangeResult, PushRequest

TEAM = "North Team"
PEOPLE = {"given_name": "Ava", "family_name": "Example", "dob": "2010-04-01"}


def new_hub(url: str, users: int = 3) -> tuple[Hub, list[Device]]:
    engine = db.make_engine(url)
    db.upgrade(engine)
    hub = Hub(engine)
    hub.add_team(TEAM)
    devices = []
    for i in range(users):
        name = f"Worker {i} (fictional)"
        hub.add_user(name, team=TEAM)
        devices.append(hub.authenticate(hub.enrol(hub.new_enrolment_code(name)[0],
                                                  f"laptop-{i}").token))
    return hub, devices


def create(record_id: str | None = None, **fields: Any) -> Change:
    return Change(change_id=new_id(), record_kind=RecordKind.PERSON,
                  record_id=record_id or new_id(), op="create", version=1, base_version=0,
                  fields={**PEOPLE, **fields})


def update(record_id: str, base_seq: int, **fields: Any) -> Change:
    return Change(change_id=new_id(), record_kind=RecordKind.PERSON, record_id=record_id,
                  op="update", version=2, base_version=1, base_seq=base_seq, fields=fields)


def pull_all(hub: Hub, device: Device, since: int) -> tuple[list[int], int]:
    seqs = []
    while True:
        page = hub.pull(device, since, 1000)
        seqs += [c.seq for c in page.changes]
        since = page.next
        if page.done:
            return seqs, since


@pytest.fixture
def pg_url(pg_cluster: Any) -> str:
    return str(pg_cluster.create_database(f"hub_conc_{new_id()[:8]}"))


def test_a_pull_never_passes_a_lower_seq_still_in_flight(pg_url: str) -> None:
    hub, (a, b, reader) = new_hub(pg_url)
    first, _ = pull_all(hub, reader, 0)
    assert first == []
    # A's push takes a seq and stays open (as a slow writer would) ...
    with db.writer(hub.engine, serialised=False) as conn:
        batch = Batch(seqs=db.Seqs(conn))
        slow = create(given_name="Slow")
        low = ChangeResult.model_validate_json(
            hub._apply(conn, a, slow, batch, merge(None, slow, frozenset(), {}), t.now()))
        # its rows written, not yet its audit entries: a writer writes those last, as their
        # lock (one hash chain) holds every other writer's entries until it commits
        entries, batch.audit = batch.audit, []
        batch.write(conn)
        assert low.status == "accepted" and low.seq is not None
        # ... while B's push takes a higher seq and commits: it is not held up
        done: list[Any] = []
        pusher = threading.Thread(target=lambda: done.append(
            hub.push(b, PushRequest(changes=[create(given_name="Quick")]))))
        pusher.start()
        pusher.join(timeout=20)
        assert done, "a push waited for another writer's transaction"
        high = done[0].results[0].seq
        assert high > low.seq
        with hub.engine.connect() as other:
            assert db.pull_bounds(other) == (high, low.seq - 1)
        # the reader pulls now: it must stop below the seq still in flight
        seen, cursor = pull_all(hub, reader, 0)
        assert high not in seen and low.seq not in seen
        assert cursor < low.seq
        # a laptop whose cursor is past the mark already is not sent back
        assert hub.pull(reader, high, 1000).next == high
        append(conn, entries)
    # A commits: the next pull from the same cursor gets both, nothing skipped
    seen, cursor = pull_all(hub, reader, cursor)
    assert seen == [low.seq, high] and cursor == high


def _job(device: Device, changes: list[Change]) -> Job:
    request = PushRequest(changes=changes)
    digests = [t.digest(t.dumps(c.model_dump(mode="json"))) for c in changes]
    created = {c.change_id: merge(None, c, frozenset(), {}) for c in changes
               if c.op == "create"}
    return Job(len(changes), PreparedPush(device, request, digests, created))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_pushes_in_one_group_are_answered_as_if_applied_one_by_one(
        backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> None:
    def url(name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / name}.sqlite3"
        return str(request.getfixturevalue("pg_cluster").create_database(
            f"hub_{name}_{new_id()[:8]}"))

    person = new_id()
    seed = create(person, school="North")
    plan = [  # (device index, changes): all made on the record as seeded
        (0, lambda s: [update(person, s, school="East")]),
        (1, lambda s: [update(person, s, school="West"), create(given_name="New")]),
        (2, lambda s: [update(person, s, family_name="Sample")]),
    ]
    answers = {}
    for mode in ("one by one", "one group"):
        hub, devices = new_hub(url(mode.replace(" ", "_")))
        base = hub.push(devices[0], PushRequest(changes=[seed])).results[0].seq
        assert base is not None
        jobs = [_job(devices[i], make(base)) for i, make in plan]
        replay = _job(devices[1], jobs[1].payload.request.changes[:1])  # a retry, same group
        reused = _job(devices[2], jobs[0].payload.request.changes[:1])  # another device's id
        jobs += [replay, reused]
        if mode == "one by one":
            for job in jobs:
                hub._apply_group([job])
        else:
            hub._apply_group(jobs)
        answers[mode] = [[(r.status, r.code, [c.field for c in r.conflicts],
                           None if r.seq is None else r.seq - base)
                          for r in map(ChangeResult.model_validate_json, job.result)]
                         for job in jobs]
        answers[mode + " record"] = hub.record(devices[0], RecordKind.PERSON, person).fields
    assert answers["one by one"] == answers["one group"]
    statuses = [[a[0] for a in job] for job in answers["one group"]]
    assert statuses == [["accepted"], ["conflict", "accepted"], ["merged"], ["conflict"],
                        ["rejected"]]
    assert answers["one group"][1][0][2] == ["school"]  # West conflicts with East
    assert answers["one group"][3] == answers["one group"][1][:1]  # the retry: same answer
    assert answers["one group"][4][0][1] == "change_id_reused"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_writers_side_by_side_lose_and_skip_nothing(
        backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    else:
        url = str(request.getfixturevalue("pg_cluster").create_database(
            f"hub_side_{new_id()[:8]}"))
    hub, devices = new_hub(url, users=6)
    people = [new_id() for _ in range(8)]
    hub.push(devices[0], PushRequest(changes=[create(p) for p in people]))
    # four "workers": hubs with their own engine and their own group commit queue
    workers = [Hub(db.make_engine(url)) for _ in range(4)]
    stop = threading.Event()
    errors: list[str] = []
    sent: list[str] = []
    lock = threading.Lock()

    def pusher(n: int) -> None:
        rng = random.Random(n)
        hub_n = workers[n % len(workers)]
        device = devices[n % len(devices)]
        try:
            for _ in range(25):
                changes = [update(p, 0, school=f"School {n}-{rng.randint(0, 999)}")
                           for p in rng.sample(people, 3)] + [create()]
                result = hub_n.push(device, PushRequest(changes=changes))
                with lock:
                    sent.extend(c.change_id for c, r in zip(changes, result.results,
                                                           strict=True)
                                if r.seq is not None)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:300])

    got: list[int] = []

    def reader() -> None:
        since = 0
        while True:
            last = stop.is_set()
            page = hub.pull(devices[-1], since, 50)
            got.extend(c.seq for c in page.changes)
            since = page.next
            if last and page.done:
                return
            time.sleep(0.001)

    r = threading.Thread(target=reader)
    r.start()
    threads = [threading.Thread(target=pusher, args=(n,)) for n in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=240)
    stop.set()
    r.join(timeout=60)
    assert not errors, errors
    with hub.engine.connect() as conn:
        rows = conn.execute(sa.select(t.changes.c.seq, t.changes.c.change_id,
                                      t.changes.c.record_id, t.changes.c.version)
                            .order_by(t.changes.c.seq)).all()
        versions = dict(conn.execute(sa.select(t.records.c.record_id, t.records.c.version)
                                     .where(t.records.c.record_id.in_(people))).all())
    # the reader got every change exactly once, in order
    assert got == [row.seq for row in rows]
    # every accepted change is in the log once; each record's versions go up one by one
    assert sorted(sent) == sorted(row.change_id for row in rows[len(people):])
    for p in people:
        mine = [row.version for row in rows if row.record_id == p]
        assert mine == list(range(1, len(mine) + 1)), p
        assert versions[p] == len(mine)
    for w in workers:
        w.engine.dispose()


def test_the_same_change_pushed_at_once_through_two_workers_is_applied_once(
        pg_url: str) -> None:
    """A laptop retries a push while its first attempt is still being committed by another
    worker: the second waits, then gets the first's answer; the change is in the log once, and
    no record content reaches the error raised on the way."""
    hub, (a, _, _) = new_hub(pg_url)
    other = Hub(db.make_engine(pg_url))  # a second worker
    change = create(given_name="Twice")
    job = _job(a, [change])
    digest = job.payload.digests[0]
    answers: list[Any] = []
    with db.writer(hub.engine, serialised=False) as conn:  # the first worker's group, open
        batch = Batch(seqs=db.Seqs(conn))
        first = ChangeResult.model_validate_json(hub._apply(
            conn, a, change, batch, job.payload.created[change.change_id], t.now()))
        batch.receipts.append({"change_id": change.change_id, "device_id": a.id,
                               "payload_hash": digest, "result": first.model_dump_json()})
        batch.write(conn)
        retry = threading.Thread(target=lambda: answers.append(
            other.push(a, PushRequest(changes=[change]))))
        retry.start()
        time.sleep(1.0)
        assert retry.is_alive() and not answers  # waiting on the first, not answered twice
    retry.join(timeout=30)
    assert [r.model_dump() for r in answers[0].results] == [first.model_dump()]
    with hub.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.changes).where(
            t.changes.c.change_id == change.change_id)).scalar() == 1
    other.engine.dispose()


def test_a_failed_copy_names_the_table_not_the_row(pg_url: str) -> None:
    hub, (a, _, _) = new_hub(pg_url)
    row = {"change_id": new_id(), "device_id": a.id, "payload_hash": "x" * 64,
           "result": '{"secret": "Ava Example"}'}
    with db.writer(hub.engine, serialised=False) as conn:
        db.insert_rows(conn, t.receipts, [row])
    with pytest.raises(sa.exc.IntegrityError) as caught, \
            db.writer(hub.engine, serialised=False) as conn:
        db.insert_rows(conn, t.receipts, [row])
    assert "receipts" in str(caught.value) and "23505" in str(caught.value)
    assert "Ava" not in str(caught.value) and row["change_id"] not in str(caught.value)
