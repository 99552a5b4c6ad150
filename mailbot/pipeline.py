"""The functional core: one parsed message (or one tick of the clock) in, one decision out.

    fetch -> parse -> who wrote (people) -> correlate -> the first step that decides -> commit

`decide` reads the tickets through a read-only `View`, takes `now` as an argument, and returns
what to store and what to send; it never touches the network, the disk or the clock. The flow is
the table `STEPS` below: each step looks at the message and either decides or passes. The steps
live in `mailbot.steps`, one module per kind of sender (machine, technician, requester, mass).
`mailbot.timekeeping` is the same for decisions that no message triggers (escalation, digest),
and keeps every decision's SLA clocks and quiet hours.
The daemon stages every decision of a pass in a `mailbot.batch.Batch` and commits them at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailbot import loopguard, mails, people, timekeeping
from mailbot.config import Config
from mailbot.decision import Decision, View
from mailbot.mails import tracking_url
from mailbot.model import Ticket
from mailbot.parsers import ParsedMessage
from mailbot.steps import rewrote
from mailbot.steps.common import Context, Step, message_key, ticket_of_id, with_mails
from mailbot.steps.machine import auto_reply, bounce, bulk_mail, duplicate, loop
from mailbot.steps.management import escalation_reply
from mailbot.steps.merging import technician_merges
from mailbot.steps.requester import closed_ticket, follow_up, new_ticket, same_matter
from mailbot.steps.technician import technician_on_ticket, technician_opens, unauthenticated
from mailbot.tags import format_tag

__all__ = ["Decision", "View", "decide", "tracking_url", "correlate"]


def decide(msg: ParsedMessage, *, raw_path: str, view: View, config: Config,
           now: datetime, arrived: datetime | None = None) -> Decision:
    """`arrived`: when the message reached our mail server (IMAP INTERNALDATE), if known."""
    author = people.identify(msg, config)
    ticket, how = correlate(msg, view, config)
    if ticket is not None and ticket.merged_into:  # #merge: its mail goes to the kept ticket
        kept = view.ticket(ticket.merged_into)
        if kept is not None:
            ticket, how = kept, f"{how}, #{ticket.number} merged into #{kept.number}"
    context = Context(msg, message_key(msg), raw_path, view, config, now, author, ticket, how,
                      arrived=arrival(arrived, now, view.meta(WATCHED)),
                      bounced=rewrote.bounced_before(msg, view, config, now,
                                                     replying=bool(msg.in_reply_to)))
    for _name, _description, step in STEPS:
        decision = step(context)
        if decision is not None:
            if author.claims_technician:
                decision.reasons.insert(0, author.verdict)
            if decision.action == "technician" and decision.ticket is not None:
                # A technician acted on a ticket its requester said was fixed: its clocks and
                # ladder run again (or it is closed).
                decision.ticket.resolution_confirmed = None
            _warn_cap(context, decision)
            lift = loopguard.lift_event(msg, view, config, now)
            if lift is not None:
                # A person writing from an address a bounce blocked: its mailbox works.
                decision.events.append(lift)
                decision.reasons.append(f"bounce block on {lift[1]} lifted: it wrote to us")
                notice = (context.bounced or {}).get("notice")
                if isinstance(notice, str) and notice:
                    # Its team notice, if still in the outbox (held for quiet hours), would say
                    # the address is unreachable: dropped; this mail's notice tells it.
                    decision.cancel.append(notice)
            return timekeeping.keep_time(ticket, decision, config, now, view)
    raise AssertionError("the last step always decides")


# The time of the last pass that looked at the mailbox (`Commit.meta`, written by the daemon).
WATCHED = "watched_at"


def arrival(arrived: datetime | None, now: datetime, watched: object = None) -> datetime:
    """Where a new ticket's clocks start: when its mail reached our server, so that a daemon
    stopped for a while does not give it the time it lost; never after the pass taking it in
    (a server's clock ahead, a --now run behind). Only for mail that reached the server after
    the last pass looked (`watched`, ISO 8601): a mail that was there before it (moved in
    from another folder, a restored mailbox, the backlog of the first pass ever, the real
    clock of a --now simulation) starts now, or a restore would wake management with
    months-old lateness. In the zone of `now`."""
    if arrived is None or arrived.tzinfo is None or not isinstance(watched, str):
        return now
    try:
        looked = datetime.fromisoformat(watched)
    except ValueError:
        return now
    if looked.tzinfo is None or arrived <= looked:
        return now
    return min(arrived, now).astimezone(now.tzinfo)


# Under `run --now`, a server arrival this close to the real clock is that clock's, not the
# simulation's.
REAL_CLOCK_WINDOW = timedelta(hours=1)


def simulated_arrival(arrived: datetime | None, real: datetime | None) -> datetime | None:
    """The arrival to use when the pass runs on a clock of its own (`run --now`; `real` is
    then the real clock, else None): the server dated the mail by the real clock, which means
    nothing on the simulation's time line. One within an hour of the real clock is dropped, so
    the pass's time dates the mail (day 7 defect 17: the page said 09:02, the real time,
    beside a first response made by the 09:30 pass); an arrival far from it was set on
    purpose (a restored mailbox, a test's INTERNALDATE) and kept."""
    if real is None or arrived is None or arrived.tzinfo is None:
        return arrived
    return None if abs(real - arrived) <= REAL_CLOCK_WINDOW else arrived


def correlate(msg: ParsedMessage, view: View, config: Config) -> tuple[Ticket | None, str]:
    """The ticket a message belongs to: by its threading headers first, then by the tag."""
    for mid in [*msg.in_reply_to, *reversed(msg.references)]:
        ticket = ticket_of_id(mid, view)
        if ticket is not None:
            return ticket, f"header {mid}"
    if msg.ticket_ref is not None:
        ticket = view.ticket(msg.ticket_ref)
        if ticket is not None and (msg.sender in ticket.participants
                                   or msg.sender in people.staff(config)):
            return ticket, f"tag {format_tag(ticket.number, config.mail.tag_prefix)}"
    return None, ""


def _warn_cap(c: Context, decision: Decision) -> None:
    """The operator hears once per address and window that the cap stopped automatic mail
    (the event is committed with the decision, so a restart does not repeat the warning)."""
    if not c.capped or not loopguard.cap_warning_due(
            c.view.recent(loopguard.CAP_WARNED, c.capped), c.now, c.config):
        return
    decision.events.append((loopguard.CAP_WARNED, c.capped,
                            {"at": c.now.astimezone(UTC).isoformat()}))
    decision.warnings.append(loopguard.cap_warning(c.capped, c.config))
    # ... and so does the team, by mail: a log line alone is read too late (L09, S12).
    address = "" if c.capped == loopguard.ALL else c.capped
    alert = mails.team_cap(decision.ticket, address=address, config=c.config, now=c.now)
    if decision.ticket is not None:
        decision.ticket = with_mails(decision.ticket, [alert], c.now)
    decision.mails.append(alert)


# The flow for one incoming message, in order; the first step that decides ends it.
STEPS: tuple[Step, ...] = (
    ("duplicate", "a message already handled is not handled twice (idempotency)", duplicate),
    ("loop", "our own mail coming back (our X-Loop or From) is logged as a loop, nothing more",
     loop),
    ("bounce", "a bounce of our own mail is filed on its ticket as a delivery failure",
     bounce),
    ("auto_reply", "an automatic mail is filed on its ticket (no reopen); matching none, it is "
                   "a ticket marked automatic, never acknowledged", auto_reply),
    ("bulk_mail", "a newsletter or list post matching no ticket is kept as an automatic "
                  "ticket, archived at once, never acknowledged", bulk_mail),
    ("unauthenticated", "mail in a technician's name that fails authentication acts on "
                        "nothing: filed as a note, the team and the technician told",
     unauthenticated),
    ("technician_merges", "a technician's #merge N: the ticket closed into #N, same requester, "
                          "its history appended there, the requester told once",
     technician_merges),
    ("technician_on_ticket", "a technician's mail on a ticket: its commands all or none, "
                             "then the answer relayed, or a note kept", technician_on_ticket),
    ("technician_opens", "a technician's phone log or forward opens the employee's ticket",
     technician_opens),
    ("escalation_reply", "an escalation contact's reply (no technician): an internal note for "
                         "the team, never shown nor sent to the requester", escalation_reply),
    ("closed_ticket", "on a closed ticket: thanks are filed, a follow-up reopens it, after "
                      "reopen_days a new ticket names the old one", closed_ticket),
    ("follow_up", "the requester or a colleague writes on an open ticket: filed, team told",
     follow_up),
    ("same_matter", "a new mail on the subject of an open ticket of its sender (or adding "
                    "words to one opened within [tickets] merge_minutes, or rewording it within "
                    "24 h) is added to it: the team told, no second acknowledgement",
     same_matter),
    ("new_ticket", "anything else opens a ticket, acknowledged unless the loop guards say no",
     new_ticket),
)
