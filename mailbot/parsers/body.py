"""What the author wrote: HTML turned into text, quoted history and signatures cut.

Everything here is a pure function of a string. A wrong cut loses what the employee wrote while
the raw message keeps everything, so every rule below prefers keeping text when unsure.
"""

from __future__ import annotations

import bisect
import contextlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from mailbot.parsers.layouts import (
    ATTRIBUTION,
    ATTRIBUTION_START,
    FORWARD_SEPARATOR,
    HEADER_LINE,
    ORIGINAL_SEPARATOR,
    VERBLESS_ATTRIBUTION,
    WROTE,
    header_key,
)

# ---------------------------------------------------------------------------------------------
# HTML to text
# ---------------------------------------------------------------------------------------------

_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
})
# Containers in which mail clients put the quoted message: their text is rendered as a
# "> " quote so that the same quote cutting works for HTML and plain text.
_QUOTE_CLASSES = frozenset({"gmail_quote", "yahoo_quoted", "moz-cite-prefix"})
# Outlook marks where the previous message starts but does not quote it: an underscore line,
# which is what Outlook itself writes in its plain-text alternative, lets clean_body cut there.
_OUTLOOK_MARKS = frozenset({"divrplyfwdmsg", "appendonsend"})
_OUTLOOK_SEPARATOR = "_" * 32
_SPACES = re.compile(r"[ \t\r\n\f\v\xa0\u200b]+")
_MANY_BLANKS = re.compile(r"\n{3,}")


class _TextRenderer(HTMLParser):
    """Collects text lines, each prefixed with "> " once per enclosing quote container."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._line_depth = 0
        self._depth = 0
        self._skip = 0
        self._pre = 0
        self._containers: list[tuple[str, bool]] = []  # open div/blockquote: quotes or not
        self._links: list[tuple[str, int]] = []  # href, position in the line when opened

    def _write(self, text: str) -> None:
        if not self._line:
            self._line_depth = self._depth
        self._line.append(text)

    def _newline(self) -> None:
        line = "".join(self._line).strip(" ")
        self._line = []
        prefix = "> " * self._line_depth
        self.lines.append((prefix + line).rstrip() if prefix else line)
        self._line_depth = self._depth

    def _break(self) -> None:
        """Ends the current line if it has content (block boundaries do not stack blank lines)."""
        if "".join(self._line).strip():
            self._newline()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
            return
        attr = {k: v or "" for k, v in attrs}
        if tag == "br":
            self._newline()
        elif tag == "hr":
            self._break()
            self._write(_OUTLOOK_SEPARATOR)
            self._newline()
        elif tag == "img" or tag == "input":
            return
        elif tag == "a":
            self._links.append((attr.get("href", ""), len(self._line)))
        elif tag in ("td", "th"):
            self._write(" ")
        if tag in _BLOCKS:
            self._break()
            if tag == "p":
                self._newline_if_text_before()
        if tag == "pre":
            self._pre += 1
        if tag == "li":
            self._write("- ")
        if tag in ("div", "blockquote"):
            self._open_container(tag, attr)

    def _newline_if_text_before(self) -> None:
        if self.lines and self.lines[-1].strip("> "):
            self._newline()

    def _open_container(self, tag: str, attr: dict[str, str]) -> None:
        classes = set(attr.get("class", "").lower().split())
        ident = attr.get("id", "").lower()
        if ident in _OUTLOOK_MARKS or (ident.startswith("divrplyfwdmsg")):
            self._write(_OUTLOOK_SEPARATOR)
            self._newline()
        quotes = tag == "blockquote" or bool(classes & _QUOTE_CLASSES)
        quotes = quotes or ident.startswith("yahoo_quoted") or attr.get("name") == "quote"
        self._containers.append((tag, quotes))
        if quotes:
            self._break()
            self._depth += 1
            self._line_depth = self._depth

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
            return
        if tag == "a" and self._links:
            self._close_link()
        if tag in _BLOCKS:
            self._break()
            if tag == "p":
                self._newline()
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in ("div", "blockquote"):
            self._close_container(tag)

    def _close_container(self, tag: str) -> None:
        # Mail HTML is often unbalanced: close up to the nearest open element of the same kind.
        while self._containers:
            open_tag, quotes = self._containers.pop()
            if quotes:
                self._break()
                self._depth = max(0, self._depth - 1)
                self._line_depth = self._depth
            if open_tag == tag:
                break

    def _close_link(self) -> None:
        href, start = self._links.pop()
        label = "".join(self._line[start:]).strip()
        url = href.strip()
        if not url or url.startswith(("#", "javascript:", "cid:")):
            return
        bare = url.removeprefix("mailto:").rstrip("/")
        if bare.lower() != label.rstrip("/").lower() and url.lower() != label.lower():
            self._write(f" ({url})")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre:
            parts = data.replace("\r\n", "\n").split("\n")
            for i, part in enumerate(parts):
                if i:
                    self._newline()
                self._write(part)
            return
        text = _SPACES.sub(" ", data)
        if text.strip() or (self._line and text):
            self._write(text)

    def text(self) -> str:
        self.close()
        if self._line:
            self._newline()
        joined = "\n".join(line.rstrip() for line in self.lines)
        return _MANY_BLANKS.sub("\n\n", joined).strip("\n") + "\n"


def html_to_text(html: str) -> str:
    """Renders mail HTML as plain text; never fetches anything (images and styles are dropped)."""
    renderer = _TextRenderer()
    # html.parser gives up on some broken markup; what was rendered until then is kept.
    with contextlib.suppress(AssertionError, ValueError):
        renderer.feed(html)
    return renderer.text()


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
    match = HEADER_LINE.match(line.lstrip(" \t>"))
    return header_key(match["label"]) if match else ""


_DATED_ADDRESS = re.compile(r"\d.*<[^<>@\s]+@[^<>\s]+>[ \t]*$")


@dataclass
class CleanBody:
    """A body split into what the author wrote, the history they quoted and their signature."""

    text: str  # what the author wrote in this message
    quoted: str  # the quoted history that was cut
    signature: str  # the signature / legal disclaimer that was cut


def _attribution_end(lines: list[str], i: int) -> int:
    """Index after an attribution line starting at i (wrapped over up to 3 lines), or -1."""
    line = lines[i]
    if len(line) > 400:
        return -1
    if (_WROTE_ANY.search(line) and ATTRIBUTION.match(line)) or VERBLESS_ATTRIBUTION.match(line):
        return i + 1
    if not ATTRIBUTION_START.match(line) and "@" not in line and "<" not in line:
        return -1
    joined = line
    for j in range(i + 1, min(i + 3, len(lines))):
        if not lines[j].strip() or _QUOTE.match(lines[j]) and not _QUOTE.match(line):
            break
        joined = joined.rstrip() + " " + _UNQUOTE.sub("", lines[j]).strip()
        if (_WROTE_ANY.search(lines[j]) and ATTRIBUTION.match(joined)) or (
                VERBLESS_ATTRIBUTION.match(joined)):
            return j + 1
    return -1


def _header_block(lines: list[str], i: int) -> bool:
    """Whether an Outlook-style header block (From/Sent/To/Subject in any order) starts at i."""
    key = _header_key(lines[i])
    if not key:
        return False
    seen_from, seen_other = key == "from", key != "from"
    for line in lines[i + 1 : i + 7]:
        key = _header_key(line)
        if key == "from":
            seen_from = True
        elif key:
            seen_other = True
        elif line.strip(" \t>"):
            continue  # a wrapped header value
        if seen_from and seen_other:
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
            elif has_text and rest_empty:  # a trailing quote under the reply
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
        bottom_post = not has_text and quote_end > after and _next_content(lines, quote_end) < len(
            lines
        ) and _attribution_end(lines, i) >= 0
        if not bottom_post:
            quoted.extend(lines[i:])
            break
        if _interleaved(lines, quote_end):
            quoted.extend(lines[i:after])  # answers between the quoted lines: keep them all
            i = after
            continue
        quoted.extend(lines[i:quote_end])
        i = quote_end
    return kept, quoted


# ---------------------------------------------------------------------------------------------
# Signatures and disclaimers
# ---------------------------------------------------------------------------------------------

_DASHES = re.compile(r"^--[ \t]?$")
_DECORATION = re.compile(r"^[\s\u1427\u200b\xa0*#~=+_-]*$")
_LONG_RULE = re.compile(r"-{20,}")
_MOBILE = re.compile(
    r"^\W*(?:sent|envoy[ée]|inviato|enviado|verzonden|gesendet|expédié|skickat|sendt)\s+"
    r"(?:from|with|via|by|using|de(?:puis)?|avec|par|da|con|desde|met|von|mit|från|fra)\b|"
    r"^von meinem .{1,60} gesendet|^diese nachricht wurde von meinem .{1,80} gesendet|"
    r"^from my (?:iphone|ipad|android|mobile|phone|samsung|galaxy|blackberry)\b|"
    r"^get (?:\[?outlook|the outlook app)|^(?:t[ée]l[ée]charger|obtenir) outlook|"
    r"^.{0,30}\bfrom (?:a |my )?(?:mobile|phone|cell)\b|"
    r"^.{0,20}(?:iphone|ipad|android)\s*(?:傳送|发送|から送信)",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^[ \t]*(?:cordialement|bien cordialement|tr[eè]s cordialement|bien [àa] (?:vous|toi)|"
    r"merci d'avance|merci par avance|salutations|meilleures salutations|"
    r"sinc[eè]res salutations|bonne (?:journ[ée]e|soir[ée]e)|"
    r"(?:best|kind|warm|many thanks and)? ?regards|best wishes|cheers|thanks|many thanks|"
    r"merci(?: beaucoup| encore)?|bonne fin de journ[ée]e|belle journ[ée]e|"
    r"cordiali saluti|saluti|groeten|hartelijke groet(?:en)?|"
    r"atenciosamente|cumprimentos|pozdrawiam|z powa[żz]aniem|med v[äa]nlig h[äa]lsning|"
    r"vennlig hilsen|mvh|с уважением|gr(?:ü|ue)(?:ß|ss)e|lg|vg|"
    r"mit freundlichen gr(?:ü|ue)(?:ß|ss)en|mit lieben gr(?:ü|ue)(?:ß|ss)en|"
    r"viele gr(?:ü|ue)(?:ß|ss)e|"
    r"freundliche gr(?:ü|ue)(?:ß|ss)e|saludos(?: cordiales)?|un saludo|cordiali saluti|"
    r"distinti saluti|met vriendelijke groet(?:en)?)[ \t]*[,.!]*[ \t]*$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"^[ \t*]*(?:ce (?:message|courriel|mail|e-mail)\b.{0,80}(?:confidenti|destin[ée])|"
    r"le pr[ée]sent (?:message|courriel)|avis de confidentialit[ée]|"
    r"(?:this|the) (?:e-?mail|message|communication)\b.{0,80}(?:confidential|intended)|"
    r"the information (?:contained )?in this (?:e-?mail|message)|confidentiality notice|"
    r"disclaimer\s*:|please consider the environment|pensez [àa] l'environnement|"
    r"diese (?:e-?mail|nachricht) (?:enth[äa]lt|ist) vertraulich)",
    re.IGNORECASE,
)
_MAX_SIGNATURE_LINES = 12
_MAX_SIGNATURE_WIDTH = 100
_MAX_DISCLAIMER_LINES = 30


def _short_block(lines: list[str]) -> bool:
    content = [line for line in lines if line.strip()]
    return len(content) <= _MAX_SIGNATURE_LINES and all(
        len(line) <= _MAX_SIGNATURE_WIDTH or _MOBILE.match(line.strip()) for line in content
    )


def _signature_start(lines: list[str]) -> int:
    """Index where the signature starts in the kept lines, or len(lines) when there is none."""
    n = len(lines)
    end = n
    while end and _DECORATION.match(lines[end - 1]) and not _LONG_RULE.search(lines[end - 1]):
        end -= 1  # trailing rules and Gmail's tracking dot are decoration, never content
    cut = end
    for i in range(max(0, end - _MAX_DISCLAIMER_LINES), end):
        if _DISCLAIMER.match(lines[i]):
            cut = i
            break
    body_end = cut
    # Walk up from the end while the lines below stay signature-sized; mobile taglines do not
    # count towards that size, since some people stack a dozen of them.
    other_lines = 0
    found = cut
    for i in range(body_end - 1, -1, -1):
        stripped = lines[i].strip()
        mobile = bool(_MOBILE.match(stripped)) and len(stripped) < 120
        if stripped and not mobile:
            other_lines += 1
            if other_lines > _MAX_SIGNATURE_LINES + 1 or len(stripped) > _MAX_SIGNATURE_WIDTH:
                break
        tail = lines[i + 1 : body_end]
        closing = bool(_CLOSING.match(lines[i])) and any(t.strip() for t in tail)
        if mobile or ((closing or _DASHES.match(lines[i])) and _short_block(tail)):
            found = i
    if found < body_end and _CLOSING.match(lines[found]):
        return _after_sign_off(lines, found, body_end)
    return _contact_block(lines, found)


# A sign-off's name line: a few words without digits, addresses or sentence punctuation.
_NAME_LINE = re.compile(r"^[ \t]*[^\W\d_](?:[^\W\d_]|[ '’.\-]){0,40}$")
# What a signature's contact lines carry: a phone number, an address, a web site, a postcode.
_CONTACT = re.compile(
    r"\+?\(?\d[\d .()/-]{7,}\d|[\w.+-]+@[\w-]+\.[\w.-]+|\bwww\.|https?://|"
    r"\b\d{5}\s+[A-ZÀ-Ý]|\b(?:t[ée]l|tel|phone|mobile|mob|portable|gsm|fax)\b\.?\s*[:.]",
    re.IGNORECASE,
)
_MAX_CONTACT_LINES = 8
_MAX_CONTACT_WIDTH = 80


def _name_line(line: str) -> bool:
    return bool(_NAME_LINE.match(line)) and len(line.split()) <= 4


def _after_sign_off(lines: list[str], i: int, end: int) -> int:
    """A sign-off ("Cordialement," and the name under it) is the person's text: the signature
    starts after it."""
    j = i + 1
    if j < end and not lines[j].strip() and j + 1 < end and _name_line(lines[j + 1]):
        j += 1
    if j < end and _name_line(lines[j]):
        j += 1
    return j


def _contact_block(lines: list[str], end: int) -> int:
    """Where a closing paragraph of contact lines (name, title, phone, address) starts, or
    `end`. Half its lines at least must carry contact details and none may read as a sentence,
    so that a person's "call me on 06 ..." stays text."""
    last = end
    while last and not lines[last - 1].strip():
        last -= 1
    start = last
    while start and lines[start - 1].strip():
        start -= 1
    block = lines[start:last]
    if not start or not any(line.strip() for line in lines[:start]):
        return end
    if not 2 <= len(block) <= _MAX_CONTACT_LINES or any(
            len(line) > _MAX_CONTACT_WIDTH for line in block):
        return end
    signals = [bool(_CONTACT.search(line)) for line in block]
    sentences = [not s and (len(line.split()) > 6 or line.rstrip().endswith(("?", "!")))
                 for s, line in zip(signals, block, strict=True)]
    if sum(signals) < max(2, len(block) // 2) or any(sentences):
        return end
    return start + 1 if _name_line(block[0]) and not signals[0] else start


def clean_body(text: str) -> CleanBody:
    """Splits a plain-text body into the new text, the quoted history and the signature."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept, quoted = _split_history(text.split("\n"), _candidates(text))
    start = _signature_start(kept)
    # A body that is nothing but a signature-looking line is what the author wrote.
    if not any(line.strip() for line in kept[:start]):
        start = len(kept)
        while start and _DECORATION.match(kept[start - 1]):
            start -= 1
    body = "\n".join(kept[:start]).strip("\n")
    signature = "\n".join(kept[start:]).strip("\n")
    return CleanBody(
        text=body.rstrip() + "\n" if body.strip() else "",
        quoted="\n".join(quoted).strip("\n"),
        signature=signature.strip() and signature,
    )
