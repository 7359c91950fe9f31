"""The person record, driven through its real widgets against a real encrypted workspace.

Every store call goes through the page's TaskManager (on its worker thread); the tests read
the store back through ``tasks.call`` of an ``Operation``.  All people and places are fictional.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QWidget,
)

from cse_desktop.casework import demo
from cse_desktop.casework.submissions import amend, finalise, save_draft
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import (
    Action,
    ActionStatus,
    AuditAction,
    EducationStatus,
    Episode,
    Person,
    RhiStatus,
)
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.samples import load_samples
from cse_desktop.qt.operations import Operation, TaskManager
from cse_desktop.qt.operations import actions as action_ops
from cse_desktop.qt.person import PersonPage
from cse_desktop.qt.person.chronology import ChronologyModel
from cse_desktop.qt.person.common import local_value, set_local
from cse_desktop.qt.person.episodes import EpisodesModel
from cse_desktop.qt.person.lists import ActionsModel, SubmissionsModel
from cse_desktop.qt.person.new_person import NewPersonDialog
from cse_desktop.qt.person.profile import STALE_MESSAGE
from cse_desktop.store import Workspace

from .conftest import KDF, OWNER, PASSPHRASE

LEFT = Qt.MouseButton.LeftButton
PAGE_SIZE = (1040, 720)


@pytest.fixture(scope="module")
def engine() -> FormEngine:
    return FormEngine(FormRegistry.load())


@pytest.fixture
def tasks(tmp_path: Path) -> Iterator[TaskManager]:
    ws, _ = Workspace.create(tmp_path / "ws", PASSPHRASE, OWNER, kdf=KDF)
    r = TaskManager(ws)
    yield r
    r.close(final=lambda w: w.lock())


@pytest.fixture
def child(tasks: TaskManager) -> Person:
    return tasks.call(Operation(lambda ws: ws.people.add(Person(
        given_name="Ashlyn", family_name="Fictional-Tester", dob=date(2011, 5, 4),
        also_known_as=["Ash"], gender="Female", school="Imaginary Vale School (fictional)",
        postcode="ZZ99 1AB", allocated_worker="A. Example-Worker", team="Test Exploitation Team",
        next_review=date.today() + timedelta(days=20)))))


@pytest.fixture
def page(qtbot, tasks: TaskManager) -> PersonPage:
    widget = PersonPage(tasks)
    qtbot.addWidget(widget)
    widget.resize(*PAGE_SIZE)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def open_person(qtbot, page: PersonPage, person_id: str) -> None:
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.load(person_id)


def click(qtbot, widget: QAbstractButton) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.text()
    if isinstance(widget, QCheckBox):  # on its box: the widget may be wider than its text
        qtbot.mouseClick(widget, LEFT, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, LEFT)


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def cell_texts(table: QTableView, column: int) -> list[str]:
    model = table.model()
    return [model.index(r, column).data() for r in range(model.rowCount())]


def banner_text(page: PersonPage) -> str:
    return page.rhi_text.text().replace("\u00a0", " ")  # units are kept on their numbers


def views(tasks: TaskManager, person_id: str) -> int:
    return tasks.call(Operation(lambda ws: sum(1 for e in ws.audit.events(record_id=person_id)
                                               if e.action is AuditAction.VIEW)))


def final_screening(tasks: TaskManager, engine: FormEngine, person_id: str, **answers):
    sample = next(s for s in load_samples() if s.form_id == FormId.SCREENING)

    def make(ws):
        draft = engine.set_answers(engine.start(FormId.SCREENING, person_id),
                                   {**sample.answers, **answers})
        return finalise(ws, engine, draft, now=sample.now)

    return tasks.call(Operation(make))


def unnamed_controls(root: QWidget) -> list[str]:
    kinds = (QAbstractButton, QLineEdit, QComboBox, QDateEdit, QPlainTextEdit, QTableView)
    missing = []
    for widget in root.findChildren(QWidget):
        if isinstance(widget, kinds) and not widget.accessibleName():
            if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QComboBox | QDateEdit):
                continue  # the editor inside a named combo box or date input
            if widget.objectName().startswith("qt_") \
                    or type(widget).__name__ in ("QTabBar", "QToolButton"):
                continue  # Qt's own parts: a table's corner, a tab bar and its arrows
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


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


# -- missing episodes and the return home interview --------------------------------------------


def test_record_missing_then_return_starts_the_interview_clock(qtbot, page, tasks, child,
                                                               screenshot) -> None:
    open_person(qtbot, page, child.id)
    page.show_tab(page.EPISODES)
    tab = page.episodes_tab
    assert not tab.return_button.isEnabled()
    click(qtbot, tab.missing_button)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    assert unnamed_controls(dialog) == []
    start = (datetime.now(UTC) - timedelta(hours=9)).replace(second=0, microsecond=0)
    set_local(dialog.started_edit, start)
    assert local_value(dialog.started_edit) == start
    type_into(qtbot, dialog.reference_edit, "DEMO-2026-0099")
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, dialog.save_button)
    assert tab.dialog is None  # closed once saved
    (episode,) = tasks.call(Operation(lambda ws: ws.episodes.list(person_id=child.id)))
    assert episode.started_at == start and episode.police_reference == "DEMO-2026-0099"
    assert episode.rhi_status is RhiStatus.NOT_YET_DUE
    assert cell_texts(tab.table, EpisodesModel.RETURNED) == ["Not returned yet"]
    assert "Still missing now: 1." in tab.summary.text()
    assert not page.rhi_banner.isVisible()

    tab.table.selectRow(0)
    click(qtbot, tab.return_button)
    dialog = tab.dialog
    type_into(qtbot, dialog.where_edit, "Bus station (fictional)")
    dialog.how_combo.setCurrentText("Police")
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, dialog.save_button)
    episode = tasks.call(Operation(lambda ws: ws.episodes.get(episode.id)))
    assert episode.returned_at is not None and episode.rhi_status is RhiStatus.DUE
    assert episode.where_found == "Bus station (fictional)" and episode.how_returned == "Police"
    assert cell_texts(tab.table, EpisodesModel.RHI_DUE)[0] in ("due in 71 h", "due in 72 h")
    assert cell_texts(tab.table, EpisodesModel.RHI_STATUS) == ["Due"]
    assert cell_texts(tab.table, EpisodesModel.DURATION)[0].startswith(("8 h", "9 h"))
    assert page.rhi_banner.isVisible()
    assert banner_text(page).startswith(("Return home interview due in 71 h",
                                            "Return home interview due in 72 h"))
    screenshot(page, "person-missing-episodes")

    with qtbot.waitSignal(page.start_form, timeout=1000) as started:
        click(qtbot, page.rhi_button)
    assert started.args == [FormId.RETURN_HOME_INTERVIEW, child.id, episode.id]
    tab.table.selectRow(0)
    with qtbot.waitSignal(page.start_form, timeout=1000) as started:
        click(qtbot, tab.interview_button)
    assert started.args == [FormId.RETURN_HOME_INTERVIEW, child.id, episode.id]


def test_date_times_are_typed_in_uk_time_whatever_the_laptop_zone(qtbot) -> None:
    from cse_desktop.qt.person.common import datetime_edit

    edit = datetime_edit("When (UK time)")
    qtbot.addWidget(edit)
    summer = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July, British Summer Time
    set_local(edit, summer)
    assert edit.text() == "02/07/2026 00:30" and local_value(edit) == summer
    winter = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # the same clock time as UTC
    set_local(edit, winter)
    assert edit.text() == "01/12/2026 23:30" and local_value(edit) == winter


def test_a_return_before_the_start_is_refused(qtbot, page, tasks, child) -> None:
    start = (datetime.now(UTC) - timedelta(hours=2)).replace(second=0, microsecond=0)
    tasks.call(Operation(lambda ws: ws.episodes.add(Episode(person_id=child.id, started_at=start))))
    open_person(qtbot, page, child.id)
    page.show_tab(page.EPISODES)
    tab = page.episodes_tab
    click(qtbot, tab.return_button)  # the only open episode: no need to select it
    dialog = tab.dialog
    set_local(dialog.returned_edit, start - timedelta(hours=1))
    click(qtbot, dialog.save_button)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "is before the time the child went missing" in dialog.error.text()
    assert "Check the date and time." in dialog.error.text()
    set_local(dialog.returned_edit, datetime.now(UTC) + timedelta(hours=2))
    click(qtbot, dialog.save_button)
    assert dialog.error.text() == "The return time is in the future. Check the date and time."
    click(qtbot, dialog.cancel_button)
    (episode,) = tasks.call(Operation(lambda ws: ws.episodes.list(person_id=child.id)))
    assert episode.returned_at is None


def test_an_overdue_interview_and_its_status(qtbot, page, tasks, child) -> None:
    back = datetime.now(UTC) - timedelta(hours=77, minutes=10)
    episode = tasks.call(Operation(lambda ws: ws.episodes.add(Episode(
        person_id=child.id, started_at=back - timedelta(hours=5), returned_at=back,
        rhi_status=RhiStatus.DUE))))
    open_person(qtbot, page, child.id)
    assert banner_text(page).startswith("Return home interview overdue by 5 h")
    assert page.rhi_banner.property("overdue") is True
    page.show_tab(page.EPISODES)
    tab = page.episodes_tab
    tab.table.selectRow(0)
    click(qtbot, tab.status_button)
    dialog = tab.dialog
    dialog.status_combo.setCurrentIndex(dialog.status_combo.findData(RhiStatus.DECLINED))
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, dialog.save_button)
    stored = tasks.call(Operation(lambda ws: ws.episodes.get(episode.id)))
    assert stored.rhi_status is RhiStatus.DECLINED
    assert cell_texts(tab.table, EpisodesModel.RHI_STATUS) == ["Declined"]
    assert cell_texts(tab.table, EpisodesModel.RHI_DUE) == ["—"]
    assert not page.rhi_banner.isVisible()


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
        open_person(qtbot, page, busiest.id)  # every model resets with rows
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
