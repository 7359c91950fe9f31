"""The cheap key derivation, for the test suite and nothing else.

The shipped command line and desktop always wrap keys at the production cost and refuse key
files below ``store.keys.FLOOR``; they read no flag, setting or environment variable that could
change that.  The suite lowers both in its own processes by assigning two private names of
``cse_desktop.store.keys``:

* in the pytest process: :func:`enable` (called by ``tests/conftest.py``);
* in every Python child a test starts (``cse-desktop init`` and friends as real processes, the
  kill-cycle writers...): ``tests/conftest.py`` puts :data:`SITE` (and this checkout) on the
  children's ``PYTHONPATH``; Python runs :data:`SITE`'s ``sitecustomize.py`` at start-up, which
  calls :func:`enable_on` when ``cse_desktop.store.keys`` is first imported.

So only code from this folder, run inside the interpreter, reaches the cheap setting: a user
(or a script) who could do that could equally change the program itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
#: the folder whose sitecustomize.py turns the cheap setting on in child processes
SITE = Path(__file__).resolve().parent / "testkdf_site"


def enable_on(keys: ModuleType) -> None:
    """Lower the floor and the default of ``cse_desktop.store.keys`` to the cheap setting."""
    cheap = keys.KdfParams.insecure_for_tests()
    keys._floor = cheap
    keys._default = cheap


def enable() -> None:
    """The cheap setting in this process, and in every Python child it starts from now on."""
    from cse_desktop.store import keys

    enable_on(keys)
    parts = [str(ROOT), str(SITE)]
    if os.environ.get("PYTHONPATH"):
        parts.append(os.environ["PYTHONPATH"])
    os.environ["PYTHONPATH"] = os.pathsep.join(parts)
