"""Opening a ticket: the organisation's rules on it (triage), its acknowledgement, and
whether the loop guards let any automatic mail go to its requester."""

from __future__ import annotations

import re
from datetime import datetime

from mailbot import ids, languages, loopguard, mails, triage
from mailbot.mails.requester import call_topic
from mailbot.model import OutgoingMail, Ticket
from mailbot.parsers.behalf import behalf_of
from mailbot.steps.common import Context, incoming_entry, participants_of, with_entry

# The label our closure mail's subject starts with (mailbot/mails/requester.py), after the tag.
_CLOSED_PREFIX = re.compile(r"^\s*(?:Demande cl[ôo]tur[ée]e|Ticket closed|Incident r[ée]solu|"
                            r"Demande trait[ée]e|Incident resolved|Request completed)\s*:\s*",
                            re.IGNORECASE)


def open_ticket(c: Context, *, requester: str, channel: str, text: str, date: datetime,
                participants: list[str]) -> Ticket:
    msg, config = c.msg, c.config
    # The organisation's rules decide type, category and priority (triage.py, rules/).
    c.triage = triage.triage(msg, requester=requester, text=text, channel=channel,
                             view=c.view, config=config, now=c.now)
    number = c.view.next_number()
    subject = msg.subject or msg.subject_raw or "(sans objet)"
    # A reply to our closure mail: the matter, not our "Demande clôturée :" (FR or EN).
    subject = _CLOSED_PREFIX.sub("", subject) or subject
    if channel == "phone":  # the marker said what the mail is; the ticket keeps the matter
        for marker in config.team.phone_markers:
            subject = re.sub(re.escape(marker), " ", subject, flags=re.IGNORECASE)
        subject = " ".join(subject.split()) or "(sans objet)"
    ticket = Ticket(
        number=number, subject=subject,
        requester=requester, token=ids.new_token(number), created_at=c.start.isoformat(),
        updated_at=c.now.isoformat(), program=msg.program,
        channel=channel,  # type: ignore[arg-type]
        language=config.mail.language, urgent_requested=c.triage.assessment.urgent.requested,
        participants=participants_of(msg, config, participants))
    triage.apply(ticket, c.triage)
    if ticket.vip and any("writes for the" in w for w in _vip_reasons(c.triage)):
        # An assistant writing for a VIP: name the VIP, or their title when no name is given.
        ticket.vip_for = behalf_of([msg.text, msg.subject or ""]) or _title_of(c.triage)
    # The requester's language (their words, what is known of them, the team's).
    choice, why, events = languages.decide(msg, text, requester=requester, view=c.view,
                                           default=config.mail.language, now=c.now,
                                           read_text=channel != "phone")
    ticket.language, ticket.why = choice.language, [*ticket.why, why]
    if ticket.urgent_demoted:  # the page says why in the requester's language
        ticket.demotion_reason = triage.demotion_reason(c.triage, ticket.language)
    c.triage.events.extend(events)
    if channel == "phone":
        # The matter, not the technician's note of who called: "[TEL] Mme Girard - Outlook ne
        # s'ouvre plus" is "Outlook ne s'ouvre plus" on the page and in every subject (day 5).
        ticket.subject = call_topic(ticket) or ticket.subject
        # The technician's account of a call: theirs, never a mail the employee wrote (issue
        # 16 §6: the page said "Message du demandeur" under the employee's address).
        entry = incoming_entry(c, "phone_call", text=text, date=date, author=msg.sender,
                               note=f"call from {requester}, logged by {msg.sender}")
        return with_entry(ticket, entry, msg)
    author = requester if c.author.technician and requester != c.author.address else msg.sender
    entry = incoming_entry(c, "request", text=text, date=date, author=author,
                           note=f"logged by {msg.sender}" if author != msg.sender else "")
    return with_entry(ticket, entry, msg)


def _vip_reasons(t: triage.Triage) -> list[str]:
    return [o.detail for o in t.assessment.vip.trace if o.hit]


def _title_of(t: triage.Triage) -> str:
    """The VIP title the rules read ("writes for the \"president\""), capitalised."""
    for reason in _vip_reasons(t):
        found = re.search(r'writes for the "([^"]+)"', reason)
        if found:
            return found.group(1).capitalize()
    return ""


def acknowledge(c: Context, ticket: Ticket, thread: tuple[str | None, tuple[str, ...]], *,
                known_incident: str | None = None,
                demotion: str | None = None) -> list[OutgoingMail]:
    if blocked_for(c, ticket):
        return []
    return [mails.acknowledgement(ticket, c.config, c.now, thread=thread,
                                  known_incident=known_incident,
                                  refused_attachments=c.msg.refused_attachments,
                                  demotion=demotion)]


def blocked_for(c: Context, ticket: Ticket) -> list[str]:
    """Why no automatic mail may go to the requester (loop safety), or []."""
    recipient = mails.requester_address(ticket)
    blocked = loopguard.refused_for(c.msg, recipient, c.view, c.config, c.now)
    if blocked == ["automatic_mail_cap"]:
        c.capped = recipient
    elif blocked == ["automatic_mail_total"]:
        c.capped = loopguard.ALL
    return blocked
