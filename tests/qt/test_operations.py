"""The task manager: work on worker threads, results on the main thread, in order."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from PySide6.QtWidgets import QWidget

from cse_desktop.domain.errors import NotFound
from cse_desktop.domain.ids import RecordKind
from cse_desktop.domain.models import Person
from cse_desktop.qt.operations import UNEXPECTED, Operation, TaskManager


@pytest.fixture
def tasks(qtbot, existing_workspace):
    from cse_desktop.store import Workspace

    from .conftest import PASSPHRASE

    ws = Workspace.open(existing_workspace.folder, PASSPHRASE)
    manager = TaskManager(ws)
    yield manager
    manager.close(final=lambda w: w.lock())


def test_operations_run_off_the_main_thread_and_answer_on_it(qtbot, tasks) -> None:
    main = threading.get_ident()
    seen: dict[str, object] = {}

    def add(ws):
        seen["worker"] = threading.get_ident()
        return ws.people.add(Person(given_name="Runner", family_name="Fictional",
                                    dob=date(2012, 1, 1)))

    changes: list[frozenset] = []
    tasks.changed.connect(changes.append)
    tasks.run(Operation(add, frozenset({RecordKind.PERSON})),
              on_done=lambda p: seen.update(done=threading.get_ident(), person=p))
    qtbot.waitUntil(lambda: "done" in seen, timeout=5000)
    assert seen["worker"] != main and seen["done"] == main
    assert changes == [frozenset({RecordKind.PERSON})]
    assert tasks.call(Operation(lambda ws: ws.people.count())) >= 1


def test_changes_can_depend_on_the_result(qtbot, tasks) -> None:
    changes: list[frozenset] = []
    tasks.changed.connect(changes.append)
    done: list[int] = []
    op = Operation(lambda ws: 2, lambda n: frozenset({RecordKind.EPISODE}) if n > 1
                   else frozenset())
    tasks.run(op, on_done=done.append)
    tasks.run(Operation(lambda ws: 0, op.changes), on_done=done.append)
    qtbot.waitUntil(lambda: len(done) == 2, timeout=5000)
    assert changes == [frozenset({RecordKind.EPISODE})]


def test_user_errors_come_back_plainly(qtbot, tasks) -> None:
    messages: list[str] = []
    tasks.failed.connect(messages.append)
    missing = Operation(lambda ws: ws.people.get("00000000-0000-4000-8000-000000000000"))
    tasks.run(missing)
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert "There is no person" in messages[0]
    caught: list[Exception] = []
    tasks.run(missing, on_error=caught.append)
    qtbot.waitUntil(lambda: bool(caught), timeout=5000)
    assert isinstance(caught[0], NotFound)


def test_unexpected_errors_never_reach_the_user_as_a_traceback(qtbot, tasks) -> None:
    messages: list[str] = []
    tasks.failed.connect(messages.append)
    tasks.run(Operation(lambda ws: 1 / 0))
    tasks.run_network(lambda: {}["missing"])
    qtbot.waitUntil(lambda: len(messages) == 2, timeout=5000)
    assert messages == [UNEXPECTED, UNEXPECTED]


def test_operations_run_one_at_a_time_in_order(qtbot, tasks) -> None:
    order: list[int] = []
    for i in range(50):
        tasks.run(Operation(lambda ws, i=i: i), on_done=order.append)
    qtbot.waitUntil(lambda: len(order) == 50, timeout=5000)
    assert order == list(range(50))
    assert tasks.idle


def test_network_work_runs_beside_the_workspace(qtbot, tasks) -> None:
    release = threading.Event()
    seen: list[str] = []
    tasks.run_network(lambda: release.wait(5) and "network", on_done=seen.append)
    tasks.run(Operation(lambda ws: "workspace"), on_done=seen.append)
    qtbot.waitUntil(lambda: seen == ["workspace"], timeout=5000)  # not held up by the network
    release.set()
    qtbot.waitUntil(lambda: seen == ["workspace", "network"], timeout=5000)


def test_results_for_a_destroyed_widget_are_dropped_but_views_still_refresh(qtbot,
                                                                             tasks) -> None:
    widget = QWidget()
    release = threading.Event()
    answered: list[object] = []
    changes: list[frozenset] = []
    tasks.changed.connect(changes.append)
    tasks.run(Operation(lambda ws: release.wait(5), frozenset({RecordKind.ACTION})),
              on_done=answered.append, owner=widget)
    tasks.run(Operation(lambda ws: 1 / 0), on_error=answered.append, owner=widget)
    widget.deleteLater()
    qtbot.waitUntil(lambda: not _alive(widget), timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: tasks.idle, timeout=5000)
    assert answered == []
    assert changes == [frozenset({RecordKind.ACTION})]


def _alive(widget: QWidget) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)


# -- attach and detach: a locked workspace answers nothing --------------------------------------


def test_workspace_work_is_refused_while_no_workspace_is_attached(qtbot, tasks) -> None:
    detached = TaskManager()
    try:
        with pytest.raises(RuntimeError):
            detached.run(Operation(lambda ws: 1))
        with pytest.raises(RuntimeError):
            detached.call(Operation(lambda ws: 1))
        assert detached.idle  # nothing was queued
        # the network executor needs no workspace: unlocking runs there
        seen: list[str] = []
        detached.run_network(lambda: "unlocked", on_done=seen.append)
        qtbot.waitUntil(lambda: seen == ["unlocked"], timeout=5000)
    finally:
        detached.close()
    # and again once a workspace is detached (locked): the same refusal
    ws = tasks.ws
    tasks.detach()
    try:
        with pytest.raises(RuntimeError):
            tasks.run(Operation(lambda ws: 1))
    finally:
        tasks.attach(ws)  # the fixture locks it


def test_results_of_work_started_before_a_detach_are_dropped(qtbot, tasks) -> None:
    answered: list[object] = []
    changes: list[frozenset] = []
    messages: list[str] = []
    tasks.changed.connect(changes.append)
    tasks.failed.connect(messages.append)
    ws = tasks.ws
    # finished on the worker, but not yet delivered: the main thread has not run its events
    tasks.run(Operation(lambda ws: ws.people.count(), frozenset({RecordKind.PERSON})),
              on_done=answered.append)
    tasks.run(Operation(lambda ws: 1 / 0), on_error=answered.append)
    tasks.run(Operation(lambda ws: 1 / 0))  # would go to ``failed``
    tasks.run_network(lambda: "from the hub", on_done=answered.append)
    order: list[str] = []
    tasks.detach(final=lambda w: order.append("final"))
    assert order == ["final"] and tasks.ws is None  # queued work ran first, then ``final``
    qtbot.waitUntil(lambda: tasks.idle, timeout=5000)  # every result has landed...
    qtbot.wait(50)
    assert answered == [] and changes == [] and messages == []  # ...and none was delivered
    # a workspace attached afterwards answers as before
    tasks.attach(ws)
    tasks.run(Operation(lambda ws: "after", frozenset({RecordKind.EPISODE})),
              on_done=answered.append)
    qtbot.waitUntil(lambda: answered == ["after"], timeout=5000)
    assert changes == [frozenset({RecordKind.EPISODE})]
