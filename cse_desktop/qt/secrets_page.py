"""Workspace > Passphrase and recovery code: change the passphrase, or start afresh with a new
key when the passphrase or the recovery code may have been seen (``Workspace.rekey``).

The page only collects and checks input, as the start pages do (``qt/pages.py``, whose helpers
it shares); the window runs the change and shows the new recovery code (``qt/opening.py``).
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QLabel, QLineEdit, QRadioButton, QWidget

from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.qt.pages import (
    _FieldErrors,
    _no_scroll_tab_stop,
    _passphrase_column,
    _row,
    _show_passphrases,
    _show_strength,
)
from cse_desktop.qt.strength import StrengthMeter, check_workspace_passphrase
from cse_desktop.qt.widgets import CardPage, MessageLabel, button, line_edit

SEEN_CHOICE = "I think my passphrase or recovery code was seen"
SEEN_EXPLAINED = (
    "CSE Desktop makes a new key and encrypts your workspace again with it. You choose a new "
    "passphrase and get a new recovery code. Old copies of the key file, your old passphrase "
    "and your old recovery code stop opening the workspace. Backups made before today still "
    "open with the passphrase and recovery code they were made with: keep them locked away, "
    "or delete those you no longer need.")
CHANGE_EXPLAINED = (
    "Only the passphrase changes; your recovery code stays the same. A copy of the key file "
    "from before the change would still open with the old passphrase: if anyone may have seen "
    "it, choose the other option.")


class SecretsPage(_FieldErrors, CardPage):
    """Change the passphrase, or re-key the workspace."""

    #: (current passphrase, new passphrase, re-key?) once the input passes the checks
    change_requested = Signal(str, str, bool)
    cancelled = Signal()

    def __init__(self) -> None:
        super().__init__("Passphrase and recovery code",
                         "Change your passphrase, or start afresh if someone may have seen "
                         "your passphrase or your recovery code.")
        _no_scroll_tab_stop(self)
        self.change_radio = QRadioButton("&Change my passphrase")
        self.seen_radio = QRadioButton("I &think my passphrase or recovery code was seen")
        self.choice = QButtonGroup(self)
        for radio in (self.change_radio, self.seen_radio):
            radio.setAccessibleName(radio.text().replace("&", ""))
            self.choice.addButton(radio)
            self.body.addWidget(radio)
        self.change_radio.setChecked(True)
        self.explained = QLabel(CHANGE_EXPLAINED)
        self.explained.setObjectName("pageIntro")
        self.explained.setWordWrap(True)
        self.explained.setAccessibleName("What this choice does")
        self.body.addWidget(self.explained)
        self.add_separator()
        self.current_edit = line_edit("Current passphrase", password=True, max_length=1024)
        self.add_field("C&urrent passphrase", self.current_edit)
        self.passphrase_edit = line_edit("New passphrase", password=True, max_length=1024)
        self.strength_meter = StrengthMeter()
        _passphrase_column(self, "&New passphrase", self.passphrase_edit, self.strength_meter)
        self.confirm_edit = line_edit("Confirm new passphrase", password=True, max_length=1024)
        self.add_field("Con&firm new passphrase", self.confirm_edit)
        self.show_check = _show_passphrases(self, self.current_edit, self.passphrase_edit,
                                            self.confirm_edit)
        self.error = MessageLabel()
        self.body.addSpacing(4)
        self.body.addWidget(self.error)
        self.save_button = button("Change &passphrase", "Change passphrase", role="primary")
        self.cancel_button = button("Cance&l", "Cancel", role="link")
        self.body.addSpacing(6)
        self.body.addLayout(_row(self.save_button, self.cancel_button))
        self._user_words: tuple[str, ...] = ()

        self.seen_radio.toggled.connect(self._choice_changed)
        self.save_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.cancelled)
        self._watch_fields(self.current_edit, self.passphrase_edit, self.confirm_edit)
        self.passphrase_edit.textChanged.connect(
            lambda text: _show_strength(self, self.strength_meter, text, self._user_words))
        order = [self.change_radio, self.seen_radio, self.current_edit, self.passphrase_edit,
                 self.confirm_edit, self.show_check, self.save_button, self.cancel_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    @property
    def rekey(self) -> bool:
        return self.seen_radio.isChecked()

    def _choice_changed(self) -> None:
        self.explained.setText(SEEN_EXPLAINED if self.rekey else CHANGE_EXPLAINED)
        text = "Start afresh with a new &key" if self.rekey else "Change &passphrase"
        self.save_button.setText(text)
        self.save_button.setAccessibleName(text.replace("&", ""))

    def focus_first(self) -> None:
        self.current_edit.setFocus()

    def start(self, *user_words: str, seen: bool = False) -> None:
        """Ready for a new change (``user_words``: the owner's name and team)."""
        self.clear_secrets()
        self._user_words = tuple(words for words in user_words if words)
        (self.seen_radio if seen else self.change_radio).setChecked(True)
        self._choice_changed()

    def submit(self) -> None:
        current, new, confirm = (self.current_edit.text(), self.passphrase_edit.text(),
                                 self.confirm_edit.text())
        if not current:
            return self.show_error("Enter your current passphrase.", self.current_edit)
        try:
            check_workspace_passphrase(new, self._user_words)
        except ValidationFailed as exc:
            return self.show_error(exc.message, self.passphrase_edit)
        if new == current:
            return self.show_error("Choose a passphrase different from your current one.",
                                   self.passphrase_edit)
        if confirm != new:
            self.confirm_edit.clear()
            return self.show_error("The two passphrases are different. Type the same "
                                   "passphrase in both boxes.", self.confirm_edit)
        self.error.clear_message()
        self.change_requested.emit(current, new, self.rekey)
        return None

    def show_error(self, message: str, field: QLineEdit | None = None) -> None:
        self._mark_error(message, field or self.current_edit)

    def clear_secrets(self) -> None:
        for edit in (self.current_edit, self.passphrase_edit, self.confirm_edit):
            edit.clear()
        self.show_check.setChecked(False)
        self.error.clear_message()
        self.strength_meter.clear()
