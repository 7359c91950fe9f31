"""Failed-unlock throttling that survives restarts.

At most ``MAX_FAILURES`` wrong secrets in any ``WINDOW`` seconds.  The failure that reaches the
limit starts a lock-out, and each further lock-out (without a successful unlock in between)
lasts twice as long, up to ``MAX_LOCKOUT``.  While locked out, no key derivation runs at all.

The state lives in a small JSON file beside the key file.  It holds timestamps only, no secret
and no personal data.  It is not a cryptographic control (someone who can copy the key file can
attack it offline; Argon2id is what makes that slow); it stops guessing at the keyboard.
Failures are also written to the audit log at the next successful unlock, because the log is
encrypted and cannot be written before then.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

from cse_desktop.domain.errors import LockedOut
from cse_desktop.store.keys import atomic_write

log = logging.getLogger(__name__)

THROTTLE_FILE_NAME = "unlock-failures.json"
MAX_FAILURES = 10
WINDOW = 300.0
MAX_LOCKOUT = 3600.0

Clock = Callable[[], float]


class UnlockThrottle:
    def __init__(self, folder: Path, clock: Clock = time.time) -> None:
        self.path = folder / THROTTLE_FILE_NAME
        self.clock = clock

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            failures = [float(t) for t in data.get("failures", [])]
            return {"failures": failures[-1000:], "lockouts": int(data.get("lockouts", 0)),
                    "locked_until": float(data.get("locked_until", 0.0))}
        except FileNotFoundError:
            pass
        except (ValueError, TypeError, AttributeError):
            log.warning("unlock throttle state unreadable; starting afresh")
        return {"failures": [], "lockouts": 0, "locked_until": 0.0}

    def _write(self, state: dict) -> None:
        atomic_write(self.path, json.dumps(state).encode())

    def check(self) -> None:
        """Raise LockedOut if no attempt may be made now."""
        wait = self._read()["locked_until"] - self.clock()
        if wait > 0:
            raise LockedOut(f"Too many wrong attempts. {_pause(wait)}", retry_after=wait)

    def record_failure(self, wrong: str) -> LockedOut | None:
        """Count a failure; if it starts a lock-out, the error to raise instead of ``wrong``."""
        self._record()
        wait = self._read()["locked_until"] - self.clock()
        if wait > 0:
            return LockedOut(f"{wrong} That was too many wrong attempts. {_pause(wait)}",
                             retry_after=wait)
        return None

    def _record(self) -> None:
        now = self.clock()
        state = self._read()
        state["failures"].append(now)
        recent = [t for t in state["failures"] if t > now - WINDOW]
        if len(recent) >= MAX_FAILURES:
            state["locked_until"] = now + min(WINDOW * 2 ** state["lockouts"], MAX_LOCKOUT)
            state["lockouts"] += 1
        self._write(state)

    def pending_failures(self) -> list[float]:
        """Failure times not yet written to the audit log."""
        return list(self._read()["failures"])

    def reset(self) -> None:
        """After a successful unlock (once pending failures are in the audit log)."""
        self.path.unlink(missing_ok=True)


def _pause(wait: float) -> str:
    minutes = max(1, math.ceil(wait / 60))
    return (f"Unlocking is paused for {minutes} minute{'s' if minutes != 1 else ''}; "
            "try again then.")
