"""Reports benchmark (DESIGN.md section 7): an RMM case summary with 300 chronology rows
(budget 1.5 s) and an agenda pack of 20 young people (budget 15 s).

Both are measured against reportlab alone *in the same run*: the raw reference lays out the
same number of table rows (300 for the summary; 20 documents of the same size for the pack)
with the shared page furniture, no store reads and no redaction. All data is fictional.

No timing is asserted: the script prints a table, writes JSON to ``bench/results/`` and
exits 0. Run from the project root::

    .venv/bin/python bench/bench_reports.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from reportlab.platypus import Paragraph

from cse_desktop.casework.chronology import build_chronology
from cse_desktop.domain.models import (
    Action,
    Episode,
    Owner,
    Person,
    RiskLevel,
    Role,
    Submission,
)
from cse_desktop.reports.agenda import build_agenda
from cse_desktop.reports.page import PrintMeta, render, styles, table
from cse_desktop.reports.summary import build_summary
from cse_desktop.store import KdfParams, Workspace

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PASSPHRASE = "fictional bench passphrase 7"


def _timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _seed(ws: Workspace, *, rows: int, people: int, now: datetime) -> tuple[str, list[str]]:
    """One child with about ``rows`` chronology entries; ``people`` children due at the RMM."""
    children = ws.people.add_many([
        Person(given_name=f"Bench{i}", family_name="Fictional", dob=date(2010, 1, 1 + i % 27),
               risk_level=RiskLevel.HIGH, allocated_worker="B. Bench-Worker",
               next_review=(now + timedelta(days=3)).date())
        for i in range(max(people, 1))])
    main = children[0].id
    # a missing episode makes two chronology rows (missing, returned), an action two (agreed,
    # due), a final form one, the profile one
    third = max(rows // 6, 1)
    starts = [now - timedelta(days=2 + i * 2, hours=3) for i in range(third)]
    ws.episodes.add_many([Episode(person_id=main, started_at=s, returned_at=s + timedelta(
        hours=5)) for s in starts])
    ws.actions.add_many([Action(person_id=main, text=f"Bench action {i}", owner="B. Bench",
                                due=(now - timedelta(days=i)).date()) for i in range(third)])
    forms = ws.submissions.add_many([Submission(form_id="rmm-review", form_version=1,
                                                person_id=main, answers={})
                                     for _ in range(max(rows - 4 * third - 1, 1))])
    for form in forms:
        ws.submissions.finalise(form.id, outcome={})
    for child in children[1:]:
        ws.episodes.add(Episode(person_id=child.id, started_at=now - timedelta(days=5),
                                returned_at=now - timedelta(days=4)))
    return main, [c.id for c in children]


def _raw_document(rows: int, meta: PrintMeta) -> bytes:
    st = styles()
    body = [["Date", "Type", "Summary"]] + [
        [f"{i % 28 + 1} Mar 2026", "Event", f"Bench row {i} with a line of fictional text"]
        for i in range(rows)]
    return render(lambda: [Paragraph("Raw reference", st["title"]),
                           table(body, [80, 80, 300], st=st)], meta)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the sizes (0.05 in the test suite)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = max(int(300 * args.scale), 6)
    pack = max(int(20 * args.scale), 2)
    now = datetime.now(UTC)
    meta = PrintMeta(title="Bench", printed_by="B. Bench-Worker", printed_at=now)
    results: dict[str, object] = {"scale": args.scale, "rows": rows, "pack": pack,
                                  "at": now.isoformat(), "load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="cse-bench-reports-") as tmp:
        ws, _ = Workspace.create(Path(tmp) / "ws", PASSPHRASE,
                                 Owner(name="B. Bench-Worker", role=Role.MANAGER,
                                       team="Bench Team"),
                                 kdf=KdfParams.insecure_for_tests())
        with ws:
            main_id, _children = _seed(ws, rows=rows, people=pack, now=now)
            chronology_rows = len(build_chronology(ws, main_id))
            summary_s, pdf = _timed(lambda: build_summary(ws, main_id, meta=meta),
                                    args.repeats)
            raw_summary_s, _ = _timed(lambda: _raw_document(chronology_rows, meta),
                                      args.repeats)
            meeting = (now + timedelta(days=3)).date()
            agenda_s, pack_pdf = _timed(lambda: build_agenda(ws, meeting, meta=meta), 1)
            raw_pack_s, _ = _timed(lambda: [_raw_document(60, meta) for _ in range(pack)], 1)
    results.update({
        "summary": {"chronology_rows": chronology_rows, "seconds": summary_s,
                    "raw_seconds": raw_summary_s, "bytes": len(pdf)},  # type: ignore[arg-type]
        "agenda": {"children": pack, "seconds": agenda_s, "raw_seconds": raw_pack_s,
                   "bytes": len(pack_pdf)},  # type: ignore[arg-type]
    })
    lines = [
        (f"RMM case summary, {chronology_rows} chronology rows", summary_s, raw_summary_s,
         1.5),
        (f"agenda pack of {pack} young people", agenda_s, raw_pack_s, 15.0),
    ]
    print(f"{'path':<48} {'ours':>9} {'raw':>9} {'ratio':>8}  budget   result")
    for name, ours, raw, budget in lines:
        verdict = "PASS" if ours <= budget else "FAIL"
        print(f"{name:<48} {ours:>8.2f}s {raw:>8.2f}s {ours / raw:>7.1f}x  <= {budget:<5} "
              f"{verdict}")
    print("raw: reportlab alone laying out the same number of table rows on the same page "
          "furniture (no store reads, no redaction, no charts)")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = args.out or RESULTS_DIR / f"reports-{now:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"results: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
