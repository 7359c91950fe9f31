"""The quarterly missing profile PDF, read back: the marking and version on every page, the
headline figures against counts made here from the records, suppression in the shareable
version, the home authority, the financial-year quarter, the RHI timeliness against every
returned episode, the links to risk level, RMM, NRM and disruption, and no child's name
anywhere in the (decompressed) file. Renders PNGs of every page into test-artifacts/reports/
for a person to look at. Fictional data only."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
import pytest
from pypdf import PdfReader
from support.laptops import new_workspace

from cse_desktop.casework import demo
from cse_desktop.casework.missing_profile import compute_profile
from cse_desktop.domain.errors import UsageError
from cse_desktop.domain.models import Episode, LegalStatus, Person, RhiStatus, Submission
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.profile import RESTRICTED_LABEL, SHAREABLE_LABEL, build_profile
from cse_desktop.store.workspace import Workspace

UK = ZoneInfo("Europe/London")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
Q3_START = datetime(2026, 6, 30, 23, 0, tzinfo=UTC)  # 00:00 BST, 1 July 2026
Q3_END = datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
Q2_START = datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
META = PrintMeta(title="Quarterly missing profile 2026Q3", printed_by="Sam Tester",
                 printed_at=datetime(2026, 10, 21, 9, 0, tzinfo=UTC))
PLANTED_GENDER = "Plantedgender"
PLANTED_AREA = "Plantedmoor Quay"
PLANTED_FOUND = "Plantedholm Lido"
HOME = "Demo Borough Council"
NOW = datetime(2026, 10, 21, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = new_workspace(tmp_path_factory.mktemp("profile") / "ws")
    demo.populate(ws, people=80, seed=3, today=date(2026, 10, 20))
    # one child in a category of their own, and one episode in an area of its own
    kid = ws.people.add(Person(given_name="Saffron", family_name="Quenby",
                               dob=date(2011, 2, 3), gender=PLANTED_GENDER,
                               legal_status=LegalStatus.LAC_S38,
                               placing_la="Elsewhere County Council"))
    start = datetime(2026, 8, 8, 21, 15, tzinfo=UTC)
    ep = ws.episodes.add(Episode(person_id=kid.id, started_at=start,
                                 returned_at=start + timedelta(hours=9),
                                 rhi_status=RhiStatus.COMPLETED))
    ws.submissions.add(Submission(
        form_id="return-home-interview", form_version=1, person_id=kid.id, episode_id=ep.id,
        status="final", finalised_at=start + timedelta(days=2),
        answers={"outcome": "completed", "found_area": PLANTED_AREA,
                 "offered_at": (start + timedelta(hours=20)).isoformat(),
                 "interview_at": (start + timedelta(hours=40)).isoformat(),
                 "interviewer_independence": "youth_worker", "push_factors": ["bullying"],
                 "harm": ["none"], "exploitation_indicators": ["none"]}))
    # an episode with no interview, found at a place of its own: a hotspot all the same; the
    # child was discussed at an RMM that recorded an NRM referral and a disruption activity
    start = datetime(2026, 9, 2, 18, 0, tzinfo=UTC)
    ws.episodes.add(Episode(person_id=kid.id, started_at=start,
                            returned_at=start + timedelta(hours=30), where_found=PLANTED_FOUND,
                            rhi_status=RhiStatus.DUE))
    ws.submissions.add(Submission(
        form_id="rmm-review", form_version=1, person_id=kid.id, status="final",
        finalised_at=datetime(2026, 9, 8, 16, tzinfo=UTC),
        answers={"meeting_date": "2026-09-08", "agreed_level": "high", "pathway": "nrm",
                 "disruption": [{"dis_tactic": "cawn", "dis_date": "2026-09-09"}]}))
    return ws


@pytest.fixture(scope="module")
def restricted(ws: Workspace) -> bytes:
    return _save("profile-restricted", build_profile(ws, "2026Q3", meta=META, home_la=HOME,
                                                     now=NOW))


@pytest.fixture(scope="module")
def shareable(ws: Workspace) -> bytes:
    return _save("profile-shareable", build_profile(ws, "FY2026-27Q2", meta=META,
                                                    shareable=True, home_la=HOME, now=NOW))


def _save(name: str, pdf: bytes) -> bytes:
    """Keep the PDF and a 60 dpi PNG of each page under test-artifacts/reports/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftoppm"):
        for old in ARTIFACTS.glob(f"{name}-[0-9]*.png"):  # its own pages only
            old.unlink(missing_ok=True)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / name)],
                       check=True, timeout=120)
    return pdf


def pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def whole(pdf: bytes) -> str:
    return " ".join(pages(pdf))


def decompressed(pdf: bytes) -> str:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.save(out, compress_streams=False,
                 stream_decode_level=pikepdf.StreamDecodeLevel.generalized)
    return out.getvalue().decode("latin-1")


class Independent:
    """The headline figures counted here, plainly, from the records."""

    def __init__(self, ws: Workspace, start: datetime, end: datetime) -> None:
        live = {p.id for p in ws.people.list()}
        eps = [e for e in ws.episodes.list() if e.person_id in live and start <= e.started_at < end]
        self.episodes = len(eps)
        per: dict[str, int] = {}
        for e in eps:
            per[e.person_id] = per.get(e.person_id, 0) + 1
        self.children = len(per)
        self.repeat = len([n for n in per.values() if n >= 3])
        self.high = len([e for e in eps if e.police_risk_grade == "high"])
        forms: dict[str, Submission] = {}
        for s in ws.submissions.list():
            if s.form_id != "return-home-interview" or s.status != "final" or not s.episode_id:
                continue
            if s.episode_id not in forms or s.finalised_at >= forms[s.episode_id].finalised_at:
                forms[s.episode_id] = s
        returned = [e for e in eps if e.returned_at is not None]
        self.returned = len(returned)
        offered = completed = offered_72 = completed_72 = 0
        for e in returned:
            form = forms.get(e.id)
            outcome = form.answers.get("outcome") if form else None
            if outcome is None:
                outcome = {"completed": "completed", "declined": "declined",
                           "offered": "offered"}.get(e.rhi_status, "not")
            if outcome not in ("not", "not_offered"):
                offered += 1
                if form and form.answers.get("offered_at") and datetime.fromisoformat(
                        form.answers["offered_at"]) - e.returned_at <= timedelta(hours=72):
                    offered_72 += 1
            if outcome == "completed":
                completed += 1
                if form and form.answers.get("interview_at") and datetime.fromisoformat(
                        form.answers["interview_at"]) - e.returned_at <= timedelta(hours=72):
                    completed_72 += 1
        self.offered, self.completed = offered, completed
        self.offered_72, self.completed_72 = offered_72, completed_72
        self.overdue = len([e for e in returned if forms.get(e.id) is None
                            and e.rhi_status in ("due", "not_yet_due")
                            and NOW - e.returned_at > timedelta(hours=72)])
        kids = set(per)
        self.discussed = len({s.person_id for s in ws.submissions.list()
                              if s.form_id == "rmm-review" and s.status == "final"
                              and s.person_id in kids and start.astimezone(UK).date()
                              <= date.fromisoformat(s.answers["meeting_date"])
                              < end.astimezone(UK).date()})


def test_every_page_carries_the_marking_and_says_which_version(restricted: bytes,
                                                               shareable: bytes) -> None:
    for pdf, version in ((restricted, RESTRICTED_LABEL), (shareable, SHAREABLE_LABEL)):
        texts = pages(pdf)
        assert len(texts) >= 4
        for n, words in enumerate(texts, start=1):
            assert words.count("OFFICIAL-SENSITIVE") == 2, n
            assert "Not for onward sharing without the chair's agreement" in words
            assert f"Page {n} of {len(texts)}" in words
            assert f"Printed by Sam Tester on 21 Oct 2026, 10:00 · {version}" in words
    assert "RESTRICTED VERSION." in pages(restricted)[0]
    assert "SHAREABLE VERSION." in pages(shareable)[0]
    assert "RESTRICTED VERSION" not in whole(shareable)


def test_the_headline_figures_equal_an_independent_count(ws: Workspace,
                                                         restricted: bytes) -> None:
    now, before = Independent(ws, Q3_START, Q3_END), Independent(ws, Q2_START, Q3_START)
    assert now.episodes > 40 and now.repeat > 0 and now.offered > 0
    text = whole(restricted)
    assert (f"{now.episodes} episodes started in the quarter, by {now.children} children. "
            f"{now.repeat} children went missing 3 or more times") in text
    rows = {
        "Episodes": (now.episodes, before.episodes),
        "Children who went missing": (now.children, before.children),
        "Repeat children (3+ episodes)": (now.repeat, before.repeat),
        "Episodes graded high risk by police": (now.high, before.high),
        "Returned episodes (RHI base)": (now.returned, before.returned),
        "RHIs offered": (now.offered, before.offered),
        "RHIs offered within 72 hours": (now.offered_72, before.offered_72),
        "RHIs completed": (now.completed, before.completed),
        "RHIs completed within 72 hours": (now.completed_72, before.completed_72),
        "RHIs overdue (nothing recorded after 72 hours)": (now.overdue, before.overdue),
        "Children discussed at an RMM": (now.discussed, before.discussed),
    }
    for label, (a, b) in rows.items():  # the comparison table: this, previous, change
        change = "no change" if a == b else f"{a - b:+}"
        assert f"{label} {a} {b} {change}" in text, label
    offered_pct = round(100 * now.offered / now.returned)
    assert f"Offered an interview {now.offered} {now.returned} returned {offered_pct}%" in text
    assert (f"Completed {now.completed} {now.offered} offered "
            f"{round(100 * now.completed / now.offered)}%") in text
    # timeliness against every returned episode, its denominator shown, and of completed
    in_time = round(100 * now.completed_72 / now.returned)
    assert (f"Completed within 72 hours of the return {now.completed_72} {now.returned} "
            f"returned {in_time}%") in text
    assert (f"Completed within 72 hours, of interviews completed {now.completed_72} "
            f"{now.completed} completed {round(100 * now.completed_72 / now.completed)}%") in text
    # the tiles on page 1
    first = pages(restricted)[0]
    assert f"{now.episodes} Episodes {now.children} Children who went missing" in first
    assert (f"{now.completed_72} RHIs completed within 72 hours {in_time}% of {now.returned} "
            f"returned") in first
    assert "July to September 2026: Q3 of calendar year 2026 (2026Q3)" in first
    assert f"Home authority: {HOME}." in first


def test_the_restricted_version_shows_small_numbers_and_named_areas(restricted: bytes) -> None:
    text = whole(restricted)
    assert f"{PLANTED_GENDER} 1 " in text
    assert f"{PLANTED_AREA} 1 " in text
    assert f"{PLANTED_FOUND} 1 " in text  # found at, with no interview
    assert "Child Abduction Warning Notice 1 " in text
    assert "Looked after, placed here by another authority 1 " in text


def test_the_shareable_version_hides_small_numbers_everywhere(ws: Workspace,
                                                               shareable: bytes) -> None:
    text = whole(shareable)
    assert "July to September 2026: Q2 of financial year 2026-27 (FY2026-27Q2)" in text
    assert f"{PLANTED_GENDER} <5 –" in text
    assert "Looked after, placed here by another authority <5 –" in text
    assert PLANTED_AREA not in text  # an area with fewer than 5 episodes is not named
    assert re.search(r"\d+ other areas?, each fewer than 5 <5", text)
    # the model the PDF was drawn from has no count between 1 and 4
    model = compute_profile(ws, "FY2026-27Q2", home_la=HOME, now=NOW).suppress()
    small = re.compile(r"^[1-4]$")
    for b in (model.volumes.by_category, model.volumes.by_risk_grade, model.rhi.outcomes,
              model.rhi.independence, model.demographics.age_band, model.demographics.gender,
              model.demographics.ethnicity, model.demographics.legal_status,
              model.demographics.characteristics, model.demographics.education,
              model.themes.push, model.themes.pull, model.themes.harm,
              model.themes.exploitation, model.themes.travel, model.themes.other,
              model.hotspots.areas, model.hotspots.venue_types, model.timing.time_of_day,
              model.timing.day_of_week, model.rhi.not_offered_reasons,
              model.rhi.declined_reasons, model.links.by_risk_level, model.links.disruption):
        for row in b.rows:
            assert not small.match(str(row.count)), (b.title, row.label)
            if isinstance(row.count, int) and row.count:
                assert f"{row.label} {row.count:,} " in text, (b.title, row.label)
            else:
                assert f"{row.label} {row.count} " in text, (b.title, row.label)


def test_no_childs_name_is_anywhere_in_either_file(ws: Workspace, restricted: bytes,
                                                   shareable: bytes) -> None:
    names = {part for p in ws.people.list()
             for part in (p.given_name, p.family_name, *p.also_known_as)}
    for pdf in (restricted, shareable):
        raw = decompressed(pdf)
        text = whole(pdf)
        assert "Episodes" in raw  # the decompressed content is searchable
        for name in names:
            pattern = re.compile(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])")
            assert not pattern.search(raw), name
            assert not pattern.search(text), name


def test_the_new_figures_are_suppressed_in_the_shareable_file(ws: Workspace,
                                                               shareable: bytes) -> None:
    text = whole(shareable)
    model = compute_profile(ws, "FY2026-27Q2", home_la=HOME, now=NOW).suppress()
    k = model.links
    assert k.discussed_at_rmm == "<5" and k.nrm_referred == "<5"
    for label, value in [
        ("Discussed at a Risk Management Meeting in the quarter", k.discussed_at_rmm),
        ("NRM referral recorded in the quarter", k.nrm_referred),
        ("NRM referral on their record (any time)", k.nrm_on_record),
        ("With a disruption activity in the quarter", k.disruption_children)]:
        assert f"{label} {value} " in text, label
    assert f"{model.rhi.overdue} RHIs overdue" in text
    assert PLANTED_FOUND not in text


def test_without_a_home_authority_looked_after_children_are_not_split(ws: Workspace) -> None:
    text = whole(build_profile(ws, "2026Q3", meta=META, now=NOW))
    assert "Home authority not given" in text
    assert "Looked after (own or placed in: home authority not given)" in text
    assert "placed here by another authority 1" not in text


def test_a_bad_quarter_is_a_usage_error(ws: Workspace) -> None:
    with pytest.raises(UsageError):
        build_profile(ws, "2026-07", meta=META)


def test_an_empty_quarter_still_prints(tmp_path: Path) -> None:
    ws = new_workspace(tmp_path / "ws")
    pdf = _save("profile-empty", build_profile(ws, "FY2025-26Q4", meta=META, shareable=True,
                                               home_la=HOME))
    text = whole(pdf)
    assert "0 episodes started in the quarter, by 0 children." in text
    assert "OFFICIAL-SENSITIVE" in text
