"""Time in every decision (issue 8): the decisions no message triggers, and the clocks of the
ones a message does.

    TIMER_STEPS   checked once per pass with the pass's `now`: the escalation ladder (only
                  tickets whose indexed deadline has passed are read), the morning digest
    keep_time     run on every decision: SLA due times follow the ticket's changes, seed 003's
                  immediate notice for a new VIP or P1, staff notices held in quiet hours

Pure: the arithmetic is in `mailbot.clock`, with `now` passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from mailbot import mails, notices
from mailbot.clock import quiet
from mailbot.clock.ladder import Crossing, Level
from mailbot.clock.settings import parse_clock_time
from mailbot.config import Config
from mailbot.decision import Decision, View
from mailbot.mails.reports import reports_of
from mailbot.model import Entry, OutgoingMail, Ticket
from mailbot.report import run as reports
from mailbot.report.figures import previous_month

# --- decisions no message triggers -------------------------------------------------------------

TimerStep = tuple[str, str, Callable[[View, Config, datetime], Sequence[Decision]]]
# Checked once per pass, with the pass's `now`; each returns the decisions that are due. The
# SLA clocks, the escalation ladder and the morning digest (issue 8) are steps of this table.


@dataclass
class _Due:
    """A ticket with ladder levels crossed this pass: the top one is told, `passed` with it."""
    before: Ticket | None
    ticket: Ticket
    top: Crossing
    passed: list[Level]

    def reasons(self) -> list[str]:
        c = self.top
        return [f"escalation to level {c.level.number} ({c.level.role}) after "
                f"{c.threshold_hours:g} h", *([notices.passed_note(self.passed)]
                                              if self.passed else [])]


def _escalations(view: View, config: Config, now: datetime) -> list[Decision]:
    """Seed 001's ladder: the levels crossed and not yet notified get ONE notice, to the
    highest of them (the crossing and its mail are one commit). Several levels crossed at once
    (a run far ahead, a clock jump, a long outage) are a burst, not news for six people: the
    top level is told, with the levels passed meanwhile named, and every one of them counts as
    notified (`escalation_level` is the highest, so none is ever due again). More than
    `group_above` notices to the same contacts in one pass (a backlog) go as one summary (O12).
    Outside working time a ticket that is not round the clock waits: its crossings are
    decided on the next pass in working time, with the figures of then (issue 16, day 3).
    Only tickets whose indexed deadline has passed are read: the index, not the history, says
    which."""
    policy, due_by = config.time, now.astimezone(UTC).isoformat()
    out, due = [], []
    for number in sorted(view.due(due_by)):  # a range of the index: flat in open tickets
        ticket = view.ticket(number)
        if ticket is None:
            continue
        crossings = policy.due_crossings(ticket, now)
        if crossings and policy.quiet(ticket.priority, now):
            # Not decided in quiet hours: on the working morning the ladder is read again, so
            # the notice tells that morning's lateness, a ticket closed meanwhile tells
            # nothing, and levels crossed meanwhile go as one notice to the highest.
            continue
        if crossings:
            due.append(_Due(view.ticket(number), ticket, crossings[-1],
                            [c.level for c in crossings[:-1]]))
        else:
            out.append(keep_time(view.ticket(number), Decision(
                "timer", None, ticket, [], ["deadline index refreshed"]), config, now))
    groups: dict[tuple[str, ...], list[_Due]] = {}
    for item in due:
        groups.setdefault(item.top.level.contacts, []).append(item)
    for items in groups.values():
        if 0 < config.escalation.group_above < len(items):
            out += _grouped(items, config, now)
        else:
            out += [_notified(item, config, now, view) for item in items]
    return out


def _notified(item: _Due, config: Config, now: datetime, view: View) -> Decision:
    """One ticket's own notice, on its team thread (a mass incident's lists its reports)."""
    ticket, top = item.ticket, item.top
    ticket.escalation_level = top.level.number
    notice = notices.escalation(ticket, top.level, config=config, now=now,
                                threshold_hours=top.threshold_hours, passed=item.passed,
                                reports=reports_of(ticket, view.ticket))
    ticket = mails.with_outgoing(ticket, notice, now)
    if item.passed:
        ticket.messages[-1].note = notices.passed_note(item.passed)
    return keep_time(item.before, Decision("timer", None, ticket, [notice], item.reasons()),
                     config, now)


def _grouped(items: Sequence[_Due], config: Config, now: datetime) -> list[Decision]:
    """O12: one summary mail for many tickets' notices to the same contacts; each ticket
    records its level as notified and the summary in its history (an entry that names the
    summary's Message-ID; the summary itself, about no one ticket, is kept in the outbox)."""
    summary = notices.escalation_summary([(i.ticket, i.top, i.passed) for i in items],
                                         config=config, now=now)
    out = []
    for item in items:
        ticket, top = item.ticket, item.top
        ticket.escalation_level = top.level.number
        ticket.messages = [*ticket.messages, Entry(
            message_id=summary.message_id, author=summary.sender, kind="escalation",
            date=now.isoformat(), direction="out", subject=summary.subject,
            to=list(summary.recipients), public=False,
            text=f"level {top.level.number} ({top.level.role}) after "
                 f"{top.threshold_hours:g} h",
            note=f"told in one summary of {len(items)} tickets"
                 + (f"; {notices.passed_note(item.passed)}" if item.passed else ""))]
        out.append(keep_time(item.before, Decision(
            "timer", None, ticket, [], [*item.reasons(), "in the grouped summary"]),
            config, now))
    # Quiet hours as for the most pressing ticket listed (a round-the-clock P1 goes at once).
    pressing = min((i.ticket.priority or "P4") for i in items)
    held = config.time.hold(summary, pressing, now, on_call=config.team.on_call)
    out.append(Decision("timer", None, None, [held], [
        f"one escalation summary of {len(items)} tickets to {', '.join(summary.recipients)} "
        f"(more than escalation.group_above = {config.escalation.group_above})"]))
    return out


def _digest(view: View, config: Config, now: datetime) -> list[Decision]:
    """The morning digest: once per working day from its hour, kept in the store's meta."""
    policy = config.time
    last = view.meta("digest_day")
    day = quiet.digest_day(now, policy.calendar, policy.digest_time(),
                           date.fromisoformat(last) if isinstance(last, str) else None)
    if not config.digest.enabled or day is None:
        return []
    tickets = [t for n in sorted(view.deadlines()) if (t := view.ticket(n)) is not None]
    mail = notices.digest(tickets, config, now)
    return [Decision("timer", None, None, [mail] if mail else [],
                     [f"digest of {day}" + ("" if mail else ": nothing to list")],
                     meta={"digest_day": day.isoformat()})]


def _monthly_report(view: View, config: Config, now: datetime) -> list[Decision]:
    """The previous month's report, on the first working day of a month from `[report] at`,
    once: the month sent is kept in the store's meta (as the digest keeps its day)."""
    if not config.report.enabled:
        return []
    policy = config.time
    local = policy.calendar.local(now)
    month = previous_month(local.date())
    first_working = next(d for d in (local.date().replace(day=n) for n in range(1, 32))
                         if policy.calendar.is_working_day(d))
    at = parse_clock_time(config.report.at)
    if (view.meta("report_month") == month or local.date() != first_working or at is None
            or local.time() < at or not policy.calendar.in_working_day(now)):
        return []
    report = reports.compute(view.tickets(), config, month, now)
    mail = reports.mail(report, config, now)
    return [Decision("timer", None, None, [mail],
                     [f"monthly report of {month} to {', '.join(mail.recipients)}"],
                     meta={"report_month": month})]


# Checked once per pass, with the pass's `now`; each returns the decisions that are due.
TIMER_STEPS: tuple[TimerStep, ...] = (
    ("escalation", "open tickets past their next ladder threshold: that level is told",
     _escalations),
    ("digest", "each working morning, one digest of the open tickets to the team", _digest),
    ("monthly_report", "on the first working day of a month, the previous month's report "
                       "to [report] recipients", _monthly_report),
)


def timers(view: View, config: Config, now: datetime,
           steps: Sequence[TimerStep] = TIMER_STEPS) -> list[Decision]:
    return [d for _name, _description, step in steps for d in step(view, config, now)]


def keep_time(before: Ticket | None, decision: Decision, config: Config,
              now: datetime, view: View | None = None) -> Decision:
    """Issue 8 on every decision: the ticket's SLA clocks follow its changes; a new VIP or P1
    ticket gets seed 003's immediate hierarchical notice; staff notices wait out quiet hours.
    `view`: where a mass incident's reports that this decision does not change are read."""
    ticket = decision.ticket
    policy = config.time
    fresh = {t.number: t for t in [*decision.others, ticket] if t is not None}

    def lookup(number: int) -> Ticket | None:
        return fresh.get(number) or (view.ticket(number) if view is not None else None)
    if ticket is not None:
        ticket = decision.ticket = policy.follow(before, ticket, now)
        new = before is None or before.number != ticket.number
        # Seed 003: when a ticket is opened as, or becomes, VIP or critical (P1).
        became = new or (ticket.priority == "P1" and before.priority != "P1") or (  # type: ignore[union-attr]
            ticket.vip and not before.vip)  # type: ignore[union-attr]
        notice = immediate(ticket, config, now, became=became, mails=decision.mails,
                           reports=reports_of(ticket, lookup))
        if notice is not None:
            decision.ticket = mails.with_outgoing(ticket, notice, now)
            decision.mails.append(notice)
    # A mass incident opened at P1, or raised to it by a report that joins it (day 6: "tout le
    # service est bloqué"): its clocks follow, and seed 003's notice goes once, for the parent,
    # listing its reports. A report told to management on its own before the incident gathered
    # it (a P1 of its own while fewer than [mass] senders had written) escalates no further
    # (its ladder is the parent's, from the highest level it reached), and the incident is
    # still told as itself (day 9 §7: the supervisor knew of the first report alone).
    for n, other in enumerate(decision.others):
        if other.children and other.parent is None and other.status != "closed":
            other = decision.others[n] = policy.with_due_times(other)
            gathered = reports_of(other, lookup)
            notice = immediate(other, config, now, became=True, reports=gathered)
            if notice is not None:
                decision.others[n] = other = mails.with_outgoing(other, notice, now)
                decision.mails.append(notice)
            other.escalation_level = max([other.escalation_level,
                                          *(r.escalation_level for r in gathered)])
    priority = ticket.priority if ticket is not None else None
    # A mass incident's notices wait out quiet hours by the incident's priority.
    priorities = {t.number: t.priority for t in decision.others if t.children}
    decision.mails = [policy.hold(m, priorities.get(m.ticket or 0, priority), now,
                                  on_call=config.team.on_call)
                      if m.kind in STAFF_NOTICES else m for m in decision.mails]
    decision.mails = told_with_management(decision.mails, now)
    return decision


def told_with_management(outgoing: list[OutgoingMail], now: datetime) -> list[OutgoingMail]:
    """The team is told of a ticket no later than management (day 7, defect 3): a ticket's
    new-ticket notice held (for the mass window, for quiet hours) while an escalation or VIP
    notice about it leaves now goes with it, in the same pass."""
    leaving = {m.ticket for m in outgoing
               if m.kind in ("escalation", "vip_notice") and not m.hold_until}
    return [replace(m, hold_until="", next_attempt_at=now.isoformat())
            if m.kind == "team_notice" and m.hold_until and m.ticket in leaving else m
            for m in outgoing]


def immediate(ticket: Ticket, config: Config, now: datetime, *, became: bool,
              mails: Sequence[OutgoingMail] = (), clocks: Ticket | None = None,
              raised: tuple[str, datetime] | None = None,
              reports: Sequence[Ticket] = ()) -> OutgoingMail | None:
    """Seed 003's immediate hierarchical notice when `ticket` became VIP or P1, or None; its
    level counts as notified on `ticket`. `clocks`: the ticket with its due times kept, when
    `ticket` has not had them yet (a technician's step, whose transcript names the notice);
    `raised`: the technician whose #priority called for it, and when they wrote."""
    # A report joining a mass incident is covered by the incident's own notice.
    # A VIP's ticket already has its own seed 003 notice (mails.vip_notice): one is enough.
    vip_told = any(m.kind == "vip_notice" for m in mails)
    level = (config.time.immediate_notice(ticket)
             if became and ticket.status != "closed" and ticket.parent is None
             and not vip_told else None)
    if level is None or level.number <= ticket.escalation_level:
        return None
    # The level told at once counts as notified: the ladder never tells a lower level after
    # it, nor this one again (issue 16 §4).
    ticket.escalation_level = level.number
    shown = clocks or ticket
    shown.escalation_level = level.number
    return notices.escalation(shown, level, threshold_hours=None, config=config, now=now,
                              reason="VIP" if ticket.vip else "P1", raised=raised,
                              reports=reports)


# Mail to staff that quiet hours hold (seed 000, the right to disconnect). Not held: mail to
# employees, the transcript a technician gets for the commands they have just sent, and the
# warning about a forged technician's mail (a security warning goes at once: day 4 item 16).
STAFF_NOTICES = ("team_notice", "escalation", "vip_notice")
