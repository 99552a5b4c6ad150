"""What the author wrote: HTML turned into text, quoted history and signatures cut.

Everything here is a pure function of a string. A wrong cut loses what the employee wrote while
the raw message keeps everything, so every rule below prefers keeping text when unsure.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from mailbot.parsers.html_text import html_to_text
from mailbot.parsers.layouts import (
    ATTRIBUTION,
    ATTRIBUTION_START,
    FORWARD_SEPARATOR,
    ORIGINAL_SEPARATOR,
    VERBLESS_ATTRIBUTION,
    WROTE,
    header_field,
)
from mailbot.parsers.signatures import (
    DECORATION,
    explicit_signature,
    name_block,
    signature_start,
)

__all__ = ["CleanBody", "clean_body", "html_to_text"]

# ---------------------------------------------------------------------------------------------
# Quoted history
# ---------------------------------------------------------------------------------------------

_QUOTE = re.compile(r"^[ \t]*>")
_BAR_QUOTE = re.compile(r"^[ \t]*(?:>|\|(?=[ \t]|$))")
_UNQUOTE = re.compile(r"^(?:[ \t]*>)+[ \t]?")
_BLANK = re.compile(r"^[\s>\xa0\u200b]*$")
_RULE = re.compile(r"^[ \t>]*(?:_{10,}|-{10,})[ \t]*$")
_WROTE_ANY = re.compile(WROTE, re.IGNORECASE)


def _separator(line: str) -> bool:
    return bool(FORWARD_SEPARATOR.match(line) or ORIGINAL_SEPARATOR.match(line))


def _header_key(line: str) -> str:
    field = header_field(line.lstrip(" \t>"))
    return field[0] if field else ""


# Yahoo Mail's Android app writes its plain text without line breaks around the attribution:
# "Envoyé depuis Yahoo Mail pour Android Le mar., mars 16, 2027 à 14:05, Name<a@b> a écrit :
#   Bonjour, ...". The attribution (a date word, the address, the verb and the colon) is put
# back on a line of its own, so that what follows reads as the quoted history it is.
_RUN_TOGETHER = re.compile(
    rf"(?:^|(?<=android )|(?<=iphone )|(?<=ios ))([ \t\xa0]*(?:on|le|am|el|il|op|den|em)\b"
    rf"[^\n<>]{{0,200}}<[^<>@\s]+@[^<>\s]+>[ \t\xa0]*{WROTE}[ \t\xa0]*[:：])[ \t\xa0]*(?=\S)",
    re.IGNORECASE | re.MULTILINE)


# What must follow an address for _RUN_TOGETHER to be tried: a verb, its colon, then text.
_AFTER_ADDRESS = re.compile(r">[ \t\xa0]*[^\W\d_][^\n<>]{0,40}?[:：][ \t\xa0]*\S")


def _attribution_apart(text: str) -> str:
    if "@" not in text or not _AFTER_ADDRESS.search(text):
        return text
    return _RUN_TOGETHER.sub(
        lambda m: ("\n" if m.start() and text[m.start() - 1] != "\n" else "") + m[1] + "\n",
        text)


_DATED_ADDRESS = re.compile(r"\d.*<[^<>@\s]+@[^<>\s]+>[ \t]*$")


@dataclass
class CleanBody:
    """A body split into what the author wrote, the history they quoted and their signature."""

    text: str  # what the author wrote in this message
    quoted: str  # the quoted history that was cut
    signature: str  # the signature / legal disclaimer that was cut


def _verbless(line: str) -> bool:
    return line.rstrip().endswith((":", "：")) and bool(VERBLESS_ATTRIBUTION.match(line))


def _attribution_end(lines: list[str], i: int) -> int:
    """Index after an attribution line starting at i (wrapped over up to 3 lines), or -1."""
    line = lines[i]
    if len(line) > 400:
        return -1
    if (_WROTE_ANY.search(line) and ATTRIBUTION.match(line)) or _verbless(line):
        return i + 1
    if not ATTRIBUTION_START.match(line) and "@" not in line and "<" not in line:
        return -1
    joined = line
    for j in range(i + 1, min(i + 3, len(lines))):
        if not lines[j].strip() or _QUOTE.match(lines[j]) and not _QUOTE.match(line):
            break
        joined = joined.rstrip() + " " + _UNQUOTE.sub("", lines[j]).strip()
        # the verb may be on any of the lines, or cut by the wrap ("a\nécrit :")
        if (_WROTE_ANY.search(joined) and ATTRIBUTION.match(joined)) or _verbless(joined):
            return j + 1
    return -1


def _header_block(lines: list[str], i: int) -> bool:
    """Whether an Outlook-style header block (From/Sent/To/Subject in any order) starts at i."""
    key = _header_key(lines[i])
    if not key:
        return False
    seen = {key}
    for line in lines[i + 1 : i + 7]:
        key = _header_key(line)
        if key in seen:
            return False  # a block names each header once: "a: b" lines are not one
        if key:
            seen.add(key)
        elif line.strip(" \t>"):
            continue  # a wrapped header value
        if "from" in seen and len(seen) > 1:
            return True
    return False


def _history_marker(lines: list[str], i: int) -> int:
    """If history starts at line i, the index where its marker ends; otherwise -1."""
    line = lines[i]
    if _separator(line):
        return i + 1
    if _RULE.match(line):
        following = [k for k in range(i + 1, min(i + 4, len(lines))) if lines[k].strip()]
        if following and _header_block(lines, following[0]):
            return i + 1
        return -1
    if _header_block(lines, i):
        return i + 1
    end = _attribution_end(lines, i)
    if end >= 0:
        return end
    if _DATED_ADDRESS.search(line) and len(line) < 200:
        nxt = _next_content(lines, i + 1)
        if nxt < len(lines) and _BAR_QUOTE.match(lines[nxt]):
            return i + 1  # Gmail's "2013/7/20 Name <addr>" attribution without a verb
    return -1


def _next_content(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _text_follows(lines: list[str], i: int) -> bool:
    """Whether the person wrote something after line i: text that is neither a quote, nor a
    signature, nor the start of more history."""
    rest = [line for line in lines[i:] if not _QUOTE.match(line)]
    start = signature_start(rest)
    first = _next_content(rest, 0)
    if first < start and name_block(rest[first:start]):
        return False  # "Sébastien Morin / Technico-commercial": who wrote, not what
    return first < start and _history_marker(rest, first) < 0


def _interleaved(lines: list[str], i: int) -> bool:
    """Whether the text from i holds an answer followed by another quote: the person answered
    between the quoted lines, and the quotes are the questions the answers need."""
    answer = False
    for line in lines[i:]:
        if _QUOTE.match(line):
            if answer:
                return True
        elif line.strip():
            answer = True
    return False


def _quote_block_end(lines: list[str], i: int, *, bars: bool = False) -> int:
    """Index after the quote block starting at i (blank lines inside the block included)."""
    pattern = _BAR_QUOTE if bars else _QUOTE
    end = i
    while i < len(lines) and (pattern.match(lines[i]) or not lines[i].strip()):
        if lines[i].strip():
            end = i + 1
        i += 1
    return end


def _quote_is_history(lines: list[str], start: int, end: int) -> bool:
    """Whether a `>` block opens with an attribution, header block or separator."""
    inner = [_UNQUOTE.sub("", line) for line in lines[start:min(end, start + 8)]]
    first = _next_content(inner, 0)
    return first < len(inner) and _history_marker(inner, first) >= 0


# Lines that may open history, found by scanning the whole text at C speed so that ordinary
# lines cost no Python work: quotes, rules and separators, header keywords, and the lines that
# may end an attribution wrapped over up to 3 lines.
_CANDIDATE_LINE = re.compile(
    r"^(?:[ \t]*>|[ \t>*\xa0]*(?:_{10,}|-{2,}|={2,}|"
    r"[^\W\d_][^\n:：]{0,20}?[ \t\xa0]*[:：]\*?(?:[ \t\xa0]|$)))",
    re.MULTILINE,
)
# An attribution ends with ":", "wrote ----" or, Gmail's, with the address: "... <a@b>".
_CANDIDATE_WRAPPED = re.compile(r"[:：>-][ \t\xa0]*$", re.MULTILINE)
_BEGIN_FORWARD = re.compile(r"^[ \t>]*(?:begin|d[ée]but|anfang|inicio)\b", re.I | re.M)


def _candidates(text: str) -> list[int]:
    """Sorted indices of the lines that _history_marker or the quote rules must look at."""
    found: set[int] = set()
    line_of = _LineIndex(text)
    for pattern in (_CANDIDATE_LINE, _BEGIN_FORWARD):
        found.update(line_of(m.start()) for m in pattern.finditer(text))
    for m in _CANDIDATE_WRAPPED.finditer(text):
        line = line_of(m.start())
        found.update(range(max(0, line - 2), line + 1))
    return sorted(found)


class _LineIndex:
    """Maps an offset in the text to its line number."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset) - 1


_NEWLINE = re.compile(r"\n")


def _split_history(lines: list[str], candidates: list[int]) -> tuple[list[str], list[str]]:
    """Splits lines into (kept, quoted) following the table of cases below."""
    kept: list[str] = []
    quoted: list[str] = []
    has_text = False
    i = 0
    while i < len(lines):
        nxt = candidates[bisect.bisect_left(candidates, i)] if candidates[-1:] >= [i] else len(
            lines)
        if nxt > i:  # ordinary lines up to the next candidate
            kept.extend(lines[i:nxt])
            has_text = has_text or any(line.strip() for line in lines[i:nxt])
            i = nxt
            continue
        if _QUOTE.match(lines[i]):
            end = _quote_block_end(lines, i)
            rest_empty = _next_content(lines, end) >= len(lines)
            if _quote_is_history(lines, i, end):
                if has_text or rest_empty:  # history quoted below the reply: drop it all
                    quoted.extend(lines[i:])
                    break
                quoted.extend(lines[i:end])  # bottom-posting: history first, reply after
            elif has_text and (rest_empty or not _text_follows(lines, end)):
                # a trailing quote under the reply (a signature may follow it)
                quoted.extend(lines[i:])
                break
            else:  # a quote at the top or interleaved with answers: part of the reply
                kept.extend(lines[i:end])
            i = end
            continue
        marker_end = _history_marker(lines, i)
        if marker_end < 0:
            kept.append(lines[i])
            has_text = has_text or bool(lines[i].strip())
            i += 1
            continue
        after = _next_content(lines, marker_end)
        quote_end = _quote_block_end(lines, after, bars=True) if after < len(lines) else after
        answered = (quote_end > after and _attribution_end(lines, i) >= 0
                    and _text_follows(lines, quote_end))
        if not answered:  # the history under the reply: drop it all
            quoted.extend(lines[i:])
            break
        if has_text or _interleaved(lines, quote_end):
            # A reply written under a quote it selected, or between quoted questions: the
            # quotes are what the answers need; only the attribution goes.
            quoted.extend(lines[i:after])
            i = after
            continue
        quoted.extend(lines[i:quote_end])  # bottom-posting: history first, reply after
        i = quote_end
    return kept, quoted



def _block_author(lines: list[str], i: int) -> str:
    """The line(s) naming who wrote the mail whose history starts at i: the attribution, or
    the From field of the header block (under a separator)."""
    end = _attribution_end(lines, i)
    if end >= 0:
        return " ".join(lines[i:end]).lower()
    start = _next_content(lines, i + 1) if _separator(lines[i]) or _RULE.match(lines[i]) else i
    for line in lines[start:start + 8]:
        if not line.strip():
            break  # the block ends at its first blank line
        if _header_key(line) == "from":
            return line.lower()
    return ""


def _pasted_above_quote(lines: list[str], candidates: list[int], own: frozenset[str],
                        text_lower: str) -> int:
    """Where the quote of the helpdesk's own mail starts, when the author pasted or forwarded
    another mail above it; else 0. The quote a reply answers names its author, the helpdesk (in
    its attribution or header block): a block naming another author before it is part of what
    the employee wrote. Without the address (Thunderbird's "Le …, Support a écrit :"), an
    attribution whose quote runs to the end, below a forwarded block, is that quote."""
    if not own:
        return 0
    forwards = [c for c in candidates if c < len(lines) and FORWARD_SEPARATOR.match(lines[c])]
    if not forwards and not any(address in text_lower for address in own):
        return 0
    earlier = False
    skip_until = -1  # the header block under a forward separator belongs to the forward
    for i in candidates:
        if i >= len(lines) or i < skip_until:
            continue
        block, at = lines, i
        if _QUOTE.match(lines[i]):  # a quote block opening with its own attribution
            if i and _QUOTE.match(lines[i - 1]):
                continue
            block, at = [_UNQUOTE.sub("", line) for line in lines[i:i + 8]], 0
        if _history_marker(block, at) < 0:
            continue
        if FORWARD_SEPARATOR.match(block[at]):
            earlier, skip_until = True, _next_content(lines, i + 1) + 1
            continue
        if any(address in _block_author(block, at) for address in own):
            return i if earlier else 0
        if forwards and forwards[0] < i and block is lines and _quoted_to_end(lines, i):
            return i
        earlier = True
    return 0


def _quoted_to_end(lines: list[str], i: int) -> bool:
    """Whether an attribution starts at i and only quoted lines follow it."""
    end = _attribution_end(lines, i)
    rest = [line for line in lines[end:] if line.strip()] if end >= 0 else []
    return bool(rest) and all(_QUOTE.match(line) for line in rest)


def clean_body(text: str, *, own: frozenset[str] = frozenset()) -> CleanBody:
    """Splits a plain-text body into the new text, the quoted history and the signature.

    `own`: the helpdesk's addresses; a mail pasted into the reply above the quote of ours is
    kept as part of the new text."""
    text = _attribution_apart(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = text.split("\n")
    candidates = _candidates(text)
    head = _pasted_above_quote(lines, candidates, own, text.lower() if own else "")
    kept, quoted = _split_history(lines[head:], [c - head for c in candidates if c >= head])
    kept = lines[:head] + kept
    start = signature_start(kept)
    if head and start < len(kept) and not explicit_signature(kept[start]):
        # The pasted mail's own sign-off and contact lines are its content: only the author's
        # explicit signature below it ("-- ", a mobile tagline) is cut.
        start = next((i for i in range(len(kept) - 1, max(start, len(kept) - 12), -1)
                      if explicit_signature(kept[i])), len(kept))
    # A body that is nothing but a signature-looking line is what the author wrote.
    if not any(line.strip() for line in kept[:start]):
        start = len(kept)
        while start and DECORATION.match(kept[start - 1]):
            start -= 1
    body = "\n".join(kept[:start]).strip("\n")
    signature = "\n".join(kept[start:]).strip("\n")
    return CleanBody(
        text=body.rstrip() + "\n" if body.strip() else "",
        quoted="\n".join(quoted).strip("\n"),
        signature=signature.strip() and signature,
    )
