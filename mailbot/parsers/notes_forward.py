"""Lotus Notes' / HCL Notes' forwards: "----- Transféré par <name> le <date> -----".

Notes prints its memo's header below that separator, either labelled ("De : / A : / Date :
/ Objet :", "From: / To: / Date: / Subject:", "Von: / An: / Datum: / Betreff:") or, in the
classic layout, as the sender's name on its own line, the date under it, then "A :", "cc :"
and "Objet :". The names are Notes hierarchical names ("Marie Martin/RH/Groupe",
"CN=Mary Smith/OU=Sales/O=Groupe", "...@NotesDomain"), not Internet addresses. The original
author is that name; an address is taken only when the memo prints one or when it belongs to
that very name (its local part spells it: marie.martin@, mmartin@, martin.marie@...), found in
the forwarded text, typically its signature. Any other address in it (a colleague's, a
service's) says nothing of who wrote: the sender is then unknown, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from email.utils import parseaddr

from mailbot.parsers.layouts import FORWARD_SEPARATOR, HEADER_LABELS, header_field

_NOTES_SEPARATOR = re.compile(
    r"^[ \t\xa0>]*-{2,}[ \t\xa0]*(?:transf[ée]r[ée]\s+par|forwarded\s+by|weitergeleitet\s+von|"
    r"reenviado\s+por|inoltrato\s+da|doorgestuurd\s+door)\s", re.IGNORECASE)
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_DATE_LINE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{2,4}(?:\s+\d{1,2}[:h.]\d{2}.*)?$")
_SUBJECT_LABELS = frozenset(HEADER_LABELS["subject"])
# The classic memo prints its recipients' labels alone on a line ("A", "cc"), the value under it
_RECIPIENT_LABELS = frozenset(HEADER_LABELS["to"]) | frozenset(HEADER_LABELS["cc"])
_MEMO_LINES = 16  # the memo's header is a handful of lines under the separator
_BODY_LINES = 120  # the forwarded text searched for its author's address


def is_notes_separator(line: str) -> bool:
    return bool(_NOTES_SEPARATOR.match(line))


def common_name(value: str) -> str:
    """A Notes hierarchical name's common name: "CN=Mary Smith/OU=Sales/O=Groupe@Groupe" and
    "Mary Smith/Sales/Groupe" are "Mary Smith"."""
    value = value.strip().strip("\"'«» ")
    if "@" in value and not _ADDRESS.search(value):
        value = value.split("@", 1)[0]  # "@NotesDomain": no Internet address
    first = value.split("/", 1)[0].strip()
    return re.sub(r"^cn\s*=\s*", "", first, flags=re.IGNORECASE).strip().strip("\"'")


def _letters(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in plain if "a" <= c <= "z" or c in " .-_'")


def owned_address(name: str, text: str) -> str:
    """The first address in `text` whose local part spells `name` ("Marie Martin":
    marie.martin, m.martin, mmartin, martin.marie, martinm, marie-martin2...), or ""."""
    words = [w for w in re.split(r"[\s.'_-]+", _letters(name)) if w]
    if len(words) < 2:
        return ""
    first, last = words[0], words[-1]
    joined = "".join(words)
    spellings = {joined, "".join(reversed(words)), first + last, last + first,
                 first[0] + last, last + first[0], first[0] + joined[len(first):]}
    for found in _ADDRESS.finditer(text):
        local = re.sub(r"\d+$", "", re.sub(r"[^a-z0-9]", "", _letters(found.group(0).split(
            "@")[0])))
        if local in spellings:
            return found.group(0).lower()
    return ""


def _forwarded_text(lines: list[str], start: int) -> str:
    """The forwarded message's own lines: up to the next separator (a further forward)."""
    kept = []
    for line in lines[start:start + _BODY_LINES]:
        if FORWARD_SEPARATOR.match(line):
            break
        kept.append(line)
    return "\n".join(kept)


def read_memo(lines: list[str], i: int) -> tuple[dict[str, str], int]:
    """The memo's header under a Notes separator at i-1: {"from", "date", "subject", ...} and
    the first line after it (0 when no memo is there)."""
    found: dict[str, str] = {}
    k, end = i, 0
    while k < min(i + _MEMO_LINES, len(lines)):
        stripped = lines[k].strip(" \t\xa0")
        field = header_field(stripped) if stripped else None
        if field:
            key, value = field
            found.setdefault(key, value)  # Notes' "Envoyé par :" after "De :" is a delegate
            end = k + 1
        elif not stripped:
            if "subject" in found:
                break
        elif stripped.lower().rstrip(":：") in _SUBJECT_LABELS and k + 1 < len(lines):
            found.setdefault("subject", lines[k + 1].strip())
            end = k = k + 2
            break
        elif stripped.lower().rstrip(":：") in _RECIPIENT_LABELS and found:
            end = k + 1  # a recipient's label alone: its value, if any, is the next line
            if k + 1 < len(lines) and _ADDRESS.search(lines[k + 1]):
                end = k = k + 1
        elif _DATE_LINE.match(stripped) and "date" not in found and found:
            found["date"] = stripped
            end = k + 1
        elif not found:  # the classic memo: the sender's name on its own line
            found["from"] = stripped
            end = k + 1
        else:
            break
        k += 1
    # a name line alone is the forwarded text's first line, not a memo
    return (found, end) if "from" in found and len(found) >= 2 else ({}, 0)


def memo_sender(value: str, lines: list[str], body_start: int) -> tuple[str, str]:
    """(address, name) of the memo's author: the address it prints, else the one of the
    forwarded text that belongs to the name, else ""."""
    printed = _ADDRESS.search(value)
    if printed:
        name, address = parseaddr(value)
        address = address if "@" in address else printed.group(0)
        return address.lower(), (name or common_name(value.split("<")[0])).strip("\"' ")
    name = common_name(value)
    return owned_address(name, _forwarded_text(lines, body_start)), name
