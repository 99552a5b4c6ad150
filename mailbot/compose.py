"""Writing the bot's mails: jinja2 plain-text templates and RFC 5322 messages.

Pure: the caller passes the Message-ID and the date, so that a mail is fully decided (and stored
in the outbox) before anything is sent, and a retry goes out under the same Message-ID.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from email import encoders
from email.charset import QP, Charset
from email.generator import Generator
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr
from functools import lru_cache
from typing import Any

import jinja2

# Headers that stop other robots from answering us (RFC 3834; Microsoft's auto-responders).
LOOP_HEADERS = {"X-Auto-Response-Suppress": "All"}
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # readable in any client's "show source", unlike base64
CRLF = "\r\n"
MAX_FILENAME = 120  # characters of an attached file's name


class _Wire(Compat32):
    """compat32 on the wire, with a header that is printable ASCII written as it is: what
    compat32's Header would give for it when nothing is folded (checked on 200,000 random
    values), without building a Header per field (issue 18: 5 % of a backlog, 13 fields a
    mail)."""

    def fold(self, name: str, value: Any) -> str:
        if (not self.max_line_length and isinstance(value, str) and value.isascii()
                and value.isprintable()):
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)


_WIRE = _Wire(linesep=CRLF)


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    # A plain-text environment: mail bodies are not HTML, so no autoescape; StrictUndefined so a
    # missing variable is an error in tests rather than a blank in an employee's mailbox.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mailbot", "templates/mail"),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # The templates ship with the package: no stat of each file before every mail.
        auto_reload=False,
    )
    env.filters["error_line"] = error_line
    return env


def error_line(error: Any, separator: str = " : ") -> str:
    """An extracted error (an ErrorText or its JSON) as one line, each name once: a Windows
    dialog's title is often its application's name, and its message starts with it again
    ("Sage 100 Comptabilité : Erreur 1045"); issue 16 §9 saw the name three times."""
    def field(name: str) -> str:
        value = error.get(name) if isinstance(error, dict) else getattr(error, name, None)
        return str(value or "").strip()

    application, title, message = field("application"), field("title"), field("message")
    names = [n for n in (application, title) if n]
    if len(names) == 2 and (title.lower() in application.lower()
                            or application.lower() in title.lower()):
        names = [max(names, key=len)]
    for name in names:
        message = re.sub(r"^" + re.escape(name) + r"\s*[:\-–]\s*", "", message,
                         flags=re.IGNORECASE)
    head = " ".join(names)
    return f"{head}{separator}{message}" if head and message else head or message


def render(name: str, language: str, **context: Any) -> str:
    return procedure_names(_template(f"{name}.{language}.txt").render(**context), language)


@lru_cache(maxsize=128)
def _template(name: str) -> jinja2.Template:
    """A template compiled once per process, its globals (jinja2's own and the environment's,
    which nothing changes after start) one plain dict: jinja2 copies them into the context of
    every render, include and macro call, and a chain of dicts copies three times slower."""
    template = _env().get_template(name)
    template.globals = dict(template.globals)
    return template


# The organisation's documents by the names its people know them by (shared/seeds/README.md).
# A rule description or a reason written "procédure 002 ..." (or an older "seed 002 ...") reads
# "procédure SLA, ..." in every mail (issue 16 §8).
PROCEDURES = {
    "000": {"fr": "procédure des niveaux d'urgence", "en": "urgency levels procedure"},
    "001": {"fr": "procédure de remontée des problèmes", "en": "escalation procedure"},
    "002": {"fr": "procédure SLA", "en": "SLA procedure"},
    "003": {"fr": "procédure d'escalade VIP", "en": "VIP escalation procedure"},
    "004": {"fr": "procédure de la boîte support", "en": "support mailbox procedure"},
}
# "procédure 002" as rules.toml cites it (an older "seed 002" too): the procedure's name.
_SEED = re.compile(r"\b(?:[Ss]eeds?|[Pp]roc[ée]dures?) (00\d)(?:'s)?(?=( ?[\w(]))?")


def procedure_names(text: str, language: str) -> str:
    if " 00" not in text:  # no procedure number at all: the text as it is, without a regex scan
        return text

    def name(match: re.Match[str]) -> str:
        words = PROCEDURES.get(match.group(1), PROCEDURES["002"])[language]
        return words + ("," if match.group(2) else "")
    return _SEED.sub(name, text)


@dataclass(frozen=True)
class Draft:
    """What a mail says; `build` turns it into the bytes that go out."""

    message_id: str
    sender: str  # the bot's address (From, and the envelope unless `envelope` says otherwise)
    sender_name: str
    to: list[str]
    subject: str
    body: str
    date: datetime
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    # RFC 3834: "auto-replied" or "auto-generated"; None for a person's words relayed by us.
    auto_submitted: str | None = "auto-replied"
    reply_to: str | None = None
    cc: tuple[str, ...] | list[str] = ()
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # (file name, content type, content)
    # MAIL FROM when it is not `sender`: "" for the null sender <>, or a VERP address.
    envelope: str | None = None
    # MIME parts that follow the text as they are (the monthly report's chart and CSV).
    parts: tuple[Message, ...] = ()


def build(draft: Draft) -> str:
    # The compat32 classes rather than EmailMessage: the same RFC 5322 result (encoded words,
    # folding, quoted-printable) at a third of the cost, which matters at 100 mails a second.
    text = MIMEText(draft.body, "plain", _UTF8_QP)
    msg: Message = text
    if draft.attachments or draft.parts:
        msg = MIMEMultipart("mixed")
        msg.attach(text)
        for name, content_type, content in draft.attachments:
            msg.attach(_attachment(name, content_type, content))
        for part in draft.parts:
            msg.attach(part)
    msg["From"] = formataddr((draft.sender_name, draft.sender), charset="utf-8")
    msg["To"] = ", ".join(draft.to)
    if draft.cc:
        msg["Cc"] = ", ".join(draft.cc)
    # The subject comes partly from mail we received: whitespace (CR and LF included) is
    # collapsed, so it cannot inject a header. Headers are folded here, by hand where it
    # matters, and the generator folds nothing: its folding would put a long Message-ID alone
    # on a continuation line ("In-Reply-To: " + CRLF), which naive threading code misreads.
    subject = " ".join(draft.subject.split())[:900]
    msg["Subject"] = (subject if subject.isascii() else
                      Header(subject, "utf-8", header_name="Subject").encode(linesep=CRLF))
    msg["Date"] = format_datetime(draft.date)
    msg["Message-ID"] = draft.message_id
    # Message-IDs come from mail we received: one holding a character the generator breaks a
    # line at (str.splitlines: form feed, U+2028...) would inject a header, and cannot thread.
    if draft.in_reply_to and _threadable(draft.in_reply_to):
        msg["In-Reply-To"] = draft.in_reply_to
    references = [mid for mid in _unique(draft.references) if _threadable(mid)]
    if references:
        msg["References"] = (CRLF + " ").join(references[-20:])
    if draft.reply_to:
        msg["Reply-To"] = draft.reply_to
    if draft.auto_submitted:
        msg["Auto-Submitted"] = draft.auto_submitted
        for name, value in LOOP_HEADERS.items():
            msg[name] = value
        # Our own loop header (RELIABILITY L08): should this mail ever come back to us, the
        # machine parser sees our address here and it gets no answer. A technician's answer
        # relayed by us is a person's words and carries none, like Auto-Submitted.
        msg["X-Loop"] = draft.sender
    out = io.StringIO()
    Generator(out, mangle_from_=False, maxheaderlen=0, policy=_WIRE).flatten(msg)
    return out.getvalue()


def _attachment(name: str, content_type: str, content: bytes) -> Message:
    maintype, _, subtype = content_type.partition("/")
    if maintype == "text" or not subtype:  # a text file is sent as bytes, as it came
        maintype, subtype = "application", "octet-stream"
    part = MIMEBase(maintype, subtype)
    part.set_payload(content)
    encoders.encode_base64(part)
    # Headers are not folded here (see build), so a file name is kept short enough for any
    # line to stay far below RFC 5322's 998 characters, whatever its encoding (RELIABILITY M03).
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        name = (stem if keep else name)[: MAX_FILENAME - len(keep) - 2] + "…" + (
            f".{keep}" if keep else "")
    # RFC 2231 for a name that is not ASCII; the name is already a sanitised display name.
    filename: str | tuple[str, str, str] = name if name.isascii() else ("utf-8", "", name)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def hours_text(hours: float, language: str, *, working: bool) -> str:
    """"sous 4 heures ouvrées" / "within 4 working hours"; minutes below one hour."""
    if hours < 1:
        minutes = round(hours * 60)
        plural = "s" if minutes > 1 else ""
        return f"sous {minutes} minute{plural}" if language == "fr" else (
            f"within {minutes} minute{plural}")
    amount = f"{hours:g}"
    if language == "fr":
        # French: the plural starts at 2 (1 heure ouvrée, 1,5 heure ouvrée, 2 heures ouvrées).
        plural = "s" if hours >= 2 else ""
        return (f"sous {amount.replace('.', ',')} heure{plural}"
                + (f" ouvrée{plural}" if working else ""))
    return f"within {amount}" + (" working" if working else "") + f" hour{'s' if hours > 1 else ''}"


def _threadable(message_id: str) -> bool:
    """No control or line-separator character (RFC 5322 3.6.4: a msg-id is printable; UTF-8
    is allowed by RFC 6532). Every character str.splitlines breaks at fails isprintable."""
    return message_id.isprintable()


def _unique(ids: tuple[str, ...]) -> list[str]:
    seen: dict[str, None] = {}
    for mid in ids:
        seen.setdefault(mid, None)
    return list(seen)
