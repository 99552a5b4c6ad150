"""An automatic answer that says so, sent without any header that would: ISP webmails' answering
machines (Orange, Free, SFR, La Poste), which answer under the mail's own "Re: <subject>", with
no Auto-Submitted (RFC 3834) and no out-of-office prefix, and say in the body "Ceci est un
message automatique".

The statement alone is a weak sign: a person may quote it ("je reçois « Ceci est un message
automatique » à chaque envoi") or write about their own automatic answer. It counts when the
mail is short, asks nothing, does not quote the statement, and shows a second weak sign: a
subject that only answers ("Re: ..."), or one of the signs that back an out-of-office subject
(auto_replies._second_sign: a null return path, an answer to one of our mails, our tag...).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mailbot.parsers.body import clean_body
from mailbot.parsers.machine.facts import Facts
from mailbot.parsers.subject import is_forward_subject, peel_prefixes
from mailbot.parsers.wording import about_own_oof

# The machine speaking of itself, in the forms answering machines use.
_SELF_STATEMENT = re.compile(
    r"\b(?:ceci|ce message|ce courriel|ce mail|cet e-?mail|il) (?:est|s['’]agit d['’]) "
    r"(?:une? )?(?:message|r[ée]ponse|courriel|mail|e-?mail|accus[ée] de r[ée]ception)s? "
    r"(?:automatique|g[ée]n[ée]r[ée] automatiquement|envoy[ée] automatiquement)"
    r"|\b(?:ce|cet) (?:message|courriel|mail|e-?mail) (?:a [ée]t[ée]|est) "
    r"(?:g[ée]n[ée]r[ée]|envoy[ée]|[ée]mis) automatiquement"
    r"|^[ \t]*(?:message|r[ée]ponse) automatique[ \t]*[:.!-]"
    r"|\bthis (?:is an? )?(?:automatic(?:ally generated)?|automated|auto-generated) "
    r"(?:reply|response|message|e-?mail)"
    r"|\bthis (?:message|e-?mail) (?:was|has been|is) (?:automatically generated|"
    r"generated automatically|sent automatically)"
    r"|\bdies ist eine automatisch(?:e|generierte) (?:antwort|nachricht|e-?mail)"
    r"|\b(?:este|esta) es una? (?:respuesta|mensaje|correo) autom[áa]tic[oa]"
    r"|\bquesto [èe] un messaggio automatico|\bquesta [èe] una risposta automatica"
    r"|\bdit is een automatisch (?:gegenereerd )?(?:antwoord|bericht)",
    re.IGNORECASE | re.MULTILINE)
# Marks of a quotation just before the statement on its line: a person citing it.
_QUOTED = re.compile(r"[«\"“„‹']|:\s*$|\b(?:dit|says|indique|affiche|re[çc]ois|re[çc]u)\b",
                     re.IGNORECASE)
_MAX_CHARS = 1200  # an answering machine says a few lines


def self_stated(f: Facts, second_sign: Callable[[Facts], str | None]) -> str | None:
    """The reason when `f` is an automatic answer by its own statement and a weak sign."""
    head = f.body[:4 * _MAX_CHARS]
    if "utomat" not in head.lower() or not _SELF_STATEMENT.search(head):
        return None  # the common case, without cleaning the body
    text = clean_body(f.body).text.strip()
    if not text or len(text) > _MAX_CHARS or "?" in text:
        return None
    found = _SELF_STATEMENT.search(text)
    if not found or about_own_oof(text):
        return None
    # its line and the one above: "Voici ce que je reçois :\nCeci est un message automatique"
    above = text.rfind("\n", 0, max(0, text.rfind("\n", 0, found.start()))) + 1
    if _QUOTED.search(text, above, found.start()):
        return None
    answers = bool(peel_prefixes(f.subject)[1]) and not is_forward_subject(f.subject)
    second = "a subject that only answers" if answers else second_sign(f)
    if second == "out-of-office wording: automatic":
        return None  # the statement itself, counted twice: no second sign
    return f"automatic-message statement: {found[0]!r} and {second}" if second else None
