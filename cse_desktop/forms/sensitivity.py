"""Sensitivity categories of form fields, kept as data beside each form version.

A published form file never changes, so the categories of its fields live in a file beside it:
``forms/<form_id>/v<N>.sensitivity.yaml``::

    schema_version: 1
    form: exploitation-screening
    version: 2
    fields:
      crit_sexual_abuse_disclosure: [disclosure]
      people_of_concern: [intelligence, third_party]

Keys are field ids of that version (a field in a repeat group by its own id, which is unique in
the form; a group's categories cover every field in it). A field not listed carries no
category. Printed copies withhold answers by category (``cse_desktop.reports.redaction``); a
version with no sensitivity file is unknown, and its answers are withheld from every copy that
withholds any category (fail closed).

The categories (domain research section 5, information governance):

``disclosure``
    what the child disclosed, or signs, of sexual abuse or sexual exploitation (including
    sexual images of the child and sextortion), and harm the child told us about.
``sexual_health``
    sexual health: sexually transmitted infections, pregnancy or termination (special
    category data: health and sex life).
``identity``
    the child's sexuality or gender identity (special category data; a copy must never out a
    child).
``own_words``
    the child's own words and views, recorded as theirs.
``third_party``
    other people's information: other children, family members, who must not be told, what
    the child asked not to be shared with a parent, what other agencies said.
``location``
    where the child is, goes or was found (a family member who poses a risk must not learn it).
``intelligence``
    intelligence on people, places, vehicles and handles of concern (criminal offence data).
``health``
    other special-category health detail (self-harm, injuries, substance use, health needs).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Category(StrEnum):
    DISCLOSURE = "disclosure"
    SEXUAL_HEALTH = "sexual_health"
    IDENTITY = "identity"
    OWN_WORDS = "own_words"
    THIRD_PARTY = "third_party"
    LOCATION = "location"
    INTELLIGENCE = "intelligence"
    HEALTH = "health"


#: each category in words (for the rule sheet, the print dialog and error messages)
CATEGORY_LABELS: dict[Category, str] = {
    Category.DISCLOSURE: "Disclosure of sexual abuse or exploitation, or of harm",
    Category.SEXUAL_HEALTH: "Sexual health",
    Category.IDENTITY: "Sexuality or gender identity",
    Category.OWN_WORDS: "The young person's own words",
    Category.THIRD_PARTY: "Other people's (third-party) information",
    Category.LOCATION: "Where the young person is, goes or was found",
    Category.INTELLIGENCE: "Intelligence on people, places and vehicles of concern",
    Category.HEALTH: "Health detail",
}

#: every category, for a field whose categories are unknown (fail closed)
ALL_CATEGORIES: frozenset[Category] = frozenset(Category)

#: the file beside ``v<N>.yaml`` holding its fields' categories
SENSITIVITY_SUFFIX = ".sensitivity.yaml"
SCHEMA_VERSION = 1


def check_sensitivity(data: Any, form_id: str, version: int, field_ids: dict[str, str]
                      ) -> tuple[dict[str, frozenset[Category]],
                                 list[tuple[tuple[str | int, ...], str]]]:
    """Read a sensitivity file's data against its form version.

    ``field_ids`` maps every field id of the version (repeat groups' fields included) to its
    type. Returns (categories by field id, problems as (path, message)).
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if not isinstance(data, dict):
        return {}, [((), "a sensitivity file must be a mapping of keys (schema_version, form, "
                         "version, fields)")]
    for key in data:
        if key not in ("schema_version", "form", "version", "fields"):
            problems.append(((key,), f"unknown key '{key}'"))
    if data.get("schema_version") != SCHEMA_VERSION:
        problems.append((("schema_version",), f"'schema_version' must be {SCHEMA_VERSION}"))
    if data.get("form") != form_id:
        problems.append((("form",), f"'form' must be '{form_id}', the form beside it"))
    if data.get("version") != version:
        problems.append((("version",), f"'version' must be {version}, as its file name says"))
    fields = data.get("fields")
    if not isinstance(fields, dict):
        problems.append((("fields",), "'fields' must map field ids to lists of categories"))
        return {}, problems
    known = ", ".join(c.value for c in Category)
    out: dict[str, frozenset[Category]] = {}
    for field_id, value in fields.items():
        path: tuple[str | int, ...] = ("fields", field_id)
        if field_id not in field_ids:
            problems.append((path, f"there is no field '{field_id}' in version {version}"))
            continue
        if field_ids[field_id] == "info":
            problems.append((path, f"'{field_id}' is an info banner: it holds no answer"))
            continue
        if not isinstance(value, list) or not value:
            problems.append((path, "give a list of one or more categories"))
            continue
        chosen: set[Category] = set()
        for i, item in enumerate(value):
            if item not in Category._value2member_map_:
                problems.append(((*path, i), f"unknown category {item!r} (known: {known})"))
            elif Category(item) in chosen:
                problems.append(((*path, i), f"the category '{item}' is listed twice"))
            else:
                chosen.add(Category(item))
        out[field_id] = frozenset(chosen)
    return out, problems
