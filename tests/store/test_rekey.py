"""Re-keying (issue 16, item 1): a new database key, passphrase and recovery code.

The finding reproduced: a passphrase change only re-wrapped the key, so an old copy of the key
file with the old passphrase opened today's database, records added after the change included;
the recovery code never changed, even after use.  Now ``Workspace.rekey`` re-encrypts the
database under a new key, and the old key files and secrets no longer open it (old backups do,
with the secrets of their day); a recovery unlock leaves a new recovery code due.

The kill cycles (slow) stop the re-key at each step and at random moments: afterwards exactly
one of the old and the new passphrase opens the workspace, with every record.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cse_desktop.domain.errors import NotOurDatabase, ValidationFailed, WrongPassphrase
from cse_desktop.store import Workspace, rekey
from cse_desktop.store.keys import KEY_FILE_NAME, KeyFile
from cse_desktop.store.workspace import DB_FILE_NAME

from .conftest import (
    NEW_PASSPHRASE,
    PASSPHRASE,
    WRONG_PASSPHRASE,
    Template,
    copy_template,
    counts,
    make_person,
)

CHILD = Path(__file__).with_name("rekey_child.py")


def _audit_reasons(ws: Workspace) -> list[str]:
    return [e.reason for e in ws.audit.events()]


def test_rekey_revokes_old_key_files_and_secrets(populated_folder: Path,
                                                 populated_template: Template,
                                                 tmp_path: Path) -> None:
    folder = populated_folder
    old_key_file = (folder / KEY_FILE_NAME).read_bytes()
    old_salt = (folder / DB_FILE_NAME).read_bytes()[:16]
    with Workspace.open(folder, PASSPHRASE) as ws:
        before = counts(ws)
        old_backup = ws.backup(tmp_path / "before.csebackup")
        code = ws.rekey(PASSPHRASE, NEW_PASSPHRASE)
        assert code != populated_template.recovery_code
        added = ws.people.add(make_person(given_name="Afterwards"))  # the connection works
        assert ws.check().ok
        assert rekey.REKEYED in _audit_reasons(ws)
    assert not rekey.pending_path(folder).exists()
    assert (folder / DB_FILE_NAME).read_bytes()[:16] != old_salt  # encrypted afresh

    with pytest.raises(WrongPassphrase):
        Workspace.open(folder, PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        Workspace.open(folder, recovery_code=populated_template.recovery_code)
    # an old copy of the key file (from any backup) opens nothing today
    stale = shutil.copytree(folder, tmp_path / "stale")
    (stale / KEY_FILE_NAME).write_bytes(old_key_file)
    for secret in ({"passphrase": PASSPHRASE},
                   {"recovery_code": populated_template.recovery_code}):
        with pytest.raises(NotOurDatabase):
            Workspace.open(stale, **secret)  # type: ignore[arg-type]

    for secret in ({"passphrase": NEW_PASSPHRASE}, {"recovery_code": code}):
        with Workspace.open(folder, **secret) as ws:  # type: ignore[arg-type]
            assert ws.people.get(added.id).given_name == "Afterwards"
            assert ws.check().ok
    # an old backup still opens, with the secrets of its day, and holds what it held
    with Workspace.restore(old_backup, tmp_path / "restored", PASSPHRASE) as ws:
        assert counts(ws)["person"] == before["person"]


def test_rekey_refusals_change_nothing(populated_ws: Workspace) -> None:
    folder = populated_ws.folder
    audit_before = populated_ws.audit.count()
    slots_before = KeyFile.load(folder / KEY_FILE_NAME).slots
    with pytest.raises(WrongPassphrase):
        populated_ws.rekey(WRONG_PASSPHRASE, NEW_PASSPHRASE)
    with pytest.raises(ValidationFailed, match=r"too easy to guess|at least"):
        populated_ws.rekey(PASSPHRASE, "password12")
    with pytest.raises(ValidationFailed, match="old one may have been seen"):
        populated_ws.rekey(PASSPHRASE, PASSPHRASE)
    assert KeyFile.load(folder / KEY_FILE_NAME).slots == slots_before
    assert not rekey.pending_path(folder).exists()
    assert populated_ws.audit.count() == audit_before  # nothing was written
    assert populated_ws.check().ok


def test_a_recovery_unlock_leaves_a_new_recovery_code_due(ws_folder: Path,
                                                          template: Template) -> None:
    with Workspace.open(ws_folder, PASSPHRASE) as ws:
        assert not ws.recovery_code_used
    with Workspace.open(ws_folder, recovery_code=template.recovery_code) as ws:
        assert ws.recovery_code_used
    with Workspace.open(ws_folder, PASSPHRASE) as ws:  # still due at the next unlock
        assert ws.recovery_code_used
        code = ws.new_recovery_code()
        assert not ws.recovery_code_used
        assert "new recovery code" in _audit_reasons(ws)
    with pytest.raises(WrongPassphrase):
        Workspace.open(ws_folder, recovery_code=template.recovery_code)
    with Workspace.open(ws_folder, recovery_code=code) as ws:
        assert ws.recovery_code_used


def test_a_leftover_copy_that_the_key_does_not_open_is_removed(ws_folder: Path) -> None:
    """A crash before the new key file: the copy is under a key no key file holds."""
    other = ws_folder.parent / "other"
    ws2, _ = Workspace.create(other, NEW_PASSPHRASE, Workspace.open(ws_folder, PASSPHRASE).owner)
    ws2.lock()
    shutil.copy(other / DB_FILE_NAME, rekey.pending_path(ws_folder))
    with Workspace.open(ws_folder, PASSPHRASE) as ws:
        assert rekey.UNDONE in _audit_reasons(ws)
    assert not rekey.pending_path(ws_folder).exists()


# -- kill -9 at every step and at random moments ------------------------------------------


class _Child:
    def __init__(self, folder: Path, stop: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(CHILD), str(folder), stop],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n".encode())
        self.proc.stdin.close()
        self.lines: list[str] = []
        self.seen = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            with self.seen:
                self.lines.append(raw.decode().strip())
                self.seen.notify_all()
        with self.seen:
            self.lines.append("<eof>")
            self.seen.notify_all()

    def wait_for(self, line: str, timeout: float = 60) -> None:
        with self.seen:
            assert self.seen.wait_for(lambda: line in self.lines or "<eof>" in self.lines,
                                      timeout), self.lines
        assert line in self.lines, (self.lines, self.proc.stderr and self.proc.stderr.read())

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


def _which_opens(folder: Path, expected: dict[str, int]) -> str:
    """The one passphrase that opens the workspace (asserting that exactly one does), after
    checking the workspace completely."""
    opened = []
    for secret in (PASSPHRASE, NEW_PASSPHRASE):
        try:
            ws = Workspace.open(folder, secret)
        except WrongPassphrase:
            continue
        with ws:
            assert ws.check().ok
            found = counts(ws)
            assert {k: found[k] for k in expected if k != "audit"} == {
                k: v for k, v in expected.items() if k != "audit"}
        opened.append(secret)
    assert len(opened) == 1, opened
    assert not rekey.pending_path(folder).exists()
    return opened[0]


def _expected(template: Template) -> dict[str, int]:
    with Workspace.open(template.folder, PASSPHRASE) as ws:
        return counts(ws)


@pytest.mark.slow
@pytest.mark.parametrize(("stop", "survivor"), [("copied", PASSPHRASE), ("closed", PASSPHRASE),
                                                ("saved", NEW_PASSPHRASE),
                                                ("switched", NEW_PASSPHRASE)])
def test_a_kill_at_each_step_leaves_the_old_or_the_new_workspace(
        populated_template: Template, tmp_path: Path, stop: str, survivor: str) -> None:
    expected = _expected(populated_template)
    folder = copy_template(populated_template, tmp_path / "ws")
    child = _Child(folder, stop)
    child.wait_for(f"at {stop}")
    child.kill()
    assert _which_opens(folder, expected) == survivor


@pytest.mark.slow
def test_kills_at_random_moments_never_leave_neither(populated_template: Template,
                                                     tmp_path: Path) -> None:
    expected = _expected(populated_template)
    seed = int(os.environ.get("CSE_CRASH_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    # how long a whole re-key takes here, to spread the kills over it
    folder = copy_template(populated_template, tmp_path / "timing")
    child = _Child(folder, "-")
    child.wait_for("ready")
    started = time.monotonic()
    child.wait_for("done")
    span = time.monotonic() - started
    child.proc.wait(timeout=30)
    assert _which_opens(folder, expected) == NEW_PASSPHRASE
    survivors = []
    for cycle in range(int(os.environ.get("CSE_REKEY_CYCLES", "16"))):
        folder = copy_template(populated_template, tmp_path / f"ws{cycle}")
        child = _Child(folder, "-")
        child.wait_for("ready")
        time.sleep(rng.uniform(0, span * 1.2))
        child.kill()
        survivors.append(_which_opens(folder, expected))
        shutil.rmtree(folder)
    print(f"seed {seed}, re-key {span * 1000:.0f} ms, survivors: "
          f"{survivors.count(PASSPHRASE)} old, {survivors.count(NEW_PASSPHRASE)} new")
