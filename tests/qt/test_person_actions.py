"""The person record's actions (RAG-rated, marked restricted), people and places.

Driven through its real widgets against a real encrypted workspace; every store call goes
through the page's TaskManager and the tests read the store back through ``tasks.call``.
Fixtures (``engine``, ``tasks``, ``child``, ``page``) are in conftest.py, helpers in
person_helpers.py.  All people and places are fictional.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt

from cse_desktop.domain.models import (
    Action,
    ActionStatus,
)
from cse_desktop.qt.operations import Operation
from cse_desktop.qt.person.lists import ActionsModel

from .person_helpers import (
    cell_texts,
    click,
    open_person,
    type_into,
    unnamed_controls,
)

# -- actions, people and places ----------------------------------------------------------------


def test_actions_are_added_marked_done_and_rag_rated(qtbot, page, tasks, child,
                                                     screenshot) -> None:
    today = date.today()
    tasks.call(Operation(lambda ws: ws.actions.add_many([
        Action(person_id=child.id, text="Share attendance weekly (fictional)",
               owner="D. Example-Teacher", agency="Education", due=today - timedelta(days=2)),
        Action(person_id=child.id, text="Referral to the specialist service (fictional)",
               owner="A. Example-Worker", agency="Exploitation team",
               due=today + timedelta(days=30)),
        Action(person_id=child.id, text="Safety plan review (fictional)", owner="A. Example",
               agency="Children's social care", due=today - timedelta(days=9),
               status=ActionStatus.DONE)])))
    open_person(qtbot, page, child.id)
    page.show_tab(page.ACTIONS)
    tab = page.actions_tab
    click(qtbot, tab.add_button)
    dialog = tab.dialog
    assert unnamed_controls(dialog) == []
    click(qtbot, dialog.save_button)
    assert dialog.error.text() == "Describe the action."
    qtbot.keyClicks(dialog.text_box, "Disruption visit to the location of concern (fictional)")
    type_into(qtbot, dialog.owner_edit, "PC Example")
    dialog.agency_combo.setCurrentText("Police")
    soon = today + timedelta(days=3)
    dialog.due_edit.edit.setDate(QDate(soon.year, soon.month, soon.day))
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, dialog.save_button)
    rags = dict(zip(cell_texts(tab.table, ActionsModel.TEXT),
                    cell_texts(tab.table, ActionsModel.RAG), strict=True))
    assert rags == {"Share attendance weekly (fictional)": "Overdue",
                    "Disruption visit to the location of concern (fictional)": "Due soon",
                    "Referral to the specialist service (fictional)": "On track",
                    "Safety plan review (fictional)": "Done"}
    assert list(rags.values()) == ["Overdue", "Due soon", "On track", "Done"]  # worst first
    model = tab.table.model()
    assert model.index(0, ActionsModel.RAG).data(Qt.ItemDataRole.ForegroundRole).name() \
        == "#a3122a"
    screenshot(page, "person-actions")

    tab.table.selectRow(0)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, tab.done_button)
    done = [a for a in tasks.call(Operation(lambda ws: ws.actions.list(person_id=child.id)))
            if a.text.startswith("Share attendance")]
    assert done[0].status is ActionStatus.DONE
    assert "Overdue" not in cell_texts(tab.table, ActionsModel.RAG)


def test_an_action_is_marked_restricted_and_the_mark_removed(qtbot, page, tasks,
                                                             child) -> None:
    """A restricted action stays with the team: left out of every copy but the internal one."""
    tasks.call(Operation(lambda ws: ws.actions.add(Action(
        person_id=child.id, text="Visit the aunt's address (fictional)", owner="A. Example"))))
    open_person(qtbot, page, child.id)
    page.show_tab(page.ACTIONS)
    tab = page.actions_tab
    assert not tab.restrict_button.isEnabled()  # nothing selected
    tab.table.selectRow(0)
    assert tab.restrict_button.text() == "Mark r&estricted"
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, tab.restrict_button)
    (stored,) = tasks.call(Operation(lambda ws: ws.actions.list(person_id=child.id)))
    assert stored.restricted
    assert cell_texts(tab.table, ActionsModel.STATUS) == ["Open (restricted)"]
    tab.table.selectRow(0)
    assert tab.restrict_button.text() == "Remove r&estricted mark"
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, tab.restrict_button)
    (stored,) = tasks.call(Operation(lambda ws: ws.actions.list(person_id=child.id)))
    assert not stored.restricted
    # a new action can be restricted from the start
    click(qtbot, tab.add_button)
    dialog = tab.dialog
    assert unnamed_controls(dialog) == []
    qtbot.keyClicks(dialog.text_box, "Share with the police only (fictional)")
    dialog.restricted_box.setChecked(True)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, dialog.save_button)
    added = [a for a in tasks.call(Operation(lambda ws: ws.actions.list(person_id=child.id)))
             if a.text.startswith("Share with the police")]
    assert added[0].restricted


def test_people_and_places_are_added_and_marked_restricted(qtbot, page, tasks, child) -> None:
    open_person(qtbot, page, child.id)
    page.show_tab(page.CONCERNS)
    tab = page.associations_tab
    assert "(restricted)" in page.tabs.tabText(page.CONCERNS)
    assert tab.restricted.isVisible() and tab.restricted.text().startswith("Restricted.")
    click(qtbot, tab.add_button)
    dialog = tab.dialog
    assert unnamed_controls(dialog) == []
    click(qtbot, dialog.save_button)
    assert dialog.error.text() == "Describe the person, place, vehicle or handle."
    type_into(qtbot, dialog.description_edit, "Flat above the arcade (fictional)")
    type_into(qtbot, dialog.area_edit, "Demo Town")
    qtbot.keyClicks(dialog.details_box, "Seen there twice (fictional).")
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, dialog.save_button)
    (stored,) = tasks.call(Operation(lambda ws: ws.associations.list(person_id=child.id)))
    assert stored.description == "Flat above the arcade (fictional)"
    assert stored.details == "Seen there twice (fictional)."
    assert cell_texts(tab.table, 1) == ["Flat above the arcade (fictional)"]
    titles = [e.title for e in page.chronology_tab.visible_events()]
    assert "Restricted: person of concern recorded" in titles
