"""One widget per field type, built from the FormSpec alone.

Every field is a :class:`FieldRow`: its label (with a "Required" tag), its help text (shown and
set as the inputs' accessible description), an :class:`Editor` for the answer, and a message
label for what the engine says is wrong with it.  Editors emit ``edited(path, value)`` when the
worker changes something; ``value()`` is the answer as the engine stores it (``None`` for
unanswered) and ``set_value`` shows a stored answer without emitting anything.

Paths are the engine's: ``field_id``, or ``group[row].field`` inside a repeat group.  Accessible
names are the field's label, prefixed for repeat rows ("People of concern, row 2: Name or
nickname") and suffixed for the parts of a compound input ("Staying out late: present: Yes").

This module holds what every editor shares (the :class:`Editor` base, names, the wheel guard);
the editors themselves are in ``choices``, ``dates``, ``numbers`` and ``indicators``, and the row
around each field and repeat groups in ``fields``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QWidget,
)

from cse_desktop.forms.spec import FormSpec

#: a single choice with more options than this is a drop-down list, not radio buttons
MAX_RADIOS = 6
#: a rating with more steps than this is a slider, not a row of buttons
MAX_RATING_BUTTONS = 11
#: the field types a worker may mark "restricted" (the decisions and notes of a form), when
#: they are top-level questions (a repeat group is marked as a whole)
RESTRICTABLE_TYPES = frozenset({"long_text", "repeat"})
RESTRICTED_TEXT = "Restricted: team only"
RESTRICTED_HINT = ("A restricted answer stays with the team: it is left out of every copy that "
                   "leaves the team (printed or exported for a family, school, partner agency "
                   "or the police). Only the team's internal copy shows it.")

Today = Callable[[], date]


def mnemonic_safe(text: str) -> str:
    """Button and label text from a form file: '&' is a character, not a keyboard shortcut."""
    return text.replace("&", "&&")


def plain_label(text: str, object_name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class _WheelGuard(QObject):
    """Scrolling the page over an unfocused combo box or spin box must not change its value."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget)
                and not watched.hasFocus()):
            assert isinstance(event, QWheelEvent)
            event.ignore()
            return True
        return False


@functools.cache
def _wheel_guard() -> _WheelGuard:
    """One shared, stateless filter (made once the application exists)."""
    return _WheelGuard()


def guard_wheel(widget: QWidget) -> None:
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(_wheel_guard())


def name_internals(widget: QWidget, name: str) -> None:
    """Spin boxes and date edits hold a line edit of their own: it answers to the same name."""
    for child in widget.findChildren(QLineEdit):
        child.setAccessibleName(name)


class Editor(QWidget):
    """The input part of a field."""

    #: (path, value) after the worker changed the answer
    edited = Signal(str, object)

    def __init__(self, field: Any, spec: FormSpec, path: str, name: str) -> None:
        super().__init__()
        self.field, self.spec, self.path, self.name = field, spec, path, name
        self._loading = False

    # -- the interface the page uses -----------------------------------------------------

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show a stored answer (no signal)."""
        with self._quiet():
            self._show(value)

    def fill(self, value: Any) -> None:
        """Put an answer in as the worker would: shown, then reported as an edit."""
        self.set_value(value)
        self.edited.emit(self.path, self.value())

    def focus_target(self) -> QWidget:
        inputs = [w for w in self.inputs() if w.isVisibleTo(self) and w.isEnabled()]
        return inputs[0] if inputs else self

    def inputs(self) -> list[QWidget]:
        """The focusable widgets, top to bottom (the tab order)."""
        raise NotImplementedError

    def rename(self, path: str, name: str) -> None:
        self.path, self.name = path, name
        self._apply_names()

    def set_description(self, text: str) -> None:
        for widget in self.inputs():
            widget.setAccessibleDescription(text)

    # -- for subclasses --------------------------------------------------------------------

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _apply_names(self) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        was, self._loading = self._loading, True
        try:
            yield
        finally:
            self._loading = was

    def _emit(self, *_args: object) -> None:
        if not self._loading:
            self.edited.emit(self.path, self.value())


