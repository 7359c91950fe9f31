"""The whole desktop, as a worker uses it: unlock, add a child, fill in and finalise a
screening, and be auto-locked mid-form without losing a word."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import RiskLevel
from cse_desktop.forms.samples import load_samples
from cse_desktop.qt.operations import Operation
from cse_desktop.store import Workspace

from .conftest import PASSPHRASE


def unlock(qtbot, window) -> None:
    page = window.unlock_page
    qtbot.keyClicks(page.secret_edit, PASSPHRASE)
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.caseload_page)


def add_child(qtbot, window) -> str:
    dialog = window.open_new_person_dialog()
    qtbot.keyClicks(dialog.given_edit, "Wren")
    qtbot.keyClicks(dialog.family_edit, "Fictional")
    qtbot.keyClicks(dialog.dob_edit, "04/05/2012")
    qtbot.keyClicks(dialog.aka_edit, "Birdie")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.person_page is not None
                    and window.stack.currentWidget() is window.person_page
                    and window.person_page.person is not None, timeout=5000)
    return window.person_page.person_id


def test_add_a_child_then_finalise_a_screening_through_the_window(
        qtbot, make_window, existing_workspace, screenshot) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.nav.isVisible()
    person_id = add_child(qtbot, window)
    assert window.person_page.person.also_known_as == ["Birdie"]
    screenshot(window, "30-window-person")

    window.person_page.show_tab(3)
    qtbot.mouseClick(window.person_page.submissions_tab.new_buttons[FormId.SCREENING],
                     Qt.MouseButton.LeftButton)
    page = window.form_page
    qtbot.waitUntil(lambda: window.stack.currentWidget() is page
                    and page.submission is not None, timeout=5000)
    sample = next(s for s in load_samples() if s.form_id == FormId.SCREENING)
    for path, value in sample.answers.items():
        page.fill(path, value)
    screenshot(window, "31-window-form")
    page.finalise()
    qtbot.waitUntil(lambda: page.submission is not None and page.submission.is_final,
                    timeout=5000)
    level = window.tasks.call(Operation(lambda ws: ws.people.get(person_id).risk_level))
    assert level is RiskLevel.LOW

    window.show_caseload()
    qtbot.waitUntil(lambda: window.caseload_page.row_count() == 1)
    screenshot(window, "32-window-caseload")


def test_auto_lock_mid_form_saves_what_was_typed(qtbot, make_window,
                                                 existing_workspace) -> None:
    window = make_window()
    unlock(qtbot, window)
    person_id = add_child(qtbot, window)
    window.person_page.show_tab(3)
    qtbot.mouseClick(window.person_page.submissions_tab.new_buttons[FormId.PARENT_SESSION],
                     Qt.MouseButton.LeftButton)
    page = window.form_page
    qtbot.waitUntil(lambda: page.submission is not None, timeout=5000)
    editor = next(w for w in page.findChildren(QPlainTextEdit) if w.isVisible())
    editor.setFocus()
    qtbot.keyClicks(editor, "Mother worried about late nights (fictional).")
    window.autolock.notify_session_locked()  # the OS locked the session
    assert window.stack.currentWidget() is window.unlock_page
    assert window.workspace is None
    with pytest.raises(RuntimeError):  # nothing more runs on the locked workspace
        window.tasks.call(Operation(lambda ws: None))
    assert "locked itself" in window.unlock_page.notice.text()  # information, not an error

    with Workspace.open(existing_workspace.folder, PASSPHRASE) as ws:
        (draft,) = [s for s in ws.submissions.list(person_id=person_id) if not s.is_final]
        assert "Mother worried about late nights (fictional)." in draft.answers.values()
