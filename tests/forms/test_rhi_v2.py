"""Return home interview version 2 (issue 12, part 1): the late flag fires only when the
interview is late; the episode's details come from the episode record, read only; the rescreen
and NRM prompts; the age of a 'boyfriend' or 'girlfriend'; 'what would help' required after an
interview; the parent or carer's account offered always."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.models import Episode, EpisodeCategory, PoliceRiskGrade, Submission
from cse_desktop.forms import expr as ex
from cse_desktop.forms.engine import FormContext, FormEngine
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.samples import Sample, load_samples
from cse_desktop.forms.scope import form_scope

RHI = "return-home-interview"
ROOT = Path(__file__).resolve().parents[2]
RETURNED = datetime(2026, 12, 5, 10, 45, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample() -> Sample:
    return next(s for s in load_samples() if s.form_id == RHI and s.version == 2)


def _episode(sample: Sample, **changes: Any) -> Episode:
    return Episode(person_id=sample.person.id, started_at=RETURNED - timedelta(hours=20),
                   returned_at=RETURNED, police_reference="DEMO-REF-12",
                   category=EpisodeCategory.AWAY_FROM_PLACEMENT,
                   police_risk_grade=PoliceRiskGrade.HIGH,
                   where_found="Car park behind the fictional arcade",
                   how_returned="Police", **changes)


def _ctx(sample: Sample, episode: Episode, hours_after_return: float) -> FormContext:
    return FormContext(person=sample.person, episode=episode,
                       now=RETURNED + timedelta(hours=hours_after_return))


def _draft(engine: FormEngine, sample: Sample, episode: Episode,
           answers: dict[str, Any] | None = None) -> Submission:
    draft = engine.start(RHI, sample.person.id, episode_id=episode.id, version=2)
    return engine.set_answers(draft, answers or {})


def _neutral(sample: Sample) -> dict[str, Any]:
    """The sample's completed interview with no sign of exploitation, done 20 h after the
    return."""
    at = (RETURNED + timedelta(hours=20)).isoformat()
    people = [{**row, "pw_adult": "no"} for row in sample.answers["people_with"]]
    return {**sample.answers, "notified_at": (RETURNED + timedelta(hours=1)).isoformat(),
            "offered_at": at, "interview_at": at, "exploitation_indicators": ["none"],
            "travel": ["bus"], "people_with": people, "found_out_of_area": "no",
            "online_contact": "no", "referrals": ["exploitation_team"]}


def _flags(engine: FormEngine, draft: Submission, ctx: FormContext) -> set[str]:
    return {f["id"] for f in engine.outcome(draft, ctx)["flags"]}


# -- the late flag ---------------------------------------------------------------------------


def test_a_fresh_interview_with_time_left_is_not_late(engine: FormEngine,
                                                      sample: Sample) -> None:
    """The issue's case: opened an hour after the return, 71 h left: no warning."""
    episode = _episode(sample)
    ctx = _ctx(sample, episode, 1)
    draft = _draft(engine, sample, episode)
    outcome = engine.outcome(draft, ctx)
    assert "not-within-72h" not in _flags(engine, draft, ctx)
    assert outcome["computed"]["interview_late"] is False
    shown = engine.visibility(draft, ctx)
    assert not shown["completed_within_72h"]  # no "Completed within 72 hours? No" yet
    assert not shown["offered_within_72h"]


@pytest.mark.parametrize("outcome", [None, "unable_to_contact", "declined_child"])
def test_not_completed_is_late_only_once_72_hours_have_passed(
        engine: FormEngine, sample: Sample, outcome: str | None) -> None:
    episode = _episode(sample)
    draft = _draft(engine, sample, episode, {"outcome": outcome} if outcome else {})
    assert "not-within-72h" not in _flags(engine, draft, _ctx(sample, episode, 71.9))
    assert "not-within-72h" in _flags(engine, draft, _ctx(sample, episode, 72.1))


@pytest.mark.parametrize("hours, late", [(20, False), (72, False), (72.5, True), (100, True)])
def test_a_completed_interview_is_late_by_when_it_took_place(
        engine: FormEngine, sample: Sample, hours: float, late: bool) -> None:
    episode = _episode(sample)
    at = (RETURNED + timedelta(hours=hours)).isoformat()
    draft = _draft(engine, sample, episode, {**_neutral(sample), "offered_at": at,
                                             "interview_at": at})
    # looked at long after: what counts is when the interview took place
    ctx = _ctx(sample, episode, 300)
    assert ("not-within-72h" in _flags(engine, draft, ctx)) is late
    assert engine.outcome(draft, ctx)["computed"]["completed_within_72h"] is (not late)
    assert ("late_reason" in engine.validate(draft, ctx)) is late


def test_completed_but_time_not_yet_recorded_follows_the_clock(engine: FormEngine,
                                                               sample: Sample) -> None:
    episode = _episode(sample)
    draft = _draft(engine, sample, episode, {"outcome": "completed"})
    assert "not-within-72h" not in _flags(engine, draft, _ctx(sample, episode, 10))
    assert "not-within-72h" in _flags(engine, draft, _ctx(sample, episode, 80))


# -- the episode's details -------------------------------------------------------------------


def test_the_episode_details_come_from_the_episode_record(engine: FormEngine,
                                                          sample: Sample) -> None:
    episode = _episode(sample)
    outcome = engine.outcome(_draft(engine, sample, episode), _ctx(sample, episode, 1))
    computed = outcome["computed"]
    assert computed["police_ref"] == "DEMO-REF-12"
    assert computed["category"] == "away_from_placement"
    assert computed["police_risk_grade"] == "high"
    assert computed["where_found"] == "Car park behind the fictional arcade"
    assert computed["how_returned"] == "Police"
    assert computed["reported_missing_at"] == episode.started_at.isoformat()
    assert computed["returned_at"] == RETURNED.isoformat()
    assert computed["interview_due_at"] == (RETURNED + timedelta(hours=72)).isoformat()
    assert computed["episode_duration_hours"] == 20


@pytest.mark.parametrize("field_id", ["police_ref", "category", "police_risk_grade",
                                      "where_found", "how_returned"])
def test_the_episode_details_cannot_be_typed_into_the_form(engine: FormEngine, sample: Sample,
                                                           field_id: str) -> None:
    episode = _episode(sample)
    with pytest.raises(ValidationFailed, match="not something to fill in"):
        engine.set_answer(_draft(engine, sample, episode), field_id, "missing")


def test_a_correction_to_the_episode_shows_in_the_form(engine: FormEngine,
                                                       sample: Sample) -> None:
    episode = _episode(sample)
    draft = _draft(engine, sample, episode)
    corrected = episode.model_copy(update={"police_reference": "DEMO-REF-13"})
    assert engine.outcome(draft, _ctx(sample, corrected, 1))["computed"]["police_ref"] \
        == "DEMO-REF-13"


def test_the_category_and_grade_show_in_words(registry: FormRegistry) -> None:
    spec = registry.get(RHI, 2)
    labels = {c.value: c.label for c in spec.choices_of(spec.field("category"))}
    assert labels["away_from_placement"].startswith("Away from placement")
    grades = {c.value for c in spec.choices_of(spec.field("police_risk_grade"))}
    assert grades == {g.value for g in PoliceRiskGrade}
    categories = {c.value for c in spec.choices_of(spec.field("category"))}
    assert categories == {c.value for c in EpisodeCategory}


def test_every_v1_field_id_that_keeps_its_meaning_is_kept(registry: FormRegistry) -> None:
    v1 = {f.id for f in registry.get(RHI, 1).all_fields()}
    v2 = {f.id for f in registry.get(RHI, 2).all_fields()}
    # the only one gone: "how did they come back? (other)", now the episode's own words
    assert v1 - v2 == {"how_returned_other"}


def test_version_1_is_untouched(registry: FormRegistry) -> None:
    v1 = registry.get(RHI, 1)
    flag = next(f for f in v1.flags if f.id == "not-within-72h")
    assert flag.when == "not completed_within_72h"
    assert v1.field("police_ref").type == "text"


# -- rescreen and NRM ------------------------------------------------------------------------


RESCREEN_TRIGGERS: dict[str, dict[str, Any]] = {
    "car with an unknown adult": {"travel": ["bus", "car_unknown_adult"]},
    "adult of concern": {"pull_factors": ["adult_of_concern"]},
    "gang or 'work'": {"pull_factors": ["gang_work"]},
    "someone met online": {"pull_factors": ["online_contact"]},
    "online contact": {"online_contact": "yes", "online_platform": "A fictional app"},
    "an adult they were with": {"people_with": [{"pw_name": "'Demo-J'", "pw_adult": "yes"}]},
    "found out of area": {"found_out_of_area": "yes"},
    "a place out of area": {"locations": [{"loc_place": "A fictional town",
                                           "loc_out_of_area": "yes"}]},
    "an adult 'boyfriend' or 'girlfriend'": {"pull_factors": ["partner"], "partner_age": 23},
    "a sign of exploitation": {"exploitation_indicators": ["gifts"]},
}


def test_no_sign_no_rescreen(engine: FormEngine, sample: Sample) -> None:
    episode = _episode(sample)
    draft = _draft(engine, sample, episode, _neutral(sample))
    ctx = _ctx(sample, episode, 30)
    assert engine.validate(draft, ctx) == {}
    assert not ({"rescreen", "nrm"} & _flags(engine, draft, ctx))


@pytest.mark.parametrize("trigger", sorted(RESCREEN_TRIGGERS))
def test_each_trigger_flags_a_rescreen(engine: FormEngine, sample: Sample,
                                       trigger: str) -> None:
    episode = _episode(sample)
    draft = _draft(engine, sample, episode, {**_neutral(sample), **RESCREEN_TRIGGERS[trigger]})
    ctx = _ctx(sample, episode, 30)
    assert "rescreen" in _flags(engine, draft, ctx)
    assert engine.visibility(draft, ctx)["rescreen_banner"]


def test_an_adult_row_answered_no_does_not_rescreen(engine: FormEngine, sample: Sample) -> None:
    episode = _episode(sample)
    rows = [{"pw_name": "'Demo-J'", "pw_adult": "no"}, {"pw_name": "'Demo-L'"}]
    draft = _draft(engine, sample, episode, {**_neutral(sample), "people_with": rows})
    assert "rescreen" not in _flags(engine, draft, _ctx(sample, episode, 30))


NRM_TRIGGERS: dict[str, dict[str, Any]] = {
    "carrying or holding": {"exploitation_indicators": ["carry_hold"]},
    "debt": {"exploitation_indicators": ["debt"]},
    "taken out of area": {"exploitation_indicators": ["out_of_area"]},
    "found out of area": {"found_out_of_area": "yes"},
    "a place out of area": {"locations": [{"loc_place": "A fictional town",
                                           "loc_out_of_area": "yes"}]},
}


@pytest.mark.parametrize("trigger", sorted(NRM_TRIGGERS))
def test_each_nrm_trigger_prompts_the_nrm_until_a_referral_is_recorded(
        engine: FormEngine, sample: Sample, trigger: str) -> None:
    episode = _episode(sample)
    ctx = _ctx(sample, episode, 30)
    draft = _draft(engine, sample, episode, {**_neutral(sample), **NRM_TRIGGERS[trigger]})
    assert "nrm" in _flags(engine, draft, ctx)
    assert engine.visibility(draft, ctx)["nrm_banner"]
    assert engine.outcome(draft, ctx)["computed"]["nrm_to_consider"] is True
    referred = engine.set_answer(draft, "referrals", ["exploitation_team", "nrm"])
    assert "nrm" not in _flags(engine, referred, ctx)
    assert not engine.visibility(referred, ctx)["nrm_banner"]


def test_gifts_alone_do_not_prompt_the_nrm(engine: FormEngine, sample: Sample) -> None:
    episode = _episode(sample)
    draft = _draft(engine, sample, episode,
                   {**_neutral(sample), "exploitation_indicators": ["gifts"]})
    assert "nrm" not in _flags(engine, draft, _ctx(sample, episode, 30))


# -- the 'boyfriend' or 'girlfriend' ----------------------------------------------------------


def test_a_boyfriend_or_girlfriend_brings_the_question_of_their_age(engine: FormEngine,
                                                                    sample: Sample) -> None:
    episode = _episode(sample)
    ctx = _ctx(sample, episode, 30)
    draft = _draft(engine, sample, episode, _neutral(sample))
    assert not engine.visibility(draft, ctx)["partner_age"]
    draft = engine.set_answer(draft, "pull_factors", ["partner"])
    assert engine.visibility(draft, ctx)["partner_age"]
    assert "partner_age" in engine.validate(draft, ctx)  # asked, and needs an answer
    unknown = engine.set_answer(draft, "partner_age_unknown", "yes")
    assert "partner_age" not in engine.validate(unknown, ctx)
    young = engine.set_answer(draft, "partner_age", 15)
    assert engine.validate(young, ctx) == {}
    assert not engine.visibility(young, ctx)["partner_adult_banner"]
    assert "rescreen" not in _flags(engine, young, ctx)
    adult = engine.set_answer(draft, "partner_age", 19)
    assert engine.visibility(adult, ctx)["partner_adult_banner"]
    assert "rescreen" in _flags(engine, adult, ctx)


# -- what would help; the parent or carer ------------------------------------------------------


def test_what_would_help_is_required_when_the_interview_took_place(engine: FormEngine,
                                                                   sample: Sample) -> None:
    episode = _episode(sample)
    ctx = _ctx(sample, episode, 30)
    answers = {k: v for k, v in _neutral(sample).items() if k != "what_would_help"}
    assert "what_would_help" in engine.validate(_draft(engine, sample, episode, answers), ctx)
    declined = _draft(engine, sample, episode,
                      {"outcome": "declined_child", "outcome_reason": "Said no, politely."})
    assert "what_would_help" not in engine.validate(declined, ctx)


@pytest.mark.parametrize("outcome", [None, "completed", "declined_child", "not_offered"])
def test_the_parent_or_carers_account_is_always_offered(engine: FormEngine, sample: Sample,
                                                        outcome: str | None) -> None:
    episode = _episode(sample)
    ctx = _ctx(sample, episode, 30)
    draft = _draft(engine, sample, episode, {"outcome": outcome} if outcome else {})
    assert engine.visibility(draft, ctx)["parent_information"]
    assert "parent_information" not in engine.validate(draft, ctx)  # offered, never forced


# -- count_rows, the expression the triggers use -----------------------------------------------


def test_count_rows_is_checked_when_the_form_loads(registry: FormRegistry) -> None:
    scope = form_scope(registry.get(RHI, 2))
    assert ex.compile_expr("count_rows(people_with, 'pw_adult', 'yes') > 0", scope).type \
        == ex.BOOL
    with pytest.raises(ex.ExprError, match="has no field 'pw_adlut'"):
        ex.compile_expr("count_rows(people_with, 'pw_adlut', 'yes') > 0", scope)
    with pytest.raises(ex.ExprError, match="'ja' is not one of the values"):
        ex.compile_expr("count_rows(people_with, 'pw_adult', 'ja') > 0", scope)
    with pytest.raises(ex.ExprError, match="in quotes"):
        ex.compile_expr("count_rows(people_with, reported_by, 'yes') > 0", scope)
    with pytest.raises(ex.ExprError, match="must be rows"):
        ex.compile_expr("count_rows(travel, 'walked', 'yes') > 0", scope)


def test_count_rows_counts_matching_rows() -> None:
    scope = ex.Scope(names={"rows": ex.Name(ex.ROWS)})
    compiled = ex.compile_expr("count_rows(rows, 'adult', 'yes')", scope)
    env = ex.Env({"rows": [{"adult": "yes"}, {"adult": "no"}, {}, {"adult": "yes"}]}, {},
                 RETURNED)
    assert compiled.evaluate(env) == 2
    assert compiled.evaluate(ex.Env({"rows": None}, {}, RETURNED)) == 0
