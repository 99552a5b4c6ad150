"""A technician closes a ticket as a duplicate of another ("#close doublon du #3", "#Close:
duplicate of #3"): when #3 is an open ticket of the same requester, the duplicate is merged
into it, not resolved (day 7 §5: Karim was sent "Incident résolu" for a VPN still down, and the
ladder's people a "Résolu"). Its requester is told their message was added to #3; nobody is
told of a resolution; #3 keeps the mails and goes on."""

from __future__ import annotations

import re
from dataclasses import replace

from mailbot import mails
from mailbot.model import OutgoingMail, Ticket
from mailbot.rules.text import fold
from mailbot.steps.common import Context, is_reachable, with_mails

_DUPLICATE = re.compile(
    r"(?<!\w)(?:doublon|duplicate|dupliqu\w*|idem|meme (?:demande|probleme|chose) que)\s*"
    r"(?:du|de|d'|of|avec|with|que)?\s*(?:la |le |l')?(?:(?:demande|ticket|ticket n°?)\s*)?"
    r"#?\s*(\d{1,9})(?!\d)")


def duplicate_of(close_text: str | None) -> int | None:
    """The ticket number a #close text names as the original ("doublon du #3"), or None."""
    if not close_text:
        return None
    found = _DUPLICATE.search(fold(close_text))
    return int(found.group(1)) if found else None


def merge_target(c: Context, ticket: Ticket, close_text: str | None) -> Ticket | None:
    """The open ticket of the same requester that this closure names as the original."""
    number = duplicate_of(close_text)
    if number is None or number == ticket.number:
        return None
    into = c.view.ticket(number)
    if (into is None or into.status == "closed" or into.children or ticket.children
            or into.requester != ticket.requester):
        return None
    return into


def merge(c: Context, ticket: Ticket, into: Ticket) -> tuple[Ticket, list[OutgoingMail]]:
    """`into` with the duplicate's mails in its history (each noted as coming from the
    duplicate), its participants, and the requester's notice in its thread."""
    copied = [replace(m, note=f"from ticket #{ticket.number}, closed as its duplicate")
              for m in ticket.messages if m.direction == "in" and m.kind == "request"]
    into.messages = [*into.messages, *copied]
    into.participants = list(dict.fromkeys([*into.participants, *ticket.participants]))
    into.updated_at = c.now.isoformat()
    into.why = [*into.why, f"ticket #{ticket.number} merged into it by {c.author.address}"]
    ticket.why = [*ticket.why, f"closed as a duplicate of #{into.number}: merged into it"]
    out: list[OutgoingMail] = []
    if is_reachable(mails.requester_address(ticket)):
        out.append(mails.merged(ticket, into, config=c.config, now=c.now))
    return with_mails(into, out, c.now), out
