"""Dates and times in words, the one way the product writes them on screen and on paper.

Stored instants are UTC; every text shows UK local time (:data:`LOCAL_ZONE`, Europe/London).
Days are written the way UK practitioners write them, unambiguous in any locale: '5 Mar 2026'.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

#: UK local time, which every date and time shown is in (stored instants are UTC)
LOCAL_ZONE = ZoneInfo("Europe/London")


def uk_date(day: date) -> str:
    """5 Mar 2026: unambiguous, and the way UK practitioners write dates."""
    return f"{day.day} {day:%b %Y}"


def uk_day_of(moment: datetime) -> str:
    """5 Mar 2026: the UK calendar day of a stored instant."""
    return uk_date(moment.astimezone(LOCAL_ZONE).date())


def when_words(moment: datetime, all_day: bool) -> str:
    """The day alone for a whole-day event (a date answer), else the day and time."""
    return uk_day_of(moment) if all_day else uk_datetime(moment)


def uk_datetime(moment: datetime) -> str:
    """5 Mar 2026, 14:30 in UK local time (the stored instant carries its own offset)."""
    local = moment.astimezone(LOCAL_ZONE)
    return f"{uk_date(local.date())}, {local:%H:%M}"


def full_date(day: date) -> str:
    """5 March 2026: the month in full (the periods a quarterly report covers)."""
    return f"{day.day} {day:%B %Y}"


def long_date(day: date) -> str:
    """Tuesday 10 March 2026: a meeting day, named in full."""
    return f"{day:%A} {full_date(day)}"


def uk_weekday_time(at: datetime) -> str:
    """Tue 8 Dec 10:45, in UK local time: when something is due, days away at most."""
    local = at.astimezone(LOCAL_ZONE)
    return f"{local:%a} {local.day} {local:%b %H:%M}"
