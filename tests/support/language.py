"""Phrases to avoid when writing about children and exploitation, kept as data.

The list is ``resources/language/phrases-to-avoid.yaml`` (from the practice-language guide):
each entry names a phrase, a pattern for it and its variants, why it is avoided and what to
write instead.  :func:`find_phrases` returns every use in a text; :func:`form_texts` gives the
words of a form file a person reads (labels, help, choices, banners, flags, pathways and routes,
title, description), leaving out ids and expressions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: keys of a form file whose text a person reads
VISIBLE_KEYS = frozenset({
    "title", "description", "label", "help", "placeholder", "unit", "min_label", "max_label",
    "add_label", "group", "message", "explanation", "prompt", "text", "reason",
})


def default_phrases_file() -> Path:
    """``resources/language/phrases-to-avoid.yaml`` at the root of the source tree."""
    return Path(__file__).resolve().parents[2] / "resources" / "language" / "phrases-to-avoid.yaml"


@dataclass(frozen=True)
class Phrase:
    avoid: str
    why: str
    prefer: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Hit:
    #: where the text came from (a file and a path in it, for example)
    where: str
    #: the words found, as written
    found: str
    phrase: Phrase

    def __str__(self) -> str:
        return (f'{self.where}: "{self.found}" (avoid "{self.phrase.avoid}": {self.phrase.why}) '
                f"prefer: {self.phrase.prefer}")


def parse_phrases(entries: Any) -> tuple[Phrase, ...]:
    """Phrases from the file's data; ValueError names the first bad entry."""
    if not isinstance(entries, list) or not entries:
        raise ValueError("the phrases file must be a non-empty list")
    phrases = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not all(
                isinstance(entry.get(k), str) and entry[k].strip()
                for k in ("avoid", "why", "prefer")):
            raise ValueError(f"entry {n}: needs 'avoid', 'why' and 'prefer' (text)")
        unknown = set(entry) - {"avoid", "pattern", "why", "prefer"}
        if unknown:
            raise ValueError(f"entry {n} ({entry['avoid']}): unknown keys {sorted(unknown)}")
        source = entry.get("pattern") or r"\s+".join(map(re.escape, entry["avoid"].split()))
        try:
            pattern = re.compile(rf"\b(?:{source})\b", re.IGNORECASE | re.VERBOSE)
        except re.error as exc:
            raise ValueError(f"entry {n} ({entry['avoid']}): bad pattern: {exc}") from None
        phrases.append(Phrase(entry["avoid"], entry["why"].strip(), entry["prefer"], pattern))
    return tuple(phrases)


@functools.cache
def load_phrases(path: Path | None = None) -> tuple[Phrase, ...]:
    """The phrases to avoid (read once)."""
    path = path or default_phrases_file()
    return parse_phrases(yaml.safe_load(path.read_text("utf-8")))


def find_phrases(text: str, where: str = "",
                 phrases: Sequence[Phrase] | None = None) -> list[Hit]:
    """Every use of a phrase to avoid in ``text``, in the order of the list."""
    phrases = load_phrases() if phrases is None else phrases
    return [Hit(where, m.group(0), p) for p in phrases for m in p.pattern.finditer(text)]


def form_texts(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) for each piece of a form file's data a person reads."""
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if key in VISIBLE_KEYS and isinstance(value, str):
                yield where, value
            elif key == "modules" and isinstance(value, dict):  # scoring: module id -> name
                yield from ((f"{where}.{k}", v) for k, v in value.items() if isinstance(v, str))
            else:
                yield from form_texts(value, where)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            name = (item.get("id") or item.get("value")) if isinstance(item, dict) else None
            yield from form_texts(item, f"{path}[{name if isinstance(name, str) else i}]")
