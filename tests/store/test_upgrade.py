"""Upgrading a workspace of the previous schema (2, before sync): an automatic encrypted backup
first, then one atomic migration; drafts come through intact."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support import testkdf

from cse_desktop.store import Workspace, connection, migrate
from cse_desktop.store.backup import read_backup
from cse_desktop.store.keys import KEY_FILE_NAME, PASSPHRASE_SLOT, KeyFile
from cse_desktop.store.workspace import DB_FILE_NAME

from .conftest import snapshot
from .make_schema2_fixture import (
    ASH,
    DRAFT,
    DRAFT_ANSWERS,
    FINAL,
    FIXTURE_DIR,
    FIXTURE_PASSPHRASE,
)


def _raw_schema(folder: Path) -> int:
    key = KeyFile.load(folder / KEY_FILE_NAME).unwrap(PASSPHRASE_SLOT, FIXTURE_PASSPHRASE)
    conn = connection.connect_raw(folder / DB_FILE_NAME, key)
    try:
        return migrate.schema_version(conn)
    finally:
        conn.close()


@pytest.fixture
def old(tmp_path: Path) -> Path:
    assert sorted(p.name for p in FIXTURE_DIR.iterdir()) == [DB_FILE_NAME, KEY_FILE_NAME]
    folder = Path(shutil.copytree(FIXTURE_DIR, tmp_path / "old"))
    assert _raw_schema(folder) == 2
    return folder


def test_an_old_workspace_upgrades_after_a_backup_with_its_draft_intact(old: Path) -> None:
    fixture_before = snapshot(FIXTURE_DIR)
    with Workspace.open(old, FIXTURE_PASSPHRASE) as ws:
        assert ws.schema_version == migrate.LATEST
        draft = ws.submissions.get(DRAFT)
        assert not draft.is_final and draft.answers == DRAFT_ANSWERS
        assert ws.submissions.get(FINAL).is_final
        assert [p.id for p in ws.people.search("sparrow")] == [ASH]
        assert ws.check().ok
        assert ws.sync.pending_count() >= 2  # what was waiting to sync still waits
    [backup] = list(Workspace.backups_path(old).iterdir())
    assert backup.name.startswith(f"before-schema-{migrate.LATEST}-from-2-")
    key_bytes, db_bytes = read_backup(backup)  # the backup holds the workspace as it was
    inside = old.parent / "inside"
    inside.mkdir()
    (inside / KEY_FILE_NAME).write_bytes(key_bytes)
    (inside / DB_FILE_NAME).write_bytes(db_bytes)
    assert _raw_schema(inside) == 2
    assert snapshot(FIXTURE_DIR) == fixture_before
    # the backup restores to a working workspace with the same draft
    with Workspace.restore(backup, old.parent / "restored", FIXTURE_PASSPHRASE) as restored:
        assert restored.submissions.get(DRAFT).answers == DRAFT_ANSWERS


def test_a_failed_upgrade_leaves_the_old_workspace_as_it_was(
        old: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(conn: connection.Connection) -> None:
        raise RuntimeError("injected failure in the middle of the upgrade")

    monkeypatch.setitem(migrate.PYTHON_STEPS, migrate.LATEST, broken)
    with pytest.raises(RuntimeError, match="injected"):
        Workspace.open(old, FIXTURE_PASSPHRASE)
    assert _raw_schema(old) == 2  # every step rolled back, not just the last
    monkeypatch.delitem(migrate.PYTHON_STEPS, migrate.LATEST)
    with Workspace.open(old, FIXTURE_PASSPHRASE) as ws:
        assert ws.schema_version == migrate.LATEST
        assert ws.submissions.get(DRAFT).answers == DRAFT_ANSWERS
        assert ws.check().ok


def test_a_kill_during_the_upgrade_leaves_the_old_workspace_intact(old: Path) -> None:
    script = textwrap.dedent(f"""
        import os, signal
        from cse_desktop.store import Workspace, migrate
        def die(conn):
            conn.execute("UPDATE records SET data = json_set(data, '$.answers', json('{{}}')) "
                         "WHERE json_extract(data, '$.status') = 'draft'")
            os.kill(os.getpid(), signal.SIGKILL)
        migrate.PYTHON_STEPS[migrate.LATEST] = die
        Workspace.open({str(old)!r}, {FIXTURE_PASSPHRASE!r})
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                [str(testkdf.SITE), *sys.path])})
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert _raw_schema(old) == 2
    with Workspace.open(old, FIXTURE_PASSPHRASE) as ws:
        assert ws.schema_version == migrate.LATEST
        assert ws.submissions.get(DRAFT).answers == DRAFT_ANSWERS
        assert ws.check().ok


def test_a_wipe_also_destroys_the_pre_upgrade_backups(old: Path) -> None:
    ws = Workspace.open(old, FIXTURE_PASSPHRASE)
    assert any(Workspace.backups_path(old).iterdir())
    removed = ws.shred()
    assert any(name.startswith("backups/") for name in removed)
    assert not Workspace.backups_path(old).exists()
    assert not any(old.iterdir()) or sorted(p.name for p in old.iterdir()) == [
        "unlock-failures.json"]
