"""The hub's contract, run on SQLite and on PostgreSQL (DESIGN.md sections 5 and 6)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from support.hubserver import HubServer
from support.laptops import enrolled, person, records

from cse_desktop.domain.errors import DeviceWiped, HubRefused
from cse_desktop.domain.models import Action
from cse_desktop.hub.db import PullBounds
from cse_desktop.hub.errors import AdminError, EnrolmentRefused
from cse_desktop.store.workspace import Workspace
from cse_desktop.sync import engine
from cse_desktop.sync.client import HubClient
from cse_desktop.sync.protocol import Change, PushRequest


def _client(server: HubServer, ws: Workspace) -> HubClient:
    link = ws.sync.link()
    assert link is not None
    return HubClient(server.url, token=link.token)


def _hub_rows(server: HubServer) -> list[dict]:
    with server.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.exec_driver_sql("SELECT record_id FROM records")]


def _create(record_id: str, **fields: object) -> Change:
    content = person().content() | fields
    return Change(change_id=str(uuid.uuid4()), record_kind="person", record_id=record_id,
                  op="create", version=1, base_version=0, fields=content)


# -- enrolment -------------------------------------------------------------------------------


def test_enrolment_code_works_once(tmp_path: Path, hub_server: HubServer) -> None:
    code, _ = hub_server.hub.new_enrolment_code("Alex North")
    with HubClient(hub_server.url) as client:
        first = client.enrol(code.lower().replace("-", " "), "laptop one")  # as typed
        assert first.user == "Alex North" and first.team == "North Team"
        with pytest.raises(HubRefused) as again:
            client.enrol(code, "laptop two")
    assert again.value.code == "enrolment_code_invalid"
    devices = hub_server.hub.devices()
    assert [d["id"] for d in devices] == [first.device_id]
    # the hub keeps only a hash of the credential
    with hub_server.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM devices").scalar()
    assert first.token not in stored and len(stored) == 64


def test_expired_code_is_refused(hub_server: HubServer) -> None:
    code, _ = hub_server.hub.new_enrolment_code("Alex North", ttl=timedelta(seconds=-1))
    with pytest.raises(EnrolmentRefused):
        hub_server.hub.enrol(code, "late laptop")


def test_admin_mistakes_are_plain(hub_server: HubServer) -> None:
    with pytest.raises(AdminError, match="no team called"):
        hub_server.hub.add_user("Dana", team="Nowhere")
    with pytest.raises(AdminError, match="already a team"):
        hub_server.hub.add_team("North Team")
    with pytest.raises(AdminError, match="no user called"):
        hub_server.hub.new_enrolment_code("Nobody")
    with pytest.raises(AdminError, match="no device"):
        hub_server.hub.set_device_status(str(uuid.uuid4()), "revoked")


# -- push, idempotency, merge, conflicts -----------------------------------------------------


def test_replayed_change_gets_the_first_answer(tmp_path: Path, hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    change = _create(str(uuid.uuid4()))
    with _client(hub_server, a) as client:
        first = client.push(PushRequest(changes=[change])).results[0]
        again = client.push(PushRequest(changes=[change])).results[0]
        assert first.status == "accepted" and again == first
        altered = change.model_copy(update={"fields": {**change.fields, "postcode": "ZZ1"}})
        clash = client.push(PushRequest(changes=[altered])).results[0]
    assert clash.status == "rejected" and clash.code == "change_id_reused"
    assert hub_server.hub.counts()["changes"] == 1


def test_different_fields_merge(tmp_path: Path, hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    p = a.people.add(person())
    engine.sync(a)
    engine.sync(b)
    a.people.update(a.people.get(p.id).model_copy(update={"postcode": "AB1 2CD"}))
    b.people.update(b.people.get(p.id).model_copy(update={"school": "Example Academy"}))
    engine.sync(a)
    summary = engine.sync(b)
    assert summary.merged == 1 and summary.open_conflicts == 0
    engine.sync(a)
    for ws in (a, b):
        got = ws.people.get(p.id)
        assert (got.postcode, got.school) == ("AB1 2CD", "Example Academy")


def test_same_field_keeps_both_values_until_a_person_chooses(tmp_path: Path,
                                                              hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    p = a.people.add(person(postcode="OLD 1"))
    engine.sync(a)
    engine.sync(b)
    a.people.update(a.people.get(p.id).model_copy(update={"postcode": "AAA 1"}))
    b.people.update(b.people.get(p.id).model_copy(update={"postcode": "BBB 2"}))
    engine.sync(a)
    summary = engine.sync(b)
    assert summary.conflicted == 1 and summary.open_conflicts == 1
    engine.sync(a)
    for ws in (a, b):
        [issue] = ws.sync.issues("conflict")
        assert (issue.field, issue.base_value, issue.hub_value, issue.device_value) == (
            "postcode", "OLD 1", "AAA 1", "BBB 2")
        assert ws.people.get(p.id).postcode == "AAA 1"  # the hub's value stands meanwhile
    # a person on laptop b chooses b's value; everyone converges on it
    engine.resolve(b, b.sync.issues("conflict")[0].id, "BBB 2")
    assert b.sync.conflict_count() == 0
    for ws in (b, a):
        engine.sync(ws)
    assert a.people.get(p.id).postcode == b.people.get(p.id).postcode == "BBB 2"
    assert a.sync.conflict_count() == 0
    with pytest.raises(HubRefused) as twice, _client(hub_server, a) as client:
        client.resolve(issue.id, "AAA 1")
    assert twice.value.code == "conflict_resolved"


def test_final_forms_never_conflict_and_amendments_are_both_kept(
        tmp_path: Path, hub_server: HubServer) -> None:
    from cse_desktop.domain.models import Submission

    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    p = a.people.add(person())
    form = a.submissions.add(Submission(form_id="rmm-review", form_version=1, person_id=p.id))
    a.submissions.finalise(form.id, outcome={})
    engine.sync(a)
    engine.sync(b)
    for ws in (a, b):
        amendment = ws.submissions.amend(form.id)
        ws.submissions.finalise(amendment.id, outcome={})
    engine.sync(a)
    engine.sync(b)
    engine.sync(a)
    assert records(a) == records(b)
    amends = [s for s in a.submissions.list() if s.amends == form.id]
    assert len(amends) == 2 and a.sync.conflict_count() == 0


def test_pull_pages_and_a_fresh_laptop_gets_everything(tmp_path: Path,
                                                       hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    people = a.people.add_many([person(f"Kid{i}") for i in range(30)])
    a.actions.add_many([Action(person_id=p.id, text="Check in") for p in people])
    engine.sync(a, batch=7)
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    summary = engine.sync(b, page=4)
    assert summary.received == 60 and records(b) == records(a)
    assert engine.sync(b).received == 0  # the cursor was kept


# -- scope -----------------------------------------------------------------------------------


def test_a_device_cannot_read_or_write_another_teams_records(tmp_path: Path,
                                                             hub_server: HubServer) -> None:
    north = enrolled(tmp_path / "n", hub_server, "Alex North")
    south = enrolled(tmp_path / "s", hub_server, "Casey South")
    secret = south.people.add(person("Southern", "Child", postcode="S1 1AA"))
    engine.sync(south)
    assert engine.sync(north).received == 0
    with httpx.Client(base_url=hub_server.url) as http:
        token = north.sync.link().token
        got = http.get(f"/v1/records/person/{secret.id}",
                       headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 404 and got.json()["code"] == "not_found"
    assert got.headers["content-type"].startswith("application/problem+json")
    update = Change(change_id=str(uuid.uuid4()), record_kind="person", record_id=secret.id,
                    op="update", version=2, base_version=1, fields={"postcode": "N0 0NE"})
    with _client(hub_server, north) as client:
        result = client.push(PushRequest(changes=[update])).results[0]
        # an action hung on the other team's child is refused the same way
        action = Action(person_id=secret.id, text="Sneaky")
        add = Change(change_id=str(uuid.uuid4()), record_kind="action", record_id=action.id,
                     op="create", version=1, base_version=0, fields=action.content())
        refused = client.push(PushRequest(changes=[add])).results[0]
    assert (result.status, result.code) == ("rejected", "not_found")
    assert (refused.status, refused.code) == ("rejected", "not_found")
    with _client(hub_server, south) as client:
        assert client.pull(0).changes[0].fields["postcode"] == "S1 1AA"
    assert hub_server.hub.counts()["records"] == 1


def test_own_caseload_only_team(tmp_path: Path, hub_server: HubServer) -> None:
    hub_server.hub.add_team("West Team", own_caseload_only=True)
    hub_server.hub.add_user("Drew West", team="West Team")
    hub_server.hub.add_user("Eli West", team="West Team")
    drew = enrolled(tmp_path / "d", hub_server, "Drew West")
    eli = enrolled(tmp_path / "e", hub_server, "Eli West")
    mine = drew.people.add(person("Drew's", "Child"))
    shared = drew.people.add(person("Eli's", "Child", allocated_worker="Eli West"))
    action = drew.actions.add(Action(person_id=mine.id, text="Visit"))
    drew.actions.update(action.model_copy(update={"text": "Visit at home"}))  # same batch
    summary = engine.sync(drew)
    assert (summary.pushed, summary.rejected) == (4, 0)
    engine.sync(eli)
    assert set(records(eli)) == {shared.id}
    assert mine.id in records(drew)
    with _client(hub_server, eli) as client, pytest.raises(HubRefused) as hidden:
        client._call("GET", f"/v1/records/person/{mine.id}", Change)
    assert hidden.value.status == 404


# -- revocation and retirement ---------------------------------------------------------------


def test_revoked_laptop_is_wiped(tmp_path: Path, hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    a.people.add(person())
    engine.sync(a)
    hub_server.hub.set_device_status(a.sync.link().device_id, "revoked")
    with pytest.raises(DeviceWiped, match="revoked this laptop"):
        engine.sync(a)
    assert not a.is_open
    assert not Workspace.key_path(tmp_path / "a").exists()
    assert not Workspace.db_path(tmp_path / "a").exists()
    actions = [e["action"] for e in hub_server.hub.audit_log()]
    assert "device_revoked" in actions


def test_retired_laptop_pushes_then_is_wiped(tmp_path: Path, hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    engine.sync(a)
    device = a.sync.link().device_id
    hub_server.hub.set_device_status(device, "retiring")
    last = a.people.add(person("Last", "Record"))
    with pytest.raises(DeviceWiped, match="retired this laptop"):
        engine.sync(a)
    assert not Workspace.key_path(tmp_path / "a").exists()
    assert hub_server.hub.counts()["records"] == 1  # the final push arrived
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    engine.sync(b)
    assert b.people.get(last.id).family_name == "Record"


def test_retired_laptop_sends_late_changes_before_it_wipes(tmp_path: Path,
                                                           hub_server: HubServer) -> None:
    """A change made after the final push (while the pull was under way) is not lost."""
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    device = a.sync.link().device_id
    hub_server.hub.set_device_status(device, "retiring")
    with _client(hub_server, a) as client, pytest.raises(HubRefused):
        client.pull(0)  # the hub now counts the laptop as retired
    late = a.people.add(person("Late", "Change"))
    with pytest.raises(DeviceWiped):
        engine.sync(a)
    assert late.id in {r["record_id"] for r in _hub_rows(hub_server)}
    statuses = {d["id"]: d["status"] for d in hub_server.hub.devices()}
    assert statuses[device] == "retired"


def test_hub_audit_log_records_who_did_what(tmp_path: Path, hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    p = a.people.add(person())
    engine.sync(a)
    log = hub_server.hub.audit_log()
    device = a.sync.link().device_id
    assert any(e["action"] == "enrol" and e["actor"] == device for e in log)
    assert any(e["action"] == "create" and e["record_id"] == p.id for e in log)
    assert log[0]["action"] == "team_add" and log[0]["actor"] == "admin"
    # the laptop's audit chain end is anchored on the hub
    with hub_server.engine.connect() as conn:
        anchors = conn.exec_driver_sql("SELECT count(*) FROM audit_anchors").scalar()
    assert anchors == 1


def test_a_hub_restored_from_an_older_backup_pauses_sync(tmp_path: Path,
                                                          hub_server: HubServer) -> None:
    """A laptop that has seen more than the hub holds must not be fed older state."""
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    a.people.add(person())
    engine.sync(a)
    with hub_server.engine.begin() as conn:  # the restore: the hub forgets its last change
        conn.exec_driver_sql("DELETE FROM changes")
    # (a restore is not a commit of the hub's: its pulls see it once their last reading of
    # the bounds is stale, db.PullBounds)
    time.sleep(PullBounds.FRESH_FOR)
    before = records(a)
    with pytest.raises(HubRefused) as paused:
        engine.sync(a)
    assert paused.value.code == "cursor_ahead" and "restored" in paused.value.message
    assert records(a) == before


def test_a_base_the_record_never_reached_still_respects_other_devices(
        tmp_path: Path, hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    p = a.people.add(person(postcode="OLD 1"))
    engine.sync(a)
    engine.sync(b)
    b.people.update(b.people.get(p.id).model_copy(update={"postcode": "BBB 2"}))
    engine.sync(b)
    lying = Change(change_id=str(uuid.uuid4()), record_kind="person", record_id=p.id,
                   op="update", version=2, base_version=1, base_seq=10**6,
                   fields={"postcode": "AAA 1"})
    with _client(hub_server, a) as client:
        result = client.push(PushRequest(changes=[lying])).results[0]
    assert result.status == "conflict"
    assert result.conflicts[0].hub_value == "BBB 2"


def test_delete_against_a_concurrent_edit_is_a_conflict_not_a_silent_loss(
        tmp_path: Path, hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    p = a.people.add(person())
    engine.sync(a)
    engine.sync(b)
    a.people.delete(p.id)
    b.people.update(b.people.get(p.id).model_copy(update={"address": "1 Example Street"}))
    engine.sync(b)
    summary = engine.sync(a)  # the delete arrives after someone else's edit
    assert summary.conflicted == 1
    engine.sync(b)
    for ws in (a, b):
        assert ws.people.get(p.id).address == "1 Example Street"  # kept meanwhile
        [issue] = ws.sync.issues("conflict")
        assert (issue.field, issue.hub_value, issue.device_value) == ("deleted", False, True)
    engine.resolve(a, a.sync.issues("conflict")[0].id, True)  # a person confirms the delete
    engine.sync(a)
    engine.sync(b)
    assert records(a) == records(b) and records(a)[p.id]["deleted"] is True


def test_edit_against_a_concurrent_delete_is_a_conflict(tmp_path: Path,
                                                        hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    p = a.people.add(person())
    engine.sync(a)
    engine.sync(b)
    a.people.delete(p.id)
    engine.sync(a)
    b.people.update(b.people.get(p.id).model_copy(update={"risk_level": "high"}))
    summary = engine.sync(b)
    assert summary.conflicted == 1
    [issue] = b.sync.issues("conflict")
    assert (issue.field, issue.hub_value, issue.device_value) == ("deleted", True, False)
    engine.resolve(b, issue.id, False)  # bring the child back
    engine.sync(b)
    engine.sync(a)
    assert a.people.get(p.id).risk_level == "high"
    assert records(a) == records(b)


def test_a_record_filed_under_the_wrong_child_can_be_moved(tmp_path: Path,
                                                           hub_server: HubServer) -> None:
    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    b = enrolled(tmp_path / "b", hub_server, "Blake North")
    wrong, right = a.people.add_many([person("Wrong", "Child"), person("Right", "Child")])
    action = a.actions.add(Action(person_id=wrong.id, text="Call school"))
    engine.sync(a)
    a.actions.update(a.actions.get(action.id).model_copy(update={"person_id": right.id,
                                                                  "owner": "Alex"}))
    assert engine.sync(a).rejected == 0
    engine.sync(b)
    assert b.actions.get(action.id).person_id == right.id
    assert records(a) == records(b)


def test_a_refused_change_leaves_the_laptop_on_the_hubs_copy(tmp_path: Path,
                                                             hub_server: HubServer) -> None:
    """The hub refuses a move to another team's child; the laptop must not keep a version
    nobody else has (its values stay readable in the refused-change issue)."""
    north = enrolled(tmp_path / "n", hub_server, "Alex North")
    south = enrolled(tmp_path / "s", hub_server, "Casey South")
    elsewhere = south.people.add(person("South", "Child"))
    engine.sync(south)
    mine = north.people.add(person())
    action = north.actions.add(Action(person_id=mine.id, text="Call school"))
    engine.sync(north)
    with north.transaction():  # a move to an id the laptop cannot know is valid
        north.db.execute("INSERT INTO records (id, kind, person_id, version, server_seq, "
                         "deleted, created_at, updated_at, created_by, data, search_text) "
                         "SELECT ?, kind, id, 1, 1, 0, created_at, updated_at, created_by, "
                         "data, '' FROM records WHERE id = ?", (elsewhere.id, mine.id))
    north.actions.update(north.actions.get(action.id).model_copy(
        update={"person_id": elsewhere.id, "text": "Moved"}))
    summary = engine.sync(north)
    assert summary.rejected == 1
    back = north.actions.get(action.id)
    assert (back.person_id, back.text) == (mine.id, "Call school")
    [issue] = north.sync.issues("rejected")
    assert issue.device_value["text"] == "Moved" and issue.code == "not_found"


def test_own_caseload_follows_reallocation(tmp_path: Path, hub_server: HubServer) -> None:
    """A child allocated to another worker leaves the old worker's laptop entirely, and the
    new worker's laptop receives the child's whole record, older entries included."""
    hub_server.hub.add_team("West Team", own_caseload_only=True)
    for user in ("Drew West", "Eli West", "Fran West"):
        hub_server.hub.add_user(user, team="West Team")
    drew = enrolled(tmp_path / "d", hub_server, "Drew West")  # the manager who allocates
    eli = enrolled(tmp_path / "e", hub_server, "Eli West")
    fran = enrolled(tmp_path / "f", hub_server, "Fran West")
    child = drew.people.add(person("Moved", "Child", allocated_worker="Eli West"))
    action = drew.actions.add(Action(person_id=child.id, text="Weekly visit"))
    engine.sync(drew)
    engine.sync(eli)
    engine.sync(fran)
    assert set(records(eli)) == {child.id, action.id} and records(fran) == {}
    drew.people.update(drew.people.get(child.id).model_copy(
        update={"allocated_worker": "Fran West"}))
    engine.sync(drew)
    engine.sync(eli)
    engine.sync(fran)
    assert records(eli) == {}, "the old worker's laptop still holds the child"
    assert set(records(fran)) == {child.id, action.id}
    assert records(fran)[action.id]["text"] == "Weekly visit"
    assert eli.outbox.problems() == [] and fran.outbox.problems() == []


def test_a_laptop_and_hub_on_different_protocols_say_so_and_change_nothing(
        tmp_path: Path, hub_server: HubServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from cse_desktop.sync import client as client_module

    a = enrolled(tmp_path / "a", hub_server, "Alex North")
    a.people.add(person())
    monkeypatch.setattr(client_module, "PROTOCOL_VERSION", 2)  # a newer laptop
    with pytest.raises(HubRefused) as refused:
        engine.sync(a)
    assert refused.value.code == "protocol_unsupported"
    assert "sync protocol 1" in refused.value.message
    assert a.sync.pending_count() == 1 and a.sync.cursor() == 0


def test_printed_pdfs_carry_the_app_version() -> None:
    import io
    from datetime import UTC, datetime

    from pypdf import PdfReader

    from cse_desktop import __version__
    from cse_desktop.reports.page import PrintMeta, render

    pdf = render(list, PrintMeta(title="t", printed_by="p", printed_at=datetime.now(UTC)))
    assert PdfReader(io.BytesIO(pdf)).metadata["/Creator"] == f"CSE Desktop {__version__}"
