"""The outcome of a form as it is filled in: the score and level of a screening, or flags.

:class:`OutcomePanel` shows a scored form's outcome (``FormEngine.outcome``): the total and the
breakdown per module, the rules that fired, the suggested level, the professional judgement
(agreed level, the reason for an override, a downgrade awaiting a manager's approval), the
level that stands and its pathway, and the caveat that the score supports and does not replace
professional judgement.  :class:`FlagsBar` shows the flags of any other form as banners.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from cse_desktop.domain.dates import uk_date
from cse_desktop.forms.explain import approval_words, fired_rule_words, outcome_routes
from cse_desktop.forms.spec import BREAKDOWN_WORDS, FormSpec
from cse_desktop.qt.formfill.fields import plain_label
from cse_desktop.qt.formfill.format import level_label
from cse_desktop.qt.widgets import button

CALL_999 = ("Call 999 now: the young person is in immediate danger. Then tell your manager and "
            "children's social care. Finish this form afterwards: it saves as you go.")


def banner(text: str, style: str, name: str = "") -> QLabel:
    label = plain_label(text, "formBanner")
    label.setProperty("bannerStyle", style)
    label.setAccessibleName(name or text)
    return label


def call_999_banner() -> QLabel:
    label = plain_label(CALL_999, "call999")
    label.setAccessibleName("Call 999 now")
    label.setAccessibleDescription(CALL_999)
    return label


def _set(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)
    label.setVisible(bool(text))


def _pill(name: str) -> QLabel:
    pill = QLabel()
    pill.setObjectName("levelPill")
    pill.setAccessibleName(name)
    pill.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return pill


def _set_pill(pill: QLabel, level: str | None) -> None:
    text = level_label(level)
    if pill.text() != text:
        pill.setText(text)
        pill.setAccessibleDescription(text)
    if pill.property("level") != (level or "unset"):
        pill.setProperty("level", level or "unset")
        pill.style().unpolish(pill)
        pill.style().polish(pill)


def _bullets(items: list[str]) -> str:
    return "\n".join(f"•  {item}" for item in items)


class OutcomePanel(QFrame):
    """A scored form's outcome, refreshed as the answers change."""

    #: the worker asked to go to the professional-judgement questions
    judgement_requested = Signal()

    def __init__(self, spec: FormSpec, *, read_only: bool = False) -> None:
        super().__init__()
        assert spec.scoring is not None
        self.spec = spec
        self.setObjectName("outcomePanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 16)
        layout.setSpacing(6)
        title = plain_label("Outcome", "panelTitle")
        layout.addWidget(title)

        # While filling in, the page shows 'Call 999 now' across the top; a final record
        # says that immediate danger was recorded.
        self.read_only = read_only
        self.verification = ""
        self.danger = banner("Immediate danger was recorded: the worker was told to call 999.",
                             "danger", "Immediate danger recorded")
        self.danger.hide()
        layout.addWidget(self.danger)

        row = QHBoxLayout()
        row.addWidget(plain_label("Suggested level", "panelLabel"), 1)
        self.suggested = _pill("Suggested level")
        row.addWidget(self.suggested)
        layout.addLayout(row)
        self.total = plain_label("", "panelText")
        self.total.setAccessibleName("Score")
        layout.addWidget(self.total)
        self.modules: dict[str, QLabel] = {}
        for module in spec.scoring.modules:
            label = plain_label("", "moduleScore")
            label.setAccessibleName(f"Score: {spec.scoring.modules[module]}")
            self.modules[module] = label
            layout.addWidget(label)

        layout.addWidget(plain_label("Why this level", "panelHeading"))
        self.level_set_by = plain_label("", "pathwayText")
        self.level_set_by.setAccessibleName("What set the suggested level")
        layout.addWidget(self.level_set_by)
        self.prompts = banner("", "warning", "Use your professional judgement")
        layout.addWidget(self.prompts)
        layout.addWidget(plain_label("Rules applied", "panelHeading"))
        self.rules = plain_label("", "panelText")
        self.rules.setAccessibleName("Rules applied")
        layout.addWidget(self.rules)
        self.discussion_heading = plain_label("For discussion (answered 'possible')",
                                              "panelHeading")
        layout.addWidget(self.discussion_heading)
        self.discussion = plain_label("", "panelText")
        self.discussion.setAccessibleName("For discussion")
        layout.addWidget(self.discussion)

        layout.addWidget(plain_label("Professional judgement", "panelHeading"))
        row = QHBoxLayout()
        row.addWidget(plain_label("Agreed level", "panelLabel"), 1)
        self.agreed = _pill("Agreed level")
        row.addWidget(self.agreed)
        layout.addLayout(row)
        self.override = banner("", "info", "Override")
        layout.addWidget(self.override)
        self.rationale = plain_label("", "panelText")
        self.rationale.setAccessibleName("Reason for the override")
        layout.addWidget(self.rationale)
        self.approval = banner("", "warning", "Manager's approval")
        layout.addWidget(self.approval)
        self.judgement_button = button("Go to the professional judgement",
                                       "Go to the professional judgement questions",
                                       role="link")
        self.judgement_button.clicked.connect(self.judgement_requested)
        self.judgement_button.setVisible(not read_only)
        link_row = QHBoxLayout()
        link_row.addWidget(self.judgement_button)
        link_row.addStretch(1)
        layout.addLayout(link_row)

        layout.addWidget(plain_label("What happens next", "panelHeading"))
        row = QHBoxLayout()
        row.addWidget(plain_label("Level that stands", "panelLabel"), 1)
        self.standing = _pill("Level that stands")
        row.addWidget(self.standing)
        layout.addLayout(row)
        self.standing_because = plain_label("", "panelText")
        self.standing_because.setAccessibleName("Why this level stands")
        layout.addWidget(self.standing_because)
        self.same_day = banner("", "danger", "Today")
        layout.addWidget(self.same_day)
        self.pathway = plain_label("", "pathwayText")
        self.pathway.setAccessibleName("Routes")
        self.pathway.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.pathway)
        self.review = plain_label("", "panelText")
        self.review.setAccessibleName("Review date")
        layout.addWidget(self.review)
        self.caveat = plain_label("", "caveat")
        self.caveat.setAccessibleName("Caveat")
        layout.addWidget(self.caveat)
        layout.addStretch(1)
        for empty in (self.level_set_by, self.prompts, self.override, self.rationale,
                      self.approval, self.standing_because, self.same_day, self.pathway):
            empty.hide()  # until there is an outcome to show

    def set_verification(self, words: str) -> None:
        """Whether a hub has verified this record's approval, in words (empty: not asked)."""
        self.verification = words

    def show_outcome(self, outcome: dict[str, Any], answers: dict[str, Any]) -> None:
        scoring = self.spec.scoring
        assert scoring is not None
        if "suggested_level" not in outcome:
            return
        self.danger.setVisible(self.read_only and bool(outcome.get("call_999")))
        _set_pill(self.suggested, outcome["suggested_level"])
        total = outcome["total"]
        deciding = scoring.modules.get(outcome.get("deciding_module", ""), "")
        _set(self.total, f"Score: {total} point{'s' if total != 1 else ''}"
             + (f" (highest: {deciding})" if deciding and total and len(scoring.modules) > 1
                else ""))
        for module, label in self.modules.items():
            data = outcome["modules"].get(module)
            if not data:
                _set(label, "")
                continue
            parts = [f"{BREAKDOWN_WORDS.get(k, k)} {v}" for k, v in data["breakdown"].items()]
            _set(label, f"{data['label']}: {data['total']} point"
                        f"{'s' if data['total'] != 1 else ''} → {level_label(data['level'])}\n"
                        + ", ".join(parts))
        set_by = outcome.get("level_set_by") or {}
        _set(self.level_set_by, f"Set by: {set_by['text']}" if set_by.get("text") else "")
        _set(self.prompts, "\n".join(p["text"] for p in outcome.get("prompts", [])))
        rules = [fired_rule_words(r) for r in outcome.get("rules_fired", [])]
        _set(self.rules, _bullets(rules) if rules else "No rules raised the level.")
        discussion = [d["label"] for d in outcome.get("for_discussion", [])]
        self.discussion_heading.setVisible(bool(discussion))
        _set(self.discussion, _bullets(discussion))

        _set_pill(self.agreed, outcome.get("agreed_level"))
        suggested = level_label(outcome["suggested_level"])
        if outcome.get("override"):
            direction = "lower than" if outcome.get("downgrade") else "higher than"
            _set(self.override, f"Override: the agreed level is {direction} the suggested "
                                f"level ({suggested}).")
            reason = (answers.get(scoring.rationale_field) or "").strip()
            _set(self.rationale, f"Why: {reason}" if reason
                 else "Why: not given yet. Explain why the levels differ.")
        else:
            _set(self.override, "")
            _set(self.rationale, "")
        if outcome.get("approval_pending"):
            _set(self.approval, outcome.get("level_standing_because")
                 or "Lower level awaiting manager approval: the suggested level "
                    f"({suggested}) stands until a manager approves the lower level.")
        elif outcome.get("downgrade") and outcome.get("approved_by"):
            _set(self.approval, approval_words(outcome, self.verification))
        else:
            _set(self.approval, "")

        _set_pill(self.standing, outcome.get("level"))
        _set(self.standing_because, "" if outcome.get("approval_pending")
             else outcome.get("level_standing_because", ""))
        routes = outcome_routes(outcome)
        today = [r["label"] for r in routes if r.get("same_day")]
        _set(self.same_day, ("Today: " + "; ".join(today) + ".") if today else "")
        _set(self.pathway, "<br><br>".join(
            f"<b>{escape(r['label'])}</b><br>{escape(r['text'])}"
            + (f"<br><i>Why: {escape(r['reason'])}.</i>" if r.get("reason") else "")
            for r in routes))
        review = outcome.get("review_date")
        if review:
            _set(self.review, f"Review by {uk_date(date.fromisoformat(review))}")
        else:
            _set(self.review, "")
        _set(self.caveat, outcome.get("caveat") or "The score supports, and does not "
                                                   "replace, professional judgement.")


class FlagsBar(QWidget):
    """The flags an unscored form raises (e.g. 'rescreen', 'repeat missing'), as banners."""

    def __init__(self) -> None:
        super().__init__()
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(6)
        self.banners: dict[str, QLabel] = {}
        self.hide()

    def show_flags(self, flags: list[dict[str, str]]) -> None:
        wanted = {f["id"]: f["message"] for f in flags}
        for flag_id in list(self.banners):
            if flag_id not in wanted:
                gone = self.banners.pop(flag_id)
                gone.hide()
                self.layout_.removeWidget(gone)
                gone.deleteLater()
        for flag_id, message in wanted.items():
            if flag_id not in self.banners:
                label = banner(message, "warning", f"Flag: {message}")
                label.setProperty("flag", flag_id)
                self.banners[flag_id] = label
                self.layout_.addWidget(label)
                label.show()
        self.setVisible(bool(wanted))

    def flag_ids(self) -> list[str]:
        return list(self.banners)


def separator() -> QFrame:
    line = QFrame()
    line.setObjectName("separator")
    line.setFrameShape(QFrame.Shape.HLine)
    return line
