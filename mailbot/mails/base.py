"""What every mail the bot writes shares: the history kind of each mail, the message a team
notice shows, the two threads of a ticket (requester's and team's), the envelope and the draft."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mailbot import compose, ids
from mailbot.config import Config
from mailbot.model import Entry, OutgoingMail, Ticket
from mailbot.parsers import Attachment, ParsedMessage
from mailbot.parsers.attachment_policy import RefusedAttachment
from mailbot.tags import format_tag

# What each kind of mail is in the ticket's history: its entry kind, and whether the requester
# sees it on the tracking page.
HISTORY = {
    "acknowledgement": ("automatic", True),
    "closure": ("automatic", True),
    "demotion": ("automatic", True),
    "reopened": ("automatic", True),  # the requester told their reply reopened it (day 6 §12)
    "known_incident": ("automatic", True),  # their report is part of a mass incident (day 7)
    "merged": ("automatic", True),  # their duplicate was added to their open ticket (day 7)
    "relay": ("reply", False),  # the technician's incoming answer is the public entry
    "team_notice": ("automatic", False),
    "transcript": ("automatic", False),
    "escalation": ("escalation", False),
    "unauthenticated": ("automatic", False),
    "vip_notice": ("escalation", False),
    "resolved_notice": ("automatic", False),  # to the people an escalation told (day 6 §9)
    "reassigned": ("automatic", False),  # to the previous assignee (day 6 §11)
}


@dataclass(frozen=True)
class Incoming:
    """What a team notice shows of the message that caused it."""

    sender: str
    text: str
    errors: Sequence[object] = ()
    attachments: Sequence[Attachment] = ()
    refused_attachments: Sequence[RefusedAttachment] = ()  # not kept (the attachment policy)

    @classmethod
    def of(cls, msg: ParsedMessage, text: str | None = None) -> Incoming:
        return cls(msg.sender, msg.text if text is None else text, msg.errors, msg.attachments,
                   msg.refused_attachments)


def requester_address(ticket: Ticket) -> str:
    """Where mail to the requester goes: the Reply-To the loop checks accepted, else the
    requester's own address (RELIABILITY L15); always one address."""
    return ticket.reply_to or ticket.requester


def tracking_url(ticket: Ticket, config: Config) -> str:
    return f"{config.web.base_url.rstrip('/')}/t/{ticket.token}"


# --- threading -----------------------------------------------------------------------------------
# The requester's conversation and the team's are two threads of the same ticket: each mail
# answers the latest message of its own thread and lists that thread in References, so that both
# sides' clients show one conversation, and a reply from either side comes back by its headers.

def requester_thread(ticket: Ticket, config: Config) -> tuple[str | None, tuple[str, ...]]:
    """The requester's thread: the mails people wrote and ours to the requester. A machine's
    mail filed on the ticket (an out-of-office: kind `automatic`, or a private `request` in
    tickets filed before day 4's item 8) is never the parent of our next mail."""
    staff = {*config.technicians, config.team_address, config.bot_address}
    ids_ = [m.message_id for m in ticket.messages
            if (m.direction == "in" and m.kind == "request" and m.public
                and m.author not in staff)
            or (m.direction == "out" and requester_address(ticket) in m.to)]
    return (ids_[-1] if ids_ else None), tuple(ids_)


def team_thread(ticket: Ticket, config: Config) -> tuple[str | None, tuple[str, ...]]:
    """The team's thread: our notices to the team address. A warning about a forged mail in
    a technician's name is the team's too, but no notice of the ticket's own to answer: the
    next notice never threads under it (day 6 §16)."""
    ids_ = [m.message_id for m in ticket.messages
            if m.direction == "out" and config.team_address in m.to
            and ".unauthenticated." not in m.message_id]
    return (ids_[-1] if ids_ else None), tuple(ids_[:1] + ids_[-1:])


MASS_REQUESTER = {"fr": "incident de masse, {} signalements", "en": "mass incident, {} reports"}


def requester_words(ticket: Ticket, lang: str) -> dict[str, object]:
    """The requester as a notice names them: an assistant writing for a VIP is not the VIP
    (day 6 §8): "sophie.lambert@x, pour M. Bernard (Président, VIP)". A mass incident has no
    requester of its own (its reporters are its children; the team address stands in the field):
    "incident de masse, 3 signalements" (day 7 §18: management read the team's address)."""
    if ticket.children:
        return {"requester": MASS_REQUESTER[lang].format(len(ticket.children)), "vip": False}
    if not ticket.vip_for:
        return {"requester": ticket.requester, "vip": ticket.vip}
    name, _, title = ticket.vip_for.partition(" (")
    holder = f"{name} ({title.rstrip(')')}, VIP)" if title else f"{name} (VIP)"
    word = "pour" if lang == "fr" else "for"
    return {"requester": f"{ticket.requester}, {word} {holder}", "vip": False}


def readers(recipients: Sequence[str], config: Config) -> str:
    """Who reads a notice to management, for what it says a reply does: "technicians" (their
    commands work and their answer goes to the requester), "others" (a reply is an internal
    note: `steps.requester.escalation_reply`), or "mixed"."""
    staff = {*config.technicians, config.team_address}
    ours = [r.lower() in staff for r in recipients]
    return "technicians" if all(ours) else "others" if not any(ours) else "mixed"


def _domain(config: Config) -> str:
    return config.bot_address.rpartition("@")[2] or "mailbot.invalid"


def _outgoing(kind: str, ticket: Ticket | None, draft: compose.Draft,
              now: datetime) -> OutgoingMail:
    return OutgoingMail(message_id=draft.message_id, ticket=ticket.number if ticket else None,
                        kind=kind, sender=draft.sender, recipients=[*draft.to, *draft.cc],
                        data=compose.build(draft), created_at=now.isoformat(),
                        next_attempt_at=now.isoformat(), subject=draft.subject, text=draft.body,
                        envelope=draft.envelope)


def envelope_sender(ticket: Ticket | None, recipients: Sequence[str],
                    config: Config) -> str | None:
    """MAIL FROM of an automatic mail (RFC 3834 §3.3: null, or an address that recognises its
    bounces); None: the support address, as `[smtp] envelope = "address"` asks. A VERP address
    names one recipient, so a mail to several (a closure with copies) goes out with <>."""
    mode = config.smtp.envelope
    if mode == "address":
        return None
    if mode == "verp" and ticket is not None and len(recipients) == 1 and config.verp_key:
        return ids.verp_address(config.bot_address, ticket.number, recipients[0],
                                config.verp_key)
    return ""


def _draft(kind: str, ticket: Ticket | None, config: Config, now: datetime, *, to: list[str],
           subject: str, body: str, thread: tuple[str | None, tuple[str, ...]] = (None, ()),
           **more: object) -> compose.Draft:
    if more.get("auto_submitted", "auto-replied") is not None:
        # Automatic mail; a relayed technician answer is a person's mail and keeps the address.
        cc = more.get("cc") or ()
        more["envelope"] = envelope_sender(ticket, [*to, *cc], config)  # type: ignore[misc]
    return compose.Draft(
        message_id=ids.new_message_id(ticket.number if ticket else None, kind, _domain(config)),
        sender=config.bot_address, sender_name=str(more.pop("sender_name", config.bot_name)),
        to=to, subject=subject, body=body, date=now, in_reply_to=thread[0],
        references=thread[1], **more)  # type: ignore[arg-type]


def with_outgoing(ticket: Ticket, mail: OutgoingMail, now: datetime) -> Ticket:
    """The ticket with `mail` in its history (the outbox reads the message from there)."""
    kind, public = HISTORY[mail.kind]
    entry = Entry(message_id=mail.message_id, author=mail.sender, kind=kind,  # type: ignore[arg-type]
                  date=now.isoformat(), direction="out", subject=mail.subject,
                  to=list(mail.recipients), text=mail.text, public=public, data=mail.data)
    ticket.messages = [*ticket.messages, entry]
    ticket.message_ids = [*ticket.message_ids, mail.message_id]
    return ticket


# --- shared by the mails to the team and to technicians ----------------------------------------

def _team_subject(ticket: Ticket, title: str, lang: str, config: Config) -> str:
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    separator = " : " if lang == "fr" else ": "
    return f"{tag} {title}{separator}{ticket.subject}"
