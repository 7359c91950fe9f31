"""The exploitation screening version 2: every case a safeguarding lead raised (issue 11), each
trigger, floor and route at its edge, several routes at once, and the explanation.

Version 1's rule is tested in ``test_scoring.py`` and its outcomes are pinned by
``test_v1_golden.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cse_desktop.domain.ids import new_id
from cse_desktop.forms.engine import FormContext, FormEngine
from cse_desktop.forms.spec import FormSpec, IndicatorField, Tier

FORM = "exploitation-screening"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
CARED_FOR = ("looked_after", "child_protection_plan", "child_in_need")


def yes(timing: str | None = "current") -> dict[str, str]:
    return {"present": "yes", "timing": timing} if timing else {"present": "yes"}


POSSIBLE = {"present": "possible"}


def outcome(engine: FormEngine, answers: dict[str, Any], **context: Any) -> dict[str, Any]:
    draft = engine.set_answers(engine.start(FORM, new_id(), version=2), answers)
    return engine.outcome(draft, FormContext(now=NOW, **context))


def route_ids(result: dict[str, Any]) -> list[str]:
    return [r["id"] for r in result["routes"]]


def fired(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{r['module'] or 'overall'}:{r['id']}": r for r in result["rules_fired"]}


@pytest.fixture(scope="module")
def spec(engine: FormEngine) -> FormSpec:
    return engine.form(FORM, 2).spec


def test_new_screenings_start_on_v2(engine: FormEngine) -> None:
    assert engine.start(FORM, new_id()).form_version == 2


# -- the cases in the issue ------------------------------------------------------------------


def test_found_in_another_county_with_cash_and_two_phones_is_high(engine: FormEngine) -> None:
    # answered with the critical incident itself
    direct = outcome(engine, {"crit_found_out_of_area_items": yes()}, age=14)
    assert direct["suggested_level"] == "high"
    assert direct["level_set_by"]["rule"] == "out-of-area-with-items"
    # answered as the separate indicators a worker may tick instead
    separate = outcome(engine, {"ind_b_found_out_of_area": yes(),
                                "ind_d_unexplained_money": yes(),
                                "ind_d_multiple_phones": yes()}, age=14)
    assert separate["suggested_level"] == "high"
    assert separate["level_set_by"]["rule"] == "out-of-area-with-phones-or-cash"
    assert separate["modules"]["cce"]["level"] == "high"
    for result in (direct, separate):
        assert {"strategy-discussion", "police", "rmm", "nrm"} <= set(route_ids(result))
        assert "early-help" not in route_ids(result)
        assert result["pathway"]["same_day_contact"] is True


def test_out_of_area_alone_or_over_a_year_ago_is_not_a_hard_trigger(engine: FormEngine) -> None:
    alone = outcome(engine, {"ind_b_found_out_of_area": yes()}, age=14)
    assert alone["suggested_level"] == "low"  # 5 points, raised by a current significant
    old = outcome(engine, {"crit_found_out_of_area_items": yes("historic")}, age=14)
    assert old["suggested_level"] == "medium"  # the historic floor, not High
    assert old["level_set_by"]["rule"] == "historic-critical"
    last_year = outcome(engine, {"crit_found_out_of_area_items": yes("6-12m")}, age=14)
    assert last_year["suggested_level"] == "high"


def test_sextortion_with_fear_and_self_harm_is_high(engine: FormEngine) -> None:
    result = outcome(engine, {"crit_sextortion": yes(), "ind_j_fear_of_reprisal": yes(),
                              "ind_g_self_harm": yes()}, age=16)
    assert result["suggested_level"] == "high"
    assert result["level_set_by"]["rule"] == "sextortion"
    assert "sextortion" in result["level_set_by"]["text"]
    assert {"strategy-discussion", "police", "rmm"} <= set(route_ids(result))


@pytest.mark.parametrize("field", ["ind_f_images_requested", "ind_f_images_shared", "ind_g_sti",
                                   "ind_g_pregnancy", "crit_under_13_sexual_activity"])
@pytest.mark.parametrize("age, level", [(11, "high"), (12, "high"), (13, None)])
def test_sexual_harm_of_a_child_aged_12_or_under_is_high(engine: FormEngine, field: str,
                                                         age: int, level: str | None) -> None:
    # any timing: for a child this young, it is recent whatever box is ticked
    result = outcome(engine, {field: yes("historic")}, age=age)
    if level is not None:
        assert result["suggested_level"] == "high"
        assert result["level_set_by"]["rule"] == "under-13-sexual-harm"
        assert "same_day" in {k for r in result["routes"] for k, v in r.items() if v is True}
    else:  # at 13 the other rules decide
        assert result["level_set_by"]["rule"] != "under-13-sexual-harm"


def test_a_12_year_old_who_sent_an_image_to_an_adult_is_high(engine: FormEngine) -> None:
    result = outcome(engine, {"ind_f_images_requested": yes()}, age=12, legal_status="none")
    assert result["suggested_level"] == "high"
    assert route_ids(result)[:2] == ["strategy-discussion", "police"]


def test_an_adult_partner_of_a_15_year_old_giving_gifts_is_at_least_medium(
        engine: FormEngine) -> None:
    answers = {"ind_c_adult_partner": yes(), "adult_partner_age": 24,
               "ind_d_unexplained_money": yes()}
    result = outcome(engine, answers, age=15)
    assert result["total"] == 6  # the points alone say Low
    assert result["suggested_level"] == "medium"
    assert result["level_set_by"]["rule"] == "adult-partner-under-16"
    assert fired(result)["cse:adult-partner-under-16"]["effect"] == "set"
    assert {"csc-referral", "rmm"} <= set(route_ids(result))
    # at 16 the floor does not apply
    assert outcome(engine, answers, age=16)["suggested_level"] == "low"


def test_the_adult_partners_age_is_asked_for(engine: FormEngine) -> None:
    draft = engine.set_answers(engine.start(FORM, new_id(), version=2),
                               {"ind_c_adult_partner": yes()})
    errors = engine.validate(draft, FormContext(now=NOW, age=15))
    assert "adult_partner_age" in errors
    assert engine.visibility(draft, FormContext(now=NOW))["adult_partner_age"] is True
    none = engine.set_answers(engine.start(FORM, new_id(), version=2),
                              {"ind_c_adult_partner": {"present": "no"}})
    assert engine.visibility(none, FormContext(now=NOW))["adult_partner_age"] is False


def test_a_withdrawn_disclosure_from_years_ago_is_medium_with_a_prompt(
        engine: FormEngine) -> None:
    result = outcome(engine, {"crit_sexual_abuse_disclosure": yes("historic")}, age=15)
    assert result["suggested_level"] == "medium"  # not High by itself
    assert result["level_set_by"]["rule"] == "historic-critical"
    assert [p["rule"] for p in result["prompts"]] == ["historic-critical"]
    assert "professional judgement" in result["prompts"][0]["text"]
    assert not any(r["same_day"] for r in result["routes"])
    # the same disclosure, current or within 12 months, is High
    for timing in ("current", "6-12m", None):
        assert outcome(engine, {"crit_sexual_abuse_disclosure": yes(timing)},
                       age=15)["suggested_level"] == "high"


def test_medium_refers_to_childrens_social_care_as_well_as_the_rmm(engine: FormEngine,
                                                                   spec: FormSpec) -> None:
    answers = {"ind_c_adult_partner": yes(), "adult_partner_age": 30}
    result = outcome(engine, answers, age=14, legal_status="none")
    assert result["suggested_level"] == "medium"
    assert route_ids(result) == ["csc-referral", "rmm"]
    csc = result["routes"][0]
    assert "MASH" in csc["text"] and "does not replace" in csc["text"]
    assert csc["reason"].startswith("the level that stands is Medium")
    # with a social worker: the allocated social worker instead of a new referral
    for status in CARED_FOR:
        assert route_ids(outcome(engine, answers, age=14, legal_status=status)) == \
            ["social-worker-referral", "rmm"]


def test_low_sends_a_child_with_a_social_worker_to_that_worker_not_early_help(
        engine: FormEngine) -> None:
    answers = {"ind_e_picked_up_by_adults": yes()}  # one current significant: Low
    assert route_ids(outcome(engine, answers, age=15, legal_status="none")) == ["early-help"]
    # status not known: early help, and a prompt to check for a social worker
    unknown = outcome(engine, answers, age=15)
    assert route_ids(unknown) == ["early-help", "check-legal-status"]
    assert "not recorded as looked after" in unknown["routes"][0]["reason"]
    assert route_ids(outcome(engine, answers, age=15, legal_status="not_known")) == [
        "early-help", "check-legal-status"]
    for status in CARED_FOR:
        result = outcome(engine, answers, age=15, legal_status=status)
        assert route_ids(result) == ["inform-social-worker"], status
        assert "looked after" in result["routes"][0]["reason"]


def test_the_nrm_prompt_appears_for_any_criminal_exploitation_indicator_at_any_level(
        engine: FormEngine, spec: FormSpec) -> None:
    cce = [f.id for f in spec.all_fields() if isinstance(f, IndicatorField)
           and "cce" in f.modules]
    assert len(cce) >= 6
    for field in cce:
        result = outcome(engine, {field: yes("historic")}, age=16)
        assert "nrm" in route_ids(result), field
        nrm = next(r for r in result["routes"] if r["id"] == "nrm")
        assert "no consent" in nrm["text"] and "first responder" in nrm["text"]
    # trafficking is not a CCE-module indicator but prompts the NRM too
    assert "nrm" in route_ids(outcome(engine, {"crit_trafficking": yes("historic")}, age=16))
    # a sexual-exploitation-only case does not
    assert "nrm" not in route_ids(outcome(engine, {"ind_e_parties": yes()}, age=16))
    # a 'no' or a 'possible' does not
    assert "nrm" not in route_ids(outcome(engine, {"ind_j_debt": {"present": "no"}}, age=16))


def test_a_possible_critical_incident_asks_for_a_same_day_consultation(
        engine: FormEngine) -> None:
    result = outcome(engine, {"crit_abduction": POSSIBLE}, age=15)
    assert result["suggested_level"] == "none"  # the level does not change
    assert route_ids(result) == ["universal", "consultation"]
    consultation = result["routes"][1]
    assert consultation["same_day"] is True
    assert "does not change the level" in consultation["text"]
    assert outcome(engine, {"ind_e_parties": POSSIBLE}, age=15)["routes"][-1]["id"] \
        != "consultation"


def test_immediate_danger_is_a_route_at_any_level(engine: FormEngine) -> None:
    result = outcome(engine, {"immediate_danger": "yes"}, age=15)
    assert result["call_999"] is True and result["suggested_level"] == "none"
    assert route_ids(result) == ["call-999", "universal"]
    assert "call-999" not in route_ids(outcome(engine, {"immediate_danger": "no"}, age=15))


def test_a_pure_sexual_exploitation_case_leaves_criminal_exploitation_at_none(
        engine: FormEngine) -> None:
    answers = {"ind_e_parties": yes(), "ind_f_images_requested": yes()}
    result = outcome(engine, answers, age=15, missing_episodes_30d=3, missing_overnight=True)
    assert result["suggested_level"] == "medium"
    assert result["modules"]["cse"]["level"] == "medium"
    assert result["modules"]["cce"]["level"] == "none"  # the missing floors are overall
    overall = fired(result)
    assert overall["overall:repeat-missing"]["module"] is None
    assert not any(k.startswith("cce:") and r["id"] in ("repeat-missing",
                                                        "overnight-with-indicator")
                   for k, r in overall.items())


@pytest.mark.parametrize("episodes, level", [(2, "none"), (3, "medium")])
def test_the_missing_floors_raise_the_overall_level(engine: FormEngine, episodes: int,
                                                    level: str) -> None:
    result = outcome(engine, {}, missing_episodes_30d=episodes)
    assert result["suggested_level"] == level
    assert result["modules"]["cse"]["level"] == result["modules"]["cce"]["level"] == "none"
    if level == "medium":
        set_by = result["level_set_by"]
        assert (set_by["rule"], set_by["module"], set_by["text"], set_by["indicators"]) == (
            "repeat-missing", None, "missing three or more times in 30 days → at least Medium",
            [])


def test_overnight_missing_with_a_current_indicator(engine: FormEngine) -> None:
    assert outcome(engine, {"ind_b_staying_out_late": yes()}, missing_overnight=True)[
        "suggested_level"] == "medium"
    assert outcome(engine, {"ind_b_staying_out_late": yes("historic")},
                   missing_overnight=True)["suggested_level"] == "none"


@pytest.mark.parametrize("context_sen, form_sen, points", [(False, False, 5), (True, False, 6),
                                                           (False, True, 6), (True, True, 6)])
def test_sen_counts_once(engine: FormEngine, spec: FormSpec, context_sen: bool, form_sen: bool,
                         points: int) -> None:
    moderate = [f.id for f in spec.all_fields() if isinstance(f, IndicatorField)
                and f.tier is Tier.MODERATE and not f.modules][:5]
    answers: dict[str, Any] = {m: yes() for m in moderate}
    if form_sen:
        answers["vul_learning_needs"] = {"present": "yes"}
    result = outcome(engine, answers, sen=context_sen)
    assert result["total"] == points
    assert result["breakdown"]["sen"] == points - 5
    assert result["breakdown"]["vulnerability"] == 0


# -- the explanation -------------------------------------------------------------------------


def test_rules_fired_are_ordered_by_effect(engine: FormEngine) -> None:
    result = outcome(engine, {"crit_sextortion": yes(), "ind_e_parties": yes()}, age=15)
    effects = [r["effect"] for r in result["rules_fired"]]
    assert effects == sorted(effects, key=["set", "same", "none"].index)
    assert result["rules_fired"][0]["id"] == result["level_set_by"]["rule"] == "sextortion"
    assert result["rules_fired"][0]["text"] == result["level_set_by"]["text"]
    same = [r["id"] for r in result["rules_fired"] if r["effect"] == "same"]
    assert "critical-recent" in same
    none = [r for r in result["rules_fired"] if r["effect"] == "none"]
    assert all(r["level"] != "high" for r in none)


def test_the_texts_use_the_forms_words_for_levels(engine: FormEngine) -> None:
    result = outcome(engine, {}, age=15)
    assert result["level_set_by"]["text"].endswith("→ No current concern")
    assert result["routes"][0]["reason"] == "the level that stands is No current concern"


# -- judgement and approval ------------------------------------------------------------------


def test_v2_has_no_typed_approver(spec: FormSpec) -> None:
    assert spec.scoring is not None and spec.scoring.approved_by_field is None
    assert "approved_by" not in {f.id for f in spec.all_fields()}


def test_a_downgrade_waits_and_the_higher_of_suggested_and_rmm_stands(
        engine: FormEngine) -> None:
    answers = {"ind_c_adult_partner": yes(), "adult_partner_age": 22, "agreed_level": "low",
               "override_rationale": "Fictional: agreed at the team meeting."}
    pending = outcome(engine, answers, age=15)
    assert pending["downgrade"] is True and pending["approval_pending"] is True
    assert pending["level"] == "medium"
    assert "awaiting manager approval" in pending["level_standing_because"]
    assert "csc-referral" in route_ids(pending)
    held = outcome(engine, answers, age=15, rmm_level="high")
    assert held["level"] == "high"  # the last RMM agreed High: it stands
    assert "Risk Management Meeting" in held["level_standing_because"]
    lower_rmm = outcome(engine, answers, age=15, rmm_level="low")
    assert lower_rmm["level"] == "medium"


def test_an_approval_lets_the_lower_level_stand(engine: FormEngine) -> None:
    from cse_desktop.domain.models import Approval, Role

    answers = {"ind_c_adult_partner": yes(), "adult_partner_age": 22, "agreed_level": "low",
               "override_rationale": "Fictional: agreed at the team meeting."}
    draft = engine.set_answers(engine.start(FORM, new_id(), version=2), answers)
    approval = Approval(by="Fictional Manager", role=Role.MANAGER, at=NOW,
                        rationale="Fictional: the adult is in custody.", approves=new_id())
    approved = engine.outcome(draft.model_copy(update={"approval": approval}),
                              FormContext(now=NOW, age=15))
    assert approved["approval_pending"] is False
    assert approved["level"] == "low"
    assert approved["approved_by"] == "Fictional Manager"
    assert approved["approval"]["role"] == "manager"
    # a typed-in approver is not a field of v2 at all
    with pytest.raises(Exception, match="not a field"):
        engine.set_answer(draft, "approved_by", "me")


def test_each_rule_and_route_names_the_indicators_that_made_it_apply(
        engine: FormEngine) -> None:
    """So a redacted copy can leave them out: ``short`` is the text without them."""
    result = outcome(engine, {"crit_sexual_abuse_disclosure": yes("6-12m"),
                              "ind_j_debt": yes()}, age=15)
    set_by = result["level_set_by"]
    assert set_by["rule"] == "critical-recent"
    assert set_by["indicators"] == ["crit_sexual_abuse_disclosure"]
    assert "disclosed sexual abuse" in set_by["text"]
    assert "disclosed" not in set_by["short"] and set_by["short"].endswith("→ High")
    nrm = next(r for r in result["routes"] if r["id"] == "nrm")
    assert nrm["indicators"] == ["ind_j_debt"] and "debt" not in nrm["reason_short"]


def test_before_a_level_is_agreed_the_higher_meeting_level_stands_and_says_so(
        engine: FormEngine) -> None:
    result = outcome(engine, {"ind_e_picked_up_by_adults": yes()}, age=15, rmm_level="high")
    assert (result["suggested_level"], result["level"]) == ("low", "high")
    assert result["level_standing_because"] == (
        "The level agreed at the last Risk Management Meeting (High) stands until a level is "
        "agreed.")


def test_agreeing_the_suggestion_below_the_last_meetings_level_needs_a_manager(
        engine: FormEngine) -> None:
    """The RMM agreed High; today's screening suggests Low and the worker agrees Low: High
    stands until a manager approves (the higher of suggested and the last RMM's stands)."""
    answers = {"ind_e_picked_up_by_adults": yes(), "agreed_level": "low"}
    result = outcome(engine, answers, age=15, rmm_level="high")
    assert result["suggested_level"] == "low" and result["override"] is False
    assert result["downgrade"] is True and result["approval_pending"] is True
    assert result["level"] == "high"
    assert {"strategy-discussion", "police", "rmm"} <= set(route_ids(result))
    assert "last Risk Management Meeting (High)" in result["level_standing_because"]
    # agreeing the meeting's level, or higher, needs no approval
    kept = outcome(engine, {**answers, "agreed_level": "high",
                            "override_rationale": "Fictional."}, age=15, rmm_level="high")
    assert kept["approval_pending"] is False and kept["level"] == "high"


@pytest.mark.parametrize("answers", [
    {"vul_uasc_trafficked": {"present": "yes"}},
    {"exploitation_types": ["county_lines"]},
    {"exploitation_types": ["trafficking"]},
    {"exploitation_types": ["cce"]},
])
def test_the_nrm_prompt_for_trafficking_and_criminal_exploitation_however_recorded(
        engine: FormEngine, answers: dict[str, Any]) -> None:
    result = outcome(engine, answers, age=15, legal_status="none")
    assert result["suggested_level"] in ("none", "low")
    nrm = next(r for r in result["routes"] if r["id"] == "nrm")
    if "exploitation_types" in answers:
        assert "answered to “What kind of exploitation might this be?”" in nrm["reason"]
    assert "nrm" not in route_ids(outcome(engine, {"exploitation_types": ["cse"]}, age=15))


@pytest.mark.parametrize("age, routes", [(12, ["universal", "consultation-under-13"]),
                                         (13, ["universal"])])
def test_a_possible_sign_of_sexual_harm_of_a_child_12_or_under_asks_for_a_consultation(
        engine: FormEngine, age: int, routes: list[str]) -> None:
    answers = {"ind_g_pregnancy": POSSIBLE, "ind_f_images_requested": POSSIBLE}
    result = outcome(engine, answers, age=age, legal_status="none")
    assert result["suggested_level"] == "none"
    assert route_ids(result) == routes


def test_an_unknown_age_is_said_not_silently_ignored(engine: FormEngine) -> None:
    unknown = outcome(engine, {"ind_g_sti": yes()})
    assert unknown["suggested_level"] == "low"
    [warning] = unknown["warnings"]
    assert warning.startswith("The young person's age is not known")
    assert "aged 12 or under" in warning
    assert outcome(engine, {"ind_g_sti": yes()}, age=12)["warnings"] == []


def test_a_prompt_is_given_once_even_when_both_modules_fire_it(engine: FormEngine) -> None:
    result = outcome(engine, {"crit_abduction": yes("historic")}, age=15)  # a shared incident
    assert [r["module"] for r in result["rules_fired"] if r["id"] == "historic-critical"] == [
        "cse", "cce"]
    assert [p["rule"] for p in result["prompts"]] == ["historic-critical"]
