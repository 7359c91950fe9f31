"""The outcome of a form as it is filled in: the score and level of a screening, or flags.

:class:`OutcomePanel` shows a scored form's outcome (``FormEngine.outcome``): the total and,
per module, its level, its points (labelled as points) and what it counted (labelled as
counts); the rules that fired, led by the one that set the level; the suggested level, the
professional judgement (agreed level, the reason for an override, a downgrade awaiting a
manager's approval), the level that stands and its routes, and the caveat that the score
supports and does not replace professional judgement.

While a draft lacks the answers its level needs (``explain.answers_needed``: the
immediate-danger question and every indicator), the panel says "Not enough answers yet" and
which sections are still to answer, and never shows "No current concern": an unanswered
indicator counts as not present, so such a level would only mean "not asked". A level that
answers have already raised is shown as "at least" that level (more answers can raise it,
never lower it), with the rules that raised it and the routes that do not depend on it.

:class:`FlagsBar` shows the flags of any other form as banners.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from cse_desktop.domain.dates import uk_date
from cse_desktop.forms.explain import (
    answers_needed,
    approval_words,
    count_words,
    outcome_routes,
    points,
    points_words,
    rules_in_order,
)
from cse_desktop.forms.spec import FormSpec
from cse_desktop.qt.formfill.fields import plain_label
from cse_desktop.qt.formfill.format import level_label
from cse_desktop.qt.widgets import button

#: the words of a level a draft has not the answers for (never "No current concern")
NOT_ENOUGH = "Not enough answers yet"
#: how many sections still to answer the panel names (the section list shows them all)
SECTIONS_NAMED = 3
#: the panel's width: enough for this many characters of its text on a line, within the
#: bounds below (the page gives it at most WIDTH_SHARE of its own width)
LINE_CHARACTERS = 48
MIN_WIDTH = 260
WIDTH_SHARE = 0.36

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
    pill.setWordWrap(True)  # "Not enough answers yet" in large text, on a narrow panel
    return pill


def _set_pill(pill: QLabel, level: str | None, text: str = "") -> None:
    text = text or level_label(level)
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
    #: the panel's text changed size (the text size setting): its width may need to follow
    text_resized = Signal()

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
        self.needed = banner("", "info", NOT_ENOUGH)
        self.needed.hide()
        layout.addWidget(self.needed)

        # While filling in, the page shows 'Call 999 now' across the top; a final record
        # says that immediate danger was recorded.
        self.read_only = read_only
        #: the most a level pill may take before it wraps (half the panel: fitting_width)
        self._pill_room = 150
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
        self.so_far = plain_label("", "hint")
        self.so_far.setAccessibleName("So far")
        layout.addWidget(self.so_far)
        self.total = plain_label("", "panelText")
        self.total.setAccessibleName("Score")
        layout.addWidget(self.total)
        self.modules: dict[str, QLabel] = {}
        for module in spec.scoring.modules:
            label = plain_label("", "moduleScore")
            label.setAccessibleName(f"Score: {spec.scoring.modules[module]}")
            self.modules[module] = label
            layout.addWidget(label)

        self.why_heading = plain_label("Why this level", "panelHeading")
        layout.addWidget(self.why_heading)
        self.level_set_by = plain_label("", "pathwayText")
        self.level_set_by.setAccessibleName("What set the suggested level")
        layout.addWidget(self.level_set_by)
        self.prompts = banner("", "warning", "Use your professional judgement")
        layout.addWidget(self.prompts)
        self.rules_heading = plain_label("Rules applied", "panelHeading")
        layout.addWidget(self.rules_heading)
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
        # short: under its heading it needs no more words, and fits the panel in large text
        self.judgement_button = button("Go to the questions",
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
        for empty in (self.so_far, self.level_set_by, self.prompts, self.override, self.rationale,
                      self.approval, self.standing_because, self.same_day, self.pathway):
            empty.hide()  # until there is an outcome to show

    def fitting_width(self, available: int) -> int:
        """The width for this panel beside the questions on a page ``available`` pixels wide:
        about LINE_CHARACTERS characters of its text a line (so it grows with the text size),
        never under MIN_WIDTH nor over WIDTH_SHARE of the page."""
        self.rules.ensurePolished()
        layout = self.layout()
        margins = layout.contentsMargins().left() * 2 if layout is not None else 32
        ideal = (self.rules.fontMetrics().averageCharWidth() * LINE_CHARACTERS
                 + margins + 16)  # 16: the scroll bar
        width = max(MIN_WIDTH, min(ideal, int(available * WIDTH_SHARE)))
        self._pill_room = width // 2
        self._fit_pills()
        return width

    def _fit_pills(self) -> None:
        """Each level on one line when it fits in half the panel; wrapped when it does not."""
        for pill in (self.suggested, self.agreed, self.standing):
            pill.ensurePolished()
            one_line = pill.fontMetrics().horizontalAdvance(pill.text()) + 2 * 12 + 4
            pill.setMinimumWidth(min(one_line, self._pill_room))
            pill.setMaximumWidth(one_line)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.text_resized.emit()
        super().changeEvent(event)

    def set_verification(self, words: str) -> None:
        """Whether a hub has verified this record's approval, in words (empty: not asked)."""
        self.verification = words

    def show_outcome(self, outcome: dict[str, Any], answers: dict[str, Any]) -> None:
        scoring = self.spec.scoring
        assert scoring is not None
        if "suggested_level" not in outcome:
            return
        self.danger.setVisible(self.read_only and bool(outcome.get("call_999")))
        # a final record shows the level it was finalised with, whatever was left unanswered
        needed = None if self.read_only else answers_needed(self.spec, answers)
        enough = needed is None or needed.enough
        if needed is not None and not needed.enough:
            to_answer = [f"{title} ({n})" for title, n in needed.sections]
            if not needed.danger_answered:
                to_answer.insert(0, "Immediate safety")
            more = len(to_answer) - SECTIONS_NAMED
            _set(self.needed, f"{NOT_ENOUGH}\nA suggested level needs every indicator "
                              f"answered (yes, no or possible): {needed.answered} of "
                              f"{needed.total} so far.\nStill to answer: "
                              + ", ".join(to_answer[:SECTIONS_NAMED])
                              + (f" and {more} more section{'s' if more != 1 else ''}."
                                 if more > 0 else "."))
        else:
            _set(self.needed, "")
        suggested_level = outcome["suggested_level"]
        raised = suggested_level != "none"
        # "No current concern" is never shown for a draft without the answers it needs
        _set_pill(self.suggested, suggested_level if enough or raised else None,
                  "" if enough or raised else NOT_ENOUGH)
        _set(self.so_far, "" if enough or not raised else
             f"At least {level_label(suggested_level)} so far: more answers can raise the "
             "suggested level, never lower it.")
        total = outcome["total"]
        deciding = scoring.modules.get(outcome.get("deciding_module", ""), "")
        _set(self.total, f"Score: {points(total)}"
             + (f" (highest: {deciding})" if deciding and total and len(scoring.modules) > 1
                else ""))
        for module, label in self.modules.items():
            data = outcome["modules"].get(module)
            if not data:
                _set(label, "")
                continue
            # the module's level as the headline; its points and counts, each named, below
            # (the points alone may give a lower level than a rule does: the rules say which)
            level = level_label(data["level"]) if enough or data["level"] != "none" \
                else "no level yet"
            lines = [f"{data['label']}: {level}", points_words(data)]
            if counted := count_words(data):
                lines.append(counted)
            _set(label, "\n".join(lines))
        show_why = enough or raised
        self.why_heading.setVisible(show_why)
        self.rules_heading.setVisible(show_why)
        set_by = outcome.get("level_set_by") or {}
        _set(self.level_set_by, f"Set by: {set_by['text']}"
             if show_why and set_by.get("text") else "")
        _set(self.prompts, "\n".join(p["text"] for p in outcome.get("prompts", [])))
        rules = rules_in_order(outcome)
        _set(self.rules, "" if not show_why
             else _bullets(rules) if rules else "No rules raised the level.")
        discussion = [d["label"] for d in outcome.get("for_discussion", [])]
        self.discussion_heading.setVisible(bool(discussion))
        _set(self.discussion, _bullets(discussion))

        _set_pill(self.agreed, outcome.get("agreed_level"))
        suggested = level_label(suggested_level) if enough or raised else NOT_ENOUGH.lower()
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

        standing = outcome.get("level")
        unknown = not enough and standing in (None, "none")
        _set_pill(self.standing, None if unknown else standing, NOT_ENOUGH if unknown else "")
        _set(self.standing_because, "" if outcome.get("approval_pending") or unknown
             else outcome.get("level_standing_because", ""))
        routes = outcome_routes(outcome)
        if unknown:  # only the routes that do not follow the level (999, consultation, NRM)
            by_level = {r.id for r in scoring.routes or [] if r.levels}
            routes = [r for r in routes if scoring.routes and r.get("id") not in by_level]
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
        self._fit_pills()
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
