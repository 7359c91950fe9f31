"""The passphrase strength estimate, its meter, and the create and new-passphrase pages using it."""

from __future__ import annotations

import random
import re
from dataclasses import asdict

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit

from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.models import Role
from cse_desktop.qt.pages import PASSPHRASE_HINT, CreatePage, NewPassphrasePage
from cse_desktop.qt.strength import (
    ADVICE_MORE_WORDS,
    EMPTY_TEXT,
    LEVEL_THRESHOLDS,
    MINIMUM_LEVEL,
    Level,
    StrengthMeter,
    check_workspace_passphrase,
    common_ranks,
    estimate,
    level_for_bits,
)
from cse_desktop.store import Workspace
from cse_desktop.store.locations import default_workspace

from .conftest import NEW_PASSPHRASE, OWNER, PASSPHRASE, WRONG_PASSPHRASE

WEAK_EXAMPLE = "Liverpool2019"  # 13 characters: passes the store's rule, fails the meter's
STRONG_EXAMPLE = "kettle violin marmalade"  # three unrelated words: Strong

VERY_WEAK = [
    # common passwords, capitalised, with the usual number and symbol, in look-alikes
    "password", "123456", "letmein", "Password1!", "iloveyou123", "p@ssw0rd", "monkey123456",
    "Liverpool2019", "Summer2024!", "drowssap",
    # keyboard walks (UK and US layouts, the number pad) and sequences
    "qwertyuiop", "poiuytrewq", "1qaz2wsx3edc", "qazwsxedc", "asdfghjkl;", "zxcvbnm123",
    "7894561230", "abcdefghijkl", "9876543210",
    # repeats and dates
    "abcabcabcabc", "aaaaaaaaaaaa", "kettlekettlekettle", "01/02/2003", "kettle 1987",
]
STRONG_OR_BETTER = [
    "correct horse battery staple", "CorrectHorseBatteryStaple", "lantern orbit velvet pumpkin",
    STRONG_EXAMPLE, "Kettle Violin Marmalade", "kettle violin marmalade lighthouse", "Xk9#mQ2$vL7p",
]
#: ordinary words that are not in the common list, for random four-word passphrases
ORDINARY_WORDS = (
    "lantern", "orbit", "velvet", "kettle", "violin", "marmalade", "lighthouse", "parsnip",
    "tractor", "ferret", "harbour", "pebble", "walnut", "saddle", "thimble", "glacier", "meadow",
    "compass", "quarry", "lobster", "tundra", "cobweb", "saffron", "pylon", "ravine", "gazebo",
    "nutmeg", "otter", "quilt", "beacon", "fjord", "mosaic", "plinth", "sorrel", "badger",
    "cactus", "dynamo", "granite", "hammock", "kiosk", "ledger", "mitten", "nectar", "oyster",
    "pewter", "radish", "sequin",
)


@pytest.mark.parametrize("passphrase", VERY_WEAK)
def test_common_passwords_keyboard_walks_repeats_and_dates_are_very_weak(passphrase) -> None:
    result = estimate(passphrase)
    assert result.level is Level.VERY_WEAK, (passphrase, result)
    assert not result.meets_minimum
    assert result.feedback[-1] == ADVICE_MORE_WORDS


@pytest.mark.parametrize("passphrase", STRONG_OR_BETTER)
def test_unrelated_words_and_random_characters_are_strong(passphrase) -> None:
    result = estimate(passphrase)
    assert result.level >= Level.STRONG, (passphrase, result)
    assert result.meets_minimum
    assert result.feedback == ()  # nothing to nag about


def test_four_random_ordinary_words_are_always_strong() -> None:
    rng = random.Random(20240517)
    assert not set(ORDINARY_WORDS) & set(common_ranks())
    for _ in range(40):
        words = rng.sample(ORDINARY_WORDS, 4)
        for passphrase in (" ".join(words), "-".join(words), "".join(w.title() for w in words)):
            assert estimate(passphrase).level >= Level.STRONG, passphrase


def test_more_words_raise_the_level() -> None:
    levels = [estimate(" ".join(ORDINARY_WORDS[:n])).level for n in (1, 2, 3, 4)]
    assert levels == sorted(levels)
    assert levels[0] < MINIMUM_LEVEL <= levels[2]
    assert estimate("purple tractor").level is Level.WEAK


def test_the_suite_passphrases_pass_the_minimum() -> None:
    """Every test in the suite creates workspaces with these: they must stay acceptable."""
    for passphrase in (PASSPHRASE, NEW_PASSPHRASE, WRONG_PASSPHRASE):
        assert check_workspace_passphrase(passphrase, (OWNER.name, OWNER.team)).meets_minimum


@pytest.mark.parametrize(("passphrase", "advice"), [
    ("kettle violin 1987", "Avoid years and dates"),
    ("asdfgh kettle", "Avoid keyboard patterns"),
    ("violin kettle 12345", "sequences"),
    ("ferret-ferret-ferret", "Avoid repeated"),
    ("k3ttl3 v10l1n", "look-alike symbols"),
    ("password", "one of the most commonly used passwords"),
    ("kettle", "at least 10 characters"),
])
def test_feedback_names_the_problem_in_plain_words(passphrase, advice) -> None:
    result = estimate(passphrase)
    assert result.level < Level.STRONG
    assert any(advice in line for line in result.feedback), result.feedback
    for line in result.feedback:
        assert line.endswith(".")
        assert not re.search(r"entropy|bits|zxcvbn|l33t", line, re.IGNORECASE)


def test_the_owners_name_and_team_count_against_a_passphrase() -> None:
    user = ("Sam Fictional", "North Exploitation Team")
    assert estimate("sam fictional north 7").bits > estimate("sam fictional north 7", user).bits
    result = estimate("Fictional Exploitation", user)
    assert result.level is Level.VERY_WEAK
    assert "Avoid your own name and your team's name." in result.feedback


def test_levels_follow_the_thresholds() -> None:
    assert level_for_bits(0) is Level.VERY_WEAK
    for level, threshold in zip(list(Level)[1:], LEVEL_THRESHOLDS, strict=True):
        assert level_for_bits(threshold - 0.1) is Level(level - 1)
        assert level_for_bits(threshold) is level
    assert [lvl.label for lvl in Level] == ["Very weak", "Weak", "Fair", "Strong",
                                            "Very strong"]


def test_the_workspace_minimum_is_the_stores_rule_and_fair() -> None:
    with pytest.raises(ValidationFailed, match="at least 10 characters"):
        check_workspace_passphrase("short")
    with pytest.raises(ValidationFailed, match="too simple"):
        check_workspace_passphrase("aaaaaaaaaaaa")
    with pytest.raises(ValidationFailed) as weak:
        check_workspace_passphrase(WEAK_EXAMPLE)
    assert weak.value.message.startswith("This passphrase is too easy to guess: it is rated "
                                         "Very weak, and a workspace passphrase must be rated "
                                         "Fair or better.")
    assert check_workspace_passphrase(STRONG_EXAMPLE).level >= Level.STRONG


def test_an_estimate_keeps_no_part_of_the_passphrase() -> None:
    secret = "kettle violin marmalade 1987"
    result = estimate(secret)
    text = repr(asdict(result)) + result.describe()
    for part in ("kettle", "violin", "marmalade", "1987"):
        assert part not in text


def test_long_input_stays_quick() -> None:
    import time

    for passphrase in ("a" * 1024, "kettle violin " * 78, "p@55w0rd!" * 113):
        started = time.perf_counter()
        estimate(passphrase)
        assert time.perf_counter() - started < 2.0  # generous: ~0.1 s here
    started = time.perf_counter()
    for _ in range(100):
        estimate("kettle violin marmalade lighthouse 1987!")
    assert (time.perf_counter() - started) / 100 < 0.02  # per keystroke


def test_non_ascii_passphrases_are_estimated() -> None:
    assert estimate("café crème brûlée château").level >= Level.STRONG
    assert estimate("ŻÓŁW źdźbło").bits > 40


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

    meter.update_for(STRONG_EXAMPLE)
    assert meter.level is Level.STRONG
    assert meter.accessibleDescription() == "Strength: Strong."
    assert [s.property("level") for s in meter.segments] == ["3", "3", "3", "3", "none"]

    meter.update_for("")
    assert meter.level is None and meter.last_estimate is None
    assert meter.accessibleDescription() == EMPTY_TEXT


def test_the_meter_escapes_nothing_it_should_not(qtbot) -> None:
    meter = StrengthMeter()
    qtbot.addWidget(meter)
    meter.update_for("<b>bold</b> & <i>x</i> 1")
    assert "<i>" not in meter.label.text()  # the passphrase is never shown, escaped or not


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
    assert "rated Fair or better" in PASSPHRASE_HINT
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
