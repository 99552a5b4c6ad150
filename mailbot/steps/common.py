"""What every step works with: the `Context` of one message, and the building blocks
of a decision (the entry a message makes, a ticket with it and with the mails it sends, the
decision itself, the lines of its reasons)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from mailbot import commands, ids, loopguard, mails, triage
from mailbot.config import Config
from mailbot.decision import Decision, View
from mailbot.model import Entry, OutgoingMail, StoredAttachment, Ticket
from mailbot.parsers import Attachment, ParsedMessage
from mailbot.people import Author


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
    # When the message reached our server (capped at `now`): a new ticket's creation, where
    # its SLA clocks start. None: `now`.
    arrived: datetime | None = None
    # The sender's mail lifts a bounce block: what bounced on which ticket (steps/rewrote.py).
    bounced: dict[str, object] | None = None

    @property
    def start(self) -> datetime:
        return self.arrived or self.now


Step = tuple[str, str, Callable[[Context], "Decision | None"]]


def message_key(msg: ParsedMessage) -> str:
    """Idempotency: the Message-ID and the identity of the content (what the originator wrote,
    without the trace fields servers add on the way: `mailbot.parsers.identity`), the identity
    alone when a message has no Message-ID. A copy delivered again is a duplicate; another
    message reusing a Message-ID (a careless mailer, a forgery) is not dropped."""
    if msg.message_id:
        return f"mid:{msg.message_id} content:{msg.identity}"
    return f"content:{msg.identity}"


def legacy_key(msg: ParsedMessage) -> str | None:
    """The key a message handled before the content hash was added is known by (the store's
    schema 1 entries, kept under `v1:` by its upgrade)."""
    return f"v1:mid:{msg.message_id}" if msg.message_id else None


def ticket_of_id(mid: str, view: View) -> Ticket | None:
    number = ids.ticket_of_message_id(mid)
    if number is None:
        number = view.lookup(f"mid:{mid}")
    ticket = view.ticket(number) if number else None
    # A decoded number is only a hint: the id must really be one of that ticket's messages.
    return ticket if ticket is not None and mid in ticket.message_ids else None


def incoming_entry(c: Context, kind: str, *, public: bool = True, text: str | None = None,
                   date: datetime | None = None, author: str | None = None,
                   note: str = "") -> Entry:
    msg = c.msg
    # The sender's Date, unless it is later than the pass taking the mail in: a wrong clock
    # must not date the ticket in the future (issue 16 §7: "Mise à jour le 1 mars 2027").
    written = min(date or msg.date or c.start, c.now)
    return Entry(
        message_id=msg.message_id or f"<sha256.{msg.content_hash}@mailbot.invalid>",
        author=author or msg.sender, kind=kind,  # type: ignore[arg-type]
        date=written.isoformat(), direction="in", subject=msg.subject_raw,
        text=msg.text if text is None else text, to=msg.to + msg.cc,
        errors=[e.to_json() for e in msg.errors],
        attachments=[stored_attachment(a) for a in msg.attachments], raw_path=c.raw_path,
        public=public, note=note, received_at=c.start.isoformat())


def stored_attachment(a: Attachment) -> StoredAttachment:
    # The content itself is written by the shell (Store.keep_file) under the same name.
    return StoredAttachment(filename=a.filename, content_type=a.content_type, size=a.size,
                            sha256=a.sha256, inline=a.inline,
                            stored_as=StoredAttachment.path_for(a.sha256))


def with_entry(ticket: Ticket, entry: Entry, msg: ParsedMessage) -> Ticket:
    ticket = replace(ticket, messages=[*ticket.messages, entry],
                     message_ids=list(ticket.message_ids), participants=list(ticket.participants))
    if msg.message_id and msg.message_id not in ticket.message_ids:
        ticket.message_ids.append(msg.message_id)
    ticket.updated_at = max(ticket.updated_at, entry.date)
    return ticket


def with_mails(ticket: Ticket, out: Sequence[OutgoingMail], now: datetime) -> Ticket:
    for mail in out:
        ticket = mails.with_outgoing(ticket, mail, now)
    return ticket


def decided(action: str, c: Context, ticket: Ticket | None, out: list[OutgoingMail],
            reasons: list[str], *, sent: Sequence[OutgoingMail] = ()) -> Decision:
    """A decision whose mails are recorded in the ticket's history (`sent`: already there)."""
    if ticket is not None:
        ticket = with_mails(ticket, out, c.now)
    return Decision(action, c.key, ticket, [*sent, *out], [r for r in reasons if r])


def is_reachable(address: str) -> bool:
    """Whether the requester's mail has somewhere to go: a ticket may have been opened from a
    mail with no usable From (RELIABILITY M01)."""
    return loopguard.mailable(address)


def participants_of(msg: ParsedMessage, config: Config, existing: list[str]) -> list[str]:
    own = {config.bot_address, config.team_address}
    out: list[str] = []
    for person in [*existing, msg.sender, *msg.cc, *msg.to]:
        person = person.lower()
        if "@" in person and person not in own and person not in out:
            out.append(person)
    return out


def thread_of(msg: ParsedMessage) -> tuple[str | None, tuple[str, ...]]:
    if not msg.message_id:
        return None, tuple(msg.references)
    return msg.message_id, (*msg.references, msg.message_id)


def refusal_lines(plan: commands.Plan) -> list[str]:
    return [f"{o.line}: {o.code}" for o in plan.outcomes if not o.done]


def done_lines(plan: commands.Plan) -> list[str]:
    return [f"{o.line}: done" for o in plan.outcomes if o.done]


def ignored_commands(c: Context) -> list[str]:
    return ["commands ignored: not a technician"] if c.msg.commands else []


def request_text(msg: ParsedMessage, language: str) -> str:
    """A new request's text: what the sender wrote and, for a forward, the forwarded mail
    under a line naming its author and date (the actual problem is often only there)."""
    fwd = msg.forwarded
    if fwd is None or not fwd.text.strip() or fwd.text.strip() in msg.text:
        return msg.text
    author = f"{fwd.original_name} <{fwd.original_sender}>" if fwd.original_name and \
        fwd.original_sender else fwd.original_name or fwd.original_sender or "?"
    date = f", {fwd.original_date}" if fwd.original_date else ""
    head = (f"---- Message transféré de {author}{date} ----" if language == "fr"
            else f"---- Forwarded message from {author}{date} ----")
    return f"{msg.text.rstrip()}\n\n{head}\n{fwd.text.strip()}".strip()
