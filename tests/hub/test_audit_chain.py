"""The hub's audit log is hash-chained: an edited, deleted or reordered entry is found.

On SQLite and PostgreSQL, through ``cse-hub audit verify`` and :func:`audit.verify_chain`;
the edits are made straight in the database, as someone with access to it would.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from support.hubserver import HubServer

from cse_desktop.domain.ids import new_id
from cse_desktop.hub import db, metrics
from cse_desktop.hub import tables as t
from cse_desktop.hub.audit import GENESIS
from cse_desktop.hub.cli import main as hub_main
from cse_desktop.hub.repository import Hub
from cse_desktop.sync.protocol import Change, PushRequest


@pytest.fixture
def hub(db_url: str) -> Iterator[Hub]:
    engine = db.make_engine(db_url)
    db.upgrade(engine)
    hub = Hub(engine)
    hub.add_team("North Team")
    for name in ("Alex North", "Blake North", "Drew North"):
        hub.add_user(name, team="North Team")
    hub.new_enrolment_code("Alex North")
    hub.record_auth_failure("unknown credential", "192.0.2.1")
    yield hub
    engine.dispose()


def _ids(hub: Hub) -> list[int]:
    return [e["id"] for e in hub.audit_log()]


def test_an_untouched_log_verifies(hub: Hub, db_url: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    check = hub.verify_audit()
    log = hub.audit_log()
    assert (check.entries, check.broken_at) == (6, None)
    assert check.head == log[-1]["hash"] and log[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(log))
    assert hub_main(["audit", "verify", "--db", db_url]) == 0
    assert capsys.readouterr().out.strip() == f"audit log intact: 6 entries, head {check.head}"


@pytest.mark.parametrize("column", ["detail", "actor", "action", "at", "record_id"])
def test_an_edited_entry_is_found(hub: Hub, db_url: str, column: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    third = _ids(hub)[2]
    with hub.engine.begin() as conn:
        conn.execute(t.audit.update().where(t.audit.c.id == third).values({column: "forged"}))
    check = hub.verify_audit()
    assert (check.broken_at, check.entries) == (third, 2)
    assert "changed" in check.reason
    assert hub_main(["audit", "verify", "--db", db_url]) == 4
    err = capsys.readouterr().err
    assert f"broken at entry {third}" in err and "Traceback" not in err


def test_a_rehashed_edit_is_still_found(hub: Hub) -> None:
    """Recomputing the edited entry's own hash does not help: the next entry points at the
    old one."""
    from cse_desktop.hub.audit import entry_hash

    log = hub.audit_log()
    row = {**log[2], "detail": "forged"}
    with hub.engine.begin() as conn:
        conn.execute(t.audit.update().where(t.audit.c.id == row["id"]).values(
            detail="forged", hash=entry_hash(row["prev_hash"], row["at"], row["actor"],
                                             row["action"], row["record_id"], "forged")))
    assert hub.verify_audit().broken_at == log[3]["id"]


def test_a_deleted_entry_is_found(hub: Hub) -> None:
    ids = _ids(hub)
    with hub.engine.begin() as conn:
        conn.execute(t.audit.delete().where(t.audit.c.id == ids[1]))
    check = hub.verify_audit()
    assert check.broken_at == ids[2] and "removed or reordered" in check.reason


def test_concurrent_writers_never_fork_the_chain(hub: Hub) -> None:
    def fail_sign_ins(n: int) -> None:
        for i in range(5):
            hub.record_auth_failure("unknown credential", f"198.51.100.{n * 10 + i}")

    threads = [threading.Thread(target=fail_sign_ins, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check = hub.verify_audit()
    assert (check.entries, check.broken_at) == (6 + 40, None)
    with hub.engine.connect() as conn:
        hashes = conn.execute(sa.select(t.audit.c.prev_hash)).scalars().all()
    assert len(hashes) == len(set(hashes))  # no two entries follow the same one


def test_a_hub_serving_requests_keeps_a_verifiable_chain(db_url: str) -> None:
    with HubServer(db_url) as server:
        server.hub.add_team("North Team")
        server.hub.add_user("Alex North", team="North Team")
        code, _ = server.hub.new_enrolment_code("Alex North")
        server.hub.enrol(code, "laptop")
        assert server.hub.verify_audit().broken_at is None


def test_the_migration_chains_the_entries_already_written(db_url: str) -> None:
    from alembic import command

    engine = db.make_engine(db_url)
    cfg = db._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    with engine.begin() as conn:
        for n in range(3):
            conn.execute(sa.text("INSERT INTO audit (at, actor, action, record_id, detail) "
                                 "VALUES (:at, 'admin', 'team_add', '', :d)"),
                         {"at": f"2026-01-0{n + 1}T00:00:00+00:00", "d": f"Team {n}"})
    db.upgrade(engine)
    hub = Hub(engine)
    assert (hub.verify_audit().entries, hub.verify_audit().broken_at) == (3, None)
    hub.add_team("North Team")  # and new entries follow on
    assert (hub.verify_audit().entries, hub.verify_audit().broken_at) == (4, None)
    engine.dispose()


def test_entries_cut_off_the_end_are_found_against_a_kept_head(
        hub: Hub, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    kept = hub.verify_audit().head
    hub.add_team("South Team")  # the log goes on after the head was kept
    assert hub_main(["audit", "verify", "--expect", kept, "--db", db_url]) == 0
    last = _ids(hub)[-2:]
    with hub.engine.begin() as conn:  # cut the last two entries, the kept head among them
        conn.execute(t.audit.delete().where(t.audit.c.id.in_(last)))
    assert hub.verify_audit().broken_at is None  # what is left still chains...
    capsys.readouterr()
    assert hub_main(["audit", "verify", "--expect", kept, "--db", db_url]) == 4  # ...but
    assert "no longer holds the head" in capsys.readouterr().err


def _person(given: str) -> Change:
    return Change(change_id=new_id(), record_kind="person", record_id=new_id(), op="create",
                  version=1, base_version=0,
                  fields={"given_name": given, "family_name": "Example", "dob": "2011-05-02"})


def test_pushes_and_resolutions_are_chained_too(hub: Hub, db_url: str) -> None:
    """A push's entries are written by its group commit, all at once: they chain like any
    other (they once went in with no hashes, and the chain broke at the first push)."""
    alex, blake = (hub.authenticate(hub.enrol(hub.new_enrolment_code(name)[0], name).token)
                   for name in ("Alex North", "Blake North"))
    created = _person("Ava")
    hub.push(alex, PushRequest(changes=[created, _person("Bo")]))
    for device, school in ((alex, "Northgate School"), (blake, "Southgate School")):
        hub.push(device, PushRequest(changes=[Change(
            change_id=new_id(), record_kind="person", record_id=created.record_id,
            op="update", version=2, base_version=1, base_seq=1, fields={"school": school})]))
    conflict = hub.conflicts(blake).conflicts[0]
    hub.resolve(blake, conflict.id, "Southgate School")
    check = hub.verify_audit()
    actions = [e["action"] for e in hub.audit_log()]
    assert check.broken_at is None and check.entries == len(actions)
    assert actions[-5:] == ["create", "create", "update", "update", "resolve"]
    assert hub_main(["audit", "verify", "--db", db_url]) == 0


def test_groups_committing_side_by_side_never_fork_the_chain(hub: Hub, db_url: str) -> None:
    """Two hubs on one database (as two worker processes are), each committing its own
    groups of pushes from several threads at once."""
    hubs = [hub, Hub(db.make_engine(db_url))]
    devices = [hub.authenticate(hub.enrol(hub.new_enrolment_code("Drew North")[0],
                                          f"laptop-{n}").token) for n in range(6)]
    before = hub.verify_audit().entries

    def push(n: int) -> None:
        for _ in range(4):
            hubs[n % 2].push(devices[n], PushRequest(changes=[_person(f"Cy{n}")
                                                              for _ in range(5)]))

    threads = [threading.Thread(target=push, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    hubs[1].engine.dispose()
    check = hub.verify_audit()
    assert (check.entries, check.broken_at) == (before + 6 * 4 * 5, None)
    with hub.engine.connect() as conn:
        hashes = conn.execute(sa.select(t.audit.c.prev_hash)).scalars().all()
    assert len(hashes) == len(set(hashes))


def test_the_chain_broken_by_pushes_before_0011_is_mended(db_url: str) -> None:
    """As the hub wrote it before: chained entries, then a push's entries with no hashes (more
    than the migration reads at a time), then an entry that began the chain again, one edited
    since. 0011 chains everything from the first entry without a hash, says so in a last
    entry (with the edit it found), and leaves the entries before it as they were."""
    from alembic import command

    from cse_desktop.hub.audit import entry_hash

    engine = db.make_engine(db_url)
    cfg = db._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0010")
    pushed = 5_003  # the migration reads 5,000 at a time
    rows = ([("admin", "team_add", "", "North", True), ("admin", "user_add", "", "Alex", True)]
            + [("device-1", "create", new_id(), "person", False)] * pushed
            + [("admin", "enrolment_code", "", "Alex", True),
               ("admin", "team_add", "", "South", True)])
    entries, prev = [], GENESIS
    for n, (actor, action, record_id, detail, hashed) in enumerate(rows):
        at = f"2026-11-01T00:00:{n // 1000:02d}.{n % 1000:03d}000+00:00"
        digest = entry_hash(prev, at, actor, action, record_id, detail) if hashed else ""
        entries.append({"at": at, "actor": actor, "action": action, "record_id": record_id,
                        "detail": detail, "prev_hash": prev if hashed else "", "hash": digest})
        prev = digest or GENESIS  # the old audit() began again after an empty hash
    with engine.begin() as conn:
        conn.execute(t.audit.insert(), entries)
        last = conn.execute(sa.select(sa.func.max(t.audit.c.id))).scalar()
        conn.execute(t.audit.update().where(t.audit.c.id == last)
                     .values(detail="South (edited)"))  # edited after it was written
    hub = Hub(engine)
    before = hub.audit_log()
    assert hub.verify_audit().broken_at == before[2]["id"]
    db.upgrade(engine)
    after = hub.audit_log()
    check = hub.verify_audit()
    assert (check.entries, check.broken_at) == (len(rows) + 1, None)
    content = ("id", "at", "actor", "action", "record_id", "detail")
    assert [[e[k] for k in content] for e in after[:-1]] == [[e[k] for k in content]
                                                             for e in before]
    assert [e["hash"] for e in after[:2]] == [e["hash"] for e in before[:2]]
    assert after[-1]["action"] == "audit_rechained"
    assert f"entries from {before[2]['id']} on" in after[-1]["detail"]
    assert "1 of them did not match" in after[-1]["detail"]
    engine.dispose()


def test_a_push_takes_the_audit_lock_only_when_it_has_its_rows(hub: Hub, db_url: str) -> None:
    """A push whose laptop's audit chain went backwards writes a finding; an administrator
    changing that device meanwhile holds its row, then wants the audit lock. The push must not
    be holding the audit lock while it waits for the row, or PostgreSQL finds a deadlock and
    fails one of them."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no lock order to get wrong")
    from cse_desktop.hub.audit import audit
    from cse_desktop.sync.protocol import AuditAnchor

    device = hub.authenticate(hub.enrol(hub.new_enrolment_code("Drew North")[0],
                                        "laptop").token)

    def push(seq: int) -> None:
        hub.push(device, PushRequest(changes=[_person("Eli")],
                                     audit_head=AuditAnchor(seq=seq, hash=f"{seq:064x}")))

    push(10)
    failures = metrics.COMMIT_FAILURES._value.get()  # groups rolled back (and retried alone)
    answered: list[BaseException | None] = []

    def backwards() -> None:
        try:
            push(5)
            answered.append(None)
        except BaseException as exc:  # the test reports it
            answered.append(exc)

    admin = hub.engine.connect()
    try:
        with admin.begin():
            admin.execute(t.devices.update().where(t.devices.c.id == device.id)
                          .values(name="laptop (renamed)"))  # holds the device's row
            thread = threading.Thread(target=backwards)
            thread.start()
            time.sleep(1.0)  # the push's group now waits for the row
            audit(admin, "admin", "device_renamed", record_id=device.id)  # wants the lock
        thread.join(timeout=60)
    finally:
        admin.close()
    assert answered == [None]
    # answered without a deadlock (the group would have been rolled back and retried alone)
    assert metrics.COMMIT_FAILURES._value.get() == failures
    actions = [e["action"] for e in hub.audit_log()]
    assert actions[-3:] == ["device_renamed", "create", "audit_chain_rewound"]
    assert hub.verify_audit().broken_at is None


@pytest.mark.parametrize("detail", ["", "plain", 'quote " backslash \\ slash /',
                                    "tab\tnew line\ncarriage\rbell\x07", "Zoë – “curly” 🙂",
                                    "\u2028\u2029\x7f\x1f"])
def test_an_entry_hash_is_the_hash_of_its_canonical_json(detail: str) -> None:
    """entry_hash writes the JSON list out itself: the same text as t.dumps (which migration
    0006 and 0011 use), so every chain written before still verifies."""
    from cse_desktop.hub.audit import entry_hash

    texts = ["0" * 64, "2026-12-06T04:31:00.123456+00:00", "device-1", "create", new_id(),
             detail]
    assert entry_hash(*texts) == t.digest(t.dumps(texts))
