"""The month's numbers, a pure function of the tickets, the month, the time zone and `now`.

Every figure is counted from the fields `mailbot tickets --json` shows, so that anyone can
recount it (tests/test_report.py does):

    opened            tickets created in the month, by type and by priority
    still_open        tickets (of any month) still open at the month's end, or now if sooner
    closed            tickets closed in the month (closed_at), by type and by priority
    targets           per priority, of the tickets created in the month: first response and
                      resolution met (done by the due time), missed (done late, or not done and
                      past due at `now`), pending (not done, not yet due, or waiting for the
                      requester)
    oldest_open       the ten oldest tickets open at the month's end (or at `now`, if sooner)
    urgent            URGENT requested, granted (requested, not demoted), demoted
    escalations       tickets created in the month by the highest escalation level reached
    mass_incidents    mass incidents opened in the month, with their number of reports
    weeks             tickets opened and closed per week (weeks start on Monday)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from mailbot.clock import sla
from mailbot.model import Ticket

PRIORITIES = ("P1", "P2", "P3", "P4")
TYPES = ("incident", "request", "information")
TARGETS = ("first_response", "resolution")
OLDEST = 10
# What a target's state (mailbot.clock.sla.state) counts as in the report.
OUTCOMES = {"met": "met", "met_late": "missed", "late": "missed", "running": "pending",
            "paused": "pending"}


@dataclass
class Tally:
    met: int = 0
    missed: int = 0
    pending: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.missed

    @property
    def percent(self) -> float | None:
        """Met, in % of the targets decided (met or missed); None when none is."""
        return round(100 * self.met / self.decided, 1) if self.decided else None

    def to_json(self) -> dict[str, object]:
        return {"met": self.met, "missed": self.missed, "pending": self.pending,
                "percent": self.percent}


@dataclass
class Week:
    start: date  # its Monday (may be in the month before)
    first_day: date  # its first day within the month: what the chart names it by
    opened: int = 0
    closed: int = 0


@dataclass
class Report:
    month: str  # YYYY-MM
    start: datetime  # the month's first instant, in the report's time zone
    end: datetime  # the next month's first instant
    now: datetime
    opened: int = 0
    closed: int = 0
    opened_by_type: dict[str, int] = field(default_factory=dict)
    opened_by_priority: dict[str, int] = field(default_factory=dict)
    closed_by_type: dict[str, int] = field(default_factory=dict)
    closed_by_priority: dict[str, int] = field(default_factory=dict)
    targets: dict[str, dict[str, Tally]] = field(default_factory=dict)  # priority -> name ->
    oldest_open: list[Ticket] = field(default_factory=list)
    still_open: int = 0  # created before the month's end (or now) and still open then
    urgent_requested: int = 0
    urgent_granted: int = 0
    urgent_demoted: int = 0
    escalations: dict[int, int] = field(default_factory=dict)  # level -> tickets
    mass_incidents: list[tuple[Ticket, int]] = field(default_factory=list)  # (parent, reports)
    weeks: list[Week] = field(default_factory=list)
    created: list[Ticket] = field(default_factory=list)  # the month's tickets, by number

    def to_json(self) -> dict[str, object]:
        return {
            "month": self.month, "opened": self.opened, "closed": self.closed,
            "opened_by_type": self.opened_by_type, "opened_by_priority": self.opened_by_priority,
            "closed_by_type": self.closed_by_type, "closed_by_priority": self.closed_by_priority,
            "targets": {p: {n: t.to_json() for n, t in names.items()}
                        for p, names in self.targets.items()},
            "oldest_open": [t.number for t in self.oldest_open], "still_open": self.still_open,
            "urgent": {"requested": self.urgent_requested, "granted": self.urgent_granted,
                       "demoted": self.urgent_demoted},
            "escalations": {str(k): v for k, v in sorted(self.escalations.items())},
            "mass_incidents": [{"number": t.number, "reports": n}
                               for t, n in self.mass_incidents],
            "weeks": [{"start": w.start.isoformat(), "first_day": w.first_day.isoformat(),
                       "opened": w.opened, "closed": w.closed} for w in self.weeks],
        }


def month_bounds(month: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """The first instant of `month` ("2026-11") and of the next one, in `tz`."""
    year, number = (int(part) for part in month.split("-"))
    if not 1 <= number <= 12:
        raise ValueError(f"not a month: {month!r} (YYYY-MM)")
    start = datetime(year, number, 1, tzinfo=tz)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz)
    return start, end


def previous_month(day: date) -> str:
    first = day.replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def compute(tickets: Iterable[Ticket], month: str, tz: tzinfo, now: datetime) -> Report:
    start, end = month_bounds(month, tz)
    report = Report(month=month, start=start, end=end, now=now)
    cutoff = min(end, now)
    report.weeks = _weeks(start, end)
    opened_type: Counter[str] = Counter()
    opened_priority: Counter[str] = Counter()
    closed_type: Counter[str] = Counter()
    closed_priority: Counter[str] = Counter()
    open_at_cutoff: list[tuple[datetime, Ticket]] = []
    by_number: dict[int, Ticket] = {}
    for ticket in tickets:
        if ticket.automatic and ticket.priority is None:
            continue  # an automatic answer archived at once (an out-of-office): no one's request
        created = datetime.fromisoformat(ticket.created_at)
        closed = datetime.fromisoformat(ticket.closed_at) if ticket.closed_at else None
        if start <= created < end:
            by_number[ticket.number] = ticket
            opened_type[ticket.type] += 1
            opened_priority[ticket.priority or "-"] += 1
            _week_of(report.weeks, created, tz).opened += 1
        if closed is not None and start <= closed < end:
            closed_type[ticket.type] += 1
            closed_priority[ticket.priority or "-"] += 1
            _week_of(report.weeks, closed, tz).closed += 1
        if created < cutoff and (ticket.status != "closed" or (closed and closed > cutoff)):
            open_at_cutoff.append((created, ticket))
    report.created = [by_number[n] for n in sorted(by_number)]
    report.opened, report.closed = len(report.created), sum(closed_type.values())
    report.opened_by_type = _ordered(opened_type, TYPES)
    report.opened_by_priority = _ordered(opened_priority, PRIORITIES)
    report.closed_by_type = _ordered(closed_type, TYPES)
    report.closed_by_priority = _ordered(closed_priority, PRIORITIES)
    open_at_cutoff.sort(key=lambda pair: (pair[0], pair[1].number))
    report.oldest_open = [t for _, t in open_at_cutoff[:OLDEST]]
    report.still_open = len(open_at_cutoff)
    _month_tickets(report, by_number, now)
    return report


def outcome(due: str | None, done: str | None, now: datetime, *,
            paused: bool = False) -> str | None:
    """met / missed / pending for one target; None for a ticket without it."""
    state = sla.state(due, done, now, paused=paused)
    return OUTCOMES[state] if state else None


def _month_tickets(report: Report, by_number: dict[int, Ticket], now: datetime) -> None:
    """The figures about the tickets created in the month."""
    report.targets = {p: {name: Tally() for name in TARGETS} for p in PRIORITIES}
    escalations: Counter[int] = Counter()
    for ticket in report.created:
        for name, due, done, paused in (
                ("first_response", ticket.first_response_target, ticket.first_answered_at,
                 False),
                ("resolution", ticket.resolution_due, ticket.resolved_at,
                 sla.is_waiting(ticket.waiting_periods))):
            result = outcome(due, done, now, paused=paused)
            if result is not None and ticket.priority in report.targets:
                tally = report.targets[ticket.priority][name]
                setattr(tally, result, getattr(tally, result) + 1)
        report.urgent_requested += ticket.urgent_requested
        report.urgent_demoted += ticket.urgent_requested and ticket.urgent_demoted
        if ticket.escalation_level:
            escalations[ticket.escalation_level] += 1
    report.urgent_granted = report.urgent_requested - report.urgent_demoted
    report.escalations = dict(sorted(escalations.items()))
    report.mass_incidents = [(t, len(t.children)) for t in report.created if t.children]


def _ordered(counts: Counter[str], known: tuple[str, ...]) -> dict[str, int]:
    out = {name: counts.get(name, 0) for name in known}
    out.update({name: n for name, n in sorted(counts.items()) if name not in out})
    return out


def _weeks(start: datetime, end: datetime) -> list[Week]:
    monday = start.date() - timedelta(days=start.weekday())
    weeks = []
    while monday < end.date():
        weeks.append(Week(monday, max(monday, start.date())))
        monday += timedelta(days=7)
    return weeks


def _week_of(weeks: list[Week], instant: datetime, tz: tzinfo) -> Week:
    day = instant.astimezone(tz).date()
    index = (day - weeks[0].start).days // 7
    return weeks[max(0, min(index, len(weeks) - 1))]
