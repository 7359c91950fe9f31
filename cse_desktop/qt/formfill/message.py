"""What the form page shows while a form opens, or when it cannot be opened or started: a
title, a message and a Close button."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from cse_desktop.qt.formfill.fields import plain_label
from cse_desktop.qt.widgets import MessageLabel, button


class FormMessage(QWidget):
    """'Opening the form…', or why the form could not be opened, with Close."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("formMessage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        self.title = plain_label("Opening the form…", "formTitle")
        self.title.setAccessibleName("Form")
        self.message = MessageLabel()
        self.close_button = button("&Close", "Close the form")
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(self.close_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)


__all__ = ["FormMessage"]
