"""The person record's chronology and forms tab, and the header's approval notice.

Driven through its real widgets against a real encrypted workspace; every store call goes
through the page's TaskManager and the tests read the store back through ``tasks.call``.
Fixtures (``engine``, ``tasks``, ``child``, ``page``) are in conftest.py, helpers in
person_helpers.py.  All people and places are fictional.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QDate, Qt

from cse_desktop.casework.submissions import amend, finalise, save_draft
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import (
    Action,
    Episode,
    RhiStatus,
)
from cse_desktop.forms.samples import load_samples
from cse_desktop.qt.operations import Operation
from cse_desktop.qt.operations import actions as actions_ops
from cse_desktop.qt.person.chronology import ChronologyModel
from cse_desktop.qt.person.lists import SubmissionsModel

from .person_helpers import (
    cell_texts,
    click,
    final_screening,
    open_person,
)

# -- chronology and forms ----------------------------------------------------------------------


def test_the_chronology_shows_episodes_and_screenings_and_filters(qtbot, page, tasks, engine,
                                                                  child, screenshot) -> None:
    now = datetime.now(UTC)
    tasks.call(Operation(lambda ws: ws.episodes.add(Episode(
        person_id=child.id, started_at=now - timedelta(days=3, hours=4),
        returned_at=now - timedelta(days=2, hours=20), where_found="Retail park (fictional)",
        police_reference="DEMO-0007", rhi_status=RhiStatus.DUE))))
    screening = final_screening(tasks, engine, child.id)
    tasks.call(Operation(lambda ws: ws.actions.add(Action(
        person_id=child.id, text="Fictional action", due=date.today() + timedelta(days=5)))))
    open_person(qtbot, page, child.id)
    page.show_tab(page.CHRONOLOGY)
    tab = page.chronology_tab
    titles = cell_texts(tab.table, ChronologyModel.TITLE)
    assert "Exploitation screening: Low (agreed), suggested Low" in titles
    assert "Reported missing" in titles
    assert any(t.startswith("Returned after 8 h") for t in titles)
    assert page.risk_badge.text() == "Risk: Low"  # set by the screening
    whens = [e.at for e in tab.visible_events()]
    assert whens == sorted(whens, reverse=True)
    screenshot(page, "person-chronology")

    # only missing episodes: untick every other type
    for box, kinds in tab.kind_boxes:
        if "episode-missing" not in kinds:
            click(qtbot, box)
    assert {e.kind for e in tab.visible_events()} == {"episode-missing", "episode-returned"}
    assert tab.count_label.text() == f"Showing 2 of {tab.model.rowCount()} events"
    click(qtbot, tab.reset_button)
    assert len(tab.visible_events()) == tab.model.rowCount()
    # a date range after everything shows nothing, and says so
    tab.from_edit.none_box.setChecked(False)
    later = date.today() + timedelta(days=1)
    tab.from_edit.edit.setDate(QDate(later.year, later.month, later.day))
    assert tab.visible_events() == [] and tab.empty_label.isVisible()
    tab.from_edit.none_box.setChecked(True)

    # Enter on the screening opens it
    row = next(r for r in range(tab.proxy.rowCount())
               if tab.proxy.index(r, ChronologyModel.TITLE).data().startswith("Exploitation"))
    tab.table.setFocus()
    tab.table.setCurrentIndex(tab.proxy.index(row, 0))
    with qtbot.waitSignal(page.open_submission, timeout=1000) as opened:
        qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert opened.args == [screening.id]
    # Enter on an episode row goes to the Missing episodes tab
    row = next(r for r in range(tab.proxy.rowCount())
               if tab.proxy.index(r, ChronologyModel.TITLE).data() == "Reported missing")
    tab.table.setCurrentIndex(tab.proxy.index(row, 0))
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert page.tabs.currentIndex() == page.EPISODES
    assert page.episodes_tab.selected_episode() is not None


def test_the_chronology_dates_a_meetings_actions_by_the_meeting(qtbot, page, tasks, engine,
                                                                child) -> None:
    sample = next(s for s in load_samples() if s.form_id == FormId.RMM_REVIEW
                  and s.version == 2)
    tasks.call(Operation(lambda ws: finalise(ws, engine, engine.set_answers(
        engine.start(FormId.RMM_REVIEW, child.id), sample.answers), now=sample.now)))
    open_person(qtbot, page, child.id)
    page.show_tab(page.CHRONOLOGY)
    table = page.chronology_tab.table
    whens = dict(zip(cell_texts(table, ChronologyModel.TITLE),
                     cell_texts(table, ChronologyModel.WHEN), strict=True))
    # the meeting of 3 Mar 2026, not the moment its record was stored (today)
    assert whens["Action agreed: Serve a Child Abduction Warning Notice"] == "3 Mar 2026"
    assert whens["Action agreed: Make the National Referral Mechanism referral"] == "3 Mar 2026"
    assert whens["Action done: Share the school attendance record"] == "23 Feb 2026"


def test_the_forms_tab_lists_drafts_finals_and_amendments(qtbot, page, tasks, engine,
                                                          child) -> None:
    final = final_screening(tasks, engine, child.id)
    correction = tasks.call(Operation(lambda ws: amend(ws, engine, ws.submissions.get(final.id))))
    tasks.call(Operation(lambda ws: save_draft(ws, engine.start(FormId.PARENT_SESSION, child.id))))
    open_person(qtbot, page, child.id)
    page.show_tab(page.FORMS)
    tab = page.submissions_tab
    model = tab.table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Form", "Status", "Date", "Finalised", "Amends", "Outcome"]
    assert not any("version" in str(h).lower() for h in headers)  # no form-version jargon
    assert not any(cell.startswith("v") and cell[1:].isdigit()
                   for c in range(model.columnCount()) for cell in cell_texts(tab.table, c))
    statuses = dict(zip(cell_texts(tab.table, SubmissionsModel.STATUS),
                        cell_texts(tab.table, SubmissionsModel.FORM), strict=True))
    assert statuses == {"Final": "Exploitation screening",
                        "Draft amendment": "Exploitation screening", "Draft": "Parent session"}
    amends = cell_texts(tab.table, SubmissionsModel.AMENDS)
    assert any(a.startswith("The final of ") for a in amends)
    outcomes = cell_texts(tab.table, SubmissionsModel.OUTCOME)
    assert "Low (agreed), suggested Low" in outcomes
    row = cell_texts(tab.table, SubmissionsModel.STATUS).index("Draft amendment")
    tab.table.setFocus()
    tab.table.setCurrentIndex(tab.table.model().index(row, 0))
    with qtbot.waitSignal(page.open_submission, timeout=1000) as opened:
        qtbot.keyClick(tab.table, Qt.Key.Key_Enter)
    assert opened.args == [correction.id]
    with qtbot.waitSignal(page.start_form, timeout=1000) as started:
        click(qtbot, tab.new_buttons[FormId.SCREENING])
    assert started.args == [FormId.SCREENING, child.id, None]
    with qtbot.waitSignal(page.start_form, timeout=1000) as started:
        click(qtbot, tab.new_buttons[FormId.PARENT_SESSION])
    assert started.args == [FormId.PARENT_SESSION, child.id, None]


def test_the_header_says_when_a_lower_level_awaits_approval(qtbot, page, tasks, engine,
                                                            child, screenshot) -> None:
    open_person(qtbot, page, child.id)
    assert not page.approval_note.isVisible()
    final_screening(tasks, engine, child.id, agreed_level="none",
                    override_rationale="Fictional: reasons.")
    open_person(qtbot, page, child.id)
    assert page.approval_note.isVisible()
    assert page.approval_note.text().startswith("Lower level awaiting manager approval")
    assert page.risk_badge.text() == "Risk: Low"  # the higher level stands
    screenshot(page, "person-awaiting-approval")


def test_only_the_tab_on_the_screen_is_filled_and_a_later_tab_shows_the_latest_read(
        qtbot, page, tasks, child) -> None:
    """Opening a record fills the Profile tab only; a tab shown later shows the record as last
    read, including a change made while it was hidden."""
    tasks.call(Operation(lambda ws: ws.actions.add(Action(
        person_id=child.id, text="First fictional action", due=date.today()))))
    open_person(qtbot, page, child.id)
    chronology = page.tabs.widget(page.CHRONOLOGY)  # the widget itself: no filling on access
    actions = page.tabs.widget(page.ACTIONS)
    assert chronology.model.rowCount() == 0 and actions.model.rowCount() == 0
    page.show_tab(page.ACTIONS)
    assert actions.model.rowCount() == 1
    assert chronology.model.rowCount() == 0  # still hidden, still empty

    # a change while on the Actions tab: that tab is filled at once, the chronology when shown
    with qtbot.waitSignal(page.loaded, timeout=5000):
        tasks.run(actions_ops.add(action=Action(person_id=child.id, text="Second fictional "
                                                "action", due=date.today())))
    assert actions.model.rowCount() == 2
    assert chronology.model.rowCount() == 0
    page.show_tab(page.CHRONOLOGY)
    titles = cell_texts(chronology.table, ChronologyModel.TITLE)
    assert any("Second fictional action" in t for t in titles)
    # the attribute fills a hidden tab too (the window and tests read tabs through it)
    page.show_tab(page.PROFILE)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        tasks.run(actions_ops.add(action=Action(person_id=child.id, text="Third fictional "
                                                "action", due=date.today())))
    assert actions.model.rowCount() == 2
    assert page.actions_tab.model.rowCount() == 3
