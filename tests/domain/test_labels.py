"""Every stored code has its words, in one home.

The codes of the domain (the enums of ``domain/models.py`` and ``RecordKind``) are worded in
``domain/labels.py``; the form engine's own codes (tier, timing, present, evidence) in
``forms/spec.py``.  A new enum member without words fails here, and so does a table for those
codes written anywhere else (a second wording that could drift from the first).
"""

from __future__ import annotations

import ast
from enum import Enum
from pathlib import Path

import pytest

from cse_desktop.domain import labels
from cse_desktop.domain.ids import RecordKind
from cse_desktop.domain.models import (
    ActionStatus,
    AssociationKind,
    EducationStatus,
    EpisodeCategory,
    LegalStatus,
    PoliceRiskGrade,
    Rag,
    RhiStatus,
    RiskLevel,
    Role,
    SenStatus,
)
from cse_desktop.forms import spec
from cse_desktop.forms.values import EVIDENCE_VALUES

PACKAGE = Path(__file__).resolve().parents[2] / "cse_desktop"

#: every label table and the codes it words
TABLES: list[tuple[str, dict, type[Enum] | tuple[str, ...]]] = [
    ("ROLE_LABELS", labels.ROLE_LABELS, Role),
    ("ROLE_WORDS", labels.ROLE_WORDS, Role),
    ("EDUCATION_LABELS", labels.EDUCATION_LABELS, EducationStatus),
    ("SEN_LABELS", labels.SEN_LABELS, SenStatus),
    ("LEGAL_LABELS", labels.LEGAL_LABELS, LegalStatus),
    ("RISK_LABELS", labels.RISK_LABELS, RiskLevel),
    ("RISK_WORDS", labels.RISK_WORDS, RiskLevel),
    ("RAG_WORDS", labels.RAG_WORDS, Rag),
    ("RAG_SHORT", labels.RAG_SHORT, Rag),
    ("RAG_TIPS", labels.RAG_TIPS, Rag),
    ("ACTION_STATUS_LABELS", labels.ACTION_STATUS_LABELS, ActionStatus),
    ("CATEGORY_LABELS", labels.CATEGORY_LABELS, EpisodeCategory),
    ("POLICE_GRADE_LABELS", labels.POLICE_GRADE_LABELS, PoliceRiskGrade),
    ("RHI_STATUS_LABELS", labels.RHI_STATUS_LABELS, RhiStatus),
    ("ASSOCIATION_LABELS", labels.ASSOCIATION_LABELS, AssociationKind),
    ("RECORD_LABELS", labels.RECORD_LABELS, RecordKind),
    ("TIER_LABELS", spec.TIER_LABELS, spec.Tier),
    ("TIER_WORDS", spec.TIER_WORDS, spec.Tier),
    ("TIMING_LABELS", spec.TIMING_LABELS, spec.Timing),
    ("SHORT_TIMING", spec.SHORT_TIMING, spec.Timing),
    ("PRESENT_LABELS", spec.PRESENT_LABELS, spec.PRESENT_VALUES),
    ("EVIDENCE_LABELS", spec.EVIDENCE_LABELS, EVIDENCE_VALUES),
]
#: where each code's words live
HOMES = {PACKAGE / "domain" / "labels.py", PACKAGE / "forms" / "spec.py"}
#: the codes worded in a home, by name (an enum as the source names it), each with its values
WORDED: dict[str, set[str]] = {
    **{codes.__name__: {m.value for m in codes} for _, _, codes in TABLES
       if isinstance(codes, type)},
    "present": set(spec.PRESENT_VALUES), "evidence": set(EVIDENCE_VALUES)}


@pytest.mark.parametrize(("name", "table", "codes"), TABLES, ids=[t[0] for t in TABLES])
def test_every_code_has_words(name: str, table: dict, codes: type[Enum] | tuple[str, ...]
                              ) -> None:
    assert set(table) == set(codes), f"{name}: add words for the new codes (or drop old ones)"
    for words in table.values():
        for text in (words if isinstance(words, tuple) else (words,)):
            assert isinstance(text, str) and text.strip() == text and text, (name, words)


def _words(node: ast.expr) -> bool:
    """A literal string, or a tuple of them: what a label table maps a code to."""
    if isinstance(node, ast.Tuple):
        return all(_words(e) for e in node.elts)
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _enums_of(key: ast.expr | None) -> set[str]:
    """The worded enums a key may name: ``Rag.RED`` or ``Rag.RED.value`` names one; a code
    written as its stored string ("low") names every worded enum holding that value."""
    if isinstance(key, ast.Attribute) and key.attr == "value":
        key = key.value
    if isinstance(key, ast.Attribute) and isinstance(key.value, ast.Name):
        return {key.value.id} & set(WORDED)
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return {n for n, values in WORDED.items() if key.value in values}
    return set()


def _label_tables(path: Path) -> list[tuple[int, str, str]]:
    """Module-level dicts of literal words keyed by one worded set of codes (three or more of
    them, or every one of a smaller set)."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Dict) or not value.keys:
            continue
        if not all(_words(v) for v in value.values):
            continue
        enums = set(WORDED)
        for key in value.keys:
            enums &= _enums_of(key)
        for name in sorted(enums):
            if len(value.keys) >= min(3, len(WORDED[name])):
                found.append((node.lineno, target.id, name))
    return found


def test_the_scan_finds_a_copied_table(tmp_path: Path) -> None:
    copy = tmp_path / "copy.py"
    copy.write_text('LEVELS = {"none": "No concern", "low": "Low", "high": "High"}\n'
                    "GRADES = {PoliceRiskGrade.HIGH: 'High', PoliceRiskGrade.LOW: 'Low',\n"
                    "          PoliceRiskGrade.MEDIUM: 'Medium'}\n"
                    "ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}\n", encoding="utf-8")
    assert _label_tables(copy) == [(1, "LEVELS", "RiskLevel"), (2, "GRADES", "PoliceRiskGrade")]


def test_no_module_outside_the_homes_words_those_codes() -> None:
    strays = [f"{path.relative_to(PACKAGE.parent)}:{line}: {name} words {enum}"
              for path in sorted(PACKAGE.rglob("*.py")) if path not in HOMES
              for line, name, enum in _label_tables(path)]
    assert strays == [], "use the table in domain/labels.py or forms/spec.py instead"
