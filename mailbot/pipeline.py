"""The functional core: one parsed message (or one tick of the clock) in, one decision out.

    fetch -> parse -> who wrote (people) -> correlate -> the first step that decides -> commit

`decide` reads the tickets through a read-only `View`, takes `now` as an argument, and returns
what to store and what to send; it never touches the network, the disk or the clock. The flow is
the table `STEPS` below: each step looks at the message and either decides or passes.
`mailbot.timekeeping` is the same for decisions that no message triggers (escalation, digest),
and keeps every decision's SLA clocks and quiet hours.
The daemon stages every decision of a pass in a `mailbot.batch.Batch` and commits them at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from mailbot import commands, ids, loopguard, mails, notices, people, timekeeping, triage
from mailbot.config import Config
from mailbot.decision import Decision, View
from mailbot.mails import Incoming, tracking_url
from mailbot.model import Entry, OutgoingMail, StoredAttachment, Ticket
from mailbot.parsers import Attachment, ParsedMessage
from mailbot.people import Author
from mailbot.tags import format_tag

__all__ = ["Decision", "View", "decide", "tracking_url", "correlate"]


@dataclass
class Context:
    """What every step may look at: the message, who wrote it and the ticket it belongs to."""

    msg: ParsedMessage
    key: str
    raw_path: str
    view: View
    config: Config
    now: datetime
    author: Author
    ticket: Ticket | None
    how: str  # how the ticket was found ("header <id>", "tag [#4]") or ""
    triage: triage.Triage | None = None  # the organisation's rules on a ticket being opened
    capped: str = ""  # the address the automatic-mail cap kept an automatic mail from


Step = tuple[str, str, Callable[[Context], "Decision | None"]]


def message_key(msg: ParsedMessage) -> str:
    """Idempotency: the Message-ID and the SHA-256 of the raw bytes, the hash alone when a
    message has no Message-ID. The same bytes fetched again are a duplicate; another message
    reusing a Message-ID (a careless mailer, a forgery) is not dropped."""
    if msg.message_id:
        return f"mid:{msg.message_id} sha256:{msg.content_hash}"
    return f"sha256:{msg.content_hash}"


def _legacy_key(msg: ParsedMessage) -> str | None:
    """The key a message handled before the content hash was added is known by (the store's
    schema 1 entries, kept under `v1:` by its upgrade)."""
    return f"v1:mid:{msg.message_id}" if msg.message_id else None


def decide(msg: ParsedMessage, *, raw_path: str, view: View, config: Config,
           now: datetime) -> Decision:
    author = people.identify(msg, config)
    ticket, how = correlate(msg, view, config)
    context = Context(msg, message_key(msg), raw_path, view, config, now, author, ticket, how)
    for _name, _description, step in STEPS:
        decision = step(context)
        if decision is not None:
            if author.claims_technician:
                decision.reasons.insert(0, author.verdict)
            _warn_cap(context, decision)
            return timekeeping.keep_time(ticket, decision, config, now)
    raise AssertionError("the last step always decides")


def correlate(msg: ParsedMessage, view: View, config: Config) -> tuple[Ticket | None, str]:
    """The ticket a message belongs to: by its threading headers first, then by the tag."""
    for mid in [*msg.in_reply_to, *reversed(msg.references)]:
        ticket = _ticket_of_id(mid, view)
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
        decision.ticket = _with_mails(decision.ticket, [alert], c.now)
    decision.mails.append(alert)


def _ticket_of_id(mid: str, view: View) -> Ticket | None:
    number = ids.ticket_of_message_id(mid)
    if number is None:
        number = view.lookup(f"mid:{mid}")
    ticket = view.ticket(number) if number else None
    # A decoded number is only a hint: the id must really be one of that ticket's messages.
    return ticket if ticket is not None and mid in ticket.message_ids else None


# --- the steps, in order -----------------------------------------------------------------------

def _duplicate(c: Context) -> Decision | None:
    for key in filter(None, (c.key, _legacy_key(c.msg))):
        if c.view.lookup(key) is not None:
            return Decision("duplicate", key, reasons=["already handled"])
    return None


def _loop(c: Context) -> Decision | None:
    # Our own mail back (our X-Loop, our From): neither ticketed nor filed nor answered.
    if c.msg.kind != "loop":
        return None
    return Decision("loop", c.key, reasons=list(c.msg.machine_reasons))


def _verp(c: Context) -> tuple[Ticket, str] | None:
    """The ticket and recipient a mail to one of our VERP envelope addresses is about, once its
    signature checks out (anything sent there is a bounce of our automatic mail)."""
    for address in [*c.msg.to, *c.msg.cc]:
        found = ids.verp_ticket(address)
        ticket = c.view.ticket(found[0]) if found else None
        if found is None or ticket is None:
            continue
        candidates = [ticket.requester, *ticket.participants,
                      *(r for m in ticket.messages if m.direction == "out" for r in m.to)]
        recipient = ids.verp_recipient(found[0], found[1], candidates, c.config.verp_key)
        if recipient is not None:
            return ticket, recipient
    return None


def _bounce(c: Context) -> Decision | None:
    # An auto-reply sent to the envelope sender is still an auto-reply; a person's mail there
    # is a bounce the parsers could not read as one.
    verp = _verp(c) if c.msg.kind in ("bounce", "person") else None
    if c.msg.kind != "bounce" and verp is None:
        return None
    msg = c.msg
    if msg.bounce and (msg.bounce.action or "").lower() == "delayed":
        # A warning that delivery is still being tried: nothing failed yet (RFC 3464).
        return Decision("delayed", c.key, reasons=[
            f"delivery delayed for {msg.bounce.recipient or '?'}: logged only"])
    bounced = msg.bounce.original_message_id if msg.bounce else None
    candidates = [bounced] if bounced else []
    ticket = verp[0] if verp else next(filter(None, (
        _ticket_of_id(m, c.view) for m in [*candidates, *msg.in_reply_to, *msg.references])), None)
    if ticket is None and msg.ticket_ref is not None:
        # The returned message's Message-ID may be lost (a headers-only report, a rewriting
        # MTA): its tag will do, provided the bounced address is one we wrote to on it.
        tagged = c.view.ticket(msg.ticket_ref)
        recipient = (msg.bounce.recipient or "").lower() if msg.bounce else ""
        if tagged is not None and recipient in tagged.participants:
            ticket = tagged
    if ticket is None:
        return Decision("dropped", c.key, reasons=["bounce of nothing we sent"])
    ticket = _with_entry(ticket, _entry(c, "delivery_failure", public=False), msg)
    out = []
    bounced_kind = bounced.split(".")[2] if bounced and bounced.startswith("<mailbot.") else ""
    if bounced_kind not in ("team_notice", "transcript", "unauthenticated"):
        # A bounce of a mail to staff must not make another mail to staff.
        out.append(mails.team_update(ticket, Incoming.of(msg, msg.text or msg.body[:4000]),
                                     c.config, c.now, headline="delivery_failure"))
    decision = _decision("delivery_failure", c, ticket, out, [
        f"bounce of {bounced or '?'}", *(["to our VERP address"] if verp else [])])
    recipient = (msg.bounce.recipient or "").lower() if msg.bounce else ""
    if verp:  # signed by us: the address we wrote to, whatever the report says
        recipient = verp[1]
    status = (msg.bounce.status if msg.bounce else None) or "5"
    if recipient and status.startswith("5"):
        # A permanent failure: that address gets no automatic mail for a while.
        decision.events.append((loopguard.BOUNCED, recipient,
                                {"at": c.now.astimezone(UTC).isoformat()}))
        decision.reasons.append(f"{recipient} suppressed for "
                                f"{c.config.mail.suppress_bounced_days} days")
    return decision


def _auto_reply(c: Context) -> Decision | None:
    if c.msg.kind != "auto_reply":
        return None
    if c.ticket is None:
        # L01: a machine's mail about nothing we know (a monitoring alert, a scanner's
        # report) may be a real request: a ticket, marked automatic, never acknowledged (the
        # loop guards block it: RFC 3834) and counted by the per-address flood guard. An
        # automatic *answer* (an out-of-office, a read receipt) to a mail we cannot find asks
        # for nothing: its ticket is archived at once, off the ladder and the team's list.
        answer = c.msg.auto_answer
        decision = _new_ticket(c, automatic=True, archive=answer)
        decision.reasons.insert(0, "automatic mail: ticketed, not acknowledged" + (
            "; an automatic answer to no mail of ours: archived" if answer else ""))
        return decision
    # On a ticket, even a closed one: filed quietly, nothing reopened, nobody answered.
    ticket = _with_entry(c.ticket, _entry(c, "request", public=False), c.msg)
    return Decision("filed_automatic", c.key, ticket, reasons=[c.how])


def _unauthenticated(c: Context) -> Decision | None:
    if not c.author.claims_technician or c.author.authenticated:
        return None
    ticket = c.ticket
    if ticket is not None:
        entry = _entry(c, "internal_note", public=False,
                       note=f"unauthenticated: {c.author.verdict}")
        ticket = _with_entry(ticket, entry, c.msg)
    out = mails.unauthenticated(ticket, c.msg, technician=c.author.address,
                                verdict=c.author.verdict, config=c.config, now=c.now)
    capped = loopguard.over_cap(c.view.automatic_since(
        c.author.address, loopguard.window_start(c.now, c.config)), c.config)
    c.capped = c.author.address if capped else ""
    if capped or loopguard.automatic_mail_blocked(c.msg, c.config):
        out = []  # a flood of forged mail must not become a flood of warnings
    return _decision("unauthenticated", c, ticket, out,
                     ["nothing executed or relayed", *([c.how] if c.how else []),
                      *(["no warning: loop cap"] if capped else [])])


def _technician_on_ticket(c: Context) -> Decision | None:
    decision = _technician_acts(c)
    if decision is not None and c.ticket is not None and c.ticket.status != "closed":
        _close_reports(decision, c)
    return decision


def _technician_acts(c: Context) -> Decision | None:
    if not c.author.technician or c.ticket is None:
        return None
    msg, config = c.msg, c.config
    text = commands.strip_commands(msg.text, msg.commands)
    plan = commands.plan(msg.commands, c.ticket, author=c.author.address, config=config,
                         now=c.now)
    if plan.refused:  # nothing applied, nothing relayed; the mail is kept as a note
        ticket = _with_entry(c.ticket, _entry(c, "internal_note", public=False, text=text,
                                              note="commands refused: nothing applied"), msg)
        out = [mails.transcript(ticket, technician=c.author.address, outcomes=plan.outcomes,
                                applied=False, relayed=False, help_wanted=plan.help,
                                config=config, now=c.now)]
        return _decision("commands_refused", c, ticket, out, [c.how, *_refusals(plan)])
    ticket = plan.ticket
    assert ticket is not None
    private = plan.note or plan.phone or (plan.help and not text)
    closing = plan.close_text is not None
    answer = "\n\n".join(t for t in (plan.close_text or "", text) if t)
    files = [a for a in msg.attachments if not a.inline]
    kind = "internal_note" if private or not (text or closing or files) else "reply"
    if ticket.children and not closing:
        # A mass incident's parent has no requester of its own to answer: its reporters hear
        # when it is closed. Until then a technician's words on it are kept as a note.
        kind = "internal_note"
    note_text = "\n\n".join(t for t in (plan.note_text, text) if t)
    ticket = _with_entry(ticket, _entry(c, kind, public=kind == "reply",
                                        text=note_text if kind == "internal_note" else answer),
                         msg)
    out: list[OutgoingMail] = []
    relayed = False
    # A ticket opened from a mail without a usable From has no one to write to: nothing is
    # sent to nobody, and the transcript does not claim it was.
    reachable = _reachable(mails.requester_address(ticket))
    if closing and not ticket.children:  # a mass incident's closure goes to its reporters
        if reachable:
            out.append(mails.closure(ticket, text=answer, config=config, now=c.now))
        relayed = bool(answer) and reachable
    elif closing:
        relayed = bool(answer)
    elif kind == "reply" and reachable:
        out.append(mails.relay(ticket, technician=c.author.address,
                               technician_name=msg.sender_name, text=text,
                               attachments=msg.attachments, config=config, now=c.now))
        relayed = True
        if ticket.status != "closed":
            ticket.status = "waiting"  # answered: the ball is in the requester's court
    if relayed or closing:
        ticket.first_response_at = ticket.first_response_at or c.now.isoformat()
    if plan.demoted is not None and reachable:
        out.append(mails.demotion(ticket, reason=plan.demoted, config=config, now=c.now))
    if plan.escalated is not None:
        out.append(mails.team_update(ticket, Incoming(c.author.address, text), config, c.now,
                                     headline="escalation", detail=plan.escalated))
        # Seed 001: #escalate moves the ticket up one level at once; that level is told.
        level = config.time.levels[ticket.escalation_level - 1]
        out.append(notices.escalation(ticket, level, threshold_hours=None, config=config,
                                      now=c.now, asked_by=c.author.address,
                                      reason=plan.escalated))
    if msg.commands:
        # The transcript comes after the other mails so that it can say they went out.
        out_ticket = _with_mails(ticket, out, c.now)
        transcript = mails.transcript(out_ticket, technician=c.author.address,
                                      outcomes=plan.outcomes, applied=True, relayed=relayed,
                                      help_wanted=plan.help, config=config, now=c.now)
        return _decision("technician", c, out_ticket, [transcript], [c.how, *_done(plan)],
                         sent=out)
    return _decision("technician", c, ticket, out, [c.how, "relayed" if relayed else "filed"])


def _technician_opens(c: Context) -> Decision | None:
    """A technician logs a phone call or forwards an employee's mail: the ticket is the
    employee's (seed 004 EXCEPTIONS; PRODUCT.md §7). Their own new mail is their own ticket."""
    if not c.author.technician:
        return None
    msg, config = c.msg, c.config
    phone = people.is_phone_log(msg, c.author)
    requester = people.requester_of(msg, c.author, config)
    if phone and requester == c.author.address:
        out = [mails.transcript(None, technician=c.author.address, outcomes=[commands.Outcome(
            "#phone", False, "phone_without_requester")], applied=False, relayed=False,
            help_wanted=True, config=config, now=c.now)]
        return Decision("commands_refused", c.key, None, out, ["phone log without #requester"])
    behalf = people.is_forward_on_behalf(msg, c.author, config) and not phone
    text = commands.strip_commands(msg.text, msg.commands)
    date, extra = msg.date or c.now, []
    if behalf and msg.forwarded is not None:
        text = msg.forwarded.text or text
        date = _forwarded_date(msg.forwarded.original_date, c.now) or date
        extra = msg.forwarded.original_cc
    ticket = _open(c, requester=requester, channel="phone" if phone else "email", text=text,
                   date=date, participants=[requester, *extra])
    plan = commands.plan(msg.commands, ticket, author=c.author.address, config=config,
                         now=c.now, opening=True)
    if plan.refused:
        out = [mails.transcript(None, technician=c.author.address, outcomes=plan.outcomes,
                                applied=False, relayed=False, help_wanted=plan.help,
                                config=config, now=c.now)]
        return Decision("commands_refused", c.key, None, out,
                        ["no ticket opened", *_refusals(plan)])
    ticket = plan.ticket or ticket
    out: list[OutgoingMail] = []
    reachable = _reachable(mails.requester_address(ticket))  # a forward of a From-less mail
    if plan.close_text is not None:
        answer = plan.close_text or text
        ticket.first_response_at = c.now.isoformat()
        if reachable:
            out.append(mails.closure(ticket, text=answer, config=config, now=c.now))
    elif reachable:
        thread: tuple[str | None, tuple[str, ...]] = (None, ())
        if behalf and msg.forwarded and msg.forwarded.original_message_id:
            thread = (msg.forwarded.original_message_id, (msg.forwarded.original_message_id,))
        elif not behalf:
            thread = _thread(msg)
        out += _acknowledge(c, ticket, thread)
    assert c.triage is not None
    a = c.triage.assessment
    if plan.demoted is not None and reachable:
        out.append(mails.demotion(ticket, reason=plan.demoted, config=config, now=c.now))
    elif a.urgent.demoted and (ticket.priority or "P4") > config.priorities.urgent and out:
        out.append(mails.demotion(ticket, reason=triage.demotion_reason(
            c.triage, ticket.language), config=config, now=c.now))
    ticket = _with_mails(ticket, out, c.now)
    vip: list[OutgoingMail] = []
    if a.vip.vip and a.vip.notify and a.vip.escalation is not None:  # seed 003, at once
        vip.append(mails.vip_notice(ticket, to=a.vip.notify, escalation=a.vip.escalation,
                                    text=text, why=triage.sentence(c.triage,
                                                                   config.mail.language),
                                    config=config, now=c.now))
        ticket = _with_mails(ticket, vip, c.now)
    notice = mails.team_new(ticket, Incoming(c.author.address, text, msg.errors, msg.attachments,
                                             msg.refused_attachments), config, c.now,
                            blocked=[] if out else _blocked(c, ticket),
                            why=[triage.sentence(c.triage, config.mail.language)
                                 if c.triage else ""])
    ticket = _with_mails(ticket, [notice], c.now)
    final = [*out, *vip, notice]
    if msg.commands:
        final.append(mails.transcript(ticket, technician=c.author.address,
                                      outcomes=plan.outcomes, applied=True,
                                      relayed=plan.close_text is not None,
                                      help_wanted=plan.help, config=config, now=c.now))
        ticket = _with_mails(ticket, final[-1:], c.now)
    how = "phone log" if phone else "forward on behalf of " + requester if behalf else "own"
    assert c.triage is not None
    return Decision("new_ticket", c.key, ticket, final,
                    [how, *[w for w in ticket.why if not w.startswith("miss ")], *_done(plan)],
                    events=c.triage.events, trace=c.triage.assessment.why())


def _closed_ticket(c: Context) -> Decision | None:
    ticket = c.ticket
    if ticket is None or ticket.status != "closed":
        return None
    if c.msg.thanks_only:  # "merci", "ok, bonne journée": filed, nobody disturbed
        ticket = _with_entry(ticket, _entry(c, "request"), c.msg)
        return Decision("filed_thanks", c.key, ticket, reasons=[c.how, "thanks only"])
    closed = datetime.fromisoformat(ticket.closed_at or ticket.updated_at)
    if c.now - closed > timedelta(days=c.config.tickets.reopen_days):
        return _new_ticket(c, previous=ticket)
    ticket = _with_entry(ticket, _entry(c, "request"), c.msg)
    ticket.status, ticket.closed_at, ticket.resolved_at = "open", None, None
    ticket.participants = _participants(c.msg, c.config, ticket.participants)
    out = [mails.team_update(ticket, Incoming.of(c.msg), c.config, c.now, headline="reopened")]
    return _decision("reopened", c, ticket, out, [c.how, "reopened within "
                                                   f"{c.config.tickets.reopen_days} days"])


def _follow_up(c: Context) -> Decision | None:
    if c.ticket is None:
        return None
    ticket = _with_entry(c.ticket, _entry(c, "request"), c.msg)
    ticket.participants = _participants(c.msg, c.config, ticket.participants)
    if ticket.status == "waiting":
        ticket.status = "open"
    out = [mails.team_update(ticket, Incoming.of(c.msg), c.config, c.now, headline="follow_up")]
    return _decision("follow_up", c, ticket, out, [c.how, *_ignored_commands(c)])


def _new_ticket(c: Context, previous: Ticket | None = None, *,
                automatic: bool = False, archive: bool = False) -> Decision:
    msg = c.msg
    requester = msg.sender.lower()
    ticket = _open(c, requester=requester, channel="email", text=msg.text,
                   date=msg.date or c.now, participants=[requester])
    answer = loopguard.answer_address(msg, c.config)
    if answer != requester:  # who answers the requester's mail for them is part of it too
        ticket.reply_to = answer
        ticket.participants = [*ticket.participants, answer]
    ticket.automatic = automatic
    if previous is not None:
        ticket.previous = previous.number
        ticket.why = [*ticket.why, f"follows ticket #{previous.number}, closed more than "
                                   f"{c.config.tickets.reopen_days} days ago"]
    assert c.triage is not None
    t, config, now = c.triage, c.config, c.now
    a = t.assessment
    others: list[Ticket] = []
    mass_notice: OutgoingMail | None = None
    if a.information or archive:  # seed 000 level 4: archived at once, no answer by default
        ticket.status, ticket.closed_at = "closed", now.isoformat()
        ticket.resolved_at = ticket.closed_at
    elif t.mass.is_mass:
        others, mass_notice = _mass_incident(c, ticket, t)
    parent = next((o for o in others if o.number == ticket.parent), None)
    blocked = [] if t.cap.acknowledge else ["new_ticket_cap"]
    if a.information and not a.acknowledge:
        blocked = ["information"]
    known = (f"{format_tag(parent.number, config.mail.tag_prefix)} \"{parent.subject}\""
             if parent is not None else None)
    out = [] if blocked else _acknowledge(c, ticket, _thread(msg), known_incident=known)
    blocked = blocked or ([] if out else _blocked(c, ticket))
    # A VIP's floor may give back what the demotion took: then nothing was lowered to tell of.
    lowered = (ticket.priority or "P4") > config.priorities.urgent
    if a.urgent.demoted and lowered and not blocked:
        out.append(mails.demotion(ticket, reason=triage.demotion_reason(t, ticket.language),
                                  config=config, now=now))
    ticket = _with_mails(ticket, out, now)
    why = triage.sentence(t, config.mail.language)
    team: list[OutgoingMail] = []
    if a.information:
        team.append(mails.team_information(ticket, config, now))
    elif ticket.parent is None and t.cap.team_notice and not archive:
        notice = mails.team_new(ticket, Incoming.of(msg), config, now, blocked=blocked,
                                why=[why])
        if t.held:
            # The same failure as other recent reports: if one more sender writes within the
            # window, the mass incident's notice lists this report and this one is dropped;
            # otherwise it goes out when the window ends, so no ticket goes unannounced.
            until = (now + timedelta(minutes=config.mass.window_minutes)).isoformat()
            notice = replace(notice, hold_until=until, next_attempt_at=until)
        team.append(notice)
    if t.cap.warn_team:
        team.append(mails.team_flood(ticket, count=config.flood.max_new_tickets + 1,
                                     config=config, now=now))
    if a.vip.vip and a.vip.notify and a.vip.escalation is not None:
        team.append(mails.vip_notice(ticket, to=a.vip.notify, escalation=a.vip.escalation,
                                     text=msg.text, why=why, config=config, now=now))
    ticket = _with_mails(ticket, team, now)
    unsure = msg.return_path is None and bool(out)
    reasons = [*[w for w in ticket.why if w.startswith("hit ")],
               *(["acknowledged without a Return-Path (mail.acknowledge_without_return_path)"]
                 if unsure else []),
               *([f"no acknowledgement: {', '.join(blocked)}"] if blocked else []),
               *([f"team notice held for the mass window: same failure as "
                  f"#{', #'.join(map(str, t.held))}"]
                 if t.held and ticket.parent is None else []),
               *_ignored_commands(c)]
    sent = [mass_notice] if mass_notice is not None else []
    # The reports' own team notices still waiting (held) are covered by the incident's notice.
    superseded = [m.message_id for o in others if o.parent == ticket.parent
                  for m in o.messages if m.direction == "out" and ".team_notice." in m.message_id
                  and config.team_address in m.to] if mass_notice is not None else []
    return Decision("new_ticket", c.key, ticket, [*out, *team, *sent], reasons, others=others,
                    events=[*t.events, *triage.report_events(t, ticket, ticket.requester, now)],
                    trace=a.why(), cancel=superseded)


def _mass_incident(c: Context, ticket: Ticket, t: triage.Triage
                   ) -> tuple[list[Ticket], OutgoingMail | None]:
    """This report is one of a mass incident: it joins the known parent, or the reports that
    now reach [mass] senders are gathered under a new parent with one team notice."""
    config, now = c.config, c.now
    if t.mass.parent is not None:
        parent = c.view.ticket(t.mass.parent)
        if parent is None or parent.status == "closed":  # that incident is over: a new report
            t.held = []
            return [], None
        parent.children = [*parent.children, ticket.number]
        ticket.parent = parent.number
        ticket.why = [*ticket.why, f"mass incident #{parent.number}: {t.mass.key}"]
        return [parent], None
    siblings = [s for s in (c.view.ticket(n) for n in t.mass.siblings) if s is not None]
    number = ticket.number + 1
    a = t.assessment
    parent = Ticket(
        number=number, subject=siblings[0].subject if siblings else ticket.subject,
        requester=config.team_address, token=ids.new_token(number), created_at=now.isoformat(),
        updated_at=now.isoformat(), priority=a.classified_priority,  # type: ignore[arg-type]
        classified_priority=a.classified_priority,  # type: ignore[arg-type]
        type="incident", category=a.category, program=ticket.program,
        language=config.mail.language, children=[*(s.number for s in siblings), ticket.number],
        why=[f"hit mass/same_failure: {t.mass.key}: {t.mass.senders} senders within "
             f"{config.mass.window_minutes} min", *[w for w in ticket.why if w.startswith("hit")]])
    parent = config.time.follow(None, parent, now)  # its clocks and ladder stand for all
    for sibling in siblings:
        sibling.parent = number
        sibling.why = [*sibling.why, f"mass incident #{number}: {t.mass.key}"]
    ticket.parent = number
    ticket.why = [*ticket.why, f"mass incident #{number}: {t.mass.key}"]
    notice = mails.team_mass(parent, children=[*siblings, ticket], key=t.mass.key or "",
                             senders=t.mass.senders,
                             why=triage.sentence(t, config.mail.language), config=config,
                             now=now)
    parent = _with_mails(parent, [notice], now)
    return [parent, *siblings], notice


def _close_reports(decision: Decision, c: Context) -> None:
    """A mass incident closed by a technician closes its reports: each reporter gets the
    closure mail, naming the incident."""
    parent = decision.ticket
    if parent is None or parent.status != "closed" or not parent.children:
        return
    text = next((m.text for m in reversed(parent.messages)
                 if m.direction == "in" and m.kind in ("reply", "internal_note")), "")
    incident = f"{format_tag(parent.number, c.config.mail.tag_prefix)} \"{parent.subject}\""
    for number in parent.children:
        child = c.view.ticket(number)
        if child is None or child.status == "closed":
            continue
        if not _reachable(mails.requester_address(child)):  # closed with it, no one to tell
            child.status, child.closed_at = "closed", c.now.isoformat()
            child.resolved_at = child.closed_at
            decision.others.append(child)
            continue
        child.status, child.closed_at = "closed", c.now.isoformat()
        child.resolved_at = child.closed_at
        closure = mails.closure(child, text=text, config=c.config, now=c.now, incident=incident)
        decision.others.append(_with_mails(child, [closure], c.now))
        decision.mails.append(closure)


# The flow for one incoming message, in order; the first step that decides ends it.
STEPS: tuple[Step, ...] = (
    ("duplicate", "a message already handled is not handled twice (idempotency)", _duplicate),
    ("loop", "our own mail coming back (our X-Loop or From) is logged as a loop, nothing more",
     _loop),
    ("bounce", "a bounce of our own mail is filed on its ticket as a delivery failure",
     _bounce),
    ("auto_reply", "an automatic mail is filed on its ticket (no reopen); matching none, it is "
                   "a ticket marked automatic, never acknowledged", _auto_reply),
    ("unauthenticated", "mail in a technician's name that fails authentication acts on "
                        "nothing: filed as a note, the team and the technician told",
     _unauthenticated),
    ("technician_on_ticket", "a technician's mail on a ticket: its commands all or none, "
                             "then the answer relayed, or a note kept", _technician_on_ticket),
    ("technician_opens", "a technician's phone log or forward opens the employee's ticket",
     _technician_opens),
    ("closed_ticket", "on a closed ticket: thanks are filed, a follow-up reopens it, after "
                      "reopen_days a new ticket names the old one", _closed_ticket),
    ("follow_up", "the requester or a colleague writes on an open ticket: filed, team told",
     _follow_up),
    ("new_ticket", "anything else opens a ticket, acknowledged unless the loop guards say no",
     _new_ticket),
)


# --- building blocks ---------------------------------------------------------------------------

def _open(c: Context, *, requester: str, channel: str, text: str, date: datetime,
          participants: list[str]) -> Ticket:
    msg, config = c.msg, c.config
    # The organisation's rules decide type, category and priority (triage.py, rules/).
    c.triage = triage.triage(msg, requester=requester, text=text, channel=channel,
                             view=c.view, config=config, now=c.now)
    number = c.view.next_number()
    subject = msg.subject or msg.subject_raw or "(sans objet)"
    if channel == "phone":  # the marker said what the mail is; the ticket keeps the matter
        for marker in config.team.phone_markers:
            subject = re.sub(re.escape(marker), " ", subject, flags=re.IGNORECASE)
        subject = " ".join(subject.split()) or "(sans objet)"
    ticket = Ticket(
        number=number, subject=subject,
        requester=requester, token=ids.new_token(number), created_at=c.now.isoformat(),
        updated_at=c.now.isoformat(), program=msg.program,
        channel=channel,  # type: ignore[arg-type]
        language=config.mail.language, urgent_requested=c.triage.assessment.urgent.requested,
        participants=_participants(msg, config, participants))
    triage.apply(ticket, c.triage)
    author = requester if c.author.technician and requester != c.author.address else msg.sender
    entry = _entry(c, "request", text=text, date=date, author=author,
                   note=f"logged by {msg.sender}" if author != msg.sender else "")
    return _with_entry(ticket, entry, msg)


def _acknowledge(c: Context, ticket: Ticket, thread: tuple[str | None, tuple[str, ...]], *,
                 known_incident: str | None = None) -> list[OutgoingMail]:
    if _blocked(c, ticket):
        return []
    return [mails.acknowledgement(ticket, c.config, c.now, thread=thread,
                                  known_incident=known_incident,
                                  refused_attachments=c.msg.refused_attachments)]


def _blocked(c: Context, ticket: Ticket) -> list[str]:
    """Why no automatic mail may go to the requester (loop safety), or []."""
    recipient = mails.requester_address(ticket)
    blocked = loopguard.refused_for(c.msg, recipient, c.view, c.config, c.now)
    if blocked == ["automatic_mail_cap"]:
        c.capped = recipient
    elif blocked == ["automatic_mail_total"]:
        c.capped = loopguard.ALL
    return blocked


def _entry(c: Context, kind: str, *, public: bool = True, text: str | None = None,
           date: datetime | None = None, author: str | None = None, note: str = "") -> Entry:
    msg = c.msg
    return Entry(
        message_id=msg.message_id or f"<sha256.{msg.content_hash}@mailbot.invalid>",
        author=author or msg.sender, kind=kind,  # type: ignore[arg-type]
        date=(date or msg.date or c.now).isoformat(), direction="in", subject=msg.subject_raw,
        text=msg.text if text is None else text, to=msg.to + msg.cc,
        errors=[e.to_json() for e in msg.errors],
        attachments=[stored_attachment(a) for a in msg.attachments], raw_path=c.raw_path,
        public=public, note=note, received_at=c.now.isoformat())


def stored_attachment(a: Attachment) -> StoredAttachment:
    # The content itself is written by the shell (Store.keep_file) under the same name.
    return StoredAttachment(filename=a.filename, content_type=a.content_type, size=a.size,
                            sha256=a.sha256, inline=a.inline,
                            stored_as=StoredAttachment.path_for(a.sha256))


def _with_entry(ticket: Ticket, entry: Entry, msg: ParsedMessage) -> Ticket:
    ticket = replace(ticket, messages=[*ticket.messages, entry],
                     message_ids=list(ticket.message_ids), participants=list(ticket.participants))
    if msg.message_id and msg.message_id not in ticket.message_ids:
        ticket.message_ids.append(msg.message_id)
    ticket.updated_at = max(ticket.updated_at, entry.date)
    return ticket


def _with_mails(ticket: Ticket, out: Sequence[OutgoingMail], now: datetime) -> Ticket:
    for mail in out:
        ticket = mails.with_outgoing(ticket, mail, now)
    return ticket


def _decision(action: str, c: Context, ticket: Ticket | None, out: list[OutgoingMail],
              reasons: list[str], *, sent: Sequence[OutgoingMail] = ()) -> Decision:
    """A decision whose mails are recorded in the ticket's history (`sent`: already there)."""
    if ticket is not None:
        ticket = _with_mails(ticket, out, c.now)
    return Decision(action, c.key, ticket, [*sent, *out], [r for r in reasons if r])


def _reachable(address: str) -> bool:
    """Whether the requester's mail has somewhere to go: a ticket may have been opened from a
    mail with no usable From (RELIABILITY M01)."""
    return loopguard.mailable(address)


def _participants(msg: ParsedMessage, config: Config, existing: list[str]) -> list[str]:
    own = {config.bot_address, config.team_address}
    out: list[str] = []
    for person in [*existing, msg.sender, *msg.cc, *msg.to]:
        person = person.lower()
        if "@" in person and person not in own and person not in out:
            out.append(person)
    return out


def _thread(msg: ParsedMessage) -> tuple[str | None, tuple[str, ...]]:
    if not msg.message_id:
        return None, tuple(msg.references)
    return msg.message_id, (*msg.references, msg.message_id)


# The languages of the forwarded header blocks the parsers read (forwards.py).
_DATE_LANGUAGES = ["fr", "en", "de", "es", "it", "nl", "pt"]


def _forwarded_date(value: str | None, now: datetime) -> datetime | None:
    """A forwarded block's date as the client wrote it ("lundi 23 novembre 2026 08:12",
    "Monday, November 23, 2026 8:12 AM", an RFC 5322 date): dateparser reads them all. A date
    without a zone is the organisation's local time, the zone of `now`."""
    if not value:
        return None
    import dateparser  # loaded only for a forward: its language data takes a while to load

    date = dateparser.parse(value, languages=_DATE_LANGUAGES,
                            settings={"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past",
                                      # "past" is relative to `now`, never the machine's clock
                                      "RELATIVE_BASE": now.replace(tzinfo=None)})
    if date is None:
        return None
    # Zoned first: an RFC 5322 date (a message forwarded attached) carries its zone, and an
    # aware date cannot be compared with a naive one (RELIABILITY M01's fuzz found it).
    date = date if date.tzinfo else date.replace(tzinfo=now.tzinfo)
    # Over a day ahead of now, it is misread (or the sender's clock is wrong): not the date of
    # a mail already written; the forward's own date stands.
    return None if date > now + timedelta(days=1) else date


def _refusals(plan: commands.Plan) -> list[str]:
    return [f"{o.line}: {o.code}" for o in plan.outcomes if not o.done]


def _done(plan: commands.Plan) -> list[str]:
    return [f"{o.line}: done" for o in plan.outcomes if o.done]


def _ignored_commands(c: Context) -> list[str]:
    return ["commands ignored: not a technician"] if c.msg.commands else []
