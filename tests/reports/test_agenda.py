"""The RMM agenda pack, read back: the cover agenda, one summary per child due (each from a new
page), one bookmark each, the furniture on every page, and redaction across the whole pack."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from support.laptops import new_workspace

from cse_desktop.casework.caseload import caseload_rows, local_today, next_rmm_date, rmm_due
from cse_desktop.domain.errors import UsageError
from cse_desktop.domain.models import RiskLevel
from cse_desktop.reports.agenda import build_agenda
from cse_desktop.reports.page import PrintMeta
from cse_desktop.store.workspace import Workspace

from .conftest import CAVEAT, MARKING, Planted, everything, pages_text, render_pngs, squashed

Meta = Callable[..., PrintMeta]


@pytest.fixture(scope="module")
def meeting(now: datetime) -> date:
    return next_rmm_date(local_today(now))


@pytest.fixture(scope="module")
def packs(caseload: tuple[Workspace, Planted], now: datetime,
          meeting: date) -> dict[str, bytes]:
    ws, _ = caseload
    meta = PrintMeta(title="RMM agenda pack", printed_by="Sam Tester", printed_at=now)
    return {profile: build_agenda(ws, meeting, meta=meta, profile=profile)
            for profile in ("internal", "family")}


def _due_names(ws: Workspace, now: datetime, meeting: date) -> list[str]:
    rows = rmm_due(caseload_rows(ws, now, rmm_weekday=meeting.weekday()))
    return [r.person.display_name for r in rows]


def test_the_pack_has_a_cover_and_one_bookmarked_summary_per_child_due(
        packs: dict[str, bytes], caseload: tuple[Workspace, Planted], now: datetime,
        meeting: date) -> None:
    ws, planted = caseload
    pdf = packs["internal"]
    reader = PdfReader(io.BytesIO(pdf))
    due = _due_names(ws, now, meeting)
    # independently of the caseload code: everyone at medium or high risk is on the agenda
    at_risk = {p.display_name for p in ws.people.list()
               if p.risk_level in (RiskLevel.MEDIUM, RiskLevel.HIGH)}
    assert at_risk and at_risk <= set(due) and planted.name in due

    outline = [(item.title, reader.get_destination_page_number(item)) for item in
               reader.outline]
    assert outline[0] == (f"Agenda: {meeting.day} {meeting:%b %Y}", 0)
    assert [title for title, _ in outline[1:]] == [f"{n}. {name}" for n, name in
                                                   enumerate(due, start=1)]
    pages = pages_text(pdf)
    starts = [page for _, page in outline[1:]]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    for (_, start), name in zip(outline[1:], due, strict=True):
        # each summary starts on its own page, with the child's name at the top
        assert f"RMM case summary: {name}" in pages[start]
        assert name in pages[0]  # and is on the cover agenda
    cover = " ".join(pages[0].split())
    assert f"{len(due)} young people are due at this meeting" in cover
    for (_, start), n in zip(outline[1:], range(1, len(due) + 1), strict=True):
        assert f"{n} " in cover  # numbered rows
        assert str(start + 1) in cover  # the page column points at the summary


def test_children_not_due_are_absent(packs: dict[str, bytes],
                                     caseload: tuple[Workspace, Planted], now: datetime,
                                     meeting: date) -> None:
    ws, _ = caseload
    due = set(_due_names(ws, now, meeting))
    not_due = [p for p in ws.people.list() if p.display_name not in due]
    assert not_due, "the demo caseload should have someone not due"
    blob = squashed(everything(packs["internal"]))
    for person in not_due:
        assert squashed(person.display_name) not in blob
        assert str(person.id) not in blob


def test_every_page_of_the_pack_has_the_furniture(packs: dict[str, bytes]) -> None:
    for profile, pdf in packs.items():
        pages = pages_text(pdf)
        assert len(pages) > 3
        for n, words in enumerate(pages, start=1):
            assert words.count(MARKING) == 2, (profile, n)
            assert CAVEAT in words, (profile, n)
            assert f"Page {n} of {len(pages)}" in words, (profile, n)
            assert "Printed by Sam Tester on" in words, (profile, n)


def test_a_family_pack_leaves_out_every_withheld_string(
        packs: dict[str, bytes], caseload: tuple[Workspace, Planted]) -> None:
    _, p = caseload
    blob = everything(packs["family"])
    flat = squashed(blob)
    for value in (p.association, p.poc_name, p.poc_phone, p.child_voice, p.rhi_words,
                  p.dis_target, p.where_found, p.chair_phone, p.address, p.discussion,
                  p.siblings, p.not_for_parent, p.health_detail, p.health_label):
        assert value not in blob and squashed(value) not in flat, value
    internal = squashed(" ".join(pages_text(packs["internal"])))
    assert squashed(p.poc_name) in internal and squashed(p.child_voice) in internal
    assert "Family / subject access copy" in pages_text(packs["family"])[0]


def test_unknown_profile_is_refused(caseload: tuple[Workspace, Planted], meta: Meta,
                                    meeting: date) -> None:
    ws, _ = caseload
    with pytest.raises(UsageError, match="no audience profile"):
        build_agenda(ws, meeting, meta=meta(), profile="everyone")


def test_a_meeting_with_no_one_due_says_so(tmp_path: Path, meta: Meta,
                                           now: datetime) -> None:
    ws = new_workspace(tmp_path / "ws")
    try:
        pdf = build_agenda(ws, local_today(now) + timedelta(days=30), meta=meta())
        pages = pages_text(pdf)
        assert len(pages) == 1
        assert "No young person is due at this meeting." in pages[0]
        assert pages[0].count(MARKING) == 2
    finally:
        ws.lock()


def test_the_cover_renders_for_a_person_to_look_at(packs: dict[str, bytes]) -> None:
    pngs = render_pngs(packs["internal"], "agenda-internal", 1, 3)
    if pngs:
        assert len(pngs) == 3
