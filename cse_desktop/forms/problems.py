"""How problems in form files are reported: ``file:line: field.path: message``.

A :class:`Problem` is one such line; :class:`FormLoadError` carries every problem found in the
files read, so that all of them are reported together.  ``format_path`` writes a location in a
form (a tuple of keys and indexes) as ``sections[0].fields[2].id``.
"""

from __future__ import annotations

from dataclasses import dataclass

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
