"""Every scoring and routing rule of the exploitation screening version 1, at its boundaries.

Version 1 stays as it shipped (screenings begun on it finish on it); its rule is tested here,
and version 2's in ``test_scoring_v2.py``. The properties at the end hold for every version.

Rules (domain research section 7, issue 3): hard triggers → High; points bands 0-5 none,
6-10 low, 11-15 medium, 16+ high; raise-only floors; overall = max(CSE, CCE); 'possible' scores
0; professional judgement with rationale and manager approval for a downgrade; pathways; 999.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cse_desktop.domain.ids import new_id
from cse_desktop.forms.engine import FormContext, FormEngine
from cse_desktop.forms.spec import FormSpec, IndicatorField, Tier

FORM = "exploitation-screening"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def indicators(spec: FormSpec, tier: Tier, module: str | None = "both") -> list[str]:
    """Ids of indicators of a tier; module 'both' = scores in every module, 'cse'/'cce' = only
    that one, None = any."""
    out = []
    for f in spec.all_fields():
        if not isinstance(f, IndicatorField) or f.tier is not tier:
            continue
        if module is None or (module == "both" and not f.modules) or f.modules == [module]:
            out.append(f.id)
    return out


def yes(timing: str | None = "current") -> dict[str, str]:
    return {"present": "yes", "timing": timing} if timing else {"present": "yes"}


def outcome(engine: FormEngine, answers: dict[str, Any], *, version: int = 1,
            **context: Any) -> dict[str, Any]:
    draft = engine.set_answers(engine.start(FORM, new_id(), version=version), answers)
    ctx = FormContext(now=NOW, **context)
    return engine.outcome(draft, ctx)


@pytest.fixture(scope="module")
def spec(engine: FormEngine) -> FormSpec:
    return engine.form(FORM, 1).spec


def moderate(spec: FormSpec, n: int, module: str = "both") -> dict[str, Any]:
    ids = indicators(spec, Tier.MODERATE, module)
    assert len(ids) >= n, "the form has fewer moderate indicators than the test needs"
    return {i: yes() for i in ids[:n]}


@pytest.mark.parametrize("points, level", [(0, "none"), (5, "none"), (6, "low"), (10, "low"),
                                           (11, "medium"), (15, "medium"), (16, "high"),
                                           (20, "high")])
def test_points_bands_at_their_boundaries(engine: FormEngine, spec: FormSpec, points: int,
                                          level: str) -> None:
    # moderate current indicators score 1 each and fire no floor on their own
    result = outcome(engine, moderate(spec, points))
    assert result["total"] == points
    assert result["suggested_level"] == level
    assert [r["id"] for r in result["rules_fired"]] == ["band", "band"]


def test_vulnerabilities_score_one_each(engine: FormEngine, spec: FormSpec) -> None:
    vul = indicators(spec, Tier.VULNERABILITY)
    result = outcome(engine, {v: {"present": "yes"} for v in vul[:6]})
    assert result["total"] == 6
    assert result["breakdown"]["vulnerability"] == 6
    assert result["suggested_level"] == "low"


@pytest.mark.parametrize("timing, points", [("current", 5), ("6-12m", 1), ("both", 6),
                                            ("historic", 0)])
def test_significant_points_by_timing(engine: FormEngine, spec: FormSpec, timing: str,
                                      points: int) -> None:
    sig = indicators(spec, Tier.SIGNIFICANT)[0]
    result = outcome(engine, {sig: yes(timing)}, age=16)
    assert result["total"] == points
    assert result["breakdown"]["significant"] == points


@pytest.mark.parametrize("timing, points", [("current", 1), ("6-12m", 0), ("both", 1),
                                            ("historic", 0)])
def test_moderate_points_by_timing(engine: FormEngine, spec: FormSpec, timing: str,
                                   points: int) -> None:
    mod = indicators(spec, Tier.MODERATE)[0]
    assert outcome(engine, {mod: yes(timing)})["total"] == points


def test_possible_scores_zero_but_is_listed_for_discussion(engine: FormEngine,
                                                           spec: FormSpec) -> None:
    sig = indicators(spec, Tier.SIGNIFICANT)[:3]
    crit = indicators(spec, Tier.CRITICAL, None)[0]
    answers = {s: {"present": "possible", "timing": "current"} for s in sig}
    answers[crit] = {"present": "possible"}
    result = outcome(engine, answers, age=12)
    assert result["total"] == 0
    assert result["suggested_level"] == "none"
    assert {d["field"] for d in result["for_discussion"]} == {*sig, crit}


def test_sen_adds_a_point(engine: FormEngine, spec: FormSpec) -> None:
    assert outcome(engine, moderate(spec, 5), sen=False)["suggested_level"] == "none"
    result = outcome(engine, moderate(spec, 5), sen=True)
    assert result["total"] == 6
    assert result["breakdown"]["sen"] == 1
    assert result["suggested_level"] == "low"


@pytest.mark.parametrize("field_index", range(7))
def test_each_hard_trigger_makes_it_high(engine: FormEngine, spec: FormSpec,
                                         field_index: int) -> None:
    critical = indicators(spec, Tier.CRITICAL, None)
    assert len(critical) == 7
    result = outcome(engine, {critical[field_index]: {"present": "yes"}})
    assert result["suggested_level"] == "high"
    assert any(r["id"] == "hard-trigger" for r in result["rules_fired"])
    assert result["pathway"]["same_day_contact"] is True
    assert outcome(engine, {critical[field_index]: {"present": "no"}})["suggested_level"] \
        == "none"


def test_floor_any_current_significant_is_at_least_low(engine: FormEngine,
                                                       spec: FormSpec) -> None:
    sig = indicators(spec, Tier.SIGNIFICANT)[0]
    result = outcome(engine, {sig: yes()}, age=15)
    assert result["total"] == 5  # band: none
    assert result["suggested_level"] == "low"
    fired = {r["id"]: r for r in result["rules_fired"]}
    assert fired["any-current-significant"]["raised"] is True
    # not current → the floor does not apply
    assert outcome(engine, {sig: yes("6-12m")}, age=15)["suggested_level"] == "none"


@pytest.mark.parametrize("age, level", [(12, "medium"), (13, "medium"), (14, "low"),
                                        (None, "low")])
def test_floor_aged_13_or_under_with_a_current_significant(engine: FormEngine, spec: FormSpec,
                                                           age: int | None, level: str) -> None:
    sig = indicators(spec, Tier.SIGNIFICANT)[0]
    assert outcome(engine, {sig: yes()}, age=age)["suggested_level"] == level


def test_floor_two_current_significant_is_at_least_medium(engine: FormEngine,
                                                          spec: FormSpec) -> None:
    sig = indicators(spec, Tier.SIGNIFICANT)
    one_current = {sig[0]: yes(), sig[1]: yes("6-12m")}
    assert outcome(engine, one_current, age=16)["suggested_level"] == "low"
    two = {sig[0]: yes(), sig[1]: yes("both")}
    result = outcome(engine, two, age=16)
    assert result["total"] == 11  # band medium already; check the floor fired
    assert "two-significant" in {r["id"] for r in result["rules_fired"]}
    # two current significant in *different* modules: each module sees one
    cse_only, cce_only = (indicators(spec, Tier.SIGNIFICANT, "cse")[0],
                          indicators(spec, Tier.SIGNIFICANT, "cce")[0])
    assert outcome(engine, {cse_only: yes(), cce_only: yes()}, age=16)["suggested_level"] \
        == "low"


@pytest.mark.parametrize("episodes, level", [(2, "none"), (3, "medium"), (7, "medium")])
def test_floor_three_missing_episodes_in_30_days(engine: FormEngine, episodes: int,
                                                 level: str) -> None:
    result = outcome(engine, {}, missing_episodes_30d=episodes)
    assert result["suggested_level"] == level


def test_floor_missing_overnight_with_an_exploitation_indicator(engine: FormEngine,
                                                                spec: FormSpec) -> None:
    mod = indicators(spec, Tier.MODERATE)[0]
    assert outcome(engine, {mod: yes()}, missing_overnight=True)["suggested_level"] == "medium"
    assert outcome(engine, {}, missing_overnight=True)["suggested_level"] == "none"
    assert outcome(engine, {mod: yes("historic")}, missing_overnight=True)[
        "suggested_level"] == "none"
    assert outcome(engine, {mod: yes()}, missing_overnight=False)["suggested_level"] == "none"


def test_floors_only_raise(engine: FormEngine, spec: FormSpec) -> None:
    answers = moderate(spec, 16)
    answers[indicators(spec, Tier.SIGNIFICANT)[0]] = yes()
    result = outcome(engine, answers, age=12, missing_episodes_30d=5)
    assert result["suggested_level"] == "high"
    assert all(not r.get("raised") for r in result["rules_fired"] if r["id"] != "band")


def test_overall_level_is_the_higher_of_cse_and_cce(engine: FormEngine, spec: FormSpec) -> None:
    answers = {**moderate(spec, 2, "cse"), **moderate(spec, 2, "cce")}
    cce_sig = indicators(spec, Tier.SIGNIFICANT, "cce")
    answers.update({i: yes("both") for i in cce_sig[:2]})  # CCE: 2 + 12 = 14 → medium
    result = outcome(engine, answers, age=16)
    assert result["modules"]["cse"]["total"] == 2
    assert result["modules"]["cse"]["level"] == "none"
    assert result["modules"]["cce"]["total"] == 14
    assert result["modules"]["cce"]["level"] == "medium"
    assert result["suggested_level"] == "medium"
    assert result["deciding_module"] == "cce"
    assert result["total"] == 14


@pytest.mark.parametrize("level, route, same_day", [("none", "universal", False),
                                                    ("low", "early_help", False),
                                                    ("medium", "rmm", False),
                                                    ("high", "rmm", True)])
def test_pathways(engine: FormEngine, spec: FormSpec, level: str, route: str,
                  same_day: bool) -> None:
    points = {"none": 0, "low": 6, "medium": 11, "high": 16}[level]
    pathway = outcome(engine, moderate(spec, points))["pathway"]
    assert (pathway["level"], pathway["route"], pathway["same_day_contact"]) == \
        (level, route, same_day)
    if level == "low":
        assert "Early help" in pathway["text"]


def test_immediate_danger_shows_call_999_at_any_level(engine: FormEngine) -> None:
    result = outcome(engine, {"immediate_danger": "yes"})
    assert result["suggested_level"] == "none"
    assert result["call_999"] is True
    assert outcome(engine, {"immediate_danger": "no"})["call_999"] is False


def test_review_date_defaults_to_three_months(engine: FormEngine) -> None:
    assert outcome(engine, {})["review_date"] == "2027-02-21"
    assert outcome(engine, {"review_date": "2026-12-24"})["review_date"] == "2026-12-24"


# -- professional judgement ------------------------------------------------------------------


def test_an_upgrade_needs_a_rationale_but_no_approval(engine: FormEngine) -> None:
    result = outcome(engine, {"agreed_level": "medium"})
    assert result["override"] is True and result["downgrade"] is False
    assert result["approval_pending"] is False
    assert result["level"] == "medium"
    assert result["pathway"]["route"] == "rmm"


def test_a_downgrade_waits_for_a_manager_and_a_typed_name_is_not_an_approval(
        engine: FormEngine, spec: FormSpec) -> None:
    from cse_desktop.domain.models import Approval, Role

    answers = moderate(spec, 12)  # medium
    pending = outcome(engine, {**answers, "agreed_level": "low"})
    assert pending["downgrade"] is True and pending["approval_pending"] is True
    assert pending["level"] == "medium"  # the higher level stands until approval
    assert pending["pathway"]["route"] == "rmm"
    # v1's typed-in approver ("me") no longer lets the lower level stand (issue 11)
    typed = outcome(engine, {**answers, "agreed_level": "low", "approved_by": "me"})
    assert typed["approval_pending"] is True and typed["level"] == "medium"
    assert typed["approved_by"] is None
    # a manager's approval action does
    draft = engine.set_answers(engine.start(FORM, new_id(), version=1),
                               {**answers, "agreed_level": "low"})
    approval = Approval(by="T. Example-Manager", role=Role.MANAGER, at=NOW,
                        rationale="Fictional.", approves=new_id())
    approved = engine.outcome(draft.model_copy(update={"approval": approval}),
                              FormContext(now=NOW))
    assert approved["approval_pending"] is False
    assert approved["level"] == "low"
    assert approved["approved_by"] == "T. Example-Manager"
    assert approved["pathway"]["route"] == "early_help"
    # an approval recorded as a practitioner's approves nothing
    by_practitioner = approval.model_copy(update={"role": Role.PRACTITIONER})
    assert engine.outcome(draft.model_copy(update={"approval": by_practitioner}),
                          FormContext(now=NOW))["approval_pending"] is True


def test_agreeing_with_the_suggestion_is_not_an_override(engine: FormEngine,
                                                         spec: FormSpec) -> None:
    result = outcome(engine, {**moderate(spec, 6), "agreed_level": "low"})
    assert result["override"] is False and result["level"] == "low"


# -- properties ------------------------------------------------------------------------------

PRESENT = st.sampled_from(["yes", "no", "possible"])
TIMING = st.sampled_from(["current", "6-12m", "both", "historic"])


def _indicator_answers(spec: FormSpec) -> st.SearchStrategy[dict[str, Any]]:
    fields = [f for f in spec.all_fields() if isinstance(f, IndicatorField)]

    def value(f: IndicatorField) -> st.SearchStrategy[dict[str, str]]:
        present = PRESENT if f.allow_possible else st.sampled_from(["yes", "no"])
        if f.asks_timing:
            timing = st.sampled_from([t.value for t in f.timing_values])
            return st.fixed_dictionaries({"present": present, "timing": timing})
        return st.fixed_dictionaries({"present": present})

    return st.fixed_dictionaries({}, optional={f.id: value(f) for f in fields})



CONTEXT = st.fixed_dictionaries({
    "age": st.one_of(st.none(), st.integers(8, 25)), "sen": st.booleans(),
    "missing_episodes_30d": st.integers(0, 10), "missing_overnight": st.booleans()})
LEVELS = ["none", "low", "medium", "high"]




VERSIONS = pytest.mark.parametrize("version", [1, 2])


@VERSIONS
@settings(max_examples=150, deadline=None)
@given(data=st.data(), context=CONTEXT)
def test_random_valid_answers_never_crash(engine: FormEngine, data: st.DataObject,
                                          context: dict, version: int) -> None:
    spec = engine.form(FORM, version).spec
    answers = data.draw(_indicator_answers(spec))
    answers["agreed_level"] = data.draw(st.sampled_from(LEVELS))
    answers["immediate_danger"] = data.draw(st.sampled_from(["yes", "no"]))
    result = outcome(engine, answers, version=version, **context)
    assert result["suggested_level"] in LEVELS
    assert result["level"] in LEVELS
    assert result["total"] >= 0
    assert result["routes"] and result["level_set_by"]
    draft = engine.set_answers(engine.start(FORM, new_id(), version=version), answers)
    assert isinstance(engine.validate(draft, FormContext(now=NOW, **context)), dict)


@VERSIONS
@settings(max_examples=200, deadline=None)
@given(data=st.data(), context=CONTEXT)
def test_one_more_indicator_present_never_lowers_the_level(engine: FormEngine,
                                                           data: st.DataObject,
                                                           context: dict,
                                                           version: int) -> None:
    spec = engine.form(FORM, version).spec
    answers = data.draw(_indicator_answers(spec))
    candidates = [f for f in spec.all_fields() if isinstance(f, IndicatorField)
                  and (answers.get(f.id) or {}).get("present") != "yes"]
    if not candidates:
        return
    f = data.draw(st.sampled_from(candidates))
    before = outcome(engine, answers, version=version, **context)
    marked = {"present": "yes"}
    if f.asks_timing:
        marked["timing"] = data.draw(st.sampled_from([t.value for t in f.timing_values]))
    after = outcome(engine, {**answers, f.id: marked}, version=version, **context)
    assert LEVELS.index(after["suggested_level"]) >= LEVELS.index(before["suggested_level"])
    assert after["total"] >= before["total"]


def test_context_from_a_persons_episodes(engine: FormEngine, spec: FormSpec) -> None:
    """FormContext.for_person derives the missing-history floors from the child's episodes."""
    from datetime import timedelta

    from cse_desktop.domain.models import Episode, Person

    child = Person(given_name="Test", family_name="Child", dob=date(2013, 1, 1))
    episodes = [Episode(person_id=child.id, started_at=NOW - timedelta(days=d),
                        returned_at=NOW - timedelta(days=d) + timedelta(hours=3))
                for d in (2, 10, 29)]
    old = Episode(person_id=child.id, started_at=NOW - timedelta(days=40),
                  returned_at=NOW - timedelta(days=39))
    ctx = FormContext.for_person(child, [*episodes, old], now=NOW)
    assert ctx.missing_episodes_30d == 3
    assert ctx.person_age() == 13
    for version in (1, 2):
        draft = engine.start(FORM, child.id, version=version)
        assert engine.outcome(draft, ctx)["suggested_level"] == "medium"
