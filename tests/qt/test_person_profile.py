"""The person record's page as a whole: opening a record, the profile, the new person dialog,
the keyboard and every model.

Driven through its real widgets against a real encrypted workspace; every store call goes
through the page's TaskManager and the tests read the store back through ``tasks.call``.
Fixtures (``engine``, ``tasks``, ``child``, ``page``) are in conftest.py, helpers in
person_helpers.py.  All people and places are fictional.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt

from cse_desktop.casework import demo
from cse_desktop.domain.models import (
    Action,
    EducationStatus,
    Person,
)
from cse_desktop.qt.operations import Operation, TaskManager
from cse_desktop.qt.operations import actions as action_ops
from cse_desktop.qt.person import PersonPage
from cse_desktop.qt.person.new_person import NewPersonDialog
from cse_desktop.qt.person.profile import STALE_MESSAGE
from cse_desktop.store import Workspace

from .conftest import KDF, PASSPHRASE
from .person_helpers import (
    click,
    open_person,
    type_into,
    unnamed_controls,
    views,
)

# -- opening and the profile -------------------------------------------------------------------


def test_opening_a_record_is_audited_and_shows_the_profile(qtbot, page, tasks, child,
                                                           screenshot) -> None:
    before = views(tasks, child.id)
    open_person(qtbot, page, child.id)
    assert views(tasks, child.id) == before + 1
    assert page.name_label.text() == "Ashlyn Fictional-Tester"
    assert page.risk_badge.text() == "Risk: Not assessed"
    assert "also known as Ash" in page.facts_label.text()
    assert "worker: A. Example-Worker" in page.facts_label.text()
    profile = page.profile_tab
    assert profile.given_edit.text() == "Ashlyn" and profile.aka_edit.text() == "Ash"
    assert profile.risk_value.text() == "Not assessed"
    assert not profile.save_button.isEnabled()  # nothing to save yet
    # a refresh after a change elsewhere is not a new view
    with qtbot.waitSignal(page.loaded, timeout=5000):
        tasks.run(action_ops.add(action=Action(person_id=child.id, text="Fictional")))
    assert views(tasks, child.id) == before + 1
    assert unnamed_controls(page) == []
    screenshot(page, "person-profile")


def test_editing_the_profile_saves_it(qtbot, page, tasks, child) -> None:
    open_person(qtbot, page, child.id)
    profile = page.profile_tab
    click(qtbot, profile.edit_button)
    type_into(qtbot, profile.family_edit, "Fictional-Renamed")
    type_into(qtbot, profile.aka_edit, "Ash, Lynnie")
    type_into(qtbot, profile.placing_edit, "Demo County Council (fictional)")
    profile.education_combo.setCurrentIndex(
        profile.education_combo.findData(EducationStatus.ALTERNATIVE_PROVISION))
    click(qtbot, profile.nrm_box)
    profile.review_edit.none_box.setChecked(True)
    assert profile.dirty and profile.save_button.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, profile.save_button)
    stored = tasks.call(Operation(lambda ws: ws.people.get(child.id)))
    assert stored.family_name == "Fictional-Renamed"
    assert stored.also_known_as == ["Ash", "Lynnie"]
    assert stored.placing_la == "Demo County Council (fictional)"
    assert stored.education_status is EducationStatus.ALTERNATIVE_PROVISION
    assert stored.nrm_referral and stored.next_review is None
    assert stored.version == child.version + 1
    assert page.name_label.text() == "Ashlyn Fictional-Renamed"
    assert profile.notice.text() == "The profile was saved." and not profile.dirty
    assert not profile.editing and profile.given_edit.isReadOnly()  # saved: back to reading


def test_the_profile_opens_read_only_and_edit_enables_it(qtbot, page, tasks, child,
                                                         screenshot) -> None:
    open_person(qtbot, page, child.id)
    profile = page.profile_tab
    assert not profile.editing
    assert profile.given_edit.isReadOnly() and profile.dob_edit.isReadOnly()
    assert not profile.education_combo.isEnabled() and not profile.nrm_box.isEnabled()
    assert profile.edit_button.isVisible() and not profile.save_button.isVisible()
    page.activateWindow()
    page.show_tab(page.PROFILE)
    assert page.focusWidget() is profile.edit_button  # not the date of birth, selected
    qtbot.keyClicks(profile.given_edit, "X")  # typing into a read-only field changes nothing
    assert profile.given_edit.text() == "Ashlyn" and not profile.dirty

    qtbot.keyClick(profile.edit_button, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: profile.editing, timeout=1000)  # a mnemonic's click is animated
    assert profile.editing and not profile.given_edit.isReadOnly()
    assert profile.education_combo.isEnabled() and profile.nrm_box.isEnabled()
    assert page.focusWidget() is profile.given_edit
    assert profile.save_button.isVisible() and profile.cancel_button.isVisible()
    assert not profile.edit_button.isVisible()
    type_into(qtbot, profile.given_edit, "Ashlyn-Edited")
    assert profile.dirty and profile.save_button.isEnabled()
    qtbot.keyClick(profile.given_edit, Qt.Key.Key_Escape)  # Esc never drops edits
    assert profile.editing and profile.given_edit.text() == "Ashlyn-Edited"
    click(qtbot, profile.cancel_button)  # Cancel is the deliberate discard
    assert not profile.editing and profile.given_edit.text() == "Ashlyn"
    assert tasks.call(Operation(lambda ws: ws.people.get(child.id))).version == child.version

    qtbot.keyClick(profile.edit_button, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert profile.editing
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Escape)  # nothing changed: Esc stops editing
    assert not profile.editing
    screenshot(page, "person-profile-read-only")


def test_opening_another_record_over_unsaved_changes_asks(qtbot, page, tasks, child) -> None:
    other = tasks.call(Operation(lambda ws: ws.people.add(Person(
        given_name="Bryn", family_name="Fictional-Other", dob=date(2012, 2, 3)))))
    open_person(qtbot, page, child.id)
    profile = page.profile_tab
    click(qtbot, profile.edit_button)
    type_into(qtbot, profile.school_edit, "Unsaved school (fictional)")
    asked: list[str] = []
    page.ask_discard = lambda name: asked.append(name) or False  # "go back to the changes"
    assert page.load(other.id) is False
    assert asked == ["Ashlyn Fictional-Tester"] and page.person_id == child.id
    assert profile.editing and profile.school_edit.text() == "Unsaved school (fictional)"
    # back to the caseload and into the same record again: the edits are still there
    page.reload()
    qtbot.waitUntil(lambda: not page._reload_pending, timeout=5000)
    assert profile.school_edit.text() == "Unsaved school (fictional)" and profile.dirty
    page.ask_discard = lambda name: True
    open_person(qtbot, page, other.id)
    assert page.person.id == other.id and not profile.editing and not profile.dirty
    assert profile.given_edit.text() == "Bryn"


def test_the_new_person_dialog_has_no_date_of_birth_until_one_is_typed(qtbot,
                                                                       screenshot) -> None:
    dialog = NewPersonDialog(None, today=date(2026, 12, 5), worker="A. Example-Worker")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.dob_edit.text() == ""  # no made-up date to save by mistake
    qtbot.keyClicks(dialog.given_edit, "Wren")
    qtbot.keyClicks(dialog.family_edit, "Fictional")
    requests: list[bool] = []
    dialog.save_requested.connect(lambda: requests.append(True))
    wrong = {"": "Enter the date of birth (for example 04/05/2012 for 4 May 2012).",
             "31/02/2012": "There is no 31 February 2012. Check the date of birth.",
             "2012-05-04": "Type the date of birth as day/month/year (for example 04/05/2012 "
                           "for 4 May 2012).",
             "04/05/12": "Type the year of birth in full, for example 2012.",
             "04/13/2012": "There is no month 13: the month comes second (for example "
                           "04/05/2012 for 4 May 2012).",
             "04/05/2027": "The date of birth, 4 May 2027, is in the future. Check the year."}
    for typed, message in wrong.items():
        type_into(qtbot, dialog.dob_edit, typed)
        click(qtbot, dialog.save_button)
        assert dialog.error.text() == message, typed
        assert dialog.dob_edit.property("invalid") is True
        if typed == "":
            screenshot(dialog, "new-person-no-date")
    assert requests == []
    type_into(qtbot, dialog.dob_edit, "4/5/2012")
    click(qtbot, dialog.save_button)
    assert requests == [True] and dialog.person().dob == date(2012, 5, 4)


def test_profile_problems_are_shown_plainly(qtbot, page, tasks, child) -> None:
    open_person(qtbot, page, child.id)
    profile = page.profile_tab
    click(qtbot, profile.edit_button)
    type_into(qtbot, profile.given_edit, "")
    click(qtbot, profile.save_button)
    assert profile.error.isVisible() and profile.error.text() == "Enter the given name."
    assert profile.given_edit.property("invalid") is True
    type_into(qtbot, profile.given_edit, "Ashlyn")
    future = date.today() + timedelta(days=3)
    profile.dob_edit.setDate(QDate(future.year, future.month, future.day))
    errors = []
    profile.error.show_message("")
    tasks.failed.connect(errors.append)
    click(qtbot, profile.save_button)
    qtbot.waitUntil(lambda: bool(profile.error.text()), timeout=5000)
    assert profile.error.text() == ("The person was not saved: Date of birth: the date of birth "
                                    "is in the future.")
    assert errors == []  # handled inline, not by the application's error handler
    assert tasks.call(Operation(lambda ws: ws.people.get(child.id))).dob == child.dob


def test_a_record_changed_elsewhere_is_reloaded_with_a_message(qtbot, page, tasks,
                                                               child) -> None:
    open_person(qtbot, page, child.id)
    profile = page.profile_tab
    click(qtbot, profile.edit_button)
    type_into(qtbot, profile.school_edit, "My edit (fictional)")
    # meanwhile, someone else's change lands (no change signal: the page does not know)
    tasks.call(Operation(lambda ws: ws.people.update(ws.people.get(child.id).model_copy(
        update={"team": "Other Team (fictional)"}))))
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, profile.save_button)
    assert profile.error.text() == STALE_MESSAGE
    assert profile.team_edit.text() == "Other Team (fictional)"
    assert profile.school_edit.text() == "Imaginary Vale School (fictional)"
    assert tasks.call(Operation(lambda ws: ws.people.get(child.id))).school == child.school


# -- keyboard, models, clearing ----------------------------------------------------------------


def test_keyboard_shortcuts_choose_tabs_and_go_back(qtbot, page, child) -> None:
    open_person(qtbot, page, child.id)
    page.activateWindow()
    page.profile_tab.given_edit.setFocus()
    for n in range(1, 7):
        qtbot.keyClick(page.profile_tab.given_edit if n == 1 else page.focusWidget() or page,
                       Qt.Key(Qt.Key.Key_0 + n), Qt.KeyboardModifier.AltModifier)
        assert page.tabs.currentIndex() == n - 1
        assert page.tabs.currentWidget().isAncestorOf(page.focusWidget())  # focus follows
    with qtbot.waitSignal(page.back, timeout=1000):
        qtbot.keyClick(page.focusWidget() or page, Qt.Key.Key_Left,
                       Qt.KeyboardModifier.AltModifier)


def test_every_model_passes_the_model_tester(qtbot, qtmodeltester, request, tmp_path,
                                             engine) -> None:
    """pytest-qt's model tester on every model and proxy the page has, through a load, a
    filter and a clear (a fresh tester per model: one tester follows one model)."""
    ws, _ = Workspace.create(tmp_path / "demo", PASSPHRASE, demo.DEMO_OWNER, kdf=KDF)
    demo.populate(ws, people=10, seed=2, engine=engine)
    tasks = TaskManager(ws)
    testers = []
    try:
        people = tasks.call(Operation(lambda w: w.people.list()))
        counts = {p.id: tasks.call(Operation(lambda w, p=p: len(w.episodes.list(person_id=p.id))
                                             + len(w.actions.list(person_id=p.id))
                                             + len(w.associations.list(person_id=p.id))))
                  for p in people}
        busiest = max(people, key=lambda p: counts[p.id])
        page = PersonPage(tasks)
        qtbot.addWidget(page)
        models = [page.chronology_tab.model, page.chronology_tab.proxy,
                  page.episodes_tab.model, page.episodes_tab.proxy,
                  page.submissions_tab.model, page.submissions_tab.proxy,
                  page.actions_tab.model, page.actions_tab.proxy,
                  page.associations_tab.model, page.associations_tab.proxy]
        qtmodeltester.check(models[0], force_py=True)
        testers.append(qtmodeltester)
        for model in models[1:]:
            tester = type(qtmodeltester)(request.config)
            tester.check(model, force_py=True)
            testers.append(tester)
        open_person(qtbot, page, busiest.id)  # only the tab on the screen is filled
        assert all(m.rowCount() == 0 for m in models)
        for index in range(page.CHRONOLOGY, page.CONCERNS + 1):
            page.tabs.setCurrentIndex(index)  # each model resets with rows when shown
        assert all(m.rowCount() > 0 for m in models[:8])
        page.episodes_tab.model.refresh()  # the clock's repaint
        page.actions_tab.model.refresh()
        page.chronology_tab.set_kinds({"action"})  # a filter
        assert page.chronology_tab.proxy.rowCount() > 0
        page.chronology_tab.reset_filters()
        page.clear()
        assert page.person is None and page.chronology_tab.model.rowCount() == 0
        assert page.profile_tab.given_edit.text() == "" and page.name_label.text() == ""
        open_person(qtbot, page, busiest.id)
    finally:
        for tester in testers[1:]:
            tester._cleanup()
        tasks.close(final=lambda w: w.lock())
