"""The RMM case summary, read back: furniture on every page, sections, redaction per audience
(the withheld strings absent from every decompressed byte of the file), missing counts."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.laptops import new_workspace

from cse_desktop.domain.dates import LOCAL_ZONE, uk_datetime
from cse_desktop.domain.errors import NotFound, UsageError
from cse_desktop.domain.models import Action, ActionStatus, Episode, Person
from cse_desktop.forms.engine import FormEngine
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.redaction import PROFILES
from cse_desktop.reports.summary import (
    SECTIONS,
    build_summary,
    prepare_summary,
    summary_story,
)
from cse_desktop.store.workspace import Workspace

from .conftest import (
    CAVEAT,
    MARKING,
    Planted,
    _final,
    _shifted,
    everything,
    pages_text,
    render_pngs,
    squashed,
)

Meta = Callable[..., PrintMeta]


@pytest.fixture(scope="module")
def copies(caseload: tuple[Workspace, Planted], now: datetime) -> dict[str, bytes]:
    """The planted child's summary, once per audience profile."""
    ws, planted = caseload
    meta = PrintMeta(title="RMM case summary", printed_by="Sam Tester", printed_at=now)
    return {name: build_summary(ws, planted.person_id, meta=meta, profile=name)
            for name in PROFILES}


def test_every_page_has_the_marking_caveat_page_x_of_y_and_printed_by(
        copies: dict[str, bytes], now: datetime) -> None:
    when = uk_datetime(now)
    for name, pdf in copies.items():
        pages = pages_text(pdf)
        assert len(pages) >= 2, name
        for n, words in enumerate(pages, start=1):
            assert words.count(MARKING) == 2, (name, n)  # top and bottom
            assert CAVEAT in words, (name, n)
            assert f"Page {n} of {len(pages)}" in words, (name, n)
            assert f"Printed by Sam Tester on {when}" in words, (name, n)
            assert PROFILES[name].label in words, (name, n)  # the audience, in the footer


def test_the_internal_copy_has_every_section_and_every_planted_string(
        copies: dict[str, bytes], caseload: tuple[Workspace, Planted]) -> None:
    _, p = caseload
    text = squashed(" ".join(pages_text(copies["internal"])))
    for label in SECTIONS.values():
        assert squashed(label) in text
    for value in (p.association, p.poc_name, p.poc_phone, p.child_voice, p.rhi_words,
                  p.dis_target, p.where_found, p.chair_phone, p.chair_email, p.address,
                  p.discussion, p.siblings, p.health_label, p.health_detail, p.parent_view,
                  p.concerns, "Risk level over time", "Risk Management Meeting decision"):
        # (the positive control: each planted string really is printed when not withheld)
        assert squashed(value) in text, value
    blob = everything(copies["internal"])  # the search the redaction tests rely on finds them
    for value in (p.association, p.poc_name, p.child_voice, p.dis_target, p.where_found,
                  p.address, p.health_detail, p.not_for_parent):
        assert value in blob, value
    # the flag "asked that some information is not shared" is raised and kept for the internal
    # copy (its chronology line is cut short after the flags before it), left out of a family one
    ws, _ = caseload
    meta = PrintMeta(title="RMM case summary", printed_by="Sam Tester",
                     printed_at=datetime.now(UTC))
    internal = prepare_summary(ws, p.person_id, meta=meta, profile="internal")
    rhi = internal.record.latest("return-home-interview")
    assert rhi is not None and "not-for-parent" in {f["id"] for f in rhi.outcome["flags"]}
    assert internal.answers.withheld_flags(rhi) == set()
    family = prepare_summary(ws, p.person_id, meta=meta, profile="family")
    assert {"not-for-parent", "harm-disclosed"} <= family.answers.withheld_flags(rhi)


#: per audience: what must be absent from the whole file, and what must still be printed
EXPECTED = {
    "police": {
        "withheld": ["health_label", "health_detail"],
        "kept": ["association", "poc_name", "poc_phone", "child_voice", "rhi_words",
                 "dis_target", "where_found", "chair_phone", "address", "discussion",
                 "siblings", "parent_view", "concerns"],
    },
    "education": {
        "withheld": ["association", "poc_name", "poc_phone", "dis_target", "where_found",
                     "health_label", "health_detail"],
        "kept": ["child_voice", "rhi_words", "chair_phone", "address", "discussion",
                 "siblings", "parent_view", "concerns"],
    },
    "health": {
        "withheld": ["association", "poc_name", "poc_phone", "dis_target", "where_found",
                     "health_detail"],
        "kept": ["health_label", "child_voice", "rhi_words", "chair_phone", "address",
                 "parent_view", "concerns"],
    },
    "family": {
        "withheld": ["association", "poc_name", "poc_phone", "child_voice", "rhi_words",
                     "dis_target", "where_found", "chair_phone", "chair_email", "address",
                     "discussion", "siblings", "not_for_parent", "health_label",
                     "health_detail"],
        "kept": ["parent_view", "concerns"],
    },
}


@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_withheld_strings_are_absent_from_every_byte_of_the_file(
        copies: dict[str, bytes], caseload: tuple[Workspace, Planted], profile: str) -> None:
    _, p = caseload
    pdf = copies[profile]
    blob = everything(pdf)
    flat = squashed(blob)
    for key in EXPECTED[profile]["withheld"]:
        value = getattr(p, key)
        for probe in {value, value.split()[-1]}:  # the whole string and its last word
            assert probe not in blob, (profile, key)
            assert squashed(probe) not in flat, (profile, key)
    text = squashed(" ".join(pages_text(pdf)))
    for key in EXPECTED[profile]["kept"]:
        assert squashed(getattr(p, key)) in text, (profile, key)


def test_withheld_sections_are_left_out_whole(copies: dict[str, bytes]) -> None:
    for profile in ("education", "health", "family"):
        text = " ".join(pages_text(copies[profile]))
        assert SECTIONS["associations"] not in text
        assert SECTIONS["disruption"] not in text
        assert "Child Abduction Warning Notice" not in text.replace("Serve a Child Abduction "
                                                                    "Warning Notice", "")
    police = " ".join(pages_text(copies["police"]))
    assert SECTIONS["associations"] in police and SECTIONS["disruption"] in police


def test_the_family_copy_hides_what_the_child_asked_to_keep_from_a_parent(
        copies: dict[str, bytes]) -> None:
    blob = " ".join(everything(copies["family"]).split())
    assert "not shared with their parent" not in blob
    assert "asked that some information" not in blob
    text = " ".join(pages_text(copies["family"]))
    assert "The young person's own words are not included in this copy." in " ".join(
        text.split())


def test_chosen_sections_appear_and_the_others_do_not(
        caseload: tuple[Workspace, Planted], meta: Meta) -> None:
    ws, p = caseload
    pdf = build_summary(ws, p.person_id, meta=meta(), sections={"child", "actions"})
    text = " ".join(pages_text(pdf))
    assert SECTIONS["child"] in text and SECTIONS["actions"] in text
    for sid, label in SECTIONS.items():
        if sid not in {"child", "actions"}:
            assert label not in text, sid
    assert "Risk level over time" not in text and p.poc_name not in everything(pdf)


def test_the_chronology_covers_the_chosen_dates_only(
        caseload: tuple[Workspace, Planted], meta: Meta, now: datetime) -> None:
    ws, p = caseload
    today = now.astimezone(LOCAL_ZONE).date()
    start = today - timedelta(days=10)
    pdf = build_summary(ws, p.person_id, meta=meta(), sections={"chronology"},
                        date_from=start, date_to=today)
    text = " ".join(" ".join(pages_text(pdf)).split())
    assert f"From {start.day} {start:%b %Y} to {today.day} {today:%b %Y}" in text
    assert "Risk Management Meeting: agreed High" in text  # the meeting: 9 days ago
    assert "Return home interview: completed" not in text  # the interview: 14 days ago
    assert "Exploitation screening:" not in text  # finalised 22 days ago
    everything_ = build_summary(ws, p.person_id, meta=meta(), sections={"chronology"})
    words = " ".join(" ".join(pages_text(everything_)).split())
    assert "Return home interview: completed" in words and "All dates" in words


def test_unknown_person_profile_or_section_is_refused_plainly(
        caseload: tuple[Workspace, Planted], meta: Meta) -> None:
    ws, p = caseload
    with pytest.raises(NotFound, match="There is no person"):
        build_summary(ws, str(uuid.uuid4()), meta=meta())
    with pytest.raises(UsageError, match=r"no audience profile 'press'.*internal, police"):
        build_summary(ws, p.person_id, meta=meta(), profile="press")
    with pytest.raises(UsageError, match="no summary section 'gossip'"):
        build_summary(ws, p.person_id, meta=meta(), sections={"child", "gossip"})
    with pytest.raises(UsageError, match="ends before it starts"):
        build_summary(ws, p.person_id, meta=meta(), date_from=date(2026, 3, 2),
                      date_to=date(2026, 3, 1))


def _counts_in_pdf(pdf: bytes) -> tuple[int, ...]:
    text = " ".join(" ".join(pages_text(pdf)).split())
    found = re.search(r"Last 30 days Last 90 days Last 365 days All recorded "
                      r"(\d+) (\d+) (\d+) (\d+)", text)
    assert found, text[:500]
    return tuple(int(g) for g in found.groups())


def test_missing_counts_equal_counts_from_the_store(tmp_path: Path, meta: Meta,
                                                    now: datetime) -> None:
    ws = new_workspace(tmp_path / "ws")
    try:
        person = ws.people.add(Person(given_name="Ula", family_name="Countwell",
                                      dob=date(2011, 1, 9)))
        for days in (1, 29.9, 30.1, 60, 89, 91, 200, 364, 366, 500):
            start = now - timedelta(days=days)
            ws.episodes.add(Episode(person_id=person.id, started_at=start,
                                    returned_at=start + timedelta(hours=5)))
        ws.episodes.add(Episode(person_id=person.id, started_at=now - timedelta(hours=3)))
        pdf = build_summary(ws, person.id, meta=meta(), sections={"missing"})
        stored = ws.episodes.list(person_id=person.id)
        expected = (*(sum(1 for e in stored if timedelta(0) <= now - e.started_at
                          <= timedelta(days=d)) for d in (30, 90, 365)), len(stored))
        assert expected == (3, 6, 9, 11)
        assert _counts_in_pdf(pdf) == expected
        text = " ".join(pages_text(pdf))
        assert "Not yet returned" in text and "Missing now" in text
    finally:
        ws.lock()


def test_missing_counts_match_the_store_for_the_demo_caseload(
        caseload: tuple[Workspace, Planted], meta: Meta, now: datetime) -> None:
    ws, _ = caseload
    checked = 0
    for person in ws.people.list():
        stored = ws.episodes.list(person_id=person.id)
        if not stored:
            continue
        pdf = build_summary(ws, person.id, meta=meta(), sections={"missing"})
        expected = (*(sum(1 for e in stored if now - timedelta(days=d) <= e.started_at <= now)
                      for d in (30, 90, 365)), len(stored))
        assert _counts_in_pdf(pdf) == expected, person.display_name
        checked += 1
    assert checked >= 3


def test_an_empty_record_says_so_plainly(tmp_path: Path, meta: Meta) -> None:
    ws = new_workspace(tmp_path / "ws")
    try:
        person = ws.people.add(Person(given_name="Vesper", family_name="Blankley",
                                      dob=date(2012, 2, 2)))
        pdf = build_summary(ws, person.id, meta=meta())
        text = " ".join(" ".join(pages_text(pdf)).split())
        for words in ("No Risk Management Meeting has been recorded",
                      "No final exploitation screening has been recorded.",
                      "No screening or meeting has set a level yet.",
                      "No missing episodes have been recorded.",
                      "No people, places, vehicles or handles of concern are recorded.",
                      "No disruption activity has been recorded.",
                      "No actions are recorded.", "No meeting decision is recorded yet."):
            assert words in text, words
    finally:
        ws.lock()


def test_the_story_is_reusable_flowables(caseload: tuple[Workspace, Planted],
                                         meta: Meta) -> None:
    ws, p = caseload
    story = summary_story(ws, p.person_id, meta=meta(), profile="family")
    assert story and all(hasattr(f, "wrap") for f in story)


def test_pages_render_for_a_person_to_look_at(copies: dict[str, bytes]) -> None:
    internal = render_pngs(copies["internal"], "summary-internal", 1, 3)
    family = render_pngs(copies["family"], "summary-family", 1, 2)
    if internal or family:  # pdftoppm installed
        assert len(internal) == 3 and len(family) == 2
        assert all(p.stat().st_size > 1000 for p in internal + family)


def test_dates_are_uk_style(copies: dict[str, bytes], now: datetime) -> None:
    text = " ".join(pages_text(copies["internal"]))
    today = now.astimezone(LOCAL_ZONE).date()
    assert re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b",
                     text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no ISO dates
    assert f"{today:%Y}" in text
    assert datetime.now(UTC) >= now


# -- item 11: strengths, the current safety and support plan; item 12: actions; chronology cut-off


@dataclass(frozen=True)
class PlanCase:
    person_id: str
    printed_at: datetime


PLAN_PHONE = "07700 900123"  # a fictional number inside the family's safety plan


@pytest.fixture(scope="module")
def plan_case(tmp_path_factory: pytest.TempPathFactory,
              engine: FormEngine) -> Iterator[tuple[Workspace, PlanCase]]:
    """A fictional young person with a screening, three parent sessions (the plan of the middle
    one is current: the newest recorded no plan steps), a return home interview with a plan,
    open and closed actions, and missing episodes 36 and 3 hours before the time printed."""
    ws = new_workspace(tmp_path_factory.mktemp("plan") / "ws")
    printed_at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    today = printed_at.astimezone(LOCAL_ZONE).date()
    person = ws.people.add(Person(given_name="Orla", family_name="Safeplan",
                                  dob=date(2011, 6, 1), flags=["DEMO"]))

    at = printed_at - timedelta(days=30)
    answers, _ = _shifted(engine, "exploitation-screening", at)
    answers.update({"strengths": "Kestrelbright: close to her aunt",
                    "safety_goal": "Wrenfallgoal: home by ten every night",
                    "referrals": ["camhs", "parent_support"],
                    "referral_date": at.astimezone(LOCAL_ZONE).date().isoformat()})
    answers.pop("agreed_level", None)
    _final(ws, engine, "exploitation-screening", person, answers, at, agree=True)

    for days, plan in ((40, [{"sp_risk": "Oldplanworry", "sp_action": "Supersededstep",
                              "sp_who": "parent"}]),
                       (20, [{"sp_risk": "Fernhollowworry",
                              "sp_action": f"Brambleagreed: ring Nan on {PLAN_PHONE}",
                              "sp_who": "agency", "sp_who_detail": "Youth service",
                              "sp_by_when": (today - timedelta(days=10)).isoformat(),
                              "sp_review": (today - timedelta(days=1)).isoformat()}]),
                       (5, [])):
        at = printed_at - timedelta(days=days)
        answers, _ = _shifted(engine, "parent-session", at)
        answers["safety_plan"] = plan
        _final(ws, engine, "parent-session", person, answers, at)

    at = printed_at - timedelta(days=8)
    answers, sample = _shifted(engine, "return-home-interview", at)
    delta = at - sample.now
    episode = ws.episodes.add(Episode(
        person_id=person.id, police_reference="PASTREF3",
        started_at=sample.episode.started_at + delta,
        returned_at=sample.episode.returned_at + delta))
    answers.update({"safety_plan_agreed": "yes",
                    "safety_plan": "Saltmarshplan: text the youth worker if she feels like going"})
    _final(ws, engine, "return-home-interview", person, answers, at, episode=episode)

    for ref, hours in (("RECENTREF", 36), ("LATERREF", 3)):  # either side of a day ago
        ws.episodes.add(Episode(person_id=person.id, police_reference=ref,
                                started_at=printed_at - timedelta(hours=hours),
                                returned_at=printed_at - timedelta(hours=hours - 2)))

    for text, status, due in (("Redkiteopen overdue check", ActionStatus.OPEN, -3),
                              ("Greenlinnetopen later visit", ActionStatus.OPEN, 30),
                              ("Finchwalkdone school meeting", ActionStatus.DONE, -12),
                              ("Gullstopcancelled referral", ActionStatus.CANCELLED, -20)):
        ws.actions.add(Action(person_id=person.id, text=text, owner="A. Demo-Owner",
                              agency="Demo Council", due=today + timedelta(days=due),
                              status=status))
    yield ws, PlanCase(person_id=str(person.id), printed_at=printed_at)
    ws.lock()


def _plan_pdf(plan_case: tuple[Workspace, PlanCase], profile: str = "internal", *,
              printed_at: datetime | None = None, **kw: Any) -> bytes:
    ws, case = plan_case
    meta = PrintMeta(title="RMM case summary", printed_by="Sam Tester",
                     printed_at=printed_at or case.printed_at)
    return build_summary(ws, case.person_id, meta=meta, profile=profile, **kw)


def _flat(pdf: bytes) -> str:
    return " ".join(" ".join(pages_text(pdf)).split())


def test_the_current_safety_and_support_plan_is_printed_under_its_section(
        plan_case: tuple[Workspace, PlanCase]) -> None:
    pdf = _plan_pdf(plan_case, sections={"safety"})
    text = _flat(pdf)
    flat = squashed(text)
    assert SECTIONS["safety"] in text
    for value in ("Kestrelbright", "Wrenfallgoal", "Fernhollowworry", "Brambleagreed",
                  PLAN_PHONE, "Youth service", "Saltmarshplan", "CAMHS",
                  "Parent support (PACE-style)"):
        assert squashed(value) in flat, value
    assert "Oldplanworry" not in flat and "Supersededstep" not in flat  # an older plan
    assert "recorded no safety plan steps" in text  # the newest session had none: said so
    assert "(overdue)" in text  # its review date has passed
    assert "Parent and carer support Ongoing" in text
    # the strengths and safety goal moved here from the concerns section (printed once)
    concerns = squashed(_flat(_plan_pdf(plan_case, sections={"concerns"})))
    assert "Kestrelbright" not in concerns and "Wrenfallgoal" not in concerns
    render_pngs(pdf, "summary-safety-plan", 1, 1)


def test_the_safety_plan_follows_the_audience_profile(
        plan_case: tuple[Workspace, PlanCase]) -> None:
    family = _plan_pdf(plan_case, "family", sections={"safety"})
    blob = squashed(everything(family))
    assert squashed(PLAN_PHONE) not in blob  # contact details are withheld from families
    assert "Brambleagreed" in blob and "Saltmarshplan" in blob  # the plan itself is kept
    assert "[contact details withheld]" in _flat(family)
    for profile in ("police", "education", "health"):
        assert squashed(PLAN_PHONE) in squashed(_flat(
            _plan_pdf(plan_case, profile, sections={"safety"}))), profile


def test_a_record_with_no_plan_says_so(tmp_path: Path, meta: Meta) -> None:
    ws = new_workspace(tmp_path / "ws")
    try:
        person = ws.people.add(Person(given_name="Nell", family_name="Noplan",
                                      dob=date(2012, 3, 3)))
        text = _flat(build_summary(ws, person.id, meta=meta(), sections={"safety"}))
        for words in ("No strengths or safety goal are recorded yet.",
                      "No parent or carer support session is recorded.",
                      "No referrals or parent and carer support are recorded."):
            assert words in text, words
    finally:
        ws.lock()


def test_actions_separate_open_ones_with_rag_from_previous_ones_with_completion_status(
        plan_case: tuple[Workspace, PlanCase]) -> None:
    pdf = _plan_pdf(plan_case, sections={"actions", "chronology"})
    render_pngs(pdf, "summary-actions", 1, 1)
    text = _flat(_plan_pdf(plan_case, sections={"actions"}))
    open_at = text.index("Open actions")
    previous_at = text.index("Previous actions and their completion status")
    assert open_at < previous_at
    opened, previous = text[open_at:previous_at], text[previous_at:]
    assert "Redkiteopen" in opened and "Greenlinnetopen" in opened
    assert "Red" in opened.replace("Redkiteopen", "") and "Green" in opened.replace(
        "Greenlinnetopen", "")
    assert "Finchwalkdone" not in opened and "Gullstopcancelled" not in opened
    assert "Finchwalkdone" in previous and "Gullstopcancelled" in previous
    assert "Redkiteopen" not in previous
    assert "Completion status" in previous and "Done" in previous.replace("Finchwalkdone", "")
    assert "Cancelled" in previous.replace("Gullstopcancelled", "")
    assert "Complete" not in previous.replace("Completion", "")  # no RAG for a closed action


def test_the_chronology_stops_at_the_time_printed(
        plan_case: tuple[Workspace, PlanCase]) -> None:
    """A copy printed as at a day ago leaves out what is dated after that (the store refuses
    an episode dated in the future, so the cut-off is shown by printing as at an earlier time)."""
    _, case = plan_case
    text = _flat(_plan_pdf(plan_case, sections={"chronology"}))
    assert "PASTREF3" in text and "RECENTREF" in text and "LATERREF" in text
    assert "up to the time printed" in text
    as_at = case.printed_at - timedelta(days=1)
    earlier = _flat(_plan_pdf(plan_case, sections={"chronology"}, printed_at=as_at))
    assert "PASTREF3" in earlier and "RECENTREF" in earlier
    assert "LATERREF" not in earlier  # it started after the time printed
    # the actions recorded after it are left out (one a parent session agreed before it is
    # dated by that session, so it stays)
    assert "Action agreed: Redkiteopen" not in earlier
    assert "Action agreed: Redkiteopen" in text
    assert "Action agreed" in text
    # a date range reaching past the time printed does not bring it back
    day = as_at.astimezone(LOCAL_ZONE).date()
    ranged = _flat(_plan_pdf(plan_case, sections={"chronology"}, printed_at=as_at,
                             date_from=day - timedelta(days=30),
                             date_to=day + timedelta(days=7)))
    assert "RECENTREF" in ranged and "LATERREF" not in ranged
