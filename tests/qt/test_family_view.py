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
    QPlainTextEdit,
    QTextEdit,
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
        if isinstance(widget, QPlainTextEdit | QTextEdit):  # long answers
            texts.append(widget.toPlainText())
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


# -- what a family copy withholds is hidden in the view (issue 14, item 8) --------------------


def shown_text(window) -> str:  # type: ignore[no-untyped-def]
    return " ".join(visible_texts(window))


def test_the_rule_hides_what_a_family_copy_withholds_on_its_own() -> None:
    from cse_desktop.forms.loader import FormRegistry
    from cse_desktop.forms.sensitivity import ALL_CATEGORIES
    from cse_desktop.qt.family import hidden_with_family

    registry = FormRegistry.load()
    spec = registry.latest(FormId.RETURN_HOME_INTERVIEW)

    def categories(fid: str):  # type: ignore[no-untyped-def]
        return registry.categories(spec.id, spec.version, fid)

    with_child = hidden_with_family(spec, categories, ["share_agreed"], child_words=True)
    assert {"where_found", "found_area", "locations", "people_with", "harm",
            "exploitation_detail", "trusted_adult", "not_share_with_parent"} <= with_child
    assert "share_agreed" in with_child  # marked restricted
    assert "harm_banner" in with_child and "not_share_banner" in with_child  # they'd tell
    assert "harm_detail" in with_child  # own words, but a disclosure too
    assert {"child_own_words", "what_would_help", "feeling_notes"}.isdisjoint(with_child)
    assert {"feeling", "safety_plan", "venue"}.isdisjoint(with_child)
    alone = hidden_with_family(spec, categories, [], child_words=False)
    assert {"child_own_words", "what_would_help", "feeling_notes"} <= alone
    assert "share_agreed" not in alone
    unknown = hidden_with_family(spec, lambda _fid: ALL_CATEGORIES, [], child_words=True)
    assert "feeling" in unknown and "child_own_words" in unknown  # fail closed


def test_the_view_hides_withheld_and_restricted_answers_and_leaving_shows_them(
        qtbot, window) -> None:
    page = window.form_page
    editor = page.editor
    page.fill("found_area", "Fictional Park, Testtown")
    page.fill("share_agreed", "Fictional-agreed-note")
    page.set_restricted("share_agreed")
    page.fill("child_own_words", "Fictional own words")
    editor.show_section("episode_details")
    assert "Area, town or postcode" in shown_text(window)
    assert "Where they were found" in shown_text(window)
    assert not editor.hidden_note.isVisible()
    enter(qtbot, window)
    editor.show_section("episode_details")
    shown = shown_text(window)
    assert "Area, town or postcode" not in shown and "Fictional Park" not in shown
    assert "Where they were found" not in shown
    assert editor.hidden_note.isVisible()
    note = editor.hidden_note.text()
    assert note.endswith("questions are hidden while this view is on. Answer them after "
                         "leaving it.")
    count = int(note.split()[0])
    assert count >= 8  # where found, area, people, places, harm, restricted, ...
    editor.show_section("voice")
    shown = shown_text(window)
    assert "Fictional-agreed-note" not in shown  # ticked "Restricted"
    assert "What you want to tell us" in shown  # own words, with the child wording on
    # the child wording off: own words are hidden too, and counted
    window.family.child_box.setChecked(False)
    assert "What the young person said" not in shown_text(window)
    assert int(editor.hidden_note.text().split()[0]) > count
    assert "Fictional own words" not in shown_text(window)
    window.family.child_box.setChecked(True)
    leave_with(qtbot, window, PASSPHRASE)
    assert not editor.hidden_note.isVisible()
    editor.show_section("episode_details")
    assert "Area, town or postcode" in shown_text(window)
    editor.show_section("voice")
    assert "Fictional-agreed-note" in shown_text(window)
    answers = page.submission.answers
    assert answers["found_area"] == "Fictional Park, Testtown"
    assert answers["share_agreed"] == "Fictional-agreed-note"
    assert answers["child_own_words"] == "Fictional own words"


def test_a_section_with_nothing_left_to_show_leaves_the_list(qtbot, window) -> None:
    editor = window.form_page.editor
    listed = lambda: [i.data(Qt.ItemDataRole.UserRole + 1)  # noqa: E731
                      for i in editor.section_list.all_items() if not i.isHidden()]
    assert "voice" in listed()
    editor.set_hidden_fields(f.id for f in editor.sections["voice"].section.fields)
    assert "voice" not in listed() and "safety" in listed()
    editor.set_hidden_fields(())
    assert "voice" in listed()


def test_typing_in_the_view_is_still_saved(qtbot, window, screenshot) -> None:
    page = window.form_page
    enter(qtbot, window)
    page.editor.show_section("safety")
    page.fill("safety_plan_agreed", "yes")
    row = page.editor.rows["safety_plan"]
    assert row.isVisible()
    page.fill("safety_plan", "Fictional plan: ring the helpline")
    qtbot.waitUntil(lambda: page.status_text() == "✓ Saved", timeout=10_000)
    stored = window.tasks.ws.submissions.get(page.submission.id)
    assert stored.answers["safety_plan"] == "Fictional plan: ring the helpline"
    page.editor.show_section("episode_details")
    screenshot(window, "with-family-hidden-after")



def test_a_screenings_outcome_stays_out_of_the_view(qtbot, window) -> None:
    """The level and the rules that set it would tell the family what was answered."""
    child_id = window.form_page._submission.person_id
    window._start_form(FormId.SCREENING, child_id, None)
    qtbot.waitUntil(lambda: window.form_page.editor is not None
                    and window.form_page.editor.spec.id == FormId.SCREENING, timeout=10_000)
    editor = window.form_page.editor
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: editor.outcome_scroll.isVisible(), timeout=5_000)
    enter(qtbot, window)
    assert not editor.outcome_scroll.isVisible() and not editor.outcome_button.isVisible()
    window.resize(1700, 950)  # a resize does not bring it back
    QApplication.processEvents()
    assert not editor.outcome_scroll.isVisible()
    assert "Suggested level" not in " ".join(visible_texts(window))
    leave_with(qtbot, window, PASSPHRASE)
    qtbot.waitUntil(lambda: not window.family.active, timeout=5_000)
    assert editor.outcome_button.isVisible() and editor.outcome_scroll.isVisible()
