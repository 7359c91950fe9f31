"""The benchmarks' fictional data: a deterministic generator of records (the same seed gives
the same data), shared by the store, sync and desktop benchmarks.

Every name is invented; postcodes use ZZ99 (no such UK district); police references start
BENCH-; every person carries the BENCH flag.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cse_desktop.domain.models import (
    EducationStatus,
    Episode,
    EpisodeCategory,
    LegalStatus,
    Owner,
    Person,
    PoliceRiskGrade,
    Record,
    RhiStatus,
    RiskLevel,
    Role,
    SenStatus,
    Submission,
    SubmissionStatus,
)

#: the owner of every benchmark workspace, and the team of every generated person
OWNER = Owner(name="B. Bench-Worker (fictional)", role=Role.PRACTITIONER,
              team="Bench Exploitation Team (fictional)")

GIVEN = ["Ashlyn", "Bram", "Corin", "Dace", "Elowen", "Fenn", "Gwyn", "Hollis", "Isla-Mae",
         "Jory", "Kestrel", "Lark", "Marlo", "Nyah", "Orrin", "Perrin", "Quill", "Rowan",
         "Sorrel", "Tamsin", "Ula", "Vesper", "Wren", "Yara", "Zeph", "Arlo", "Briar", "Cove",
         "Delphi", "Emrys", "Fable", "Greer", "Haven", "Indigo", "Juno", "Kit", "Linden",
         "Merritt", "Nova", "Oakley", "Piper", "Reed", "Sage", "Tarn", "Umber", "Vale",
         "Winslow", "Xanthe", "Yarrow", "Zinnia"]
FAMILY_HEAD = ["Amber", "Bracken", "Cold", "Dun", "Ever", "Fallow", "Grey", "Hazel", "Ivy",
               "Juniper", "King", "Lark", "Moor", "Nether", "Oak", "Penny", "Quarry", "Rook",
               "Silver", "Thorn", "Under", "Vell", "Willow", "Yew", "Ash", "Birch", "Cinder",
               "Dapple", "Elder", "Fern"]
FAMILY_TAIL = ["vale", "ridge", "harbour", "more", "holt", "field", "thorne", "mere", "bridge",
               "wood", "mead", "spur", "croft", "by", "hollow", "whistle", "dale", "ford", "ley",
               "stead"]
ALIASES = ["Ace", "Bex", "Cricket", "Dusty", "Echo", "Flick", "Gizmo", "Jinx", "Moth", "Pip",
           "Rook", "Sparks", "Tiny", "Vix", "Ziggy"]
SCHOOLS = ["Fictional Park Academy", "Imaginary Vale School", "Bench Hill College",
           "Notional Green Primary", "Example Fields Academy"]
PLACES = ["Bus station (fictional)", "Retail park car park (fictional)",
          "Takeaway on Bench Street", "Flat above the arcade (fictional)",
          "Riverside park (fictional)", "Out-of-area town (fictional)"]
WORKERS = ["J. Bench-Worker", "P. Sample-Worker", "R. Example-Worker", "S. Test-Worker"]
SENTENCES = [
    "Fictional benchmark text: the young person said they had been staying with friends.",
    "Carer reports late returns on school nights; agreed a check-in plan (fictional).",
    "School attendance has dropped this half term according to the fictional school.",
    "Young person declined to say where they had been but agreed to meet again next week.",
    "Concern about an older peer group seen near the retail park (fictional account).",
    "Worker observed a new phone and new clothes; the young person said they were gifts.",
    "Safety plan reviewed with the young person and their carer; both engaged well.",
    "Police shared that the young person was found in an out-of-area town (fictional).",
]
VULNERABILITIES = ["neglect_history", "family_breakdown", "domestic_abuse",
                   "parental_substance_misuse", "parental_mental_health", "low_self_esteem",
                   "unsuitable_accommodation", "isolation", "no_protective_adult",
                   "looked_after", "uasc_or_nrm", "sen_or_learning_disability", "care_leaver",
                   "bereavement", "identity_exploration"]
INDICATORS = ["staying_out_late", "whereabouts_unknown", "missing_overnight",
              "found_out_of_area", "older_partner", "peers_of_concern", "unknown_callers",
              "adults_of_concern", "new_friendship_group", "unexplained_money",
              "multiple_phones", "hotel_key_cards", "drugs_alcohol_supplied",
              "picked_up_in_cars", "online_contact_unknown_adults", "sexual_health_concern",
              "self_harm", "school_exclusion", "carrying_for_others", "debt_bondage"]
CRITICAL = ["disclosure", "under_13_sexual_activity", "exchange_of_sex", "abduction",
            "trafficking", "carrying_for_others", "hotel_or_out_of_area"]


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(low, high)))


class Fiction:
    """A deterministic generator of fictional records (the same seed gives the same data)."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        # midnight at the start of today: every generated time is in the past (the store
        # refuses episode times in the future), and the same seed still gives the same data
        self.now = datetime(today.year, today.month, today.day, tzinfo=UTC)

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def person(self) -> Person:
        rng = self.rng
        age_days = rng.randint(10 * 365, 17 * 365 + 300)
        return Person(
            id=self.uid(),
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY_HEAD) + rng.choice(FAMILY_TAIL),
            also_known_as=rng.sample(ALIASES, rng.choice([0, 0, 0, 1, 1, 2])),
            dob=self.today - timedelta(days=age_days),
            gender=rng.choice(["Female", "Male", "Non-binary", "Not stated"]),
            ethnicity=rng.choice(["White British", "Mixed White and Black Caribbean",
                                  "Asian British", "Black British", "Not stated"]),
            address=f"{rng.randint(1, 199)} Imaginary Road, Bench Town",
            postcode=f"ZZ99 {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}",
            school=rng.choice(SCHOOLS),
            education_status=rng.choice(list(EducationStatus)),
            sen=rng.choice([SenStatus.NONE, SenStatus.NONE, SenStatus.SEN_SUPPORT,
                            SenStatus.EHCP]),
            legal_status=rng.choice(list(LegalStatus)),
            placing_la=rng.choice(["", "", "Fictional County Council"]),
            uasc=rng.random() < 0.05,
            nrm_referral=rng.random() < 0.08,
            allocated_worker=rng.choice(WORKERS),
            team=OWNER.team,
            risk_level=rng.choice(list(RiskLevel)),
            next_review=self.today + timedelta(days=rng.randint(-14, 120)),
            flags=["BENCH"],
        )

    def episode(self, person_id: str) -> Episode:
        rng = self.rng
        start = self.now - timedelta(days=rng.randint(1, 3 * 365), hours=rng.randint(0, 23))
        returned = None if rng.random() < 0.03 else start + timedelta(hours=rng.randint(2, 96))
        if returned is not None and returned > self.now:  # the store refuses future times
            returned = self.now
        status = RhiStatus.NOT_YET_DUE if returned is None else rng.choice(
            [RhiStatus.COMPLETED, RhiStatus.COMPLETED, RhiStatus.DECLINED, RhiStatus.NOT_OFFERED,
             RhiStatus.OFFERED])
        return Episode(
            id=self.uid(), person_id=person_id,
            police_reference=f"BENCH-{rng.randint(100000, 999999)}",
            category=rng.choice([EpisodeCategory.MISSING, EpisodeCategory.MISSING,
                                 EpisodeCategory.AWAY_FROM_PLACEMENT]),
            police_risk_grade=rng.choice(list(PoliceRiskGrade)),
            started_at=start, returned_at=returned,
            where_found=rng.choice(PLACES) if returned else "",
            how_returned=rng.choice(["Self", "Police", "Parent", "Carer"]) if returned else "",
            rhi_status=status)

    def submission(self, person_id: str, episode: Episode | None) -> Submission:
        """A return home interview (when linked to an episode), a screening or a session note."""
        rng = self.rng
        if episode is not None:
            form_id, answers = "return-home-interview", self._rhi_answers()
        elif rng.random() < 0.3:
            form_id, answers = "exploitation-screening", self._screening_answers()
        else:
            form_id = rng.choice(["parent-session", "chronology-note", "direct-work-session"])
            answers = {"summary": _text(rng, 1, 4), "attendees": rng.sample(WORKERS, 2),
                       "follow_up": rng.random() < 0.4}
        final = rng.random() < 0.9
        outcome = None
        if final and form_id == "exploitation-screening":
            total = rng.randint(0, 30)
            outcome = {"total": total, "suggested_level": rng.choice(["low", "medium", "high"]),
                       "rules_fired": rng.sample(["any_critical", "significant_ge_1",
                                                  "moderate_ge_4", "under_13_any_high"], 2)}
        return Submission(
            id=self.uid(), form_id=form_id, form_version=rng.choice([1, 1, 2]),
            person_id=person_id, episode_id=episode.id if episode is not None else None,
            answers=answers, outcome=outcome,
            status=SubmissionStatus.FINAL if final else SubmissionStatus.DRAFT,
            finalised_at=self.now - timedelta(days=rng.randint(0, 900)) if final else None,
            finalised_by=rng.choice(WORKERS) if final else "")

    def _rhi_answers(self) -> dict[str, Any]:
        rng = self.rng
        return {"offered_within_72h": rng.random() < 0.8,
                "completed_by": rng.choice(["independent", "social_worker", "youth_worker"]),
                "childs_account": _text(rng, 2, 5), "where_stayed": rng.choice(PLACES),
                "with_whom": _text(rng, 0, 1), "push_factors": _text(rng, 0, 2),
                "pull_factors": _text(rng, 0, 2),
                "exploitation_indicators": rng.sample(INDICATORS, rng.randint(0, 4)),
                "harm_while_missing": rng.choice(["no", "possible", "yes"]),
                "actions": _text(rng, 1, 2)}

    def _screening_answers(self) -> dict[str, Any]:
        rng = self.rng
        yn = ["yes", "no", "no", "no", "possible"]
        return {
            "context": {"reason": _text(rng, 1, 2),
                        "trigger": rng.choice(["new_concern", "missing_episode", "rhi_finding",
                                               "disclosure", "review"]),
                        "sources": rng.sample(["child", "carer", "school", "police", "health",
                                               "yos", "csc"], 3),
                        "child_involved": rng.random() < 0.7},
            "immediate_danger": False,
            "critical": {name: rng.choice(["no", "no", "no", "possible"]) for name in CRITICAL},
            "vulnerabilities": {name: rng.choice(yn) for name in VULNERABILITIES},
            "indicators": {name: {"present": rng.choice(yn),
                                  "timing": rng.choice(["current", "6_12_months", "historic"]),
                                  "evidence": rng.choice(["evidenced", "reported",
                                                          "professional_concern"]),
                                  "detail": _text(rng, 0, 1)}
                           for name in INDICATORS},
            "exploitation_type": rng.sample(["cse", "cce", "county_lines", "online"], 2),
            "strengths": _text(rng, 1, 2), "childs_view": _text(rng, 1, 2),
            "danger_statement": _text(rng, 1, 1), "safety_goal": _text(rng, 1, 1),
            "agreed_level": rng.choice(["low", "medium", "high"]),
        }

    # -- whole caseloads -------------------------------------------------------------------

    def spread(self, total: int, people: int) -> list[int]:
        """``total`` items over ``people``, skewed (a few children go missing very often)."""
        if people == 0:
            return []
        weights = [self.rng.paretovariate(1.6) for _ in range(people)]
        counts = Counter(self.rng.choices(range(people), weights=weights, k=total))
        return [counts.get(i, 0) for i in range(people)]

    def caseload(self, episodes: Sequence[int], submissions: Sequence[int]) -> Iterator[Record]:
        """Records in dependency order: each person, then their episodes and submissions."""
        for n_episodes, n_submissions in zip(episodes, submissions, strict=True):
            person = self.person()
            yield person
            eps = [self.episode(person.id) for _ in range(n_episodes)]
            yield from eps
            returned = [e for e in eps if e.returned_at is not None]
            for _ in range(n_submissions):
                link = returned and self.rng.random() < 0.35
                yield self.submission(person.id, self.rng.choice(returned) if link else None)


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk
