"""Language, tested: no phrase to avoid (``resources/language/phrases-to-avoid.yaml``) in the words
people read.

Scanned: every form version newer than v1 (a published v1 is frozen: its wording is fixed in a
v2), the fixed wording of the printed reports and the quarterly profile's theme labels (the
newest return home interview's choices and the profile's own). A child's own words, in
quotation marks, are theirs and are left alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from support.language import (
    find_phrases,
    form_texts,
    load_phrases,
    parse_phrases,
)

from cse_desktop.casework.missing_profile import _Labels
from cse_desktop.forms.loader import FormRegistry

ROOT = Path(__file__).resolve().parents[2]
FORM_FILES = sorted(p for p in (ROOT / "forms").glob("*/v*.yaml") if p.name != "v1.yaml")
REPORT_FILES = sorted((ROOT / "cse_desktop" / "reports").glob("*.py"))
#: printed too: the profile's own labels, and the record codes' words the summary prints
PROFILE_FILE = ROOT / "cse_desktop" / "casework" / "missing_profile.py"
LABELS_FILE = ROOT / "cse_desktop" / "domain" / "labels.py"

BAD = [
    "Exchanged sex for money",
    "Sex exchanged for something (money, drugs, a place to stay)",
    "Has an older boyfriend",
    "To see a boyfriend or girlfriend",
    "Sending or receiving sexual images",
    "She sent nude pictures",
    "Sexually active",
    "Associates with a gang or 'line'",
    "He is involved in a gang",
    "She is a gang member",
    "He is in a line",
    "Goes to parties",
    "Travels to towns",
    "Travelling to, or found in, towns with no known link",
    "A drug runner",
    "Dealing",
    "Involved in dealing drugs",
    "Robbing others in the drug trade",
    "Risky behaviour",
    "Putting themselves at risk",
    "Absconded from the placement",
    "Ran off again",
    "A lifestyle choice",
    "She wants to be there",
    "Promiscuous",
    "Street-wise",
    "Drug or alcohol misuse",
    "Substance misuse service",
    "The child perpetrator",
    "Child prostitution",
]

GOOD = [
    "Being used to carry or sell drugs",
    "Asked, pressured or coerced to send sexual images",
    "Sexual images of the child shared by others",
    "Sexually exploited in return for money, drugs or gifts (the adult gave, offered or "
    "promised them)",
    "An adult aged 24 who the young person calls their 'boyfriend'",
    "To see someone they call a 'boyfriend' or 'girlfriend'",
    "Being criminally exploited by a network; targeted by people involved in county lines",
    "Targeted or controlled by people involved in a gang or county lines",
    "Exploited by people in a gang",
    "Linked to an address taken over by people dealing drugs ('cuckooing')",
    "Taken to parties by adults",
    "Taken to, or found in, towns with no known link",
    "Found in Demo Town away from home",
    "Made to commit offences, including robbery",
    "At risk of harm from adults at the address",
    "Went missing; was missing from care",
    "Given drugs or alcohol; using drugs or alcohol (possibly to cope)",
    "A parent's drinking or drug use",
    "A young person who has been made to harm others",
    "Sexual abuse; sexual activity with an adult, of concern because of the age gap",
    "Dealing with the police and the courts",
    "Missing People / Runaway Helpline: call or text 116 000",
    "Youth offending service",
    "Non-consensual sharing of images",
    "How did they travel?",
]


def _report(hits: list[str]) -> str:
    return f"{len(hits)} phrase(s) to avoid:\n" + "\n".join(hits)


def _code_texts(path: Path) -> list[tuple[str, str]]:
    """(file:line, text) for every string constant of a module, docstrings left out."""
    tree = ast.parse(path.read_text("utf-8"))
    docs = {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    where = path.relative_to(ROOT)
    return [(f"{where}:{node.lineno}", node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docs]


def _hits(texts: list[tuple[str, str]]) -> list[str]:
    return [f"{hit}\n    in: {text!r}" for where, text in texts
            for hit in find_phrases(text, where)]


# -- the list and the scanner ----------------------------------------------------------------


def test_the_phrases_file_loads() -> None:
    phrases = load_phrases()
    assert len(phrases) >= 20
    assert all(p.avoid and p.why and p.prefer for p in phrases)
    assert len({p.avoid for p in phrases}) == len(phrases)


def test_the_preferred_wording_is_itself_clean() -> None:
    hits = [f"{p.avoid}: {hit}" for p in load_phrases() for hit in find_phrases(p.prefer)]
    assert not hits, _report(hits)


@pytest.mark.parametrize("text", BAD)
def test_the_scanner_catches_a_phrase_to_avoid(text: str) -> None:
    assert find_phrases(text), text


@pytest.mark.parametrize("text", GOOD)
def test_the_scanner_passes_good_wording(text: str) -> None:
    assert find_phrases(text) == []


def test_a_hit_names_where_what_why_and_what_instead() -> None:
    [hit] = find_phrases("He absconded on Friday", "forms/x/v2.yaml:label")
    assert (hit.where, hit.found, hit.phrase.avoid) == ("forms/x/v2.yaml:label", "absconded",
                                                        "absconded")
    assert "went missing" in str(hit) and "forms/x/v2.yaml:label" in str(hit)


def test_a_bad_entry_is_refused() -> None:
    with pytest.raises(ValueError, match="entry 1"):
        parse_phrases([{"avoid": "x", "why": "y"}])
    with pytest.raises(ValueError, match="bad pattern"):
        parse_phrases([{"avoid": "x", "why": "y", "prefer": "z", "pattern": "(unclosed"}])


def test_form_texts_are_the_words_a_person_reads_not_ids_or_expressions() -> None:
    data = yaml.safe_load("""
        title: "Goes to parties"
        sections:
          - id: risky
            title: "Section"
            show_if: "risky == 'yes'"
            fields:
              - {id: risky, type: single_choice, label: "Choose", choices: risky}
              - id: banner
                type: info
                label: "Absconded"
        scoring:
          modules: {cse: "Promiscuous"}
        flags:
          - {id: dealing, when: "dealing", message: "Ran off"}
    """)
    texts = dict(form_texts(data))
    assert texts == {"title": "Goes to parties", "sections[risky].title": "Section",
                     "sections[risky].fields[risky].label": "Choose",
                     "sections[risky].fields[banner].label": "Absconded",
                     "scoring.modules.cse": "Promiscuous",
                     "flags[dealing].message": "Ran off"}


# -- what people read --------------------------------------------------------------------------


def test_form_versions_newer_than_v1_use_no_phrase_to_avoid() -> None:
    assert FORM_FILES, "no form version newer than v1 to scan"
    hits = []
    for path in FORM_FILES:
        data = yaml.safe_load(path.read_text("utf-8"))
        hits += _hits([(f"{path.relative_to(ROOT)}:{where}", text)
                       for where, text in form_texts(data)])
    assert not hits, _report(hits)


def test_printed_report_wording_uses_no_phrase_to_avoid() -> None:
    texts = [t for path in [*REPORT_FILES, LABELS_FILE] for t in _code_texts(path)]
    assert len(texts) > 100
    hits = _hits(texts)
    assert not hits, _report(hits)


def test_the_quarterly_profile_themes_use_no_phrase_to_avoid() -> None:
    labels = _Labels.load(FormRegistry.load())
    themes = [(f"return-home-interview (newest) {field_id}.{value}", label)
              for field_id, choices in labels.choices.items()
              for value, label in choices.items()]
    assert {"push_factors", "pull_factors", "exploitation_indicators"} <= set(labels.choices)
    hits = _hits(themes + _code_texts(PROFILE_FILE))
    assert not hits, _report(hits)
