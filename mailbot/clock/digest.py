"""The morning digest's content: the open tickets that need someone's eyes today.

Pure: tickets, `now` and the calendar in, lists out (the mail is written from them elsewhere).
Four lists, each ordered by priority then due time: due today, late, waiting for the requester
for more than N days, unassigned; the same again for each assignee, with their own tickets, and
their other open tickets (neither late, due today nor waiting long: day 4 item 13), so that no
assigned ticket is missing from the morning's list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mailbot.clock.calendar import BusinessCalendar
from mailbot.clock.sla import is_waiting
from mailbot.model import Ticket

SECTIONS = ("due_today", "late", "waiting", "unassigned")
OTHER = "other"  # an assignee's open tickets that are in none of their other lists


@dataclass
class Digest:
    day: str  # ISO date, in the calendar's zone
    sections: dict[str, list[Ticket]] = field(default_factory=dict)
    per_assignee: dict[str, dict[str, list[Ticket]]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not any(self.sections.values()) and not any(
            any(lists.values()) for lists in self.per_assignee.values())

    def numbers(self) -> dict[str, list[int]]:
        return {name: [t.number for t in tickets] for name, tickets in self.sections.items()}


def running_due(ticket: Ticket) -> str | None:
    """The next due time that still counts: the first response until it is met, then the
    resolution (not while waiting for the requester)."""
    deadline = running_deadline(ticket)
    return deadline[1] if deadline else None


def running_deadline(ticket: Ticket) -> tuple[str, str] | None:
    """`running_due` with which deadline it is: ("first_response" | "resolution", due)."""
    if ticket.first_response_target and not ticket.first_answered_at:
        return "first_response", ticket.first_response_target
    if ticket.resolution_due and not ticket.resolved_at and not is_waiting(_waiting(ticket)):
        return "resolution", ticket.resolution_due
    return None


def sections_of(ticket: Ticket, now: datetime, calendar: BusinessCalendar,
                waiting_days: int) -> list[str]:
    """The digest lists a ticket belongs to."""
    if ticket.status == "closed" or ticket.type == "information":
        return []
    out = []
    due = running_due(ticket)
    if due is not None:
        due_at = datetime.fromisoformat(due)
        if due_at < now:
            out.append("late")
        elif calendar.local(due_at).date() == calendar.local(now).date():
            out.append("due_today")
    periods = _waiting(ticket)
    if ticket.status == "waiting" and is_waiting(periods) and periods[-1][0]:
        since = datetime.fromisoformat(periods[-1][0])
        if now - since > timedelta(days=waiting_days):
            out.append("waiting")
    if not ticket.assignee:
        out.append("unassigned")
    return out


def build(tickets: Iterable[Ticket], now: datetime, calendar: BusinessCalendar, *,
          waiting_days: int) -> Digest:
    digest = Digest(day=calendar.local(now).date().isoformat(),
                    sections={name: [] for name in SECTIONS})
    for ticket in tickets:
        names = sections_of(ticket, now, calendar, waiting_days)
        for name in names:
            digest.sections[name].append(ticket)
        if ticket.assignee and ticket.status != "closed" and ticket.type != "information":
            own = digest.per_assignee.setdefault(
                ticket.assignee, {n: [] for n in (*SECTIONS[:-1], OTHER)})
            for name in [n for n in names if n != "unassigned"] or [OTHER]:
                own[name].append(ticket)
    for lists in [digest.sections, *digest.per_assignee.values()]:
        for name in lists:
            lists[name].sort(key=_order)
    return digest


def _order(ticket: Ticket) -> tuple[str, float, int]:
    due = running_due(ticket)
    when = datetime.fromisoformat(due).timestamp() if due else float("inf")
    return (ticket.priority or "P9", when, ticket.number)


def _waiting(ticket: Ticket) -> list[list[str | None]]:
    return ticket.waiting_periods
