"""The outbox with a long backlog: its tally is read, not counted, and outgoing() pages by key.

The tally (changes waiting, draft forms held back) is kept by triggers with every write; each
test checks it against the rows it stands for, counted the way the counts were made before the
tally existed (a DISTINCT over a join with every form's status).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from cse_desktop.domain.errors import NotFound
from cse_desktop.domain.ids import new_id
from cse_desktop.domain.models import Episode, Person, Submission
from cse_desktop.store import Workspace, migrate
from cse_desktop.store.syncstate import Outgoing, SyncState

from .conftest import PASSPHRASE, create_workspace

#: the counts as they were made before the tally: the definition the tally must keep
PENDING_BY_JOIN = (
    "SELECT count(*) FROM (SELECT DISTINCT CASE WHEN o.record_kind = 'submission' "
    "THEN o.record_id ELSE o.change_id END FROM outbox o LEFT JOIN records r "
    "ON r.id = o.record_id WHERE NOT (o.record_kind = 'submission' AND (r.id IS NULL OR "
    "json_extract(r.data, '$.status') <> 'final')))")
HELD_BY_JOIN = (
    "SELECT count(DISTINCT o.record_id) FROM outbox o JOIN records r ON r.id = o.record_id "
    "WHERE o.record_kind = 'submission' AND r.deleted = 0 "
    "AND json_extract(r.data, '$.status') = 'draft'")


def _agrees(ws: Workspace, where: str = "", *, consistent: bool = True) -> None:
    """The tally agrees with the rows; ``consistent``: and the outbox with the records."""
    assert ws.outbox.tally() == ws.outbox.recount(), where
    assert ws.sync.pending_count() == ws.db.execute(PENDING_BY_JOIN).scalar(), where
    assert ws.sync.held_back() == ws.db.execute(HELD_BY_JOIN).scalar(), where
    if consistent:
        assert ws.outbox.problems() == [], where


def _person(n: int) -> Person:
    return Person(given_name=f"Tally{n}", family_name="Fictional", dob=date(2012, 3, 4))


def _form(person_id: str, n: int) -> Submission:
    return Submission(form_id="rmm-review", form_version=1, person_id=person_id,
                      answers={"note": f"draft {n}"})


def _accept(ws: Workspace, sent: list[Outgoing], first_seq: int) -> None:
    """Store answers as a hub would give them: every change accepted, numbered in order."""
    ws.sync.acknowledge(sent, [{"change_id": o.change["change_id"], "status": "accepted",
                                "seq": first_seq + i} for i, o in enumerate(sent)])


def _drain(ws: Workspace, limit: int, first_seq: int = 1) -> list[Outgoing]:
    """Push everything as the sync engine does, page by page, answering each page."""
    sent: list[Outgoing] = []
    after = 0
    while page := ws.sync.outgoing(limit, after):
        _accept(ws, page, first_seq + len(sent))
        sent += page
        after = page[-1].position
    return sent


def test_the_tally_follows_every_kind_of_write(ws: Workspace) -> None:
    rng = random.Random(15)
    _agrees(ws, "at the start")
    people = [p.id for p in ws.people.add_many([_person(i) for i in range(5)])]
    drafts: list[str] = []
    hub_seq = 1000
    raw_deleted = False
    done: Counter[str] = Counter()
    most = 0
    for step in range(160):
        action = rng.choice(("person", "edit", "episode", "delete_episode", "draft", "edit_draft",
                             "finalise", "delete_draft", "push", "push_some", "evict",
                             "pull_draft", "raw_delete"))
        if action == "person":
            people.append(ws.people.add(_person(step)).id)
        elif action == "edit":
            current = ws.people.get(rng.choice(people))
            ws.people.update(current.model_copy(update={"school": f"School {step}"}))
        elif action == "episode":
            ws.episodes.add(Episode(person_id=rng.choice(people),
                                    started_at=datetime(2026, 1, 1, tzinfo=UTC)))
        elif action == "delete_episode" and (eps := ws.episodes.list()):
            ws.episodes.delete(rng.choice(eps).id)
        elif action == "draft":
            drafts.append(ws.submissions.add(_form(rng.choice(people), step)).id)
        elif action in ("edit_draft", "finalise", "delete_draft") and drafts:
            try:
                draft = ws.submissions.get(drafts.pop(rng.randrange(len(drafts))))
            except NotFound:  # its child was evicted
                continue
            if action == "edit_draft":
                ws.submissions.update(draft.model_copy(update={"answers": {"note": step}}))
                drafts.append(draft.id)
            elif action == "finalise":
                ws.submissions.finalise(draft.id, outcome={"level": "low"})
            else:
                ws.submissions.delete(draft.id)
        elif action in ("push", "push_some"):
            sent = ws.sync.outgoing(rng.randint(1, 4) if action == "push_some" else 500)
            if sent:
                _accept(ws, sent, hub_seq)
                hub_seq += len(sent)
        elif action == "evict" and len(people) > 2:
            gone = people.pop(rng.randrange(len(people)))
            ws.sync.apply_page([], ws.sync.cursor(), evict=[gone])
        elif action == "pull_draft":
            # a form pulled from the hub (another laptop's final form): no outbox row of its own
            form = _form(rng.choice(people), step).content()
            hub_seq += 1
            ws.sync.apply_page([{"seq": hub_seq, "record_kind": "submission",
                                 "record_id": new_id(), "version": 1, "deleted": False,
                                 "fields": {**form, "status": "final",
                                            "finalised_at": "2026-02-01T10:00:00+00:00",
                                            "finalised_by": "Blake North"},
                                 "created_by": "Blake North"}], hub_seq)
        elif action == "raw_delete":
            ws.db.execute("DELETE FROM outbox WHERE seq = (SELECT seq FROM outbox "
                          "ORDER BY random() LIMIT 1)")
        raw_deleted = raw_deleted or action == "raw_delete"
        # a raw delete leaves a record's change unsent: from then on, the tally alone agrees
        _agrees(ws, f"step {step}: {action}", consistent=not raw_deleted)
        done[action] += 1
        most = max(most, ws.sync.held_back())
    # the schedule is not tame: it held several drafts at once, and did each kind of write
    assert most >= 3 and all(done[a] >= 3 for a in ("finalise", "delete_draft", "evict")), done


def test_a_form_deleted_with_several_rows_is_counted_once_and_discarded(ws: Workspace) -> None:
    p = ws.people.add(_person(1))
    draft = ws.submissions.add(_form(p.id, 1))
    for n in range(3):
        draft = ws.submissions.update(draft.model_copy(update={"answers": {"note": n}}))
    _agrees(ws)
    assert ws.sync.held_back() == 1
    ws.submissions.delete(draft.id)
    _agrees(ws)
    assert ws.sync.held_back() == 0
    sent = _drain(ws, 500)
    assert [o.change["record_id"] for o in sent] == [p.id]
    assert ws.outbox.count() == 0
    _agrees(ws)


def test_outgoing_pages_by_key_and_sends_a_forms_rows_as_one_create(ws: Workspace) -> None:
    """A form begun first and finalised last goes once, as one create covering all its rows,
    where its last row stands; paging three at a time sends exactly what one call would."""
    p = ws.people.add(_person(1))
    spanning = ws.submissions.add(_form(p.id, 1))
    kept = ws.submissions.add(_form(p.id, 2))  # stays a draft
    discarded = ws.submissions.add(_form(p.id, 3))
    ws.episodes.add_many([Episode(person_id=p.id, started_at=datetime(2026, 1, d, tzinfo=UTC))
                          for d in range(1, 8)])
    spanning = ws.submissions.update(spanning.model_copy(update={"answers": {"note": "2nd"}}))
    ws.submissions.delete(discarded.id)
    quick = ws.submissions.add(_form(p.id, 4))
    ws.submissions.finalise(quick.id, outcome={})
    ws.people.update(ws.people.get(p.id).model_copy(update={"school": "Elm Academy"}))
    ws.submissions.finalise(spanning.id, outcome={"level": "low"})
    _agrees(ws)

    whole = ws.sync.outgoing(1000)
    paged: list[Outgoing] = []
    after = 0
    while page := ws.sync.outgoing(3, after):
        assert len(page) <= 3
        paged += page
        after = page[-1].position
    assert paged == whole
    ids = [o.change["record_id"] for o in whole]
    assert ids.count(spanning.id) == 1 and ids.count(quick.id) == 1
    assert kept.id not in ids and discarded.id not in ids
    assert ids[-1] == spanning.id  # where its last row (the finalisation) stands
    rows = ws.db.execute("SELECT seq FROM outbox WHERE record_id = ? ORDER BY seq",
                         (spanning.id,)).fetchall()
    form = whole[-1]
    assert form.covers == tuple(s for (s,) in rows) and len(form.covers) == 3
    assert form.change["op"] == "create" and form.change["fields"]["status"] == "final"
    assert form.change["change_id"] == ws.db.execute(
        "SELECT change_id FROM outbox WHERE seq = ?", (form.covers[-1],)).scalar()
    # the discarded draft's rows went; the kept draft's stay, unsent
    assert ws.db.execute("SELECT count(*) FROM outbox WHERE record_id = ?",
                         (discarded.id,)).scalar() == 0
    sent = _drain(ws, 3)
    assert sent == whole
    assert ws.sync.pending_count() == 0 and ws.sync.held_back() == 1
    assert {r for (r,) in ws.db.execute("SELECT record_id FROM outbox")} == {kept.id}
    _agrees(ws)


def test_a_page_is_read_from_its_key_not_from_the_start() -> None:
    """The page query starts at ``seq > after`` in the outbox's primary key: held-back drafts
    and answered rows before it are never read again."""
    import sqlcipher3

    conn = sqlcipher3.connect(":memory:")
    for _n, _name, sql in migrate.migrations():
        for statement in migrate._statements(sql):
            conn.execute(statement)
    plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + SyncState._PAGE_SQL,
                                                   (0, 500)))
    assert "SEARCH o USING INTEGER PRIMARY KEY (rowid>?)" in plan, plan
    assert "SCAN" not in plan, plan


def test_a_workspace_upgraded_from_schema_4_counts_its_backlog(tmp_path: Path) -> None:
    """Migration 0006 starts the tally from the rows already waiting."""
    folder = tmp_path / "old"
    ws, _ = create_workspace(folder, schema_version=4)
    now = "2026-03-10T10:00:00+00:00"
    person = _person(1)
    forms = {"final": ("final", 0, 2), "draft": ("draft", 0, 3), "gone": ("draft", 1, 2)}
    try:
        records = [(person.id, "person", None, person.model_dump_json(exclude=set(
            Person.BOOKKEEPING)), 0)]
        for status, deleted, _rows in forms.values():
            form = {**_form(person.id, 1).content(), "status": status}
            if status == "final":
                form |= {"finalised_at": now, "finalised_by": "Sam Tester"}
            records.append((new_id(), "submission", person.id, json.dumps(form), deleted))
        for rid, kind, pid, data, deleted in records:
            ws.db.execute("INSERT INTO records (id, kind, person_id, version, deleted, "
                          "created_at, updated_at, created_by, data) VALUES "
                          "(?, ?, ?, 1, ?, ?, ?, 'Sam Tester', ?)",
                          (rid, kind, pid, deleted, now, now, data))
        outbox = [(person.id, "person", "create"), (person.id, "person", "update")]
        for (rid, *_), (_s, _d, rows) in zip(records[1:], forms.values(), strict=True):
            outbox += [(rid, "submission", "create")] * rows
        for n, (rid, kind, op) in enumerate(outbox):
            ws.db.execute("INSERT INTO outbox (change_id, record_kind, record_id, op, version, "
                          "base_version, fields, created_at) VALUES (?, ?, ?, ?, ?, ?, '{}', ?)",
                          (new_id(), kind, rid, op, n + 1, n, now))
    finally:
        ws.lock()
    with Workspace.open(folder, PASSPHRASE) as ws:
        assert ws.schema_version == migrate.LATEST
        assert ws.outbox.tally() == {"change": 2, "final": 1, "draft": 1}
        assert ws.outbox.tally() == ws.outbox.recount()
        assert ws.sync.pending_count() == ws.db.execute(PENDING_BY_JOIN).scalar() == 3
        assert ws.sync.held_back() == ws.db.execute(HELD_BY_JOIN).scalar() == 1
