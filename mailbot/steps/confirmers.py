"""Who may confirm that a ticket's problem is fixed (day 10 defect 6): the requester, someone
the requester's mail copied (a participant of the ticket: "c'est bon ça marche" from the
colleague in Cc), or the requester's known assistant ("Oui c'est bon, Madame Fournier reçoit
de nouveau ses mails", from the assistant who writes for Mme Fournier). Never a stranger: their
"c'est bon" is news for the team, not a confirmation.

An assistant is known when their mail names the requester with a title ("Madame Fournier",
"Mme Fournier", "M. Bernard") and either a ticket they opened earlier named the requester the
same way ("Pour Mme Fournier - projecteur", the VIP rules' `vip_for`) or their mail says what
they are ("Assistante de direction", "secrétaire", "de la part de").
"""

from __future__ import annotations

import re

from mailbot.decision import View
from mailbot.model import Ticket
from mailbot.rules.text import fold
from mailbot.steps.matter import MATTERS

# A person named with a title, folded: "madame fournier", "mme fournier", "m. bernard".
_TITLED = re.compile(r"(?<!\w)(?:m\.|mme\.?|mlle\.?|monsieur|madame|mademoiselle|mr\.?|mrs\.?|"
                     r"ms\.?|dr\.?)\s+([a-z][\w'-]+)(?:\s+([a-z][\w'-]+))?")
_ASSISTANT = re.compile(r"(?<!\w)(?:assistant\w*|secretaire\w*|secretariat|de la part d|"
                        r"pour le compte d|on behalf of|personal assistant|\bpa to)")
# How many of the sender's own tickets are looked at for the person they write for.
_LAST = 5

ROLES = {
    "assistant": {"fr": "qui écrit pour le demandeur", "en": "who writes for the requester"},
    "participant": {"fr": "en copie du ticket", "en": "copied on the ticket"},
}


def surname(address: str) -> str:
    """"isabelle.fournier@exemple.fr" -> "fournier"; "" when the address has no parts."""
    parts = [p for p in re.split(r"[._]+", fold(address).split("@")[0]) if p]
    return parts[-1] if len(parts) > 1 else ""


def names(text: str, person: str) -> bool:
    """`text` names `person` (a folded surname) with a title."""
    return bool(person) and any(person in m.groups() for m in _TITLED.finditer(fold(text)))


def role(view: View, ticket: Ticket, sender: str, text: str) -> str | None:
    """"requester", "participant", "assistant", or None for anyone else. `ticket` as it was
    before this mail (its participants without this mail's)."""
    sender = sender.lower()
    if sender in (ticket.requester, ticket.reply_to):
        return "requester"
    if sender in ticket.participants:
        return "participant"
    person = surname(ticket.requester)
    if not names(text, person):
        return None
    if _ASSISTANT.search(fold(text)):
        return "assistant"
    numbers = {e["ticket"] for e in view.recent(MATTERS, sender)
               if isinstance(e.get("ticket"), int)}
    for number in sorted(numbers, reverse=True)[:_LAST]:
        own = view.ticket(number)
        if own is not None and own.requester == sender and (
                names(own.vip_for, person) or names(own.subject, person)):
            return "assistant"
    return None
