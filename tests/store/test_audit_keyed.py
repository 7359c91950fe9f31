"""The audit chain is keyed, and cutting it is caught (issue 16, item 6).

The attack the issue reproduced: someone who knows the passphrase opens the database with
SQLCipher, removes the append-only triggers, deletes the last audit rows and resets the stored
end of the chain.  Before, ``cse-desktop check`` passed (exit 0).  Now the key file holds the
chain's count and head (HMAC under the audit key) from the last unlock or lock, so the next
unlock writes an ``audit-cut`` event and ``check`` exits 4 with a plain sentence, then and in
every later session.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cse_desktop.domain.models import AuditAction
from cse_desktop.store import Workspace, connection
from cse_desktop.store.audit import _keyed_hash, _row_hash, mark_mac
from cse_desktop.store.keys import KEY_FILE_NAME, PASSPHRASE_SLOT, KeyFile
from cse_desktop.store.workspace import DB_FILE_NAME

from .conftest import PASSPHRASE, make_person
from .make_schema2_fixture import FIXTURE_DIR, FIXTURE_PASSPHRASE

_COLUMNS = "seq, at, actor, action, record_kind, record_id, reason, prev_hash, hash"


def _raw(folder: Path, passphrase: str = PASSPHRASE) -> connection.Connection:
    """The attacker's own SQLCipher connection, keyed with the key the passphrase unwraps."""
    key = KeyFile.load(folder / KEY_FILE_NAME).unwrap(PASSPHRASE_SLOT, passphrase)
    conn = connection.connect_raw(folder / DB_FILE_NAME, key)
    conn.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    return conn


def _cut(folder: Path, keep: int, passphrase: str = PASSPHRASE) -> None:
    """Delete every audit row after ``keep`` and reset the stored end of the chain to it."""
    conn = _raw(folder, passphrase)
    try:
        last = conn.execute("SELECT hash FROM audit_event WHERE seq = ?", (keep,)).fetchone()[0]
        conn.execute("DELETE FROM audit_event WHERE seq > ?", (keep,))
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{keep}:{last}",))
    finally:
        conn.close()


#: this checkout, so the command run is the code under test (not another installed copy)
REPO = Path(__file__).resolve().parents[2]


def _check(folder: Path, passphrase: str = PASSPHRASE) -> subprocess.CompletedProcess:
    """``cse-desktop check`` as a user runs it: a real process."""
    return subprocess.run([sys.executable, "-m", "cse_desktop", "check", "--workspace",
                           str(folder), "--passphrase-stdin"], input=passphrase + "\n",
                          capture_output=True, text=True, timeout=120, cwd=REPO,
                          env=dict(os.environ))  # (conftest: this checkout and the test KDF)


def _busy(folder: Path) -> int:
    """Three sessions of work; returns the number of audit rows."""
    for i in range(3):
        with Workspace.open(folder, PASSPHRASE) as ws:
            ws.people.add(make_person(given_name=f"Corin{i}"))
    with Workspace.open(folder, PASSPHRASE) as ws:
        return ws.audit.count()


def test_a_new_chain_is_keyed_from_its_first_row(ws: Workspace) -> None:
    ws.people.add(make_person())
    rows = ws.db.execute(f"SELECT {_COLUMNS} FROM audit_event ORDER BY seq").fetchall()
    key = bytes.fromhex(ws.db.execute("SELECT value FROM meta WHERE key = 'audit_key'").scalar())
    assert ws.db.execute("SELECT value FROM meta WHERE key = 'audit_keyed_from'").scalar() == "1"
    assert key != bytes(ws.key_material())  # derived, never the database key itself
    for row in rows:
        assert row[8] == _keyed_hash(key, *row[:8])
        assert row[8] != _row_hash(*row[:8])
    assert ws.audit.verify() == len(rows)


def test_a_rewrite_with_the_public_hash_rule_is_detected(ws: Workspace) -> None:
    """Rewriting the chain from a row to the end, head included, with plain SHA-256 (which
    passed before) fails now: the rows are keyed."""
    ws.people.add(make_person())
    last = ws.audit.verify()
    ws.db.execute("DROP TRIGGER audit_event_no_update")
    rows = ws.db.execute(f"SELECT {_COLUMNS} FROM audit_event WHERE seq >= 2 ORDER BY seq"
                         ).fetchall()
    prev = ws.db.execute("SELECT hash FROM audit_event WHERE seq = 1").scalar()
    for row in rows:
        fields = list(row[:8])
        fields[2] = "Someone Else"
        fields[7] = prev
        prev = _row_hash(*fields)
        ws.db.execute("UPDATE audit_event SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                      (fields[2], fields[7], prev, row[0]))
    ws.db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{last}:{prev}",))
    problems = ws.audit.problems()
    assert any("its content was changed" in p for p in problems), problems


def test_the_key_file_carries_the_chains_end_at_lock(ws_folder: Path) -> None:
    with Workspace.open(ws_folder, PASSPHRASE) as ws:
        ws.people.add(make_person())
    with Workspace.open(ws_folder, PASSPHRASE) as ws:
        mark = KeyFile.load(ws_folder / KEY_FILE_NAME).audit_mark
        assert mark is not None
        lock_row = ws.audit.events()[-2]  # the lock, then this unlock
        assert lock_row.action is AuditAction.LOCK
        # the mark now is this unlock's; the one at the lock was checked on the way in
        assert mark["count"] == ws.audit.count() and mark["head"] == ws.audit.events()[-1].hash
        key = bytes.fromhex(ws.db.execute("SELECT value FROM meta WHERE key = 'audit_key'"
                                          ).scalar())
        assert mark["mac"] == mark_mac(key, ws.workspace_id, mark["count"], mark["head"])
        assert ws.check().ok


def test_the_issues_attack_now_fails_check_with_exit_4(ws_folder: Path) -> None:
    rows = _busy(ws_folder)
    assert _check(ws_folder).returncode == 0  # sound before the attack
    _cut(ws_folder, keep=rows - 6)
    result = _check(ws_folder)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "The audit log was cut" in result.stderr
    assert "Events were removed from this workspace's audit log" in result.stderr
    # the end the key file recorded: the lock after the sound check (its unlock, its lock)
    assert f"it ended at event {rows + 3}" in result.stderr
    # the finding is itself in the log, so it stays: the next check fails the same way
    again = _check(ws_folder)
    assert again.returncode == 4 and "The audit log was cut" in again.stderr
    with Workspace.open(ws_folder, PASSPHRASE) as ws:
        assert [e.action for e in ws.audit.events()].count(AuditAction.AUDIT_CUT) == 1


def test_an_older_copy_of_the_database_put_back_is_caught(ws_folder: Path,
                                                           tmp_path: Path) -> None:
    """No key needed: an old workspace.db copied over today's (the key file stays)."""
    with Workspace.open(ws_folder, PASSPHRASE) as ws:
        ws.people.add(make_person())
    old = tmp_path / "old.db"
    shutil.copyfile(ws_folder / DB_FILE_NAME, old)
    _busy(ws_folder)
    shutil.copyfile(old, ws_folder / DB_FILE_NAME)
    with Workspace.open(ws_folder, PASSPHRASE) as ws:
        problems = ws.check().audit
    assert any(p.startswith("The audit log was cut") for p in problems), problems


def _edit_key_file(folder: Path, change: object) -> None:
    path = folder / KEY_FILE_NAME
    outer = json.loads(path.read_bytes())
    change(outer["body"])  # type: ignore[operator]
    canonical = json.dumps(outer["body"], sort_keys=True, separators=(",", ":"))
    outer["sha256"] = hashlib.sha256(canonical.encode()).hexdigest()  # a consistent file
    path.write_text(json.dumps(outer))


@pytest.mark.parametrize("how", ["remove the mark", "set the mark to the cut end"])
def test_editing_the_key_files_mark_does_not_hide_the_cut(ws_folder: Path, how: str) -> None:
    rows = _busy(ws_folder)
    keep = rows - 6
    conn = _raw(ws_folder)
    head = conn.execute("SELECT hash FROM audit_event WHERE seq = ?", (keep,)).fetchone()[0]
    conn.close()
    _cut(ws_folder, keep)
    if how == "remove the mark":
        _edit_key_file(ws_folder, lambda body: body.pop("audit_mark"))
    else:  # without the audit key the HMAC cannot be made
        _edit_key_file(ws_folder, lambda body: body["audit_mark"].update(count=keep, head=head))
    result = _check(ws_folder)
    assert result.returncode == 4 and "The audit log was cut" in result.stderr, result.stderr


def test_what_only_the_hub_can_catch(ws_folder: Path) -> None:
    """The limit, stated: someone holding the database key can also read the audit key and
    write a matching mark.  Locally that passes; the hub catches it (tests/hub)."""
    rows = _busy(ws_folder)
    keep = rows - 6
    _cut(ws_folder, keep)
    conn = _raw(ws_folder)
    key = bytes.fromhex(conn.execute("SELECT value FROM meta WHERE key = 'audit_key'"
                                     ).fetchone()[0])
    head = conn.execute("SELECT hash FROM audit_event WHERE seq = ?", (keep,)).fetchone()[0]
    conn.close()
    kf = KeyFile.load(ws_folder / KEY_FILE_NAME)
    mac = mark_mac(key, kf.workspace_id, keep, head)
    _edit_key_file(ws_folder, lambda body: body["audit_mark"].update(count=keep, head=head,
                                                                      mac=mac))
    assert _check(ws_folder).returncode == 0


def test_an_old_unkeyed_chain_still_verifies_and_is_keyed_from_a_marked_row(
        tmp_path: Path) -> None:
    folder = Path(shutil.copytree(FIXTURE_DIR, tmp_path / "old"))
    key = KeyFile.load(folder / KEY_FILE_NAME).unwrap(PASSPHRASE_SLOT, FIXTURE_PASSPHRASE)
    conn = connection.connect_raw(folder / DB_FILE_NAME, key)
    old_rows = conn.execute(f"SELECT {_COLUMNS} FROM audit_event ORDER BY seq").fetchall()
    conn.close()
    assert old_rows and all(r[8] == _row_hash(*r[:8]) for r in old_rows)  # made unkeyed
    with Workspace.open(folder, FIXTURE_PASSPHRASE) as ws:
        events = ws.audit.events()
        marker = events[len(old_rows)]
        assert marker.action is AuditAction.AUDIT_KEYED and marker.seq == len(old_rows) + 1
        assert events[-1].action is AuditAction.UNLOCK  # after the pre-upgrade backup
        assert ws.check().ok
        start = int(ws.db.execute("SELECT value FROM meta WHERE key = 'audit_keyed_from'"
                                  ).scalar())
        assert start == marker.seq
        # moving the start of the keyed part later (to pass keyed rows off as unkeyed) shows
        ws.db.execute("UPDATE meta SET value = ? WHERE key = 'audit_keyed_from'",
                      (str(start + 1),))
        ws.audit.wipe()  # forget the cached key: read meta again
        assert any("content was changed" in p or "keyed log was moved" in p
                   for p in ws.audit.problems())
        ws.db.execute("UPDATE meta SET value = ? WHERE key = 'audit_keyed_from'",
                      (str(start),))
        ws.audit.wipe()
    with Workspace.open(folder, FIXTURE_PASSPHRASE) as ws:
        assert ws.check().ok
        assert [e.action for e in ws.audit.events()].count(AuditAction.AUDIT_KEYED) == 1


def test_a_key_file_that_cannot_be_written_never_stops_a_lock(
        ws_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace.open(ws_folder, PASSPHRASE)
    key = ws_folder / KEY_FILE_NAME
    saved = key.read_bytes()

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    # (root ignores file modes, so a full disk is simulated at the writer)
    monkeypatch.setattr("cse_desktop.store.keys.atomic_write", disk_full)
    ws.lock()  # logged, not raised
    assert not ws.is_open
    assert key.read_bytes() == saved  # the mark could not be written: the file is as it was
