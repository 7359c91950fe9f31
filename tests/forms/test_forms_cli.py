"""`cse-desktop forms check|describe|score|rules|schema`, run as a user runs them: a real process.

Apart from the check of the real forms folder, every test points the command at its own copy
of the forms (``CSE_DESKTOP_FORMS``), so that a form being written elsewhere cannot upset it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REAL_FORMS = Path(__file__).resolve().parents[2] / "forms"
SCREENING = "exploitation-screening"
PROBLEM_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>[1-9][0-9]*): (?:(?P<path>[^ :]+): )?"
                          r"(?P<message>\S.*)$")

SMALL = """\
schema_version: 1
id: demo-form
version: 1
title: "Demo form"
sections:
  - id: main
    title: "Main"
    fields:
      - id: name
        type: text
        label: "Name"
      - id: colour
        type: single_choice
        label: "Colour"
        choices:
          - {value: red, label: "Red"}
          - {value: blue, label: "Blue"}
      - id: colour_note
        type: text
        label: "Why?"
        show_if: "colour == 'red'"
"""


def forms_cli(*args: str, forms: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CSE_DESKTOP_FORMS"}
    if forms is not None:
        env["CSE_DESKTOP_FORMS"] = str(forms)
    return subprocess.run([sys.executable, "-m", "cse_desktop", "forms", *args],
                          capture_output=True, text=True, timeout=120, env=env)


def assert_plain_error(result: subprocess.CompletedProcess, status: int = 2) -> str:
    """A user's error: the status, one plain line on stderr, never a traceback."""
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cse-desktop: ")
    assert "unexpected error" not in lines[0]
    return lines[0]


def change(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def write(root: Path, form_id: str, name: str, text: str) -> Path:
    (root / form_id).mkdir(parents=True, exist_ok=True)
    path = root / form_id / name
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    """A forms folder holding only the exploitation screening form, as released."""
    root = tmp_path / "forms"
    (root / SCREENING).mkdir(parents=True)
    shutil.copy(REAL_FORMS / SCREENING / "v1.yaml", root / SCREENING / "v1.yaml")
    return root


@pytest.fixture
def both(tmp_path: Path) -> Path:
    """A forms folder holding the exploitation screening, versions 1 and 2, and a form without
    scoring (the parent session note, version 1)."""
    root = tmp_path / "both-forms"
    (root / SCREENING).mkdir(parents=True)
    for name in ("v1.yaml", "v2.yaml"):
        shutil.copy(REAL_FORMS / SCREENING / name, root / SCREENING / name)
    (root / "parent-session").mkdir()
    shutil.copy(REAL_FORMS / "parent-session" / "v1.yaml", root / "parent-session" / "v1.yaml")
    return root


def json_file(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


# -- check -----------------------------------------------------------------------------------


def test_check_passes_on_the_real_forms_folder() -> None:
    result = forms_cli("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(line.startswith(f"{SCREENING}: v1, v2") and line.endswith(" ok")
               for line in result.stdout.splitlines())
    assert result.stderr == ""


def test_check_lists_every_form_and_version(tmp_path: Path) -> None:
    root = tmp_path / "forms"
    write(root, "demo-form", "v1.yaml", SMALL)
    write(root, "demo-form", "v2.yaml", change(SMALL, "\nversion: 1\n", "\nversion: 2\n"))
    write(root, "demo-form", "README.md", "notes")
    result = forms_cli("check", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["demo-form: v1, v2 ok"]


def test_check_prints_one_line_per_problem(tmp_path: Path) -> None:
    root = tmp_path / "forms"
    write(root, "demo-form", "v1.yaml", SMALL)
    # one file, two problems: an unknown key and a show_if naming a value that is not a choice
    two = change(SMALL, 'label: "Name"\n', 'label: "Name"\n        lable: "Name"\n')
    two = change(two, "\nversion: 1\n", "\nversion: 2\n")
    write(root, "demo-form", "v2.yaml", two)
    three = change(SMALL, "colour == 'red'", "colour == 'green'")
    three = change(three, "\nversion: 1\n", "\nversion: 3\n")
    write(root, "demo-form", "v3.yaml", three)
    # another form: a duplicate key, and the wrong file name for its version
    other = change(SMALL, "id: demo-form", "id: other-form")
    other = change(other, 'title: "Demo form"\n', 'title: "Demo form"\ntitle: "Again"\n')
    write(root, "other-form", "v1.yaml", other)
    write(root, "third-form", "v1.yaml", change(SMALL, "id: demo-form", "id: third-form"))
    write(root, "third-form", "v2.yaml", change(SMALL, "id: demo-form", "id: third-form"))
    write(root, "third-form", "notes.txt", "draft")

    result = forms_cli("check", str(root))
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert lines == [
        "forms/demo-form/v2.yaml:12: sections[0].fields[0].lable: unknown key 'lable'",
        "forms/demo-form/v3.yaml:21: sections[0].fields[2].show_if: 'green' is not one of "
        "the values of 'colour' (blue, red)",
        "forms/other-form/v1.yaml:5: title: duplicate key 'title'",
        "forms/third-form/v2.yaml:3: version: the file name must be v1.yaml for version 1",
        "forms/third-form/notes.txt:1: not a form file (expected v<N>.yaml, v<N>.sample.json "
        "or v<N>.sensitivity.yaml)",
    ]
    for line in lines:
        assert PROBLEM_LINE.match(line), line


def test_check_reports_hostile_files_quickly_and_plainly(tmp_path: Path) -> None:
    root = tmp_path / "forms"
    bomb = ["lol0: &lol0 [" + ", ".join(['"lol"'] * 10) + "]"]
    bomb += [f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 10) + "]" for i in range(1, 10)]
    write(root, "demo-form", "v1.yaml", SMALL + "\n".join(bomb) + "\n")
    write(root, "demo-form", "v2.yaml",
          change(SMALL, 'title: "Demo form"', 'title: !!python/object/apply:os.system ["x"]'))
    write(root, "demo-form", "v3.yaml", "[" * 5000 + "]" * 5000)
    (root / "demo-form" / "v4.yaml").write_bytes(b"title: caf\xe9\n")
    write(root, "demo-form", "v5.yaml", "")
    start = time.perf_counter()
    result = forms_cli("check", str(root))
    assert time.perf_counter() - start < 30
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert [line.split(":", 1)[0] for line in lines] == [
        f"forms/demo-form/v{n}.yaml" for n in range(1, 6)]
    for line in lines:
        assert PROBLEM_LINE.match(line), line
    assert "too many values" in lines[0]
    assert lines[1].startswith("forms/demo-form/v2.yaml:4: title: ")
    assert "nested too deeply" in lines[2]
    assert lines[3] == "forms/demo-form/v4.yaml:1: the file is not UTF-8 text"
    assert lines[4] == "forms/demo-form/v5.yaml:1: the file is empty"


def test_check_of_a_missing_folder_fails_plainly(tmp_path: Path) -> None:
    result = forms_cli("check", str(tmp_path / "nowhere"))
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1
    assert "does not exist" in lines[0]


# -- describe --------------------------------------------------------------------------------


def test_describe_json_lists_every_top_level_field(forms: Path) -> None:
    result = forms_cli("describe", "--form", SCREENING, "--json", forms=forms)
    assert result.returncode == 0, result.stderr
    fields = json.loads(result.stdout)
    assert isinstance(fields, list)
    assert len(fields) > 60
    ids = [f["id"] for f in fields]
    assert len(ids) == len(set(ids))
    for f in fields:
        assert {"id", "type", "label", "required", "group", "tier"} <= set(f)
        assert isinstance(f["label"], str) and f["label"]
        assert isinstance(f["required"], bool)
        if f["type"] == "indicator":
            assert isinstance(f["group"], str) and f["group"]
            assert f["tier"] in ("vulnerability", "moderate", "significant", "critical")
        else:
            assert f["group"] is None
            assert f["tier"] is None
    by_id = {f["id"]: f for f in fields}
    assert by_id["reason"] == {"id": "reason", "type": "long_text",
                               "label": "Why are you completing this screening?",
                               "required": True, "group": None, "tier": None}
    assert by_id["ind_b_missing_repeatedly"]["group"] == "Missing and whereabouts"
    assert by_id["ind_b_missing_repeatedly"]["tier"] == "significant"
    assert by_id["crit_trafficking"]["tier"] == "critical"
    assert {f["tier"] for f in fields if f["tier"]} == {"vulnerability", "moderate",
                                                       "significant", "critical"}


def test_describe_a_given_version_and_the_text_listing(forms: Path) -> None:
    latest = forms_cli("describe", "--form", SCREENING, "--json", forms=forms)
    first = forms_cli("describe", "--form", SCREENING, "--version", "1", "--json", forms=forms)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == json.loads(latest.stdout)
    text = forms_cli("describe", "--form", SCREENING, forms=forms)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[0] == f"Child exploitation screening ({SCREENING} v1)"


def test_describe_picks_the_version_asked_for(tmp_path: Path) -> None:
    root = tmp_path / "forms"
    write(root, "demo-form", "v1.yaml", SMALL)
    two = change(SMALL, "\nversion: 1\n", "\nversion: 2\n") + (
        "      - {id: added, type: yes_no, label: \"Added in version 2\", required: true}\n")
    write(root, "demo-form", "v2.yaml", two)
    v1 = json.loads(forms_cli("describe", "--form", "demo-form", "--version", "1", "--json",
                              forms=root).stdout)
    v2 = json.loads(forms_cli("describe", "--form", "demo-form", "--json", forms=root).stdout)
    assert [f["id"] for f in v1] == ["name", "colour", "colour_note"]
    assert [f["id"] for f in v2] == ["name", "colour", "colour_note", "added"]
    assert v2[-1]["required"] is True


@pytest.mark.parametrize("args", [["--form", "no-such-form"],
                                  ["--form", SCREENING, "--version", "9"],
                                  ["--form", SCREENING, "--version", "one"],
                                  []])
def test_describe_an_unknown_form_or_version_is_exit_2(forms: Path, args: list[str]) -> None:
    assert_plain_error(forms_cli("describe", *args, "--json", forms=forms))


def test_describe_states_each_indicators_timings(both: Path) -> None:
    v2 = {f["id"]: f for f in json.loads(forms_cli("describe", "--form", SCREENING, "--json",
                                                   forms=both).stdout)}
    v1 = {f["id"]: f for f in json.loads(forms_cli("describe", "--form", SCREENING, "--version",
                                                   "1", "--json", forms=both).stdout)}
    # version 2: a critical incident takes current, 6-12m or historic
    assert v2["crit_sextortion"]["asks_timing"] is True
    assert v2["crit_sextortion"]["timings"] == ["current", "6-12m", "historic"]
    assert v2["crit_sextortion"]["present"] == ["yes", "no", "possible"]
    # version 1: a critical incident takes no timing
    assert v1["crit_sex_exchange"]["asks_timing"] is False
    assert v1["crit_sex_exchange"]["timings"] == []
    # moderate and significant: all four, in both versions; vulnerabilities: none, yes or no
    for fields in (v1, v2):
        assert fields["ind_b_missing_repeatedly"]["timings"] == ["current", "6-12m", "both",
                                                                 "historic"]
        assert fields["ind_b_missing_repeatedly"]["asks_timing"] is True
        assert fields["vul_family_breakdown"]["asks_timing"] is False
        assert fields["vul_family_breakdown"]["timings"] == []
        assert fields["vul_family_breakdown"]["present"] == ["yes", "no"]
        for f in fields.values():
            assert ("timings" in f) == (f["type"] == "indicator")
    text = forms_cli("describe", "--form", SCREENING, forms=both).stdout
    line = next(x for x in text.splitlines() if x.strip().startswith("crit_sextortion "))
    assert line.endswith("[Critical incidents / critical; timing: current, 6-12m, historic]")
    line = next(x for x in text.splitlines() if x.strip().startswith("vul_family_breakdown "))
    assert line.endswith("[Vulnerabilities / vulnerability; no timing]")


def test_describe_with_broken_form_files_fails_plainly(tmp_path: Path) -> None:
    root = tmp_path / "forms"
    write(root, "demo-form", "v1.yaml", change(SMALL, "colour == 'red'", "color == 'red'"))
    result = forms_cli("describe", "--form", "demo-form", forms=root)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "forms check" in lines[0]
    assert "unknown name 'color'" in lines[0]


# -- score -----------------------------------------------------------------------------------


def significant(field: str = "ind_b_missing_repeatedly", timing: str = "current") -> dict:
    return {field: {"present": "yes", "timing": timing}}


@pytest.mark.parametrize(("answers", "context", "total", "level", "route", "rule"), [
    ({}, None, 0, "none", "universal", None),
    (significant(), {"age": 13}, 5, "medium", "rmm", "young-with-significant"),
    (significant(), {"age": 14}, 5, "low", "early_help", "any-current-significant"),
    (significant(), None, 5, "low", "early_help", "any-current-significant"),
    (significant(timing="historic"), {"age": 13}, 0, "none", "universal", None),
    ({**significant(), **significant("ind_c_older_partner")}, {"age": 15}, 10, "medium", "rmm",
     "two-significant"),
    ({"crit_sex_exchange": {"present": "yes"}}, {"age": 15}, 0, "high", "rmm", None),
    ({}, {"age": 15, "missing_episodes_30d": 3}, 0, "medium", "rmm", "repeat-missing"),
])
def test_score_prints_total_level_rules_and_pathway(
        forms: Path, tmp_path: Path, answers: dict, context: dict | None, total: int,
        level: str, route: str, rule: str | None) -> None:
    args = ["score", "--form", SCREENING, "--answers",
            str(json_file(tmp_path, "answers.json", answers))]
    if context is not None:
        args += ["--context", str(json_file(tmp_path, "context.json", context))]
    result = forms_cli(*args, forms=forms)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["total"] == total
    assert out["suggested_level"] == level
    assert out["suggested_level"] in ("none", "low", "medium", "high")
    assert isinstance(out["rules_fired"], list)
    assert out["pathway"]["route"] == route
    assert out["pathway"]["same_day_contact"] is (level == "high")
    fired = {r["id"] for r in out["rules_fired"]}
    if rule is not None:
        assert rule in fired
    if level != "none":
        assert out["rules_fired"], "a level above none must say which rules raised it"


def test_score_with_an_explicit_version(forms: Path, tmp_path: Path) -> None:
    answers = json_file(tmp_path, "answers.json", significant())
    result = forms_cli("score", "--form", SCREENING, "--version", "1", "--answers",
                       str(answers), forms=forms)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 5


def test_score_uses_the_newest_version_unless_told(both: Path, tmp_path: Path) -> None:
    answers = json_file(tmp_path, "answers.json", significant())
    newest = forms_cli("score", "--form", SCREENING, "--answers", str(answers), forms=both)
    assert newest.returncode == 0, newest.stderr
    out = json.loads(newest.stdout)
    assert out["form"] == {"id": SCREENING, "version": 2}
    assert "routes" in out and [r["id"] for r in out["routes"]] == [
        "early-help", "check-legal-status"]  # no legal status given: not known
    first = forms_cli("score", "--form", SCREENING, "--version", "1", "--answers",
                      str(answers), forms=both)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["form"] == {"id": SCREENING, "version": 1}
    assert out["pathway"]["route"] == "early_help"


@pytest.mark.parametrize(("status", "route", "not_route"), [
    ("looked_after", "inform-social-worker", "early-help"),
    ("child_protection_plan", "inform-social-worker", "early-help"),
    ("child_in_need", "inform-social-worker", "early-help"),
    ("none", "early-help", "inform-social-worker"),
    (None, "early-help", "inform-social-worker"),
])
def test_score_routes_by_legal_status(both: Path, tmp_path: Path, status: str | None,
                                      route: str, not_route: str) -> None:
    answers = json_file(tmp_path, "answers.json", significant())  # Low at 14
    context = {"age": 14} if status is None else {"age": 14, "legal_status": status}
    result = forms_cli("score", "--form", SCREENING, "--answers", str(answers), "--context",
                       str(json_file(tmp_path, "context.json", context)), forms=both)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["level"] == "low"
    ids = [r["id"] for r in out["routes"]]
    assert route in ids
    assert not_route not in ids


def test_score_with_the_level_of_the_last_rmm(both: Path, tmp_path: Path) -> None:
    """A lower agreed level waits for a manager: meanwhile the last RMM's level stands if it
    is higher than the suggested one."""
    answers = json_file(tmp_path, "answers.json", {**significant(), "agreed_level": "none",
                                                   "override_rationale": "reasons"})
    context = json_file(tmp_path, "context.json", {"age": 14, "rmm_level": "high"})
    result = forms_cli("score", "--form", SCREENING, "--answers", str(answers), "--context",
                       str(context), forms=both)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["suggested_level"] == "low"
    assert out["approval_pending"] is True
    assert out["level"] == "high"
    assert "strategy-discussion" in [r["id"] for r in out["routes"]]


@pytest.mark.parametrize(("content", "allowed"), [
    ('{"legal_status": "lac"}', "looked_after, child_protection_plan, child_in_need, none"),
    ('{"legal_status": 3}', "looked_after, child_protection_plan, child_in_need, none"),
    ('{"rmm_level": "High"}', "none, low, medium, high"),
    ('{"rmm_level": "amber"}', "none, low, medium, high"),
])
def test_score_with_a_bad_legal_status_or_rmm_level_is_exit_2(
        both: Path, tmp_path: Path, content: str, allowed: str) -> None:
    answers = json_file(tmp_path, "answers.json", {})
    context = json_file(tmp_path, "context.json", content)
    line = assert_plain_error(forms_cli("score", "--form", SCREENING, "--answers", str(answers),
                                        "--context", str(context), forms=both))
    assert "context" in line
    assert allowed in line


@pytest.mark.parametrize(("content", "words"), [
    ("this is not json", "not valid JSON"),
    ("", "not valid JSON"),
    ("[1, 2]", "JSON object"),
    ('"text"', "JSON object"),
    ('{"no_such_field": "x"}', "no_such_field"),
    ('{"immediate_danger": 5}', "must be yes or no"),
    ('{"ind_b_missing_repeatedly": "yes"}', "must be an object"),
    ('{"ind_b_missing_repeatedly": {"present": "yes", "timing": "soon"}}', "timing"),
    ('{"sources": "police"}', "list of choices"),
    ('{"caveat": "hello"}', "not something to fill in"),
])
def test_score_with_a_bad_answers_file_is_exit_2(forms: Path, tmp_path: Path, content: str,
                                                  words: str) -> None:
    answers = json_file(tmp_path, "answers.json", content)
    line = assert_plain_error(forms_cli("score", "--form", SCREENING, "--answers", str(answers),
                                        forms=forms))
    assert words in line


def test_score_with_a_non_utf8_answers_file_is_exit_2(forms: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_bytes(b'{"reason": "caf\xe9"}')
    assert_plain_error(forms_cli("score", "--form", SCREENING, "--answers", str(answers),
                                 forms=forms))


def test_score_with_a_missing_or_folder_answers_file_is_exit_2(forms: Path,
                                                               tmp_path: Path) -> None:
    line = assert_plain_error(forms_cli("score", "--form", SCREENING, "--answers",
                                        str(tmp_path / "nowhere.json"), forms=forms))
    assert "nowhere.json" in line
    assert_plain_error(forms_cli("score", "--form", SCREENING, "--answers", str(tmp_path),
                                 forms=forms))


@pytest.mark.parametrize("content", ['{"age": "thirteen"}', '{"agee": 13}', "[]", "nope",
                                     '{"age": -1}', '{"missing_episodes_30d": 1.5}'])
def test_score_with_a_bad_context_file_is_exit_2(forms: Path, tmp_path: Path,
                                                 content: str) -> None:
    answers = json_file(tmp_path, "answers.json", {})
    context = json_file(tmp_path, "context.json", content)
    line = assert_plain_error(forms_cli("score", "--form", SCREENING, "--answers", str(answers),
                                        "--context", str(context), forms=forms))
    assert "context" in line


def test_score_an_unknown_form_is_exit_2(forms: Path, tmp_path: Path) -> None:
    answers = json_file(tmp_path, "answers.json", {})
    line = assert_plain_error(forms_cli("score", "--form", "no-such-form", "--answers",
                                        str(answers), forms=forms))
    assert "no-such-form" in line
    assert_plain_error(forms_cli("score", "--form", SCREENING, "--version", "4", "--answers",
                                 str(answers), forms=forms))


@pytest.mark.parametrize("content", [
    '{"reason": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"reason": 1' + "0" * 5000 + "}",
    '{"people_of_concern": [{"poc_age": 1' + "0" * 400 + "}]}",
])
def test_score_with_a_hostile_answers_file_is_exit_2(forms: Path, tmp_path: Path,
                                                      content: str) -> None:
    answers = json_file(tmp_path, "answers.json", content)
    assert_plain_error(forms_cli("score", "--form", SCREENING, "--answers", str(answers),
                                 forms=forms))


# -- rules -----------------------------------------------------------------------------------


def pdf_text(path: Path) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return len(reader.pages), " ".join(" ".join((p.extract_text() or "").split())
                                       for p in reader.pages)


@pytest.mark.parametrize("version", [None, 1, 2])
def test_rules_prints_the_rule_sheet(both: Path, tmp_path: Path, version: int | None) -> None:
    out = tmp_path / "sheet.pdf"
    args = ["rules", "--form", SCREENING, "--out", str(out)]
    if version is not None:
        args += ["--version", str(version)]
    result = forms_cli(*args, forms=both)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    expected = version or 2
    form_file = both / SCREENING / f"v{expected}.yaml"
    digest = hashlib.sha256(form_file.read_bytes()).hexdigest()
    assert result.stdout.splitlines() == [
        f"Rule sheet for {SCREENING} v{expected} saved to {out} "
        f"({out.stat().st_size // 1024 + 1} KB); form file "
        f"both-forms/{SCREENING}/v{expected}.yaml, sha256 {digest}"]
    pages, text = pdf_text(out)
    assert 4 <= pages <= 20
    assert f"version {expected}" in text
    assert digest in text
    assert f"Page {pages} of {pages}" in text
    assert "OFFICIAL" in text
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    assert oct(out.stat().st_mode & 0o777) == oct(0o600)  # like every file the app writes


def test_rules_with_a_marking(both: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    result = forms_cli("rules", "--form", SCREENING, "--out", str(out), "--marking",
                       "OFFICIAL-SENSITIVE", forms=both)
    assert result.returncode == 0, result.stderr
    assert "OFFICIAL-SENSITIVE" in pdf_text(out)[1]


@pytest.mark.parametrize(("args", "words"), [
    (["--form", "no-such-form"], f"(forms: {SCREENING}, parent-session)"),
    (["--form", SCREENING, "--version", "9"], f"(forms: {SCREENING}, parent-session)"),
    (["--form", SCREENING, "--version", "one"], "invalid int value"),
    (["--form", "parent-session"], f"has no scoring rule to print (forms with one: {SCREENING})"),
    ([], "required"),
])
def test_rules_errors_are_exit_2_and_write_nothing(both: Path, tmp_path: Path,
                                                   args: list[str], words: str) -> None:
    out = tmp_path / "sheet.pdf"
    line = assert_plain_error(forms_cli("rules", *args, "--out", str(out), forms=both))
    assert words in line
    assert [p.name for p in tmp_path.iterdir()] == ["both-forms"]  # no sheet, no part file


def test_rules_to_a_missing_folder_or_a_folder_is_exit_2(both: Path, tmp_path: Path) -> None:
    line = assert_plain_error(forms_cli("rules", "--form", SCREENING, "--out",
                                        str(tmp_path / "nowhere" / "sheet.pdf"), forms=both))
    assert "no folder" in line
    line = assert_plain_error(forms_cli("rules", "--form", SCREENING, "--out", str(tmp_path),
                                        forms=both))
    assert "Could not save" in line
    assert list(tmp_path.iterdir()) == [tmp_path / "both-forms"]


def test_rules_keeps_an_existing_file_when_it_fails(both: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    out.write_bytes(b"the signed copy")
    assert_plain_error(forms_cli("rules", "--form", "no-such-form", "--out", str(out),
                                 forms=both))
    assert out.read_bytes() == b"the signed copy"


# -- schema ----------------------------------------------------------------------------------


def test_schema_prints_the_json_schema_of_form_spec() -> None:
    result = forms_cli("schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["title"] == "FormSpec"
    assert "$defs" in schema
    assert {"IndicatorField", "Scoring", "Section", "ComputedField"} <= set(schema["$defs"])
    assert {"schema_version", "id", "version", "title", "sections"} <= set(schema["required"])
    assert schema["additionalProperties"] is False
