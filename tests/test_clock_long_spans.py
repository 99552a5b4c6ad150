"""The business calendar over long spans (issue 18): a ticket reopened years after it was
opened has its clock counted over every day since. The calendar skips whole days and weeks
it has counted before; its answers must be the ones a walk day by day and period by period
gives, across changes of time, holidays, closed days, a lunch break and "24:00"."""

from __future__ import annotations

import random
import time as clock_time
from datetime import UTC, datetime, time, timedelta

import pytest

from mailbot.clock.calendar import BusinessCalendar
from mailbot.clock.settings import CalendarConfig, business_calendar


def walk_add(cal: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """`BusinessCalendar.add` as it was: every day, every period."""
    if duration <= timedelta(0):
        return cal.local(start)
    start, left = start.astimezone(UTC), duration
    day = cal.local(start).date()
    for _ in range(3660):
        for opening, closing in cal.open_periods(day):
            begin = max(opening, start)
            if begin >= closing:
                continue
            if left <= closing - begin:
                return cal.local(begin + left)
            left -= closing - begin
        day += timedelta(days=1)
    raise ValueError("no working hours in ten years")


def walk_between(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """`BusinessCalendar.between` as it was."""
    total = timedelta(0)
    if b <= a:
        return total
    a, b = a.astimezone(UTC), b.astimezone(UTC)
    day, last = cal.local(a).date(), cal.local(b).date()
    while day <= last:
        for opening, closing in cal.open_periods(day):
            begin, end = max(opening, a), min(closing, b)
            if end > begin:
                total += end - begin
        day += timedelta(days=1)
    return total


CALENDARS = {
    "office": lambda: business_calendar(CalendarConfig()),
    "alsace, a closed day": lambda: business_calendar(CalendarConfig(
        alsace_moselle=True, closed_days=["2025-08-14", "2027-05-07"])),
    "round the clock": lambda: business_calendar(CalendarConfig(
        working_days=["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                      "sunday"], hours=["00:00-24:00"], holidays="")),
    "nights, across the change of time": lambda: business_calendar(CalendarConfig(
        hours=["01:30-03:30", "22:00-24:00"], holidays="")),
}


@pytest.mark.parametrize("name", list(CALENDARS))
def test_long_spans_give_what_a_walk_day_by_day_gives(name: str) -> None:
    cal, rng = CALENDARS[name](), random.Random(18)
    base = datetime(2023, 1, 1, tzinfo=cal.tz)
    for _ in range(400):
        a = base + timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
        b = a + timedelta(minutes=rng.choice([rng.randrange(0, 3000),
                                              rng.randrange(0, 4 * 365 * 24 * 60)]))
        assert cal.between(a, b) == walk_between(cal, a, b), (a, b)
        hours = rng.choice([rng.uniform(0, 30), rng.uniform(0, 6000)])
        duration = timedelta(minutes=round(hours * 60))
        assert cal.add(a, duration) == walk_add(cal, a, duration), (a, duration)
        # exactly what a span holds: the due time falls at a closing, not the next morning
        spent = cal.between(a, b)
        assert cal.add(a, spent) == walk_add(cal, a, spent), (a, spent)


def test_a_calendar_with_no_working_day_still_says_so() -> None:
    closed = BusinessCalendar(tz=business_calendar(CalendarConfig()).tz,
                              working_days=frozenset(), periods=((time(9), time(17)),))
    with pytest.raises(ValueError, match="no working hours"):
        closed.add(datetime(2026, 1, 5, 10, tzinfo=UTC), timedelta(hours=1))


def test_four_years_of_waiting_cost_no_more_than_a_few_weeks() -> None:
    """The reopened ticket of a four-year history: its paused clock is counted in
    milliseconds, not by converting every period of every day again."""
    cal = business_calendar(CalendarConfig())
    opened = datetime(2022, 12, 1, 10, tzinfo=cal.tz)
    reopened = datetime(2026, 12, 1, 10, tzinfo=cal.tz)
    cal.between(opened, reopened)  # the days are counted once
    started = clock_time.perf_counter()
    for _ in range(20):
        waited = cal.between(opened, reopened)
        cal.add(opened + timedelta(hours=8), waited)
    assert (clock_time.perf_counter() - started) / 20 < 0.005
