"""The first desktop window, driven through its real widgets against real workspaces."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from cse_desktop.casework import demo
from cse_desktop.casework.demo import DEMO_FLAG
from cse_desktop.domain.errors import WrongPassphrase
from cse_desktop.domain.models import Person, RiskLevel, Role
from cse_desktop.qt.app import MainWindow
from cse_desktop.qt.caseload import ID_ROLE, CaseloadFilter, CaseloadModel, Column
from cse_desktop.qt.resources import resource, resources_dir
from cse_desktop.store import Workspace
from cse_desktop.store.locations import default_workspace, demo_workspace
from cse_desktop.store.throttle import MAX_FAILURES

from .conftest import NEW_PASSPHRASE, PASSPHRASE, WRONG_PASSPHRASE

LEFT = Qt.MouseButton.LeftButton
RECOVERY_CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){5}$")


def click(qtbot, widget: QAbstractButton) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, LEFT)
    # creating, unlocking and opening the demo run in the background behind a wait cursor
    qtbot.waitUntil(lambda: QApplication.overrideCursor() is None, timeout=20_000)


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def fill_create_form(qtbot, window: MainWindow, *, name: str = "Sam Fictional",
                     team: str = "North Exploitation Team", passphrase: str = PASSPHRASE,
                     confirm: str | None = None) -> None:
    page = window.create_page
    type_into(qtbot, page.name_edit, name)
    page.role_combo.setCurrentIndex(page.role_combo.findData(Role.MANAGER))
    type_into(qtbot, page.team_edit, team)
    type_into(qtbot, page.passphrase_edit, passphrase)
    type_into(qtbot, page.confirm_edit, passphrase if confirm is None else confirm)


def open_demo(qtbot, window: MainWindow) -> None:
    page = window.stack.currentWidget()
    click(qtbot, page.demo_button)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.caseload_page)
    # the caseload loads off the UI thread: wait for its rows
    qtbot.waitUntil(lambda: window.caseload_page.row_count() == DEMO_TOTAL)


#: the demo's young people: its caseload and the showcase
DEMO_TOTAL = demo.DEMO_PEOPLE + demo.SHOWCASE_PEOPLE


# -- application set-up --------------------------------------------------------------------


def test_resources_resolve_from_the_repository_root() -> None:
    assert resources_dir().name == "resources"
    assert resource("icons", "app.svg").is_file()
    assert resource("style.qss").is_file()
    assert resource("cse-desktop.desktop").is_file()
    assert not QIcon(str(resource("icons", "app.svg"))).isNull()


RUN_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from cse_desktop.qt.app import MainWindow, run
from cse_desktop.store import KdfParams

app = QApplication(["cse-desktop"])  # run() reuses it; a timer needs an application first
hook = sys.excepthook

def inspect_then_quit():
    windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
    print("windows", len(windows))
    print("title", windows[0].windowTitle())
    print("production kdf", windows[0].kdf == KdfParams.production())
    print("excepthook replaced", sys.excepthook is not hook)
    print("name", app.applicationName())
    print("icon", not app.windowIcon().isNull())
    print("style", "QPushButton" in app.styleSheet())
    app.exit(7)

QTimer.singleShot(0, inspect_then_quit)
code = run([])
print("excepthook restored", sys.excepthook is hook)
sys.exit(code)
"""


def test_run_starts_the_application_and_returns_the_exit_code(cse_home) -> None:
    # In its own process: exec() must not run inside the test session's QApplication.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CSE_DESKTOP_HOME": str(cse_home)}
    result = subprocess.run([sys.executable, "-c", RUN_SCRIPT], env=env, capture_output=True,
                            text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 7, result.stderr
    out = result.stdout.splitlines()
    assert "windows 1" in out
    assert "title Create your workspace — CSE Desktop" in out
    assert "name CSE Desktop" in out
    for check in ("production kdf", "excepthook replaced", "icon", "style",
                  "excepthook restored"):
        assert f"{check} True" in out, result.stdout
    assert not Workspace.exists(default_workspace())  # nothing is created until asked


# -- first run: create a workspace -----------------------------------------------------------


def test_first_run_shows_the_create_page(make_window, screenshot) -> None:
    window = make_window()
    assert window.stack.currentWidget() is window.create_page
    assert window.windowTitle() == "Create your workspace — CSE Desktop"
    assert not window.banner.isVisible()
    assert window.workspace is None
    assert window.focusWidget() is window.create_page.name_edit
    screenshot(window, "01-create-page")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": ""}, "Enter your name."),
    ({"team": "   "}, "Enter the name of your team."),
    ({"passphrase": "short"}, "at least 10 characters"),
    ({"passphrase": "aaaaaaaaaaaa"}, "too simple"),
    ({"confirm": "a different passphrase"}, "two passphrases are different"),
])
def test_create_form_explains_problems_inline(qtbot, make_window, screenshot, kwargs,
                                             message) -> None:
    window = make_window()
    fill_create_form(qtbot, window, **kwargs)
    click(qtbot, window.create_page.create_button)
    error = window.create_page.error
    assert error.isVisible()
    assert message in error.text()
    assert "Traceback" not in error.text()
    assert window.stack.currentWidget() is window.create_page
    assert not Workspace.exists(default_workspace())
    if "confirm" in kwargs:
        screenshot(window, "01c-create-page-error")


def test_create_workspace_shows_the_recovery_code_once(qtbot, make_window, screenshot) -> None:
    window = make_window()
    fill_create_form(qtbot, window)
    screenshot(window, "01b-create-page-filled")
    click(qtbot, window.create_page.create_button)

    # The recovery code page: the code, the instructions, the retype check.
    page = window.recovery_page
    assert window.stack.currentWidget() is page
    code = page.code_label.text()
    assert RECOVERY_CODE.match(code), code
    assert "apart from this laptop" in page.steps.text()
    assert window.workspace is not None and window.workspace.is_open
    assert window.create_page.passphrase_edit.text() == ""
    screenshot(window, "02-recovery-code-page")

    type_into(qtbot, page.last_group_edit, code.split("-")[0])  # the first group, not the last
    click(qtbot, page.continue_button)
    assert page.error.isVisible()
    assert window.stack.currentWidget() is page
    screenshot(window, "02b-recovery-code-page-mismatch")

    type_into(qtbot, page.last_group_edit, code.split("-")[-1].lower())
    click(qtbot, page.continue_button)
    assert window.stack.currentWidget() is window.caseload_page
    assert page.code_label.text() == ""  # shown once: gone from the window
    assert window.caseload_page.row_count() == 0
    assert window.caseload_page.empty_label.isVisible()
    assert window.owner_label.text() == ("Sam Fictional  ·  Manager  ·  "
                                         "North Exploitation Team")
    assert window.count_label.text() == "0 people"
    screenshot(window, "03-caseload-empty")

    # A real encrypted workspace: it opens with the passphrase and with the code shown.
    window.lock_workspace()
    with Workspace.open(default_workspace(), PASSPHRASE) as ws:
        assert ws.owner.name == "Sam Fictional"
        assert ws.owner.role is Role.MANAGER
    with Workspace.open(default_workspace(), recovery_code=code) as ws:
        assert ws.owner.team == "North Exploitation Team"


def test_closing_the_window_on_the_recovery_page_locks(qtbot, make_window) -> None:
    window = make_window()
    fill_create_form(qtbot, window)
    click(qtbot, window.create_page.create_button)
    ws = window.workspace
    assert ws is not None and ws.is_open
    window.close()
    assert not ws.is_open
    assert window.recovery_page.code_label.text() == ""


# -- unlocking --------------------------------------------------------------------------------


def test_unlock_with_a_wrong_then_the_right_passphrase(qtbot, make_window, existing_workspace,
                                                      screenshot) -> None:
    window = make_window()
    page = window.unlock_page
    assert window.stack.currentWidget() is page
    assert window.windowTitle() == "Unlock — CSE Desktop"
    assert window.focusWidget() is page.secret_edit
    screenshot(window, "04-unlock-page")

    type_into(qtbot, page.secret_edit, WRONG_PASSPHRASE)
    click(qtbot, page.unlock_button)
    assert page.error.isVisible()
    assert page.error.text() == "That passphrase is not correct."
    assert page.secret_edit.text() == ""
    assert window.workspace is None
    screenshot(window, "05-unlock-page-wrong-passphrase")

    type_into(qtbot, page.secret_edit, PASSPHRASE)
    qtbot.keyClick(page.secret_edit, Qt.Key.Key_Return)  # Enter unlocks too
    qtbot.waitUntil(lambda: QApplication.overrideCursor() is None, timeout=20_000)
    assert window.stack.currentWidget() is window.caseload_page
    assert window.workspace is not None and window.workspace.is_open
    assert window.windowTitle() == "Caseload — CSE Desktop"
    assert page.secret_edit.text() == ""
    assert "Sam Fictional" in window.owner_label.text()


def test_the_caseload_paints_before_the_other_pages_are_built(qtbot, make_window,
                                                             existing_workspace) -> None:
    """Unlocking paints the caseload first; the person, form and other pages are built just
    after (or at once when something asks for one), so the caseload never waits for them."""
    from datetime import date

    from PySide6.QtCore import QEvent, QObject

    from cse_desktop.store import Workspace

    with Workspace.open(existing_workspace.folder, PASSPHRASE) as ws:
        for given in ("Ash", "Bay", "Cal"):
            ws.people.add(Person(given_name=given, family_name="Fictional",
                                 dob=date(2011, 4, 1)))
    window = make_window()
    seen: list[bool] = []

    class AtPaint(QObject):
        def eventFilter(self, watched, event) -> bool:  # type: ignore[no-untyped-def]
            if event.type() == QEvent.Type.Paint and window.caseload_page.row_count() and \
                    not seen:
                seen.append(window._person_page is None)
            return False

    spy = AtPaint()
    window.caseload_page.table.viewport().installEventFilter(spy)
    type_into(qtbot, window.unlock_page.secret_edit, PASSPHRASE)
    qtbot.keyClick(window.unlock_page.secret_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(seen), timeout=20_000)
    assert seen == [True]  # the first paint with rows came before the pages
    qtbot.waitUntil(lambda: window._person_page is not None, timeout=5_000)  # then built
    assert window.team_action.isVisible() is False and "Sam Fictional" in window.owner_label.text()

    # asked for before the caseload has painted, a page is built at once
    window.lock_and_return()
    type_into(qtbot, window.unlock_page.secret_edit, PASSPHRASE)
    qtbot.keyClick(window.unlock_page.secret_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.workspace is not None, timeout=20_000)
    assert window.person_page is not None and window.form_page is not None


def test_an_empty_passphrase_is_not_tried(qtbot, make_window, existing_workspace) -> None:
    window = make_window()
    click(qtbot, window.unlock_page.unlock_button)
    assert window.unlock_page.error.text() == "Enter your passphrase."


def test_too_many_wrong_passphrases_lock_out_with_minutes_to_wait(
        qtbot, make_window, existing_workspace, screenshot) -> None:
    window = make_window()
    page = window.unlock_page
    for _ in range(MAX_FAILURES - 1):
        type_into(qtbot, page.secret_edit, WRONG_PASSPHRASE)
        click(qtbot, page.unlock_button)
        assert page.error.text() == "That passphrase is not correct."
    type_into(qtbot, page.secret_edit, WRONG_PASSPHRASE)  # the tenth starts the lock-out
    click(qtbot, page.unlock_button)
    assert re.search(r"Try again in \d+ minutes\.$", page.error.text()), page.error.text()
    assert "5 minutes" in page.error.text()
    assert not page.unlock_button.isEnabled()
    assert not page.secret_edit.isEnabled()
    assert window.workspace is None
    screenshot(window, "05b-unlock-page-locked-out")
    notice = page.error.text()
    click(qtbot, page.mode_button)  # switching to the recovery code does not hide the wait
    assert page.error.text() == notice
    assert not page.unlock_button.isEnabled()


def test_the_lock_out_ends_by_itself(qtbot, make_window, existing_workspace) -> None:
    window = make_window()
    page = window.unlock_page
    page.show_locked_out(0.05)
    assert not page.unlock_button.isEnabled()
    qtbot.waitUntil(page.unlock_button.isEnabled, timeout=2000)
    assert page.secret_edit.isEnabled()
    assert page.error.text() == "You can try again now."
    type_into(qtbot, page.secret_edit, PASSPHRASE)
    click(qtbot, page.unlock_button)
    assert window.stack.currentWidget() is window.caseload_page


def test_unlock_with_the_recovery_code_then_choose_a_new_passphrase(
        qtbot, make_window, existing_workspace, screenshot) -> None:
    window = make_window()
    page = window.unlock_page
    click(qtbot, page.mode_button)
    assert page.recovery_mode
    assert page.secret_edit.accessibleName() == "Recovery code"
    type_into(qtbot, page.secret_edit, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    click(qtbot, page.unlock_button)
    assert page.error.text() == "That recovery code is not correct."
    assert page.secret_edit.text() == "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"  # kept to correct
    assert page.secret_edit.selectedText() == page.secret_edit.text()
    screenshot(window, "06-unlock-with-recovery-code")

    type_into(qtbot, page.secret_edit, existing_workspace.recovery_code.lower())
    click(qtbot, page.unlock_button)
    new_page = window.new_passphrase_page
    assert window.stack.currentWidget() is new_page
    assert window.workspace is not None and window.workspace.is_open
    screenshot(window, "07-choose-new-passphrase")

    type_into(qtbot, new_page.passphrase_edit, NEW_PASSPHRASE)
    type_into(qtbot, new_page.confirm_edit, NEW_PASSPHRASE)
    click(qtbot, new_page.save_button)
    # the used recovery code is replaced: the new one is shown once, and confirmed
    codes = window.recovery_page
    qtbot.waitUntil(lambda: window.stack.currentWidget() is codes)
    code = codes.code_label.text()
    assert RECOVERY_CODE.match(code) and code != existing_workspace.recovery_code
    assert "the old code no longer opens this workspace" in codes.why_label.text()
    screenshot(window, "07b-new-recovery-code-after-recovery")
    type_into(qtbot, codes.last_group_edit, code.split("-")[-1])
    click(qtbot, codes.continue_button)
    assert window.stack.currentWidget() is window.caseload_page

    window.lock_and_return()
    assert not window.unlock_page.recovery_mode
    with Workspace.open(default_workspace(), NEW_PASSPHRASE):
        pass
    with pytest.raises(WrongPassphrase):
        Workspace.open(default_workspace(), PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        Workspace.open(default_workspace(), recovery_code=existing_workspace.recovery_code)
    with Workspace.open(default_workspace(), recovery_code=code):
        pass


# -- the demo workspace -------------------------------------------------------------------------


def test_demo_workspace_opens_with_banner_and_its_people(qtbot, make_window, screenshot) -> None:
    window = make_window()
    open_demo(qtbot, window)
    assert window.is_demo
    assert window.banner.isVisible()
    assert window.banner.text().startswith("DEMO — fictional data")
    assert window.windowTitle().startswith("[DEMO]")
    qtbot.waitUntil(lambda: window.caseload_page.row_count() == DEMO_TOTAL)
    assert window.count_label.text() == f"{DEMO_TOTAL} people"
    ws = window.workspace
    assert ws is not None and ws.owner.name in window.owner_label.text()
    assert ws is not None and ws.folder == demo_workspace()
    assert all(DEMO_FLAG in p.flags for p in ws.people.list())
    assert not Workspace.exists(default_workspace())  # the practitioner's own is untouched
    screenshot(window, "08-caseload-demo")


def test_demo_from_the_unlock_page_reopens_the_same_demo(qtbot, make_window,
                                                          existing_workspace) -> None:
    window = make_window()
    open_demo(qtbot, window)
    ids = {window.caseload_page.proxy.index(r, 0).data(ID_ROLE) for r in range(DEMO_TOTAL)}
    window.lock_and_return()
    assert window.stack.currentWidget() is window.unlock_page  # back to the own workspace
    assert not window.banner.isVisible()
    assert not window.windowTitle().startswith("[DEMO]")
    open_demo(qtbot, window)
    again = {window.caseload_page.proxy.index(r, 0).data(ID_ROLE) for r in range(DEMO_TOTAL)}
    assert again == ids  # opened, not created a second time


def test_search_filters_by_name_and_also_known_as(qtbot, make_window, screenshot) -> None:
    window = make_window()
    open_demo(qtbot, window)
    page = window.caseload_page
    people = window.workspace.people.list()
    target = people[0]
    qtbot.keyClicks(page.search_edit, target.given_name.upper())
    expected = {p.id for p in people if target.given_name.casefold() in p.search_text()}
    shown = {page.proxy.index(r, 0).data(ID_ROLE) for r in range(page.row_count())}
    assert shown == expected and 0 < len(shown) < DEMO_TOTAL
    assert window.count_label.text() == (f"Showing {len(shown)} of {DEMO_TOTAL} people — "
                                         f"search: “{target.given_name.upper()}”")
    screenshot(window, "09-caseload-search")

    # The same rule as the store's own search: every word must match.
    both = f"{target.given_name} {target.family_name}"
    type_into(qtbot, page.search_edit, both)
    store_ids = {p.id for p in window.workspace.people.search(both)}
    shown = {page.proxy.index(r, 0).data(ID_ROLE) for r in range(page.row_count())}
    assert shown == store_ids

    aliased = next((p for p in people if p.also_known_as), None)
    if aliased is not None:
        type_into(qtbot, page.search_edit, aliased.also_known_as[0])
        shown = {page.proxy.index(r, 0).data(ID_ROLE) for r in range(page.row_count())}
        assert aliased.id in shown

    type_into(qtbot, page.search_edit, "zzz-nobody")
    assert page.row_count() == 0
    assert page.empty_label.isVisible()
    assert "No one on this caseload matches" in page.empty_label.text()
    screenshot(window, "09b-caseload-no-match")

    qtbot.keyClick(page.search_edit, Qt.Key.Key_Escape)  # Esc clears the search
    assert page.search_edit.text() == ""
    assert page.row_count() == DEMO_TOTAL


def test_columns_sort_by_their_meaning(qtbot, make_window) -> None:
    window = make_window()
    open_demo(qtbot, window)
    page = window.caseload_page
    page.table.sortByColumn(Column.RISK, Qt.SortOrder.DescendingOrder)
    labels = [page.proxy.index(r, Column.RISK).data().removesuffix(" (awaiting approval)")
              for r in range(page.row_count())]
    ranks = ["Not assessed", "None", "Low", "Medium", "High"]
    assert [ranks.index(x) for x in labels] == sorted((ranks.index(x) for x in labels),
                                                      reverse=True)
    page.table.sortByColumn(Column.AGE, Qt.SortOrder.AscendingOrder)
    ages = [int(page.proxy.index(r, Column.AGE).data()) for r in range(page.row_count())]
    assert ages == sorted(ages)


# -- locking ------------------------------------------------------------------------------------


def test_lock_returns_to_the_unlock_page_and_closes_the_workspace(
        qtbot, make_window, existing_workspace) -> None:
    window = make_window()
    type_into(qtbot, window.unlock_page.secret_edit, PASSPHRASE)
    click(qtbot, window.unlock_page.unlock_button)
    ws = window.workspace
    assert ws is not None and ws.is_open
    click(qtbot, window.nav.widgetForAction(window.lock_action))  # the toolbar's Lock
    assert not ws.is_open
    assert window.workspace is None
    assert window.stack.currentWidget() is window.unlock_page
    assert window.caseload_page.model.rowCount() == 0
    assert window.owner_label.text() == ""
    assert not window.lock_action.isEnabled()


def test_ctrl_l_locks_the_demo_and_returns_to_the_start(qtbot, make_window) -> None:
    window = make_window()
    open_demo(qtbot, window)
    ws = window.workspace
    qtbot.keyClicks(window.caseload_page.search_edit, "a")
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    qtbot.keyClick(window.caseload_page.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not ws.is_open
    assert window.caseload_page.model.rowCount() == 0
    assert window.caseload_page.search_edit.text() == ""
    assert not window.banner.isVisible()
    # No workspace of their own yet: back to the create page.
    assert window.stack.currentWidget() is window.create_page


def test_closing_the_window_locks_the_workspace(qtbot, make_window) -> None:
    window = make_window()
    open_demo(qtbot, window)
    ws = window.workspace
    window.close()
    assert not ws.is_open
    assert window.caseload_page.model.rowCount() == 0


# -- the model and accessibility ------------------------------------------------------------------


def _person(i: int, **fields) -> Person:
    today = date.today()
    return Person(given_name=f"Given{i}", family_name=f"Family{i}",
                  dob=today - timedelta(days=365 * 14 + i), **fields)


def test_caseload_model_passes_the_model_tester(qtmodeltester) -> None:
    model = CaseloadModel()
    model.set_people([
        _person(1, risk_level=RiskLevel.HIGH, also_known_as=["Fictional"],
                next_review=date.today() - timedelta(days=3)),
        _person(2, allocated_worker="A. Worker", next_review=date.today()),
        _person(3),
    ])
    qtmodeltester.check(model)
    proxy = CaseloadFilter()
    proxy.setSourceModel(model)
    proxy.set_search_text("given2")
    assert proxy.rowCount() == 1
    qtmodeltester.check(proxy)
    assert model.index(0, Column.NAME).data() == "Given1 Family1 (aka Fictional)"
    assert model.index(0, Column.REVIEW).data().endswith("(overdue)")
    assert model.index(2, Column.WORKER).data() == "Not allocated"
    assert model.index(2, Column.REVIEW).data() == "Not set"
    model.clear()
    assert model.rowCount() == 0


def test_caseload_model_of_the_demo_passes_the_model_tester(qtbot, make_window,
                                                            qtmodeltester) -> None:
    window = make_window()
    open_demo(qtbot, window)
    qtmodeltester.check(window.caseload_page.model)


def test_every_input_and_button_has_an_accessible_name(qtbot, make_window) -> None:
    window = make_window()
    kinds = (QLineEdit, QAbstractButton, QComboBox, QCheckBox)
    unnamed = [w for w in window.findChildren(QWidget)
               if isinstance(w, kinds) and not w.accessibleName()
               and not w.objectName().startswith("qt_")]  # Qt's own menu-bar overflow
    assert unnamed == [], [(type(w).__name__, getattr(w, "text", lambda: "")()) for w in unnamed]


def test_tab_order_on_the_create_page_follows_the_form(qtbot, make_window) -> None:
    window = make_window()
    page = window.create_page
    expected = [page.role_combo, page.team_edit, page.passphrase_edit, page.confirm_edit,
                page.show_check, page.create_button, page.demo_button]
    seen = []
    widget = page.name_edit
    for _ in expected:
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or not widget.isVisible():
            widget = widget.nextInFocusChain()
        seen.append(widget)
    assert seen == expected


def test_the_demo_is_recognised_by_its_folder(make_window) -> None:
    window = make_window(demo_workspace())
    assert window.stack.currentWidget() is window.create_page
    assert MainWindow._is_demo_folder(demo_workspace())
    assert not MainWindow._is_demo_folder(default_workspace())


def test_the_filter_follows_a_new_caseload(qtbot) -> None:
    """Matches are cached per keystroke; replacing the people re-matches the words typed."""
    from datetime import date

    from cse_desktop.qt.caseload import CaseloadPage

    page = CaseloadPage()
    qtbot.addWidget(page)
    first = [Person(given_name="Wren", family_name="Fictional", dob=date(2012, 1, 1)),
             Person(given_name="Lark", family_name="Fictional", dob=date(2012, 1, 1))]
    page.set_people(first)
    page.proxy.set_search_text("wren")
    assert page.proxy.rowCount() == 1
    page.set_people([*first, Person(given_name="Wren", family_name="Sample",
                                    dob=date(2011, 1, 1))])
    assert page.proxy.rowCount() == 2
    page.proxy.set_search_text("")
    assert page.proxy.rowCount() == 3


# -- issue 14: one Lock, the search cleared on leaving, the unlock page, first run -----------------


def menu_titles(window: MainWindow) -> list[str]:
    return [a.text().replace("&", "") for a in window.menuBar().actions() if a.isVisible()]


def test_one_lock_on_the_toolbar_and_in_the_menu(qtbot, make_window) -> None:
    window = make_window()
    open_demo(qtbot, window)
    locks = [b for b in window.findChildren(QAbstractButton)
             if b.isVisible() and b.text().replace("&", "") == "Lock"]
    assert locks == [window.nav.widgetForAction(window.lock_action)]  # the toolbar's only
    assert window.lock_action is window.nav.lock_action
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    workspace_menu = window.menuBar().actions()[0].menu()
    assert window.lock_action in workspace_menu.actions()


def test_a_search_is_shown_and_ends_on_leaving_the_caseload(qtbot, make_window) -> None:
    window = make_window()
    open_demo(qtbot, window)
    page = window.caseload_page
    target = window.workspace.people.list()[0]
    qtbot.keyClicks(page.search_edit, target.family_name)
    assert "search: “" + target.family_name + "”" in window.count_label.text()
    assert window.count_label.text().startswith("Showing ")
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)  # opens the first match
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.person_page)
    window.show_caseload()  # back
    assert page.search_edit.text() == ""
    qtbot.waitUntil(lambda: window.count_label.text() == f"{DEMO_TOTAL} people")
    assert page.row_count() == DEMO_TOTAL


def test_menus_that_need_a_workspace_appear_after_unlock(qtbot, make_window,
                                                         existing_workspace) -> None:
    window = make_window()
    assert menu_titles(window) == ["Workspace", "View", "Help"]  # View: contrast, text size
    workspace_menu = window.menuBar().actions()[0].menu()
    shown = [a for a in workspace_menu.actions() if a.isVisible()]
    assert window.quit_action in shown
    assert window.lock_action not in shown and window.profile_action not in shown
    type_into(qtbot, window.unlock_page.secret_edit, PASSPHRASE)
    click(qtbot, window.unlock_page.unlock_button)
    assert menu_titles(window) == ["Workspace", "View", "Settings", "Hub", "Help"]
    window.lock_and_return()
    assert menu_titles(window) == ["Workspace", "View", "Help"]


def test_the_auto_lock_notice_is_information_and_the_folder_is_not_on_the_card(
        qtbot, make_window, existing_workspace, screenshot) -> None:
    window = make_window()
    page = window.unlock_page
    folder = str(existing_workspace.folder)
    assert not [label for label in page.findChildren(QLabel)
                if label.isVisible() and folder in label.text()]
    assert folder in page.intro.toolTip()  # the details, for support
    type_into(qtbot, page.secret_edit, PASSPHRASE)
    click(qtbot, page.unlock_button)
    window._auto_lock("idle")
    assert window.stack.currentWidget() is page
    assert page.notice.isVisible() and page.notice.objectName() == "infoLabel"
    assert page.notice.text().startswith("CSE Desktop locked itself after a period without use")
    assert not page.error.isVisible()  # not an error: no red box,
    assert not page.secret_edit.property("invalid")  # and no red border on the field
    assert "infoLabel" in QApplication.instance().styleSheet()
    assert window.focusWidget() is page.secret_edit
    screenshot(window, "unlock-after-auto-lock")
    type_into(qtbot, page.secret_edit, WRONG_PASSPHRASE)
    click(qtbot, page.unlock_button)  # a wrong passphrase is an error, as before
    assert page.error.isVisible() and page.secret_edit.property("invalid")


def test_the_empty_caseload_offers_a_first_person_and_the_demo(qtbot, make_window,
                                                               existing_workspace,
                                                               screenshot) -> None:
    window = make_window()
    type_into(qtbot, window.unlock_page.secret_edit, PASSPHRASE)
    click(qtbot, window.unlock_page.unlock_button)
    page = window.caseload_page
    qtbot.waitUntil(lambda: page.add_button.isVisible())
    assert page.demo_button.isVisible()
    assert "There is no one on this caseload yet." in page.empty_label.text()
    screenshot(window, "first-run-empty-caseload")
    click(qtbot, page.add_button)
    qtbot.waitUntil(lambda: window.new_person_dialog.isVisible())
    window.new_person_dialog.reject()
    click(qtbot, page.demo_button)
    qtbot.waitUntil(lambda: window.is_demo and page.row_count() == DEMO_TOTAL)
    assert not page.add_button.isVisible() and not page.demo_button.isVisible()


def test_a_manager_can_view_the_app_as_a_practitioner_and_back(qtbot, make_window) -> None:
    window = make_window()
    fill_create_form(qtbot, window)  # a team manager
    click(qtbot, window.create_page.create_button)
    code = window.recovery_page.code_label.text()
    type_into(qtbot, window.recovery_page.last_group_edit, code.rsplit("-", 1)[-1])
    click(qtbot, window.recovery_page.continue_button)
    switch = window.menus.practitioner_action
    assert switch.isVisible() and switch.shortcut().toString() == "Ctrl+Shift+P"
    assert window.team_action.isVisible()
    window.show_team()
    assert window.stack.currentWidget() is window.manager_page
    qtbot.keyClick(window, Qt.Key.Key_P,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert switch.isChecked()
    assert not window.team_action.isVisible()  # no Team manager page or Ctrl+2
    assert window.stack.currentWidget() is window.caseload_page
    assert "viewing as a practitioner" in window.owner_label.text()
    window.show_team()
    assert window.stack.currentWidget() is window.caseload_page
    qtbot.keyClick(window, Qt.Key.Key_P,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert not switch.isChecked() and window.team_action.isVisible()
    assert "viewing as" not in window.owner_label.text()
    window.lock_and_return()
    assert not switch.isVisible() and not switch.isChecked()


def test_a_practitioner_has_no_such_switch(qtbot, make_window, existing_workspace) -> None:
    window = make_window()
    type_into(qtbot, window.unlock_page.secret_edit, PASSPHRASE)
    click(qtbot, window.unlock_page.unlock_button)
    assert not window.menus.practitioner_action.isVisible()
    window.view_as_practitioner(True)  # nothing to hide
    assert not window.menus.practitioner_action.isChecked()
