"""The Qt application as CSE Desktop sets it up: its name, icon and theme, and what happens
when a bug reaches the event loop.  Shared by :func:`cse_desktop.qt.app.run` and the tests."""

from __future__ import annotations

import logging
from types import TracebackType

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from cse_desktop.qt.resources import apply_theme, resource
from cse_desktop.qt.settings import load_settings

log = logging.getLogger(__name__)

APP_NAME = "CSE Desktop"
DESKTOP_FILE_NAME = "cse-desktop"


def configure_application(app: QApplication) -> None:
    """Name, icon and style sheet: shared by ``run()`` and the tests."""
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    icon_path = resource("icons", "app.svg")
    if icon_path.exists():
        app.setWindowIcon(QIcon(str(icon_path)))
    else:
        log.warning("application icon missing: %s", icon_path)
    settings = load_settings()
    try:
        apply_theme(app, settings.high_contrast, settings.font_scale)
    except OSError:
        log.warning("style sheet missing; using the platform style")


def show_unexpected_error(kind: type[BaseException], value: BaseException,
                           tb: TracebackType | None) -> None:
    """A bug reached the event loop: log it and tell the user in plain words, not a traceback."""
    # The type only: an exception's message or traceback could hold personal data.
    log.error("unexpected error (%s)", kind.__name__)
    QMessageBox.critical(
        None, APP_NAME,
        "Something went wrong inside CSE Desktop. What you saved before this is safe. If it "
        "happens again, close CSE Desktop, open it again, and tell your IT service desk.")
