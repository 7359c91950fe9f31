"""The screening's outcome on paper says what the outcome panel and ``forms score`` say: what
set the level, each route with its reason, the approval; and a sentence naming an answer the
audience may not see is printed without it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from support.laptops import new_workspace

from cse_desktop.casework.caseload import approve_downgrade
from cse_desktop.casework.submissions import finalise
from cse_desktop.domain.models import LegalStatus, Owner, Person, Role
from cse_desktop.forms.engine import FormEngine
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.summary import build_summary

from .conftest import pages_text, squashed

SCREENING = "exploitation-screening"
BASE = {"reason": "Fictional.", "trigger": "new_concern", "sources": ["child"],
        "child_involved": "yes", "parent_involved": "no", "immediate_danger": "no",
        "strengths": "Fictional.", "danger_statement": "Fictional.",
        "safety_goal": "Fictional."}


def _screen(ws, engine: FormEngine, person: Person, now: datetime, **answers):  # type: ignore[no-untyped-def]
    draft = engine.set_answers(engine.start("exploitation-screening", person.id),
                               {**BASE, **answers})
    return finalise(ws, engine, draft, now=now)


def test_the_summary_prints_what_set_the_level_and_every_route(
        tmp_path: Path, engine: FormEngine, now: datetime,
        meta: Callable[..., PrintMeta]) -> None:
    ws = new_workspace(tmp_path / "ws")
    person = ws.people.add(Person(given_name="Fictional", family_name="Example",
                                  dob=date(now.year - 12, 1, 1),
                                  legal_status=LegalStatus.CP))
    final = _screen(ws, engine, person, now, agreed_level="high",
                    ind_g_pregnancy={"present": "yes", "timing": "current"},
                    ind_j_debt={"present": "yes", "timing": "current"})
    o = final.outcome
    assert o["level_set_by"]["rule"] == "under-13-sexual-harm"
    assert "Pregnancy or termination" in o["level_set_by"]["text"]
    internal = squashed(" ".join(pages_text(build_summary(ws, person.id, meta=meta(),
                                                         sections={"risk"}))))
    assert squashed(o["level_set_by"]["text"]) in internal
    for route in o["routes"]:
        assert squashed(f"{route['label']}: {route['text']}") in internal
        assert squashed(f"Why: {route['reason']}.") in internal
    assert {r["id"] for r in o["routes"]} >= {"strategy-discussion", "police", "rmm", "nrm"}

    # the police copy withholds health indicators: the rule is printed without a word of it
    # (its explanation names pregnancy too), and so is the NRM route's reason... which names
    # only the debt: that one is shown
    police = squashed(" ".join(pages_text(build_summary(ws, person.id, meta=meta(),
                                                       sections={"risk"}, profile="police"))))
    assert "regnancy" not in police
    assert squashed("Set by Sexual exploitation: a rule about answers left out of this copy "
                    "→ High") in police
    nrm = next(r for r in o["routes"] if r["id"] == "nrm")
    assert squashed(f"Why: {nrm['reason']}.") in police


def test_the_summary_prints_the_managers_approval(tmp_path: Path, engine: FormEngine,
                                                  now: datetime,
                                                  meta: Callable[..., PrintMeta]) -> None:
    ws = new_workspace(tmp_path / "ws")
    person = ws.people.add(Person(given_name="Fictional", family_name="Approved",
                                  dob=date(now.year - 15, 1, 1)))
    final = _screen(ws, engine, person, now, agreed_level="none",
                    override_rationale="Fictional: the worker's reasons.",
                    ind_e_picked_up_by_adults={"present": "yes", "timing": "current"})
    assert final.outcome["approval_pending"] is True
    pending = squashed(" ".join(pages_text(build_summary(ws, person.id, meta=meta(),
                                                        sections={"risk"}))))
    assert squashed("Lower level awaiting manager approval") in pending
    ws.set_owner(Owner(name="Morgan Fictional-Manager", role=Role.MANAGER, team="North Team"))
    approve_downgrade(ws, engine, final.id, "Fictional: checked with the school.", now)
    approved = squashed(" ".join(pages_text(build_summary(ws, person.id, meta=meta(),
                                                         sections={"risk"}))))
    assert squashed("Lower level approved by Morgan Fictional-Manager (team manager)") in approved
    assert squashed("Why: Fictional: checked with the school.") in approved
    # as the outcome panel says it: this workspace never connected to a hub
    assert squashed("This approval is not verified by a hub (this workspace is not connected "
                    "to one).") in approved


def test_a_v1_record_prints_in_the_newest_wording_of_the_same_question(
        tmp_path: Path, engine: FormEngine, now: datetime,
        meta: Callable[..., PrintMeta]) -> None:
    registry = engine.registry
    assert registry.wording(SCREENING, 1, "crit_sex_exchange").startswith(
        "Sexually exploited in return for")
    # a question v2 replaced with others keeps its own version's words; an unknown one has none
    assert registry.wording(SCREENING, 1, "ind_f_sexual_images") == (
        "Sending or receiving sexual images")
    assert registry.wording(SCREENING, 1, "no_such_field") is None
    assert registry.wording(SCREENING, 1, "agreed_level", "none") == "No current concern"
    ws = new_workspace(tmp_path / "ws")
    person = ws.people.add(Person(given_name="Fictional", family_name="Older",
                                  dob=date(now.year - 15, 1, 1)))
    draft = engine.set_answers(engine.start(SCREENING, person.id, version=1), {
        **BASE, "agreed_level": "high", "crit_sex_exchange": {"present": "yes"}})
    finalise(ws, engine, draft, now=now)
    text = squashed(" ".join(pages_text(build_summary(ws, person.id, meta=meta(),
                                                     sections={"risk"}))))
    assert squashed("Sexually exploited in return for money") in text
    assert "Exchanged" not in text
