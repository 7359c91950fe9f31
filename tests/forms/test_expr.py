"""The form expression language: a short whitelist, checked when compiled, evaluated safely."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cse_desktop.forms import expr as ex
from cse_desktop.forms.expr import Env, ExprError, Name, Scope, compile_expr

NOW = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)

SCOPE = Scope(
    names={
        "n": Name(ex.NUMBER), "m": Name(ex.NUMBER),
        "t": Name(ex.STR),
        "colour": Name(ex.STR, frozenset({"red", "blue"})),
        "answer": Name(ex.STR, frozenset({"yes", "no"})),
        "tags": Name(ex.LIST, frozenset({"one", "two"})),
        "rows": Name(ex.ROWS),
        "d": Name(ex.DATE), "d2": Name(ex.DATE),
        "dt": Name(ex.DATETIME), "dt2": Name(ex.DATETIME),
        "flag": Name(ex.BOOL),
        "whatever": Name(ex.ANY),
    },
    objects={"person": {"age": Name(ex.NUMBER), "dob": Name(ex.DATE)},
             "episode": {"returned_at": Name(ex.DATETIME)}},
)


def run(source: str, values: dict[str, Any] | None = None,
        objects: dict[str, dict[str, Any]] | None = None, now: datetime = NOW) -> Any:
    return compile_expr(source, SCOPE).evaluate(Env(values or {}, objects or {}, now))


# -- the whitelist ---------------------------------------------------------------------------


def test_the_function_whitelist_is_exactly_this() -> None:
    assert set(ex.FUNCTIONS) == {"count", "any", "selected", "answered", "age_on",
                                 "days_between", "hours_between", "today", "now",
                                 "count_rows"}


def test_compile_gives_the_type_and_the_names_used() -> None:
    compiled = compile_expr("  count(tags) > n and colour == 'red'  ", SCOPE, want=ex.BOOL)
    assert compiled.type == ex.BOOL
    assert compiled.names == frozenset({"tags", "n", "colour"})
    assert compiled.source == "count(tags) > n and colour == 'red'"
    assert compile_expr("n * 2 + m", SCOPE).type == ex.NUMBER
    assert compile_expr("today()", SCOPE).type == ex.DATE
    assert compile_expr("now()", SCOPE).type == ex.DATETIME
    assert compile_expr("person.dob", SCOPE).type == ex.DATE
    assert compile_expr("['a', 1]", SCOPE).type == ex.LIST


# -- evaluation, with unanswered (None) values -----------------------------------------------


@pytest.mark.parametrize("source", ["n > 1", "n < 1", "n >= 0", "n <= 0", "n == 0",
                                    "d < today()", "d >= today()", "dt > now()",
                                    "1 < n < 5", "colour == 'red'", "n > m"])
def test_comparisons_with_an_unanswered_value_are_false(source: str) -> None:
    assert run(source) is False
    assert run(source, {"n": None, "m": None, "d": None, "dt": None, "colour": None}) is False


@pytest.mark.parametrize(("source", "values", "expected"), [
    ("count(tags)", {}, 0),
    ("count(tags)", {"tags": None}, 0),
    ("count(tags)", {"tags": ["one", "two"]}, 2),
    ("count(tags)", {"tags": ["one", "", None]}, 1),
    ("count(rows)", {"rows": [{"a": 1}, {"b": 2}, {}]}, 3),
    ("any(tags)", {}, False),
    ("any(tags)", {"tags": []}, False),
    ("any(tags)", {"tags": ["no", ""]}, False),
    ("any(tags)", {"tags": ["one"]}, True),
    ("selected(tags, 'two')", {"tags": ["one", "two"]}, True),
    ("selected(tags, 'two')", {"tags": ["one"]}, False),
    ("selected(tags, 'two')", {}, False),
    ("selected(colour, 'red')", {"colour": "red"}, True),
    ("selected(colour, 'red')", {"colour": "blue"}, False),
    ("answered(t)", {}, False),
    ("answered(t)", {"t": ""}, False),
    ("answered(tags)", {"tags": []}, False),
    ("answered(t)", {"t": "something"}, True),
    ("answered(n)", {"n": 0}, True),  # zero is an answer
])
def test_functions(source: str, values: dict, expected: Any) -> None:
    assert run(source, values) == expected


@pytest.mark.parametrize(("source", "values"), [
    ("n + 1", {}), ("n - 1", {}), ("n * 2", {}), ("2 / n", {}), ("-n", {}),
    ("n + m", {"n": 1}), ("n / 0", {"n": 4}), ("n / m", {"n": 4, "m": 0}),
    ("1" + "0" * 400 + " / 3", {}),  # too large for a float: empty, not an OverflowError
])
def test_arithmetic_with_nothing_gives_nothing(source: str, values: dict) -> None:
    assert run(source, values) is None


def test_arithmetic() -> None:
    assert run("n * 2 + m", {"n": 3, "m": 1}) == 7
    assert run("n / 4", {"n": 2}) == 0.5
    assert run("-n + 10", {"n": 3}) == 7
    assert run("(n - m) * 2", {"n": 5, "m": 2}) == 6


def test_truth_and_logic() -> None:
    assert run("not answer", {"answer": "no"}) is True  # 'no' is false
    assert run("not answer", {"answer": "yes"}) is False
    assert run("not n", {}) is True
    assert run("not n", {"n": 0}) is True
    assert run("flag and n > 1", {"flag": True, "n": 2}) is True
    assert run("flag and n > 1", {"flag": False, "n": 2}) is False
    assert run("flag or n > 1", {"flag": False, "n": 2}) is True
    assert run("flag or n > 1", {}) is False
    assert run("not (flag or answered(t))", {}) is True


def test_in_and_not_in_lists() -> None:
    assert run("colour in ['red', 'blue']", {"colour": "red"}) is True
    assert run("colour in ['blue']", {"colour": "red"}) is False
    assert run("colour not in ['blue']", {"colour": "red"}) is True
    assert run("colour in ['red', 'blue']", {}) is False
    assert run("n in [1, 2, 3]", {"n": 2}) is True
    assert run("'one' in tags", {"tags": ["one", "two"]}) is True
    assert run("'one' in tags", {}) is False
    assert run("'two' not in tags", {"tags": ["one"]}) is True


def test_chained_comparisons() -> None:
    assert run("1 < n < 5", {"n": 3}) is True
    assert run("1 < n < 5", {"n": 5}) is False
    assert run("1 < n < 5", {"n": 1}) is False
    assert run("0 <= n <= 10 <= m", {"n": 10, "m": 10}) is True
    assert run("0 <= n <= 10 <= m", {"n": 10, "m": 9}) is False
    assert run("d < d2 <= today()", {"d": date(2026, 1, 1), "d2": date(2026, 3, 1)}) is True
    assert run("d < d2 <= today()", {"d": date(2026, 1, 1), "d2": date(2026, 3, 2)}) is False


def test_chained_comparisons_are_type_checked_pair_by_pair() -> None:
    with pytest.raises(ExprError, match="cannot order a number against a str"):
        compile_expr("1 < n < 'a'", SCOPE)
    with pytest.raises(ExprError, match="not one of the values of 'colour'"):
        compile_expr("'red' == colour == 'green'", SCOPE)


def test_dates_and_datetimes_compare_by_day() -> None:
    values = {"d": date(2026, 3, 1), "dt": datetime(2026, 3, 1, 23, 0, tzinfo=UTC)}
    assert run("d <= dt", values) is True
    assert run("d < dt", values) is False
    assert run("dt > d", values) is False
    assert run("d == dt", values) is True  # the same day
    assert run("d != dt", values) is False
    assert run("d == dt", {**values, "d": date(2026, 2, 28)}) is False
    assert run("d < dt", {**values, "d": date(2026, 2, 28)}) is True
    assert run("d == dt", {"d": date(2026, 3, 1)}) is False
    assert run("d < today()", {"d": date(2026, 2, 28)}) is True
    assert run("dt < now()", {"dt": NOW - timedelta(seconds=1)}) is True


def test_hours_between() -> None:
    start = datetime(2026, 3, 1, 21, 30, tzinfo=UTC)
    back = datetime(2026, 3, 2, 8, 0, tzinfo=timezone(timedelta(hours=1)))  # 07:00 UTC
    assert run("hours_between(dt, dt2)", {"dt": start, "dt2": back}) == 9.5
    assert run("hours_between(dt2, dt)", {"dt": start, "dt2": back}) == -9.5
    assert run("hours_between(dt, now())", {"dt": NOW - timedelta(hours=72)}) == 72
    assert run("hours_between(dt, dt2)", {"dt": start}) is None
    assert run("hours_between(dt, dt2) <= 72", {"dt": start}) is False
    assert run("hours_between(episode.returned_at, now())",
               objects={"episode": {"returned_at": NOW - timedelta(minutes=90)}}) == 1.5


def test_days_between() -> None:
    assert run("days_between(d, d2)", {"d": date(2024, 2, 28), "d2": date(2024, 3, 1)}) == 2
    assert run("days_between(d, d2)", {"d": date(2023, 2, 28), "d2": date(2023, 3, 1)}) == 1
    assert run("days_between(d2, d)", {"d": date(2024, 2, 28), "d2": date(2024, 3, 1)}) == -2
    assert run("days_between(d, dt)", {"d": date(2026, 2, 27),
                                       "dt": datetime(2026, 3, 1, 23, 59, tzinfo=UTC)}) == 2
    assert run("days_between(d, today())", {"d": date(2025, 3, 1)}) == 365
    assert run("days_between(d, d2)", {"d": date(2024, 1, 1)}) is None


@pytest.mark.parametrize(("dob", "day", "age"), [
    (date(2012, 2, 29), date(2013, 2, 28), 0),  # leap-day birthday: not yet 1 on 28 Feb
    (date(2012, 2, 29), date(2013, 3, 1), 1),
    (date(2012, 2, 29), date(2024, 2, 28), 11),
    (date(2012, 2, 29), date(2024, 2, 29), 12),
    (date(2012, 2, 29), date(2025, 2, 28), 12),
    (date(2012, 2, 29), date(2025, 3, 1), 13),
    (date(2013, 6, 15), date(2026, 6, 14), 12),  # the day before the 13th birthday
    (date(2013, 6, 15), date(2026, 6, 15), 13),
    (date(2013, 6, 15), date(2013, 6, 15), 0),
])
def test_age_on(dob: date, day: date, age: int) -> None:
    assert run("age_on(d, d2)", {"d": dob, "d2": day}) == age


def test_age_on_with_a_datetime_today_and_person_dob() -> None:
    assert run("age_on(d, dt)", {"d": date(2013, 3, 1),
                                 "dt": datetime(2026, 3, 1, 0, 5, tzinfo=UTC)}) == 13
    assert run("age_on(person.dob, today())",
               objects={"person": {"dob": date(2013, 3, 2)}}) == 12
    assert run("age_on(person.dob, today()) <= 13",
               objects={"person": {"dob": date(2013, 3, 2)}}) is True
    assert run("age_on(person.dob, today())", objects={"person": {"dob": None}}) is None
    assert run("age_on(person.dob, today())") is None


def test_today_and_now_come_from_the_environment() -> None:
    assert run("today()") == date(2026, 3, 1)
    assert run("now()") == NOW
    later = NOW + timedelta(days=400)
    assert run("today()", now=later) == later.date()


def test_person_parts_and_missing_objects() -> None:
    assert run("person.age >= 13", objects={"person": {"age": 13}}) is True
    assert run("person.age >= 13", objects={"person": {"age": None}}) is False
    assert run("person.age >= 13") is False


def test_a_repeat_row_sees_its_own_fields_first() -> None:
    env = Env({"n": 1, "m": 5}, {}, NOW).child({"n": 10})
    assert compile_expr("n + m", SCOPE).evaluate(env) == 15


# -- type errors, found at compile time ------------------------------------------------------


@pytest.mark.parametrize(("source", "message"), [
    ("count(t)", "argument 1 of count() must be list or rows, not str"),
    ("any(n)", "argument 1 of any() must be list or rows, not number"),
    ("d > 3", "cannot order a date against a number"),
    ("t > n", "cannot order a str against a number"),
    ("tags > tags", "cannot order a list against a list"),
    ("flag < flag", "cannot order a bool against a bool"),
    ("n == 'x'", "comparing a number with a str is always false"),
    ("colour == 'green'", "'green' is not one of the values of 'colour' (blue, red)"),
    ("colour != 'green'", "'green' is not one of the values of 'colour'"),
    ("selected(tags, 'three')", "'three' is not one of the values of 'tags' (one, two)"),
    ("selected(tags, n)", "argument 2 of selected() must be str, not number"),
    ("t + 1", "arithmetic needs numbers, not str"),
    ("d - d2", "arithmetic needs numbers, not date"),
    ("-t", "cannot make a str negative"),
    ("n in t", "'in' needs a list on its right"),
    ("hours_between(d, d2)", "argument 1 of hours_between() must be datetime, not date"),
    ("age_on(n, today())", "argument 1 of age_on() must be date or datetime, not number"),
    ("count()", "count() takes 1 argument, not 0"),
    ("count(tags, tags)", "count() takes 1 argument, not 2"),
    ("today(1)", "today() takes 0 arguments, not 1"),
    ("count(tags=tags)", "keyword is not allowed in expressions"),
    ("nobody > 1", "unknown name 'nobody'"),
    ("count > 1", "'count' is a function: write count(...)"),
    ("person.height", "'person' has no 'height'"),
    ("context.missing", "only these names have parts reached with a dot: episode, person"),
    ("n in [tags]", "a list in an expression may hold only text and numbers"),
    ("n in [today()]", "a list in an expression may hold only text and numbers"),
    ("frobnicate(n)", "unknown function 'frobnicate'"),
])
def test_type_errors_are_found_at_compile_time(source: str, message: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_expr(source, SCOPE)
    assert message in str(info.value)


@pytest.mark.parametrize("source", ["n", "n + 1", "today()", "t", "tags", "count(tags)"])
def test_a_condition_must_be_true_or_false(source: str) -> None:
    with pytest.raises(ExprError, match="not true/false"):
        compile_expr(source, SCOPE, want=ex.BOOL)


def test_unknown_type_values_are_allowed_where_anything_is() -> None:
    assert compile_expr("whatever", SCOPE, want=ex.BOOL).type == ex.ANY
    assert compile_expr("whatever > 3 and count(whatever) == 0", SCOPE).type == ex.BOOL


# -- everything else is refused with an ExprError --------------------------------------------


REFUSED = [
    "__import__('os').system('echo hi')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "t.__class__",
    "person.__class__",
    "person.age.real",
    "n.real",
    "lambda: 1",
    "(lambda: 1)()",
    "[x for x in tags]",
    "{x for x in tags}",
    "{x: 1 for x in tags}",
    "(x for x in tags)",
    "any(x for x in tags)",
    "tags[0]",
    "tags[0:1]",
    "{'a': 1}",
    "{1, 2}",
    "f'{t}'",
    "b'bytes'",
    "1j",
    "...",
    "n if flag else m",
    "n ** 2",
    "n // 2",
    "n % 2",
    "~n",
    "+n",
    "n << 1",
    "n & m",
    "n | m",
    "n @ m",
    "n is None",
    "n is not None",
    "(x := 1)",
    "x := 1",
    "*tags",
    "count(*tags)",
    "count(**tags)",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('1')",
    "getattr(t, 'upper')",
    "globals()",
    "t.upper()",
    "person.age()",
    "n()",
    "count(tags)(1)",
    "'abc'.join(tags)",
    "import os",
    "n = 1",
    "n; m",
    "await n",
    "yield n",
    "n if",
    "(",
    "'unterminated",
    "\x00",
    "n\x00",
    "",
    "   ",
    "n" * (ex.MAX_LENGTH + 1),
    "-" * 60 + "n",
    "not " * 60 + "flag",
    "(" * 300 + "n" + ")" * 300,
    " + ".join(["n"] * 60),
]


@pytest.mark.parametrize("source", REFUSED)
def test_refused_constructs_raise_expr_error(source: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_expr(source, SCOPE)
    message = str(info.value)
    assert message.strip()
    assert "Traceback" not in message


def test_compiling_never_prints_python_warnings(recwarn: pytest.WarningsRecorder) -> None:
    assert compile_expr("t == '\\d'", SCOPE).type == ex.BOOL  # an "invalid escape" to Python
    with pytest.raises(ExprError):
        compile_expr("'\\q' 1", SCOPE)
    assert [str(w.message) for w in recwarn] == []


def test_non_text_source_is_an_expr_error() -> None:
    with pytest.raises(ExprError):
        compile_expr(None, SCOPE)  # type: ignore[arg-type]
    with pytest.raises(ExprError):
        compile_expr(42, SCOPE)  # type: ignore[arg-type]


def test_expressions_never_run_python(tmp_path: Any) -> None:
    canary = tmp_path / "canary"
    for source in (f"__import__('pathlib').Path('{canary}').touch()",
                   f"open('{canary}', 'w')",
                   f"[open('{canary}', 'w') for _ in [1]]"):
        with pytest.raises(ExprError):
            compile_expr(source, SCOPE)
    assert not canary.exists()


# -- fuzzing: compile gives an Expr or an ExprError, and an Expr always evaluates ------------


SAMPLE_VALUES: list[dict[str, Any]] = [
    {},
    {"n": 3, "m": 0, "t": "hello", "colour": "red", "answer": "no", "tags": ["one"],
     "rows": [{"x": 1}], "d": date(2012, 2, 29), "d2": date(2026, 3, 1),
     "dt": datetime(2026, 2, 28, 10, 0, tzinfo=UTC), "dt2": NOW, "flag": True},
    {"n": -2.5, "m": 1e308, "t": "", "colour": "blue", "answer": "yes", "tags": [],
     "rows": [], "d": date(2026, 3, 1), "d2": None, "dt": None, "flag": False},
]
OBJECTS: list[dict[str, dict[str, Any]]] = [
    {}, {"person": {"age": 13, "dob": date(2013, 3, 1)},
         "episode": {"returned_at": NOW - timedelta(hours=5)}},
]

TOKENS = st.sampled_from([
    "n", "m", "t", "colour", "answer", "tags", "rows", "d", "d2", "dt", "dt2", "flag",
    "whatever", "person.age", "person.dob", "episode.returned_at", "count(", "any(",
    "selected(", "answered(", "age_on(", "days_between(", "hours_between(", "today()",
    "now()", "(", ")", ",", "[", "]", "'red'", "'one'", "'x'", "0", "1", "13", "2.5",
    "1e308", "-", "+", "*", "/", "==", "!=", "<", "<=", ">", ">=", "and", "or", "not",
    "in", "not in", "True", "False", "None", "__import__", "lambda", ":", "for", "if",
    "else", ".", "__class__", "{", "}", "**", "%", "'", '"', "\n", "\\",
])


def compile_and_evaluate(source: str) -> None:
    try:
        compiled = compile_expr(source, SCOPE)
    except ExprError as exc:
        assert str(exc).strip()
        return
    for values in SAMPLE_VALUES:
        for objects in OBJECTS:
            compiled.evaluate(Env(values, objects, NOW))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_random_text_compiles_or_gives_an_expr_error(source: str) -> None:
    compile_and_evaluate(source)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=12).map(" ".join))
def test_random_token_soup_compiles_or_gives_an_expr_error(source: str) -> None:
    compile_and_evaluate(source)
