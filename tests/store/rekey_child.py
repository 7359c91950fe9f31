"""Child process for test_rekey.py: unlock a workspace, then re-key it, until killed.

    python tests/store/rekey_child.py WORKSPACE_FOLDER STOP
    (the old passphrase, then the new one, on stdin)

``STOP`` is ``-`` (run to the end) or a step after which to wait to be killed:

* ``copied``   the re-encrypted copy is written and checked; the old database still in use
* ``closed``   the old connection is closed; the old key file still in place
* ``saved``    the new key file is in place; the copy not yet renamed over the database
* ``switched`` the copy is the database; not yet reopened

Prints ``ready`` once unlocked, ``at STEP`` when stopped there, ``done`` when re-keyed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from cse_desktop.store import Workspace, rekey
from cse_desktop.store.keys import KeyFile


def main() -> None:
    folder, stop = Path(sys.argv[1]), sys.argv[2]
    old, new = sys.stdin.readline().rstrip("\n"), sys.stdin.readline().rstrip("\n")

    def after(step: str, func: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            result = func(*args, **kwargs)
            if step == stop:
                print(f"at {step}", flush=True)
                while True:
                    time.sleep(1)
            return result
        return run

    ws = Workspace.open(folder, old)
    rekey._fsync = after("copied", rekey._fsync)  # type: ignore[attr-defined]
    Workspace._close_connection = after("closed", Workspace._close_connection)
    KeyFile.save = after("saved", KeyFile.save)
    rekey._switch = after("switched", rekey._switch)  # type: ignore[attr-defined]
    print("ready", flush=True)
    ws.rekey(old, new)
    print("done", flush=True)
    ws.lock()


if __name__ == "__main__":
    main()
