"""Editors for text and for choices: text boxes, radio buttons, drop-down lists, check boxes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.forms.spec import FormSpec
from cse_desktop.qt.formfill.inputs import (
    Editor,
    guard_wheel,
    mnemonic_safe,
    plain_label,
)
from cse_desktop.qt.widgets import button

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


