"""Editors for numbers (optional spin boxes) and ratings (a row of buttons, or a slider)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QButtonGroup,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.forms.spec import FormSpec
from cse_desktop.qt.formfill.inputs import (
    MAX_RATING_BUTTONS,
    Editor,
    guard_wheel,
    name_internals,
    plain_label,
)
from cse_desktop.qt.widgets import button

# -- numbers and ratings ------------------------------------------------------------------


class _OptionalSpinBox(QSpinBox):
    """A spin box whose lowest value (one below the field's minimum) is shown as empty."""

    def textFromValue(self, value: int) -> str:
        return "" if value == self.minimum() else str(value)

    def valueFromText(self, text: str) -> int:
        return self.minimum() if not text.strip() else int(text)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if not text.strip():
            return QValidator.State.Acceptable, text, pos
        return super().validate(text, pos)


class _OptionalDoubleSpinBox(QDoubleSpinBox):
    def textFromValue(self, value: float) -> str:
        if value == self.minimum():
            return ""
        return super().textFromValue(value)

    def valueFromText(self, text: str) -> float:
        return self.minimum() if not text.strip() else super().valueFromText(text)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if not text.strip():
            return QValidator.State.Acceptable, text, pos
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
            whole = _OptionalSpinBox()
            whole.setRange(int(low) - 1, int(high))
            self.spin: QSpinBox | QDoubleSpinBox = whole
        else:
            decimal = _OptionalDoubleSpinBox()
            decimal.setDecimals(2)
            decimal.setRange(low - 1, high)
            self.spin = decimal
        self.empty: float = self.spin.minimum()
        self._put(self.empty)
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
        raw = self.spin.value()
        if raw == self.empty:
            return None
        return int(raw) if self.field.integer else float(raw)

    def _show(self, value: Any) -> None:
        self._put(self.empty if value is None else value)

    def _put(self, value: float) -> None:
        if isinstance(self.spin, QSpinBox):
            self.spin.setValue(int(value))
        else:
            self.spin.setValue(value)

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
        main: list[QWidget] = list(self.buttons.values()) if self.buttons or \
            self.slider is None else [self.slider]
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


