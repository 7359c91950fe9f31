"""add_many: the batch path writes exactly what add would, all or nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cse_desktop.domain.errors import NotFound, ValidationFailed
from cse_desktop.domain.ids import new_id
from cse_desktop.domain.models import Episode, Person, Submission
from cse_desktop.store import Workspace


def _people(n: int) -> list[Person]:
    return [Person(given_name=f"Batch{i}", family_name="Fictional", dob=date(2012, 1, 1))
            for i in range(n)]


def test_add_many_writes_records_audit_and_outbox_like_add(ws: Workspace) -> None:
    audit, outbox = ws.audit.count(), ws.outbox.count()
    people = ws.people.add_many(_people(30))
    episodes = ws.episodes.add_many([Episode(person_id=p.id,
                                             started_at=datetime(2026, 1, 1, tzinfo=UTC))
                                     for p in people])
    ws.submissions.add_many([Submission(form_id="parent-session", form_version=1,
                                        person_id=e.person_id, episode_id=e.id)
                             for e in episodes])
    assert ws.people.count() == 30 and ws.submissions.count() == 30
    assert ws.audit.count() == audit + 90
    assert ws.outbox.count() == outbox + 90
    assert all(p.version == 1 and p.created_by == ws.actor for p in people)
    assert [p.given_name for p in ws.people.search("batch1")][:1] == ["Batch1"]
    assert ws.check().ok


@pytest.mark.parametrize("spoil", ["unknown person", "episode of another person",
                                   "duplicate id"])
def test_add_many_is_all_or_nothing(ws: Workspace, spoil: str) -> None:
    people = ws.people.add_many(_people(2))
    episode = ws.episodes.add(Episode(person_id=people[1].id,
                                      started_at=datetime(2026, 1, 1, tzinfo=UTC)))
    batch = [Submission(form_id="parent-session", form_version=1, person_id=people[0].id)
             for _ in range(5)]
    if spoil == "unknown person":
        batch[3] = batch[3].model_copy(update={"person_id": new_id()})
        error: type[Exception] = NotFound
    elif spoil == "episode of another person":
        batch[3] = batch[3].model_copy(update={"episode_id": episode.id})
        error = ValidationFailed
    else:
        batch[3] = batch[3].model_copy(update={"id": batch[1].id})
        error = ValidationFailed
    counts = (ws.submissions.count(), ws.audit.count(), ws.outbox.count())
    with pytest.raises(error):
        ws.submissions.add_many(batch)
    assert (ws.submissions.count(), ws.audit.count(), ws.outbox.count()) == counts
    assert ws.check().ok
