"""Writes ``screening-v1.json``: exploitation screening v1 outcomes, recorded once.

Run with the v1 rule as it shipped (commit 802aa0d) to record what v1 submissions score; the
test ``test_v1_golden.py`` re-scores every case with today's engine and requires the same
outcome. Never re-run it to "fix" a failing golden test: a difference is a change to how old
screenings score, which is exactly what must not happen.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

from cse_desktop.domain.ids import new_id
from cse_desktop.forms.engine import FormContext, FormEngine
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.spec import IndicatorField, Tier

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
TIMINGS = ["current", "6-12m", "both", "historic"]
LEVELS = ["none", "low", "medium", "high"]


def main() -> None:
    engine = FormEngine(FormRegistry.load())
    spec = engine.form("exploitation-screening", 1).spec
    indicators = [f for f in spec.all_fields() if isinstance(f, IndicatorField)]
    rng = random.Random(20261205)
    cases = []
    for i in range(400):
        density = rng.choice([0.02, 0.05, 0.1, 0.2, 0.4])
        answers: dict = {}
        for f in indicators:
            if rng.random() > density:
                continue
            present = rng.choice(["yes", "yes", "no", "possible"] if f.allow_possible
                                 else ["yes", "no"])
            value = {"present": present}
            if present == "yes" and f.tier in (Tier.MODERATE, Tier.SIGNIFICANT) \
                    and rng.random() > 0.1:
                value["timing"] = rng.choice(TIMINGS)
            answers[f.id] = value
        if rng.random() < 0.2:
            answers["immediate_danger"] = rng.choice(["yes", "no"])
        if rng.random() < 0.5:
            answers["agreed_level"] = rng.choice(LEVELS)
            if rng.random() < 0.5:
                answers["override_rationale"] = "Agreed at the team meeting."
            if rng.random() < 0.5:
                answers["approved_by"] = "Sam Manager"
        context = {"age": rng.choice([None, 9, 11, 12, 13, 14, 15, 16, 17]),
                   "sen": rng.random() < 0.2,
                   "missing_episodes_30d": rng.choice([0, 0, 1, 2, 3, 4]),
                   "missing_overnight": rng.random() < 0.2}
        draft = engine.set_answers(engine.start(spec.id, new_id(), version=1), answers)
        out = engine.outcome(draft, FormContext(now=NOW, **context))
        cases.append({"case": i, "answers": answers, "context": context, "outcome": {
            k: out[k] for k in ("total", "suggested_level", "deciding_module", "level",
                                "agreed_level", "override", "downgrade", "approved_by",
                                "approval_pending", "call_999", "review_date", "breakdown")}
            | {"modules": {m: {"level": v["level"], "total": v["total"],
                               "breakdown": v["breakdown"]}
                           for m, v in out["modules"].items()},
               "rules": sorted([r["module"], r["id"], r["level"]]
                               for r in out["rules_fired"]),
               "pathway": out["pathway"]}})
    path = Path(__file__).with_name("screening-v1.json")
    path.write_text(json.dumps({"now": NOW.isoformat(), "cases": cases}, indent=None,
                               sort_keys=True) + "\n")
    print(f"{len(cases)} cases → {path}")


if __name__ == "__main__":
    main()
