"""A final submission, read-only: its answers, its stored outcome, and an Amend button."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.domain.dates import uk_datetime
from cse_desktop.domain.models import Submission
from cse_desktop.forms.spec import PRESENT_LABELS, FormSpec
from cse_desktop.qt.formfill.editor import OUTCOME_WIDTH, form_header
from cse_desktop.qt.formfill.fields import plain_label
from cse_desktop.qt.formfill.format import answer_text, computed_text
from cse_desktop.qt.formfill.outcome import FlagsBar, OutcomePanel, banner
from cse_desktop.qt.widgets import button

#: beside an answer a worker marked restricted (left out of copies shared outside the team)
RESTRICTED_TAG = "(restricted)"
RESTRICTED_TAG_HINT = "Restricted: left out of copies shared outside the team"


def restricted_tag() -> QLabel:
    tag = QLabel(RESTRICTED_TAG)
    tag.setObjectName("restrictedTag")
    tag.setToolTip(RESTRICTED_TAG_HINT)
    tag.setAccessibleName(RESTRICTED_TAG_HINT)
    return tag


def _answer(label: str, value: str, name: str = "", *, restricted: bool = False) -> QWidget:
    """One answer: the question on the left, what was recorded on the right (and
    "(restricted)" after it when a worker marked it restricted)."""
    box = QWidget()
    box.setObjectName("answerRow")
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 3, 0, 3)
    layout.setSpacing(16)
    title = plain_label(label, "answerLabel")
    text = plain_label(value, "answerText")
    text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                 | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    text.setAccessibleName((name or label) + (" (restricted)" if restricted else ""))
    text.setAccessibleDescription(value)
    layout.addWidget(title, 2, Qt.AlignmentFlag.AlignTop)
    if restricted:
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(2)
        right.addWidget(text)
        right.addWidget(restricted_tag(), 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(right, 3)
    else:
        layout.addWidget(text, 3, Qt.AlignmentFlag.AlignTop)
    return box


class FinalView(QWidget):
    """What a final record says; corrections are made by amending it."""

    amend_requested = Signal()
    close_requested = Signal()

    def __init__(self, spec: FormSpec, submission: Submission, subtitle: str, *,
                 verification: str = "") -> None:
        super().__init__()
        self.spec, self.submission = spec, submission
        self.setObjectName("formEditor")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)

        when = (f" · finalised {uk_datetime(submission.finalised_at)}"
                if submission.finalised_at else "")
        header, head, _title, self.subtitle = form_header(spec.title,
                                                          f"{subtitle} · Final{when}")
        state = QLabel("Final · read-only")
        state.setObjectName("finalTag")
        state.setAccessibleName("This record is final and read-only")
        head.addWidget(state)
        self.amend_button = button("&Amend", "Amend this final record", role="primary",
                                   tooltip="Start a correction: a new draft from these answers")
        self.close_button = button("&Close", "Close the form")
        head.addWidget(self.amend_button)
        head.addWidget(self.close_button)
        root.addWidget(header)

        body = QHBoxLayout()
        body.setContentsMargins(16, 12, 16, 12)
        body.setSpacing(14)
        root.addLayout(body, 1)

        scroll = QScrollArea()
        scroll.setObjectName("formScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        content.setObjectName("formContent")
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 6, 0)
        column.setSpacing(12)
        notice = banner("This record is final and cannot be changed. To correct it, choose "
                        "Amend: a new draft starts from these answers, and this record is kept "
                        "as it is.", "info", "This record is final")
        column.addWidget(notice)
        if submission.amends:
            column.addWidget(banner("This record corrects an earlier final record.", "info"))
        outcome = submission.outcome or {}
        if spec.scoring is None:
            flags = FlagsBar()
            flags.show_flags(outcome.get("flags", []))
            column.addWidget(flags)
        computed = outcome.get("computed", {})
        for section in spec.sections:
            frame = self._section(section, submission.answers, computed)
            if frame is not None:
                column.addWidget(frame)
        column.addStretch(1)
        scroll.setWidget(content)
        body.addWidget(scroll, 1)

        self.outcome: OutcomePanel | None = None
        if spec.scoring is not None:
            self.outcome = OutcomePanel(spec, read_only=True)
            self.outcome.set_verification(verification)
            self.outcome.show_outcome(outcome, submission.answers)
            side = QScrollArea()
            side.setObjectName("outcomeScroll")
            side.setWidgetResizable(True)
            side.setFrameShape(QFrame.Shape.NoFrame)
            side.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            side.setWidget(self.outcome)
            side.setFixedWidth(OUTCOME_WIDTH)
            body.addWidget(side)

        self.amend_button.clicked.connect(self.amend_requested)
        self.close_button.clicked.connect(self.close_requested)
        QWidget.setTabOrder(self.amend_button, self.close_button)

    def _section(self, section: Any, answers: dict[str, Any],
                 computed: dict[str, Any]) -> QFrame | None:
        rows: list[QWidget] = []
        answered_no: list[str] = []
        for field in section.fields:
            if field.type == "info":
                continue
            if field.type == "computed":
                if field.id in computed and computed[field.id] is not None:
                    labels = {c.value: c.label for c in self.spec.choices_of(field)}
                    rows.append(_answer(field.label, computed_text(computed[field.id],
                                                                   field.display, labels)))
                continue
            value = answers.get(field.id)
            if value is None:
                continue
            if field.type == "indicator" and value.get("present") == "no":
                answered_no.append(field.label)
                continue
            restricted = field.id in self.submission.restricted_fields
            if field.type == "repeat":
                rows.append(self._repeat(field, value, restricted=restricted))
                continue
            rows.append(_answer(field.label, answer_text(self.spec, field, value),
                                restricted=restricted))
        if answered_no:
            rows.append(_answer(f"Answered '{PRESENT_LABELS['no']}'", "; ".join(answered_no),
                                f"{section.title}: answered no"))
        if not rows:
            return None
        frame = QFrame()
        frame.setObjectName("formSection")
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(24, 14, 24, 16)
        layout.setSpacing(2)
        heading = plain_label(section.title, "sectionTitle")
        heading.setAccessibleName(f"Section: {section.title}")
        layout.addWidget(heading)
        layout.addSpacing(6)
        for row in rows:
            layout.addWidget(row)
        return frame

    def _repeat(self, field: Any, rows: list[dict[str, Any]], *,
                restricted: bool = False) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 4, 0, 2)
        layout.setSpacing(6)
        title = plain_label(f"{field.label} ({len(rows)})", "answerLabel")
        if restricted:
            head = QHBoxLayout()
            head.setSpacing(8)
            head.addWidget(title)
            head.addWidget(restricted_tag())
            head.addStretch(1)
            layout.addLayout(head)
        else:
            layout.addWidget(title)
        for i, row in enumerate(rows):
            frame = QFrame()
            frame.setObjectName("repeatRow")
            inner = QVBoxLayout(frame)
            inner.setContentsMargins(14, 8, 14, 8)
            inner.setSpacing(0)
            inner.addWidget(plain_label(f"Row {i + 1}", "repeatHeading"))
            for sub in field.fields:
                if sub.id in row and row[sub.id] is not None:
                    inner.addWidget(_answer(sub.label, answer_text(self.spec, sub, row[sub.id]),
                                            f"{field.label}, row {i + 1}: {sub.label}"))
            layout.addWidget(frame)
        return box
