"""The practice chronology: every dated event on a child's record, merged, newest first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cse_desktop.casework import chronology as ch
from cse_desktop.casework import demo
from cse_desktop.casework.chronology import (
    ChronologyEvent,
    build_chronology,
    duration_text,
    filter_chronology,
    submission_summary,
)
from cse_desktop.casework.interviews import hours_text, rhi_state
from cse_desktop.casework.submissions import amend, finalise, save_draft
from cse_desktop.domain.errors import NotFound
from cse_desktop.domain.models import (
    Action,
    ActionStatus,
    Association,
    AssociationKind,
    Episode,
    Person,
    PoliceRiskGrade,
    RhiStatus,
)
from cse_desktop.forms.samples import Sample, load_samples
from cse_desktop.store import KdfParams, Workspace

from .conftest import PASS

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def samples() -> dict[str, Sample]:
    return {s.form_id: s for s in load_samples()}


@pytest.fixture
def child(ws: Workspace) -> Person:
    return ws.people.add(Person(given_name="Fictional", family_name="Child",
                                dob=date(2011, 5, 4), allocated_worker="A. Example-Worker"))


def _final(ws, engine, samples, form_id, child, *, episode=None, **changes):
    sample = samples[form_id]
    answers = {**sample.answers, **changes}
    draft = engine.set_answers(engine.start(form_id, child.id,
                                            episode_id=episode.id if episode else None),
                               answers)
    return finalise(ws, engine, draft, now=sample.now)


def kinds(events: list[ChronologyEvent]) -> list[str]:
    return [e.kind for e in events]


# -- episodes and the return home interview clock ----------------------------------------------


def test_an_episode_gives_reported_missing_and_returned_with_the_rhi_clock(ws, child) -> None:
    start = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)
    episode = ws.episodes.add(Episode(
        person_id=child.id, started_at=start, returned_at=start + timedelta(hours=13, minutes=30),
        police_reference="DEMO-0001", police_risk_grade=PoliceRiskGrade.MEDIUM,
        where_found="Bus station (fictional)", how_returned="Police", rhi_status=RhiStatus.DUE))
    now = episode.returned_at + timedelta(hours=21)
    events = build_chronology(ws, child.id, now=now)
    assert kinds(events) == ["profile", "episode-returned", "episode-missing"]  # added today
    _, returned, missing = events
    assert returned.at == episode.returned_at and missing.at == start
    assert returned.title == "Returned after 13 h 30 min, overnight"
    assert "Found at Bus station (fictional)." in returned.detail
    assert "Returned by police." in returned.detail
    assert "Return home interview due in 51 h (by 9 Mar 2026, 09:30)" in returned.detail
    assert missing.title == "Reported missing"
    assert "Police risk grade: Medium." in missing.detail and "DEMO-0001" in missing.detail
    assert {e.record_id for e in events[1:]} == {episode.id}
    assert all(e.record_kind == "episode" and e.episode_id == episode.id for e in events[1:])
    later = build_chronology(ws, child.id, now=episode.rhi_due_at + timedelta(hours=5))
    assert "Return home interview overdue by 5 h" in later[1].detail


def test_an_open_episode_says_the_child_has_not_returned(ws, child) -> None:
    now = datetime.now(UTC)
    ws.episodes.add(Episode(person_id=child.id, started_at=now))  # after the record was added
    events = build_chronology(ws, child.id, now=now)
    assert kinds(events) == ["episode-missing", "profile"]
    assert "Not yet returned." in events[0].detail


def test_rhi_state_in_words() -> None:
    person_id = Person(given_name="A", family_name="B", dob=date(2012, 1, 1)).id
    back = datetime(2026, 3, 6, 9, 30, tzinfo=UTC)
    ep = Episode(person_id=person_id, started_at=back - timedelta(hours=10), returned_at=back,
                 rhi_status=RhiStatus.DUE)
    due = rhi_state(ep, back + timedelta(hours=21))
    assert (due.status, due.clock, due.owed, due.overdue) == ("Due", "due in 51 h", True, False)
    assert due.due_at == back + timedelta(hours=72)
    late = rhi_state(ep, back + timedelta(hours=77))
    assert (late.clock, late.overdue) == ("overdue by 5 h", True)
    assert rhi_state(ep, back + timedelta(hours=71, minutes=20)).clock == "due in 40 min"
    assert rhi_state(ep, back + timedelta(days=12)).clock == "overdue by 9 days"
    assert rhi_state(ep, back + timedelta(hours=148)).clock == "overdue by 3 days 4 h"
    declined = rhi_state(ep.model_copy(update={"rhi_status": RhiStatus.DECLINED}), back)
    assert (declined.status, declined.clock, declined.owed) == ("Declined", "", False)
    still_out = rhi_state(ep.model_copy(update={"returned_at": None,
                                                "rhi_status": RhiStatus.NOT_YET_DUE}), back)
    assert still_out.status.startswith("Not yet due") and not still_out.owed
    # returned but the status never moved on: the interview is owed all the same
    stuck = rhi_state(ep.model_copy(update={"rhi_status": RhiStatus.NOT_YET_DUE}), back)
    assert stuck.owed and stuck.clock == "due in 72 h"


def test_a_final_interview_record_answers_the_rhi(ws, engine, samples, child) -> None:
    sample = samples["return-home-interview"]
    episode = ws.episodes.add(Episode(person_id=child.id, rhi_status=RhiStatus.DUE,
                                      started_at=sample.episode.started_at,
                                      returned_at=sample.episode.returned_at))
    final = _final(ws, engine, samples, "return-home-interview", child, episode=episode)
    subs = ws.submissions.list(person_id=child.id)
    state = rhi_state(episode, sample.now, subs)
    assert (state.status, state.owed, state.submission_id) == ("Interview completed", False,
                                                               final.id)
    events = build_chronology(ws, child.id, now=sample.now)
    rhi = next(e for e in events if e.form_id == "return-home-interview")
    assert rhi.kind == "submission" and rhi.record_kind == "submission"
    assert rhi.title == "Return home interview: completed"
    assert rhi.episode_id == episode.id
    assert rhi.at == datetime(2026, 3, 8, 15, 0, tzinfo=UTC)  # when the interview took place
    assert "Completed within 72 hours of the return." in rhi.detail
    returned = next(e for e in events if e.kind == "episode-returned")
    assert "Return home interview: interview completed." in returned.detail


# -- submissions -------------------------------------------------------------------------------


def test_a_final_screening_is_titled_by_its_levels(ws, engine, samples, child) -> None:
    final = _final(ws, engine, samples, "exploitation-screening", child)
    raised = _final(ws, engine, samples, "exploitation-screening", child,
                    agreed_level="high", override_rationale="Fictional: new intelligence.")
    events = [e for e in build_chronology(ws, child.id) if e.kind == "submission"]
    assert [e.record_id for e in events] == [raised.id, final.id]
    assert events[0].title == "Exploitation screening: High (agreed), suggested Medium"
    assert events[1].title == "Exploitation screening: Medium (agreed), suggested Medium"
    assert events[0].at == raised.finalised_at and events[0].form_id == "exploitation-screening"
    assert "Review by" in events[0].detail
    assert submission_summary(ws.submissions.get(raised.id)) == events[0].title


def test_a_meeting_record_is_a_decision(ws, engine, samples, child) -> None:
    final = _final(ws, engine, samples, "rmm-review", child)
    (event,) = [e for e in build_chronology(ws, child.id) if e.kind == "rmm-decision"]
    assert event.record_id == final.id
    assert event.title == ("Risk Management Meeting: agreed Medium, trajectory increased, "
                           "next review 14 Apr 2026")
    assert event.all_day and event.local_date == date(2026, 3, 3)  # the meeting's own date
    # version 2: several outcomes at once, and no flag repeating one of them
    assert event.detail.startswith("Next: Stay open to the Risk Management Meeting; Refer to "
                                   "the National Referral Mechanism. Chair: C. Example-Chair")
    assert "agreed a National Referral Mechanism referral" not in event.detail
    assert "Risk has increased" in event.detail


def test_a_version_1_meeting_record_still_shows_its_one_pathway(ws, engine, child) -> None:
    sample = next(s for s in load_samples() if s.form_id == "rmm-review" and s.version == 1)
    draft = engine.set_answers(engine.start("rmm-review", child.id, version=1), sample.answers)
    final = finalise(ws, engine, draft, now=sample.now)
    (event,) = [e for e in build_chronology(ws, child.id) if e.kind == "rmm-decision"]
    assert event.record_id == final.id
    assert event.title == ("Risk Management Meeting: agreed Medium, trajectory increased, "
                           "next review 14 Apr 2026")
    assert "Stay open to the Risk Management Meeting." in event.detail
    assert "Chair: C. Example-Chair" in event.detail
    assert "Recorded" in event.detail  # finalised on another day than the meeting


def test_parent_session_drafts_and_amendments(ws, engine, samples, child) -> None:
    session = _final(ws, engine, samples, "parent-session", child)
    draft = save_draft(ws, engine.start("exploitation-screening", child.id))
    correction = amend(ws, engine, ws.submissions.get(session.id))
    corrected = finalise(ws, engine, engine.set_answer(correction, "summary",
                                                       "Fictional: corrected summary."),
                         now=samples["parent-session"].now)
    events = build_chronology(ws, child.id)
    by_id: dict[str, list[ChronologyEvent]] = {}
    for e in events:
        by_id.setdefault(e.record_id, []).append(e)
    (first,) = by_id[session.id]
    assert first.kind == "submission" and first.title == "Parent session: home visit"
    assert "With A. Example-Worker." in first.detail
    (drafted,) = by_id[draft.id]
    assert drafted.kind == "draft" and drafted.title.startswith("Draft (not final):")
    assert "Not finalised" in drafted.detail
    (amended,) = by_id[corrected.id]
    assert amended.kind == "amendment"
    assert amended.title == "Parent session (amended): home visit"
    assert amended.detail.startswith("Corrects the parent session finalised ")
    finals_only = build_chronology(ws, child.id, include_drafts=False)
    assert "draft" not in kinds(finals_only)
    assert len(finals_only) == len(events) - 1


# -- actions, people and places, the profile ---------------------------------------------------


def test_actions_give_agreed_due_and_done_events(ws, child) -> None:
    today = datetime.now(UTC).date()
    late = ws.actions.add(Action(person_id=child.id, text="Fictional: share attendance",
                                 owner="A. Example-Worker", agency="Education",
                                 due=today - timedelta(days=3)))
    done = ws.actions.add(Action(person_id=child.id, text="Fictional: safety plan review",
                                 due=today + timedelta(days=10)))
    ws.actions.update(done.model_copy(update={"status": ActionStatus.DONE}))
    future = ws.actions.add(Action(person_id=child.id, text="Fictional: disruption visit"))
    events = [e for e in build_chronology(ws, child.id) if e.kind == "action"]
    titles = [e.title for e in events]
    assert "Action agreed: Fictional: share attendance" in titles
    assert "Action due: Fictional: share attendance" in titles
    assert "Action done: Fictional: safety plan review" in titles
    assert "Action agreed: Fictional: disruption visit" in titles
    due = next(e for e in events if e.title.startswith("Action due"))
    assert due.all_day and due.detail == "Not done: overdue by 3 days."
    agreed = next(e for e in events if e.title == "Action agreed: Fictional: share attendance")
    assert agreed.detail.startswith("Owner A. Example-Worker (Education), due ")
    assert {e.record_id for e in events} == {late.id, done.id, future.id}
    # the done event comes after (so above) the agreed one
    done_events = [e.title.split(":")[0] for e in events if e.record_id == done.id]
    assert done_events == ["Action done", "Action agreed"]


def test_actions_a_meeting_agreed_are_dated_by_the_meeting_not_the_typing(ws, engine, samples,
                                                                        child) -> None:
    """The meeting of 3 Mar 2026 is finalised on 10 Mar and its actions stored later still:
    the chronology dates them by the meeting (and a completion date the form gives)."""
    final = _final(ws, engine, samples, "rmm-review", child)
    actions = {a.text: a for a in ws.actions.list(person_id=child.id)}
    assert len(actions) == 3 and all(a.created_at > final.finalised_at - timedelta(days=1)
                                     for a in actions.values())  # typed up after the meeting
    events = [e for e in build_chronology(ws, child.id) if e.kind == "action"]
    agreed = next(e for e in events
                  if e.title == "Action agreed: Serve a Child Abduction Warning Notice")
    assert agreed.all_day and agreed.local_date == date(2026, 3, 3)
    assert agreed.detail == ("Owner DC Example (Police), due 10 Mar 2026. Agreed at the Risk "
                             "Management Meeting of 3 Mar 2026.")
    done = next(e for e in events
                if e.title == "Action done: Share the school attendance record")
    assert done.all_day and done.local_date == date(2026, 2, 23)  # its completion date
    assert done.detail.endswith("Recorded at the Risk Management Meeting of 3 Mar 2026.")
    # all three agreed on the meeting's day: not one instant of typing
    days = {e.local_date for e in events if e.title.startswith("Action agreed")}
    assert days == {date(2026, 3, 3)}


def test_a_later_form_reviewing_an_action_does_not_redate_it(ws, engine, samples, child) -> None:
    """An action recorded before the meeting that reviews it keeps its own time; an action no
    form mentions keeps the record's."""
    final = _final(ws, engine, samples, "rmm-review", child)
    text = samples["rmm-review"].answers["actions"][0]["action_text"]
    stored = next(a for a in ws.actions.list(person_id=child.id) if a.text == text)
    before = datetime(2026, 2, 20, 9, 30, tzinfo=UTC)  # a fortnight before the meeting
    earlier = stored.model_copy(update={"created_at": before, "updated_at": before})
    by_hand = Action(person_id=child.id, text="Fictional: a later action", owner="A. Example")
    events = ch.chronology_of(child, [], [final], [earlier, by_hand])
    (agreed,) = [e for e in events
                 if e.record_id == earlier.id and e.title.startswith("Action agreed")]
    assert agreed.at == before and not agreed.all_day and "Agreed at the" not in agreed.detail
    (own,) = [e for e in events if e.record_id == by_hand.id]
    assert own.at == by_hand.created_at and "Agreed at" not in own.detail


def test_people_and_places_of_concern_are_restricted(ws, child) -> None:
    ws.associations.add(Association(person_id=child.id, association_kind=AssociationKind.PLACE,
                                    description="Flat above the arcade (fictional)",
                                    area="Demo Town"))
    events = build_chronology(ws, child.id)
    (concern,) = [e for e in events if e.kind == "association"]
    assert concern.restricted and concern.title == "Restricted: place of concern recorded"
    assert "Area: Demo Town." in concern.detail
    assert not any(e.restricted for e in events if e.kind != "association")
    profile = events[-1]
    assert profile.kind == "profile" and "Allocated to A. Example-Worker." in profile.detail


def test_an_unknown_person_is_not_found(ws) -> None:
    with pytest.raises(NotFound):
        build_chronology(ws, "00000000-0000-4000-8000-000000000000")


# -- filtering and ordering --------------------------------------------------------------------


def _event(at: datetime, kind: str = "submission") -> ChronologyEvent:
    return ChronologyEvent(at=at, kind=kind, title=kind, detail="", record_id="x",
                           record_kind="submission")


def test_filter_by_kind_and_by_uk_day() -> None:
    events = [
        _event(datetime(2026, 7, 2, 12, 0, tzinfo=UTC), "action"),
        # 00:30 on 2 July in UK summer time is still 1 July in UTC
        _event(datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "episode-missing"),
        _event(datetime(2026, 6, 30, 22, 59, tzinfo=UTC), "submission"),  # 30 Jun 23:59 BST
    ]
    assert filter_chronology(events) == events
    assert filter_chronology(events, kinds=["action"]) == events[:1]
    assert filter_chronology(events, kinds=[]) == []
    assert filter_chronology(events, start=date(2026, 7, 2)) == events[:2]
    assert filter_chronology(events, end=date(2026, 6, 30)) == events[2:]
    assert filter_chronology(events, start=date(2026, 7, 1), end=date(2026, 7, 1)) == []
    assert filter_chronology(events, kinds={"episode-missing", "submission"},
                             end=date(2026, 7, 2)) == events[1:]
    instant = datetime(2026, 7, 2, 12, 0, tzinfo=UTC)
    assert filter_chronology(events, start=instant) == events[:1]
    assert filter_chronology(events, end=instant) == events  # instants are inclusive


def test_the_demo_caseload_builds_newest_first(tmp_path: Path, engine) -> None:
    ws, _ = Workspace.create(tmp_path / "demo", PASS, demo.DEMO_OWNER,
                             kdf=KdfParams.insecure_for_tests())
    try:
        demo.populate(ws, people=8, seed=3, engine=engine)
        submission_ids = {s.id for s in ws.submissions.list()}
        seen = set()
        for person in ws.people.list():
            events = build_chronology(ws, person.id)
            assert [e.at for e in events] == sorted((e.at for e in events), reverse=True)
            assert events[-1].kind == "profile" or events[-1].at <= person.created_at
            for e in events:
                assert e.kind in ch.KINDS and e.title and e.at.tzinfo is not None
                assert len(e.detail) <= 200
                if e.record_kind == "submission":
                    assert e.record_id in submission_ids
                seen.add(e.kind)
        assert {"episode-missing", "episode-returned", "submission", "rmm-decision",
                "action", "profile"} <= seen
    finally:
        ws.lock()


def test_text_helpers() -> None:
    assert duration_text(timedelta(minutes=45)) == "45 min"
    assert duration_text(timedelta(hours=13, minutes=30)) == "13 h 30 min"
    assert duration_text(timedelta(hours=3)) == "3 h"
    assert duration_text(timedelta(days=2, hours=5, minutes=10)) == "2 days 5 h"
    assert duration_text(timedelta(days=1)) == "1 day"
    assert hours_text(timedelta(hours=-5, minutes=-10)) == "5 h"
    assert hours_text(timedelta(hours=72)) == "72 h"
    assert hours_text(timedelta(hours=80)) == "3 days 8 h"
