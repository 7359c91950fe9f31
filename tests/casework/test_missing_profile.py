"""The quarterly missing profile: every figure against a count made here, plainly, from the
records (never with the module's helpers); financial and calendar quarters, their bounds in BST
and GMT; the home authority; the repeat-children threshold; the 72-hour boundary to the second;
hotspots from every episode's where-found; links to risk level, RMM, NRM and disruption;
small-number suppression of every figure. Fictional data only."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cse_desktop.casework import demo
from cse_desktop.casework.missing_profile import (
    SECONDARY,
    Breakdown,
    MissingProfile,
    Quarter,
    compute_profile,
)
from cse_desktop.domain.errors import UsageError
from cse_desktop.domain.models import (
    Episode,
    EpisodeCategory,
    LegalStatus,
    Owner,
    Person,
    PoliceRiskGrade,
    RhiStatus,
    Role,
    SenStatus,
    Submission,
)
from cse_desktop.store import KdfParams, Workspace

UK = ZoneInfo("Europe/London")
HOME_LA = "Demo Borough Council"
# 2026Q3 is 1 July to 30 September 2026, both ends in British Summer Time (UTC+1)
Q3_START = datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
Q3_END = datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
Q2_START = datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
RHI = "return-home-interview"
RMM = "rmm-review"
SCREENING = "exploitation-screening"
#: when the profiles in these tests are made (a fixed instant: "overdue" depends on it)
NOW = datetime(2026, 10, 21, 9, 0, tzinfo=UTC)


def new_ws(folder: Path) -> Workspace:
    ws, _ = Workspace.create(folder, "fictional passphrase 9", Owner(
        name="Sam Tester", role=Role.PRACTITIONER, team="Demo Team"),
        kdf=KdfParams.insecure_for_tests())
    return ws


def child(ws: Workspace, given: str, family: str, **extra: Any) -> Person:
    values: dict[str, Any] = {"dob": date(2012, 3, 4)}
    values.update(extra)
    return ws.people.add(Person(given_name=given, family_name=family, **values))


def episode(ws: Workspace, person: Person, start: datetime, hours: float | None = 10,
            **extra: Any) -> Episode:
    back = None if hours is None else start + timedelta(hours=hours)
    return ws.episodes.add(Episode(person_id=person.id, started_at=start, returned_at=back,
                                   **extra))


def rhi(ws: Workspace, ep: Episode, *, finalised: datetime | None = None,
        final: bool = True, **answers: Any) -> Submission:
    return ws.submissions.add(Submission(
        form_id=RHI, form_version=1, person_id=ep.person_id, episode_id=ep.id,
        answers=answers, status="final" if final else "draft",
        finalised_at=(finalised or datetime(2026, 10, 1, tzinfo=UTC)) if final else None))


def record(ws: Workspace, kid: Person, form_id: str, finalised: datetime, *,
           outcome: dict[str, Any] | None = None, amends: str | None = None,
           version: int = 1, **answers: Any) -> Submission:
    """A final screening or meeting record, as stored (not through the engine)."""
    return ws.submissions.add(Submission(
        form_id=form_id, form_version=version, person_id=kid.id, answers=answers,
        outcome=outcome, status="final", finalised_at=finalised, amends=amends))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- a caseload: the demo plus planted, unusual records -----------------------------------------


@pytest.fixture(scope="module")
def caseload(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = new_ws(tmp_path_factory.mktemp("profile") / "ws")
    demo.populate(ws, people=80, seed=3, today=date(2026, 10, 20))
    plant(ws)
    plant_links(ws)
    return ws


def plant(ws: Workspace) -> None:
    """Fictional records that exercise the edges (names are invented)."""
    placed = child(ws, "Quillon", "Farthingale", legal_status=LegalStatus.LAC_S31,
                   placing_la="Elsewhere County Council", uasc=True, sen=SenStatus.EHCP,
                   gender="Planted-gender", ethnicity="Planted ethnicity")
    own = child(ws, "Merrow", "Tansley", legal_status=LegalStatus.LAC_S20,
                placing_la="  demo borough  COUNCIL ", dob=date(2009, 7, 15))
    # three episodes in Q3 for `placed` (a repeat child), the first on the quarter's first
    # instant; one just before the quarter (Q2, 23:59:59 BST on 30 June)
    e1 = episode(ws, placed, Q3_START, category=EpisodeCategory.AWAY_FROM_PLACEMENT,
                 police_risk_grade=PoliceRiskGrade.HIGH, rhi_status=RhiStatus.COMPLETED)
    e2 = episode(ws, placed, at("2026-08-15T02:30:00+00:00"), hours=30,
                 rhi_status=RhiStatus.DECLINED)
    e3 = episode(ws, placed, Q3_END - timedelta(seconds=1), hours=None)
    episode(ws, placed, Q3_START - timedelta(seconds=1))
    # an episode on the first instant of Q4 is not in Q3
    episode(ws, own, Q3_END)
    # `own`: two in Q3
    e4 = episode(ws, own, at("2026-07-04T18:00:00+00:00"), rhi_status=RhiStatus.COMPLETED)
    e5 = episode(ws, own, at("2026-09-12T11:00:00+00:00"), rhi_status=RhiStatus.NOT_OFFERED)
    # a deleted episode is not counted
    gone = episode(ws, own, at("2026-08-01T12:00:00+00:00"))
    ws.episodes.delete(gone.id)
    back1 = e1.returned_at
    assert back1 is not None
    rhi(ws, e1, outcome="completed",
        offered_at=(back1 + timedelta(hours=72)).isoformat(),
        interview_at=(back1 + timedelta(hours=72, seconds=1)).isoformat(),
        interviewer_independence="social_worker", found_area="zz99 5ab",
        found_out_of_area="yes", push_factors=["bullying"], pull_factors=["adult_of_concern"],
        harm=["threats", "robbery"], exploitation_indicators=["hotel"], travel=["train"],
        drugs_alcohol="no", online_contact="yes",
        locations=[{"loc_place": "A hotel near ZZ99 7QX", "loc_type": "hotel",
                    "loc_out_of_area": "yes", "loc_town": "Farshire Town"},
                   {"loc_place": "Somewhere", "loc_type": "transport_hub"}])
    # e2: the first form said the young person declined; an amendment finalised later says
    # the parent declined (the amendment wins); a later draft is ignored
    first = rhi(ws, e2, outcome="declined_child", offered_at=e2.started_at.isoformat(),
                finalised=at("2026-08-20T10:00:00+00:00"))
    ws.submissions.add(Submission(
        form_id=RHI, form_version=1, person_id=placed.id, episode_id=e2.id,
        answers={"outcome": "declined_parent", "offered_at": e2.started_at.isoformat()},
        status="final", amends=first.id, finalised_at=at("2026-08-21T10:00:00+00:00")))
    rhi(ws, e2, final=False, outcome="completed")
    del e3
    rhi(ws, e4, outcome="completed", offered_at=e4.started_at.isoformat(),
        interview_at=(e4.started_at + timedelta(hours=20)).isoformat(),
        interviewer_independence="independent_service", found_area="Planted Riverside",
        push_factors=["none_given"], pull_factors=["friends"], harm=["none"],
        exploitation_indicators=["none"], travel=["bus"], drugs_alcohol="yes",
        locations=[{"loc_place": "Park", "loc_type": "park"}])
    rhi(ws, e5, outcome="not_offered", not_offered_reason="planted_reason")
    # found at a place recorded on the episode only (no interview form): still a hotspot
    episode(ws, own, at("2026-09-20T15:00:00+00:00"), where_found="Planted Quayside Arcade",
            rhi_status=RhiStatus.DECLINED)
    episode(ws, placed, at("2026-09-21T15:00:00+00:00"),
            where_found="12 Planted Road, found at a friend's", rhi_status=RhiStatus.DUE)


def plant_links(ws: Workspace) -> None:
    """Children whose screenings, meetings, NRM referrals and disruption the links count."""
    high = child(ws, "Bellamy", "Crowhurst", nrm_referral=True)
    later = child(ws, "Ottoline", "Pyke")
    for kid in (high, later):
        episode(ws, kid, at("2026-07-20T10:00:00+00:00"))
    # `high`: screened low in July, raised to high at an RMM in August; a screening after the
    # quarter (low) does not change the level at its end
    record(ws, high, SCREENING, at("2026-07-22T10:00:00+00:00"), outcome={"level": "low"},
           referrals=["nrm", "csc"], referral_date="2026-07-22")
    meeting = record(ws, high, RMM, at("2026-08-11T16:00:00+00:00"), meeting_date="2026-08-11",
                     agreed_level="medium", pathway="nrm", disruption=[
                         {"dis_tactic": "cawn", "dis_date": "2026-08-12"},
                         {"dis_tactic": "placement_move", "dis_date": "2026-08-12"},
                         {"dis_tactic": "sro", "dis_status": "not_possible"},
                         {"dis_tactic": "hotel_request"}])
    # a correction of that meeting: the agreed level was high; the activities are the same
    record(ws, high, RMM, at("2026-08-12T09:00:00+00:00"), amends=meeting.id,
           meeting_date="2026-08-11", agreed_level="high", pathway="nrm", disruption=[
               {"dis_tactic": "cawn", "dis_date": "2026-08-12"},
               {"dis_tactic": "placement_move", "dis_date": "2026-08-12"},
               {"dis_tactic": "sro", "dis_status": "not_possible"},
               {"dis_tactic": "hotel_request"}])
    # a v2 meeting in September (several outcomes): the CAWN again (counted once), a new
    # tactic, and one dated in the next quarter
    record(ws, high, RMM, at("2026-09-08T16:00:00+00:00"), version=2,
           meeting_date="2026-09-08", agreed_level="high", outcomes=["remain_rmm", "nrm"],
           disruption=[{"dis_tactic": "cawn", "dis_date": "2026-08-12"},
                       {"dis_tactic": "planted_tactic", "dis_date": "2026-09-09"},
                       {"dis_tactic": "licensing", "dis_date": "2026-10-02"}])
    record(ws, high, SCREENING, at("2026-10-05T10:00:00+00:00"), outcome={"level": "low"})
    # `later`: first screened after the quarter: not assessed by its end
    record(ws, later, SCREENING, at("2026-10-03T10:00:00+00:00"), outcome={"level": "high"})


# -- the independent count ----------------------------------------------------------------------


class Count:
    """Everything the profile reports, counted here directly from the records."""

    def __init__(self, ws: Workspace, start: datetime, end: datetime, repeat: int = 3,
                 now: datetime = NOW) -> None:
        people = {p.id: p for p in ws.people.list()}
        self.episodes = [e for e in ws.episodes.list()
                         if e.person_id in people and start <= e.started_at < end]
        per_child: dict[str, int] = {}
        for e in self.episodes:
            per_child[e.person_id] = per_child.get(e.person_id, 0) + 1
        self.per_child = per_child
        self.children = [people[pid] for pid in per_child]
        self.repeat_children = len([n for n in per_child.values() if n >= repeat])
        # the interview for each episode: the final form finalised last
        forms: dict[str, Submission] = {}
        for s in ws.submissions.list():
            if s.form_id != RHI or s.status != "final" or s.episode_id is None:
                continue
            if s.episode_id not in forms or s.finalised_at >= forms[s.episode_id].finalised_at:
                forms[s.episode_id] = s
        self.forms = forms
        self.returned = [e for e in self.episodes if e.returned_at is not None]
        self.outcome = {}
        for e in self.returned:
            form = forms.get(e.id)
            if form is not None and "outcome" in form.answers:
                self.outcome[e.id] = form.answers["outcome"]
            elif e.rhi_status == RhiStatus.COMPLETED:
                self.outcome[e.id] = "completed"
            elif e.rhi_status == RhiStatus.DECLINED:
                self.outcome[e.id] = "declined_unrecorded"
            elif e.rhi_status == RhiStatus.NOT_OFFERED:
                self.outcome[e.id] = "not_offered_unrecorded"
            elif e.rhi_status == RhiStatus.OFFERED:
                self.outcome[e.id] = "offered_pending"
            elif now - e.returned_at > timedelta(hours=72):
                self.outcome[e.id] = "no_outcome_overdue"
            else:
                self.outcome[e.id] = "no_outcome_due"
        offered = [e for e in self.returned
                   if self.outcome[e.id] not in ("not_offered", "not_offered_unrecorded",
                                                 "no_outcome_due", "no_outcome_overdue")]
        self.offered = len(offered)
        self.offered_72 = 0
        for e in offered:
            form = forms.get(e.id)
            if form is not None and form.answers.get("offered_at"):
                hours = (datetime.fromisoformat(form.answers["offered_at"])
                         - e.returned_at).total_seconds() / 3600
                if hours <= 72:
                    self.offered_72 += 1
        completed = [e for e in self.returned if self.outcome[e.id] == "completed"]
        self.completed = len(completed)
        self.completed_72 = 0
        for e in completed:
            form = forms.get(e.id)
            if form is not None and form.answers.get("interview_at"):
                hours = (datetime.fromisoformat(form.answers["interview_at"])
                         - e.returned_at).total_seconds() / 3600
                if hours <= 72:
                    self.completed_72 += 1
        self.declined = len([e for e in self.returned if self.outcome[e.id] in (
            "declined_child", "declined_parent", "declined_unrecorded")])
        self.not_offered = len([e for e in self.returned if self.outcome[e.id] in (
            "not_offered", "not_offered_unrecorded")])
        self.interviews = [forms[e.id].answers for e in completed if e.id in forms]
        self.recorded = [forms[e.id].answers for e in self.episodes if e.id in forms]
        # hotspots: every episode with a where-found on its record, or an interview form
        self.located = [e for e in self.episodes if e.where_found.strip() or e.id in forms]
        self.links(ws, start, end, now, forms)

    def links(self, ws: Workspace, start: datetime, end: datetime, now: datetime,
              forms: dict[str, Submission]) -> None:
        first_day, after = start.astimezone(UK).date(), end.astimezone(UK).date()
        cutoff = min(end, now)
        finals = [s for s in ws.submissions.list() if s.status == "final"]
        corrected = {s.amends for s in finals if s.amends}
        self.levels: Counter[str] = Counter()
        self.screened = self.discussed = self.nrm = self.nrm_flag = 0
        activities = set()
        for kid in self.children:
            mine = [s for s in finals if s.person_id == kid.id]
            setters = sorted((s for s in mine if s.form_id in (SCREENING, RMM)),
                             key=lambda s: s.finalised_at)
            if not setters:
                level = kid.risk_level.value
            else:
                level = "not_assessed"
                for s in setters:
                    if s.finalised_at < cutoff:
                        if s.form_id == SCREENING:
                            level = (s.outcome or {}).get("level") or level
                        else:
                            level = ((s.outcome or {}).get("agreed_level")
                                     or s.answers.get("agreed_level") or level)
            self.levels[level] += 1
            self.nrm_flag += kid.nrm_referral
            current = [s for s in mine if s.id not in corrected]
            screenings = [s for s in current if s.form_id == SCREENING]
            meetings = [s for s in current if s.form_id == RMM]
            self.screened += any(start <= s.finalised_at < end for s in screenings)
            days = {m.id: date.fromisoformat(m.answers["meeting_date"]) for m in meetings}
            self.discussed += any(first_day <= d < after for d in days.values())
            nrm = False
            for s in screenings:
                if "nrm" in (s.answers.get("referrals") or []):
                    nrm |= first_day <= date.fromisoformat(s.answers["referral_date"]) < after
            for m in meetings:
                if m.answers.get("pathway") == "nrm" or "nrm" in m.answers.get("outcomes", []):
                    nrm |= first_day <= days[m.id] < after
            for form in forms.values():
                if form.person_id == kid.id and "nrm" in (form.answers.get("referrals") or []):
                    nrm |= start <= datetime.fromisoformat(form.answers["interview_at"]) < end
            self.nrm += nrm
            for m in meetings:
                for row in m.answers.get("disruption") or []:
                    if row["dis_tactic"] == "placement_move":
                        continue
                    if row.get("dis_status") == "not_possible":
                        continue
                    day = (date.fromisoformat(row["dis_date"]) if row.get("dis_date")
                           else days[m.id])
                    if first_day <= day < after:
                        activities.add((kid.id, row["dis_tactic"], day))
        self.activities = Counter(tactic for _, tactic, _ in activities)
        self.disruption_children = len({kid for kid, _, _ in activities})


def rows(b: Breakdown) -> dict[str, Any]:
    return {r.key: r.count for r in b.rows}


def nonzero(b: Breakdown) -> dict[str, Any]:
    return {r.key: r.count for r in b.rows if r.count != 0}


@pytest.fixture(scope="module")
def profile(caseload: Workspace) -> MissingProfile:
    return compute_profile(caseload, "2026Q3", home_la=HOME_LA, now=NOW)


@pytest.fixture(scope="module")
def count(caseload: Workspace) -> Count:
    return Count(caseload, Q3_START, Q3_END)


# -- quarters -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2026Q3", "2026q3", " 2026-Q3 ", "2026 Q3"])
def test_a_quarter_is_read_in_its_usual_spellings(text: str) -> None:
    assert Quarter.parse(text) == Quarter(2026, 3)
    assert str(Quarter.parse(text)) == "2026Q3"


@pytest.mark.parametrize("text", ["", "2026", "2026Q5", "2026Q0", "Q3 2026", "26Q3",
                                  "2026Q3x", "1999Q1", "2026-07"])
def test_a_badly_written_quarter_is_a_plain_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="quarter"):
        Quarter.parse(text)


def test_quarter_bounds_are_uk_local_midnights_in_bst_and_gmt() -> None:
    assert Quarter(2026, 3).starts_at == Q3_START  # BST: 23:00 UTC the day before
    assert Quarter(2026, 3).ends_at == Q3_END
    assert Quarter(2026, 2).starts_at == Q2_START
    assert Quarter(2026, 1).starts_at == datetime(2026, 1, 1, tzinfo=UTC)  # GMT
    assert Quarter(2026, 4).ends_at == datetime(2027, 1, 1, tzinfo=UTC)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2026, 3).label == "July to September 2026"
    assert Quarter(2026, 3).last_day == date(2026, 9, 30)


def test_an_episode_is_in_the_quarter_it_started_in_by_uk_time(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "ws")
    kid = child(ws, "Orla", "Nimbleton")
    episode(ws, kid, datetime(2026, 6, 30, 22, 59, 59, tzinfo=UTC))  # 23:59:59 BST, Q2
    episode(ws, kid, datetime(2026, 6, 30, 23, 0, tzinfo=UTC))  # 00:00 BST 1 July, Q3
    episode(ws, kid, datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC))  # GMT: Q4 2025
    episode(ws, kid, datetime(2026, 1, 1, 0, 0, tzinfo=UTC))  # GMT: Q1 2026
    assert compute_profile(ws, "2026Q3").volumes.episodes == 1
    assert compute_profile(ws, "2026Q2").volumes.episodes == 1
    assert compute_profile(ws, "2026Q1").volumes.episodes == 1
    assert compute_profile(ws, "2026Q1").previous.volumes.episodes == 1  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["FY2026-27Q1", "fy2026-27q1", "FY2026/27 Q1", "2026-27Q1",
                                  " FY26-27 Q1 "])
def test_a_financial_quarter_is_written_with_both_its_years(text: str) -> None:
    q = Quarter.parse(text)
    assert q == Quarter(2026, 1, financial=True) and str(q) == "FY2026-27Q1"
    assert q.label == "April to June 2026"
    assert q.kind_label == "Q1 of financial year 2026-27"


@pytest.mark.parametrize("text", ["FY2026-28Q1", "2026-25Q2", "FY2026Q1", "FY2026-27Q5"])
def test_a_badly_written_financial_quarter_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match=r"(quarter|financial year)"):
        Quarter.parse(text)


def test_financial_quarters_run_april_to_march_in_uk_time() -> None:
    fy = [Quarter.parse(f"FY2026-27Q{n}") for n in (1, 2, 3, 4)]
    assert [q.first_day for q in fy] == [date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1),
                                         date(2027, 1, 1)]
    assert fy[3].last_day == date(2027, 3, 31) and fy[3].label == "January to March 2027"
    assert fy[0].starts_at == Q2_START  # 00:00 BST on 1 April 2026
    assert fy[1].starts_at == Q3_START and fy[1].ends_at == Q3_END
    assert fy[3].starts_at == datetime(2027, 1, 1, tzinfo=UTC)  # GMT
    assert fy[0].previous() == Quarter.parse("FY2025-26Q4") and fy[3].next() == Quarter(
        2027, 1, True)
    assert fy[0].shifted(-4) == Quarter.parse("FY2025-26Q1")
    # a bare 2026Q1 is still the calendar quarter January to March
    assert Quarter.parse("2026Q1").first_day == date(2026, 1, 1)
    assert Quarter.containing(date(2026, 3, 31)) == Quarter.parse("FY2025-26Q4")
    assert Quarter.containing(date(2026, 4, 1)) == fy[0]
    assert Quarter.containing(date(2026, 4, 1), financial=False) == Quarter(2026, 2)
    assert Quarter.last_complete(date(2026, 10, 20)) == fy[1]
    assert Quarter.recent(date(2026, 2, 1), 3, financial=False) == [
        Quarter(2026, 1), Quarter(2025, 4), Quarter(2025, 3)]


def test_a_financial_quarter_counts_the_same_months_as_the_calendar_one(
        caseload: Workspace, profile: MissingProfile) -> None:
    fy = compute_profile(caseload, "FY2026-27Q2", home_la=HOME_LA, now=NOW)
    assert fy.quarter.financial and str(fy.quarter) == "FY2026-27Q2"
    for (label, a, _), (_, b, _) in zip(fy.headline(), profile.headline(), strict=True):
        assert a == b, label
    assert fy.previous is not None and str(fy.previous.quarter) == "FY2026-27Q1"
    assert fy.previous.volumes.episodes == profile.previous.volumes.episodes  # type: ignore


def test_four_earlier_quarters_give_the_year_ago_comparison_and_the_trend(
        caseload: Workspace, profile: MissingProfile) -> None:
    assert [str(p.quarter) for p in profile.earlier] == ["2026Q2", "2026Q1", "2025Q4",
                                                         "2025Q3"]
    assert [str(p.quarter) for p in profile.trend] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert profile.year_ago is profile.earlier[3]
    for p in profile.earlier:
        q = p.quarter
        assert p.volumes.episodes == len(Count(caseload, q.starts_at, q.ends_at).episodes)
        assert p.earlier == ()
    changes = {c.label: c for c in profile.comparison()}
    episodes = changes["Episodes"]
    assert episodes.year_ago == profile.earlier[3].volumes.episodes
    assert episodes.year_change == profile.volumes.episodes - episodes.year_ago


# -- the figures against an independent count ---------------------------------------------------


def test_volumes_equal_the_independent_count(profile: MissingProfile, count: Count) -> None:
    v = profile.volumes
    assert v.episodes == len(count.episodes) > 40
    assert v.children == len(count.children)
    assert v.repeat_children == count.repeat_children > 0
    assert v.repeat_episodes == sum(n for n in count.per_child.values() if n >= 3)
    assert v.not_returned == len([e for e in count.episodes if e.returned_at is None])
    assert rows(v.by_category) == {c.value: len([e for e in count.episodes if e.category == c])
                                   for c in EpisodeCategory}
    assert rows(v.by_risk_grade) == {
        g.value: len([e for e in count.episodes if e.police_risk_grade == g])
        for g in PoliceRiskGrade}
    assert sum(rows(v.by_category).values()) == v.episodes


def test_rhi_performance_equals_the_independent_count(profile: MissingProfile,
                                                      count: Count) -> None:
    r = profile.rhi
    assert r.returned == len(count.returned)
    assert r.offered == count.offered
    assert r.offered_within_72h == count.offered_72
    assert r.completed == count.completed
    assert r.completed_within_72h == count.completed_72
    assert r.declined == count.declined
    assert r.not_offered == count.not_offered
    assert nonzero(r.outcomes) == dict(Counter(count.outcome.values()))
    assert sum(rows(r.outcomes).values()) == r.returned
    # the amendment (parent declined) replaced the original (child declined)
    assert r.outcomes.count("declined_parent") >= 1
    assert profile.offered_pct == pytest.approx(100 * count.offered / len(count.returned))
    assert profile.completed_pct == pytest.approx(100 * count.completed / count.offered)
    who = Counter(a.get("interviewer_independence") for a in count.interviews)
    no_form = count.completed - len(count.interviews)
    assert nonzero(r.independence) == {
        **{k: n for k, n in who.items() if k}, **({"_no_form": no_form} if no_form else {})}
    assert r.not_independent == who["social_worker"] + who["carer_staff"] >= 1


def test_rhi_timeliness_against_every_returned_episode_and_the_reasons(
        profile: MissingProfile, count: Count) -> None:
    assert profile.completed_within_72h_of_returned_pct == pytest.approx(
        100 * count.completed_72 / len(count.returned))
    assert profile.completed_within_72h_pct == pytest.approx(
        100 * count.completed_72 / count.completed)
    r = profile.rhi
    assert r.overdue == len([o for o in count.outcome.values() if o == "no_outcome_overdue"])
    assert r.overdue >= 1
    expected: dict[str, Counter[str]] = {"not_offered": Counter(), "declined": Counter()}
    for e in count.returned:
        outcome = count.outcome[e.id]
        group = ("not_offered" if outcome.startswith("not_offered") else "declined"
                 if outcome.startswith("declined") else None)
        if group is None:
            continue
        form = count.forms.get(e.id)
        if form is None:
            expected[group]["_no_form"] += 1
        elif form.answers.get(f"{group}_reason"):
            expected[group][form.answers[f"{group}_reason"]] += 1
        elif form.answers.get("outcome_reason"):
            expected[group]["_text"] += 1
        else:
            expected[group]["_none"] += 1
    assert nonzero(r.not_offered_reasons) == dict(expected["not_offered"])
    assert nonzero(r.declined_reasons) == dict(expected["declined"])
    assert r.not_offered_reasons.base == r.not_offered and r.declined_reasons.base == r.declined
    assert r.not_offered_reasons.count("planted_reason") == 1


def test_the_links_equal_the_independent_count(profile: MissingProfile, count: Count) -> None:
    links = profile.links
    assert links.children == len(count.children)
    assert nonzero(links.by_risk_level) == dict(count.levels)
    assert sum(rows(links.by_risk_level).values()) == links.children
    assert links.screened == count.screened
    assert links.discussed_at_rmm == count.discussed >= 1
    assert links.nrm_referred == count.nrm >= 1
    assert links.nrm_on_record == count.nrm_flag >= 1
    assert nonzero(links.disruption) == dict(count.activities)
    assert links.disruption.base == sum(count.activities.values())
    assert links.disruption_children == count.disruption_children >= 1
    # the planted child: CAWN once (recorded at two meetings), hotel request, the v2 tactic;
    # not the placement move, the order not possible, or the licensing in October
    assert links.disruption.count("planted_tactic") == 1
    assert "placement_move" not in rows(links.disruption)
    assert rows(links.by_risk_level)["not_assessed"] >= 1


def test_the_risk_level_is_the_one_standing_at_the_end_of_the_quarter(
        tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "ws")
    kid = child(ws, "Wilhelmina", "Stroud")
    episode(ws, kid, at("2026-07-20T10:00:00+00:00"))
    first = record(ws, kid, SCREENING, at("2026-07-22T10:00:00+00:00"),
                   outcome={"level": "medium"})

    def level(quarter: str, now: datetime = NOW) -> dict[str, Any]:
        return nonzero(compute_profile(ws, quarter, now=now).links.by_risk_level)

    assert level("2026Q3") == {"medium": 1}
    record(ws, kid, SCREENING, at("2026-09-30T22:59:59+00:00"), outcome={"level": "high"},
           amends=first.id)
    assert level("2026Q3") == {"high": 1}  # 23:59:59 BST on 30 September: in time
    record(ws, kid, RMM, at("2026-09-30T23:00:00+00:00"), agreed_level="low",
           meeting_date="2026-10-01")
    assert level("2026Q3") == {"high": 1}  # the next quarter's meeting: too late
    # a quarter not yet over: the level now
    assert level("2026Q3", now=at("2026-08-01T00:00:00+00:00")) == {"medium": 1}
    # a child never assessed on a form: the level on their record
    other = child(ws, "Barnaby", "Quist", risk_level="medium")
    episode(ws, other, at("2026-07-21T10:00:00+00:00"))
    assert level("2026Q3") == {"high": 1, "medium": 1}


def test_the_home_authority_splits_looked_after_children(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "ws")
    for n, placing in enumerate(["Surrey County Council", "SURREY CC", " surrey ", "",
                                 "Royal Borough of Kingston upon Thames",
                                 "Brighton & Hove City Council"]):
        kid = child(ws, f"Lac{n}", "Fictionalby", legal_status=LegalStatus.LAC_S20,
                    placing_la=placing)
        episode(ws, kid, at("2026-08-01T10:00:00+00:00") + timedelta(days=n))

    def legal(home: str | None) -> dict[str, Any]:
        return nonzero(compute_profile(ws, "2026Q3", home_la=home).demographics.legal_status)

    assert legal("Surrey") == {"lac_own": 4, "lac_placed_in": 2}
    assert legal("Surrey County Council") == {"lac_own": 4, "lac_placed_in": 2}
    assert legal("Kingston upon Thames") == {"lac_own": 2, "lac_placed_in": 4}
    assert legal("Brighton and Hove") == {"lac_own": 2, "lac_placed_in": 4}
    # no home authority: looked after children are one row, not split
    assert legal(None) == {"lac": 6}
    assert "lac_own" not in rows(compute_profile(ws, "2026Q3").demographics.legal_status)
    assert compute_profile(ws, "2026Q3").looked_after == 6


def test_the_demographics_equal_the_independent_count(profile: MissingProfile,
                                                      count: Count) -> None:
    d = profile.demographics
    kids = count.children
    assert d.children == len(kids)
    assert nonzero(d.gender) == dict(Counter(p.gender or "Not recorded" for p in kids))
    assert nonzero(d.ethnicity) == dict(Counter(p.ethnicity or "Not recorded" for p in kids))
    lac = [p for p in kids if p.legal_status in ("lac_s20", "lac_s31", "lac_s38")]
    placed_in = [p for p in lac if p.placing_la.strip().lower() not in (
        "", "demo borough council") and " ".join(p.placing_la.split()).lower()
        != "demo borough council"]
    legal = rows(d.legal_status)
    assert legal["lac_placed_in"] == len(placed_in) >= 1
    assert legal["lac_own"] == len(lac) - len(placed_in)
    assert profile.looked_after == len(lac)
    assert legal["cp"] == len([p for p in kids if p.legal_status == "cp"])
    assert legal["cin"] == len([p for p in kids if p.legal_status == "cin"])
    assert legal["care_leaver"] == len([p for p in kids if p.legal_status == "care_leaver"])
    assert rows(d.characteristics) == {
        "uasc": len([p for p in kids if p.uasc]),
        "sen_support": len([p for p in kids if p.sen == "sen_support"]),
        "ehcp": len([p for p in kids if p.sen == "ehcp"])}
    # age at the start of each child's first episode in the quarter
    ages: Counter[str] = Counter()
    for p in kids:
        first = min(e.started_at for e in count.episodes if e.person_id == p.id)
        day = first.astimezone(UK).date()
        age = day.year - p.dob.year - ((day.month, day.day) < (p.dob.month, p.dob.day))
        band = ("Under 10" if age < 10 else "10 to 12" if age <= 12 else "13 to 14"
                if age <= 14 else "15 to 16" if age <= 16 else "17" if age == 17
                else "18 and over")
        ages[band] += 1
    assert nonzero(d.age_band) == dict(ages)
    assert nonzero(d.education) == dict(Counter(p.education_status.value for p in kids))


def test_the_themes_equal_the_independent_count(profile: MissingProfile, count: Count) -> None:
    t = profile.themes
    done = count.interviews
    assert t.interviews == len(done) > 10
    for breakdown, field in [(t.push, "push_factors"), (t.pull, "pull_factors"),
                             (t.harm, "harm"), (t.exploitation, "exploitation_indicators"),
                             (t.travel, "travel")]:
        expected: Counter[str] = Counter()
        for a in done:
            for value in a.get(field, []):
                expected[value] += 1
        assert nonzero(breakdown) == dict(expected), field
    assert t.harm_disclosed == len([a for a in done if set(a.get("harm", [])) - {"none"}])
    assert t.exploitation_indicated == len(
        [a for a in done if set(a.get("exploitation_indicators", [])) - {"none"}])
    assert t.other.count("drugs_alcohol") == len([a for a in done
                                                 if a.get("drugs_alcohol") == "yes"])
    assert t.other.count("online_contact") == len([a for a in done
                                                  if a.get("online_contact") == "yes"])
    assert t.push.count("bullying") == 1 and t.pull.count("adult_of_concern") >= 1


def test_the_hotspots_equal_the_independent_count(profile: MissingProfile,
                                                  count: Count) -> None:
    h = profile.hotspots
    assert h.recorded == len(count.recorded)
    assert h.located == len(count.located) > h.recorded
    assert h.returned == len(count.returned)
    assert h.where_found_recorded == len([e for e in count.returned if e.where_found.strip()])
    # where found comes from every episode, with an interview or not
    for place in demo._PLACES:
        assert rows(h.areas)[place] == len([e for e in count.episodes
                                            if e.where_found == place]) > 0, place
    assert rows(h.areas)["Planted Quayside Arcade"] == 1
    assert rows(h.areas)["Area withheld (a street address)"] == 1
    assert not any("12 Planted Road" in r.label for r in h.areas.rows)
    assert h.found_out_of_area == len([a for a in count.recorded
                                       if a.get("found_out_of_area") == "yes"])
    venues: Counter[str] = Counter()
    for a in count.recorded:
        venues.update({loc["loc_type"] for loc in a.get("locations", []) if "loc_type" in loc})
    assert nonzero(h.venue_types) == dict(venues)
    areas = rows(h.areas)
    assert areas["Demo Town centre"] == len([a for a in count.recorded
                                             if a.get("found_area") == "Demo Town centre"])
    # a postcode is cut to its sector, where found and in a place's text; towns out of area
    assert areas["ZZ99 5"] == 1 and areas["ZZ99 7"] == 1 and areas["Farshire Town"] == 1
    assert areas["Planted Riverside"] == 1
    assert not any("5AB" in k.upper() or "7QX" in k.upper() for k in areas)
    counts = [r.count for r in h.areas.rows]
    assert counts == sorted(counts, reverse=True)


def test_time_of_day_and_day_of_week_are_of_uk_local_starts(profile: MissingProfile,
                                                           count: Count) -> None:
    days: Counter[str] = Counter()
    bands: Counter[int] = Counter()
    for e in count.episodes:
        local = e.started_at.astimezone(UK)
        days[local.strftime("%A")] += 1
        bands[local.hour // 4] += 1
    assert nonzero(profile.timing.day_of_week) == dict(days)
    got = [r.count for r in profile.timing.time_of_day.rows]
    assert got == [bands[i] for i in range(6)]
    # the planted first-instant episode started at 00:00 BST on Wednesday 1 July
    assert Q3_START.astimezone(UK).strftime("%A %H:%M") == "Wednesday 00:00"


def test_the_previous_quarter_is_counted_the_same_way(caseload: Workspace,
                                                      profile: MissingProfile) -> None:
    before = Count(caseload, Q2_START, Q3_START)
    prev = profile.previous
    assert prev is not None and prev.quarter == Quarter(2026, 2)
    assert prev.volumes.episodes == len(before.episodes) >= 1
    assert prev.volumes.children == len(before.children)
    assert prev.rhi.offered == before.offered
    changes = {c.label: c for c in profile.comparison()}
    assert changes["Episodes"].change == profile.volumes.episodes - len(before.episodes)
    assert changes["RHIs completed"].change == profile.rhi.completed - before.completed


# -- edges ---------------------------------------------------------------------------------------


def test_repeat_children_have_three_or_more_episodes_in_the_quarter(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "ws")
    three, two = child(ws, "Tavi", "Oakhanger"), child(ws, "Bryn", "Lowcastle")
    for day in (2, 9, 16):
        episode(ws, three, datetime(2026, 7, day, 12, tzinfo=UTC))
    for day in (3, 10):
        episode(ws, two, datetime(2026, 7, day, 12, tzinfo=UTC))
    episode(ws, two, datetime(2026, 6, 20, 12, tzinfo=UTC))  # the quarter before
    p = compute_profile(ws, "2026Q3")
    assert (p.volumes.children, p.volumes.repeat_children, p.volumes.repeat_episodes) == (2, 1,
                                                                                          3)
    assert compute_profile(ws, "2026Q3", repeat_threshold=2).volumes.repeat_children == 2
    assert compute_profile(ws, "2026Q3", repeat_threshold=4).volumes.repeat_children == 0


def test_within_72_hours_includes_exactly_72_hours_and_not_a_second_more(
        tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "ws")
    kid = child(ws, "Ines", "Brightwater")
    start = datetime(2026, 7, 10, 9, tzinfo=UTC)
    for offer, interview in [(timedelta(hours=72), timedelta(hours=72)),
                             (timedelta(hours=72, seconds=1), timedelta(hours=72, seconds=1)),
                             (timedelta(hours=1), timedelta(hours=80)),
                             (None, None)]:
        ep = episode(ws, kid, start, hours=5)
        assert ep.returned_at is not None
        answers: dict[str, Any] = {"outcome": "completed"}
        if offer is not None and interview is not None:
            answers["offered_at"] = (ep.returned_at + offer).isoformat()
            answers["interview_at"] = (ep.returned_at + interview).isoformat()
        rhi(ws, ep, **answers)
        start += timedelta(days=5)
    r = compute_profile(ws, "2026Q3").rhi
    assert (r.offered, r.completed) == (4, 4)
    assert r.offered_within_72h == 2  # exactly 72 h, and 1 h
    assert r.completed_within_72h == 1  # exactly 72 h only
    assert r.offered_time_not_recorded == 1 and r.completed_time_not_recorded == 1


def test_open_episodes_are_counted_but_have_no_rhi(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "ws")
    kid = child(ws, "Cato", "Wetherby")
    episode(ws, kid, datetime(2026, 8, 1, tzinfo=UTC), hours=None)
    p = compute_profile(ws, "2026Q3")
    assert (p.volumes.episodes, p.volumes.not_returned, p.rhi.returned) == (1, 1, 0)
    assert p.offered_pct is None  # no base: no rate


def test_an_area_that_names_a_child_is_withheld(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "ws")
    kid = child(ws, "Perpetua", "Ashgrove", also_known_as=["Pip"])
    ep = episode(ws, kid, datetime(2026, 8, 1, tzinfo=UTC))
    rhi(ws, ep, outcome="completed", found_area="Pip's aunt's flat")
    areas = [r.label for r in compute_profile(ws, "2026Q3").hotspots.areas.rows]
    assert areas == ["Area withheld (the text names a person)"]


def test_bad_arguments_are_usage_errors(caseload: Workspace) -> None:
    with pytest.raises(UsageError):
        compute_profile(caseload, "Q3")
    with pytest.raises(UsageError):
        compute_profile(caseload, "2026Q3", repeat_threshold=0)


# -- suppression --------------------------------------------------------------------------------


def every_count(obj: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every count in a profile (dataclass fields and breakdown rows), with where it is."""
    import dataclasses

    found: list[tuple[str, Any]] = []
    if isinstance(obj, Breakdown):
        found.append((f"{path}.base", obj.base))
        found += [(f"{path}[{r.key}]", r.count) for r in obj.rows]
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.name in ("quarter", "home_la", "repeat_threshold", "generated_at",
                          "suppressed_below"):
                continue
            value = getattr(obj, f.name)
            if isinstance(value, bool):
                continue
            if isinstance(value, int | str):
                found.append((f"{path}.{f.name}", value))
            else:
                found += every_count(value, f"{path}.{f.name}")
    return found


def test_the_shareable_version_hides_every_count_from_1_to_4(profile: MissingProfile) -> None:
    shared = profile.suppress()
    assert shared.shareable and not profile.shareable and shared.suppressed_below == 5
    before = dict(every_count(profile))
    after = dict(every_count(shared))
    small = [k for k, v in before.items() if isinstance(v, int) and 1 <= v <= 4]
    assert len(small) > 5
    for key, value in after.items():
        assert not (isinstance(value, int) and 1 <= value <= 4), key
        assert value in ("<5", SECONDARY) or isinstance(value, int), key
    for key, value in before.items():
        if key not in after:  # merged areas
            continue
        if value == 0:
            assert after[key] == 0, key  # zero is shown
        elif isinstance(value, int) and value >= 5 and isinstance(after[key], int):
            assert after[key] == value, key
    for key in small:
        if key in after:  # a sum that includes a hidden row is hidden as "c"
            assert after[key] in ("<5", SECONDARY), key
    # the previous quarter is suppressed too
    assert shared.previous is not None and shared.previous.shareable


def test_percentages_and_changes_from_hidden_numbers_are_hidden(tmp_path: Path) -> None:
    ws = new_ws(tmp_path / "ws")
    kids = [child(ws, f"Kid{n}", "Fictionalson") for n in range(12)]
    start = datetime(2026, 7, 6, 12, tzinfo=UTC)
    for n, kid in enumerate(kids):
        ep = episode(ws, kid, start + timedelta(days=n), rhi_status=RhiStatus.DUE)
        if n < 3:
            assert ep.returned_at is not None
            rhi(ws, ep, outcome="completed", offered_at=ep.returned_at.isoformat(),
                interview_at=ep.returned_at.isoformat())
    episode(ws, kids[0], datetime(2026, 5, 1, tzinfo=UTC))  # previous quarter: 1 episode
    full = compute_profile(ws, "2026Q3", now=NOW)
    shared = full.suppress()
    assert full.rhi.completed == 3 and shared.rhi.completed == "<5"
    assert full.completed_pct == 100.0 and shared.completed_pct is None
    assert full.offered_pct == 25.0 and shared.offered_pct is None
    assert shared.volumes.episodes == 12  # not small: shown
    change = {c.label: c for c in shared.comparison()}["Episodes"]
    assert change.previous == "<5" and change.change is None
    # a single hidden row of a table with a shown total: the next smallest is hidden too
    outcomes = shared.rhi.outcomes
    assert outcomes.count("completed") == "<5"
    assert outcomes.count("no_outcome_overdue") == SECONDARY and shared.rhi.overdue == SECONDARY
    assert full.rhi.overdue == 9
    assert outcomes.pct(outcomes.rows[0]) is None
    # and a sum that includes a hidden row is hidden
    assert shared.rhi.offered == SECONDARY


def test_suppression_threshold_is_configurable_and_idempotent(profile: MissingProfile) -> None:
    shared = profile.suppress(10)
    assert all(not (isinstance(v, int) and 1 <= v <= 9) for _, v in every_count(shared))
    assert shared.suppress(10) is shared
    with pytest.raises(ValueError, match="threshold"):
        profile.suppress(1)


def test_no_childs_name_is_anywhere_in_the_profile(caseload: Workspace,
                                                   profile: MissingProfile) -> None:
    text = repr(profile) + repr(profile.suppress())
    for p in caseload.people.list():
        for name in (p.given_name, p.family_name, *p.also_known_as):
            assert name not in text, name
