"""The four practice forms: their shipped samples finalise, and the RHI's 72-hour rules hold."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cse_desktop.forms.engine import FormContext, FormEngine, FormInvalid
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.samples import Sample, check_samples, load_samples

RHI = "return-home-interview"


@pytest.fixture(scope="module")
def samples() -> dict[str, Sample]:
    return {s.form_id: s for s in load_samples()}


def test_there_are_four_forms_each_with_a_sample(registry: FormRegistry,
                                                 samples: dict[str, Sample]) -> None:
    assert registry.ids() == ["exploitation-screening", "parent-session", RHI, "rmm-review"]
    assert set(samples) == set(registry.ids())


def test_every_sample_finalises_as_its_author_expects(engine: FormEngine) -> None:
    assert check_samples(engine) == []


def test_the_screening_caveat_is_in_the_form(registry: FormRegistry) -> None:
    spec = registry.get("exploitation-screening")
    texts = " ".join(f.label for f in spec.all_fields() if f.type == "info")
    assert "professional judgement" in texts


def _rhi_at(engine: FormEngine, sample: Sample, hours_after_return: float,
            outcome: str = "completed") -> tuple[dict, dict]:
    episode = sample.episode
    assert episode is not None and episode.returned_at is not None
    at = (episode.returned_at + timedelta(hours=hours_after_return)).isoformat()
    answers = {**sample.answers, "offered_at": at, "interview_at": at, "outcome": outcome}
    draft = engine.set_answers(engine.start(RHI, sample.person.id, episode_id=episode.id),
                               answers)
    ctx = FormContext(person=sample.person, episode=episode,
                      now=episode.returned_at + timedelta(hours=200))
    return engine.outcome(draft, ctx), engine.validate(draft, ctx)


@pytest.mark.parametrize("hours, within", [(71, True), (72, True), (72.01, False), (73, False)])
def test_rhi_72_hour_clock_is_computed_from_the_episode(engine: FormEngine,
                                                        samples: dict[str, Sample],
                                                        hours: float, within: bool) -> None:
    outcome, errors = _rhi_at(engine, samples[RHI], hours)
    assert outcome["computed"]["offered_within_72h"] is within
    assert outcome["computed"]["completed_within_72h"] is within
    flags = {f["id"] for f in outcome["flags"]}
    assert ("not-within-72h" in flags) is not within
    if not within:
        assert "late_reason" in errors  # a late interview needs a reason


def test_rhi_episode_facts_are_computed(engine: FormEngine, samples: dict[str, Sample]) -> None:
    outcome, _ = _rhi_at(engine, samples[RHI], 10)
    assert outcome["computed"]["episode_duration_hours"] == 13.5
    assert outcome["computed"]["overnight"] is True


@pytest.mark.parametrize("outcome", ["declined_child", "not_offered"])
def test_rhi_needs_a_reason_when_not_completed(engine: FormEngine, samples: dict[str, Sample],
                                               registry: FormRegistry, outcome: str) -> None:
    spec = registry.get(RHI)
    values = [c.value for c in spec.choices_of(spec.field("outcome"))]
    assert outcome in values
    _, errors = _rhi_at(engine, samples[RHI], 10, outcome=outcome)
    assert "outcome_reason" in errors


def test_rhi_flags_a_rescreen_and_repeat_missing(engine: FormEngine,
                                                 samples: dict[str, Sample]) -> None:
    sample = samples[RHI]
    episode = sample.episode
    assert episode is not None
    # no sign of exploitation at all (version 2 also rescreens on an adult they were with and
    # a car with an adult they don't know, both in the sample)
    people = [{**row, "pw_adult": "no"} for row in sample.answers["people_with"]]
    draft = engine.set_answers(engine.start(RHI, sample.person.id, episode_id=episode.id),
                               {**sample.answers, "exploitation_indicators": ["none"],
                                "travel": ["bus"], "people_with": people})
    ctx = FormContext(person=sample.person, episode=episode, now=sample.now,
                      missing_episodes_30d=3)
    flags = {f["id"] for f in engine.outcome(draft, ctx)["flags"]}
    assert "rescreen" not in flags
    assert "repeat-missing" in flags
    draft = engine.set_answer(draft, "exploitation_indicators", ["debt"])
    ctx.missing_episodes_30d = 2
    flags = {f["id"] for f in engine.outcome(draft, ctx)["flags"]}
    assert "rescreen" in flags and "repeat-missing" not in flags


def test_rhi_refuses_an_offer_before_the_return(engine: FormEngine,
                                                samples: dict[str, Sample]) -> None:
    _, errors = _rhi_at(engine, samples[RHI], -2)
    assert "offered_at" in errors or "interview_at" in errors


def test_rmm_actions_need_an_owner_and_a_due_date_after_the_meeting(
        engine: FormEngine, samples: dict[str, Sample]) -> None:
    sample = samples["rmm-review"]
    answers = {**sample.answers,
               "actions": [{"action_text": "Fictional action", "action_due": "2026-03-01"}]}
    draft = engine.set_answers(engine.start("rmm-review", sample.person.id), answers)
    with pytest.raises(FormInvalid) as caught:
        engine.finalise(draft, sample.context())
    assert "actions[0].action_owner" in caught.value.errors
    assert "actions[0].action_due" in caught.value.errors


def test_a_parent_session_with_a_new_risk_flags_a_rescreen(engine: FormEngine,
                                                           samples: dict[str, Sample]) -> None:
    sample = samples["parent-session"]
    draft = engine.set_answers(engine.start("parent-session", sample.person.id),
                               {**sample.answers, "new_risk": "yes"})
    assert "rescreen" in {f["id"] for f in engine.outcome(draft, sample.context())["flags"]}


def test_sensitive_fields_are_marked(registry: FormRegistry) -> None:
    """People and places of concern, and the child's own words, are withheld by redaction."""
    screening = registry.get("exploitation-screening")
    assert screening.field("people_of_concern").sensitive
    assert screening.field("places_of_concern").sensitive
    rhi = registry.get(RHI)
    assert rhi.field("people_with").sensitive and rhi.field("locations").sensitive
    assert rhi.field("child_own_words").sensitive



def test_a_sample_that_no_longer_finalises_is_reported(tmp_path: Path) -> None:
    import json
    import shutil

    from cse_desktop.forms.loader import default_forms_dir

    forms = tmp_path / "forms"
    shutil.copytree(default_forms_dir(), forms)
    sample = forms / "rmm-review" / "v1.sample.json"
    data = json.loads(sample.read_text())
    del data["answers"]["meeting_date"]
    sample.write_text(json.dumps(data))
    problems = check_samples(FormEngine(FormRegistry.load(forms)), forms)
    assert [str(p) for p in problems] == [
        "forms/rmm-review/v1.sample.json:1: answers.meeting_date: this needs an answer"]
