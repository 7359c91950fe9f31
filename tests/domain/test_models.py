"""Domain models: validation rules and stable codes, with no database involved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from cse_desktop.domain import errors
from cse_desktop.domain.ids import is_record_id, new_id
from cse_desktop.domain.models import (
    RECORD_TYPES,
    Episode,
    Owner,
    Person,
    RiskLevel,
    Submission,
)


def test_new_ids_are_canonical_uuid4_text() -> None:
    ids = {new_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(is_record_id(i) for i in ids)
    assert not is_record_id("not-an-id")
    assert not is_record_id("0B2C4D6E-8F00-4000-8000-000000000000")  # not canonical (upper)


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Person(given_name="Al", family_name="Sample", dob=date(2011, 1, 1), nickname="x")


def test_names_are_tidied_and_required() -> None:
    p = Person(given_name="  Alex   Jo ", family_name="Sample", dob=date(2011, 1, 1),
               also_known_as=["  Lex  "])
    assert p.given_name == "Alex Jo" and p.also_known_as == ["Lex"]
    with pytest.raises(ValidationError):
        Person(given_name="   ", family_name="Sample", dob=date(2011, 1, 1))
    with pytest.raises(ValidationError):
        Person(given_name="Al", family_name="Sample", dob=date(2011, 1, 1), also_known_as=[" "])


def test_age_on_counts_birthdays() -> None:
    p = Person(given_name="Al", family_name="Sample", dob=date(2012, 6, 15))
    assert p.age_on(date(2026, 6, 14)) == 13
    assert p.age_on(date(2026, 6, 15)) == 14


def test_search_text_covers_names_and_aliases_case_folded() -> None:
    p = Person(given_name="Élodie", family_name="Straße", dob=date(2012, 6, 15),
               also_known_as=["Dee"])
    assert p.search_text() == "élodie strasse dee"


def test_an_episode_cannot_end_before_it_starts() -> None:
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with pytest.raises(ValidationError, match="before the time the child went missing"):
        Episode(person_id=new_id(), started_at=start, returned_at=start - timedelta(minutes=1))


def test_episode_times_must_carry_a_zone_and_are_kept_in_utc() -> None:
    with pytest.raises(ValidationError):
        Episode(person_id=new_id(), started_at=datetime(2026, 3, 1, 12))  # naive
    e = Episode(person_id=new_id(), started_at="2026-07-01T12:00:00+01:00")
    assert e.started_at == datetime(2026, 7, 1, 11, tzinfo=UTC)
    assert e.started_at.utcoffset() == timedelta(0)


def test_submission_form_ids_are_slugs() -> None:
    Submission(form_id="return-home-interview", form_version=1, person_id=new_id())
    for bad in ("Return Home", "../etc", ""):
        with pytest.raises(ValidationError):
            Submission(form_id=bad, form_version=1, person_id=new_id())
    with pytest.raises(ValidationError):
        Submission(form_id="x", form_version=0, person_id=new_id())


def test_owner_roles() -> None:
    assert Owner(name="Sam", role="manager", team="North").role.value == "manager"
    with pytest.raises(ValidationError):
        Owner(name="Sam", role="director", team="North")


def test_risk_levels_are_ordered() -> None:
    order = [RiskLevel.NOT_ASSESSED, RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MEDIUM,
             RiskLevel.HIGH]
    assert [level.rank for level in order] == sorted(level.rank for level in order)


def test_every_record_kind_is_registered() -> None:
    assert set(RECORD_TYPES) == {"person", "episode", "submission", "action", "association"}


def test_error_codes_and_exit_statuses_are_stable() -> None:
    expected = {errors.UsageError: 2, errors.WrongPassphrase: 3, errors.LockedOut: 3,
                errors.IntegrityFailure: 4, errors.AuditChainBroken: 4,
                errors.NotOurDatabase: 4, errors.KeyFileDamaged: 4, errors.ValidationFailed: 1,
                errors.DeviceWiped: 5, errors.HubUnreachable: 6, errors.HubUntrusted: 6}
    for cls, status in expected.items():
        assert cls.exit_status == status
    codes = [cls.code for cls in errors.CseError.__subclasses__()]
    assert len(codes) == len(set(codes))
