"""A small, safe expression language for forms.

Authors write expressions such as::

    trigger == 'missing_episode' and count(places) > 0
    selected(sources, 'police')
    hours_between(episode.returned_at, offered_at) <= 72
    age_on(person.dob, today()) <= 13
    count_rows(people_with, 'pw_adult', 'yes') > 0

The text is parsed into a syntax tree with Python's parser (``ast.parse``, never ``eval``), and
every node must be on a short whitelist.  Names are checked against the form's fields, and the
types of operands and function arguments are checked, **when the form is loaded**; so a form
that loads cannot fail at run time for those reasons.  Evaluation walks the tree itself.

Unanswered fields are ``None``: comparisons with ``None`` are false, arithmetic with ``None`` is
``None``, ``count`` of ``None`` is 0.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from typing import Any

#: expression types
BOOL, NUMBER, STR, DATE, DATETIME, LIST, ROWS, ANY, NONE = (
    "bool", "number", "str", "date", "datetime", "list", "rows", "any", "none")
_ORDERED = {NUMBER, STR, DATE, DATETIME}
MAX_LENGTH = 2000
MAX_DEPTH = 40


class ExprError(ValueError):
    """A problem in an expression, found when the form is loaded."""


@dataclass(frozen=True)
class Name:
    """What a name means in a scope: its type and, for choice fields, the allowed values."""

    type: str
    choices: frozenset[str] | None = None
    #: a repeat group's fields (``count_rows`` checks the field and value it is given)
    fields: tuple[tuple[str, Name], ...] | None = None


@dataclass
class Scope:
    names: dict[str, Name] = field(default_factory=dict)
    #: namespaces reached with a dot: person.age, episode.returned_at, context.missing_...
    objects: dict[str, dict[str, Name]] = field(default_factory=dict)


@dataclass(frozen=True)
class Expr:
    source: str
    tree: ast.Expression
    type: str
    names: frozenset[str]

    def evaluate(self, env: Env) -> Any:
        return _eval(self.tree.body, env)


@dataclass
class Env:
    """Values for evaluation: answers by field id, objects by namespace, and the clock."""

    values: Mapping[str, Any]
    objects: Mapping[str, Mapping[str, Any]]
    now: datetime

    def child(self, values: Mapping[str, Any]) -> Env:
        """The scope of a repeat-group row: its fields first, then the form's."""
        return Env(_Chain(values, self.values), self.objects, self.now)


class _Chain(Mapping[str, Any]):
    def __init__(self, first: Mapping[str, Any], second: Mapping[str, Any]) -> None:
        self._first, self._second = first, second

    def __getitem__(self, key: str) -> Any:
        if key in self._first:
            return self._first[key]
        return self._second[key]

    def __iter__(self):  # pragma: no cover - not needed by the evaluator
        yield from {**self._second, **self._first}

    def __len__(self) -> int:  # pragma: no cover
        return len({**self._second, **self._first})


# -- functions -----------------------------------------------------------------------------


def _count(x: Any) -> int:
    if x is None:
        return 0
    if isinstance(x, list | tuple):
        return len([v for v in x if v not in (None, "", False)])
    return 0


def _any(x: Any) -> bool:
    return bool(x) and any(v not in (None, "", False, "no") for v in x)


def _selected(x: Any, value: str) -> bool:
    if isinstance(x, list):
        return value in x
    return x == value


def _age_on(dob: Any, day: Any) -> int | None:
    if not isinstance(dob, date) or not isinstance(day, date):
        return None
    if isinstance(dob, datetime):
        dob = dob.date()
    if isinstance(day, datetime):
        day = day.date()
    years = day.year - dob.year
    if (day.month, day.day) < (dob.month, dob.day):
        years -= 1
    return years


def _days_between(a: Any, b: Any) -> int | None:
    if not isinstance(a, date) or not isinstance(b, date):
        return None
    a = a.date() if isinstance(a, datetime) else a
    b = b.date() if isinstance(b, datetime) else b
    return (b - a).days


def _hours_between(a: Any, b: Any) -> float | None:
    if not isinstance(a, datetime) or not isinstance(b, datetime):
        return None
    return (b - a).total_seconds() / 3600


def _count_rows(rows: Any, field_id: Any, value: Any) -> int:
    if not isinstance(rows, list):
        return 0
    return sum(1 for row in rows if isinstance(row, dict) and row.get(field_id) == value)


def _answered(x: Any) -> bool:
    return x not in (None, "", [], {})


@dataclass(frozen=True)
class _Function:
    params: tuple[frozenset[str], ...]
    returns: str
    impl: Callable[..., Any]
    needs_now: bool = False


_F = frozenset
FUNCTIONS: dict[str, _Function] = {
    "count": _Function((_F({LIST, ROWS}),), NUMBER, _count),
    "any": _Function((_F({LIST, ROWS}),), BOOL, _any),
    #: the rows of a repeat group whose field (named in quotes) has the value given
    "count_rows": _Function((_F({ROWS}), _F({STR}), _F({STR})), NUMBER, _count_rows),
    "selected": _Function((_F({LIST, STR}), _F({STR})), BOOL, _selected),
    "answered": _Function((_F({ANY}),), BOOL, _answered),
    "age_on": _Function((_F({DATE, DATETIME}), _F({DATE, DATETIME})), NUMBER, _age_on),
    "days_between": _Function((_F({DATE, DATETIME}), _F({DATE, DATETIME})), NUMBER,
                              _days_between),
    "hours_between": _Function((_F({DATETIME}), _F({DATETIME})), NUMBER, _hours_between),
    "today": _Function((), DATE, lambda now: now.date(), needs_now=True),
    "now": _Function((), DATETIME, lambda now: now, needs_now=True),
}

_ALLOWED_NODES = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
                  ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Compare, ast.Eq, ast.NotEq,
                  ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Call, ast.Name,
                  ast.Load, ast.Attribute, ast.Constant, ast.List, ast.Tuple)


# -- compile: parse, whitelist, type-check ---------------------------------------------------


def compile_expr(source: str, scope: Scope, *, want: str | None = None) -> Expr:
    """Parse and check ``source`` in ``scope``; raise ExprError with a plain message."""
    if not isinstance(source, str) or not source.strip():
        raise ExprError("the expression is empty")
    if len(source) > MAX_LENGTH:
        raise ExprError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        with warnings.catch_warnings():  # e.g. "invalid escape sequence": not the user's concern
            warnings.simplefilter("ignore")
            tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"cannot read the expression {source.strip()!r}: "
                        f"{exc.msg} at column {exc.offset or 0}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExprError(f"cannot read the expression {source.strip()!r}") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExprError(f"{type(node).__name__.lower()} is not allowed in expressions "
                            f"(in {source.strip()!r})")
        if isinstance(node, ast.Name) and node.id in scope.names:
            names.add(node.id)
    kind = _type_of(tree.body, scope, 0)
    if want == BOOL and kind not in (BOOL, ANY):
        # any value can be tested for truth, but a bare number or date is almost always a slip
        raise ExprError(f"the expression {source.strip()!r} gives a {kind}, not true/false")
    return Expr(source.strip(), tree, kind, frozenset(names))


def _type_of(node: ast.AST, scope: Scope, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise ExprError("the expression is nested too deeply")
    d = depth + 1
    if isinstance(node, ast.Constant):
        value = node.value
        if value is None:
            return NONE
        if isinstance(value, bool):
            return BOOL
        if isinstance(value, int | float):
            return NUMBER
        if isinstance(value, str):
            return STR
        raise ExprError(f"the value {value!r} is not allowed")
    if isinstance(node, ast.Name):
        if node.id in scope.names:
            return scope.names[node.id].type
        if node.id in FUNCTIONS:
            raise ExprError(f"'{node.id}' is a function: write {node.id}(...)")
        raise ExprError(f"unknown name '{node.id}'")
    if isinstance(node, ast.Attribute):
        if not isinstance(node.value, ast.Name) or node.value.id not in scope.objects:
            known = ", ".join(sorted(scope.objects)) or "none here"
            raise ExprError(f"only these names have parts reached with a dot: {known}")
        attrs = scope.objects[node.value.id]
        if node.attr not in attrs:
            raise ExprError(f"'{node.value.id}' has no '{node.attr}' (it has: "
                            f"{', '.join(sorted(attrs))})")
        return attrs[node.attr].type
    if isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            if _type_of(item, scope, d) not in (STR, NUMBER):
                raise ExprError("a list in an expression may hold only text and numbers")
        return LIST
    if isinstance(node, ast.BoolOp):
        for operand in node.values:
            _type_of(operand, scope, d)
        return BOOL
    if isinstance(node, ast.UnaryOp):
        inner = _type_of(node.operand, scope, d)
        if isinstance(node.op, ast.Not):
            return BOOL
        if inner not in (NUMBER, ANY):
            raise ExprError(f"cannot make a {inner} negative")
        return NUMBER
    if isinstance(node, ast.BinOp):
        left, right = _type_of(node.left, scope, d), _type_of(node.right, scope, d)
        for side in (left, right):
            if side not in (NUMBER, ANY):
                raise ExprError(f"arithmetic needs numbers, not {side}")
        return NUMBER
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        kinds = [_type_of(o, scope, d) for o in operands]
        for op, (a, b), (na, nb) in zip(node.ops, pairwise(kinds), pairwise(operands),
                                        strict=True):
            _check_compare(op, a, b, na, nb, scope)
        return BOOL
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else "that"
            raise ExprError(f"unknown function '{name}' (known: "
                            f"{', '.join(sorted(FUNCTIONS))})")
        if node.keywords:
            raise ExprError("functions take plain arguments, not name=value")
        func = FUNCTIONS[node.func.id]
        if len(node.args) != len(func.params):
            raise ExprError(f"{node.func.id}() takes {len(func.params)} argument"
                            f"{'s' if len(func.params) != 1 else ''}, not {len(node.args)}")
        for i, (arg, allowed) in enumerate(zip(node.args, func.params, strict=True)):
            kind = _type_of(arg, scope, d)
            if kind not in allowed and kind not in (ANY, NONE) and ANY not in allowed:
                raise ExprError(f"argument {i + 1} of {node.func.id}() must be "
                                f"{' or '.join(sorted(allowed))}, not {kind}")
        if node.func.id == "selected":
            _check_choice(node.args[0], node.args[1], scope)
        if node.func.id == "count_rows":
            _check_row_field(node.args, scope)
        return func.returns
    raise ExprError(f"{type(node).__name__} is not allowed")  # pragma: no cover (whitelisted)


def _check_compare(op: ast.cmpop, a: str, b: str, na: ast.AST, nb: ast.AST,
                   scope: Scope) -> None:
    if isinstance(op, ast.In | ast.NotIn):
        if b not in (LIST, ANY):
            raise ExprError("'in' needs a list on its right, e.g. x in ['a', 'b']")
        return
    if ANY in (a, b) or NONE in (a, b):
        return
    if isinstance(op, ast.Eq | ast.NotEq):
        if a != b and {a, b} != {DATE, DATETIME}:
            raise ExprError(f"comparing a {a} with a {b} is always false")
        _check_choice(na, nb, scope)
        _check_choice(nb, na, scope)
        return
    if (a != b or a not in _ORDERED) and {a, b} != {DATE, DATETIME}:
        raise ExprError(f"cannot order a {a} against a {b}")


def _check_choice(name_node: ast.AST, value_node: ast.AST, scope: Scope) -> None:
    """`trigger == 'missing_episod'`: the literal must be one of the field's choice values."""
    if not (isinstance(name_node, ast.Name) and isinstance(value_node, ast.Constant)
            and isinstance(value_node.value, str)):
        return
    meaning = scope.names.get(name_node.id)
    if meaning and meaning.choices is not None and value_node.value not in meaning.choices:
        raise ExprError(f"'{value_node.value}' is not one of the values of '{name_node.id}' "
                        f"({', '.join(sorted(meaning.choices))})")


def _check_row_field(args: list[ast.expr], scope: Scope) -> None:
    """`count_rows(people_with, 'pw_adult', 'yes')`: a repeat group, one of its fields named
    in quotes, and a value that field can hold (a typo would otherwise never match)."""
    group, field_node, value = args
    if not (isinstance(group, ast.Name) and isinstance(field_node, ast.Constant)
            and isinstance(field_node.value, str)):
        raise ExprError("count_rows() takes a repeat group, then one of its fields in quotes, "
                        "e.g. count_rows(people_with, 'pw_adult', 'yes')")
    meaning = scope.names.get(group.id)
    fields = dict(meaning.fields) if meaning and meaning.fields is not None else None
    if fields is None:
        return
    sub = fields.get(field_node.value)
    if sub is None:
        raise ExprError(f"'{group.id}' has no field '{field_node.value}' (it has: "
                        f"{', '.join(sorted(fields))})")
    if (sub.choices is not None and isinstance(value, ast.Constant)
            and isinstance(value.value, str) and value.value not in sub.choices):
        raise ExprError(f"'{value.value}' is not one of the values of '{field_node.value}' "
                        f"({', '.join(sorted(sub.choices))})")


# -- evaluate --------------------------------------------------------------------------------


def _eval(node: ast.AST, env: Env) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        try:
            return env.values[node.id]
        except KeyError:
            return None
    if isinstance(node, ast.Attribute):
        obj = env.objects.get(node.value.id) or {}  # type: ignore[attr-defined]
        return obj.get(node.attr)
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(e, env) for e in node.elts]
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(truth(_eval(v, env)) for v in node.values)
        return any(truth(_eval(v, env)) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not truth(value)
        return None if value is None else -value
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, env), _eval(node.right, env)
        if left is None or right is None or isinstance(left, bool) or isinstance(right, bool):
            return None
        try:
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            return None if right == 0 else left / right
        except (ArithmeticError, TypeError):  # e.g. a whole number too large for a float
            return None
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, env)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Call):
        func = FUNCTIONS[node.func.id]  # type: ignore[attr-defined]
        if func.needs_now:
            return func.impl(env.now)
        return func.impl(*(_eval(a, env) for a in node.args))
    raise ExprError(f"{type(node).__name__} is not allowed")  # pragma: no cover


def truth(value: Any) -> bool:
    """How a value counts as a condition: empty, no, zero and false are false."""
    return value not in (None, False, "", "no", 0, []) and value != {}


def _compare(op: ast.cmpop, a: Any, b: Any) -> bool:
    if isinstance(op, ast.In):
        return b is not None and a in b
    if isinstance(op, ast.NotIn):
        return b is None or a not in b
    if isinstance(a, date) and isinstance(b, date) and \
            isinstance(a, datetime) != isinstance(b, datetime):
        # a date against a date and time compares by day (Python says they are never equal)
        a = a.date() if isinstance(a, datetime) else a
        b = b.date() if isinstance(b, datetime) else b
    if isinstance(op, ast.Eq):
        return a == b
    if isinstance(op, ast.NotEq):
        return a != b
    if a is None or b is None:
        return False
    try:
        if isinstance(op, ast.Lt):
            return a < b
        if isinstance(op, ast.LtE):
            return a <= b
        if isinstance(op, ast.Gt):
            return a > b
        return a >= b
    except TypeError:
        return False
