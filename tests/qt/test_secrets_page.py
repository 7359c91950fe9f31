"""Workspace > Passphrase and recovery code (issue 16, item 1), through the real window.

"I think my passphrase or recovery code was seen" re-keys the workspace and shows a new
recovery code once; a plain change keeps the code; after an unlock with the recovery code the
window asks for a new code, even in a later session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cse_desktop.domain.errors import NotOurDatabase, WrongPassphrase
from cse_desktop.qt.secrets_page import SEEN_CHOICE, SEEN_EXPLAINED
from cse_desktop.store import Workspace
from cse_desktop.store.keys import KEY_FILE_NAME
from cse_desktop.store.locations import default_workspace

from .conftest import NEW_PASSPHRASE, PASSPHRASE, WRONG_PASSPHRASE
from .test_app import RECOVERY_CODE, click, type_into


def unlocked_window(qtbot, make_window):  # type: ignore[no-untyped-def]
    window = make_window()
    type_into(qtbot, window.unlock_page.secret_edit, PASSPHRASE)
    click(qtbot, window.unlock_page.unlock_button)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.caseload_page)
    return window


def fill(qtbot, page, current: str, new: str) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, page.current_edit, current)
    type_into(qtbot, page.passphrase_edit, new)
    type_into(qtbot, page.confirm_edit, new)


def test_i_think_my_passphrase_was_seen_rekeys_and_shows_a_new_code(
        qtbot, make_window, existing_workspace, screenshot, tmp_path: Path) -> None:
    old_key_file = (default_workspace() / KEY_FILE_NAME).read_bytes()
    window = unlocked_window(qtbot, make_window)
    assert window.secrets_action.isVisible() and window.secrets_action.isEnabled()
    window.secrets_action.trigger()
    page = window.secrets_page
    assert window.stack.currentWidget() is page
    assert page.seen_radio.text().replace("&", "") == SEEN_CHOICE
    click(qtbot, page.seen_radio)
    assert page.explained.text() == SEEN_EXPLAINED
    assert "Backups made before today still open" in page.explained.text()
    fill(qtbot, page, WRONG_PASSPHRASE, NEW_PASSPHRASE)
    click(qtbot, page.save_button)
    assert page.error.text() == "That passphrase is not correct."
    assert window.stack.currentWidget() is page
    fill(qtbot, page, PASSPHRASE, NEW_PASSPHRASE)
    screenshot(window, "k16-rekey-page")
    click(qtbot, page.save_button)
    codes = window.recovery_page
    qtbot.waitUntil(lambda: window.stack.currentWidget() is codes)
    code = codes.code_label.text()
    assert RECOVERY_CODE.match(code) and code != existing_workspace.recovery_code
    assert "new key" in codes.why_label.text()
    assert page.current_edit.text() == page.passphrase_edit.text() == ""
    screenshot(window, "k16-rekey-new-code")
    type_into(qtbot, codes.last_group_edit, code.split("-")[-1])
    click(qtbot, codes.continue_button)
    assert window.stack.currentWidget() is window.caseload_page
    window.lock_and_return()

    folder = default_workspace()
    with pytest.raises(WrongPassphrase):
        Workspace.open(folder, PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        Workspace.open(folder, recovery_code=existing_workspace.recovery_code)
    with Workspace.open(folder, recovery_code=code) as ws:
        assert ws.check().ok
    (folder / KEY_FILE_NAME).write_bytes(old_key_file)  # an old copy opens nothing
    with pytest.raises(NotOurDatabase):
        Workspace.open(folder, PASSPHRASE)


def test_a_plain_change_keeps_the_recovery_code(qtbot, make_window,
                                                existing_workspace) -> None:
    window = unlocked_window(qtbot, make_window)
    window.show_secrets()
    page = window.secrets_page
    assert not page.rekey and page.save_button.text().replace("&", "") == "Change passphrase"
    fill(qtbot, page, PASSPHRASE, NEW_PASSPHRASE)
    click(qtbot, page.save_button)
    assert window.stack.currentWidget() is window.caseload_page
    window.lock_and_return()
    with Workspace.open(default_workspace(), NEW_PASSPHRASE):
        pass
    with Workspace.open(default_workspace(), recovery_code=existing_workspace.recovery_code):
        pass


def test_a_used_recovery_code_is_replaced_at_the_next_unlock(qtbot, make_window,
                                                             existing_workspace) -> None:
    # unlocked with the code in an earlier session that ended before a new code was made
    with Workspace.open(default_workspace(), recovery_code=existing_workspace.recovery_code):
        pass
    window = make_window()
    type_into(qtbot, window.unlock_page.secret_edit, PASSPHRASE)
    click(qtbot, window.unlock_page.unlock_button)
    codes = window.recovery_page
    qtbot.waitUntil(lambda: window.stack.currentWidget() is codes)
    code = codes.code_label.text()
    assert RECOVERY_CODE.match(code) and code != existing_workspace.recovery_code
    type_into(qtbot, codes.last_group_edit, code.split("-")[-1])
    click(qtbot, codes.continue_button)
    window.lock_and_return()
    with pytest.raises(WrongPassphrase):
        Workspace.open(default_workspace(), recovery_code=existing_workspace.recovery_code)
    with Workspace.open(default_workspace(), PASSPHRASE) as ws:
        assert not ws.recovery_code_used


def test_keeping_the_passphrase_after_a_recovery_still_replaces_the_code(
        qtbot, make_window, existing_workspace) -> None:
    window = make_window()
    page = window.unlock_page
    click(qtbot, page.mode_button)
    type_into(qtbot, page.secret_edit, existing_workspace.recovery_code)
    click(qtbot, page.unlock_button)
    assert window.stack.currentWidget() is window.new_passphrase_page
    click(qtbot, window.new_passphrase_page.skip_button)
    codes = window.recovery_page
    qtbot.waitUntil(lambda: window.stack.currentWidget() is codes)
    assert codes.code_label.text() != existing_workspace.recovery_code
    window.lock_and_return()
    with pytest.raises(WrongPassphrase):
        Workspace.open(default_workspace(), recovery_code=existing_workspace.recovery_code)
