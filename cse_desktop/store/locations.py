"""Where workspaces live by default.

* Linux: ``~/.local/share/cse-desktop/`` (``$XDG_DATA_HOME`` respected)
* Windows: ``%LOCALAPPDATA%\\CSE Desktop\\cse-desktop\\``
* macOS: ``~/Library/Application Support/cse-desktop/``

``CSE_DESKTOP_HOME`` overrides the folder (used by tests and by IT teams who need the data on
a particular volume).  It holds folders, never secrets.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "cse-desktop"


def data_home() -> Path:
    override = os.environ.get("CSE_DESKTOP_HOME")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, "CSE Desktop"))


def default_workspace() -> Path:
    """The practitioner's own workspace."""
    return data_home() / "workspace"


def demo_workspace() -> Path:
    """The fictional demo workspace (created on request, safe to delete)."""
    return data_home() / "demo-workspace"
