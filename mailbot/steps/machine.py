"""The steps for mail no person wrote for us: a duplicate, our own mail back, a bounce, an
automatic mail (RFC 3834)."""

from __future__ import annotations

from mailbot import ids, loopguard, mails
from mailbot.decision import Decision
from mailbot.mails import Incoming
from mailbot.model import Ticket
from mailbot.steps.common import (
    Context,
    decided,
    incoming_entry,
    legacy_key,
    ticket_of_id,
    with_entry,
)
from mailbot.steps.requester import new_ticket


def duplicate(c: Context) -> Decision | None:
    for key in filter(None, (c.key, legacy_key(c.msg))):
        if c.view.lookup(key) is not None:
            return Decision("duplicate", key, reasons=["already handled"])
    return None


def loop(c: Context) -> Decision | None:
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


def bounce(c: Context) -> Decision | None:
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
        ticket_of_id(m, c.view) for m in [*candidates, *msg.in_reply_to, *msg.references])), None)
    if ticket is None and msg.ticket_ref is not None:
        # The returned message's Message-ID may be lost (a headers-only report, a rewriting
        # MTA): its tag will do, provided the bounced address is one we wrote to on it.
        tagged = c.view.ticket(msg.ticket_ref)
        recipient = (msg.bounce.recipient or "").lower() if msg.bounce else ""
        if tagged is not None and recipient in tagged.participants:
            ticket = tagged
    if ticket is None:
        return Decision("dropped", c.key, reasons=["bounce of nothing we sent"])
    ticket = with_entry(ticket, incoming_entry(c, "delivery_failure", public=False), msg)
    recipient = verp[1] if verp else (msg.bounce.recipient or "").lower() if msg.bounce else ""
    status = (msg.bounce.status if msg.bounce else None) or "5"
    unreachable = (status.startswith("5") and ticket.status == "waiting"
                   and recipient in (ticket.requester, mails.requester_address(ticket)))
    if unreachable:
        # A requester who cannot be reached is the team's problem, not a wait: the ticket
        # is theirs again and its clock runs (issue 16 §9).
        ticket.status = "open"
    out = []
    bounced_kind = bounced.split(".")[2] if bounced and bounced.startswith("<mailbot.") else ""
    if bounced_kind not in ("team_notice", "transcript", "unauthenticated"):
        # A bounce of a mail to staff must not make another mail to staff.
        out.append(mails.team_update(ticket, Incoming.of(msg, msg.text or msg.body[:4000]),
                                     c.config, c.now, headline="delivery_failure",
                                     unreachable=recipient if status.startswith("5") and recipient
                                     in (ticket.requester, mails.requester_address(ticket))
                                     else "", transient=loopguard.transient(status)))
    decision = decided("delivery_failure", c, ticket, out, [
        f"bounce of {bounced or '?'}", *(["to our VERP address"] if verp else []),
        *(["the requester cannot be reached: no longer waiting"] if unreachable else [])])
    # A VERP address is signed by us: the address we wrote to, whatever the report says.
    event = loopguard.bounce_event(status, c.now, c.config) if recipient else None
    if event is not None:
        # That address gets no automatic mail for a while: two months when it does not exist,
        # a day when its mailbox is full (RFC 3463), until it writes to us again. The event
        # names the ticket, what bounced and the team's notice: when the person writes again,
        # the notice (if still held) is dropped and their mail's notice tells it instead.
        event.update({"ticket": ticket.number, "what": bounced_kind,
                      "notice": out[0].message_id if out else ""})
        decision.events.append((loopguard.BOUNCED, recipient, event))
        decision.reasons.append(f"{recipient} suppressed for "
                                f"{loopguard.block_words(status, c.config)}")
    return decision


def auto_reply(c: Context) -> Decision | None:
    if c.msg.kind != "auto_reply":
        return None
    if c.ticket is None:
        # L01: a machine's mail about nothing we know (a monitoring alert, a scanner's
        # report) may be a real request: a ticket, marked automatic, never acknowledged (the
        # loop guards block it: RFC 3834) and counted by the per-address flood guard. An
        # automatic *answer* (an out-of-office, a read receipt) to a mail we cannot find asks
        # for nothing: its ticket is archived at once, off the ladder and the team's list.
        answer = c.msg.auto_answer
        decision = new_ticket(c, automatic=True, archive=answer)
        decision.reasons.insert(0, "automatic mail: ticketed, not acknowledged" + (
            "; an automatic answer to no mail of ours: archived" if answer else ""))
        return decision
    # On a ticket, even a closed one: filed quietly, nothing reopened, nobody answered. A
    # machine's mail, not the requester's words: kind `automatic`, never public, and never the
    # mail the next answer is threaded on (day 4 item 8: an out-of-office was both).
    ticket = with_entry(c.ticket, incoming_entry(c, "automatic", public=False,
                                                 note="automatic reply"), c.msg)
    return Decision("filed_automatic", c.key, ticket, reasons=[c.how])


def bulk_mail(c: Context) -> Decision | None:
    """A newsletter or a list's post (Precedence: bulk, List-* headers, a bulk mailer's signs)
    that matches no ticket asks nothing of the team: kept as a ticket marked automatic, never
    acknowledged, archived at once like an automatic answer to no mail of ours (L01): off the
    escalation ladder and the team's list. On a ticket, it goes on like any mail."""
    if c.msg.kind != "list" or c.ticket is not None:
        return None
    decision = new_ticket(c, automatic=True, archive=True)
    decision.reasons.insert(0, "bulk or list mail matching no ticket: kept, archived, "
                               "not acknowledged")
    return decision

