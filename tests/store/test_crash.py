"""Crash safety: kill -9 a writer at random moments; nothing acknowledged is ever lost.

``crash_writer.py`` writes records in a loop and prints each change only after its transaction
committed.  This test SIGKILLs it after a random delay, then opens the workspace (which runs
the full integrity check after an unclean shutdown), checks it completely (page HMACs, b-tree,
audit chain, outbox) and looks up every acknowledged change.

``CSE_CRASH_CYCLES`` sets the number of cycles (default 50; ``make soak`` uses 2000), and
``CSE_CRASH_SEED`` repeats a failing run's random choices (the seed is in every failure
message; the kill timing itself can never be replayed exactly).  The writer
is fast, so when the database has grown past ``RESET_BYTES`` every acknowledged change is
checked and the run carries on in a fresh copy of the template: a long soak stays linear.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cse_desktop.domain.errors import NotFound
from cse_desktop.store import Workspace
from cse_desktop.store.workspace import DB_FILE_NAME

from .conftest import PASSPHRASE, Template, copy_template

pytestmark = pytest.mark.slow

WRITER = Path(__file__).with_name("crash_writer.py")
CYCLES = int(os.environ.get("CSE_CRASH_CYCLES", "50"))
MAX_DELAY = 0.25  # seconds of writing before the kill
RESET_BYTES = 8 * 2**20


class _Writer:
    """One run of the child: started, read continuously, killed."""

    def __init__(self, folder: Path, seed: int, stderr: Path) -> None:
        self._err = stderr.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(folder), str(seed)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err)
        assert self.proc.stdin is not None
        self.proc.stdin.write(PASSPHRASE.encode() + b"\n")
        self.proc.stdin.close()
        self.output = bytearray()
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read1(65536):
            self.output += chunk
            if not self.ready.is_set() and b"ready\n" in self.output:
                self.ready.set()
        self.ready.set()  # end of output: stop waiting either way

    def kill(self) -> list[str]:
        """SIGKILL the child; the complete lines it printed (a torn last line is dropped)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        self._err.close()
        text = self.output.decode()
        lines = text.split("\n")[:-1]  # the part after the last newline is not acknowledged
        return lines


def _verify_all(folder: Path, people: set[str], episodes: set[str], versions: dict[str, int],
                seed: int) -> None:
    """Everything acknowledged so far is in ``folder``."""
    with Workspace.open(folder, PASSPHRASE) as ws:
        assert ws.check().ok
        stored = {r.id: r.version for r in ws.people.list()}
        assert people <= stored.keys(), f"seed {seed}: {len(people - stored.keys())} lost"
        assert episodes <= {e.id for e in ws.episodes.list()}, f"seed {seed}"
        for person_id, version in versions.items():
            assert stored[person_id] >= version, f"seed {seed}: {person_id}"


def test_kill_9_never_loses_an_acknowledged_write(template: Template, tmp_path: Path) -> None:
    seed = int(os.environ.get("CSE_CRASH_SEED", secrets.randbits(32)))
    rng = random.Random(seed)
    generation = 0
    folder = copy_template(template, tmp_path / f"ws-{generation}")
    people: set[str] = set()
    episodes: set[str] = set()
    versions: dict[str, int] = {}
    writes = cycles_with_writes = 0
    stderr = tmp_path / "writer-stderr.txt"

    for cycle in range(CYCLES):
        where = f"cycle {cycle}, seed {seed}"
        writer = _Writer(folder, rng.randrange(2**31), stderr)
        try:
            assert writer.ready.wait(timeout=60), f"{where}: the writer never got ready"
            assert writer.proc.poll() is None, (
                f"{where}: the writer stopped by itself:\n{stderr.read_text()}")
            time.sleep(0 if rng.random() < 0.1 else rng.uniform(0, MAX_DELAY))
            lines = writer.kill()
        finally:
            if writer.proc.poll() is None:
                writer.proc.kill()
                writer.proc.wait()
        assert writer.proc.returncode == -signal.SIGKILL, (
            f"{where}: the writer was not killed by us:\n{stderr.read_text()}")
        assert lines[0] == "ready", f"{where}: {lines[:3]}"

        new_people, new_episodes, new_versions = set(), set(), {}
        for line in lines[1:]:
            tag, record_id, *rest = line.split(" ")
            if tag == "P":
                new_people.add(record_id)
            elif tag == "E":
                new_episodes.add(record_id)
            elif tag == "U":
                new_versions[record_id] = max(new_versions.get(record_id, 0), int(rest[0]))
            else:
                raise AssertionError(f"{where}: unexpected line {line!r}")
        if len(lines) > 1:
            cycles_with_writes += 1
        writes += len(new_people) + len(new_versions)
        people |= new_people
        episodes |= new_episodes
        versions.update(new_versions)

        ws = Workspace.open(folder, PASSPHRASE)
        try:
            report = ws.check()
            assert report.ok, f"{where}: {report}"
            try:
                for person_id in new_people:
                    ws.people.get(person_id)
                for episode_id in new_episodes:
                    ws.episodes.get(episode_id)
            except NotFound as exc:
                raise AssertionError(f"{where}: an acknowledged write was lost: {exc}") from None
            for person_id, version in new_versions.items():
                assert ws.people.get(person_id).version >= version, where
        finally:
            ws.lock()

        if (folder / DB_FILE_NAME).stat().st_size > RESET_BYTES:
            _verify_all(folder, people, episodes, versions, seed)
            shutil.rmtree(folder)
            generation += 1
            folder = copy_template(template, tmp_path / f"ws-{generation}")
            people, episodes, versions = set(), set(), {}

    # everything acknowledged since the last fresh start is still there at the end
    _verify_all(folder, people, episodes, versions, seed)
    assert writes >= CYCLES, f"seed {seed}: too few writes to prove anything"
    assert cycles_with_writes >= CYCLES // 2, f"seed {seed}: the kills missed the writes"
