"""The product's one way of writing dates and times (cse_desktop.domain.dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cse_desktop.domain.dates import (
    LOCAL_ZONE,
    full_date,
    long_date,
    uk_date,
    uk_datetime,
    uk_day_of,
    uk_weekday_time,
    when_words,
)


def test_days_are_written_day_month_year_without_a_leading_zero() -> None:
    assert uk_date(date(2026, 12, 5)) == "5 Dec 2026"
    assert full_date(date(2026, 3, 5)) == "5 March 2026"
    assert long_date(date(2026, 3, 10)) == "Tuesday 10 March 2026"


def test_times_are_shown_in_uk_local_time() -> None:
    # 23:30 UTC on 1 July is 00:30 on 2 July in British Summer Time
    assert uk_datetime(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == "2 Jul 2026, 00:30"
    assert uk_datetime(datetime(2026, 3, 5, 14, 30, tzinfo=UTC)) == "5 Mar 2026, 14:30"
    assert uk_weekday_time(datetime(2026, 12, 8, 10, 45, tzinfo=UTC)) == "Tue 8 Dec 10:45"
    assert str(LOCAL_ZONE) == "Europe/London"


def test_a_whole_day_event_shows_its_uk_day_and_a_timed_one_its_time() -> None:
    late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 2 July, 00:30 in BST
    assert uk_day_of(late) == "2 Jul 2026"
    assert when_words(late, all_day=True) == "2 Jul 2026"
    assert when_words(late, all_day=False) == "2 Jul 2026, 00:30"
