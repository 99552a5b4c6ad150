"""Forwarded mail: who wrote the original, when, and about what.

Clients print the forwarded message's headers as a block ("De : / Envoyé : / À : / Objet :",
"From: / Sent: / To: / Subject:", "Von: / Datum: / An: / Betreff:" ...), sometimes under a
separator ("---------- Forwarded message ---------", "-------- Message transféré --------",
"Begin forwarded message:") and sometimes not (Outlook's underscore line, the new Outlook's bare
block). Some separators say "forward" for sure; others ("Original Message", "Message d'origine",
"On ... wrote:") are also used by replies, so they count only when the subject does not say
"reply". In a chain of forwards the innermost block is the original author: the one with the
problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import parseaddr

from mailbot.parsers.layouts import (
    ATTRIBUTION,
    FORWARD_SEPARATOR,
    HEADER_LABELS,
    ORIGINAL_SEPARATOR,
    UNDERSCORE_RULE,
    VERBLESS_ATTRIBUTION,
    WROTE,
    header_field,
)
from mailbot.parsers.notes_forward import is_notes_separator, memo_sender, read_memo
from mailbot.parsers.result import Forwarded
from mailbot.parsers.subject import is_forward_subject

_QUOTE = re.compile(r"^(?:[ \t]*>)+[ \t]?")
_AMBIGUOUS_SEPARATOR = re.compile(
    ORIGINAL_SEPARATOR.pattern + "|" + UNDERSCORE_RULE.pattern, re.IGNORECASE)
_WROTE_WORD = re.compile(WROTE, re.IGNORECASE)
# Yahoo and some webmails print the whole block on the separator's line, or on one line.
_INLINE_KEY = re.compile(
    r"(?<=\S)\s*(?=(?:De|From|Von|À|To|An|Cc|Envoy[ée]|Sent|Date|Datum|Objet|Subject|Betreff)"
    r"\s?:)|(?<=\S)[ \t\xa0]+(?=(?:Van|Da|Od|Fra|Från|От|Aan|Para|A|Do|Till|Til|Кому|"
    r"Gesendet|Enviado|Inviato|Verzonden|Wysłano|Skickat|Sendt|Отправлено|Asunto|Oggetto|"
    r"Onderwerp|Assunto|Temat|Ämne|Emne|Тема)[ \t\xa0]?:)"
)
_MAILTO = re.compile(r"<mailto:[^>]*>|\[mailto:([^\]]*)\]", re.IGNORECASE)
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_MAX_LINES = 5000  # forwarded blocks sit near the top; a huge body is not scanned to its end


@dataclass
class ForwardBlock:
    line: int  # index of the first line of the block (its separator, if any)
    kind: str  # "forward" (explicit) | "ambiguous" | "wrote"
    sender: str = ""
    name: str = ""
    date: str | None = None
    subject: str | None = None
    cc: list[str] = field(default_factory=list)
    body_start: int = 0  # first line after the block's headers


def find_blocks(text: str) -> tuple[list[str], list[ForwardBlock]]:
    """The text's lines (quote marks removed) and every forwarded/quoted header block in it."""
    lines = [_QUOTE.sub("", line).lstrip("\ufeff") for line in text.splitlines()[:_MAX_LINES]]
    blocks: list[ForwardBlock] = []
    i = 0
    while i < len(lines):
        if not _may_open(lines, i):  # most lines: plain string tests, no regex
            i += 1
            continue
        block, i = _block_at(lines, i)
        if block:
            blocks.append(block)
    return lines, blocks


def _may_open(lines: list[str], i: int) -> bool:
    """Whether a block could start at line i: every separator starts with a rule of dashes,
    underscores or equals signs, and every header line and attribution holds a colon (an
    attribution may end on the next line)."""
    line = lines[i]
    if ":" in line or "：" in line:
        return True
    if line.lstrip(" \t\xa0")[:2] in ("--", "__", "=="):
        return True
    following = lines[i + 1] if i + 1 < len(lines) else ""
    return ":" in following or "：" in following


def _block_at(lines: list[str], i: int) -> tuple[ForwardBlock | None, int]:
    line = lines[i]
    forward = FORWARD_SEPARATOR.match(line)
    if forward and is_notes_separator(line):
        notes = _notes_block(lines, i)
        if notes:
            return notes, notes.body_start
    if forward or _AMBIGUOUS_SEPARATOR.match(line):
        rest = line[forward.end():] if forward else ""
        if rest.strip():  # the headers follow on the same line
            lines[i + 1:i + 1] = _INLINE_KEY.sub("\n", rest.strip()).splitlines()
        block = ForwardBlock(line=i, kind="forward" if forward else "ambiguous")
        end = _read_headers(lines, _skip_blank(lines, i + 1), block)
        if forward and not block.sender and not block.name:
            end = _unlabelled_headers(lines, i + 1, block) or end
        if forward or block.sender or block.name:
            return block, max(end, i + 1)
        return None, i + 1
    wrote_end = _attribution_end(lines, i)
    if wrote_end > i:
        block = ForwardBlock(line=i, kind="wrote")
        block.sender, block.name = _who_wrote(" ".join(lines[i:wrote_end]))
        block.body_start = wrote_end
        return block, block.body_start
    header = header_field(line)
    if header and header[0] == "from":
        if _INLINE_KEY.search(header[1]):  # "From: X Sent: Y To: Z Subject: W" on one line
            lines[i:i + 1] = _INLINE_KEY.sub("\n", line.strip()).splitlines()
        # GMX and web.de print the date above the sender: the block starts at the first of
        # the header lines right above it.
        start = i
        while start and header_field(lines[start - 1]) and header_field(
                lines[start - 1])[0] in ("date", "to", "subject", "cc"):
            start -= 1
        block = ForwardBlock(line=start, kind="ambiguous")
        end = _read_headers(lines, start, block)
        if end - start >= 2 and (block.subject is not None or block.date is not None):
            return block, end
    return None, i + 1


def _notes_block(lines: list[str], i: int) -> ForwardBlock | None:
    """Lotus Notes' memo under its "Transféré par" separator (notes_forward)."""
    memo, end = read_memo(lines, _skip_blank(lines, i + 1))
    if not end:
        return None
    block = ForwardBlock(line=i, kind="forward", date=memo.get("date") or None,
                         subject=memo.get("subject"), body_start=end)
    block.sender, block.name = memo_sender(memo["from"], lines, end)
    block.cc = [a for a in (_address(part)[0] for part in _split_list(memo.get("cc", "")))
                if _ADDRESS.fullmatch(a)]
    return block


_SUBJECT_LABELS = frozenset(HEADER_LABELS["subject"])
# A line that is only a sender: "Name <address>", a bare address, or "<date>, "Name" <address>:".
_SENDER_LINE = re.compile(
    r"^(?:[^<>@\n]{0,80}<)?[\w.+'-]+@[\w-]+(?:\.[\w-]+)+>?[ \t]*[:：]?$")


def _unlabelled_headers(lines: list[str], i: int, block: ForwardBlock) -> int:
    """Below a forward separator, headers printed without labels: Lotus Notes' memo (the
    sender's "Name <address>" on a line, "Subject" alone above its value) and Yandex's or
    Mail.ru's "<date>, "Name" <address>:" line. The line after them, or 0 if none is there."""
    end = 0
    for k in range(i, min(i + 14, len(lines))):
        stripped = lines[k].strip()
        if not block.sender and _SENDER_LINE.match(stripped):
            block.sender, block.name = _who_wrote(stripped)
            if not block.name:
                block.name = _address(stripped.rstrip(":："))[1]
            end = k + 1
        elif stripped.lower().rstrip(":：") in _SUBJECT_LABELS and k + 1 < len(lines):
            block.subject = lines[k + 1].strip()
            end = k + 2
            break
    block.body_start = end or block.body_start
    return end


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _attribution_end(lines: list[str], i: int) -> int:
    """The line after an "On ..., X wrote:" attribution at i (over one or two lines), or -1."""
    line = lines[i]
    if len(line) > 400 or not line.strip():
        return -1
    for end, joined in ((i + 1, line), (i + 2, f"{line} {lines[i + 1]}" if i + 1 < len(lines)
                                          and lines[i + 1].strip() else "")):
        if joined and ((_WROTE_WORD.search(joined) and ATTRIBUTION.match(joined))
                       or (joined.rstrip().endswith((":", "："))
                           and VERBLESS_ATTRIBUTION.match(joined))):
            return end
    return -1


def _read_headers(lines: list[str], i: int, block: ForwardBlock) -> int:
    """Fill `block` from the header lines starting at `i`; return the first line after them."""
    seen: set[str] = set()
    while i < len(lines):
        field = header_field(lines[i])
        if not field:
            break
        key, value = field
        if key in seen:  # a second "From:" starts another block
            break
        seen.add(key)
        # A long value wrapped by the client (Gmail breaks "Name <" / "address>"): the next
        # line continues it while an angle bracket is open or the From still lacks its address.
        while i + 1 < len(lines) and lines[i + 1].strip() and not header_field(lines[i + 1]) \
                and (value.count("<") > value.count(">") or key == "from" and "@" not in value
                     and _ADDRESS.match(lines[i + 1].strip(" \t<["))):
            i += 1
            value = f"{value} {lines[i].strip()}"
        if key == "from":
            block.sender, block.name = _address(value)
        elif key == "date":
            block.date = value or None
        elif key == "subject":
            block.subject = value
        elif key == "cc":
            block.cc = [a for a in (_address(part)[0] for part in _split_list(value)) if a]
        i += 1
    block.body_start = i
    return i


def _address(value: str) -> tuple[str, str]:
    value = _MAILTO.sub(lambda m: f"<{m.group(1)}>" if m.group(1) else "", value)
    name, address = parseaddr(value)
    if "@" not in address:
        found = _ADDRESS.search(value)
        address = found.group(0) if found else ""
        name = name or (value.split("<")[0] if not found else "")
    return address.lower(), name.strip().strip("\"'«» ")


def _split_list(value: str) -> list[str]:
    # "Sophie Leroy <s@x.fr>; Marc <m@x.fr>": Outlook separates with ";", others with ",".
    return [p for p in re.split(r"[;,](?![^<]*>)", value) if p.strip()]


def _who_wrote(line: str) -> tuple[str, str]:
    found = _ADDRESS.search(line)
    quoted = re.search(r"[\"«]\s*([^\"»]+?)\s*[\"»]", line)
    name = quoted.group(1) if quoted else ""
    return (found.group(0).lower() if found else ""), name


def _chain(lines: list[str], blocks: list[ForwardBlock]) -> list[ForwardBlock]:
    """The nested forwards, outermost first. A block inside a forwarded message is a further
    forward when the message around it was itself a forward ("TR: ...", "Fwd: ..."), or when
    the block has its own forward separator and that message says nothing of its subject or
    nothing before it (forwarded on without a word). Otherwise the block
    is that message's reply history, or the next message of a thread forwarded whole (Gmail's
    "Forward all"), and the forwarded message's author is the one with the problem."""
    chain = blocks[:1]
    for block in blocks[1:]:
        outer = chain[-1]
        empty_between = not any(line.strip() for line in lines[outer.body_start:block.line])
        if is_forward_subject(outer.subject or "") or (
                block.kind == "forward" and (outer.subject is None or empty_between)):
            chain.append(block)
        else:
            break
    return chain


def detect_forward(text: str, *, subject_is_forward: bool, subject_is_reply: bool,
                   fallback_subject: str | None = None) -> tuple[Forwarded | None, str, str]:
    """The forward found in `text`, the forwarder's own note above it, and the original body.

    Returns (None, "", "") when the text holds no forward.
    """
    lines, blocks = find_blocks(text)
    if not any(b.kind == "forward" for b in blocks):
        allowed = {"ambiguous", "wrote"} if subject_is_forward else set()
        if not subject_is_forward and not subject_is_reply:
            allowed = {"ambiguous"}
        blocks = [b for b in blocks if b.kind in allowed]
    if not blocks:
        return None, "", ""
    blocks = _chain(lines, blocks)
    inner = blocks[-1]
    note = "\n".join(lines[: blocks[0].line]).strip()
    original_body = "\n".join(lines[inner.body_start:]).strip()
    forwarded = Forwarded(
        original_sender=inner.sender,
        original_date=inner.date,
        original_subject=inner.subject if inner.subject is not None else fallback_subject,
        original_name=inner.name,
        depth=len(blocks),
        original_cc=inner.cc,
    )
    return forwarded, note, original_body
