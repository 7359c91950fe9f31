"""The workspace runner: work on one worker thread, results on the main thread."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from cse_desktop.domain.errors import NotFound
from cse_desktop.domain.models import Person
from cse_desktop.qt.operations import WorkspaceRunner


@pytest.fixture
def runner(qtbot, existing_workspace):
    from cse_desktop.store import Workspace

    from .conftest import PASSPHRASE

    ws = Workspace.open(existing_workspace.folder, PASSPHRASE)
    r = WorkspaceRunner(ws)
    yield r
    r.close(final=lambda w: w.lock())


def test_operations_run_off_the_main_thread_and_answer_on_it(qtbot, runner) -> None:
    main = threading.get_ident()
    seen: dict[str, object] = {}

    def op(ws):
        seen["worker"] = threading.get_ident()
        return ws.people.add(Person(given_name="Runner", family_name="Fictional",
                                    dob=date(2012, 1, 1)))

    changes: list[frozenset] = []
    runner.changed.connect(changes.append)
    runner.run(op, on_done=lambda p: seen.update(done=threading.get_ident(), person=p),
               changes={"person"})
    qtbot.waitUntil(lambda: "done" in seen, timeout=5000)
    assert seen["worker"] != main and seen["done"] == main
    assert changes == [frozenset({"person"})]
    assert runner.call(lambda ws: ws.people.count()) >= 1


def test_user_errors_come_back_plainly(qtbot, runner) -> None:
    messages: list[str] = []
    runner.failed.connect(messages.append)
    runner.run(lambda ws: ws.people.get("00000000-0000-4000-8000-000000000000"))
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert "There is no person" in messages[0]
    caught: list[Exception] = []
    runner.run(lambda ws: ws.people.get("00000000-0000-4000-8000-000000000000"),
               on_error=caught.append)
    qtbot.waitUntil(lambda: bool(caught), timeout=5000)
    assert isinstance(caught[0], NotFound)


def test_unexpected_errors_never_reach_the_user_as_a_traceback(qtbot, runner) -> None:
    messages: list[str] = []
    runner.failed.connect(messages.append)
    runner.run(lambda ws: 1 / 0)
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert "Traceback" not in messages[0] and "ZeroDivision" not in messages[0]
    assert messages[0].startswith("Something went wrong")


def test_operations_run_one_at_a_time_in_order(qtbot, runner) -> None:
    order: list[int] = []
    for i in range(20):
        runner.run(lambda ws, i=i: i, on_done=order.append)
    qtbot.waitUntil(lambda: len(order) == 20, timeout=5000)
    assert order == list(range(20))
    assert runner.idle
