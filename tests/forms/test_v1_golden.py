"""Screenings begun on v1 score exactly as they did when v1 shipped.

``golden/screening-v1.json`` holds 400 v1 cases (answers, context, outcome) recorded with the
v1 rule as shipped (``golden/make_v1_golden.py``). Every case is scored again with today's
engine, on version 1, and must give the same levels, points, rules and pathway.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from cse_desktop.domain.ids import new_id
from cse_desktop.forms.engine import FormContext, FormEngine

GOLDEN = json.loads((Path(__file__).parent / "golden" / "screening-v1.json").read_text())
NOW = datetime.fromisoformat(GOLDEN["now"])


def _subset(out: dict) -> dict:
    return {k: out[k] for k in ("total", "suggested_level", "deciding_module", "level",
                                "agreed_level", "override", "downgrade", "approved_by",
                                "approval_pending", "call_999", "review_date", "breakdown")} | {
        "modules": {m: {"level": v["level"], "total": v["total"], "breakdown": v["breakdown"]}
                    for m, v in out["modules"].items()},
        "rules": sorted([r["module"], r["id"], r["level"]] for r in out["rules_fired"]),
        "pathway": out["pathway"]}


def test_the_golden_file_covers_every_level() -> None:
    levels = {c["outcome"]["level"] for c in GOLDEN["cases"]}
    assert levels == {"none", "low", "medium", "high"}
    assert any(c["outcome"]["approval_pending"] for c in GOLDEN["cases"])
    assert len(GOLDEN["cases"]) == 400


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: f"case{c['case']}")
def test_v1_outcome_unchanged(engine: FormEngine, case: dict) -> None:
    draft = engine.set_answers(engine.start("exploitation-screening", new_id(), version=1),
                               case["answers"])
    out = engine.outcome(draft, FormContext(now=NOW, **case["context"]))
    assert out["form"] == {"id": "exploitation-screening", "version": 1}
    assert _subset(out) == case["outcome"]
