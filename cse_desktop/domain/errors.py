"""One error hierarchy for the whole application.

Every error a user can meet carries a stable ``code`` (for scripts, the hub and support) and a
plain-English ``message`` that says what happened and what to do.  Nothing in a message may
contain personal data or key material.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable


class CseError(Exception):
    """Base of every error the application raises on purpose."""

    code = "error"
    #: the command line's exit status for this kind of error
    exit_status = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(CseError):
    code = "usage"
    exit_status = 2


class ValidationFailed(CseError):
    """Input that does not meet the rules; nothing was written."""

    code = "invalid"


class WeakPassphrase(ValidationFailed):
    """A new passphrase that is too easy to guess (or too short or too long); nothing was
    written.  The message says why in plain words and what would make it stronger."""

    code = "weak_passphrase"


class NotFound(CseError):
    code = "not_found"


class WorkspaceExists(CseError):
    code = "workspace_exists"


class WorkspaceMissing(CseError):
    code = "workspace_missing"


class WrongPassphrase(CseError):
    code = "wrong_passphrase"
    exit_status = 3


class LockedOut(CseError):
    """Too many failed unlocks: no attempt is made until ``retry_after`` seconds pass."""

    code = "locked_out"
    exit_status = 3

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class WorkspaceLocked(CseError):
    """The workspace was locked (the key dropped); unlock it again to continue."""

    code = "workspace_locked"
    exit_status = 3


class KeyFileDamaged(CseError):
    code = "key_file_damaged"
    exit_status = 4


class KeyTooWeak(KeyFileDamaged):
    """The key file's key derivation is cheaper than CSE Desktop accepts (below the floor)."""

    code = "key_too_weak"


class NotOurDatabase(CseError):
    """The database is not an encrypted CSE Desktop workspace (plain SQLite, foreign file...)."""

    code = "not_our_database"
    exit_status = 4


class IntegrityFailure(CseError):
    code = "integrity_failure"
    exit_status = 4


class AuditChainBroken(CseError):
    code = "audit_chain_broken"
    exit_status = 4


class UnsafeEngine(CseError):
    """The SQLCipher engine is missing or not configured as we require; refuse to run."""

    code = "unsafe_engine"
    exit_status = 4


class ImmutableRecord(CseError):
    """A final submission cannot be changed: record a correction as an amendment instead."""

    code = "immutable_record"


class StaleRecord(CseError):
    """The record changed since it was read; reload it and apply the change again."""

    code = "stale_record"


class BackupInvalid(CseError):
    code = "backup_invalid"
    exit_status = 4


# -- sync with the hub ------------------------------------------------------------------------


class HubUnreachable(CseError):
    """The hub could not be reached or did not answer in full; nothing was lost, try later."""

    code = "hub_unreachable"
    exit_status = 6


class HubUntrusted(HubUnreachable):
    """The hub's TLS certificate did not verify: refuse to talk to it."""

    code = "hub_untrusted"


class HubRefused(CseError):
    """The hub answered with an error (problem+json); ``code`` is the hub's stable code."""

    code = "hub_refused"

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class DeviceWiped(CseError):
    """The hub revoked or retired this laptop, and its workspace has been crypto-shredded."""

    code = "device_wiped"
    exit_status = 5


class SyncCancelled(CseError):
    code = "sync_cancelled"


#: the exit status when the reader of our output went away (``… | head``): 128 + SIGPIPE, as
#: a shell reports any program ended by a closed pipe, so ``set -o pipefail`` scripts can tell
OUTPUT_CUT_STATUS = 141


def _output_cut() -> int:
    """Standard output's reader closed it: say nothing (there is no one to tell) and make sure
    the interpreter's last flush of the rest goes nowhere instead of failing again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # no real stdout (pythonw, a test's buffer)
        pass
    return OUTPUT_CUT_STATUS


def run_command(prog: str, body: Callable[[], int], *, debug: bool = False) -> int:
    """Run a command-line program's body: an error is one plain line on stderr and its exit
    status, never a traceback (unless ``debug``). Shared by ``cse-desktop`` and ``cse-hub``.

    Output cut short by its reader (``cse-desktop forms describe … | head``) ends quietly with
    status 141. A ``BrokenPipeError`` that reaches here is standard output's: the hub client
    turns its own socket errors into ``CseError``s."""
    try:
        status = body()
        if sys.stdout is not None:
            sys.stdout.flush()  # a reader that left shows here when the output fitted the buffer
        return status
    except BrokenPipeError:
        return _output_cut()
    except CseError as exc:
        if debug:
            traceback.print_exc()
        print(f"{prog}: {exc.message}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print(f"{prog}: cancelled.", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: never a traceback for a user
        if debug:
            traceback.print_exc()
        print(f"{prog}: unexpected error ({type(exc).__name__}); nothing more was changed. "
              "Run again with --debug for details.", file=sys.stderr)
        return 1
