"""Loading form files: ``forms/<form_id>/v<N>.yaml``, every version kept.

YAML is read with the safe loader only, capped in size, with duplicate keys rejected and alias
expansion bounded (no "billion laughs").  Every problem is reported as
``file:line: field.path: message`` (:mod:`cse_desktop.forms.problems`), and all problems of a
file are reported together.  What pydantic cannot see (ids, references, expressions, scoring
wiring) is checked by :mod:`cse_desktop.forms.checks`.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cse_desktop.forms.checks import check_semantics
from cse_desktop.forms.problems import FormLoadError, Path_, Problem, format_path
from cse_desktop.forms.sensitivity import (
    ALL_CATEGORIES,
    SENSITIVITY_SUFFIX,
    Category,
    check_sensitivity,
)
from cse_desktop.forms.spec import ChoiceField, FormSpec, RepeatField

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 200_000
#: sample answers shipped beside a form version (see cse_desktop.forms.samples)
SAMPLE_SUFFIX = ".sample.json"
_FILE_NAME = re.compile(r"^v([1-9][0-9]{0,3})\.yaml$")


# -- YAML with line numbers ------------------------------------------------------------------


class _Reader:
    """Builds plain Python data from YAML nodes, remembering the line of every path."""

    def __init__(self, file: str, text: str = "") -> None:
        self.file = file
        self.text = text
        self.lines: dict[Path_, int] = {}
        self.nodes = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FormLoadError([Problem(self.file, self.line(node.start_mark), format_path(path),
                                         "the file expands to too many values (aliases?)")])
        self.lines.setdefault(path, self.line(node.start_mark))
        if not isinstance(node, yaml.ScalarNode) and node.tag != _PLAIN_TAGS[type(node)]:
            # the safe constructor would refuse these, but this reader builds collections itself
            raise FormLoadError([Problem(self.file, self.line(node.start_mark), format_path(path),
                                         f"the YAML tag '{node.tag}' is not allowed in form "
                                         "files")])
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise FormLoadError([Problem(self.file, self.line(key_node.start_mark),
                                                 format_path(path), "merge keys (<<) are not "
                                                 "allowed in form files")])
                key = self._scalar(key_node, path)
                if not isinstance(key, str):
                    raise FormLoadError([Problem(self.file, self.line(key_node.start_mark),
                                                 format_path(path),
                                                 f"keys must be text, not {key!r}")])
                if key in result:
                    raise FormLoadError([Problem(self.file, self.line(key_node.start_mark),
                                                 format_path((*path, key)),
                                                 f"duplicate key '{key}'")])
                self.lines[(*path, key)] = self.line(key_node.start_mark)
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
            raise FormLoadError([Problem(self.file, self.line(node.start_mark), format_path(path),
                                         f"cannot read the value {_short(node)}")]) from None

    def line(self, mark: yaml.Mark | None) -> int:
        """The line of ``mark`` as an editor counts lines (YAML also breaks lines at U+2028,
        U+2029 and U+0085, which an editor shows inside a line)."""
        return _line_at(self.text, mark)

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


#: libyaml's parser (about 15 times faster: the shipped forms are parsed at every start) when
#: PyYAML was built with it; the pure-Python parser otherwise, and for every file it refuses, so
#: that a problem is always described in the same words
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _compose(text: str) -> yaml.Node | None:
    if _FAST_LOADER is not None and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass  # read again below, for the pure-Python parser's words and line
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _line_at(text: str, mark: yaml.Mark | None) -> int:
    if mark is None:
        return 1
    if text and 0 <= mark.index <= len(text):
        return text.count("\n", 0, mark.index) + 1
    return mark.line + 1


def read_yaml(text: str, file: str) -> tuple[Any, _Reader]:
    reader = _Reader(file, text)
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = _line_at(text, mark)
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
        line = reader.line(exc.problem_mark)
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




# -- the forms folder ------------------------------------------------------------------------


def default_forms_dir() -> Path:
    """``CSE_DESKTOP_FORMS`` if set, else ``forms/`` at the root of the source tree."""
    override = os.environ.get("CSE_DESKTOP_FORMS")
    if override:
        return Path(override)
    return _source_forms_dir()


@functools.cache
def _source_forms_dir() -> Path:
    # (resolved once: asked for every form title a table shows)
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
