"""The team manager's page: the next RMM, open actions, and approving a lower level.

Real widgets on a real encrypted manager's workspace (the demo caseload plus invented examples,
tests/qt/conftest.py), read and written through its TaskManager.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QWidget

from cse_desktop.casework.caseload import (
    approve_downgrade,
    caseload_rows,
    open_actions,
    rmm_due,
)
from cse_desktop.domain.dates import long_date
from cse_desktop.domain.ids import RecordKind
from cse_desktop.domain.labels import RAG_WORDS
from cse_desktop.domain.models import Owner, Rag, RiskLevel, Role
from cse_desktop.qt.manager import ManagerPage
from cse_desktop.qt.operations import Operation
from cse_desktop.qt.tables import ID_ROLE, SORT_ROLE

from .conftest import CASELOAD_NOW, WINDOW_SIZE

LEFT = Qt.MouseButton.LeftButton
TODAY = CASELOAD_NOW.date()


@pytest.fixture
def make_page(qtbot, caseload_workspace, caseload_engine):  # type: ignore[no-untyped-def]
    def make() -> ManagerPage:
        page = ManagerPage(caseload_workspace.tasks, caseload_engine, today=TODAY)
        qtbot.addWidget(page)
        page.resize(*WINDOW_SIZE)
        page.show()
        qtbot.waitExposed(page)
        loaded: list[bool] = []
        page.load(on_loaded=lambda: loaded.append(True))
        qtbot.waitUntil(lambda: bool(loaded), timeout=5000)
        return page

    return make


def column_texts(tab, column: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [tab.proxy.index(r, column).data() for r in range(tab.proxy.rowCount())]


def select(tab, person_id: str) -> None:  # type: ignore[no-untyped-def]
    for r in range(tab.proxy.rowCount()):
        if tab.proxy.index(r, 0).data(ID_ROLE) == person_id or (
                tab.model.item(tab.proxy.mapToSource(tab.proxy.index(r, 0)).row())
                .person.id == person_id):
            tab.table.selectRow(r)
            return
    raise AssertionError(f"{person_id} is not in the list")


def test_next_rmm_lists_who_is_due_and_why(qtbot, make_page, caseload_workspace,
                                           screenshot) -> None:
    page = make_page()
    ex = caseload_workspace.examples
    rows = caseload_workspace.tasks.call(Operation(lambda ws: caseload_rows(ws, CASELOAD_NOW)))
    due = rmm_due(rows)
    tab = page.rmm_tab
    assert tab.proxy.rowCount() == len(due) > 0
    assert page.tabs.tabText(0) == f"&Next RMM ({len(due)})"
    assert page.meeting_label.text() == (f"Next Risk Management Meeting: {long_date(TODAY)} "
                                         f"(today). {len(due)} young people are due.")
    assert long_date(TODAY) == "Tuesday 10 March 2026"
    reasons = {tab.proxy.index(r, 0).data(ID_ROLE): tab.proxy.index(r, 2).data()
               for r in range(tab.proxy.rowCount())}
    assert reasons[ex.missing_now] == "High risk"
    assert reasons[ex.review_overdue] == "Review due"
    assert reasons[ex.repeat_missing] == "Repeat missing (3 in 30 days)"
    assert ex.rhi_due not in reasons  # low risk, review months away: not due
    risks = column_texts(tab, 1)
    ranks = ["Not assessed", "None", "Low", "Medium", "High"]
    assert [ranks.index(x) for x in risks] == sorted((ranks.index(x) for x in risks),
                                                     reverse=True)  # highest risk first

    assert not page.record_button.isEnabled()  # nothing selected yet
    select(tab, ex.review_overdue)
    assert page.record_button.isEnabled()
    screenshot(page, "21-manager-next-rmm")
    with qtbot.waitSignal(page.record_meeting, timeout=1000) as signal:
        qtbot.mouseClick(page.record_button, LEFT)
    assert signal.args == [ex.review_overdue]
    tab.table.setFocus()
    with qtbot.waitSignal(page.person_activated, timeout=1000) as signal:
        qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert signal.args == [ex.review_overdue]
    with qtbot.waitSignal(page.person_activated, timeout=1000) as signal:
        qtbot.mouseClick(page.open_button, LEFT)
    assert signal.args == [ex.review_overdue]


def test_open_actions_show_rag_in_words_and_sort(qtbot, make_page, caseload_workspace,
                                                 screenshot) -> None:
    page = make_page()
    page.tabs.setCurrentWidget(page.actions_tab)
    expected = caseload_workspace.tasks.call(Operation(lambda ws: open_actions(ws, TODAY)))
    tab = page.actions_tab
    assert tab.proxy.rowCount() == len(expected) > 0
    assert page.tabs.tabText(1) == f"Open &actions ({len(expected)})"
    rags = column_texts(tab, 0)
    assert set(rags) <= {RAG_WORDS[Rag.RED], RAG_WORDS[Rag.AMBER], RAG_WORDS[Rag.GREEN]}
    order = [RAG_WORDS[Rag.RED], RAG_WORDS[Rag.AMBER], RAG_WORDS[Rag.GREEN]]
    assert [order.index(x) for x in rags] == sorted(order.index(x) for x in rags)
    red = sum(a.rag is Rag.RED for a in expected)
    assert page.actions_summary.text().startswith(f"{len(expected)} open actions: {red} red")
    first = tab.proxy.index(0, 0)
    assert first.data(Qt.ItemDataRole.ForegroundRole) is not None  # colour repeats the words
    assert first.data(Qt.ItemDataRole.DecorationRole) is not None
    assert first.data(Qt.ItemDataRole.ToolTipRole) == "The due date has passed"
    assert not page.action_detail.isVisible()
    tab.table.selectRow(0)
    assert page.action_detail.isVisible()
    assert page.action_detail.text().endswith(f"Action: {expected[0].text}")
    assert page.action_detail.text().startswith(
        f"{expected[0].person.display_name}: Red: overdue (due ")
    screenshot(page, "22-manager-open-actions")

    tab.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # by due date
    dues = [tab.proxy.index(r, 1).data(SORT_ROLE) for r in range(tab.proxy.rowCount())]
    assert dues == sorted(dues)
    tab.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # by young person
    names = [tab.proxy.index(r, 2).data(SORT_ROLE) for r in range(tab.proxy.rowCount())]
    assert names == sorted(names)
    tab.table.selectRow(0)
    with qtbot.waitSignal(page.person_activated, timeout=1000) as signal:
        qtbot.mouseClick(page.action_open_button, LEFT)
    assert signal.args == [tab.proxy.index(0, 0).data(ID_ROLE)]


def test_a_manager_approves_a_lower_level(qtbot, make_page, caseload_workspace,
                                          screenshot) -> None:
    page = make_page()
    ex = caseload_workspace.examples
    tasks = caseload_workspace.tasks
    page.tabs.setCurrentWidget(page.downgrades_tab)
    tab = page.downgrades_tab
    assert tab.proxy.rowCount() == 1
    assert page.tabs.tabText(2) == "&Downgrades awaiting approval (1)"
    assert column_texts(tab, 1) == ["Low"] and column_texts(tab, 2) == ["None"]
    assert column_texts(tab, 0) == ["Fern Fictitious"]
    assert column_texts(tab, 4) == ["P. Sample-Worker"]
    assert not page.approve_button.isEnabled()
    assert not page.rationale_label.isVisible()
    select(tab, ex.downgrade)
    assert page.approve_button.isEnabled()
    assert page.rationale_label.isVisible()
    assert "the worries were about a sibling" in page.rationale_label.text()
    assert "suggested Low, agreed None" in page.rationale_label.text()
    screenshot(page, "23-manager-downgrades")

    asked: list[str] = []
    page.ask_reason = lambda item: asked.append(item.submission_id) or None  # cancelled
    qtbot.mouseClick(page.approve_button, LEFT)
    assert len(asked) == 1
    assert tasks.call(Operation(lambda ws: ws.people.get(ex.downgrade).risk_level)) is RiskLevel.LOW

    page.ask_reason = lambda item: "   "  # no reason given: refused, nothing written
    qtbot.mouseClick(page.approve_button, LEFT)
    qtbot.waitUntil(page.approval_error.isVisible, timeout=5000)
    assert "Say why you approve" in page.approval_error.text()
    assert tasks.call(Operation(lambda ws: ws.people.get(ex.downgrade).risk_level)) is RiskLevel.LOW

    page.ask_reason = lambda item: "Fictional: the sibling is the one at risk."
    with qtbot.waitSignal(page.approved, timeout=5000) as signal:
        qtbot.mouseClick(page.approve_button, LEFT)
    level = tasks.call(Operation(lambda ws: ws.people.get(ex.downgrade).risk_level))
    assert level is RiskLevel.NONE
    amendment = tasks.call(Operation(lambda ws: ws.submissions.get(signal.args[0])))
    assert amendment.amends == asked[0]
    assert amendment.approval is not None
    assert (amendment.approval.by, amendment.approval.role.value,
            amendment.approval.rationale) == ("Morgan Fictional-Manager", "manager",
                                              "Fictional: the sibling is the one at risk.")
    assert amendment.finalised_by == "Morgan Fictional-Manager"
    assert "risk level is now None" in page.approval_message.text()
    # the task manager reported the change: the list reads itself again and is empty now
    qtbot.waitUntil(lambda: tab.proxy.rowCount() == 0, timeout=5000)
    assert page.tabs.tabText(2) == "&Downgrades awaiting approval (0)"
    assert tab.empty_label.isVisible()
    assert tab.empty_label.text() == "No lower levels are waiting for approval."
    screenshot(page, "23c-manager-downgrade-approved")


def test_an_approval_that_is_no_longer_needed_is_explained(qtbot, make_page,
                                                           caseload_workspace,
                                                           caseload_engine) -> None:
    page = make_page()
    ex = caseload_workspace.examples
    page.tabs.setCurrentWidget(page.downgrades_tab)
    select(page.downgrades_tab, ex.downgrade)
    sid = page.downgrades_model.item(0).submission_id
    # someone approved it meanwhile (another route to the same workspace)
    caseload_workspace.tasks.call(Operation(lambda ws: approve_downgrade(
        ws, caseload_engine, sid, "Fictional: approved elsewhere.", CASELOAD_NOW)))
    page.ask_reason = lambda item: "Fictional."
    qtbot.mouseClick(page.approve_button, LEFT)
    qtbot.waitUntil(page.approval_error.isVisible, timeout=5000)
    assert "not waiting for approval" in page.approval_error.text()
    assert "Traceback" not in page.approval_error.text()


def test_a_practitioner_cannot_approve(qtbot, make_page, caseload_workspace,
                                       screenshot) -> None:
    tasks = caseload_workspace.tasks
    tasks.call(Operation(lambda ws: ws.set_owner(Owner(
        name="Sam Fictional", role=Role.PRACTITIONER, team="Test Exploitation Team"))))
    page = make_page()
    page.tabs.setCurrentWidget(page.downgrades_tab)
    select(page.downgrades_tab, caseload_workspace.examples.downgrade)
    assert not page.is_manager
    assert not page.approve_button.isEnabled()
    assert page.approve_button.toolTip() == "Only a team manager can approve a lower level."
    assert "Only a manager can approve" in page.approval_intro.text()
    assert "switched off" in page.approval_intro.text()
    screenshot(page, "23b-manager-downgrades-practitioner")
    page.ask_reason = lambda item: "Fictional."
    page.approve_selected()  # even called directly, nothing happens
    qtbot.waitUntil(lambda: tasks.idle, timeout=5000)
    assert tasks.call(Operation(lambda ws: ws.people.get(
        caseload_workspace.examples.downgrade).risk_level)) is RiskLevel.LOW


def test_the_page_follows_changes_and_forgets_on_clear(qtbot, make_page,
                                                       caseload_workspace) -> None:
    page = make_page()
    ex = caseload_workspace.examples
    before = page.rmm_tab.proxy.rowCount()
    tasks = caseload_workspace.tasks

    def raise_risk(ws):  # type: ignore[no-untyped-def]
        person = ws.people.get(ex.rhi_due)
        return ws.people.update(person.model_copy(update={"risk_level": RiskLevel.MEDIUM}))

    tasks.run(Operation(raise_risk, frozenset({RecordKind.PERSON})))
    qtbot.waitUntil(lambda: page.rmm_tab.proxy.rowCount() == before + 1, timeout=5000)
    page.clear()
    assert page.rmm_model.rowCount() == page.actions_model.rowCount() == 0
    assert page.downgrades_model.rowCount() == 0
    assert page.meeting_label.text() == ""


def test_the_models_pass_the_model_tester(qtmodeltester, make_page) -> None:
    page = make_page()
    for tab in (page.rmm_tab, page.actions_tab, page.downgrades_tab):
        assert tab.model.rowCount() > 0
        qtmodeltester.check(tab.model)
        qtmodeltester.check(tab.proxy)
    page.clear()
    for tab in (page.rmm_tab, page.actions_tab, page.downgrades_tab):
        qtmodeltester.check(tab.model)


def test_every_button_has_an_accessible_name_and_tabs_have_alt_keys(qtbot, make_page) -> None:
    page = make_page()
    unnamed = [w for w in page.findChildren(QWidget)
               if isinstance(w, QAbstractButton | QLineEdit) and not w.accessibleName()
               and not w.objectName().startswith("qt_")]
    assert unnamed == []
    assert [page.tabs.tabText(i).split(" (")[0] for i in range(3)] == [
        "&Next RMM", "Open &actions", "&Downgrades awaiting approval"]
    for tab in (page.rmm_tab, page.actions_tab, page.downgrades_tab):
        assert tab.table.accessibleName()
        assert not tab.table.tabKeyNavigation()  # Tab leaves the table
    page.activateWindow()
    page.rmm_tab.table.setFocus()
    for key, tab in ((Qt.Key.Key_D, page.downgrades_tab), (Qt.Key.Key_A, page.actions_tab),
                     (Qt.Key.Key_N, page.rmm_tab)):
        qtbot.keyClick(page.focusWidget() or page, key, Qt.KeyboardModifier.AltModifier)
        assert page.tabs.currentWidget() is tab


def test_a_closed_task_manager_is_not_an_error(qtbot, make_page, caseload_workspace) -> None:
    page = make_page()
    caseload_workspace.tasks.close(final=lambda ws: ws.lock())
    page.load()  # the workspace locked meanwhile: nothing to read, nothing raised
    assert page.status_label.text() == ""
