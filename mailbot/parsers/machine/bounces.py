"""Bounces: delivery status notifications (RFC 3464) and the non-standard reports MTAs write,
with what they say about the failed delivery (recipient, status, the returned message)."""

from __future__ import annotations

import re
from email.message import Message

from mailbot.parsers.headers import decode_text, message_ids
from mailbot.parsers.machine.auto_replies import auto_submitted
from mailbot.parsers.machine.facts import Facts
from mailbot.parsers.result import Bounce
from mailbot.parsers.wording import mta_opening

_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliver(?:able|ed)|undelivered\s+mail|returned\s+mail|mail\s+delivery\s+"
    r"(?:failed|failure|system)|delivery\s+(?:status\s+notification|failure|notification|"
    r"has\s+failed|problem)|failure\s+notice|non\s+remis|non\s+distribuable|"
    r"message\s+non\s+remis|unzustellbar|nicht\s+zustellbar|warning:\s+could\s+not\s+send|"
    r"could\s+not\s+send\s+message|mail\s+system\s+error|nondeliverable|"
    r"message\s+delivery\s+(?:has\s+)?failed|returned\s+to\s+sender|rejected|"
    r"delayed\s+mail|delivery\s+delayed|\[?postmaster\]?|error\s+sending\s+message)",
    re.IGNORECASE,
)
# What a non-standard bounce says in its text (checked only with other evidence of an MTA).
_BOUNCE_TEXT = re.compile(
    r"could\s+not\s+be\s+delivered|undeliverable|delivery\s+(?:has\s+)?failed|"
    r"permanent\s+(?:fatal\s+)?error|user\s+unknown|mailbox\s+(?:is\s+)?(?:full|unavailable)|"
    r"no\s+such\s+user|recipient\s+address\s+rejected|message\s+was\s+not\s+delivered|"
    r"n'a\s+pas\s+pu\s+être\s+remis|remise\s+a\s+échoué|unable\s+to\s+deliver|"
    r"delivery\s+to\s+the\s+following\s+recipients?\s+failed|returned\s+to\s+sender|"
    r"host\s+unknown|quota\s+exceeded|message\s+rejected|this\s+is\s+a\s+permanent\s+error|"
    r"was\s+undeliverable|error\s+delivering|not\s+listed\s+in\s+(?:domino|the)\s+directory|"
    r"account\s+(?:is\s+)?(?:expired|disabled)|did\s+not\s+reach",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT_WORDS = re.compile(
    r"\b(?:undeliver(?:able|ed)|non\s+remis|non\s+distribuable|unzustellbar|"
    r"delivery\s+(?:status\s+notification|failure|failed)|failure\s+notice|returned\s+mail)\b",
    re.IGNORECASE,
)
# A From with no address whose name is an MTA's ("MAILER-DAEMON <>", "Mail Delivery System").
_MAILER_NAME = re.compile(
    r"mailer-daemon|postmaster|mail\s+delivery\s+(?:system|subsystem)|mail\s+administrator",
    re.IGNORECASE,
)
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_RECIPIENT_IN_TEXT = re.compile(
    r"<([\w.+'=-]+@[\w-]+(?:\.[\w-]+)+)>\s*[:.]?|^\s*([\w.+'=-]+@[\w-]+(?:\.[\w-]+)+)\s*$",
    re.MULTILINE,
)
_MESSAGE_ID_IN_TEXT = re.compile(r"^\s*Message-Id:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_MTA_LINES = re.compile(
    r"^\s*(?:Received|Return-Path|Final-Recipient|Reporting-MTA|Remote-MTA|Diagnostic-Code|"
    r"X-Failed-Recipients|Action):",
    re.IGNORECASE | re.MULTILINE,
)
# Senders only MTAs use; Exchange sends its NDRs from "MicrosoftExchange" + 32 hex digits.
_MACHINE_LOCALPART = re.compile(
    r"^(?:mailer-daemon|postmaster|mail-daemon|mdaemon|microsoftexchange[0-9a-f]{32})\b", re.I)


def bounce_reasons(f: Facts) -> list[str]:
    if f.report_type in ("delivery-status", "global-delivery-status"):
        return [f"Content-Type: multipart/report; report-type={f.report_type}"]
    if _has_part(f.message, ("message/delivery-status", "message/global-delivery-status")):
        return ["message/delivery-status part"]
    # A non-standard bounce: an MTA's words in the subject, plus evidence that an MTA sent it.
    evidence = []
    mta_sender = bool(_MACHINE_LOCALPART.match(f.sender.split("@", 1)[0])) or bool(
        _MAILER_NAME.search(f.header("From")) and not f.sender)
    if mta_sender:
        evidence.append(f"From: {f.header('From')[:60]}")
    if f.return_path == "":
        evidence.append("Return-Path: <>")
    if f.has("X-Failed-Recipients"):
        evidence.append("X-Failed-Recipients header")
    if auto_submitted(f):
        evidence.append(auto_submitted(f) or "")
    # The subject's words at its start; anywhere in it ("Message status - undeliverable") when
    # an MTA's address sent it.
    subject_says = _BOUNCE_SUBJECT.match(f.subject) or (
        evidence and _BOUNCE_SUBJECT_WORDS.search(f.subject))
    opening = mta_opening(f.subject, f.body)
    if opening:
        # An MTA's report starts with its own sentence; a person quoting one writes first.
        return [f"MTA report opening: {opening!r}", *evidence]
    if mta_sender and _BOUNCE_TEXT.search(f.body[:20000]):
        return ["bounce text from an MTA's address", *evidence]
    if not evidence and not subject_says:
        return []  # the common case: the costly text searches below are not needed
    head = f.body[:20000]
    text_says = _BOUNCE_TEXT.search(head) is not None and _STATUS.search(head) is not None
    if evidence and (subject_says or text_says):
        return [f"bounce subject: {f.subject[:60]!r}" if subject_says else "bounce text", *evidence]
    # Without an MTA's envelope marks, the text must carry what only an MTA writes: a status
    # code and the returned message's or the report's own header lines. A person asking about
    # a failed delivery writes the words, not the headers.
    if subject_says and text_says and _MTA_LINES.search(f.body[:50000]):
        return [f"bounce subject: {f.subject[:60]!r}", "MTA report lines in the text"]
    return []


def _has_part(message: Message, types: tuple[str, ...], depth: int = 0) -> bool:
    """Whether the message's own structure has such a part (attached messages not entered:
    a person forwarding a bounce as an attachment is still a person)."""
    if message.get_content_type() in types:
        return True
    payload = message.get_payload() if message.is_multipart() else None
    if depth > 5 or not isinstance(payload, list) or message.get_content_type() == "message/rfc822":
        return False
    return any(isinstance(p, Message) and _has_part(p, types, depth + 1) for p in payload[:20])


def bounce_details(f: Facts) -> Bounce:
    bounce = Bounce()
    for count, part in enumerate(f.message.walk()):
        if count > 100:
            break
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            _read_dsn(part, bounce)
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            bounce.original_message_id = bounce.original_message_id or _returned_id(part)
    text = f.body[:50000]
    if not bounce.status:
        status = _STATUS.search(text)
        bounce.status = status.group(0) if status else None
    if not bounce.recipient:
        found = _RECIPIENT_IN_TEXT.search(text)
        bounce.recipient = (found.group(1) or found.group(2)).lower() if found else None
    if not bounce.original_message_id:
        own = f.message.get("Message-ID", "")
        ids = [i for i in _MESSAGE_ID_IN_TEXT.findall(text) if i not in str(own)]
        bounce.original_message_id = ids[0] if ids else None
    if not bounce.action and bounce.status:
        bounce.action = {"2": "delivered", "4": "delayed", "5": "failed"}[bounce.status[0]]
    return bounce


def _read_dsn(part: Message, bounce: Bounce) -> None:
    blocks = part.get_payload()
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, Message):
            continue
        recipient = block.get("Final-Recipient") or block.get("Original-Recipient")
        if recipient and not bounce.recipient:
            bounce.recipient = str(recipient).split(";")[-1].strip().strip("<>").lower() or None
            bounce.action = (str(block.get("Action", "")).strip().lower() or None)
            status = _STATUS.search(str(block.get("Status", "")))
            bounce.status = status.group(0) if status else None
            reason = block.get("Diagnostic-Code")
            bounce.reason = decode_text(reason).split(";", 1)[-1].strip() if reason else None
            bounce.status = _specific_status(bounce.status, bounce.reason or "")


# An SMTP reply as a diagnostic quotes it: reply code, then the enhanced code (RFC 2034).
# qmail writes it at the end in parentheses: "... rcpthosts (#5.7.1)".
_SMTP_REPLY_STATUS = re.compile(
    r"\b[245]\d\d[ -]'?([245]\.\d{1,3}\.\d{1,3})\b|\(#([245]\.\d{1,3}\.\d{1,3})\)")


def _specific_status(status: str | None, diagnostic: str) -> str | None:
    """A Status of X.0.0 is "other undefined status" (RFC 3463): when the diagnostic quotes the
    remote server's SMTP reply with an enhanced code of the same class (after the reply code,
    RFC 2034, or qmail's "(#X.Y.Z)"), that code says more."""
    if not status or not status.endswith(".0.0"):
        return status
    for found in _SMTP_REPLY_STATUS.finditer(diagnostic):
        code = found.group(1) or found.group(2)
        if code[0] == status[0]:
            return code
    return status


def _returned_id(part: Message) -> str | None:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(inner, Message):
        ids = message_ids(inner.get("Message-ID"))
        return ids[0] if ids else None
    found = _MESSAGE_ID_IN_TEXT.search(str(payload)[:20000])
    return found.group(1) if found else None
