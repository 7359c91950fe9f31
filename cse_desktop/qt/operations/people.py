"""Operations on young people: read a child's whole record, add a child, update a profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cse_desktop.casework.caseload_facts import awaiting_approval
from cse_desktop.casework.chronology import ChronologyEvent, chronology_of
from cse_desktop.domain.ids import Changes, RecordKind
from cse_desktop.domain.models import Action, Association, Episode, Person, Submission
from cse_desktop.qt.operations.tasks import Operation
from cse_desktop.store import Workspace

PERSON_CHANGES: Changes = frozenset({RecordKind.PERSON})


@dataclass(frozen=True)
class PersonRecord:
    """A snapshot of one child's record, read in one step: everything the person page shows."""

    person: Person
    episodes: list[Episode]
    submissions: list[Submission]
    actions: list[Action]
    associations: list[Association]
    chronology: list[ChronologyEvent]
    read_at: datetime
    #: a screening's lower level waits for a manager's approval
    approval_pending: bool = False


def record(*, person_id: str, audit_view: bool,
           now: datetime | None = None) -> Operation[PersonRecord]:
    """A child's whole record in one consistent read.

    ``audit_view`` opens it through ``ws.people.view`` so the audit log gains a view event; a
    refresh of a record already open reads it plainly.
    """
    def work(ws: Workspace) -> PersonRecord:
        read_at = now or datetime.now(UTC)
        with ws.transaction():
            person = ws.people.view(person_id) if audit_view else ws.people.get(person_id)
            episodes = ws.episodes.list(person_id=person.id)
            submissions = ws.submissions.list(person_id=person.id)
            actions = ws.actions.list(person_id=person.id)
            associations = ws.associations.list(person_id=person.id)
        events = chronology_of(person, episodes, submissions, actions, associations,
                               now=read_at)
        return PersonRecord(person, episodes, submissions, actions, associations, events,
                            read_at, approval_pending=awaiting_approval(submissions))

    return Operation(work)


def add(*, person: Person) -> Operation[Person]:
    """Start a record for a young person."""
    return Operation(lambda ws: ws.people.add(person), PERSON_CHANGES)


def update(*, person: Person) -> Operation[Person]:
    """Save a changed profile (version checked: ``StaleRecord`` if it changed meanwhile)."""
    return Operation(lambda ws: ws.people.update(person), PERSON_CHANGES)
