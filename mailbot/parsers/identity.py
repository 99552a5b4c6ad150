"""What makes two deliveries the same message: the originator's content, not the trace of its trip.

A message is written once by its originator and may then reach the mailbox several times: a
second delivery path, an alias expansion, a forwarding rule, a restore of the mailbox. Each copy
carries the fields the servers on its way added on top, and those differ from copy to copy:

- RFC 5322 §3.6.7 trace fields, `Return-Path` and `Received`, and §3.6.6's resent blocks
  (`Resent-*`), prepended when a message is reintroduced;
- what RFC 5598 (§4-5) describes relays and delivery agents adding: `Delivered-To` (RFC 9228),
  `X-Original-To`, `Authentication-Results` (RFC 8601), `Received-SPF` (RFC 7208), `ARC-*`
  (RFC 8617), a `DKIM-Signature` added by a relay or list, spam and virus verdicts, Exchange's
  `X-MS-Exchange-*`, and whatever else a server invents.

That second list has no end, so the identity names what the originator writes instead: the
fields of RFC 5322 §3.6.1-3.6.5 (date, originator, destination, identification, Subject; not
`Bcc`, which copies differ in, nor `Comments` and `Keywords`, which DKIM (RFC 6376 §5.4.1) also
leaves out as fields that change in transit) and RFC 2045's MIME fields (`MIME-Version`,
`Content-*`), which say how to read the body. Those and the body are hashed after DKIM's
"relaxed" canonicalization (RFC 6376 §3.4.2, §3.4.4): line ends, folding, runs of white space
and trailing blank lines do not count, since a restore or a relay may change them and nothing a
person reads changes with them.

So a copy with more `Received` lines is the same message; a message that reuses a Message-ID
but differs in its sender, subject, date, recipients or text is not.
"""

from __future__ import annotations

import hashlib
import re

# The originator's fields (RFC 5322 §3.6.1-3.6.5, lower case), plus MIME-Version; every
# Content-* field (RFC 2045, RFC 2183) counts too.
ORIGINATOR_FIELDS = frozenset({
    b"date", b"from", b"sender", b"reply-to", b"to", b"cc", b"message-id", b"in-reply-to",
    b"references", b"subject", b"mime-version",
})
_WSP = re.compile(rb"[ \t]+")
_TRAILING_WSP = re.compile(rb" \n")


def content_identity(raw: bytes) -> str:
    """SHA-256 (hex) of the originator's header fields and the body, canonicalized."""
    text = raw.replace(b"\r\n", b"\n")
    if text.startswith(b"\n"):  # no header at all
        head, body = b"", text[1:]
    else:
        head, _, body = text.partition(b"\n\n")
    digest = hashlib.sha256()
    for name, value in sorted(_originator_fields(head), key=lambda field: field[0]):
        digest.update(name + b":" + value + b"\r\n")  # stable sort: same-named fields keep order
    digest.update(b"\r\n")
    digest.update(_relaxed_body(body))
    return digest.hexdigest()


def _originator_fields(head: bytes) -> list[tuple[bytes, bytes]]:
    """(name, relaxed value) of each originator field, in the order of the header."""
    fields: list[tuple[bytes, list[bytes]]] = []
    kept = False  # whether the field a continuation line belongs to is kept
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):  # a folded continuation line
            if kept:
                fields[-1][1].append(line)
            continue
        name, colon, value = line.partition(b":")
        name = name.strip().lower()
        kept = bool(colon) and (name in ORIGINATOR_FIELDS or name.startswith(b"content-"))
        if kept:  # not: a trace field, a server's own field, an mbox "From " line
            fields.append((name, [value]))
    return [(name, _WSP.sub(b" ", b"".join(parts)).strip()) for name, parts in fields]


def _relaxed_body(body: bytes) -> bytes:
    """RFC 6376 §3.4.4: white space runs as one space, none at line ends, no trailing blank
    lines, CRLF line ends."""
    body = _TRAILING_WSP.sub(b"\n", _WSP.sub(b" ", body + b"\n")).rstrip(b"\n")
    return body.replace(b"\n", b"\r\n") + b"\r\n" if body else b""
