"""A person who writes to us again after our mail to them bounced (day 5: John's mailbox was
full, the acknowledgement of his ticket bounced in the evening; he emptied it and wrote a new
mail the next morning, "Outlook still crashing + mailbox full?", while the team's notice of the
bounce, held overnight, still told them at 09:05 that his address could not be reached, and
nothing linked his new mail to the ticket he never heard about).

The smallest correct behaviour, and what the best helpdesks do:
- the bounce notice still held for quiet hours (or not sent yet) is dropped: it would tell the
  team an address is unreachable that has just written to us;
- the notice of the person's new mail says instead what bounced on which ticket and when, and
  that the address works again;
- when that mail is a new one (no reply headers), within LINK_WINDOW of the bounce, and its
  subject shares a word with the ticket's, the notice and the new ticket's `why` say it is
  most likely the same matter. Tickets are not merged: a technician decides (the person did not
  get our mails of the first ticket, so its number means nothing to them)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from mailbot import loopguard
from mailbot.config import Config
from mailbot.decision import View
from mailbot.parsers import ParsedMessage
from mailbot.tags import format_tag

# A new mail this soon after the bounce, on a subject that shares a word with the ticket's, is
# named as most likely the same matter.
LINK_WINDOW = timedelta(days=3)
# Words of a subject that say nothing of its matter.
_EMPTY_WORDS = """urgent help aide merci thanks please pour avec dans sans plus still encore
    again toujours problème probleme problem issue question demande request bonjour hello"""
_EMPTY = frozenset(_EMPTY_WORDS.split())
_WORD = re.compile(r"[^\W\d_]{4,}")


def bounced_before(msg: ParsedMessage, view: View, config: Config, now: datetime,
                   *, replying: bool) -> dict[str, object] | None:
    """What a person's mail that lifts a bounce block is to be told with: the ticket whose
    mail bounced, what bounced, when, the held notice to drop, and whether this mail is most
    likely the same matter. None when the mail lifts no block."""
    if loopguard.lift_event(msg, view, config, now) is None:
        return None
    event = loopguard.lifted_bounce(view.recent(loopguard.BOUNCED, msg.sender.strip().lower()))
    number = event.get("ticket") if event else None
    ticket = view.ticket(number) if isinstance(number, int) else None
    if event is None or ticket is None:
        return None
    at = str(event.get("at", ""))
    try:
        recent = now - datetime.fromisoformat(at) <= LINK_WINDOW
    except ValueError:
        recent = False
    shared = _words(ticket.subject) & _words(msg.subject or "")
    return {"number": ticket.number, "tag": format_tag(ticket.number, config.mail.tag_prefix),
            "subject": ticket.subject, "what": str(event.get("what", "")), "at": at,
            "notice": str(event.get("notice", "")),
            "follows": not replying and recent and bool(shared) and ticket.status != "closed"}


def _words(subject: str) -> set[str]:
    return {w for w in _WORD.findall(subject.lower()) if w not in _EMPTY}
