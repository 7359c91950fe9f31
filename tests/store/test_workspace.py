"""The Workspace facade: life cycle, secrets, backup/restore, pinned settings, and the records.

Real SQLCipher files throughout (copies of a session template); fictional data only.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cse_desktop.domain.dates import LOCAL_ZONE
from cse_desktop.domain.errors import (
    BackupInvalid,
    ImmutableRecord,
    NotFound,
    StaleRecord,
    UnsafeEngine,
    ValidationFailed,
    WorkspaceExists,
    WorkspaceLocked,
    WorkspaceMissing,
    WrongPassphrase,
)
from cse_desktop.domain.models import (
    Action,
    ActionStatus,
    AuditAction,
    Episode,
    Rag,
    Record,
    SubmissionStatus,
)
from cse_desktop.store import KdfParams, Workspace, connection, keys
from cse_desktop.store.backup import BACKUP_MAGIC
from cse_desktop.store.keys import KEY_FILE_NAME, PASSPHRASE_SLOT, RECOVERY_SLOT, KeyFile
from cse_desktop.store.workspace import DB_FILE_NAME

from .conftest import (
    KDF,
    NEW_PASSPHRASE,
    OWNER,
    PASSPHRASE,
    RECORD_KINDS,
    WRONG_PASSPHRASE,
    Template,
    counts,
    make_action,
    make_association,
    make_episode,
    make_person,
    make_submission,
    snapshot,
)

PAGE = connection.PAGE_SIZE


def _pages(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    return [raw[i:i + PAGE] for i in range(0, len(raw), PAGE)]


def _db_key(folder: Path, passphrase: str) -> bytes:
    return KeyFile.load(folder / KEY_FILE_NAME).unwrap(PASSPHRASE_SLOT, passphrase)


def _actions(ws: Workspace) -> list[str]:
    return [e.action.value for e in ws.audit.events()]


# ============================================================================================
# Life cycle
# ============================================================================================


def test_create_gives_an_open_checked_workspace_and_a_recovery_code(tmp_path: Path) -> None:
    ws, recovery = Workspace.create(tmp_path / "new", PASSPHRASE, OWNER, kdf=KDF)
    try:
        assert ws.is_open
        assert sorted(p.name for p in (tmp_path / "new").iterdir()) == sorted(
            [DB_FILE_NAME, KEY_FILE_NAME, DB_FILE_NAME + "-wal", DB_FILE_NAME + "-shm"])
        assert ws.owner == OWNER
        assert ws.check().ok
        assert _actions(ws) == ["unlock"]
        groups = recovery.split("-")
        assert len(groups) == 6 and all(len(g) == 4 for g in groups)
    finally:
        ws.lock()
    # no staging folder is left beside it
    assert [p.name for p in tmp_path.iterdir()] == ["new"]


def test_create_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("fictional notes")
    with pytest.raises(WorkspaceExists):
        Workspace.create(folder, PASSPHRASE, OWNER, kdf=KDF)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["busy"]


def test_create_refuses_a_weak_passphrase(tmp_path: Path) -> None:
    for weak in ("short", "aaaaaaaaaaaaaaaa", "x" * 1025):
        with pytest.raises(ValidationFailed):
            Workspace.create(tmp_path / "weak", weak, OWNER, kdf=KDF)
    assert list(tmp_path.iterdir()) == []


def test_open_of_a_missing_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceMissing):
        Workspace.open(tmp_path / "nothing-here", PASSPHRASE)
    assert list(tmp_path.iterdir()) == []


def test_open_needs_exactly_one_secret(ws_folder: Path) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Workspace.open(ws_folder)
    with pytest.raises(ValueError, match="exactly one"):
        Workspace.open(ws_folder, PASSPHRASE, recovery_code="0000-0000-0000-0000-0000-0000")


def test_lock_drops_the_connection_and_the_key(ws: Workspace) -> None:
    person = ws.people.add(make_person())
    ws.lock()
    assert not ws.is_open
    assert bytes(ws._db_key) == b""
    with pytest.raises(WorkspaceLocked):
        ws.people.list()
    with pytest.raises(WorkspaceLocked):
        ws.people.get(person.id)
    with pytest.raises(WorkspaceLocked):
        ws.people.add(make_person())
    with pytest.raises(WorkspaceLocked), ws.transaction():
        pass
    with pytest.raises(WorkspaceLocked):
        ws.check()
    ws.lock()  # a second lock is harmless


def test_lock_is_audited_and_leaves_no_wal(ws_folder: Path) -> None:
    ws = Workspace.open(ws_folder, PASSPHRASE)
    ws.people.add(make_person())
    assert (ws_folder / (DB_FILE_NAME + "-wal")).exists()
    ws.lock()
    assert sorted(p.name for p in ws_folder.iterdir()) == [DB_FILE_NAME, KEY_FILE_NAME]
    with Workspace.open(ws_folder, PASSPHRASE) as again:
        assert _actions(again)[-3:] == ["create", "lock", "unlock"]
        assert again.people.count() == 1
    assert not again.is_open


@pytest.mark.parametrize("typed", ["as shown", "lower case with spaces", "no separators",
                                   "O I L for 0 1 1"])
def test_recovery_code_unlocks(template: Template, tmp_path: Path, typed: str) -> None:
    folder = shutil.copytree(template.folder, tmp_path / "ws")
    code = template.recovery_code
    entered = {
        "as shown": code,
        "lower case with spaces": code.lower().replace("-", " "),
        "no separators": code.replace("-", "").lower(),
        "O I L for 0 1 1": code.replace("0", "o").replace("1", "l").lower().replace("-", "  "),
    }[typed]
    with Workspace.open(folder, recovery_code=entered) as ws:
        last = ws.audit.events()[-1]
        assert (last.action, last.reason) == (AuditAction.UNLOCK, "recovery code")


def test_wrong_recovery_code_is_refused(template: Template, ws_folder: Path) -> None:
    code = template.recovery_code
    wrong = ("1" if code[0] != "1" else "2") + code[1:]
    with pytest.raises(WrongPassphrase, match="recovery code"):
        Workspace.open(ws_folder, recovery_code=wrong)
    # a passphrase is not a recovery code, and the other way round
    with pytest.raises(WrongPassphrase):
        Workspace.open(ws_folder, recovery_code=PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        Workspace.open(ws_folder, code)


def test_change_passphrase_rewraps_the_same_key(populated_folder: Path,
                                                populated_template: Template) -> None:
    db = populated_folder / DB_FILE_NAME
    key_before = KeyFile.load(populated_folder / KEY_FILE_NAME)
    db_key = _db_key(populated_folder, PASSPHRASE)
    pages_before = _pages(db)

    ws = Workspace.open(populated_folder, PASSPHRASE)
    records = ws.people.count()
    ws.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    assert _actions(ws)[-1] == "change-passphrase"
    ws.lock()

    key_after = KeyFile.load(populated_folder / KEY_FILE_NAME)
    # the passphrase slot is new, the recovery slot untouched, and both open the SAME db key
    assert key_after.slots[PASSPHRASE_SLOT] != key_before.slots[PASSPHRASE_SLOT]
    assert key_after.slots[RECOVERY_SLOT] == key_before.slots[RECOVERY_SLOT]
    assert key_after.unwrap(PASSPHRASE_SLOT, NEW_PASSPHRASE) == db_key
    assert key_after.unwrap(RECOVERY_SLOT, populated_template.recovery_code) == db_key
    with pytest.raises(WrongPassphrase):
        key_after.unwrap(PASSPHRASE_SLOT, PASSPHRASE)

    # The database was not re-encrypted: a re-key would give every page a new IV and HMAC.
    # Only the pages the audit events (unlock, change-passphrase, lock) touched may differ.
    pages_after = _pages(db)
    assert len(pages_before) > 40
    assert len(pages_after) == len(pages_before)
    assert pages_after[0][:16] == pages_before[0][:16]  # the database salt
    changed = sum(a != b for a, b in zip(pages_before, pages_after, strict=True))
    assert changed <= 10, f"{changed} of {len(pages_before)} pages were rewritten"

    with pytest.raises(WrongPassphrase):
        Workspace.open(populated_folder, PASSPHRASE)
    with Workspace.open(populated_folder, NEW_PASSPHRASE) as ws:
        assert ws.people.count() == records
        assert ws.check().ok


def test_change_passphrase_with_the_wrong_old_one_changes_nothing(ws: Workspace) -> None:
    key = ws.folder / KEY_FILE_NAME
    before = KeyFile.load(key)
    with pytest.raises(WrongPassphrase):
        ws.change_passphrase(WRONG_PASSPHRASE, NEW_PASSPHRASE)
    after = KeyFile.load(key)  # the wrong one counts as a failed unlock; the slots stay
    assert after.slots == before.slots and after.failures == before.failures + 1
    with pytest.raises(ValidationFailed):
        ws.change_passphrase(PASSPHRASE, "short")
    assert KeyFile.load(key).to_bytes() == after.to_bytes()
    assert "change-passphrase" not in _actions(ws)


def test_set_passphrase_after_recovery(template: Template, ws_folder: Path) -> None:
    with Workspace.open(ws_folder, recovery_code=template.recovery_code) as ws:
        with pytest.raises(ValidationFailed):
            ws.set_passphrase_after_recovery("too short")
        ws.set_passphrase_after_recovery(NEW_PASSPHRASE)
        assert _actions(ws)[-1] == "change-passphrase"
    with pytest.raises(WrongPassphrase):
        Workspace.open(ws_folder, PASSPHRASE)
    with Workspace.open(ws_folder, NEW_PASSPHRASE) as ws:
        assert ws.check().ok
    with Workspace.open(ws_folder, recovery_code=template.recovery_code) as ws:
        assert ws.is_open


# -- backup and restore -------------------------------------------------------------------------


def _ids_and_versions(ws: Workspace) -> dict[str, set[tuple[str, int, bool]]]:
    return {kind: {(r.id, r.version, r.deleted)
                   for r in ws.repository_for(kind).list(include_deleted=True)}
            for kind in RECORD_KINDS}


def test_backup_to_one_file_and_restore(populated_ws: Workspace, populated_template: Template,
                                        tmp_path: Path) -> None:
    before = counts(populated_ws)
    records = _ids_and_versions(populated_ws)
    people = {p.id: p for p in populated_ws.people.list(include_deleted=True)}
    out = populated_ws.backup(tmp_path / "backup.cse")
    assert out == tmp_path / "backup.cse"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.cse", "populated"]
    raw = out.read_bytes()
    assert raw.startswith(BACKUP_MAGIC)
    assert b"Testwood" not in raw and b"Ambervale" not in raw  # the copy is encrypted too
    assert _actions(populated_ws)[-1] == "backup"
    with pytest.raises(ValidationFailed):
        populated_ws.backup(out)  # never overwrites a file

    restored = Workspace.restore(out, tmp_path / "restored", PASSPHRASE)
    try:
        assert restored.check().ok
        assert restored.workspace_id == populated_ws.workspace_id
        after = counts(restored)
        assert {k: after[k] for k in RECORD_KINDS} == {k: before[k] for k in RECORD_KINDS}
        assert after["outbox"] == before["outbox"]
        assert after["audit"] == before["audit"] + 2  # restore, unlock
        assert _actions(restored)[-2:] == ["restore", "unlock"]
        assert _ids_and_versions(restored) == records
        for person in restored.people.list(include_deleted=True):
            assert person == people[person.id]
    finally:
        restored.lock()
    assert not any(".staging" in p.name for p in tmp_path.iterdir())

    # the recovery code valid at the time of the backup restores it as well
    again = Workspace.restore(out, tmp_path / "restored-2",
                              recovery_code=populated_template.recovery_code)
    again.lock()


def test_restore_refuses_an_existing_folder(populated_ws: Workspace, tmp_path: Path) -> None:
    out = populated_ws.backup(tmp_path / "backup.cse")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("fictional notes")
    before = snapshot(busy)
    with pytest.raises(WorkspaceExists):
        Workspace.restore(out, busy, PASSPHRASE)
    assert snapshot(busy) == before
    # the workspace itself is not a place to restore to either
    with pytest.raises(WorkspaceExists):
        Workspace.restore(out, populated_ws.folder, PASSPHRASE)


def test_restore_with_the_wrong_passphrase_creates_nothing(populated_ws: Workspace,
                                                           tmp_path: Path) -> None:
    out = populated_ws.backup(tmp_path / "backup.cse")
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(WrongPassphrase):
        Workspace.restore(out, tmp_path / "restored", WRONG_PASSPHRASE)
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def _split_backup(raw: bytes) -> tuple[dict[str, Any], bytes]:
    offset = len(BACKUP_MAGIC)
    (size,) = struct.unpack(">I", raw[offset:offset + 4])
    header = json.loads(raw[offset + 4:offset + 4 + size])
    return header, raw[offset + 4 + size:]


def _join_backup(header: dict[str, Any], db: bytes) -> bytes:
    blob = json.dumps(header).encode()
    return BACKUP_MAGIC + struct.pack(">I", len(blob)) + blob + db


def _rehashed(raw: bytes, position: int) -> bytes:
    """A byte of the database flipped and the header's checksum made to match (tampering)."""
    header, db = _split_backup(raw)
    damaged = bytearray(db)
    damaged[position] ^= 0x5A
    header["db_sha256"] = hashlib.sha256(damaged).hexdigest()
    return _join_backup(header, bytes(damaged))


_DAMAGE = {
    "database byte flipped": lambda raw: raw[:-5000] + bytes([raw[-5000] ^ 1]) + raw[-4999:],
    "header byte flipped": lambda raw: raw[:40] + bytes([raw[40] ^ 1]) + raw[41:],
    "magic damaged": lambda raw: b"X" + raw[1:],
    "truncated": lambda raw: raw[: len(raw) // 2],
    "cut after the header": lambda raw: raw[: len(raw) - len(_split_backup(raw)[1])],
    "one byte appended": lambda raw: raw + b"\x00",
    "empty": lambda raw: b"",
    "huge header length": lambda raw: (BACKUP_MAGIC + b"\xff\xff\xff\xff"
                                       + raw[len(BACKUP_MAGIC) + 4:]),
    "header is not json": lambda raw: _join_backup_raw(b"not json at all", _split_backup(raw)[1]),
    "rehashed, page 1 damaged": lambda raw: _rehashed(raw, 20),
    "rehashed, a middle page damaged": lambda raw: _rehashed(raw, 5 * PAGE + 700),
    "rehashed, last byte damaged": lambda raw: _rehashed(raw, len(_split_backup(raw)[1]) - 1),
}


def _join_backup_raw(blob: bytes, db: bytes) -> bytes:
    return BACKUP_MAGIC + struct.pack(">I", len(blob)) + blob + db


@pytest.mark.parametrize("damage", sorted(_DAMAGE))
def test_restore_of_a_damaged_backup_creates_nothing(populated_ws: Workspace, tmp_path: Path,
                                                     damage: str) -> None:
    good = populated_ws.backup(tmp_path / "good.cse").read_bytes()
    bad = tmp_path / "bad.cse"
    bad.write_bytes(_DAMAGE[damage](good))
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(BackupInvalid):
        Workspace.restore(bad, tmp_path / "restored", PASSPHRASE)
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no folder, no staging


def test_restore_of_a_missing_backup(tmp_path: Path) -> None:
    with pytest.raises(BackupInvalid):
        Workspace.restore(tmp_path / "none.cse", tmp_path / "restored", PASSPHRASE)
    assert list(tmp_path.iterdir()) == []


# -- pinned settings ---------------------------------------------------------------------------


def test_settings_are_pinned_after_open(ws: Workspace) -> None:
    def pragma(name: str) -> object:
        return ws.db.execute(f"PRAGMA {name}").fetchone()[0]

    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL
    assert pragma("temp_store") == 2  # MEMORY
    assert pragma("secure_delete") == 1
    assert pragma("foreign_keys") == 1
    assert pragma("trusted_schema") == 0
    assert pragma("application_id") == connection.APPLICATION_ID
    assert str(pragma("cipher_version")).startswith("4.")
    settings = {}
    for (line,) in ws.db.execute("PRAGMA cipher_settings").fetchall():
        name, _, value = line.removeprefix("PRAGMA ").rstrip(";").partition(" = ")
        settings[name.strip()] = value.strip()
    for name, value in connection.PINNED_CIPHER.items():
        assert settings[name] == value, name
    connection.verify_settings(ws.db)  # and the check itself agrees


@pytest.mark.parametrize(("pragma", "value"), [
    ("temp_store", "FILE"),
    ("temp_store", "DEFAULT"),
    ("synchronous", "NORMAL"),
    ("secure_delete", "OFF"),
    ("journal_mode", "DELETE"),
])
def test_verify_settings_refuses_an_unsafe_connection(ws: Workspace, pragma: str,
                                                      value: str) -> None:
    ws.db.execute(f"PRAGMA {pragma} = {value}")
    with pytest.raises(UnsafeEngine, match=pragma):
        connection.verify_settings(ws.db)


def test_production_kdf_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The one test at the production Argon2id cost: it takes about 1-2 s."""
    monkeypatch.setattr(keys, "_default", None)  # as outside the test suite
    monkeypatch.setattr(keys, "_floor", keys.FLOOR)
    production = KdfParams.production()
    assert production.time_cost >= 3
    assert production.memory_kib >= 64 * 1024
    assert production == KdfParams()
    assert production != KDF  # the rest of the suite really runs at a different cost

    ws, _ = Workspace.create(tmp_path / "prod", PASSPHRASE, OWNER)  # no kdf given
    ws.lock()
    stored = json.loads((tmp_path / "prod" / KEY_FILE_NAME).read_text())["body"]["slots"]
    for slot in (PASSPHRASE_SLOT, RECOVERY_SLOT):
        kdf = stored[slot]["kdf"]
        assert kdf["name"] == "argon2id"
        assert (kdf["time_cost"], kdf["memory_kib"], kdf["parallelism"]) == (
            production.time_cost, production.memory_kib, production.parallelism)
    assert KeyFile.load(tmp_path / "prod" / KEY_FILE_NAME).kdf_params(RECOVERY_SLOT) == production


def test_insecure_kdf_only_when_asked(ws_folder: Path) -> None:
    kdf = KeyFile.load(ws_folder / KEY_FILE_NAME).kdf_params()
    assert kdf == KdfParams.insecure_for_tests()


# ============================================================================================
# Records
# ============================================================================================

_EDITS: dict[str, dict[str, Any]] = {
    "person": {"school": "Demo Hill College", "also_known_as": ["Pip"]},
    "episode": {"where_found": "Library (fictional)"},
    "submission": {"answers": {"childs_account": "A changed fictional account."}},
    "action": {"text": "A changed fictional action", "status": "done"},
    "association": {"details": "Changed fictional details."},
}


def _new_record(ws: Workspace, kind: str) -> Record:
    if kind == "person":
        return make_person()
    person = ws.people.add(make_person(given_name="Owner", family_name="Of-Records"))
    return {"episode": make_episode, "submission": make_submission, "action": make_action,
            "association": make_association}[kind](person.id)


def _with(record: Record, **changes: Any) -> Record:
    """A validated copy with some fields changed (as an edit form would produce)."""
    return type(record).model_validate({**record.model_dump(), **changes})


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_record_add_get_update_delete(ws: Workspace, kind: str) -> None:
    repo = ws.repository_for(kind)
    new = _new_record(ws, kind)
    before = counts(ws)

    added = repo.add(new)
    assert (added.id, added.version, added.created_by, added.deleted) == (
        new.id, 1, OWNER.name, False)
    assert added.content() == new.content()
    assert repo.get(added.id) == added
    after_add = counts(ws)
    assert after_add == {**before, kind: before[kind] + 1, "audit": before["audit"] + 1,
                         "outbox": before["outbox"] + 1}
    change = ws.outbox.pending()[-1]
    assert (change.record_kind, change.record_id, change.op, change.version,
            change.base_version, change.base_seq) == (kind, added.id, "create", 1, 0, None)
    assert change.fields == added.content()
    event = ws.audit.events()[-1]
    assert (event.action, event.record_kind, event.record_id, event.actor) == (
        AuditAction.CREATE, kind, added.id, OWNER.name)

    updated = repo.update(_with(added, **_EDITS[kind]))
    assert updated.version == 2
    assert repo.get(added.id) == updated
    assert updated.created_at == added.created_at and updated.updated_at >= added.updated_at
    after_update = counts(ws)
    assert after_update == {**after_add, "audit": after_add["audit"] + 1,
                            "outbox": after_add["outbox"] + 1}
    change = ws.outbox.pending()[-1]
    assert (change.op, change.version, change.base_version) == ("update", 2, 1)
    assert change.fields == _EDITS[kind]  # only the fields that changed
    assert ws.audit.events()[-1].action is AuditAction.EDIT

    tombstone = repo.delete(added.id)
    assert (tombstone.deleted, tombstone.version) == (True, 3)
    with pytest.raises(NotFound):
        repo.get(added.id)
    stored = repo.get(added.id, include_deleted=True)
    assert (stored.deleted, stored.version) == (True, 3)
    assert stored.content() == updated.content()
    assert added.id not in {r.id for r in repo.list()}
    assert added.id in {r.id for r in repo.list(include_deleted=True)}
    assert repo.count() == repo.count(include_deleted=True) - 1
    change = ws.outbox.pending()[-1]
    assert (change.op, change.version, change.base_version, change.fields) == (
        "delete", 3, 2, {})
    assert ws.audit.events()[-1].action is AuditAction.DELETE
    assert counts(ws) == {**after_update, "audit": after_update["audit"] + 1,
                          "outbox": after_update["outbox"] + 1}
    with pytest.raises(NotFound):
        repo.delete(added.id)  # already a tombstone
    with pytest.raises(NotFound):
        repo.update(stored)
    assert ws.check().ok


def test_an_update_without_changes_writes_nothing(ws: Workspace) -> None:
    person = ws.people.add(make_person())
    before = counts(ws)
    same = ws.people.update(_with(person, given_name="  Ashlyn "))  # tidied to the same name
    assert same.version == 1
    assert counts(ws) == before


def test_get_with_an_odd_id(ws: Workspace) -> None:
    person = ws.people.add(make_person())
    for odd in ("", "not-an-id", person.id.upper(), person.id + " ", "' OR 1=1 --"):
        with pytest.raises(NotFound):
            ws.people.get(odd)
    with pytest.raises(NotFound):  # right id, wrong kind
        ws.episodes.get(person.id)


def test_duplicate_id_is_refused(ws: Workspace) -> None:
    person = ws.people.add(make_person())
    before = counts(ws)
    with pytest.raises(ValidationFailed, match="already exists"):
        ws.people.add(make_person(id=person.id, given_name="Other"))
    assert counts(ws) == before
    assert ws.check().ok


def test_a_failed_transaction_leaves_no_record_audit_or_outbox(ws: Workspace) -> None:
    ws.people.add(make_person(given_name="Kept"))
    before = counts(ws)
    audit_before = ws.audit.events()

    person = make_person(given_name="Rolled", family_name="Back")
    with pytest.raises(RuntimeError, match="fictional failure"), ws.transaction():
        ws.people.add(person)
        ws.episodes.add(make_episode(person.id))
        raise RuntimeError("fictional failure")
    assert counts(ws) == before
    assert ws.audit.events() == audit_before
    with pytest.raises(NotFound):
        ws.people.get(person.id)

    # a real error part-way through (the episode's person does not exist) undoes it all
    other = make_person(given_name="Also", family_name="Rolled-Back")
    with pytest.raises(NotFound), ws.transaction():
        ws.people.add(other)
        ws.episodes.add(make_episode(make_person().id))
    assert counts(ws) == before

    # and the audit chain carries on correctly from where it really is
    ws.people.add(make_person(given_name="After"))
    assert ws.audit.verify() == before["audit"] + 1
    assert ws.check().ok


def test_a_failed_nested_transaction_undoes_only_its_part(ws: Workspace) -> None:
    before = counts(ws)
    outer_person = make_person(given_name="Outer")
    inner_person = make_person(given_name="Inner")
    later_person = make_person(given_name="Later")
    with ws.transaction():
        ws.people.add(outer_person)
        with pytest.raises(ValueError, match="inner"), ws.transaction():
            ws.people.add(inner_person)
            raise ValueError("inner")
        ws.people.add(later_person)
    assert {p.given_name for p in ws.people.list()} == {"Outer", "Later"}
    assert counts(ws) == {**before, "person": 2, "audit": before["audit"] + 2,
                          "outbox": before["outbox"] + 2}
    assert ws.check().ok


def test_invalid_records_are_refused_and_nothing_is_written(ws: Workspace) -> None:
    person = ws.people.add(make_person())
    before = counts(ws)
    today = date.today()
    for bad in (make_person(dob=today + timedelta(days=1)),
                make_person(dob=date(today.year - 31, 6, 1))):
        with pytest.raises(ValidationFailed, match="dob"):
            ws.people.add(bad)
    with pytest.raises(ValidationFailed):  # assignment bypassed a cross-field rule
        episode = make_episode(person.id)
        ws.episodes.add(episode.model_copy(update={"returned_at": episode.started_at
                                                   - timedelta(hours=1)}))
    with pytest.raises(NotFound):
        ws.episodes.add(make_episode(make_person().id))  # no such person
    with pytest.raises(TypeError):
        ws.people.add(make_episode(person.id))  # type: ignore[arg-type]
    other = ws.people.add(make_person(given_name="Other"))
    before = counts(ws)
    their_episode = ws.episodes.add(make_episode(other.id))
    with pytest.raises(ValidationFailed, match="different person"):
        ws.submissions.add(make_submission(person.id, episode_id=their_episode.id))
    assert counts(ws) == {**before, "episode": before["episode"] + 1,
                          "audit": before["audit"] + 1, "outbox": before["outbox"] + 1}


def test_final_submission_is_immutable(ws: Workspace) -> None:
    person = ws.people.add(make_person())
    draft = ws.submissions.add(make_submission(person.id))
    final = ws.submissions.finalise(draft.id, outcome={"risk": "medium"})
    assert final.is_final and final.status is SubmissionStatus.FINAL
    assert (final.version, final.finalised_by, final.outcome) == (2, OWNER.name,
                                                                   {"risk": "medium"})
    assert ws.audit.events()[-1].action is AuditAction.FINALISE
    before = counts(ws)

    with pytest.raises(ImmutableRecord):
        ws.submissions.update(_with(final, answers={"childs_account": "rewritten"}))
    with pytest.raises(ImmutableRecord):
        ws.submissions.delete(final.id)
    with pytest.raises(ImmutableRecord):
        ws.submissions.finalise(final.id)
    # the database refuses it too, whoever asks
    with pytest.raises(connection.IntegrityError, match="immutable"):
        ws.db.execute("UPDATE records SET data = json_set(data, '$.answers.childs_account', "
                      "'rewritten') WHERE id = ?", (final.id,))
    with pytest.raises(connection.IntegrityError, match="immutable"):
        ws.db.execute("UPDATE records SET deleted = 1 WHERE id = ?", (final.id,))
    with pytest.raises(connection.IntegrityError, match="immutable"):
        ws.db.execute("UPDATE records SET data = json_set(data, '$.status', 'draft') "
                      "WHERE id = ?", (final.id,))
    assert ws.submissions.get(final.id) == final
    assert counts(ws) == before


def test_amend_makes_a_draft_that_points_at_the_final(ws: Workspace) -> None:
    person = ws.people.add(make_person())
    draft = ws.submissions.add(make_submission(person.id))
    with pytest.raises(ValidationFailed):
        ws.submissions.amend(draft.id)  # only a final can be amended
    with pytest.raises(ValidationFailed):
        ws.submissions.add(make_submission(person.id, amends=draft.id))
    final = ws.submissions.finalise(draft.id)
    amendment = ws.submissions.amend(final.id)
    assert amendment.id != final.id
    assert amendment.amends == final.id
    assert amendment.status is SubmissionStatus.DRAFT
    assert amendment.answers == final.answers
    assert (amendment.form_id, amendment.person_id) == (final.form_id, final.person_id)
    assert {s.id for s in ws.submissions.drafts()} == {amendment.id}
    corrected = ws.submissions.update(_with(amendment, answers={"childs_account": "Corrected."}))
    assert corrected.version == 2
    assert ws.submissions.get(final.id) == final


def test_stale_record(ws: Workspace) -> None:
    person = ws.people.add(make_person())
    first = ws.people.get(person.id)
    second = ws.people.get(person.id)
    ws.people.update(_with(first, school="First School (fictional)"))
    before = counts(ws)
    with pytest.raises(StaleRecord):
        ws.people.update(_with(second, school="Second School (fictional)"))
    with pytest.raises(StaleRecord):
        ws.people.update(_with(second, version=5, school="Third School (fictional)"))
    assert counts(ws) == before
    assert ws.people.get(person.id).school == "First School (fictional)"


def test_view_is_audited(ws: Workspace) -> None:
    person = ws.people.add(make_person())
    before = counts(ws)
    assert ws.people.view(person.id) == person
    event = ws.audit.events()[-1]
    assert (event.action, event.record_kind, event.record_id) == (
        AuditAction.VIEW, "person", person.id)
    assert counts(ws) == {**before, "audit": before["audit"] + 1}  # no outbox row for a view
    with pytest.raises(NotFound):
        ws.people.view(make_person().id)
    assert counts(ws) == {**before, "audit": before["audit"] + 1}


def test_audit_rows_hold_ids_not_names(ws: Workspace) -> None:
    person = ws.people.add(make_person(given_name="Quillon", family_name="Vantablack"))
    ws.people.view(person.id)
    ws.people.update(_with(person, family_name="Vantawhite"))
    for row in ws.db.execute("SELECT * FROM audit_event").fetchall():
        text = json.dumps(row).casefold()
        assert "quillon" not in text and "vanta" not in text


# -- search ------------------------------------------------------------------------------------


def _search(ws: Workspace, text: str) -> set[str]:
    return {f"{p.given_name} {p.family_name}" for p in ws.people.search(text)}


def test_search_by_name_and_also_known_as(ws: Workspace) -> None:
    ws.people.add(make_person(given_name="Elowen", family_name="Brackenridge",
                              also_known_as=["Moth"]))
    ws.people.add(make_person(given_name="Corin", family_name="Moorcroft"))
    ws.people.add(make_person(given_name="Zoë", family_name="Ångström", also_known_as=["Ÿ-Bird"]))
    gone = ws.people.add(make_person(given_name="Gone", family_name="Brackenridge"))
    ws.people.delete(gone.id)

    assert _search(ws, "brackenridge") == {"Elowen Brackenridge"}
    assert _search(ws, "BRACKENRIDGE") == {"Elowen Brackenridge"}
    assert _search(ws, "moth") == {"Elowen Brackenridge"}  # also-known-as
    assert _search(ws, "mo") == {"Elowen Brackenridge", "Corin Moorcroft"}
    assert _search(ws, "elo brack") == {"Elowen Brackenridge"}  # every word must match
    assert _search(ws, "elowen moorcroft") == set()
    assert _search(ws, "ZOË") == {"Zoë Ångström"}  # not just ASCII
    assert _search(ws, "ångström") == {"Zoë Ångström"}
    assert _search(ws, "ÿ-bird") == {"Zoë Ångström"}
    assert _search(ws, "gone") == set()  # tombstones are not found
    assert len(ws.people.search("")) == 3
    assert len(ws.people.search("", limit=2)) == 2


def test_search_treats_wildcards_literally(ws: Workspace) -> None:
    ws.people.add(make_person(given_name="Per%cent", family_name="Testwood"))
    ws.people.add(make_person(given_name="Under_score", family_name="Testwood"))
    ws.people.add(make_person(given_name="Back\\slash", family_name="Testwood"))
    ws.people.add(make_person(given_name="Plain", family_name="Testwood",
                              also_known_as=["Underscore", "Percent"]))

    assert _search(ws, "%") == {"Per%cent Testwood"}
    assert _search(ws, "_") == {"Under_score Testwood"}
    assert _search(ws, "r_s") == {"Under_score Testwood"}
    assert _search(ws, "r%c") == {"Per%cent Testwood"}
    assert _search(ws, "\\") == {"Back\\slash Testwood"}
    assert _search(ws, "%%") == set()
    assert _search(ws, "' OR 1=1 --") == set()
    assert len(_search(ws, "testwood")) == 4


# -- derived values ------------------------------------------------------------------------------


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("started", "returned", "overnight"), [
    # daytime only, summer and winter
    ("2024-07-16 09:00", "2024-07-16 15:00", False),
    ("2024-01-16 09:00", "2024-01-16 15:00", False),
    # BST: 23:10-23:50 UTC is 00:10-00:50 in the UK, a night
    ("2024-07-15 23:10", "2024-07-15 23:50", True),
    # BST: 05:10-05:50 UTC is 06:10-06:50 in the UK, after the night
    ("2024-07-16 05:10", "2024-07-16 05:50", False),
    # the same UTC times in winter (GMT) are inside the night
    ("2024-01-16 05:10", "2024-01-16 05:50", True),
    # evening to next afternoon covers a night
    ("2024-07-15 16:00", "2024-07-16 14:00", True),
    # several days, daytime to daytime
    ("2024-03-01 10:00", "2024-03-04 11:00", True),
    # boundaries (winter, so UTC is UK time): back exactly at midnight, gone exactly at 06:00
    ("2024-01-15 20:00", "2024-01-16 00:00", False),
    ("2024-01-16 06:00", "2024-01-16 08:00", False),
    ("2024-01-16 05:59", "2024-01-16 08:00", True),
    ("2024-01-15 23:59", "2024-01-16 00:01", True),
    # BST boundary: 05:00 UTC is 06:00 BST
    ("2024-07-16 05:00", "2024-07-16 07:00", False),
    ("2024-07-16 04:59", "2024-07-16 07:00", True),
])
def test_episode_overnight(started: str, returned: str, overnight: bool) -> None:
    episode = make_episode(make_person().id, started_at=_utc(started), returned_at=_utc(returned))
    assert episode.overnight is overnight


def test_episode_duration_and_return_interview_clock(ws: Workspace) -> None:
    person = ws.people.add(make_person())
    # returned on the Friday before the clocks go forward (31 March 2024)
    started = datetime(2024, 3, 28, 18, 30, tzinfo=UTC)
    returned = datetime(2024, 3, 29, 12, 0, tzinfo=UTC)
    episode = ws.episodes.add(make_episode(person.id, started_at=started, returned_at=returned))
    stored = ws.episodes.get(episode.id)
    assert stored.duration == timedelta(hours=17, minutes=30)
    assert stored.overnight is True
    assert stored.rhi_due_at == returned + timedelta(hours=72)
    assert stored.rhi_due_at == datetime(2024, 4, 1, 12, 0, tzinfo=UTC)
    # 72 elapsed hours, so an hour later on the UK clock across the change
    assert stored.rhi_due_at.astimezone(LOCAL_ZONE).hour == 13
    assert stored.rhi_time_left(returned) == timedelta(hours=72)
    assert stored.rhi_time_left(returned + timedelta(hours=80)) == timedelta(hours=-8)

    # times given in another zone are stored in UTC and keep their instant
    local_start = datetime(2024, 7, 1, 1, 0, tzinfo=LOCAL_ZONE)
    summer = ws.episodes.add(make_episode(person.id, started_at=local_start, returned_at=None))
    stored = ws.episodes.get(summer.id)
    assert stored.started_at == datetime(2024, 7, 1, 0, 0, tzinfo=UTC)
    assert stored.started_at.utcoffset() == timedelta(0)
    assert (stored.duration, stored.overnight, stored.rhi_due_at) == (None, None, None)
    assert stored.rhi_time_left(returned) is None


def test_episode_return_before_start_is_invalid() -> None:
    with pytest.raises(ValueError, match="before"):
        Episode(person_id=make_person().id, started_at=_utc("2024-01-02 10:00"),
                returned_at=_utc("2024-01-02 09:59"))


@pytest.mark.parametrize(("due", "status", "rag"), [
    (None, ActionStatus.OPEN, Rag.GREEN),
    (-30, ActionStatus.OPEN, Rag.RED),
    (-1, ActionStatus.OPEN, Rag.RED),
    (0, ActionStatus.OPEN, Rag.AMBER),
    (1, ActionStatus.OPEN, Rag.AMBER),
    (7, ActionStatus.OPEN, Rag.AMBER),
    (8, ActionStatus.OPEN, Rag.GREEN),
    (60, ActionStatus.OPEN, Rag.GREEN),
    (-5, ActionStatus.DONE, Rag.COMPLETE),
    (3, ActionStatus.CANCELLED, Rag.COMPLETE),
    (None, ActionStatus.DONE, Rag.COMPLETE),
])
def test_action_rag_boundaries(due: int | None, status: ActionStatus, rag: Rag) -> None:
    today = date(2024, 2, 27)  # across the end of a leap-year February
    action = Action(person_id=make_person().id, text="Fictional action", status=status,
                    due=None if due is None else today + timedelta(days=due))
    assert action.rag(today) is rag
