"""The "with family" view (issue 14, item 8): only the form in hand, no other child's name, no
caseload or navigation, notifications held; leaving needs the workspace passphrase (a wrong one
counts toward the unlock throttle), or the auto-lock locks as usual; the sections that record
the young person's own words read in the form's child-friendly wording.  A real encrypted
workspace and the real window, offscreen."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QAbstractListModel, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import Episode, Person
from cse_desktop.store import Workspace
from cse_desktop.store.throttle import THROTTLE_FILE_NAME

from .conftest import PASSPHRASE, WRONG_PASSPHRASE

OTHER = "Childname-Elsewhere"
CHILD = "Fictional-Return"


@pytest.fixture
def window(qtbot, make_window, existing_workspace):  # type: ignore[no-untyped-def]
    """The window, unlocked, on a draft return home interview for one of two children."""
    ws = Workspace.open(existing_workspace.folder, PASSPHRASE)
    now = datetime.now(UTC)
    child = ws.people.add(Person(given_name="Robin", family_name=CHILD, dob=date(2011, 5, 4)))
    ws.people.add(Person(given_name="Quinn", family_name=OTHER, dob=date(2010, 1, 2)))
    episode = ws.episodes.add(Episode(person_id=child.id, started_at=now - timedelta(hours=20),
                                      returned_at=now - timedelta(hours=2),
                                      police_reference="TEST-0001"))
    ws.lock()
    win = make_window()
    qtbot.keyClicks(win.unlock_page.secret_edit, PASSPHRASE)
    qtbot.mouseClick(win.unlock_page.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.caseload_page, timeout=10_000)
    qtbot.waitUntil(lambda: OTHER in " ".join(visible_texts(win)), timeout=10_000)
    win.show_person(child.id)
    win._start_form(FormId.RETURN_HOME_INTERVIEW, child.id, episode.id)
    qtbot.waitUntil(lambda: win.form_page is not None and win.form_page.editor is not None,
                    timeout=10_000)
    return win


def visible_texts(window: QWidget) -> list[str]:
    """Every word the window shows: its title, and the text of every visible widget."""
    texts = [window.windowTitle()]
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
            texts.append(widget.text())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for row in range(model.rowCount()):
                columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount()
                for column in range(columns):
                    texts.append(str(model.index(row, column).data() or ""))
    texts += [window.statusBar().currentMessage()] if window.statusBar().isVisible() else []
    return texts


def enter(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    window.family.action.trigger()
    qtbot.waitUntil(lambda: window.family.active)


def leave_with(qtbot, window, passphrase: str) -> None:  # type: ignore[no-untyped-def]
    family = window.family
    family.ask_to_leave()
    assert family.passphrase_edit.isVisible()
    qtbot.keyClicks(family.passphrase_edit, passphrase)
    qtbot.mouseClick(family.confirm_button, Qt.MouseButton.LeftButton)
    assert family.passphrase_edit.text() == ""  # the passphrase is not kept in the field
    qtbot.waitUntil(lambda: not family._checking, timeout=10_000)


def test_opening_a_return_home_interview_offers_the_view(qtbot, window) -> None:
    family = window.family
    assert family.offer_bar.isVisible() and family.action.isEnabled()
    qtbot.mouseClick(family.offer_button, Qt.MouseButton.LeftButton)
    assert family.active and not family.offer_bar.isVisible()


def test_without_a_form_in_hand_there_is_nothing_to_show(qtbot, window) -> None:
    window.show_caseload()
    assert not window.family.action.isEnabled() and not window.family.offer_bar.isVisible()
    assert window.family.enter() is False
    assert window.nav.isVisible() and window.windowTitle() != "CSE Desktop"


def test_entering_hides_the_caseload_navigation_and_every_other_childs_name(
        qtbot, window, screenshot) -> None:
    before = " ".join(visible_texts(window))
    assert window.nav.isVisible() and window.statusBar().isVisible()
    assert "Caseload" in before  # the navigation shows before the view is entered
    enter(qtbot, window)
    screenshot(window, "with-family-view")
    texts = visible_texts(window)
    assert window.windowTitle() == "CSE Desktop"
    assert not window.menuBar().isVisible() and not window.nav.isVisible()
    assert not window.statusBar().isVisible()
    assert not window.caseload_page.isVisible() and window.form_page.isVisible()
    shown = " ".join(texts)
    assert OTHER not in shown and "Caseload" not in shown and "Sam Fictional" not in shown
    assert CHILD in shown  # the form in hand is this child's
    assert not window.form_page.editor.close_button.isVisible()
    # the window's shortcuts are off (no way to the caseload); Lock still works
    assert not window.caseload_action.isEnabled() and not window.add_person_action.isEnabled()
    assert window.lock_action.isEnabled()
    window.show_caseload()  # navigation is refused while the view is up
    assert window.stack.currentWidget() is window.form_page
    assert OTHER not in " ".join(visible_texts(window))


def test_background_messages_are_held_until_the_view_is_left(qtbot, window) -> None:
    enter(qtbot, window)
    window.statusBar().showMessage("Synced with the hub: 3 changes", 15_000)
    window.tasks.failed.emit("Saving failed: try again")
    assert window.statusBar().currentMessage() == ""
    assert window.family.held_messages == ["Synced with the hub: 3 changes",
                                           "Saving failed: try again"]
    box = QMessageBox(QMessageBox.Icon.Information, "From background work",
                      "A message from background work", QMessageBox.StandardButton.Ok, window)
    box.open()
    QApplication.processEvents()
    assert not box.isVisible() and box in window.family.held_boxes
    own = QMessageBox(QMessageBox.Icon.Question, "Finalise?", "The form's own question",
                      QMessageBox.StandardButton.Ok, window.form_page)
    own.open()  # asked by the form in hand (e.g. "Finalise …?"): shown, not held
    QApplication.processEvents()
    assert own.isVisible() and own not in window.family.held_boxes
    own.close()
    leave_with(qtbot, window, PASSPHRASE)
    assert not window.family.active
    qtbot.waitUntil(box.isVisible)
    assert "Synced with the hub: 3 changes" in window.statusBar().currentMessage()
    assert "Saving failed" in window.statusBar().currentMessage()
    box.close()


def test_a_wrong_passphrase_stays_in_the_view_and_the_right_one_leaves(
        qtbot, window, existing_workspace, screenshot) -> None:
    enter(qtbot, window)
    leave_with(qtbot, window, WRONG_PASSPHRASE)
    family = window.family
    assert family.active and family.error.isVisible()
    assert "not right" in family.error.text() and "nothing was lost" in family.error.text()
    assert window.windowTitle() == "CSE Desktop" and not window.nav.isVisible()
    screenshot(window, "with-family-wrong-passphrase")
    throttle = json.loads((existing_workspace.folder / THROTTLE_FILE_NAME).read_text())
    assert len(throttle["failures"]) == 1  # counted like a failed unlock
    leave_with(qtbot, window, "")
    assert family.active and "Type the workspace passphrase" in family.error.text()
    leave_with(qtbot, window, PASSPHRASE)
    assert not family.active
    assert window.nav.isVisible() and window.statusBar().isVisible()
    assert window.menuBar().isVisible() and window.caseload_action.isEnabled()
    assert window.windowTitle() == "Return home interview — CSE Desktop"
    assert window.form_page.editor.close_button.isVisible()
    assert window.stack.currentWidget() is window.form_page


def test_the_childs_sections_read_in_the_child_friendly_wording(qtbot, window) -> None:
    editor = window.form_page.editor
    voice = editor.sections["voice"]
    own_words = editor.rows["child_own_words"]
    assert voice.title.text() == "The young person's voice"
    enter(qtbot, window)
    editor.show_section("voice")
    assert voice.title.text() == "What you want to say"
    assert own_words.title.text() == "What you want to tell us"
    helps = [lab.text() for lab in own_words.findChildren(QLabel) if lab.isVisible()]
    assert "We will write down exactly what you say." in helps
    assert "Write their words in quotation marks." not in helps
    shown = " ".join(visible_texts(window))
    assert "What you want to say" in shown and "The young person's voice" not in shown
    assert editor.rows["feeling"].title.text() == "How are you feeling now?"
    # a section without child wording keeps the worker's
    assert editor.sections["safety"].title.text() == "Safety information"
    window.family.child_box.setChecked(False)  # the worker may turn it off
    assert voice.title.text() == "The young person's voice"
    window.family.child_box.setChecked(True)
    assert voice.title.text() == "What you want to say"
    leave_with(qtbot, window, PASSPHRASE)
    assert voice.title.text() == "The young person's voice"
    assert own_words.title.text() == "What the young person said, in their own words"


def test_the_auto_lock_locks_the_workspace_as_usual(qtbot, window) -> None:
    enter(qtbot, window)
    window.autolock.set_idle_ms(150)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.unlock_page, timeout=10_000)
    assert window.workspace is None and not window.family.active
    page = window.unlock_page
    notice = getattr(page, "notice", page.error)  # the notice is information (issue 14, item 4)
    assert "locked itself" in notice.text()
    assert window.menuBar().isVisible() and OTHER not in " ".join(visible_texts(window))
