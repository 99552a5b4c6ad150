"""Vendors' codes in the shapes their own messages print them, beside error_codes' general forms.

Each form follows a documented message layout rather than a guess at numbers:
- VPN clients (FortiClient, Stormshield, NetExtender) close their message with a signed code,
  glued to the sentence ("...is wrong(-7200)") or on a line of its own ("-455");
- Windows and Office print HRESULTs as eight hexadecimal digits without "0x" ("8004de40",
  "(80070005)"): severity bit set, so they start with 8 or C, then 0 (the facility's high bits);
- a named error's small number: Citrix's "SSL Error 61" / "Erreur SSL 61", "Protocol Driver
  Error (1030)", "a échoué avec l'état (1030)";
- a short hexadecimal code after the error word ("Erreur 0x1A4");
- Windows' event viewer copied from a table: "ID de l'événement :" and its number on the next
  line, or its XML view "<EventID Qualifiers=...>7000</EventID>";
- SAP's message ID printed as class, space and number ("message M7 097"), only where the line
  speaks of a message or an error (a room "B2 105" is none);
- printers' service calls of a letter and four digits (Kyocera "C6000", "J0511"), only where the
  text names a printer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator

from mailbot.parsers.error_scan import finditer_hot

_VENDOR = re.compile(
    # (every form starts at a word's start or at a sign: the search skips the inside of words)
    r"(?:(?<!\w)|(?!\w))(?:"
    # a signed code alone on its line, or glued to the sentence it closes
    r"^[ \t]*(?P<alone>-\d{2,10})[ \t]*$"
    r"|(?<=[^\W\d_])\((?P<glued>-\d{2,10})\)"
    r"|\((?:code|error|erreur|fehler)[ \t]+(?P<coded>-\d{1,10})\)"
    # an HRESULT without its 0x: one letter at least (an all-digit number is an order's)
    r"|(?<![\w.\-/:#])(?P<hresult>(?=[0-9a-fA-F]{0,7}[a-fA-F])(?-i:[89cC]0[0-9a-f]{6}"
    r"|[89C]0[0-9A-F]{6}))(?![\w\-/:]|\.\w)"
    # ... or in parentheses: "(80070005)"
    r"|(?<![\w(])\((?P<hresultparen>(?-i:[89cC]0[0-9a-f]{6}|[89C]0[0-9A-F]{6}))\)"
    # a named error and its number
    r"|(?:\b(?:SSL|TLS|DNS|SOCKS|ICA|protocol|protocol[ \t]driver)[ \t]+error"
    r"|\b(?:erreur|error)[ \t]+(?:SSL|TLS|DNS|SOCKS|ICA|de[ \t]+protocole|r[ée]seau"
    r"|du[ \t]+pilote[ \t]+de[ \t]+protocole))"
    r"[ \t\xa0]*(?:n[°º]|#)?[ \t\xa0]*:?[ \t\xa0]*\(?(?P<named>\d{1,5})\b(?![.,]\d)"
    r"|(?:\bstatus|\bstatut|\bl['’][ée]tat|\bstate|error\)|erreur\))[ \t\xa0]*"
    r"\((?P<statusparen>\d{2,5})\)"
    # a short hexadecimal code after the error word
    r"|\b(?:erreur|error|fehler|errore)[ \t\xa0]*(?:n[°º]|#)?[ \t\xa0]*:?[ \t\xa0]*"
    r"(?P<errhex>0x[0-9A-Fa-f]{1,7})\b"
    # the event viewer's ID on the line below its label, or in its XML view
    r"|\b(?:event[ \t]?id|id[ \t]de[ \t]l['’][ée]v[éeè]nement|identificateur[ \t]"
    r"d['’][ée]v[éeè]nement|ereignis-id)[ \t\xa0]*:?[ \t\xa0]*\n[ \t\xa0]*(?P<eventnext>\d{1,5})"
    r"[ \t\xa0]*$"
    r"|<EventID\b[^>\n]{0,40}>(?P<eventxml>\d{1,5})</EventID>)",
    re.IGNORECASE | re.MULTILINE,
)
_DECIMAL_BEFORE = re.compile(r"-?\d{3,}[ \t]*\Z")
_SAP_SPACED = re.compile(
    r"(?<![\w/\-.])(?P<sapclass>(?-i:[A-Z][A-Z0-9]{1,2}|\d{2}))[ ](?P<sapnumber>\d{3})"
    r"(?![\w,.\-]|[ ]\d)")
_SAP_LINE = re.compile(r"\bSAP\b|\bmessage\b|\bmsg\b|\bmeldung\b|\bmensaje\b", re.IGNORECASE)
_PRINTER_CALL = re.compile(r"(?<![\w.\-])(?P<code>(?-i:[CJEF]\d{4}))(?!\w|[.,\-]\w)")
# Constants that are no code of their own: Win32 names (their number is), and ABAP exception
# classes ("CX_SY_OPEN_SQL_DB", the exception's name beside the dump's "DBSQL_..." code).
NOT_CONST = ("ERROR_", "CX_")


# These shapes are a person's paste: past this, a text is a log, read for its head (as
# error_codes reads a log for its first codes) and in linear time.
_HEAD = 50_000


def line_of(text: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) of the line(s) that hold text[start:end]."""
    line_end = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if line_end < 0 else line_end


def _with_0x(text: str, code: str) -> bool:
    return re.search("0x" + code, text, re.IGNORECASE) is not None


def vendor_codes(text: str, *, printer: bool) -> Iterator[tuple[tuple[int, int], str]]:
    """The codes of the forms above with their spans, in order; `printer`: whether the message
    names a printer. (A text's errors ask twice: for its lines and for its codes.)"""
    return iter(_vendor_codes(text[:_HEAD], printer))


@functools.lru_cache(maxsize=8)
def _vendor_codes(text: str, printer: bool) -> tuple[tuple[tuple[int, int], str], ...]:
    return tuple(_scan(text, printer))


def _scan(text: str, printer: bool) -> Iterator[tuple[tuple[int, int], str]]:
    for match in finditer_hot(_VENDOR, text):
        code = next(value for value in match.groupdict().values() if value)
        if (match["hresult"] or match["hresultparen"]) and _with_0x(text, code):
            continue  # printed with its 0x too: that one is the code
        start = match.start()
        if match["hresultparen"] and _DECIMAL_BEFORE.search(text, max(0, start - 16), start):
            continue  # "decimal (hex)": error_codes reads that pair as one value's two forms
        yield match.span(), code
    if _SAP_LINE.search(text):
        for match in finditer_hot(_SAP_SPACED, text):
            if _SAP_LINE.search(text, *line_of(text, *match.span())):
                yield match.span(), match["sapclass"] + match["sapnumber"]
    for match in finditer_hot(_PRINTER_CALL, text) if printer else ():
        start = max(line_of(text, *match.span())[0], match.start() - 30)
        if _PRINTER_CALL_WORDS.search(text, start, match.start()):
            yield match.span(), match["code"]


# The words a service call follows ("Appelez le service. C6000", "affiche C6000"); a model
# ("Ricoh MP C3004", "imageRUNNER ADVANCE C5535i") follows its brand and series instead.
_PRINTER_CALL_WORDS = re.compile(
    r"(?:erreur|error|code|affiche|display|shows?|indique|panne|fault|service|appel|call)"
    r"[^\w\n]{0,4}$", re.IGNORECASE)


# Oracle Forms prints its own code before the ORA one: "FRM-40735: ... ORA-06512"; a bare
# number there restates the ORA one ("Error : 1017, ... ORA-01017").
_ORACLE_TOOL = re.compile(r"[A-Z]{2,5}-\d{3,5}")


def oracle_codes(line: str, message_at: int, find: Callable[[str], list[str]]) -> list[str]:
    """The codes of an Oracle error line whose "ORA-nnnnn: ..." message starts at
    `message_at`: the message's, then an Oracle tool's code printed before it."""
    codes = find(line[message_at:])
    return codes + [c for c in find(line[:message_at])
                    if c not in codes and _ORACLE_TOOL.fullmatch(c)]
