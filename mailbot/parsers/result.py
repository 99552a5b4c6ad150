"""What the parsers understand of one message: plain values, JSON-ready, no behaviour.

`ParsedMessage.to_json` is the contract of `mailbot parse --json` (issue 3): add keys, never
rename them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mailbot.parsers.attached import Attachment
from mailbot.parsers.attachment_policy import AttachmentPolicy, RefusedAttachment
from mailbot.parsers.programs import DEFAULT_PROGRAMS, Program

if TYPE_CHECKING:  # errors.py is imported by message.py; the type is enough here
    from mailbot.parsers.errors import ErrorText

DEFAULT_NOREPLY_PATTERNS: tuple[str, ...] = (
    "no-reply", "noreply", "ne-pas-repondre", "nepasrepondre",
    "donotreply", "do-not-reply", "mailer-daemon", "postmaster",
)


@dataclass(frozen=True)
class ParseRules:
    bot_addresses: frozenset[str] = frozenset()  # the support mailbox's own address(es)
    tag_prefix: str = "#"  # the ticket tag is "[#42]"
    programs: tuple[Program, ...] = DEFAULT_PROGRAMS
    command_prefix: str = "#"  # commands are lines like "#close", "#priority P2"
    phone_markers: tuple[str, ...] = ("[TEL]", "[APPEL]")
    noreply_patterns: tuple[str, ...] = DEFAULT_NOREPLY_PATTERNS
    max_bytes: int = 25_000_000  # beyond it: headers only + a defect
    attachment_policy: AttachmentPolicy = AttachmentPolicy()  # files refused, not kept


@dataclass
class Bounce:
    original_message_id: str | None = None
    recipient: str | None = None
    status: str | None = None  # DSN status such as "5.2.2"
    action: str | None = None  # failed | delayed | delivered | relayed | expanded
    reason: str | None = None  # the diagnostic as the MTA wrote it


@dataclass
class Forwarded:
    original_sender: str  # lower-case address, "" when the block names no address
    original_date: str | None = None  # as written in the forwarded block
    original_subject: str | None = None
    original_name: str = ""
    depth: int = 1  # how many forwarded blocks were nested
    original_cc: list[str] = field(default_factory=list)  # lower-case addresses
    original_message_id: str | None = None  # known when the original is attached
    text: str = ""  # the original's own text, cleaned like any body

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ParsedMessage:
    message_id: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    date: datetime | None = None
    sender: str = ""
    sender_name: str = ""
    sender_unambiguous: bool = False  # one From field, one address, no defect reading it
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    return_path: str | None = None
    subject_raw: str = ""
    subject: str = ""
    ticket_ref: int | None = None
    urgent: bool = False
    program: str | None = None
    kind: str = "person"  # person | auto_reply | bounce | list | loop
    machine_reasons: list[str] = field(default_factory=list)
    auto_answer: bool = False  # automatic, and answering some message (not an alert)
    bounce: Bounce | None = None
    text: str = ""
    body: str = ""
    errors: list[ErrorText] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)  # the files kept
    refused_attachments: list[RefusedAttachment] = field(default_factory=list)  # by policy
    forwarded: Forwarded | None = None
    commands: list[str] = field(default_factory=list)
    # Lines below the commands that begin with the prefix and a word: never commands, and never
    # relayed (a technician's mail holding one is refused whole, parsers/commands.py).
    stray_commands: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    content_hash: str = ""  # SHA-256 of the raw bytes: the kept copy's name
    # SHA-256 of what the originator wrote, trace fields left out (mailbot.parsers.identity):
    # a redelivered copy has the same.
    identity: str = ""
    auto_submitted: str | None = None
    authentication_results: list[str] = field(default_factory=list)
    phone_marker: bool = False  # the subject carries a configured phone-call marker
    thanks_only: bool = False  # the text only thanks or acknowledges ("merci", "ok, thanks!")
    # Exchange's X-Auto-Response-Suppress (lower case): "all", "autoreply" or "oof" asks for no
    # automatic answer although a person wrote the mail.
    auto_response_suppress: str = ""
    # What the sender's client says of their language (Content-Language, Accept-Language,
    # X-Accept-Language), a hint when their text is too short to tell (parsers/language.py).
    language_hints: list[str] = field(default_factory=list)
    # The RFC 2369/2919 List-* fields the message carries, even when it is a person's own
    # request (a copy through a list they wrote to with us, a gateway's List-Unsubscribe):
    # RFC 3834 section 2 asks for no automatic answer to such mail.
    list_headers: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "in_reply_to": list(self.in_reply_to),
            "references": list(self.references),
            "date": self.date.isoformat() if self.date else None,
            "sender": self.sender,
            "sender_name": self.sender_name,
            "sender_unambiguous": self.sender_unambiguous,
            "to": list(self.to),
            "cc": list(self.cc),
            "subject": self.subject,
            "subject_raw": self.subject_raw,
            "ticket_ref": self.ticket_ref,
            "urgent": self.urgent,
            "program": self.program,
            "kind": self.kind,
            "machine_reasons": list(self.machine_reasons),
            "bounce": asdict(self.bounce) if self.bounce else None,
            "phone_marker": self.phone_marker,
            "thanks_only": self.thanks_only,
            "text": self.text,
            "errors": [e.to_json() for e in self.errors],
            "attachments": [a.to_json() for a in self.attachments],
            "refused_attachments": [r.to_json() for r in self.refused_attachments],
            "forwarded": self.forwarded.to_json() if self.forwarded else None,
            "commands": list(self.commands),
            "defects": list(self.defects),
            "content_hash": self.content_hash,
            "language_hints": list(self.language_hints),
            "list_headers": list(self.list_headers),
        }
