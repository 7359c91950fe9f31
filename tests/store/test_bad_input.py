"""Bad input changes nothing.

Each case puts something wrong in a workspace folder, tries to open it, and checks that

* the right error class from ``cse_desktop.domain.errors`` is raised,
* every file in the folder is byte-for-byte unchanged and no file appears (the one exception:
  ``unlock-failures.json`` after a wrong passphrase, which is how the throttle works),
* the error message holds no traceback text and no key material.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from cse_desktop.domain.errors import (
    CseError,
    IntegrityFailure,
    KeyFileDamaged,
    LockedOut,
    NotOurDatabase,
    StaleRecord,
    ValidationFailed,
    WrongPassphrase,
)
from cse_desktop.store import Workspace, connection
from cse_desktop.store.keys import KEY_FILE_NAME, PASSPHRASE_SLOT, RECOVERY_SLOT, KeyFile
from cse_desktop.store.throttle import THROTTLE_FILE_NAME
from cse_desktop.store.workspace import DB_FILE_NAME

from .conftest import (
    PASSPHRASE,
    WRONG_PASSPHRASE,
    Template,
    copy_template,
    create_workspace,
    make_person,
    snapshot,
)

PAGE = connection.PAGE_SIZE


def _forbidden_texts(template: Template) -> list[str]:
    """Secrets that must never reach an error message, in every spelling we can think of."""
    key_file = KeyFile.load(template.folder / KEY_FILE_NAME)
    db_key = key_file.unwrap(PASSPHRASE_SLOT, template.passphrase)
    texts = [template.passphrase, WRONG_PASSPHRASE, template.recovery_code,
             template.recovery_code.replace("-", ""), db_key.hex(), db_key.hex().upper(),
             base64.b64encode(db_key).decode(), repr(db_key)[2:-1]]
    for slot in (PASSPHRASE_SLOT, RECOVERY_SLOT):
        data = key_file.slots[slot]
        texts += [data["wrapped_key"], data["nonce"], data["kdf"]["salt"]]
    return texts


def assert_clean_message(exc: BaseException, template: Template) -> None:
    message = str(exc)
    assert isinstance(exc, CseError)
    assert message == exc.message
    assert message.strip(), "an error needs a message"
    for marker in ("Traceback", 'File "', "line ", "sqlcipher3", "dbapi2", "Error:", "\n"):
        assert marker not in message, f"{marker!r} in {message!r}"
    for secret in _forbidden_texts(template):
        assert secret not in message, f"key material in {message!r}"
    if isinstance(exc, WrongPassphrase):
        assert exc.__cause__ is None and exc.__suppress_context__


def _attempt(folder: Path, template: Template, error: type[CseError] | tuple[type[CseError], ...],
             passphrase: str = PASSPHRASE) -> CseError:
    """Open ``folder``; it must fail with ``error`` and change no file."""
    before = snapshot(folder)
    with pytest.raises(error) as caught:
        Workspace.open(folder, passphrase)
    after = snapshot(folder)
    assert after == before
    assert_clean_message(caught.value, template)
    return caught.value


# -- passphrase -----------------------------------------------------------------------------------


def test_wrong_passphrase(ws_folder: Path, template: Template) -> None:
    before = snapshot(ws_folder)
    for attempt in range(1, 4):
        with pytest.raises(WrongPassphrase) as caught:
            Workspace.open(ws_folder, WRONG_PASSPHRASE)
        assert_clean_message(caught.value, template)
        after = snapshot(ws_folder)
        # exactly one new file, the throttle's; the key file counts the failure, nothing else
        # is touched
        assert set(after) == set(before) | {THROTTLE_FILE_NAME}
        assert {k: after[k] for k in before if k != KEY_FILE_NAME} == {
            k: v for k, v in before.items() if k != KEY_FILE_NAME}
        assert KeyFile.load(ws_folder / KEY_FILE_NAME).failures == attempt
        assert WRONG_PASSPHRASE not in (ws_folder / KEY_FILE_NAME).read_text()
        state = json.loads((ws_folder / THROTTLE_FILE_NAME).read_text())
        assert len(state["failures"]) == attempt
        text = (ws_folder / THROTTLE_FILE_NAME).read_text()
        assert WRONG_PASSPHRASE not in text and PASSPHRASE not in text
    # an empty or absurdly long secret is just wrong, too
    for bad in ("", "x" * 5000):
        with pytest.raises(WrongPassphrase):
            Workspace.open(ws_folder, bad)
        with pytest.raises(WrongPassphrase):
            Workspace.open(ws_folder, recovery_code=bad)
    # and the right one still works, writing the failures to the audit log
    with Workspace.open(ws_folder, PASSPHRASE) as ws:
        assert [e.action.value for e in ws.audit.events()][-8:] == (
            ["failed-unlock"] * 7 + ["unlock"])
    assert not (ws_folder / THROTTLE_FILE_NAME).exists()


# -- the key file ---------------------------------------------------------------------------------


def test_key_file_with_any_single_byte_flipped(ws_folder: Path, template: Template) -> None:
    key = ws_folder / KEY_FILE_NAME
    good = key.read_bytes()
    assert len(good) > 500
    for position in range(len(good)):
        for mask in (0x01, 0x80):
            damaged = bytearray(good)
            damaged[position] ^= mask
            key.write_bytes(bytes(damaged))
            try:
                _attempt(ws_folder, template, KeyFileDamaged)
            except AssertionError as exc:
                raise AssertionError(f"byte {position} ^ {mask:#x}: {exc}") from exc
    assert not (ws_folder / THROTTLE_FILE_NAME).exists()  # a damaged file is not a guess


def _key_body(folder: Path) -> dict:
    return json.loads((folder / KEY_FILE_NAME).read_text())["body"]


def _write_key_body(folder: Path, body: dict) -> None:
    """A key file with a *valid* checksum over ``body`` (damage the checksum does not catch)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    (folder / KEY_FILE_NAME).write_text(json.dumps(
        {"body": body, "sha256": hashlib.sha256(canonical.encode()).hexdigest()}))


def _kdf(body: dict, **values: object) -> dict:
    body["slots"][PASSPHRASE_SLOT]["kdf"].update(values)
    return body


_KEY_DAMAGE = {
    "empty": lambda folder: (folder / KEY_FILE_NAME).write_bytes(b""),
    "one byte": lambda folder: (folder / KEY_FILE_NAME).write_bytes(b"{"),
    "cut in half": lambda folder: (folder / KEY_FILE_NAME).write_bytes(
        (folder / KEY_FILE_NAME).read_bytes()[:400]),
    "last byte missing": lambda folder: (folder / KEY_FILE_NAME).write_bytes(
        (folder / KEY_FILE_NAME).read_bytes()[:-1]),
    "not json": lambda folder: (folder / KEY_FILE_NAME).write_text("this is not a key file"),
    "json list": lambda folder: (folder / KEY_FILE_NAME).write_text("[1, 2, 3]"),
    "empty object": lambda folder: (folder / KEY_FILE_NAME).write_text("{}"),
    "binary": lambda folder: (folder / KEY_FILE_NAME).write_bytes(secrets.token_bytes(900)),
    "huge": lambda folder: (folder / KEY_FILE_NAME).write_bytes(b" " * 70_000),
    "missing": lambda folder: (folder / KEY_FILE_NAME).unlink(),
    "checksum valid, no slots": lambda folder: _write_key_body(
        folder, {**_key_body(folder), "slots": {}}),
    "checksum valid, other format": lambda folder: _write_key_body(
        folder, {**_key_body(folder), "format": "something-else"}),
    "checksum valid, newer version": lambda folder: _write_key_body(
        folder, {**_key_body(folder), "version": 2}),
    "checksum valid, absurd kdf memory": lambda folder: _write_key_body(
        folder, _kdf(_key_body(folder), memory_kib=2**40)),
    "checksum valid, absurd kdf passes": lambda folder: _write_key_body(
        folder, _kdf(_key_body(folder), time_cost=10**9)),
    "checksum valid, kdf not numbers": lambda folder: _write_key_body(
        folder, _kdf(_key_body(folder), time_cost="three")),
    "checksum valid, short salt": lambda folder: _write_key_body(
        folder, _kdf(_key_body(folder), salt=base64.b64encode(b"salt").decode())),
    "checksum valid, salt not base64": lambda folder: _write_key_body(
        folder, _kdf(_key_body(folder), salt="not base64 at all!")),
}


@pytest.mark.parametrize("damage", sorted(_KEY_DAMAGE))
def test_damaged_key_file(ws_folder: Path, template: Template, damage: str) -> None:
    _KEY_DAMAGE[damage](ws_folder)
    _attempt(ws_folder, template, KeyFileDamaged)
    assert not (ws_folder / THROTTLE_FILE_NAME).exists()


# -- the database file ----------------------------------------------------------------------------


def _truncate(folder: Path, size: int) -> None:
    db = folder / DB_FILE_NAME
    db.write_bytes(db.read_bytes()[:size])


@pytest.mark.parametrize(("cut", "error"), [
    ("empty", NotOurDatabase),
    ("first 100 bytes", NotOurDatabase),
    ("mid-page", NotOurDatabase),
    ("last byte", NotOurDatabase),
    ("half the pages", IntegrityFailure),
    ("last page", IntegrityFailure),
])
def test_truncated_database(populated_folder: Path, template: Template, cut: str,
                            error: type[CseError]) -> None:
    size = (populated_folder / DB_FILE_NAME).stat().st_size
    pages = size // PAGE
    assert pages > 10
    _truncate(populated_folder, {
        "empty": 0, "first 100 bytes": 100, "mid-page": (pages // 2) * PAGE + 1234,
        "last byte": size - 1, "half the pages": (pages // 2) * PAGE,
        "last page": size - PAGE}[cut])
    _attempt(populated_folder, template, error)


def test_database_missing(ws_folder: Path, template: Template) -> None:
    (ws_folder / DB_FILE_NAME).unlink()
    _attempt(ws_folder, template, NotOurDatabase)
    assert not (ws_folder / DB_FILE_NAME).exists()


@pytest.mark.parametrize("size", [PAGE * 8, PAGE * 8 + 17, 100])
def test_foreign_file_as_database(ws_folder: Path, template: Template, size: int) -> None:
    (ws_folder / DB_FILE_NAME).write_bytes(secrets.token_bytes(size))
    _attempt(ws_folder, template, NotOurDatabase)


def test_plain_sqlite_file_as_database(ws_folder: Path, template: Template,
                                       tmp_path: Path) -> None:
    plain = tmp_path / "plain.db"
    db = sqlite3.connect(plain)
    db.execute("CREATE TABLE records (id TEXT PRIMARY KEY, data TEXT)")
    db.executemany("INSERT INTO records VALUES (?, ?)",
                   [(str(i), "fictional plain row") for i in range(200)])
    db.commit()
    db.close()
    shutil.copyfile(plain, ws_folder / DB_FILE_NAME)
    assert (ws_folder / DB_FILE_NAME).read_bytes().startswith(connection.SQLITE_MAGIC)
    _attempt(ws_folder, template, NotOurDatabase)


def test_plain_sqlite_file_in_wal_mode_as_database(ws_folder: Path, template: Template,
                                                   tmp_path: Path) -> None:
    plain = tmp_path / "plain.db"
    db = sqlite3.connect(plain)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("INSERT INTO meta VALUES ('workspace_id', ?)", (template.workspace_id,))
    db.commit()
    db.close()
    shutil.copyfile(plain, ws_folder / DB_FILE_NAME)
    _attempt(ws_folder, template, NotOurDatabase)


def test_database_of_another_workspace(ws_folder: Path, template: Template,
                                       tmp_path: Path) -> None:
    other, _ = create_workspace(tmp_path / "other")
    other.people.add(make_person(given_name="Someone", family_name="Else"))
    other.lock()
    shutil.copyfile(tmp_path / "other" / DB_FILE_NAME, ws_folder / DB_FILE_NAME)
    _attempt(ws_folder, template, NotOurDatabase)
    # and the other way round: our database with the other workspace's key file works with
    # neither passphrase
    mixed = copy_template(template, tmp_path / "mixed")
    shutil.copyfile(tmp_path / "other" / KEY_FILE_NAME, mixed / KEY_FILE_NAME)
    _attempt(mixed, template, NotOurDatabase)


def test_database_with_the_right_key_but_another_workspace_id(ws_folder: Path,
                                                              template: Template) -> None:
    # as if a key file had been restored beside the wrong database made with the same key
    with Workspace.open(ws_folder, PASSPHRASE) as ws:
        ws.db.execute("UPDATE meta SET value = ? WHERE key = 'workspace_id'",
                      ("00000000-0000-4000-8000-000000000000",))
    _attempt(ws_folder, template, NotOurDatabase)


def test_throttle_file_damaged_does_not_block_the_right_passphrase(ws_folder: Path) -> None:
    (ws_folder / THROTTLE_FILE_NAME).write_bytes(b"\x00not json")
    with Workspace.open(ws_folder, PASSPHRASE) as ws:
        assert ws.check().ok
    assert not (ws_folder / THROTTLE_FILE_NAME).exists()


# -- error messages -----------------------------------------------------------------------------


def test_error_messages_hold_no_traceback_key_material_or_personal_data(
        ws_folder: Path, template: Template, tmp_path: Path) -> None:
    """Collect the errors a user can meet and check every message."""
    caught: list[CseError] = []

    def collect(error: type[CseError], call: object, *args: object, **kwargs: object) -> None:
        with pytest.raises(error) as info:
            call(*args, **kwargs)  # type: ignore[operator]
        caught.append(info.value)

    collect(WrongPassphrase, Workspace.open, ws_folder, WRONG_PASSPHRASE)
    collect(WrongPassphrase, Workspace.open, ws_folder, recovery_code="0000-1111-2222-3333")
    ws = Workspace.open(ws_folder, PASSPHRASE)
    person = ws.people.add(make_person(given_name="Privatename", family_name="Secretfamily"))
    collect(WrongPassphrase, ws.change_passphrase, WRONG_PASSPHRASE, "a perfectly fine one")
    collect(ValidationFailed, ws.change_passphrase, PASSPHRASE, "short")
    bad_dob = person.model_copy(update={"dob": person.dob + timedelta(days=40 * 365)})
    collect(ValidationFailed, ws.people.update, bad_dob)
    too_long = person.model_copy(update={"given_name": "Privatename" * 20})
    collect(ValidationFailed, ws.people.update, too_long)
    stale = person.model_copy(update={"version": 7, "school": "Elsewhere"})
    collect(StaleRecord, ws.people.update, stale)
    ws.lock()

    db_path = ws_folder / DB_FILE_NAME
    good_db = db_path.read_bytes()
    db_path.write_bytes(good_db[: len(good_db) // 2 + 5])
    collect(NotOurDatabase, Workspace.open, ws_folder, PASSPHRASE)
    db_path.write_bytes(good_db[: PAGE * 2])
    collect(IntegrityFailure, Workspace.open, ws_folder, PASSPHRASE)
    db_path.write_bytes(good_db)
    (ws_folder / KEY_FILE_NAME).write_text("{}")
    collect(KeyFileDamaged, Workspace.open, ws_folder, PASSPHRASE)

    locked = copy_template(template, tmp_path / "locked")
    clock_value = 1_900_000_000.0
    for _ in range(9):
        with pytest.raises(WrongPassphrase):
            Workspace.open(locked, WRONG_PASSPHRASE, clock=lambda: clock_value)
    collect(LockedOut, Workspace.open, locked, WRONG_PASSPHRASE, clock=lambda: clock_value)
    collect(LockedOut, Workspace.open, locked, PASSPHRASE, clock=lambda: clock_value)

    assert len(caught) == 12
    for exc in caught:
        assert_clean_message(exc, template)
        for personal in ("Privatename", "Secretfamily", str(ws_folder), os.fspath(tmp_path)):
            assert personal not in str(exc), f"{personal!r} in {exc}"
