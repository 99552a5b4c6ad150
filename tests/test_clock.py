"""The business calendar and the SLA clocks, on fixed instants (Europe/Paris, Mon-Fri,
09:00-12:30 and 13:30-18:00, French public holidays): what a ticket's due times are."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mailbot.clock import sla
from mailbot.clock.calendar import BusinessCalendar, PriorityClock
from mailbot.clock.settings import CalendarConfig, business_calendar

CAL = business_calendar(CalendarConfig())
WORKING = PriorityClock(CAL)
ROUND_THE_CLOCK = PriorityClock(CAL, round_the_clock=True)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def due(start: str, hours: float, clock: PriorityClock = WORKING,
        calendar: BusinessCalendar | None = None) -> str:
    if calendar is not None:
        clock = PriorityClock(calendar, clock.round_the_clock)
    return clock.add(at(start), timedelta(hours=hours)).isoformat()


def test_a_weekend_does_not_count() -> None:
    # P2, 4 working hours, on Friday at 16:00: two hours on Friday, two on Monday morning.
    assert due("2026-11-27T16:00:00+01:00", 4) == "2026-11-30T11:00:00+01:00"
    # P3, 48 working hours (6 days) from a Saturday: Monday 09:00 to the next Monday's closing.
    assert due("2026-11-28T10:00:00+01:00", 48) == "2026-12-07T18:00:00+01:00"
    # P2's resolution, 96 working hours (12 days) from Friday 16:00: Tuesday 15 December 16:00.
    assert due("2026-11-27T16:00:00+01:00", 96) == "2026-12-15T16:00:00+01:00"


def test_the_lunch_break_does_not_count() -> None:
    assert due("2026-12-01T11:30:00+01:00", 2) == "2026-12-01T14:30:00+01:00"
    # Created during lunch: the clock starts at 13:30.
    assert due("2026-12-01T12:45:00+01:00", 1) == "2026-12-01T14:30:00+01:00"


def test_ascension_and_easter_monday_are_holidays() -> None:
    # Ascension 2026 is Thursday 14 May: one hour on Wednesday, three on Friday.
    assert due("2026-05-13T17:00:00+02:00", 4) == "2026-05-15T12:00:00+02:00"
    # Easter Monday is 6 April 2026; Good Friday (3 April) is worked outside Alsace-Moselle.
    assert due("2026-04-03T17:00:00+02:00", 4) == "2026-04-07T12:00:00+02:00"
    assert due("2026-04-02T17:00:00+02:00", 4) == "2026-04-03T12:00:00+02:00"


def test_alsace_moselle_adds_good_friday() -> None:
    alsace = business_calendar(CalendarConfig(alsace_moselle=True))
    assert due("2026-04-02T17:00:00+02:00", 4, calendar=alsace) == "2026-04-07T12:00:00+02:00"
    assert not alsace.is_working_day(at("2026-12-26T10:00:00+01:00").date())


def test_christmas_and_an_extra_closed_day() -> None:
    # 25 December 2026 is a Friday: from Thursday 24 at 16:00, two hours then Monday 28.
    assert due("2026-12-24T16:00:00+01:00", 4) == "2026-12-28T11:00:00+01:00"
    closed = business_calendar(CalendarConfig(closed_days=["2026-12-24"]))
    assert due("2026-12-23T17:00:00+01:00", 4, calendar=closed) == "2026-12-28T12:00:00+01:00"
    assert CAL.between(at("2026-12-24T09:00:00+01:00"),
                       at("2026-12-28T09:00:00+01:00")) == timedelta(hours=8)


def test_the_change_to_summer_time() -> None:
    # Clocks go from 02:00 to 03:00 on Sunday 29 March 2026: Monday's due time is in +02:00.
    assert due("2026-03-27T16:00:00+01:00", 4) == "2026-03-30T11:00:00+02:00"
    assert CAL.between(at("2026-03-27T17:00:00+01:00"),
                       at("2026-03-30T10:00:00+02:00")) == timedelta(hours=2)
    # Round the clock, four real hours from 01:30 (00:30 UTC) end at 04:30 UTC = 06:30 CEST.
    assert due("2026-03-29T01:30:00+01:00", 4, ROUND_THE_CLOCK) == "2026-03-29T06:30:00+02:00"


def test_a_p1_at_three_on_a_sunday_runs_round_the_clock() -> None:
    assert due("2026-11-29T03:00:00+01:00", 0.25, ROUND_THE_CLOCK) == "2026-11-29T03:15:00+01:00"
    assert due("2026-11-29T03:00:00+01:00", 4, ROUND_THE_CLOCK) == "2026-11-29T07:00:00+01:00"
    # The same hours on working time would wait for Monday.
    assert due("2026-11-29T03:00:00+01:00", 0.25) == "2026-11-30T09:15:00+01:00"


def test_due_times_are_given_in_the_calendars_zone() -> None:
    assert due("2026-11-30T08:00:00+00:00", 1) == "2026-11-30T10:00:00+01:00"


def test_time_waiting_for_the_requester_does_not_count_against_resolution() -> None:
    created = at("2026-11-30T09:00:00+01:00")  # P3, 120 working hours: Friday 18 December
    assert sla.resolution_due(created, 120, WORKING).isoformat() == "2026-12-18T18:00:00+01:00"
    waited = [["2026-12-01T09:00:00+01:00", "2026-12-03T09:00:00+01:00"]]  # two working days
    assert (sla.resolution_due(created, 120, WORKING, waited).isoformat()
            == "2026-12-22T18:00:00+01:00")
    # A wait that begins once the ticket is already late does not excuse it.
    late_wait = [["2026-12-21T09:00:00+01:00", "2026-12-23T09:00:00+01:00"]]
    assert (sla.resolution_due(created, 120, WORKING, late_wait).isoformat()
            == "2026-12-18T18:00:00+01:00")


def test_the_state_of_a_target() -> None:
    now = at("2026-11-30T10:00:00+01:00")
    d = "2026-11-30T11:00:00+01:00"
    assert sla.state(d, None, now) == "running"
    assert sla.state(d, None, at("2026-11-30T11:00:01+01:00")) == "late"
    assert sla.state(d, "2026-11-30T10:59:00+01:00", now) == "met"
    assert sla.state(d, "2026-11-30T11:30:00+01:00", now) == "met_late"
    assert sla.state(d, None, at("2026-12-01T10:00:00+01:00"), paused=True) == "paused"
    assert sla.state(None, None, now) is None


def test_a_calendar_without_working_hours_is_an_error_not_a_hang() -> None:
    nothing = BusinessCalendar(tz=CAL.tz, working_days=frozenset(), periods=CAL.periods)
    with pytest.raises(ValueError):
        nothing.add(at("2026-11-30T10:00:00+01:00"), timedelta(hours=1))
