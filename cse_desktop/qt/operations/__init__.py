"""Operations: everything a widget asks of the workspace, and the task manager that runs it.

``tasks`` holds the :class:`TaskManager` (a workspace executor and a network executor, results
delivered on the main thread, one unexpected-error path).  Each noun has a module of
keyword-only operation factories (``people``, ``episodes``, ``submissions``, ``actions``,
``associations``, ``caseload``, ``sync``, ``printing``, ``workspace``) returning an
:class:`Operation` that knows the record kinds it changes.  A widget builds an operation and
hands it to the task manager (``tasks.run(people.add(person=p), on_done=...)``); it never
touches the ``Workspace`` and never says what changed.  The task manager takes operations
only: there is no lambda-taking form.
"""

from __future__ import annotations

from cse_desktop.qt.operations.tasks import UNEXPECTED, Operation, TaskManager, unexpected_error

__all__ = ["UNEXPECTED", "Operation", "TaskManager", "unexpected_error"]
