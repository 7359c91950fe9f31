"""Opening and closing a workspace: the key-derivation jobs that run before one exists (on the
task manager's network executor, ``run_network``) and the passphrase change after recovery.

A job here returns an :class:`OpenedWorkspace`; the window attaches its task manager to the
workspace in it.  A file-system failure becomes the plain wording of :func:`~cse_desktop.qt.widgets.
plain_message`, like any other error the user can meet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from cse_desktop.casework import demo
from cse_desktop.domain.errors import CseError
from cse_desktop.domain.models import Owner
from cse_desktop.qt.operations.tasks import Operation
from cse_desktop.qt.widgets import plain_message
from cse_desktop.store import KdfParams, Workspace

T = TypeVar("T")


@dataclass(frozen=True)
class OpenedWorkspace:
    """A workspace just unlocked or created, and whose it is."""

    workspace: Workspace
    owner: Owner
    #: shown once, after creating a workspace ("" after unlocking)
    recovery_code: str = ""
    #: the recovery code was used to unlock and no new one has been made yet
    recovery_code_due: bool = False

    @classmethod
    def of(cls, ws: Workspace, recovery_code: str = "") -> OpenedWorkspace:
        return cls(ws, ws.owner, recovery_code, ws.recovery_code_used)


def exists(folder: Path) -> bool:
    """Whether ``folder`` holds a workspace (to unlock) or not (to create)."""
    return Workspace.exists(folder)


def lock(ws: Workspace) -> None:
    """The last work before the task manager detaches: close the workspace, wipe its key."""
    ws.lock()


def _plainly(job: Callable[[], T]) -> Callable[[], T]:
    def run() -> T:
        try:
            return job()
        except OSError as exc:
            raise CseError(plain_message(exc)) from None
    return run


def create(*, folder: Path, passphrase: str, owner: Owner,
           kdf: KdfParams) -> Callable[[], OpenedWorkspace]:
    """Make the practitioner's workspace (with its recovery code)."""
    return _plainly(lambda: OpenedWorkspace.of(*Workspace.create(folder, passphrase, owner,
                                                                 kdf=kdf)))


def unlock(*, folder: Path, passphrase: str | None = None,
           recovery_code: str | None = None) -> Callable[[], OpenedWorkspace]:
    """Open a workspace with its passphrase or its recovery code."""
    return _plainly(lambda: OpenedWorkspace.of(
        Workspace.open(folder, passphrase, recovery_code=recovery_code)))


def open_demo(*, kdf: KdfParams) -> Callable[[], OpenedWorkspace]:
    """Open the demo workspace, creating and filling it on first use."""
    return _plainly(lambda: OpenedWorkspace.of(demo.open_or_create(kdf=kdf)))


def set_new_passphrase(*, passphrase: str) -> Operation[None]:
    """Choose a new passphrase after unlocking with the recovery code."""
    return Operation(lambda ws: ws.set_passphrase_after_recovery(passphrase))


def verify_passphrase(*, passphrase: str) -> Operation[None]:
    """Check the workspace's passphrase without changing anything (leaving the "with family"
    view): :meth:`Workspace.verify_passphrase`, under the unlock throttle."""

    def verify(ws: Workspace) -> None:
        ws.verify_passphrase(passphrase)

    return Operation(verify)


def change_passphrase(*, old: str, new: str) -> Operation[None]:
    """Re-wrap the key under a new passphrase (:meth:`Workspace.change_passphrase`)."""
    return Operation(lambda ws: ws.change_passphrase(old, new))


def rekey(*, old: str, new: str) -> Operation[str]:
    """A new database key, passphrase and recovery code (:meth:`Workspace.rekey`): returns
    the new recovery code, to show once."""
    return Operation(lambda ws: ws.rekey(old, new))


def new_recovery_code() -> Operation[str]:
    """Replace the recovery code (after it was used to unlock): returns the new one."""
    return Operation(lambda ws: ws.new_recovery_code())
