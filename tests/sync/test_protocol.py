"""The sync wire models: strict at the boundary, and every outbox entry fits them."""

from __future__ import annotations

import copy
import pickle
import uuid
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from cse_desktop.domain.ids import new_id
from cse_desktop.domain.models import Owner, Person, Role, Submission
from cse_desktop.store import KdfParams, Workspace
from cse_desktop.sync.protocol import (
    MAX_BATCH,
    MAX_DEPTH,
    MAX_FIELDS_CHARS,
    Change,
    ChangeResult,
    Conflict,
    Problem,
    PullResponse,
    PushRequest,
    PushResponse,
    applied_json,
    change_from_outbox,
)


def _change(**overrides: object) -> dict:
    base = {"change_id": new_id(), "record_kind": "person", "record_id": new_id(),
            "op": "create", "version": 1, "base_version": 0, "fields": {"given_name": "Al"}}
    return {**base, **overrides}


def test_every_kind_of_outbox_entry_is_a_valid_change(tmp_path: Path) -> None:
    ws, _ = Workspace.create(tmp_path / "ws", "correct horse battery staple",
                             Owner(name="Test Worker", role=Role.PRACTITIONER, team="Test"),
                             kdf=KdfParams.insecure_for_tests())
    with ws:
        person = ws.people.add(Person(given_name="Sync", family_name="Fictional",
                                      dob=date(2012, 1, 1)))
        ws.people.update(person.model_copy(update={"postcode": "ZZ99 1AA"}))
        draft = ws.submissions.add(Submission(form_id="parent-session", form_version=1,
                                              person_id=person.id, answers={"summary": "x"}))
        ws.submissions.finalise(draft.id, outcome={"flags": []})
        other = ws.people.add(Person(given_name="Gone", family_name="Fictional",
                                     dob=date(2012, 1, 1)))
        ws.people.delete(other.id)
        changes = [change_from_outbox(e) for e in ws.outbox.pending()]
    assert [c.op for c in changes] == ["create", "update", "create", "update", "create",
                                       "delete"]
    request = PushRequest(changes=changes)
    assert PushRequest.model_validate_json(request.model_dump_json()) == request


@pytest.mark.parametrize("bad", [
    {"surprise": 1},  # unknown field
    {"record_id": "not-a-uuid"},
    {"change_id": new_id().upper()},  # not canonical
    {"change_id": "{" + new_id() + "}"},
    {"change_id": new_id().replace("-", "")},
    {"change_id": "urn:uuid:" + new_id()},
    {"change_id": new_id() + "\n"},
    {"record_id": " " + new_id()},
    {"record_id": new_id()[:-1] + "g"},
    {"record_id": 12345},
    {"record_kind": "owner"},
    {"op": "create", "version": 2},
    {"op": "update", "version": 3, "base_version": 1},
    {"version": 0},
    {"fields": {"x": "y" * 300_000}},
])
def test_malformed_changes_are_rejected(bad: dict) -> None:
    with pytest.raises(ValidationError):
        Change.model_validate(_change(**bad))


def test_batches_are_capped_and_change_ids_unique() -> None:
    one = _change()
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"changes": []})
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"changes": [one, one]})
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"changes": [_change() for _ in range(MAX_BATCH + 1)]})
    assert len(PushRequest.model_validate({"changes": [_change() for _ in range(MAX_BATCH)]})
               .changes) == MAX_BATCH


def test_results_pages_and_problems() -> None:
    result = ChangeResult(change_id=new_id(), status="conflict", seq=7,
                          conflicts=[{"record_kind": "person", "record_id": new_id(),
                                      "field": "postcode", "hub_value": "ZZ99 1AA",
                                      "device_value": "ZZ99 2BB"}])
    assert result.conflicts[0].hub_value == "ZZ99 1AA"
    page = PullResponse(changes=[], next=0, done=True, role="practitioner")
    assert page.done
    with pytest.raises(ValidationError):  # the hub says which role; only the two it knows
        PullResponse(changes=[], next=0, done=True, role="admin")
    with pytest.raises(ValidationError):
        Problem(title="Revoked", status=401, code="Device Revoked")
    assert Problem(title="Revoked", status=401, code="device_revoked").code == "device_revoked"


def _nested(depth: int) -> dict:
    """``fields`` whose deepest value sits ``depth`` levels down (a key of ``fields`` is 1)."""
    value: object = "deepest"
    for level in range(depth - 1):
        value = [value] if level % 2 else {"k": value}
    return {"given_name": value}


def _empty_at(depth: int) -> dict:
    """``fields`` with an empty list ``depth`` levels down (a key of ``fields`` is 1)."""
    value: object = []
    for _ in range(depth - 1):
        value = [value]
    return {"given_name": value}


@pytest.mark.parametrize(("fields", "problem"), [
    ({"given_name": "Ok (fictional)", "n": 1.5, "tags": ["a", {"b": [1, 2]}]}, None),
    (_nested(MAX_DEPTH), None),  # exactly at the limit
    (_nested(MAX_DEPTH + 1), "nest more than"),
    (_empty_at(MAX_DEPTH), None),  # an empty container exactly at the limit
    (_empty_at(MAX_DEPTH + 1), "nest more than"),
    ({"given_name": {"k": [{"k": [{}]}] * 3}}, None),
    (_nested(5000), "nest more than"),  # deeper than Python's own encoder goes
    ({"given_name": "[{" * 40, "tags": [["[{"]]}, None),  # brackets in text nest nothing
    ({"given_name": "[" * 40, "deep": _nested(MAX_DEPTH + 1)}, "nest more than"),
    ({"score": float("nan")}, "finite"),
    ({"score": [1, float("-inf")]}, "finite"),
    ({"given_name": "\ud800"}, "not valid Unicode"),
    ({"\udfff": 1}, "not valid Unicode"),
    ({"deep": {"k": [[[["\ud800"]]]]}}, "not valid Unicode"),
])
def test_fields_hold_only_plain_json(fields: dict, problem: str | None) -> None:
    """A change's fields: finite numbers, valid Unicode, at most MAX_DEPTH levels deep."""
    def change() -> Change:
        return Change(change_id=str(uuid.uuid4()), record_kind="person",
                      record_id=str(uuid.uuid4()), op="create", version=1, base_version=0,
                      fields=fields)

    if problem is None:
        assert change().fields == fields
    else:
        with pytest.raises(ValidationError, match=problem):
            change()


def test_fields_are_capped_at_max_fields_chars_of_their_json_text() -> None:
    """The cap counts the fields' canonical JSON text: ``{"x":"…"}`` is 8 characters more
    than the string inside it."""
    def change(n: int) -> Change:
        return Change.model_validate(_change(fields={"x": "y" * n}))

    assert len(change(MAX_FIELDS_CHARS - 8).fields_json()) == MAX_FIELDS_CHARS
    with pytest.raises(ValidationError, match="larger than"):
        change(MAX_FIELDS_CHARS - 7)


def test_fields_json_is_the_canonical_text_of_the_fields() -> None:
    """Sorted keys, compact, Unicode as is; made again for a change made without checking."""
    fields = {"zeta": [1, 2.5, None], "alpha": "Zoë (fictional)", "mid": {"b": True, "a": 0}}
    expected = '{"alpha":"Zoë (fictional)","mid":{"a":0,"b":true},"zeta":[1,2.5,null]}'
    assert Change.model_validate(_change(fields=fields)).fields_json() == expected
    # never checked, or its fields replaced since: no text (the hub digests the long way),
    # and equal to a checked change with the same fields all the same
    unchecked = Change.model_construct(**_change(fields=fields))
    assert unchecked.fields_json() == ""
    checked = Change.model_validate(unchecked.model_dump())
    assert checked == unchecked and unchecked == checked
    copied = checked.model_copy(update={"fields": {"other": 1}})
    assert copied.fields_json() == ""
    assert checked.fields_json() == expected
    # the text is not part of a change's value, but the fields are
    assert copied != checked and checked != Change.model_validate(_change(fields={"a": 1}))
    assert checked != checked.model_dump()
    # the text survives a copy and a pickle (it lives in pydantic's store for private values)
    for again in (copy.deepcopy(checked), pickle.loads(pickle.dumps(checked)),  # noqa: S301 (its own)
                  checked.model_copy()):
        assert again == checked and again.fields_json() == expected


def test_a_change_equals_only_a_change() -> None:
    """Not a subclass with the same fields, as pydantic's own equality has it."""

    class Other(Change):
        pass

    fields = _change(fields={"a": 1})
    assert Change.model_validate(fields) != Other.model_validate(fields)


def test_big_integers_are_refused_with_a_reason() -> None:
    with pytest.raises(ValidationError, match="at most 4,300 digits"):
        Change.model_validate(_change(fields={"n": 10 ** 5000}))


@pytest.mark.parametrize("status", ["accepted", "merged"])
@pytest.mark.parametrize("seq", [1, 9, 10**12, 2**62])
def test_an_applied_change_is_answered_as_its_model_writes_it(status: str, seq: int) -> None:
    change_id = new_id()
    text = applied_json(change_id, status, seq)  # type: ignore[arg-type]
    model = ChangeResult(change_id=change_id, status=status, seq=seq)  # type: ignore[arg-type]
    assert text == model.model_dump_json()
    assert ChangeResult.model_validate_json(text) == model


def test_a_push_answer_made_of_its_results_json_is_the_models_json() -> None:
    rid = new_id()
    results = [
        ChangeResult(change_id=new_id(), status="accepted", seq=3),
        ChangeResult(change_id=new_id(), status="conflict", seq=4, conflicts=[Conflict(
            record_kind="person", record_id=rid, field="address", base_value=None,
            hub_value='1 "Quoted" Lane\n', device_value={"ünïcode": ["\u2028", 1.5]})]),
        ChangeResult(change_id=new_id(), status="rejected", code="invalid",
                     message='The person is not valid: dob: "2031" is in the future ✓'),
    ]
    made = PushResponse.json_of([r.model_dump_json() for r in results])
    assert made == PushResponse(results=results).model_dump_json().encode()
    assert PushResponse.model_validate_json(made).results == results
