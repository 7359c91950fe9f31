"""Connect to hub: enrol this laptop with the team's hub using a one-time code."""

from __future__ import annotations

import platform
from pathlib import Path

import shiboken6
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.qt.sync.controller import SyncController
from cse_desktop.qt.sync.words import connect_error_message
from cse_desktop.qt.widgets import MessageLabel, button, field_label, line_edit, text_label
from cse_desktop.store.syncstate import HubLink


def default_device_name() -> str:
    return (platform.node() or "laptop")[:100]


class ConnectDialog(QDialog):
    """Enrol this laptop with a hub: address, one-time code, an optional security certificate
    file (a pinned CA), a name."""

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.link: HubLink | None = None
        self.setObjectName("personDialog")
        self.setWindowTitle("Connect to hub")
        self.setModal(True)
        self.setMinimumWidth(540)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(6)
        heading = text_label("Connect to your team's hub", "dialogTitle")
        heading.setAccessibleName("Connect to your team's hub")
        layout.addWidget(heading)
        layout.addWidget(text_label(
            "Your hub administrator gives you the hub's address and a one-time enrolment "
            "code. Records then travel between this laptop and your team's hub each time you "
            "sync.", "pageIntro"))
        layout.addSpacing(6)

        self.url_edit = line_edit("Hub address", max_length=300,
                                  placeholder="https://hub.example.org")
        self.code_edit = line_edit("Enrolment code", max_length=64,
                                   placeholder="ABCD-EFGH-JKLM-NPQR")
        self.ca_edit = line_edit("Security certificate file (optional)", max_length=1000,
                                 placeholder="Only if your IT team gave you one")
        self.ca_button = button("C&hoose…", "Choose the security certificate file")
        self.name_edit = line_edit("This laptop's name on the hub", max_length=100)
        self.name_edit.setText(default_device_name())
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        rows: list[tuple[str, QWidget, QWidget | None, str]] = [
            ("Hub &address", self.url_edit, None, ""),
            ("Enrolment &code", self.code_edit, None,
             "16 letters and numbers; it works once and expires."),
            ("Security certificate file (o&ptional)", self.ca_edit, self.ca_button,
             "Leave empty unless your IT team gave you a certificate file for the hub."),
            ("This laptop's &name on the hub", self.name_edit, None,
             "Helps your administrator tell your laptops apart."),
        ]
        r = 0
        for label, edit, extra, hint in rows:
            grid.addWidget(field_label(label, edit), r, 0, 1, 2)
            grid.addWidget(edit, r + 1, 0, 1, 1 if extra else 2)
            if extra is not None:
                grid.addWidget(extra, r + 1, 1)
            if hint:
                grid.addWidget(text_label(hint, "hint"), r + 2, 0, 1, 2)
            grid.setRowMinimumHeight(r + 3, 6)
            r += 4
        grid.setColumnStretch(0, 1)
        layout.addLayout(grid)
        self.error = MessageLabel("error")
        self.notice = MessageLabel("notice")
        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = button("Cancel", "Cancel and close without connecting")
        self.connect_button = button("C&onnect", "Connect to the hub", role="primary")
        self.connect_button.setDefault(True)
        self.done_button = button("Done", "Close", role="primary")
        self.done_button.hide()
        for b in (self.cancel_button, self.connect_button, self.done_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.connect_button.clicked.connect(self.submit)
        self.done_button.clicked.connect(self.accept)
        self.ca_button.clicked.connect(self._choose_ca)
        for edit in (self.url_edit, self.code_edit, self.ca_edit, self.name_edit):
            edit.textEdited.connect(lambda _t: self.error.clear_message())
        self.url_edit.setFocus()

    def inputs(self) -> list[QWidget]:
        return [self.url_edit, self.code_edit, self.ca_edit, self.ca_button, self.name_edit]

    def _choose_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the hub's security certificate file", str(Path.home()),
            "Certificates (*.pem *.crt *.cer);;All files (*)")
        if path:
            self.ca_edit.setText(path)

    def problem(self) -> tuple[str, QLineEdit | None]:
        url, code = self.url_edit.text().strip(), self.code_edit.text().strip()
        if not url:
            return "Enter the hub's address, for example https://hub.example.org.", self.url_edit
        if not code:
            return "Enter the enrolment code your hub administrator gave you.", self.code_edit
        if not 8 <= len(code) <= 64:
            return ("That is not an enrolment code: it has 16 letters and numbers, like "
                    "ABCD-EFGH-JKLM-NPQR.", self.code_edit)
        ca = self.ca_edit.text().strip()
        if ca and not Path(ca).is_file():
            return (f"There is no file at {ca}. Choose the security certificate file again.",
                    self.ca_edit)
        return "", None

    def submit(self) -> None:
        message, where = self.problem()
        if message:
            self.show_error(message)
            if where is not None:
                where.setFocus()
            return
        self.error.clear_message()
        self.notice.show_message("Connecting to the hub…")
        self._set_busy(True)
        started = self.controller.connect_hub(
            self.url_edit.text().strip(), self.code_edit.text().strip(),
            ca_file=self.ca_edit.text().strip(), device_name=self.name_edit.text().strip(),
            on_done=self.show_connected,
            on_error=lambda exc: self.show_error(connect_error_message(exc)))
        if not started:
            self.show_error("A sync is running. Wait for it to finish, then connect.")

    def _set_busy(self, busy: bool) -> None:
        for widget in [*self.inputs(), self.connect_button]:
            widget.setEnabled(not busy)

    def show_error(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        self.notice.clear_message()
        self.error.show_message(message)

    def show_connected(self, link: HubLink) -> None:
        if not shiboken6.isValid(self):
            return
        self.link = link
        self.error.clear_message()
        self.code_edit.clear()  # used once; no need to keep it on screen
        for widget in [*self.inputs(), self.connect_button, self.cancel_button]:
            widget.setEnabled(False)
        self.connect_button.hide()
        self.cancel_button.hide()
        self.done_button.show()
        self.done_button.setFocus()
        self.notice.show_message(
            f"Connected. This laptop syncs with {link.url} as {link.user} ({link.team}). "
            "Choose Sync now (F5) to send and receive records.")

