"""Child-friendly wording in form files (issue 14, item 8): the optional ``child_text`` of a
section and its questions, what the loader accepts and refuses, and the return home interview's
version 3 that uses it: it loads, asks exactly what version 2 asks, and a version 2 record
still validates and scores as before."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support.language import find_phrases, form_texts

from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.loader import FormLoadError, FormRegistry, load_form_text
from cse_desktop.forms.samples import Sample, finalise_sample, load_samples

RHI = "return-home-interview"
ROOT = Path(__file__).resolve().parents[2]

FORM = """\
schema_version: 1
id: example
version: 1
title: "Example"
sections:
  - id: voice
    title: "The young person's voice"
{section_child}
    fields:
      - id: own_words
        type: long_text
        label: "What the young person said, in their own words"
{field_child}
      - id: people
        type: repeat
        label: "People"
        fields:
          - id: person_name
            type: text
            label: "Name"
{repeat_child}
"""


def _form(section_child: str = "", field_child: str = "", repeat_child: str = "") -> str:
    return FORM.format(section_child=section_child, field_child=field_child,
                       repeat_child=repeat_child)


SECTION_CHILD = '    child_text: {label: "What you want to say", help: "This part is about you."}'
FIELD_CHILD = '        child_text: {label: "What you want to tell us"}'


@pytest.fixture(scope="module")
def registry() -> FormRegistry:
    return FormRegistry.load()


@pytest.fixture(scope="module")
def engine(registry: FormRegistry) -> FormEngine:
    return FormEngine(registry)


# -- the schema and the loader -----------------------------------------------------------------


def test_a_section_and_its_questions_may_give_child_friendly_wording() -> None:
    spec = load_form_text(_form(SECTION_CHILD, FIELD_CHILD))
    section = spec.sections[0]
    assert section.child_text is not None
    assert (section.child_text.label, section.child_text.help) == (
        "What you want to say", "This part is about you.")
    own_words = spec.field("own_words")
    assert own_words.child_text.label == "What you want to tell us"
    assert own_words.child_text.help == ""
    assert spec.field("people").child_text is None


def test_without_child_text_a_form_loads_as_before() -> None:
    spec = load_form_text(_form())
    assert spec.sections[0].child_text is None and spec.field("own_words").child_text is None


def test_a_questions_wording_needs_its_section_to_have_one_too() -> None:
    with pytest.raises(FormLoadError) as err:
        load_form_text(_form(field_child=FIELD_CHILD), "example.yaml")
    [problem] = err.value.problems
    assert problem.path == "sections[0].fields[0].child_text"
    assert "has no child_text" in problem.message
    assert problem.line == 13  # the line of its child_text in the file


def test_a_repeat_groups_fields_take_no_child_text() -> None:
    repeat = '            child_text: {label: "Their name"}'
    with pytest.raises(FormLoadError, match="top-level questions"):
        load_form_text(_form(SECTION_CHILD, repeat_child=repeat))


@pytest.mark.parametrize("child, message", [
    ('    child_text: {label: ""}', "at least 1 character"),
    ('    child_text: {help: "No label"}', "'label' is required"),
    ('    child_text: {label: "Hi", title: "x"}', "unknown key 'title'"),
    ('    child_text: "just words"', "valid dictionary"),
])
def test_malformed_child_text_is_refused_with_its_place(child: str, message: str) -> None:
    with pytest.raises(FormLoadError, match=message):
        load_form_text(_form(child))


# -- the return home interview, version 3 --------------------------------------------------------


def test_version_3_is_the_newest_and_gives_child_wording_where_the_childs_words_are_recorded(
        registry: FormRegistry) -> None:
    assert registry.versions(RHI)[-2:] == [2, 3]
    v3 = registry.latest(RHI)
    worded = {s.id: s.child_text for s in v3.sections if s.child_text is not None}
    assert set(worded) == {"after", "voice"}
    assert worded["voice"].label == "What you want to say"
    assert v3.field("child_own_words").child_text.label == "What you want to tell us"
    # every question with child wording sits in a section that has it
    for section in v3.sections:
        for field in section.fields:
            assert field.child_text is None or section.child_text is not None


def test_version_3_asks_exactly_what_version_2_asks(registry: FormRegistry) -> None:
    v2, v3 = registry.get(RHI, 2), registry.get(RHI, 3)
    assert all(s.child_text is None for s in v2.sections)

    def without_child_text(spec):  # type: ignore[no-untyped-def]
        data = spec.model_dump()
        for section in data["sections"]:
            section.pop("child_text")
            for field in section["fields"]:
                field.pop("child_text")
                for sub in field.get("fields", []):
                    sub.pop("child_text")
        return {k: v for k, v in data.items() if k != "version"}

    assert without_child_text(v3) == without_child_text(v2)


def test_a_version_2_record_still_validates_and_scores_as_before(
        engine: FormEngine) -> None:
    [v2_sample] = [s for s in load_samples() if s.form_id == RHI and s.version == 2]
    final = finalise_sample(engine, v2_sample)  # on its own version, as a stored record is
    assert final.form_version == 2
    as_v3 = Sample(v2_sample.file, RHI, 3, v2_sample.now, v2_sample.person,
                   v2_sample.episode, v2_sample.answers, v2_sample.expect)
    final_v3 = finalise_sample(engine, as_v3)
    assert final_v3.form_version == 3
    def scored(outcome):  # type: ignore[no-untyped-def]
        return {k: v for k, v in (outcome or {}).items() if k != "form"}

    assert final.outcome["form"] == {"id": RHI, "version": 2}
    assert scored(final_v3.outcome) == scored(final.outcome)
    assert scored(final.outcome)["flags"]
    assert final_v3.answers == final.answers


def test_every_sample_of_every_version_still_finalises(engine: FormEngine) -> None:
    samples = [s for s in load_samples() if s.form_id == RHI]
    assert {s.version for s in samples} >= {1, 2, 3}
    for sample in samples:
        assert finalise_sample(engine, sample).form_version == sample.version


def test_the_child_wording_is_scanned_by_the_language_check_and_is_clean() -> None:
    data = yaml.safe_load((ROOT / "forms" / RHI / "v3.yaml").read_text("utf-8"))
    texts = [(where, text) for where, text in form_texts(data) if ".child_text." in where]
    assert len(texts) >= 12
    assert ("sections[voice].child_text.label", "What you want to say") in texts
    hits = [str(hit) for where, text in texts for hit in find_phrases(text, where)]
    assert not hits, hits
    # and the checker does catch a phrase to avoid in child wording
    assert find_phrases("Why did you run off?")
