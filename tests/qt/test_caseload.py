"""The caseload page: read through the task manager, filters with counts, search, sorting,
activation.

Real widgets (pytest-qt) on a real encrypted workspace: the demo caseload (25 invented people)
plus six invented children, one per case (tests/qt/conftest.py ``add_caseload_examples``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QToolTip

from cse_desktop.casework.caseload import caseload_rows
from cse_desktop.casework.interviews import clock_words
from cse_desktop.casework.urgency import by_urgency
from cse_desktop.domain.ids import RecordKind
from cse_desktop.domain.models import Episode, RhiStatus
from cse_desktop.qt.caseload import (
    ID_ROLE,
    CaseloadFilter,
    CaseloadModel,
    CaseloadPage,
    Column,
    Show,
)
from cse_desktop.qt.caseload_model import time_left_words
from cse_desktop.qt.operations import Operation
from cse_desktop.qt.operations import episodes as episode_ops
from cse_desktop.qt.resources import apply_theme, set_font_scale
from cse_desktop.qt.tables import cell_width

from .conftest import CASELOAD_NOW, WINDOW_SIZE

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def page(qtbot, caseload_workspace) -> CaseloadPage:
    page = CaseloadPage(caseload_workspace.tasks, now=CASELOAD_NOW)
    qtbot.addWidget(page)
    page.resize(*WINDOW_SIZE)
    page.show()
    qtbot.waitExposed(page)
    loaded: list[bool] = []
    page.load(on_loaded=lambda: loaded.append(True))
    qtbot.waitUntil(lambda: bool(loaded), timeout=5000)
    return page


def rows_of(caseload_workspace):  # type: ignore[no-untyped-def]
    return caseload_workspace.tasks.call(Operation(lambda ws: caseload_rows(ws, CASELOAD_NOW)))


def cell(page: CaseloadPage, person_id: str, column: Column) -> str:
    for r in range(page.proxy.rowCount()):
        if page.proxy.index(r, Column.NAME).data(ID_ROLE) == person_id:
            return page.proxy.index(r, column).data()
    raise AssertionError(f"{person_id} is not shown")


def test_the_caseload_loads_through_the_task_manager_with_counts_on_each_filter(
        page, caseload_workspace, screenshot) -> None:
    rows = rows_of(caseload_workspace)
    assert page.row_count() == len(rows) == 31
    counts = page.model.counts()
    assert counts[Show.ALL] == 31
    assert counts[Show.HIGH] == sum(r.risk_level.value == "high" for r in rows)
    assert counts[Show.MEDIUM] == sum(r.risk_level.value == "medium" for r in rows)
    assert counts[Show.LOW] == sum(r.risk_level.value == "low" for r in rows)
    assert counts[Show.RHI] == sum(r.rhi_due is not None for r in rows) >= 2
    assert counts[Show.REVIEW_OVERDUE] == sum(r.review_overdue for r in rows) >= 1
    assert counts[Show.RMM] == sum(r.due_at_next_rmm for r in rows)
    chips = page.filter_buttons
    assert chips[Show.ALL].text() == "✓ &All (31)"  # the chosen one is ticked
    assert chips[Show.RHI].text() == f"&RHI due or overdue ({counts[Show.RHI]})"
    assert chips[Show.RMM].text() == f"&Due at next RMM ({counts[Show.RMM]})"
    assert chips[Show.HIGH].accessibleName() == f"Show High: {counts[Show.HIGH]} people"
    assert chips[Show.ALL].isChecked()

    ex = caseload_workspace.examples
    assert cell(page, ex.rhi_due, Column.RHI_DUE) == "due in 51 h"
    assert cell(page, ex.rhi_overdue, Column.RHI_DUE) == "overdue by 5 h"
    assert cell(page, ex.review_overdue, Column.RHI_DUE) == "—"
    assert cell(page, ex.missing_now, Column.LAST_MISSING) == "Missing now"
    assert cell(page, ex.missing_now, Column.NAME) == "Asha Examplefield (aka Ash)"
    assert cell(page, ex.review_overdue, Column.REVIEW) == "7 Mar 2026 (overdue)"
    assert cell(page, ex.repeat_missing, Column.LAST_MISSING) == "8 Mar 2026"
    assert cell(page, ex.downgrade, Column.RISK) == "Low (awaiting approval)"
    risk = next(page.model.index(r, Column.RISK) for r in range(page.model.rowCount())
                if page.model.item(r).person_id == ex.downgrade)
    assert risk.data(Qt.ItemDataRole.ToolTipRole).startswith(
        "Lower level awaiting manager approval")
    assert risk.data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Low. Lower level awaiting manager approval.")
    # the dash is read out in words; the tooltip gives the deadline
    index = next(page.model.index(r, Column.RHI_DUE) for r in range(page.model.rowCount())
                 if page.model.item(r).person_id == ex.review_overdue)
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == (
        "No return home interview outstanding")
    due = next(page.model.index(r, Column.RHI_DUE) for r in range(page.model.rowCount())
               if page.model.item(r).person_id == ex.rhi_due)
    assert due.data(Qt.ItemDataRole.ToolTipRole) == (
        "Return home interview due by 12 Mar 2026, 15:00")
    page.table.sortByColumn(Column.RHI_DUE, Qt.SortOrder.AscendingOrder)
    screenshot(page, "20-caseload-filters")


def test_each_filter_shows_its_people_and_the_search_works_within_it(
        qtbot, page, caseload_workspace, screenshot) -> None:
    rows = rows_of(caseload_workspace)
    ex = caseload_workspace.examples
    expected = {
        Show.HIGH: {r.person_id for r in rows if r.risk_level.value == "high"},
        Show.MEDIUM: {r.person_id for r in rows if r.risk_level.value == "medium"},
        Show.LOW: {r.person_id for r in rows if r.risk_level.value == "low"},
        Show.RHI: {r.person_id for r in rows if r.rhi_due is not None},
        Show.REVIEW_OVERDUE: {r.person_id for r in rows if r.review_overdue},
        Show.RMM: {r.person_id for r in rows if r.due_at_next_rmm},
    }
    assert {ex.rhi_due, ex.rhi_overdue} <= expected[Show.RHI]
    assert ex.review_overdue in expected[Show.REVIEW_OVERDUE]
    assert {ex.missing_now, ex.review_overdue, ex.repeat_missing} <= expected[Show.RMM]
    for show, ids in expected.items():
        qtbot.mouseClick(page.filter_buttons[show], LEFT)
        assert page.proxy.show is show
        assert set(page.shown_ids()) == ids, show
        assert sum(b.isChecked() for b in page.filter_buttons.values()) == 1  # one at a time
        assert [b.text().startswith("✓ ") for b in page.filter_buttons.values()] == [
            s is show for s in page.filter_buttons]

    # the search narrows the chosen filter, by name and by also-known-as
    qtbot.mouseClick(page.filter_buttons[Show.RMM], LEFT)
    qtbot.keyClicks(page.search_edit, "ash")
    assert ex.missing_now in page.shown_ids()  # "Ash" is Asha's also-known-as
    assert set(page.shown_ids()) <= expected[Show.RMM]
    screenshot(page, "20b-caseload-due-at-rmm-search")
    page.search_edit.setText("mockley dara")
    assert page.shown_ids() == [ex.review_overdue]
    page.search_edit.setText("nobody-fictional")
    assert page.row_count() == 0
    assert page.empty_label.isVisible()
    assert "matches “nobody-fictional”" in page.empty_label.text()
    assert "Choose All" in page.empty_label.text()
    page.search_edit.clear()
    qtbot.mouseClick(page.filter_buttons[Show.ALL], LEFT)
    assert page.row_count() == 31


def test_an_empty_filter_says_so_in_words(qtbot, page) -> None:
    page.set_rows([r for r in page.model.items if r.rhi_due is None])
    assert page.filter_buttons[Show.RHI].text() == "&RHI due or overdue (0)"
    assert page.filter_buttons[Show.RHI].accessibleName() == "Show RHI due or overdue: 0 people"
    qtbot.mouseClick(page.filter_buttons[Show.RHI], LEFT)
    assert page.row_count() == 0
    assert page.empty_label.text() == "No return home interviews are due or overdue."


def test_filters_are_reached_by_tab_and_by_alt_letter(qtbot, page) -> None:
    page.activateWindow()
    page.search_edit.setFocus()
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Tab)  # search, then the filters
    assert page.focusWidget() is page.filter_buttons[Show.ALL]
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Tab)
    assert page.focusWidget() is page.filter_buttons[Show.HIGH]
    qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Space)  # Space chooses the focused filter
    assert page.proxy.show is Show.HIGH
    for key, show in ((Qt.Key.Key_R, Show.RHI), (Qt.Key.Key_V, Show.REVIEW_OVERDUE),
                      (Qt.Key.Key_D, Show.RMM), (Qt.Key.Key_O, Show.LOW),
                      (Qt.Key.Key_A, Show.ALL)):
        qtbot.keyClick(page.table, key, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda s=show: page.proxy.show is s, timeout=1000)  # animated click
        assert page.filter_buttons[show].isChecked()
    for chip in page.filter_buttons.values():
        assert chip.focusPolicy() & Qt.FocusPolicy.TabFocus
        assert chip.accessibleName() and chip.toolTip()


def test_columns_sort_by_their_meaning(page, caseload_workspace) -> None:
    ex = caseload_workspace.examples
    page.table.sortByColumn(Column.RHI_DUE, Qt.SortOrder.AscendingOrder)
    order = page.shown_ids()
    assert order[:2] == [ex.rhi_overdue, ex.rhi_due]  # most urgent first
    assert cell(page, order[2], Column.RHI_DUE) == "—"
    page.table.sortByColumn(Column.LAST_MISSING, Qt.SortOrder.DescendingOrder)
    assert page.shown_ids()[0] == ex.missing_now  # missing now comes first
    texts = [page.proxy.index(r, Column.LAST_MISSING).data() for r in range(page.row_count())]
    assert texts[-1] == "—"
    page.table.sortByColumn(Column.REVIEW, Qt.SortOrder.AscendingOrder)
    assert page.proxy.index(0, Column.REVIEW).data().endswith("(overdue)")
    page.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
    names = [page.model.item(page.proxy.mapToSource(page.proxy.index(r, 0)).row()).person
             for r in range(page.row_count())]
    keys = [(p.family_name.casefold(), p.given_name.casefold()) for p in names]
    assert keys == sorted(keys)
    page.table.sortByColumn(Column.WORKER, Qt.SortOrder.AscendingOrder)
    workers = [page.proxy.index(r, Column.WORKER).data() for r in range(page.row_count())]
    assert workers == sorted(workers, key=str.casefold)


def test_enter_or_double_click_opens_the_person(qtbot, page, caseload_workspace) -> None:
    ex = caseload_workspace.examples
    page.search_edit.setText("Samplewood")
    page.focus_first()
    with qtbot.waitSignal(page.person_activated, timeout=1000) as signal:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert signal.args == [ex.rhi_due]
    rect = page.table.visualRect(page.proxy.index(0, Column.AGE))
    with qtbot.waitSignal(page.person_activated, timeout=1000) as signal:
        qtbot.mousePress(page.table.viewport(), LEFT, pos=rect.center())  # as a real one does
        qtbot.mouseDClick(page.table.viewport(), LEFT, pos=rect.center())
    assert signal.args == [ex.rhi_due]


def test_the_page_reloads_when_the_task_manager_reports_a_change(
        qtbot, page, caseload_workspace) -> None:
    ex = caseload_workspace.examples
    page.select_person(ex.rhi_due)
    before = page.filter_buttons[Show.RHI].text()
    episode = Episode(person_id=ex.rhi_due, started_at=CASELOAD_NOW - timedelta(hours=2),
                      rhi_status=RhiStatus.NOT_YET_DUE)
    caseload_workspace.tasks.run(episode_ops.add(episode=episode))
    qtbot.waitUntil(lambda: cell(page, ex.rhi_due, Column.LAST_MISSING) == "Missing now",
                    timeout=5000)
    assert page.current_person_id() == ex.rhi_due  # the selection survives the reload
    assert page.filter_buttons[Show.RHI].text() == before
    # a change the caseload does not show (an action) does not reload it
    loads: list[int] = []
    page.counts_changed.connect(lambda *_: loads.append(1))
    caseload_workspace.tasks.run(Operation(lambda ws: None, frozenset({RecordKind.ACTION})))
    qtbot.waitUntil(lambda: caseload_workspace.tasks.idle, timeout=5000)
    assert loads == []


def test_a_load_in_flight_is_dropped_when_the_page_is_cleared(qtbot, page,
                                                             caseload_workspace) -> None:
    page.load()
    page.clear()  # the workspace locked meanwhile
    qtbot.waitUntil(lambda: caseload_workspace.tasks.idle, timeout=5000)
    assert page.model.rowCount() == 0
    assert page.filter_buttons[Show.ALL].text() == "✓ &All (0)"
    assert page.empty_label.text().startswith("There is no one on this caseload yet.")


def test_a_failed_read_is_explained(qtbot, page, caseload_workspace) -> None:
    caseload_workspace.tasks.call(Operation(lambda ws: ws.lock()))
    page.clear()
    page.load()
    qtbot.waitUntil(lambda: bool(page.load_error), timeout=5000)
    assert page.empty_label.isVisible()
    assert page.empty_label.text().startswith("The caseload could not be read.")
    assert "Unlock it" in page.empty_label.text()
    caseload_workspace.tasks.close()
    page.load()  # a closed task manager (the window locked it) is not an error either
    page.set_tasks(None)
    assert not page.refresh_timer.isActive()


def test_the_models_pass_the_model_tester(qtmodeltester, page) -> None:
    qtmodeltester.check(page.model)
    qtmodeltester.check(page.proxy)
    proxy = CaseloadFilter()
    proxy.setSourceModel(page.model)
    proxy.set_show(Show.RMM)
    proxy.set_search_text("a")
    qtmodeltester.check(proxy)
    empty = CaseloadModel()
    qtmodeltester.check(empty)


@pytest.mark.parametrize(("left", "words"), [
    (timedelta(hours=51), "due in 51 h"),
    (timedelta(hours=50, minutes=59), "due in 50 h"),
    (timedelta(minutes=20), "due in 20 min"),
    (timedelta(0), "due now"),
    (timedelta(hours=-5), "overdue by 5 h"),
    (timedelta(hours=-5, minutes=-30), "overdue by 5 h"),
    (timedelta(hours=-71), "overdue by 71 h"),
    (timedelta(hours=-100), "overdue by 4 days 4 h"),
    (None, "—"),
])
def test_time_left_in_words(left, words) -> None:
    """The caseload says the clock in the casework's words (one home: interviews.clock_words),
    as the episode list, the person banner and the return home interview's header do."""
    assert time_left_words(left) == words
    if left is not None:
        assert time_left_words(left) == clock_words(left)


def test_a_page_without_a_task_manager_still_takes_people(qtbot) -> None:
    from datetime import date

    from cse_desktop.domain.models import Person, RiskLevel

    page = CaseloadPage(now=CASELOAD_NOW)
    qtbot.addWidget(page)
    page.load()  # nothing to read through: no error
    page.set_people([Person(given_name="Ivo", family_name="Fictional", dob=date(2012, 1, 1),
                            risk_level=RiskLevel.MEDIUM, next_review=date(2026, 3, 1))])
    assert page.row_count() == 1
    assert page.model.counts()[Show.RMM] == 1  # medium risk, review overdue
    assert page.model.item(0).rmm_reasons == ("Medium risk", "Review due")
    assert page.proxy.index(0, Column.RHI_DUE).data() == "—"


def test_the_filters_wrap_on_a_narrow_window(qtbot, page, screenshot) -> None:
    page.resize(760, 520)  # the main window's minimum size
    qtbot.waitUntil(lambda: page.filter_buttons[Show.RMM].y()
                    > page.filter_buttons[Show.ALL].y(), timeout=2000)
    bar = page.filter_bar
    for chip in page.filter_buttons.values():  # every chip whole and inside the bar
        assert bar.rect().contains(chip.geometry())
        assert chip.width() >= chip.minimumWidth()
    assert page.table.mapTo(page, QPoint(0, 0)).y() > bar.geometry().bottom()  # no overlap
    screenshot(page, "20c-caseload-narrow")


# -- issue 14: urgency order, keyboard from the search, headings that fit --------------------------


def test_the_caseload_opens_most_urgent_first_and_says_so(qtbot, page,
                                                          caseload_workspace) -> None:
    ex = caseload_workspace.examples
    assert page.sorted_by_urgency
    assert page.shown_ids() == [r.person_id for r in by_urgency(rows_of(caseload_workspace))]
    assert page.shown_ids()[:3] == [ex.missing_now, ex.rhi_overdue, ex.rhi_due]
    assert page.table.horizontalHeader().sortIndicatorSection() == -1  # no column's arrow
    assert page.summary_label.text() == (
        "31 people, most urgent first (missing now, RHI overdue, RHI due soonest, High risk, "
        "review overdue, then by name).")
    assert page.urgency_button.isHidden()

    qtbot.mouseClick(page.table.horizontalHeader().viewport(), LEFT,
                     pos=page.table.visualRect(page.proxy.index(0, Column.NAME)).center()
                     - QPoint(0, page.table.visualRect(page.proxy.index(0, 0)).center().y()))
    assert not page.sorted_by_urgency
    assert page.summary_label.text() == "31 people, sorted by Name, A to Z."
    assert page.urgency_button.isVisible()
    qtbot.mouseClick(page.urgency_button, LEFT)
    assert page.sorted_by_urgency and page.shown_ids()[0] == ex.missing_now
    assert page.urgency_button.isHidden()


def test_from_the_search_down_moves_into_the_results_and_enter_opens_the_first(
        qtbot, page, caseload_workspace) -> None:
    ex = caseload_workspace.examples
    page.activateWindow()
    page.focus_search()
    qtbot.keyClicks(page.search_edit, "samplewood")
    assert page.summary_label.text().startswith("Showing 1 of 31 people — search: “samplewood”")
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Down)
    assert page.focusWidget() is page.table
    assert page.current_person_id() == ex.rhi_due
    qtbot.keyClick(page.table, Qt.Key.Key_Up)  # Up on the first row: back to the search
    assert page.focusWidget() is page.search_edit
    with qtbot.waitSignal(page.person_activated, timeout=1000) as opened:
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
    assert opened.args == [ex.rhi_due]
    page.clear_search()  # (the window does this on leaving the page)
    assert page.search_edit.text() == "" and page.row_count() == 31

    # Tab: search, then the seven filters, then the table (no Lock between them)
    page.focus_search()
    stops = []
    for _ in range(8):
        qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Tab)
        stops.append(page.focusWidget())
    assert stops == [*page.filter_buttons.values(), page.table]
    assert not hasattr(page, "lock_button")


@pytest.mark.parametrize("scale", [1.0, 1.3, 2.0])
def test_headings_fit_their_sections_at_any_text_size(qtbot, page, restore_theme, scale,
                                                      screenshot) -> None:
    set_font_scale(restore_theme, scale)
    table = page.table
    qtbot.wait(50)  # the refit runs once the new text size has reached the table
    header = table.horizontalHeader()
    metrics = table.heading_metrics()
    for column in Column:
        text = page.proxy.headerData(column, Qt.Orientation.Horizontal)
        widest = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
        # the text, its 8 px padding each side and the sort arrow fit the section
        assert widest + 16 <= header.sectionSize(column), (scale, text, widest)
        assert len(text.split("\n")) <= 2
    if scale == 1.0:
        assert all("\n" not in page.proxy.headerData(c, Qt.Orientation.Horizontal)
                   for c in Column)
    # every column inside the window: nothing hidden off to the right
    total = sum(header.sectionSize(c) for c in Column)
    assert total <= table.viewport().width() + 1, (scale, total, table.viewport().width())
    screenshot(page, f"caseload-headings-{round(scale * 100)}")


@pytest.mark.parametrize(("scale", "contrast"), [(1.0, False), (2.0, False), (1.3, True)])
def test_column_widths_come_from_the_widest_cell_exactly_as_qt_measures_them(
        qtbot, page, restore_theme, scale, contrast) -> None:
    """The table sizes each column from its widest text's cell (one measure), not by asking
    the style about every row (seconds at 5,000 people): the same width Qt would give."""
    apply_theme(restore_theme, contrast, scale)
    qtbot.wait(50)
    table = page.table
    for column in Column:
        if column != Column.NAME:
            assert cell_width(table, column) == table.sizeHintForColumn(column), (
                column, scale, contrast)


def test_a_cell_cut_short_shows_its_whole_text_as_a_tooltip(qtbot, page, restore_theme) -> None:
    set_font_scale(restore_theme, 2.0)
    qtbot.wait(50)
    table = page.table
    index = page.proxy.index(0, Column.WORKER)  # no tooltip of its own; cut at 200 %
    text = index.data()
    assert table.fontMetrics().horizontalAdvance(text) > table.columnWidth(Column.WORKER) - 12
    rect = table.visualRect(index)
    event = QHelpEvent(QEvent.Type.ToolTip, rect.center(), table.viewport().mapToGlobal(
        rect.center()))
    QToolTip.hideText()
    table.viewportEvent(event)
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    assert QToolTip.text() == text
    QToolTip.hideText()
