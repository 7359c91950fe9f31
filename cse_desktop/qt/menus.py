"""The main window's navigation bar, and its View, Settings and Help menus: high contrast, text
size, a manager's "view as a practitioner", how soon the workspace locks itself, and About.
Each setting is applied at once and saved.  The menus that need a workspace (Settings, and the
window's Hub) show only while one is open (:meth:`SettingsMenus.set_workspace_open`)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QMenuBar, QMessageBox, QToolBar, QWidget

from cse_desktop import __version__
from cse_desktop.qt.application import APP_NAME
from cse_desktop.qt.resources import icon, set_font_scale, toggle_high_contrast
from cse_desktop.qt.settings import FONT_SCALE_CHOICES, Settings, save_settings
from cse_desktop.qt.widgets import ToolbarFitter

#: the choices of the "Lock automatically after" menu, in minutes
IDLE_CHOICES = (1, 2, 5, 10, 15)


class NavigationBar(QToolBar):
    """Caseload, Team manager (managers only), Add a young person, and Lock (the window's one
    Lock, Ctrl+L, also in its Workspace menu); the hub's buttons go before :attr:`separator`."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("Navigation", parent)
        self.setObjectName("navigation")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAccessibleName("Navigation")
        self.caseload_action = self._action("caseload", "&Caseload", "Ctrl+1", "Your caseload")
        self.team_action = self._action("person", "&Team manager", "Ctrl+2",
                                        "The next RMM, open actions and approvals")
        self.team_action.setVisible(False)
        self.add_person_action = self._action("add", "&Add a young person", "Ctrl+N",
                                              "Start a record for a young person")
        self.lock_action = self._action("lock", "&Lock", "Ctrl+L",
                                        "Lock the workspace: close it and forget the key")
        self.lock_action.setToolTip("Lock the workspace (Ctrl+L)")
        self.lock_action.setEnabled(False)
        for action in (self.caseload_action, self.team_action, self.add_person_action):
            self.addAction(action)
        self.separator = self.addSeparator()
        self.addAction(self.lock_action)
        for action, name in ((self.caseload_action, "Caseload"),
                             (self.team_action, "Team manager"),
                             (self.add_person_action, "Add a young person"),
                             (self.lock_action, "Lock")):
            button = self.widgetForAction(action)
            if button is not None:
                button.setAccessibleName(name)
        # Lock never goes into the overflow menu: other buttons show only their icons first.
        self.fitter = ToolbarFitter(self, keep=self.lock_action)

    def _action(self, icon_name: str, text: str, shortcut: str, tip: str) -> QAction:
        action = QAction(icon(icon_name), text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        return action


class SettingsMenus(QObject):
    """Builds the menus on ``bar`` and keeps :attr:`settings` as the worker chose them."""

    #: the worker chose how many idle minutes lock the workspace
    idle_minutes_changed = Signal(int)
    #: Help → About
    about_requested = Signal()

    def __init__(self, bar: QMenuBar, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        view = bar.addMenu("&View")
        self.contrast_action = QAction("&High contrast", self)
        self.contrast_action.setCheckable(True)
        self.contrast_action.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.contrast_action.setChecked(settings.high_contrast)
        self.contrast_action.triggered.connect(self._toggle_contrast)
        view.addAction(self.contrast_action)
        #: a manager sees the app as a practitioner would, and back (shown to managers only)
        self.practitioner_action = QAction("View as a &practitioner", self)
        self.practitioner_action.setCheckable(True)
        self.practitioner_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.practitioner_action.setStatusTip("Hide the team manager's pages and actions, to "
                                              "see what a practitioner sees")
        self.practitioner_action.setVisible(False)
        view.addAction(self.practitioner_action)
        sizes = view.addMenu("&Text size")
        group = QActionGroup(self)
        for scale in FONT_SCALE_CHOICES:
            action = QAction(f"{round(scale * 100)} %", self)
            action.setCheckable(True)
            action.setChecked(abs(scale - settings.font_scale) < 0.01)
            action.triggered.connect(lambda _=False, s=scale: self._set_text_size(s))
            group.addAction(action)
            sizes.addAction(action)
        self.settings_menu: QMenu = bar.addMenu("&Settings")
        lock_menu = self.settings_menu.addMenu("&Lock automatically after")
        idle_group = QActionGroup(self)
        for minutes in IDLE_CHOICES:
            action = QAction(f"{minutes} minute{'s' if minutes != 1 else ''} without use", self)
            action.setCheckable(True)
            action.setChecked(minutes == settings.idle_minutes)
            action.triggered.connect(lambda _=False, m=minutes: self._set_idle_minutes(m))
            idle_group.addAction(action)
            lock_menu.addAction(action)
        self.help_menu: QMenu = bar.addMenu("&Help")
        about = QAction("&About CSE Desktop", self)
        about.triggered.connect(self.about_requested)
        self.help_menu.addAction(about)

    def about_text(self, os_lock_sources: tuple[str, ...]) -> str:
        sources = ", ".join(os_lock_sources) or "none on this system"
        return (f"CSE Desktop {__version__}\n\nOffline, encrypted case recording for child "
                "exploitation safeguarding.\n\n"
                f"Locks after {self.settings.idle_minutes} minutes without use. Also locks "
                f"when the system reports: {sources}.")

    def show_about(self, parent: QWidget, os_lock_sources: tuple[str, ...]) -> None:
        QMessageBox.about(parent, f"About {APP_NAME}", self.about_text(os_lock_sources))

    def set_workspace_open(self, on: bool, *actions: QAction) -> None:
        """Show the Settings menu and ``actions`` (the Hub menu, the workspace's actions) only
        while a workspace is open; closing it also ends the practitioner's view."""
        for action in (self.settings_menu.menuAction(), *actions):
            action.setVisible(on)
        if not on:
            self.practitioner_action.setChecked(False)
            self.practitioner_action.setVisible(False)

    def _toggle_contrast(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            on = toggle_high_contrast(app)
            self.contrast_action.setChecked(on)
            self._save(replace(self.settings, high_contrast=on))

    def _set_text_size(self, scale: float) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            set_font_scale(app, scale)
            self._save(replace(self.settings, font_scale=scale))

    def _set_idle_minutes(self, minutes: int) -> None:
        self._save(replace(self.settings, idle_minutes=minutes))
        self.idle_minutes_changed.emit(minutes)

    def _save(self, settings: Settings) -> None:
        self.settings = settings
        save_settings(settings)
