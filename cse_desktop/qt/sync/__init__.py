"""Sync with the team's hub, in the window: connect, Sync now, the status bar, conflicts.

* :mod:`.controller`: :class:`SyncController` (one per unlocked workspace) runs connect, sync
  and resolve on the task manager's network executor and reads the status;
* :mod:`.status`: :class:`SyncStatusWidget`, the status bar's "Last sync 5 min ago · 1 change
  waiting · No open conflicts", and a running sync's progress and Cancel button;
* :mod:`.connect`: :class:`ConnectDialog`, enrol this laptop with a one-time code;
* :mod:`.conflicts` (with :mod:`.issues`, the tables): :class:`ConflictsPage`, open conflicts
  and refused changes;
* :mod:`.ui`: :class:`SyncUi`, the Hub menu, Sync now and the status widget, attached to each
  session;
* :mod:`.words`: the plain words they share.

What the workspace knows about its sync is read by :mod:`cse_desktop.casework.sync_status`
through the operations in :mod:`cse_desktop.qt.operations.sync`.
"""

from cse_desktop.qt.sync.conflicts import ConflictsPage
from cse_desktop.qt.sync.connect import ConnectDialog
from cse_desktop.qt.sync.controller import SyncController
from cse_desktop.qt.sync.issues import IssueRow, conflicts_model, describe, refused_model
from cse_desktop.qt.sync.status import SyncStatusWidget
from cse_desktop.qt.sync.ui import SyncUi
from cse_desktop.qt.sync.words import UNREACHABLE_MESSAGE, relative_time

__all__ = [
    "UNREACHABLE_MESSAGE",
    "ConflictsPage",
    "ConnectDialog",
    "IssueRow",
    "SyncController",
    "SyncStatusWidget",
    "SyncUi",
    "conflicts_model",
    "describe",
    "refused_model",
    "relative_time",
]
