"""The engine API: start, answer, validate, finalise, amend; versions pinned per submission."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.ids import new_id
from cse_desktop.forms.engine import FormContext, FormEngine, FormInvalid, section_progress
from cse_desktop.forms.loader import FormRegistry, default_forms_dir

FORM = "exploitation-screening"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
CTX = FormContext(now=NOW, age=15)

COMPLETE = {
    "reason": "Fictional: seen getting into cars with unknown adults.",
    "trigger": "new_concern", "sources": ["child", "school"], "child_involved": "yes",
    "parent_involved": "no", "immediate_danger": "no",
    "ind_e_picked_up_by_adults": {"present": "yes", "timing": "current",
                                  "evidence": "reported", "detail": "Fictional detail."},
    "vul_isolation": {"present": "yes"},
    "strengths": "Fictional: close to an aunt.", "danger_statement": "Fictional statement.",
    "safety_goal": "Fictional goal.", "agreed_level": "low",
}


def complete_draft(engine: FormEngine) -> object:
    return engine.set_answers(engine.start(FORM, new_id()), COMPLETE)


def test_a_complete_screening_finalises(engine: FormEngine) -> None:
    draft = complete_draft(engine)
    assert engine.validate(draft, CTX) == {}
    final = engine.finalise(draft, CTX)
    assert final.is_final
    assert final.outcome["suggested_level"] == "low"
    assert final.outcome["level"] == "low"
    assert final.outcome["form"] == {"id": FORM, "version": 2}  # new screenings start on v2
    assert final.finalised_at == NOW


def test_finalise_is_refused_with_every_problem_listed(engine: FormEngine) -> None:
    draft = engine.start(FORM, new_id())
    draft = engine.set_answers(draft, {"trigger": "other", "child_involved": "no"})
    with pytest.raises(FormInvalid) as caught:
        engine.finalise(draft, CTX)
    errors = caught.value.errors
    for field in ("reason", "sources", "trigger_other", "child_not_involved_reason",
                  "immediate_danger", "strengths", "agreed_level"):
        assert field in errors, field
    assert "Traceback" not in caught.value.message
    assert caught.value.message.startswith("The form is not complete")


def test_show_if_hides_and_required_if_requires(engine: FormEngine) -> None:
    draft = engine.set_answers(engine.start(FORM, new_id()), {"trigger": "review"})
    shown = engine.visibility(draft, CTX)
    assert shown["trigger_other"] is False
    assert "trigger_other" not in engine.validate(draft, CTX)
    draft = engine.set_answer(draft, "trigger", "other")
    assert engine.visibility(draft, CTX)["trigger_other"] is True
    assert engine.validate(draft, CTX)["trigger_other"] == ["this needs an answer"]


def test_hidden_answers_are_dropped_when_finalised(engine: FormEngine) -> None:
    draft = engine.set_answers(complete_draft(engine),
                               {"trigger": "other", "trigger_other": "Fictional."})
    draft = engine.set_answer(draft, "trigger", "review")  # trigger_other now hidden
    final = engine.finalise(draft, CTX)
    assert "trigger_other" not in final.answers
    assert draft.answers["trigger_other"] == "Fictional."  # the draft itself is untouched


def test_an_override_needs_a_rationale(engine: FormEngine) -> None:
    draft = engine.set_answer(complete_draft(engine), "agreed_level", "high")
    errors = engine.validate(draft, CTX)
    assert list(errors) == ["override_rationale"]
    draft = engine.set_answer(draft, "override_rationale", "Fictional: escalating fast.")
    final = engine.finalise(draft, CTX)
    assert final.outcome["override"] is True and final.outcome["level"] == "high"


def test_constraints_give_their_message(engine: FormEngine) -> None:
    draft = engine.set_answers(complete_draft(engine), {"review_date": "2026-01-01",
                                                        "referrals": ["police"],
                                                        "referral_date": "2027-01-01"})
    errors = engine.validate(draft, CTX)
    assert errors["review_date"] == ["the review date must be today or later"]
    assert errors["referral_date"] == ["the referral date cannot be in the future"]


@pytest.mark.parametrize("path, value, words", [
    ("immediate_danger", "maybe", "yes or no"),
    ("trigger", "nonsense", "must be one of"),
    ("sources", ["child", "child"], "twice"),
    ("sources", "child", "list"),
    ("referral_date", "21/11/2026", "YYYY-MM-DD"),
    ("reason", 42, "text"),
    ("reason", "x" * 20_001, "too long"),
    ("vul_isolation", {"present": "yes", "timing": "current"}, "does not take a timing"),
    ("vul_isolation", {"present": "possible"}, "yes or no"),
    ("ind_e_parties", {"present": "yes", "timing": "last week"}, "timing"),
    ("ind_e_parties", {"present": "yes", "colour": "red"}, "unknown part"),
    ("nonexistent", "x", "not a field"),
    ("people_of_concern[0].poc_age", -3, "at least 0"),
    ("people_of_concern[5].poc_name", "Fictional", "no row 6"),
    ("people_of_concern[0].nope", "x", "not a field"),
    ("caveat", "x", "not something to fill in"),
])
def test_set_answer_refuses_badly_shaped_values(engine: FormEngine, path: str, value: object,
                                                words: str) -> None:
    draft = engine.start(FORM, new_id())
    with pytest.raises(ValidationFailed, match=words):
        engine.set_answer(draft, path, value)


def test_repeat_groups_by_row(engine: FormEngine) -> None:
    draft = engine.start(FORM, new_id())
    draft = engine.set_answer(draft, "people_of_concern[0].poc_name", "'Demo-K' (fictional)")
    draft = engine.set_answer(draft, "people_of_concern[0].poc_reported", "yes")
    draft = engine.set_answer(draft, "people_of_concern[1].poc_age", 30)
    assert draft.answers["people_of_concern"] == [
        {"poc_name": "'Demo-K' (fictional)", "poc_reported": "yes"}, {"poc_age": 30}]
    errors = engine.validate(engine.set_answers(draft, COMPLETE), CTX)
    assert errors == {"people_of_concern[1].poc_name": ["this needs an answer"]}
    draft = engine.set_answer(draft, "people_of_concern[0].poc_reported", None)
    assert draft.answers["people_of_concern"][0] == {"poc_name": "'Demo-K' (fictional)"}


def test_setting_none_clears_an_answer(engine: FormEngine) -> None:
    draft = engine.set_answer(engine.start(FORM, new_id()), "reason", "Fictional.")
    assert "reason" not in engine.set_answer(draft, "reason", None).answers


def test_final_submissions_cannot_be_answered_but_can_be_amended(engine: FormEngine) -> None:
    final = engine.finalise(complete_draft(engine), CTX).model_copy(update={"id": new_id()})
    with pytest.raises(ValidationFailed, match="final"):
        engine.set_answer(final, "reason", "changed")
    with pytest.raises(ValidationFailed):
        engine.finalise(final, CTX)
    amendment = engine.amend(final)
    assert amendment.amends == final.id and not amendment.is_final
    assert amendment.answers == final.answers
    assert amendment.form_version == final.form_version
    with pytest.raises(ValidationFailed):
        engine.amend(amendment)


def test_a_form_about_an_episode_needs_one(engine: FormEngine, registry: FormRegistry) -> None:
    needs_episode = [i for i in registry.ids() if registry.get(i).needs_episode]
    for form_id in needs_episode:
        with pytest.raises(ValidationFailed, match="missing episode"):
            engine.start(form_id, new_id())
        assert engine.start(form_id, new_id(), episode_id=new_id()).episode_id


def test_unknown_form(engine: FormEngine) -> None:
    with pytest.raises(ValidationFailed, match="no form"):
        engine.start("no-such-form", new_id())
    with pytest.raises(ValidationFailed, match="version 9"):
        engine.start(FORM, new_id(), version=9)


def test_progress_counts_the_questions_that_must_be_answered(engine: FormEngine) -> None:
    rows = section_progress(engine, complete_draft(engine), CTX)
    by_id = {section.id: (done, total) for section, done, total in rows}
    assert by_id["context"] == (5, 5)  # trigger_other/child_not_involved hidden
    assert by_id["safety"] == (1, 1)
    assert by_id["judgement"] == (1, 1)
    # indicator sections are optional: they report what was answered, with nothing owed
    assert by_id["vulnerabilities"] == (1, 0)
    assert by_id["critical"] == (0, 0)
    # a required_if that becomes true adds a question to answer
    draft = engine.set_answer(complete_draft(engine), "trigger", "other")
    by_id = {s.id: (d, t) for s, d, t in section_progress(engine, draft, CTX)}
    assert by_id["context"] == (5, 6)


def test_a_draft_keeps_its_form_version_after_a_new_version_is_added(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(default_forms_dir(), forms)
    before = FormEngine(FormRegistry.load(forms))
    latest = before.registry.versions(FORM)[-1]
    draft = before.set_answers(before.start(FORM, new_id()), COMPLETE)
    assert draft.form_version == latest

    # the next version renames a question: a draft begun before must still open and finalise
    # on the version it started on
    text = (forms / FORM / f"v{latest}.yaml").read_text()
    text = text.replace(f"\nversion: {latest}\n", f"\nversion: {latest + 1}\n", 1)
    text = text.replace("      - id: safety_goal\n", "      - id: safety_goal_next\n", 1)
    (forms / FORM / f"v{latest + 1}.yaml").write_text(text)
    both = FormEngine(FormRegistry.load(forms))
    assert both.registry.versions(FORM)[-2:] == [latest, latest + 1]
    assert both.start(FORM, new_id()).form_version == latest + 1
    assert both.validate(draft, CTX) == {}
    final = both.finalise(draft, CTX)
    assert final.form_version == latest and final.outcome["form"]["version"] == latest
    # the same answers on the next version lack the renamed question
    on_next = draft.model_copy(update={"form_version": latest + 1})
    errors = both.validate(on_next, CTX)
    assert "safety_goal" in errors and "safety_goal_next" in errors


def test_row_visibility_applies_show_if_inside_repeat_rows(engine: FormEngine) -> None:
    draft = engine.start(FORM, new_id())
    draft = engine.set_answer(draft, "people_of_concern[0].poc_reported", "yes")
    draft = engine.set_answer(draft, "people_of_concern[1].poc_reported", "no")
    shown = engine.row_visibility(draft, CTX)
    assert shown["people_of_concern[0].poc_police_ref"] is True
    assert shown["people_of_concern[1].poc_police_ref"] is False
    assert shown["people_of_concern[1].poc_name"] is True


def test_one_evaluation_serves_every_question_about_the_same_answers(
        engine: FormEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A form page asks for problems, visibility, progress and the outcome of the same answers
    in one refresh: the form is walked and scored once, and any change (even to the answers
    in place, or the time) is a new evaluation."""
    from cse_desktop.forms import engine as engine_module

    scored: list[int] = []
    real = engine_module.score
    monkeypatch.setattr(engine_module, "score",
                        lambda *a, **k: scored.append(1) or real(*a, **k))
    draft = complete_draft(engine)
    engine.validate(draft, CTX)
    engine.visibility(draft, CTX)
    section_progress(engine, draft, CTX)
    first = engine.outcome(draft, CTX)
    assert len(scored) == 1 and first["suggested_level"] == "low"
    first["computed"]["tampered"] = True  # a caller's copy: the kept evaluation is not touched
    assert "tampered" not in engine.outcome(draft, CTX)["computed"]
    assert len(scored) == 1

    draft.answers["ind_e_picked_up_by_adults"]["present"] = "no"  # changed in place
    engine.outcome(draft, CTX)
    assert len(scored) == 2
    later = FormContext(now=NOW.replace(hour=13), age=15)
    engine.outcome(draft, later)
    assert len(scored) == 3
