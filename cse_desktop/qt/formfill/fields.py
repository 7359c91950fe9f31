"""One widget per field type, built from the FormSpec alone.

Every field is a :class:`FieldRow`: its label (with a "Required" tag), its help text (shown and
set as the inputs' accessible description), an :class:`Editor` for the answer, and a message
label for what the engine says is wrong with it.  Editors emit ``edited(path, value)`` when the
worker changes something; ``value()`` is the answer as the engine stores it (``None`` for
unanswered) and ``set_value`` shows a stored answer without emitting anything.

Paths are the engine's: ``field_id``, or ``group[row].field`` inside a repeat group.  Accessible
names are the field's label, prefixed for repeat rows ("People of concern, row 2: Name or
nickname") and suffixed for the parts of a compound input ("Staying out late: present: Yes").

Here: :func:`make_editor` (the editor for a field's type), :class:`FieldRow` and repeat groups;
the editors are in ``choices``, ``dates``, ``numbers`` and ``indicators`` (their base in
``inputs``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.forms.spec import FormSpec
from cse_desktop.qt.formfill.choices import CheckEditor, ComboEditor, RadioEditor, TextEditor
from cse_desktop.qt.formfill.dates import DateEditor
from cse_desktop.qt.formfill.format import (
    computed_text,
)
from cse_desktop.qt.formfill.indicators import IndicatorEditor
from cse_desktop.qt.formfill.inputs import (
    MAX_RADIOS,
    RESTRICTABLE_TYPES,
    RESTRICTED_HINT,
    RESTRICTED_TEXT,
    Editor,
    Today,
    mnemonic_safe,
    plain_label,
)
from cse_desktop.qt.formfill.numbers import NumberEditor, RatingEditor
from cse_desktop.qt.widgets import MessageLabel, button

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
        layout = self._layout = QVBoxLayout(self)
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
            self._layout.setContentsMargins(14 if text else 0, 4, 0, 4)

