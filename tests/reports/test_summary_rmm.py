"""The printed RMM summary for issue 12: a meeting recorded on version 2 of the meeting record
(several outcomes, how the young person and family took part and were told, people and places
discussed, toolkit disruption, contacts, the safety and support plan, actions with completion
dates and outcomes); a "not offered" interview's reason; every rule that fired, in order of
effect; and the warnings a chair needs, near the top. Read back from the PDFs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.laptops import new_workspace

from cse_desktop.casework.demo import shift_dates
from cse_desktop.casework.submissions import finalise
from cse_desktop.domain.models import Episode, Person, RhiStatus
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.samples import Sample, load_samples
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.summary import build_summary
from cse_desktop.store.workspace import Workspace

from .conftest import pages_text, render_pngs, squashed

Meta = Callable[..., PrintMeta]
NRM_WARNING = "High, current criminal exploitation indicators, no NRM referral recorded"
NOT_OFFERED = "Fictional: the worker was told of the return only after nine days."
CONTACT = "07700 900123"
MOVE = "Fictional: a move to a kinship carer away from the area of concern."


def _sample(form_id: str, version: int) -> Sample:
    return next(s for s in load_samples() if s.form_id == form_id and s.version == version)


def _shifted(engine: FormEngine, form_id: str, version: int, at: datetime) -> dict[str, Any]:
    sample = _sample(form_id, version)
    return shift_dates(engine.form(form_id, version).spec, sample.answers, at - sample.now)


def _final(ws: Workspace, engine: FormEngine, form_id: str, version: int, person: Person,
           answers: dict[str, Any], at: datetime, episode: Episode | None = None) -> None:
    draft = engine.start(form_id, person.id, version=version,
                         episode_id=episode.id if episode else None)
    finalise(ws, engine, engine.set_answers(draft, answers), now=at)


@dataclass
class Case:
    ws: Workspace
    person: Person


def _case(tmp_path: Path, engine: FormEngine, now: datetime, *,
          outcomes: list[str] | None = None, rmm_version: int = 2) -> Case:
    ws = new_workspace(tmp_path / "ws")
    person = ws.people.add(Person(given_name="Fictional", family_name="Rmmcase",
                                  dob=date(now.year - 15, 1, 1), allocated_worker="A. Worker"))
    at = now - timedelta(days=12)
    screening = _shifted(engine, "exploitation-screening", 2, at)
    screening.update(ind_j_debt={"present": "yes", "timing": "current"},
                     ind_j_carrying_for_others={"present": "yes", "timing": "current"},
                     agreed_level="high", override_rationale="Fictional: agreed higher.")
    _final(ws, engine, "exploitation-screening", 2, person, screening, at)

    # an interview not offered, with its reason; a later return with no interview yet (overdue)
    rhi = _sample("return-home-interview", 1)
    delta = (now - timedelta(days=9)) - rhi.now
    assert rhi.episode is not None and rhi.episode.returned_at is not None
    first = ws.episodes.add(Episode(person_id=person.id, started_at=rhi.episode.started_at
                                    + delta, returned_at=rhi.episode.returned_at + delta))
    answers = _shifted(engine, "return-home-interview", 1, now - timedelta(days=9))
    answers.update(outcome="not_offered", outcome_reason=NOT_OFFERED)
    _final(ws, engine, "return-home-interview", 1, person, answers, now - timedelta(days=9),
           episode=first)
    ws.episodes.add(Episode(person_id=person.id, started_at=now - timedelta(days=5),
                            returned_at=now - timedelta(days=4), rhi_status=RhiStatus.DUE))

    at = now - timedelta(days=1)
    meeting = _shifted(engine, "rmm-review", rmm_version, at)
    meeting["agreed_level"] = "high"
    if rmm_version == 2:
        meeting["outcomes"] = outcomes if outcomes is not None else ["remain_rmm",
                                                                     "strategy_s47"]
        meeting["attendees"][1]["att_contact"] = CONTACT
        meeting["safety_steps"] = [*meeting["safety_steps"], "placement_move"]
        meeting["placement_move_detail"] = MOVE
        # a fortnight after the meeting, not "before": dates move with the sample
        meeting.pop("child_told_date"), meeting.pop("parent_told_date")
        meeting.update(child_told="planned", child_told_date=(at.date() + timedelta(days=2))
                       .isoformat(), parent_told="yes", parent_told_date=at.date().isoformat())
        meeting["actions"] = [{**row, "action_completed": at.date().isoformat()}
                              if row.get("action_completed") else row
                              for row in meeting["actions"]]
    _final(ws, engine, "rmm-review", rmm_version, person, meeting, at)
    return Case(ws, ws.people.get(person.id))


def _text(case: Case, meta: Meta, **kw: Any) -> str:
    return squashed(" ".join(pages_text(build_summary(case.ws, case.person.id, meta=meta(),
                                                      **kw))))


@pytest.fixture
def case(tmp_path: Path, engine: FormEngine, now: datetime) -> Case:
    return _case(tmp_path, engine, now)


def test_warnings_a_chair_needs_are_printed_on_the_first_page(
        case: Case, meta: Meta) -> None:
    pdf = build_summary(case.ws, case.person.id, meta=meta())
    first = squashed(pages_text(pdf)[0])
    assert squashed("Warnings for the chair") in first
    assert squashed(NRM_WARNING) in first
    assert squashed("The screening of") in first and "2currentcriminalexploitation" in first
    assert squashed("Return home interview overdue") in first
    # printed before the first section
    assert first.index(squashed(NRM_WARNING)) < first.index(squashed("The meeting"))
    render_pngs(pdf, "summary-rmm-v2", 1, 4)


def test_no_nrm_warning_once_a_referral_is_recorded(tmp_path: Path, engine: FormEngine,
                                                    now: datetime, meta: Meta) -> None:
    decided = _case(tmp_path / "a", engine, now, outcomes=["remain_rmm", "nrm"])
    assert squashed(NRM_WARNING) not in _text(decided, meta, sections={"risk"})
    on_record = _case(tmp_path / "b", engine, now)
    on_record.ws.people.update(on_record.person.model_copy(update={"nrm_referral": True}))
    text = _text(on_record, meta, sections={"risk"})
    assert squashed(NRM_WARNING) not in text
    assert squashed("Return home interview overdue") in text  # the other warnings stay


def test_a_not_offered_interview_prints_its_reason(case: Case, meta: Meta) -> None:
    text = _text(case, meta, sections={"missing"})
    assert squashed("The interview was not offered") in text
    assert squashed(f"Why: {NOT_OFFERED}") in text


def test_every_rule_that_fired_is_printed_in_order_of_effect(case: Case, meta: Meta) -> None:
    (screening,) = [s for s in case.ws.submissions.list(person_id=case.person.id)
                    if s.form_id == "exploitation-screening"]
    rules = screening.outcome["rules_fired"]
    assert rules and rules[0]["effect"] == "set"
    text = _text(case, meta, sections={"risk"})
    assert squashed("Rules that fired, in order of effect on the level") in text
    places = [text.index(squashed(f"{i}. {r['text']}")) for i, r in enumerate(rules, start=1)]
    assert places == sorted(places)


def test_a_version_2_meeting_prints_in_its_sections(case: Case, meta: Meta) -> None:
    text = _text(case, meta)
    for words in (
            "How the young person took part", "Talked to a worker before it, who brought "
            "their views", "Young person told the outcome", "Not yet: planned",
            "Parent or carer told the outcome", "Themes discussed", "Going missing",
            # several outcomes, one a line
            "Stay open to the Risk Management Meeting", "Escalate to a strategy discussion "
            "(section 47)",
            # people and places discussed; toolkit disruption
            "Discussed at Risk Management Meetings", "Demo Park shelter (fictional)",
            "New: add it to their people and places of concern", "Intelligence submission",
            # professionals with contact details, and those not at the meeting
            CONTACT, "N. Example-Nurse", "School nurse",
            # the safety and support plan, a move among its steps
            "Safety and support plan (meeting of", "Worker visits weekly", MOVE,
            "A move of home or placement, to keep them safe",
            # a previous action with its completion date and outcome
            "Shared; attendance 61% this half term."):
        assert squashed(words) in text, words


def test_the_family_copy_leaves_out_contacts_discussed_and_the_move(case: Case,
                                                                    meta: Meta) -> None:
    text = _text(case, meta, profile="family")
    for words in (CONTACT, "01632 960111", "Demo Park shelter", MOVE, "Intelligence submission"):
        assert squashed(words) not in text, words
    assert squashed("Worker visits weekly") in text  # the plan is for the family too


def test_a_version_1_meeting_still_prints(tmp_path: Path, engine: FormEngine, now: datetime,
                                          meta: Meta) -> None:
    case = _case(tmp_path, engine, now, rmm_version=1)
    text = _text(case, meta)
    assert squashed("What happens next Stay open to the Risk Management Meeting") in text
    assert squashed("Child Abduction Warning Notice") in text
