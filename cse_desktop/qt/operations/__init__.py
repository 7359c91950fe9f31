"""Operations: everything a widget asks of the workspace, and the task manager that runs it.

``tasks`` holds the :class:`TaskManager` (a workspace executor and a network executor, results
delivered on the main thread, one unexpected-error path).  Each noun has a module of
keyword-only operation factories (``people``, ``episodes``, ``submissions``, ``actions``, ``sync``,
``printing``...) returning an :class:`Operation` that knows the record kinds it changes.  A widget
builds an operation and hands it to the task manager; it never touches the ``Workspace``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any, TypeVar

from cse_desktop.domain.errors import CseError
from cse_desktop.domain.ids import RecordKind
from cse_desktop.qt.operations.tasks import UNEXPECTED, Operation, TaskManager, unexpected_error

__all__ = ["UNEXPECTED", "Operation", "TaskManager", "WorkspaceRunner", "unexpected_error"]

T = TypeVar("T")


class WorkspaceRunner(TaskManager):
    """TRANSITIONAL (issue 13): the old lambda-taking interface, kept only while widgets move
    to operation factories.  Removed once nothing imports it."""

    def run(self, operation: Any, *, on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[CseError], None] | None = None,
            changes: Iterable[str] = (), owner: Any = None) -> Future[Any]:
        if not isinstance(operation, Operation):
            operation = Operation(operation, frozenset(RecordKind(c) for c in changes))
        return super().run(operation, on_done=on_done, on_error=on_error, owner=owner)

    def call(self, operation: Any) -> Any:
        if not isinstance(operation, Operation):
            return self._workspace.submit(operation, self.require_workspace()).result()
        return super().call(operation)


