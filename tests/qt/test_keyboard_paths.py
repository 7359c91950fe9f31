"""The three daily paths by keyboard alone (issue 14, item 12), counting the key presses.

After start-up (the window built on a copy of the caseload workspace, as a practitioner finds
it) every step is a key sent to whatever has the keyboard focus, as a person without a mouse
works: no clicks, no method calls. The tests only wait for the window and read what it shows.

A chord (Alt+R, Ctrl+F) counts as one press; typed text counts one press per character. Each
path has a budget a little above what it takes today, so a change that makes a path longer (a
dialog more, a question the focus no longer reaches) fails here. The counts today:

* (a) find the child, record their return from the open episode, start the return home
  interview: 10 presses (4 of them typing the name);
* (b) find the child, start a screening, give the ten answers it needs (the indicators left
  unanswered) and finalise it: 80 presses (4 the name, 36 the written answers);
* (c) find the child, print the RMM case summary as a PDF through the print dialog and its
  file dialog: 18 presses (4 the name, 8 the reason).

Found on the way (kept in the paths, with the key that works instead):

* Alt+S on the Forms tab opened the Settings menu (its &S won over 'New exploitation
  &screening'); the button is now 'New e&xploitation screening' (tested below). The tab puts
  the focus on it, so Space starts it.
* Alt+F (Finalise) and Alt+O (Outcome) do nothing while a question in the form has the focus;
  Shift+Tab three times from the first question reaches Finalise.
* Offscreen there is no window manager: after a dialog closes the window is not active again
  and no shortcut works until it is; :meth:`Keyboard.target` makes it active, as one would.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget
from pytestqt.exceptions import TimeoutError

from cse_desktop.domain.ids import FormId
from cse_desktop.qt.app import MainWindow
from cse_desktop.qt.printing import PrintDialog
from cse_desktop.store.locations import default_workspace

from .conftest import PASSPHRASE

pytestmark = pytest.mark.slow

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
NONE = Qt.KeyboardModifier.NoModifier

PATH_A_BUDGET = 12


class Keyboard:
    """Keys sent to the focused widget (or the active dialog), counted."""

    def __init__(self, qtbot) -> None:  # type: ignore[no-untyped-def]
        self.qtbot = qtbot
        self.presses = 0
        self.log: list[str] = []

    def target(self) -> QWidget:
        modal = QApplication.activeModalWidget()  # a dialog open over the window has the keys
        if modal is not None:
            if isinstance(modal, QFileDialog):
                # PySide hands back a stale wrapper for its file name box: the key goes to the
                # dialog itself (Return there presses Save, as it does from the box)
                return modal
            focus = modal.focusWidget()
            return focus if focus is not None and alive(focus) else modal
        if QApplication.activeWindow() is None:
            # Offscreen there is no window manager to make the window active again when a
            # dialog closes (shortcuts only work in the active window): do what it would do.
            windows = [w for w in QApplication.topLevelWidgets()
                       if isinstance(w, MainWindow) and w.isVisible()]
            assert len(windows) == 1, windows
            windows[0].activateWindow()
            self.qtbot.waitUntil(lambda: QApplication.activeWindow() is windows[0])
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = NONE, times: int = 1, *,
              closes: bool = False) -> None:
        """``closes``: the key closes a dialog that deletes itself at once (a file dialog), so
        only the key press is sent: its release would go to a deleted widget."""
        for _ in range(times):
            target = self.target()
            self.log.append(f"{modifier.name}+{key.name} -> {describe(target)}")
            if closes:
                self.qtbot.keyPress(target, key, modifier)
            else:
                self.qtbot.keyClick(target, key, modifier)
            self.presses += 1
            QApplication.processEvents()
            self.log[-1] += f", then focus on {describe(QApplication.focusWidget())}"

    def type(self, text: str) -> None:
        target = self.target()
        self.log.append(f"{text!r} -> {describe(target)}")
        self.qtbot.keyClicks(target, text)
        self.presses += len(text)
        QApplication.processEvents()


def alive(widget: QWidget) -> bool:
    """False for a stale wrapper PySide can hand back (a file dialog's inner line edit)."""
    try:
        widget.accessibleName()
        widget.objectName()
        return True
    except RuntimeError:  # "Internal C++ object ... already deleted"
        return False


def describe(widget: QWidget | None) -> str:
    if widget is None or not alive(widget):
        return "nothing"
    name = widget.accessibleName() or getattr(widget, "text", lambda: "")() or ""
    return f"{type(widget).__name__}({name!r})"


@pytest.fixture
def window(qtbot, make_window, _caseload_template) -> MainWindow:  # type: ignore[no-untyped-def]
    """The caseload workspace (the demo's people and the examples) at the default location,
    unlocked by typing the passphrase and Enter."""
    template, _examples = _caseload_template
    shutil.copytree(template, default_workspace())
    win: MainWindow = make_window()
    assert win.stack.currentWidget() is win.unlock_page
    keys = Keyboard(qtbot)
    keys.type(PASSPHRASE)
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.caseload_page
                    and win.caseload_page.row_count() > 0, timeout=20_000)
    return win


def wait_for(qtbot, condition: Callable[[], object], keys: Keyboard,  # type: ignore[no-untyped-def]
             what: str) -> None:
    try:
        qtbot.waitUntil(lambda: bool(condition()), timeout=10_000)
    except (AssertionError, TimeoutError):
        pytest.fail(f"stuck before: {what}; focus on {describe(QApplication.focusWidget())}; "
                    "keys so far:\n" + "\n".join(keys.log))


def open_person(qtbot, window: MainWindow, keys: Keyboard, name: str) -> None:  # type: ignore[no-untyped-def]
    """From the caseload: Ctrl+F, the name, Enter opens the first match."""
    keys.press(Qt.Key.Key_F, CTRL)
    keys.type(name)
    keys.press(Qt.Key.Key_Return)
    page = window.person_page
    assert page is not None
    wait_for(qtbot, lambda: window.stack.currentWidget() is page and page.person is not None
             and page.person.given_name == name, keys, f"the record of {name}")


def test_a_record_a_return_and_start_the_return_home_interview(qtbot, window) -> None:
    keys = Keyboard(qtbot)
    open_person(qtbot, window, keys, "Asha")  # missing now
    page = window.person_page
    assert page is not None
    keys.press(Qt.Key.Key_3, ALT)  # the Missing episodes tab
    keys.press(Qt.Key.Key_R, ALT)  # Record return… (the one open episode)
    tab = page.episodes_tab
    wait_for(qtbot, lambda: tab.dialog is not None and tab.dialog.isVisible(), keys,
             "the Record return dialog")
    keys.press(Qt.Key.Key_Return)  # returned now (the default), saved
    wait_for(qtbot, lambda: tab.dialog is None and page.record is not None
             and all(e.returned_at is not None for e in page.record.episodes), keys,
             "the return saved")
    keys.press(Qt.Key.Key_I, ALT)  # Start return home interview
    form = window.form_page
    assert form is not None
    wait_for(qtbot, lambda: window.stack.currentWidget() is form and form.editor is not None
             and form.submission is not None, keys, "the interview form")
    assert form.submission.form_id == FormId.RETURN_HOME_INTERVIEW
    episode = page.record.episodes[0] if page.record else None
    assert episode is not None and form.submission.episode_id == episode.id
    assert keys.presses <= PATH_A_BUDGET, "\n".join(keys.log)
    print(f"path (a): {keys.presses} key presses")


TAB = Qt.Key.Key_Tab
SPACE = Qt.Key.Key_Space
SHIFT = Qt.KeyboardModifier.ShiftModifier
PATH_B_BUDGET = 85


def test_b_fill_and_finalise_a_screening(qtbot, window) -> None:
    """The ten answers a screening needs, by Tab, Space, arrows and typing; the indicators are
    left unanswered (the confirmation says how many). 80 presses, 36 of them typed text."""
    keys = Keyboard(qtbot)
    open_person(qtbot, window, keys, "Bryn")
    keys.press(Qt.Key.Key_4, ALT)  # the Forms tab: focus on New exploitation screening
    # the tab puts the focus on 'New exploitation screening' (Alt+X would work too)
    keys.press(SPACE)
    form = window.form_page
    assert form is not None
    wait_for(qtbot, lambda: window.stack.currentWidget() is form and form.editor is not None,
             keys, "the screening form")
    # About this screening: the focus starts in the first question
    keys.type("Fictional")  # why
    keys.press(TAB, times=2)  # past its Restricted box, to 'What prompted it?'
    keys.press(SPACE)  # A new concern
    keys.press(TAB, times=2)  # past the answer's Clear link, to the first source
    keys.press(SPACE)  # The young person
    keys.press(TAB, times=8)  # past the other sources
    keys.press(SPACE)  # the young person was involved: Yes
    keys.press(TAB, times=2)
    keys.press(SPACE)  # a parent was involved: Yes
    keys.press(Qt.Key.Key_PageDown, CTRL)  # Immediate safety
    keys.press(Qt.Key.Key_Right)  # to No (an arrow only moves the focus while nothing is chosen)
    keys.press(SPACE)
    keys.press(TAB, SHIFT)  # to the list of sections
    keys.type("Str")  # Strengths and views
    keys.press(TAB)
    keys.type("Fictional")  # strengths
    keys.press(Qt.Key.Key_PageDown, CTRL)  # Analysis
    keys.type("Fictional")  # the danger statement
    keys.press(TAB, times=2)  # past its Restricted box
    keys.type("Fictional")  # the safety goal
    keys.press(Qt.Key.Key_PageDown, CTRL)  # Professional judgement
    keys.press(SPACE)  # agreed level: the first, No current concern
    # Alt+F (Finalise) does nothing while a question has the focus: Shift+Tab to the button
    keys.press(TAB, SHIFT, times=3)  # sections list, Close, Finalise
    keys.press(SPACE)
    wait_for(qtbot, lambda: QApplication.activeModalWidget() is not None, keys,
             "the question before finalising")
    keys.press(Qt.Key.Key_F, ALT)  # Finalise (Enter and Escape keep editing)
    wait_for(qtbot, lambda: form.submission is not None and form.submission.is_final, keys,
             "the screening final")
    answers = form.submission.answers
    assert answers["immediate_danger"] == "no" and answers["agreed_level"] == "none"
    assert answers["sources"] == ["child"] and answers["trigger"] == "new_concern"
    assert keys.presses <= PATH_B_BUDGET, "\n".join(keys.log)
    print(f"path (b): {keys.presses} key presses")


PATH_C_BUDGET = 20


def test_c_save_the_summary_for_the_next_rmm_as_a_pdf(qtbot, window, tmp_path,  # type: ignore[no-untyped-def]
                                                      monkeypatch) -> None:
    """Ctrl+P on the record, a reason, Save as PDF, and Enter in the file dialog (its suggested
    name, in the Documents folder). 18 presses, 8 of them the reason."""
    monkeypatch.setenv("HOME", str(tmp_path))  # the file dialog starts in $HOME/Documents
    documents = tmp_path / "Documents"
    documents.mkdir()
    keys = Keyboard(qtbot)
    open_person(qtbot, window, keys, "Bryn")
    keys.press(Qt.Key.Key_P, CTRL)  # Print summary…
    wait_for(qtbot, lambda: isinstance(QApplication.activeModalWidget(), PrintDialog), keys,
             "the print dialog")
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, PrintDialog)
    keys.press(Qt.Key.Key_R, ALT)  # Reason for printing or saving
    keys.type("Next RMM")
    answered: list[str] = []

    def answer_the_file_dialog() -> None:  # it runs its own event loop: keys from a timer
        if isinstance(QApplication.activeModalWidget(), QFileDialog):
            answered.append("file dialog")
            keys.press(Qt.Key.Key_Return, closes=True)  # the suggested name
        elif not answered:
            QTimer.singleShot(50, answer_the_file_dialog)

    QTimer.singleShot(50, answer_the_file_dialog)
    keys.press(Qt.Key.Key_S, ALT)  # Save as PDF…
    wait_for(qtbot, lambda: "Saved to" in dialog.notice.text(), keys, "the PDF saved")
    saved = list(documents.glob("*.pdf"))
    assert len(saved) == 1 and saved[0].read_bytes().startswith(b"%PDF")
    assert saved[0].name.startswith("rmm-case-summary-")
    assert keys.presses <= PATH_C_BUDGET, "\n".join(keys.log)
    print(f"path (c): {keys.presses} key presses")


def mnemonic(text: str) -> str | None:
    """The letter after a single '&' in a Qt label ('&&' is a literal ampersand)."""
    i = text.replace("&&", "").find("&")
    return text.replace("&&", "")[i + 1].lower() if 0 <= i < len(text) - 1 else None


def test_the_forms_tab_buttons_do_not_share_a_menu_titles_alt_letter(window) -> None:
    """The menu bar's Alt+letter wins over a button's: a shared letter opens the menu."""
    from cse_desktop.qt.person.lists import NEW_FORMS

    menus = {mnemonic(a.text()) for a in window.menuBar().actions()} - {None}
    assert "s" in menus  # &Settings: the letter the screening button used to take
    clashes = [text for _id, text, _name in NEW_FORMS if mnemonic(text) in menus]
    assert clashes == []
