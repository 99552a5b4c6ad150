"""The business calendar: when the organisation works, and time counted in working hours.

Pure: every function takes the instant it works on. All arithmetic is done on absolute time
(UTC), never on wall-clock values, so that a change to or from summer time neither adds nor
loses an hour; results are given back in the calendar's time zone, which is what people see.

Public holidays come from the maintained `holidays` package (France's movable feasts, Easter
Monday, Ascension, Whit Monday, and the Alsace-Moselle days, are computed there, not listed here).
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A calendar with no working day at all would make "the next working hour" loop forever; no real
# organisation closes for ten years, so this bound only turns a misconfiguration into an error.
_MAX_DAYS = 3660
# Days (and weeks) whose working periods are kept once computed: a ticket reopened years after
# it was opened has its clock counted over every day since (issue 18: that walk, a time-zone
# conversion per period and day, was what made a message cost more with a long history).
_MEMO_LIMIT = 40_000
_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class BusinessCalendar:
    tz: ZoneInfo
    working_days: frozenset[int]  # 0 is Monday, as in date.weekday()
    periods: tuple[tuple[time, time], ...]  # working hours of a day, e.g. a lunch break between
    holidays: Container[date] = field(default_factory=frozenset)  # public holidays
    closed_days: frozenset[date] = frozenset()  # the organisation's own extra closures
    # day -> its periods and their total; Monday's ordinal -> the week's total (a cache)
    _memo: dict[object, object] = field(default_factory=dict, init=False, repr=False,
                                        compare=False, hash=False)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.tz)

    def is_working_day(self, day: date) -> bool:
        return (day.weekday() in self.working_days and day not in self.closed_days
                and day not in self.holidays)

    def open_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working periods as UTC instants; none on a day off."""
        return list(self._day(day)[0])

    def _day(self, day: date) -> tuple[tuple[tuple[datetime, datetime], ...], timedelta]:
        """The day's periods (UTC) and their total working time, computed once."""
        known = self._memo.get(day)
        if known is None:
            periods = (tuple((_at(day, start, self.tz), _at(day, end, self.tz))
                             for start, end in self.periods)
                       if self.is_working_day(day) else ())
            # (a period inside a change of time may be empty, even reversed: it counts nothing)
            known = (periods, sum((max(end - start, timedelta(0)) for start, end in periods),
                                  timedelta(0)))
            self._remember(day, known)
        return known  # type: ignore[return-value]

    def _week(self, monday: date) -> timedelta:
        """Working time from `monday` to the next Monday, computed once."""
        key = ("week", monday.toordinal())
        known = self._memo.get(key)
        if known is None:
            known = sum((self._day(monday + timedelta(days=i))[1] for i in range(7)),
                        timedelta(0))
            self._remember(key, known)
        return known  # type: ignore[return-value]

    def _remember(self, key: object, value: object) -> None:
        if len(self._memo) >= _MEMO_LIMIT:  # bounded: a long-running daemon's days move on
            self._memo.clear()
        self._memo[key] = value

    def is_open(self, instant: datetime) -> bool:
        instant = instant.astimezone(UTC)
        day = self.local(instant).date()
        return any(start <= instant < end for start, end in self.open_periods(day))

    def in_working_day(self, instant: datetime) -> bool:
        """Between a working day's first opening and its last closing (a lunch break counts:
        the right to disconnect is about evenings, nights and days off)."""
        periods = self.open_periods(self.local(instant).date())
        return bool(periods) and periods[0][0] <= instant < periods[-1][1]

    def next_opening(self, instant: datetime) -> datetime:
        """`instant` itself when it is working time, else the next start of working hours."""
        for day in self._days_from(instant):
            for start, end in self.open_periods(day):
                if instant < end:
                    return self.local(max(start, instant))
        raise AssertionError("unreachable")  # _days_from raises first

    def next_morning(self, instant: datetime) -> datetime:
        """The first opening of the next working day that starts after `instant`."""
        for day in self._days_from(instant):
            periods = self.open_periods(day)
            if periods and periods[0][0] > instant:
                return self.local(periods[0][0])
        raise AssertionError("unreachable")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of working time has passed since `start`. A due time
        that falls exactly at closing is that closing time, not the next morning."""
        if duration <= timedelta(0):
            return self.local(start)
        start, left = start.astimezone(UTC), duration
        first = day = self.local(start).date()
        while (day - first).days < _MAX_DAYS:
            if day != first:  # a whole day after `start`: skipped whole when `left` outlasts it
                if (day.weekday() == 0 and (day - first).days + 7 <= _MAX_DAYS
                        and left > self._week(day)):
                    left -= self._week(day)
                    day += _WEEK
                    continue
                if left > self._day(day)[1]:
                    left -= self._day(day)[1]
                    day += timedelta(days=1)
                    continue
            for opening, closing in self._day(day)[0]:
                begin = max(opening, start)
                if begin >= closing:
                    continue
                if left <= closing - begin:
                    return self.local(begin + left)
                left -= closing - begin
            day += timedelta(days=1)
        raise ValueError("the business calendar has no working hours in ten years")

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from `a` to `b` (zero when `b` is not after `a`)."""
        total = timedelta(0)
        if b <= a:
            return total
        a, b = a.astimezone(UTC), b.astimezone(UTC)
        first = day = self.local(a).date()
        last = self.local(b).date()
        while day <= last:
            if day in (first, last):  # the two ends: clipped to a and b
                for opening, closing in self._day(day)[0]:
                    begin, end = max(opening, a), min(closing, b)
                    if end > begin:
                        total += end - begin
            elif day.weekday() == 0 and day + _WEEK <= last:  # a whole week between them
                total += self._week(day)
                day += _WEEK
                continue
            else:  # a whole day between them
                total += self._day(day)[1]
            day += timedelta(days=1)
        return total

    def day_length(self) -> timedelta:
        """Working time in one ordinary working day (what "one working day" means)."""
        base = date(2001, 1, 1)  # any day without a change of time: only clock times matter
        return sum((_at(base, e, UTC) - _at(base, s, UTC)  # type: ignore[arg-type]
                    for s, e in self.periods), timedelta(0))

    def _days_from(self, instant: datetime):  # type: ignore[no-untyped-def]
        day = self.local(instant).date()
        for _ in range(_MAX_DAYS):
            yield day
            day += timedelta(days=1)
        raise ValueError("the business calendar has no working hours in ten years")


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    # A wall-clock time of that day in the zone, as an absolute (UTC) instant; time.max is the
    # "24:00" that ends a day's last period: the next day's midnight.
    if clock == time.max:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


# --- one clock per priority: working hours, or round the clock ----------------------------------

@dataclass(frozen=True)
class PriorityClock:
    """How a priority's time runs: working time, or elapsed time for the priorities handled
    round the clock (P1, seed 000 level 1: "une attention immédiate")."""

    calendar: BusinessCalendar
    round_the_clock: bool = False

    def add(self, start: datetime, duration: timedelta) -> datetime:
        if self.round_the_clock:
            return self.calendar.local(start.astimezone(UTC) + duration)
        return self.calendar.add(start, duration)

    def between(self, a: datetime, b: datetime) -> timedelta:
        if self.round_the_clock:
            return max(timedelta(0), b.astimezone(UTC) - a.astimezone(UTC))
        return self.calendar.between(a, b)
