"""The sensitivity file beside a form version (``v<N>.sensitivity.yaml``): read, checked
against its version, and asked through FormRegistry.categories."""

from __future__ import annotations

from pathlib import Path

import pytest

from cse_desktop.domain.errors import ValidationFailed
from cse_desktop.domain.models import SubmissionStatus
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.loader import FormLoadError, FormRegistry
from cse_desktop.forms.sensitivity import ALL_CATEGORIES, Category

from .test_loader import BASE, write_form

GOOD = """\
# categories of demo-form version 1
schema_version: 1
form: demo-form
version: 1
fields:
  colour_note: [own_words, third_party]
  places: [location]
  place_visits: [intelligence]
"""


def _load(tmp_path: Path, sidecar: str, name: str = "v1.sensitivity.yaml") -> FormRegistry:
    root = tmp_path / "forms"
    write_form(root, "demo-form", "v1.yaml", BASE)
    write_form(root, "demo-form", name, sidecar)
    return FormRegistry.load(root)


def _problems(tmp_path: Path, sidecar: str, name: str = "v1.sensitivity.yaml") -> list[str]:
    with pytest.raises(FormLoadError) as info:
        _load(tmp_path, sidecar, name)
    return [str(p) for p in info.value.problems]


def test_a_field_has_the_categories_its_file_gives(tmp_path: Path) -> None:
    registry = _load(tmp_path, GOOD)
    assert registry.has_sensitivity("demo-form", 1)
    assert registry.categories("demo-form", 1, "colour_note") == {Category.OWN_WORDS,
                                                                  Category.THIRD_PARTY}
    assert registry.categories("demo-form", 1, "places") == {Category.LOCATION}
    # a field in a repeat group by its own id (its group's categories are asked separately)
    assert registry.categories("demo-form", 1, "place_visits") == {Category.INTELLIGENCE}
    assert registry.categories("demo-form", 1, "name") == frozenset()  # not listed: none


def test_without_a_file_or_for_an_unknown_field_every_category_applies(tmp_path: Path) -> None:
    root = tmp_path / "forms"
    write_form(root, "demo-form", "v1.yaml", BASE)
    registry = FormRegistry.load(root)
    assert not registry.has_sensitivity("demo-form", 1)
    assert registry.categories("demo-form", 1, "name") == ALL_CATEGORIES  # fail closed
    assert registry.categories("other-form", 3, "name") == ALL_CATEGORIES
    assert _load(tmp_path / "b", GOOD).categories("demo-form", 1, "ghost") == ALL_CATEGORIES


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    bad = """\
schema_version: 1
form: other-form
version: 2
colour: red
fields:
  name: [own_words, own_words]
  ghost: [location]
  colour: [gossip]
  tags: []
"""
    assert _problems(tmp_path, bad) == [
        "forms/demo-form/v1.sensitivity.yaml:4: colour: unknown key 'colour'",
        "forms/demo-form/v1.sensitivity.yaml:2: form: 'form' must be 'demo-form', the form "
        "beside it",
        "forms/demo-form/v1.sensitivity.yaml:3: version: 'version' must be 1, as its file "
        "name says",
        "forms/demo-form/v1.sensitivity.yaml:6: fields.name[1]: the category 'own_words' is "
        "listed twice",
        "forms/demo-form/v1.sensitivity.yaml:7: fields.ghost: there is no field 'ghost' in "
        "version 1",
        "forms/demo-form/v1.sensitivity.yaml:8: fields.colour[0]: unknown category 'gossip' "
        "(known: disclosure, sexual_health, identity, own_words, third_party, location, "
        "intelligence, health)",
        "forms/demo-form/v1.sensitivity.yaml:9: fields.tags: give a list of one or more "
        "categories",
    ]


def test_a_file_without_its_form_version_is_reported(tmp_path: Path) -> None:
    assert _problems(tmp_path, GOOD.replace("version: 1", "version: 2"),
                     "v2.sensitivity.yaml") == [
        "forms/demo-form/v2.sensitivity.yaml:1: there is no form version beside this "
        "sensitivity file (expected v<N>.sensitivity.yaml beside v<N>.yaml)"]


@pytest.mark.parametrize("text", ["- just a list\n", "fields: [a]\n", "a: [\n", "!!python/x 1\n"])
def test_a_malformed_file_is_refused_plainly(tmp_path: Path, text: str) -> None:
    problems = _problems(tmp_path, text)
    assert problems and all(p.startswith("forms/demo-form/v1.sensitivity.yaml:")
                            for p in problems)


def test_the_real_forms_load_with_their_sensitivity_files() -> None:
    registry = FormRegistry.load()
    assert registry.categories("exploitation-screening", 2, "vul_identity") == {
        Category.IDENTITY}
    assert Category.DISCLOSURE in registry.categories("exploitation-screening", 1,
                                                      "ind_f_sexual_images")


def test_a_worker_marks_a_decision_or_note_restricted_and_an_amendment_keeps_it() -> None:
    engine = FormEngine(FormRegistry.load())
    draft = engine.start("rmm-review", "00000000-0000-4000-8000-000000000001", version=1)
    draft = engine.set_restricted(draft, "decisions")
    draft = engine.set_restricted(draft, "presenting_concerns")
    draft = engine.set_restricted(draft, "decisions")  # marked once only
    assert draft.restricted_fields == ["presenting_concerns", "decisions"]
    assert engine.set_restricted(draft, "decisions", False).restricted_fields == [
        "presenting_concerns"]
    for bad in ("ghost", "marking_banner"):  # not a question; an info banner
        with pytest.raises(ValidationFailed):
            engine.set_restricted(draft, bad)
    final = draft.model_copy(update={"status": SubmissionStatus.FINAL})
    with pytest.raises(ValidationFailed, match="amend"):
        engine.set_restricted(final, "decisions")
    assert engine.amend(final).restricted_fields == ["presenting_concerns", "decisions"]
