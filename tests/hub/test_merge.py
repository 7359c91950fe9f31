"""The hub's merge policy on its own: no hub, no database, one change against one record."""

from __future__ import annotations

from typing import Any

from cse_desktop.domain.ids import FormId, RecordKind, new_id
from cse_desktop.hub.merge import DELETED, Stored, merge
from cse_desktop.sync.protocol import Change, Op

PERSON_ID = new_id()
BASE = {"given_name": "Ava", "family_name": "Example", "dob": "2010-04-01", "school": "North"}


def person(**fields: Any) -> Stored:
    """A person as the hub holds it (whole content, as validation would leave it)."""
    outcome = merge(None, create(RecordKind.PERSON, {**BASE, **fields}), frozenset(), {})
    assert outcome.status == "accepted", outcome.message
    return Stored(outcome.fields, deleted=False)


def create(kind: RecordKind, fields: dict[str, Any]) -> Change:
    return Change(change_id=new_id(), record_kind=kind, record_id=PERSON_ID
                  if kind == RecordKind.PERSON else new_id(), op="create", version=1,
                  base_version=0, fields=fields)


def edit(fields: dict[str, Any], *, op: Op = "update",
         kind: RecordKind = RecordKind.PERSON) -> Change:
    """A change made on an older version of the record."""
    return Change(change_id=new_id(), record_kind=kind, record_id=PERSON_ID, op=op,
                  version=3, base_version=2, base_seq=5, fields=fields)


def screening(status: str) -> dict[str, Any]:
    return {"form_id": FormId.SCREENING, "form_version": 2, "person_id": PERSON_ID,
            "status": status, "answers": {"q": "a"}}


# -- a new record ----------------------------------------------------------------------------

def test_a_new_record_is_accepted_whole_as_the_desktop_would_store_it() -> None:
    outcome = merge(None, create(RecordKind.PERSON, {**BASE, "given_name": "  Ava  "}),
                    frozenset(), {})
    assert outcome.status == "accepted" and not outcome.refused
    assert outcome.fields["given_name"] == "Ava"  # tidied by the model
    assert outcome.fields["risk_level"] == "not_assessed"  # a default filled in
    assert outcome.changed == tuple(sorted(outcome.fields))
    assert (outcome.deleted, outcome.conflicts) == (False, ())


def test_a_new_record_that_is_not_valid_is_refused_saying_where() -> None:
    outcome = merge(None, create(RecordKind.PERSON, {**BASE, "dob": "not a date"}),
                    frozenset(), {})
    assert (outcome.status, outcome.code) == ("rejected", "invalid") and outcome.refused
    assert outcome.message.startswith("The person is not valid: dob:")
    assert outcome.fields == {} and outcome.changed == ()


def test_a_final_form_is_accepted_but_a_draft_stays_on_the_laptop() -> None:
    final = merge(None, create(RecordKind.SUBMISSION, screening("final")), frozenset(), {})
    assert final.status == "accepted" and final.fields["form_id"] == FormId.SCREENING
    draft = merge(None, create(RecordKind.SUBMISSION, screening("draft")), frozenset(), {})
    assert (draft.status, draft.code) == ("rejected", "draft")


def test_a_final_form_never_changes_nor_is_deleted() -> None:
    stored = Stored(screening("final"), deleted=False)
    ops: tuple[Op, ...] = ("update", "delete")
    for op in ops:
        outcome = merge(stored, edit({"answers": {}}, op=op, kind=RecordKind.SUBMISSION),
                        frozenset(), {})
        assert (outcome.status, outcome.code) == ("rejected", "immutable")


# -- updates ---------------------------------------------------------------------------------

def test_a_clean_update_is_accepted_and_lists_only_the_fields_it_changed() -> None:
    outcome = merge(person(), edit({"school": "South", "family_name": "Example"}),
                    frozenset(), {})
    assert outcome.status == "accepted"
    assert outcome.fields["school"] == "South"
    assert outcome.changed == ("school",)  # family_name was already "Example"
    assert outcome.conflicts == () and outcome.deleted is False


def test_concurrent_edits_of_different_fields_merge() -> None:
    hub = person(postcode="AB1 2CD")  # another device set the postcode since the base
    outcome = merge(hub, edit({"school": "South"}), {"postcode"}, {})
    assert outcome.status == "merged"
    assert (outcome.fields["school"], outcome.fields["postcode"]) == ("South", "AB1 2CD")
    assert outcome.changed == ("school",) and outcome.conflicts == ()


def test_the_same_field_set_to_the_same_value_is_no_conflict() -> None:
    outcome = merge(person(school="South"), edit({"school": "South"}), {"school"},
                    {"school": "North"})
    assert outcome.status == "merged" and outcome.conflicts == () and outcome.changed == ()


def test_the_same_field_set_to_different_values_keeps_the_hubs_and_records_both() -> None:
    outcome = merge(person(school="East"), edit({"school": "West", "postcode": "ZZ1 1ZZ"}),
                    {"school"}, {"school": "North"})
    assert outcome.status == "conflict"
    assert outcome.fields["school"] == "East"  # the hub's value stands
    assert outcome.fields["postcode"] == "ZZ1 1ZZ"  # the untouched field still applies
    assert outcome.changed == ("postcode",)
    [conflict] = outcome.conflicts
    assert (conflict.field, conflict.base_value, conflict.hub_value, conflict.device_value) \
        == ("school", "North", "East", "West")
    assert (conflict.record_kind, conflict.record_id) == (RecordKind.PERSON, PERSON_ID)


def test_an_update_that_leaves_the_record_invalid_is_refused() -> None:
    outcome = merge(person(), edit({"given_name": ""}), frozenset(), {})
    assert (outcome.status, outcome.code) == ("rejected", "invalid")
    assert "given_name" in outcome.message


# -- deletes, and deletes against edits ------------------------------------------------------

def test_a_clean_delete_is_accepted() -> None:
    outcome = merge(person(), edit({}, op="delete"), frozenset(), {})
    assert (outcome.status, outcome.deleted, outcome.changed) == ("accepted", True, (DELETED,))
    assert outcome.fields == person().fields


def test_deleting_what_someone_else_is_still_editing_is_a_conflict_and_not_applied() -> None:
    outcome = merge(person(school="East"), edit({}, op="delete"), {"school"}, {})
    assert (outcome.status, outcome.deleted, outcome.changed) == ("conflict", False, ())
    [conflict] = outcome.conflicts
    assert (conflict.field, conflict.base_value, conflict.hub_value, conflict.device_value) \
        == (DELETED, False, False, True)


def test_deleting_a_deleted_record_changes_nothing() -> None:
    gone = Stored(person().fields, deleted=True)
    alone = merge(gone, edit({}, op="delete"), frozenset(), {})
    assert (alone.status, alone.deleted, alone.changed) == ("accepted", True, ())
    both = merge(gone, edit({}, op="delete"), {DELETED}, {})
    assert (both.status, both.deleted, both.changed, both.conflicts) == \
        ("merged", True, (), ())


def test_editing_what_someone_else_deleted_keeps_the_edit_on_the_tombstone() -> None:
    gone = Stored(person().fields, deleted=True)
    outcome = merge(gone, edit({"school": "South"}), {DELETED}, {})
    assert (outcome.status, outcome.deleted) == ("conflict", True)
    assert outcome.fields["school"] == "South" and outcome.changed == ("school",)
    [conflict] = outcome.conflicts
    assert (conflict.field, conflict.base_value, conflict.hub_value, conflict.device_value) \
        == (DELETED, False, True, False)


def test_editing_a_record_deleted_before_the_base_is_no_conflict() -> None:
    """The device knew it was deleted (nobody deleted it since): the edit just applies."""
    outcome = merge(Stored(person().fields, deleted=True), edit({"school": "South"}),
                    frozenset(), {})
    assert (outcome.status, outcome.deleted, outcome.conflicts) == ("accepted", True, ())


def test_a_record_deleted_and_restored_since_the_base_is_no_delete_conflict() -> None:
    outcome = merge(person(), edit({"school": "South"}), {DELETED}, {})
    assert (outcome.status, outcome.conflicts) == ("merged", ())

