"""The hub's audit log is hash-chained: an edited, deleted or reordered entry is found.

On SQLite and PostgreSQL, through ``cse-hub audit verify`` and :func:`audit.verify_chain`;
the edits are made straight in the database, as someone with access to it would.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from support.hubserver import HubServer

from cse_desktop.hub import db
from cse_desktop.hub import tables as t
from cse_desktop.hub.audit import GENESIS
from cse_desktop.hub.cli import main as hub_main
from cse_desktop.hub.repository import Hub


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
