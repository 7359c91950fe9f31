"""Failed-unlock throttling, with an injected fake clock.

* 10 wrong attempts within 5 minutes: the 11th attempt raises LockedOut without running the
  key derivation (even the right passphrase is refused, nothing is recorded, and it costs no
  Argon2id time);
* the state lives in a file, so it survives a restart (a new process is locked out too);
* once the lock-out has passed, the right passphrase works, and the failures are in the audit
  log as 'failed-unlock' events (at the fake clock's times) followed by 'unlock';
* each further lock-out without a successful unlock lasts longer, up to the maximum.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cse_desktop.domain.errors import LockedOut, WrongPassphrase
from cse_desktop.store import KdfParams, Workspace
from cse_desktop.store.keys import KEY_FILE_NAME, PASSPHRASE_SLOT, KeyFile
from cse_desktop.store.throttle import (
    MAX_FAILURES,
    MAX_LOCKOUT,
    RECORD_REMOVED,
    THROTTLE_FILE_NAME,
    WINDOW,
)

from .conftest import PASSPHRASE, WRONG_PASSPHRASE, sha256

START = 1_900_000_000.0  # a fixed moment in 2030


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _fail(folder: Path, clock: FakeClock, times: int, gap: float = 10.0) -> list[float]:
    """``times`` wrong attempts, ``gap`` seconds apart; returns when each was made."""
    made = []
    for _ in range(times):
        clock.advance(gap)
        # the attempt that starts a lock-out says so at once (LockedOut, not WrongPassphrase)
        with pytest.raises((WrongPassphrase, LockedOut)):
            Workspace.open(folder, WRONG_PASSPHRASE, clock=clock)
        made.append(clock.now)
    return made


def _state(folder: Path) -> dict:
    return json.loads((folder / THROTTLE_FILE_NAME).read_text())


def test_ten_failures_lock_out_the_eleventh_attempt(ws_folder: Path) -> None:
    clock = FakeClock()
    assert MAX_FAILURES == 10 and WINDOW == 300
    _fail(ws_folder, clock, 9)
    assert _state(ws_folder)["locked_until"] == 0  # nine is not yet too many
    clock.advance(10)
    with pytest.raises(LockedOut, match=r"not correct\. That was too many wrong attempts"):
        Workspace.open(ws_folder, WRONG_PASSPHRASE, clock=clock)  # the tenth, within 100 s
    state = _state(ws_folder)
    assert state["locked_until"] == clock.now + WINDOW
    assert state["lockouts"] == 1

    before = sha256(ws_folder / THROTTLE_FILE_NAME)
    for secret in (WRONG_PASSPHRASE, PASSPHRASE):  # the right one too: no attempt is made
        clock.advance(1)
        with pytest.raises(LockedOut) as caught:
            Workspace.open(ws_folder, secret, clock=clock)
        assert 0 < caught.value.retry_after <= WINDOW
        assert "minute" in str(caught.value)
    with pytest.raises(LockedOut):
        Workspace.open(ws_folder, recovery_code="0000-0000-0000-0000-0000-0000", clock=clock)
    # attempts while locked out are not counted and do not extend the lock-out
    assert sha256(ws_folder / THROTTLE_FILE_NAME) == before


def test_failures_spread_beyond_the_window_do_not_lock_out(ws_folder: Path) -> None:
    clock = FakeClock()
    _fail(ws_folder, clock, 15, gap=40.0)  # never more than 8 in any 5 minutes
    assert _state(ws_folder)["locked_until"] == 0
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        assert [e.action.value for e in ws.audit.events()][-16:] == (
            ["failed-unlock"] * 15 + ["unlock"])


def test_locked_out_attempts_run_no_key_derivation(ws_folder: Path) -> None:
    clock = FakeClock()
    _fail(ws_folder, clock, 10)
    # Make the passphrase slot expensive (same database key, a costly Argon2id): if the
    # derivation ran while locked out, the attempt would take as long as a real one.
    key_path = ws_folder / KEY_FILE_NAME
    cheap = KeyFile.load(key_path)
    db_key = cheap.unwrap(PASSPHRASE_SLOT, PASSPHRASE)
    cheap.rewrap(PASSPHRASE_SLOT, PASSPHRASE, db_key,
                 KdfParams(time_cost=20, memory_kib=64 * 1024, parallelism=1)).save(key_path)

    clock.advance(1)
    started = time.perf_counter()
    with pytest.raises(LockedOut):
        Workspace.open(ws_folder, PASSPHRASE, clock=clock)
    locked_out = time.perf_counter() - started

    clock.advance(WINDOW)  # after the lock-out, the same call really derives the key
    started = time.perf_counter()
    with pytest.raises(WrongPassphrase):
        Workspace.open(ws_folder, WRONG_PASSPHRASE, clock=clock)
    derived = time.perf_counter() - started
    assert locked_out * 20 < derived, (locked_out, derived)


_RESTARTED = """
import sys
from cse_desktop.domain.errors import LockedOut
from cse_desktop.store import Workspace
try:
    Workspace.open(sys.argv[1], sys.stdin.readline().rstrip("\\n"),
                   clock=lambda: float(sys.argv[2]))
except LockedOut as exc:
    print(f"locked out {exc.retry_after:.0f}")
else:
    print("opened")
"""


def _open_in_new_process(folder: Path, now: float) -> str:
    done = subprocess.run([sys.executable, "-c", _RESTARTED, str(folder), repr(now)],
                          input=PASSPHRASE + "\n", capture_output=True, text=True, timeout=60,
                          check=True)
    return done.stdout.strip()


def test_the_lock_out_survives_a_restart(ws_folder: Path) -> None:
    clock = FakeClock()
    _fail(ws_folder, clock, 10)
    assert _open_in_new_process(ws_folder, clock.now + 60) == f"locked out {WINDOW - 60:.0f}"
    assert (ws_folder / THROTTLE_FILE_NAME).exists()
    assert _open_in_new_process(ws_folder, clock.now + WINDOW + 1) == "opened"
    assert not (ws_folder / THROTTLE_FILE_NAME).exists()


def test_after_the_lock_out_the_right_passphrase_works_and_is_audited(ws_folder: Path) -> None:
    clock = FakeClock()
    failed_at = _fail(ws_folder, clock, 10)
    clock.advance(WINDOW - 1)
    with pytest.raises(LockedOut):
        Workspace.open(ws_folder, PASSPHRASE, clock=clock)
    clock.advance(2)
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        events = ws.audit.events()
        assert [e.action.value for e in events[-11:]] == ["failed-unlock"] * 10 + ["unlock"]
        assert [e.at for e in events[-11:-1]] == [datetime.fromtimestamp(t, UTC)
                                                  for t in failed_at]
        assert all(e.record_id == "" and e.reason == "" for e in events[-11:-1])
        assert ws.audit.verify() == len(events)
    # a successful unlock starts afresh: the file is gone and nine failures do not lock out
    assert not (ws_folder / THROTTLE_FILE_NAME).exists()
    _fail(ws_folder, clock, 9)
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        assert [e.action.value for e in ws.audit.events()][-10:] == (
            ["failed-unlock"] * 9 + ["unlock"])


def test_lock_outs_grow_until_the_maximum(ws_folder: Path) -> None:
    clock = FakeClock()
    lengths = []
    for _ in range(6):
        _fail(ws_folder, clock, 10)
        with pytest.raises(LockedOut) as caught:
            Workspace.open(ws_folder, PASSPHRASE, clock=clock)
        lengths.append(round(caught.value.retry_after))
        clock.advance(caught.value.retry_after + 1)
    assert lengths == [300, 600, 1200, 2400, 3600, 3600]
    assert lengths[1] > lengths[0]
    assert max(lengths) == MAX_LOCKOUT
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        assert [e.action.value for e in ws.audit.events()][-61:] == (
            ["failed-unlock"] * 60 + ["unlock"])


# -- evidence: the record of failures cannot be removed unnoticed (issue 16, item 5) ---------


def _removed_events(ws: Workspace) -> list[str]:
    return [e.reason for e in ws.audit.events()
            if e.action.value == "failed-unlock" and e.reason.startswith(RECORD_REMOVED)]


def test_a_removed_record_of_failures_is_written_to_the_audit(ws_folder: Path) -> None:
    """The finding: deleting unlock-failures.json reset the throttle and the failed attempts
    never reached the audit log."""
    clock = FakeClock()
    _fail(ws_folder, clock, 3)
    (ws_folder / THROTTLE_FILE_NAME).unlink()
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        assert _removed_events(ws) == [
            f"{RECORD_REMOVED}: 3 failed unlocks counted in the key file missing from "
            f"{THROTTLE_FILE_NAME}"]
        assert [e.action.value for e in ws.audit.events()][-2:] == ["failed-unlock", "unlock"]
    # said once: the next unlocks are clean
    _fail(ws_folder, clock, 2)
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        assert len(_removed_events(ws)) == 1
        assert [e.action.value for e in ws.audit.events()][-3:] == (
            ["failed-unlock"] * 2 + ["unlock"])


def test_an_edited_record_holding_fewer_failures_is_noticed(ws_folder: Path) -> None:
    clock = FakeClock()
    failed_at = _fail(ws_folder, clock, 4)
    state = _state(ws_folder)
    state["failures"] = state["failures"][:1]
    (ws_folder / THROTTLE_FILE_NAME).write_text(json.dumps(state))
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        events = ws.audit.events()
        assert [e.at for e in events[-3:-2]] == [datetime.fromtimestamp(failed_at[0], UTC)]
        assert _removed_events(ws) == [
            f"{RECORD_REMOVED}: 3 failed unlocks counted in the key file missing from "
            f"{THROTTLE_FILE_NAME}"]


def test_lowering_the_key_files_count_or_altering_its_sealed_part_is_noticed(
        ws_folder: Path) -> None:
    clock = FakeClock()
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock):
        pass
    _fail(ws_folder, clock, 2)
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock):
        pass  # the key file has now sealed "2 seen"
    key_path = ws_folder / KEY_FILE_NAME
    kf = KeyFile.load(key_path)
    assert kf.failures == 2
    kf.failures = 0  # both records of new failures rewound, the count below the sealed one
    kf.save(key_path)
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        assert _removed_events(ws) == [
            f"{RECORD_REMOVED}: the key file's count of failed unlocks was lowered"]
    kf = KeyFile.load(key_path)
    assert kf.sealed is not None
    kf.sealed["data"]["failures_seen"] = 99  # without the database key, the seal breaks
    kf.save(key_path)
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        assert _removed_events(ws)[-1] == (
            f"{RECORD_REMOVED}: the key file's sealed count was altered")


def test_deleting_the_record_does_not_end_a_lock_out(ws_folder: Path) -> None:
    clock = FakeClock()
    _fail(ws_folder, clock, 10)
    (ws_folder / THROTTLE_FILE_NAME).unlink()
    clock.advance(1)
    with pytest.raises(LockedOut):
        Workspace.open(ws_folder, PASSPHRASE, clock=clock)
    clock.advance(WINDOW)
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        assert len(_removed_events(ws)) == 1


def test_no_false_alarm_after_a_crash_between_the_two_records(ws_folder: Path) -> None:
    """The record is written before the key file: a crash in between leaves the key file
    counting fewer, which is not a removal."""
    clock = FakeClock()
    _fail(ws_folder, clock, 2)
    key_path = ws_folder / KEY_FILE_NAME
    kf = KeyFile.load(key_path)
    kf.failures -= 1  # as if killed between the two writes of the second failure
    kf.save(key_path)
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        assert _removed_events(ws) == []
        assert [e.action.value for e in ws.audit.events()][-3:] == (
            ["failed-unlock"] * 2 + ["unlock"])


def test_a_restored_backup_raises_no_alarm(ws_folder: Path, tmp_path: Path) -> None:
    clock = FakeClock()
    with Workspace.open(ws_folder, PASSPHRASE, clock=clock) as ws:
        with pytest.raises(WrongPassphrase):  # counted in the key file while unlocked
            ws.verify_passphrase(WRONG_PASSPHRASE)
        ws._key_file = KeyFile.load(ws_folder / KEY_FILE_NAME)  # the backup carries the count
        assert ws._key_file.failures == 1
        backup = ws.backup(tmp_path / "b.csebackup")
    with Workspace.restore(backup, tmp_path / "restored", PASSPHRASE) as restored:
        assert _removed_events(restored) == []
