"""The functional core: one parsed message in, one decision out.

    parse -> classify machine mail -> correlate -> decide -> (one commit) -> outbox

`decide` reads the tickets through a read-only `View`, takes `now` as an argument, and returns
what to store and what to send; it never touches the network, the disk or the clock. The daemon
stages decisions in a `mailbot.batch.Batch` (a View that sees its own staged changes) and
commits the batch in one store write.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from mailbot import compose, ids, loopguard
from mailbot.config import Config
from mailbot.model import Entry, OutgoingMail, StoredAttachment, Ticket
from mailbot.parsers import Attachment, ParsedMessage
from mailbot.tags import format_tag


class View(Protocol):
    def ticket(self, number: int) -> Ticket | None: ...
    def lookup(self, key: str) -> int | None: ...
    def next_number(self) -> int: ...
    def automatic_since(self, recipient: str, since_iso: str) -> int: ...


@dataclass
class Decision:
    action: str  # new_ticket | follow_up | delivery_failure | filed_automatic | dropped | duplicate
    key: str  # the incoming message's idempotency key
    ticket: Ticket | None = None
    mails: list[OutgoingMail] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def log_line(self, message_id: str | None) -> str:
        where = f"ticket #{self.ticket.number}" if self.ticket else "no ticket"
        sent = ", ".join(f"{m.kind}->{len(m.recipients)}" for m in self.mails) or "no mail"
        why = f" ({'; '.join(self.reasons)})" if self.reasons else ""
        return f"{message_id or '<no Message-ID>'}: {self.action}, {where}, {sent}{why}"


def message_key(msg: ParsedMessage) -> str:
    """Idempotency: the Message-ID, or the content hash when a message has none."""
    return f"mid:{msg.message_id}" if msg.message_id else f"sha256:{msg.content_hash}"


def decide(msg: ParsedMessage, *, raw_path: str, view: View, config: Config,
           now: datetime) -> Decision:
    key = message_key(msg)
    if view.lookup(key) is not None:
        return Decision("duplicate", key, reasons=["already handled"])
    if msg.kind == "bounce":
        return _bounce(msg, key, raw_path, view, config, now)
    ticket, how = correlate(msg, view, config)
    if msg.kind == "auto_reply":  # filed where it belongs, never a ticket of its own
        if ticket is None:
            return Decision("dropped", key, reasons=[f"{msg.kind}, no ticket"])
        entry = _incoming_entry(msg, raw_path, "request", now, public=False)
        return Decision("filed_automatic", key, _with_entry(ticket, entry, msg), reasons=[how])
    if ticket is None:
        return _new_ticket(msg, key, raw_path, view, config, now)
    return _follow_up(msg, key, raw_path, ticket, how, view, config, now)


def correlate(msg: ParsedMessage, view: View, config: Config) -> tuple[Ticket | None, str]:
    """The ticket a message belongs to: by its threading headers first, then by the tag."""
    for mid in [*msg.in_reply_to, *reversed(msg.references)]:
        ticket = _ticket_of_id(mid, view)
        if ticket is not None:
            return ticket, f"header {mid}"
    if msg.ticket_ref is not None:
        ticket = view.ticket(msg.ticket_ref)
        if ticket is not None and _has_part(msg.sender, ticket, config):
            return ticket, f"tag {format_tag(ticket.number, config.mail.tag_prefix)}"
    return None, ""


def _ticket_of_id(mid: str, view: View) -> Ticket | None:
    number = ids.ticket_of_message_id(mid)
    if number is None:
        number = view.lookup(f"mid:{mid}")
    ticket = view.ticket(number) if number else None
    # A decoded number is only a hint: the id must really be one of that ticket's messages.
    return ticket if ticket is not None and mid in ticket.message_ids else None


def _has_part(sender: str, ticket: Ticket, config: Config) -> bool:
    staff = {t.lower() for t in config.team.technicians} | {config.team.address.lower()}
    return sender in ticket.participants or sender in staff


def _new_ticket(msg: ParsedMessage, key: str, raw_path: str, view: View, config: Config,
                now: datetime) -> Decision:
    number = view.next_number()
    priorities = config.priorities
    priority, why = priorities.default, [("default_priority", priorities.default)]
    if msg.urgent:
        priority = min(priority, priorities.urgent)  # "P1" < "P2": never lower a priority
        why = [("urgent_subject", priorities.urgent)]
    requester = (msg.requester or msg.sender).lower()
    ticket = Ticket(
        number=number, subject=msg.subject or msg.subject_raw or "(sans objet)",
        requester=requester, token=ids.new_token(number), created_at=now.isoformat(),
        updated_at=now.isoformat(), priority=priority, program=msg.program,
        channel="phone" if msg.is_phone_log else "email", language=config.mail.language,
        urgent_requested=msg.urgent, participants=_participants(msg, config, [requester]),
        why=[explain(code, value, "en") for code, value in why],
    )
    ticket = _with_entry(ticket, _incoming_entry(msg, raw_path, "request", now), msg)
    blocked = loopguard.automatic_mail_blocked(msg, config)
    if msg.is_phone_log:  # the requester was on the phone; they hear of it when it is closed
        blocked.append("phone_log")
    mails: list[OutgoingMail] = []
    if not blocked and loopguard.over_cap(
            view.automatic_since(requester, loopguard.window_start(now, config)), config):
        blocked = ["automatic_mail_cap"]
    if not blocked:
        mails.append(_acknowledgement(ticket, msg, config, now))
    mails.append(_team_new(ticket, msg, config, now, blocked,
                           [explain(code, value, config.mail.language) for code, value in why]))
    for mail in mails:
        ticket = _with_outgoing(ticket, mail, now)
    reasons = ticket.why + ([f"no acknowledgement: {', '.join(blocked)}"] if blocked else [])
    return Decision("new_ticket", key, ticket, mails, reasons)


def _follow_up(msg: ParsedMessage, key: str, raw_path: str, ticket: Ticket, how: str,
               view: View, config: Config, now: datetime) -> Decision:
    technician = msg.sender in {t.lower() for t in config.team.technicians}
    # Relaying technicians' answers and their commands belong to the technician issue; until
    # then their mail is kept as an internal note, so nothing reaches the requester unreviewed.
    kind = "internal_note" if technician else "request"
    entry = _incoming_entry(msg, raw_path, kind, now, public=not technician)
    ticket = _with_entry(ticket, entry, msg)
    ticket.participants = _participants(msg, config, ticket.participants)
    if not technician and ticket.status in ("waiting", "closed"):
        ticket.status, ticket.closed_at = "open", None
    mails = []
    if not technician:
        mails.append(_team_update(ticket, msg, config, now, headline="follow_up"))
        ticket = _with_outgoing(ticket, mails[0], now)
    return Decision("follow_up", key, ticket, mails, [how])


def _bounce(msg: ParsedMessage, key: str, raw_path: str, view: View, config: Config,
            now: datetime) -> Decision:
    bounced = msg.bounce.original_message_id if msg.bounce else None
    candidates = [bounced] if bounced else []
    ticket = next(filter(None, (_ticket_of_id(m, view) for m in
                                [*candidates, *msg.in_reply_to, *msg.references])), None)
    if ticket is None and msg.ticket_ref is not None:
        # The returned message's Message-ID may be lost (a headers-only report, a rewriting
        # MTA): its tag will do, provided the bounced address is one we wrote to on it.
        tagged = view.ticket(msg.ticket_ref)
        recipient = (msg.bounce.recipient or "").lower() if msg.bounce else ""
        if tagged is not None and recipient in tagged.participants:
            ticket = tagged
    if ticket is None:
        return Decision("dropped", key, reasons=["bounce of nothing we sent"])
    entry = _incoming_entry(msg, raw_path, "delivery_failure", now, public=False)
    ticket = _with_entry(ticket, entry, msg)
    mails = []
    bounced_kind = bounced.split(".")[2] if bounced and bounced.startswith("<mailbot.") else ""
    if bounced_kind != "team_notice":  # a bounce of a team notice must not make another one
        mails.append(_team_update(ticket, msg, config, now, headline="delivery_failure"))
        ticket = _with_outgoing(ticket, mails[0], now)
    return Decision("delivery_failure", key, ticket, mails, [f"bounce of {bounced or '?'}"])


# --- building blocks ---------------------------------------------------------------------------

def _incoming_entry(msg: ParsedMessage, raw_path: str, kind: str, now: datetime, *,
                    public: bool = True) -> Entry:
    return Entry(
        message_id=msg.message_id or f"<sha256.{msg.content_hash}@mailbot.invalid>",
        author=msg.sender, kind=kind,  # type: ignore[arg-type]
        date=(msg.date or now).isoformat(), direction="in", subject=msg.subject_raw,
        text=msg.text, to=msg.to + msg.cc, errors=[e.to_json() for e in msg.errors],
        attachments=[stored_attachment(a) for a in msg.attachments], raw_path=raw_path,
        public=public,
    )


def stored_attachment(a: Attachment) -> StoredAttachment:
    # The content itself is written by the shell (Store.keep_file) under the same name.
    return StoredAttachment(filename=a.filename, content_type=a.content_type, size=a.size,
                            sha256=a.sha256, inline=a.inline,
                            stored_as=StoredAttachment.path_for(a.sha256))


def _with_entry(ticket: Ticket, entry: Entry, msg: ParsedMessage) -> Ticket:
    ticket = replace(ticket, messages=[*ticket.messages, entry],
                     message_ids=list(ticket.message_ids))
    if msg.message_id and msg.message_id not in ticket.message_ids:
        ticket.message_ids.append(msg.message_id)
    ticket.updated_at = max(ticket.updated_at, entry.date)
    return ticket


def _with_outgoing(ticket: Ticket, mail: OutgoingMail, now: datetime) -> Ticket:
    entry = Entry(message_id=mail.message_id, author=mail.sender, kind="automatic",
                  date=now.isoformat(), direction="out", subject=mail.subject,
                  to=mail.recipients, text=mail.text, public=mail.kind == "acknowledgement",
                  data=mail.data)
    ticket = replace(ticket, messages=[*ticket.messages, entry],
                     message_ids=[*ticket.message_ids, mail.message_id])
    return ticket


# Why a ticket got its fields: English in the ticket and the logs, the team's language in the
# notices. Codes rather than sentences, so that each reason reads well in both.
_WHY = {
    "default_priority": {"en": "default priority {}", "fr": "priorité par défaut {}"},
    "urgent_subject": {"en": "URGENT in the subject: {}", "fr": "URGENT dans l'objet : {}"},
}


def explain(code: str, value: str, language: str) -> str:
    return _WHY[code][language].format(value)


def _participants(msg: ParsedMessage, config: Config, existing: list[str]) -> list[str]:
    own = {config.bot_address, config.team.address.lower()}
    people = [*existing, msg.sender, *msg.cc, *msg.to]
    out: list[str] = []
    for person in people:
        person = person.lower()
        if "@" in person and person not in own and person not in out:
            out.append(person)
    return out


def _domain(config: Config) -> str:
    return config.bot_address.rpartition("@")[2] or "mailbot.invalid"


def _outgoing(kind: str, ticket: Ticket, draft: compose.Draft, now: datetime) -> OutgoingMail:
    return OutgoingMail(message_id=draft.message_id, ticket=ticket.number, kind=kind,
                        sender=draft.sender, recipients=list(draft.to),
                        data=compose.build(draft), created_at=now.isoformat(),
                        next_attempt_at=now.isoformat(), subject=draft.subject, text=draft.body)


def tracking_url(ticket: Ticket, config: Config) -> str:
    return f"{config.web.base_url.rstrip('/')}/t/{ticket.token}"


def _thread(msg: ParsedMessage) -> tuple[str | None, tuple[str, ...]]:
    if not msg.message_id:
        return None, tuple(msg.references)
    return msg.message_id, (*msg.references, msg.message_id)


def _acknowledgement(ticket: Ticket, msg: ParsedMessage, config: Config,
                     now: datetime) -> OutgoingMail:
    lang = ticket.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    target = config.priorities.targets.get(ticket.priority or "P3")
    expected = (compose.hours_text(target.first_response_hours, lang,
                                   working=not target.round_the_clock) if target else "")
    body = compose.render(
        "acknowledgement", lang, subject=ticket.subject, number=ticket.number,
        priority=ticket.priority, urgent_requested=ticket.urgent_requested, expected=expected,
        tracking_url=tracking_url(ticket, config), tag=tag, organisation=config.mail.organisation)
    in_reply_to, references = _thread(msg)
    draft = compose.Draft(
        message_id=ids.new_message_id(ticket.number, "ack", _domain(config)),
        sender=config.bot_address, sender_name=config.mail.organisation,
        to=[ticket.requester], subject=f"{tag} {ticket.subject}", body=body, date=now,
        in_reply_to=in_reply_to, references=references, auto_submitted="auto-replied")
    return _outgoing("acknowledgement", ticket, draft, now)


def _team_new(ticket: Ticket, msg: ParsedMessage, config: Config, now: datetime,
              blocked: list[str], why: list[str]) -> OutgoingMail:
    lang = config.mail.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    body = compose.render(
        "team_new", lang, tag=tag, channel=ticket.channel, requester=ticket.requester,
        vip=ticket.vip, sender=msg.sender, subject=ticket.subject, priority=ticket.priority,
        why=why, program=ticket.program, acknowledged=not blocked,
        no_ack_reason=", ".join(blocked), text=msg.text, errors=msg.errors,
        attachments=msg.attachments, tracking_url=tracking_url(ticket, config))
    label = "Nouveau ticket" if lang == "fr" else "New ticket"
    draft = compose.Draft(
        message_id=ids.new_message_id(ticket.number, "team_notice", _domain(config)),
        sender=config.bot_address, sender_name=config.mail.organisation,
        to=[config.team.address], subject=f"{tag} {label} : {ticket.subject}"
        if lang == "fr" else f"{tag} {label}: {ticket.subject}", body=body, date=now,
        auto_submitted="auto-generated", reply_to=config.bot_address)
    return _outgoing("team_notice", ticket, draft, now)


_HEADLINES = {
    ("follow_up", "fr"): "Nouveau message sur le ticket",
    ("follow_up", "en"): "New message on ticket",
    ("delivery_failure", "fr"): "Échec de remise d'un message du ticket",
    ("delivery_failure", "en"): "Delivery failure on ticket",
}


def _team_update(ticket: Ticket, msg: ParsedMessage, config: Config, now: datetime, *,
                 headline: str) -> OutgoingMail:
    lang = config.mail.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    title = _HEADLINES[(headline, lang)]
    body = compose.render(
        "team_update", lang, headline=title, tag=tag, sender=msg.sender,
        requester=ticket.requester, subject=ticket.subject, status=ticket.status,
        priority=ticket.priority, text=msg.text or msg.body[:4000],
        attachments=msg.attachments, tracking_url=tracking_url(ticket, config))
    last_notice = next((m for m in reversed(ticket.messages)
                        if m.direction == "out" and ".team_notice." in m.message_id), None)
    draft = compose.Draft(
        message_id=ids.new_message_id(ticket.number, "team_notice", _domain(config)),
        sender=config.bot_address, sender_name=config.mail.organisation,
        to=[config.team.address], subject=f"{tag} {title} : {ticket.subject}"
        if lang == "fr" else f"{tag} {title}: {ticket.subject}", body=body, date=now,
        in_reply_to=last_notice.message_id if last_notice else None,
        references=(last_notice.message_id,) if last_notice else (),
        auto_submitted="auto-generated", reply_to=config.bot_address)
    return _outgoing("team_notice", ticket, draft, now)
