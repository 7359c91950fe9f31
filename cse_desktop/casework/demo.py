"""A deterministic, clearly fictional demo caseload.

Every name is invented, every person carries the ``DEMO`` flag, postcodes use the ZZ99 area
(not a real UK postcode district), and police references start with ``DEMO-``.  The same seed
on the same day gives the same caseload, ids included.  Dates are placed relative to today so
the demo always has recent missing episodes, due interviews and upcoming reviews.

Submissions are real: each is the form's shipped sample (``forms/<id>/v1.sample.json``) moved
to the demo's dates, varied, and finalised through the form engine, so the demo's risk levels
are the screening rules' own results.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cse_desktop.casework.submissions import finalise, save_draft
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
    Owner,
    Person,
    PoliceRiskGrade,
    RhiStatus,
    Role,
    SenStatus,
)
from cse_desktop.forms.engine import FormContext, FormEngine
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.samples import Sample, load_samples
from cse_desktop.forms.spec import FormSpec, IndicatorField, RepeatField, Tier
from cse_desktop.store.keys import KdfParams
from cse_desktop.store.locations import demo_workspace
from cse_desktop.store.workspace import Workspace

#: The passphrase of the demo workspace the desktop app offers to open (it holds no real data).
DEMO_PASSPHRASE = "demo-workspace-fictional"  # noqa: S105 - the demo holds no real data
DEMO_FLAG = "DEMO"
DEMO_OWNER = Owner(name="Demo Practitioner", role=Role.PRACTITIONER, team="Demo Exploitation Team")
DEMO_PEOPLE = 25
#: the young people ``populate(showcase=True)`` adds (see ``_Demo.add_showcase``)
SHOWCASE_PEOPLE = 5
DEMO_SEED = 1

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


def open_or_create(*, kdf: KdfParams | None = None) -> Workspace:
    """The demo workspace at its usual place, created and filled on first use."""
    folder = demo_workspace()
    if Workspace.exists(folder):
        ws = Workspace.open(folder, DEMO_PASSPHRASE)
    else:
        ws, _recovery_code = Workspace.create(folder, DEMO_PASSPHRASE, DEMO_OWNER, kdf=kdf)
    try:
        if ws.people.count(include_deleted=True) == 0:  # new, or a first fill cut short
            populate(ws, people=DEMO_PEOPLE, seed=DEMO_SEED, showcase=True)
    except BaseException:
        ws.lock()
        raise
    return ws


def populate(ws: Workspace, *, people: int = DEMO_PEOPLE, seed: int = DEMO_SEED,
             today: date | None = None, engine: FormEngine | None = None,
             showcase: bool = False) -> dict[str, int]:
    """Add a demo caseload to ``ws`` in one transaction; returns counts per record kind.

    ``showcase`` adds five young people whose records show what a newcomer should see: a
    return home interview due, one overdue, one held late, one declined with its reason, and
    a meeting that discussed several themes and decided several things at once.
    """
    rng = random.Random(seed)  # noqa: S311 - deterministic fictional data, not security
    today = today or date.today()
    now = datetime.combine(today, time(12, 0), UTC)
    engine = engine or FormEngine(FormRegistry.load())
    samples = {s.form_id: s for s in load_samples(engine.registry.root)}
    demo = _Demo(ws, engine, samples, rng, now)
    with ws.transaction():
        for i in range(people):
            demo.add_person(i)
        if showcase:
            demo.add_showcase(people)
    return demo.counts


class _Demo:
    def __init__(self, ws: Workspace, engine: FormEngine, samples: dict[str, Sample],
                 rng: random.Random, now: datetime) -> None:
        self.ws, self.engine, self.samples, self.rng, self.now = ws, engine, samples, rng, now
        self.counts = {"person": 0, "episode": 0, "submission": 0, "action": 0,
                       "association": 0}

    def add_person(self, i: int) -> None:
        rng, ws = self.rng, self.ws
        person = ws.people.add(_person(rng, i, self.now.date()))
        self.counts["person"] += 1
        episodes = [ws.episodes.add(e) for e in _episodes(rng, person, self.now)]
        self.counts["episode"] += len(episodes)
        if rng.random() < 0.85:
            self._screening(person)
        for episode in episodes:
            if episode.rhi_status is RhiStatus.COMPLETED:
                self._rhi(person, episode)
        if rng.random() < 0.6:
            self._parent_session(person, final=rng.random() < 0.7)
        person = ws.people.get(person.id)
        if person.risk_level.value in ("medium", "high"):
            self._rmm(person)
        for _ in range(rng.randint(0, 3)):
            ws.actions.add(Action(
                id=_uuid(rng), person_id=person.id,
                text=rng.choice(["Safety plan review with the young person",
                                 "School to share attendance weekly",
                                 "Disruption visit to the location of concern",
                                 "Referral to the specialist exploitation service"]),
                owner=rng.choice(_WORKERS), agency=rng.choice(_AGENCIES),
                due=self.now.date() + timedelta(days=rng.randint(-10, 30)),
                status=rng.choice([ActionStatus.OPEN, ActionStatus.OPEN, ActionStatus.DONE])))
            self.counts["action"] += 1
        if rng.random() < 0.5:
            kind = rng.choice([AssociationKind.PLACE, AssociationKind.PERSON,
                               AssociationKind.VEHICLE])
            description = {AssociationKind.PLACE: rng.choice(_PLACES),
                           AssociationKind.PERSON: "Adult male known as 'Demo-K' (fictional)",
                           AssociationKind.VEHICLE: "Grey hatchback, plate DEMO 123"}[kind]
            ws.associations.add(Association(id=_uuid(rng), person_id=person.id,
                                            association_kind=kind, description=description,
                                            area=rng.choice(_AREAS)))
            self.counts["association"] += 1

    # -- the showcase: one young person for each thing a newcomer should see ---------------

    def add_showcase(self, first: int) -> None:
        now = self.now
        due = self._showcase_person(first, "Due", returned=now - timedelta(hours=20))
        overdue = self._showcase_person(first + 1, "Overdue", returned=now - timedelta(hours=80))
        late = self._showcase_person(first + 2, "Late", returned=now - timedelta(days=9))
        declined = self._showcase_person(first + 3, "Declined", returned=now - timedelta(days=6))
        themes = self._showcase_person(first + 4, "Themes", returned=now - timedelta(days=12))
        del due, overdue  # their interviews are still owed: the 72-hour clock shows it
        person, episode = late
        assert episode.returned_at is not None
        self._interview(person, episode, episode.returned_at + timedelta(hours=96), {
            "late_reason": "The young person was staying with family out of the area "
                           "(fictional) until the fourth day."})
        person, episode = declined
        assert episode.returned_at is not None
        self._interview(person, episode, episode.returned_at + timedelta(hours=30), {
            "outcome": "declined_child", "declined_reason": "talking_to_trusted_worker",
            "outcome_reason": "Offered at home and at school (fictional); they said they talk "
                              "to their youth worker and did not want another interview."})
        person, episode = themes
        assert episode.returned_at is not None
        self._interview(person, episode, episode.returned_at + timedelta(hours=40), {
            "push_factors": ["family_conflict", "placement_unhappy"],
            "pull_factors": ["adult_of_concern", "gang_work", "online_contact"]})
        at = now - timedelta(days=2)
        answers = self._shifted("rmm-review", at)
        answers.update({"agreed_level": "high", "trajectory": "increased",
                        "themes": ["missing", "adults_of_concern", "county_lines", "online",
                                   "transport"],
                        "outcomes": ["remain_rmm", "strategy_s47", "nrm"]})
        self._finalise("rmm-review", person, answers, at)

    def _showcase_person(self, i: int, name: str,
                         returned: datetime) -> tuple[Person, Episode]:
        person = _person(self.rng, i, self.now.date()).model_copy(update={
            "given_name": name, "family_name": "Showcase", "also_known_as": [],
            "legal_status": LegalStatus.CIN})
        person = self.ws.people.add(person)
        episode = self.ws.episodes.add(Episode(
            id=_uuid(self.rng), person_id=person.id, police_reference=f"DEMO-{90000 + i}",
            category=EpisodeCategory.MISSING, police_risk_grade=PoliceRiskGrade.MEDIUM,
            started_at=returned - timedelta(hours=26), returned_at=returned,
            where_found=_PLACES[i % len(_PLACES)], how_returned="Police",
            rhi_status=RhiStatus.DUE))
        self.counts["person"] += 1
        self.counts["episode"] += 1
        return person, episode

    def _interview(self, person: Person, episode: Episode, at: datetime,
                   changes: dict[str, Any]) -> None:
        """A return home interview from the form's sample, held (or tried) at ``at``."""
        sample = self.samples["return-home-interview"]
        spec = self.engine.form(sample.form_id, sample.version).spec
        assert sample.episode is not None and sample.episode.returned_at is not None
        assert episode.returned_at is not None
        answers = shift_dates(spec, sample.answers, episode.returned_at
                              - sample.episode.returned_at)
        answers["offered_at"] = (at - timedelta(hours=2)).isoformat()
        answers["interview_at"] = at.isoformat()
        answers.update(changes)
        self._finalise(sample.form_id, person, answers, at + timedelta(hours=3),
                       episode=episode)

    # -- submissions, from the forms' own samples ------------------------------------------

    def _finalise(self, form_id: str, person: Person, answers: dict[str, Any], at: datetime,
                  episode: Episode | None = None, final: bool = True) -> None:
        draft = self.engine.start(form_id, person.id,
                                  episode_id=episode.id if episode else None)
        draft = self.engine.set_answers(draft.model_copy(update={"id": _uuid(self.rng)}),
                                        answers)
        if final:
            finalise(self.ws, self.engine, draft, now=at)
        else:
            save_draft(self.ws, draft)
        self.counts["submission"] += 1

    def _shifted(self, form_id: str, to: datetime) -> dict[str, Any]:
        sample = self.samples[form_id]
        spec = self.engine.form(form_id, sample.version).spec
        return shift_dates(spec, sample.answers, to - sample.now)

    def _screening(self, person: Person) -> None:
        rng = self.rng
        at = self.now - timedelta(days=rng.randint(3, 60), hours=rng.randint(0, 6))
        spec = self.engine.form("exploitation-screening").spec
        answers = self._shifted("exploitation-screening", at)
        for f in spec.all_fields():
            if isinstance(f, IndicatorField):
                answers.pop(f.id, None)
        weight = rng.choice([0.02, 0.05, 0.1, 0.18, 0.25])
        for f in spec.all_fields():
            if not isinstance(f, IndicatorField) or rng.random() > weight:
                continue
            if f.tier is Tier.CRITICAL and rng.random() > 0.2:
                continue
            value = {"present": rng.choice(["yes", "yes", "possible"]) if f.allow_possible
                     else "yes"}
            if f.asks_timing:
                allowed = {t.value for t in f.timing_values}
                value["timing"] = rng.choice([t for t in ("current", "current", "6-12m",
                                                          "both", "historic") if t in allowed])
            answers[f.id] = value
        draft = self.engine.set_answers(self.engine.start(spec.id, person.id), answers)
        ctx = FormContext.for_person(person, self.ws.episodes.list(person_id=person.id),
                                     now=at)
        answers["agreed_level"] = self.engine.outcome(draft, ctx)["suggested_level"]
        self._finalise(spec.id, person, answers, at)

    def _rhi(self, person: Person, episode: Episode) -> None:
        sample = self.samples["return-home-interview"]
        assert episode.returned_at is not None and sample.episode is not None
        delta = episode.returned_at - sample.episode.returned_at  # type: ignore[operator]
        at = sample.now + delta
        if at > self.now:
            return
        spec = self.engine.form(sample.form_id, sample.version).spec
        answers = shift_dates(spec, sample.answers, delta)  # the episode's details: its own
        self._finalise(sample.form_id, person, answers, at, episode=episode)

    def _parent_session(self, person: Person, final: bool) -> None:
        at = self.now - timedelta(days=self.rng.randint(1, 40))
        self._finalise("parent-session", person, self._shifted("parent-session", at), at,
                       final=final)

    def _rmm(self, person: Person) -> None:
        at = self.now - timedelta(days=self.rng.randint(0, 6))
        answers = self._shifted("rmm-review", at)
        answers["agreed_level"] = person.risk_level.value
        answers["trajectory"] = self.rng.choice(["increased", "same", "reduced"])
        self._finalise("rmm-review", person, answers, at)


def shift_dates(spec: FormSpec, answers: dict[str, Any], delta: timedelta) -> dict[str, Any]:
    """A copy of ``answers`` with every date and date-time moved by ``delta``."""
    fields = {f.id: f for f in spec.all_fields()}

    def shift(field: Any, value: Any) -> Any:
        if value is None:
            return None
        if field.type == "date":
            return (date.fromisoformat(value) + timedelta(days=round(delta / timedelta(days=1)))
                    ).isoformat()
        if field.type == "datetime":
            return (datetime.fromisoformat(value) + delta).isoformat()
        if isinstance(field, RepeatField):
            subs = {f.id: f for f in field.fields}
            return [{k: shift(subs[k], v) for k, v in row.items()} for row in value]
        return value

    return {k: shift(fields[k], v) if k in fields else v for k, v in answers.items()}


def _person(rng: random.Random, i: int, today: date) -> Person:
    age_days = rng.randint(11 * 365, 17 * 365 + 300)
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
        next_review=today + timedelta(days=rng.randint(-14, 90)),
        flags=[DEMO_FLAG],
    )


def _episodes(rng: random.Random, person: Person, now: datetime) -> list[Episode]:
    episodes = []
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
        start = now - timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 23))
        returned: datetime | None = start + timedelta(hours=rng.randint(2, 60))
        if returned is not None and returned > now:
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


