"""SLA clocks: when a ticket's first response and resolution are due, and how each stands.

Pure. A due time is counted on the priority's clock (`PriorityClock`: working hours, or round
the clock for P1) from the ticket's creation. Time spent `waiting` for the requester does not
count against resolution (ITIL practice, as in GLPI and Zammad): each waiting period pushes the
resolution due time back by the clock time it lasted. The waiting periods are kept on the
ticket itself, so that nothing here reads the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from mailbot.clock.calendar import PriorityClock

State = Literal["met", "met_late", "running", "paused", "late"]
Period = Sequence[str | None]  # [start, end] ISO 8601; end is None while still waiting


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


def first_response_due(created: datetime, target_hours: float,
                       clock: PriorityClock) -> datetime:
    return clock.add(created, hours(target_hours))


def resolution_due(created: datetime, target_hours: float, clock: PriorityClock,
                   waiting: Sequence[Period] = ()) -> datetime:
    """Creation + the target on the clock, pushed back by each waiting period that began before
    the ticket was due (a wait that starts once it is already late does not excuse it). A period
    still open counts up to its start only: `state` then says "paused"."""
    return paused_deadline(created, hours(target_hours), clock, waiting)


def paused_deadline(start: datetime, allowed: timedelta, clock: PriorityClock,
                    waiting: Sequence[Period] = ()) -> datetime:
    due = clock.add(start, allowed)
    for began, ended in sorted((p[0], p[1]) for p in waiting if p[0]):
        # A wait before `start` (a clock restarted by a priority change) does not count.
        began_at = max(datetime.fromisoformat(began), start)  # type: ignore[arg-type]
        if began_at >= due or ended is None:
            break
        ended_at = datetime.fromisoformat(ended)
        if ended_at > began_at:
            due = clock.add(due, clock.between(began_at, ended_at))
    return due


def is_waiting(waiting: Sequence[Period]) -> bool:
    return bool(waiting) and waiting[-1][1] is None


def state(due: str | None, met_at: str | None, now: datetime, *,
          paused: bool = False) -> State | None:
    """met / met_late (met, after its due time) / running / paused (waiting for the requester)
    / late (not met and past due); None when the ticket has no such target."""
    if due is None:
        return None
    due_at = datetime.fromisoformat(due)
    if met_at is not None:
        return "met" if datetime.fromisoformat(met_at) <= due_at else "met_late"
    if paused:
        return "paused"
    return "running" if now < due_at else "late"


@dataclass(frozen=True)
class Engagement:
    """One SLA target of a ticket as a person sees it (CLI JSON, tracking page, notices)."""

    name: Literal["first_response", "resolution"]
    target_hours: float
    working_hours: bool  # False for round-the-clock priorities
    due: str | None
    met_at: str | None
    state: State | None

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def lateness(due: str | None, met_at: str | None, now: datetime) -> timedelta:
    """How late a target is (or was when met): elapsed time, what a person counts."""
    if due is None:
        return timedelta(0)
    end = datetime.fromisoformat(met_at) if met_at else now
    return max(timedelta(0), end - datetime.fromisoformat(due))
