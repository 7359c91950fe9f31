"""``finalise_changes``: the record kinds finalising a form reports are the kinds it changed.

The desktop refreshes its views from what an operation reports (``qt/operations``), so a kind
left out means a stale page and a kind put in needlessly means a wasted read.  Each test
finalises a real form on a real workspace and compares the report with the records whose
versions moved.  All people and answers are fictional (the shipped samples).
"""

from __future__ import annotations

from typing import Any

import pytest

from cse_desktop.casework.submissions import finalise, finalise_changes
from cse_desktop.domain.ids import Changes, FormId, RecordKind
from cse_desktop.domain.models import Person, RhiStatus, RiskLevel
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.samples import Sample, load_samples
from cse_desktop.store import Workspace


def newest(form_id: FormId) -> Sample:
    return max((s for s in load_samples() if s.form_id == form_id), key=lambda s: s.version)


def versions(ws: Workspace, person_id: str) -> dict[RecordKind, Any]:
    """Every record of the child, by kind: (id, version) pairs, to see what moved."""
    return {
        RecordKind.PERSON: ws.people.get(person_id).version,
        RecordKind.EPISODE: {e.id: e.version for e in ws.episodes.list(person_id=person_id)},
        RecordKind.SUBMISSION: {s.id: s.version
                                for s in ws.submissions.list(person_id=person_id)},
        RecordKind.ACTION: {a.id: a.version for a in ws.actions.list(person_id=person_id)},
        RecordKind.ASSOCIATION: {a.id: a.version
                                 for a in ws.associations.list(person_id=person_id)},
    }


def finalise_and_compare(ws: Workspace, engine: FormEngine, child: Person, sample: Sample, *,
                         answers: dict[str, Any] | None = None,
                         episode_id: str | None = None) -> tuple[Changes, Changes]:
    """Finalise ``sample`` (its draft already stored) for ``child``: what
    :func:`finalise_changes` reports, and the kinds whose records actually changed."""
    draft = engine.set_answers(
        engine.start(sample.form_id, child.id, episode_id=episode_id, version=sample.version),
        sample.answers if answers is None else answers)
    before = versions(ws, child.id)
    final = finalise(ws, engine, draft, now=sample.now)
    after = versions(ws, child.id)
    changed = frozenset(kind for kind in RecordKind if before[kind] != after[kind])
    return finalise_changes(final), changed


def test_a_screening_that_sets_the_level_reports_the_person(
        ws: Workspace, engine: FormEngine, child: Person) -> None:
    reported, changed = finalise_and_compare(ws, engine, child, newest(FormId.SCREENING))
    assert ws.people.get(child.id).risk_level is not RiskLevel.NOT_ASSESSED  # the level moved
    assert reported == changed == {RecordKind.SUBMISSION, RecordKind.PERSON}


def test_a_parent_session_without_actions_reports_only_the_submission(
        ws: Workspace, engine: FormEngine, child: Person) -> None:
    sample = newest(FormId.PARENT_SESSION)
    answers = {k: v for k, v in sample.answers.items() if k != "actions"}
    reported, changed = finalise_and_compare(ws, engine, child, sample, answers=answers)
    assert reported == changed == {RecordKind.SUBMISSION}
    # an empty list of actions is no actions either
    reported, changed = finalise_and_compare(ws, engine, child, sample,
                                             answers={**answers, "actions": []})
    assert reported == changed == {RecordKind.SUBMISSION}


def test_a_parent_session_with_actions_reports_them(
        ws: Workspace, engine: FormEngine, child: Person) -> None:
    sample = newest(FormId.PARENT_SESSION)
    assert sample.answers["actions"]  # the sample agrees an action
    reported, changed = finalise_and_compare(ws, engine, child, sample)
    assert reported == changed == {RecordKind.SUBMISSION, RecordKind.ACTION}


def test_a_return_home_interview_reports_its_episode(
        ws: Workspace, engine: FormEngine, child: Person) -> None:
    sample = newest(FormId.RETURN_HOME_INTERVIEW)
    assert sample.episode is not None
    episode = ws.episodes.add(sample.episode.model_copy(
        update={"person_id": child.id, "rhi_status": RhiStatus.DUE}))
    reported, changed = finalise_and_compare(ws, engine, child, sample, episode_id=episode.id)
    assert RecordKind.EPISODE in changed  # its interview status moved
    assert reported == changed == {RecordKind.SUBMISSION, RecordKind.EPISODE, RecordKind.ACTION}


def test_a_meeting_record_reports_the_level_and_its_actions(
        ws: Workspace, engine: FormEngine, child: Person) -> None:
    reported, changed = finalise_and_compare(ws, engine, child, newest(FormId.RMM_REVIEW))
    assert reported == changed == {RecordKind.SUBMISSION, RecordKind.PERSON, RecordKind.ACTION}


@pytest.mark.parametrize("sample", [s for s in load_samples() if s.episode is None],
                         ids=lambda s: f"{s.form_id}-v{s.version}")
def test_no_shipped_form_changes_a_kind_it_does_not_report(
        ws: Workspace, engine: FormEngine, child: Person, sample: Sample) -> None:
    """The promise views rely on: whatever finalising changed is among what it reports."""
    reported, changed = finalise_and_compare(ws, engine, child, sample)
    assert changed <= reported, sorted(changed - reported)
