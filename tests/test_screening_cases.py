"""The cases the safeguarding lead ran through screening v1 (issue 11, "Why"), each giving the
level and routes a safeguarding lead expects, through every door: the form engine, the command
line (``forms score``), the desktop's outcome panel and the printed RMM summary; and the four
say it in the same words.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from support.laptops import new_workspace

from cse_desktop.casework.submissions import finalise
from cse_desktop.domain.ids import new_id
from cse_desktop.domain.models import LegalStatus, Person, SenStatus
from cse_desktop.forms.engine import ROUTING_STATUS, FormContext, FormEngine
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.summary import build_summary

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
FORM = "exploitation-screening"


def yes(timing: str = "current") -> dict[str, str]:
    return {"present": "yes", "timing": timing}


@dataclass(frozen=True)
class Case:
    name: str
    age: int
    answers: dict[str, Any]
    level: str
    routes: set[str]
    set_by: str
    legal_status: LegalStatus = LegalStatus.NOT_KNOWN
    not_routes: set[str] = field(default_factory=set)
    sen: bool = False


CASES = [
    Case("found in another county with cash and two phones", 14,
         {"ind_b_found_out_of_area": yes(), "ind_d_unexplained_money": yes(),
          "ind_d_multiple_phones": yes()},
         "high", {"strategy-discussion", "police", "rmm", "nrm"},
         "out-of-area-with-phones-or-cash", not_routes={"early-help"}),
    Case("blackmailed with sexual images, frightened and self-harming", 16,
         {"crit_sextortion": yes(), "ind_j_fear_of_reprisal": yes(),
          "ind_g_self_harm": yes()},
         "high", {"strategy-discussion", "police", "rmm"}, "sextortion"),
    Case("a 12-year-old asked for a sexual image by an adult", 12,
         {"ind_f_images_requested": yes()},
         "high", {"strategy-discussion", "police", "rmm"}, "under-13-sexual-harm"),
    Case("a 12-year-old with a sexually transmitted infection", 12,
         {"ind_g_sti": yes()},
         "high", {"strategy-discussion", "police", "rmm"}, "under-13-sexual-harm"),
    Case("a 15-year-old with an adult 'boyfriend' giving gifts", 15,
         {"ind_c_adult_partner": yes(), "adult_partner_age": 23,
          "ind_d_unexplained_money": yes()},
         "medium", {"csc-referral", "rmm"}, "adult-partner-under-16",
         not_routes={"early-help"}),
    Case("a disclosure withdrawn three years ago", 15,
         {"crit_sexual_abuse_disclosure": yes("historic")},
         "medium", {"csc-referral", "rmm"}, "historic-critical",
         not_routes={"strategy-discussion", "police"}),
    Case("a looked-after child at Low", 15,
         {"ind_e_picked_up_by_adults": yes()},
         "low", {"inform-social-worker"}, "any-current-significant",
         legal_status=LegalStatus.LAC_S31, not_routes={"early-help"}),
    Case("criminal exploitation at Low still prompts the NRM", 16,
         {"ind_j_carrying_for_others": yes()},
         "low", {"early-help", "nrm"}, "any-current-significant"),
    Case("a pure sexual exploitation case", 15,
         {"ind_e_parties": yes(), "ind_f_images_requested": yes()},
         "medium", {"csc-referral", "rmm"}, "two-significant", not_routes={"nrm"}),
    Case("special educational needs count once", 15,
         {"vul_learning_needs": {"present": "yes"}, "ind_e_picked_up_by_adults": yes()},
         "low", {"early-help"}, "band", sen=True),
]
IDS = [c.name for c in CASES]


@pytest.fixture(scope="module")
def engine() -> FormEngine:
    return FormEngine(FormRegistry.load())


def _status(case: Case) -> str:
    return ROUTING_STATUS.get(case.legal_status, "none")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_through_the_engine(engine: FormEngine, case: Case) -> None:
    draft = engine.set_answers(engine.start(FORM, new_id()), case.answers)
    out = engine.outcome(draft, FormContext(now=NOW, age=case.age, sen=case.sen,
                                            legal_status=_status(case)))
    _check(case, out)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_through_the_command_line(tmp_path: Path, engine: FormEngine, case: Case) -> None:
    answers, context = tmp_path / "answers.json", tmp_path / "context.json"
    answers.write_text(json.dumps(case.answers))
    context.write_text(json.dumps({"age": case.age, "sen": case.sen,
                                   "legal_status": _status(case)}))
    result = subprocess.run([sys.executable, "-m", "cse_desktop", "forms", "score",
                             "--form", FORM, "--answers", str(answers), "--context",
                             str(context)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["form"] == {"id": FORM, "version": 2}
    _check(case, out)


def _check(case: Case, out: dict[str, Any]) -> None:
    routes = {r["id"] for r in out["routes"]}
    assert out["level"] == out["suggested_level"] == case.level
    assert case.routes <= routes, routes
    assert not case.not_routes & routes, routes
    assert out["level_set_by"]["rule"] == case.set_by
    assert out["rules_fired"][0]["text"] == out["level_set_by"]["text"]
    if case.sen:
        assert out["breakdown"]["sen"] == 1 and out["total"] == 6


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, engine: FormEngine):  # type: ignore[no-untyped-def]
    """Each case recorded as a final screening of a fictional child, in one workspace."""
    ws = new_workspace(tmp_path_factory.mktemp("cases") / "ws")
    base = {"reason": "Fictional.", "trigger": "new_concern", "sources": ["child"],
            "child_involved": "yes", "parent_involved": "no", "immediate_danger": "no",
            "strengths": "Fictional.", "danger_statement": "Fictional.",
            "safety_goal": "Fictional."}
    finals = {}
    for i, case in enumerate(CASES):
        dob = date(NOW.year - case.age, NOW.month, 1)  # the birthday passed this month
        person = ws.people.add(Person(
            given_name="Case", family_name=f"Fictional{chr(65 + i)}", dob=dob,
            legal_status=case.legal_status,
            sen=SenStatus.SEN_SUPPORT if case.sen else SenStatus.NONE))
        draft = engine.start(FORM, person.id)
        outcome = engine.outcome(engine.set_answers(draft, {**base, **case.answers}),
                                 FormContext.for_person(person, [], now=NOW))
        draft = engine.set_answers(draft, {**base, **case.answers,
                                           "agreed_level": outcome["suggested_level"]})
        finals[case.name] = finalise(ws, engine, draft, now=NOW)
    yield ws, finals
    ws.lock()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_through_the_printed_summary(recorded, case: Case) -> None:  # type: ignore[no-untyped-def]
    from reports.conftest import pages_text, squashed

    ws, finals = recorded
    final = finals[case.name]
    _check(case, final.outcome)
    meta = PrintMeta(title="RMM case summary", printed_by="Sam Tester", printed_at=NOW)
    text = squashed(" ".join(pages_text(build_summary(ws, final.person_id, meta=meta,
                                                     sections={"risk"}))))
    assert squashed(final.outcome["level_set_by"]["text"]) in text
    for route in final.outcome["routes"]:
        assert squashed(f"{route['label']}: {route['text']} Why: {route['reason']}.") in text


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_through_the_outcome_panel(qtbot, engine: FormEngine, recorded,  # type: ignore[no-untyped-def]
                                   case: Case) -> None:
    from cse_desktop.qt.formfill.format import level_label
    from cse_desktop.qt.formfill.outcome import OutcomePanel

    _, finals = recorded
    final = finals[case.name]
    panel = OutcomePanel(engine.form_of(final).spec, read_only=True)
    qtbot.addWidget(panel)
    panel.show_outcome(final.outcome, final.answers)
    assert panel.standing.text() == {"high": "High", "medium": "Medium", "low": "Low"}[
        case.level]
    assert panel.level_set_by.text() == f"Set by: {final.outcome['level_set_by']['text']}"
    shown = panel.pathway.text()
    for route in final.outcome["routes"]:
        for words in (route["label"], route["text"], route["reason"]):
            assert _html(words) in shown
    # the rules are led by the one that set the level, named as such
    assert panel.rules.text().splitlines()[0] == \
        f"•  Set the level: {final.outcome['level_set_by']['text']}"
    # each module's headline is its level; its points and counts are named as such
    for module, data in final.outcome["modules"].items():
        headline, points = panel.modules[module].text().splitlines()[:2]
        assert headline == f"{data['label']}: {level_label(data['level'])}"
        assert points.startswith(f"{data['total']} point")


def _html(text: str) -> str:
    from html import escape

    return escape(text)
