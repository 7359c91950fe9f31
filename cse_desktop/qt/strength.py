"""The passphrase strength meter: five bars and plain words under a new-passphrase box.

The rule itself, and the words of its verdict, are the store's (``store/strength.py``, built on
zxcvbn), so the desktop refuses exactly what ``cse-desktop init`` and ``passwd`` refuse.  This
module only shows the verdict as the user types, and checks it when they submit.

Nothing here keeps the passphrase: the meter holds only the last :class:`Verdict`, which holds
a level and advice, never the text or part of it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from cse_desktop.store import strength
from cse_desktop.store.strength import MINIMUM_LEVEL, Level, Verdict

__all__ = ["EMPTY_TEXT", "MINIMUM_LEVEL", "Level", "StrengthMeter", "Verdict",
           "check_workspace_passphrase"]


def check_workspace_passphrase(passphrase: str, user_words: Iterable[str] = ()) -> Verdict:
    """The store's rule, before the page hands the passphrase on: raises WeakPassphrase (a
    ValidationFailed) with the reason and advice in plain words."""
    return strength.check(passphrase, user_words)


# -- the meter ----------------------------------------------------------------------------------

EMPTY_TEXT = "Strength shows here as you type."


class StrengthMeter(QWidget):
    """Five bars and words: "Strength: Weak. Add another word or two.".

    The words carry the meaning; the bar's length and colour only repeat them.  The widget's
    accessible name is "Passphrase strength" and its accessible description the level and advice
    (announced when the level changes).  It keeps no passphrase, only the last verdict.
    """

    SEGMENTS = len(Level)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("strengthMeter")
        self.setAccessibleName("Passphrase strength")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 6)  # apart from the hint below
        layout.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.segments: list[QFrame] = []
        for _ in range(self.SEGMENTS):
            segment = QFrame()
            segment.setObjectName("strengthSegment")
            segment.setFixedHeight(6)
            segment.setProperty("level", "none")
            bar.addWidget(segment)
            self.segments.append(segment)
        layout.addLayout(bar)
        self.label = QLabel()
        self.label.setObjectName("strengthLabel")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.label)
        self._verdict: Verdict | None = None
        self.clear()

    @property
    def last_verdict(self) -> Verdict | None:
        """The verdict shown, or None while the passphrase is empty."""
        return self._verdict

    @property
    def level(self) -> Level | None:
        return None if self._verdict is None else self._verdict.score

    def text(self) -> str:
        """The words shown, as plain text."""
        return self.accessibleDescription() if self._verdict else EMPTY_TEXT

    def update_for(self, passphrase: str, user_words: Iterable[str] = ()) -> Verdict | None:
        """Show the strength of ``passphrase`` (an empty one clears the meter)."""
        if not passphrase:
            self.clear()
            return None
        verdict = strength.assess(passphrase, user_words)
        changed = self._verdict is None or verdict.score != self._verdict.score
        self._verdict = verdict
        advice = " ".join(verdict.suggestions)
        self.label.setText(f"<b>Strength: {html.escape(verdict.label)}.</b> "
                           f"{html.escape(advice)}")
        self.label.setProperty("level", str(int(verdict.score)))
        self._paint_segments(verdict.score)
        self.setAccessibleDescription(f"Strength: {verdict.describe()}")
        if changed:
            self._announce()
        return verdict

    def clear(self) -> None:
        self._verdict = None
        self.label.setText(html.escape(EMPTY_TEXT))
        self.label.setProperty("level", "none")
        self._paint_segments(None)
        self.setAccessibleDescription(EMPTY_TEXT)

    def _paint_segments(self, level: Level | None) -> None:
        for index, segment in enumerate(self.segments):
            value = "none" if level is None or index > level else str(int(level))
            segment.setProperty("level", value)
            segment.style().unpolish(segment)
            segment.style().polish(segment)
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)

    def _announce(self) -> None:
        if QAccessible.isActive():
            QAccessible.updateAccessibility(
                QAccessibleEvent(self, QAccessible.Event.DescriptionChanged))
