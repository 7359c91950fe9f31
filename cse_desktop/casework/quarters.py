"""Quarters and the other periods of the missing profile: pure date arithmetic and labels.

Two kinds of quarter, each written so that it cannot be mistaken for the other:

* **Financial year** (the default for a council's quarterly reporting): the year runs from
  1 April to 31 March, written ``FY2026-27Q1`` (1 April to 30 June 2026), ``FY2026-27Q4``
  (1 January to 31 March 2027). Also read: ``FY2026/27 Q1``, ``2026-27Q1``, ``fy26-27 q1``.
* **Calendar**: ``2026Q3`` (1 July to 30 September 2026); also ``2026q3``, ``2026-Q3``.

A bare ``2026Q1`` therefore always means January to March 2026 (as it always has), never the
first quarter of a financial year: a financial quarter always carries its two years.

Bounds are local midnights in Europe/London, so a quarter that starts in British Summer Time
starts at 23:00 UTC the day before. Time-of-day, day-of-week and age bands live here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from cse_desktop.domain.dates import LOCAL_ZONE
from cse_desktop.domain.errors import UsageError

FINANCIAL = "financial"
CALENDAR = "calendar"
KINDS = (FINANCIAL, CALENDAR)

_CALENDAR = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*$")
_FINANCIAL = re.compile(r"^\s*(?:[Ff][Yy]\s*)?(\d{4}|\d{2})\s*[-/]\s*(\d{4}|\d{2})\s*-?\s*[Qq]\s*"
                        r"([1-4])\s*$")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: four-hour bands of the local start time: (first hour, label)
TIME_BANDS = ((0, "00:00-03:59"), (4, "04:00-07:59"), (8, "08:00-11:59"),
              (12, "12:00-15:59"), (16, "16:00-19:59"), (20, "20:00-23:59"))
#: age bands in whole years at the start of the child's first episode in the quarter
AGE_BANDS = ((0, 9, "Under 10"), (10, 12, "10 to 12"), (13, 14, "13 to 14"),
             (15, 16, "15 to 16"), (17, 17, "17"), (18, 200, "18 and over"))


@dataclass(frozen=True, order=True)
class Quarter:
    """A quarter of a financial year (April to March) or of a calendar year.

    ``year`` is the calendar year the quarter's *year* starts in: ``FY2026-27`` has year 2026
    whichever of its quarters this is. ``number`` is 1 to 4 within that year.
    """

    year: int
    number: int
    financial: bool = False

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``"FY2026-27Q1"`` (financial) or ``"2026Q3"`` (calendar); UsageError if neither."""
        if not isinstance(text, str):
            raise UsageError(f"A quarter is written like FY2026-27Q1 or 2026Q3, not {text!r}.")
        match = _CALENDAR.match(text)
        if match is not None:
            return cls._checked(int(match.group(1)), int(match.group(2)), False)
        match = _FINANCIAL.match(text)
        if match is not None:
            first, second = match.group(1), match.group(2)
            if len(first) == 2:
                first = f"20{first}"
            year = int(first)
            if int(second) % 100 != (year + 1) % 100 or (len(second) == 4
                                                         and int(second) != year + 1):
                raise UsageError(f"A financial year runs into the next year: write "
                                 f"FY{year}-{(year + 1) % 100:02d}Q{match.group(3)}, not "
                                 f"{text.strip()!r}.")
            return cls._checked(year, int(match.group(3)), True)
        raise UsageError(f"A quarter is written like FY2026-27Q1 (financial year, April to "
                         f"March) or 2026Q3 (calendar year), not {text!r}.")

    @classmethod
    def _checked(cls, year: int, number: int, financial: bool) -> Quarter:
        if not 2000 <= year <= 2100:
            raise UsageError(f"The quarter's year must be between 2000 and 2100, not {year}.")
        return cls(year, number, financial)

    @classmethod
    def containing(cls, day: date, *, financial: bool = True) -> Quarter:
        """The quarter ``day`` falls in."""
        if not financial:
            return cls(day.year, (day.month - 1) // 3 + 1, False)
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, (day.month - 4) % 12 // 3 + 1, True)

    @classmethod
    def last_complete(cls, today: date, *, financial: bool = True) -> Quarter:
        """The most recent quarter that ended before ``today``."""
        return cls.containing(today, financial=financial).previous()

    @classmethod
    def recent(cls, today: date, count: int = 8, *, financial: bool = True) -> list[Quarter]:
        """The quarter of ``today`` and the ``count - 1`` before it, newest first."""
        q = cls.containing(today, financial=financial)
        return [q.shifted(-n) for n in range(count)]

    def __str__(self) -> str:
        if self.financial:
            return f"FY{self.year}-{(self.year + 1) % 100:02d}Q{self.number}"
        return f"{self.year}Q{self.number}"

    @property
    def kind(self) -> str:
        return FINANCIAL if self.financial else CALENDAR

    def shifted(self, quarters: int) -> Quarter:
        """The quarter ``quarters`` later (earlier if negative), of the same kind."""
        year, rest = divmod(self.number - 1 + quarters, 4)
        return Quarter(self.year + year, rest + 1, self.financial)

    def previous(self) -> Quarter:
        return self.shifted(-1)

    def next(self) -> Quarter:
        return self.shifted(1)

    @property
    def first_day(self) -> date:
        month = 3 * (self.number - 1) + (4 if self.financial else 1)
        return date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    @property
    def starts_at(self) -> datetime:
        """The first instant of the quarter (UTC): local midnight on its first day."""
        return datetime.combine(self.first_day, time(0), LOCAL_ZONE).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The first instant *after* the quarter (UTC): the next quarter's start."""
        return self.next().starts_at

    @property
    def label(self) -> str:
        """'July to September 2026'; 'January to March 2027'."""
        first, last = self.first_day, self.last_day
        return f"{MONTHS[first.month - 1]} to {MONTHS[last.month - 1]} {last.year}"

    @property
    def kind_label(self) -> str:
        """'Q1 of financial year 2026-27' or 'Q3 of calendar year 2026'."""
        if self.financial:
            return f"Q{self.number} of financial year {self.year}-{(self.year + 1) % 100:02d}"
        return f"Q{self.number} of calendar year {self.year}"

    @property
    def short(self) -> str:
        """A chart label: 'Apr-Jun 26'."""
        first, last = self.first_day, self.last_day
        return f"{MONTHS[first.month - 1][:3]}-{MONTHS[last.month - 1][:3]} {last.year % 100:02d}"

    def contains(self, instant: datetime) -> bool:
        return self.starts_at <= instant < self.ends_at

    def contains_day(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def age_band(age: int) -> str:
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return AGE_BANDS[0][2] if age < 0 else AGE_BANDS[-1][2]


def time_band(instant: datetime) -> str:
    hour = instant.astimezone(LOCAL_ZONE).hour
    return next(label for first, label in reversed(TIME_BANDS) if hour >= first)


def local_day(instant: datetime) -> date:
    return instant.astimezone(LOCAL_ZONE).date()
