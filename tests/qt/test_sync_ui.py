"""Sync in the window, against a real hub (uvicorn in this process) and real laptops.

The window's own workspace lives at the default location; other laptops are plain workspaces
enrolled with the same hub (tests/support/laptops.py).  Nothing is mocked: the dialog enrols
with a real one-time code, Sync now talks HTTP to the hub, revocation really shreds the files.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QWidget,
)
from support.hubserver import HubServer, free_port
from support.laptops import PASSPHRASE, enrolled, new_workspace, person

from cse_desktop.casework.sync_status import SyncIssue
from cse_desktop.domain.ids import RecordKind
from cse_desktop.qt.app import MainWindow
from cse_desktop.qt.operations import Operation
from cse_desktop.qt.operations import people as people_ops
from cse_desktop.qt.sync import (
    UNREACHABLE_MESSAGE,
    ConflictsPage,
    IssueRow,
    conflicts_model,
    describe,
    refused_model,
    relative_time,
)
from cse_desktop.store import Workspace
from cse_desktop.store.locations import default_workspace
from cse_desktop.store.syncstate import Issue
from cse_desktop.sync import engine

LEFT = Qt.MouseButton.LeftButton
SYNC_TIMEOUT = 30_000


@pytest.fixture
def hub_server(tmp_path: Path) -> Iterator[HubServer]:
    server = HubServer(f"sqlite:///{tmp_path / 'hub.sqlite3'}").start()
    server.hub.add_team("North Team")
    server.hub.add_team("Own Team", own_caseload_only=True)
    for user, team in (("Alex North", "North Team"), ("Blake North", "North Team"),
                       ("Dana Own", "Own Team"), ("Eli Own", "Own Team")):
        server.hub.add_user(user, team=team)
    yield server
    server.close()


# -- helpers -------------------------------------------------------------------------------------


def click(qtbot, widget: QAbstractButton) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, LEFT)


def unlock(qtbot, window: MainWindow) -> None:
    page = window.unlock_page
    assert window.stack.currentWidget() is page
    page.secret_edit.setText(PASSPHRASE)
    click(qtbot, page.unlock_button)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.caseload_page,
                    timeout=20_000)
    # the sync state is read through the task manager: wait for the status bar to show it
    qtbot.waitUntil(lambda: window.sync_ui.status_widget.status is not None)


def laptop_window(qtbot, make_window, ws: Workspace) -> MainWindow:
    """The window on the given (default-location) workspace, unlocked."""
    ws.lock()
    window = make_window()
    unlock(qtbot, window)
    return window


def sync_now(qtbot, window: MainWindow) -> None:
    ui = window.sync_ui
    button = window.nav.widgetForAction(ui.sync_action)
    click(qtbot, button)
    qtbot.waitUntil(lambda: ui.controller is None or not ui.controller.running,
                    timeout=SYNC_TIMEOUT)
    # the status is read again after the sync
    if ui.controller is not None:
        qtbot.waitUntil(lambda: window.tasks.ws is None or window.tasks.idle)


def status_text(window: MainWindow) -> tuple[str, str, str]:
    w = window.sync_ui.status_widget
    return w.last_sync_label.text(), w.pending_label.text(), w.conflicts_button.text()


# -- connect ------------------------------------------------------------------------------------


def test_connect_through_the_dialog(qtbot, make_window, hub_server, screenshot) -> None:
    window = laptop_window(qtbot, make_window, new_workspace(default_workspace(), "Alex North"))
    ui = window.sync_ui
    widget = ui.status_widget
    assert widget.connect_button.isVisible()
    assert widget.connect_button.text().startswith("Not connected to a hub")
    assert ui.connect_action.isEnabled() and not ui.sync_action.isEnabled()
    screenshot(window.statusBar(), "sync-status-bar-not-connected")

    click(qtbot, widget.connect_button)  # the status bar's link opens the dialog too
    dialog = ui.connect_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.name_edit.text()  # defaults to the host name

    # nothing typed: said inline, nothing sent
    click(qtbot, dialog.connect_button)
    assert "Enter the hub's address" in dialog.error.text()
    # not a hub address
    qtbot.keyClicks(dialog.url_edit, "ftp://hub.example.org")
    qtbot.keyClicks(dialog.code_edit, "AAAA-BBBB-CCCC-DDDD")
    click(qtbot, dialog.connect_button)
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled() and dialog.error.isVisible())
    assert "Not a hub address" in dialog.error.text()
    # nobody there
    dialog.url_edit.setText(f"http://127.0.0.1:{free_port()}")
    click(qtbot, dialog.connect_button)
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled() and dialog.error.isVisible(),
                    timeout=SYNC_TIMEOUT)
    assert "cannot be reached" in dialog.error.text()
    # a wrong code
    dialog.url_edit.setText(hub_server.url)
    click(qtbot, dialog.connect_button)
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled()
                    and "enrolment code" in dialog.error.text(), timeout=SYNC_TIMEOUT)
    assert dialog.error.text().startswith("The hub did not accept this enrolment code")
    assert "Traceback" not in dialog.error.text()
    screenshot(dialog, "sync-connect-dialog-wrong-code")
    assert hub_server.hub.devices() == []

    # the right code
    code, _ = hub_server.hub.new_enrolment_code("Alex North")
    dialog.code_edit.setText(code)
    dialog.name_edit.setText("Test laptop 1")
    screenshot(dialog, "sync-connect-dialog")
    click(qtbot, dialog.connect_button)
    qtbot.waitUntil(lambda: dialog.link is not None, timeout=SYNC_TIMEOUT)
    assert "as Alex North (North Team)" in dialog.notice.text()
    assert not dialog.error.isVisible()
    screenshot(dialog, "sync-connect-dialog-connected")
    [device] = hub_server.hub.devices()
    assert (device["name"], device["user"], device["status"]) == (
        "Test laptop 1", "Alex North", "active")
    click(qtbot, dialog.done_button)
    qtbot.waitUntil(lambda: ui.sync_action.isEnabled())
    assert not ui.connect_action.isEnabled()
    assert not widget.connect_button.isVisible()
    assert status_text(window) == ("Never synced", "No changes waiting", "No open conflicts")
    assert window.tasks.call(Operation(lambda ws: ws.sync.link().user)) == "Alex North"


def test_the_demo_cannot_be_connected(qtbot, make_window) -> None:
    window = make_window()
    click(qtbot, window.create_page.demo_button)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.caseload_page,
                    timeout=30_000)
    qtbot.waitUntil(lambda: window.sync_ui.status_widget.status is not None)
    ui = window.sync_ui
    assert not ui.connect_action.isEnabled()
    assert not ui.status_widget.connect_button.isEnabled()
    assert ui.open_connect_dialog() is None


# -- sync now -----------------------------------------------------------------------------------


def test_sync_now_pushes_and_the_status_bar_follows(qtbot, make_window, hub_server, tmp_path,
                                                     screenshot) -> None:
    ws = enrolled(default_workspace(), hub_server, "Alex North")
    added = ws.people.add(person())
    window = laptop_window(qtbot, make_window, ws)
    ui = window.sync_ui
    assert ui.sync_action.isEnabled()
    assert status_text(window) == ("Never synced", "1 change waiting", "No open conflicts")

    sync_now(qtbot, window)
    qtbot.waitUntil(lambda: status_text(window)[1] == "No changes waiting")
    assert status_text(window)[0] == "Last sync just now"
    message = window.statusBar().currentMessage()
    assert message.startswith("Sync ok: sent 1") and "0 open conflicts" in message
    assert not ui.status_widget.progress_bar.isVisible()
    assert ui.sync_action.isEnabled()
    screenshot(window, "sync-status-bar-after-sync")
    screenshot(window.statusBar(), "sync-status-bar")

    # the person is on the hub: a second laptop receives it
    other = enrolled(tmp_path / "b", hub_server, "Blake North")
    engine.sync(other)
    assert other.people.get(added.id).family_name == "Example"

    # a change made in the window counts as waiting at once
    window.tasks.run(people_ops.add(person=person("Riley", "Sample")))
    qtbot.waitUntil(lambda: status_text(window)[1] == "1 change waiting")

    # the other laptop's change arrives with the next sync and the caseload shows it
    theirs = other.people.add(person("Morgan", "Incoming"))
    engine.sync(other)
    other.lock()
    qtbot.keyClick(window, Qt.Key.Key_F5)  # the keyboard way
    qtbot.waitUntil(lambda: not ui.controller.running, timeout=SYNC_TIMEOUT)
    qtbot.waitUntil(lambda: status_text(window)[1] == "No changes waiting")
    assert "received" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.caseload_page.select_person(theirs.id))


def test_last_sync_time_reads_relatively() -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert relative_time(now - timedelta(seconds=20), now) == "just now"
    assert relative_time(now - timedelta(minutes=5), now) == "5 min ago"
    assert relative_time(now - timedelta(hours=1, minutes=5), now) == "1 hour ago"
    assert relative_time(now - timedelta(hours=3), now) == "3 hours ago"
    assert relative_time(now - timedelta(hours=30), now) == "yesterday"
    assert relative_time(now - timedelta(days=4), now) == "4 days ago"


def test_cancel_stops_the_sync_and_keeps_the_changes(qtbot, make_window, hub_server,
                                                     screenshot) -> None:
    ws = enrolled(default_workspace(), hub_server, "Alex North")
    ws.people.add(person())
    window = laptop_window(qtbot, make_window, ws)
    ui = window.sync_ui
    live = window.workspace
    assert live is not None
    # Hold the workspace (its lock) so the sync thread waits at its first step; cancel meanwhile.
    with live.transaction():
        click(qtbot, window.nav.widgetForAction(ui.sync_action))
        widget = ui.status_widget
        assert widget.progress_bar.isVisible() and widget.cancel_button.isVisible()
        assert not ui.sync_action.isEnabled() and ui.cancel_action.isEnabled()
        screenshot(window.statusBar(), "sync-status-bar-syncing")
        click(qtbot, widget.cancel_button)
        assert widget.progress_label.text() == "Cancelling…"
    qtbot.waitUntil(lambda: not ui.controller.running, timeout=SYNC_TIMEOUT)
    qtbot.waitUntil(lambda: window.tasks.idle)
    assert window.statusBar().currentMessage().startswith("Sync was cancelled")
    assert status_text(window)[:2] == ("Never synced", "1 change waiting")
    assert not ui.status_widget.progress_bar.isVisible()
    assert ui.sync_action.isEnabled()
    assert hub_server.hub.counts()["records"] == 0
    # and the next sync sends it
    sync_now(qtbot, window)
    qtbot.waitUntil(lambda: status_text(window)[1] == "No changes waiting")
    assert hub_server.hub.counts()["records"] == 1


def test_locking_during_a_sync_drops_it_quietly(qtbot, make_window, hub_server) -> None:
    ws = enrolled(default_workspace(), hub_server, "Alex North")
    ws.people.add(person())
    window = laptop_window(qtbot, make_window, ws)
    click(qtbot, window.nav.widgetForAction(window.sync_ui.sync_action))
    window.lock_and_return()
    assert window.stack.currentWidget() is window.unlock_page
    assert window.sync_ui.controller is None and not window.sync_ui.sync_action.isEnabled()
    qtbot.wait(500)  # whatever the sync thread did meanwhile reaches nobody
    assert window.stack.currentWidget() is window.unlock_page
    assert window.wiped_box is None and QApplication.activeModalWidget() is None
    unlock(qtbot, window)  # the workspace is whole: open it again and sync to the end
    sync_now(qtbot, window)
    qtbot.waitUntil(lambda: status_text(window)[1] == "No changes waiting")
    assert hub_server.hub.counts()["records"] == 1


def test_hub_down_says_so_and_keeps_the_changes(qtbot, make_window, hub_server) -> None:
    ws = enrolled(default_workspace(), hub_server, "Alex North")
    ws.people.add(person())
    window = laptop_window(qtbot, make_window, ws)
    hub_server.close()
    sync_now(qtbot, window)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == UNREACHABLE_MESSAGE)
    assert status_text(window)[:2] == ("Never synced", "1 change waiting")
    assert window.sync_ui.sync_action.isEnabled()
    assert window.workspace is not None and window.stack.currentWidget() is \
        window.caseload_page
    assert QApplication.activeModalWidget() is None  # a status message, not a dialog


# -- conflicts and refused changes ------------------------------------------------------------


def test_a_conflict_is_shown_and_a_choice_resolves_it(qtbot, make_window, hub_server, tmp_path,
                                                      qtmodeltester, screenshot) -> None:
    mine = enrolled(default_workspace(), hub_server, "Alex North")
    other = enrolled(tmp_path / "b", hub_server, "Blake North")
    p = mine.people.add(person())
    engine.sync(mine)
    engine.sync(other)
    other.people.update(other.people.get(p.id).model_copy(update={"family_name": "Hubside"}))
    engine.sync(other)
    mine.people.update(mine.people.get(p.id).model_copy(update={"family_name": "Laptopside"}))
    window = laptop_window(qtbot, make_window, mine)

    sync_now(qtbot, window)
    qtbot.waitUntil(lambda: status_text(window)[2] == "1 open conflict")
    assert "1 in conflict (both values kept)" in window.statusBar().currentMessage()
    click(qtbot, window.sync_ui.status_widget.conflicts_button)
    page = window.conflicts_page
    assert isinstance(page, ConflictsPage)
    assert window.stack.currentWidget() is page
    qtbot.waitUntil(lambda: page.conflicts_model.rowCount() == 1)
    qtmodeltester.check(page.conflicts_model)
    cells = [page.conflicts_model.index(0, c).data() for c in range(7)]
    assert cells[:6] == ["Jordan Hubside", "Young person's details", "Family name", "Hubside",
                         "Laptopside", "Example"]
    assert page.tabs.tabText(0) == "&Conflicts (1)"
    assert "On this laptop: Laptopside" in page.conflicts_tab.detail.text()
    assert page.custom_edit.isVisible()  # a text field: a person may type the right value
    screenshot(window, "sync-conflicts-view")

    click(qtbot, page.use_laptop_button)
    qtbot.waitUntil(lambda: page.conflicts_model.rowCount() == 0, timeout=SYNC_TIMEOUT)
    qtbot.waitUntil(lambda: status_text(window)[2] == "No open conflicts", timeout=SYNC_TIMEOUT)
    qtbot.waitUntil(lambda: not window.sync_ui.controller.running, timeout=SYNC_TIMEOUT)
    assert "Laptopside" in page.message.text()
    assert window.tasks.call(Operation(lambda ws: ws.people.get(p.id).family_name)) == "Laptopside"
    # the hub holds the chosen value: the other laptop receives it, and no conflict is open
    assert engine.sync(other).open_conflicts == 0
    assert other.people.get(p.id).family_name == "Laptopside"
    assert other.sync.conflict_count() == 0


def test_a_typed_value_resolves_a_conflict(qtbot, make_window, hub_server, tmp_path) -> None:
    mine = enrolled(default_workspace(), hub_server, "Alex North")
    other = enrolled(tmp_path / "b", hub_server, "Blake North")
    p = mine.people.add(person(school="Old School"))
    engine.sync(mine)
    engine.sync(other)
    other.people.update(other.people.get(p.id).model_copy(update={"school": "Hub School"}))
    engine.sync(other)
    mine.people.update(mine.people.get(p.id).model_copy(update={"school": "Laptop School"}))
    window = laptop_window(qtbot, make_window, mine)
    sync_now(qtbot, window)
    qtbot.waitUntil(lambda: status_text(window)[2] == "1 open conflict")
    window.sync_ui.conflicts_action.trigger()
    page = window.conflicts_page
    qtbot.waitUntil(lambda: page.conflicts_model.rowCount() == 1)
    assert not page.custom_button.isEnabled()  # nothing typed yet
    qtbot.keyClicks(page.custom_edit, "Both Schools Academy")
    click(qtbot, page.custom_button)
    qtbot.waitUntil(lambda: status_text(window)[2] == "No open conflicts", timeout=SYNC_TIMEOUT)
    qtbot.waitUntil(lambda: not window.sync_ui.controller.running, timeout=SYNC_TIMEOUT)
    school = window.tasks.call(Operation(lambda ws: ws.people.get(p.id).school))
    assert school == "Both Schools Academy"
    engine.sync(other)
    assert other.people.get(p.id).school == "Both Schools Academy"


def test_a_refused_change_can_be_read_and_dismissed(qtbot, make_window, hub_server,
                                                    tmp_path, screenshot) -> None:
    """Own-caseload team: once a child is allocated elsewhere, an edit from the old worker's
    laptop is refused (the hub no longer shows them the record)."""
    dana = enrolled(tmp_path / "dana", hub_server, "Dana Own")
    mine = enrolled(default_workspace(), hub_server, "Eli Own")
    p = dana.people.add(person(allocated_worker="Eli Own"))
    engine.sync(dana)
    engine.sync(mine)
    dana.people.update(dana.people.get(p.id).model_copy(update={"allocated_worker": "Dana Own"}))
    engine.sync(dana)
    mine.people.update(mine.people.get(p.id).model_copy(update={"postcode": "AB1 2CD"}))
    window = laptop_window(qtbot, make_window, mine)
    sync_now(qtbot, window)
    qtbot.waitUntil(lambda: status_text(window)[2] == "1 change not accepted")
    assert "1 refused by the hub" in window.statusBar().currentMessage()
    click(qtbot, window.sync_ui.status_widget.conflicts_button)
    page = window.conflicts_page
    qtbot.waitUntil(lambda: page.refused_model.rowCount() == 1)
    page.tabs.setCurrentWidget(page.refused_tab)
    # the child left this laptop with the reallocation; the refusal stays, without the values
    assert page.refused_model.index(0, 0).data() == "Not on this laptop"
    assert page.refused_model.index(0, 2).data().startswith(
        "The hub no longer shows you this record")
    assert "AB1 2CD" not in page.refused_tab.detail.text()
    screenshot(window, "sync-refused-changes")
    click(qtbot, page.dismiss_button)
    qtbot.waitUntil(lambda: page.refused_model.rowCount() == 0)
    qtbot.waitUntil(lambda: status_text(window)[2] == "No open conflicts")


def test_issue_models_pass_the_model_tester(qtmodeltester) -> None:
    def row(i: int, kind: str) -> IssueRow:
        issue = Issue(f"id{i}", kind, RecordKind.PERSON, f"p{i}", "family_name", "Base", "Hub",
                      "Mine", "not_found", "There is no person with that id.",
                      f"2026-03-0{i}T10:00:00+00:00")
        item = SyncIssue(issue, f"p{i}", f"Person {i}", "There is no person with that id.",
                         True)
        return IssueRow(item, "Family name", "Hub", "Mine", "(empty)")

    for make, kind in ((conflicts_model, "conflict"), (refused_model, "rejected")):
        model = make()
        model.set_items([row(1, kind), row(2, kind), row(3, kind)])
        qtmodeltester.check(model)
        model.clear()
        assert model.rowCount() == 0


def test_values_read_in_plain_words() -> None:
    assert describe(None) == describe("") == describe([]) == "(empty)"
    assert describe("2010-05-17", "dob") == "17 May 2010"
    assert describe("lac_s20", "legal_status") == "Looked after: section 20 (voluntary)"
    assert describe(True) == "Yes"
    assert describe(["Ash", "AJ"]) == "Ash, AJ"
    assert describe({"postcode": "AB1 2CD", "uasc": False}) == "Postcode: AB1 2CD; UASC: No"


# -- revocation ---------------------------------------------------------------------------------


def test_a_revoked_laptop_is_wiped_and_returns_to_the_start(qtbot, make_window,
                                                            hub_server) -> None:
    folder = default_workspace()
    ws = enrolled(folder, hub_server, "Alex North")
    ws.people.add(person())
    device_id = ws.sync.link().device_id
    window = laptop_window(qtbot, make_window, ws)
    window.show_conflicts()
    hub_server.hub.set_device_status(device_id, "revoked")

    click(qtbot, window.nav.widgetForAction(window.sync_ui.sync_action))
    qtbot.waitUntil(lambda: window.wiped_box is not None, timeout=SYNC_TIMEOUT)
    box = window.wiped_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "revoked this laptop" in box.text() and "wiped" in box.text()
    assert window.workspace is None
    with pytest.raises(RuntimeError):  # nothing more runs on the wiped workspace
        window.tasks.call(Operation(lambda ws: None))
    assert window.conflicts_page is None and window.person_page is None
    assert not Workspace.key_path(folder).exists() and not Workspace.db_path(folder).exists()
    assert window.stack.currentWidget() is window.create_page  # nothing left to unlock
    assert not window.sync_ui.sync_action.isEnabled()
    assert not window.statusBar().isVisible()
    box.accept()


# -- accessibility ------------------------------------------------------------------------------


def test_every_sync_control_has_an_accessible_name(qtbot, make_window, hub_server) -> None:
    window = laptop_window(qtbot, make_window, enrolled(default_workspace(), hub_server,
                                                       "Alex North"))
    window.show_conflicts()
    kinds = (QLineEdit, QAbstractButton, QComboBox, QCheckBox, QProgressBar)

    def unnamed(root: QWidget) -> list[str]:
        return [f"{type(w).__name__} {getattr(w, 'text', lambda: '')()}"
                for w in root.findChildren(QWidget)
                if isinstance(w, kinds) and not w.accessibleName()
                and not w.objectName().startswith("qt_")]  # Qt's own menu-bar overflow

    assert unnamed(window) == []


def test_the_connect_dialog_names_every_input(qtbot, make_window) -> None:
    window = laptop_window(qtbot, make_window, new_workspace(default_workspace(), "Alex North"))
    dialog = window.sync_ui.open_connect_dialog()
    assert dialog is not None
    assert [w.accessibleName() for w in dialog.inputs()] == [
        "Hub address", "Enrolment code", "Security certificate file (optional)",
        "Choose the security certificate file", "This laptop's name on the hub"]
    kinds = (QLineEdit, QAbstractButton)
    assert [w for w in dialog.findChildren(QWidget)
            if isinstance(w, kinds) and not w.accessibleName()] == []
    dialog.reject()
