"""The one table model: column specs, roles, theme inks, the sorting proxy, and pages that
refresh after a change only while they are shown."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from cse_desktop.domain.ids import RecordKind
from cse_desktop.qt.resources import apply_theme
from cse_desktop.qt.tables import (
    ID_ROLE,
    SORT_ROLE,
    ColumnSpec,
    RefreshesWhenShown,
    TableModel,
    bold_when,
    sorting_proxy,
)
from cse_desktop.qt.theme import INKS, Ink

ROLE = Qt.ItemDataRole


@dataclass(frozen=True)
class Child:
    id: str
    name: str
    age: int


CHILDREN = [Child("a", "Zara Fictional", 15), Child("b", "Ali Invented", 12),
            Child("c", "", 17)]


def _model() -> TableModel[Child]:
    return TableModel([
        ColumnSpec("Name", lambda c: c.name or "Not known", lambda c: c.name.casefold() or "~",
                   colour=lambda c: None if c.name else Ink.MUTED,
                   spoken=lambda c: c.name or "Name not known",
                   tooltip=lambda c: c.name or None, header_tip="Their name"),
        ColumnSpec("Age", lambda c: str(c.age), lambda c: c.age,
                   font=bold_when(lambda c: c.age >= 17), align=Qt.AlignmentFlag.AlignCenter),
    ], lambda c: c.id)


def test_each_role_comes_from_the_column_spec(qtmodeltester, restore_theme) -> None:
    apply_theme(restore_theme, high_contrast=False)
    model = _model()
    model.set_items(CHILDREN)
    qtmodeltester.check(model)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(2)] == ["Name", "Age"]
    assert model.headerData(0, Qt.Orientation.Horizontal, ROLE.ToolTipRole) == "Their name"
    assert model.headerData(1, Qt.Orientation.Horizontal, ROLE.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignCenter)
    unknown = model.index(2, 0)
    assert unknown.data() == "Not known"
    assert unknown.data(ROLE.AccessibleTextRole) == "Name not known"
    assert unknown.data(ROLE.ToolTipRole) is None
    assert unknown.data(ID_ROLE) == "c"
    assert unknown.data(ROLE.ForegroundRole) == QColor(INKS[False][Ink.MUTED])
    assert model.index(0, 0).data(ROLE.ForegroundRole) is None  # the view's own colour
    assert model.index(0, 0).data(ROLE.AccessibleTextRole) == "Zara Fictional"  # the text
    assert model.index(2, 1).data(ROLE.FontRole).bold()
    assert model.index(0, 1).data(ROLE.FontRole) is None
    assert model.index(0, 1).data(SORT_ROLE) == 15
    model.clear()
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_the_ink_follows_the_theme_when_painted(restore_theme) -> None:
    model = _model()
    model.set_items(CHILDREN)
    cell = model.index(2, 0)
    apply_theme(restore_theme, high_contrast=False)
    assert cell.data(ROLE.ForegroundRole) == QColor(INKS[False][Ink.MUTED])
    apply_theme(restore_theme, high_contrast=True)
    assert cell.data(ROLE.ForegroundRole) == QColor(INKS[True][Ink.MUTED])


def test_the_proxy_sorts_by_each_columns_own_order(qtmodeltester) -> None:
    model = _model()
    model.set_items(CHILDREN)
    proxy = sorting_proxy(model)
    proxy.sort(0, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data(ID_ROLE) for r in range(3)] == ["b", "a", "c"]
    proxy.sort(1, Qt.SortOrder.DescendingOrder)  # by number, not by text
    assert [proxy.index(r, 1).data() for r in range(3)] == ["17", "15", "12"]
    model.set_items([*CHILDREN, Child("d", "Bea Madeup", 16)])  # the order holds as rows change
    assert [proxy.index(r, 1).data() for r in range(4)] == ["17", "16", "15", "12"]
    qtmodeltester.check(proxy)


class _Tasks(QObject):
    changed = Signal(object)


class _Page(RefreshesWhenShown, QWidget):
    WATCHED = frozenset({RecordKind.PERSON})

    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    def load(self) -> None:
        self.begin_load()
        self.loads += 1


def test_a_page_refreshes_at_once_when_shown_and_later_when_hidden(qtbot) -> None:
    tasks, page = _Tasks(), _Page()
    qtbot.addWidget(page)
    page.watch(tasks)  # a stand-in with the task manager's changed signal
    page.show()
    qtbot.waitExposed(page)
    tasks.changed.emit(frozenset({RecordKind.PERSON}))
    assert page.loads == 1
    tasks.changed.emit(frozenset({RecordKind.ACTION}))  # not shown on this page
    assert page.loads == 1
    page.hide()
    tasks.changed.emit(frozenset({RecordKind.PERSON, RecordKind.ACTION}))
    assert page.loads == 1
    assert page.stale
    page.show()
    assert page.loads == 2
    assert not page.stale
    page.watch(None)  # locked: nothing more is heard
    tasks.changed.emit(frozenset({RecordKind.PERSON}))
    assert page.loads == 2


def test_a_read_overtaken_by_another_or_forgotten_is_not_current(qtbot) -> None:
    page = _Page()
    qtbot.addWidget(page)
    first = page.begin_load()
    second = page.begin_load()
    assert not page.is_current(first)
    assert page.is_current(second)
    page.forget_loads()
    assert not page.is_current(second)


def test_a_column_is_as_wide_as_qt_would_make_it_measured_on_one_cell(qtbot) -> None:
    """``cell_width`` sizes a column from its widest text's cell (bold where the cell is
    bold), through sorting proxies: exactly ``sizeHintForColumn``, without the style round
    trip for every row."""
    from PySide6.QtWidgets import QTableView

    from cse_desktop.qt.tables import ColumnSpec, TableModel, bold_when, cell_width, sorting_proxy

    rows = [("Fictional short", 1), ("A much longer fictional text", 2), ("Wide bold", 3),
            ("Fictional short", 4)] * 50
    model: TableModel[tuple[str, int]] = TableModel(
        [ColumnSpec("Text", lambda r: r[0], lambda r: r[0]),
         ColumnSpec("Number", lambda r: f"{r[1]:,} fictional", lambda r: r[1],
                    font=bold_when(lambda r: r[1] == 3))],
        lambda r: str(r[1]))
    model.set_items(rows)
    for wrapped in (model, sorting_proxy(model)):
        view = QTableView()
        qtbot.addWidget(view)
        view.setModel(wrapped)
        view.show()
        for column in (0, 1):
            assert cell_width(view, column) == view.sizeHintForColumn(column) > 0
    model.set_items([])
    assert cell_width(view, 0) == 0


def test_a_long_wrapped_table_fits_the_rows_in_view_and_those_scrolled_to(qtbot) -> None:
    """A record with thousands of rows does not measure every wrapped row when it opens: the
    rows on screen (and a screenful either side) take the height their text needs, the others
    as they are scrolled to; a short table fits every row at once."""
    from cse_desktop.qt.person.common import FIT_ALL_ROWS, RecordTable, RowsModel

    long_text = "A fictional entry long enough to wrap onto a second line in a narrow column " * 2

    class Notes(RowsModel[str]):
        HEADERS = ("When", "What")

        def display(self, item: str, column: int) -> str:
            return "1 Mar 2026" if column == 0 else item

        def record_id(self, item: str) -> str:
            return item[:8]

    for rows, everything in ((FIT_ALL_ROWS, True), (3000, False)):
        model = Notes()
        table = RecordTable("Fictional notes", stretch=1, wrap={1: 0})
        qtbot.addWidget(table)
        table.setModel(model)
        table.resize(500, 400)
        table.show()
        qtbot.waitExposed(table)
        model.set_rows([f"{n:05d} {long_text}" for n in range(rows)])
        qtbot.wait(20)  # the fit runs once, after the burst of changes
        default = table.verticalHeader().defaultSectionSize()
        assert table.rowHeight(0) > default  # wrapped onto more lines
        assert (table.rowHeight(rows - 1) > default) is everything
        table.scrollToBottom()
        qtbot.wait(20)
        assert table.rowHeight(rows - 1) > default  # fitted once scrolled to


@pytest.mark.parametrize("descending", [False, True])
def test_the_model_sorts_itself_exactly_as_a_sorting_proxy_would(qtbot, descending) -> None:
    """``SortInModel`` has the model sort its rows (one key per row) instead of asking Python
    for keys at every comparison: the same order as Qt's own proxy sort, ties as it keeps them,
    rows without a key last (first when descending), the selection kept on its row, and new
    rows kept in order."""
    import random

    from PySide6.QtCore import QSortFilterProxyModel
    from PySide6.QtWidgets import QTableView

    from cse_desktop.qt.tables import (
        SORT_ROLE,
        ColumnSpec,
        SortInModel,
        TableModel,
        cell_width,
        sorting_proxy,
    )

    rng = random.Random(5)
    rows = [(f"r{n}", rng.choice([None, 1, 2, 3, 2.5]), rng.choice(["b", "a", "c", None]))
            for n in range(120)]

    def model_of(items):  # type: ignore[no-untyped-def]
        model: TableModel[tuple] = TableModel(
            [ColumnSpec("Id", lambda r: r[0], lambda r: r[0]),
             ColumnSpec("Number", lambda r: str(r[1]), lambda r: r[1]),
             ColumnSpec("Word", lambda r: str(r[2]), lambda r: r[2])], lambda r: r[0])
        model.set_items(items)
        return model

    order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    for column in (1, 2):
        theirs = QSortFilterProxyModel()
        theirs.setSourceModel(model_of(rows))
        theirs.setSortRole(SORT_ROLE)
        theirs.sort(column, order)
        ours_model = model_of(rows)
        ours = sorting_proxy(ours_model)
        assert isinstance(ours, SortInModel)
        view = QTableView()
        qtbot.addWidget(view)
        view.setModel(ours)
        view.setSortingEnabled(True)
        view.show()  # (widths are measured in the view's own polished font)
        view.selectRow(7)
        chosen = ours.index(7, 0).data()
        before = [cell_width(view, c) for c in (0, 1, 2)]  # measured before the sort
        view.sortByColumn(column, order)  # as a click on the heading does
        ids = [theirs.index(r, 0).data() for r in range(theirs.rowCount())]
        assert [ours.index(r, 0).data() for r in range(ours.rowCount())] == ids, column
        assert ours.sortColumn() == -1 and view.horizontalHeader().sortIndicatorSection() == column
        assert view.selectionModel().selectedRows()[0].data() == chosen  # kept on its row
        for measured in (0, 1, 2):  # widths follow the rows to their new places
            assert cell_width(view, measured) == view.sizeHintForColumn(measured) \
                == before[measured]
        # new rows are kept in the same order: as a fresh sort of them (Qt's own re-sort after
        # a reset orders ties by the previous rows instead)
        ours_model.set_items(list(reversed(rows)))
        fresh = QSortFilterProxyModel()
        fresh.setSourceModel(model_of(list(reversed(rows))))
        fresh.setSortRole(SORT_ROLE)
        fresh.sort(column, order)
        assert [ours.index(r, 0).data() for r in range(ours.rowCount())] == [
            fresh.index(r, 0).data() for r in range(fresh.rowCount())]
