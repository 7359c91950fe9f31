"""The screening rule sheet (issue 11, parts 7 and 9): the whole rule of a form version, printed
from its file, read back from the PDF.

Every indicator, hard trigger, floor and route of the real form files must be on the sheet, in
words generated from the data; the head names the version and the form file's SHA-256. The
sheets are also rendered to PNG under test-artifacts/reports for a person to look at.
"""

from __future__ import annotations

import ast
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from cse_desktop.domain.errors import UsageError
from cse_desktop.forms import scoring
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.forms.rulewords import Vocabulary, route_words, rule_words, when_words
from cse_desktop.forms.spec import Floor, IndicatorField, Level, Route, Tier, Timing
from cse_desktop.reports.output import write_pdf
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.rulesheet import FormSource, build_rulesheet, read_form_source

from .conftest import pages_text, render_pngs, squashed

ROOT = Path(__file__).resolve().parents[2]
SCREENING = "exploitation-screening"


def source(version: int) -> FormSource:
    path = ROOT / "forms" / SCREENING / f"v{version}.yaml"
    return read_form_source(path, f"forms/{SCREENING}/v{version}.yaml")


@pytest.fixture(scope="module")
def sheets() -> dict[int, tuple[FormSource, bytes]]:
    from datetime import UTC, datetime

    meta = PrintMeta(title="Rule sheet", printed_by="Sam Tester",
                     printed_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), marking="OFFICIAL")
    out = {}
    for version in (1, 2):
        src = source(version)
        out[version] = (src, build_rulesheet(src, meta))
    return out


def flat(text: str) -> str:
    """The text with every run of whitespace made one space (a wrapped line is one line)."""
    return " ".join(text.split())


def indicators(src: FormSource) -> list[IndicatorField]:
    return [f for f in src.spec.all_fields() if isinstance(f, IndicatorField)]


@pytest.mark.parametrize("version", [1, 2])
def test_the_sheet_holds_the_whole_rule(sheets: dict, version: int) -> None:
    src, pdf = sheets[version]
    pages = pages_text(pdf)
    text = flat(" ".join(pages))
    assert 4 <= len(pages) <= 20, len(pages)
    assert all(p.strip() for p in pages), "no empty pages"
    spec, rule = src.spec, src.spec.scoring
    assert rule is not None

    # the head: title, form id, version, the form file and its SHA-256
    assert f"Screening rule sheet: {spec.title}, version {version}" in text
    assert f"Form id {SCREENING}" in text
    assert f"Version {version}" in text
    assert f"forms/{SCREENING}/v{version}.yaml" in text
    assert src.sha256 == hashlib.sha256(
        (ROOT / "forms" / SCREENING / f"v{version}.yaml").read_bytes()).hexdigest()
    assert src.sha256 in text
    assert text.count(src.sha256) >= 2  # the head and the sign-off statement
    assert "Printed 2 Mar 2026, 09:30 by Sam Tester" in text
    assert scoring.CAVEAT in text

    # every page: the marking top and bottom, page x of y, the version and the file's hash
    for n, page in enumerate(pages, 1):
        assert flat(page).count("OFFICIAL") >= 2
        assert f"Page {n} of {len(pages)}" in page
        assert f"{SCREENING} v{version}" in page
        assert src.sha256[:16] in page

    # every indicator, with its tier and timings asked
    for f in indicators(src):
        assert flat(f.label) in text, f.id
    for f in indicators(src):
        if f.tier is not Tier.VULNERABILITY and f.asks_timing:
            assert ", ".join(t.value for t in f.timing_values) in text

    # bands
    for band in rule.bands:
        assert f"{band.min_points} to" in text or f"{band.min_points} or more" in text

    # every hard trigger and floor: its explanation, its id, its expression as written
    for r in [*(rule.hard_triggers or []), *rule.floors]:
        assert flat(r.explanation) in text, r.id
        assert r.id in text
        if r.when:
            assert squashed(f"when: {r.when}") in squashed(text)
        if r.prompt:
            assert flat(r.prompt) in text

    # routes (version 2) or pathways (version 1)
    if rule.routes is not None:
        for route in rule.routes:
            assert flat(route.label) in text, route.id
            assert flat(route.text) in text, route.id
            assert route.id in text
    else:
        assert rule.pathways is not None
        for pathway in rule.pathways.values():
            assert flat(pathway.text) in text

    # judgement and approval; the sign-off box
    assert "Professional judgement and approval" in text
    if rule.approved_by_field is None:
        assert "only a user with the manager role can approve" in text
    else:
        assert flat(spec.field(rule.approved_by_field).label) in text
    assert ("higher of the suggested level and the level agreed at the young person's last "
            "Risk Management Meeting stands") in text
    for box in ("Sign-off", "Name", "Role", "Date", "Signature"):
        assert box in text

    render_pngs(pdf, f"rulesheet-v{version}", 1, len(pages))


def test_the_version_2_sheet_in_words(sheets: dict) -> None:
    _, pdf = sheets[2]
    text = flat(" ".join(pages_text(pdf)))
    # a hard trigger with indicators, a timing and a scope
    assert ("If \u201cBlackmailed or threatened with sexual images of them (sextortion)\u201d is "
            "answered yes, current (last 6 months) or 6 to 12 months ago (or both), then the "
            "level is High (in each module).") in text
    # a hard trigger tested in one module only, with all_of
    assert "then the level is High (in the Criminal exploitation module only)" in text
    assert "Tested in the Criminal exploitation module only" in text
    assert ("If \u201cFound, or taken by others, out of area (in another town or county)\u201d "
            "and at least one of these are each answered yes, current (last 6 months) or 6 to "
            "12 months ago (or both): \u201cMore than one phone or SIM card\u201d") in text
    # a floor on the overall level, from its expression
    assert ("If there are 3 or more missing episodes in the last 30 days, then the level is at "
            "least Medium (on the overall level).") in text
    assert "Tested once, on the overall level, with every indicator." in text
    # routes: levels, legal status, danger, 'possible', a route that follows a rule
    assert ("Applies when the level that stands is Low, and the young person's legal status "
            "is none of: looked after, child protection plan, child in need.") in text
    assert ("Applies when \u201cIs the young person in immediate danger right now?\u201d is "
            "answered yes.") in text
    assert "Applies when any critical incident is answered \u2018possible\u2019." in text
    assert "or this rule fired: the hard trigger" in text
    # SEN once, through the form's own indicator
    assert "Special educational needs count once." in text


def test_the_version_1_sheet_in_words(sheets: dict) -> None:
    _, pdf = sheets[1]
    text = flat(" ".join(pages_text(pdf)))
    assert ("If any critical incident is answered yes, at any time, then the level is High (in "
            "each module).") in text
    assert "Pathways" in text and "Applies when" not in text
    assert "The pathway follows the level that stands." in text
    assert "Universal services" in text and "Early help" in text
    assert "(typed in, or filled in by a manager's approval action)" in text


def test_rule_words_come_from_the_data_not_the_rule_id() -> None:
    """The same condition under another id and explanation gives the same words."""
    spec = source(2).spec
    vocab = Vocabulary.of(spec)
    assert spec.scoring is not None and spec.scoring.hard_triggers is not None
    for rule in spec.scoring.hard_triggers + spec.scoring.floors:
        renamed = rule.model_copy(update={"id": "zz-other", "explanation": "other words"})
        kind = "floor" if rule in spec.scoring.floors else "hard-trigger"
        assert rule_words(renamed, vocab, kind=kind) == rule_words(rule, vocab, kind=kind)
    made = Floor(id="made-up", indicators=["ind_d_multiple_phones", "ind_e_hotspots"],
                 timing=[Timing.HISTORIC], when="age >= 16 or sen", level=Level.LOW,
                 explanation="x", scope="overall")
    assert rule_words(made, vocab, kind="floor") == (
        "If any of these is answered yes, over 12 months ago: \u201cMore than one phone or SIM "
        "card\u201d; \u201cSeen at places known for exploitation\u201d, and the young person is "
        "aged 16 or over or the young person's record shows special educational needs, then "
        "the level is at least Low (on the overall level).")
    route = Route(id="r", levels=[Level.MEDIUM, Level.HIGH], legal_status=["looked_after"],
                  label="L", text="T", reason="because {level}")
    assert route_words(route, vocab) == (
        "Applies when the level that stands is Medium or High, and the young person's legal "
        "status is one of: looked after.")


@pytest.mark.parametrize(("source_text", "words"), [
    ("age <= 12", "the young person is aged 12 or under"),
    ("age < 16", "the young person is aged under 16"),
    ("13 >= age", "the young person is aged 13 or under"),
    ("significant_current >= 1", "there is at least one current significant indicator"),
    ("significant_current >= 2", "there are 2 or more current significant indicators"),
    ("total > 10", "there are more than 10 points"),
    ("critical == 0", "there are no critical incidents answered yes"),
    ("missing_overnight and indicators_current >= 1",
     "the young person was missing overnight in the last 30 days and there is at least one "
     "current moderate or significant indicator"),
    ("not sen", "the young person's record shows no special educational needs"),
    ("age <= 13 and (sen or missing_episodes_30d >= 3)",
     "the young person is aged 13 or under and (the young person's record shows special "
     "educational needs or there are 3 or more missing episodes in the last 30 days)"),
    ("total * 2 > 10", None),            # arithmetic: shown as written only
    ("1 < age < 5", None),               # a chained comparison: as written only
])
def test_when_words(source_text: str, words: str | None) -> None:
    assert when_words(source_text) == words


def test_a_form_without_scoring_is_refused(meta: Callable[..., PrintMeta]) -> None:
    path = ROOT / "forms" / "parent-session" / "v1.yaml"
    src = read_form_source(path, "forms/parent-session/v1.yaml")
    with pytest.raises(UsageError, match="no scoring rule"):
        build_rulesheet(src, meta("Rule sheet"))


def test_every_form_version_with_scoring_prints() -> None:
    """Any scored form in the real forms folder gives a sheet (not only the screening)."""
    from datetime import UTC, datetime

    registry = FormRegistry.load(ROOT / "forms")
    meta = PrintMeta(title="Rule sheet", printed_by="x", printed_at=datetime.now(UTC))
    printed = 0
    for form_id in registry.ids():
        for version in registry.versions(form_id):
            if registry.get(form_id, version).scoring is None:
                continue
            path = ROOT / "forms" / form_id / f"v{version}.yaml"
            pdf = build_rulesheet(read_form_source(path, path.name), meta)
            assert len(PdfReader(io.BytesIO(pdf)).pages) >= 4
            printed += 1
    assert printed >= 2


def test_write_pdf_is_whole_or_nothing(tmp_path: Path, sheets: dict) -> None:
    _, pdf = sheets[2]
    out = tmp_path / "sheet.pdf"
    out.write_bytes(b"old")
    write_pdf(pdf, out)
    assert out.read_bytes() == pdf
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.pdf"]
    with pytest.raises(UsageError, match="no folder"):
        write_pdf(pdf, tmp_path / "nowhere" / "sheet.pdf")
    with pytest.raises(UsageError, match="Could not save"):
        write_pdf(pdf, tmp_path)  # a folder in the way: nothing left behind
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.pdf"]


def test_the_sheet_uses_no_phrase_to_avoid(sheets: dict) -> None:
    """The version 2 sheet's words, generated and fixed alike (practice-language.md)."""
    from support import language
    _, pdf = sheets[2]
    hits = language.find_phrases(flat(" ".join(pages_text(pdf))), "rule sheet v2")
    assert not hits, "\n".join(map(str, hits))


def test_when_words_never_guess() -> None:
    """Every expression the real forms use is either put in words or shown as written only;
    the words mention only what the expression names."""
    for version in (1, 2):
        spec = source(version).spec
        assert spec.scoring is not None
        for rule in [*(spec.scoring.hard_triggers or []), *spec.scoring.floors,
                     *(spec.scoring.routes or [])]:
            if rule.when:
                words = when_words(rule.when)
                assert words is not None, rule.when
                names = {n.id for n in ast.walk(ast.parse(rule.when, mode="eval"))
                         if isinstance(n, ast.Name)}
                if "age" in names:
                    assert "aged" in words
