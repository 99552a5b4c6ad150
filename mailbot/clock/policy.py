"""The time rules of one configuration, and what they say about one ticket.

Pure: `TimePolicy` is built once from the configuration (the calendar, each priority's clock and
ladder); its methods take a ticket and `now` and return values. The shell and the decision core
call these; nothing here reads the clock or the store.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time

from mailbot.clock import ladder as ladders
from mailbot.clock import quiet, sla
from mailbot.clock.calendar import BusinessCalendar, PriorityClock
from mailbot.clock.settings import business_calendar, parse_clock_time
from mailbot.model import OutgoingMail, Ticket


def clock_start(ticket: Ticket) -> datetime:
    """Where the ticket's SLA clocks and ladder count from: its creation, or the last change of
    its priority."""
    return datetime.fromisoformat(ticket.clock_from or ticket.created_at)


def _ladder(priority: str, hours: list[float], levels: tuple[ladders.Level, ...],
            targets: dict[str, Target]) -> tuple[float, ...]:
    """A priority's ladder as configured, except that a P3 or P4 reaches no hierarchical level
    before its resolution target has passed (seed 003; `ladders.management_after`)."""
    target = targets.get(priority)
    if priority in ladders.MANAGEMENT_AFTER_RESOLUTION and target is not None:
        return ladders.management_after(hours, levels, target.resolution_hours)
    return tuple(hours)


@dataclass(frozen=True)
class Target:
    first_response_hours: float
    resolution_hours: float
    round_the_clock: bool = False


@dataclass(frozen=True, eq=False)
class TimePolicy:
    calendar: BusinessCalendar
    targets: dict[str, Target]
    levels: tuple[ladders.Level, ...]
    ladders: dict[str, tuple[float, ...]]
    escalation_enabled: bool = True
    immediate_level: int = 3
    digest_at: str = "09:00"
    waiting_days: int = 3

    @classmethod
    def from_config(cls, config) -> TimePolicy:  # type: ignore[no-untyped-def]
        esc = config.escalation
        targets = {p: Target(t.first_response_hours, t.resolution_hours, t.round_the_clock)
                   for p, t in config.priorities.targets.items()}
        levels = ladders.levels_from(esc.levels)
        return cls(
            calendar=business_calendar(config.calendar),
            targets=targets, levels=levels,
            ladders={p: _ladder(p, h, levels, targets) for p, h in esc.ladders.items()},
            escalation_enabled=esc.enabled, immediate_level=esc.immediate_level,
            digest_at=config.digest.at, waiting_days=config.digest.waiting_days)

    def round_the_clock(self, priority: str | None) -> bool:
        target = self.targets.get(priority or "")
        return bool(target and target.round_the_clock)

    def clock(self, priority: str | None) -> PriorityClock:
        return PriorityClock(self.calendar, self.round_the_clock(priority))

    # --- SLA ---------------------------------------------------------------------------------

    def with_due_times(self, ticket: Ticket) -> Ticket:
        """Due times with the ticket's current priority, from creation or from the last change
        of priority (`clock_start`). A priority without targets has none."""
        target = self.targets.get(ticket.priority or "")
        if target is None:
            return replace(ticket, first_response_due=None, resolution_due=None)
        created = clock_start(ticket)
        clock = self.clock(ticket.priority)
        # To the second: what people read (and the --now clock's microseconds mean nothing).
        return replace(
            ticket,
            first_response_due=sla.first_response_due(
                created, target.first_response_hours, clock).isoformat(timespec="seconds"),
            resolution_due=sla.resolution_due(
                created, target.resolution_hours, clock, ticket.waiting_periods
            ).isoformat(timespec="seconds"))

    def engagements(self, ticket: Ticket, now: datetime) -> list[sla.Engagement]:
        target = self.targets.get(ticket.priority or "")
        if target is None:
            return []
        working = not target.round_the_clock
        paused = sla.is_waiting(ticket.waiting_periods)
        return [
            sla.Engagement("first_response", target.first_response_hours, working,
                           ticket.first_response_target, ticket.first_answered_at,
                           sla.state(ticket.first_response_target, ticket.first_answered_at,
                                     now)),
            sla.Engagement("resolution", target.resolution_hours, working,
                           ticket.resolution_due, ticket.resolved_at,
                           sla.state(ticket.resolution_due, ticket.resolved_at, now,
                                     paused=paused)),
        ]

    # --- the ladder --------------------------------------------------------------------------

    def _ladder_args(self, ticket: Ticket) -> dict[str, object]:
        return dict(created=clock_start(ticket), status=ticket.status,
                    escalation_level=ticket.escalation_level,
                    ladder=self.ladders.get(ticket.priority or "", ()), levels=self.levels,
                    clock=self.clock(ticket.priority), waiting=ticket.waiting_periods)

    def due_crossings(self, ticket: Ticket, now: datetime) -> list[ladders.Crossing]:
        if not self.escalation_enabled:
            return []
        return ladders.due_crossings(**self._ladder_args(ticket), now=now)  # type: ignore[arg-type]

    def next_deadline(self, ticket: Ticket) -> str | None:
        """What the deadline index keeps for an open ticket: its next ladder crossing."""
        if not self.escalation_enabled:
            return None
        at = ladders.next_crossing(**self._ladder_args(ticket))  # type: ignore[arg-type]
        return at.isoformat() if at else None

    def index_entry(self, ticket: Ticket) -> str | None:
        """The ticket's entry in the store's deadline index: None for a closed ticket (it
        leaves the index), else its next deadline in UTC ("" for none), so that entries compare
        as text."""
        if ticket.status == "closed" or ticket.parent is not None:
            # A mass incident's reports climb the ladder through their parent, once.
            return None
        at = self.next_deadline(ticket)
        return datetime.fromisoformat(at).astimezone(UTC).isoformat() if at else ""

    def immediate_notice(self, ticket: Ticket) -> ladders.Level | None:
        return ladders.immediate_notice(vip=ticket.vip, priority=ticket.priority,
                                        levels=self.levels,
                                        immediate_level=self.immediate_level)

    # --- keeping a ticket's clocks as it changes ---------------------------------------------

    def follow(self, before: Ticket | None, after: Ticket, now: datetime) -> Ticket:
        """`after` with its clocks kept: a waiting period opened or closed when the status goes
        to or leaves `waiting` (or spans the time it was closed, when it is reopened), and due
        times counted from creation with the current priority
        (so they follow a priority change and a wait). `before` is the ticket as it was, None
        for a new one."""
        new = before is None or before.number != after.number
        was_waiting = not new and _paused(before)  # type: ignore[arg-type]
        periods = [list(p) for p in after.waiting_periods]
        if (not new and before.status == "closed" and after.status != "closed"  # type: ignore[union-attr]
                and before.closed_at):  # type: ignore[union-attr]
            # Reopened: the time it spent closed counts like a wait, and the clocks and the
            # ladder resume from the reopening (as from a #priority change), so that the
            # reopening itself crosses no level (day 10 #7).
            periods.append([before.closed_at, now.isoformat()])  # type: ignore[union-attr]
            after = replace(after, clock_from=now.isoformat(), reopened_at=now.isoformat())
        if _paused(after) and not was_waiting:
            periods.append([now.isoformat(), None])
        elif not _paused(after) and periods and periods[-1][1] is None:
            periods[-1][1] = now.isoformat()
        after = replace(after, waiting_periods=periods)
        if not new and before.priority != after.priority:  # type: ignore[union-attr]
            # Issue 16 §2: the new priority's clocks and ladder count from the change; a first
            # response already missed stays missed (day 1 §10).
            after.clock_from = now.isoformat()
            due = before.first_response_due  # type: ignore[union-attr]
            if (after.first_response_missed is None and after.first_response_at is None
                    and due and datetime.fromisoformat(due) < now):
                after.first_response_missed = due
        return self.with_due_times(after)

    # --- quiet hours and the digest ------------------------------------------------------------

    def digest_time(self) -> time:
        return parse_clock_time(self.digest_at) or time(9, 0)

    def quiet(self, priority: str | None, now: datetime) -> bool:
        """Whether a staff notice about a ticket of this priority decided at `now` would be
        held for quiet hours (outside a working day, not a round-the-clock priority)."""
        return not self.calendar.in_working_day(now) and not self.round_the_clock(priority)

    def hold(self, mail: OutgoingMail, priority: str | None, now: datetime, *,
             on_call: str = "") -> OutgoingMail:
        """Quiet hours for a staff notice decided at `now`: held until the next working morning,
        or, for a round-the-clock priority, sent at once (to the on-call address too)."""
        if self.calendar.in_working_day(now):
            return mail
        if self.round_the_clock(priority):
            if on_call and on_call not in mail.recipients:
                return replace(mail, recipients=[*mail.recipients, on_call])
            return mail
        release = quiet.release_at(now, self.calendar, round_the_clock=False).isoformat()
        return replace(mail, hold_until=release, next_attempt_at=release)


def _paused(ticket: Ticket) -> bool:
    """The clocks and the ladder stop while the ticket waits for the requester, and once the
    requester confirmed it works until a technician acts (day 6: "oui c'est revenu, merci")."""
    return ticket.status == "waiting" or bool(ticket.resolution_confirmed)
