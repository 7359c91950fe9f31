"""The hub catches a laptop's audit chain rewritten to end *higher* (issue 16, item 6).

The attacker here knows everything the laptop holds: the passphrase, so the database key, so the
audit key.  They cut the chain, make the key file's mark agree, and keep working so the chain
ends past the head the hub last stored.  Locally nothing shows (tests/store/test_audit_keyed.py
states that limit); at the next sync the hub compares the laptop's hashes at the heads it
pushed before with the heads it stored, and records the rewrite in its audit log.  The push
itself is accepted (see hub/audit_heads.py for why).  Real hub on 127.0.0.1, SQLite and
PostgreSQL.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from support.hubserver import HubServer
from support.laptops import PASSPHRASE, enrolled, person

from cse_desktop.hub.audit_heads import REWRITTEN, UNMATCHED
from cse_desktop.store import Workspace, connection
from cse_desktop.store.audit import mark_mac
from cse_desktop.store.keys import KEY_FILE_NAME, PASSPHRASE_SLOT, KeyFile
from cse_desktop.store.workspace import DB_FILE_NAME
from cse_desktop.sync import engine
from cse_desktop.sync.client import HubClient
from cse_desktop.sync.protocol import AuditAnchor, PushRequest
from cse_desktop.sync.protocol import Change as WireChange


def _findings(server: HubServer) -> list[str]:
    return [e["action"] for e in server.hub.audit_log()
            if e["action"] in (REWRITTEN, UNMATCHED)]


def _cut_everywhere(folder: Path, keep: int, *, forget_pushes: bool) -> None:
    """Cut the chain after ``keep``, reset its end, and write a matching key-file mark (the
    attacker reads the audit key from the database)."""
    key_file = KeyFile.load(folder / KEY_FILE_NAME)
    conn = connection.connect_raw(folder / DB_FILE_NAME,
                                  key_file.unwrap(PASSPHRASE_SLOT, PASSPHRASE))
    try:
        conn.execute("DROP TRIGGER audit_event_no_delete")
        head = conn.execute("SELECT hash FROM audit_event WHERE seq = ?", (keep,)).fetchone()[0]
        conn.execute("DELETE FROM audit_event WHERE seq > ?", (keep,))
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{keep}:{head}",))
        if forget_pushes:
            conn.execute("DELETE FROM meta WHERE key = 'audit_pushed'")
        audit_key = bytes.fromhex(conn.execute("SELECT value FROM meta WHERE key = 'audit_key'"
                                               ).fetchone()[0])
    finally:
        conn.close()
    key_file.set_audit_mark(keep, head, mark_mac(audit_key, key_file.workspace_id, keep, head))
    key_file.save(folder / KEY_FILE_NAME)


@pytest.mark.parametrize("forget_pushes", [False, True],
                         ids=["links kept", "pushed heads forgotten"])
def test_a_chain_cut_and_written_past_its_old_end_is_caught_at_the_next_sync(
        tmp_path: Path, hub_server: HubServer, forget_pushes: bool) -> None:
    folder = tmp_path / "a"
    a = enrolled(folder, hub_server, "Alex North")
    for i in range(3):  # three syncs of a sound chain: heads stored, links matched
        a.people.add(person(given=f"Sound{i}"))
        engine.sync(a)
    assert _findings(hub_server) == []
    last_pushed = a.audit.head()[0]
    a.lock()

    _cut_everywhere(folder, keep=last_pushed - 4, forget_pushes=forget_pushes)
    a = Workspace.open(folder, PASSPHRASE)
    try:
        assert a.check().ok  # locally the rewrite holds together: only the hub can tell
        later = [a.people.add(person(given=f"Later{i}")) for i in range(6)]
        assert a.audit.head()[0] > last_pushed  # it now ends higher than the hub's last head
        engine.sync(a)
    finally:
        a.lock()
    assert _findings(hub_server) == [UNMATCHED if forget_pushes else REWRITTEN]
    entry = next(e for e in hub_server.hub.audit_log() if e["action"] in (REWRITTEN, UNMATCHED))
    assert "audit log" in entry["detail"] and "event" in entry["detail"]
    # recorded, not refused: the records reached the hub
    with hub_server.engine.connect() as conn:
        ids = {r[0] for r in conn.exec_driver_sql("SELECT record_id FROM records")}
    assert {p.id for p in later} <= ids


def _push(client: HubClient, seq: int, links: list[AuditAnchor]) -> None:
    change = WireChange(change_id=str(uuid.uuid4()), record_kind="person",
                        record_id=str(uuid.uuid4()), op="create", version=1, base_version=0,
                        fields=person().content())
    client.push(PushRequest(changes=[change], audit_links=links,
                            audit_head=AuditAnchor(seq=seq, hash=f"{seq:064x}")))


def test_links_are_checked_against_the_stored_heads(tmp_path: Path,
                                                   hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    link = a.sync.link()
    assert link is not None
    with HubClient(hub_server.url, token=link.token) as client:
        _push(client, 10, [])  # an older laptop: heads only, never flagged for that
        _push(client, 20, [])
        assert _findings(hub_server) == []
        _push(client, 30, [AuditAnchor(seq=20, hash=f"{20:064x}")])  # follows on
        _push(client, 40, [AuditAnchor(seq=30, hash=f"{30:064x}"),
                           AuditAnchor(seq=10, hash=f"{10:064x}")])
        assert _findings(hub_server) == []
        _push(client, 50, [AuditAnchor(seq=40, hash=f"{41:064x}")])  # not what it said then
        assert _findings(hub_server) == [REWRITTEN]
        _push(client, 60, [])  # has linked before: a jump with no link cannot be matched
        assert _findings(hub_server) == [REWRITTEN, UNMATCHED]
        _push(client, 55, [])  # backwards
    log = hub_server.hub.audit_log()
    assert log[-1]["action"] == "audit_chain_rewound" and log[-2]["action"] == "create"
    assert hub_server.hub.verify_audit().broken_at is None  # chained with the push's own
