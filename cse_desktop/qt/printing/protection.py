"""The print dialog's PDF password: a tick box, the password typed twice, and the hint.

A saved copy can be password-protected (AES-256, ``reports/output.py``); a copy leaving the team
is protected by default (the dialog ticks the box for it). The password is read once, checked
(long enough, typed the same twice), and cleared after a save or when the dialog closes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGridLayout, QVBoxLayout, QWidget

from cse_desktop.qt.widgets import MessageLabel, field_label, line_edit, set_invalid, text_label
from cse_desktop.reports.output import MIN_PASSWORD


class PasswordFields(QWidget):
    """The tick box and the two password fields; problems are shown in ``error``."""

    def __init__(self, error: MessageLabel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.error = error
        self.box = QCheckBox("Password-p&rotect the PDF")
        self.box.setAccessibleName("Password-protect the PDF")
        self.password_edit = line_edit("PDF password", password=True, max_length=200)
        self.confirm_edit = line_edit("Type the PDF password again", password=True,
                                      max_length=200)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.addWidget(field_label("PDF pass&word", self.password_edit), 0, 0)
        grid.addWidget(field_label("Type it a&gain", self.confirm_edit), 0, 1)
        grid.addWidget(self.password_edit, 1, 0)
        grid.addWidget(self.confirm_edit, 1, 1)
        self.hint = text_label(
            f"For Save as PDF; on by default for a copy leaving the team. At least "
            f"{MIN_PASSWORD} characters; without it the file cannot be opened. Give the "
            "password to the reader separately, never with the file.",
            "hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        layout.addLayout(grid)
        layout.addWidget(self.hint)
        self.box.toggled.connect(self._toggled)
        self._toggled(False)

    def password(self) -> str | None:
        """The password to protect the saved file with: None when not wanted, '' (with the
        problem shown) when it is not acceptable."""
        if not self.box.isChecked():
            return None
        password, again = self.password_edit.text(), self.confirm_edit.text()
        if len(password) < MIN_PASSWORD:
            self.error.show_message(f"The PDF password needs at least {MIN_PASSWORD} "
                                    "characters.")
            set_invalid(self.password_edit, True)
            self.password_edit.setFocus()
            return ""
        if password != again:
            self.error.show_message("The two passwords are not the same. Type them again.")
            set_invalid(self.confirm_edit, True)
            self.confirm_edit.setFocus()
            return ""
        set_invalid(self.password_edit, False)
        set_invalid(self.confirm_edit, False)
        return password

    def clear(self) -> None:
        """Forget what was typed (after a save, and when the dialog closes)."""
        self.password_edit.clear()
        self.confirm_edit.clear()

    def _toggled(self, on: bool) -> None:
        self.password_edit.setEnabled(on)
        self.confirm_edit.setEnabled(on)
        if not on:
            self.clear()
            set_invalid(self.password_edit, False)
            set_invalid(self.confirm_edit, False)
