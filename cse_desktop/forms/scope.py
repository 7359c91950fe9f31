"""What the expressions of a form may name, and their types: the form's fields, the person,
episode and context objects (``person.age``, ``episode.returned_at``, ...) and, in a scoring
rule's ``when``, the counts and context of :data:`FLOOR_NAMES`. The loader checks expressions
against these when a form loads; the engine compiles them against the same."""

from __future__ import annotations

from typing import Any

from cse_desktop.forms import expr as ex
from cse_desktop.forms.spec import PRESENT_VALUES, ChoiceField, FormSpec


def name_of(field: Any, spec: FormSpec) -> ex.Name:
    t = field.type
    if t in ("text", "long_text"):
        return ex.Name(ex.STR)
    if t == "yes_no":
        return ex.Name(ex.STR, frozenset({"yes", "no"}))
    if t == "yes_no_possible" or t == "indicator":
        return ex.Name(ex.STR, frozenset(PRESENT_VALUES))
    if t == "single_choice":
        return ex.Name(ex.STR, choice_values(field, spec))
    if t == "multiple_choice":
        return ex.Name(ex.LIST, choice_values(field, spec))
    if t in ("number", "rating"):
        return ex.Name(ex.NUMBER)
    if t in ("date", "datetime"):
        return ex.Name(t)
    if t == "repeat":
        return ex.Name(ex.ROWS, fields=tuple((sub.id, name_of(sub, spec))
                                             for sub in field.fields))
    return ex.Name(ex.ANY)  # computed: typed after compiling its expression


def choice_values(field: ChoiceField, spec: FormSpec) -> frozenset[str] | None:
    if isinstance(field.choices, str):
        lst = spec.choice_lists.get(field.choices)
        return None if lst is None else frozenset(c.value for c in lst)
    return frozenset(c.value for c in field.choices)


#: what forms may reach with a dot (filled by the engine from the person and episode)
OBJECTS: dict[str, dict[str, ex.Name]] = {
    "person": {"age": ex.Name(ex.NUMBER), "dob": ex.Name(ex.DATE),
               "sen": ex.Name(ex.BOOL), "uasc": ex.Name(ex.BOOL),
               "looked_after": ex.Name(ex.BOOL)},
    "episode": {"started_at": ex.Name(ex.DATETIME), "returned_at": ex.Name(ex.DATETIME),
                "reported_at": ex.Name(ex.DATETIME),
                "overnight": ex.Name(ex.BOOL), "duration_hours": ex.Name(ex.NUMBER),
                "category": ex.Name(ex.STR, frozenset({"missing", "absent",
                                                       "away_from_placement"})),
                "police_reference": ex.Name(ex.STR),
                "police_risk_grade": ex.Name(ex.STR, frozenset({
                    "no_apparent_risk", "low", "medium", "high", "not_known"})),
                "where_found": ex.Name(ex.STR), "how_returned": ex.Name(ex.STR),
                "rhi_due_at": ex.Name(ex.DATETIME)},
    "context": {"missing_episodes_30d": ex.Name(ex.NUMBER),
                "missing_overnight": ex.Name(ex.BOOL)},
}

#: names a scoring floor may use (per module)
FLOOR_NAMES = {
    "total": ex.Name(ex.NUMBER), "vulnerabilities": ex.Name(ex.NUMBER),
    "moderate_current": ex.Name(ex.NUMBER), "significant_current": ex.Name(ex.NUMBER),
    "critical": ex.Name(ex.NUMBER), "indicators_current": ex.Name(ex.NUMBER),
    "age": ex.Name(ex.NUMBER), "sen": ex.Name(ex.BOOL),
    "missing_episodes_30d": ex.Name(ex.NUMBER), "missing_overnight": ex.Name(ex.BOOL),
}


def form_scope(spec: FormSpec) -> ex.Scope:
    names = {f.id: name_of(f, spec) for f in spec.all_fields()}
    if spec.scoring is not None:
        names["suggested_level"] = ex.Name(ex.STR, frozenset(("none", "low", "medium", "high")))
        names["total"] = ex.Name(ex.NUMBER)
    return ex.Scope(names=names, objects=OBJECTS)
