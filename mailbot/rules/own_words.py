"""The employee's own words, the text the keyword rules read.

A pasted dialog, an error line or a message quoted from the screen is the program speaking
("le serveur n'a pas répondu", "Error: server unreachable"): evidence for the application
rules, not for the keyword ones, so it is taken out. Two quotations are not the program's and
stay:

    Leur technicien nous demande qu'on "ouvre le port 5938 en sortie"   a person's request
    le dossier qui s'appelle "Juridique (J:)"                         the name of a drive

Pure functions of strings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailbot.parsers.errors import ErrorText

_DIALOG = re.compile(r"^-{10,}[ \t]*\n.*?^-{10,}[ \t]*$(?:\n.*\n-{10,}[ \t]*$)*",
                     re.MULTILINE | re.DOTALL)
_QUOTED = re.compile(r"«[^»\n]{8,200}»|“[^”\n]{8,200}”|\"[^\"\n]{8,200}\"|"
                     r"^\s*(?:erreur|error|message|exception|code)\s*(?:n°\s*\d+\s*)?:.*$",
                     re.MULTILINE | re.IGNORECASE)
# Just before a quotation: someone asks for what it says ("il nous demande qu'on « ... »",
# "they asked us to \"...\"").
_ASKED = re.compile(r"(?:demand\w*|souhait\w*|veu\w*|voudrai\w*|exig\w*|ask\w*|want\w*|"
                    r"request\w*|need\w*)(?:\s+(?:de|d'|qu'on|que|qu'|nous|us|to|that|we|you|"
                    r"vous|on))*\s*[:,]?\s*$", re.IGNORECASE)
# Inside a quotation: the name of a drive or a path, as the explorer shows it ("(J:)", "\\srv").
_NAMED_PLACE = re.compile(r"\([A-Za-z]:\)|^[A-Za-z]:\\|\\\\\w")


def _kept(match: re.Match[str]) -> bool:
    quoted = match.group(0)
    if quoted[:1] not in "«“\"":
        return False  # an "Erreur : ..." line is always the program's
    before = match.string[max(0, match.start() - 40):match.start()]
    return bool(_ASKED.search(before) or _NAMED_PLACE.search(quoted[1:-1].strip()))


def without_pasted_errors(text: str, messages: Sequence[str | None]) -> str:
    """The employee's own words: the program's dialogs, error lines and quoted messages out,
    a quoted request or a drive's name kept (their quotation marks dropped)."""
    text = _QUOTED.sub(lambda m: f" {m.group(0)[1:-1]} " if _kept(m) else " ",
                       _DIALOG.sub("\n", text))
    for message in messages:
        if message and len(message) > 12:
            text = text.replace(message, " ")
    return text


# An asset tag ("PC ACH-12", "LAB-07") read as an error code in a sentence that asks.
_ASSET_TAG = re.compile(r"[A-Z]{2,5}-\d{1,4}")


def pasted_errors(errors: Sequence[ErrorText]) -> list[ErrorText]:
    """The errors the requester pasted. A question naming a machine by its tag ("pourriez-vous
    installer 7-Zip sur mon PC (ACH-12) ?") is their own words, not an error: it stays in the
    text the keyword rules read."""
    return [e for e in errors
            if not (e.kind == "other" and e.title is None and e.application is None
                    and "?" in e.message and e.codes
                    and all(_ASSET_TAG.fullmatch(c) for c in e.codes))]
