"""The question asked before a draft becomes a final record, saying what becomes permanent.

Finalising cannot be undone: the answers can no longer be edited, a screening or meeting
record sets the child's risk level (and next review), and a correction is a new record made
with Amend (``casework.submissions.amend``), the final one being kept as it is. The question
says so in plain words, with the level it sets, and its default button (Enter) and Escape
both keep editing: only choosing "Finalise" finalises.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from cse_desktop.casework.submissions import LEVEL_SETTING_FORMS
from cse_desktop.domain.dates import uk_date
from cse_desktop.domain.models import Submission
from cse_desktop.forms.engine import FormContext, FormEngine
from cse_desktop.forms.explain import AnswersNeeded, answers_needed
from cse_desktop.qt.formfill.format import level_label

KEEP_EDITING = "&Keep editing"
FINALISE = "&Finalise"


def finalise_words(*, title: str, form_id: str, person_name: str, outcome: dict[str, Any],
                   answers: dict[str, Any], needed: AnswersNeeded | None) -> tuple[str, str]:
    """(question, what becomes permanent) for finalising a draft of ``form_id``."""
    whose = f"{person_name}'s" if person_name else "the young person's"
    question = f"Finalise this {title.lower()}" + (f" for {person_name}?" if person_name
                                                  else "?")
    lines = ["Once it is final:", "•  its answers can no longer be edited;"]
    key = LEVEL_SETTING_FORMS.get(form_id)
    level = (outcome.get(key) or answers.get(key)) if key else None
    if level:
        sets = f"•  it sets {whose} risk level to {level_label(level)}"
        review = outcome.get("review_date") or answers.get("next_review_date")
        if isinstance(review, str) and review:
            sets += f" and their next review to {uk_date(date.fromisoformat(review))}"
        if outcome.get("approval_pending"):
            sets += (f" (the lower agreed level, {level_label(outcome.get('agreed_level'))}, "
                     "takes effect only when a manager approves it)")
        lines.append(sets + ";")
    lines.append("•  to correct it later, open it and choose Amend: that starts a new record "
                 "from these answers, and this one is kept as it is.")
    if needed is not None and needed.missing:
        lines.append("")
        lines.append(f"{needed.missing} of {needed.total} indicator"
                     f"{'s are' if needed.missing != 1 else ' is'} not answered: the level "
                     "counts them as not present.")
    return question, "\n".join(lines)


class FinaliseQuestion(QMessageBox):
    """"Finalise …?" with Keep editing (the default, and Escape) and Finalise."""

    def __init__(self, question: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(QMessageBox.Icon.Question, "Finalise this form?", question,
                         QMessageBox.StandardButton.NoButton, parent)
        self.setObjectName("finaliseQuestion")
        self.setInformativeText(details)
        self.finalise_button: QPushButton = self.addButton(
            FINALISE, QMessageBox.ButtonRole.AcceptRole)
        self.finalise_button.setAccessibleName("Finalise: make it a final record")
        self.keep_button: QPushButton = self.addButton(
            KEEP_EDITING, QMessageBox.ButtonRole.RejectRole)
        self.keep_button.setAccessibleName("Keep editing the draft")
        self.setDefaultButton(self.keep_button)
        self.setEscapeButton(self.keep_button)

    @classmethod
    def for_draft(cls, engine: FormEngine, draft: Submission, ctx: FormContext, person_name: str,
              parent: QWidget | None = None) -> FinaliseQuestion:
        """The question for finalising ``draft`` now (its outcome in ``ctx``)."""
        spec = engine.form_of(draft).spec
        question, details = finalise_words(
            title=spec.title, form_id=draft.form_id, person_name=person_name,
            outcome=engine.outcome(draft, ctx), answers=draft.answers,
            needed=answers_needed(spec, draft.answers) if spec.scoring is not None else None)
        return cls(question, details, parent)

    @property
    def accepted_finalise(self) -> bool:
        return self.clickedButton() is self.finalise_button
