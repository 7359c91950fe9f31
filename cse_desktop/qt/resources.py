"""The desktop application's resources: files, icons, and the two themes.

Files: ``resource("icons", "app.svg")``.  One function, so an installer that puts
``resources/`` somewhere else changes only :func:`resources_dir`.

Icons: ``icon("lock")`` for any name in :data:`ICON_NAMES` (an unknown name raises
:class:`UnknownIcon`).  Every icon is drawn on a 24-pixel grid with the same 2-pixel round
stroke in one ink colour (:data:`~cse_desktop.qt.theme.ICON_INK`); ``icon(name, color=...)``
redraws it in another (white on a primary button), and in high contrast icons are drawn in white.
The colours themselves live in :mod:`cse_desktop.qt.theme`.

Themes: ``apply_theme(app, high_contrast, font_scale)`` loads ``style.qss`` or
``style-high-contrast.qss`` (black, white and yellow; thick focus outlines; WCAG AAA text
contrast).  Font sizes in both files are in points (never pixels) and are scaled here by the
system's own text size (if larger than the design's 10 pt) and by the user's text size setting.
``toggle_high_contrast(app)`` is for a menu item.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from cse_desktop.qt.theme import (
    HIGH_CONTRAST_INK,
    HIGH_CONTRAST_PROP,
    ICON_INK,
    high_contrast_palette,
    is_high_contrast,
)

STYLE_SHEET = "style.qss"
HIGH_CONTRAST_STYLE_SHEET = "style-high-contrast.qss"

#: Font sizes in the style sheets are designed for a 10 pt system font.
DESIGN_POINT_SIZE = 10.0

#: Every icon in resources/icons/ (besides app.svg), by name.
ICON_NAMES = (
    "lock", "unlock", "person", "caseload", "form", "chronology", "episode-missing",
    "episode-returned", "action", "alert", "save", "sync", "print", "settings", "search", "add",
    "back", "approve", "warning", "info",
)
#: Other names an icon answers to.
ICON_ALIASES = {"999": "alert"}
_ICON_SIZES = (16, 20, 24, 32, 40, 48, 64, 96)

# Dynamic properties on the QApplication that remember the theme (no module state, so each
# QApplication - and each test session - has its own).
_FONT_SCALE_PROP = "cseFontScale"
_SYSTEM_POINTS_PROP = "cseSystemPointSize"
_BASE_PALETTE_PROP = "cseBasePalette"


def resources_dir() -> Path:
    """The ``resources/`` folder: for now, at the root of the source tree."""
    return Path(__file__).resolve().parents[2] / "resources"


def resource(*parts: str) -> Path:
    """A file inside ``resources/``, e.g. ``resource("icons", "app.svg")``."""
    return resources_dir().joinpath(*parts)


# -- icons ------------------------------------------------------------------------------------


class UnknownIcon(LookupError):
    """A programming error: an icon name that is not in ICON_NAMES."""


def icon_path(name: str) -> Path:
    """The SVG file of icon ``name``; raises UnknownIcon for a name not in ICON_NAMES."""
    canonical = ICON_ALIASES.get(name, name)
    if canonical not in ICON_NAMES:
        raise UnknownIcon(f"There is no icon called {name!r}. Known icons: "
                          f"{', '.join(ICON_NAMES)} (and {', '.join(ICON_ALIASES)}).")
    return resource("icons", f"{canonical}.svg")


def icon(name: str, color: str | None = None) -> QIcon:
    """Icon ``name`` in the theme's ink, or in ``color`` (e.g. "#ffffff" on a dark button).

    Needs a QGuiApplication when the icon is redrawn (another colour, or high contrast).
    Icons set on widgets do not follow a later theme change: set them again after
    ``apply_theme`` / ``toggle_high_contrast``.
    """
    path = icon_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"The icon file {path} is missing: reinstall CSE Desktop.")
    ink = color or (HIGH_CONTRAST_INK if is_high_contrast() else None)
    if ink is None or QColor(ink) == QColor(ICON_INK):
        return QIcon(str(path))
    svg = path.read_text("utf-8").replace(ICON_INK, QColor(ink).name())
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for size in _ICON_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


# -- themes -----------------------------------------------------------------------------------

_FONT_SIZE = re.compile(r"(font-size\s*:\s*)(\d+(?:\.\d+)?)pt", re.IGNORECASE)
_PIXEL_FONT_SIZE = re.compile(r"font-size\s*:\s*\d+(?:\.\d+)?px", re.IGNORECASE)


def scale_font_sizes(qss: str, factor: float) -> str:
    """Every ``font-size: N pt`` in a style sheet, multiplied by ``factor``."""
    if abs(factor - 1.0) < 1e-6:
        return qss
    return _FONT_SIZE.sub(lambda m: f"{m.group(1)}{float(m.group(2)) * factor:.1f}pt", qss)


def pixel_font_sizes(qss: str) -> list[str]:
    """Font sizes given in pixels (they would not follow the system's text size): none wanted."""
    return _PIXEL_FONT_SIZE.findall(qss)


def system_point_size(app: QGuiApplication | None = None) -> float:
    """The desktop's own text size in points, as it was before the first theme was applied."""
    app = app or QGuiApplication.instance()  # type: ignore[assignment]
    if app is None:
        return DESIGN_POINT_SIZE
    saved = app.property(_SYSTEM_POINTS_PROP)
    if saved:
        return float(saved)
    points = QGuiApplication.font().pointSizeF()
    points = points if points > 0 else DESIGN_POINT_SIZE
    app.setProperty(_SYSTEM_POINTS_PROP, points)
    return points


def font_factor(font_scale: float = 1.0, system_points: float = DESIGN_POINT_SIZE) -> float:
    """How much to enlarge the style sheets' fonts: never smaller than designed."""
    return max(1.0, system_points / DESIGN_POINT_SIZE) * font_scale


_RELATIVE_URL = re.compile(r"url\((icons/[^)\s\"']+)\)")


def resolve_urls(qss: str) -> str:
    """``url(icons/...)`` -> the absolute path under resources/ (Qt would use the working
    directory)."""
    return _RELATIVE_URL.sub(lambda m: f'url("{resource(m.group(1)).as_posix()}")', qss)


#: Added to style.qss when loaded here: images need absolute paths, and style.qss may still be
#: read raw elsewhere (where a relative url() would only log a warning).
STANDARD_IMAGE_RULES = """
QComboBox::down-arrow {
    image: url(icons/qss/chevron-down-ink.svg);
    width: 12px;
    height: 12px;
}
"""


def stylesheet(high_contrast: bool = False, font_scale: float = 1.0,
               system_points: float = DESIGN_POINT_SIZE) -> str:
    """The text of a theme's style sheet: font sizes scaled, images resolved."""
    name = HIGH_CONTRAST_STYLE_SHEET if high_contrast else STYLE_SHEET
    text = resource(name).read_text("utf-8")
    if not high_contrast:
        text += STANDARD_IMAGE_RULES
    return scale_font_sizes(resolve_urls(text), font_factor(font_scale, system_points))


def current_font_scale(app: QGuiApplication | None = None) -> float:
    app = app or QGuiApplication.instance()  # type: ignore[assignment]
    value = app.property(_FONT_SCALE_PROP) if app is not None else None
    return float(value) if value else 1.0


def apply_theme(app: QGuiApplication, high_contrast: bool,
                font_scale: float | None = None) -> None:
    """Switch ``app`` to the standard or the high-contrast theme, at a text size.

    ``font_scale`` None keeps the current one (1.0 at first).  Call it at start-up with the saved
    settings, and from the menu (or use :func:`toggle_high_contrast`).
    """
    points = system_point_size(app)
    if app.property(_BASE_PALETTE_PROP) is None:
        app.setProperty(_BASE_PALETTE_PROP, QGuiApplication.palette())
    scale = current_font_scale(app) if font_scale is None else float(font_scale)
    app.setProperty(HIGH_CONTRAST_PROP, bool(high_contrast))
    app.setProperty(_FONT_SCALE_PROP, scale)
    if high_contrast:
        QGuiApplication.setPalette(high_contrast_palette())
    else:
        QGuiApplication.setPalette(app.property(_BASE_PALETTE_PROP))
    set_style_sheet = getattr(app, "setStyleSheet", None)  # QApplication (widgets) only
    if set_style_sheet is not None:
        set_style_sheet(stylesheet(high_contrast, scale, points))


def toggle_high_contrast(app: QGuiApplication) -> bool:
    """Switch high contrast on or off; returns True if it is now on."""
    on = not is_high_contrast(app)
    apply_theme(app, on)
    return on


def set_font_scale(app: QGuiApplication, font_scale: float) -> None:
    """Change the text size, keeping the theme."""
    apply_theme(app, is_high_contrast(app), font_scale)
