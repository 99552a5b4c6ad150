"""The `[calendar]`, `[escalation]` and `[digest]` sections of rules.toml, and their checks.

Plain dataclasses mapped strictly by `mailbot.config` (their type hints are the schema); the
value checks that types cannot express live in `problems()`, one line per problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_tables

from mailbot.clock.calendar import BusinessCalendar

PRIORITIES = ("P1", "P2", "P3", "P4")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass
class CalendarConfig:
    time_zone: str = "Europe/Paris"
    working_days: list[str] = field(default_factory=lambda: list(DAYS[:5]))
    # 8 working hours a day with a lunch break: seed 000's "jours ouvrés" counted as 8 hours.
    hours: list[str] = field(default_factory=lambda: ["09:00-12:30", "13:30-18:00"])
    holidays: str = "FR"  # an ISO 3166 country code known to the `holidays` package; "" = none
    alsace_moselle: bool = False  # Good Friday and 26 December (Bas-Rhin, Haut-Rhin, Moselle)
    closed_days: list[str | date] = field(default_factory=list)


@dataclass
class LevelConfig:
    role: str
    contacts: list[str]
    kind: Literal["functional", "hierarchical"]


def _default_levels() -> list[LevelConfig]:
    # Seed 001's seven levels (roles in the seed's words); functional: a more expert team,
    # hierarchical: management (seed 003).
    return [
        LevelConfig("Représentant de l'assistance client", ["equipe-si@example.com"],
                    "functional"),
        LevelConfig("Spécialiste senior de l'assistance client", ["support-n2@example.com"],
                    "functional"),
        LevelConfig("Superviseur de l'équipe d'assistance", ["superviseur-support@example.com"],
                    "hierarchical"),
        LevelConfig("Chef de service", ["chef-service-si@example.com"], "hierarchical"),
        LevelConfig("Responsable technique", ["responsable-technique@example.com"], "functional"),
        LevelConfig("Directeur d'exploitation", ["directeur-exploitation@example.com"],
                    "hierarchical"),
        LevelConfig("Vice-président des opérations client", ["vp-operations@example.com"],
                    "hierarchical"),
    ]


# Seed 001's thresholds: 15 min, 1 h, 4 h, 1 working day, 3 working days, 1 week (then the
# executive review, which has none). P1 takes them as written, round the clock (a day is 24 h,
# a week 168 h); P2 runs on working hours (a day is 8 h, a week 40 h), scaled by 4.
SEED_001_WORKING_HOURS = (0.25, 1.0, 4.0, 8.0, 24.0, 40.0)
SCALE = {"P2": 4}
# P3 and P4 (seed 003: management is for what the team cannot settle) reach no hierarchical
# level before their resolution target (120 and 320 working hours): level 2, the senior
# specialist (functional), as scaled by 12 and 24; level 3 when the resolution target is
# exceeded; then each level gets seed 001's time of the one below it: 4 h, 1 working day,
# 3 working days, 1 week.
AFTER_RESOLUTION = {"P3": [3.0, 120.0, 124.0, 132.0, 156.0, 196.0],
                    "P4": [6.0, 320.0, 324.0, 332.0, 356.0, 396.0]}


def _default_ladders() -> dict[str, list[float]]:
    ladders = {"P1": [0.25, 1.0, 4.0, 24.0, 72.0, 168.0]}
    for priority, factor in SCALE.items():
        ladders[priority] = [h * factor for h in SEED_001_WORKING_HOURS]
    ladders.update({p: list(h) for p, h in AFTER_RESOLUTION.items()})
    return ladders


@dataclass
class EscalationConfig:
    enabled: bool = True
    levels: list[LevelConfig] = field(default_factory=_default_levels)
    # Per priority: hours (on the priority's clock, from the ticket's creation, time spent
    # waiting for the requester excluded) after which an unresolved ticket goes up to level 2,
    # 3, ... The last level has no threshold.
    ladders: dict[str, list[float]] = field(default_factory=_default_ladders)
    # Seed 003: VIP and critical tickets get a hierarchical notice at once, to this level.
    immediate_level: int = 3
    # More than this many escalation notices to the same contacts in one pass (a backlog after
    # an outage) go as ONE summary listing the tickets (RELIABILITY O12); 0: never grouped.
    group_above: int = 5


@dataclass
class DigestConfig:
    enabled: bool = True
    at: str = "09:00"  # local time, on working days
    waiting_days: int = 3  # "waiting for the requester for more than N days"


def parse_period(text: str) -> tuple[time, time] | None:
    """"09:00-12:30" -> (09:00, 12:30); "24:00" ends a period at midnight (time.max, which the
    calendar reads as the next day's 00:00)."""
    match = _PERIOD.match(text)
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start = time(h1, m1)
        end = time.max if (h2, m2) == (24, 0) else time(h2, m2)
    except ValueError:
        return None
    return (start, end) if start < end else None


def parse_clock_time(text: str) -> time | None:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    try:
        return time(int(match.group(1)), int(match.group(2))) if match else None
    except ValueError:
        return None


def _closed_day(value: str | date) -> date | None:
    if isinstance(value, date):  # a TOML date (a TOML date-time is a datetime: refused)
        return None if hasattr(value, "hour") else value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _holiday_table(cal: CalendarConfig):  # type: ignore[no-untyped-def]
    if not cal.holidays:
        return frozenset()
    subdivision = "57" if cal.alsace_moselle else None  # the `holidays` code for Moselle
    return holiday_tables.country_holidays(cal.holidays, subdiv=subdivision)


def business_calendar(cal: CalendarConfig) -> BusinessCalendar:
    """The calendar a valid `[calendar]` section describes (check `problems` first)."""
    periods = tuple(sorted(p for p in map(parse_period, cal.hours) if p))
    return BusinessCalendar(
        tz=ZoneInfo(cal.time_zone),
        working_days=frozenset(DAYS.index(d.lower()) for d in cal.working_days),
        periods=periods, holidays=_holiday_table(cal),
        closed_days=frozenset(d for d in map(_closed_day, cal.closed_days) if d))


def problems(cal: CalendarConfig, esc: EscalationConfig, digest: DigestConfig) -> list[str]:
    return [*_calendar_problems(cal), *_escalation_problems(esc), *_digest_problems(digest)]


def _calendar_problems(cal: CalendarConfig) -> list[str]:
    out = []
    try:
        ZoneInfo(cal.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        out.append(f'calendar.time_zone: unknown time zone "{cal.time_zone}" '
                   '(an IANA name such as "Europe/Paris")')
    for i, day in enumerate(cal.working_days):
        if day.lower() not in DAYS:
            out.append(f'calendar.working_days[{i}]: "{day}" is not a day name ("monday" ...)')
    if not cal.working_days:
        out.append("calendar.working_days: at least one working day is needed")
    periods = []
    for i, text in enumerate(cal.hours):
        period = parse_period(text)
        if period is None:
            out.append(f'calendar.hours[{i}]: "{text}" is not a period like "09:00-12:30"')
        else:
            periods.append(period)
    if not cal.hours:
        out.append("calendar.hours: at least one period of working hours is needed")
    periods.sort()
    if any(a[1] > b[0] for a, b in zip(periods, periods[1:], strict=False)):
        out.append("calendar.hours: periods overlap")
    if cal.holidays:
        try:
            _holiday_table(cal)
        except NotImplementedError:
            out.append(f'calendar.holidays: "{cal.holidays}" is not a country the holidays '
                       'package knows (an ISO 3166 code such as "FR"), or has no Alsace-Moselle')
    if cal.alsace_moselle and cal.holidays != "FR":
        out.append('calendar.alsace_moselle: only with holidays = "FR"')
    for i, value in enumerate(cal.closed_days):
        if _closed_day(value) is None:
            out.append(f"calendar.closed_days[{i}]: {value!r} is not a date (2026-12-24)")
    return out


def _escalation_problems(esc: EscalationConfig) -> list[str]:
    out = []
    if not esc.levels:
        out.append("escalation.levels: at least one level is needed")
    for i, level in enumerate(esc.levels):
        for j, contact in enumerate(level.contacts):
            if "@" not in contact:
                out.append(f"escalation.levels[{i}].contacts[{j}]: not an email address: "
                           f"{contact!r}")
    steps = max(0, len(esc.levels) - 1)
    for priority, hours in esc.ladders.items():
        where = f"escalation.ladders.{priority}"
        if priority not in PRIORITIES:
            out.append(f"{where}: unknown priority (P1 to P4)")
        elif len(hours) != steps:
            out.append(f"{where}: {len(hours)} thresholds for {len(esc.levels)} levels "
                       f"(one per level but the last: {steps})")
        elif any(h <= 0 for h in hours) or any(a >= b for a, b in zip(hours, hours[1:],
                                                                       strict=False)):
            out.append(f"{where}: thresholds must be positive and increasing")
    if esc.group_above < 0:
        out.append("escalation.group_above: must be 0 (never grouped) or more")
    if not 1 <= esc.immediate_level <= max(1, len(esc.levels)):
        out.append(f"escalation.immediate_level: {esc.immediate_level} is not a level "
                   f"(1 to {len(esc.levels)})")
    return out


def _digest_problems(digest: DigestConfig) -> list[str]:
    out = []
    if parse_clock_time(digest.at) is None:
        out.append(f'digest.at: "{digest.at}" is not a time like "09:00"')
    if digest.waiting_days < 1:
        out.append("digest.waiting_days: must be at least 1")
    return out
