"""The caseload's per-person cache (``person_summary``): never stale, never used across rules.

Every check compares the caseload worked out through the cache with the caseload worked out
afresh from every record (the team manager's path, :class:`CaseloadRead`), after each kind of
write that can change what the caseload shows.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from cse_desktop.casework import demo
from cse_desktop.casework.caseload import caseload_rows, team_overview
from cse_desktop.casework.caseload_facts import (
    RULES,
    CaseloadRead,
    PersonFacts,
    facts_by_person,
    person_facts,
)
from cse_desktop.casework.submissions import finalise
from cse_desktop.domain.models import Episode, RhiStatus
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.samples import load_samples
from cse_desktop.store import Workspace

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def fresh_rows(ws: Workspace, now: datetime = NOW) -> list:  # type: ignore[type-arg]
    """The caseload worked out from every record, with no cache (the manager's path)."""
    return team_overview(ws, now).rows


def cached_ids(ws: Workspace) -> set[str]:
    return set(ws.summaries.read(RULES))


def test_the_cache_fills_once_and_then_answers_alone(ws: Workspace, engine: FormEngine) -> None:
    demo.populate(ws, people=10, seed=3, engine=engine, now=NOW)
    assert ws.summaries.count() == 0
    first = caseload_rows(ws, NOW)
    people = {r.person_id for r in first}
    assert cached_ids(ws) == people  # everyone's facts stored by the first read
    assert caseload_rows(ws, NOW) == first == fresh_rows(ws)
    # the cached facts are exactly the facts worked out afresh
    read = CaseloadRead.read(ws)
    stored = {pid: PersonFacts.from_json(text) for pid, text in ws.summaries.read(RULES).items()}
    assert stored == {pid: person_facts(read, pid) for pid in people}


def test_every_write_to_a_childs_history_drops_their_facts_only(ws: Workspace,
                                                                engine: FormEngine) -> None:
    demo.populate(ws, people=8, seed=5, engine=engine, now=NOW)
    caseload_rows(ws, NOW)
    people = sorted(cached_ids(ws))
    one, other = people[0], people[1]

    episode = ws.episodes.add(Episode(person_id=one, started_at=NOW - timedelta(hours=5),
                                      returned_at=None, rhi_status=RhiStatus.NOT_YET_DUE))
    assert one not in cached_ids(ws) and other in cached_ids(ws)
    rows = caseload_rows(ws, NOW)
    assert rows == fresh_rows(ws)
    assert next(r for r in rows if r.person_id == one).missing_now

    # an update (the child came back), then a delete
    ws.episodes.update(episode.model_copy(update={"returned_at": NOW - timedelta(hours=1)}))
    assert one not in cached_ids(ws)
    assert caseload_rows(ws, NOW) == fresh_rows(ws)
    ws.episodes.delete(episode.id)
    assert one not in cached_ids(ws) and other in cached_ids(ws)
    assert caseload_rows(ws, NOW) == fresh_rows(ws)

    # a form: a final RHI against an episode closes its interview
    sample = next(s for s in load_samples() if s.form_id == "return-home-interview")
    away = ws.episodes.add(Episode(person_id=other, started_at=sample.episode.started_at,
                                   returned_at=sample.episode.returned_at,
                                   rhi_status=RhiStatus.DUE))
    caseload_rows(ws, NOW)
    assert other not in cached_ids(ws) or caseload_rows(ws, NOW) == fresh_rows(ws)
    draft = engine.set_answers(engine.start("return-home-interview", other,
                                            episode_id=away.id, version=sample.version),
                               sample.answers)
    caseload_rows(ws, NOW)
    assert other in cached_ids(ws)
    finalise(ws, engine, draft, now=NOW)
    assert other not in cached_ids(ws)
    assert caseload_rows(ws, NOW) == fresh_rows(ws)


def test_a_random_history_always_agrees_with_the_records(ws: Workspace,
                                                         engine: FormEngine) -> None:
    """Forty random writes (episodes started, ended, deleted; screenings finalised), the
    caseload read through the cache after each, at several instants: always the fresh
    answer."""
    demo.populate(ws, people=6, seed=11, engine=engine, now=NOW)
    rng = random.Random(20261205)
    screening = next(s for s in load_samples() if s.form_id == "exploitation-screening")
    for step in range(40):
        people = [p.id for p in ws.people.list()]
        episodes = ws.episodes.list()
        action = rng.choice(("start", "return", "delete", "screen"))
        pid = rng.choice(people)
        if action == "start":
            ws.episodes.add(Episode(person_id=pid,
                                    started_at=NOW - timedelta(hours=rng.randint(1, 24 * 40)),
                                    returned_at=None,
                                    rhi_status=rng.choice(list(RhiStatus))))
        elif action == "return" and episodes:
            e = rng.choice(episodes)
            ws.episodes.update(e.model_copy(update={"returned_at": e.started_at
                                                    + timedelta(hours=rng.randint(1, 90))}))
        elif action == "delete" and episodes:
            ws.episodes.delete(rng.choice(episodes).id)
        elif action == "screen":
            answers = dict(screening.answers, override_rationale="Fictional.")
            draft = engine.set_answers(engine.start("exploitation-screening", pid), answers)
            finalise(ws, engine, draft, now=NOW)
        for now in (NOW, NOW + timedelta(hours=80), NOW + timedelta(days=31)):
            assert caseload_rows(ws, now) == fresh_rows(ws, now), (step, action)


def test_facts_written_under_other_rules_are_never_used(ws: Workspace,
                                                        engine: FormEngine) -> None:
    demo.populate(ws, people=4, seed=2, engine=engine, now=NOW)
    pid = ws.people.list()[0].id
    wrong = PersonFacts(missing_now=True, starts=(NOW,), rhi_due=NOW, pending=("x",))
    ws.summaries.write(RULES + 1, [(pid, wrong.to_json())])
    assert caseload_rows(ws, NOW) == fresh_rows(ws)
    assert ws.summaries.read(RULES)[pid] != wrong.to_json()


@pytest.mark.parametrize("missing", [1, 3])
def test_a_few_people_are_worked_out_with_narrow_queries(ws: Workspace, engine: FormEngine,
                                                         missing: int) -> None:
    demo.populate(ws, people=7, seed=9, engine=engine, now=NOW)
    people = ws.people.list()
    everyone = facts_by_person(ws, people)
    with ws.transaction():
        ws.db.executemany("DELETE FROM person_summary WHERE person_id = ?",
                          [(p.id,) for p in people[:missing]])
    assert facts_by_person(ws, people) == everyone
    assert cached_ids(ws) == {p.id for p in people}
