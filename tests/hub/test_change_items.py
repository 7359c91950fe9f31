"""Each change keeps the JSON a pull page carries (``changes.item``, migration 0008): pulls
read it as stored, and the migration fills it in for changes written before, as the hub used
to build it on every pull. On SQLite and PostgreSQL; all names are fictional."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from alembic import command

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
