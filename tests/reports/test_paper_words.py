"""Paper is read after it is printed (issue 14, item 7): no countdowns or "ago" on any page,
one date style, the indicator table's Evidence and Detail filled from the answers (and the
detail withheld from the family copy) or left out when no answer has them, and page 1 used.
Read back from the PDFs with pypdf; only fictional data.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm
from support.laptops import new_workspace

from cse_desktop.casework.caseload import local_today, next_rmm_date
from cse_desktop.domain.dates import uk_datetime
from cse_desktop.domain.models import Action, Episode, Person
from cse_desktop.forms.engine import FormEngine
from cse_desktop.reports.agenda import build_agenda
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.profile import build_profile
from cse_desktop.reports.summary import build_summary
from cse_desktop.store.workspace import Workspace

from .conftest import Planted, _final, _shifted, pages_text, render_pngs, squashed

Meta = Callable[..., PrintMeta]

#: words that are true only on the day a page is printed
RELATIVE = re.compile(
    r"\b(?:(?:due|expires?|ends?|closes?) in \d+|overdue by|ago|from now|yesterday|tomorrow"
    r"|\d+ ?(?:h|hours?|days?|min|minutes?) left)\b", re.IGNORECASE)
#: dates written any other way than '5 Dec 2026' (a leading zero, ISO, slashes, US order)
OTHER_DATES = re.compile(
    r"\b0\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2},? \d{4}\b")

EVIDENCE_DETAIL = "Fictional: Orchardglen said so at the youth club"  # an uncategorised row


@dataclass(frozen=True)
class Clocks:
    """A child whose return home interview is due (returned an hour ago), one whose interview
    is overdue, and their due times; one has an action past its date."""

    ws: Workspace
    due_id: str
    due_at: datetime
    overdue_id: str
    overdue_at: datetime


def _person(ws: Workspace, given: str) -> Person:
    return ws.people.add(Person(given_name=given, family_name="Clockwood",
                                dob=datetime(2011, 5, 3).date(), allocated_worker="J. Demo",
                                team="Demo Team", flags=["DEMO"]))


@pytest.fixture(scope="module")
def clocks(tmp_path_factory: pytest.TempPathFactory, engine: FormEngine,
           now: datetime) -> Clocks:
    ws = new_workspace(tmp_path_factory.mktemp("paper") / "ws")
    due, late = _person(ws, "Duey"), _person(ws, "Latey")
    back = now - timedelta(hours=1)
    ws.episodes.add(Episode(person_id=due.id, police_reference="DEMO-DUE",
                            started_at=back - timedelta(hours=20), returned_at=back))
    back_late = now - timedelta(hours=80)
    ws.episodes.add(Episode(person_id=late.id, police_reference="DEMO-LATE",
                            started_at=back_late - timedelta(hours=9), returned_at=back_late))
    ws.actions.add(Action(person_id=late.id, text="Fictional home visit", owner="A. Worker",
                          due=now.date() - timedelta(days=8)))
    # a screening whose indicators carry evidence and detail (one in a category, one not)
    answers, _ = _shifted(engine, "exploitation-screening", now - timedelta(days=3),
                          newest=True)
    answers.update({
        "ind_h_exclusion": {"present": "yes", "timing": "6-12m", "evidence": "evidenced",
                            "detail": EVIDENCE_DETAIL},
        "ind_g_self_harm": {"present": "yes", "timing": "current",
                            "evidence": "professional_concern",
                            "detail": "Fictional: Healthdetailwort"}})
    answers.pop("agreed_level", None)
    _final(ws, engine, "exploitation-screening", due, answers, now - timedelta(days=3),
           agree=True, newest=True)
    assert due.id and late.id
    return Clocks(ws, str(due.id), back + timedelta(hours=72), str(late.id),
                  back_late + timedelta(hours=72))


def _flat(pdf: bytes) -> str:
    return " ".join(" ".join(pages_text(pdf)).split())


def _relative(pdf: bytes) -> list[str]:
    return [m.group(0) for m in RELATIVE.finditer(_flat(pdf))]


def test_the_interview_clock_is_a_date_and_time_on_paper(clocks: Clocks, meta: Meta) -> None:
    due = _flat(build_summary(clocks.ws, clocks.due_id, meta=meta()))
    assert f"Due by {uk_datetime(clocks.due_at)}" in due
    assert "Still open" in due  # 'within 72 h': not yet known
    late = _flat(build_summary(clocks.ws, clocks.overdue_id, meta=meta()))
    assert f"Overdue: it was due by {uk_datetime(clocks.overdue_at)}" in late
    assert f"was due by {uk_datetime(clocks.overdue_at)} and is not recorded as held" in late
    assert "Return home interview overdue" in late  # the warning for the chair stays
    assert "Not done as at" in late  # the action past its date, in the chronology
    for text in (due, late):
        assert not RELATIVE.findall(text)


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["internal", "family"])
def test_no_summary_page_says_a_time_relative_to_when_it_was_printed(
        caseload: tuple[Workspace, Planted], clocks: Clocks, meta: Meta, profile: str) -> None:
    ws, _ = caseload
    for person in [*ws.people.list(), *[None]]:
        if person is None:  # and the children whose clocks are running
            for pid in (clocks.due_id, clocks.overdue_id):
                pdf = build_summary(clocks.ws, pid, meta=meta(), profile=profile)
                assert not _relative(pdf), (pid, _relative(pdf))
            continue
        pdf = build_summary(ws, str(person.id), meta=meta(), profile=profile)
        assert not _relative(pdf), (person.display_name, _relative(pdf))
        assert not OTHER_DATES.findall(_flat(pdf)), OTHER_DATES.findall(_flat(pdf))


@pytest.mark.slow
def test_the_agenda_pack_and_the_quarterly_profile_say_no_relative_times(
        caseload: tuple[Workspace, Planted], clocks: Clocks, meta: Meta,
        now: datetime) -> None:
    ws, _ = caseload
    meeting = next_rmm_date(local_today(now))
    quarter = f"{now.year}Q{(now.month - 1) // 3 + 1}"
    for pdf in (build_agenda(ws, meeting, meta=meta("RMM agenda pack")),
                build_agenda(clocks.ws, meeting, meta=meta("RMM agenda pack")),
                build_profile(ws, quarter, meta=meta("Missing episodes: quarterly profile"),
                              home_la="Demo Council", now=now)):
        text = _flat(pdf)
        assert not RELATIVE.findall(text), RELATIVE.findall(text)
        assert not OTHER_DATES.findall(text), OTHER_DATES.findall(text)


def _indicator_table(pdf: bytes) -> str:
    text = _flat(pdf)
    start = text.index("Indicators present (latest screening)")
    return text[start:text.index("When: counted back from the screening", start)]


def test_evidence_and_detail_are_filled_from_the_answers(clocks: Clocks, meta: Meta,
                                                         now: datetime) -> None:
    pdf = build_summary(clocks.ws, clocks.due_id, meta=meta(), sections={"risk"})
    table = squashed(_indicator_table(pdf))
    assert squashed("Evidence") in table and squashed("Detail") in table
    assert squashed("Evidenced") in table and squashed(EVIDENCE_DETAIL) in table
    assert squashed("Professional concern") in table
    assert squashed("6 to 12 months before") in table
    render_pngs(pdf, "paper-indicators", first=1, last=2)


def test_the_family_copy_never_shows_an_indicators_detail(clocks: Clocks,
                                                          meta: Meta) -> None:
    pdf = build_summary(clocks.ws, clocks.due_id, meta=meta(), profile="family",
                        sections={"risk"})
    flat = squashed(_flat(pdf))
    assert "Orchardglen" not in flat and "Healthdetailwort" not in flat
    table = _indicator_table(pdf)
    assert "Excluded from school" in table  # the row is kept
    assert "Detail" not in table  # the column is not printed at all
    assert "Evidenced" in table


def test_evidence_and_detail_columns_are_left_out_when_no_answer_has_them(
        caseload: tuple[Workspace, Planted], meta: Meta) -> None:
    """The demo's screenings record no evidence or detail: the columns are not printed."""
    ws, planted = caseload
    checked = 0
    for person in ws.people.list():
        if str(person.id) == planted.person_id:
            continue
        pdf = build_summary(ws, str(person.id), meta=meta(), sections={"risk"})
        if "Indicators present (latest screening)" not in _flat(pdf) \
                or "No indicators were recorded" in _flat(pdf):
            continue
        table = _indicator_table(pdf)
        assert "Indicator" in table and "Tier" in table
        assert "Evidence" not in table and "Detail" not in table, person.display_name
        checked += 1
    assert checked


# -- page 1 is used ------------------------------------------------------------------------

#: the page's body frame ends 22 mm above the foot of the page (reports/page.py)
FRAME_BOTTOM = 22 * mm
#: what may be left at the foot of page 1: a heading, a table header and one row
MOST_LEFT = 30 * mm


def _lowest_body_text(pdf: bytes, index: int = 0) -> float:
    """The baseline of the lowest text on a page above its footer (points from the foot)."""
    ys: list[float] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        y = tm[5] * cm[3] + cm[5]
        if text.strip() and y > FRAME_BOTTOM - 2:
            ys.append(y)

    PdfReader(io.BytesIO(pdf)).pages[index].extract_text(visitor_text=visit)
    return min(ys)


@pytest.mark.slow
def test_page_1_is_filled_before_the_summary_turns_the_page(
        caseload: tuple[Workspace, Planted], clocks: Clocks, meta: Meta) -> None:
    """On the demo caseload the fixed reserves before headings left up to 42 mm of page 1
    empty; what is left now is less than a heading, a table header and a row."""
    pdfs = [build_summary(ws, str(p.id), meta=meta())
            for ws in (caseload[0], clocks.ws) for p in ws.people.list()]
    left = []
    for pdf in pdfs:
        if len(PdfReader(io.BytesIO(pdf)).pages) < 2:
            continue
        left.append(_lowest_body_text(pdf) - FRAME_BOTTOM)
    assert left
    assert max(left) <= MOST_LEFT, [round(x / mm) for x in left]
