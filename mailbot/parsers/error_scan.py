"""Where in a text an error code can be: the lines that hold a digit, an underscore or one of
the few words a code without either needs, and their neighbours.

The forms of error_codes._CODES are tried at every word of a text; in a mail most lines are
prose that holds none of them, and that search was most of the errors' extraction. Every match holds
a digit or an underscore, or one of these words (SQLSTATE's and ODBC's "ERROR [" with a
state of letters, Winsock's WSAE names, PowerShell's FullyQualifiedErrorId, an Exchange
component "RESOLVER.ADR.x"), and spans at most two lines (SAP's class and number may be on two):
so no match starts before the line above the first such sign, and the search can skip the
prose up to there, and look at three lines at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_LONG_LINE = 4096  # past this, a line is searched as the whole text would be
_HOT = re.compile(r"[\d_]|wsae|sql|error[ \t]+\[|fullyqualifiederrorid|(?-i:[A-Z]{2}\.[A-Z])",
                  re.IGNORECASE)


def search_hot(pattern: re.Pattern[str], text: str, pos: int = 0) -> re.Match[str] | None:
    """`pattern.search(text, pos)` for a pattern whose matches hold a sign `_HOT` finds and
    span at most two lines: the search starts on the line before the next sign, and looks at
    that line, the sign's and the next; a match that starts by the end of the sign's line is
    the first of the whole text (an earlier one would hold an earlier sign), otherwise the
    search goes on from the next line."""
    while hot := _HOT.search(text, pos):
        newline = text.rfind("\n", pos, hot.start())
        before = text.rfind("\n", pos, newline) if newline >= 0 else -1
        start = before + 1 if before >= 0 else pos
        line_end = text.find("\n", hot.end(), hot.end() + _LONG_LINE)
        window_end = text.find("\n", line_end + 1, line_end + 1 + _LONG_LINE)
        if line_end < 0 or window_end < 0:
            return pattern.search(text, start)  # the text's last lines, or a very long one
        found = pattern.search(text, start, window_end)
        if found and found.start() <= line_end:
            return found
        pos = line_end + 1
    return None


def finditer_hot(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for such a pattern (whose matches are never empty)."""
    pos = 0
    while found := search_hot(pattern, text, pos):
        yield found
        pos = found.end()
