"""Management on a ticket: the people an escalation notice went to (the ladder's contacts, a
VIP notice's, the on-call address). Their reply to a notice is an internal note for the team,
never a message of the requester's thread (day 6 §3: "Qui est dessus ? Tenez-moi au courant."
was shown to the employee and put the supervisor in Cc of the closure)."""

from __future__ import annotations

from datetime import datetime

from mailbot import mails
from mailbot.config import Config
from mailbot.decision import Decision
from mailbot.mails import Incoming
from mailbot.mails.team import resolved_notice
from mailbot.model import OutgoingMail, Ticket
from mailbot.steps.common import Context, decided, incoming_entry, with_entry


def notified(ticket: Ticket, config: Config) -> list[str]:
    """Who an escalation or VIP notice of this ticket went to, in order, once each: not the
    team address, the technicians, the requester."""
    own = {config.team_address, config.bot_address, *config.technicians, ticket.requester,
           mails.requester_address(ticket)}
    out: list[str] = []
    for m in ticket.messages:
        if m.direction == "out" and m.kind == "escalation":
            out += [a.lower() for a in m.to if a.lower() not in own and a.lower() not in out]
    return out


def contacts(ticket: Ticket, config: Config) -> set[str]:
    """Addresses whose mail on the ticket is management's: those notified, the on-call
    address and every ladder level's contacts (a notice held in quiet hours went to on-call
    without being recorded as addressed to it)."""
    known = {*notified(ticket, config), config.team.on_call.lower(),
             *(c.lower() for level in config.time.levels for c in level.contacts)}
    return known - {"", config.team_address, *config.technicians, ticket.requester,
                    mails.requester_address(ticket)}


def escalation_reply(c: Context) -> Decision | None:
    """A reply from an escalation contact who is no technician: kept as an internal note (not
    on the tracking page, not in the requester's thread, not a participant), the team told.
    It reopens nothing and answers nobody."""
    ticket = c.ticket
    if ticket is None or c.author.technician or c.msg.sender.lower() not in contacts(
            ticket, c.config):
        return None
    entry = incoming_entry(c, "internal_note", public=False,
                           note="escalation contact's reply: internal")
    ticket = with_entry(ticket, entry, c.msg)
    out = [mails.team_update(ticket, Incoming.of(c.msg), c.config, c.now,
                             headline="management")]
    return decided("management_reply", c, ticket, out,
                   [c.how, "from an escalation contact: internal note, not relayed",
                    *(["commands ignored: not a technician"] if c.msg.commands else [])])


def woken(ticket: Ticket, config: Config) -> list[str]:
    """Who the ladder told of this ticket: the escalation and VIP notices' recipients, and the
    on-call address when a notice about it went out of working time for a round-the-clock
    priority (quiet hours add on-call to such mail as it leaves)."""
    people = notified(ticket, config)
    policy, on_call = config.time, config.team.on_call.lower()
    at_night = any(m.direction == "out" and (m.kind == "escalation" or config.team_address
                                             in m.to)
                   and not policy.calendar.in_working_day(datetime.fromisoformat(m.date))
                   for m in ticket.messages)
    if on_call and at_night and policy.round_the_clock(ticket.priority) and on_call not in \
            people and on_call not in config.technicians:
        people.append(on_call)
    return people


def resolved_notices(c: Context, before: Ticket, ticket: Ticket, text: str
                     ) -> list[OutgoingMail]:
    """Day 6 §9: the people an escalation told of a ticket hear it is resolved, one short
    mail each in the team's language, held to the working morning in quiet hours (a
    resolution wakes nobody). A mass incident's: those told of it or of any of its reports
    before the incident gathered them (day 9 §7), once each."""
    if before.status == "closed" or ticket.status != "closed":
        return []
    config = c.config
    out = []
    reports = [r for r in (c.view.ticket(n) for n in ticket.children) if r is not None]
    people = dict.fromkeys([*woken(ticket, config), *(p for r in reports
                                                      for p in woken(r, config))])
    for person in people:
        if person == c.author.address:
            continue
        mail = resolved_notice(ticket, to=person, technician=c.author.address, text=text,
                               config=config, now=c.now)
        out.append(config.time.hold(mail, None, c.now))
    return out


def reassigned_notice(c: Context, before: Ticket, ticket: Ticket) -> list[OutgoingMail]:
    """Day 6 §11: the technician a ticket was assigned to hears that another took it (unless
    they did it themselves), held to the working morning in quiet hours."""
    previous = (before.assignee or "").lower()
    if not previous or previous == (ticket.assignee or "").lower() or \
            previous == c.author.address:
        return []
    mail = mails.technician_reassigned(ticket, previous=previous, author=c.author.address,
                                       config=c.config, now=c.now)
    return [c.config.time.hold(mail, None, c.now)]
