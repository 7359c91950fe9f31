"""Schema migrations: a workspace made at an older schema opens, upgraded, with its data intact.

Two sources of schema-1 workspaces:

* made now, with ``Workspace.create(..., schema_version=1)`` and records written as the schema-1
  code wrote them (``make_schema1_fixture.add_schema1_record``);
* the committed fixture ``fixtures/schema1/`` (made once by ``make_schema1_fixture.py``), copied
  to a temporary folder first: it is never opened in place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cse_desktop.domain.errors import CseError, ImmutableRecord
from cse_desktop.domain.models import AuditAction
from cse_desktop.store import Workspace, connection, migrate
from cse_desktop.store.keys import KEY_FILE_NAME, PASSPHRASE_SLOT, KeyFile
from cse_desktop.store.workspace import DB_FILE_NAME

from .conftest import PASSPHRASE, counts, create_workspace, make_person, snapshot
from .make_schema1_fixture import (
    BRAM,
    FINAL,
    FIXTURE_DIR,
    FIXTURE_PASSPHRASE,
    TAMSIN,
    ZOE,
    add_schema1_record,
    fixture_records,
)


def _columns(ws: Workspace, table: str) -> set[str]:
    return {row[1] for row in ws.db.execute(f"PRAGMA table_info({table})").fetchall()}


def _raw_schema_version(folder: Path, passphrase: str) -> int:
    key = KeyFile.load(folder / KEY_FILE_NAME).unwrap(PASSPHRASE_SLOT, passphrase)
    conn = connection.connect_raw(folder / DB_FILE_NAME, key)
    try:
        return migrate.schema_version(conn)
    finally:
        conn.close()


def test_migrations_are_numbered_without_gaps() -> None:
    found = migrate.migrations()
    assert [n for n, _, _ in found] == list(range(1, len(found) + 1))
    assert migrate.LATEST == len(found) >= 2
    assert found[0][1] == "0001_init.sql"


def test_create_at_schema_1_stays_at_schema_1(tmp_path: Path) -> None:
    ws, _ = create_workspace(tmp_path / "old", schema_version=1)
    try:
        assert ws.schema_version == 1
        assert "search_text" not in _columns(ws, "records")
        assert ws.check().ok
    finally:
        ws.lock()
    assert _raw_schema_version(tmp_path / "old", PASSPHRASE) == 1
    with Workspace.open(tmp_path / "old", PASSPHRASE) as ws:
        assert ws.schema_version == migrate.LATEST
        assert "search_text" in _columns(ws, "records")
        assert ws.check().ok


def test_records_written_at_schema_1_survive_the_upgrade(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    ws, _ = create_workspace(folder, schema_version=1)
    people = [make_person(given_name="Elowen", family_name="Brackenridge",
                          also_known_as=["Moth"]),
              make_person(given_name="Corin", family_name="Moorcroft"),
              make_person(given_name="Wren", family_name="Silverbirch", also_known_as=[])]
    try:
        for person in people:
            add_schema1_record(ws, person)
        before = counts(ws)
    finally:
        ws.lock()

    with Workspace.open(folder, PASSPHRASE) as ws:
        assert ws.schema_version == migrate.LATEST
        assert ws.check().ok
        after = counts(ws)
        assert after["person"] == before["person"] == 3
        assert after["outbox"] == before["outbox"]
        for person in people:
            stored = ws.people.get(person.id)
            assert stored.content() == person.content()
            assert stored.version == 1
        # search_text was filled by the migration
        names = {p.id: p.search_text() for p in people}
        for rid, text in ws.db.execute(
                "SELECT id, search_text FROM records WHERE kind = 'person'").fetchall():
            assert text == names[rid]
        assert [p.id for p in ws.people.search("brackenridge")] == [people[0].id]
        assert [p.id for p in ws.people.search("MOORCROFT")] == [people[1].id]
        assert [p.id for p in ws.people.search("moth")] == [people[0].id]
        assert [p.id for p in ws.people.search("elowen moth")] == [people[0].id]
        assert len(ws.people.search("")) == 3
        # and the records carry on normally
        wren = ws.people.get(people[2].id)
        updated = ws.people.update(wren.model_copy(update={"also_known_as": ["Jinx"]}))
        assert updated.version == 2
        assert [p.id for p in ws.people.search("jinx")] == [wren.id]
        assert ws.check().ok


def test_the_committed_schema_1_fixture_upgrades(tmp_path: Path) -> None:
    assert sorted(p.name for p in FIXTURE_DIR.iterdir()) == [DB_FILE_NAME, KEY_FILE_NAME]
    fixture_before = snapshot(FIXTURE_DIR)
    folder = shutil.copytree(FIXTURE_DIR, tmp_path / "fixture")
    assert _raw_schema_version(folder, FIXTURE_PASSPHRASE) == 1

    with Workspace.open(folder, FIXTURE_PASSPHRASE) as ws:
        assert ws.schema_version == migrate.LATEST
        report = ws.check()
        assert report.ok, report
        expected = {r.id: r for r in fixture_records()}
        for kind in ("person", "episode", "submission"):
            for stored in ws.repository_for(kind).list():
                assert stored.content() == expected.pop(stored.id).content()
        assert expected == {}
        assert ws.owner.name == "Fixture Worker"
        assert [p.id for p in ws.people.search("coldharbour")] == [BRAM]
        assert [p.id for p in ws.people.search("CRICKET")] == [BRAM]
        assert [p.id for p in ws.people.search("b-man")] == [BRAM]
        assert [p.id for p in ws.people.search("oak")] == [TAMSIN]
        assert [p.id for p in ws.people.search("lark")] == [ZOE]
        creates = [e.record_id for e in ws.audit.events() if e.action is AuditAction.CREATE]
        assert creates == [r.id for r in fixture_records()]
        assert ws.episodes.get(ws.submissions.get(FINAL).episode_id).overnight is True

        # the final submission stays final across the upgrade: repository and trigger
        final = ws.submissions.get(FINAL)
        with pytest.raises(ImmutableRecord):
            ws.submissions.update(final.model_copy(update={"answers": {"x": "rewritten"}}))
        with pytest.raises(connection.IntegrityError, match="immutable"):
            ws.db.execute("UPDATE records SET deleted = 1 WHERE id = ?", (FINAL,))
        amendment = ws.submissions.amend(FINAL)
        assert amendment.amends == FINAL
        assert ws.check().ok

    assert snapshot(FIXTURE_DIR) == fixture_before  # the fixture itself was never touched


def test_a_non_ascii_name_written_at_schema_1_is_found_once_saved_again(tmp_path: Path) -> None:
    folder = shutil.copytree(FIXTURE_DIR, tmp_path / "fixture")
    with Workspace.open(folder, FIXTURE_PASSPHRASE) as ws:
        zoe = ws.people.get(ZOE)
        ws.people.update(zoe.model_copy(update={"school": "Imaginary Vale School"}))
        assert [p.id for p in ws.people.search("zoë")] == [ZOE]
        assert [p.id for p in ws.people.search("ÅNGSTRÖM")] == [ZOE]


def test_a_non_ascii_name_written_at_schema_1_is_found_straight_after_the_upgrade(
        tmp_path: Path) -> None:
    folder = shutil.copytree(FIXTURE_DIR, tmp_path / "fixture")
    with Workspace.open(folder, FIXTURE_PASSPHRASE) as ws:
        assert [p.id for p in ws.people.search("ångström")] == [ZOE]


def test_upgrading_twice_changes_nothing(ws: Workspace) -> None:
    assert ws.schema_version == migrate.LATEST
    assert migrate.upgrade(ws.db.raw) == []
    assert ws.schema_version == migrate.LATEST


def test_a_workspace_from_a_newer_version_is_refused(ws_folder: Path) -> None:
    with Workspace.open(ws_folder, PASSPHRASE) as ws:
        ws.db.execute(f"PRAGMA user_version = {migrate.LATEST + 1}")
    before = snapshot(ws_folder)
    with pytest.raises(CseError, match="newer version") as caught:
        Workspace.open(ws_folder, PASSPHRASE)
    assert "Traceback" not in str(caught.value)
    assert snapshot(ws_folder) == before


def test_refusals_stored_before_schema_4_keep_their_code_apart(tmp_path: Path) -> None:
    """Schema 3 wrote a refusal's code into its message ("code: message"); schema 4 gives the
    code a column of its own and splits the rows already stored."""
    folder = tmp_path / "old"
    ws, _ = create_workspace(folder, schema_version=3)
    rows = [("r1", "rejected", "not_found: The hub has no person with that id: p1."),
            ("r2", "rejected", ": A refusal without a code."),
            ("c1", "conflict", "")]
    try:
        for issue_id, kind, message in rows:
            ws.db.execute("INSERT INTO sync_issue (id, kind, record_kind, record_id, message, "
                          "created_at) VALUES (?, ?, 'person', 'p1', ?, '2026-03-10')",
                          (issue_id, kind, message))
    finally:
        ws.lock()
    with Workspace.open(folder, PASSPHRASE) as ws:
        assert ws.schema_version == migrate.LATEST
        assert [(i.id, i.code, i.message) for i in ws.sync.issues()] == [
            ("c1", "", ""), ("r1", "not_found", "The hub has no person with that id: p1."),
            ("r2", "", "A refusal without a code.")]
