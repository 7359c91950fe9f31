"""One widget per field type, built from the FormSpec alone.

Every field is a :class:`FieldRow`: its label (with a "Required" tag), its help text (shown and
set as the inputs' accessible description), an :class:`Editor` for the answer, and a message
label for what the engine says is wrong with it.  Editors emit ``edited(path, value)`` when the
worker changes something; ``value()`` is the answer as the engine stores it (``None`` for
unanswered) and ``set_value`` shows a stored answer without emitting anything.

Paths are the engine's: ``field_id``, or ``group[row].field`` inside a repeat group.  Accessible
names are the field's label, prefixed for repeat rows ("People of concern, row 2: Name or
nickname") and suffixed for the parts of a compound input ("Staying out late: present: Yes").
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QEvent, QObject, Qt, QTime, QTimeZone, Signal
from PySide6.QtGui import QValidator, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.domain.models import LOCAL_ZONE
from cse_desktop.forms.spec import FormSpec
from cse_desktop.forms.values import EVIDENCE_VALUES, parse_date, parse_datetime
from cse_desktop.qt.formfill.format import (
    EVIDENCE_LABELS,
    TIER_LABELS,
    TIMING_LABELS,
    YES_NO,
    computed_text,
)
from cse_desktop.qt.widgets import MessageLabel, button

#: a single choice with more options than this is a drop-down list, not radio buttons
MAX_RADIOS = 6
#: a rating with more steps than this is a slider, not a row of buttons
MAX_RATING_BUTTONS = 11
#: the field types a worker may mark "restricted" (the decisions and notes of a form), when
#: they are top-level questions (a repeat group is marked as a whole)
RESTRICTABLE_TYPES = frozenset({"long_text", "repeat"})
RESTRICTED_TEXT = "Restricted: leave out of copies shared outside the team"
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


# -- text -----------------------------------------------------------------------------------


class TextEditor(Editor):
    LONG_MIN, LONG_MAX = 78, 260

    def __init__(self, field: Any, spec: FormSpec, path: str, name: str) -> None:
        super().__init__(field, spec, path, name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.long = field.type == "long_text"
        if self.long:
            self.edit: QLineEdit | QPlainTextEdit = QPlainTextEdit()
            self.edit.setTabChangesFocus(True)  # Tab moves on; a form answer needs no tabs
            self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.edit.setFixedHeight(self.LONG_MIN)
            if field.placeholder:
                self.edit.setPlaceholderText(field.placeholder)
            self.edit.textChanged.connect(self._emit)
            self.edit.document().documentLayout().documentSizeChanged.connect(self._grow)
        else:
            self.edit = QLineEdit()
            self.edit.setMaxLength(field.limit)
            if field.placeholder:
                self.edit.setPlaceholderText(field.placeholder)
            self.edit.textEdited.connect(self._emit)
        layout.addWidget(self.edit)
        self._apply_names()

    def _grow(self) -> None:
        """A long answer box grows with its text, up to a limit (then it scrolls)."""
        assert isinstance(self.edit, QPlainTextEdit)
        lines = self.edit.document().documentLayout().documentSize().height()
        wanted = round(lines * self.edit.fontMetrics().lineSpacing()) + 22
        height = max(self.LONG_MIN, min(self.LONG_MAX, wanted))
        if height != self.edit.height():
            self.edit.setFixedHeight(height)

    def value(self) -> str | None:
        text = (self.edit.toPlainText() if isinstance(self.edit, QPlainTextEdit)
                else self.edit.text())
        return text or None

    def _show(self, value: Any) -> None:
        text = value if isinstance(value, str) else ""
        if isinstance(self.edit, QPlainTextEdit):
            if self.edit.toPlainText() != text:
                self.edit.setPlainText(text)
        elif self.edit.text() != text:
            self.edit.setText(text)

    def inputs(self) -> list[QWidget]:
        return [self.edit]

    def _apply_names(self) -> None:
        self.edit.setAccessibleName(self.name)


# -- choices --------------------------------------------------------------------------------


def _options(field: Any, spec: FormSpec) -> list[tuple[str, str, str]]:
    """(value, label, help) of a choice-like field."""
    if field.type == "yes_no":
        return [("yes", "Yes", ""), ("no", "No", "")]
    if field.type == "yes_no_possible":
        return [("yes", "Yes", ""), ("no", "No", ""), ("possible", "Possible", "")]
    return [(c.value, c.label, c.help) for c in spec.choices_of(field)]


class RadioEditor(Editor):
    """Yes/no, yes/no/possible, and single choices of up to six options."""

    def __init__(self, field: Any, spec: FormSpec, path: str, name: str) -> None:
        super().__init__(field, spec, path, name)
        self.options = _options(field, spec)
        inline = field.type in ("yes_no", "yes_no_possible")
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QRadioButton] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        box: QHBoxLayout | QVBoxLayout = QHBoxLayout() if inline else QVBoxLayout()
        box.setSpacing(18 if inline else 4)
        for value, label, help_text in self.options:
            radio = QRadioButton(mnemonic_safe(label))
            radio.setProperty("choiceValue", value)
            self.group.addButton(radio)
            self.buttons[value] = radio
            if help_text and not inline:
                column = QVBoxLayout()
                column.setSpacing(0)
                column.addWidget(radio)
                hint = plain_label(help_text, "choiceHint")
                column.addWidget(hint)
                radio.setAccessibleDescription(help_text)
                box.addLayout(column)
            else:
                box.addWidget(radio)
        self.clear_button = button("Clear", "", role="link")
        self.clear_button.hide()
        self.clear_button.clicked.connect(self._clear)
        if inline:
            box.addWidget(self.clear_button)
            box.addStretch(1)
            outer.addLayout(box)
        else:
            outer.addLayout(box)
            clear_row = QHBoxLayout()
            clear_row.addWidget(self.clear_button)
            clear_row.addStretch(1)
            outer.addLayout(clear_row)
        self.group.buttonClicked.connect(self._clicked)
        self._apply_names()

    def _clicked(self, _button: QAbstractButton) -> None:
        self.clear_button.setVisible(self.value() is not None)
        self._emit()

    def _clear(self) -> None:
        self._show(None)
        self._emit()
        first = next(iter(self.buttons.values()))
        first.setFocus()

    def value(self) -> str | None:
        checked = self.group.checkedButton()
        return checked.property("choiceValue") if checked is not None else None

    def _show(self, value: Any) -> None:
        self.group.setExclusive(False)
        for key, radio in self.buttons.items():
            radio.setChecked(key == value)
        self.group.setExclusive(True)
        self.clear_button.setVisible(value is not None)

    def inputs(self) -> list[QWidget]:
        return [*self.buttons.values(), self.clear_button]

    def focus_target(self) -> QWidget:
        checked = self.group.checkedButton()
        return checked if checked is not None else next(iter(self.buttons.values()))

    def _apply_names(self) -> None:
        for value, label, _help in self.options:
            self.buttons[value].setAccessibleName(f"{self.name}: {label}")
        self.clear_button.setAccessibleName(f"{self.name}: clear the answer")


class ComboEditor(Editor):
    """A single choice with many options: a drop-down list that starts on 'Choose…'."""

    def __init__(self, field: Any, spec: FormSpec, path: str, name: str) -> None:
        super().__init__(field, spec, path, name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        guard_wheel(self.combo)
        self.combo.addItem("Choose an answer…", None)
        for value, label, help_text in _options(field, spec):
            self.combo.addItem(label, value)
            if help_text:
                self.combo.setItemData(self.combo.count() - 1, help_text,
                                       Qt.ItemDataRole.ToolTipRole)
        self.combo.setMinimumWidth(260)
        self.combo.currentIndexChanged.connect(self._emit)
        layout.addWidget(self.combo)
        layout.addStretch(1)
        self._apply_names()

    def value(self) -> str | None:
        return self.combo.currentData()

    def _show(self, value: Any) -> None:
        index = self.combo.findData(value) if value is not None else 0
        self.combo.setCurrentIndex(max(index, 0))

    def inputs(self) -> list[QWidget]:
        return [self.combo]

    def _apply_names(self) -> None:
        self.combo.setAccessibleName(self.name)


class CheckEditor(Editor):
    """A multiple choice: one check box per option."""

    def __init__(self, field: Any, spec: FormSpec, path: str, name: str) -> None:
        super().__init__(field, spec, path, name)
        self.options = _options(field, spec)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.boxes: dict[str, QCheckBox] = {}
        for value, label, help_text in self.options:
            box = QCheckBox(mnemonic_safe(label))
            box.toggled.connect(self._emit)
            self.boxes[value] = box
            layout.addWidget(box)
            if help_text:
                box.setAccessibleDescription(help_text)
                layout.addWidget(plain_label(help_text, "choiceHint"))
        self._apply_names()

    def value(self) -> list[str] | None:
        chosen = [value for value, box in self.boxes.items() if box.isChecked()]
        return chosen or None

    def _show(self, value: Any) -> None:
        chosen = set(value or [])
        for key, box in self.boxes.items():
            box.setChecked(key in chosen)

    def inputs(self) -> list[QWidget]:
        return list(self.boxes.values())

    def _apply_names(self) -> None:
        for value, label, _help in self.options:
            self.boxes[value].setAccessibleName(f"{self.name}: {label}")


# -- dates ----------------------------------------------------------------------------------


class DateEditor(Editor):
    """A date, or a date and time in UK local time, that stays empty until the worker sets it.

    An empty date shows a 'Set a date' button, never a made-up date: an unanswered date must
    not silently become today.  Times are typed as UK local time (Europe/London) and stored as
    ISO 8601 with their offset.
    """

    def __init__(self, field: Any, spec: FormSpec, path: str, name: str, today: Today) -> None:
        super().__init__(field, spec, path, name)
        self.today = today
        self.with_time = field.type == "datetime"
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.set_button = button("Set a date and time" if self.with_time else "Set a date", "")
        self.set_button.clicked.connect(self._set_clicked)
        if self.with_time:
            self.edit: QDateEdit | QDateTimeEdit = QDateTimeEdit()
            # The widget holds wall-clock time only (UTC spec: no DST gaps); the zone is UK.
            self.edit.setTimeZone(QTimeZone.utc())
            self.edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        else:
            self.edit = QDateEdit()
            self.edit.setDisplayFormat("dd/MM/yyyy")
        self.edit.setCalendarPopup(True)
        self.edit.setMinimumWidth(170 if self.with_time else 130)
        guard_wheel(self.edit)
        self.edit.hide()
        self.edit.dateTimeChanged.connect(self._emit)
        self.zone_label = plain_label("UK time", "hint")
        self.zone_label.setVisible(False)
        self.clear_button = button("Clear", "", role="link")
        self.clear_button.hide()
        self.clear_button.clicked.connect(self._clear)
        layout.addWidget(self.set_button)
        layout.addWidget(self.edit)
        layout.addWidget(self.zone_label)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self._set = False
        self._apply_names()

    def _set_clicked(self) -> None:
        today = self.today()
        with self._quiet():
            if self.with_time:
                now = datetime.now(LOCAL_ZONE)
                when = now if now.date() == today else datetime.combine(today, now.time())
                self._put(QDate(today.year, today.month, today.day),
                          QTime(when.hour, when.minute))
            else:
                self._put(QDate(today.year, today.month, today.day), QTime(0, 0))
        self.edit.setFocus()
        self._emit()

    def _clear(self) -> None:
        with self._quiet():
            self._show(None)
        self.set_button.setFocus()
        self._emit()

    def _put(self, day: QDate, clock: QTime) -> None:
        self._set = True
        if self.with_time:
            self.edit.setDateTime(QDateTime(day, clock, QTimeZone.utc()))
        else:
            self.edit.setDate(day)
        self._show_state()

    def _show_state(self) -> None:
        self.set_button.setVisible(not self._set)
        self.edit.setVisible(self._set)
        self.zone_label.setVisible(self._set and self.with_time)
        self.clear_button.setVisible(self._set)

    def value(self) -> str | None:
        if not self._set:
            return None
        day = self.edit.date()
        if not self.with_time:
            return date(day.year(), day.month(), day.day()).isoformat()
        clock = self.edit.time()
        local = datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute(),
                         tzinfo=LOCAL_ZONE)
        return local.isoformat()

    def _show(self, value: Any) -> None:
        if self.with_time:
            moment = parse_datetime(value)
            if moment is not None:
                local = moment.astimezone(LOCAL_ZONE)
                self._put(QDate(local.year, local.month, local.day),
                          QTime(local.hour, local.minute))
                return
        else:
            day = parse_date(value)
            if day is not None:
                self._put(QDate(day.year, day.month, day.day), QTime(0, 0))
                return
        self._set = False
        self._show_state()

    def inputs(self) -> list[QWidget]:
        return [self.set_button, self.edit, self.clear_button]

    def _apply_names(self) -> None:
        what = "a date and time" if self.with_time else "a date"
        self.set_button.setAccessibleName(f"{self.name}: set {what}")
        self.edit.setAccessibleName(self.name + (" (UK time)" if self.with_time else ""))
        name_internals(self.edit, self.edit.accessibleName())
        self.clear_button.setAccessibleName(f"{self.name}: clear the date")


# -- numbers and ratings ------------------------------------------------------------------


class _OptionalSpinBox(QSpinBox):
    """A spin box whose lowest value (one below the field's minimum) is shown as empty."""

    def textFromValue(self, value: int) -> str:
        return "" if value == self.minimum() else str(value)

    def valueFromText(self, text: str) -> int:
        return self.minimum() if not text.strip() else int(text)

    def validate(self, text: str, pos: int) -> object:
        if not text.strip():
            return QValidator.State.Acceptable
        return super().validate(text, pos)


class _OptionalDoubleSpinBox(QDoubleSpinBox):
    def textFromValue(self, value: float) -> str:
        if value == self.minimum():
            return ""
        return super().textFromValue(value)

    def valueFromText(self, text: str) -> float:
        return self.minimum() if not text.strip() else super().valueFromText(text)

    def validate(self, text: str, pos: int) -> object:
        if not text.strip():
            return QValidator.State.Acceptable
        return super().validate(text, pos)


class NumberEditor(Editor):
    """A number within the field's min/max (whole numbers if ``integer``), or empty."""

    LIMIT = 1_000_000_000

    def __init__(self, field: Any, spec: FormSpec, path: str, name: str) -> None:
        super().__init__(field, spec, path, name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        low = field.min if field.min is not None else -self.LIMIT
        high = field.max if field.max is not None else self.LIMIT
        if field.integer:
            self.spin: QAbstractSpinBox = _OptionalSpinBox()
            self.spin.setRange(int(low) - 1, int(high))
        else:
            self.spin = _OptionalDoubleSpinBox()
            self.spin.setDecimals(2)
            self.spin.setRange(low - 1, high)
        self.empty = self.spin.minimum()
        self.spin.setValue(self.empty)
        self.spin.setMinimumWidth(110)
        self.spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        for inner in self.spin.findChildren(QLineEdit):
            inner.setTextMargins(6, 0, 0, 0)  # the style sheet's padding does not reach it
        guard_wheel(self.spin)
        self.spin.valueChanged.connect(self._emit)
        layout.addWidget(self.spin)
        if field.unit:
            layout.addWidget(plain_label(field.unit, "unitLabel"))
        if field.min is not None or field.max is not None:
            bounds = []
            if field.min is not None:
                bounds.append(f"at least {field.min:g}")
            if field.max is not None:
                bounds.append(f"at most {field.max:g}")
            bounds_label = plain_label(f"({' and '.join(bounds)})", "hint")
            bounds_label.setWordWrap(False)
            layout.addWidget(bounds_label)
        layout.addStretch(1)
        self._apply_names()

    def value(self) -> int | float | None:
        raw = self.spin.value()  # type: ignore[attr-defined]
        if raw == self.empty:
            return None
        return int(raw) if self.field.integer else float(raw)

    def _show(self, value: Any) -> None:
        self.spin.setValue(self.empty if value is None else value)  # type: ignore[attr-defined]

    def inputs(self) -> list[QWidget]:
        return [self.spin]

    def _apply_names(self) -> None:
        name = self.name + (f" ({self.field.unit})" if self.field.unit else "")
        self.spin.setAccessibleName(name)
        name_internals(self.spin, name)


class RatingEditor(Editor):
    """A row of numbered buttons (or a slider for long scales) with the end labels under it."""

    def __init__(self, field: Any, spec: FormSpec, path: str, name: str) -> None:
        super().__init__(field, spec, path, name)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(4)
        self.values = list(range(field.min, field.max + 1))
        self.buttons: dict[int, QPushButton] = {}
        self.slider: QSlider | None = None
        self.group = QButtonGroup(self)
        if len(self.values) <= MAX_RATING_BUTTONS:
            for n in self.values:
                rating = QPushButton(str(n))
                rating.setProperty("role", "rating")
                rating.setCheckable(True)
                rating.setAutoDefault(False)
                rating.setCursor(Qt.CursorShape.PointingHandCursor)
                self.group.addButton(rating, n)
                self.buttons[n] = rating
                row.addWidget(rating)
            self.group.idClicked.connect(lambda _n: self._changed())
        else:
            self.slider = QSlider(Qt.Orientation.Horizontal)
            self.slider.setRange(field.min - 1, field.max)  # the lowest step means 'not set'
            self.slider.setValue(field.min - 1)
            guard_wheel(self.slider)
            self.slider.valueChanged.connect(lambda _v: self._changed())
            self.slider_value = plain_label("Not set", "fieldLabel")
            row.addWidget(self.slider, 1)
            row.addWidget(self.slider_value)
        self.clear_button = button("Clear", "", role="link")
        self.clear_button.hide()
        self.clear_button.clicked.connect(self._clear)
        row.addSpacing(6)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        outer.addLayout(row)
        if field.min_label or field.max_label:
            ends = QHBoxLayout()
            low = plain_label(f"{field.min}: {field.min_label}" if field.min_label else "",
                              "hint")
            high = plain_label(f"{field.max}: {field.max_label}" if field.max_label else "",
                               "hint")
            high.setAlignment(Qt.AlignmentFlag.AlignRight)
            ends.addWidget(low)
            ends.addStretch(1)
            ends.addWidget(high)
            holder = QWidget()
            holder.setLayout(ends)
            ends.setContentsMargins(0, 0, 0, 0)
            if self.buttons:
                holder.setMaximumWidth(len(self.buttons) * 46)
            outer.addWidget(holder)
        self._apply_names()

    def _changed(self) -> None:
        if self.slider is not None:
            current = self.value()
            self.slider_value.setText("Not set" if current is None else str(current))
        self.clear_button.setVisible(self.value() is not None)
        self._emit()

    def _clear(self) -> None:
        with self._quiet():
            self._show(None)
        self._emit()
        self.focus_target().setFocus()

    def value(self) -> int | None:
        if self.slider is not None:
            v = self.slider.value()
            return None if v < self.field.min else v
        checked = self.group.checkedId()
        return checked if checked in self.buttons else None

    def _show(self, value: Any) -> None:
        if self.slider is not None:
            self.slider.setValue(self.field.min - 1 if value is None else int(value))
            self.slider_value.setText("Not set" if value is None else str(int(value)))
        else:
            self.group.setExclusive(False)
            for n, rating in self.buttons.items():
                rating.setChecked(value is not None and n == int(value))
            self.group.setExclusive(True)
        self.clear_button.setVisible(value is not None)

    def inputs(self) -> list[QWidget]:
        main: list[QWidget] = list(self.buttons.values()) if self.buttons else [self.slider]
        return [*main, self.clear_button]

    def focus_target(self) -> QWidget:
        checked = self.group.checkedButton()
        return checked if checked is not None else self.inputs()[0]

    def _apply_names(self) -> None:
        for n, rating in self.buttons.items():
            end = (f" ({self.field.min_label})" if n == self.field.min and self.field.min_label
                   else f" ({self.field.max_label})" if n == self.field.max
                   and self.field.max_label else "")
            rating.setAccessibleName(f"{self.name}: {n}{end}")
        if self.slider is not None:
            self.slider.setAccessibleName(self.name)
        self.clear_button.setAccessibleName(f"{self.name}: clear the answer")


# -- indicators -----------------------------------------------------------------------------


class IndicatorEditor(Editor):
    """Present (yes/no/possible); then when (moderate and significant), evidence and detail."""

    def __init__(self, field: Any, spec: FormSpec, path: str, name: str) -> None:
        super().__init__(field, spec, path, name)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(12)
        self.label = plain_label(field.label, "indicatorLabel")
        top.addWidget(self.label, 1)
        tier = plain_label(TIER_LABELS[field.tier.value], "tierTag")
        tier.setProperty("tier", field.tier.value)
        tier.setWordWrap(False)
        top.addWidget(tier, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        if field.help:
            outer.addWidget(plain_label(field.help, "hint"))
        self.present_group = QButtonGroup(self)
        self.present: dict[str, QRadioButton] = {}
        choices = ["yes", "no", "possible"] if field.allow_possible else ["yes", "no"]
        self.present_box = QWidget()
        present_row = QHBoxLayout(self.present_box)
        present_row.setContentsMargins(0, 0, 0, 0)
        present_row.setSpacing(18)
        for value in choices:
            radio = QRadioButton(YES_NO[value])
            self.present_group.addButton(radio)
            self.present[value] = radio
            present_row.addWidget(radio)
        present_row.addStretch(1)
        outer.addWidget(self.present_box)

        self.details = QFrame()
        self.details.setObjectName("indicatorDetails")
        details = QVBoxLayout(self.details)
        details.setContentsMargins(14, 4, 0, 4)
        details.setSpacing(6)
        self.timing_group = QButtonGroup(self)
        self.timing: dict[str, QRadioButton] = {}
        if field.asks_timing:
            details.addWidget(plain_label("When?", "subLabel"))
            when = QGridLayout()
            when.setHorizontalSpacing(16)
            when.setVerticalSpacing(2)
            for i, value in enumerate(t.value for t in field.timing_values):
                radio = QRadioButton(TIMING_LABELS[value])
                self.timing_group.addButton(radio)
                self.timing[value] = radio
                when.addWidget(radio, i // 2, i % 2)
            when.setColumnStretch(1, 1)
            details.addLayout(when)
        more = QGridLayout()
        more.setHorizontalSpacing(10)
        more.setVerticalSpacing(6)
        self.evidence = QComboBox()
        guard_wheel(self.evidence)
        self.evidence.addItem("Not said", None)
        for value in EVIDENCE_VALUES:
            self.evidence.addItem(EVIDENCE_LABELS[value], value)
        self.detail = QLineEdit()
        self.detail.setMaxLength(2000)
        self.detail.setPlaceholderText("What was seen or said, and by whom")
        more.addWidget(plain_label("Evidence", "subLabel"), 0, 0)
        more.addWidget(self.evidence, 0, 1, Qt.AlignmentFlag.AlignLeft)
        more.addWidget(plain_label("Detail", "subLabel"), 1, 0)
        more.addWidget(self.detail, 1, 1)
        more.setColumnStretch(1, 1)
        details.addLayout(more)
        self.details.hide()
        outer.addWidget(self.details)

        self.present_group.buttonClicked.connect(self._present_clicked)
        self.timing_group.buttonClicked.connect(self._emit)
        self.evidence.currentIndexChanged.connect(self._emit)
        self.detail.textEdited.connect(self._emit)
        self._apply_names()

    def _present_clicked(self, _button: QAbstractButton) -> None:
        self._show_details()
        self._emit()

    def _show_details(self) -> None:
        self.details.setVisible(self._checked(self.present) in ("yes", "possible"))

    @staticmethod
    def _checked(buttons: dict[str, QRadioButton]) -> str | None:
        return next((value for value, radio in buttons.items() if radio.isChecked()), None)

    def value(self) -> dict[str, str] | None:
        present = self._checked(self.present)
        if present is None:
            return None
        out = {"present": present}
        if present == "no":
            return out
        timing = self._checked(self.timing)
        if timing is not None and self.field.asks_timing:
            out["timing"] = timing
        evidence = self.evidence.currentData()
        if evidence:
            out["evidence"] = evidence
        if self.detail.text():
            out["detail"] = self.detail.text()
        return out

    def _show(self, value: Any) -> None:
        value = value if isinstance(value, dict) else {}
        for group, buttons, key in ((self.present_group, self.present, "present"),
                                    (self.timing_group, self.timing, "timing")):
            group.setExclusive(False)
            for option, radio in buttons.items():
                radio.setChecked(value.get(key) == option)
            group.setExclusive(True)
        self.evidence.setCurrentIndex(max(self.evidence.findData(value.get("evidence")), 0)
                                      if value.get("evidence") else 0)
        if self.detail.text() != (value.get("detail") or ""):
            self.detail.setText(value.get("detail") or "")
        self._show_details()

    def inputs(self) -> list[QWidget]:
        return [*self.present.values(), *self.timing.values(), self.evidence, self.detail]

    def focus_target(self) -> QWidget:
        checked = self.present_group.checkedButton()
        return checked if checked is not None else next(iter(self.present.values()))

    def _apply_names(self) -> None:
        self.present_box.setAccessibleName(f"{self.name}: present")
        for value, radio in self.present.items():
            radio.setAccessibleName(f"{self.name}: present: {YES_NO[value]}")
        for value, radio in self.timing.items():
            radio.setAccessibleName(f"{self.name}: when: {TIMING_LABELS[value]}")
        self.evidence.setAccessibleName(f"{self.name}: evidence")
        self.detail.setAccessibleName(f"{self.name}: detail")


# -- repeat groups --------------------------------------------------------------------------


class RepeatEditor(Editor):
    """Rows of nested fields that the worker adds and removes."""

    #: rows were added or removed (the page re-threads the tab order)
    structure_changed = Signal()

    def __init__(self, field: Any, spec: FormSpec, path: str, name: str, today: Today) -> None:
        super().__init__(field, spec, path, name)
        self.today = today
        self.rows: list[RepeatRow] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(8)
        layout.addLayout(self.rows_box)
        self.empty_label = plain_label("None added yet.", "hint")
        layout.addWidget(self.empty_label)
        add_row = QHBoxLayout()
        self.add_button = button(f"+ {mnemonic_safe(field.add_label)}", "")
        self.add_button.clicked.connect(self._add_clicked)
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        layout.addLayout(add_row)
        self._apply_names()

    # rows

    def _row_name(self, index: int) -> str:
        return f"{self.name}, row {index + 1}"

    def _new_row(self) -> RepeatRow:
        index = len(self.rows)
        row = RepeatRow(self.field, self.spec, self.path, index, self._row_name(index),
                        self.today)
        row.remove_button.clicked.connect(lambda _=False, r=row: self._remove(r))
        for sub in row.field_rows:
            if sub.editor is not None:
                sub.editor.edited.connect(self.edited)
        self.rows.append(row)
        self.rows_box.addWidget(row)
        row.show()  # at once, not on the next pass of the event loop: it takes focus next
        return row

    def _add_clicked(self) -> None:
        row = self._new_row()
        self._update_state()
        self.structure_changed.emit()
        self._emit()
        row.focus_first()

    def _remove(self, row: RepeatRow) -> None:
        index = self.rows.index(row)
        self.rows.pop(index)
        row.hide()
        row.setParent(None)
        row.deleteLater()
        self._renumber()
        self._update_state()
        self.structure_changed.emit()
        self._emit()
        if self.rows:
            self.rows[min(index, len(self.rows) - 1)].focus_first()
        else:
            self.add_button.setFocus()

    def _renumber(self) -> None:
        for i, row in enumerate(self.rows):
            row.renumber(i, self._row_name(i))

    def _update_state(self) -> None:
        self.empty_label.setVisible(not self.rows)
        self.add_button.setEnabled(len(self.rows) < self.field.max_rows)

    # editor interface

    def value(self) -> list[dict[str, Any]] | None:
        if not self.rows:
            return None
        return [row.value() for row in self.rows]

    def _show(self, value: Any) -> None:
        rows = value if isinstance(value, list) else []
        changed = len(rows) != len(self.rows)
        while len(self.rows) > len(rows):
            row = self.rows.pop()
            row.setParent(None)
            row.deleteLater()
        while len(self.rows) < len(rows):
            self._new_row()
        for row, data in zip(self.rows, rows, strict=True):
            row.set_value(data if isinstance(data, dict) else {})
        self._update_state()
        if changed:
            self.structure_changed.emit()

    def inputs(self) -> list[QWidget]:
        out: list[QWidget] = []
        for row in self.rows:
            out += row.inputs()
        return [*out, self.add_button]

    def focus_target(self) -> QWidget:
        return self.rows[0].focus_target() if self.rows else self.add_button

    def _apply_names(self) -> None:
        self.add_button.setAccessibleName(f"{self.field.add_label} ({self.name})")
        self._renumber()

    def set_description(self, text: str) -> None:
        self.add_button.setAccessibleDescription(text)

    def field_row(self, path: str) -> FieldRow | None:
        for row in self.rows:
            for sub in row.field_rows:
                if sub.path == path:
                    return sub
        return None

    def all_field_rows(self) -> list[FieldRow]:
        return [sub for row in self.rows for sub in row.field_rows]


class RepeatRow(QFrame):
    """One row of a repeat group: its heading, a Remove button and the nested fields."""

    def __init__(self, field: Any, spec: FormSpec, group_path: str, index: int, name: str,
                 today: Today) -> None:
        super().__init__()
        self.setObjectName("repeatRow")
        self.field, self.group_path = field, group_path
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(8)
        head = QHBoxLayout()
        self.heading = plain_label("", "repeatHeading")
        self.remove_button = button("Remove", "", role="link")
        head.addWidget(self.heading, 1)
        head.addWidget(self.remove_button)
        layout.addLayout(head)
        self.field_rows: list[FieldRow] = []
        for sub in field.fields:
            row = FieldRow(sub, spec, f"{group_path}[{index}].{sub.id}", f"{name}: ", today)
            self.field_rows.append(row)
            layout.addWidget(row)
        self.renumber(index, name)

    def renumber(self, index: int, name: str) -> None:
        self.index = index
        self.heading.setText(f"Row {index + 1}")
        self.heading.setAccessibleName(name)
        self.remove_button.setAccessibleName(f"Remove {name}")
        for row, sub in zip(self.field_rows, self.field.fields, strict=True):
            row.rename(f"{self.group_path}[{index}].{sub.id}", f"{name}: ")

    def value(self) -> dict[str, Any]:
        out = {}
        for row in self.field_rows:
            if row.editor is not None:
                value = row.editor.value()
                if value is not None:
                    out[row.field.id] = value
        return out

    def set_value(self, data: dict[str, Any]) -> None:
        for row in self.field_rows:
            if row.editor is not None:
                row.editor.set_value(data.get(row.field.id))

    def inputs(self) -> list[QWidget]:
        out: list[QWidget] = []
        for row in self.field_rows:
            if row.editor is not None:
                out += row.editor.inputs()
        return [*out, self.remove_button]

    def focus_target(self) -> QWidget:
        for row in self.field_rows:
            if row.editor is not None and not row.isHidden():
                return row.editor.focus_target()
        return self.remove_button

    def focus_first(self) -> None:
        self.focus_target().setFocus(Qt.FocusReason.TabFocusReason)


# -- the row around every field ---------------------------------------------------------------


def make_editor(field: Any, spec: FormSpec, path: str, name: str, today: Today) -> Editor | None:
    t = field.type
    if t in ("text", "long_text"):
        return TextEditor(field, spec, path, name)
    if t in ("yes_no", "yes_no_possible"):
        return RadioEditor(field, spec, path, name)
    if t == "single_choice":
        if len(spec.choices_of(field)) <= MAX_RADIOS:
            return RadioEditor(field, spec, path, name)
        return ComboEditor(field, spec, path, name)
    if t == "multiple_choice":
        return CheckEditor(field, spec, path, name)
    if t in ("date", "datetime"):
        return DateEditor(field, spec, path, name, today)
    if t == "number":
        return NumberEditor(field, spec, path, name)
    if t == "rating":
        return RatingEditor(field, spec, path, name)
    if t == "indicator":
        return IndicatorEditor(field, spec, path, name)
    if t == "repeat":
        return RepeatEditor(field, spec, path, name, today)
    return None  # computed and info hold no answer


class FieldRow(QFrame):
    """A field as the worker sees it: label, help, input, and what is wrong with it; for a
    decision or note (``restrictable``), a small "Restricted" check box below it."""

    #: (field id, restricted) after the worker ticked or cleared the "Restricted" box
    restricted_edited = Signal(str, bool)

    def __init__(self, field: Any, spec: FormSpec, path: str, prefix: str, today: Today, *,
                 restrictable: bool = False) -> None:
        super().__init__()
        self.field, self.path, self.prefix = field, path, prefix
        #: the "Restricted" check box (decisions and notes only)
        self.restricted_box: QCheckBox | None = None
        self.setObjectName("fieldRow")
        self.setProperty("fieldType", field.type)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(4)
        self.editor: Editor | None = None
        self.value_label: QLabel | None = None
        self.title: QLabel | None = None
        self.error = MessageLabel()
        self.error.setObjectName("fieldError")
        t = field.type
        if t == "info":
            banner = plain_label(field.label, "formBanner")
            banner.setProperty("bannerStyle", field.style)
            banner.setAccessibleName(field.label)
            if field.help:
                banner.setText(f"{field.label}\n{field.help}")
            layout.addWidget(banner)
            return
        if t == "computed":
            row = QHBoxLayout()
            row.setSpacing(10)
            self.title = plain_label(field.label, "computedLabel")
            self.value_label = plain_label("Not known yet", "computedValue")
            self.value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            row.addWidget(self.title, 1)
            row.addWidget(self.value_label, 0)
            layout.addLayout(row)
            if field.help:
                layout.addWidget(plain_label(field.help, "hint"))
            self._computed_display = field.display
            self._computed_labels = {c.value: c.label for c in spec.choices_of(field)}
            self.rename(path, prefix)
            return
        self.editor = make_editor(field, spec, path, prefix + field.label, today)
        assert self.editor is not None
        required = field.required or bool(field.required_if) or (
            t == "repeat" and field.min_rows > 0)
        if t != "indicator":
            head = QHBoxLayout()
            head.setSpacing(8)
            self.title = plain_label(field.label, "repeatTitle" if t == "repeat"
                                     else "fieldLabel")
            head.addWidget(self.title, 1)
            if required:
                tag = QLabel("Required")
                tag.setObjectName("requiredTag")
                head.addWidget(tag, 0, Qt.AlignmentFlag.AlignTop)
            layout.addLayout(head)
            if field.help:
                layout.addWidget(plain_label(field.help, "hint"))
        layout.addWidget(self.editor)
        layout.addWidget(self.error)
        description = ("Required. " if required else "") + field.help
        self.editor.set_description(description.strip())
        if restrictable and t in RESTRICTABLE_TYPES:
            box = QCheckBox(RESTRICTED_TEXT)
            box.setObjectName("restrictedBox")
            box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            box.setToolTip(RESTRICTED_HINT)
            box.setAccessibleDescription(RESTRICTED_HINT)
            box.clicked.connect(self._restricted_clicked)  # the worker's click or Space only
            self.restricted_box = box
            layout.addWidget(box, 0, Qt.AlignmentFlag.AlignLeft)
            self._name_restricted()

    def _restricted_clicked(self, checked: bool) -> None:
        self.restricted_edited.emit(self.field.id, checked)

    def _name_restricted(self) -> None:
        if self.restricted_box is not None:
            self.restricted_box.setAccessibleName(
                f"{self.prefix}{self.field.label}: restricted, left out of copies shared "
                "outside the team")

    def set_restricted(self, restricted: bool) -> None:
        """Show whether the answer is marked restricted (no signal)."""
        if self.restricted_box is not None and self.restricted_box.isChecked() != restricted:
            self.restricted_box.setChecked(restricted)

    def inputs(self) -> list[QWidget]:
        """The focusable widgets of the row, top to bottom (the tab order)."""
        out = self.editor.inputs() if self.editor is not None else []
        return [*out, self.restricted_box] if self.restricted_box is not None else out

    def rename(self, path: str, prefix: str) -> None:
        self.path, self.prefix = path, prefix
        self._name_restricted()
        if self.editor is not None:
            self.editor.rename(path, prefix + self.field.label)
        elif self.value_label is not None:
            self.value_label.setAccessibleName(prefix + self.field.label)

    def set_computed(self, value: Any) -> None:
        if self.value_label is not None:
            text = computed_text(value, self._computed_display, self._computed_labels)
            if self.value_label.text() != text:
                self.value_label.setText(text)
                self.value_label.setAccessibleDescription(text)

    def set_errors(self, messages: list[str]) -> None:
        text = "\n".join(m[:1].upper() + m[1:] for m in messages)
        if text != self.error.text() or self.error.isHidden() == bool(text):
            self.error.show_message(text)
            self.setProperty("invalid", bool(text))
            self.style().unpolish(self)
            self.style().polish(self)
            # room for the red bar down the left (style-sheet padding does not reach a layout)
            self.layout().setContentsMargins(14 if text else 0, 4, 0, 4)
