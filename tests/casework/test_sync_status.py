"""The sync read models: the status bar's state and the conflicts and refused changes, read
from a real workspace (no Qt, no hub: the hub's answers are stored as the engine stores them).

Every person here is invented.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cse_desktop.casework.sync_status import (
    NOT_ON_THIS_LAPTOP,
    REFUSAL_WORDS,
    SyncStatus,
    read_issues,
    read_status,
)
from cse_desktop.domain.ids import RecordKind, new_id
from cse_desktop.domain.models import Action, Owner, Person, Role
from cse_desktop.store import KdfParams, Workspace
from cse_desktop.store.syncstate import HubLink, Outgoing

OWNER = Owner(name="Sam Fictional", role=Role.PRACTITIONER, team="Test Team")


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws, _ = Workspace.create(tmp_path / "ws", "correct horse battery staple", OWNER,
                             kdf=KdfParams.insecure_for_tests())
    yield ws
    ws.lock()


def connect(ws: Workspace) -> None:
    ws.sync.set_link(HubLink(url="https://hub.example.org", device_id=new_id(),
                             device_name="Laptop 1", token="t" * 40, user="Sam Fictional",
                             team="Test Team", connected_at=datetime.now(UTC).isoformat()))


def refuse(ws: Workspace, kind: RecordKind, record_id: str, code: str, message: str) -> None:
    """Store the hub's refusal of a change, as a push's answer is stored."""
    change_id = new_id()
    ws.sync.acknowledge(
        [Outgoing({"change_id": change_id, "record_kind": kind, "record_id": record_id,
                   "op": "update", "fields": {"postcode": "AB1 2CD"}}, ())],
        [{"change_id": change_id, "status": "rejected", "code": code, "message": message}])


def conflict(record_kind: RecordKind, record_id: str, field: str, *values: object,
             at: str = "2026-03-10T10:00:00+00:00") -> dict[str, object]:
    base, hub, device = values
    return {"id": new_id(), "record_kind": record_kind, "record_id": record_id, "field": field,
            "base_value": base, "hub_value": hub, "device_value": device, "created_at": at}


def jordan(ws: Workspace) -> Person:
    return ws.people.add(Person(given_name="Jordan", family_name="Example",
                                dob=date(2010, 5, 17)))


def test_a_workspace_never_connected_counts_only_its_waiting_changes(ws: Workspace) -> None:
    assert read_status(ws) == SyncStatus()
    jordan(ws)
    assert read_status(ws) == SyncStatus(pending=1)


def test_a_connected_workspace_reads_its_hub_and_its_last_sync(ws: Workspace) -> None:
    connect(ws)
    p = jordan(ws)
    status = read_status(ws)
    assert (status.connected, status.url, status.user, status.team, status.device_name) == (
        True, "https://hub.example.org", "Sam Fictional", "Test Team", "Laptop 1")
    assert (status.pending, status.conflicts, status.refused) == (1, 0, 0)
    assert status.last_sync_at is None

    ws.sync.set_conflicts([conflict(RecordKind.PERSON, p.id, "family_name", "A", "B", "C")])
    refuse(ws, RecordKind.PERSON, p.id, "not_found", "There is no such person.")
    ws.sync.record_sync({"pushed": 1})
    status = read_status(ws)
    assert (status.conflicts, status.refused) == (1, 1)
    assert status.last_sync_at is not None and status.last_sync_at.tzinfo is not None


def test_conflicts_name_the_young_person_and_whether_a_value_may_be_typed(
        ws: Workspace) -> None:
    p = jordan(ws)
    action = ws.actions.add(Action(person_id=p.id, text="Call school"))
    ws.sync.set_conflicts([
        conflict(RecordKind.PERSON, p.id, "family_name", "Example", "Hubside", "Laptopside"),
        conflict(RecordKind.ACTION, action.id, "status", "open", "done", "cancelled",
                 at="2026-03-11T10:00:00+00:00"),
        conflict(RecordKind.EPISODE, new_id(), "category", None, "missing", "absent",
                 at="2026-03-12T10:00:00+00:00")])
    issues = read_issues(ws)
    assert issues.refused == ()
    name, action_row, gone = issues.conflicts
    assert (name.person_id, name.person_name, name.record, name.text_field) == (
        p.id, "Jordan Example", "Young person's details", True)
    assert name.issue.hub_value == "Hubside" and name.reason == ""
    assert name.found_at == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    assert (action_row.person_name, action_row.record, action_row.text_field) == (
        "Jordan Example", "RMM action", False)  # a status is chosen, never typed
    assert (gone.person_id, gone.person_name) == (None, NOT_ON_THIS_LAPTOP)


def test_a_refusal_reads_in_plain_words_from_its_code(ws: Workspace) -> None:
    p = jordan(ws)
    refuse(ws, RecordKind.PERSON, p.id, "not_found", "There is no person with that id.")
    refuse(ws, RecordKind.PERSON, p.id, "approval_not_allowed", "Only a manager may approve.")
    refuse(ws, RecordKind.PERSON, p.id, "invalid", "")
    issues = read_issues(ws)
    assert issues.conflicts == ()
    assert [(r.issue.code, r.reason) for r in issues.refused] == [
        ("not_found", REFUSAL_WORDS["not_found"]),
        ("approval_not_allowed", "Only a manager may approve."),
        ("invalid", "invalid")]  # no words from the hub: its code at least
    assert all(r.person_name == "Jordan Example" and not r.text_field for r in issues.refused)
    assert issues.refused[0].issue.device_value == {"postcode": "AB1 2CD"}
