"""The MIME tree of a raw message, within budgets: mail-parser (the design card's parser, and the
only module that imports it) parses the bytes once with the standard library's compat32 policy
and records the defects it finds, per part and per address, date and Received header; absurd
header sections, nesting bombs and thousands of parts are cut or read more cheaply first.
"""

from __future__ import annotations

import email
import logging
import re
from email.message import Message
from email.parser import BytesHeaderParser

from mailparser import MailParser

from mailbot.parsers.headers import RawHeaders, addresses, decode_text, message_ids
from mailbot.parsers.result import ParseRules

# mail-parser logs every part it does not render ("Email content 'report' not handled"); what
# matters of it is recorded as defects, so its log lines would only be noise in the daemon's log.
logging.getLogger("mailparser").setLevel(logging.CRITICAL)

_MAX_BOUNDARY_LINES = 2_000  # past this many "--" lines mail-parser's per-part work is skipped
# More multipart containers than any real mail holds: a nesting bomb, told from the raw bytes
# before the standard parser, whose time grows with lines x depth, spends seconds on it.
_MAX_MULTIPARTS = 200
_BOUNDARY = re.compile(rb"boundary\s*=", re.IGNORECASE)
_MAX_HEADER_LINE = 16_384  # one physical header line; longer lines are cut (recorded)
_MAX_HEADER_BYTES = 262_144  # the whole header section; beyond, the rest is dropped (recorded)


def message_tree(raw: bytes, rules: ParseRules, defects: list[str]) -> Message:
    if len(raw) > rules.max_bytes:
        defects.append(f"message of {len(raw)} bytes exceeds {rules.max_bytes}: headers only")
        return _headers_only(raw)
    raw = _tame_headers(raw, defects)
    if len(_BOUNDARY.findall(raw)) > _MAX_MULTIPARTS:
        defects.append(f"more than {_MAX_MULTIPARTS} multipart boundaries (a nesting bomb): "
                       "headers only")
        return _headers_only(raw)
    if raw.count(b"\n--") > _MAX_BOUNDARY_LINES:
        # A MIME bomb of thousands of parts: mail-parser would decode every one of them.
        defects.append("thousands of MIME parts: read with the bare standard parser")
        try:
            return email.message_from_bytes(raw)
        except Exception as exc:  # noqa: BLE001 - e.g. RecursionError (nesting 1,000 deep)
            defects.append(f"MIME structure not parsed ({exc.__class__.__name__}): headers only")
            return _headers_only(raw)
    try:
        parsed = _TreeParser.from_bytes(raw)
    except Exception as exc:  # noqa: BLE001 - e.g. MailParserRecursionError on a MIME bomb
        defects.append(f"MIME structure not parsed ({exc.__class__.__name__}): headers only")
        return _headers_only(raw)
    for entry in parsed.defects:
        for items in entry.values():
            defects.extend(str(item)[:300] for item in items)
    return parsed.message


class _TreeParser(MailParser):
    """mail-parser's parse, its defects and the tree it parsed, without the two dicts of the
    whole mail (`mail`, `mail_partial`) it then builds for its JSON views: nothing here reads
    them, and they were a sixth of its time (issue 18 §2). The defects are mail-parser's own,
    found by the same code."""

    def _make_mail(self, complete: bool = True) -> dict[str, object]:
        return {}


def _tame_headers(raw: bytes, defects: list[str]) -> bytes:
    """Absurd header sections cut to a budget: address parsing is quadratic-ish in the stdlib,
    so a 1 MB From line would cost seconds."""
    end = _header_end(raw)
    if end <= _MAX_HEADER_LINE:
        return raw
    head, rest = raw[:end], raw[end:]
    lines = head.split(b"\n")
    if any(len(line) > _MAX_HEADER_LINE for line in lines):
        defects.append(f"header line longer than {_MAX_HEADER_LINE} bytes: cut")
        lines = [line[:_MAX_HEADER_LINE] for line in lines]
    head = b"\n".join(lines)
    if len(head) > _MAX_HEADER_BYTES:
        defects.append(f"header section longer than {_MAX_HEADER_BYTES} bytes: cut")
        head = head[:_MAX_HEADER_BYTES].rsplit(b"\n", 1)[0]
    return head + rest


def _header_end(raw: bytes) -> int:
    """Where the header section ends (LF or CRLF blank line), or the length of `raw`."""
    found = [i for i in (raw.find(b"\n\n"), raw.find(b"\n\r\n")) if i >= 0]
    return min(found) if found else len(raw)


def _headers_only(raw: bytes) -> Message:
    head = raw[: min(_header_end(raw), _MAX_HEADER_BYTES)]
    return BytesHeaderParser().parsebytes(head)


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID `parse` reads, from the header section alone (cheap: several daemons
    lock a batch's Message-IDs before deciding any of them)."""
    header = RawHeaders(_headers_only(raw))
    ids = message_ids(header.get("Message-ID"))
    return ids[0] if ids else (decode_text(header.get("Message-ID")) or None)


def thread_of(raw: bytes) -> tuple[str | None, list[str], str]:
    """(the Message-ID, the ids it answers (In-Reply-To, then References), the lower-case From
    address) as `parse` reads them, from the header section alone: what a pass on a shared
    database reads ahead for its whole batch in one exchange (mailbot.store.pgahead)."""
    header = RawHeaders(_headers_only(raw))
    ids = message_ids(header.get("Message-ID"))
    mid = ids[0] if ids else (decode_text(header.get("Message-ID")) or None)
    refs = [*message_ids(header.get("In-Reply-To")),
            *message_ids(" ".join(str(v) for v in header.get_all("References")))]
    senders = addresses(header.get_all("From"))
    return mid, list(dict.fromkeys(refs)), senders[0][1] if senders else ""
