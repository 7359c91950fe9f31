"""The Risk Management Meeting record, version 2 (issue 12, part 3).

Several outcomes at once; people, places and themes discussed; whether the young person and
the parent or carer took part and were told the outcome; the Home Office toolkit's disruption
tactics (a placement move is a safety step, not disruption); professionals' contact details,
sensitive; the safety and support plan; actions with their completion date and outcome. Version
1 is untouched and keeps every id whose meaning did not change.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from cse_desktop.forms.engine import FormEngine, FormInvalid
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.samples import Sample, load_samples

ROOT = Path(__file__).resolve().parents[2]
FORM = "rmm-review"
#: v1 ids that v2 no longer asks, and why
DROPPED = {"pathway": "single choice: replaced by the multiple-choice 'outcomes'"}


@pytest.fixture(scope="module")
def sample() -> Sample:
    return next(s for s in load_samples() if s.form_id == FORM and s.version == 2)


def _ids(fields: list[Any]) -> dict[str, Any]:
    out = {}
    for f in fields:
        out[f.id] = f
        for sub in getattr(f, "fields", []):
            out[sub.id] = sub
    return out


def _finalise(engine: FormEngine, sample: Sample, **changes: Any) -> dict[str, Any]:
    draft = engine.start(FORM, sample.person.id, version=2)
    draft = engine.set_answers(draft, {**sample.answers, **changes})
    return engine.finalise(draft, sample.context()).outcome or {}


def _problems(engine: FormEngine, sample: Sample, **changes: Any) -> dict[str, list[str]]:
    with pytest.raises(FormInvalid) as caught:
        _finalise(engine, sample, **changes)
    return caught.value.errors


def test_version_1_is_unchanged_since_it_was_published() -> None:
    changed = subprocess.run(["git", "log", "--format=%h", "--", "forms/rmm-review/v1.yaml"],
                             cwd=ROOT, capture_output=True, text=True, check=False)
    if changed.returncode != 0:
        pytest.skip("not a git checkout")
    assert len(changed.stdout.split()) == 1  # the commit that added it, and nothing since
    diff = subprocess.run(["git", "diff", "HEAD", "--", "forms/rmm-review/v1.yaml"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    assert diff.stdout == ""


def test_every_v1_field_id_is_kept_unless_its_meaning_changed(registry: FormRegistry) -> None:
    v1 = _ids(registry.get(FORM, 1).all_fields())
    v2 = _ids(registry.get(FORM, 2).all_fields())
    assert sorted(set(v1) - set(v2)) == sorted(DROPPED)
    for field_id in set(v1) & set(v2):
        assert v1[field_id].type == v2[field_id].type, field_id
    # the ids other code reads: the level, the review, the actions' rows
    for field_id in ("agreed_level", "next_review_date", "meeting_date", "action_text",
                     "action_owner", "action_due", "action_status", "action_agency"):
        assert field_id in v2


def test_a_meeting_can_decide_several_outcomes_at_once(engine: FormEngine,
                                                       sample: Sample) -> None:
    outcome = _finalise(engine, sample, outcomes=["remain_rmm", "strategy_s47", "nrm"])
    assert {f["id"] for f in outcome["flags"]} == {"strategy-discussion", "nrm",
                                                    "risk-increased"}
    problems = _problems(engine, sample, outcomes=["remain_rmm", "close"],
                         pathway_reason="Fictional.")
    assert "outcomes" in problems
    problems = _problems(engine, sample, outcomes=["early_help"])
    assert problems["pathway_reason"] == ["this needs an answer"]
    assert "next_review_date" not in _problems(engine, sample, outcomes=["close"])
    assert "outcomes" in _problems(engine, sample, outcomes=[])


def test_disruption_follows_the_home_office_toolkit_and_a_move_is_a_safety_step(
        registry: FormRegistry) -> None:
    spec = registry.get(FORM, 2)
    tactic = _ids(spec.all_fields())["dis_tactic"]
    values = {c.value for c in spec.choices_of(tactic)}
    assert values >= {"cawn", "sro", "stpo", "stro", "cbo", "cpn", "injunction",
                      "intelligence", "licensing", "environmental_health", "housing_action",
                      "hotel_request", "online_takedown", "arrest_investigation", "other"}
    assert "placement_move" not in values
    steps = {c.value for c in spec.choices_of(spec.field("safety_steps"))}
    assert "placement_move" in steps
    assert spec.field("safety_plan").required
    assert spec.field("placement_move_detail").sensitive


def test_professionals_contact_details_are_sensitive(registry: FormRegistry) -> None:
    ids = _ids(registry.get(FORM, 2).all_fields())
    assert ids["att_contact"].sensitive and ids["prof_contact"].sensitive
    assert ids["disc_name"].sensitive and ids["disc_detail"].sensitive


def test_taking_part_and_being_told_the_outcome(engine: FormEngine, sample: Sample) -> None:
    problems = _problems(engine, sample, child_took_part=["not_asked", "attended"])
    assert "child_took_part" in problems and "child_not_asked_reason" in problems
    problems = _problems(engine, sample, child_told="yes", child_told_date=None,
                         child_told_by=None)
    assert {"child_told_date", "child_told_by"} <= set(problems)
    problems = _problems(engine, sample, parent_told="yes", parent_told_date="2026-03-01")
    assert problems["parent_told_date"] == ["this cannot be before the meeting"]
    outcome = _finalise(engine, sample, child_told="no",
                        child_told_reason="Fictional: the worker will decide with the young "
                                          "person's social worker.")
    assert "child-not-told" in {f["id"] for f in outcome["flags"]}


def test_people_places_and_themes_discussed(engine: FormEngine, sample: Sample) -> None:
    rows = sample.answers["discussed"]
    assert {r["disc_on_record"] for r in rows} == {"on_record", "new"}
    assert sample.answers["themes"]
    problems = _problems(engine, sample, discussed=[{"disc_kind": "person"}])
    assert {"discussed[0].disc_name", "discussed[0].disc_on_record"} <= set(problems)


def test_actions_record_their_completion_date_and_outcome(engine: FormEngine,
                                                          sample: Sample) -> None:
    done = {"action_text": "Fictional", "action_owner": "A. Example", "action_due": "2026-02-20",
            "action_status": "done"}
    problems = _problems(engine, sample, actions=[done])
    assert {"actions[0].action_completed", "actions[0].action_outcome"} <= set(problems)
    # an open action may not be due before the meeting; a closed one reviewed there may
    problems = _problems(engine, sample, actions=[{**done, "action_status": "open"}])
    assert "actions[0].action_due" in problems
    _finalise(engine, sample, actions=[{**done, "action_completed": "2026-02-21",
                                        "action_outcome": "Fictional outcome."}])
    problems = _problems(engine, sample, actions=[{**done, "action_completed": "2026-04-01",
                                                   "action_outcome": "Fictional."}])
    assert "actions[0].action_completed" in problems
