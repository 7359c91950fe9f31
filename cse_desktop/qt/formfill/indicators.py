"""The indicator editor: is a risk indicator present, with its evidence and timing."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.forms.spec import (
    EVIDENCE_LABELS,
    PRESENT_LABELS,
    TIER_LABELS,
    TIMING_LABELS,
    FormSpec,
    Timing,
)
from cse_desktop.forms.values import EVIDENCE_VALUES
from cse_desktop.qt.formfill.inputs import (
    Editor,
    guard_wheel,
    plain_label,
)

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
        tier = plain_label(TIER_LABELS[field.tier], "tierTag")
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
            radio = QRadioButton(PRESENT_LABELS[value])
            self.present_group.addButton(radio)
            self.present[value] = radio
            present_row.addWidget(radio)
        present_row.addStretch(1)
        outer.addWidget(self.present_box)

        # when, evidence and detail are asked only once the indicator is present (or may be):
        # they are built then, not for each of the screening's 75 indicators up front
        self._outer = outer
        self._description = ""
        self.details: QFrame | None = None
        self.timing_group = QButtonGroup(self)
        self.timing: dict[str, QRadioButton] = {}
        self.evidence: QComboBox | None = None
        self.detail: QLineEdit | None = None

        self.present_group.buttonClicked.connect(self._present_clicked)
        self.timing_group.buttonClicked.connect(self._emit)
        self._apply_names()

    def _build_details(self) -> QFrame:
        """The frame of when, evidence and detail, built the first time it is needed and put
        in the tab order straight after the present buttons."""
        if self.details is not None:
            return self.details
        field = self.field
        self.details = QFrame()
        self.details.setObjectName("indicatorDetails")
        details = QVBoxLayout(self.details)
        details.setContentsMargins(14, 4, 0, 4)
        details.setSpacing(6)
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
        self.evidence = evidence = QComboBox()
        guard_wheel(evidence)
        evidence.addItem("Not said", None)
        for value in EVIDENCE_VALUES:
            evidence.addItem(EVIDENCE_LABELS[value], value)
        self.detail = detail = QLineEdit()
        detail.setMaxLength(2000)
        detail.setPlaceholderText("What was seen or said, and by whom")
        more.addWidget(plain_label("Evidence", "subLabel"), 0, 0)
        more.addWidget(evidence, 0, 1, Qt.AlignmentFlag.AlignLeft)
        more.addWidget(plain_label("Detail", "subLabel"), 1, 0)
        more.addWidget(detail, 1, 1)
        more.setColumnStretch(1, 1)
        details.addLayout(more)
        self.details.hide()
        self._outer.addWidget(self.details)
        evidence.currentIndexChanged.connect(self._emit)
        detail.textEdited.connect(self._emit)
        self._apply_names()
        added = [*self.timing.values(), evidence, detail]
        for widget in added:
            widget.setAccessibleDescription(self._description)
        previous: QWidget = list(self.present.values())[-1]
        for widget in added:
            QWidget.setTabOrder(previous, widget)
            previous = widget
        return self.details

    def _present_clicked(self, _button: QAbstractButton) -> None:
        self._show_details()
        self._emit()

    def _show_details(self) -> None:
        wanted = self._checked(self.present) in ("yes", "possible")
        if wanted:
            self._build_details().show()
        elif self.details is not None:
            self.details.hide()

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
        if self.evidence is not None and self.evidence.currentData():
            out["evidence"] = self.evidence.currentData()
        if self.detail is not None and self.detail.text():
            out["detail"] = self.detail.text()
        return out

    def _show(self, value: Any) -> None:
        value = value if isinstance(value, dict) else {}
        if self.details is None and any(value.get(k) for k in ("timing", "evidence", "detail")):
            self._build_details()
        for group, buttons, key in ((self.present_group, self.present, "present"),
                                    (self.timing_group, self.timing, "timing")):
            group.setExclusive(False)
            for option, radio in buttons.items():
                radio.setChecked(value.get(key) == option)
            group.setExclusive(True)
        if self.evidence is not None:
            self.evidence.setCurrentIndex(max(self.evidence.findData(value.get("evidence")), 0)
                                          if value.get("evidence") else 0)
        if self.detail is not None and self.detail.text() != (value.get("detail") or ""):
            self.detail.setText(value.get("detail") or "")
        self._show_details()

    def inputs(self) -> list[QWidget]:
        built = [self.evidence, self.detail] if self.evidence and self.detail else []
        return [*self.present.values(), *self.timing.values(), *built]

    def set_description(self, text: str) -> None:
        self._description = text
        super().set_description(text)

    def focus_target(self) -> QWidget:
        checked = self.present_group.checkedButton()
        return checked if checked is not None else next(iter(self.present.values()))

    def _apply_names(self) -> None:
        self.present_box.setAccessibleName(f"{self.name}: present")
        for value, radio in self.present.items():
            radio.setAccessibleName(f"{self.name}: present: {PRESENT_LABELS[value]}")
        for value, radio in self.timing.items():
            radio.setAccessibleName(f"{self.name}: when: {TIMING_LABELS[Timing(value)]}")
        if self.evidence is not None and self.detail is not None:
            self.evidence.setAccessibleName(f"{self.name}: evidence")
            self.detail.setAccessibleName(f"{self.name}: detail")


