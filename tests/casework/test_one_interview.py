"""One return home interview per missing episode (issue 12, part 2), enforced in casework on a
real encrypted workspace; the one rule for which interview counts when an episode has more
than one record (issue 13), which the chronology, the case summary and the quarterly profile
share; and the interview clock the form's header shows (part 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cse_desktop.casework.case_summary import read_case
from cse_desktop.casework.chronology import EPISODE_RETURNED, build_chronology
from cse_desktop.casework.interviews import current_interview, rhi_state
from cse_desktop.casework.missing_profile import compute_profile
from cse_desktop.casework.quarters import Quarter
from cse_desktop.casework.submissions import (
    OnePerEpisode,
    amend,
    episode_record,
    finalise,
    interview_clock,
    save_draft,
    start_or_resume,
)
from cse_desktop.domain.ids import FormId, new_id
from cse_desktop.domain.models import Episode, Person, Submission
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.samples import Sample, load_samples
from cse_desktop.store import Workspace

RHI = FormId.RETURN_HOME_INTERVIEW


@pytest.fixture(scope="module")
def sample() -> Sample:
    return max((s for s in load_samples() if s.form_id == RHI), key=lambda s: s.version)


@pytest.fixture
def episode(ws: Workspace, child: Person, sample: Sample) -> Episode:
    assert sample.episode is not None
    return ws.episodes.add(sample.episode.model_copy(update={"person_id": child.id}))


def _rhis(ws: Workspace, child: Person) -> list:
    return [s for s in ws.submissions.list(person_id=child.id) if s.form_id == RHI]


def test_starting_twice_opens_the_same_draft(ws: Workspace, engine: FormEngine, child: Person,
                                             episode: Episode) -> None:
    first = start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id)
    assert not first.is_final and first.version == 1
    second = start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id)
    assert second.id == first.id
    assert len(_rhis(ws, child)) == 1
    assert episode_record(ws, RHI, episode.id).id == first.id


def test_a_second_draft_for_the_episode_is_refused_in_casework(
        ws: Workspace, engine: FormEngine, child: Person, episode: Episode) -> None:
    first = save_draft(ws, engine.start(RHI, child.id, episode_id=episode.id))
    with pytest.raises(OnePerEpisode, match="already has a return home interview, a draft")\
            as caught:
        save_draft(ws, engine.start(RHI, child.id, episode_id=episode.id))
    assert caught.value.existing.id == first.id
    assert caught.value.code == "one_per_episode"
    assert len(_rhis(ws, child)) == 1  # nothing written
    # the draft itself still saves (an update, not a second record)
    again = save_draft(ws, engine.set_answer(first, "reported_by", "parent"))
    assert again.id == first.id and again.answers["reported_by"] == "parent"


def test_another_episode_has_its_own_interview(ws: Workspace, engine: FormEngine,
                                               child: Person, episode: Episode) -> None:
    other = ws.episodes.add(Episode(person_id=child.id,
                                    started_at=episode.started_at - timedelta(days=20),
                                    returned_at=episode.started_at - timedelta(days=19)))
    a = start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id)
    b = start_or_resume(ws, engine, RHI, child.id, episode_id=other.id)
    assert a.id != b.id and len(_rhis(ws, child)) == 2


def test_other_forms_are_not_limited(ws: Workspace, engine: FormEngine, child: Person) -> None:
    a = start_or_resume(ws, engine, "parent-session", child.id)
    b = start_or_resume(ws, engine, "parent-session", child.id)
    assert a.id != b.id


def test_after_the_final_record_start_opens_it_and_a_correction_is_the_way_to_change_it(
        ws: Workspace, engine: FormEngine, child: Person, episode: Episode,
        sample: Sample) -> None:
    draft = start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id)
    final = finalise(ws, engine, engine.set_answers(draft, sample.answers), now=sample.now)
    # "Start" now opens the final record, read only; nothing new is written
    opened = start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id)
    assert opened.id == final.id and opened.is_final
    with pytest.raises(OnePerEpisode, match="a final record: open it, and amend it"):
        save_draft(ws, engine.start(RHI, child.id, episode_id=episode.id))
    # a correction is allowed, once at a time; while it is open, Start opens it
    correction = amend(ws, engine, final)
    assert start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id).id \
        == correction.id
    with pytest.raises(OnePerEpisode, match="correction of this return home interview is "
                                            "already open"):
        amend(ws, engine, final)
    corrected = finalise(ws, engine, correction, now=sample.now)
    # then the correction is the episode's record
    assert start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id).id \
        == corrected.id
    assert len(_rhis(ws, child)) == 2  # the final and its correction, no stray draft


def test_a_deleted_draft_does_not_count(ws: Workspace, engine: FormEngine, child: Person,
                                        episode: Episode) -> None:
    first = start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id)
    ws.submissions.delete(first.id)
    second = start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id)
    assert second.id != first.id and not second.is_final


def test_the_final_v2_record_keeps_the_episodes_details(ws: Workspace, engine: FormEngine,
                                                        child: Person, episode: Episode,
                                                        sample: Sample) -> None:
    draft = start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id)
    final = finalise(ws, engine, engine.set_answers(draft, sample.answers), now=sample.now)
    computed = final.outcome["computed"]
    assert computed["police_ref"] == episode.police_reference == "DEMO-2026-0042"
    assert computed["where_found"] == episode.where_found
    assert "police_ref" not in final.answers  # typed once, on the episode


# -- which interview counts, everywhere ----------------------------------------------------------


def _two_interviews(ws: Workspace, engine: FormEngine, child: Person, episode: Episode,
                    sample: Sample) -> tuple[Submission, Submission]:
    """The episode's interview made final, then a second, independent final record of it
    finalised an hour later (as two laptops can before a sync: casework itself refuses a
    second one) and a newer draft; returns (first, second)."""
    draft = start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id)
    first = finalise(ws, engine, engine.set_answers(draft, sample.answers), now=sample.now)
    assert first.finalised_at is not None and first.answers["outcome"] == "completed"
    later = first.finalised_at + timedelta(hours=1)
    second = ws.submissions.add(first.model_copy(update={
        "id": new_id(), "created_at": later, "updated_at": later, "finalised_at": later,
        "answers": {**first.answers, "outcome": "unable_to_contact"}}))
    ws.submissions.add(first.model_copy(update={
        "id": new_id(), "status": "draft", "finalised_at": None, "outcome": None,
        "created_at": later + timedelta(hours=1), "updated_at": later + timedelta(hours=1),
        "answers": {**first.answers, "outcome": "missing_again"}}))
    return first, second


def test_chronology_summary_and_profile_count_the_same_interview(
        ws: Workspace, engine: FormEngine, child: Person, episode: Episode,
        sample: Sample) -> None:
    _, second = _two_interviews(ws, engine, child, episode, sample)
    subs = ws.submissions.list(person_id=child.id)
    assert current_interview(episode, subs) == second  # the later final; never the draft
    now = sample.now + timedelta(days=30)
    # the chronology's return: the second record's outcome
    state = rhi_state(episode, now, subs)
    assert state.submission_id == second.id and state.status == "We could not make contact"
    returned = next(e for e in build_chronology(ws, child.id, now=now)
                    if e.kind == EPISODE_RETURNED)
    assert "Return home interview: we could not make contact." in returned.detail
    # the case summary's episode row reads the same record
    facts = read_case(ws, child.id, now=now).episodes[0]
    assert facts.interview == second and facts.rhi == state
    # the quarterly profile counts the episode once, by the second record's outcome
    assert episode.returned_at is not None
    profile = compute_profile(ws, Quarter.containing(episode.started_at.date()), now=now)
    outcomes = profile.rhi.outcomes
    assert outcomes.count("unable_to_contact") == 1 and outcomes.count("completed") == 0


def test_a_correction_counts_in_place_of_what_it_corrects(
        ws: Workspace, engine: FormEngine, child: Person, episode: Episode,
        sample: Sample) -> None:
    draft = start_or_resume(ws, engine, RHI, child.id, episode_id=episode.id)
    final = finalise(ws, engine, engine.set_answers(draft, sample.answers), now=sample.now)
    corrected = finalise(ws, engine, amend(ws, engine, final), now=sample.now)
    subs = ws.submissions.list(person_id=child.id)
    assert current_interview(episode, subs) == corrected
    # however the two were finalised, the correction stands in for what it corrects
    earlier = corrected.model_copy(update={"finalised_at": sample.now - timedelta(days=1)})
    assert current_interview(episode, [final, earlier]) == earlier


# -- the clock in the form's header ------------------------------------------------------------


RETURNED = datetime(2026, 12, 5, 10, 45, tzinfo=UTC)  # a Saturday; due Tue 8 Dec 10:45


def _episode(**changes) -> Episode:  # type: ignore[no-untyped-def]
    fields = {"started_at": RETURNED - timedelta(hours=10), "returned_at": RETURNED, **changes}
    return Episode(person_id="00000000-0000-4000-8000-000000000001", **fields)


def test_the_clock_with_time_left() -> None:
    clock = interview_clock(_episode(), {}, RETURNED + timedelta(hours=41))
    assert clock is not None and not clock.late
    assert clock.text == "Interview due in 31 h, by Tue 8 Dec 10:45"


def test_the_clock_overdue() -> None:
    clock = interview_clock(_episode(), {"outcome": "unable_to_contact"},
                            RETURNED + timedelta(hours=77))
    assert clock is not None and clock.late
    assert clock.text == "Interview overdue by 5 h (it was due by Tue 8 Dec 10:45)"


@pytest.mark.parametrize("hours, late", [(20, False), (72, False), (80, True)])
def test_once_held_the_clock_says_when(hours: float, late: bool) -> None:
    at = (RETURNED + timedelta(hours=hours)).isoformat()
    clock = interview_clock(_episode(), {"outcome": "completed", "interview_at": at},
                            RETURNED + timedelta(hours=200))
    assert clock is not None and clock.late is late
    assert clock.text.startswith("Interview held ")
    assert ("late" in clock.text) is late


def test_no_clock_before_the_return() -> None:
    assert interview_clock(_episode(returned_at=None), {}, RETURNED) is None
    assert interview_clock(None, {}, RETURNED) is None


def test_the_interview_records_alone_give_every_episode_the_same_state(
        ws: Workspace, engine: FormEngine) -> None:
    """The desktop hands ``rhi_state`` only a child's return home interview records (scanned
    once, not once per episode): the same state as from all their forms."""
    from cse_desktop.casework import demo
    from cse_desktop.casework.interviews import interview_records

    demo.populate(ws, people=12, seed=8, engine=engine, showcase=True)
    now = datetime.now(UTC)
    checked = 0
    for person in ws.people.list():
        forms = ws.submissions.list(person_id=person.id)
        interviews = interview_records(forms)
        assert all(s.form_id == FormId.RETURN_HOME_INTERVIEW for s in interviews)
        for episode in ws.episodes.list(person_id=person.id):
            assert rhi_state(episode, now, interviews) == rhi_state(episode, now, forms)
            checked += 1
    assert checked > 12
