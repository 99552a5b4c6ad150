"""Pasted error text turned into structured errors.

Employees are told to paste the error dialog copied with Ctrl+C (seed 004); they also paste stack
traces, SQL errors and error pages. Each extractor below recognises one format and claims the span
of text it used; later, looser extractors skip claimed spans, so that an Oracle code inside a Java
trace is reported once, with the trace.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from mailbot.parsers.error_apps import (
    BUILD_PATH,
    HOST,
    PATH_PARTS,
    SCRIPT_PATH,
    Catalogue,
    application_in,
    catalogue_of,
    dialog_application,
)
from mailbot.parsers.error_codes import (
    HTTP_REASONS,
    HTTP_REASONS_RE,
    code_lines,
    find_codes,
    printer_named,
)
from mailbot.parsers.error_prose import error_sentences
from mailbot.parsers.error_vendors import oracle_codes
from mailbot.parsers.error_wrappers import without_wrapper_names


@dataclass
class ErrorText:
    """One error pasted into a message, with what identifies it for a technician."""

    # windows_dialog | python_traceback | java_exception | dotnet_exception | sql_error
    # | http_error | hresult | app_message | other
    kind: str
    application: str | None
    title: str | None
    message: str | None
    codes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Found:
    start: int
    end: int
    error: ErrorText


# More errors than this in one message is a log file, not a paste: the first ones tell the story.
# Each extractor stops there too, so that a pasted log of thousands of lines costs linear time.
_MAX_ERRORS = 20


def _first(matches: Iterator[re.Match[str]]) -> Iterator[re.Match[str]]:
    return itertools.islice(matches, _MAX_ERRORS)


@functools.lru_cache(maxsize=4)
def _text_application(text: str, catalogue: Catalogue) -> str | None:
    """The application a whole text names, looked up once per text (not once per error)."""
    return application_in(text, catalogue)


# ---------------------------------------------------------------------------------------------
# Extractors: each returns what it found in the text with the span it claims
# ---------------------------------------------------------------------------------------------

_FRAME = r"-{20,}[ \t]*"
# HTML mail often renders each copied line as a paragraph: blank lines between the parts.
_GAP = r"(?:[ \t]*\n)*"
_DIALOG = re.compile(
    rf"^{_FRAME}\n{_GAP}(?P<title>[ \t]*\S[^\n]*)\n{_GAP}{_FRAME}\n"
    rf"(?P<body>(?:(?!-{{20,}}).*\n)+?){_FRAME}\n{_GAP}"
    rf"(?P<buttons>[^\n]*)(?:\n{_GAP}{_FRAME}$)?", re.MULTILINE,
)
# Some mail clients lose the newlines of a copied dialog and leave the frames inline: the line
# is cut at its frames (a split, not one regex, so that long runs of dashes cost linear time).
_INLINE_FRAME = re.compile(r"[ \t]*(?<!-)-{20,}[ \t]*")
_MAX_TITLE = 120
_MAX_BUTTONS = 60
_CODE_LINE = re.compile(
    r"^(?:erreur|error|fehler|code(?: d'erreur)?|error code)\b[^\n]{0,20}$", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý])")


def _dialog_error(title: str, body_lines: list[str], *, text: str) -> ErrorText:
    lines = [line.strip() for line in body_lines if line.strip()]
    while len(lines) > 1 and _CODE_LINE.match(lines[0]):
        lines.pop(0)  # "Erreur n° 20418" above the text is a code, not the message
    title = title.strip()
    return ErrorText("windows_dialog", dialog_application(title), title,
                     lines[0] if lines else None, find_codes(text))


def _dialogs(text: str, catalogue: Catalogue) -> list[_Found]:
    found = [
        _Found(m.start(), m.end(), _dialog_error(m["title"], m["body"].split("\n"), text=m[0]))
        for m in _first(_DIALOG.finditer(text))
    ]
    for line in _first(_LONG_LINE.finditer(text)):
        found.extend(_one_line_dialogs(line[0], line.start()))
    return found


_LONG_LINE = re.compile(r"^[^\n]*?-{20,}[^\n]*-{20,}[^\n]*-{20,}[^\n]*$", re.MULTILINE)


def _one_line_dialogs(line: str, offset: int) -> list[_Found]:
    """Dialogs whose frames, title, text and buttons ended up on one line."""
    frames = list(_INLINE_FRAME.finditer(line))
    found: list[_Found] = []
    for k in range(len(frames) - 3):
        title = line[frames[k].end():frames[k + 1].start()]
        body = line[frames[k + 1].end():frames[k + 2].start()]
        buttons = line[frames[k + 2].end():frames[k + 3].start()]
        if 0 < len(title) <= _MAX_TITLE and body and 0 < len(buttons) <= _MAX_BUTTONS:
            first = _SENTENCE_END.split(body.strip(), maxsplit=1)[0]
            span = line[frames[k].start():frames[k + 3].end()]
            found.append(_Found(offset + frames[k].start(), offset + frames[k + 3].end(),
                                _dialog_error(title, [first], text=span)))
    return found


_TRACEBACK = re.compile(
    r"^Traceback \(most recent call last\):[ \t]*\n(?:[ \t]+.*\n|\n)*?"
    r"(?P<last>[A-Za-z_][\w.]*(?::[^\n]*)?)$", re.MULTILINE,
)


def _python(text: str, catalogue: Catalogue) -> list[_Found]:
    found: list[_Found] = []
    for m in _first(_TRACEBACK.finditer(text)):
        # The outermost frame is the script the user ran: a better name than any catalogue hit.
        script = SCRIPT_PATH.search(m[0])
        app = PATH_PARTS.split(script["path"])[-1] if script else None
        found.append(_Found(m.start(), m.end(), ErrorText(
            "python_traceback", app, None, m["last"].strip(), find_codes(m["last"]))))
    return found


_JAVA_HEAD = re.compile(
    r"^(?:Exception in thread \"[^\"]*\" )?(?P<head>(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*"
    r"(?:Exception|Error|Throwable)\b(?::[^\n]*)?)\n(?=[ \t]+at [\w$.<>]+\()",
    re.MULTILINE,
)
_JAVA_TAIL = re.compile(
    r"(?:[ \t]+at [^\n]*\n?|[ \t]+\.\.\. \d+ (?:more|common frames omitted)[^\n]*\n?"
    r"|Caused by: [^\n]*\n?|[ \t]*Suppressed: [^\n]*\n?)"
)
_JAVA_FRAME = re.compile(r"^[ \t]+at [\w$.<>/]+\([\w$]+\.(?:java|kt|scala|groovy):\d+\)|"
                         r"^[ \t]+at [\w$.<>/]+\((?:Native Method|Unknown Source)\)", re.MULTILINE)
_DOTNET_HEAD = re.compile(
    r"^(?:(?:Unhandled exception|Exception non g[ée]r[ée]e)\.?[ \t]*:?[ \t]*)?"
    r"(?P<head>(?:[A-Za-z_]\w*\.)+\w*Exception\b[^\n]*)\n(?=[ \t]+(?:at|à|bei|en|в) )",
    re.MULTILINE,
)
_DOTNET_TAIL = re.compile(
    r"(?:[ \t]+(?:at|à|bei|en|в) [^\n]*\n?|[ \t]+--- [^\n]*---[ \t]*\n?)"
)


def _extend(text: str, pos: int, tail: re.Pattern[str]) -> int:
    """End of the trace lines (frames, inner-exception markers) following pos."""
    while (m := tail.match(text, pos)) and m.end() > pos:
        pos = m.end()
    return pos


def _exceptions(text: str, catalogue: Catalogue) -> list[_Found]:
    found: list[_Found] = []
    for m in _first(_JAVA_HEAD.finditer(text)):
        end = _extend(text, m.end(), _JAVA_TAIL)
        block = text[m.start():end]
        if not _JAVA_FRAME.search(block):
            continue  # .NET frames also start with "at"; they are handled below
        message = m["head"].strip()
        found.append(_Found(m.start(), end, ErrorText(
            "java_exception", _text_application(text, catalogue), None, message,
            find_codes(block))))
    java_end = found[-1].end if found else 0
    for m in _first(_DOTNET_HEAD.finditer(text)):
        if m.start() < java_end:
            continue  # crude but linear: .NET and Java traces are not mixed in one paste
        end = _extend(text, m.end(), _DOTNET_TAIL)
        block = text[m.start():end]
        build = BUILD_PATH.search(block)
        app = application_in(block, catalogue) or (build["app"] if build else None)
        message = m["head"].split(" ---> ")[0].strip()
        found.append(_Found(m.start(), end, ErrorText(
            "dotnet_exception", app, None, message, find_codes(block))))
    return found


_SQLSERVER = re.compile(
    r"^(?:Msg|Mens\.?|Message) (?P<num>\d+), (?:Level|Niveau|Nivel|Ebene) \d+, "
    r"(?:State|[ÉE]tat|Estado|Status) \d+[^\n]*\n[ \t]*\n?(?P<message>[^\n]+)",
    re.MULTILINE,
)
_SSMS = re.compile(r"\[Batch Start Line|Completion time:|Heure de fin\s?:", re.IGNORECASE)
_ORACLE = re.compile(r"^[^\n]*?(?P<message>\b(?:ORA|TNS|PLS)-\d{5}:[^\n]*)", re.MULTILINE)


def _sql(text: str, catalogue: Catalogue) -> list[_Found]:
    found: list[_Found] = []
    for m in _first(_SQLSERVER.finditer(text)):
        app = "SQL Server Management Studio" if _SSMS.search(text) else "SQL Server"
        codes = [m["num"], *(c for c in find_codes(m["message"]) if c != m["num"])]
        found.append(_Found(m.start(), m.end(), ErrorText(
            "sql_error", app, None, m["message"].strip(), codes)))
    for m in _first(_ORACLE.finditer(text)):
        app = _text_application(text, catalogue) or "Oracle Database"
        codes = oracle_codes(m[0], m.start("message") - m.start(), find_codes)
        found.append(_Found(m.start(), m.end(), ErrorText(
            "sql_error", app, None, m["message"].strip(), codes)))
    return found


_HTTP_STATUS = re.compile(
    rf"^[ \t]*(?:HTTP(?:/\d(?:\.\d)?)?[ \t]+|(?:HTTP )?(?:Error|Erreur)[ \t]+)?"
    rf"(?P<code>[45]\d\d(?:\.\d+)?)[ \t]*[-–:]?[ \t]*(?P<reason>{HTTP_REASONS})[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
_SERVER_BANNER = re.compile(r"^(?:nginx|apache|microsoft-iis|iis|cloudflare|envoy)\b",
                            re.IGNORECASE)


def _http(text: str, catalogue: Catalogue) -> list[_Found]:
    found: list[_Found] = []
    for m in _first(_HTTP_STATUS.finditer(text)):
        title = m[0].strip()
        message = None
        end = m.end()
        for line_match in re.finditer(r"[^\n]+", text[m.end():m.end() + 2000]):
            line = line_match[0].strip()
            if line and line.lower() != title.lower() and not _SERVER_BANNER.match(line):
                message = line
                end = m.end() + line_match.end()
                break
        page = text[m.start():end]
        host = HOST.search(page)
        app = application_in(page, catalogue) or (host["host"] if host else None)
        found.append(_Found(m.start(), end, ErrorText("http_error", app, title, message,
                                                      [m["code"]])))
    return found


_HEX_LINE = re.compile(r"^[^\n]*\b0x[0-9A-Fa-f]{8}\b[^\n]*$", re.MULTILINE)
_APP_MESSAGE = re.compile(
    r"^[ \t]*(?P<line>(?:erreur|error|fehler)[ \t\xa0]*(?:n[°º]|no\.?|#)?[ \t\xa0]*"
    r"(?P<code>[A-Z]{0,5}-?\d{2,6})[ \t\xa0]*[:\-–][ \t\xa0]*\S[^\n]*)$",
    re.MULTILINE | re.IGNORECASE,
)


def _codes_only(text: str, catalogue: Catalogue) -> list[_Found]:
    """Loose text: an HRESULT line, or an application's "Error N: ..." line."""
    found: list[_Found] = []
    for m in _first(_HEX_LINE.finditer(text)):
        if codes := find_codes(m[0]):  # not when the value is a timestamp's or flags'
            found.append(_Found(m.start(), m.end(), ErrorText(
                "hresult", _text_application(text, catalogue), None, _prose(m[0], codes), codes)))
    for m in _first(_APP_MESSAGE.finditer(text)):
        codes = find_codes(m["line"]) or [m["code"]]
        found.append(_Found(m.start(), m.end(), ErrorText(
            "app_message", _text_application(text, catalogue), None, _prose(m["line"], codes),
            codes)))
    return found


_VBA = re.compile(
    r"^[ \t]*(?P<head>(?:run-?time error|erreur d'ex[ée]cution|laufzeitfehler|"
    r"error en tiempo de ejecuci[óo]n|errore di run-?time)[ \t]*"
    r"'(?P<num>-?\d{1,10})(?:[ \t]*\((?P<hex>[0-9A-Fa-f]{8})\))?'[ \t]*:?)"
    r"[ \t]*\n(?:[ \t]*\n)*[ \t]*(?P<message>\S[^\n]*)",
    re.IGNORECASE | re.MULTILINE,
)


def _vba(text: str, catalogue: Catalogue) -> list[_Found]:
    """Office macros' run-time errors: the number in quotes, the message on the next line."""
    return [_Found(m.start(), m.end(), ErrorText(
        "app_message", _text_application(text, catalogue) or "Microsoft Visual Basic", None,
        m["message"].strip(), [m["num"], *([m["hex"]] if m["hex"] else [])]))
        for m in _first(_VBA.finditer(text))]


# PostgreSQL prints "ERROR:  <message>" and, a few lines below, "SQL state: 42P01".
# A dialog copied field by field may put the state under its label ("SQLState :" / "'08001'").
_SQLSTATE_LINE = re.compile(
    r"^[^\n]*\bSQL(?:[ \t]?STATE|(?<=\b[ÉE]tat[ \t\xa0]SQL))\b[^\n]*?(?::[ \t\xa0]*\n[^\n]*)?$"
    r"|^ERROR[ \t]+\[[0-9A-Z]{5}\][^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
_PG_ERROR = re.compile(r"^(?:ERROR|ERREUR|FATAL):[ \t]+(?P<message>[^\n]+)", re.MULTILINE)


def _sqlstate(text: str, catalogue: Catalogue) -> list[_Found]:
    found: list[_Found] = []
    for m in _first(_SQLSTATE_LINE.finditer(text)):
        start, message = m.start(), " ".join(m[0].split())
        before = list(_PG_ERROR.finditer(text, max(0, m.start() - 600), m.start()))
        if before and message.lower().startswith("sql state"):
            start, message = before[-1].start(), "ERROR: " + " ".join(before[-1]["message"].split())
        codes = find_codes(text[start:m.end()])
        # PDO prints the driver's own number after the state's text: "...: 1062 Duplicate".
        codes += [c for c in _DRIVER_CODE.findall(m[0]) if c not in codes]
        found.append(_Found(start, m.end(), ErrorText(
            "sql_error", _text_application(text, catalogue), None, message, codes)))
    return found


_DRIVER_CODE = re.compile(r"\]:[^:\n]{3,80}:[ \t]+(\d{3,5})[ \t]")


def _code_lines(text: str, catalogue: Catalogue) -> list[_Found]:
    """The loosest: any line still unclaimed that carries a code in one of the forms above
    (a negative number, an HTTP status, an application code), as the employee wrote it."""
    found: list[_Found] = []
    printer = printer_named(text)
    for start, end in code_lines(text, _MAX_ERRORS):
        line = text[start:end]
        codes = find_codes(line, printer=printer)
        if codes:
            kind = "http_error" if _HTTP_ONLY.search(line) else "other"
            found.append(_Found(start, end, ErrorText(
                kind, _text_application(text, catalogue), None, _prose(line, codes), codes)))
    return found


def _prose(line: str, codes: list[str]) -> str:
    """The error in a line of prose: the sentences with its codes, not the greeting nor the
    writer's name around them (error_prose.py)."""
    return error_sentences(line, lambda s: any(c in s for c in codes) or bool(find_codes(s)))


_HTTP_ONLY = re.compile(rf"\bHTTP\b|\b[45]\d\d[ \t]*[-–:]?[ \t]*{HTTP_REASONS_RE}",
                        re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# The table: extractors from the most specific format to the loosest
# ---------------------------------------------------------------------------------------------

Extractor = Callable[[str, Catalogue], list[_Found]]
_EXTRACTORS: tuple[tuple[re.Pattern[str], Extractor], ...] = (
    # (cheap trigger that must occur in the text, extractor)
    (re.compile(r"-{20,}"), _dialogs),  # Windows message boxes copied with Ctrl+C
    (re.compile(r"Traceback \(most"), _python),  # Python tracebacks
    (re.compile(r"\n[ \t]+(?:at|à|bei|en|в) "), _exceptions),  # Java and .NET stack traces
    (re.compile(r"\b(?:Msg|Mens|Message) \d+, |\b(?:ORA|TNS|PLS)-\d"), _sql),  # SQL errors
    (re.compile(r"\b[45]\d\d\b"), _http),  # HTTP error pages
    (re.compile(r"run-?time|ex[ée]cution|laufzeitfehler|ejecuci", re.IGNORECASE),
     _vba),  # VBA run-time errors
    (re.compile(r"SQL(?: ?STATE|(?<=tat SQL))|^ERROR \[", re.IGNORECASE | re.MULTILINE),
     _sqlstate),  # SQLSTATE, "État SQL"
    (re.compile(r"\b0x[0-9A-Fa-f]{8}\b|\b(?:erreur|error|fehler)\b", re.IGNORECASE),
     _codes_only),  # HRESULT / Win32 codes and application messages
    (re.compile(r"\d|[A-Z]_[A-Z]"), _code_lines),  # any other line with a code in a known form
)


def extract_errors(
    text: str, *, applications: Mapping[str, Iterable[str]] | None = None
) -> list[ErrorText]:
    """Errors pasted in a body, in the order they appear.

    `applications` maps a site's program names to aliases (the rules.toml catalogue); it names
    the application of errors whose text does not carry a title.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u202f" in text:  # French typography's narrow no-break space ("Erreur native\u202f:")
        text = text.replace("\u202f", "\xa0")
    catalogue = catalogue_of(applications)
    claimed: list[_Found] = []  # kept sorted by start, spans never overlap
    for trigger, extractor in _EXTRACTORS:
        if not trigger.search(text):
            continue
        for item in extractor(text, catalogue)[:_MAX_ERRORS]:
            k = bisect.bisect_left([f.start for f in claimed], item.start)
            before_ok = k == 0 or claimed[k - 1].end <= item.start
            after_ok = k == len(claimed) or item.end <= claimed[k].start
            if before_ok and after_ok:
                claimed.insert(k, item)
    return without_wrapper_names([item.error for item in claimed[:_MAX_ERRORS]], text)
