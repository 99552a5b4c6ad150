"""Top-level parse: raw bytes in, a ParsedMessage out, never an exception.

`tree.message_tree` (mail-parser, the design card's parser) parses the bytes once with the
standard library's compat32 policy and records the defects it finds; everything else works on
that one tree, so nothing is parsed twice. compat32 rather than policy=default: it is about four
times cheaper and never raises on a broken header; headers.py decodes what policy=default would
have.
"""

from __future__ import annotations

import email
import hashlib
import itertools
import re
from datetime import UTC, datetime
from email.headerregistry import HeaderRegistry
from email.message import Message
from email.utils import parsedate_to_datetime
from functools import lru_cache

from mailbot.parsers.attachment_policy import screen
from mailbot.parsers.attachments import (
    REPORT_PARTS,
    collect_attachments,
    is_body_part,
    too_deep,
)
from mailbot.parsers.body import clean_body, html_to_text
from mailbot.parsers.commands import command_block
from mailbot.parsers.courtesy import thanks_only
from mailbot.parsers.errors import extract_errors
from mailbot.parsers.flowed import unflow
from mailbot.parsers.forwards import detect_forward
from mailbot.parsers.headers import RawHeaders, addresses, decode_bytes, decode_text, message_ids
from mailbot.parsers.identity import content_identity
from mailbot.parsers.machine import Facts, classify
from mailbot.parsers.program_paren import with_parenthesised
from mailbot.parsers.program_words import file_type_only, os_only
from mailbot.parsers.programs import WELL_KNOWN_PROGRAMS, Program
from mailbot.parsers.result import Forwarded, ParsedMessage, ParseRules
from mailbot.parsers.subject import (
    analyse_subject,
    catalogue_program,
    catalogue_spellings,
    earlier_well_known,
    find_program,
    is_forward_subject,
    peel_prefixes,
    program_matches,
    spelled,
)
from mailbot.parsers.tree import message_tree
from mailbot.tags import find_tag

_PROGRAM_SPAN = 4000  # the program a text names is in its first lines, not deep in a paste
_MAX_BODY_CHARS = 2_000_000  # a body beyond this is cut before cleaning (recorded)
_HEADERS = HeaderRegistry()


def parse(raw: bytes, rules: ParseRules = ParseRules()) -> ParsedMessage:  # noqa: B008
    """What the bot understands of one message. Never raises: problems become defects."""
    raw = bytes(raw) if not isinstance(raw, bytes) else raw
    result = ParsedMessage(content_hash=hashlib.sha256(raw).hexdigest(),
                           identity=content_identity(raw))
    try:
        message = message_tree(raw, rules, result.defects)
        _read_headers(message, result)
        _understand(message, rules, result)
    except Exception as exc:  # noqa: BLE001 - a poison message must still give a result
        result.defects.append(f"parse failed: {exc.__class__.__name__}: {str(exc)[:200]}")
    return result


def _read_headers(message: Message, result: ParsedMessage) -> None:
    defects = result.defects
    message = RawHeaders(message)  # type: ignore[assignment]
    ids = message_ids(message.get("Message-ID"))
    raw_id = decode_text(message.get("Message-ID"))
    result.message_id = ids[0] if ids else (raw_id or None)
    result.in_reply_to = message_ids(message.get("In-Reply-To"))
    result.references = message_ids(" ".join(str(v) for v in message.get_all("References")))
    result.date = _date(message.get("Date"), defects)
    before = len(defects)
    from_fields = message.get_all("From")
    senders = addresses(from_fields, defects)
    if senders:
        result.sender_name, result.sender = senders[0]
    # Exactly one From field with exactly one address, read without a defect: only such a
    # sender can be trusted as a technician (a second address, an unclosed comment or an
    # ambiguous angle address is how allow-lists are bypassed).
    result.sender_unambiguous = (len(from_fields) == 1 and len(senders) == 1
                                 and len(defects) == before
                                 and _strict_single_address(str(from_fields[0])))
    result.to = [a for _, a in addresses(message.get_all("To"), defects)]
    result.cc = [a for _, a in addresses(message.get_all("Cc"), defects)]
    result.reply_to = [a for _, a in addresses(message.get_all("Reply-To"), defects)]
    return_path = message.get("Return-Path")
    if return_path is not None:
        found = addresses([str(return_path)])
        result.return_path = found[0][1] if found else ""
    result.subject_raw = decode_text(message.get("Subject"), defects)
    auto = message.get("Auto-Submitted")
    result.auto_submitted = decode_text(auto).lower() if auto is not None else None
    result.auto_response_suppress = decode_text(message.get("X-Auto-Response-Suppress")).lower()
    result.language_hints = [decode_text(v)[:200] for name in _LANGUAGE_HEADERS
                             for v in message.get_all(name)][:5]
    result.authentication_results = [
        decode_text(v) for v in message.get_all("Authentication-Results")
    ]


# Where mail clients say the writer's language: Outlook and Exchange write Content-Language and
# Accept-Language, older Mozilla clients X-Accept-Language.
_LANGUAGE_HEADERS = ("Content-Language", "Accept-Language", "X-Accept-Language")


# The plainest From of all, "Name Surname <local@domain.tld>" or a bare address, in ASCII
# atoms (no dot, quote, comment, comma, encoded word or second address): the strict parser
# would read one address without a defect, so it is not asked (it costs a tenth of a parse).
_PLAIN_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = rf"{_PLAIN_ATOM}(?:\.{_PLAIN_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
# A quoted display name of printable ASCII without quote or backslash ("Martin, Claire") too.
_PLAIN_FROM = re.compile(
    rf"[ \t]*(?:(?:{_PLAIN_ATOM}[ \t]+)*{_PLAIN_ATOM}[ \t]*|\"[ !#-\[\]-~]+\"[ \t]*)?"
    rf"<{_PLAIN_ADDRESS}>[ \t]*"
    rf"|[ \t]*{_PLAIN_ADDRESS}[ \t]*")


def _strict_single_address(value: str) -> bool:
    """The standard library's RFC 5322 parser (policy=default) reads exactly one address with
    no defect: what getaddresses forgives (an unclosed comment, a stray angle address) is not
    forgiven here."""
    if "=?" not in value and _PLAIN_FROM.fullmatch(value):  # an encoded word may be broken
        return True
    try:
        header = _HEADERS("from", value)
    except Exception:  # noqa: BLE001 - a header the strict parser chokes on is ambiguous
        return False
    return not header.defects and len(header.addresses) == 1


def _date(value: object, defects: list[str]) -> datetime | None:
    if value is None:
        return None
    try:
        date = parsedate_to_datetime(decode_text(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append(f"unparsable Date header: {str(value)[:80]!r}")
        return None
    # "-0000" means "zone unknown" (RFC 5322): read it as UTC so every date is comparable.
    return date if date.tzinfo else date.replace(tzinfo=UTC)


def _understand(message: Message, rules: ParseRules, result: ParsedMessage) -> None:
    defects = result.defects
    result.body = _best_text(message, defects, 0)
    if len(result.body) > _MAX_BODY_CHARS:
        defects.append(f"body longer than {_MAX_BODY_CHARS} characters: cut")
        result.body = result.body[:_MAX_BODY_CHARS]
    report_type = ""
    if message.get_content_type() == "multipart/report":
        report_type = str(message.get_param("report-type") or "").lower()
    verdict = classify(Facts(message, result.subject_raw, result.sender, result.return_path,
                             result.body, rules, report_type,
                             tuple(result.to + result.cc)))
    result.kind, result.machine_reasons = verdict.kind, verdict.reasons
    result.list_headers = [str(name) for name in message
                           if str(name).lower().startswith("list-")][:10]
    result.auto_answer = verdict.answering
    result.bounce = verdict.bounce
    info = analyse_subject(result.subject_raw, tag_prefix=rules.tag_prefix, programs=rules.programs)
    result.subject, result.ticket_ref, result.program = info.cleaned, info.ticket_ref, info.program
    if info.program:  # a name the subject leads with ("Firefox 128 : ...") may be well known
        known = catalogue_program(info.program, rules.programs) is None and catalogue_program(
            info.program, WELL_KNOWN_PROGRAMS)
        result.program = known or earlier_well_known(info.cleaned, info.program, rules.programs,
                                                     WELL_KNOWN_PROGRAMS)
    result.urgent = info.urgent and result.kind == "person"  # a machine asks for nothing
    if result.kind == "bounce" and result.ticket_ref is None:
        result.ticket_ref = _returned_tag(message, rules.tag_prefix)
    result.attachments, result.refused_attachments = screen(collect_attachments(message, defects),
                                                rules.attachment_policy)
    # A reply may hold a mail pasted above the quote of ours (clean_body's `own`); a forward's
    # forwarded mail is the forward, found below.
    replying = (info.is_reply or bool(result.in_reply_to)) and not info.is_forward
    result.text = clean_body(result.body, own=rules.bot_addresses if replying else frozenset()).text
    if result.kind != "person":
        return
    _forward_and_commands(message, rules, result, info.is_forward, info.is_reply)
    result.thanks_only = thanks_only(result.text)
    result.errors = extract_errors(result.text, applications=_applications(rules.programs))
    span = result.text[:_PROGRAM_SPAN]
    if result.program is None:  # a subject that names none: the program the text names first
        found = _text_program(span, rules.programs)
        # a well-known program the subject names is what the writer says the mail is about
        result.program = found and (catalogue_program(result.subject, WELL_KNOWN_PROGRAMS)
                                    or earlier_well_known(span, found, rules.programs,
                                                          WELL_KNOWN_PROGRAMS))
    if result.program is None:  # none of the site's: well-known software, subject then text
        result.program = (catalogue_program(result.subject, WELL_KNOWN_PROGRAMS)
                          or _text_program(result.text[:_PROGRAM_SPAN], WELL_KNOWN_PROGRAMS))
    # "l'outil des notes de frais (Concur)": the name in parentheses is the program
    result.program = with_parenthesised(result.program, span, (rules.programs,
                                                               WELL_KNOWN_PROGRAMS))


# "pas de GX-ERP, pas d'internet, pas d'imprimantes": the program is one of the things a wider
# failure took away, listed with others under the same words; not the program at fault.
_LISTED = re.compile(r"(?:^|[,;:]\s*)(\w+(?:\s+\w+)?)\s*['’]?\s*\Z")


def _text_program(text: str, programs: tuple[Program, ...]) -> str | None:
    """The catalogue program a text names first, unless it is only one item of an
    enumeration of what does not work (then the next one named)."""
    pattern, names = catalogue_spellings(programs)
    file_type = None  # a program named as a file's type, when no other one is named
    for match in itertools.islice(program_matches(pattern, text), 20):
        if os_only(text, match.start(), match.end()):
            continue  # "un réglage de Windows": the system around the trouble
        if file_type_only(text, match.start(), match.end()):
            file_type = file_type or spelled(names, match.group(0))
            continue
        start = text.rfind("\n", 0, match.start()) + 1
        sentence_start = max(start, *(text.rfind(c, 0, match.start()) + 1 for c in ".!?"))
        end = min((i for i in (text.find(c, match.end()) for c in ".!?\n") if i >= 0),
                  default=len(text))
        lead = _LISTED.search(text, sentence_start, match.start())
        head = lead.group(1).split()[0].lower() if lead else ""
        sentence = " " + text[sentence_start:end].lower()
        if head and len(re.findall(rf"(?:^|[,;:])\s*{re.escape(head)}\b", sentence.strip())) >= 2:
            continue
        return spelled(names, match.group(0))
    return file_type


@lru_cache(maxsize=8)
def _applications(programs: tuple[Program, ...]) -> dict[str, tuple[str, ...]]:
    # The site's program catalogue also names the application of a pasted error whose text
    # carries no title (a .NET namespace, an intranet host name).
    return {p.name: p.aliases for p in programs}


def _forward_and_commands(message: Message, rules: ParseRules, result: ParsedMessage,
                          is_forward: bool, is_reply: bool) -> None:
    """What the message forwards and which commands top it. Reported for every sender: who
    may use them, and on whose behalf a forward opens a ticket, is the core's decision."""
    forwarded, _note, original_body = detect_forward(
        result.body, subject_is_forward=is_forward, subject_is_reply=is_reply,
        fallback_subject=result.subject or None)
    if forwarded is not None:
        forwarded.text = clean_body(original_body).text if original_body.strip() else ""
    else:
        forwarded = _attached_forward(message, result.defects)
    result.forwarded = forwarded
    block = command_block(result.text or result.body, rules.command_prefix)
    result.commands, result.stray_commands = block.commands, block.stray
    subject_upper = result.subject_raw.upper()
    result.phone_marker = any(m.upper() in subject_upper for m in rules.phone_markers if m)
    if result.program is None and forwarded and forwarded.original_subject:
        result.program = find_program(forwarded.original_subject, rules.programs)


def _attached_forward(message: Message, defects: list[str], depth: int = 0) -> Forwarded | None:
    """A message forwarded as an attachment: its own From/Date/Subject; when it forwards one
    as an attachment itself (nested), the innermost one's."""
    payload = message.get_payload() if message.is_multipart() and depth < 5 else None
    for part in payload[:50] if isinstance(payload, list) else []:
        if not isinstance(part, Message) or part.get_content_type() != "message/rfc822":
            continue
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else None
        if not isinstance(inner, Message):
            continue
        deeper = _attached_forward(inner, defects, depth + 1)
        if deeper is not None:
            deeper.depth += 1
            return deeper
        raw = RawHeaders(inner)  # 8-bit bytes in the attached message's headers kept
        subject, text = decode_text(raw.get("Subject")), _best_text(inner, defects, 1)
        nested = _forwarded_within(subject, text)
        if nested is not None:
            return nested
        senders = addresses(raw.get_all("From"), defects)
        name, sender = senders[0] if senders else ("", "")
        date = decode_text(raw.get("Date")) or None
        ids = message_ids(raw.get("Message-ID"))
        return Forwarded(sender, date, subject, name,
                         original_cc=[a for _, a in addresses(raw.get_all("Cc"), defects)],
                         original_message_id=ids[0] if ids else None,
                         text=clean_body(text).text)
    return None


def _forwarded_within(subject: str, text: str) -> Forwarded | None:
    """The attached message is itself a forward ("TR: ..." with Outlook's "De : / Envoyé : /
    À : / Objet :" block in its body): the innermost author and subject come from that block,
    as for a forward written inline."""
    is_forward = is_forward_subject(subject)
    is_reply = bool(peel_prefixes(subject)[1]) and not is_forward
    nested, _note, body = detect_forward(text, subject_is_forward=is_forward,
                                         subject_is_reply=is_reply,
                                         fallback_subject=peel_prefixes(subject)[0] or None)
    if nested is None or not nested.original_sender:
        return None
    nested.depth += 1
    nested.text = clean_body(body).text if body.strip() else ""
    return nested


def _returned_tag(message: Message, prefix: str) -> int | None:
    """A bounce names its ticket through the subject of the message it returns."""
    for count, part in enumerate(message.walk()):
        if count > 50:
            break
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(inner, Message):
                return find_tag(decode_text(inner.get("Subject")), prefix)
        elif part.get_content_type() in ("text/rfc822-headers", "message/rfc822-headers"):
            headers = email.message_from_string(str(part.get_payload())[:50000])
            return find_tag(decode_text(headers.get("Subject")), prefix)
    return None


def _best_text(part: Message, defects: list[str], depth: int) -> str:
    """The message's own text: plain preferred to HTML, attached messages left out."""
    if too_deep(depth, defects):  # the same limit as the files' (attachments.MAX_DEPTH)
        return ""
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        return ""  # an attached message is a file (listed with its own files), not our text
    if part.is_multipart():
        children = [c for c in part.get_payload() if isinstance(c, Message)]
        if ctype == "multipart/alternative":
            return _best_alternative(children, defects, depth)
        if ctype == "multipart/report":
            children = children[:1]  # the human-readable part; the rest is the report
        if ctype == "multipart/related":
            children = children[:1]  # the HTML; the rest are its images
        texts = [_best_text(c, defects, depth + 1) for c in children[:200]]
        return "\n\n".join(t for t in texts if t.strip())
    if ctype in REPORT_PARTS or not is_body_part(part) or ctype not in ("text/plain", "text/html"):
        return ""
    text = _decode_part(part, defects)
    if ctype == "text/plain" and str(part.get_param("format", "")).lower() == "flowed":
        return unflow(text, delsp=str(part.get_param("delsp", "")).lower() == "yes")
    return html_to_text(text, defects) if ctype == "text/html" else text


def _best_alternative(children: list[Message], defects: list[str], depth: int) -> str:
    fallback = ""
    for child in children:
        text = _best_text(child, defects, depth + 1)
        if not text.strip():
            continue
        if child.get_content_type() == "text/plain":
            return text
        fallback = fallback or text
    return fallback


def _decode_part(part: Message, defects: list[str]) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001 - an undecodable part is shown empty
        defects.append(f"text part undecodable: {exc.__class__.__name__}")
        return ""
    if not isinstance(data, bytes):
        return ""
    text = decode_bytes(data, part.get_content_charset(), defects)
    return text.replace("\r\n", "\n").replace("\r", "\n")
