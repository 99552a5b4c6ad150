"""Mail HTML rendered as plain text, with quote containers turned into "> " quotes so that the
same quote cutting works for HTML and plain text. A pure function of a string; nothing is fetched.
"""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

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
# Links whose address is written out, at most (Zammad's limit): a mail of 100 000 links is a
# bomb, not a message; beyond the cap only the link's text is kept, and a defect says so.
MAX_LINKS = 5000
_SPACES = re.compile(r"[ \t\r\n\f\v\xa0\u200b]+")
_MANY_BLANKS = re.compile(r"\n{3,}")


class _TextRenderer(HTMLParser):
    """Collects text lines, each prefixed with "> " once per enclosing quote container."""

    def __init__(self, max_links: int = MAX_LINKS) -> None:
        super().__init__(convert_charrefs=True)
        self.max_links = max_links
        self.links_rendered = 0
        self.links_dropped = 0
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
            if self.links_rendered >= self.max_links:
                self.links_dropped += 1
                return
            self.links_rendered += 1
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


def html_to_text(html: str, defects: list[str] | None = None, *,
                 max_links: int = MAX_LINKS) -> str:
    """Renders mail HTML as plain text; never fetches anything (images and styles are dropped).
    Link addresses beyond `max_links` are dropped (their text kept), recorded in `defects`."""
    renderer = _TextRenderer(max_links)
    # html.parser gives up on some broken markup; what was rendered until then is kept.
    with contextlib.suppress(AssertionError, ValueError):
        renderer.feed(html)
    text = renderer.text()
    if renderer.links_dropped and defects is not None:
        defects.append(f"HTML with more than {max_links} links: the addresses of "
                       f"{renderer.links_dropped} links not rendered")
    return text
