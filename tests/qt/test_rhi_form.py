"""The return home interview in the desktop (issue 12, parts 1 and 2): the live 72-hour clock
in the form's header, the episode's details read only, one interview per episode, and the
buttons that say "Continue return home interview". Real encrypted workspaces, offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cse_desktop.casework.submissions import finalise, start_or_resume
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import Episode, EpisodeCategory, Person, PoliceRiskGrade
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.samples import Sample, load_samples
from cse_desktop.qt.formfill import FormFillPage
from cse_desktop.qt.operations import Operation, TaskManager
from cse_desktop.qt.person import PersonPage
from cse_desktop.store import Workspace

from .conftest import KDF, OWNER, PASSPHRASE

RHI = FormId.RETURN_HOME_INTERVIEW
LEFT = Qt.MouseButton.LeftButton
#: a Saturday morning: the interview is due by Tue 8 Dec 10:45
RETURNED = datetime(2026, 12, 5, 10, 45, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample() -> Sample:
    return max((s for s in load_samples() if s.form_id == RHI), key=lambda s: s.version)


def add_child_and_episode(tasks: TaskManager) -> tuple[Person, Episode]:
    def add(ws: Workspace) -> tuple[Person, Episode]:
        person = ws.people.add(Person(given_name="Robin", family_name="Fictional-Return",
                                      dob=date(2011, 5, 4)))
        episode = ws.episodes.add(Episode(
            person_id=person.id, started_at=RETURNED - timedelta(hours=20),
            returned_at=RETURNED, police_reference="DEMO-2026-0912",
            category=EpisodeCategory.AWAY_FROM_PLACEMENT, police_risk_grade=PoliceRiskGrade.HIGH,
            where_found="Car park behind the fictional arcade", how_returned="Police"))
        return person, episode

    return tasks.call(Operation(add))


def start(qtbot, page: FormFillPage, person_id: str, episode_id: str) -> None:
    with qtbot.waitSignal(page.opened, timeout=10_000):
        page.start(RHI, person_id, episode_id)


def show_top(page: FormFillPage) -> None:
    assert page.editor is not None
    page.editor.show_section("episode_details")
    QApplication.processEvents()


# -- the clock in the header -------------------------------------------------------------------


def test_an_hour_after_the_return_the_header_counts_down_and_nothing_warns(
        qtbot, make_form_page, form_tasks, screenshot) -> None:
    person, episode = add_child_and_episode(form_tasks)
    now = [RETURNED + timedelta(hours=1)]
    page = make_form_page(clock=lambda: now[0])
    start(qtbot, page, person.id, episode.id)
    editor = page.editor
    assert editor is not None
    assert editor.clock_label.isVisible()
    assert editor.clock_label.text() == "Interview due in 71 h, by Tue 8 Dec 10:45"
    assert editor.clock_label.property("late") is False
    assert "not-within-72h" not in editor.flags.flag_ids()
    assert editor.rows["interview_late"].value_label.text() == "No"
    assert not editor.rows["completed_within_72h"].isVisible()  # no false "No" yet
    show_top(page)
    path = screenshot(page, "rhi-v2-header-clock-due")
    assert path.is_file()

    # the clock is live: time passes, the header follows without a keystroke
    now[0] = RETURNED + timedelta(hours=41)
    page.clock_timer.timeout.emit()
    assert editor.clock_label.text() == "Interview due in 31 h, by Tue 8 Dec 10:45"
    assert page.clock_timer.isActive()

    now[0] = RETURNED + timedelta(hours=77)
    page.clock_timer.timeout.emit()
    assert editor.clock_label.text() == "Interview overdue by 5 h (it was due by Tue 8 Dec 10:45)"
    assert editor.clock_label.property("late") is True
    page._refresh()  # as any edit does: the flag follows the same clock
    assert "not-within-72h" in editor.flags.flag_ids()
    screenshot(page, "rhi-v2-header-clock-overdue")


def test_once_the_interview_time_is_recorded_the_header_says_when(
        qtbot, make_form_page, form_tasks) -> None:
    person, episode = add_child_and_episode(form_tasks)
    page = make_form_page(clock=lambda: RETURNED + timedelta(hours=30))
    start(qtbot, page, person.id, episode.id)
    page.fill("outcome", "completed")
    page.fill("offered_at", (RETURNED + timedelta(hours=20)).isoformat())
    page.fill("interview_at", (RETURNED + timedelta(hours=26)).isoformat())
    editor = page.editor
    assert editor is not None
    assert editor.clock_label.text() == "Interview held 1 day 2 h after the return: within " \
                                        "72 hours"
    assert editor.rows["completed_within_72h"].value_label.text() == "Yes"
    assert "not-within-72h" not in editor.flags.flag_ids()


def test_the_episodes_details_are_shown_read_only_from_the_episode(
        qtbot, make_form_page, form_tasks, screenshot) -> None:
    person, episode = add_child_and_episode(form_tasks)
    page = make_form_page(clock=lambda: RETURNED + timedelta(hours=1))
    start(qtbot, page, person.id, episode.id)
    rows = page.editor.rows
    expected = {
        "police_ref": "DEMO-2026-0912",
        "category": "Away from placement without permission (looked-after child)",
        "police_risk_grade": "High",
        "reported_missing_at": "4 Dec 2026, 14:45",
        "returned_at": "5 Dec 2026, 10:45",
        "episode_duration_hours": "20 hours",
        "interview_due_at": "8 Dec 2026, 10:45",
        "where_found": "Car park behind the fictional arcade",
        "how_returned": "Police",
    }
    for field_id, text in expected.items():
        row = rows[field_id]
        assert row.editor is None, field_id  # shown, not typed: nothing to edit
        assert row.value_label.text() == text, field_id
    with pytest.raises(Exception, match="not a question"):
        page.fill("police_ref", "DEMO-OTHER")
    show_top(page)
    page.editor.scroll_area.ensureWidgetVisible(rows["reported_by"], 20, 20)
    screenshot(page, "rhi-v2-episode-details-read-only")


# -- one interview per episode ---------------------------------------------------------------


def test_starting_again_opens_the_same_draft(qtbot, make_form_page, form_tasks) -> None:
    person, episode = add_child_and_episode(form_tasks)
    page = make_form_page(clock=lambda: RETURNED + timedelta(hours=1))
    start(qtbot, page, person.id, episode.id)
    first = page.submission
    page.fill("reported_by", "parent")
    assert page.flush()
    start(qtbot, page, person.id, episode.id)  # "Start" pressed again
    assert page.submission.id == first.id
    assert page.submission.answers.get("reported_by") == "parent"
    assert page.editor.rows["reported_by"].editor is not None
    drafts = form_tasks.call(Operation(lambda ws: [
        s for s in ws.submissions.list(person_id=person.id) if s.form_id == RHI]))
    assert len(drafts) == 1


def test_after_the_final_record_start_shows_it_read_only_with_amend(
        qtbot, make_form_page, form_tasks, form_engine, sample) -> None:
    person, episode = add_child_and_episode(form_tasks)

    def record(ws: Workspace):  # type: ignore[no-untyped-def]
        draft = start_or_resume(ws, form_engine, RHI, person.id, episode_id=episode.id)
        return finalise(ws, form_engine, form_engine.set_answers(draft, sample.answers),
                        now=RETURNED + timedelta(hours=100))

    answers = {**sample.answers,
               "notified_at": (RETURNED + timedelta(hours=1)).isoformat(),
               "offered_at": (RETURNED + timedelta(hours=5)).isoformat(),
               "interview_at": (RETURNED + timedelta(hours=30)).isoformat(),
               "safe_well_date": "2026-12-05"}
    sample = Sample(**{**sample.__dict__, "answers": answers})
    final = form_tasks.call(Operation(record))
    page = make_form_page(clock=lambda: RETURNED + timedelta(hours=120))
    start(qtbot, page, person.id, episode.id)
    assert page.submission.id == final.id and page.submission.is_final
    assert page.final_view is not None and page.final_view.amend_button.isVisible()


# -- the buttons on the person record ---------------------------------------------------------


@pytest.fixture
def tasks(tmp_path: Path) -> Iterator[TaskManager]:
    ws, _ = Workspace.create(tmp_path / "ws", PASSPHRASE, OWNER, kdf=KDF)
    r = TaskManager(ws)
    yield r
    r.close(final=lambda w: w.lock())


def test_the_buttons_say_continue_when_a_draft_exists(qtbot, tasks, screenshot) -> None:
    engine = FormEngine(FormRegistry.load())
    now = datetime.now(UTC).replace(microsecond=0)

    def add(ws: Workspace) -> tuple[Person, Episode]:
        person = ws.people.add(Person(given_name="Ash", family_name="Fictional-Button",
                                      dob=date(2011, 5, 4)))
        episode = ws.episodes.add(Episode(person_id=person.id,
                                          started_at=now - timedelta(hours=9),
                                          returned_at=now - timedelta(hours=1)))
        return person, episode

    person, episode = tasks.call(Operation(add))
    page = PersonPage(tasks)
    qtbot.addWidget(page)
    page.resize(1040, 720)
    page.show()
    qtbot.waitExposed(page)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.load(person.id)
    tab = page.episodes_tab
    page.show_tab(page.EPISODES)
    tab.table.selectRow(0)
    assert tab.interview_button.text().replace("&", "") == "Start return home interview"
    assert page.rhi_button.text() == "Start return home interview"

    tasks.call(Operation(lambda ws: start_or_resume(ws, engine, RHI, person.id,
                                                    episode_id=episode.id)))
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.load(person.id)
    tab.table.selectRow(0)
    assert tab.interview_button.text().replace("&", "") == "Continue return home interview"
    assert tab.interview_button.accessibleName().startswith("Continue return home interview")
    assert tab.interview_button.isEnabled()
    assert page.rhi_button.text() == "Continue return home interview"
    screenshot(page, "rhi-v2-continue-button")
    with qtbot.waitSignal(page.start_form, timeout=1000) as started:
        qtbot.mouseClick(tab.interview_button, LEFT)
    assert started.args == [RHI, person.id, episode.id]  # the casework resumes the draft
