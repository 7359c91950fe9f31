"""Failed-unlock throttling that survives restarts.

At most ``MAX_FAILURES`` wrong secrets in any ``WINDOW`` seconds.  The failure that reaches the
limit starts a lock-out, and each further lock-out (without a successful unlock in between)
lasts twice as long, up to ``MAX_LOCKOUT``.  While locked out, no key derivation runs at all.

The state lives in a small JSON file beside the key file.  It holds timestamps only, no secret
and no personal data.  It is not a cryptographic control (someone who can copy the key file can
attack it offline; Argon2id is what makes that slow); it slows guessing at the keyboard.
Failures are also written to the audit log at the next successful unlock, because the log is
encrypted and cannot be written before then.

Each failure is also counted in the key file (which every unlock reads), with the end of any
lock-out; the key file's sealed part says how many failures the last unlock had seen.  So a
JSON file removed or edited to hold fewer failures is noticed at the next unlock and written to
the audit log ("failed-unlock record removed"), and deleting it does not end a lock-out.  What
no software on the laptop can notice is both files put back as they were before the guessing
(a copy taken beforehand): that is why the README calls the throttle a brake at the keyboard,
and Argon2id the protection of a stolen disk.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path

from cse_desktop.domain.errors import CseError, LockedOut
from cse_desktop.store.keys import KEY_FILE_NAME, KeyFile, atomic_write

log = logging.getLogger(__name__)

THROTTLE_FILE_NAME = "unlock-failures.json"
#: the audit reason when the record of failed unlocks has lost some (see the module's words)
RECORD_REMOVED = "failed-unlock record removed"
MAX_FAILURES = 10
WINDOW = 300.0
MAX_LOCKOUT = 3600.0

Clock = Callable[[], float]


class UnlockThrottle:
    def __init__(self, folder: Path, clock: Clock = time.time) -> None:
        self.path = folder / THROTTLE_FILE_NAME
        self.key_path = folder / KEY_FILE_NAME
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

    def check(self, key_file: KeyFile | None = None) -> None:
        """Raise LockedOut if no attempt may be made now (by this file's record, or by the
        lock-out the key file copied)."""
        until = max(self._read()["locked_until"], key_file.locked_until if key_file else 0.0)
        wait = until - self.clock()
        if wait > 0:
            raise LockedOut(f"Too many wrong attempts. {_pause(wait)}", retry_after=wait)

    def record_failure(self, wrong: str) -> LockedOut | None:
        """Count a failure; if it starts a lock-out, the error to raise instead of ``wrong``."""
        self._record()
        until = self._read()["locked_until"]
        self._count_in_key_file(until)
        wait = until - self.clock()
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

    def _count_in_key_file(self, locked_until: float) -> None:
        """After this file (so a crash in between leaves the key file counting fewer, which
        is not taken for a removal)."""
        try:
            KeyFile.load(self.key_path).with_failure(locked_until).save(self.key_path)
        except (OSError, CseError) as exc:  # the failure is still in this file
            log.warning("could not count the failed unlock in the key file (%s)",
                        type(exc).__name__)

    def removed_from_record(self, key_file: KeyFile, db_key: bytes | bytearray,
                            pending: int) -> str:
        """At a successful unlock: the audit reason if failed unlocks are missing from this
        file (fewer than the key file counted since the last unlock, or the key file's own
        count or sealed part altered), else "".  ``pending``: the failures this file holds."""
        sealed = key_file.sealed_state(db_key)
        seen = sealed.get("failures_seen", 0) if sealed is not None else None
        if not isinstance(seen, int) or isinstance(seen, bool):
            return f"{RECORD_REMOVED}: the key file's sealed count was altered"
        if key_file.failures < seen:
            return f"{RECORD_REMOVED}: the key file's count of failed unlocks was lowered"
        missing = key_file.failures - seen - pending
        if missing > 0:
            return (f"{RECORD_REMOVED}: {missing} failed unlock{'s' if missing != 1 else ''} "
                    f"counted in the key file missing from {THROTTLE_FILE_NAME}")
        return ""

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
