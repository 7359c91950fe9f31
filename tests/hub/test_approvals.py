"""Manager approval by role (issue 11, part 5), on SQLite and on PostgreSQL.

The hub decides each user's role; a laptop takes it at enrolment and at every sync; the hub
refuses an approval of a lower risk level pushed by a device whose user it does not record as a
manager now, or made in another user's name; and the desktop can say whether a hub verified an
approval. Approvals are built as the laptop pushes them: a final amendment of a final screening
whose ``approval`` is set.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from support.hubserver import HubServer
from support.laptops import PASSPHRASE, person

from cse_desktop.domain.models import (
    Action,
    Approval,
    AuditAction,
    Owner,
    Role,
    Submission,
)
from cse_desktop.hub import db
from cse_desktop.hub import tables as t
from cse_desktop.hub.errors import AdminError
from cse_desktop.store import KdfParams, Workspace
from cse_desktop.sync import engine
from cse_desktop.sync.approvals import (
    VERIFICATION_WORDS,
    approval_verification,
    verification_words,
)
from cse_desktop.sync.client import HubClient
from cse_desktop.sync.protocol import APPROVAL_NOT_ALLOWED

SCREENING = "exploitation-screening"
NOT_A_MANAGER = ("Only a team manager can approve a lower risk level; the hub records "
                 "{} as a practitioner.")


def laptop(folder: Path, server: HubServer | None, user: str, *,
           role: Role = Role.PRACTITIONER, team: str = "North Team") -> Workspace:
    """A workspace whose owner picked ``role`` at set-up, enrolled for ``user`` if a hub is
    given (anyone may pick "Manager" when creating a workspace; the hub has the last word)."""
    ws, _ = Workspace.create(folder, PASSPHRASE, Owner(name=user, role=role, team=team),
                             kdf=KdfParams.insecure_for_tests())
    if server is not None:
        code, _ = server.hub.new_enrolment_code(user)
        engine.connect(ws, server.url, code, device_name=folder.name)
    return ws


def screening_with_approval(ws: Workspace, *, by: str,
                            role: Role = Role.MANAGER) -> tuple[Submission, Submission]:
    """A person's final screening with a lower agreed level, and the approval of it (a final
    amendment carrying ``approval``), as the approval action records them."""
    p = ws.people.add(person())
    outcome = {"suggested_level": "high", "level": "medium", "approval_pending": True}
    screening = ws.submissions.add(Submission(
        form_id=SCREENING, form_version=1, person_id=p.id, answers={"agreed_level": "medium"},
        status="final", outcome=outcome, finalised_at=datetime.now(UTC),
        finalised_by=ws.owner.name))
    approval = ws.submissions.add(Submission(
        form_id=SCREENING, form_version=1, person_id=p.id, amends=screening.id,
        answers={"agreed_level": "medium", "approved_by": by}, status="final",
        outcome={**outcome, "approval_pending": False, "approved_by": by},
        finalised_at=datetime.now(UTC), finalised_by=ws.owner.name,
        approval=Approval(by=by, role=role, at=datetime.now(UTC), approves=screening.id,
                          rationale="Engaging well with the youth worker; no new "
                                    "incidents in eight weeks.")))
    return screening, approval


def hub_record(server: HubServer, record_id: str) -> dict | None:
    with server.engine.connect() as conn:
        row = conn.execute(sa.select(t.records).where(t.records.c.record_id == record_id)
                           ).first()
    return None if row is None else dict(row._mapping)


# -- roles on the hub ------------------------------------------------------------------------


def test_roles_are_set_changed_listed_and_audited(hub_server: HubServer) -> None:
    hub = hub_server.hub
    hub.add_user("Morgan North", team="North Team", role="manager")
    roles = {u["name"]: (u["team"], u["role"]) for u in hub.users()}
    assert roles["Alex North"] == ("North Team", "practitioner")  # least privilege
    assert roles["Morgan North"] == ("North Team", "manager")
    assert hub.set_user_role("Alex  North", "manager") == "practitioner"
    assert hub.set_user_role("Morgan North", "practitioner") == "manager"
    assert hub.set_user_role("Morgan North", "practitioner") == "practitioner"  # no change
    roles = {u["name"]: u["role"] for u in hub.users()}
    assert (roles["Alex North"], roles["Morgan North"]) == ("manager", "practitioner")
    changes = [(e["actor"], e["detail"]) for e in hub.audit_log() if e["action"] == "user_role"]
    assert changes == [("admin", "Alex North: practitioner -> manager"),
                       ("admin", "Morgan North: manager -> practitioner")]
    assert any(e["action"] == "user_add" and e["detail"] == "Morgan North in North Team as "
               "manager" for e in hub.audit_log())
    with pytest.raises(AdminError, match="no user called 'Nobody'"):
        hub.set_user_role("Nobody", "manager")
    with pytest.raises(AdminError, match="A role is 'practitioner' or 'manager', not 'boss'"):
        hub.set_user_role("Alex North", "boss")
    with pytest.raises(AdminError, match="not 'admin'"):
        hub.add_user("Dana North", team="North Team", role="admin")


def test_enrolment_gives_the_role_and_every_sync_refreshes_it(tmp_path: Path,
                                                              hub_server: HubServer) -> None:
    hub_server.hub.add_user("Morgan North", team="North Team", role="manager")
    # picked "Manager" at set-up, but the hub records a practitioner: the hub wins
    alex = laptop(tmp_path / "alex", hub_server, "Alex North", role=Role.MANAGER)
    assert alex.owner.role is Role.PRACTITIONER
    morgan = laptop(tmp_path / "morgan", hub_server, "Morgan North")
    assert morgan.owner.role is Role.MANAGER
    with HubClient(hub_server.url, token=morgan.sync.link().token) as client:
        assert client.info().role == "manager"

    summary = engine.sync(morgan)
    assert morgan.owner.role is Role.MANAGER and summary.role == ""
    hub_server.hub.set_user_role("Morgan North", "practitioner")  # a demotion
    summary = engine.sync(morgan)
    assert morgan.owner.role is Role.PRACTITIONER and summary.role == "practitioner"
    assert "the hub now records you as a practitioner" in summary.line()
    assert engine.sync(morgan).role == ""  # told once
    hub_server.hub.set_user_role("Alex North", "manager")  # a promotion
    assert engine.sync(alex).role == "manager" and alex.owner.role is Role.MANAGER

    # the role is kept in the workspace (and its change audited), not just in memory
    owner_events = [e for e in alex.audit.events() if e.action == AuditAction.OWNER]
    assert len(owner_events) == 2  # at enrolment, and at the promotion
    folder = tmp_path / "alex"
    alex.lock()
    with Workspace.open(folder, PASSPHRASE) as again:
        assert again.owner == Owner(name="Alex North", role=Role.MANAGER, team="North Team")


def test_enrolment_takes_the_hubs_name_and_team_for_the_owner(tmp_path: Path,
                                                               hub_server: HubServer) -> None:
    """An approval is made in the owner's name, and the hub checks it against its user: so
    the owner is named as the hub names them, whatever was typed at set-up."""
    hub_server.hub.add_user("Morgan North", team="North Team", role="manager")
    ws, _ = Workspace.create(tmp_path / "m", PASSPHRASE,
                             Owner(name="Morgan", role=Role.PRACTITIONER, team="Typed Team"),
                             kdf=KdfParams.insecure_for_tests())
    code, _ = hub_server.hub.new_enrolment_code("Morgan North")
    engine.connect(ws, hub_server.url, code, device_name="m")
    assert ws.owner == Owner(name="Morgan North", role=Role.MANAGER, team="North Team")
    _, approval = screening_with_approval(ws, by=ws.owner.name)
    assert engine.sync(ws).rejected == 0 and hub_record(hub_server, approval.id) is not None


# -- approvals at push -----------------------------------------------------------------------


def test_a_practitioners_approval_is_refused_and_the_rest_of_the_batch_accepted(
        tmp_path: Path, hub_server: HubServer) -> None:
    blake = laptop(tmp_path / "blake", hub_server, "Blake North")
    screening, approval = screening_with_approval(blake, by="Blake North")
    action = blake.actions.add(Action(person_id=screening.person_id, text="Review in 4 weeks"))
    assert approval_verification(blake, approval) == "awaiting_sync"
    assert verification_words(blake, approval) == \
        "not yet verified by the hub (it syncs next time)"

    summary = engine.sync(blake)  # person, screening, approval and action in one batch
    assert (summary.pushed, summary.rejected) == (4, 1)
    for accepted in (screening.person_id, screening.id, action.id):
        assert hub_record(hub_server, accepted) is not None
    assert hub_record(hub_server, approval.id) is None
    [issue] = blake.sync.issues("rejected")
    assert issue.record_id == approval.id
    assert issue.code == APPROVAL_NOT_ALLOWED
    assert issue.message == NOT_A_MANAGER.format("Blake North")
    assert issue.device_value["approval"]["by"] == "Blake North"  # readable on the laptop
    # the desktop says so, with the hub's reason; the rest stand verified
    assert approval_verification(blake, approval) == "refused"
    assert verification_words(blake, approval) == \
        "refused by the hub: " + NOT_A_MANAGER.format("Blake North")
    assert approval_verification(blake, blake.submissions.get(screening.id)) == "verified"
    # once a person has read and dismissed the refusal it is still not verified
    blake.sync.dismiss(issue.id)
    assert approval_verification(blake, approval) == "refused"
    assert verification_words(blake, approval) == "refused by the hub"
    assert blake.submissions.get(approval.id).approval is not None  # the laptop keeps it
    # the hub audits the attempt
    refused = [e for e in hub_server.hub.audit_log() if e["action"] == "approval_refused"]
    assert [(e["actor"], e["record_id"]) for e in refused] == [
        (blake.sync.link().device_id, approval.id)]
    # and the refusal is final: nothing goes again
    assert engine.sync(blake).pushed == 0


def test_a_managers_approval_is_accepted_and_verified_on_every_laptop(
        tmp_path: Path, hub_server: HubServer) -> None:
    hub_server.hub.add_user("Morgan North", team="North Team", role="manager")
    morgan = laptop(tmp_path / "morgan", hub_server, "Morgan North")
    alex = laptop(tmp_path / "alex", hub_server, "Alex North")
    _, approval = screening_with_approval(morgan, by="Morgan North")
    assert approval_verification(morgan, approval) == "awaiting_sync"
    summary = engine.sync(morgan)
    assert (summary.pushed, summary.rejected) == (3, 0)
    stored = hub_record(hub_server, approval.id)
    assert stored is not None and '"by":"Morgan North"' in stored["fields"]
    assert approval_verification(morgan, approval) == "verified"
    assert verification_words(morgan, approval) == "verified by the hub"
    # a colleague's laptop receives the approval, verified by the hub that sent it
    engine.sync(alex)
    received = alex.submissions.get(approval.id)
    assert received.approval == approval.approval
    assert approval_verification(alex, received) == "verified"


def test_an_approval_in_another_users_name_is_refused(tmp_path: Path,
                                                      hub_server: HubServer) -> None:
    hub_server.hub.add_user("Morgan North", team="North Team", role="manager")
    morgan = laptop(tmp_path / "morgan", hub_server, "Morgan North")
    _, forged = screening_with_approval(morgan, by="Jamie Other")
    summary = engine.sync(morgan)
    assert summary.rejected == 1 and hub_record(hub_server, forged.id) is None
    [issue] = morgan.sync.issues("rejected")
    assert issue.code == APPROVAL_NOT_ALLOWED
    assert "own name" in issue.message and "Morgan North" in issue.message
    assert "Jamie Other" in issue.message
    # the same manager's name as typed (case and spacing aside) is theirs
    _, own = screening_with_approval(morgan, by="morgan  north")
    assert engine.sync(morgan).rejected == 0 and hub_record(hub_server, own.id) is not None
    # an approval recorded as a practitioner's is not a manager's approval
    _, odd = screening_with_approval(morgan, by="Morgan North", role=Role.PRACTITIONER)
    assert engine.sync(morgan).rejected == 1 and hub_record(hub_server, odd.id) is None
    # an approval of another screening than the one it amends
    other, _ = screening_with_approval(morgan, by="Morgan North")
    engine.sync(morgan)
    p = morgan.people.list()[0]
    stray = morgan.submissions.add(Submission(
        form_id=SCREENING, form_version=2, person_id=p.id, amends=None, answers={},
        status="final", outcome={}, finalised_at=datetime.now(UTC),
        finalised_by=morgan.owner.name,
        approval=Approval(by="Morgan North", role=Role.MANAGER, at=datetime.now(UTC),
                          approves=other.id, rationale="Fictional.")))
    assert engine.sync(morgan).rejected == 1 and hub_record(hub_server, stray.id) is None


def test_the_role_the_hub_holds_now_decides(tmp_path: Path, hub_server: HubServer) -> None:
    """A manager demoted since their laptop last synced can no longer approve (the push is
    judged before the sync brings the new role); a practitioner promoted can."""
    hub_server.hub.add_user("Morgan North", team="North Team", role="manager")
    morgan = laptop(tmp_path / "morgan", hub_server, "Morgan North")
    hub_server.hub.set_user_role("Morgan North", "practitioner")
    _, approval = screening_with_approval(morgan, by="Morgan North")
    assert morgan.owner.role is Role.MANAGER  # the laptop has not heard yet
    summary = engine.sync(morgan)
    assert summary.rejected == 1 and hub_record(hub_server, approval.id) is None
    assert morgan.sync.issues("rejected")[0].message == NOT_A_MANAGER.format("Morgan North")
    assert morgan.owner.role is Role.PRACTITIONER  # and now it has

    alex = laptop(tmp_path / "alex", hub_server, "Alex North")
    hub_server.hub.set_user_role("Alex North", "manager")
    _, promoted = screening_with_approval(alex, by="Alex North")
    assert engine.sync(alex).rejected == 0 and hub_record(hub_server, promoted.id) is not None


def test_a_workspace_never_connected_has_no_verified_approvals(tmp_path: Path) -> None:
    ws = laptop(tmp_path / "alone", None, "Morgan North", role=Role.MANAGER)
    _, approval = screening_with_approval(ws, by="Morgan North")
    assert approval_verification(ws, approval) == "not_verified"
    assert verification_words(ws, approval) == \
        "not verified by a hub (this workspace is not connected to one)"
    assert set(VERIFICATION_WORDS) == {"verified", "awaiting_sync", "refused", "not_verified"}


# -- the migration ---------------------------------------------------------------------------


def test_migration_0003_makes_existing_users_practitioners(db_url: str) -> None:
    hub_engine = db.make_engine(db_url)
    try:
        cfg = db._config()
        with hub_engine.begin() as conn:  # a hub as it was before roles
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0002")
        with hub_engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO teams (name, own_caseload_only, created_at) "
                                 "VALUES ('Old Team', false, '2026-01-01T00:00:00+00:00')"))
            team_id = conn.execute(sa.text("SELECT id FROM teams")).scalar()
            for name in ("Old One", "Old Two"):
                conn.execute(sa.text("INSERT INTO users (name, team_id, created_at) VALUES "
                                     "(:n, :t, '2026-01-01T00:00:00+00:00')"),
                             {"n": name, "t": team_id})
        assert db.current_revision(hub_engine) == "0002"
        assert db.upgrade(hub_engine) == db.head_revision() == db.current_revision(hub_engine)
        from cse_desktop.hub.repository import Hub

        hub = Hub(hub_engine)
        assert [(u["name"], u["role"]) for u in hub.users()] == [
            ("Old One", "practitioner"), ("Old Two", "practitioner")]
        hub.set_user_role("Old Two", "manager")
        hub.add_user("New One", team="Old Team")
        assert {u["name"]: u["role"] for u in hub.users()} == {
            "Old One": "practitioner", "Old Two": "manager", "New One": "practitioner"}
        assert db.upgrade(hub_engine) == db.head_revision()  # idempotent
    finally:
        hub_engine.dispose()


def test_role_is_in_the_api_description(hub_server: HubServer) -> None:
    import httpx

    spec = httpx.get(f"{hub_server.url}/openapi.json", timeout=30).json()
    schemas = spec["components"]["schemas"]
    for name in ("EnrolResponse", "DeviceInfo", "PullResponse"):
        assert "role" in schemas[name]["required"], name
        assert schemas[name]["properties"]["role"]["enum"] == ["practitioner", "manager"]


# -- the whole path: the approval action on a laptop, the hub's refusal ----------------------


def test_a_refused_approval_never_lowers_the_level_the_team_sees(tmp_path: Path,
                                                                 hub_server: HubServer) -> None:
    """A manager demoted on the hub approves offline with the real approval action: the hub
    refuses the approval and the lower level that came with it, holds the level, and lets
    it go down again only after a new screening sets it."""
    from cse_desktop.casework.caseload import approve_downgrade
    from cse_desktop.casework.submissions import finalise
    from cse_desktop.forms.engine import FormEngine
    from cse_desktop.forms.loader import FormRegistry

    forms = FormEngine(FormRegistry.load())
    hub_server.hub.add_user("Morgan North", team="North Team", role="manager")
    morgan = laptop(tmp_path / "morgan", hub_server, "Morgan North")
    child = morgan.people.add(person())
    base = {"reason": "Fictional.", "trigger": "new_concern", "sources": ["child"],
            "child_involved": "yes", "parent_involved": "no", "immediate_danger": "no",
            "strengths": "Fictional.", "danger_statement": "Fictional.",
            "safety_goal": "Fictional.",
            "ind_e_picked_up_by_adults": {"present": "yes", "timing": "current"}}
    draft = forms.set_answers(forms.start(SCREENING, child.id), {
        **base, "agreed_level": "none", "override_rationale": "Fictional."})
    screening = finalise(morgan, forms, draft)
    assert screening.outcome["approval_pending"] and screening.outcome["level"] == "low"
    assert engine.sync(morgan).rejected == 0

    def hub_level() -> str:
        import json

        return json.loads(hub_record(hub_server, child.id)["fields"])["risk_level"]

    assert hub_level() == "low"
    hub_server.hub.set_user_role("Morgan North", "practitioner")  # demoted; laptop not told
    approval = approve_downgrade(morgan, forms, screening.id, "Fictional reason.",
                                 datetime.now(UTC))
    assert morgan.people.get(child.id).risk_level.value == "none"  # on this laptop only
    summary = engine.sync(morgan)
    assert summary.rejected == 2  # the approval, and the lower level that rests on it
    assert hub_record(hub_server, approval.id) is None
    assert hub_level() == "low"  # the team still sees the higher level
    assert morgan.people.get(child.id).risk_level.value == "low"  # and so does this laptop
    codes = {i.code for i in morgan.sync.issues("rejected")}
    assert codes == {APPROVAL_NOT_ALLOWED}
    assert verification_words(morgan, approval).startswith("refused by the hub")

    # a practitioner's laptop cannot lower it either, until a new screening sets the level
    alex = laptop(tmp_path / "alex", hub_server, "Alex North")
    engine.sync(alex)
    held = alex.people.get(child.id)
    alex.people.update(held.model_copy(update={"risk_level": "none"}))
    assert engine.sync(alex).rejected == 1 and hub_level() == "low"
    again = forms.set_answers(forms.start(SCREENING, child.id), {
        **{k: v for k, v in base.items() if k != "ind_e_picked_up_by_adults"},
        "agreed_level": "none"})
    finalise(alex, forms, again)  # nothing of concern now: None, agreed, no downgrade
    assert engine.sync(alex).rejected == 0
    assert hub_level() == "none"
