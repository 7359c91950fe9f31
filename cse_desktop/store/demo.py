"""A deterministic, clearly fictional demo caseload.

Every name is invented, every person carries the ``DEMO`` flag, postcodes use the ZZ99 area
(not a real UK postcode district), and police references start with ``DEMO-``.  The same seed
on the same day gives the same caseload, ids included.  Dates are placed relative to today so
the demo always has recent missing episodes, due interviews and upcoming reviews.

Submissions hold simple free-text answers for now; once the form engine's forms land they will
be generated from the real form definitions.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from cse_desktop.domain.ids import RecordId
from cse_desktop.domain.models import (
    Action,
    ActionStatus,
    Association,
    AssociationKind,
    EducationStatus,
    Episode,
    EpisodeCategory,
    LegalStatus,
    Person,
    PoliceRiskGrade,
    RhiStatus,
    RiskLevel,
    SenStatus,
    Submission,
)
from cse_desktop.store.workspace import Workspace

#: The passphrase of the demo workspace the desktop app offers to open (it holds no real data).
DEMO_PASSPHRASE = "demo-workspace-fictional"  # noqa: S105 - the demo holds no real data
DEMO_FLAG = "DEMO"

_GIVEN = ["Ashlyn", "Bram", "Corin", "Dace", "Elowen", "Fenn", "Gwyn", "Hollis", "Isla-Mae",
          "Jory", "Kestrel", "Lark", "Marlo", "Nyah", "Orrin", "Perrin", "Quill", "Rowan",
          "Sorrel", "Tamsin", "Ula", "Vesper", "Wren", "Yara", "Zeph"]
_FAMILY = ["Ambervale", "Brackenridge", "Coldharbour", "Dunmore", "Everholt", "Fallowfield",
           "Greythorn", "Hazelmere", "Ivybridge-Lowe", "Juniperwood", "Kingsmead", "Larkspur",
           "Moorcroft", "Netherby", "Oakhollow", "Pennywhistle", "Quarrydale", "Rookwood",
           "Silverbirch", "Thistledown"]
_ALIASES = ["Ace", "Bex", "Cricket", "Dusty", "Echo", "Flick", "Gizmo", "Jinx", "Moth", "Pip"]
_SCHOOLS = ["Fictional Park Academy", "Imaginary Vale School", "Demo Hill College"]
_AREAS = ["Northfold", "Eastmere", "Southwick Green", "Westbury Vale", "Town Centre (demo)"]
_PLACES = ["Bus station (demo)", "Retail park car park (demo)", "Takeaway on Demo Street",
           "Flat above the arcade (demo)", "Riverside park (demo)"]
_WORKERS = ["J. Demo-Worker", "P. Sample-Worker", "R. Example-Worker"]
_AGENCIES = ["Children's social care", "Police", "Education", "Health", "Youth service"]


def _uuid(rng: random.Random) -> RecordId:
    return RecordId(str(uuid.UUID(int=rng.getrandbits(128), version=4)))


def populate(ws: Workspace, *, people: int = 25, seed: int = 1,
             today: date | None = None) -> dict[str, int]:
    """Add a demo caseload to ``ws`` in one transaction; returns counts per record kind."""
    rng = random.Random(seed)  # noqa: S311 - deterministic fictional data, not security
    today = today or date.today()
    now = datetime.combine(today, time(12, 0), UTC)
    counts = {"person": 0, "episode": 0, "submission": 0, "action": 0, "association": 0}
    with ws.transaction():
        for i in range(people):
            person = _person(rng, i, today)
            ws.people.add(person)
            counts["person"] += 1
            for episode in _episodes(rng, person, now):
                ws.episodes.add(episode)
                counts["episode"] += 1
                if episode.rhi_status is RhiStatus.COMPLETED:
                    rhi = Submission(id=_uuid(rng), form_id="return-home-interview",
                                     form_version=1, person_id=person.id, episode_id=episode.id,
                                     answers={"childs_account": "Fictional account for the demo."})
                    ws.submissions.add(rhi)
                    ws.submissions.finalise(rhi.id)
                    counts["submission"] += 1
            session = Submission(id=_uuid(rng), form_id="parent-session", form_version=1,
                                 person_id=person.id,
                                 answers={"summary": "Demo session note: carer worried about "
                                                     "late nights; agreed a check-in plan."})
            ws.submissions.add(session)
            counts["submission"] += 1
            if rng.random() < 0.6:
                ws.submissions.finalise(session.id)
            for _ in range(rng.randint(0, 3)):
                ws.actions.add(Action(
                    id=_uuid(rng), person_id=person.id,
                    text=rng.choice(["Safety plan review with the young person",
                                     "School to share attendance weekly",
                                     "Disruption visit to the location of concern",
                                     "Referral to the specialist exploitation service"]),
                    owner=rng.choice(_WORKERS), agency=rng.choice(_AGENCIES),
                    due=today + timedelta(days=rng.randint(-10, 30)),
                    status=rng.choice([ActionStatus.OPEN, ActionStatus.OPEN, ActionStatus.DONE])))
                counts["action"] += 1
            if rng.random() < 0.5:
                kind = rng.choice([AssociationKind.PLACE, AssociationKind.PERSON,
                                   AssociationKind.VEHICLE])
                description = {AssociationKind.PLACE: rng.choice(_PLACES),
                               AssociationKind.PERSON: "Adult male known as 'Demo-K' (fictional)",
                               AssociationKind.VEHICLE: "Grey hatchback, plate DEMO 123"}[kind]
                ws.associations.add(Association(id=_uuid(rng), person_id=person.id,
                                                association_kind=kind, description=description,
                                                area=rng.choice(_AREAS)))
                counts["association"] += 1
    return counts


def _person(rng: random.Random, i: int, today: date) -> Person:
    age_days = rng.randint(11 * 365, 17 * 365 + 300)
    level = rng.choice([RiskLevel.NOT_ASSESSED, RiskLevel.NONE, RiskLevel.LOW, RiskLevel.LOW,
                        RiskLevel.MEDIUM, RiskLevel.MEDIUM, RiskLevel.HIGH])
    return Person(
        id=_uuid(rng),
        given_name=_GIVEN[i % len(_GIVEN)],
        family_name=_FAMILY[(i * 7 + i // len(_GIVEN)) % len(_FAMILY)],
        also_known_as=[rng.choice(_ALIASES)] if rng.random() < 0.3 else [],
        dob=today - timedelta(days=age_days),
        gender=rng.choice(["Female", "Male", "Non-binary", "Not stated"]),
        ethnicity=rng.choice(["White British", "Mixed White and Black Caribbean",
                              "Asian British", "Black British", "Not stated"]),
        address=f"{rng.randint(1, 99)} Imaginary Road, Demo Town",
        postcode=f"ZZ99 {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}",
        school=rng.choice(_SCHOOLS),
        education_status=rng.choice(list(EducationStatus)),
        sen=rng.choice([SenStatus.NONE, SenStatus.NONE, SenStatus.SEN_SUPPORT, SenStatus.EHCP]),
        legal_status=rng.choice(list(LegalStatus)),
        uasc=rng.random() < 0.05,
        allocated_worker=rng.choice(_WORKERS),
        team="Demo Exploitation Team",
        risk_level=level,
        next_review=today + timedelta(days=rng.randint(-14, 90)),
        flags=[DEMO_FLAG],
    )


def _episodes(rng: random.Random, person: Person, now: datetime) -> list[Episode]:
    episodes = []
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
        start = now - timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 23))
        returned = start + timedelta(hours=rng.randint(2, 60))
        if returned > now:
            returned = None
        if returned is None:
            status = RhiStatus.NOT_YET_DUE
        elif now - returned < timedelta(hours=72):
            status = rng.choice([RhiStatus.DUE, RhiStatus.OFFERED])
        else:
            status = rng.choice([RhiStatus.COMPLETED, RhiStatus.COMPLETED, RhiStatus.DECLINED,
                                 RhiStatus.NOT_OFFERED])
        episodes.append(Episode(
            id=_uuid(rng), person_id=person.id,
            police_reference=f"DEMO-{rng.randint(10000, 99999)}",
            category=rng.choice([EpisodeCategory.MISSING, EpisodeCategory.MISSING,
                                 EpisodeCategory.AWAY_FROM_PLACEMENT]),
            police_risk_grade=rng.choice(list(PoliceRiskGrade)),
            started_at=start, returned_at=returned,
            where_found=rng.choice(_PLACES) if returned else "",
            how_returned=rng.choice(["Self", "Police", "Parent", "Carer"]) if returned else "",
            rhi_status=status))
    return episodes
