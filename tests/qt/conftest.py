"""Fixtures for the desktop UI tests.

The tests drive the real widgets (pytest-qt's ``qtbot``) against real encrypted workspaces in
a fresh ``CSE_DESKTOP_HOME`` per test.  Key derivation uses the cheap test setting.  Screens
are saved as PNGs under ``test-artifacts/screenshots/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import os

# Before anything imports Qt: no display is needed (the root conftest sets this too).
os.environ["QT_QPA_PLATFORM"] = "offscreen"

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cse_desktop.domain.models import Owner, Role
from cse_desktop.store import KdfParams, Workspace
from cse_desktop.store.locations import default_workspace

PASSPHRASE = "fictional test passphrase 1"
NEW_PASSPHRASE = "another fictional passphrase 2"
WRONG_PASSPHRASE = "not the right passphrase 3"
OWNER = Owner(name="Sam Fictional", role=Role.PRACTITIONER, team="Test Exploitation Team")
KDF = KdfParams.insecure_for_tests()
WINDOW_SIZE = (1040, 720)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(autouse=True)
def cse_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty data folder (so its own default and demo workspaces)."""
    home = tmp_path / "cse-home"
    monkeypatch.setenv("CSE_DESKTOP_HOME", str(home))
    return home


@pytest.fixture(scope="session", autouse=True)
def styled_app(qapp):  # type: ignore[no-untyped-def]
    """The application as ``run()`` sets it up: name, icon and style sheet."""
    from cse_desktop.qt.app import configure_application

    configure_application(qapp)
    return qapp


@pytest.fixture
def make_window(qtbot) -> Callable[..., object]:  # type: ignore[no-untyped-def]
    """Build, show and track a MainWindow (closed, so locked, when the test ends)."""
    from cse_desktop.qt.app import MainWindow

    def make(workspace: Path | None = None) -> MainWindow:
        window = MainWindow(workspace, kdf=KDF)
        qtbot.addWidget(window)
        window.resize(*WINDOW_SIZE)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        return window

    return make


@dataclass
class ExistingWorkspace:
    folder: Path
    recovery_code: str


@pytest.fixture
def existing_workspace() -> Iterator[ExistingWorkspace]:
    """A locked workspace at the default location, made through the store."""
    folder = default_workspace()
    ws, code = Workspace.create(folder, PASSPHRASE, OWNER, kdf=KDF)
    ws.lock()
    yield ExistingWorkspace(folder, code)


@pytest.fixture
def screenshot() -> Callable[[object, str], Path]:
    """Save a widget's pixels as test-artifacts/screenshots/<name>.png."""

    def save(widget, name: str) -> Path:  # type: ignore[no-untyped-def]
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()  # let pending layouts settle before the grab
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        assert widget.grab().save(str(path)), f"could not save {path}"
        return path

    return save
