"""One table model behind every table, its roles, its sorting proxy, and views that refresh.

* :class:`ColumnSpec`: one column, said once: its heading and how a row shows, sorts, reads
  aloud, colours (an :class:`~cse_desktop.qt.theme.Ink`, so high contrast reaches every
  table), and what its tooltip says.
* :class:`TableModel`: a read-only table over a list of items, one column per spec.
* :data:`SORT_ROLE`, :data:`ID_ROLE`: the roles every table answers.
* :func:`sorting_proxy`: sorts by each column's own order (:data:`SORT_ROLE`).
* :class:`RefreshesWhenShown`: a page that reads itself again after a change to the record
  kinds it shows: at once while it is visible, otherwise when it is next shown.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont, QFontMetrics, QShowEvent
from PySide6.QtWidgets import QStyleOptionViewItem, QTableView, QWidget

from cse_desktop.domain.ids import Changes, RecordKind
from cse_desktop.qt.operations import TaskManager
from cse_desktop.qt.theme import URGENT_INKS, Ink, ink, is_high_contrast

ModelIndex = QModelIndex | QPersistentModelIndex
T = TypeVar("T")

#: a value that sorts the way the column should (names by family name, risk by rank...)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: the record id of the row
ID_ROLE = Qt.ItemDataRole.UserRole + 3

_Role = Qt.ItemDataRole


def bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def italic() -> QFont:
    font = QFont()
    font.setItalic(True)
    return font


def bold_when(test: Callable[[T], bool]) -> Callable[[T], QFont | None]:
    """A column's ``font``: bold for the rows that pass ``test``."""
    return lambda item: bold() if test(item) else None


@dataclass(frozen=True)
class ColumnSpec(Generic[T]):
    """One column of a :class:`TableModel`: its heading and how a row shows in it."""

    header: str
    #: the cell's text
    display: Callable[[T], str]
    #: a value that sorts the way the column should
    sort: Callable[[T], Any]
    #: the text colour (None: the view's own)
    colour: Callable[[T], Ink | None] | None = None
    font: Callable[[T], QFont | None] | None = None
    tooltip: Callable[[T], str | None] | None = None
    #: what a screen reader says, when the text is not enough (words for a dash)
    spoken: Callable[[T], str] | None = None
    #: a small square of colour before the text
    swatch: Callable[[T], Ink | None] | None = None
    #: the heading's tooltip
    header_tip: str | None = None
    #: the alignment of the cells and the heading (None: the view's own)
    align: Qt.AlignmentFlag | None = None


#: rows a column's width is measured on (all of them up to this many; an even spread beyond,
#: as Qt's own measure looks at 1,000 rows by default)
WIDTH_SAMPLE = 500


class TableModel(QAbstractTableModel, Generic[T]):
    """A read-only table over a list of items, one column per :class:`ColumnSpec`."""

    def __init__(self, columns: Sequence[ColumnSpec[T]], id_of: Callable[[T], str],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._id_of = id_of
        self._items: list[T] = []
        self._widths: dict[tuple[int, str, bool], int] = {}  # widest_row's answers
        self._sort_keys: dict[tuple[int, int], Any] = {}  # (row, column): its sort key
        #: the column and order the rows are kept in (None: as given), see :meth:`sort`
        self._order: tuple[int, Qt.SortOrder] | None = None
        self._given: list[T] = []
        #: the rows shown, as positions in ``_given``
        self._shown: list[int] = []

    def set_items(self, items: Sequence[T]) -> None:
        self.beginResetModel()
        self._given = list(items)  # ties keep this order, whatever the rows were sorted by
        self._shown = (self._permutation(self._given) if self._order is not None
                       else list(range(len(self._given))))
        self._items = [self._given[n] for n in self._shown]
        self._widths.clear()
        self._sort_keys.clear()
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row (on lock): nothing personal stays in memory through the model."""
        self.set_items([])

    @property
    def items(self) -> list[T]:
        return list(self._items)

    def item(self, row: int) -> T:
        return self._items[row]

    def refresh(self) -> None:
        """Texts derived from the clock (countdowns, RAG) or colours from the theme changed:
        repaint every cell."""
        self._widths.clear()
        self._sort_keys.clear()
        if self._items:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._items) - 1, len(self.columns) - 1))

    def widest_row(self, column: int, font: QFont) -> int | None:
        """The row whose text in ``column`` is the widest in ``font`` (bold where the cell is
        bold); None without rows.  Views size a column from this one cell instead of asking
        the style about every row (``QTableView.sizeHintForColumn``); each distinct text is
        measured once, and the answer is kept until the rows, their texts, the font or the
        theme (high contrast makes urgent cells bold) change."""
        contrast = is_high_contrast()
        key = (column, font.key(), contrast)
        if key not in self._widths:
            spec = self.columns[column]
            first: dict[tuple[str, bool], int] = {}
            # like Qt's own measure (resizeContentsPrecision), a sample: every row up to
            # WIDTH_SAMPLE, then rows spread evenly through the whole table
            step = max(1, -(-len(self._items) // WIDTH_SAMPLE))
            for row in range(0, len(self._items), step):
                item = self._items[row]
                cell = _font(spec, item, contrast)
                first.setdefault((str(spec.display(item)), cell is not None and cell.bold()),
                                 row)
            heavy = QFont(font)
            heavy.setBold(True)
            plain, strong = QFontMetrics(font), QFontMetrics(heavy)
            self._widths[key] = max(
                first.items(), default=(None, -1),
                key=lambda kv: (strong if kv[0][1] else plain).horizontalAdvance(kv[0][0]))[1]
        row = self._widths[key]
        return None if row < 0 else row

    # -- sorting in the model ------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Keep the rows in ``column``'s order (its sort keys, worked out once a row in Python):
        what :class:`SortInModel` asks for when a heading is clicked, instead of the proxy
        asking Python for a key at each of its O(n log n) comparisons (seconds at a few
        thousand rows).  The order is a sorting proxy's: ties in the order the rows were given
        in (reversed when descending: descending is ascending read backwards), a row without a
        key last (first when descending).  A column below 0 keeps the rows as given."""
        self._order = (column, order) if 0 <= column < len(self.columns) else None
        if self._order is None or not self._items:
            return
        self.layoutAboutToBeChanged.emit()
        moves = self._permutation(self._given)
        row_of_given = {given: row for row, given in enumerate(moves)}
        new_row = {row: row_of_given[given] for row, given in enumerate(self._shown)}
        self._shown = moves
        self._items = [self._given[n] for n in moves]
        self._sort_keys.clear()
        self._widths.clear()  # (widest_row answers a row number)
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent, [self.index(new_row[i.row()], i.column()) if i.isValid() else i
                         for i in persistent])
        self.layoutChanged.emit()

    def _permutation(self, items: Sequence[T]) -> list[int]:
        assert self._order is not None
        column, order = self._order
        keys = [self.columns[column].sort(item) for item in items]
        ascending = sorted(range(len(items)),
                           key=lambda n: (keys[n] is None, 0 if keys[n] is None else keys[n]))
        # descending is ascending read backwards, ties included (as Qt's proxy does)
        return ascending[::-1] if order == Qt.SortOrder.DescendingOrder else ascending

    # -- QAbstractTableModel ---------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _Role.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        spec = self.columns[section]
        if role == _Role.DisplayRole:
            return spec.header
        if role == _Role.ToolTipRole:
            return spec.header_tip
        if role == _Role.TextAlignmentRole and spec.align is not None:
            return int(spec.align)
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: ModelIndex, role: int = _Role.DisplayRole) -> Any:
        if (not index.isValid() or not 0 <= index.row() < len(self._items)
                or not 0 <= index.column() < len(self.columns)):
            return None
        item = self._items[index.row()]
        spec = self.columns[index.column()]
        if role == _Role.DisplayRole:
            return spec.display(item)
        if role == _Role.AccessibleTextRole:
            return (spec.spoken or spec.display)(item)
        if role == SORT_ROLE:  # asked O(n log n) times by a sorting proxy: worked out once
            key = (index.row(), index.column())
            if key not in self._sort_keys:
                self._sort_keys[key] = spec.sort(item)
            return self._sort_keys[key]
        if role == ID_ROLE:
            return self._id_of(item)
        if role == _Role.ForegroundRole and spec.colour is not None:
            return _ink_or_none(spec.colour(item))
        if role == _Role.FontRole:
            return _font(spec, item)
        if role == _Role.ToolTipRole and spec.tooltip is not None:
            return spec.tooltip(item)
        if role == _Role.DecorationRole and spec.swatch is not None:
            return _ink_or_none(spec.swatch(item))
        if role == _Role.TextAlignmentRole and spec.align is not None:
            return int(spec.align)
        return None


def _font(spec: ColumnSpec[T], item: T, contrast: bool | None = None) -> QFont | None:
    font = spec.font(item) if spec.font is not None else None
    if contrast is None:
        contrast = is_high_contrast()
    if font is None and spec.colour is not None and contrast \
            and spec.colour(item) in URGENT_INKS:
        return bold()  # high contrast: an urgent cell is bold, not only coloured
    return font


def cell_width(view: QTableView, column: int) -> int:
    """What ``view.sizeHintForColumn(column)`` answers, measured on the one cell with the
    widest text (its delegate's own size) instead of through the style for every row: the
    same width up to 500 rows (beyond, both measure a sample), in milliseconds.  Falls back
    to Qt's measure for a model that is not a :class:`TableModel` (through any sorting or
    filtering proxies)."""
    model = view.model()
    while isinstance(model, QSortFilterProxyModel):
        model = model.sourceModel()
    if not isinstance(model, TableModel):
        return view.sizeHintForColumn(column)
    row = model.widest_row(column, view.font())
    if row is None:
        return 0
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    delegate = view.itemDelegateForColumn(column) or view.itemDelegate()
    grid = 1 if view.showGrid() else 0
    return delegate.sizeHint(option, model.index(row, column)).width() + grid


def _ink_or_none(which: Ink | None) -> Any:
    return None if which is None else ink(which)


class SortInModel(QSortFilterProxyModel):
    """A proxy over a :class:`TableModel` that has the model sort itself (one key per row, in
    Python) and keeps the model's order: the view's heading arrow and clicks work as with any
    sorting proxy, at a cost linear in the rows' keys.  Subclass it to filter as well."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, TableModel):
            source.sort(column, order)  # this proxy's own sort column stays -1: the source's
            return
        super().sort(column, order)


def sorting_proxy(model: QAbstractTableModel, parent: QObject | None = None,
                  proxy: QSortFilterProxyModel | None = None) -> QSortFilterProxyModel:
    """``proxy`` (by default a :class:`SortInModel`) over ``model``, sorting by
    :data:`SORT_ROLE` and keeping its order as the rows change."""
    proxy = proxy if proxy is not None else SortInModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setDynamicSortFilter(True)
    return proxy


if TYPE_CHECKING:
    _Widget = QWidget
else:
    _Widget = object  # the page's own QWidget comes after the mixin


class RefreshesWhenShown(_Widget):
    """For a page (mixed in before ``QWidget``) that reads itself through a task manager.

    After an operation changes any of :attr:`WATCHED` record kinds, a visible page calls
    :meth:`load` at once; a hidden one marks itself stale and loads when it is next shown.
    :meth:`begin_load` numbers each read, so a result overtaken by a later read (or by
    :meth:`forget_loads`, on lock) is dropped.  Results for a destroyed page never arrive: it
    passes itself as the operation's ``owner``.
    """

    #: the record kinds whose change alters what the page shows
    WATCHED: ClassVar[frozenset[RecordKind]] = frozenset()
    _tasks: TaskManager | None = None
    _generation = 0
    _stale = False

    def load(self) -> None:
        raise NotImplementedError

    def watch(self, tasks: TaskManager | None) -> None:
        """Listen to ``tasks`` from now on (None: a locked workspace, nothing to listen to)."""
        if self._tasks is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # already gone or closed
                self._tasks.changed.disconnect(self._on_changed)
        self._tasks = tasks
        if tasks is not None:
            tasks.changed.connect(self._on_changed)

    @property
    def stale(self) -> bool:
        return self._stale

    def begin_load(self) -> int:
        """Start a read: returns its number, for :meth:`is_current` when it lands."""
        self._generation += 1
        self._stale = False
        return self._generation

    def is_current(self, generation: int) -> bool:
        """True when no later read (or :meth:`forget_loads`) has overtaken read ``generation``."""
        return generation == self._generation

    def forget_loads(self) -> None:
        """Drop every read still in flight, and the stale mark."""
        self._generation += 1
        self._stale = False

    def _on_changed(self, kinds: Changes) -> None:
        if not self.WATCHED.intersection(kinds):
            return
        if self.isVisible():
            self.load()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.load()
