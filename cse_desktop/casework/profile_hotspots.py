"""The quarterly missing profile's hotspots: the areas where children were found and the places
they went while missing, counted so that no area can name a child.

An area is a where-found, an interview's "area, town or postcode", an out-of-area town or the
postcode sector (``ZZ99 3``) of a postcode written in a place: a full postcode is always cut to
its sector, and text that contains a child's name or a street address is shown as withheld
(:class:`NameGuard`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cse_desktop.casework.profile_figures import Hotspots, breakdown
from cse_desktop.casework.profile_links import tidy
from cse_desktop.domain.models import Episode, Person, Submission

_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9])[A-Z]{2}\b", re.IGNORECASE)
_STREET = re.compile(
    r"\b\d{1,4}[a-z]?\s*,?\s+(?:[a-z'-]+\s+){1,3}(?:road|rd|street|st|avenue|ave|lane|ln|close|"
    r"drive|dr|way|court|ct|crescent|grove|gardens|place|terrace|walk|row|mews|square|"
    r"parade|rise|view)\b", re.IGNORECASE)


def hotspots_of(episodes: Sequence[Episode], interviews: dict[str, Submission],
                venue_labels: dict[str, str], guard: Callable[[str], str]) -> Hotspots:
    """Where the children of ``episodes`` were found and went (the module doc of
    :mod:`~cse_desktop.casework.missing_profile` defines the counts); ``guard`` withholds an
    area that names a person or a street address."""
    mentions: list[set[str]] = []
    spelling: dict[str, Counter[str]] = defaultdict(Counter)
    venues: Counter[str] = Counter()
    recorded = out_of_area = where_found = 0
    for e in episodes:
        form = interviews.get(e.id)
        answers = form.answers if form is not None else {}
        if form is None and not tidy(e.where_found):
            continue
        places = [r for r in answers.get("locations") or [] if isinstance(r, dict)]
        found = tidy(e.where_found) or tidy(answers.get("where_found"))
        names = {area_label(found), area_label(answers.get("found_area"))}
        names |= {postcode_sector(tidy(r.get("loc_place"))) for r in places}
        names |= {area_label(r.get("loc_town")) for r in places
                  if r.get("loc_out_of_area") == "yes"}
        keys = set()
        for name in names:
            if name:
                shown = guard(name)
                spelling[shown.casefold()][shown] += 1
                keys.add(shown.casefold())
        mentions.append(keys)
        if e.returned_at is not None and tidy(e.where_found):
            where_found += 1
        if form is not None:
            recorded += 1
            out_of_area += answers.get("found_out_of_area") == "yes"
            venues.update({r["loc_type"] for r in places if isinstance(r.get("loc_type"), str)})
    # one spelling per area: the commonest, then the first alphabetically
    shown_as = {k: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for k, c in spelling.items()}
    areas = Counter(shown_as[k] for keys in mentions for k in keys)
    return Hotspots(
        recorded=recorded, found_out_of_area=out_of_area, located=len(mentions),
        where_found_recorded=where_found,
        returned=sum(1 for e in episodes if e.returned_at is not None),
        areas=breakdown("Areas: where found, and places they went", areas, {}, len(mentions),
                        "episodes with a where-found or a form", ranked=True, merge_small=True,
                        note="An episode counts once in each area it mentions."),
        venue_types=breakdown("Types of place they went", venues, venue_labels,
                              recorded, "episodes with an interview form", ranked=True,
                              last=["other"]),
    )


def postcode_sector(text: str) -> str | None:
    """The sector of the first UK-style postcode in ``text`` ('zz99 3ab' -> 'ZZ99 3')."""
    match = _POSTCODE.search(text or "")
    return None if match is None else f"{match.group(1).upper()} {match.group(2)}"


def area_label(value: Any) -> str | None:
    """An area as printed: a postcode becomes its sector; other text is tidied."""
    text = tidy(value)
    if not text:
        return None
    sector = postcode_sector(text)
    return sector if sector is not None else text


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.casefold())


class NameGuard:
    """Withholds an area label that contains a child's name, alias included (whole words),
    or a street address."""

    def __init__(self, people: Iterable[Person]) -> None:
        words: set[str] = set()
        for p in people:
            for name in (p.given_name, p.family_name, *p.also_known_as):
                words.update(w for w in _words(name) if len(w) > 1)
        self.words = words

    def __call__(self, label: str) -> str:
        if set(_words(label)) & self.words:
            return "Area withheld (the text names a person)"
        if _STREET.search(label):
            return "Area withheld (a street address)"
        return label
