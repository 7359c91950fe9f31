"""The passphrase strength meter, and the create and new-passphrase pages using it.

The rule itself (levels, floor, advice) is tested in tests/store/test_strength.py; here, that
the meter shows the store's verdict and the pages refuse what the store refuses.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit

from cse_desktop.domain.errors import ValidationFailed, WeakPassphrase
from cse_desktop.domain.models import Role
from cse_desktop.qt.pages import PASSPHRASE_HINT, CreatePage, NewPassphrasePage
from cse_desktop.qt.strength import (
    EMPTY_TEXT,
    MINIMUM_LEVEL,
    Level,
    StrengthMeter,
    check_workspace_passphrase,
)
from cse_desktop.store import Workspace, strength
from cse_desktop.store.locations import default_workspace

from .conftest import NEW_PASSPHRASE, OWNER, PASSPHRASE, WRONG_PASSPHRASE

WEAK_EXAMPLE = "Liverpool2019"  # 13 characters, but a football club and a year: Very weak
FAIR_EXAMPLE = "kettle violin 1987"  # acceptable, with advice
STRONG_EXAMPLE = "kettle violin marmalade"  # three unrelated words: Strong


def test_the_suite_passphrases_pass_the_rule() -> None:
    """Every desktop test creates workspaces with these: they must stay acceptable."""
    for passphrase in (PASSPHRASE, NEW_PASSPHRASE, WRONG_PASSPHRASE):
        assert check_workspace_passphrase(passphrase, (OWNER.name, OWNER.team)).acceptable


def test_the_pages_check_is_the_stores_rule() -> None:
    assert MINIMUM_LEVEL is strength.MINIMUM_LEVEL is Level.FAIR
    with pytest.raises(WeakPassphrase) as weak:
        check_workspace_passphrase(WEAK_EXAMPLE)
    assert isinstance(weak.value, ValidationFailed)  # what the pages catch
    assert weak.value.message == strength.assess(WEAK_EXAMPLE).message
    assert weak.value.message.startswith("This passphrase is too easy to guess: it is rated "
                                         "Very weak, and a workspace passphrase must be rated "
                                         "Fair or better.")
    with pytest.raises(ValidationFailed, match="at least 10 characters"):
        check_workspace_passphrase("short")
    assert check_workspace_passphrase(STRONG_EXAMPLE).score is Level.STRONG


# -- the meter ------------------------------------------------------------------------------------


def test_the_meter_shows_words_and_a_bar(qtbot) -> None:
    meter = StrengthMeter()
    qtbot.addWidget(meter)
    assert meter.accessibleName() == "Passphrase strength"
    assert meter.level is None
    assert meter.text() == EMPTY_TEXT
    assert [s.property("level") for s in meter.segments] == ["none"] * 5

    meter.update_for("letmein")
    assert meter.level is Level.VERY_WEAK
    assert meter.text().startswith("Strength: Very weak.")
    assert meter.accessibleDescription() == meter.text()
    assert "Strength: Very weak." in meter.label.text()
    assert [s.property("level") for s in meter.segments] == ["0", "none", "none", "none", "none"]

    meter.update_for(FAIR_EXAMPLE)
    assert meter.level is Level.FAIR
    assert meter.text() == ("Strength: Fair. Avoid years and dates, such as birthdays. "
                            "Add another word or two.")
    assert [s.property("level") for s in meter.segments] == ["2", "2", "2", "none", "none"]

    meter.update_for(STRONG_EXAMPLE)
    assert meter.level is Level.STRONG
    assert meter.accessibleDescription() == "Strength: Strong."
    assert [s.property("level") for s in meter.segments] == ["3", "3", "3", "3", "none"]

    meter.update_for("")
    assert meter.level is None and meter.last_verdict is None
    assert meter.accessibleDescription() == EMPTY_TEXT


@pytest.mark.parametrize("passphrase", ["letmein", WEAK_EXAMPLE, "purple tractor", FAIR_EXAMPLE,
                                        STRONG_EXAMPLE, "correct horse battery staple"])
def test_the_meter_shows_the_stores_verdict(qtbot, passphrase: str) -> None:
    meter = StrengthMeter()
    qtbot.addWidget(meter)
    user = ("Alex Invented", "Fictional Missing Team")
    shown = meter.update_for(passphrase, user)
    assert shown == strength.assess(passphrase, user) == meter.last_verdict
    assert meter.level is shown.score
    assert meter.text() == f"Strength: {shown.describe()}"
    lit = [s.property("level") for s in meter.segments if s.property("level") != "none"]
    assert lit == [str(int(shown.score))] * (shown.score + 1)


def test_the_meter_counts_the_owners_name(qtbot) -> None:
    meter = StrengthMeter()
    qtbot.addWidget(meter)
    assert meter.update_for("Fictional Kestrel 2024").acceptable
    verdict = meter.update_for("Fictional Kestrel 2024", ("Sam Fictional", "North Kestrel Team"))
    assert not verdict.acceptable
    assert "Avoid your own name and your team's name." in meter.text()


def test_the_meter_screenshot(qtbot, screenshot) -> None:
    """The meter with a weak and a strong passphrase, saved for a person to look at."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from cse_desktop.qt.resources import STYLE_SHEET, resource

    host = QWidget()
    qtbot.addWidget(host)
    host.setStyleSheet(resource(STYLE_SHEET).read_text("utf-8"))
    layout = QVBoxLayout(host)
    meters = []
    for title, passphrase in (("Weak passphrase (refused)", WEAK_EXAMPLE),
                              ("Fair passphrase (accepted)", FAIR_EXAMPLE),
                              ("Strong passphrase", STRONG_EXAMPLE)):
        layout.addWidget(QLabel(title))
        meter = StrengthMeter()
        meter.update_for(passphrase)
        layout.addWidget(meter)
        meters.append(meter)
    host.resize(520, 260)
    host.show()
    qtbot.waitExposed(host)
    assert [m.level for m in meters] == [Level.VERY_WEAK, Level.FAIR, Level.STRONG]
    assert screenshot(host, "strength-meter").stat().st_size > 0


# -- the pages ------------------------------------------------------------------------------------


def _click(qtbot, widget: QAbstractButton) -> None:
    assert widget.isVisible() and widget.isEnabled()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    # creating a workspace runs in the background behind a wait cursor
    qtbot.waitUntil(lambda: QApplication.overrideCursor() is None, timeout=20_000)


def _type(qtbot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)


def _fill(qtbot, page: CreatePage, passphrase: str) -> None:
    _type(qtbot, page.name_edit, "Alex Invented")
    page.role_combo.setCurrentIndex(page.role_combo.findData(Role.PRACTITIONER))
    _type(qtbot, page.team_edit, "Fictional Missing Team")
    _type(qtbot, page.passphrase_edit, passphrase)
    _type(qtbot, page.confirm_edit, passphrase)


def test_create_page_refuses_a_weak_passphrase_then_accepts_a_strong_one(
        qtbot, make_window, screenshot) -> None:
    window = make_window()
    page = window.create_page
    assert f"rated {MINIMUM_LEVEL.label} or better" in PASSPHRASE_HINT
    assert page.strength_meter.isVisible()
    assert page.strength_meter.text() == EMPTY_TEXT

    _fill(qtbot, page, WEAK_EXAMPLE)
    assert page.strength_meter.level is Level.VERY_WEAK
    screenshot(window, "strength-01-create-page-weak-typed")
    _click(qtbot, page.create_button)
    assert page.error.isVisible()
    assert page.error.text().startswith("This passphrase is too easy to guess")
    assert "Traceback" not in page.error.text()
    assert page.passphrase_edit.property("invalid") is True
    assert window.focusWidget() is page.passphrase_edit
    assert window.stack.currentWidget() is page
    assert not Workspace.exists(default_workspace())
    screenshot(window, "strength-02-create-page-weak-refused")

    _type(qtbot, page.passphrase_edit, STRONG_EXAMPLE)
    _type(qtbot, page.confirm_edit, STRONG_EXAMPLE)
    assert page.strength_meter.level is Level.STRONG
    assert page.passphrase_edit.property("invalid") is False
    assert not page.error.isVisible()  # typing a new passphrase cleared the refusal
    screenshot(window, "strength-03-create-page-strong")
    _click(qtbot, page.create_button)
    assert window.stack.currentWidget() is window.recovery_page
    assert Workspace.exists(default_workspace())
    assert page.strength_meter.level is None  # the page forgot it all


def test_create_page_counts_the_owners_own_name(qtbot, make_window) -> None:
    window = make_window()
    page = window.create_page
    _fill(qtbot, page, "Alex Invented Missing 1")
    assert "Avoid your own name" in page.strength_meter.text()
    _click(qtbot, page.create_button)
    assert "too easy to guess" in page.error.text()


def test_new_passphrase_page_refuses_a_weak_passphrase(qtbot) -> None:
    page = NewPassphrasePage()
    qtbot.addWidget(page)
    page.show()
    saved: list[str] = []
    page.save_requested.connect(saved.append)
    page.set_user_words("Alex Invented", "Fictional Missing Team")
    _type(qtbot, page.passphrase_edit, "Qwerty123456")
    _type(qtbot, page.confirm_edit, "Qwerty123456")
    assert page.strength_meter.level is Level.VERY_WEAK
    _click(qtbot, page.save_button)
    assert saved == []
    assert page.error.text().startswith("This passphrase is too easy to guess")

    _type(qtbot, page.passphrase_edit, STRONG_EXAMPLE)
    _type(qtbot, page.confirm_edit, STRONG_EXAMPLE)
    assert page.strength_meter.level is Level.STRONG
    _click(qtbot, page.save_button)
    assert saved == [STRONG_EXAMPLE]
    page.clear_secrets()
    assert page.strength_meter.level is None
    assert page.passphrase_edit.text() == ""
