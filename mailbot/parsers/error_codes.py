"""Error codes in the forms people paste them: HRESULTs, negative numbers, SQLSTATEs, ORA- and
Msg numbers, VBA run-time numbers, HTTP statuses, letter-dash-number application codes."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from mailbot.parsers.error_scan import finditer_hot, search_hot
from mailbot.parsers.error_vendors import NOT_CONST, line_of, vendor_codes

# ---------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------

HTTP_REASONS = (
    "bad request|unauthorized|forbidden|not found|method not allowed|request time-?out|"
    "conflict|gone|payload too large|too many requests|internal server error|not implemented|"
    "bad gateway|service unavailable|service temporarily unavailable|gateway time-?out|"
    "erreur interne du serveur|introuvable|acc[eè]s refus[ée]|interdit|passerelle incorrecte|"
    "service indisponible|d[ée]lai d'attente de la passerelle d[ée]pass[ée]|page introuvable|"
    # Python requests' HTTPError: "503 Server Error: Service Unavailable for url: ..."
    "client error|server error"
)
HTTP_REASONS_RE = rf"(?:{HTTP_REASONS})\b"

_SAP_NUMBER_LABEL = (
    r"message[ \t]+(?:no\.?|nr\.?|n[°º]\.?|number|num[ée]ro)|msg\.?[ \t]?no\.?|"
    r"(?:num[ée]ro|n[°º]\.?|no\.?|nr\.?|n[úu]mero|numero)[ \t]+(?:(?:de|du|da|del)[ \t]+)?"
    r"(?:message|mensaje|messaggio|mensagem|meldung|nachricht|bericht)|"
    r"(?:nachrichten|meldungs|bericht)(?:nummer|nr\.?)|messaggio[ \t]+n\.?|mensaje[ \t]+n[°º]"
)
_SAP_CLASS_NAMED = (
    r"classe?[ \t]+de[ \t]+messages?|message[ \t]+(?:class|id)|id[ \t]+(?:du[ \t]+)?message|"
    r"application[ \t]+area|zone[ \t]+d['’]application|"
    r"nachrichtenklasse|meldungsklasse|arbeitsgebiet|clase[ \t]+de[ \t]+mensajes?|"
    r"classe[ \t]+(?:di[ \t]+)?messaggi|classe[ \t]+de[ \t]+mensagens?|berichtklasse"
)
_SAP_CLASS_LABEL = rf"{_SAP_CLASS_NAMED}|\bid"
_ERROR_WORD = (r"(?:\berreur|\berror|\bfehler|\bcode d'erreur|\berror code|\bcode erreur|"
               r"\bfehlercode|\bstatus code|\bhttp status|\bcode http|\bcode de statut|"
               r"\bcode de retour|\bcode retour|\breturn code|\bexit code|\berrno|"
               # Java's HttpURLConnection: "Server returned HTTP response code: 401 for URL"
               r"\bresponse code|\bcode de r[ée]ponse)")
# Every form below starts at the start of a word or at a sign, a bracket or a space: the
# leading test lets the search skip the inside of words in one step instead of trying each form
# there (it made the search three times cheaper).
_CODES = re.compile(
    r"(?:(?<!\w)|(?!\w))(?:"
    # Windows setup's result carries its extended code after a dash: "0xC1900101-0x30018".
    r"\b(?P<hex>0x[0-9A-Fa-f]{8}(?:-0x[0-9A-Fa-f]{1,8})?)\b"
    r"|\b(?P<ora>(?:ORA|TNS|PLS|SP2|IMP|EXP|RMAN)-\d{4,5})\b"
    r"|\((?P<sym>[A-Z][A-Z0-9]*_[A-Z0-9_]{2,})\)"
    r"|\b(?P<win32>ERROR_[A-Z0-9_]{3,})\b"
    # SQLSTATE: "SQLSTATE[23000]", "SQLSTATE=42S02", "SQL state: 42P01", ODBC's "ERROR [08001]".
    # French typography spaces the colon ("SQLSTATE\xa0: '08001'"); a copied dialog may put the
    # value under its label. A state holds a digit ("HYT00", "08S01"): "SQLSTATE : Merci" no.
    r"|\bSQL(?:[ \t]?STATE|(?<=\b[ÉE]tat[ \t\xa0]SQL))[ \t\xa0]*"
    r"(?:[\[=:][ \t\xa0]*\n?[ \t\xa0]*)?['\"]?"
    r"(?P<sqlstate>(?=[0-9A-Z]{0,4}\d)[0-9A-Z]{5})\b"
    r"|^ERROR[ \t]+\[(?P<odbc>[0-9A-Z]{5})\]"
    # ODBC's diagnostic record: "[SQLSTATE] [vendor][driver][source]message (native)", the
    # driver's native error number in parentheses after the bracketed components (SQL Server
    # "(18456)", Access "(#2627)"; pyodbc puts it on the next line, "...refusée.\r\n (10061)"),
    # in brackets closing a network provider's message ("... connexion à SQL Server [53]."), or
    # labelled: "SQL Server Error: 17", "Native error: 1045", "Erreur native :" above "10061".
    r"|\[(?P<odbcstate>(?-i:(?=[A-Z]{0,4}\d)[0-9A-Z]{5}))\](?=[ \t]*\[[A-Za-z])"
    # A value the message quotes as data ("The duplicate key value is (10452).", "La valeur de
    # clé dupliquée est (10452).", "Der doppelte Schlüsselwert ist (10452).") is no native error.
    r"|(?:\[[^\[\]\n]{2,60}\]){2,}[^\[\]\n]{1,300}?(?:\n[ \t]+)?"
    r"(?<!\bis[ \t])(?<!\best[ \t])(?<!\bist[ \t])(?<!\bes[ \t])(?<!\bè[ \t])(?<!\b[ée][ \t])"
    r"(?<!:[ \t])(?<!:)(?<!:\xa0)"  # "Valeur de clé dupliquée : (10452)." is a value too
    r"(?:\(#?(?P<native>\d{2,6})\)|\[(?P<nativebr>\d{2,6})\])"
    r"(?=[ \t]*(?:\(|$|[\"')\],;.]))"
    r"|(?:native[ \t]?error(?:[ \t]?(?:code|number))?|erreur[ \t]+native|"
    r"code[ \t]+(?:d['’]erreur[ \t]+)?natif|(?:nativer|systemeigener)[ \t]+fehler(?:code)?|"
    r"errore?[ \t]+nativo|SQL[ \t]Server[ \t]Error|"
    r"Erreur[ \t]SQL[ \t]Server|SQL[ \t]Server-Fehler|Error[ \t]de[ \t]SQL[ \t]Server)"
    r"[ \t\xa0]*(?:n[°º]\.?|no\.?|nr\.?|#)?[ \t\xa0]*(?:[:=][ \t\xa0]*\n?)?[ \t\xa0]*['\"]?"
    r"(?P<nativelabel>-?\d{1,6})\b"
    # .NET's WebException: "The remote server returned an error: (407) Proxy Authentication
    # Required." and its translations: the HTTP status in parentheses.
    r"|(?:remote[ \t]server[ \t]returned[ \t]an[ \t]error|serveur[ \t]distant[ \t]a[ \t]"
    r"retourn[ée][ \t]une[ \t]erreur|Remoteserver[ \t]hat[ \t]einen[ \t]Fehler[ \t]"
    r"zur(?:ü|ue)ckgegeben|servidor[ \t]remoto[ \t]devolvi[óo][ \t]un[ \t]error|"
    r"server[ \t]remoto[ \t]ha[ \t]restituito[ \t]un[ \t]errore)[ \t\xa0]*:[ \t\xa0]*"
    r"\((?P<webstatus>[1-5]\d\d)\)"
    # SQL Server's "Msg 547, Level 16" (and its translations).
    r"|\b(?:Msg|Mens\.?|Message)[ \t]+(?P<msg>\d{1,6}),[ \t]*(?:Level|Niveau|Nivel|Ebene)\b"
    # VBA: "Run-time error '1004':", "Erreur d'exécution '91' :".
    r"|(?:run-?time error|erreur d'ex[ée]cution|laufzeitfehler|error en tiempo de ejecuci[óo]n|"
    r"errore di run-?time)[ \t]*'(?P<vba>-?\d{1,10})"
    rf"|{_ERROR_WORD}"
    r"(?:[ \t\xa0]*(?:n[°º]|no\.?|num[ée]ro|number|#|syst[eè]me|system))?[ \t\xa0]*:?[ \t\xa0]*"
    # Office's Click-to-Run codes carry a dash and a suffix: "30015-11", "0-1011" (a full stop
    # may end the sentence after them, not a date's or version's next part).
    # A signed single digit too: .NET's SqlException prints "Error Number:-2" (a timeout).
    r"(?P<num>-?\d{1,10}-\d{1,4}(?![\d/-]|\.\d)|-?\d{2,10}|-\d)\b"
    # A negative number of 5 digits or more is an error code wherever it stands (-2147467259).
    r"|(?<![\w.-])(?P<negative>-\d{5,10})\b"
    # A signed number alone in parentheses closes a VPN client's message ("... (-7200)").
    r"|(?<![\w(])\((?P<signed>-\d{1,10})\)"
    # HTTP: "HTTP Error 503", "HTTP/1.1 404", "502 Bad Gateway"; IIS adds a sub-status (500.19).
    r"|\bHTTP(?:/\d(?:\.\d)?)?[ \t]+(?:error[ \t]+|erreur[ \t]+)?(?P<http>[45]\d\d(?:\.\d{1,3})?)"
    r"(?![\d.])"
    rf"|\b(?P<status>[45]\d\d(?:\.\d{{1,3}})?)[ \t]*[-–:(]?[ \t]*(?={HTTP_REASONS_RE})"
    # Python on Windows: "[WinError 5] Accès refusé" (the Win32 error number).
    r"|\[WinError[ \t]+(?P<winerror>\d{1,5})\]"
    # A stop code's name after its label (a blue screen): "Code d'arrêt : MEMORY_MANAGEMENT".
    r"|(?:stop[ \t]?code|code[ \t]d['’]arr[êe]t|stoppcode|c[óo]digo[ \t]de[ \t]detenci[óo]n|"
    r"codice[ \t]di[ \t]arresto|stopcode)[ \t\xa0]*:?[ \t\xa0]*"
    r"(?P<stopname>(?-i:[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+))\b"
    # A mail server's refusal as a person pastes it: the SMTP reply code and its enhanced
    # status code (RFC 5321, RFC 3463), "550 5.1.1 User unknown", "#554 5.7.1".
    r"|(?<![\w.])#?(?P<smtp>[45]\d\d)[ \t-]+(?P<enhanced>[45]\.\d{1,3}\.\d{1,3})\b"
    # Device Manager's problem codes close its sentence: "... des problèmes. (Code 43)"; Cisco's
    # VPN client opens its own with a reason: "Reason 442: Failed to enable Virtual Adapter".
    r"|\((?:code|c[óo]digo|codice)[ \t]+(?P<devcode>\d{1,3})\)"
    r"|\breason[ \t]+(?P<reason>\d{3})[ \t]*:"
    # Entra ID's AADSTS numbers, MSBuild's MSB, Chromium's net::ERR_ names.
    # Kerberos' error names as MIT's and Heimdal's tools print them (KRB5KDC_ERR_PREAUTH_FAILED,
    # KRB5KRB_AP_ERR_SKEW) and as Windows' events name RFC 4120's codes (KDC_ERR_C_PRINCIPAL_...).
    r"|\b(?P<vendor>AADSTS\d{5,6}|MSB\d{4}|(?-i:KRB5[A-Z]*_[A-Z0-9_]{3,}|KDC_ERR_[A-Z0-9_]{3,}|"
    r"KRB_AP_ERR_[A-Z0-9_]{3,})|(?<=net::)ERR_[A-Z_]{3,}|ERR_[A-Z]+_[A-Z_]{3,})\b"
    # Windows' event log: "Event ID: 1000", "ID de l'événement : 4625", "Ereignis-ID: 1000".
    r"|\b(?:event[ \t]?id|id[ \t]de[ \t]l['’][ée]v[éeè]nement|id[ \t]d['’][ée]v[éeè]nement|"
    r"ereignis-id)[ \t\xa0]*:?[ \t\xa0]*(?P<event>\d{1,5})\b"
    # ... and in prose: "l'événement 6008 juste avant", "event ID 6008", "événement n° 1001"
    # (three digits at least, never a year: "l'événement 2026" is no ID).
    r"|\b(?:[ée]v[éeè]nements?|events?)[ \t]+(?:id[ \t]+|n[°º][ \t]*)?"
    r"(?!(?:19|20)\d\d\b)(?P<eventprose>\d{3,5})\b(?![.,:/]\d|[ \t]*%)"
    # Exchange's NDR names the failing component beside the SMTP codes, dotted, upper case
    # then camel case: "550 5.1.10 RESOLVER.ADR.RecipientNotFound", "QUEUE.Expired".
    # A server's name in capitals ("AB1P264MB0001.FRAP264.PROD.OUTLOOK.COM") is none: the
    # component's last part is camel case and the name stands alone.
    r"|(?<![\w.-])(?P<ndrname>(?-i:[A-Z]{3,}\.[A-Z]{2,}\.[A-Z](?=[A-Z]*[a-z])[A-Za-z]{3,}|"
    r"(?:QUEUE|ROUTING|STOREDRV|"
    r"SMTPSEND|RESOLVER|CAT)\.[A-Z][A-Za-z]{3,}))\b(?!\.\w)"
    # Teams' and Office sign-in codes are eight hexadecimal digits printed in lower case
    # without 0x, letters first: "caa20003", "caa70004", "caa82ee2".
    r"|(?<![\w.-])(?P<teams>(?-i:(?=[0-9a-f]{0,7}(?:\d[a-f]?){4})(?:[a-f]{2}\d[0-9a-f]{5}|[a-f]{3}\d[0-9a-f]{4})))"
    r"(?![\w.-])"
    # PowerShell's error record names its error: "+ FullyQualifiedErrorId : NativeCommandError";
    # a built-in cmdlet's generic failure ("PathNotFound,Microsoft.PowerShell.Commands...") is none.
    # An HRESULT may be its id: "+ FullyQualifiedErrorId : HRESULT 0x80070709,Add-Printer".
    r"|^[ \t]*\+?[ \t]*FullyQualifiedErrorId[ \t]*:[ \t]*(?:HRESULT[ \t](?=0x))?"
    r"(?P<psid>(?!\S+,Microsoft\.PowerShell\.Commands\.)\S+)"
    # A bare hex code after the error word ("Code d'erreur - caa70004"), two digits at least.
    rf"|{_ERROR_WORD}[ \t\xa0]*[:\-–]?[ \t\xa0]*"
    r"(?P<hexbare>(?=[0-9a-f]{0,7}[a-f])(?=(?:[a-f]{0,6}\d){2})[0-9a-f]{3,8})\b(?![.,]\d)"
    # MySQL: "ERROR 1045 (28000): ..." (the SQLSTATE in parentheses after the number).
    r"|(?<=\d)[ \t]\((?P<mysqlstate>[0-9A-Z]{5})\)(?=:)"
    # DB2: "SQLCODE=-204, SQLSTATE=42704".
    r"|\bSQLCODE[ \t]*[=:]?[ \t]*(?P<sqlcode>-?\d{1,5})\b"
    # PostgreSQL in verbose mode: "ERREUR:  42P01: la relation ... n'existe pas".
    r"|^(?:ERROR|ERREUR|FATAL|PANIC|FEHLER|ERRORE|ERRO)[ \t]*:[ \t]+"
    r"(?P<pgstate>[0-9][0-9A-Z]{4})(?=:)"
    # Symbolic names printed beside a number: Winsock's WSAE..., HRESULT names (E_..., X_E_...),
    # SAP's network interface NIE... (case as printed).
    r"|\b(?P<symname>(?-i:WSAE[A-Z]{3,20}|E_[A-Z]{3,}|[A-Z]{2,}_E_[A-Z_]{3,}|NIE[A-Z]+_[A-Z_]+))\b"
    # Printers' codes: HP's "49.4C02" (with a hexadecimal letter), Canon's "E000007-0000",
    # Ricoh's service calls "SC542".
    r"|\b(?P<printer>(?-i:\d{2}\.[0-9A-F]{0,2}[A-F][0-9A-F]{0,3}(?:\.[0-9A-F]{2})?"
    r"|E\d{3,6}-\d{4}|SC[ ]?\d{3}(?:-\d{2})?))\b"
    # SAP's message ID: its class (letters and digits, "00" too, or a /NAMESPACE/) and its
    # three-digit number, as the Performance Assistant prints them in each language: "Message
    # no. V1320", "Numéro de message M7 021", "N° message M7021", "Meldungsnr. M7021",
    # "Número de mensaje V1 320", "Numero messaggio 00 058", "Berichtnummer F5 155".
    rf"|\b(?:{_SAP_NUMBER_LABEL})[ \t\xa0]*[:.]?[ \t\xa0]*"
    r"(?P<sapmsg>(?-i:(?:[A-Z0-9][A-Z0-9_#$]{0,19}|/[A-Z0-9_]+/[A-Z0-9_]+)[ /]?\d{3}))\b"
    # ... or as two fields: "Classe de messages M7, numéro 021", "Message class: V1 Number: 320".
    rf"|\b(?:{_SAP_CLASS_NAMED}|(?P<sapid>\bid))[ \t\xa0]*:?[ \t\xa0]*"
    r"(?P<sapclass>(?-i:[A-Z0-9/_#$]{1,20}))"
    # (the two fields on one line, or on two as the GUI's technical information copies them;
    # a bare "ID" only on one line: an identifier above a number is no message class)
    r"[ \t\xa0]*[,;]?[ \t\xa0]*(?(sapid)|\n?)[ \t\xa0]*(?:message[ \t]+)?"
    r"(?:number|no\.?|num[ée]ro|n[°º]|nummer|nr\.?|n[úu]mero|numer)"
    r"(?:[ \t]+(?:de[ \t]+|du[ \t]+)?message)?[ \t\xa0]*:?[ \t\xa0]*(?P<sapnumber>\d{3})\b"
    # ... or the number first, as Fiori's message details print them: "Message Number: 021
    # Message Class: M7".
    r"|\b(?:message[ \t]+number|num[ée]ro[ \t]+(?:de[ \t]+|du[ \t]+)?message|nachrichtennummer)"
    r"[ \t\xa0]*:?[ \t\xa0]*(?P<sapnumberfirst>\d{3})[ \t\xa0]*[,;]?[ \t\xa0]*"
    rf"(?:{_SAP_CLASS_LABEL})[ \t\xa0]*:?[ \t\xa0]*(?P<sapclasslast>(?-i:[A-Z0-9/_#$]{{1,20}}))\b)",
    re.IGNORECASE | re.MULTILINE,
)
# Printers' own codes that only a printer's context tells from other numbers: Xerox's
# chain-link fault codes ("024-747", "077-900", zero prefix and all), Sharp's "E7-03", HP's and
# Lexmark's numeric panel codes ("13.20.00", "900.43"). Taken when the text names a printer and
# the line reads as a report of what it shows; never after "version" or "firmware".
_PRINTER_CODE = re.compile(
    r"(?<![\w.,/:-])(?<!version )(?<!firmware )(?<!v)"
    r"(?P<code>\d{3}-\d{3}(?:-\d{2})?|(?-i:[A-Z]\d-\d{2})|\d{2,3}\.\d{2}(?:\.\d{2})?)"
    r"(?![\w.,/:-]|[ \t]?(?:%|€|\$|mm|cm|go|gb|mo|mb|ko|kb|ppm|dpi|h\b|min\b))",
    re.IGNORECASE)
# Words that name a printer, looked for as plain substrings of the lower-cased text (a regex
# alternation of them costs milliseconds on a long mail).
_PRINTER_WORDS = (
    "imprimante", "printer", "drucker", "stampante", "impresora", "impressora", "copieur",
    "copier", "kopierer", "fotocopiadora", "multifonction", "mfp", "traceur", "plotter", "xerox",
    "ricoh", "canon", "kyocera", "konica", "lexmark", "brother", "epson", "sharp", "toshiba",
    "laserjet", "officejet", "bizhub", "imagerunner", "workcentre", "versalink", "altalink",
    "taskalfa", "ecosys", "toner", "bourrage", "paper jam", "papierstau",
)
_PRINTER_LINE = re.compile(
    r"erreur|error|fehler|errore|code|affiche|display|shows?|indique|message|panne|fault|"
    r"d[ée]faut|st[öo]rung|bloqu|[ée]cran|panel|panneau|bourrage|jam|stau",
    re.IGNORECASE)
# Application codes of letters, a dash and a number ("PAI-2041", "E-1023"): only where the line
# reads as an error report, so that an order "CMD-2041" is not taken for one.
_APP_CODE = re.compile(r"(?<![\w-])(?P<code>[A-Z]{1,6}(?:-[A-Z]{1,6}){,2}-\d{2,6})\b(?![-/.]\d)")
_APP_CODE_CONTEXT = re.compile(
    r"erreur|error|fehler|errore|code|affiche|displays?|shows?|says|dit|get|re[çc]ois|"
    r"[ée]chec|fail|invalid|invalide|impossible|refus|denied|interdit|message|indique|"
    r"signale|renvoie|retourne|obtiens|appara[îi]t|bloqu|blocked|rejet|reject|alerte|alert|"
    r"warning|avertissement|status|statut|meldung|meldet"
    # or the code opens a message of its own: "AUTH-401 : session expirée"
    r"|\b[A-Z]{1,6}-\d{2,6}[ \t\xa0]*[:–-][ \t\xa0]*\w",
    re.IGNORECASE,
)


# Codes that only the words before them tell from other numbers, found by their own selective
# first character and then read backwards (one alternative more in _CODES cost every word):
# an HTTP status in prose after an article ("puis une 502", "I get a 403 now", "the 404 page";
# the usual statuses only, never a quantity: "un 500 €", "a 404 pages report"); a short
# hexadecimal status under its label (Kerberos' "Code d'échec : 0x18", "Sub Status: 0x18",
# "Result Code: 0x6"; eight digits are HRESULTs, above); PHP's PDO driver number after its
# SQLSTATE ("SQLSTATE[HY000] [2002] Connection refused").
_LATE_CODES = re.compile(
    r"(?<![\w.,/:-])(?P<httpprose>40[0-8]|41[0-5]|429|50[0-4])\b(?![\d.,:/]\d)(?![ \t]*(?:€|\$|%|"
    r"euros?\b|dollars?\b|pages\b|personnes\b|people\b|users?\b|utilisateurs\b|fois\b|times\b|"
    r"lignes\b|lines\b|mails?\b|messages\b|jours\b|days\b|heures\b|hours\b|min|ms\b|[kmg]?[bo]\b|"
    r"km\b|kg\b|m\b|g\b|x\b|\*|s[ée]ries?\b|mod[èe]l|room\b|salle\b|bureau\b))"
    r"|\b(?P<shorthex>0x[0-9A-Fa-f]{1,7})\b"
    r"|(?<=STATE\[[0-9A-Z]{5}\])[ \t]\[(?P<pdo>\d{1,5})\](?=[ \t]+\S)",
    re.IGNORECASE)
_HTTP_ARTICLE = re.compile(r"\b(?:une?|an?|the)[ \t]+(?:(?:erreur|error|page|code|statut|status)"
                           r"[ \t]+)?\Z", re.IGNORECASE)
_HEX_LABEL = re.compile(
    r"\b(?:failure[ \t]code|code[ \t]d['’][ée]chec|result[ \t]code|code[ \t]de[ \t]r[ée]sultat|"
    r"(?:sub[ \t]?)?status|(?:sous-)?statut|error[ \t]code|code[ \t]d['’]erreur|fehlercode)"
    r"[ \t\xa0]*:?[ \t\xa0]*\Z", re.IGNORECASE)


def _late_codes(text: str, printer: bool) -> Iterator[tuple[tuple[int, int], str]]:
    """The codes of _LATE_CODES whose words before them say they are codes, then vendors'."""
    for match in _first(_LATE_CODES.finditer(text)):
        head = text[max(0, match.start() - 40):match.start()]
        if match["pdo"] or (match["httpprose"] and _HTTP_ARTICLE.search(head)) or (
                match["shorthex"] and _HEX_LABEL.search(head)):
            yield match.span(), match["pdo"] or match["httpprose"] or match["shorthex"]
    yield from vendor_codes(text, printer=printer)


_MAX_CODES = 20  # codes of one error; more is a log, not a paste
_SIGNED = re.compile(r"-?\d+")
# A hexadecimal value under these field names is a timestamp, an offset or an id, not a code
# (Windows' Application Error event: "horodatage : 0x65a1...", "Fault offset: 0x0002...").
_NOT_A_CODE_FIELD = re.compile(
    r"(?:time ?stamp|horodatage|zeitstempel|offset|d[ée]calage|process(?:us)? id|"
    r"id du processus|prozess-id|thread id|logon id|id d['’]ouverture de session|"
    r"adresse|address|"
    # Kerberos' events print the ticket's option flags in hexadecimal beside the failure code.
    r"ticket[ \t]options|options[ \t]d[eu][ \t]ticket|type[ \t]de[ \t]ticket|ticket[ \t]type|"
    r"ticket-optionen|encryption[ \t]type|type[ \t]de[ \t]chiffrement|flags|indicateurs)"
    r"[^:\n]{0,30}:?[ \t\xa0]*$",
    re.IGNORECASE)
# A constant's name of three upper-case words or more ("TSV_TNEW_PAGE_ALLOC_FAILED"), on a line
# that reports an error: SAP's runtime errors, VPN clients' and drivers' error constants.
_CONSTANT = re.compile(r"(?<![\w:])(?P<const>[A-Z][A-Z0-9]{1,}(?:_[A-Z0-9]{2,}){2,})\b")
_CONSTANT_CONTEXT = re.compile(
    r"erreur|error|fehler|fail|[ée]chec|exception|dump|abort|runtime|laufzeit|status|code",
    re.IGNORECASE)


# pyodbc prints the driver's message, then "\r\n (10061) (SQLDriverConnect)" on a line of its own.
_NATIVE_UNDER = re.compile(r"\n[ \t]+\(#?\d{2,6}\)[^\n]*")


def printer_named(text: str) -> bool:
    """Whether a text names a printer (its panel codes are then read as codes)."""
    lower = text.lower()
    return any(word in lower for word in _PRINTER_WORDS)


def code_lines(text: str, limit: int) -> list[tuple[int, int]]:
    """(start, end) of the first `limit` lines that carry a code, in order. Each search starts
    after the last line found, so a long paste costs one pass over it."""
    spans: set[tuple[int, int]] = set()
    printer = (_PRINTER_CODE,) if printer_named(text) else ()
    for pattern in (_CODES, _APP_CODE, *((_CONSTANT,) if "_" in text else ()), *printer):
        pos = 0
        while len(spans) < 2 * limit and (match := pattern.search(text, pos) if pattern
                                          is not _CODES else search_hot(_CODES, text, pos)):
            start = text.rfind("\n", pos, match.start()) + 1 or pos
            end = text.find("\n", match.end())
            end = len(text) if end < 0 else end
            if pattern is _CODES and (more := _NATIVE_UNDER.match(text, end)):
                end = more.end()  # pyodbc's native number on the line under the message
            context = {_CONSTANT: _CONSTANT_CONTEXT, _PRINTER_CODE: _PRINTER_LINE}.get(
                pattern, _APP_CODE_CONTEXT)
            if pattern is _CODES or context.search(text, start, end):
                spans.add((start, end))
            pos = end + 1
    for span, _code in _late_codes(text, bool(printer)):
        if len(spans) >= 2 * limit:
            break
        spans.add(line_of(text, *span))
    return sorted(spans)[:limit]


# A decimal code followed by its 32-bit hexadecimal form in parentheses, as VBA and COM print
# them ("Erreur d'exécution '-2147417848 (80010108)'"): both are codes, when they are one value.
_HEX_FORM = re.compile(r"[ \t]*\(((?:0x)?([0-9A-Fa-f]{8}))\)")
# A name after these words is a computer's ("poste COMPTA-03", "serveur SRV-12"), not a code.
_MACHINE_NAME = re.compile(
    r"\b(?:poste|pc|machine|ordinateur|serveur|server|host|h[ôo]te|computer|workstation|"
    r"rechner|computador|computadora)[ \t\xa0]*:?[ \t\xa0]*\Z", re.IGNORECASE)


def _hex_form(text: str, end: int, code: str) -> list[str]:
    """The hexadecimal form printed right after a decimal code, when it is the same value."""
    form = _HEX_FORM.match(text, end)
    if form and _SIGNED.fullmatch(code) and int(form[2], 16) == int(code) & 0xFFFFFFFF:
        return [form[1]]
    return []


def _first(matches: Iterator[re.Match[str]]) -> Iterator[re.Match[str]]:
    """The first matches of one line: a line of thousands of codes is a log, read for its head."""
    return itertools.islice(matches, 10 * _MAX_CODES)


def find_codes(text: str, *, printer: bool | None = None) -> list[str]:
    """Error codes in text, in order, once each (receipt and invoice numbers are not codes).
    `printer`: whether the message names a printer (when `text` is one of its lines)."""
    codes: list[str] = []
    for match in itertools.islice(finditer_hot(_CODES, text), 10 * _MAX_CODES):
        code = next(value for value in match.groupdict().values() if value)
        if match["hex"] and _NOT_A_CODE_FIELD.search(
                text, max(0, text.rfind("\n", 0, match.start()) + 1), match.start()):
            continue
        if match["printer"]:
            code = code.replace(" ", "")
        if match["sapmsg"]:
            code = code.replace(" ", "").replace("/", "") if code[0] != "/" else code
        elif match["sapclass"]:
            code = match["sapclass"] + match["sapnumber"]
        elif match["sapnumberfirst"]:
            code = match["sapclasslast"] + match["sapnumberfirst"]
        if match["smtp"]:  # the reply code, then its enhanced status code
            codes.extend(c for c in (match["smtp"], match["enhanced"]) if c not in codes)
            continue
        number, comma, name = code.partition(",")
        if match["psid"] and comma and _SIGNED.fullmatch(number):
            # "-2146233087,Cmdlet": an HRESULT in decimal, then the error's own name
            codes.extend(c for c in (number, name) if c and c not in codes)
            continue
        if match["psid"] and match[0].rstrip().endswith(f"HRESULT {code}"):
            code = number  # "HRESULT 0x80070709,Add-Printer": the HRESULT, then the cmdlet
        if code not in codes:
            codes.append(code)
            codes.extend(c for c in _hex_form(text, match.end(), code) if c not in codes)
            if len(codes) >= _MAX_CODES:
                return codes
    printer = printer_named(text) if printer is None else printer
    codes.extend(code for _span, code in _late_codes(text, printer) if code not in codes)
    for line in text.splitlines() if "_" in text and _CONSTANT.search(text) else ():
        if _CONSTANT_CONTEXT.search(line):
            codes.extend(m["const"] for m in _first(_CONSTANT.finditer(line))
                         if m["const"] not in codes and not m["const"].startswith(NOT_CONST))
    if printer and _PRINTER_CODE.search(text):
        for line in text.splitlines():
            if _PRINTER_LINE.search(line):
                codes.extend(m["code"] for m in _first(_PRINTER_CODE.finditer(line))
                             if m["code"] not in codes)
    for line in text.splitlines() if _APP_CODE.search(text) else ():
        if _APP_CODE_CONTEXT.search(line):
            codes.extend(m["code"] for m in _first(_APP_CODE.finditer(line))
                         if m["code"] not in codes and not _MACHINE_NAME.search(line, 0, m.start())
                         and not m["code"].upper().startswith(("ORA-", "TNS-", "PLS-")))
        if len(codes) >= _MAX_CODES:
            break
    return codes[:_MAX_CODES]
