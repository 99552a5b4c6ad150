"""Error codes in the forms people paste them: HRESULTs, negative numbers, SQLSTATEs, ORA- and
Msg numbers, VBA run-time numbers, HTTP statuses, letter-dash-number application codes."""

from __future__ import annotations

import itertools
import re

# ---------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------

HTTP_REASONS = (
    "bad request|unauthorized|forbidden|not found|method not allowed|request time-?out|"
    "conflict|gone|payload too large|too many requests|internal server error|not implemented|"
    "bad gateway|service unavailable|service temporarily unavailable|gateway time-?out|"
    "erreur interne du serveur|introuvable|acc[eè]s refus[ée]|interdit|passerelle incorrecte|"
    "service indisponible|d[ée]lai d'attente de la passerelle d[ée]pass[ée]|page introuvable"
)
HTTP_REASONS_RE = rf"(?:{HTTP_REASONS})\b"

_ERROR_WORD = (r"(?:\berreur|\berror|\bfehler|\bcode d'erreur|\berror code|\bcode erreur|"
               r"\bfehlercode|\bstatus code|\bhttp status|\bcode http|\bcode de statut|"
               r"\bcode de retour|\breturn code|\bexit code|\berrno)")
_CODES = re.compile(
    r"\b(?P<hex>0x[0-9A-Fa-f]{8})\b"
    r"|\b(?P<ora>(?:ORA|TNS|PLS|SP2|IMP|EXP|RMAN)-\d{4,5})\b"
    r"|\((?P<sym>[A-Z][A-Z0-9]*_[A-Z0-9_]{2,})\)"
    r"|\b(?P<win32>ERROR_[A-Z0-9_]{3,})\b"
    # SQLSTATE: "SQLSTATE[23000]", "SQLSTATE=42S02", "SQL state: 42P01", ODBC's "ERROR [08001]".
    r"|\bSQL[ \t]?STATE[ \t]*[\[=:]?[ \t]*(?P<sqlstate>[0-9A-Z]{2}[0-9A-Z]{3})\b"
    r"|^ERROR[ \t]+\[(?P<odbc>[0-9A-Z]{5})\]"
    # SQL Server's "Msg 547, Level 16" (and its translations).
    r"|\b(?:Msg|Mens\.?|Message)[ \t]+(?P<msg>\d{1,6}),[ \t]*(?:Level|Niveau|Nivel|Ebene)\b"
    # VBA: "Run-time error '1004':", "Erreur d'exécution '91' :".
    r"|(?:run-?time error|erreur d'ex[ée]cution|laufzeitfehler|error en tiempo de ejecuci[óo]n|"
    r"errore di run-?time)[ \t]*'(?P<vba>-?\d{1,10})"
    rf"|{_ERROR_WORD}"
    r"(?:[ \t\xa0]*(?:n[°º]|no\.?|num[ée]ro|number|#|syst[eè]me|system))?[ \t\xa0]*:?[ \t\xa0]*"
    # Office's Click-to-Run codes carry a dash and a suffix: "30015-11", "0-1011".
    r"(?P<num>-?\d{1,10}-\d{1,4}(?![\d/.-])|-?\d{2,10})\b"
    # A negative number of 5 digits or more is an error code wherever it stands (-2147467259).
    r"|(?<![\w.-])(?P<negative>-\d{5,10})\b"
    # A signed number alone in parentheses closes a VPN client's message ("... (-7200)").
    r"|(?<![\w(])\((?P<signed>-\d{1,10})\)"
    # HTTP: "HTTP Error 503", "HTTP/1.1 404", "502 Bad Gateway"; IIS adds a sub-status (500.19).
    r"|\bHTTP(?:/\d(?:\.\d)?)?[ \t]+(?:error[ \t]+|erreur[ \t]+)?(?P<http>[45]\d\d(?:\.\d{1,3})?)"
    r"(?![\d.])"
    rf"|\b(?P<status>[45]\d\d(?:\.\d{{1,3}})?)[ \t]*[-–:]?[ \t]*(?={HTTP_REASONS_RE})"
    # Entra ID's AADSTS numbers, MSBuild's MSB, Chromium's net::ERR_ names.
    r"|\b(?P<vendor>AADSTS\d{5,6}|MSB\d{4}|(?<=net::)ERR_[A-Z_]{3,}|ERR_[A-Z]+_[A-Z_]{3,})\b"
    # Windows' event log: "Event ID: 1000", "ID de l'événement : 4625", "Ereignis-ID: 1000".
    r"|\b(?:event[ \t]?id|id de l['’][ée]v[ée]nement|ereignis-id)[ \t\xa0]*:?[ \t\xa0]*"
    r"(?P<event>\d{1,5})\b"
    # PowerShell's error record names its error: "+ FullyQualifiedErrorId : NativeCommandError".
    r"|^[ \t]*\+?[ \t]*FullyQualifiedErrorId[ \t]*:[ \t]*(?P<psid>[^\s]+)"
    # A bare hexadecimal code after the error word (Teams: "Code d'erreur - caa70004").
    rf"|{_ERROR_WORD}[ \t\xa0]*[:\-–]?[ \t\xa0]*"
    r"(?P<hexbare>(?=[0-9a-f]{0,7}[a-f])(?=[0-9a-f]{0,7}\d)[0-9a-f]{8})\b"
    # MySQL: "ERROR 1045 (28000): ..." (the SQLSTATE in parentheses after the number).
    r"|(?<=\d)[ \t]\((?P<mysqlstate>[0-9A-Z]{5})\)(?=:)"
    # DB2: "SQLCODE=-204, SQLSTATE=42704".
    r"|\bSQLCODE[ \t]*[=:][ \t]*(?P<sqlcode>-?\d{1,5})\b"
    # PostgreSQL in verbose mode: "ERREUR:  42P01: la relation ... n'existe pas".
    r"|^(?:ERROR|ERREUR|FATAL|PANIC|FEHLER|ERRORE|ERRO)[ \t]*:[ \t]+"
    r"(?P<pgstate>[0-9][0-9A-Z]{4})(?=:)"
    # Symbolic names printed beside a number: Winsock's WSAE..., HRESULT names (E_..., X_E_...),
    # SAP's network interface NIE... (case as printed).
    r"|\b(?P<symname>(?-i:WSAE[A-Z]{3,20}|E_[A-Z]{3,}|[A-Z]{2,}_E_[A-Z_]{3,}|NIE[A-Z]+_[A-Z_]+))\b"
    # Printers' codes: HP's "49.4C02" (with a hexadecimal letter), Canon's "E000007-0000",
    # Ricoh's service calls "SC542".
    r"|\b(?P<printer>(?-i:\d{2}\.[0-9A-F]{0,2}[A-F][0-9A-F]{0,3}(?:\.[0-9A-F]{2})?"
    r"|E\d{3,6}-\d{4}|SC\d{3}(?:-\d{2})?))\b"
    # SAP's message ID, class and number: "Message no. V1320", "Numéro de message M7 021".
    r"|(?:message no\.?|msg\.? no\.?|num[ée]ro (?:de )?message|n[°º] (?:de )?message|"
    r"nachrichtennummer|meldungsnummer|message number)[ \t\xa0]*:?[ \t\xa0]*"
    r"(?P<sapmsg>(?-i:[A-Z][A-Z0-9/]{0,19}[ ]?\d{3}))\b",
    re.IGNORECASE | re.MULTILINE,
)
# Application codes of letters, a dash and a number ("PAI-2041", "E-1023"): only where the line
# reads as an error report, so that an order "CMD-2041" is not taken for one.
_APP_CODE = re.compile(r"\b(?P<code>[A-Z]{1,6}-\d{2,6})\b(?![-/.]\d)")
_APP_CODE_CONTEXT = re.compile(
    r"erreur|error|fehler|errore|code|affiche|displays?|shows?|says|dit|get|re[çc]ois|"
    r"[ée]chec|fail|invalid|invalide|impossible|refus|denied|interdit|message|indique|"
    r"signale|renvoie|retourne|obtiens|appara[îi]t|bloqu|blocked|rejet|reject|alerte|alert|"
    r"warning|avertissement|status|statut|meldung|meldet"
    # or the code opens a message of its own: "AUTH-401 : session expirée"
    r"|\b[A-Z]{1,6}-\d{2,6}[ \t\xa0]*[:–-][ \t\xa0]*\w",
    re.IGNORECASE,
)


_MAX_CODES = 20  # codes of one error; more is a log, not a paste
_SIGNED = re.compile(r"-?\d+")
# A hexadecimal value under these field names is a timestamp, an offset or an id, not a code
# (Windows' Application Error event: "horodatage : 0x65a1...", "Fault offset: 0x0002...").
_NOT_A_CODE_FIELD = re.compile(
    r"(?:time ?stamp|horodatage|zeitstempel|offset|d[ée]calage|process(?:us)? id|"
    r"id du processus|prozess-id|thread id|logon id|id d['’]ouverture de session|"
    r"adresse|address)[^:\n]{0,30}:?[ \t\xa0]*$",
    re.IGNORECASE)
# A constant's name of three upper-case words or more ("TSV_TNEW_PAGE_ALLOC_FAILED"), on a line
# that reports an error: SAP's runtime errors, VPN clients' and drivers' error constants.
_CONSTANT = re.compile(r"(?<![\w:])(?P<const>[A-Z][A-Z0-9]{1,}(?:_[A-Z0-9]{2,}){2,})\b")
_CONSTANT_CONTEXT = re.compile(
    r"erreur|error|fehler|fail|[ée]chec|exception|dump|abort|runtime|laufzeit|status|code",
    re.IGNORECASE)


def code_lines(text: str, limit: int) -> list[tuple[int, int]]:
    """(start, end) of the first `limit` lines that carry a code, in order. Each search starts
    after the last line found, so a long paste costs one pass over it."""
    spans: set[tuple[int, int]] = set()
    for pattern in (_CODES, _APP_CODE, *((_CONSTANT,) if "_" in text else ())):
        pos = 0
        while len(spans) < 2 * limit and (match := pattern.search(text, pos)):
            start = text.rfind("\n", pos, match.start()) + 1 or pos
            end = text.find("\n", match.end())
            end = len(text) if end < 0 else end
            context = _CONSTANT_CONTEXT if pattern is _CONSTANT else _APP_CODE_CONTEXT
            if pattern is _CODES or context.search(text, start, end):
                spans.add((start, end))
            pos = end + 1
    return sorted(spans)[:limit]


def find_codes(text: str) -> list[str]:
    """Error codes in text, in order, once each (receipt and invoice numbers are not codes)."""
    codes: list[str] = []
    for match in itertools.islice(_CODES.finditer(text), 10 * _MAX_CODES):
        code = next(value for value in match.groupdict().values() if value)
        if match["hex"] and _NOT_A_CODE_FIELD.search(
                text, max(0, text.rfind("\n", 0, match.start()) + 1), match.start()):
            continue
        if match["sapmsg"]:
            code = code.replace(" ", "")
        number, comma, name = code.partition(",")
        if match["psid"] and comma and _SIGNED.fullmatch(number):
            # "-2146233087,Cmdlet": an HRESULT in decimal, then the error's own name
            codes.extend(c for c in (number, name) if c and c not in codes)
            continue
        if code not in codes:
            codes.append(code)
            if len(codes) >= _MAX_CODES:
                return codes
    for line in text.splitlines() if "_" in text and _CONSTANT.search(text) else ():
        if _CONSTANT_CONTEXT.search(line):
            codes.extend(m["const"] for m in _CONSTANT.finditer(line)
                         if m["const"] not in codes and not m["const"].startswith("ERROR_"))
    for line in text.splitlines() if _APP_CODE.search(text) else ():
        if _APP_CODE_CONTEXT.search(line):
            codes.extend(m["code"] for m in _APP_CODE.finditer(line) if m["code"] not in codes
                         and not m["code"].upper().startswith(("ORA-", "TNS-", "PLS-")))
        if len(codes) >= _MAX_CODES:
            break
    return codes[:_MAX_CODES]
