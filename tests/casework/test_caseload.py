"""The caseload and the manager's views, worked out from a real workspace (no Qt).

Every person, episode and form here is invented.  NOW is Tuesday 10 March 2026 at noon UTC,
which is also the forms' sample "now", so the shipped samples finalise as they are.
"""

from __future__ import annotations

import calendar
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cse_desktop.casework import demo
from cse_desktop.casework.caseload import (
    REASON_HIGH,
    REASON_MEDIUM,
    REASON_REPEAT,
    REASON_REVIEW,
    REASON_RHI,
    approve_downgrade,
    caseload_rows,
    downgrades_awaiting_approval,
    next_rmm_date,
    open_actions,
    person_row,
    rmm_due,
    team_overview,
)
from cse_desktop.casework.caseload_facts import episode_facts, submission_facts
from cse_desktop.casework.submissions import finalise
from cse_desktop.casework.urgency import by_urgency, urgency_key
from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.models import (
    Action,
    ActionStatus,
    AuditAction,
    Episode,
    Owner,
    Person,
    Rag,
    RhiStatus,
    RiskLevel,
    Role,
    Submission,
    SubmissionStatus,
)
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.samples import load_samples
from cse_desktop.store import KdfParams, Workspace

from .conftest import PASS

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday: the RMM meets today
TODAY = NOW.date()
PRACTITIONER = Owner(name="Sam Fictional", role=Role.PRACTITIONER, team="Test Team")
MANAGER = Owner(name="Morgan Fictional-Manager", role=Role.MANAGER, team="Test Team")


@pytest.fixture
def ws(tmp_path: Path):
    workspace, _ = Workspace.create(tmp_path / "ws", PASS, PRACTITIONER,
                                    kdf=KdfParams.insecure_for_tests())
    yield workspace
    workspace.lock()


def child(ws: Workspace, given: str = "Test", family: str = "Child", **fields) -> Person:
    fields.setdefault("dob", date(2011, 5, 4))
    return ws.people.add(Person(given_name=given, family_name=family, **fields))


def missing(ws: Workspace, person: Person, started: datetime, returned: datetime | None,
            status: RhiStatus = RhiStatus.DUE) -> Episode:
    return ws.episodes.add(Episode(person_id=person.id, started_at=started,
                                   returned_at=returned, rhi_status=status))


def row_of(ws: Workspace, person: Person, now: datetime = NOW, **kwargs):  # type: ignore[no-untyped-def]
    return next(r for r in caseload_rows(ws, now, **kwargs) if r.person_id == person.id)


def sample(form_id: str):  # type: ignore[no-untyped-def]
    return next(s for s in load_samples() if s.form_id == form_id)


def screen(ws: Workspace, engine: FormEngine, person: Person, **answers) -> Submission:
    values = dict(sample("exploitation-screening").answers)
    values.update(answers)
    draft = engine.set_answers(engine.start("exploitation-screening", person.id), values)
    return finalise(ws, engine, draft, now=NOW)


# -- the meeting day -----------------------------------------------------------------------------


def test_the_next_meeting_is_today_or_the_coming_meeting_day() -> None:
    assert TODAY.weekday() == calendar.TUESDAY
    assert next_rmm_date(TODAY) == TODAY
    assert next_rmm_date(date(2026, 3, 9)) == TODAY  # Monday
    assert next_rmm_date(date(2026, 3, 11)) == date(2026, 3, 17)  # Wednesday: next week
    assert next_rmm_date(date(2026, 3, 11), weekday=calendar.THURSDAY) == date(2026, 3, 12)
    assert next_rmm_date(date(2026, 12, 30), weekday=calendar.MONDAY) == date(2027, 1, 4)
    with pytest.raises(ValueError, match="weekday"):
        next_rmm_date(TODAY, weekday=7)


# -- one row per person --------------------------------------------------------------------------


def test_a_row_holds_age_last_missing_and_whether_missing_now(ws: Workspace) -> None:
    quiet = child(ws, "Quiet", "Fictional", dob=date(2012, 3, 11))  # 14 tomorrow
    away = child(ws, "Away", "Fictional", allocated_worker="A. Fictional-Worker")
    missing(ws, away, NOW - timedelta(days=20), NOW - timedelta(days=19),
            RhiStatus.COMPLETED)
    missing(ws, away, NOW - timedelta(hours=3), None, RhiStatus.NOT_YET_DUE)
    ws.people.delete(child(ws, "Deleted", "Fictional").id)

    rows = caseload_rows(ws, NOW)
    assert [r.person.given_name for r in rows] == ["Away", "Quiet"]  # by name; no tombstones
    first, second = rows
    assert second.person.id == quiet.id
    assert second.age == 13 and second.last_missing is None and not second.missing_now
    assert second.rhi_due is None and not second.rhi_overdue
    assert first.last_missing == NOW - timedelta(hours=3)
    assert first.missing_now and first.open_episode
    assert first.allocated_worker == "A. Fictional-Worker"
    assert first.rhi_due is None  # the open episode's interview is not due yet


def test_the_rhi_due_is_the_earliest_outstanding_deadline(ws: Workspace,
                                                          engine: FormEngine) -> None:
    person = child(ws)
    returns = [NOW - timedelta(hours=h) for h in (10, 30, 50, 60, 70)]
    missing(ws, person, returns[0] - timedelta(hours=2), returns[0], RhiStatus.DUE)
    missing(ws, person, returns[1] - timedelta(hours=2), returns[1], RhiStatus.OFFERED)
    # stale status: returned, but the status was never moved on from "not yet due"
    missing(ws, person, returns[2] - timedelta(hours=2), returns[2], RhiStatus.NOT_YET_DUE)
    missing(ws, person, returns[3] - timedelta(hours=2), returns[3], RhiStatus.DECLINED)
    interviewed = missing(ws, person, returns[4] - timedelta(hours=2), returns[4],
                          RhiStatus.DUE)
    # a final RHI against the last episode closes it, whatever its status says
    ws.submissions.add(Submission(form_id="return-home-interview", form_version=1,
                                  person_id=person.id, episode_id=interviewed.id,
                                  status=SubmissionStatus.FINAL, outcome={"flags": []},
                                  finalised_at=NOW))
    row = row_of(ws, person)
    assert row.rhi_due == returns[2] + timedelta(hours=72)  # 50 hours ago: 22 h left
    assert row.rhi_time_left(NOW) == timedelta(hours=22)
    assert not row.rhi_overdue

    # a draft RHI does not close an episode
    ws.submissions.add(Submission(form_id="return-home-interview", form_version=1,
                                  person_id=person.id, episode_id=interviewed.id))
    assert row_of(ws, person).rhi_due == returns[2] + timedelta(hours=72)


@pytest.mark.parametrize(("after_due", "overdue"), [
    (timedelta(seconds=-1), False),
    (timedelta(0), False),  # due at exactly 72 hours: not yet late
    (timedelta(seconds=1), True),
    (timedelta(hours=5), True),
])
def test_an_rhi_is_overdue_after_72_hours_on_utc_instants(ws: Workspace, after_due: timedelta,
                                                          overdue: bool) -> None:
    # Returned at 23:30 UTC on Saturday 28 March 2026; the UK clocks go forward that night,
    # so 72 hours later is 00:30 BST on Wednesday 1 April, not 23:30 on the Tuesday.
    returned = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    person = child(ws)
    missing(ws, person, returned - timedelta(hours=6), returned, RhiStatus.DUE)
    due = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    row = row_of(ws, person, due + after_due)
    assert row.rhi_due == due
    assert row.rhi_overdue is overdue
    assert row.rhi_time_left(due + after_due) == -after_due


# -- due at the next RMM ---------------------------------------------------------------------------


def test_medium_and_high_risk_and_a_review_by_the_meeting_are_due(ws: Workspace) -> None:
    high = child(ws, "High", risk_level=RiskLevel.HIGH, next_review=TODAY + timedelta(days=60))
    medium = child(ws, "Medium", risk_level=RiskLevel.MEDIUM, next_review=TODAY)
    review = child(ws, "Review", risk_level=RiskLevel.LOW, next_review=TODAY)
    late = child(ws, "Late", risk_level=RiskLevel.NONE, next_review=TODAY - timedelta(days=4))
    later = child(ws, "Later", risk_level=RiskLevel.LOW,
                  next_review=TODAY + timedelta(days=1))
    unset = child(ws, "Unset")
    rows = {r.person_id: r for r in caseload_rows(ws, NOW)}
    assert rows[high.id].rmm_reasons == (REASON_HIGH,)
    assert rows[medium.id].rmm_reasons == (REASON_MEDIUM, REASON_REVIEW)
    assert rows[review.id].rmm_reasons == (REASON_REVIEW,)
    assert not rows[review.id].review_overdue  # due today is not overdue
    assert rows[late.id].rmm_reasons == (REASON_REVIEW,) and rows[late.id].review_overdue
    assert rows[later.id].rmm_reasons == () and not rows[later.id].due_at_next_rmm
    assert rows[unset.id].rmm_reasons == ()
    # on Wednesday the next meeting is six days away: the review tomorrow falls before it
    wednesday = NOW + timedelta(days=1)
    assert row_of(ws, later, wednesday).rmm_reasons == (REASON_REVIEW,)
    # a Thursday meeting tomorrow also takes it in
    assert row_of(ws, later, rmm_weekday=calendar.WEDNESDAY).rmm_reasons == (REASON_REVIEW,)
    due = rmm_due(rows.values())
    assert [r.person.given_name for r in due] == ["High", "Medium", "Review", "Late"]


@pytest.mark.parametrize(("days_ago", "repeat"), [
    ((1, 10, 29), True),
    ((1, 10, 30), False),  # the third went missing 30 days ago: outside the window
    ((1, 10), False),
    ((0, 0, 5, 40), True),
])
def test_repeat_missing_is_three_times_in_thirty_days(ws: Workspace, days_ago: tuple[int, ...],
                                                      repeat: bool) -> None:
    person = child(ws)
    for days in days_ago:
        start = NOW - timedelta(days=days, hours=1)
        missing(ws, person, start, start + timedelta(minutes=30), RhiStatus.DECLINED)
    assert (REASON_REPEAT in row_of(ws, person).rmm_reasons) is repeat


def test_an_rhi_that_flags_exploitation_is_due_until_the_next_meeting(
        ws: Workspace, engine: FormEngine) -> None:
    rhi = sample("return-home-interview")
    person = child(ws)
    episode = missing(ws, person, rhi.episode.started_at, rhi.episode.returned_at)
    draft = engine.set_answers(engine.start("return-home-interview", person.id,
                                            episode_id=episode.id, version=rhi.version),
                               rhi.answers)
    final = finalise(ws, engine, draft, now=NOW)
    assert "rescreen" in {f["id"] for f in final.outcome["flags"]}
    row = row_of(ws, person)
    assert row.rmm_reasons == (REASON_RHI,)
    assert row.rhi_due is None  # the interview is recorded

    # the meeting a week before the interview does not count; one on or after it does
    meeting = dict(sample("rmm-review").answers)
    assert meeting["meeting_date"] == "2026-03-03"  # before the interview (8 March)
    draft = engine.set_answers(engine.start("rmm-review", person.id, version=1), meeting)
    finalise(ws, engine, draft, now=NOW)
    assert REASON_RHI in row_of(ws, person).rmm_reasons
    meeting["meeting_date"] = TODAY.isoformat()
    draft = engine.set_answers(engine.start("rmm-review", person.id, version=1), meeting)
    finalise(ws, engine, draft, now=NOW)
    row = row_of(ws, person)
    assert REASON_RHI not in row.rmm_reasons
    assert row.risk_level is RiskLevel.MEDIUM  # the meeting's agreed level
    assert row.rmm_reasons == (REASON_MEDIUM,)


# -- open actions --------------------------------------------------------------------------------


def test_open_actions_across_the_caseload_with_their_rag(ws: Workspace) -> None:
    first, second = child(ws, "First"), child(ws, "Second")
    gone = child(ws, "Gone")

    def act(person: Person, text: str, due: date | None, **fields) -> None:
        ws.actions.add(Action(person_id=person.id, text=text, due=due, owner="O. Fictional",
                              agency="Police", **fields))

    act(first, "Green later", TODAY + timedelta(days=20))
    act(second, "Red late", TODAY - timedelta(days=1))
    act(first, "Amber soon", TODAY + timedelta(days=7))
    act(second, "No date", None)
    act(first, "Done already", TODAY - timedelta(days=5), status=ActionStatus.DONE)
    act(first, "Cancelled", TODAY - timedelta(days=5), status=ActionStatus.CANCELLED)
    act(gone, "For a deleted record", TODAY)
    ws.people.delete(gone.id)

    found = open_actions(ws, TODAY)
    assert [(a.text, a.rag) for a in found] == [
        ("Red late", Rag.RED), ("Amber soon", Rag.AMBER), ("Green later", Rag.GREEN),
        ("No date", Rag.GREEN)]
    assert found[0].person.id == second.id
    assert (found[0].owner, found[0].agency, found[0].due) == (
        "O. Fictional", "Police", TODAY - timedelta(days=1))


# -- downgrades and the manager's approval ---------------------------------------------------------


def test_a_downgrade_waits_for_a_manager_who_approves_it(ws: Workspace,
                                                         engine: FormEngine) -> None:
    person = child(ws, "Fern", "Fictitious", allocated_worker="P. Sample-Worker")
    final = screen(ws, engine, person, agreed_level="none",
                   override_rationale="Fictional: no current concerns at home or school.")
    assert final.outcome["approval_pending"] is True
    row = row_of(ws, person)
    assert row.approval_pending and row.risk_level is RiskLevel.LOW  # the higher level stands

    [waiting] = downgrades_awaiting_approval(ws)
    assert waiting.submission_id == final.id and waiting.person.id == person.id
    assert (waiting.suggested_level, waiting.agreed_level) == (RiskLevel.LOW, RiskLevel.NONE)
    assert waiting.rationale == "Fictional: no current concerns at home or school."
    assert waiting.worker == "P. Sample-Worker"
    assert waiting.recorded_by == "Sam Fictional"
    assert waiting.day == final.finalised_at.date()

    # a practitioner cannot approve, and nothing is written
    submissions, audit = ws.submissions.count(), ws.audit.count()
    with pytest.raises(ValidationFailed, match="Only a team manager"):
        approve_downgrade(ws, engine, final.id, "Sam Fictional", NOW)
    assert (ws.submissions.count(), ws.audit.count()) == (submissions, audit)
    assert ws.people.get(person.id).risk_level is RiskLevel.LOW

    ws.set_owner(MANAGER)
    audit = ws.audit.count()
    with pytest.raises(ValidationFailed, match="Say why"):
        approve_downgrade(ws, engine, final.id, "   ", NOW)
    assert (ws.submissions.count(), ws.audit.count()) == (submissions, audit)
    approval = approve_downgrade(ws, engine, final.id, "Fictional: agreed with the worker.", NOW)
    assert approval.is_final and approval.amends == final.id
    assert approval.form_version == 2 and "approved_by" not in approval.answers
    assert approval.approval is not None
    assert (approval.approval.by, approval.approval.role, approval.approval.at,
            approval.approval.rationale, approval.approval.approves) == (
        MANAGER.name, Role.MANAGER, NOW, "Fictional: agreed with the worker.", final.id)
    assert approval.outcome["approval_pending"] is False
    assert approval.outcome["approved_by"] == MANAGER.name
    assert approval.finalised_by == MANAGER.name
    last = ws.audit.events()[-1]
    assert (last.action, last.record_id, last.actor, last.reason) == (
        AuditAction.APPROVE, approval.id, MANAGER.name, "Fictional: agreed with the worker.")
    assert ws.people.get(person.id).risk_level is RiskLevel.NONE
    assert downgrades_awaiting_approval(ws) == []
    assert not row_of(ws, person).approval_pending
    with pytest.raises(ValidationFailed, match="not waiting for approval"):
        approve_downgrade(ws, engine, final.id, "Fictional.", NOW)
    assert ws.check().ok


def test_an_approval_covers_only_the_levels_the_manager_saw(ws: Workspace,
                                                           engine: FormEngine) -> None:
    """New information since the screening (three missing episodes) changes what would stand:
    the approval is refused and nothing is written."""
    person = child(ws)
    final = screen(ws, engine, person, agreed_level="none", override_rationale="Fictional.")
    assert (final.outcome["level"], final.outcome["agreed_level"]) == ("low", "none")
    for days in (1, 3, 5):
        start = NOW - timedelta(days=days)
        missing(ws, person, start, start + timedelta(hours=4))
    ws.set_owner(MANAGER)
    counts = (ws.submissions.count(), ws.audit.count())
    with pytest.raises(ValidationFailed, match=r"levels have changed .* Medium would stand now"):
        approve_downgrade(ws, engine, final.id, "Fictional.", NOW)
    assert (ws.submissions.count(), ws.audit.count()) == counts
    assert ws.people.get(person.id).risk_level is RiskLevel.LOW


def test_a_screening_whose_review_date_has_passed_can_still_be_approved(
        ws: Workspace, engine: FormEngine) -> None:
    person = child(ws)
    final = screen(ws, engine, person, agreed_level="none", override_rationale="Fictional.",
                   review_date=(TODAY + timedelta(days=7)).isoformat())
    ws.set_owner(MANAGER)
    later = NOW + timedelta(days=30)  # the review date is now in the past
    approval = approve_downgrade(ws, engine, final.id, "Fictional.", later)
    assert approval.approval is not None
    assert (approval.approval.level, approval.approval.instead_of) == ("none", "low")
    assert ws.people.get(person.id).risk_level is RiskLevel.NONE


def test_a_v1_screening_is_approved_by_role_too(ws: Workspace, engine: FormEngine) -> None:
    """A downgrade recorded on version 1 is approved the same way; v1 also gets the name in
    its typed approver field, which version 1 scores by."""
    person = child(ws)
    values = {**sample("exploitation-screening").answers, "agreed_level": "none",
              "override_rationale": "Fictional."}
    draft = engine.set_answers(engine.start("exploitation-screening", person.id, version=1),
                               values)
    final = finalise(ws, engine, draft, now=NOW)
    assert final.outcome["approval_pending"] is True
    ws.set_owner(MANAGER)
    approval = approve_downgrade(ws, engine, final.id, "Fictional reason.", NOW)
    assert approval.form_version == 1
    assert approval.answers["approved_by"] == MANAGER.name
    assert approval.approval is not None and approval.approval.role is Role.MANAGER
    assert ws.people.get(person.id).risk_level is RiskLevel.NONE


def test_while_waiting_the_level_agreed_at_the_last_rmm_stands_if_higher(
        ws: Workspace, engine: FormEngine) -> None:
    person = child(ws)
    meeting = dict(sample("rmm-review").answers)
    meeting["agreed_level"] = "high"
    draft = engine.set_answers(engine.start("rmm-review", person.id, version=1), meeting)
    finalise(ws, engine, draft, now=NOW)
    assert ws.people.get(person.id).risk_level is RiskLevel.HIGH
    final = screen(ws, engine, person, agreed_level="none", override_rationale="Fictional.")
    assert final.outcome["suggested_level"] == "low"
    assert final.outcome["approval_pending"] is True
    assert final.outcome["level"] == "high"  # the meeting's level, not only the suggestion
    assert "Risk Management Meeting" in final.outcome["level_standing_because"]
    assert ws.people.get(person.id).risk_level is RiskLevel.HIGH
    assert row_of(ws, person).approval_pending


def test_a_later_screening_takes_a_downgrade_off_the_queue(ws: Workspace,
                                                           engine: FormEngine) -> None:
    ws.set_owner(MANAGER)
    person = child(ws)
    old = screen(ws, engine, person, agreed_level="none", override_rationale="Fictional.")
    upgrade = child(ws, "Upgrade")
    screen(ws, engine, upgrade, agreed_level="high", override_rationale="Fictional.")
    assert [d.submission_id for d in downgrades_awaiting_approval(ws)] == [old.id]
    screen(ws, engine, person)  # agrees with the suggested level
    assert downgrades_awaiting_approval(ws) == []  # an upgrade never needs approval either
    with pytest.raises(ValidationFailed, match="not waiting"):
        approve_downgrade(ws, engine, old.id, "Fictional.", NOW)
    assert ws.people.get(person.id).risk_level is RiskLevel.LOW


def test_a_row_from_the_person_alone(ws: Workspace) -> None:
    person = Person(given_name="Only", family_name="Record", dob=date(2012, 1, 1),
                    risk_level=RiskLevel.HIGH)
    row = person_row(person, NOW)
    assert row.rmm_reasons == (REASON_HIGH,)
    assert row.last_missing is None and row.rhi_due is None and not row.approval_pending
    with pytest.raises(ValueError, match="aware"):
        person_row(person, NOW.replace(tzinfo=None))


# -- the urgency order ----------------------------------------------------------------------------


def test_the_caseload_sorts_by_urgency(ws: Workspace) -> None:
    """Missing now; RHI overdue (longest first); RHI due (soonest first); High; review overdue;
    then the rest, by name within each group."""
    def person(given: str, **fields) -> Person:  # type: ignore[no-untyped-def]
        return child(ws, given, "Fictional", **fields)

    rest_a = person("Aled")  # nothing urgent: sorts by name, last
    rest_b = person("Bea", risk_level=RiskLevel.MEDIUM)
    review = person("Cai", next_review=TODAY - timedelta(days=3))
    high_z = person("Zed", risk_level=RiskLevel.HIGH)
    high_d = person("Dee", risk_level=RiskLevel.HIGH, next_review=TODAY - timedelta(days=9))
    due_late = person("Eli")
    missing(ws, due_late, NOW - timedelta(hours=30), NOW - timedelta(hours=10))  # due in 62 h
    due_soon = person("Fay", risk_level=RiskLevel.HIGH)
    missing(ws, due_soon, NOW - timedelta(hours=60), NOW - timedelta(hours=50))  # due in 22 h
    over_little = person("Gus")
    missing(ws, over_little, NOW - timedelta(hours=90), NOW - timedelta(hours=73))  # 1 h over
    over_long = person("Hal")
    missing(ws, over_long, NOW - timedelta(hours=200), NOW - timedelta(hours=100))  # 28 h over
    away = person("Ivy")
    missing(ws, away, NOW - timedelta(hours=5), None, RhiStatus.NOT_YET_DUE)
    away_too = person("Ada", risk_level=RiskLevel.LOW)
    missing(ws, away_too, NOW - timedelta(hours=100), NOW - timedelta(hours=90))  # overdue
    missing(ws, away_too, NOW - timedelta(hours=2), None, RhiStatus.NOT_YET_DUE)  # and away

    order = [away_too, away, over_long, over_little, due_soon, due_late, high_d, high_z, review,
             rest_a, rest_b]
    rows = caseload_rows(ws, NOW)
    assert [r.person.given_name for r in by_urgency(rows)] == [p.given_name for p in order]
    assert [r.person.given_name for r in rows][:3] == ["Ada", "Aled", "Bea"]  # still by name
    keys = [urgency_key(r) for r in by_urgency(rows)]
    assert [k[0] for k in keys] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 5, 5]
    # a day later Fay's interview is overdue too, by less than Gus's and Hal's
    later = [r.person.given_name for r in by_urgency(caseload_rows(ws, NOW + timedelta(hours=23)))]
    assert later[:6] == ["Ada", "Ivy", "Hal", "Gus", "Fay", "Eli"]
    assert urgency_key(row_of(ws, due_soon, NOW + timedelta(hours=23)))[0] == 1


# -- the demo caseload, read narrowly -------------------------------------------------------------


def test_the_narrow_reads_agree_with_the_repositories(ws: Workspace,
                                                      engine: FormEngine) -> None:
    demo.populate(ws, people=12, seed=4, today=TODAY, engine=engine)
    screen(ws, engine, child(ws), agreed_level="none", override_rationale="Fictional.")
    ws.episodes.delete(ws.episodes.list()[0].id)

    episodes = {e.id: e for e in ws.episodes.list()}
    facts = episode_facts(ws)
    assert {f.id for f in facts} == set(episodes)
    for f in facts:
        e = episodes[f.id]
        assert (f.person_id, f.started_at, f.returned_at, f.rhi_status, f.rhi_due_at) == (
            e.person_id, e.started_at, e.returned_at, e.rhi_status, e.rhi_due_at)

    finals = {s.id: s for s in ws.submissions.list() if s.is_final
              and s.form_id in ("exploitation-screening", "return-home-interview",
                                "rmm-review")}
    facts = submission_facts(ws)
    assert {f.id for f in facts} == set(finals) and facts
    for f in facts:
        s = finals[f.id]
        outcome = s.outcome or {}
        assert (f.person_id, f.form_id, f.episode_id, f.amends, f.finalised_at) == (
            s.person_id, s.form_id, s.episode_id, s.amends, s.finalised_at)
        assert (f.stored_at, f.finalised_by) == (s.updated_at, s.finalised_by)
        assert f.level == outcome.get("level")
        assert f.approval_pending is bool(outcome.get("approval_pending"))
        assert f.flags == {fl["id"] for fl in outcome.get("flags", [])}

    overview = team_overview(ws, NOW)
    assert overview.owner == PRACTITIONER and overview.meeting == TODAY
    assert len(overview.rows) == ws.people.count() == 13
    assert overview.due == rmm_due(overview.rows)
    assert overview.actions == open_actions(ws, TODAY)
    assert len(overview.downgrades) == 1


def test_five_thousand_people_load_quickly(ws: Workspace, capsys) -> None:  # type: ignore[no-untyped-def]
    """For information only (no timed assertion): the time is printed."""
    rng = random.Random(7)
    people = [Person(given_name=f"Given{i}", family_name=f"Fictional{i % 400}",
                     dob=date(2010, 1, 1) + timedelta(days=i % 2000),
                     risk_level=rng.choice(list(RiskLevel)),
                     next_review=TODAY + timedelta(days=rng.randint(-20, 90)))
              for i in range(5000)]
    ws.people.add_many(people)
    episodes, submissions = [], []
    for _ in range(10_000):
        person = rng.choice(people)
        start = NOW - timedelta(days=rng.randint(0, 200), hours=rng.randint(0, 23))
        returned = start + timedelta(hours=rng.randint(1, 40))
        episodes.append(Episode(person_id=person.id, started_at=start,
                                returned_at=returned if returned < NOW else None,
                                rhi_status=rng.choice(list(RhiStatus))))
    ws.episodes.add_many(episodes)
    screening = sample("exploitation-screening").answers
    for i in range(10_000):
        person = rng.choice(people)
        form = "exploitation-screening" if i % 2 else "return-home-interview"
        submissions.append(Submission(
            form_id=form, form_version=1, person_id=person.id, answers=screening,
            status=SubmissionStatus.FINAL, finalised_at=NOW - timedelta(days=i % 90),
            outcome={"level": "low", "suggested_level": "low", "approval_pending": i % 97 == 0,
                     "flags": [{"id": "rescreen"}] if i % 5 == 0 else []}))
    ws.submissions.add_many(submissions)

    started = time.perf_counter()
    rows = caseload_rows(ws, NOW)
    took = time.perf_counter() - started
    assert len(rows) == 5000
    assert any(r.due_at_next_rmm for r in rows) and any(r.rhi_due for r in rows)
    with capsys.disabled():
        print(f"\n[info] caseload_rows: 5,000 people, 10,000 episodes, 10,000 final forms "
              f"in {took * 1000:.0f} ms")
