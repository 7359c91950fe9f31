"""Every colour the desktop paints from code, in the standard theme and in high contrast.

The style sheets (``resources/style*.qss``) colour the widgets; this module colours what they
cannot reach: table cells, list items, icons, and the high-contrast palette.  Colour only
reinforces words; it never carries meaning alone.  Each :class:`Ink` has a shade for the
standard theme (WCAG AA, 4.5:1 or better on white) and one for high contrast (AAA, 7:1 or better
on black), chosen when it is painted::

    item.setForeground(ink(Ink.ERROR))

The theme in use is a property of the application, set by
:func:`cse_desktop.qt.resources.apply_theme`.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from cse_desktop.domain.models import Rag, RiskLevel

#: the QApplication property that says high contrast is on (no module state: each
#: QApplication, and each test session, has its own)
HIGH_CONTRAST_PROP = "cseHighContrast"


class Ink(StrEnum):
    """A colour with a meaning, in whichever theme is in use."""

    RED = "red"  # overdue, missing now, high risk
    AMBER = "amber"  # due soon, medium risk, a draft
    GREEN = "green"  # on track
    MUTED = "muted"  # nothing recorded, not set, done
    ERROR = "error"  # a form section with problems


#: every ink, standard theme (False) and high contrast (True)
INKS: dict[bool, dict[Ink, str]] = {
    False: {Ink.RED: "#a3122a", Ink.AMBER: "#8a4b00", Ink.GREEN: "#1d6b35",
            Ink.MUTED: "#5b6773", Ink.ERROR: "#8f1020"},
    True: {Ink.RED: "#ff8080", Ink.AMBER: "#ffff00", Ink.GREEN: "#7dff7d",
           Ink.MUTED: "#b0b0b0", Ink.ERROR: "#ff8080"},
}

#: the ink of a risk level (the others: the view's own text colour)
RISK_INKS = {RiskLevel.HIGH: Ink.RED, RiskLevel.MEDIUM: Ink.AMBER,
             RiskLevel.NOT_ASSESSED: Ink.MUTED}
#: the ink of an action's RAG status
RAG_INKS = {Rag.RED: Ink.RED, Rag.AMBER: Ink.AMBER, Rag.GREEN: Ink.GREEN, Rag.COMPLETE: Ink.MUTED}

#: the inks of urgent cells (overdue, missing, high or medium risk, red or amber RAG): in high
#: contrast these cells are also bold, so urgency never rests on colour alone
URGENT_INKS = frozenset({Ink.RED, Ink.AMBER})

#: the one colour every icon file is drawn in, and the colour icons are redrawn in for high
#: contrast
ICON_INK = "#14324c"
HIGH_CONTRAST_INK = "#ffffff"

_ROLE = QPalette.ColorRole
#: the high-contrast palette: black, white and yellow for what the style sheet does not reach
HIGH_CONTRAST_PALETTE = {
    _ROLE.Window: "#000000", _ROLE.WindowText: "#ffffff", _ROLE.Base: "#000000",
    _ROLE.AlternateBase: "#1a1a1a", _ROLE.Text: "#ffffff", _ROLE.Button: "#000000",
    _ROLE.ButtonText: "#ffffff", _ROLE.BrightText: "#ffff00", _ROLE.Highlight: "#ffff00",
    _ROLE.HighlightedText: "#000000", _ROLE.Link: "#ffff00", _ROLE.LinkVisited: "#ffff00",
    _ROLE.ToolTipBase: "#000000", _ROLE.ToolTipText: "#ffffff",
    _ROLE.PlaceholderText: "#d0d0d0", _ROLE.Light: "#ffffff", _ROLE.Midlight: "#c0c0c0",
    _ROLE.Mid: "#808080", _ROLE.Dark: "#ffffff", _ROLE.Shadow: "#ffffff",
}
#: text that is switched off, in high contrast (still 9:1 on black)
HIGH_CONTRAST_DISABLED_TEXT = "#b0b0b0"


def is_high_contrast(app: QGuiApplication | None = None) -> bool:
    """Whether ``app`` (by default the running application) is in the high-contrast theme."""
    app = app or QGuiApplication.instance()  # type: ignore[assignment]
    return bool(app is not None and app.property(HIGH_CONTRAST_PROP))


def ink(which: Ink) -> QColor:
    """The colour of ``which`` in the theme in use."""
    return QColor(INKS[is_high_contrast()][which])


def high_contrast_palette() -> QPalette:
    """Black, white and yellow for views, menus and text the style sheet does not reach."""
    palette = QPalette()
    for role, colour in HIGH_CONTRAST_PALETTE.items():
        palette.setColor(role, QColor(colour))
    for role in (_ROLE.WindowText, _ROLE.Text, _ROLE.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role,
                         QColor(HIGH_CONTRAST_DISABLED_TEXT))
    return palette
