"""The escalation ladder (seed 001): which levels a ticket has crossed and not yet notified.

Pure. Level 1 is the first line (the team, told of every new ticket by its own notice); a ticket
still unresolved `ladder[i]` hours after its creation (on its priority's clock, time spent waiting
for the requester excluded) goes up to level i + 2, whose contacts get a notice. A ticket's
`escalation_level` is the highest level notified: 0 until the first escalation. Closing a ticket
stops the ladder; so does waiting for the requester, for as long as it lasts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mailbot.clock.calendar import PriorityClock
from mailbot.clock.sla import Period, hours, is_waiting, paused_deadline


@dataclass(frozen=True)
class Level:
    number: int  # 1 to 7 with seed 001's ladder
    role: str
    contacts: tuple[str, ...]
    kind: Literal["functional", "hierarchical"]


@dataclass(frozen=True)
class Crossing:
    level: Level
    at: datetime  # when the threshold was crossed
    threshold_hours: float


def levels_from(config_levels: Sequence[object]) -> tuple[Level, ...]:
    return tuple(Level(i, c.role, tuple(c.contacts), c.kind)  # type: ignore[attr-defined]
                 for i, c in enumerate(config_levels, start=1))


# Seed 003: hierarchical escalation (management) is for what a team cannot settle itself; for a
# normal or low ticket (P3, P4) that is a ticket past its resolution target, not before.
MANAGEMENT_AFTER_RESOLUTION = ("P3", "P4")


def management_after(ladder: Sequence[float], levels: Sequence[Level],
                     resolution_hours: float) -> tuple[float, ...]:
    """`ladder` with no hierarchical level reached before `resolution_hours`: when the first
    hierarchical level's threshold comes earlier, it and every level above it move later by
    the same amount, so the levels keep seed 001's order and the gaps configured between them
    (a functional level above a hierarchical one, like level 5, never comes before it)."""
    for index, (level, hours_at) in enumerate(zip(levels[1:], ladder, strict=False)):
        if level.kind != "hierarchical":
            continue
        shift = resolution_hours - hours_at
        if shift <= 0:
            break
        return (*ladder[:index], *(h + shift for h in ladder[index:]))
    return tuple(ladder)


def thresholds(created: datetime, ladder: Sequence[float], levels: Sequence[Level],
               clock: PriorityClock, waiting: Sequence[Period] = ()) -> list[Crossing]:
    """When each level above the first is reached, on this ticket's clock."""
    return [Crossing(level, paused_deadline(created, hours(h), clock, waiting), h)
            for level, h in zip(levels[1:], ladder, strict=False)]


def due_crossings(*, created: datetime, status: str, escalation_level: int,
                  ladder: Sequence[float], levels: Sequence[Level], clock: PriorityClock,
                  waiting: Sequence[Period], now: datetime) -> list[Crossing]:
    """The levels crossed by `now` and not yet notified, lowest first (after a long outage
    several may be due at once: each is notified once)."""
    if status == "closed" or is_waiting(waiting):
        return []
    return [c for c in thresholds(created, ladder, levels, clock, waiting)
            if c.level.number > escalation_level and c.at <= now]


def next_crossing(*, created: datetime, status: str, escalation_level: int,
                  ladder: Sequence[float], levels: Sequence[Level], clock: PriorityClock,
                  waiting: Sequence[Period]) -> datetime | None:
    """The instant of the next level to notify: what the deadline index keeps. None when
    nothing is coming (closed, waiting, or at the top of the ladder)."""
    if status == "closed" or is_waiting(waiting):
        return None
    upcoming = [c.at for c in thresholds(created, ladder, levels, clock, waiting)
                if c.level.number > escalation_level]
    return upcoming[0] if upcoming else None


def one_level_up(escalation_level: int, levels: Sequence[Level]) -> Level | None:
    """`#escalate`: the level above the current one, at once (None at the top)."""
    number = max(escalation_level, 1) + 1
    return levels[number - 1] if number <= len(levels) else None


def immediate_notice(*, vip: bool, priority: str | None, levels: Sequence[Level],
                     immediate_level: int) -> Level | None:
    """Seed 003: a VIP's ticket and a critical (P1) one get a hierarchical notice at once."""
    if not (vip or priority == "P1") or not 1 <= immediate_level <= len(levels):
        return None
    return levels[immediate_level - 1]
