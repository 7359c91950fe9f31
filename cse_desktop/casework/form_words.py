"""Forms in words: a submission's form title and the words its choice answers stand for.

Shared by the chronology, the return home interview clock and the printed summary, so a form
reads the same everywhere.  Wording comes from the shipped forms (the newest wording of the
same question); without them, the code itself, tidied.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from cse_desktop.domain.ids import FormId
from cse_desktop.domain.labels import RISK_LABELS
from cse_desktop.domain.models import RiskLevel, Submission
from cse_desktop.forms.loader import FormLoadError, FormRegistry, default_forms_dir
from cse_desktop.forms.spec import FormSpec

#: short titles for the forms the app ships (other forms use their own title)
FORM_TITLES: dict[str, str] = {
    FormId.SCREENING: "Exploitation screening",
    FormId.RMM_REVIEW: "Risk Management Meeting",
    FormId.RETURN_HOME_INTERVIEW: "Return home interview",
    FormId.PARENT_SESSION: "Parent session",
}


@functools.lru_cache(maxsize=4)
def _registry_at(root: str) -> FormRegistry | None:
    try:
        return FormRegistry.load(Path(root))
    except FormLoadError:
        return None


def default_registry() -> FormRegistry | None:
    """The shipped forms (loaded once); None if they cannot be read (titles then fall back)."""
    return _registry_at(str(default_forms_dir()))


class FormWords:
    """Titles and choice labels from ``registry`` (None: the shipped forms)."""

    def __init__(self, registry: FormRegistry | None = None) -> None:
        self.registry = registry if registry is not None else default_registry()

    def spec(self, submission: Submission) -> FormSpec | None:
        if self.registry is None:
            return None
        try:
            return self.registry.get(submission.form_id, submission.form_version)
        except KeyError:
            return None

    def title(self, submission: Submission) -> str:
        if submission.form_id in FORM_TITLES:
            return FORM_TITLES[submission.form_id]
        spec = self.spec(submission)
        if spec is not None:
            return spec.title
        return submission.form_id.replace("-", " ").capitalize()

    def label(self, submission: Submission, field_id: str, value: Any) -> str:
        """The words a choice answer stands for ('home_visit' -> 'Home visit')."""
        if value is None or value == "":
            return ""
        if self.registry is not None:  # in the newest wording of the same question
            words = self.registry.wording(submission.form_id, submission.form_version,
                                          field_id, str(value))
            if words is not None:
                return words
        return level_words(value) or str(value).replace("_", " ").capitalize()


def level_words(value: Any) -> str:
    """A stored risk level in words ('medium' -> 'Medium'); '' for anything else."""
    try:
        return RISK_LABELS[RiskLevel(str(value))]
    except ValueError:
        return ""


def form_title(submission: Submission, registry: FormRegistry | None = None) -> str:
    """The short title of a submission's form ('Exploitation screening')."""
    return FormWords(registry).title(submission)
