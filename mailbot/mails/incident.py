"""The mails that tell a requester their ticket is part of another: a mass incident formed
after their acknowledgement (day 7 §4), or a technician closed it as a duplicate of their own
open ticket (day 7 §5)."""

from __future__ import annotations

from datetime import datetime

from mailbot import compose, i18n
from mailbot.config import Config
from mailbot.mails.base import _draft, _outgoing, requester_address, requester_thread, tracking_url
from mailbot.mails.requester import _about, subject_echo
from mailbot.model import OutgoingMail, Ticket
from mailbot.tags import format_tag


def incident_name(parent: Ticket, config: Config) -> str:
    """How a requester's mail names a mass incident: `[#7] "Plus de réseau"`."""
    return f"{format_tag(parent.number, config.mail.tag_prefix)} \"{parent.subject}\""


def known_incident(ticket: Ticket, parent: Ticket, *, config: Config,
                   now: datetime) -> OutgoingMail:
    """To a reporter acknowledged before their report joined a mass incident: it is known, at
    the incident's priority and first-response target, which replace the acknowledgement's."""
    lang = ticket.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    target = config.priorities.targets.get(parent.priority) if parent.priority else None
    expected = (compose.hours_text(target.first_response_hours, lang,
                                   working=not target.round_the_clock) if target else "")
    body = compose.render("known_incident", lang, subject=subject_echo(ticket.subject),
                          number=ticket.number, known_incident=incident_name(parent, config),
                          priority=i18n.priority_text(parent.priority, lang), expected=expected,
                          tracking_url=tracking_url(ticket, config), tag=tag,
                          organisation=config.mail.organisation)
    draft = _draft("known", ticket, config, now, to=[requester_address(ticket)],
                   subject=_about(ticket, tag, subject_echo(ticket.subject)), body=body,
                   thread=requester_thread(ticket, config), auto_submitted="auto-replied")
    return _outgoing("known_incident", ticket, draft, now)


def merged(ticket: Ticket, into: Ticket, *, config: Config, now: datetime) -> OutgoingMail:
    """To the requester of a ticket a technician closed as a duplicate of their open ticket
    `into`: their message was added to it (no "Incident résolu" for a matter still open). The
    mail is `into`'s: its tag, so that an answer goes there."""
    lang = ticket.language
    tag = format_tag(into.number, config.mail.tag_prefix)
    body = compose.render("merged", lang, subject=subject_echo(ticket.subject),
                          number=ticket.number, into=into.number, kind=into.type,
                          into_subject=subject_echo(into.subject),
                          tracking_url=tracking_url(into, config),
                          organisation=config.mail.organisation)
    draft = _draft("merged", into, config, now, to=[requester_address(ticket)],
                   subject=_about(into, tag, subject_echo(into.subject)), body=body,
                   thread=requester_thread(into, config), auto_submitted="auto-replied")
    return _outgoing("merged", into, draft, now)
