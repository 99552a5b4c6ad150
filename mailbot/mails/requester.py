"""The mails to the requester, in their language: the acknowledgement, a technician's answer
relayed, the closure, the demotion notice."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from mailbot import compose, i18n
from mailbot.config import Config
from mailbot.mails.base import _draft, _outgoing, requester_address, requester_thread, tracking_url
from mailbot.model import OutgoingMail, Ticket
from mailbot.parsers import Attachment
from mailbot.parsers.attachment_policy import RefusedAttachment
from mailbot.parsers.subject import peel_prefixes
from mailbot.tags import format_tag


def acknowledgement(ticket: Ticket, config: Config, now: datetime, *,
                    thread: tuple[str | None, tuple[str, ...]],
                    known_incident: str | None = None,
                    refused_attachments: Sequence[RefusedAttachment] = (),
                    demotion: str | None = None) -> OutgoingMail:
    """`demotion`: the reason URGENT was not granted, told here rather than in a second mail
    leaving in the same pass (issue 16 §8)."""
    lang = ticket.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    # No priority (an information acknowledged): no target to promise.
    target = config.priorities.targets.get(ticket.priority) if ticket.priority else None
    expected = (compose.hours_text(target.first_response_hours, lang,
                                   working=not target.round_the_clock) if target else "")
    by = due_words(ticket, config, lang) if target else ""
    echo = subject_echo(ticket.subject)
    body = compose.render(
        "acknowledgement", lang, subject=echo, number=ticket.number,
        priority=i18n.priority_text(ticket.priority, lang),
        urgent_requested=ticket.urgent_requested, expected=expected, by=by,
        tracking_url=tracking_url(ticket, config), tag=tag, organisation=config.mail.organisation,
        phone=ticket.channel == "phone", known_incident=known_incident,
        refused_attachments=refused_attachments, demotion=demotion,
        urgent_phone=config.urgent.phone, previous=ticket.previous, kind=ticket.type,
        topic=call_topic(ticket) if ticket.channel == "phone" else "")
    draft = _draft("ack", ticket, config, now, to=[requester_address(ticket)],
                   subject=_about(ticket, tag, echo), body=body, thread=thread,
                   auto_submitted="auto-replied")
    return _outgoing("acknowledgement", ticket, draft, now)


_BY = {"fr": "{weekday} {day} {month} à {clock}", "en": "{weekday} {day} {month} at {clock}"}


def due_words(ticket: Ticket, config: Config, lang: str) -> str:
    """The first-response due time in words ("lundi 28 décembre à 13:00") when it is neither
    the day of the mail nor the next one: "sous 4 heures ouvrées" alone, on Christmas Eve at
    19:10, reads as that night to the employee, not Monday after a holiday and a week-end
    (day 7, defect 11). "" when the working-hours figure says it well enough."""
    policy = config.time
    due = ticket.first_response_due or policy.with_due_times(ticket).first_response_due
    if not due or not ticket.created_at:
        return ""
    at = policy.calendar.local(datetime.fromisoformat(due))
    written = policy.calendar.local(datetime.fromisoformat(ticket.created_at)).date()
    if (at.date() - written).days <= 1:
        return ""
    return _BY[lang if lang in _BY else "fr"].format(
        weekday=i18n.weekday(at, lang), day=at.day, month=i18n.month(at, lang),
        clock=f"{at.hour:02d}:{at.minute:02d}")


def _about(ticket: Ticket, tag: str, echo: str) -> str:
    """The subject of a mail to the requester: a reply to their mail, or, for a call a
    technician logged, no "Re:" (the employee wrote no mail; issue 16 §6) and what the call was
    about in the caller's terms."""
    if ticket.channel == "phone":
        return f"{tag} {about_call(ticket, ticket.language)}"
    return reply_subject(tag, echo)


# The words a technician writes around the caller's name in a call's subject: "Mme Girard -",
# "Appel de Paul :", "(M. Durand)".
_CALLER_WORDS = {"mme", "madame", "m", "mr", "monsieur", "mlle", "mademoiselle", "dr", "ms",
                 "mrs", "appel", "de", "du", "d", "tel", "telephone", "call", "from"}
_SEPARATOR = r"\s*(?:\s[-–—|/]|:)\s+"


def call_topic(ticket: Ticket) -> str:
    """What a logged call was about, as its subject says it without the caller's own name:
    "Mme Girard - Outlook ne s'ouvre plus" to Chantal Girard is "Outlook ne s'ouvre plus"
    (day 4: she was quoted the technician's note of her name). "" when nothing else is left."""
    local = ticket.requester.partition("@")[0]
    names = {w for w in re.split(r"[._+-]+", _plain(local)) if len(w) > 1 and w.isalpha()}
    names |= {n[0] for n in names}  # "C. Girard"
    subject = peel_prefixes(subject_echo(ticket.subject))[0] or ticket.subject

    def only_caller(part: str) -> bool:
        words = re.findall(r"[^\W\d_]+", _plain(part))
        return bool(words) and all(w in names or w in _CALLER_WORDS for w in words)

    subject = re.sub(r"\s*\(([^()]*)\)", lambda m: "" if only_caller(m.group(1)) else m.group(0),
                     subject)
    head = re.match(rf"^(.*?){_SEPARATOR}(.*)$", subject)
    if head and only_caller(head.group(1)):
        subject = head.group(2)
    tail = re.match(rf"^(.*){_SEPARATOR}(.*?)$", subject)
    if tail and only_caller(tail.group(2)):
        subject = tail.group(1)
    subject = subject.strip(" -–—:|/")
    return "" if only_caller(subject) else subject


def about_call(ticket: Ticket, lang: str) -> str:
    return call_topic(ticket) or {"fr": "Votre appel", "en": "Your call"}[lang]


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def reply_subject(tag: str, echo: str) -> str:
    """"Re: " + the tag + the original's one line (RELIABILITY L13): the prefixes it may still
    carry are peeled first, so that it never reads "Re: Re:"."""
    return f"Re: {tag} {peel_prefixes(echo)[0] or echo}"


ECHO_LIMIT = 110  # characters of the sender's subject an automatic answer repeats (Zammad's)


def subject_echo(subject: str) -> str:
    """The sender's subject as an automatic answer repeats it: one line, at most ECHO_LIMIT
    characters. A forged sender's 1,000-character spam subject is not mailed back whole to the
    victim (RELIABILITY L16, S12)."""
    line = " ".join(subject.split())
    return line if len(line) <= ECHO_LIMIT else line[:ECHO_LIMIT - 1].rstrip() + "…"


def _copies(ticket: Ticket, config: Config) -> list[str]:
    """Colleagues who are part of the ticket (Cc of the requester's mails): they get the
    answers too, as a reply-all would give them."""
    staff = {*config.technicians, config.team_address, config.bot_address, ticket.requester,
             requester_address(ticket)}
    return [p for p in ticket.participants if p not in staff]


def relay(ticket: Ticket, *, technician: str, technician_name: str, text: str,
          attachments: Sequence[Attachment], config: Config, now: datetime) -> OutgoingMail:
    """A technician's answer, from the support address, in the requester's own thread.

    A person's answer: no Auto-Submitted, so the requester's client and auto-responders treat
    it as the mail it is.
    """
    lang = ticket.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    body = compose.render("relay", lang, text=text, tag=tag, number=ticket.number,
                          kind=ticket.type,
                          technician=technician_name or readable_name(technician),
                          tracking_url=tracking_url(ticket, config),
                          organisation=config.mail.organisation)
    signer = technician_name or readable_name(technician)
    name = f"{signer} ({config.bot_name})" if signer else config.bot_name
    draft = _draft("relay", ticket, config, now, to=[requester_address(ticket)],
                   cc=_copies(ticket, config), subject=_about(ticket, tag, ticket.subject),
                   body=body,
                   thread=requester_thread(ticket, config), auto_submitted=None,
                   sender_name=name,
                   attachments=tuple((a.filename, a.content_type, a.content)
                                     for a in attachments if a.content))
    return _outgoing("relay", ticket, draft, now)


# The closure's subject says what was closed (day 6 §15: "Demande clôturée" for a Wi-Fi
# failure): an incident resolved, a request done; anything else (information) closed.
CLOSURE_LABELS = {("fr", "incident"): "Incident résolu", ("fr", "request"): "Demande traitée",
                  ("fr", ""): "Demande clôturée", ("en", "incident"): "Incident resolved",
                  ("en", "request"): "Request completed", ("en", ""): "Ticket closed"}


def closure(ticket: Ticket, *, text: str, config: Config, now: datetime,
            incident: str | None = None, just_called: bool = False) -> OutgoingMail:
    """`just_called`: the closure is in the very mail that logs a phone call, which alone may
    say "Suite à votre appel, votre demande a été consignée"; a phone ticket closed later (or
    again, after the requester reopened it) is closed in the normal words (day 7, defect 8)."""
    lang = ticket.language
    call = ticket.channel == "phone"
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    body = compose.render("closure", lang, text=text, tag=tag, number=ticket.number,
                          subject=call_topic(ticket) if call else ticket.subject,
                          tracking_url=tracking_url(ticket, config),
                          reopen_days=config.tickets.reopen_days, incident=incident,
                          kind=ticket.type,
                          link_days=config.web.link_days_after_close if config.web.enabled
                          else 0,
                          organisation=config.mail.organisation,
                          phone=call and just_called,
                          topic=call_topic(ticket) if call else "")
    label = CLOSURE_LABELS.get((lang, ticket.type), CLOSURE_LABELS[(lang, "")])
    about = about_call(ticket, lang) if ticket.channel == "phone" else ticket.subject
    draft = _draft("closure", ticket, config, now, to=[requester_address(ticket)],
                   cc=_copies(ticket, config), subject=f"{tag} {label} : {about}"
                   if lang == "fr" else f"{tag} {label}: {about}", body=body,
                   thread=requester_thread(ticket, config), auto_submitted="auto-generated")
    return _outgoing("closure", ticket, draft, now)


_DEMOTION_LABELS = {("fr", True): "Priorité de votre signalement",
                    ("fr", False): "Priorité de votre demande",
                    ("en", True): "Priority of your report",
                    ("en", False): "Priority of your request"}


def demotion(ticket: Ticket, *, reason: str, config: Config, now: datetime) -> OutgoingMail:
    """Seed 004: "les abus seront déclassés et notifiés", courteously, with the way to reach
    IT in a real emergency."""
    lang = ticket.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    body = compose.render("demotion", lang, reason=reason, tag=tag, subject=ticket.subject,
                          kind=ticket.type,
                          priority=i18n.priority_text(ticket.priority, lang),
                          tracking_url=tracking_url(ticket, config), phone=config.urgent.phone,
                          organisation=config.mail.organisation)
    label = _DEMOTION_LABELS[("en" if lang == "en" else "fr", ticket.type == "incident")]
    draft = _draft("demotion", ticket, config, now, to=[requester_address(ticket)],
                   subject=f"{tag} {label} : {ticket.subject}" if lang == "fr"
                   else f"{tag} {label}: {ticket.subject}", body=body,
                   thread=requester_thread(ticket, config), auto_submitted="auto-generated")
    return _outgoing("demotion", ticket, draft, now)


# Words of a mailbox's local part that name a role, not a person ("paul.tech", "support-it").
_ROLE_WORDS = {"tech", "technicien", "technician", "support", "it", "si", "dsi", "admin",
               "helpdesk", "hotline", "informatique", "service", "info", "assistance"}


def readable_name(address: str) -> str:
    """A name for a technician whose mail carries none, as a helpdesk signs an answer:
    "paul.tech@exemple.fr" -> "Paul", "jean-marc.dupont@x" -> "Jean Marc Dupont"; "" when the
    local part is only a role or digits ("support01@x"), the organisation's name then signing
    alone (day 1 §14)."""
    local = address.rsplit("@", 1)[0]
    words = [w for w in re.split(r"[._+\-]+", local)
             if w.isalpha() and w.lower() not in _ROLE_WORDS]
    return " ".join(w.capitalize() for w in words)



def reopened(ticket: Ticket, *, config: Config, now: datetime) -> OutgoingMail:
    """To the requester whose reply reopened their closed ticket: it is reopened and the team
    told (day 6 §12: "ça recommence" got no word back)."""
    lang = ticket.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    body = compose.render("reopened", lang, subject=ticket.subject, number=ticket.number,
                          kind=ticket.type, tracking_url=tracking_url(ticket, config),
                          organisation=config.mail.organisation)
    draft = _draft("reopened", ticket, config, now, to=[requester_address(ticket)],
                   subject=_about(ticket, tag, subject_echo(ticket.subject)), body=body,
                   thread=requester_thread(ticket, config), auto_submitted="auto-replied")
    return _outgoing("reopened", ticket, draft, now)
