"""A deterministic, clearly fictional demo caseload.

Every name is invented, every person carries the ``DEMO`` flag, postcodes use the ZZ99 area
(not a real UK postcode district), and police references start with ``DEMO-``.  The same seed
at the same instant gives the same caseload, ids included.  Times are placed relative to "now"
(the minute the demo is filled) so the demo always has recent missing episodes, return home
interviews inside and past their 72 hours, and upcoming reviews; each record is stamped with
an invented time of its own (people added, actions agreed and done, places noted), so the
chronology reads like a real one.  The desktop's demo is filled afresh when it is opened more
than :data:`REFILL_AFTER` after it was filled, so its 72-hour clocks still show.

The demo's owner is a team manager, so the demo shows the manager's view: a lower risk level
waits for their approval.  The showcase ends with a simulated sync with a fictional hub
(``https://hub.demo.invalid``, a name that never resolves), recorded through the store's own
sync API exactly as a real sync records it: the records sent, two open conflicts and one
change the hub refused.

Submissions are real: each is the form's shipped sample (``forms/<id>/v1.sample.json``) moved
to the demo's dates, varied, and finalised through the form engine, so the demo's risk levels
are the screening rules' own results.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cse_desktop.casework.submissions import finalise
from cse_desktop.domain.ids import RecordId, RecordKind
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
    Record,
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
from cse_desktop.store.syncstate import HubLink
from cse_desktop.store.workspace import Workspace

#: The passphrase of the demo workspace the desktop app offers to open (it holds no real data).
DEMO_PASSPHRASE = "demo-workspace-fictional"  # noqa: S105 - the demo holds no real data
DEMO_FLAG = "DEMO"
DEMO_TEAM = "Demo Exploitation Team"
DEMO_OWNER = Owner(name="M. Demo-Manager", role=Role.MANAGER, team=DEMO_TEAM)
DEMO_PEOPLE = 25
#: the young people ``populate(showcase=True)`` adds (see ``_Demo.add_showcase``)
SHOWCASE_PEOPLE = 8
DEMO_SEED = 1
#: the fictional hub of the demo's simulated sync (".invalid" never resolves: RFC 2606)
DEMO_HUB = "https://hub.demo.invalid"
#: a demo filled longer ago than this is filled afresh when the desktop opens it
REFILL_AFTER = timedelta(hours=12)

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


def open_or_create(*, kdf: KdfParams | None = None,
                   now: datetime | None = None) -> Workspace:
    """The demo workspace at its usual place, created and filled on first use, and made
    afresh when it was filled more than :data:`REFILL_AFTER` ago (or before the demo had a
    team manager): it holds nothing but invented people."""
    folder = demo_workspace()
    now = now or datetime.now(UTC)
    if Workspace.exists(folder):
        ws = Workspace.open(folder, DEMO_PASSPHRASE)
        if not is_fresh(ws, now):
            ws.shred()
    if not Workspace.exists(folder):
        ws, _recovery_code = Workspace.create(folder, DEMO_PASSPHRASE, DEMO_OWNER, kdf=kdf)
    try:
        if ws.people.count(include_deleted=True) == 0:  # new, or a first fill cut short
            populate(ws, people=DEMO_PEOPLE, seed=DEMO_SEED, showcase=True, now=now)
    except BaseException:
        ws.lock()
        raise
    return ws


def is_fresh(ws: Workspace, now: datetime) -> bool:
    """Whether the demo was filled (its simulated sync made) less than REFILL_AFTER ago by
    this version of the demo (a team manager's)."""
    last = ws.sync.last_sync()
    try:
        at = datetime.fromisoformat(str((last or {}).get("at")))
    except ValueError:
        return False
    return (ws.owner.role is DEMO_OWNER.role and at.tzinfo is not None
            and timedelta(0) <= now - at < REFILL_AFTER)


def populate(ws: Workspace, *, people: int = DEMO_PEOPLE, seed: int = DEMO_SEED,
             today: date | None = None, engine: FormEngine | None = None,
             showcase: bool = False, now: datetime | None = None) -> dict[str, int]:
    """Add a demo caseload to ``ws`` in one transaction; returns counts per record kind.

    Times are placed before ``now`` (default: this minute; with ``today``, noon that day).
    ``showcase`` adds eight young people whose records show what a newcomer should see: a
    return home interview due, one due within hours, one overdue, one held late, one declined
    with its reason, a child missing now, a lower risk level waiting for the manager's
    approval, and a meeting that discussed several themes and decided several things at
    once; then a simulated sync leaves two conflicts and a refused change to resolve.
    """
    rng = random.Random(seed)  # noqa: S311 - deterministic fictional data, not security
    if now is None:
        now = (datetime.combine(today, time(12, 0), UTC) if today is not None
               else datetime.now(UTC).replace(second=0, microsecond=0))
    engine = engine or FormEngine(FormRegistry.load())
    samples = {s.form_id: s for s in load_samples(engine.registry.root)}
    demo = _Demo(ws, engine, samples, rng, now.astimezone(UTC), seed)
    with ws.transaction():
        for i in range(people):
            demo.add_person(i)
        if showcase:
            demo.add_showcase(people)
            simulate_sync(ws, demo.rng, demo.now, demo.picked)
    return demo.counts


class _Demo:
    def __init__(self, ws: Workspace, engine: FormEngine, samples: dict[str, Sample],
                 rng: random.Random, now: datetime, seed: int) -> None:
        self.ws, self.engine, self.samples, self.rng, self.now = ws, engine, samples, rng, now
        #: the times records were made: a stream of its own, so the caseload stays the same
        self.clock = random.Random(seed + 7919)  # noqa: S311 - fictional data
        self.counts = {"person": 0, "episode": 0, "submission": 0, "action": 0,
                       "association": 0}
        #: records the simulated sync finds conflicts and a refusal in
        self.picked: dict[str, list[Any]] = {"person": [], "episode": [], "action": []}

    def ago(self, *, days: tuple[int, int], hours: tuple[int, int] = (0, 9)) -> datetime:
        """An invented working-hours moment some days before now (never after it)."""
        c = self.clock
        at = datetime.combine(self.now.date() - timedelta(days=c.randint(*days)),
                              time(8 + c.randint(*hours), c.randint(0, 59)), UTC)
        return _stamp(min(at, self.now - timedelta(minutes=c.randint(20, 90))))

    def add_person(self, i: int) -> None:
        rng, ws = self.rng, self.ws
        person = ws.people.add(_person(rng, i, self.now.date()),
                               at=self.ago(days=(125, 400)))
        self.counts["person"] += 1
        episodes = [ws.episodes.add(e, at=self._reported(e))
                    for e in _episodes(rng, person, self.now)]
        self.counts["episode"] += len(episodes)
        self.picked["person"].append(person)
        self.picked["episode"].extend(episodes)
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
            action = Action(
                id=_uuid(rng), person_id=person.id,
                text=rng.choice(["Safety plan review with the young person",
                                 "School to share attendance weekly",
                                 "Disruption visit to the location of concern",
                                 "Referral to the specialist exploitation service"]),
                owner=rng.choice(_WORKERS), agency=rng.choice(_AGENCIES),
                due=self.now.date() + timedelta(days=rng.randint(-10, 30)),
                status=rng.choice([ActionStatus.OPEN, ActionStatus.OPEN, ActionStatus.DONE]))
            self._action(action)
            self.counts["action"] += 1
        if rng.random() < 0.5:
            kind = rng.choice([AssociationKind.PLACE, AssociationKind.PERSON,
                               AssociationKind.VEHICLE])
            description = {AssociationKind.PLACE: rng.choice(_PLACES),
                           AssociationKind.PERSON: "Adult male known as 'Demo-K' (fictional)",
                           AssociationKind.VEHICLE: "Grey hatchback, plate DEMO 123"}[kind]
            ws.associations.add(Association(id=_uuid(rng), person_id=person.id,
                                            association_kind=kind, description=description,
                                            area=rng.choice(_AREAS)),
                                at=self.ago(days=(2, 100)))
            self.counts["association"] += 1

    def _reported(self, episode: Episode) -> datetime:
        """When an episode was recorded: within a few hours of its report (or return)."""
        base = episode.returned_at or episode.started_at
        return _stamp(min(base + timedelta(minutes=self.clock.randint(25, 300)),
                          self.now - timedelta(minutes=10)))

    def _action(self, action: Action) -> None:
        """An action agreed some weeks ago; a done one was marked done on a later day."""
        agreed = self.ago(days=(8, 45))
        done = action.status is ActionStatus.DONE
        stored = self.ws.actions.add(
            action.model_copy(update={"status": ActionStatus.OPEN}) if done else action,
            at=agreed)
        if done:
            later = agreed + timedelta(days=self.clock.randint(1, 6),
                                       hours=self.clock.randint(0, 7),
                                       minutes=self.clock.randint(0, 59))
            stored = self.ws.actions.update(stored.model_copy(update={"status": action.status}),
                                            at=_stamp(min(later, self.now)))
        else:
            self.picked["action"].append(stored)

    # -- the showcase: one young person for each thing a newcomer should see ---------------

    def add_showcase(self, first: int) -> None:
        now = self.now
        due = self._showcase_person(first, "Due", returned=now - timedelta(hours=20))
        overdue = self._showcase_person(first + 1, "Overdue", returned=now - timedelta(hours=80))
        late = self._showcase_person(first + 2, "Late", returned=now - timedelta(days=9))
        declined = self._showcase_person(first + 3, "Declined", returned=now - timedelta(days=6))
        themes = self._showcase_person(first + 4, "Themes", returned=now - timedelta(days=12))
        soon = self._showcase_person(first + 5, "Soon",
                                     returned=now - timedelta(hours=66, minutes=35))
        missing = self._showcase_person(first + 6, "Missing", returned=None,
                                        started=now - timedelta(hours=5, minutes=40))
        approval = self._showcase_person(first + 7, "Approval",
                                         returned=now - timedelta(days=21))
        # their interviews are still owed (or the child is still missing): the 72-hour clock
        # and the caseload's urgency show it
        del due, overdue, soon, missing
        person, episode = approval
        assert episode.returned_at is not None
        self._interview(person, episode, episode.returned_at + timedelta(hours=28), {})
        self._downgrade(person, now - timedelta(days=1, hours=2, minutes=15))
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

    def _showcase_person(self, i: int, name: str, returned: datetime | None,
                         started: datetime | None = None) -> tuple[Person, Episode]:
        person = _person(self.rng, i, self.now.date()).model_copy(update={
            "given_name": name, "family_name": "Showcase", "also_known_as": [],
            "legal_status": LegalStatus.CIN})
        person = self.ws.people.add(person, at=self.ago(days=(40, 200)))
        if started is None:
            assert returned is not None
            started = returned - timedelta(hours=26)
        episode = Episode(
            id=_uuid(self.rng), person_id=person.id, police_reference=f"DEMO-{90000 + i}",
            category=EpisodeCategory.MISSING, police_risk_grade=PoliceRiskGrade.MEDIUM,
            started_at=started, returned_at=returned,
            where_found=_PLACES[i % len(_PLACES)] if returned else "",
            how_returned="Police" if returned else "",
            rhi_status=RhiStatus.DUE if returned else RhiStatus.NOT_YET_DUE)
        episode = self.ws.episodes.add(episode, at=self._reported(episode))
        self.counts["person"] += 1
        self.counts["episode"] += 1
        return person, episode

    def _downgrade(self, person: Person, at: datetime) -> None:
        """A screening whose worker agreed a lower level than the rules suggest: it waits for
        the team manager's approval (the demo's owner)."""
        answers = self._shifted("exploitation-screening", at)
        answers.update({
            "agreed_level": "low",
            "override_rationale": "Fictional: the worries were mostly about an older sibling; "
                                  "school and home report settled weeks and no missing "
                                  "episodes since the safety plan."})
        self._finalise("exploitation-screening", person, answers, at)

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
        else:  # a draft last saved at ``at`` (no episode: nothing for save_draft to check)
            self.ws.submissions.add(draft, at=_stamp(at))
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


def _stamp(at: datetime) -> datetime:
    """``at``, or the present moment if ``at`` is later (the store refuses the future)."""
    return min(at, datetime.now(UTC))


def simulate_sync(ws: Workspace, rng: random.Random, now: datetime,
                  picked: dict[str, list[Any]]) -> None:
    """A sync with the fictional demo hub, recorded by the store's own sync API as a real
    sync records it: every record sent and accepted, then two fields changed both here and
    on the hub (open conflicts, the hub's value received) and one change the hub refused."""
    sync = ws.sync
    sync.set_link(HubLink(url=DEMO_HUB, device_id=str(_uuid(rng)), device_name="Demo laptop",
                          token="demo-not-a-token",  # noqa: S106 - nothing to connect to
                          user=ws.owner.name, team=ws.owner.team,
                          connected_at=(now - timedelta(days=30)).isoformat()))
    seq = pushed = 0
    while sent := sync.outgoing(500):
        pushed += len(sent)
        results = []
        for item in sent:
            seq += 1
            results.append({"change_id": item.change["change_id"], "status": "accepted",
                            "seq": seq, "code": "", "message": ""})
        sync.acknowledge(sent, results)
    people = [p for p in picked["person"] if p.school]
    episodes = [e for e in picked["episode"] if e.returned_at and e.where_found]
    actions = picked["action"]
    if not (people and episodes and actions):
        return
    person = ws.people.get(rng.choice(people).id)
    episode = ws.episodes.get(rng.choice(episodes).id)
    action = ws.actions.get(rng.choice(actions).id)
    # (record, field, before both changes, this laptop's value, the hub's value)
    schools = [s for s in _SCHOOLS if s != person.school]
    places = [p for p in _PLACES if p != episode.where_found]
    conflicts: list[tuple[Record, str, Any, Any, Any]] = [
        (person, "school", person.school, schools[0], schools[1]),
        (episode, "where_found", episode.where_found, places[0], places[1])]
    # this laptop's edits, made a little before the sync...
    for (record, field, _base, mine, _hub), hours in zip(conflicts, (3, 2), strict=True):
        repository = ws.repository_for(RecordKind(record.kind))
        repository.update(record.model_copy(update={field: mine}),
                          at=_stamp(now - timedelta(hours=hours, minutes=rng.randint(1, 59))))
    ws.actions.update(action.model_copy(update={"status": ActionStatus.DONE}),
                      at=_stamp(now - timedelta(hours=1, minutes=rng.randint(1, 59))))
    # ...the hub's answers: two conflicts (the hub keeps its value), one refusal
    conflicted = {record.id for record, *_ in conflicts}
    results = []
    sent = sync.outgoing(500)
    for item in sent:
        seq += 1
        rid = item.change["record_id"]
        if rid == action.id:
            results.append({"change_id": item.change["change_id"], "status": "rejected",
                            "code": "not_found", "message": ""})
        else:
            results.append({"change_id": item.change["change_id"], "seq": seq,
                            "status": "conflict" if rid in conflicted else "accepted"})
    sync.acknowledge(sent, results)
    # ...what the pull brings (another worker's edits), and the hub's list of conflicts
    pulled = []
    for record, field, _base, _mine, hub in conflicts:
        seq += 1
        current = ws.repository_for(RecordKind(record.kind)).get(record.id)
        pulled.append({"record_kind": record.kind, "record_id": record.id, "seq": seq,
                       "deleted": False, "created_by": _WORKERS[1],
                       "fields": current.model_copy(update={field: hub}).content()})
    sync.apply_page(pulled, seq)
    found = _stamp(now - timedelta(minutes=4)).isoformat()
    sync.set_conflicts([
        {"id": str(_uuid(rng)), "record_kind": record.kind, "record_id": record.id,
         "field": field, "base_value": base, "hub_value": hub, "device_value": mine,
         "created_at": found}
        for record, field, base, mine, hub in conflicts])
    sync.record_sync({"pushed": pushed + len(sent), "merged": 0, "conflicted": 2, "rejected": 1,
                      "received": 2, "applied": 2, "skipped": 0, "removed": 0,
                      "drafts_kept": sync.held_back(), "open_conflicts": 2, "role": "",
                      "seconds": 1.8})


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


