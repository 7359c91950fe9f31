"""Operations for sync with the hub.

The workspace's side (the status, the conflicts, dismissing a refusal) runs on the workspace
executor like any operation.  The hub's side (connect, sync, resolve) talks to the network for
seconds, so :func:`run_on_network` runs it on the network executor instead: the workspace's
worker stays free for the status reads a sync's progress asks for.  (The workspace is
thread-safe: every statement runs under its lock.)  A hub operation announces no changes;
after a sync, :func:`records_arrived` tells every view to read again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from PySide6.QtCore import QObject

from cse_desktop.casework import sync_status
from cse_desktop.casework.sync_status import SyncIssues, SyncStatus
from cse_desktop.domain.errors import CseError
from cse_desktop.domain.ids import ALL_KINDS
from cse_desktop.qt.operations.tasks import Operation, TaskManager
from cse_desktop.store.syncstate import HubLink
from cse_desktop.sync import engine
from cse_desktop.sync.engine import Progress, SyncSummary

T = TypeVar("T")

# -- the workspace's side ---------------------------------------------------------------------


def read_status() -> Operation[SyncStatus]:
    return Operation(sync_status.read_status)


def read_issues() -> Operation[SyncIssues]:
    return Operation(sync_status.read_issues)


def dismiss(*, issue_id: str) -> Operation[None]:
    """Forget a refused change a person has read."""
    return Operation(lambda ws: ws.sync.dismiss(issue_id))


def records_arrived() -> Operation[None]:
    """A sync may have brought (or removed) records of every kind: nothing to do but tell
    every view to read again, after the work already queued."""
    return Operation(lambda ws: None, ALL_KINDS)


# -- the hub's side ----------------------------------------------------------------------------


def connect(*, url: str, code: str, ca_file: str = "",
            device_name: str = "") -> Operation[HubLink]:
    """Enrol this laptop with a hub using a one-time code."""
    return Operation(lambda ws: engine.connect(ws, url, code, ca_file=ca_file or None,
                                               device_name=device_name or None))


def sync(*, progress: Progress, cancel: threading.Event) -> Operation[SyncSummary]:
    """Push, pull and fetch the conflicts; setting ``cancel`` stops it at its next step."""
    return Operation(lambda ws: engine.sync(ws, progress=progress, cancel=cancel))


def resolve(*, issue_id: str, value: Any) -> Operation[int]:
    """Send a person's choice for a conflict to the hub."""
    return Operation(lambda ws: engine.resolve(ws, issue_id, value))


def run_on_network(tasks: TaskManager, operation: Operation[T], *,
                   on_done: Callable[[T], None] | None = None,
                   on_error: Callable[[CseError], None] | None = None,
                   owner: QObject | None = None) -> Future[Any]:
    """Run a hub operation on the task manager's network executor (results as for
    :meth:`TaskManager.run`); ``RuntimeError`` while no workspace is open."""
    ws = tasks.ws
    if ws is None:
        raise RuntimeError("no workspace is open")
    return tasks.run_network(lambda: operation.work(ws), on_done=on_done, on_error=on_error,
                             owner=owner)
