"""Weak keys are refused (issue 16, item 2).

The findings reproduced: the loader accepted key files at the test suite's cheap cost (8 KiB, 1
pass), and a passphrase change kept whatever cost the key file had.  Now a key file below
``keys.FLOOR`` is refused with a plain error and nothing changes; one at or above the floor but
below today's default has its passphrase slot re-wrapped at the default by the next unlock; a
passphrase change wraps at the default.  (The shipped command line's side: test_cli_keys.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cse_desktop.domain.errors import KeyTooWeak
from cse_desktop.store import KdfParams, Workspace, keys
from cse_desktop.store.keys import FLOOR, KEY_FILE_NAME, PASSPHRASE_SLOT, RECOVERY_SLOT, KeyFile
from cse_desktop.store.throttle import THROTTLE_FILE_NAME

from .conftest import NEW_PASSPHRASE, OWNER, PASSPHRASE, Template, snapshot

#: a cost above the floor, cheap enough for a test (about 0.1 s)
ABOVE_FLOOR = KdfParams(time_cost=4, memory_kib=65_536, parallelism=4)


@pytest.fixture
def real_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The floor the shipped program has (the suite lowers it to its cheap cost)."""
    monkeypatch.setattr(keys, "_floor", FLOOR)


def test_the_floor_is_rfc_9106s_second_setting_and_below_every_shipped_default() -> None:
    assert (FLOOR.time_cost, FLOOR.memory_kib) == (3, 64 * 1024)
    first_default = KdfParams(time_cost=3, memory_kib=262_144, parallelism=4)
    for shipped in (first_default, KdfParams.production()):
        assert not shipped.weaker_than(FLOOR)
    assert first_default.weaker_than(KdfParams.production())  # upgraded at the next unlock
    assert KdfParams.insecure_for_tests().weaker_than(FLOOR)
    # fewer lanes cost an attacker nothing: not a reason to refuse or to upgrade
    assert not KdfParams(3, 65_536, 1).weaker_than(FLOOR)


@pytest.mark.usefixtures("real_floor")
def test_a_key_file_below_the_floor_is_refused_plainly_and_nothing_changes(
        ws_folder: Path, template: Template) -> None:
    before = snapshot(ws_folder)
    for secret in ({"passphrase": PASSPHRASE}, {"recovery_code": template.recovery_code}):
        with pytest.raises(KeyTooWeak) as caught:
            Workspace.open(ws_folder, **secret)  # type: ignore[arg-type]
        assert caught.value.exit_status == 4
        assert "less work than CSE Desktop accepts" in caught.value.message
        assert "cannot be unlocked" in caught.value.message
    assert snapshot(ws_folder) == before
    assert not (ws_folder / THROTTLE_FILE_NAME).exists()


@pytest.mark.usefixtures("real_floor")
def test_one_weak_slot_is_enough_to_refuse(tmp_path: Path) -> None:
    ws, _ = Workspace.create(tmp_path / "ws", PASSPHRASE, OWNER, kdf=FLOOR)
    db_key = bytes(ws._db_key)
    ws.lock()
    path = tmp_path / "ws" / KEY_FILE_NAME
    kf = KeyFile.load(path)  # at the floor: accepted
    body = json.loads(kf.rewrap(RECOVERY_SLOT, "0000-0000-0000-0000-0000-0000", db_key,
                                KdfParams(time_cost=2, memory_kib=65_536,
                                          parallelism=4)).to_bytes())
    path.write_bytes(json.dumps(body).encode())
    with pytest.raises(KeyTooWeak):
        Workspace.open(tmp_path / "ws", PASSPHRASE)


@pytest.mark.usefixtures("real_floor")
def test_a_key_file_below_the_default_is_upgraded_at_the_next_unlock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws, code = Workspace.create(tmp_path / "ws", PASSPHRASE, OWNER, kdf=FLOOR)
    ws.lock()
    path = tmp_path / "ws" / KEY_FILE_NAME
    monkeypatch.setattr(keys, "_default", ABOVE_FLOOR)  # today's default rose since
    assert KeyFile.load(path).below_default()
    with Workspace.open(tmp_path / "ws", PASSPHRASE) as ws:
        assert ws.people.count() == 0
    upgraded = KeyFile.load(path)
    assert upgraded.kdf_params(PASSPHRASE_SLOT) == ABOVE_FLOOR
    assert not upgraded.below_default()
    # the recovery slot waits for its code (a recovery unlock replaces the code anyway)
    assert upgraded.kdf_params(RECOVERY_SLOT) == FLOOR
    slot = upgraded.slots[PASSPHRASE_SLOT]
    with Workspace.open(tmp_path / "ws", PASSPHRASE) as ws:  # opens; no second re-wrap
        assert ws.check().ok
    assert KeyFile.load(path).slots[PASSPHRASE_SLOT] == slot
    with Workspace.open(tmp_path / "ws", recovery_code=code) as ws:
        ws.new_recovery_code()
    assert KeyFile.load(path).kdf_params(RECOVERY_SLOT) == ABOVE_FLOOR


def test_a_passphrase_change_wraps_at_todays_default(ws: Workspace,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    stronger = KdfParams(time_cost=2, memory_kib=16, parallelism=1)
    monkeypatch.setattr(keys, "_default", stronger)
    ws.change_passphrase(PASSPHRASE, NEW_PASSPHRASE)
    assert KeyFile.load(ws.folder / KEY_FILE_NAME).kdf_params(PASSPHRASE_SLOT) == stronger


def test_a_backup_below_the_floor_is_not_restored(ws: Workspace, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    backup = ws.backup(tmp_path / "weak.csebackup")
    monkeypatch.setattr(keys, "_floor", FLOOR)
    with pytest.raises(KeyTooWeak):
        Workspace.restore(backup, tmp_path / "restored", PASSPHRASE)
    assert not (tmp_path / "restored").exists()
