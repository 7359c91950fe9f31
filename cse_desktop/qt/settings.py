"""The desktop's few preferences, kept in a small NON-SECRET settings file.

``<data home>/settings.ini`` (``CSE_DESKTOP_HOME`` respected, see ``store.locations``) holds only
how the application behaves on this laptop: minutes before the idle lock, high contrast on or
off, the text size, the protective marking last printed (for example OFFICIAL-SENSITIVE), and
for the quarterly missing profile the council's own name (the home authority) and whether
quarters are of the financial or the calendar year. Never a passphrase, a person's name or
anything from a workspace.

A missing, unreadable or hand-edited file never stops the application: every value is checked
and anything out of range falls back to (or is clamped into) its safe default.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings

from cse_desktop.casework.quarters import FINANCIAL, KINDS
from cse_desktop.store.files import private_dir, touch_private
from cse_desktop.store.locations import data_home

log = logging.getLogger(__name__)

SETTINGS_FILE_NAME = "settings.ini"

DEFAULT_IDLE_MINUTES = 5
MIN_IDLE_MINUTES = 1
MAX_IDLE_MINUTES = 60

DEFAULT_FONT_SCALE = 1.0
MIN_FONT_SCALE = 0.8
MAX_FONT_SCALE = 2.0
#: the text sizes a menu can offer (the file may hold any value in range)
FONT_SCALE_CHOICES = (1.0, 1.15, 1.3, 1.5, 1.75, 2.0)

_IDLE_KEY = "lock/idle_minutes"
_HIGH_CONTRAST_KEY = "display/high_contrast"
_FONT_SCALE_KEY = "display/font_scale"
_MARKING_KEY = "print/marking"

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
MAX_MARKING_LENGTH = 60


@dataclass(frozen=True)
class Settings:
    """The preferences.  Build changed copies with ``dataclasses.replace``."""

    idle_minutes: int = DEFAULT_IDLE_MINUTES
    high_contrast: bool = False
    font_scale: float = DEFAULT_FONT_SCALE

    def __post_init__(self) -> None:
        object.__setattr__(self, "idle_minutes", clamp_idle_minutes(self.idle_minutes))
        object.__setattr__(self, "font_scale", clamp_font_scale(self.font_scale))
        object.__setattr__(self, "high_contrast", bool(self.high_contrast))


def clamp_idle_minutes(value: object) -> int:
    """A whole number of minutes from 1 to 60; anything unreadable becomes the default."""
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return DEFAULT_IDLE_MINUTES
    return max(MIN_IDLE_MINUTES, min(MAX_IDLE_MINUTES, minutes))


def clamp_font_scale(value: object) -> float:
    """A text scale from 0.8 to 2.0; anything unreadable becomes 1.0."""
    try:
        scale = float(str(value).strip())
    except (TypeError, ValueError):
        return DEFAULT_FONT_SCALE
    if not math.isfinite(scale):
        return DEFAULT_FONT_SCALE
    return round(max(MIN_FONT_SCALE, min(MAX_FONT_SCALE, scale)), 3)


def _as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def settings_path() -> Path:
    """``<data home>/settings.ini``."""
    return data_home() / SETTINGS_FILE_NAME


def _qsettings(path: Path) -> QSettings:
    return QSettings(str(path), QSettings.Format.IniFormat)


def load_settings(path: Path | None = None) -> Settings:
    """The saved preferences, or the defaults where the file or a value is missing or bad."""
    path = path or settings_path()
    if not path.is_file():
        return Settings()
    store = _qsettings(path)
    if store.status() != QSettings.Status.NoError:
        log.warning("settings file unreadable; using the defaults")
        return Settings()
    return Settings(
        idle_minutes=clamp_idle_minutes(store.value(_IDLE_KEY, DEFAULT_IDLE_MINUTES)),
        high_contrast=_as_bool(store.value(_HIGH_CONTRAST_KEY, False)),
        font_scale=clamp_font_scale(store.value(_FONT_SCALE_KEY, DEFAULT_FONT_SCALE)),
    )


def save_settings(settings: Settings, path: Path | None = None) -> bool:
    """Write the preferences; False (and a log line) if the file could not be written.

    A preference that cannot be saved is not worth an error dialog: the caller may tell the
    user quietly, or ignore it.
    """
    store = _writable(path)
    if store is None:
        return False
    store.setValue(_IDLE_KEY, int(settings.idle_minutes))
    store.setValue(_HIGH_CONTRAST_KEY, "true" if settings.high_contrast else "false")
    store.setValue(_FONT_SCALE_KEY, f"{settings.font_scale:g}")
    store.sync()
    if store.status() != QSettings.Status.NoError:
        log.warning("settings file could not be written")
        return False
    return True


# -- the protective marking printed at the top and bottom of every page -----------------------
#
# Kept under its own key and written on its own, so saving the other preferences (from a
# window's copy of :class:`Settings`) never puts back an older marking.


def clean_marking(value: object) -> str:
    """One line of at most 60 characters; empty or unreadable becomes OFFICIAL-SENSITIVE."""
    text = " ".join(str(value if value is not None else "").split())[:MAX_MARKING_LENGTH]
    return text or DEFAULT_MARKING


def load_marking(path: Path | None = None) -> str:
    """The protective marking last used for a print (default OFFICIAL-SENSITIVE)."""
    path = path or settings_path()
    if not path.is_file():
        return DEFAULT_MARKING
    return clean_marking(_qsettings(path).value(_MARKING_KEY, DEFAULT_MARKING))


def _writable(path: Path | None) -> QSettings | None:
    """The settings store, its folder made (0700) and its file created 0600 (Qt keeps the
    mode of the file it rewrites); None (and a log line) if it cannot be."""
    path = path or settings_path()
    try:
        private_dir(path.parent, parents=True)
        if not path.exists():
            touch_private(path)
    except OSError:
        log.warning("cannot create the settings folder")
        return None
    return _qsettings(path)


def save_marking(marking: str, path: Path | None = None) -> bool:
    """Remember the marking for the next print; False if the file could not be written."""
    store = _writable(path)
    if store is None:
        return False
    store.setValue(_MARKING_KEY, clean_marking(marking))
    store.sync()
    return store.status() == QSettings.Status.NoError


# -- the quarterly missing profile: this council's name and the kind of quarter -----------------
#
# The home authority is the council's own name (not personal data): the profile needs it to
# tell looked after children placed here by other authorities from its own. Kept, like the
# marking, under its own keys and written on its own.

_HOME_AUTHORITY_KEY = "print/home_authority"
_QUARTER_KIND_KEY = "print/quarter_kind"
MAX_AUTHORITY_LENGTH = 200


def clean_home_authority(value: object) -> str:
    """One line of at most 200 characters; empty when unset or unreadable."""
    return " ".join(str(value if value is not None else "").split())[:MAX_AUTHORITY_LENGTH]


def load_home_authority(path: Path | None = None) -> str:
    """This council's name as last given for the profile ('' when never given)."""
    path = path or settings_path()
    if not path.is_file():
        return ""
    return clean_home_authority(_qsettings(path).value(_HOME_AUTHORITY_KEY, ""))


def load_quarter_kind(path: Path | None = None) -> str:
    """'financial' (the default: April to March) or 'calendar'."""
    path = path or settings_path()
    if not path.is_file():
        return FINANCIAL
    kind = str(_qsettings(path).value(_QUARTER_KIND_KEY, FINANCIAL)).strip().lower()
    return kind if kind in KINDS else FINANCIAL


def save_profile_options(home_authority: str, quarter_kind: str,
                         path: Path | None = None) -> bool:
    """Remember the home authority and the kind of quarter; False if they could not be
    written."""
    store = _writable(path)
    if store is None:
        return False
    store.setValue(_HOME_AUTHORITY_KEY, clean_home_authority(home_authority))
    store.setValue(_QUARTER_KIND_KEY,
                   quarter_kind if quarter_kind in KINDS else FINANCIAL)
    store.sync()
    return store.status() == QSettings.Status.NoError
