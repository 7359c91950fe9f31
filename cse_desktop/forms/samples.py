"""Sample answers shipped beside each form version: ``forms/<id>/v<N>.sample.json``.

A sample is a complete, valid, fictional submission with the clock and context it was written
for.  ``cse-desktop forms check`` finalises every sample (so an author learns at once when a
change to a form breaks a realistic submission), the tests use them, and the desktop's
``--self-test`` fills them in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.models import Episode, Person, Submission
from cse_desktop.forms.engine import FormContext, FormEngine, FormInvalid
from cse_desktop.forms.loader import SAMPLE_SUFFIX, Problem, default_forms_dir


@dataclass(frozen=True)
class Sample:
    file: str
    form_id: str
    version: int
    now: datetime
    person: Person
    episode: Episode | None
    answers: dict[str, Any]
    expect: dict[str, Any]

    def context(self) -> FormContext:
        return FormContext(person=self.person, episode=self.episode, now=self.now)


def load_samples(root: Path | None = None) -> list[Sample]:
    root = root or default_forms_dir()
    samples = []
    for path in sorted(root.glob(f"*/v*{SAMPLE_SUFFIX}")):
        name = str(path.relative_to(root.parent))
        try:
            raw = json.loads(path.read_text("utf-8"))
            version = int(path.name.removeprefix("v").removesuffix(SAMPLE_SUFFIX))
            person = Person(given_name=raw["person"]["given_name"],
                            family_name=raw["person"]["family_name"],
                            dob=date.fromisoformat(raw["person"]["dob"]))
            episode = None
            if "episode" in raw:
                episode = Episode(person_id=person.id, **raw["episode"])
            samples.append(Sample(name, path.parent.name, version,
                                  datetime.fromisoformat(raw["now"]), person, episode,
                                  raw["answers"], raw.get("expect", {})))
        except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
            raise ValidationFailed(f"{name}: not a readable sample ({exc})") from None
    return samples


def finalise_sample(engine: FormEngine, sample: Sample) -> Submission:
    """Fill in and finalise a sample; raise ValidationFailed naming what went wrong."""
    draft = engine.start(sample.form_id, sample.person.id, version=sample.version,
                         episode_id=sample.episode.id if sample.episode else None)
    draft = engine.set_answers(draft, sample.answers)
    final = engine.finalise(draft, sample.context())
    outcome = final.outcome or {}
    if "flags" in sample.expect:
        flags = sorted(f["id"] for f in outcome.get("flags", []))
        if flags != sorted(sample.expect["flags"]):
            raise ValidationFailed(f"flags were {flags}, expected {sorted(sample.expect['flags'])}")
    for key in ("suggested_level", "level"):
        if key in sample.expect and outcome.get(key) != sample.expect[key]:
            raise ValidationFailed(f"{key} was {outcome.get(key)}, expected {sample.expect[key]}")
    return final


def check_samples(engine: FormEngine, root: Path | None = None) -> list[Problem]:
    """Every sample that does not finalise as expected, as file:line: path: message."""
    problems = []
    try:
        samples = load_samples(root)
    except ValidationFailed as exc:
        return [Problem(exc.message.split(":")[0], 1, "", exc.message.split(": ", 1)[-1])]
    for sample in samples:
        try:
            finalise_sample(engine, sample)
        except FormInvalid as exc:
            problems += [Problem(sample.file, 1, f"answers.{path}", "; ".join(messages))
                         for path, messages in exc.errors.items()]
        except ValidationFailed as exc:
            problems.append(Problem(sample.file, 1, "answers", exc.message))
    return problems
