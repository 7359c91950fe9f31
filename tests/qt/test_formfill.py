"""The form filler, driven through its real widgets against a real encrypted workspace."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimeZone
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QWidget,
)

from cse_desktop.casework.submissions import save_draft
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import Episode, Person, RiskLevel
from cse_desktop.forms.samples import Sample, load_samples
from cse_desktop.qt.formfill import FormFillPage
from cse_desktop.qt.formfill.fields import (
    ComboEditor,
    DateEditor,
    IndicatorEditor,
    NumberEditor,
    RadioEditor,
    RatingEditor,
    RepeatEditor,
    TextEditor,
)
from cse_desktop.qt.operations import Operation
from cse_desktop.store import Workspace

from .conftest import KDF, OWNER, PASSPHRASE
from .formfill_child import typed_text

LEFT = Qt.MouseButton.LeftButton
INPUTS = (QLineEdit, QPlainTextEdit, QAbstractButton, QComboBox, QAbstractSpinBox, QDateTimeEdit,
          QSlider)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
CHILD = Path(__file__).with_name("formfill_child.py")


# -- helpers --------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def themed(styled_app):
    """The style sheet as the running application loads it (icon urls resolved)."""
    try:
        from cse_desktop.qt.resources import stylesheet
    except ImportError:  # pragma: no cover - the raw sheet is still there
        yield
        return
    before = styled_app.styleSheet()
    styled_app.setStyleSheet(stylesheet())
    yield
    styled_app.setStyleSheet(before)


def sample(form_id: str) -> Sample:
    return next(s for s in load_samples() if s.form_id == form_id)


@pytest.fixture
def person(form_tasks) -> Person:
    return form_tasks.call(Operation(lambda ws: ws.people.add(
        Person(given_name="Robin", family_name="Fictional", dob=date(2011, 5, 4)))))


def add_sample_people(tasks, s: Sample) -> None:
    def add(ws) -> None:
        ws.people.add(s.person)
        if s.episode is not None:
            ws.episodes.add(s.episode)

    tasks.call(Operation(add))


def start(qtbot, page: FormFillPage, form_id: str, person_id: str,
          episode_id: str | None = None) -> None:
    with qtbot.waitSignal(page.opened, timeout=10_000):
        page.start(form_id, person_id, episode_id)
    page.activateWindow()


def editor(page: FormFillPage, path: str):
    row = page.editor.row_for(path)
    assert row is not None, path
    return row.editor


def click(qtbot, widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.accessibleName()
    qtbot.mouseClick(widget, LEFT)


def stored(tasks, submission_id: str):
    return tasks.call(Operation(lambda ws: ws.submissions.get(submission_id)))


def fill_sample(page: FormFillPage, s: Sample, *, skip: tuple[str, ...] = ()) -> None:
    for path, value in s.answers.items():
        if path not in skip:
            page.fill(path, value)


def finalise(qtbot, page: FormFillPage):
    """Finalise as the worker does: the Finalise button, then "Finalise" in its question."""
    with qtbot.waitSignal(page.finalised, timeout=10_000) as blocker:
        click(qtbot, page.editor.finalise_button)
        confirm_finalise(qtbot, page)
    return blocker.args[0]


def confirm_finalise(qtbot, page: FormFillPage) -> None:
    qtbot.waitUntil(lambda: page.confirm_box is not None and page.confirm_box.isVisible())
    assert page.confirm_box is not None
    qtbot.mouseClick(page.confirm_box.finalise_button, LEFT)


def unnamed(root: QWidget) -> list[str]:
    return [f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r} in "
            f"{type(w.parent()).__name__}"
            for w in root.findChildren(QWidget)
            if isinstance(w, INPUTS) and not w.accessibleName().strip()]


# -- rendering ------------------------------------------------------------------------------


def test_every_form_renders_and_every_input_has_an_accessible_name(
        qtbot, make_form_page, form_engine, person, screenshot) -> None:
    kinds: set[str] = set()
    for form_id in form_engine.registry.ids():
        page = make_form_page(clock=lambda: NOW)
        spec = form_engine.registry.latest(form_id)
        episode_id = None
        if spec.needs_episode:
            episode = Episode(person_id=person.id,
                              started_at=datetime(2026, 3, 5, 20, tzinfo=UTC),
                              returned_at=datetime(2026, 3, 6, 9, 30, tzinfo=UTC))
            episode_id = page.tasks.call(Operation(lambda ws, e=episode: ws.episodes.add(e))).id
        start(qtbot, page, form_id, person.id, episode_id)
        if form_id == FormId.SCREENING:
            screenshot(page, "formfill-screening-top")
        # every repeat group gets a row, so its nested inputs exist too
        for row in page.editor.rows.values():
            kinds.add(row.field.type)
            if isinstance(row.editor, RepeatEditor):
                row.editor.add_button.click()
                kinds.update(sub.field.type for sub in row.editor.all_field_rows())
        missing = unnamed(page)
        assert not missing, f"{form_id}: inputs without an accessible name: {missing}"
        # help text is shown and is the inputs' accessible description
        for row in page.editor.rows.values():
            if row.editor is not None and row.field.help and row.field.type != "repeat":
                assert row.field.help in row.editor.inputs()[0].accessibleDescription()
        page.clear()
    assert kinds >= {"text", "long_text", "yes_no", "yes_no_possible", "single_choice",
                     "multiple_choice", "date", "datetime", "number", "rating", "indicator",
                     "repeat", "computed", "info"}


def test_each_field_type_gets_its_widget_and_stores_engine_values(
        qtbot, make_form_page, person) -> None:
    page = make_form_page(clock=lambda: NOW)
    start(qtbot, page, FormId.PARENT_SESSION, person.id)
    assert isinstance(editor(page, "summary"), TextEditor)
    assert isinstance(editor(page, "session_type"), ComboEditor)  # 7 choices: a drop-down
    assert isinstance(editor(page, "interpreter"), RadioEditor)
    assert isinstance(editor(page, "wellbeing_rating"), RatingEditor)
    number = editor(page, "duration_minutes")
    assert isinstance(number, NumberEditor)
    # a number: typed, stored as a whole number, and empty again when cleared
    page.editor.go_to("duration_minutes")
    qtbot.keyClicks(number.spin, "75")
    assert page.submission.answers["duration_minutes"] == 75
    number.spin.selectAll()
    qtbot.keyClick(number.spin, Qt.Key.Key_Delete)
    assert "duration_minutes" not in page.submission.answers
    # a rating: a row of buttons
    rating = editor(page, "wellbeing_rating")
    page.editor.go_to("wellbeing_rating")
    click(qtbot, rating.buttons[4])
    assert page.submission.answers["wellbeing_rating"] == 4
    # a date stays empty until set; setting it offers today, never silently
    when = editor(page, "next_session_date")
    assert isinstance(when, DateEditor) and when.value() is None
    page.editor.go_to("next_session_date")
    assert "next_session_date" not in page.submission.answers
    click(qtbot, when.set_button)
    assert page.submission.answers["next_session_date"] == "2026-03-10"
    click(qtbot, when.clear_button)
    assert "next_session_date" not in page.submission.answers
    # a date and time is typed in UK time and stored with its offset (BST in July)
    moment = editor(page, "session_at")
    page.editor.go_to("session_at")
    click(qtbot, moment.set_button)
    moment.edit.setDateTime(QDateTime(QDate(2026, 7, 1), QTime(10, 30), QTimeZone.utc()))
    assert page.submission.answers["session_at"] == "2026-07-01T10:30:00+01:00"
    moment.edit.setDateTime(QDateTime(QDate(2026, 1, 15), QTime(9, 0), QTimeZone.utc()))
    assert page.submission.answers["session_at"] == "2026-01-15T09:00:00+00:00"
    assert moment.zone_label.isVisible() and moment.zone_label.text() == "UK time"


def test_indicators_ask_when_only_for_moderate_and_significant(qtbot, make_form_page,
                                                               person) -> None:
    page = make_form_page(clock=lambda: NOW)
    start(qtbot, page, FormId.SCREENING, person.id)
    late = editor(page, "ind_b_staying_out_late")
    assert isinstance(late, IndicatorEditor)
    page.editor.go_to("ind_b_staying_out_late")
    assert late.details is None  # when, evidence and detail are built once asked for
    click(qtbot, late.present["possible"])
    assert late.details is not None
    assert late.details.isVisible() and late.timing["current"].isVisible()
    # built late, they still come straight after the present buttons in the tab order
    assert late.present["possible"].nextInFocusChain() is next(iter(late.timing.values()))
    assert late.evidence is not None and late.detail is not None
    assert late.evidence.nextInFocusChain() is late.detail
    assert late.evidence.accessibleName() == "Staying out late without agreement: evidence"
    click(qtbot, late.present["yes"])
    click(qtbot, late.timing["6-12m"])
    late.evidence.setCurrentIndex(late.evidence.findData("reported"))
    qtbot.keyClicks(late.detail, "Fictional detail")
    assert page.submission.answers["ind_b_staying_out_late"] == {
        "present": "yes", "timing": "6-12m", "evidence": "reported",
        "detail": "Fictional detail"}
    assert late.present["yes"].accessibleName() == (
        "Staying out late without agreement: present: Yes")
    click(qtbot, late.present["no"])
    assert page.submission.answers["ind_b_staying_out_late"] == {"present": "no"}
    assert not late.details.isVisible()
    # a vulnerability: yes or no only, and no timing
    vulnerability = editor(page, "vul_isolation")
    assert "possible" not in vulnerability.present and not vulnerability.timing


# -- show_if --------------------------------------------------------------------------------


def test_show_if_hides_and_shows_fields_sections_and_row_fields_live(
        qtbot, make_form_page, form_tasks, person) -> None:
    page = make_form_page(clock=lambda: NOW)
    start(qtbot, page, FormId.SCREENING, person.id)
    other = page.editor.rows["trigger_other"]
    trigger = editor(page, "trigger")
    assert not other.isVisible()
    click(qtbot, trigger.buttons["other"])
    assert other.isVisible()
    click(qtbot, trigger.buttons["new_concern"])
    assert not other.isVisible()
    # a field inside a repeat-group row
    people = editor(page, "people_of_concern")
    page.editor.go_to("people_of_concern")
    click(qtbot, people.add_button)
    reference = people.field_row("people_of_concern[0].poc_police_ref")
    assert reference is not None and not reference.isVisible()
    click(qtbot, editor(page, "people_of_concern[0].poc_reported").buttons["yes"])
    assert reference.isVisible()
    assert reference.editor.edit.accessibleName() == "People of concern, row 1: Police reference"
    # a whole section
    rhi = sample(FormId.RETURN_HOME_INTERVIEW)
    add_sample_people(form_tasks, rhi)
    page2 = make_form_page(clock=lambda: rhi.now)
    start(qtbot, page2, FormId.RETURN_HOME_INTERVIEW, rhi.person.id, rhi.episode.id)
    before = next(page2.editor.section_list.item(i) for i in range(
        page2.editor.section_list.count()) if page2.editor.section_list.item(i).data(
        Qt.ItemDataRole.UserRole + 1) == "before")
    assert not before.isHidden()
    page2.editor.go_to("outcome")
    click(qtbot, editor(page2, "outcome").buttons["declined_child"])
    assert before.isHidden()
    assert page2.editor.rows["outcome_reason"].isVisible()
    click(qtbot, editor(page2, "outcome").buttons["completed"])
    assert not before.isHidden()


# -- the screening --------------------------------------------------------------------------


def test_screening_override_upward_then_a_downgrade_awaits_approval(
        qtbot, make_form_page, form_tasks, person, screenshot) -> None:
    s = sample(FormId.SCREENING)
    page = make_form_page(clock=lambda: s.now)
    start(qtbot, page, s.form_id, person.id)
    fill_sample(page, s, skip=("agreed_level",))
    panel = page.editor.outcome
    assert panel is not None and panel.suggested.text() == "Low"
    page.editor.go_to("agreed_level")
    click(qtbot, editor(page, "agreed_level").buttons["medium"])
    rationale = editor(page, "override_rationale").edit
    assert rationale.isVisible()
    rationale.setFocus()
    qtbot.keyClicks(rationale, "Fictional: the school reports more than the score shows.")
    assert panel.override.isVisible() and "higher than the suggested level (Low)" in (
        panel.override.text())
    assert "the school reports more" in panel.rationale.text()
    assert (panel.agreed.text(), panel.standing.text()) == ("Medium", "Medium")
    assert "Risk Management Meeting" in panel.pathway.text()
    assert not panel.approval.isVisible()
    assert "does not replace" in panel.caveat.text()
    assert panel.rules.text().count("•") >= 2
    screenshot(panel, "formfill-screening-outcome-override")
    final = finalise(qtbot, page)
    assert final.is_final and final.outcome["override"] and final.outcome["level"] == "medium"
    stored_person = form_tasks.call(Operation(lambda ws: ws.people.get(person.id)))
    assert stored_person.risk_level is RiskLevel.MEDIUM

    # amend it to a lower level than suggested: the suggested level stands until approved
    with qtbot.waitSignal(page.opened, timeout=10_000):
        click(qtbot, page.final_view.amend_button)
    panel = page.editor.outcome
    page.editor.go_to("agreed_level")
    click(qtbot, editor(page, "agreed_level").buttons["none"])
    assert panel.approval.isVisible()
    assert "Lower level awaiting manager approval" in panel.approval.text()
    assert panel.standing.text() == "Low"
    # nobody can type an approval in: a manager approves through their approval action
    assert "approved_by" not in page.editor.rows
    screenshot(panel, "formfill-screening-outcome-awaiting-approval")


def test_a_managers_approval_shows_who_when_why_and_whether_a_hub_verified_it(
        qtbot, make_form_page, form_tasks, form_engine, person, screenshot) -> None:
    from cse_desktop.casework.caseload import approve_downgrade
    from cse_desktop.casework.submissions import finalise as finalise_stored
    from cse_desktop.domain.models import Owner, Role

    s = sample(FormId.SCREENING)
    answers = {**s.answers, "agreed_level": "none", "override_rationale": "Fictional."}

    def record(ws):  # a downgrade, approved by a manager in a workspace never enrolled
        draft = form_engine.set_answers(form_engine.start(s.form_id, person.id), answers)
        final = finalise_stored(ws, form_engine, draft, now=s.now)
        ws.set_owner(Owner(name="Morgan Fictional-Manager", role=Role.MANAGER, team="T"))
        return approve_downgrade(ws, form_engine, final.id, "Fictional: checked.", s.now)

    approval = form_tasks.call(Operation(record))
    page = make_form_page(clock=lambda: s.now)
    with qtbot.waitSignal(page.opened, timeout=10_000):
        page.open(approval.id)
    panel = page.final_view.outcome
    text = panel.approval.text()
    assert text.startswith("Lower level approved by Morgan Fictional-Manager (team manager)")
    assert "Why: Fictional: checked." in text
    assert "not verified by a hub (this workspace is not connected to one)" in text
    assert panel.standing.text() == "No current concern"
    screenshot(panel, "formfill-screening-outcome-approved")


def test_immediate_danger_shows_call_999(qtbot, make_form_page, person, screenshot) -> None:
    page = make_form_page(clock=lambda: NOW)
    start(qtbot, page, FormId.SCREENING, person.id)
    assert not page.editor.danger.isVisible()
    page.editor.go_to("immediate_danger")
    click(qtbot, editor(page, "immediate_danger").buttons["yes"])
    assert page.editor.danger.isVisible() and "Call 999 now" in page.editor.danger.text()
    assert page.editor.rows["danger_banner"].isVisible()
    assert not page.editor.outcome.danger.isVisible()  # said once, across the top
    screenshot(page, "formfill-999-banner")
    click(qtbot, editor(page, "immediate_danger").buttons["no"])
    assert not page.editor.danger.isVisible()


# -- the return home interview ----------------------------------------------------------------


def test_return_home_interview_to_final_against_an_episode(
        qtbot, make_form_page, form_tasks, screenshot) -> None:
    # the newest version (the one "Start" uses): the episode's details come from the episode
    s = max((x for x in load_samples() if x.form_id == FormId.RETURN_HOME_INTERVIEW),
            key=lambda x: x.version)
    add_sample_people(form_tasks, s)
    page = make_form_page(clock=lambda: s.now)
    start(qtbot, page, s.form_id, s.person.id, s.episode.id)
    assert "missing episode of 5 Mar 2026" in page.editor.subtitle.text()
    rows = page.editor.rows
    assert rows["episode_duration_hours"].value_label.text() == "13.5 hours"
    assert rows["overnight"].value_label.text() == "Yes"
    assert rows["police_ref"].value_label.text() == "DEMO-2026-0042"
    fill_sample(page, s)
    assert rows["hours_since_return_at_offer"].value_label.text() == "24.5 hours"
    assert rows["hours_since_return_at_interview"].value_label.text() == "53.5 hours"
    assert rows["offered_within_72h"].value_label.text() == "Yes"
    assert rows["completed_within_72h"].value_label.text() == "Yes"
    assert set(page.editor.flags.flag_ids()) == {"rescreen", "not-for-parent"}
    page.editor.show_section("offer")
    QApplication.processEvents()
    page.editor.scroll_area.ensureWidgetVisible(rows["completed_within_72h"], 20, 20)
    screenshot(page, "formfill-rhi-72-hours")
    final = finalise(qtbot, page)
    assert final.is_final and final.episode_id == s.episode.id
    assert sorted(f["id"] for f in final.outcome["flags"]) == ["not-for-parent", "rescreen"]
    assert final.outcome["computed"]["completed_within_72h"] is True
    assert page.final_view is not None and page.final_view.isVisible()


# -- finalising -----------------------------------------------------------------------------


def test_finalise_lists_the_problems_and_each_goes_to_its_field(
        qtbot, make_form_page, form_tasks, person, screenshot) -> None:
    page = make_form_page(clock=lambda: NOW)
    start(qtbot, page, FormId.SCREENING, person.id)
    with qtbot.waitSignal(page.finalise_failed, timeout=10_000):
        click(qtbot, page.editor.finalise_button)
    editor_view = page.editor
    assert editor_view.summary.isVisible()
    texts = [editor_view.error_list.item(i).text() for i in range(editor_view.error_list.count())]
    assert any(t.startswith("Strengths and protective factors: ") for t in texts)
    assert "Why are you completing this screening? This needs an answer" in texts
    assert "problems to fix" in editor_view.summary_title.text()
    screenshot(page, "formfill-finalise-errors")
    assert editor_view.rows["reason"].error.isVisible()  # shown inline after the attempt
    # clicking a problem goes to its question and focuses it
    index = next(i for i, t in enumerate(texts) if t.startswith("Strengths"))
    item = editor_view.error_list.item(index)
    qtbot.mouseClick(editor_view.error_list.viewport(), LEFT,
                     pos=editor_view.error_list.visualItemRect(item).center())
    strengths = editor(page, "strengths").edit
    assert editor_view.current == "voice"
    qtbot.waitUntil(strengths.hasFocus, timeout=2000)
    # and Enter on a problem does the same
    editor_view.error_list.setFocus()
    editor_view.error_list.setCurrentRow(next(i for i, t in enumerate(texts)
                                              if t.startswith("Why are you")))
    qtbot.keyClick(editor_view.error_list, Qt.Key.Key_Return)
    reason = editor(page, "reason").edit
    assert editor_view.current == "context"
    qtbot.waitUntil(reason.hasFocus, timeout=2000)
    # fixing a problem takes it off the list at once
    before = editor_view.error_list.count()
    qtbot.keyClicks(reason, "Fictional reason.")
    assert editor_view.error_list.count() == before - 1
    assert not editor_view.rows["reason"].error.isVisible()
    assert page.submission.is_final is False
    assert not stored(form_tasks, page.submission.id).is_final


def test_amending_a_final_opens_a_new_draft(qtbot, make_form_page, form_tasks, person,
                                            screenshot) -> None:
    s = sample(FormId.PARENT_SESSION)
    page = make_form_page(clock=lambda: s.now)
    start(qtbot, page, s.form_id, person.id)
    fill_sample(page, s)
    final = finalise(qtbot, page)
    view = page.final_view
    assert view is not None and view.amend_button.isVisible()
    assert page.editor is None
    assert not unnamed(page), unnamed(page)
    screenshot(page, "formfill-final-read-only")
    # the final one reopens read-only
    again = make_form_page(clock=lambda: s.now)
    with qtbot.waitSignal(again.opened, timeout=10_000):
        again.open(final.id)
    assert again.final_view is not None and again.editor is None
    with qtbot.waitSignal(again.opened, timeout=10_000) as blocker:
        click(qtbot, again.final_view.amend_button)
    draft = blocker.args[0]
    assert not draft.is_final and draft.amends == final.id
    assert draft.answers == final.answers
    assert again.editor is not None
    assert "Correction of a final record" in again.editor.subtitle.text()
    assert stored(form_tasks, draft.id).version == 1
    assert stored(form_tasks, final.id).is_final


# -- saving ----------------------------------------------------------------------------------


def test_a_draft_resumes_after_closing_the_page(qtbot, make_form_page, form_tasks,
                                                person) -> None:
    page = make_form_page(autosave_ms=60_000)  # only the close saves it
    start(qtbot, page, FormId.PARENT_SESSION, person.id)
    sid = page.submission.id
    assert stored(form_tasks, sid).version == 1  # stored as soon as it starts
    worker = editor(page, "worker").edit
    page.editor.go_to("worker")
    qtbot.keyClicks(worker, "A. Example-Worker")
    assert page.has_unsaved_changes
    with qtbot.waitSignal(page.closed, timeout=5000) as blocker:
        click(qtbot, page.editor.close_button)
    assert blocker.args == [str(person.id)]
    assert not page.has_unsaved_changes
    assert stored(form_tasks, sid).answers["worker"] == "A. Example-Worker"

    resumed = make_form_page()
    with qtbot.waitSignal(resumed.opened, timeout=10_000):
        resumed.open(sid)
    assert editor(resumed, "worker").edit.text() == "A. Example-Worker"
    resumed.editor.go_to("location")
    qtbot.keyClicks(editor(resumed, "location").edit, "Family home")
    assert resumed.flush()
    assert stored(form_tasks, sid).answers == {"worker": "A. Example-Worker",
                                                 "location": "Family home"}


def test_autosave_lands_within_two_seconds_of_the_last_keystroke(
        qtbot, make_form_page, form_tasks, person) -> None:
    page = make_form_page()
    start(qtbot, page, FormId.SCREENING, person.id)
    sid = page.submission.id
    reason = editor(page, "reason").edit
    page.editor.go_to("reason")
    text = "Fictional: seen with older people near the station."
    qtbot.keyClicks(reason, text)
    last_key = time.monotonic()
    assert page.status_text() == "Saving…"
    qtbot.waitUntil(lambda: stored(form_tasks, sid).answers.get("reason") == text,
                    timeout=3000)
    assert time.monotonic() - last_key < 2.0
    qtbot.waitUntil(lambda: not page.has_unsaved_changes, timeout=2000)
    assert page.status_text() == "✓ Saved"


def test_a_killed_filler_loses_at_most_two_seconds_of_typing(tmp_path, form_engine) -> None:
    folder = tmp_path / "workspace"
    ws, _ = Workspace.create(folder, PASSPHRASE, OWNER, kdf=KDF)
    child = ws.people.add(Person(given_name="Kill", family_name="Fictional",
                                 dob=date(2012, 2, 2)))
    draft = save_draft(ws, form_engine.start(FormId.PARENT_SESSION, child.id))
    ws.lock()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, str(CHILD), str(folder), draft.id, "summary"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(PASSPHRASE + "\n")
    proc.stdin.close()
    typed: list[tuple[int, float]] = []
    started = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            parts = line.split()
            if parts[:1] == ["typed"]:
                typed.append((int(parts[1]), float(parts[2])))
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(30), "the child process never started typing"
        time.sleep(random.uniform(2.0, 4.0))
        killed_at = time.time()
        proc.kill()
    finally:
        proc.kill()
        proc.wait(10)
    reader.join(5)
    ws = Workspace.open(folder, PASSPHRASE)
    try:
        text = ws.submissions.get(draft.id).answers.get("summary", "")
    finally:
        ws.lock()
    count = len(typed)
    assert count >= 20, f"only {count} keystrokes before the kill"
    assert text == typed_text(len(text)), "the stored text is not what was typed"
    safe = max((n for n, at in typed if at <= killed_at - 2.0), default=0)
    assert len(text) >= safe, (f"lost more than 2 s: {len(text)} characters stored, "
                               f"{safe} typed more than 2 s before the kill")


# -- keyboard -------------------------------------------------------------------------------


def test_keyboard_moves_between_sections_and_tabs_top_to_bottom(qtbot, make_form_page,
                                                                 person) -> None:
    page = make_form_page(clock=lambda: NOW)
    start(qtbot, page, FormId.PARENT_SESSION, person.id)
    view = page.editor
    worker = editor(page, "worker").edit
    view.go_to("worker")
    qtbot.waitUntil(worker.hasFocus, timeout=2000)
    qtbot.keyClick(worker, Qt.Key.Key_Tab)
    assert editor(page, "location").edit.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown,
                   Qt.KeyboardModifier.ControlModifier)
    assert view.current == "consent"
    assert editor(page, "aware_of_recording").buttons["yes"].hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageUp,
                   Qt.KeyboardModifier.ControlModifier)
    assert view.current == "session"
    # a row added to a repeat group slots into the tab order where it is shown
    attendees = editor(page, "attendees")
    view.go_to("attendees")
    click(qtbot, attendees.add_button)
    name = attendees.field_row("attendees[0].attendee_name").editor.edit
    assert name.hasFocus()
    assert name.nextInFocusChain() is not None
    qtbot.keyClick(name, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused.accessibleName().startswith("Who took part?, row 1: Relationship")
