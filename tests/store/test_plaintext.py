"""No plaintext reaches the disk.

A child process (this file, run as a script) writes 1,000 distinct random canary strings
through the repositories: names, also-known-as, addresses, association descriptions and
details, action text and submission answers.  It runs with ``TMPDIR`` (and the working folder)
set to a fresh directory, so that every temporary file it could make lands where we look.

The parent scans every file in the workspace folder (database, WAL, shared memory, key file)
and in that temporary directory twice: while the workspace is still open (WAL present) and
after it is locked.  No canary may appear, in UTF-8 or UTF-16-LE, in any letter case.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cse_desktop.domain.models import Action, Association, AssociationKind, Person, Submission
from cse_desktop.store import Workspace, connection

if TYPE_CHECKING:
    from .conftest import Template

CANARIES = 1000
PREFIX = "CANARY"
_CANARY_RE = re.compile(rb"canary[0-9a-f]{16}")  # matched against lower-cased bytes


# -- the child --------------------------------------------------------------------------------


def _child(folder: str, backup: str) -> None:
    request = json.loads(sys.stdin.readline())
    canaries = iter(request["canaries"])

    def nxt() -> str:
        return next(canaries)

    print(f"tmp {tempfile.gettempdir()}", flush=True)
    ws = Workspace.open(folder, request["passphrase"])
    dob = date.today() - timedelta(days=15 * 365)
    people = []
    with ws.transaction():  # one big transaction ...
        for i in range(100):
            people.append(ws.people.add(Person(
                given_name=nxt(), family_name=nxt(), also_known_as=[nxt(), nxt()], dob=dob,
                address=nxt() if i < 50 else "")))
    for person in people[:50]:  # ... and many small ones, so the WAL holds many frames
        ws.people.update(person.model_copy(update={"given_name": nxt()}))
    for i, person in enumerate(people):
        ws.associations.add(Association(person_id=person.id,
                                        association_kind=AssociationKind.PERSON,
                                        description=nxt(), details=nxt()))
        ws.actions.add(Action(person_id=person.id, text=nxt()))
        submission = ws.submissions.add(Submission(
            form_id="canary-form", form_version=1, person_id=person.id,
            answers={"first": nxt(), "second": nxt()}))
        if i % 2:
            ws.submissions.finalise(submission.id)
    left = list(canaries)
    assert not left, f"{len(left)} canaries not written"
    print("written", flush=True)
    assert sys.stdin.readline().strip() == "close"
    ws.backup(backup)
    ws.lock()
    print("closed", flush=True)


# -- the parent -------------------------------------------------------------------------------


def _files(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()]


def _leaks(files: list[Path], canaries: list[str]) -> list[str]:
    """Where any canary (or even the prefix) appears, in UTF-8 or UTF-16-LE, any case."""
    wanted = {c.lower().encode() for c in canaries}
    sample16 = [c.encode("utf-16-le") for c in canaries[:100]]
    sample16 += [c.lower().encode("utf-16-le") for c in canaries[:100]]
    found = []
    for path in files:
        data = path.read_bytes()
        lowered = data.lower()
        if PREFIX.lower().encode() in lowered:
            hits = set(_CANARY_RE.findall(lowered)) & wanted
            found.append(f"{path.name}: {len(hits)} canaries in UTF-8")
        if PREFIX.lower().encode("utf-16-le") in lowered:
            found.append(f"{path.name}: the prefix in UTF-16-LE")
        if any(c in data for c in sample16):
            found.append(f"{path.name}: a canary in UTF-16-LE")
    return found


def test_the_scanner_finds_plaintext(tmp_path: Path) -> None:
    """The check below can fail: a plain SQLite file and a UTF-16 file are both caught."""
    canaries = [f"{PREFIX}{secrets.token_hex(8)}" for _ in range(20)]
    db = sqlite3.connect(tmp_path / "plain.db")
    db.execute("CREATE TABLE t (v TEXT)")
    db.execute("INSERT INTO t VALUES (?)", (canaries[3].lower(),))
    db.commit()
    db.close()
    (tmp_path / "wide.txt").write_bytes(("x" + canaries[5]).encode("utf-16-le"))
    (tmp_path / "clean.bin").write_bytes(secrets.token_bytes(10_000))
    leaks = _leaks(_files(tmp_path), canaries)
    assert len(leaks) == 3
    assert any(leak.startswith("plain.db: 1 canaries") for leak in leaks)
    assert sum(leak.startswith("wide.txt") for leak in leaks) == 2


def _read_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        errors = proc.stderr.read() if proc.stderr else ""
        raise AssertionError(f"the child stopped early:\n{errors}")
    return line.strip()


def test_no_canary_reaches_any_file(template: Template, ws_folder: Path,
                                    tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    canaries: list[str] = []
    while len(canaries) < CANARIES:
        canary = f"{PREFIX}{secrets.token_hex(8)}"
        if canary not in canaries:
            canaries.append(canary)
    env = {**os.environ, "TMPDIR": str(tmpdir), "TMP": str(tmpdir), "TEMP": str(tmpdir),
           "SQLITE_TMPDIR": str(tmpdir)}
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "child", str(ws_folder),
         str(tmpdir / "backup.cse")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=tmpdir)
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        assert proc.stdin is not None
        request = {"passphrase": template.passphrase, "canaries": canaries}
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        assert Path(_read_line(proc).removeprefix("tmp ")).resolve() == tmpdir.resolve()
        assert _read_line(proc) == "written"

        # still open: the WAL holds the recent writes
        wal = ws_folder / "workspace.db-wal"
        assert wal.stat().st_size > 100_000
        open_files = _files(ws_folder, tmpdir)
        assert {p.name for p in open_files} >= {"workspace.db", "workspace.db-wal",
                                                "workspace.db-shm", "workspace.key"}
        assert _leaks(open_files, canaries) == []

        proc.stdin.write("close\n")
        proc.stdin.flush()
        assert _read_line(proc) == "closed"
        assert proc.wait(timeout=60) == 0
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    closed_files = _files(ws_folder, tmpdir)
    assert {p.name for p in _files(ws_folder)} == {"workspace.db", "workspace.key"}
    assert tmpdir / "backup.cse" in closed_files
    assert _leaks(closed_files, canaries) == []
    db = (ws_folder / "workspace.db").read_bytes()
    assert db[:16] != connection.SQLITE_MAGIC
    assert len(db) > 400_000  # the data really went into this file
    for plain in (b"SQLite format", b"CREATE TABLE", b"audit_event", b"search_text",
                  b"canary-form", b"Test Worker"):
        for path in closed_files:
            assert plain not in path.read_bytes(), f"{plain!r} in {path.name}"

    # and the canaries are really there, behind the key
    with Workspace.open(ws_folder, template.passphrase) as ws:
        stored = json.dumps([r.content() for kind in ("person", "association", "action",
                                                      "submission")
                             for r in ws.repository_for(kind).list()])
    assert sum(c in stored for c in canaries) == CANARIES - 50  # 50 names were replaced


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "child":
    _child(sys.argv[2], sys.argv[3])
