"""The start pages: create a workspace, show its recovery code, unlock, choose a new passphrase.

Pages only collect and check input; they emit a signal and the main window does the store work
(and hands any error back through ``show_error``).  Every input and button has an accessible
name, and every label a mnemonic that moves focus to its field.

A new passphrase (create page, new-passphrase page) shows a strength meter under its box and
must be rated Fair or better as well as pass the store's own rule (``qt/strength.py``); the
refusal is an inline message, and typing in the field it is about clears it.
"""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.labels import ROLE_LABELS
from cse_desktop.domain.models import Owner
from cse_desktop.qt.strength import (
    MINIMUM_LEVEL,
    StrengthMeter,
    check_workspace_passphrase,
)
from cse_desktop.qt.widgets import (
    CardPage,
    MessageLabel,
    button,
    line_edit,
    set_invalid,
)
from cse_desktop.store.keys import MIN_PASSPHRASE_LENGTH, normalise_recovery_code

PASSPHRASE_HINT = (f"At least {MIN_PASSPHRASE_LENGTH} characters, and rated "
                   f"{MINIMUM_LEVEL.label} or better. A short sentence you will remember works "
                   "well, for example three or four unrelated words.")
DEMO_TOOLTIP = ("A separate practice workspace full of invented young people. "
                "Nothing in it is real, and nothing you do there touches your own workspace.")


def _show_passphrases(page: CardPage, *edits: QLineEdit) -> QCheckBox:
    """A "Show passphrases" box under the passphrase fields."""
    check = QCheckBox("S&how passphrases")
    check.setAccessibleName("Show passphrases")
    check.toggled.connect(lambda on: _set_echo(list(edits), on))
    page.body.addWidget(check, 0, Qt.AlignmentFlag.AlignLeft)
    return check


def _set_echo(edits: list[QLineEdit], visible: bool) -> None:
    mode = QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password
    for edit in edits:
        edit.setEchoMode(mode)


def _row(*widgets: QWidget, stretch_first: bool = False) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(10)
    if stretch_first:
        row.addStretch(1)
    for widget in widgets:
        row.addWidget(widget)
    if not stretch_first:
        row.addStretch(1)
    return row


def _passphrase_column(page: CardPage, label: str, edit: QLineEdit,
                       meter: StrengthMeter) -> QVBoxLayout:
    """Label, passphrase box, strength meter right under it, then the hint."""
    column = page.field_column(label, edit, PASSPHRASE_HINT)
    column.insertWidget(2, meter)
    page.body.addSpacing(2)
    page.body.addLayout(column)
    return column


def _no_scroll_tab_stop(page: CardPage) -> None:
    """The card's scroll area follows focus (MainWindow reveals the focused field), so it needs
    no Tab stop of its own: as one it would take focus with nothing visible to show it."""
    page.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)


def _refit(page: CardPage) -> None:
    """Let the card shrink again after something in it got shorter (a message hidden, the
    meter's advice down to one line): QScrollArea does not shrink its contents by itself."""
    for widget in (page.card, page.scroll_area.widget()):
        layout = widget.layout() if widget is not None else None
        if layout is not None:
            layout.activate()
    page.scroll_area.setWidgetResizable(True)


def _show_strength(page: CardPage, meter: StrengthMeter, passphrase: str,
                   user_words: tuple[str, ...]) -> None:
    before = meter.sizeHint().height()
    meter.update_for(passphrase, user_words)
    if meter.sizeHint().height() < before:
        _refit(page)


def _demo_button() -> QPushButton:
    return button("Open the &demo workspace (fictional data)", "Open the demo workspace",
                  role="demo", tooltip=DEMO_TOOLTIP)


class _FieldErrors:
    """An inline error that belongs to one field: the field is marked and focused, and typing
    in it clears the error (it no longer applies)."""

    error: MessageLabel

    def _watch_fields(self, *edits: QLineEdit) -> None:
        self._error_field: QLineEdit | None = None
        for edit in edits:
            edit.returnPressed.connect(self.submit)  # type: ignore[attr-defined]
            edit.textEdited.connect(lambda _text, e=edit: self._field_edited(e))

    def _mark_error(self, message: str, field: QLineEdit | None) -> None:
        self.error.show_message(message)
        self._error_field = field
        if field is not None:
            set_invalid(field, True)
            field.setFocus()

    def _field_edited(self, edit: QLineEdit) -> None:
        set_invalid(edit, False)
        if edit is self._error_field:
            self.error.clear_message()
            self._error_field = None
            _refit(self)  # type: ignore[arg-type]


class CreatePage(_FieldErrors, CardPage):
    """First run: the owner's details and a new passphrase."""

    #: (owner, passphrase) once the input passes the checks
    create_requested = Signal(object, str)
    demo_requested = Signal()

    def __init__(self) -> None:
        super().__init__(
            "Create your workspace",
            "Your records are kept on this laptop only, encrypted with your passphrase. "
            "Nobody can open them without it.")
        _no_scroll_tab_stop(self)
        self.name_edit = line_edit("Your name", placeholder="e.g. Sam Taylor")
        self.add_field("Your &name", self.name_edit)
        self.role_combo = QComboBox()
        self.role_combo.setAccessibleName("Your role")
        self.role_combo.setToolTip("When you connect to your team's hub, the hub sets your "
                                   "name, team and role. Until then a manager's approvals "
                                   "show as not verified by a hub.")
        for role, label in ROLE_LABELS.items():
            self.role_combo.addItem(label, role)
        self.team_edit = line_edit("Your team", placeholder="e.g. North Exploitation Team")
        self.add_fields_side_by_side(("&Role", self.role_combo, 2), ("&Team", self.team_edit, 3))
        self.passphrase_edit = line_edit("Passphrase", password=True, max_length=1024)
        self.strength_meter = StrengthMeter()
        _passphrase_column(self, "&Passphrase", self.passphrase_edit, self.strength_meter)
        self.confirm_edit = line_edit("Confirm passphrase", password=True, max_length=1024)
        self.add_field("Con&firm passphrase", self.confirm_edit)
        self.show_check = _show_passphrases(self, self.passphrase_edit, self.confirm_edit)

        self.error = MessageLabel()
        self.body.addSpacing(4)
        self.body.addWidget(self.error)
        self.create_button = button("&Create my workspace", "Create my workspace",
                                    role="primary")
        self.body.addSpacing(6)
        self.body.addLayout(_row(self.create_button))
        self.add_separator()
        self.demo_button = _demo_button()
        self.body.addLayout(_row(self.demo_button))

        self.create_button.clicked.connect(self.submit)
        self.demo_button.clicked.connect(self.demo_requested)
        self._watch_fields(self.name_edit, self.team_edit, self.passphrase_edit,
                           self.confirm_edit)
        for edit in (self.name_edit, self.team_edit, self.passphrase_edit):
            edit.textChanged.connect(self._update_strength)
        order = [self.name_edit, self.role_combo, self.team_edit, self.passphrase_edit,
                 self.confirm_edit, self.show_check, self.create_button, self.demo_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def focus_first(self) -> None:
        self.name_edit.setFocus()

    def user_words(self) -> tuple[str, str]:
        """The owner's name and team: a passphrase built from them is easy to guess."""
        return (self.name_edit.text(), self.team_edit.text())

    def _update_strength(self) -> None:
        _show_strength(self, self.strength_meter, self.passphrase_edit.text(), self.user_words())

    def submit(self) -> None:
        name, team = self.name_edit.text().strip(), self.team_edit.text().strip()
        passphrase, confirm = self.passphrase_edit.text(), self.confirm_edit.text()
        if not name:
            return self.show_error("Enter your name.", self.name_edit)
        if not team:
            return self.show_error("Enter the name of your team.", self.team_edit)
        try:
            check_workspace_passphrase(passphrase, self.user_words())
        except ValidationFailed as exc:
            return self.show_error(exc.message, self.passphrase_edit)
        if confirm != passphrase:
            self.confirm_edit.clear()
            return self.show_error("The two passphrases are different. Type the same "
                                   "passphrase in both boxes.", self.confirm_edit)
        self.error.clear_message()
        owner = Owner(name=name, role=self.role_combo.currentData(), team=team)
        self.create_requested.emit(owner, passphrase)
        return None

    def show_error(self, message: str, field: QLineEdit | None = None) -> None:
        self._mark_error(message, field)

    def reset(self) -> None:
        for edit in (self.name_edit, self.team_edit, self.passphrase_edit, self.confirm_edit):
            edit.clear()
            set_invalid(edit, False)
        self.show_check.setChecked(False)
        self.error.clear_message()
        self.strength_meter.clear()

    def clear_secrets(self) -> None:
        self.passphrase_edit.clear()
        self.confirm_edit.clear()
        self.strength_meter.clear()


class RecoveryCodePage(CardPage):
    """The recovery code, shown once; the user retypes its last group to continue."""

    confirmed = Signal()

    def __init__(self) -> None:
        super().__init__(
            "Write down your recovery code",
            "If you ever forget your passphrase, this code is the only way back into your "
            "records. It is shown once, now, and cannot be shown again.")
        _no_scroll_tab_stop(self)
        #: why a new code replaces the old one (hidden for a new workspace's first code)
        self.why_label = QLabel()
        self.why_label.setObjectName("recoveryWhy")
        self.why_label.setWordWrap(True)
        self.why_label.setTextFormat(Qt.TextFormat.PlainText)
        self.why_label.hide()
        self.body.addWidget(self.why_label)
        self.code_label = QLabel()
        self.code_label.setObjectName("recoveryCode")
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setTextFormat(Qt.TextFormat.PlainText)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_label.setAccessibleName("Recovery code")
        self.body.addWidget(self.code_label)
        self.body.addSpacing(6)
        self.steps = QLabel(
            "<ol style='margin-left: 0px; -qt-list-indent: 1;'>"
            "<li>Write the code on paper now, exactly as shown.</li>"
            "<li>Keep the paper somewhere safe and <b>apart from this laptop</b>, not in the "
            "laptop bag.</li>"
            "<li>Do not photograph it, email it or save it on this laptop.</li></ol>")
        self.steps.setObjectName("recoverySteps")
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        self.steps.setWordWrap(True)
        self.steps.setAccessibleName("What to do with the recovery code")
        self.body.addWidget(self.steps)
        self.add_separator()
        self.last_group_edit = line_edit("Last group of the recovery code", max_length=9,
                                         placeholder="4 characters")
        self.last_group_edit.setFixedWidth(160)
        self.add_field("Type the &last group of the code to show you have written it down",
                       self.last_group_edit)
        self.error = MessageLabel()
        self.body.addWidget(self.error)
        self.continue_button = button("&Continue", "Continue to the caseload", role="primary")
        self.body.addSpacing(6)
        self.body.addLayout(_row(self.continue_button))
        self.continue_button.clicked.connect(self.submit)
        self.last_group_edit.returnPressed.connect(self.submit)
        self.last_group_edit.textEdited.connect(
            lambda _text: set_invalid(self.last_group_edit, False))
        QWidget.setTabOrder(self.last_group_edit, self.continue_button)
        self._last_group = ""

    def show_code(self, code: str, *, why: str = "") -> None:
        """Show ``code``; ``why``: the reason a code replaces the old one ("" when new)."""
        self.why_label.setText(why)
        self.why_label.setVisible(bool(why))
        self._last_group = code.rsplit("-", 1)[-1]
        self.code_label.setText(code)
        self.last_group_edit.clear()
        self.error.clear_message()

    def focus_first(self) -> None:
        self.last_group_edit.setFocus()

    def submit(self) -> None:
        typed = normalise_recovery_code(self.last_group_edit.text())
        if not self._last_group or typed != self._last_group:
            self.error.show_message("That is not the last group of your recovery code. Check "
                                    "what you wrote down against the code above.")
            set_invalid(self.last_group_edit, True)
            self.last_group_edit.selectAll()
            self.last_group_edit.setFocus()
            return
        self.clear_secrets()
        self.confirmed.emit()

    def clear_secrets(self) -> None:
        """Forget the code: it is shown once only."""
        self._last_group = ""
        self.code_label.clear()
        self.last_group_edit.clear()
        self.error.clear_message()


class UnlockPage(CardPage):
    """Unlock an existing workspace with the passphrase, or with the recovery code."""

    unlock_requested = Signal(str)
    recovery_unlock_requested = Signal(str)
    demo_requested = Signal()

    def __init__(self) -> None:
        super().__init__("Unlock your workspace",
                         "Your workspace is locked. Enter your passphrase to open it.")
        _no_scroll_tab_stop(self)
        # why the workspace locked itself: information, not an error (styled as #infoLabel)
        self.notice = MessageLabel("notice")
        self.notice.setObjectName("infoLabel")
        self.notice.setAccessibleName("Information")
        self.body.addWidget(self.notice)
        self.recovery_mode = False
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self._end_lockout)
        self.secret_edit = line_edit("Passphrase", password=True, max_length=1024)
        self.secret_label = self.add_field("&Passphrase", self.secret_edit)
        self.show_check = QCheckBox("S&how passphrase")
        self.show_check.setAccessibleName("Show passphrase")
        self.show_check.toggled.connect(lambda on: _set_echo([self.secret_edit], on))
        self.body.addWidget(self.show_check, 0, Qt.AlignmentFlag.AlignLeft)
        self.error = MessageLabel()
        self.body.addSpacing(4)
        self.body.addWidget(self.error)
        self.unlock_button = button("&Unlock", "Unlock", role="primary")
        self.mode_button = button("Use a recovery code &instead", "Use a recovery code instead",
                                  role="link")
        self.body.addSpacing(6)
        self.body.addLayout(_row(self.unlock_button, self.mode_button))
        self.add_separator()
        self.demo_button = _demo_button()
        self.body.addLayout(_row(self.demo_button))
        self.workspace_path = ""

        self.unlock_button.clicked.connect(self.submit)
        self.secret_edit.returnPressed.connect(self.submit)
        self.secret_edit.textEdited.connect(lambda _text: set_invalid(self.secret_edit, False))
        self.mode_button.clicked.connect(lambda: self.set_recovery_mode(not self.recovery_mode))
        self.demo_button.clicked.connect(self.demo_requested)
        order = [self.secret_edit, self.show_check, self.unlock_button, self.mode_button,
                 self.demo_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)


    def set_workspace_path(self, text: str) -> None:
        """The folder, for whoever needs it (support): a tooltip on the card's introduction
        and the Unlock button, not a line on the card."""
        self.workspace_path = text
        details = f"Workspace folder: {text}"
        self.intro.setToolTip(details)
        self.unlock_button.setToolTip(f"Unlock the workspace. {details}")
        self.setAccessibleDescription(details)

    def show_notice(self, message: str) -> None:
        """Information above the form (the workspace locked itself): not an error."""
        self.notice.show_message(message)
        self.secret_edit.setFocus()

    def set_recovery_mode(self, on: bool) -> None:
        self.recovery_mode = on
        self.secret_edit.clear()
        set_invalid(self.secret_edit, False)
        if not self._retry_timer.isActive():  # a lock-out notice stays until it ends
            self.error.clear_message()
        if on:
            self.intro.setText("Enter the recovery code you wrote down when you created the "
                               "workspace. Afterwards you can choose a new passphrase.")
            self.secret_label.setText("&Recovery code")
            self.secret_edit.setAccessibleName("Recovery code")
            self.secret_edit.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
            self.secret_edit.setEchoMode(QLineEdit.EchoMode.Normal)
            self.show_check.hide()
            self.mode_button.setText("Use my passphrase &instead")
            self.mode_button.setAccessibleName("Use my passphrase instead")
        else:
            self.intro.setText("Your workspace is locked. Enter your passphrase to open it.")
            self.secret_label.setText("&Passphrase")
            self.secret_edit.setAccessibleName("Passphrase")
            self.secret_edit.setPlaceholderText("")
            self.show_check.show()
            _set_echo([self.secret_edit], self.show_check.isChecked())
            self.mode_button.setText("Use a recovery code &instead")
            self.mode_button.setAccessibleName("Use a recovery code instead")
        self.secret_edit.setFocus()

    def focus_first(self) -> None:
        self.secret_edit.setFocus()

    def submit(self) -> None:
        if self._retry_timer.isActive():
            return
        secret = self.secret_edit.text()
        if not secret.strip():
            what = "recovery code" if self.recovery_mode else "passphrase"
            self.show_error(f"Enter your {what}.")
            return
        if self.recovery_mode:
            self.recovery_unlock_requested.emit(secret)
        else:
            self.unlock_requested.emit(secret)

    def show_error(self, message: str) -> None:
        self.error.show_message(message)
        set_invalid(self.secret_edit, True)
        if self.recovery_mode:
            self.secret_edit.selectAll()  # a long code: let them fix one character
        else:
            self.secret_edit.clear()
        self.secret_edit.setFocus()

    def show_locked_out(self, retry_after: float) -> None:
        """Too many wrong attempts: say how long to wait and refuse input until then."""
        minutes = max(1, math.ceil(retry_after / 60))
        self.show_error("Too many wrong attempts, so unlocking is paused to protect your "
                        f"records. Try again in {minutes} minute{'s' if minutes != 1 else ''}.")
        self.secret_edit.setEnabled(False)
        self.unlock_button.setEnabled(False)
        self._retry_timer.start(max(1, math.ceil(retry_after * 1000)))

    def _end_lockout(self) -> None:
        self.secret_edit.setEnabled(True)
        self.unlock_button.setEnabled(True)
        self.error.show_message("You can try again now.")
        set_invalid(self.secret_edit, False)
        self.secret_edit.setFocus()

    def reset(self) -> None:
        self.set_recovery_mode(False)
        self.show_check.setChecked(False)
        self.notice.clear_message()

    def clear_secrets(self) -> None:
        self.secret_edit.clear()


class NewPassphrasePage(_FieldErrors, CardPage):
    """After unlocking with the recovery code: choose a new passphrase."""

    save_requested = Signal(str)
    skipped = Signal()

    def __init__(self) -> None:
        super().__init__(
            "Choose a new passphrase",
            "You unlocked your workspace with the recovery code. Choose a new passphrase now "
            "so you can unlock it normally next time. Then you get a new recovery code: the "
            "one you used no longer opens the workspace.")
        _no_scroll_tab_stop(self)
        self.passphrase_edit = line_edit("New passphrase", password=True, max_length=1024)
        self.strength_meter = StrengthMeter()
        _passphrase_column(self, "&New passphrase", self.passphrase_edit, self.strength_meter)
        self._user_words: tuple[str, ...] = ()
        self.confirm_edit = line_edit("Confirm new passphrase", password=True, max_length=1024)
        self.add_field("Con&firm new passphrase", self.confirm_edit)
        self.show_check = _show_passphrases(self, self.passphrase_edit, self.confirm_edit)
        self.error = MessageLabel()
        self.body.addSpacing(4)
        self.body.addWidget(self.error)
        self.save_button = button("&Save new passphrase", "Save new passphrase", role="primary")
        self.skip_button = button("&Keep my current passphrase", "Keep my current passphrase",
                                  role="link")
        self.body.addSpacing(6)
        self.body.addLayout(_row(self.save_button, self.skip_button))
        self.save_button.clicked.connect(self.submit)
        self.skip_button.clicked.connect(self.skipped)
        self._watch_fields(self.passphrase_edit, self.confirm_edit)
        self.passphrase_edit.textChanged.connect(
            lambda text: _show_strength(self, self.strength_meter, text, self._user_words))
        order = [self.passphrase_edit, self.confirm_edit, self.show_check, self.save_button,
                 self.skip_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def focus_first(self) -> None:
        self.passphrase_edit.setFocus()

    def set_user_words(self, *words: str) -> None:
        """The owner's name and team (optional): a passphrase built from them rates lower."""
        self._user_words = tuple(words)

    def submit(self) -> None:
        passphrase, confirm = self.passphrase_edit.text(), self.confirm_edit.text()
        try:
            check_workspace_passphrase(passphrase, self._user_words)
        except ValidationFailed as exc:
            self.show_error(exc.message, self.passphrase_edit)
            return
        if confirm != passphrase:
            self.confirm_edit.clear()
            self.show_error("The two passphrases are different. Type the same passphrase in "
                            "both boxes.", self.confirm_edit)
            return
        self.error.clear_message()
        self.save_requested.emit(passphrase)

    def show_error(self, message: str, field: QLineEdit | None = None) -> None:
        self._mark_error(message, field or self.passphrase_edit)

    def clear_secrets(self) -> None:
        self.passphrase_edit.clear()
        self.confirm_edit.clear()
        self.show_check.setChecked(False)
        self.error.clear_message()
        self.strength_meter.clear()
        self._user_words = ()
