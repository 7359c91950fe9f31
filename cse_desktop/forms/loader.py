"""Loading form files: ``forms/<form_id>/v<N>.yaml``, every version kept.

YAML is read with the safe loader only, capped in size, with duplicate keys rejected and alias
expansion bounded (no "billion laughs").  Every problem is reported as
``file:line: field.path: message``, and all problems of a file are reported together.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cse_desktop.forms import expr as ex
from cse_desktop.forms.scope import FLOOR_NAMES, choice_values, form_scope, name_of
from cse_desktop.forms.sensitivity import (
    ALL_CATEGORIES,
    SENSITIVITY_SUFFIX,
    Category,
    check_sensitivity,
)
from cse_desktop.forms.spec import (
    ChoiceField,
    ComputedField,
    Condition,
    Floor,
    FormSpec,
    IndicatorField,
    RepeatField,
    Route,
    Scoring,
    Section,
    Tier,
    Timing,
)

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 200_000
#: sample answers shipped beside a form version (see cse_desktop.forms.samples)
SAMPLE_SUFFIX = ".sample.json"
_FILE_NAME = re.compile(r"^v([1-9][0-9]{0,3})\.yaml$")

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class FormLoadError(Exception):
    """One or more problems in form files; ``str()`` gives one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def format_path(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# -- YAML with line numbers ------------------------------------------------------------------


class _Reader:
    """Builds plain Python data from YAML nodes, remembering the line of every path."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.nodes = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FormLoadError([Problem(self.file, node.start_mark.line + 1, format_path(path),
                                         "the file expands to too many values (aliases?)")])
        self.lines.setdefault(path, node.start_mark.line + 1)
        if not isinstance(node, yaml.ScalarNode) and node.tag != _PLAIN_TAGS[type(node)]:
            # the safe constructor would refuse these, but this reader builds collections itself
            raise FormLoadError([Problem(self.file, node.start_mark.line + 1, format_path(path),
                                         f"the YAML tag '{node.tag}' is not allowed in form "
                                         "files")])
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise FormLoadError([Problem(self.file, key_node.start_mark.line + 1,
                                                 format_path(path), "merge keys (<<) are not "
                                                 "allowed in form files")])
                key = self._scalar(key_node, path)
                if not isinstance(key, str):
                    raise FormLoadError([Problem(self.file, key_node.start_mark.line + 1,
                                                 format_path(path),
                                                 f"keys must be text, not {key!r}")])
                if key in result:
                    raise FormLoadError([Problem(self.file, key_node.start_mark.line + 1,
                                                 format_path((*path, key)),
                                                 f"duplicate key '{key}'")])
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: yaml.Node, path: Path_) -> Any:
        try:
            return self.constructor.construct_object(node)
        except yaml.constructor.ConstructorError:
            raise
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError):
            # e.g. "2024-02-30" (read as a date), "!!int foo", an integer of 5,000 digits
            raise FormLoadError([Problem(self.file, node.start_mark.line + 1, format_path(path),
                                         f"cannot read the value {_short(node)}")]) from None

    def line_of(self, path: Path_) -> int:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


_PLAIN_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map",
               yaml.SequenceNode: "tag:yaml.org,2002:seq"}


def _short(node: yaml.Node) -> str:
    value = str(node.value)
    return repr(value if len(value) <= 40 else value[:40] + "...")


def read_yaml(text: str, file: str) -> tuple[Any, _Reader]:
    reader = _Reader(file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = exc.problem
        if exc.context and str(message).startswith("but "):
            message = f"{exc.context}, {message}"  # "expected a single document ..., but ..."
        raise FormLoadError([Problem(file, line, "", f"not valid YAML: {message}")]) \
            from None
    except yaml.reader.ReaderError as exc:  # a control character; its str() is two lines
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or "?")
        raise FormLoadError([Problem(file, line, "", f"not valid YAML: the character "
                                                     f"#x{char:04x} is not allowed")]) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise FormLoadError([Problem(file, 1, "", f"not valid YAML: {message}")]) from None
    except RecursionError:
        raise FormLoadError([Problem(file, 1, "", "the file is nested too deeply")]) from None
    if node is None:
        raise FormLoadError([Problem(file, 1, "", "the file is empty")])
    try:
        data = reader.build(node, ())
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise FormLoadError([Problem(file, line, "", f"not allowed in a form file: "
                                                     f"{exc.problem}")]) from None
    except RecursionError:
        raise FormLoadError([Problem(file, 1, "", "the file is nested too deeply")]) from None
    return data, reader


# -- loading and checking --------------------------------------------------------------------


def load_form_text(text: str, file: str = "<form>") -> FormSpec:
    return _load_text(text, file)[0]


def _load_text(text: str, file: str) -> tuple[FormSpec, _Reader]:
    data, reader = read_yaml(text, file)
    if not isinstance(data, dict):
        raise FormLoadError([Problem(file, 1, "", "a form file must be a mapping of keys "
                                                  "(schema_version, id, version, ...)")])
    try:
        spec = FormSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = _spec_loc(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown key '{loc[-1]}'"
            elif err["type"] == "missing":
                msg = f"'{loc[-1]}' is required"
            elif err["type"] == "union_tag_invalid":
                loc = (*loc, "type")
                msg = f"unknown field type {err['input'].get('type')!r}"
            elif err["type"] == "union_tag_not_found":
                loc = (*loc, "type")
                msg = "'type' is required"
            problems.append(Problem(file, reader.line_of(loc), format_path(loc), msg))
        raise FormLoadError(_dedupe(problems)) from None
    problems = [Problem(file, reader.line_of(loc), format_path(loc), msg)
                for loc, msg in check_semantics(spec)]
    if problems:
        raise FormLoadError(problems)
    return spec, reader


def _spec_loc(loc: tuple) -> Path_:
    """Drop pydantic's discriminator tags (e.g. 'text', 'indicator') from an error location."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part in _FIELD_TAGS and out and isinstance(out[-1], int):
            continue
        out.append(part)
    return tuple(out)


_FIELD_TAGS = {"text", "long_text", "yes_no", "yes_no_possible", "single_choice",
               "multiple_choice", "date", "datetime", "number", "rating", "indicator",
               "computed", "info", "repeat"}


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out


def check_semantics(spec: FormSpec) -> list[tuple[Path_, str]]:
    """Everything pydantic cannot see: ids, references, expressions, scoring wiring."""
    problems: list[tuple[Path_, str]] = []
    seen: dict[str, Path_] = {}
    scope = form_scope(spec)

    def check_expr(source: str | None, path: Path_, scope_: ex.Scope, want: str | None) -> None:
        if source is None:
            return
        try:
            compiled = ex.compile_expr(source, scope_, want=want)
        except ex.ExprError as exc:
            problems.append((path, str(exc)))
            return
        if compiled.type == ex.NONE:
            problems.append((path, "the expression is always empty"))

    def check_field(field: Any, path: Path_, scope_: ex.Scope) -> None:
        if field.id in seen:
            problems.append(((*path, "id"), f"the field id '{field.id}' is used twice (first "
                                            f"at {format_path(seen[field.id])})"))
        seen.setdefault(field.id, path)
        if isinstance(field, ChoiceField):
            if isinstance(field.choices, str) and field.choices not in spec.choice_lists:
                problems.append(((*path, "choices"),
                                 f"there is no choice list named '{field.choices}'"))
            elif isinstance(field.choices, list):
                _unique_choices(field.choices, (*path, "choices"), problems)
        if isinstance(field, ComputedField) and field.choices is not None:
            if isinstance(field.choices, str) and field.choices not in spec.choice_lists:
                problems.append(((*path, "choices"),
                                 f"there is no choice list named '{field.choices}'"))
            elif isinstance(field.choices, list):
                _unique_choices(field.choices, (*path, "choices"), problems)
        if isinstance(field, IndicatorField) and spec.scoring is not None:
            unknown = [m for m in field.modules if m not in spec.scoring.modules]
            if unknown:
                problems.append(((*path, "modules"), f"unknown scoring module "
                                 f"{', '.join(unknown)} (known: "
                                 f"{', '.join(spec.scoring.modules)})"))
        check_expr(field.show_if, (*path, "show_if"), scope_, ex.BOOL)
        check_expr(field.required_if, (*path, "required_if"), scope_, ex.BOOL)
        for i, c in enumerate(field.constraints):
            check_expr(c.expr, (*path, "constraints", i, "expr"), scope_, ex.BOOL)
        if field.type == "computed":
            try:
                compiled = ex.compile_expr(field.expr, scope_)
                scope_.names[field.id] = ex.Name(compiled.type)
            except ex.ExprError as exc:
                problems.append(((*path, "expr"), str(exc)))
        if isinstance(field, RepeatField):
            inner = ex.Scope(names=dict(scope_.names), objects=scope_.objects)
            for sub in field.fields:
                inner.names[sub.id] = name_of(sub, spec)
            for j, sub in enumerate(field.fields):
                check_field(sub, (*path, "fields", j), inner)

    # type computed fields first, so that an expression using one declared further down is
    # checked against its real type (as "any" it would pass here and fail at run time)
    for field in spec.all_fields():
        if field.type == "computed":
            with contextlib.suppress(ex.ExprError):  # reported where the field is checked
                scope.names[field.id] = ex.Name(ex.compile_expr(field.expr, scope).type)
    for name, choices in spec.choice_lists.items():
        _unique_choices(choices, ("choice_lists", name), problems)
    for s_i, section in enumerate(spec.sections):
        if section.id in seen:
            problems.append((("sections", s_i, "id"), f"the id '{section.id}' is used twice"))
        seen.setdefault(section.id, ("sections", s_i))
        check_expr(section.show_if, ("sections", s_i, "show_if"), scope, ex.BOOL)
        for f_i, field in enumerate(section.fields):
            check_field(field, ("sections", s_i, "fields", f_i), scope)
            problems += _check_child_text(section, field, ("sections", s_i, "fields", f_i))
    for i, flag in enumerate(spec.flags):
        check_expr(flag.when, ("flags", i, "when"), scope, ex.BOOL)
    if spec.scoring is not None:
        problems += _check_scoring(spec, seen)
    elif any(isinstance(f, IndicatorField) and f.modules for f in spec.all_fields()):
        problems.append((("sections",), "indicators name scoring modules but the form has no "
                                        "scoring section"))
    return problems


def _check_child_text(section: Section, field: Any, path: Path_) -> list[tuple[Path_, str]]:
    """Child-friendly wording shows only in a section that has its own, on top-level fields."""
    if field.child_text is not None and section.child_text is None:
        return [((*path, "child_text"), f"the section '{section.id}' has no child_text, so this "
                                        "wording would never be shown: give the section one")]
    return [((*path, "fields", j, "child_text"), "child_text is for top-level questions, not "
                                                 "the fields of a repeat group")
            for j, sub in enumerate(getattr(field, "fields", [])) if sub.child_text is not None]


def _unique_choices(choices: list, path: Path_, problems: list) -> None:
    values = [c.value for c in choices]
    for i, v in enumerate(values):
        if v in values[:i]:
            problems.append(((*path, i, "value"), f"the choice value '{v}' is used twice"))


def _check_scoring(spec: FormSpec, seen: dict[str, Path_]) -> list[tuple[Path_, str]]:
    scoring = spec.scoring
    assert scoring is not None
    problems: list[tuple[Path_, str]] = []
    fields = {f.id: f for f in spec.all_fields()}
    wiring = {"danger_field": ("yes_no",), "agreed_level_field": ("single_choice",),
              "rationale_field": ("long_text", "text"), "approved_by_field": ("text",),
              "review_date_field": ("date",), "sen_indicator": ("indicator",)}
    for key, types in wiring.items():
        fid = getattr(scoring, key)
        if fid is None:
            continue
        if fid not in fields:
            problems.append((("scoring", key), f"there is no top-level field '{fid}'"))
        elif fields[fid].type not in types:
            problems.append((("scoring", key), f"'{fid}' must be a {' or '.join(types)} field"))
    agreed = fields.get(scoring.agreed_level_field)
    if isinstance(agreed, ChoiceField):
        values = choice_values(agreed, spec) or frozenset()
        if values != {"none", "low", "medium", "high"}:
            problems.append((("scoring", "agreed_level_field"),
                             "the agreed level's choices must be exactly none, low, medium, "
                             "high"))
    sen = fields.get(scoring.sen_indicator or "")
    if isinstance(sen, IndicatorField) and sen.tier is not Tier.VULNERABILITY:
        problems.append((("scoring", "sen_indicator"), f"'{sen.id}' must be a vulnerability"))
    indicators = {f.id: f for f in spec.all_fields() if isinstance(f, IndicatorField)}
    floor_scope = ex.Scope(names=dict(FLOOR_NAMES))
    for key in ("hard_triggers", "floors", "routes"):
        for i, rule in enumerate(getattr(scoring, key) or []):
            problems += _check_condition(rule, ("scoring", key, i), indicators, spec,
                                         floor_scope)
    if not indicators:
        problems.append((("scoring",), "a scored form needs indicator fields"))
    if scoring.approved_by_field is None and "approved_by" in fields:
        problems.append((("scoring",), "a field 'approved_by' without approved_by_field: "
                                       "approval is recorded by role, never typed in"))
    for tier_name in ("moderate", "significant"):
        pts = scoring.points[tier_name]
        if any(v < 0 for v in pts.values()):
            problems.append((("scoring", "points", tier_name), "points cannot be negative"))
        if pts[Timing.BOTH] < max(pts[Timing.CURRENT], pts[Timing.RECENT]):
            problems.append((("scoring", "points", tier_name, "both"),
                             "'both' must score at least as much as 'current' and '6-12m'"))
    return problems


def scoring_rules(scoring: Scoring) -> list[Floor | Route]:
    """Every hard trigger, floor and route of a scoring section, in that order."""
    return [*(scoring.hard_triggers or []), *scoring.floors, *(scoring.routes or [])]


def _check_condition(rule: Condition, path: Path_, indicators: dict[str, IndicatorField],
                     spec: FormSpec, scope: ex.Scope) -> list[tuple[Path_, str]]:
    """A rule's or route's references: indicators, modules, timings and its expression."""
    scoring = spec.scoring
    assert scoring is not None
    fields = {f.id: f for f in spec.all_fields()}
    problems: list[tuple[Path_, str]] = []
    for key in ("indicators", "all_of"):
        for j, fid in enumerate(getattr(rule, key)):
            if fid not in indicators:
                problems.append(((*path, key, j), f"there is no indicator '{fid}'"))
    if rule.all_of and not (rule.indicators or rule.tiers or rule.modules):
        problems.append(((*path, "all_of"), "all_of adds to 'indicators', 'tiers' or "
                                            "'modules'; list the first indicator there"))
    rule_ids = {r.id for r in [*(scoring.hard_triggers or []), *scoring.floors]}
    for j, rid in enumerate(getattr(rule, "or_rules_fired", [])):
        if rid not in rule_ids:
            problems.append(((*path, "or_rules_fired", j), f"there is no rule '{rid}'"))
    for field_id, values in getattr(rule, "or_selected", {}).items():
        f = fields.get(field_id)
        if not isinstance(f, ChoiceField):
            problems.append(((*path, "or_selected", field_id),
                             f"there is no choice field '{field_id}'"))
            continue
        known = choice_values(f, spec) or frozenset()
        problems += [((*path, "or_selected", field_id), f"'{v}' is not one of its choices")
                     for v in values if v not in known]
    for j, module in enumerate(getattr(rule, "only_modules", [])):
        if module not in scoring.modules:
            problems.append(((*path, "only_modules", j), f"unknown scoring module '{module}'"))
    for j, module in enumerate(rule.modules):
        if module not in scoring.modules:
            problems.append(((*path, "modules", j), f"unknown scoring module '{module}'"))
    if rule.timing and rule.present != "yes":
        problems.append(((*path, "timing"), "only a 'yes' has a timing"))
    if rule.timing:
        chosen = [indicators[f] for f in rule.indicators if f in indicators]
        if chosen and not any(set(rule.timing) & set(f.timing_values) for f in chosen):
            problems.append(((*path, "timing"), "none of its indicators takes these timings"))
    if rule.when:
        try:
            ex.compile_expr(rule.when, scope, want=ex.BOOL)
        except ex.ExprError as exc:
            problems.append(((*path, "when"), str(exc)))
    return problems


# -- the forms folder ------------------------------------------------------------------------


def default_forms_dir() -> Path:
    """``CSE_DESKTOP_FORMS`` if set, else ``forms/`` at the root of the source tree."""
    override = os.environ.get("CSE_DESKTOP_FORMS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "forms"


def _read_text(path: Path, name: str) -> str:
    """A form folder's file as text: capped in size, UTF-8, or a FormLoadError."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FormLoadError([Problem(name, 1, "", f"the file is larger than "
                                                      f"{MAX_FILE_BYTES // 1024} KiB")])
        return path.read_text("utf-8")
    except UnicodeDecodeError:
        raise FormLoadError([Problem(name, 1, "", "the file is not UTF-8 text")]) from None
    except OSError as exc:
        raise FormLoadError([Problem(name, 1, "", f"cannot read the file: {exc.strerror}")]) \
            from None


def load_form_file(path: Path, root: Path | None = None) -> FormSpec:
    name = str(path.relative_to(root.parent)) if root is not None else str(path)
    text = _read_text(path, name)
    spec, reader = _load_text(text, name)
    match = _FILE_NAME.match(path.name)
    problems = []
    if match is None or int(match.group(1)) != spec.version:
        problems.append(Problem(name, reader.line_of(("version",)), "version",
                                f"the file name must be v{spec.version}.yaml for version "
                                f"{spec.version}"))
    if path.parent.name != spec.id:
        problems.append(Problem(name, reader.line_of(("id",)), "id",
                                f"the form id '{spec.id}' must match its folder name "
                                f"'{path.parent.name}'"))
    if problems:
        raise FormLoadError(problems)
    return spec


def load_sensitivity_file(path: Path, spec: FormSpec,
                          root: Path | None = None) -> dict[str, frozenset[Category]]:
    """The sensitivity categories beside ``spec`` (``v<N>.sensitivity.yaml``), checked against
    it: FormLoadError listing every problem."""
    name = str(path.relative_to(root.parent)) if root is not None else str(path)
    data, reader = read_yaml(_read_text(path, name), name)
    fields = {f.id: f.type for f in spec.all_fields()}
    fields |= {sub.id: sub.type for f in spec.all_fields() if isinstance(f, RepeatField)
               for sub in f.fields}
    categories, found = check_sensitivity(data, spec.id, spec.version, fields)
    if found:
        raise FormLoadError([Problem(name, reader.line_of(loc), format_path(loc), msg)
                             for loc, msg in found])
    return categories


class FormRegistry:
    """Every version of every form in a folder; a submission uses the version it began on."""

    def __init__(self, forms: dict[str, dict[int, FormSpec]], root: Path | None = None,
                 sensitivity: dict[tuple[str, int], dict[str, frozenset[Category]]]
                 | None = None) -> None:
        self._forms = forms
        #: the folder the forms came from (their samples sit beside them)
        self.root = root
        #: each version's fields' sensitivity categories, from v<N>.sensitivity.yaml
        self._sensitivity = sensitivity or {}

    @classmethod
    def load(cls, root: Path | None = None) -> FormRegistry:
        """Load all forms; raise FormLoadError listing every problem in every file."""
        root = root or default_forms_dir()
        forms: dict[str, dict[int, FormSpec]] = {}
        problems: list[Problem] = []
        if not root.is_dir():
            raise FormLoadError([Problem(str(root), 1, "", "the forms folder does not exist")])
        sensitivity: dict[tuple[str, int], dict[str, frozenset[Category]]] = {}
        for path in sorted(root.glob("*/*.yaml")):
            if path.name.endswith(SENSITIVITY_SUFFIX):
                continue  # read with its form version, below
            try:
                spec = load_form_file(path, root)
            except FormLoadError as exc:
                problems += exc.problems
                continue
            forms.setdefault(spec.id, {})[spec.version] = spec
            side = path.with_name(f"v{spec.version}{SENSITIVITY_SUFFIX}")
            if side.is_file():
                try:
                    sensitivity[(spec.id, spec.version)] = load_sensitivity_file(side, spec,
                                                                                 root)
                except FormLoadError as exc:
                    problems += exc.problems
        stray = [p for p in sorted(root.glob("*/*")) if p.is_file() and p.suffix != ".yaml"
                 and not p.name.startswith(".") and p.suffix != ".md"
                 and not p.name.endswith(SAMPLE_SUFFIX)]
        problems += [Problem(str(p.relative_to(root.parent)), 1, "",
                             "not a form file (expected v<N>.yaml, v<N>.sample.json or "
                             "v<N>.sensitivity.yaml)")
                     for p in stray]
        problems += [Problem(str(p.relative_to(root.parent)), 1, "",
                             "there is no form version beside this sensitivity file (expected "
                             "v<N>.sensitivity.yaml beside v<N>.yaml)")
                     for p in sorted(root.glob(f"*/*{SENSITIVITY_SUFFIX}"))
                     if not p.with_name(p.name.removesuffix(SENSITIVITY_SUFFIX)
                                        + ".yaml").is_file()]
        if problems:
            raise FormLoadError(problems)
        return cls(forms, root, sensitivity)

    def ids(self) -> list[str]:
        return sorted(self._forms)

    def has_sensitivity(self, form_id: str, version: int) -> bool:
        """Whether the version has a sensitivity file (v<N>.sensitivity.yaml)."""
        return (form_id, version) in self._sensitivity

    def categories(self, form_id: str, version: int, field_id: str) -> frozenset[Category]:
        """The sensitivity categories of a field (repeat groups' fields by their own id).

        Fail closed: every category for a field of a version (or form) that has no sensitivity
        file, or that the version does not have; none for a field its file does not list."""
        known = self._sensitivity.get((form_id, version))
        if known is None:
            return ALL_CATEGORIES
        if field_id in known:
            return known[field_id]
        spec = self.get(form_id, version)
        ids = {f.id for f in spec.all_fields()}
        ids |= {sub.id for f in spec.all_fields() if isinstance(f, RepeatField)
                for sub in f.fields}
        return frozenset() if field_id in ids else ALL_CATEGORIES

    def versions(self, form_id: str) -> list[int]:
        return sorted(self._forms.get(form_id, {}))

    def get(self, form_id: str, version: int | None = None) -> FormSpec:
        versions = self._forms.get(form_id)
        if not versions:
            raise KeyError(form_id)
        return versions[max(versions) if version is None else version]

    def latest(self, form_id: str) -> FormSpec:
        return self.get(form_id)

    def wording(self, form_id: str, version: int, field_id: str,
                value: str | None = None) -> str | None:
        """The words for a top-level field (or, with ``value``, one of its choices) of a record
        made on ``version``, as the newest version that asks the same question says them.

        A published version is never edited: its wording is corrected by adding the next
        version, which keeps the field ids and choice values of every question whose meaning
        is unchanged. Records made on the old version then read in the corrected words. None
        when no version from ``version`` on has that field (or choice)."""
        for v in sorted((n for n in self.versions(form_id) if n >= version), reverse=True):
            spec = self._forms[form_id][v]
            try:
                f = spec.field(field_id)
            except KeyError:
                continue
            if value is None:
                return f.label
            if isinstance(f, ChoiceField):
                label = next((c.label for c in spec.choices_of(f) if c.value == value), None)
                if label is not None:
                    return label
        return None
