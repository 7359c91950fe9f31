"""Where the desktop application's resources (icon, style sheet) live.

One function, so an installer that puts ``resources/`` somewhere else changes only this file.
"""

from __future__ import annotations

from pathlib import Path


def resources_dir() -> Path:
    """The ``resources/`` folder: for now, at the root of the source tree."""
    return Path(__file__).resolve().parents[2] / "resources"


def resource(*parts: str) -> Path:
    """A file inside ``resources/``, e.g. ``resource("icons", "app.svg")``."""
    return resources_dir().joinpath(*parts)
