"""The caseload as a table: one :class:`~cse_desktop.casework.caseload.CaseloadRow` per person.

* the words, sort keys and inks of a row, and the columns the caseload and the team manager's
  page share (:data:`NAME_COLUMN`, :data:`REVIEW_COLUMN`, :data:`WORKER_COLUMN`);
* :class:`CaseloadModel`: the caseload's :class:`~cse_desktop.qt.tables.TableModel`, which keeps
  its rows most urgent first (:func:`~cse_desktop.casework.urgency.urgency_key`), each row's
  search text and the rows each filter (:class:`Show`) shows, and which headings the view has
  put on two lines;
* :class:`CaseloadFilter`: sorts (by a column, or none: the urgency order), keeps the rows of
  the chosen filter, matches the search words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt

from cse_desktop.casework.caseload import CaseloadRow, local_today, person_row
from cse_desktop.casework.interviews import clock_words
from cse_desktop.casework.urgency import by_urgency
from cse_desktop.domain.dates import uk_date, uk_datetime, uk_day_of
from cse_desktop.domain.labels import RISK_LABELS
from cse_desktop.domain.models import Person, RiskLevel
from cse_desktop.forms.scoring import AWAITING_APPROVAL
from cse_desktop.qt.tables import SORT_ROLE, ColumnSpec, ModelIndex, TableModel, bold_when
from cse_desktop.qt.theme import RISK_INKS, Ink

_NO_DATE = date.max.toordinal()
NONE_SHOWN = "—"


class Column(IntEnum):
    NAME = 0
    AGE = 1
    RISK = 2
    LAST_MISSING = 3
    RHI_DUE = 4
    REVIEW = 5
    WORKER = 6


def time_left_words(left: timedelta | None) -> str:
    """The interview clock in the casework's words ('due in 51 h', 'overdue by 5 h'), or '—'."""
    return NONE_SHOWN if left is None else clock_words(left)


def name_words(person: Person) -> str:
    """The name as the tables show it, with any also-known-as."""
    if person.also_known_as:
        return f"{person.display_name} (aka {', '.join(person.also_known_as)})"
    return person.display_name


def name_key(person: Person) -> str:
    """Family name first, case-folded: how names sort."""
    return f"{person.family_name.casefold()}\t{person.given_name.casefold()}"


def review_words(row: CaseloadRow) -> str:
    review = row.next_review
    if review is None:
        return "Not set"
    return f"{uk_date(review)} (overdue)" if row.review_overdue else uk_date(review)


def review_key(row: CaseloadRow) -> int:
    return row.next_review.toordinal() if row.next_review else _NO_DATE


class Show(StrEnum):
    """The caseload filters (one at a time)."""

    ALL = "all"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    RHI = "rhi"
    REVIEW_OVERDUE = "review-overdue"
    RMM = "rmm"


_SHOWN_BY: dict[Show, Callable[[CaseloadRow], bool]] = {
    Show.ALL: lambda r: True,
    Show.HIGH: lambda r: r.risk_level is RiskLevel.HIGH,
    Show.MEDIUM: lambda r: r.risk_level is RiskLevel.MEDIUM,
    Show.LOW: lambda r: r.risk_level is RiskLevel.LOW,
    Show.RHI: lambda r: r.rhi_due is not None,
    Show.REVIEW_OVERDUE: lambda r: r.review_overdue,
    Show.RMM: lambda r: r.due_at_next_rmm,
}


def _last_missing(row: CaseloadRow) -> str:
    if row.missing_now:
        return "Missing now"
    return uk_day_of(row.last_missing) if row.last_missing else NONE_SHOWN


def _last_missing_key(row: CaseloadRow) -> float:
    if row.missing_now:  # missing now sorts after (more recent than) any return
        return 1e12
    return row.last_missing.timestamp() if row.last_missing else -1.0


def _last_missing_tip(row: CaseloadRow) -> str | None:
    if row.last_missing is None:
        return None
    prefix = "Missing since" if row.missing_now else "Last went missing at"
    return f"{prefix} {uk_datetime(row.last_missing)}"


def _last_missing_ink(row: CaseloadRow) -> Ink | None:
    if row.missing_now:
        return Ink.RED
    return Ink.MUTED if row.last_missing is None else None


def _name_tip(row: CaseloadRow) -> str:
    """The whole name, when the column is too narrow for it."""
    person = row.person
    if person.also_known_as:
        return f"{person.display_name}. Also known as: {', '.join(person.also_known_as)}"
    return person.display_name


def _risk_words(row: CaseloadRow) -> str:
    pending = " (awaiting approval)" if row.approval_pending else ""
    return RISK_LABELS[row.risk_level] + pending


def _risk_spoken(row: CaseloadRow) -> str:
    if row.approval_pending:
        return f"{RISK_LABELS[row.risk_level]}. {AWAITING_APPROVAL}."
    return _risk_words(row)


def _risk_tip(row: CaseloadRow) -> str | None:
    if not row.approval_pending:
        return None
    return (f"{AWAITING_APPROVAL}: a screening agreed a lower level; this level stands until "
            "a team manager approves it.")


def _rhi_ink(row: CaseloadRow) -> Ink:
    if row.rhi_due is None:
        return Ink.MUTED
    return Ink.RED if row.rhi_overdue else Ink.AMBER


def _review_ink(row: CaseloadRow) -> Ink | None:
    if row.next_review is None:
        return Ink.MUTED
    return Ink.RED if row.review_overdue else None


NAME_COLUMN: ColumnSpec[CaseloadRow] = ColumnSpec(
    "Name", lambda r: name_words(r.person), lambda r: name_key(r.person), tooltip=_name_tip)
REVIEW_COLUMN: ColumnSpec[CaseloadRow] = ColumnSpec(
    "Next review", review_words, review_key, colour=_review_ink,
    font=bold_when(lambda r: r.review_overdue),
    header_tip="The date of the next review of the risk assessment")
WORKER_COLUMN: ColumnSpec[CaseloadRow] = ColumnSpec(
    "Allocated worker", lambda r: r.allocated_worker or "Not allocated",
    lambda r: r.allocated_worker.casefold() or "\uffff",
    colour=lambda r: None if r.allocated_worker else Ink.MUTED)


class CaseloadModel(TableModel[CaseloadRow]):
    """One row per person; read-only.  Keeps each row's search text and the rows each filter
    shows, worked out once per load."""

    def __init__(self, parent: QObject | None = None, *, today: date | None = None,
                 now: datetime | None = None) -> None:
        super().__init__(self._column_specs(), lambda r: r.person_id, parent)
        self._search_texts: list[str] = []
        self._groups: dict[Show, set[int]] = {show: set() for show in Show}
        self._fixed_now = now
        self._now = now
        self._today = today
        self._wrapped: frozenset[int] = frozenset()

    def _column_specs(self) -> list[ColumnSpec[CaseloadRow]]:
        return [
            NAME_COLUMN,
            ColumnSpec("Age", lambda r: str(r.age), lambda r: r.age,
                       align=Qt.AlignmentFlag.AlignCenter),
            ColumnSpec("Risk level", _risk_words, lambda r: r.risk_level.rank,
                       colour=lambda r: RISK_INKS.get(r.risk_level),
                       font=bold_when(lambda r: r.risk_level is RiskLevel.HIGH),
                       spoken=_risk_spoken, tooltip=_risk_tip),
            ColumnSpec("Last missing", _last_missing, _last_missing_key,
                       colour=_last_missing_ink, font=bold_when(lambda r: r.missing_now),
                       tooltip=_last_missing_tip,
                       spoken=lambda r: ("No missing episodes" if r.last_missing is None
                                         else _last_missing(r)),
                       header_tip="When the latest missing episode started"),
            ColumnSpec("RHI due", self._time_left,
                       # soonest (most overdue) first
                       lambda r: r.rhi_due.timestamp() if r.rhi_due else 1e12,
                       colour=_rhi_ink, font=bold_when(lambda r: r.rhi_overdue),
                       tooltip=lambda r: (f"Return home interview due by {uk_datetime(r.rhi_due)}"
                                          if r.rhi_due is not None else None),
                       spoken=lambda r: ("No return home interview outstanding"
                                         if r.rhi_due is None else self._time_left(r)),
                       header_tip="The return home interview is due within 72 hours of the "
                                  "return: time left on the earliest one outstanding"),
            REVIEW_COLUMN,
            WORKER_COLUMN,
        ]

    def heading(self, column: int, wrapped: bool = False) -> str:
        """A column's heading, on one line or (``wrapped``) two: "Last\nmissing"."""
        text = self.columns[column].header
        return text.replace(" ", "\n", 1) if wrapped else text

    def set_wrapped(self, columns: Iterable[int]) -> None:
        """Show these columns' headings on two lines (the view decides, by the width)."""
        wrapped = frozenset(columns)
        if wrapped != self._wrapped:
            self._wrapped = wrapped
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and section in self._wrapped):
            return self.heading(section, True)
        return super().headerData(section, orientation, role)

    def _time_left(self, row: CaseloadRow) -> str:
        return time_left_words(row.rhi_time_left(self.now))

    @property
    def now(self) -> datetime:
        """The instant the rows were worked out for (times left are counted from it)."""
        return self._now or datetime.now(UTC)

    @property
    def today(self) -> date:
        return self._today or local_today(self.now)

    def set_rows(self, rows: Sequence[CaseloadRow], now: datetime | None = None) -> None:
        """Show ``rows``, kept most urgent first (the order with no column sorted)."""
        self._now = now or self._fixed_now
        rows = by_urgency(rows)
        self._search_texts = [r.person.search_text() for r in rows]
        self._groups = {show: {i for i, r in enumerate(rows) if _SHOWN_BY[show](r)}
                        for show in Show}
        self.set_items(rows)

    def set_people(self, people: Sequence[Person]) -> None:
        """Rows from the people alone (no missing history or forms: those need ``load``)."""
        now = self._fixed_now or datetime.now(UTC)
        self.set_rows([person_row(p, now) for p in people], now)

    def clear(self) -> None:
        self.set_rows([])

    def rows_matching(self, words: Sequence[str]) -> set[int]:
        """Rows whose name or also-known-as contains every one of ``words`` (case-folded)."""
        return {row for row, text in enumerate(self._search_texts)
                if all(word in text for word in words)}

    def rows_shown_by(self, show: Show) -> set[int]:
        return self._groups[show]

    def counts(self) -> dict[Show, int]:
        """How many people each filter shows (over the whole caseload)."""
        return {show: len(rows) for show, rows in self._groups.items()}


class CaseloadFilter(QSortFilterProxyModel):
    """Sorts by each column's own order and keeps the rows of the chosen filter whose name or
    also-known-as contains every word typed (the same rule as the store's people search,
    applied to the rows in memory)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._accepted: set[int] | None = None
        self._show = Show.ALL
        self._shown: set[int] | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    @property
    def show(self) -> Show:
        return self._show

    def set_search_text(self, text: str) -> None:
        words = text.casefold().split()
        if words != self._words:
            self._refilter(lambda: setattr(self, "_words", words))

    def set_show(self, show: Show) -> None:
        show = Show(show)
        if show is not self._show:
            self._refilter(lambda: setattr(self, "_show", show))

    def invalidate_matches(self) -> None:
        """The source rows changed: match the current words and filter again."""
        self._refilter(lambda: None)

    def _refilter(self, change: Callable[[], None]) -> None:
        # Matched once in Python over the cached texts; filterAcceptsRow is then a set lookup
        # (a keystroke over 5,000 people stays well inside 30 ms).
        self.beginFilterChange()
        change()
        source = self.sourceModel()
        caseload = source if isinstance(source, CaseloadModel) else None
        self._shown = (caseload.rows_shown_by(self._show)
                       if caseload is not None and self._show is not Show.ALL else None)
        self._accepted = (caseload.rows_matching(self._words)
                          if caseload is not None and self._words else None)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        if self._shown is not None and source_row not in self._shown:
            return False
        return self._accepted is None or source_row in self._accepted
