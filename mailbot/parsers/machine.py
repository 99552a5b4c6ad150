"""Mail written by machines: bounces, auto-replies, list traffic. None of it gets an answer.

Each check is a small named rule that only looks and says why. A person must never be taken for
a machine, so a rule on the subject alone needs the forms machines use (a prefix with its colon,
Lotus Notes' "AUTO:", Exchange's "(Automatic Response)"), never a word a person could write.
The verdict's precedence: loop (our own mail back), bounce, then auto-reply, then list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message

from mailbot.parsers.headers import decode_text, message_ids
from mailbot.parsers.layouts import AUTO_REPLY_PREFIX
from mailbot.parsers.result import Bounce, ParseRules
from mailbot.parsers.wording import (
    acknowledgement_wording,
    asks_without_absence,
    auto_reply_wording,
    challenge_wording,
    mta_opening,
)

_OOO_SUBJECT = re.compile(
    rf"^\s*(?:{AUTO_REPLY_PREFIX})\s*[:：]|^\s*[\[(](?:{AUTO_REPLY_PREFIX})[\])]"
    r"|\((?:automatic\s+response|r[ée]ponse\s+automatique|auto[\s-]?reply)\)\s*$"
    r"|\bis\s+out\s+of\s+(?:the\s+)?office\b.*\breturning\b",
    re.IGNORECASE,
)
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
_BRACKETED = re.compile(r"\[([\w.+-]{2,64})\]")
# Senders only MTAs use; Exchange sends its NDRs from "MicrosoftExchange" + 32 hex digits.
_MACHINE_LOCALPART = re.compile(
    r"^(?:mailer-daemon|postmaster|mail-daemon|mdaemon|microsoftexchange[0-9a-f]{32})\b", re.I)


@dataclass
class Verdict:
    kind: str = "person"
    reasons: list[str] = field(default_factory=list)
    bounce: Bounce | None = None
    # An automatic mail that answers some message (an out-of-office, a read receipt, RFC 3834
    # auto-replied), as opposed to one no message triggered (auto-generated: an alert).
    answering: bool = False


@dataclass
class Facts:
    """What the rules look at, decoded once."""

    message: Message
    subject: str
    sender: str
    return_path: str | None
    body: str
    rules: ParseRules
    report_type: str = ""
    recipients: tuple[str, ...] = ()  # To and Cc addresses
    _names: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        # Header names, lower-case, read once: the rules ask about some twenty of them.
        self._names = {str(name).lower() for name in self.message}

    def has(self, name: str) -> bool:
        return name.lower() in self._names

    def header(self, name: str) -> str:
        if name.lower() not in self._names:
            return ""
        return decode_text(self.message.get(name, "")).lower()


Rule = Callable[[Facts], str | None]


def _auto_submitted(f: Facts) -> str | None:
    value = f.header("Auto-Submitted")
    return f"Auto-Submitted: {value}" if value and not value.startswith("no") else None


def _vendor_autoreply(f: Facts) -> str | None:
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply",
                 "X-AutoReply-From", "X-Mail-Autoreply"):
        if f.has(name):
            return f"{name} header"
    for name, values in (("X-Autogenerated", ("reply",)), ("X-Loop", ("yes", "true")),
                         ("X-FC-MachineGenerated", ("true", "yes"))):
        if f.header(name).strip() in values:
            return f"{name}: {f.header(name).strip()}"
    source = f.header("X-MS-Exchange-Generated-Message-Source")
    if "rules agent" in source or "autoreply" in source:
        return f"X-MS-Exchange-Generated-Message-Source: {source}"
    for name in ("Precedence", "X-Precedence"):
        if f.header(name) == "auto_reply":
            return f"{name}: auto_reply"
    if "autoresponder" in f.header("X-POST-MessageClass"):
        return "X-POST-MessageClass: autoresponder"
    return None


def _ooo_subject(f: Facts) -> str | None:
    # The auto-responder's prefix, unless the text is a person's question about that very
    # feature: an employee may well title a request "Réponse automatique : ...".
    if not _OOO_SUBJECT.search(f.subject) or asks_without_absence(f.body):
        return None
    return f"out-of-office subject: {f.subject[:60]!r}"


def _auto_reply_wording(f: Facts) -> str | None:
    # An out-of-office sent without any header: only what it says betrays it. Not for replies
    # that forward something, nor long mails: an auto-reply is a few lines.
    by_rule = f.has("X-MS-Exchange-Inbox-Rules-Loop")
    found = auto_reply_wording(f.subject, f.body, generated=by_rule)
    return f"out-of-office wording: {', '.join(found)}" if found else None


def _acknowledgement(f: Facts) -> str | None:
    # "Thank you for your e-mail, I will reply as soon as possible" is what a person may write
    # too: only with the null return path RFC 3834 (3.3) asks of automatic responses.
    if f.return_path != "" and f.header("Precedence") not in ("bulk", "junk", "auto_reply"):
        return None
    found = acknowledgement_wording(f.body)
    return f"automatic acknowledgement: {found!r}" if found else None


def _challenge(f: Facts) -> str | None:
    # Challenge-response filters ask the sender to prove they are a person: a subject asking
    # for a confirmation and a body that asks to click to verify.
    found = challenge_wording(f.subject, f.body)
    return f"challenge-response request: {found}" if found else None


def _read_receipt(f: Facts) -> str | None:
    if f.report_type in ("disposition-notification", "feedback-report"):
        return f"Content-Type: multipart/report; report-type={f.report_type}"
    return None


def _bot_itself(f: Facts) -> str | None:
    return "From: the bot's own address" if f.sender and f.sender in f.rules.bot_addresses else None


def _own_loop_header(f: Facts) -> str | None:
    # Every automatic mail of ours carries "X-Loop: <our address>" (compose.py); one coming
    # back (a forwarding rule, an auto-responder that copies headers) must stop here. Several
    # X-Loop fields may be stacked, one per hop: any of them naming us is enough.
    ours = {a.lower() for a in f.rules.bot_addresses}
    for value in f.message.get_all("X-Loop") or []:
        named = decode_text(value).strip().strip("<>").strip().lower()
        if named in ours:
            return f"X-Loop: {named} (our own loop header)"
    return None


def _list_headers(f: Facts) -> str | None:
    for name in ("List-Id", "List-Unsubscribe", "List-Post", "List-Help", "List-Archive",
                 "List-Subscribe", "List-Owner", "Mailing-List", "X-Mailing-List",
                 "X-BeenThere", "X-Mailman-Version", "X-Google-Group-Id",
                 "X-Listprocessor-Version", "X-Ecartis-Version", "X-ML-Name"):
        if f.has(name):
            return f"{name} header"
    for name in ("Precedence", "X-Precedence"):
        precedence = f.header(name)
        if precedence in ("bulk", "list", "junk"):
            return f"{name}: {precedence}"
    return None


# List managers' own addresses (RFC 2142 and the list software's conventions).
_LIST_ROBOT = re.compile(r"^(?:owner-.+|.+-(?:request|owner|bounces?)|listserv|majordomo)$",
                         re.IGNORECASE)
# SRS (SRS0=hash=tt=domain=local) and BATV (prvs=tag=local) wrap the original local part.
_WRAPPED_LOCAL = re.compile(r"^(?:srs[01]|prvs|msprvs\d|btv1)=.*=([^=]+)$", re.IGNORECASE)


def canonical_local_part(address: str) -> str:
    """The sender's own local part, with SRS and BATV rewriting undone."""
    local = address.rsplit("@", 1)[0]
    wrapped = _WRAPPED_LOCAL.match(local)
    return wrapped.group(1) if wrapped else local


def is_list_robot(local: str) -> bool:
    """A list manager's own local part (owner-x, x-request, listserv...)."""
    return bool(_LIST_ROBOT.match(local))


def _list_robot_sender(f: Facts) -> str | None:
    local = canonical_local_part(f.sender)
    return f"list manager address: {f.sender}" if _LIST_ROBOT.match(local) else None


def _list_subject_tag(f: Facts) -> str | None:
    # Mailman-style lists tag subjects with their own name: "[notmuch] ..." sent to
    # notmuch@...; archives and digests often keep that and drop the List-* headers.
    # An employee who writes "[support] ..." to support@ is a person, never a list.
    tags = {t.lower() for t in _BRACKETED.findall(f.subject)}
    for address in f.recipients:
        if address in f.rules.bot_addresses:
            continue
        if address.split("@", 1)[0] in tags:
            return f"subject tag names the list address {address}"
    return None


def _noreply_sender(f: Facts) -> str | None:
    local = f.sender.split("@", 1)[0]
    if any(p in local for p in f.rules.noreply_patterns):
        return f"no-reply sender: {f.sender}"
    return None


# The flow as a table: (kind, rule). The first kind with a hit wins; every hit is a reason.
AUTO_REPLY_RULES: tuple[Rule, ...] = (
    _auto_submitted,  # RFC 3834 (first: the others say the mail answers one, `answering`)
    _vendor_autoreply,  # X-Autoreply, Exchange rules agent, Precedence: auto_reply
    _read_receipt,  # MDN read receipts, ARF abuse reports
    _ooo_subject,  # "Réponse automatique :", "Automatic reply:", "AUTO:", "(Automatic Response)"
    _auto_reply_wording,  # header-less out-of-office: what it says, in many languages
    _challenge,  # challenge-response spam filters asking to confirm
    _acknowledgement,  # "thank you for your mail, I will reply" sent with a null return path
)
# Our own mail coming back: checked first, never ticketed (RELIABILITY L08).
LOOP_RULES: tuple[Rule, ...] = (_own_loop_header, _bot_itself)
LIST_RULES: tuple[Rule, ...] = (_list_headers, _list_subject_tag, _noreply_sender,
                                _list_robot_sender)


def classify(facts: Facts) -> Verdict:
    loop_reasons = _hits(LOOP_RULES, facts)
    if loop_reasons:
        return Verdict("loop", loop_reasons)
    bounce_reasons = _bounce_reasons(facts)
    if bounce_reasons:
        return Verdict("bounce", bounce_reasons, _bounce_details(facts))
    reasons = [r for r in (rule(facts) for rule in AUTO_REPLY_RULES) if r]
    if reasons:
        value = facts.header("Auto-Submitted")
        answering = value.startswith("auto-replied") or bool(_hits(AUTO_REPLY_RULES[1:], facts))
        return Verdict("auto_reply", reasons + [r for r in _hits(LIST_RULES, facts)],
                       answering=answering)
    reasons = _hits(LIST_RULES, facts)
    return Verdict("list", reasons) if reasons else Verdict()


def _hits(rules: tuple[Rule, ...], facts: Facts) -> list[str]:
    return [r for r in (rule(facts) for rule in rules) if r]


def _bounce_reasons(f: Facts) -> list[str]:
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
    if _auto_submitted(f):
        evidence.append(_auto_submitted(f) or "")
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


def _bounce_details(f: Facts) -> Bounce:
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
