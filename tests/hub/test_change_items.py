"""Each change keeps the JSON a pull page carries (``changes.item``, migration 0008): pulls
read it as stored, and the migration fills it in for changes written before, as the hub used
to build it on every pull. On SQLite and PostgreSQL; all names are fictional."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from alembic import command

from cse_desktop.domain.ids import FormId
from cse_desktop.hub import db, pages
from cse_desktop.hub import tables as t
from cse_desktop.hub.repository import Hub
from cse_desktop.sync.protocol import Change, HubChange, PullResponse, PushRequest


def _person(given: str) -> dict[str, object]:
    return {"given_name": given, "family_name": "Fictional-Example", "dob": "2011-05-04",
            "team": "North Team", "allocated_worker": "Zoë \"Zed\" O'North"}


def _changes(hub: Hub, token: str) -> None:
    """Creates, an edit and a delete from one device whose user's name needs quoting."""
    device = hub.authenticate(token)
    ids = [str(uuid.uuid4()) for _ in range(3)]
    creates = [Change(change_id=str(uuid.uuid4()), record_kind="person", record_id=rid,
                      op="create", version=1, base_version=0, fields=_person(f"Ada {n}"))
               for n, rid in enumerate(ids)]
    hub.push(device, PushRequest(changes=creates))
    edit = Change(change_id=str(uuid.uuid4()), record_kind="person", record_id=ids[0],
                  op="update", version=2, base_version=1, base_seq=1,
                  fields={"postcode": "ZZ99 1ZZ", "school": "Ünïcode Academy \\ (fictional)"})
    delete = Change(change_id=str(uuid.uuid4()), record_kind="person", record_id=ids[1],
                    op="delete", version=2, base_version=1, base_seq=2)
    answers = hub.push(device, PushRequest(changes=[edit, delete])).results
    assert [a.status for a in answers] == ["accepted", "accepted"]


def _enrolled(engine: sa.Engine, user: str) -> tuple[Hub, str]:
    """A hub on ``engine`` with one team, ``user`` in it, and a device of theirs (its token)."""
    hub = Hub(engine)
    hub.add_team("North Team")
    hub.add_user(user, team="North Team")
    code, _ = hub.new_enrolment_code(user)
    return hub, hub.enrol(code, "laptop (fictional)").token


def _page(hub: Hub, token: str) -> PullResponse:
    return PullResponse.model_validate_json(hub.pull_json(hub.authenticate(token), 0, 1000))


def test_the_migration_fills_in_the_items_of_changes_already_written(engine: sa.Engine) -> None:
    hub, token = _enrolled(engine, "Zoë \"Zed\" O'North")
    _changes(hub, token)
    written = _page(hub, token)  # as the hub writes items with each change
    assert [c.version for c in written.changes] == [1, 1, 1, 2, 2]
    assert written.changes[-1].deleted and not written.changes[0].deleted
    assert written.changes[0].created_by == "Zoë \"Zed\" O'North"
    with engine.connect() as conn:
        items = conn.execute(sa.select(t.changes.c.item).order_by(t.changes.c.seq)).scalars()
        assert all(HubChange.model_validate_json(item) for item in items)

    # back to the schema before items, and up again: the migration fills them in
    cfg = db._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("changes")}
    assert "item" not in columns
    db.upgrade(engine)
    filled = _page(hub, token)
    assert filled == written
    with engine.connect() as conn:
        items = conn.execute(sa.select(t.changes.c.item)).scalars().all()
    assert len(items) == 5 and all(json.loads(i)["fields"] for i in items)


def test_a_change_digest_is_the_digest_of_its_canonical_dump() -> None:
    """The receipts' digest (a replay is recognised by it) is unchanged by the short way of
    making it, for changes read from JSON and changes built in code alike."""
    from datetime import date

    from cse_desktop.hub.changes import change_digest

    rid = str(uuid.uuid4())
    changes = [
        Change(change_id=str(uuid.uuid4()), record_kind="person", record_id=rid, op="create",
               version=1, base_version=0, fields=_person("Ada")),
        Change(change_id=str(uuid.uuid4()), record_kind="action", record_id=rid, op="update",
               version=3, base_version=2, base_seq=41,
               fields={"text": "Zoë's “quoted” note \\ (fictional)", "n": 1.5, "big": 10**20,
                       "tags": ["a", {"b": [None, True]}], "when": None}),
        Change(change_id=str(uuid.uuid4()), record_kind="episode", record_id=rid, op="delete",
               version=2, base_version=1),
        # built in code with a value JSON has no word for: dumped the long way
        Change(change_id=str(uuid.uuid4()), record_kind="person", record_id=rid, op="update",
               version=2, base_version=1, fields={"dob": date(2012, 3, 4)}),
    ]
    read = [Change.model_validate_json(c.model_dump_json()) for c in changes[:3]]
    # numbers written as 2.0 are integers to the protocol; a change made without checking
    read.append(Change.model_validate_json(
        changes[1].model_dump_json().replace('"version":3', '"version":3.0')))
    read.append(Change.model_construct(**changes[1].model_dump()))
    # its fields replaced after it was checked: digested from the new fields
    read.append(read[0].model_copy(update={"fields": _person("Bo")}))
    for change in changes + read:
        assert change_digest(change) == t.digest(t.dumps(change.model_dump(mode="json")))


def test_a_page_stops_at_about_page_bytes_and_the_pages_follow_on(
        engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages stop at about PAGE_BYTES (never empty: a change larger than that comes alone),
    and paging on from each page's cursor yields every change once, in order."""
    hub, token = _enrolled(engine, "Alex North")
    device = hub.authenticate(token)
    creates = [Change(change_id=str(uuid.uuid4()), record_kind="person",
                      record_id=str(uuid.uuid4()), op="create", version=1, base_version=0,
                      fields=_person(f"Ada {n}")) for n in range(10)]
    hub.push(device, PushRequest(changes=creates))
    with engine.connect() as conn:
        sizes = [len(i) for i in conn.execute(
            sa.select(t.changes.c.item).order_by(t.changes.c.seq)).scalars()]

    for budget, per_page in ((sizes[0] * 2 + sizes[1] // 2, 2), (sizes[0] // 2, 1)):
        monkeypatch.setattr(pages, "PAGE_BYTES", budget)
        seen, since, requests = [], 0, 0
        while True:
            page = PullResponse.model_validate_json(hub.pull_json(device, since, 1000))
            requests += 1
            assert len(page.changes) == per_page
            seen += [c.seq for c in page.changes]
            since = page.next
            if page.done:
                break
        assert seen == sorted(set(seen)) and len(seen) == 10
        assert requests == 10 // per_page  # the last page says it is the last
    # a page of at most ``limit`` changes, with no byte limit in the way
    monkeypatch.setattr(pages, "PAGE_BYTES", 10**9)
    first = PullResponse.model_validate_json(hub.pull_json(device, 0, 4))
    assert len(first.changes) == 4 and not first.done and first.next == first.changes[-1].seq
    whole = PullResponse.model_validate_json(hub.pull_json(device, 0, 10))
    assert len(whole.changes) == 10 and whole.done  # a full last page is the last


# -- migration 0010: the content stored once, change ids unique through their receipts -------


def _to(engine: sa.Engine, revision: str) -> None:
    """Downgrade the hub database to ``revision``."""
    cfg = db._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _log(engine: sa.Engine) -> dict[str, object]:
    """The changes table's columns, its unique constraints and indexes on change_id alone, and
    its rows (seq, change_id, item, and snapshot where there is one)."""
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        columns = [c["name"] for c in inspector.get_columns("changes")]
        unique = [u["column_names"] for u in inspector.get_unique_constraints("changes")]
        unique += [i["column_names"] for i in inspector.get_indexes("changes") if i["unique"]]
        picked = [sa.column(name) for name in ("seq", "change_id", "item", "snapshot")
                  if name in columns]
        rows = [tuple(r) for r in conn.execute(sa.select(*picked).select_from(
            sa.table("changes")).order_by(sa.column("seq")))]
    return {"columns": columns, "unique": unique, "rows": rows}


def _edit(rid: str, base_seq: int, postcode: str) -> Change:
    return Change(change_id=str(uuid.uuid4()), record_kind="person", record_id=rid,
                  op="update", version=2, base_version=1, base_seq=base_seq,
                  fields={"postcode": postcode})


def test_changes_pushed_before_0010_keep_their_content_merges_and_replays(
        engine: sa.Engine) -> None:
    """A hub at 0009 holding changes (each content twice, in ``snapshot`` and in ``item``) is
    upgraded: the three-way merge finds the same base content as before, replays are answered
    from their receipts and stored once, and the content goes down and up byte for byte."""
    hub, alex = _enrolled(engine, "Zoë \"Zed\" O'North")
    hub.add_user("Blake North", team="North Team")
    blake = hub.enrol(hub.new_enrolment_code("Blake North")[0], "laptop (fictional)").token
    a, b = hub.authenticate(alex), hub.authenticate(blake)
    # two people made and edited alike: one is edited against an old base before the
    # migrations, the other after them
    people = [str(uuid.uuid4()) for _ in range(2)]
    creates = [Change(change_id=str(uuid.uuid4()), record_kind="person", record_id=rid,
                      op="create", version=1, base_version=0,
                      fields={**_person("Ada"), "postcode": "AB1 1AA",
                              "school": "Ünïcode “Academy” \\ (fictional)"})
               for rid in people]
    # a final form whose answers hold a number JSON can spell more than one way
    form = Change(change_id=str(uuid.uuid4()), record_kind="submission",
                  record_id=str(uuid.uuid4()), op="create", version=1, base_version=0,
                  fields={"form_id": FormId.SCREENING, "form_version": 2,
                          "person_id": people[0], "status": "final",
                          "answers": {"q": "a", "weight": 1e-7, "count": 10**16}})
    made = [r.seq for r in hub.push(a, PushRequest(changes=creates)).results]
    assert hub.push(a, PushRequest(changes=[form])).results[0].status == "accepted"
    edited = [r.seq for r in hub.push(
        a, PushRequest(changes=[_edit(rid, seq, "AB2 2BB") for rid, seq in zip(
            people, made, strict=True)])).results]
    assert all(isinstance(s, int) for s in made + edited)

    def clash(rid: str) -> list[tuple[object, ...]]:
        """Blake edits the postcode against the create (Alex changed it since); Alex changes
        it again, and Blake edits it against Alex's first edit: the base is the record's
        content at each, neither its first nor its last."""
        n = people.index(rid)
        answers = [hub.push(device, PushRequest(changes=[_edit(rid, base, postcode)]))
                   .results[0] for device, base, postcode in (
                       (b, made[n], "CD3 3CC"), (a, edited[n], "GH5 5EE"),
                       (b, edited[n], "EF4 4DD"))]
        return [(r.status, *[(c.field, c.base_value, c.hub_value, c.device_value)
                             for c in r.conflicts]) for r in answers]

    before = clash(people[0])
    assert before == [("conflict", ("postcode", "AB1 1AA", "AB2 2BB", "CD3 3CC")),
                      ("accepted",),
                      ("conflict", ("postcode", "AB2 2BB", "GH5 5EE", "EF4 4DD"))]
    replayed = creates[0]
    first = hub.push(a, PushRequest(changes=[replayed])).results[0]  # its receipt's answer
    head = _log(engine)
    assert "snapshot" not in head["columns"] and ["change_id"] not in head["unique"]
    written = _page(hub, alex)

    # down to 0009: each snapshot is its item's content, cut out as written
    _to(engine, "0009")
    old = _log(engine)
    assert old["columns"][-1] == "snapshot" and ["change_id"] in old["unique"]
    assert [r[:3] for r in old["rows"]] == head["rows"]
    for _, _, item, snapshot in old["rows"]:
        assert f',"fields":{snapshot},"created_by":' in item
        assert json.loads(snapshot) == json.loads(item)["fields"]
    # the hub writes the content as the model dumps it: decoding and encoding it again would
    # not give back the text the hub wrote (keys sorted, or 1e-7 spelt 1e-07)
    assert any(s != t.dumps(json.loads(s)) for *_, s in old["rows"])
    assert any('"weight":1e-7' in s for *_, s in old["rows"])
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # unique again
        row = conn.execute(sa.select(sa.text("*")).select_from(sa.table("changes"))
                           .limit(1)).mappings().one()
        conn.execute(sa.table("changes", *map(sa.column, row)).insert(),
                     {**row, "seq": 10**9})

    # and up again, from the database as 0009 left it
    assert db.upgrade(engine) == db.current_revision(engine) == db.head_revision()
    assert _log(engine) == head
    assert _page(hub, alex) == written
    after = clash(people[1])
    assert after == before  # the bases found after the migrations: the same content

    # a replay of a change pushed before the migrations: its first answer, stored once; the
    # same id with another change under it: refused, as before
    assert hub.push(a, PushRequest(changes=[replayed])).results[0] == first
    reused = replayed.model_copy(update={"fields": {**replayed.fields, "postcode": "ZZ9 9ZZ"}})
    refused = hub.push(a, PushRequest(changes=[reused])).results[0]
    assert (refused.status, refused.code) == ("rejected", "change_id_reused")
    with engine.connect() as conn:
        for table in (t.changes, t.receipts):
            assert conn.execute(sa.select(sa.func.count()).select_from(table).where(
                table.c.change_id == replayed.change_id)).scalar() == 1


def test_the_content_goes_down_to_snapshots_and_up_to_items_byte_for_byte(
        engine: sa.Engine) -> None:
    """Down past 0008 the log keeps only snapshots (cut out of the items by 0010's downgrade);
    up again, 0008 builds the items around them and 0010 drops them: the same texts."""
    hub, token = _enrolled(engine, "Zoë \"Zed\" O'North")
    _changes(hub, token)
    head = _log(engine)
    _to(engine, "0007")
    old = _log(engine)
    assert "item" not in old["columns"] and "snapshot" in old["columns"]
    db.upgrade(engine)
    assert _log(engine) == head
