"""Property tests (hypothesis): what goes in through the repositories comes back out.

* add -> get gives back the same content (and the same record) for people, episodes, actions
  and associations with arbitrary field values;
* an update with random field changes round-trips, its version goes up by exactly 1 when the
  content changed and by 0 when it did not, and the outbox and audit log grow to match.

One workspace per module (a real SQLCipher file), reused by every example.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    Record,
    RhiStatus,
    RiskLevel,
    SenStatus,
)
from cse_desktop.store import Workspace

from .conftest import PASSPHRASE, Template, copy_template, make_person

SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

TODAY = date.today()

# Any Unicode except lone surrogates (which cannot be stored as UTF-8 at all).
_CHARS = st.characters(blacklist_categories=("Cs",))


def _text(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    strategy = st.text(_CHARS, min_size=min_size, max_size=max_size)
    if min_size:
        strategy = strategy.filter(lambda s: s.strip() and "".join(s.split()))
    return strategy


_NAMES = _text(40, min_size=1)
_ZONES = st.sampled_from([UTC, ZoneInfo("Europe/London"), ZoneInfo("America/New_York"),
                          ZoneInfo("Asia/Kolkata"), timezone(timedelta(hours=-3, minutes=-30))])
# Episode times are in the past (the store refuses times in the future): up to 2020-12-31,
# leaving room for a return up to 49 days later.
_MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2020, 12, 31),
                        timezones=_ZONES, allow_imaginary=False)
_DOBS = st.dates(min_value=date(TODAY.year - 30, 1, 1), max_value=TODAY)
_UUIDS = st.uuids(version=4).map(str)


def _person_fields() -> dict[str, st.SearchStrategy[Any]]:
    return {
        "given_name": _NAMES, "family_name": _NAMES,
        "also_known_as": st.lists(_NAMES, max_size=4), "dob": _DOBS,
        "gender": _text(50), "ethnicity": _text(100), "address": _text(200),
        "postcode": _text(10), "school": _text(60),
        "education_status": st.sampled_from(EducationStatus), "sen": st.sampled_from(SenStatus),
        "disability": st.lists(_text(30), max_size=3),
        "legal_status": st.sampled_from(LegalStatus), "placing_la": _text(40),
        "uasc": st.booleans(), "nrm_referral": st.booleans(), "allocated_worker": _text(40),
        "team": _text(40), "risk_level": st.sampled_from(RiskLevel),
        "next_review": st.none() | st.dates(), "flags": st.lists(_text(20), max_size=4),
    }


def _episode_fields() -> dict[str, st.SearchStrategy[Any]]:
    return {
        "police_reference": _text(50), "category": st.sampled_from(EpisodeCategory),
        "police_risk_grade": st.sampled_from(PoliceRiskGrade), "where_found": _text(100),
        "how_returned": _text(50), "rhi_status": st.sampled_from(RhiStatus),
    }


def _action_fields() -> dict[str, st.SearchStrategy[Any]]:
    return {"text": _text(300, min_size=1), "owner": _text(40), "agency": _text(40),
            "due": st.none() | st.dates(), "status": st.sampled_from(ActionStatus)}


def _association_fields() -> dict[str, st.SearchStrategy[Any]]:
    return {"association_kind": st.sampled_from(AssociationKind),
            "description": _text(200, min_size=1), "details": _text(400), "area": _text(40)}


@st.composite
def _people(draw: st.DrawFn) -> Person:
    return Person(**draw(st.fixed_dictionaries(_person_fields())))


@st.composite
def _episodes(draw: st.DrawFn, person_id: str) -> Episode:
    started = draw(_MOMENTS)
    returned = draw(st.none() | st.timedeltas(min_value=timedelta(0),
                                              max_value=timedelta(days=40)))
    return Episode(person_id=person_id, started_at=started,
                   returned_at=None if returned is None else started + returned,
                   **draw(st.fixed_dictionaries(_episode_fields())))


@st.composite
def _actions(draw: st.DrawFn, person_id: str) -> Action:
    return Action(person_id=person_id, **draw(st.fixed_dictionaries(_action_fields())))


@st.composite
def _associations(draw: st.DrawFn, person_id: str) -> Association:
    return Association(person_id=person_id,
                       **draw(st.fixed_dictionaries(_association_fields())))


_RECORDS: dict[str, Callable[[str], st.SearchStrategy[Record]]] = {
    "person": lambda _pid: _people(),
    "episode": _episodes,
    "action": _actions,
    "association": _associations,
}
_FIELDS: dict[str, Callable[[], dict[str, st.SearchStrategy[Any]]]] = {
    "person": _person_fields,
    "episode": _episode_fields,
    "action": _action_fields,
    "association": _association_fields,
}


@pytest.fixture(scope="module")
def pws(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = copy_template(template, Path(tmp_path_factory.mktemp("properties")) / "ws")
    ws = Workspace.open(folder, PASSPHRASE)
    yield ws
    assert ws.check().ok
    ws.lock()


@pytest.fixture(scope="module")
def person_id(pws: Workspace) -> str:
    return pws.people.add(make_person(given_name="Property", family_name="Owner")).id


@pytest.mark.parametrize("kind", sorted(_RECORDS))
@SETTINGS
@given(data=st.data())
def test_add_then_get_round_trips(pws: Workspace, person_id: str, kind: str,
                                  data: st.DataObject) -> None:
    record = data.draw(_RECORDS[kind](person_id), label=kind)
    repo = pws.repository_for(kind)
    added = repo.add(record)
    got = repo.get(record.id)
    assert got.content() == record.content()
    assert got == added
    assert (got.version, got.deleted, got.server_seq) == (1, False, None)
    assert pws.outbox.pending()[-1].fields == record.content()


@pytest.mark.parametrize("kind", sorted(_RECORDS))
@SETTINGS
@given(data=st.data())
def test_update_round_trips_and_counts_versions(pws: Workspace, person_id: str, kind: str,
                                                data: st.DataObject) -> None:
    repo = pws.repository_for(kind)
    stored = repo.add(data.draw(_RECORDS[kind](person_id), label="original"))
    fields = _FIELDS[kind]()
    changes = data.draw(st.fixed_dictionaries({}, optional=fields), label="changes")
    if kind == "episode" and data.draw(st.booleans(), label="change the return time"):
        later = data.draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9)))
        changes["returned_at"] = stored.started_at + later
    proposed = type(stored).model_validate({**stored.model_dump(), **changes})
    old, new = stored.content(), proposed.content()
    changed = {k: v for k, v in new.items() if old[k] != v}
    outbox, audit = pws.outbox.count(), pws.audit.count()

    result = repo.update(proposed)

    assert result.content() == new
    assert repo.get(stored.id) == result
    if changed:
        assert result.version == stored.version + 1
        assert pws.outbox.count() == outbox + 1
        assert pws.audit.count() == audit + 1
        entry = pws.outbox.pending()[-1]
        assert (entry.op, entry.version, entry.base_version) == ("update", 2, 1)
        assert entry.fields == changed
    else:
        assert result.version == stored.version
        assert (pws.outbox.count(), pws.audit.count()) == (outbox, audit)

    # saving the result again, unchanged, is a no-op
    again = repo.update(result)
    assert again.version == result.version
    assert pws.outbox.count() == outbox + (1 if changed else 0)
