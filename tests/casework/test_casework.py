"""Forms and the workspace together: finalising stores the outcome and moves the risk level."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cse_desktop.casework import demo
from cse_desktop.casework.submissions import amend, context_for, finalise, save_draft
from cse_desktop.domain.errors import ImmutableRecord, ValidationFailed
from cse_desktop.domain.models import Episode, Person, RiskLevel
from cse_desktop.forms.engine import FormEngine, FormInvalid
from cse_desktop.forms.samples import Sample, load_samples
from cse_desktop.store import KdfParams, Workspace

from .conftest import PASS

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def screening_answers() -> dict:
    return dict(next(s for s in load_samples() if s.form_id == "exploitation-screening").answers)


def test_finalising_a_screening_stores_it_and_sets_the_risk_level(
        ws: Workspace, engine: FormEngine, child: Person) -> None:
    draft = engine.set_answers(engine.start("exploitation-screening", child.id),
                               screening_answers())
    draft = save_draft(ws, draft)
    final = finalise(ws, engine, draft, now=NOW)
    assert final.is_final and final.version == draft.version + 1
    stored = ws.submissions.get(final.id)
    assert stored.outcome["suggested_level"] == "low"
    person = ws.people.get(child.id)
    assert person.risk_level is RiskLevel.LOW
    assert person.next_review == date(2026, 6, 10)
    actions = [e.action.value for e in ws.audit.events(record_id=final.id)]
    assert actions == ["create", "finalise"]
    assert ws.check().ok
    with pytest.raises(ImmutableRecord):
        ws.submissions.update(stored.model_copy(update={"answers": {}}))


def test_an_invalid_draft_is_refused_and_nothing_is_written(ws: Workspace, engine: FormEngine,
                                                           child: Person) -> None:
    draft = engine.start("exploitation-screening", child.id)
    outbox, audit = ws.outbox.count(), ws.audit.count()
    with pytest.raises(FormInvalid):
        finalise(ws, engine, draft, now=NOW)
    assert ws.submissions.count() == 0
    assert (ws.outbox.count(), ws.audit.count()) == (outbox, audit)
    assert ws.people.get(child.id).risk_level is RiskLevel.NOT_ASSESSED


def test_a_downgrade_awaiting_approval_leaves_the_higher_level(ws: Workspace,
                                                               engine: FormEngine,
                                                               child: Person) -> None:
    answers = screening_answers()
    answers.update({"agreed_level": "none", "override_rationale": "Fictional reasons."})
    draft = engine.set_answers(engine.start("exploitation-screening", child.id), answers)
    final = finalise(ws, engine, draft, now=NOW)
    assert final.form_version == 2
    assert final.outcome["approval_pending"] is True
    assert ws.people.get(child.id).risk_level is RiskLevel.LOW
    # version 2: an amendment without a manager's approval action leaves it waiting; there
    # is no approver to type in
    correction = amend(ws, engine, ws.submissions.get(final.id))
    with pytest.raises(ValidationFailed, match="not a field"):
        engine.set_answer(correction, "approved_by", "me")
    again = finalise(ws, engine, correction, now=NOW)
    assert again.outcome["approval_pending"] is True
    assert ws.people.get(child.id).risk_level is RiskLevel.LOW


def test_a_v1_downgrade_is_not_approved_by_a_typed_name(ws: Workspace, engine: FormEngine,
                                                       child: Person) -> None:
    """Screenings begun on version 1 finish on version 1, but its typed-in approver no longer
    approves: only a manager's approval action does (issue 11)."""
    answers = screening_answers()
    answers.update({"agreed_level": "none", "override_rationale": "Fictional reasons."})
    draft = engine.set_answers(engine.start("exploitation-screening", child.id, version=1),
                               answers)
    final = finalise(ws, engine, draft, now=NOW)
    assert final.outcome["approval_pending"] is True
    assert ws.people.get(child.id).risk_level is RiskLevel.LOW
    correction = amend(ws, engine, ws.submissions.get(final.id))
    correction = engine.set_answer(correction, "approved_by", "me")
    typed = finalise(ws, engine, correction, now=NOW)
    assert typed.amends == final.id
    assert typed.outcome["approval_pending"] is True
    assert ws.people.get(child.id).risk_level is RiskLevel.LOW


def test_the_missing_history_comes_from_the_store(ws: Workspace, engine: FormEngine,
                                                  child: Person) -> None:
    for days in (3, 10, 20):
        start = NOW - timedelta(days=days)
        ws.episodes.add(Episode(person_id=child.id, started_at=start,
                                returned_at=start + timedelta(hours=4)))
    draft = engine.start("exploitation-screening", child.id)
    ctx = context_for(ws, draft, now=NOW)
    assert ctx.missing_episodes_30d == 3
    assert engine.outcome(draft, ctx)["suggested_level"] == "medium"


def rhi_sample() -> Sample:
    """The newest return home interview's sample (its episode holds the details the form
    shows from the episode record)."""
    return max((s for s in load_samples() if s.form_id == "return-home-interview"),
               key=lambda s: s.version)


def test_an_rhi_is_finalised_against_its_episode(ws: Workspace, engine: FormEngine,
                                                 child: Person) -> None:
    sample = rhi_sample()
    assert sample.episode is not None
    episode = ws.episodes.add(sample.episode.model_copy(update={"person_id": child.id}))
    draft = engine.set_answers(engine.start("return-home-interview", child.id,
                                            episode_id=episode.id), sample.answers)
    final = finalise(ws, engine, draft, now=sample.now)
    assert final.outcome["computed"]["offered_within_72h"] is True
    assert {f["id"] for f in final.outcome["flags"]} == {"rescreen", "not-for-parent"}


def test_the_demo_shows_each_thing_a_newcomer_should_see(tmp_path: Path,
                                                         engine: FormEngine) -> None:
    """An interview due, one overdue, one held late, one declined with its reason, and a
    meeting with several themes and outcomes (issue 12, part 7)."""
    ws, _ = Workspace.create(tmp_path / "demo", PASS, demo.DEMO_OWNER,
                             kdf=KdfParams.insecure_for_tests())
    try:
        today = date(2026, 11, 21)
        now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
        demo.populate(ws, people=3, seed=5, today=today, engine=engine, showcase=True)
        shown = {p.given_name: p for p in ws.people.list() if p.family_name == "Showcase"}
        assert set(shown) >= {"Due", "Overdue", "Late", "Declined", "Themes"}
        assert len(shown) == demo.SHOWCASE_PEOPLE

        def episode(name: str) -> Episode:
            [e] = ws.episodes.list(person_id=shown[name].id)
            return e

        def finals(name: str, form_id: str) -> list:
            return [s for s in ws.submissions.list(person_id=shown[name].id)
                    if s.is_final and s.form_id == form_id]

        assert episode("Due").rhi_time_left(now) == timedelta(hours=52)
        assert episode("Overdue").rhi_time_left(now) == -timedelta(hours=8)
        assert not finals("Due", "return-home-interview")
        [late] = finals("Late", "return-home-interview")
        assert "not-within-72h" in {f["id"] for f in late.outcome["flags"]}
        [declined] = finals("Declined", "return-home-interview")
        assert declined.answers["outcome"] == "declined_child"
        assert declined.answers["declined_reason"] == "talking_to_trusted_worker"
        assert declined.answers["outcome_reason"]
        [meeting] = finals("Themes", "rmm-review")
        assert len(meeting.answers["themes"]) >= 4 and len(meeting.answers["outcomes"]) >= 2
        assert ws.check().ok
    finally:
        ws.lock()


def test_the_demo_is_deterministic_valid_and_fictional(tmp_path: Path,
                                                       engine: FormEngine) -> None:
    def make(name: str) -> Workspace:
        ws, _ = Workspace.create(tmp_path / name, PASS, demo.DEMO_OWNER,
                                 kdf=KdfParams.insecure_for_tests())
        demo.populate(ws, people=12, seed=5, today=date(2026, 11, 21), engine=engine)
        return ws

    first, second = make("a"), make("b")
    try:
        people = [p.content() | {"id": p.id} for p in first.people.list()]
        assert people == [p.content() | {"id": p.id} for p in second.people.list()]
        assert len(people) == 12
        assert all("DEMO" in p["flags"] and p["postcode"].startswith("ZZ99") for p in people)
        finals = [s for s in first.submissions.list() if s.is_final]
        assert {s.form_id for s in finals} >= {"exploitation-screening", "rmm-review",
                                               "parent-session"}
        for s in finals:  # every final one was finalised by the rules and stored its outcome
            assert s.outcome and s.outcome["form"]["id"] == s.form_id
        assessed = [p for p in first.people.list()
                    if p.risk_level is not RiskLevel.NOT_ASSESSED]
        assert assessed
        assert first.check().ok
    finally:
        first.lock()
        second.lock()


def test_open_or_create_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSE_DESKTOP_HOME", str(tmp_path))
    ws = demo.open_or_create(kdf=KdfParams.insecure_for_tests())
    count = ws.people.count()
    ws.lock()
    assert count == demo.DEMO_PEOPLE + demo.SHOWCASE_PEOPLE
    again = demo.open_or_create()
    assert again.people.count() == count  # opened, not filled twice
    again.lock()


def test_finalised_at_is_when_the_form_was_completed(ws: Workspace, engine: FormEngine,
                                                     child: Person) -> None:
    draft = engine.set_answers(engine.start("exploitation-screening", child.id),
                               screening_answers())
    final = finalise(ws, engine, draft, now=NOW)
    assert ws.submissions.get(final.id).finalised_at == NOW


def test_a_final_rhi_sets_its_episodes_interview_status_and_records_its_actions(
        ws: Workspace, engine: FormEngine, child: Person) -> None:
    from cse_desktop.domain.models import RhiStatus

    sample = rhi_sample()
    assert sample.episode is not None
    episode = ws.episodes.add(sample.episode.model_copy(
        update={"person_id": child.id, "rhi_status": RhiStatus.DUE}))
    draft = engine.set_answers(engine.start("return-home-interview", child.id,
                                            episode_id=episode.id), sample.answers)
    final = finalise(ws, engine, draft, now=sample.now)
    assert ws.episodes.get(episode.id).rhi_status is RhiStatus.COMPLETED
    actions = ws.actions.list(person_id=child.id)
    assert [a.text for a in actions] == [row["action_text"] for row in sample.answers["actions"]]
    # an amendment with the same actions does not add them twice
    correction = amend(ws, engine, ws.submissions.get(final.id))
    finalise(ws, engine, correction, now=sample.now)
    assert len(ws.actions.list(person_id=child.id)) == len(actions)


def test_rmm_actions_keep_the_agency_name(ws: Workspace, engine: FormEngine,
                                          child: Person) -> None:
    sample = next(s for s in load_samples() if s.form_id == "rmm-review")
    draft = engine.set_answers(engine.start("rmm-review", child.id, version=sample.version),
                               sample.answers)
    finalise(ws, engine, draft, now=sample.now)
    (action,) = ws.actions.list(person_id=child.id)
    assert action.agency == "Police" and action.owner == "DC Example"
    assert ws.people.get(child.id).risk_level is RiskLevel.MEDIUM


def test_a_version_2_meeting_closes_the_open_actions_it_reviews(
        ws: Workspace, engine: FormEngine, child: Person) -> None:
    v1 = next(s for s in load_samples() if s.form_id == "rmm-review" and s.version == 1)
    v2 = next(s for s in load_samples() if s.form_id == "rmm-review" and s.version == 2)
    draft = engine.set_answers(engine.start("rmm-review", child.id, version=1), v1.answers)
    finalise(ws, engine, draft, now=v1.now)
    (earlier,) = ws.actions.list(person_id=child.id)
    assert earlier.status.value == "open"
    reviewed = {**v1.answers["actions"][0], "action_status": "done",
                "action_completed": "2026-03-09", "action_outcome": "Fictional: served."}
    assert v2.answers["actions"][0]["action_text"] == earlier.text  # reviewed at the meeting
    answers = {**v2.answers, "actions": [reviewed, *v2.answers["actions"][1:]]}
    draft = engine.set_answers(engine.start("rmm-review", child.id, version=2), answers)
    finalise(ws, engine, draft, now=v2.now)
    actions = {a.text: a for a in ws.actions.list(person_id=child.id)}
    assert actions[earlier.text].status.value == "done"  # the same record, closed
    assert len(actions) == len(v2.answers["actions"])
    assert actions["Share the school attendance record"].status.value == "done"
    assert actions["Make the National Referral Mechanism referral"].status.value == "open"


def test_episode_times_in_the_future_are_refused(ws: Workspace, child: Person) -> None:
    from cse_desktop.domain.errors import ValidationFailed

    soon = datetime.now(UTC) + timedelta(hours=2)
    with pytest.raises(ValidationFailed, match="in the future"):
        ws.episodes.add(Episode(person_id=child.id, started_at=soon))
    with pytest.raises(ValidationFailed, match="return time is in the future"):
        ws.episodes.add(Episode(person_id=child.id, started_at=datetime.now(UTC),
                                returned_at=soon))
