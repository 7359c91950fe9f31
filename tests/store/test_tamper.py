"""Tampering is detected.

1. Single-byte flips at 100 distinct places of a copy of a workspace database, spread over every
   page (page headers, page bodies, and the page tails where SQLCipher keeps each page's IV and
   HMAC) are all detected: opening raises NotOurDatabase or IntegrityFailure, or ws.check()
   reports integrity problems, or reading a record raises.  No flip may go unnoticed.
2. Someone holding the key drops the audit log's triggers and edits, deletes or inserts audit
   rows: ws.audit.verify() raises AuditChainBroken and ws.check() reports it.
"""

from __future__ import annotations

import random
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from cse_desktop.domain.errors import AuditChainBroken, IntegrityFailure, NotOurDatabase
from cse_desktop.store import Workspace, connection
from cse_desktop.store.audit import _row_hash
from cse_desktop.store.keys import KEY_FILE_NAME
from cse_desktop.store.workspace import DB_FILE_NAME

from .conftest import PASSPHRASE, Template, make_person, read_everything

PAGE = connection.PAGE_SIZE
RESERVE = 80  # SQLCipher 4 with HMAC-SHA512: a 16-byte IV and a 64-byte HMAC end each page
FLIPS = 100
SPECIAL_OFFSETS = [0, 1, 7, 15, 16, 17, 24, 99, 100, 101, 2048,
                   PAGE - RESERVE - 1, PAGE - RESERVE, PAGE - RESERVE + 15,
                   PAGE - 64, PAGE - 63, PAGE - 2, PAGE - 1]


def _positions(pages: int, rng: random.Random) -> list[int]:
    """100 distinct byte positions: every page at least once, special offsets and random ones."""
    chosen: list[int] = []
    seen: set[int] = set()

    def take(position: int) -> None:
        if position not in seen and len(chosen) < FLIPS:
            seen.add(position)
            chosen.append(position)

    for page in range(pages):
        take(page * PAGE + SPECIAL_OFFSETS[page % len(SPECIAL_OFFSETS)])
    i = 0
    while len(chosen) < FLIPS:
        page = rng.randrange(pages)
        offset = SPECIAL_OFFSETS[i % len(SPECIAL_OFFSETS)] if i % 2 else rng.randrange(PAGE)
        take(page * PAGE + offset)
        i += 1
    return chosen


def _detected(folder: Path) -> str | None:
    """How the damage in ``folder`` showed itself, or None when it went unnoticed."""
    try:
        ws = Workspace.open(folder, PASSPHRASE)
    except (NotOurDatabase, IntegrityFailure) as exc:
        return f"open: {type(exc).__name__}"
    try:
        report = ws.check()
        if report.integrity:
            return "check: integrity"
        try:
            read_everything(ws)
        except Exception as exc:  # any failure to read counts as noticed
            return f"read: {type(exc).__name__}"
        if not report.ok:
            return "check: audit/outbox"
        return None
    finally:
        ws.lock()


def _place(folder: Path, template: Template, db: bytes) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copyfile(template.folder / KEY_FILE_NAME, folder / KEY_FILE_NAME)
    (folder / DB_FILE_NAME).write_bytes(db)


def test_every_single_byte_flip_is_detected(populated_template: Template,
                                            tmp_path: Path) -> None:
    good = (populated_template.folder / DB_FILE_NAME).read_bytes()
    pages = len(good) // PAGE
    assert len(good) % PAGE == 0
    assert 20 <= pages <= FLIPS, pages

    folder = tmp_path / "copy"
    _place(folder, populated_template, good)
    assert _detected(folder) is None  # the undamaged copy is fine: detection means something

    rng = random.Random(4242)
    positions = _positions(pages, rng)
    assert len(set(positions)) == FLIPS
    assert {p // PAGE for p in positions} == set(range(pages))  # every page
    assert sum(p % PAGE >= PAGE - RESERVE for p in positions) >= 15  # IVs and HMACs
    assert sum(p % PAGE < 16 for p in positions) >= 15  # page starts (and the salt)

    how: Counter[str] = Counter()
    silent = []
    for position in positions:
        damaged = bytearray(good)
        damaged[position] ^= rng.randrange(1, 256)
        _place(folder, populated_template, bytes(damaged))
        found = _detected(folder)
        if found is None:
            silent.append((position // PAGE, position % PAGE))
        how[found or "SILENT"] += 1
    assert silent == [], f"flips not detected (page, offset): {silent}; {dict(how)}"
    assert sum(how.values()) == FLIPS


# -- the audit chain --------------------------------------------------------------------------

_COLUMNS = "seq, at, actor, action, record_kind, record_id, reason, prev_hash, hash"


def _row(ws: Workspace, seq: int) -> list:
    return list(ws.db.execute(f"SELECT {_COLUMNS} FROM audit_event WHERE seq = ?",
                              (seq,)).fetchone())


def _insert(ws: Workspace, row: list) -> None:
    ws.db.execute(f"INSERT INTO audit_event ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  row)


def _rehash(row: list) -> list:
    return [*row[:8], _row_hash(*row[:8])]


def _edit_middle(ws: Workspace, mid: int, last: int) -> None:
    ws.db.execute("UPDATE audit_event SET reason = 'tampered' WHERE seq = ?", (mid,))


def _edit_middle_actor_and_rehash(ws: Workspace, mid: int, last: int) -> None:
    row = _row(ws, mid)
    row[2] = "Someone Else"
    row = _rehash(row)
    ws.db.execute("UPDATE audit_event SET actor = ?, hash = ? WHERE seq = ?",
                  (row[2], row[8], mid))


def _edit_last_and_rehash(ws: Workspace, mid: int, last: int) -> None:
    row = _row(ws, last)
    row[6] = "tampered"
    row = _rehash(row)
    ws.db.execute("UPDATE audit_event SET reason = ?, hash = ? WHERE seq = ?",
                  (row[6], row[8], last))


def _delete(seq_of: str) -> Callable[[Workspace, int, int], None]:
    def delete(ws: Workspace, mid: int, last: int) -> None:
        seq = {"first": 1, "middle": mid, "last": last}[seq_of]
        ws.db.execute("DELETE FROM audit_event WHERE seq = ?", (seq,))
    return delete


def _insert_at_end(ws: Workspace, mid: int, last: int) -> None:
    row = _row(ws, last)
    forged = [last + 1, row[1], row[2], "view", "person", "", "", row[8], ""]
    _insert(ws, _rehash(forged))  # a well-formed row; only the recorded head disagrees


def _insert_bogus_at_end(ws: Workspace, mid: int, last: int) -> None:
    _insert(ws, [last + 1, "2024-01-01T00:00:00+00:00", "Someone Else", "view", "person", "",
                 "", "0" * 64, "0" * 64])


def _replace_middle(ws: Workspace, mid: int, last: int) -> None:
    row = _row(ws, mid)
    ws.db.execute("DELETE FROM audit_event WHERE seq = ?", (mid,))
    row[3] = "print"  # a different event, correctly chained to the row before it
    _insert(ws, _rehash(row))


def _renumber_after_delete(ws: Workspace, mid: int, last: int) -> None:
    # remove a row and close the gap, moving the later rows down by one
    ws.db.execute("DELETE FROM audit_event WHERE seq = ?", (mid,))
    ws.db.execute("UPDATE audit_event SET seq = seq - 1 WHERE seq > ?", (mid,))


_TAMPER = {
    "edit a middle row": _edit_middle,
    "edit a middle row and fix its hash": _edit_middle_actor_and_rehash,
    "edit the last row and fix its hash": _edit_last_and_rehash,
    "delete the first row": _delete("first"),
    "delete a middle row": _delete("middle"),
    "delete the last row": _delete("last"),
    "delete a middle row and renumber": _renumber_after_delete,
    "insert a well-formed row at the end": _insert_at_end,
    "insert a bogus row at the end": _insert_bogus_at_end,
    "replace a middle row with a chained forgery": _replace_middle,
}


def test_audit_triggers_refuse_changes(populated_ws: Workspace) -> None:
    before = populated_ws.audit.events()
    with pytest.raises(connection.IntegrityError, match="append-only"):
        populated_ws.db.execute("UPDATE audit_event SET reason = 'x' WHERE seq = 3")
    with pytest.raises(connection.IntegrityError, match="append-only"):
        populated_ws.db.execute("DELETE FROM audit_event WHERE seq = 3")
    with pytest.raises(connection.IntegrityError, match="append-only"):
        populated_ws.db.execute("DELETE FROM audit_event")
    assert populated_ws.audit.events() == before
    assert populated_ws.audit.verify() == len(before)


@pytest.mark.parametrize("tamper", sorted(_TAMPER))
def test_audit_tampering_is_detected(populated_folder: Path, tamper: str) -> None:
    ws = Workspace.open(populated_folder, PASSPHRASE)
    try:
        last = ws.audit.verify()
        assert last > 100
        for trigger in ("audit_event_no_update", "audit_event_no_delete"):
            ws.db.execute(f"DROP TRIGGER {trigger}")
        _TAMPER[tamper](ws, last // 2, last)

        with pytest.raises(AuditChainBroken):
            ws.audit.verify()
        report = ws.check()
        assert report.integrity == []  # the file itself is sound: only the chain shows it
        assert report.audit and not report.ok
    finally:
        ws.lock()
    # The break stays visible in later sessions, whatever is appended after it.  Rows forged
    # past the recorded end collide with the next event, so that unlock is refused outright.
    try:
        ws = Workspace.open(populated_folder, PASSPHRASE)
    except AuditChainBroken:
        assert tamper.startswith("insert")
        return
    with ws:
        assert not tamper.startswith("insert")
        assert ws.check().audit
        with pytest.raises(AuditChainBroken):
            ws.audit.verify()


def test_a_write_after_forged_rows_is_refused_cleanly(populated_ws: Workspace) -> None:
    last = populated_ws.audit.verify()
    populated_ws.db.execute("DROP TRIGGER audit_event_no_update")
    _insert_at_end(populated_ws, last // 2, last)
    people = populated_ws.people.count()
    outbox = populated_ws.outbox.count()
    with pytest.raises(AuditChainBroken):
        populated_ws.people.add(make_person(given_name="Refused"))
    assert populated_ws.people.count() == people  # the record went with its audit event
    assert populated_ws.outbox.count() == outbox
