"""The demo shows everything a newcomer should see (issue 14, item 9): a team manager's
workspace, return home interviews due, overdue, late and declined, a child missing now, a lower
level awaiting the manager's approval, conflicts and a refused change after a simulated sync,
and records stamped with times of their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cse_desktop.casework import demo
from cse_desktop.casework.caseload import approve_downgrade, caseload_rows, team_overview
from cse_desktop.casework.chronology import build_chronology
from cse_desktop.casework.sync_status import read_issues, read_status
from cse_desktop.domain.models import RiskLevel, Role
from cse_desktop.forms.engine import FormEngine
from cse_desktop.store import KdfParams, Workspace

NOW = datetime(2026, 11, 21, 14, 37, tzinfo=UTC)


@pytest.fixture
def filled(tmp_path: Path, engine: FormEngine):  # type: ignore[no-untyped-def]
    ws, _ = Workspace.create(tmp_path / "demo", demo.DEMO_PASSPHRASE, demo.DEMO_OWNER,
                             kdf=KdfParams.insecure_for_tests())
    demo.populate(ws, people=6, seed=5, engine=engine, showcase=True, now=NOW)
    yield ws
    ws.lock()


def test_the_demo_belongs_to_a_team_manager() -> None:
    assert demo.DEMO_OWNER.role is Role.MANAGER


def test_the_72_hour_clock_shows_due_soon_due_and_overdue_at_now(filled: Workspace) -> None:
    rows = {r.person.given_name: r for r in caseload_rows(filled, NOW)
            if r.person.family_name == "Showcase"}
    assert rows["Due"].rhi_due is not None and not rows["Due"].rhi_overdue
    assert rows["Due"].rhi_due - NOW == timedelta(hours=52)
    assert rows["Soon"].rhi_due is not None and not rows["Soon"].rhi_overdue
    assert timedelta(0) < rows["Soon"].rhi_due - NOW < timedelta(hours=6)
    assert rows["Overdue"].rhi_overdue
    assert rows["Missing"].missing_now
    for name in ("Late", "Declined", "Approval", "Themes"):
        assert rows[name].rhi_due is None and not rows[name].rhi_overdue, name


def test_a_lower_level_waits_for_the_manager_who_can_approve_it(
        filled: Workspace, engine: FormEngine) -> None:
    [waiting] = team_overview(filled, NOW).downgrades
    assert waiting.person.given_name == "Approval"
    assert waiting.agreed_level is RiskLevel.LOW
    assert waiting.suggested_level.value not in ("low", "none", "not_assessed")
    assert waiting.rationale
    approve_downgrade(filled, engine, waiting.submission_id, "Fictional: agreed at supervision.",
                      now=NOW + timedelta(minutes=5))
    assert team_overview(filled, NOW).downgrades == []
    assert filled.people.get(waiting.person.id).risk_level is RiskLevel.LOW


def test_a_simulated_sync_leaves_conflicts_and_a_refusal_as_a_real_one(
        filled: Workspace) -> None:
    status = read_status(filled)
    assert status.connected and status.url == demo.DEMO_HUB
    assert (status.pending, status.conflicts, status.refused) == (0, 2, 1)
    issues = read_issues(filled)
    fields = sorted(i.issue.field for i in issues.conflicts)
    assert fields == ["school", "where_found"]
    for item in issues.conflicts:
        issue = item.issue
        assert len({str(issue.base_value), str(issue.hub_value), str(issue.device_value)}) == 3
        # the pull brought the hub's value to this laptop, as a real sync does
        record = filled.repository_for(issue.record_kind).get(issue.record_id)
        assert getattr(record, issue.field) == issue.hub_value
        assert item.person_id is not None and item.text_field
    [refused] = issues.refused
    assert refused.reason and refused.person_id is not None
    assert filled.check().ok


def test_records_carry_times_of_their_own(filled: Workspace) -> None:
    actions = filled.actions.list()
    assert len(actions) >= 3
    agreed = {a.created_at for a in actions}
    # actions agreed at one meeting share its time; otherwise each has its own
    assert len(agreed) > len(actions) // 2
    assert all(a.created_at < NOW for a in actions)
    people = filled.people.list()
    assert len({p.created_at for p in people}) == len(people)
    # a chronology lists its events at distinct times
    person = next(p for p in people if filled.actions.list(person_id=p.id))
    events = build_chronology(filled, person.id, now=NOW)
    assert len({e.at for e in events}) > 1


def test_the_same_seed_and_instant_give_the_same_demo(tmp_path: Path,
                                                      engine: FormEngine) -> None:
    def fill(name: str) -> list[dict]:
        ws, _ = Workspace.create(tmp_path / name, demo.DEMO_PASSPHRASE, demo.DEMO_OWNER,
                                 kdf=KdfParams.insecure_for_tests())
        try:
            demo.populate(ws, people=4, seed=9, engine=engine, showcase=True, now=NOW)
            # (actions a meeting record agreed get their ids when it is finalised)
            return sorted(
                [{"id": r.id if repo is not ws.actions else "", "at": r.created_at,
                  **r.content()}
                 for repo in (ws.people, ws.episodes, ws.actions, ws.associations)
                 for r in repo.list()], key=repr)
        finally:
            ws.lock()

    first = fill("a")
    assert first == fill("b")
    people = [r for r in first if "postcode" in r]
    assert all("DEMO" in p["flags"] and p["postcode"].startswith("ZZ99") for p in people)


def test_a_stale_demo_is_filled_afresh_when_opened(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSE_DESKTOP_HOME", str(tmp_path))
    ws = demo.open_or_create(kdf=KdfParams.insecure_for_tests())
    first = {p.id for p in ws.people.list()}
    assert demo.is_fresh(ws, datetime.now(UTC))
    ws.lock()
    again = demo.open_or_create()  # fresh: opened as it is
    assert {p.id for p in again.people.list()} == first
    assert not demo.is_fresh(again, datetime.now(UTC) + demo.REFILL_AFTER)
    again.lock()
    monkeypatch.setattr(demo, "REFILL_AFTER", timedelta(0))  # every demo is stale now
    refilled = demo.open_or_create(kdf=KdfParams.insecure_for_tests())
    try:
        assert refilled.people.count() == demo.DEMO_PEOPLE + demo.SHOWCASE_PEOPLE
        assert read_status(refilled).conflicts == 2
    finally:
        refilled.lock()
