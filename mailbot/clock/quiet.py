"""Quiet hours (seed 000, the right to disconnect): when a notice to staff may go out.

Pure. A notice decided outside a working day (evening, night, weekend, holiday) is held until
the next working morning, except for the priorities marked round the clock. Mail to employees
(acknowledgements) is never held: this is about staff only.
"""

from __future__ import annotations

from datetime import date, datetime, time

from mailbot.clock.calendar import BusinessCalendar


def release_at(now: datetime, calendar: BusinessCalendar, *, round_the_clock: bool) -> datetime:
    """When a staff notice decided at `now` may be sent: `now` itself inside a working day (a
    lunch break included) or for a round-the-clock priority, else the next working morning."""
    if round_the_clock or calendar.in_working_day(now):
        return now
    return calendar.next_morning(now)


def is_quiet(now: datetime, calendar: BusinessCalendar) -> bool:
    return not calendar.in_working_day(now)


def digest_day(now: datetime, calendar: BusinessCalendar, at: time,
               last_sent: date | None) -> date | None:
    """The working day whose morning digest is due at `now`, or None: on a working day, from the
    configured time on and within working hours (a daemon started in the evening does not send
    it then: quiet hours), once (`last_sent` is the day of the last digest, kept in the store)."""
    local = calendar.local(now)
    today = local.date()
    if (not calendar.in_working_day(now) or local.time() < at or last_sent == today):
        return None
    return today
