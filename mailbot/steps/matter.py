"""What matter a requester's mail is about when its headers say nothing useful (day 6):

- three mails in five minutes about one scanner ("scanner", "scanner (suite)", "RE: scanner",
  no In-Reply-To) are one ticket, and so is "VPN impossible (suite)" an hour or a week after
  "VPN impossible" (day 7): a new mail from the same requester whose subject is the subject of
  an open ticket of theirs is added to it whatever the time since; within `[tickets]
  merge_minutes` of opening it, a subject that only adds words to it ("scanner" then "scanner
  du 2e") joins too (the team is told, the requester is not acknowledged again);
- a reply weeks later to an old closed ticket that asks for something else ("autre chose :
  pourriez-vous m'installer un deuxième écran ?" under "Re: [#4] mot de passe") is a new matter:
  classified and named from its own words, never from the old subject.
"""

from __future__ import annotations

import re
from datetime import datetime

from mailbot.decision import View
from mailbot.model import Ticket
from mailbot.rules.text import fold

# Reply and forward prefixes in the languages mail clients write them, a tag, and the words
# people add to say "the same again".
_PREFIX = re.compile(r"^\s*(?:(?:re|tr|fw|fwd|aw|rv|sv|wg|ref)\s*(?:\[\d+\])?\s*:\s*|"
                     r"\[[^\]]{0,20}\]\s*)+")
_AGAIN = re.compile(r"\(?(?<!\w)(?:suite|bis|relance|rappel|encore|toujours|complement|"
                    r"precision|follow[- ]?up|again|update)(?!\w)\)?")
# The urgency tag people put on one mail and not the next ("URGENT fond d'écran" then "fond
# d'écran (suite)", or the other way round; "[URGENT]", "URGENT -", "urgent :", "TRÈS URGENT"):
# not part of the matter (day 9: it opened a second ticket).
_URGENT = re.compile(r"[\[(]?(?<!\w)(?:(?:tres|super|hyper|extremement|very)\s+)?"
                     r"(?:urgent|urgente|urgentissime|urgence)(?!\w)[\])]?\s*[-:!]*")
# Subjects that say nothing of the matter: two mails under them may be about anything.
_GENERIC = frozenset({"", "probleme", "problemes", "demande", "question", "urgent", "aide",
                      "help", "info", "information", "bonjour", "hello", "support", "sans objet",
                      "(sans objet)", "no subject", "issue", "incident", "ticket", "pb"})


# How many of a requester's latest tickets a new mail is compared with: repeats come in a row.
_LAST = 5


def subject_stem(subject: str) -> str:
    """"RE: Scanner (suite)" -> "scanner"; "TR: VPN IMPOSSIBLE - relance" -> "vpn impossible".
    Numbers stay ("Alerte 2" is not "Alerte 3"); `stems` reads "VPN impossible 2" as a second
    mail of "VPN impossible"."""
    text = _PREFIX.sub("", fold(subject or ""))
    text = _URGENT.sub(" ", _AGAIN.sub(" ", text))
    return " ".join(re.sub(r"[^\w']+", " ", text).split())


def stems(stem: str) -> list[str]:
    """The subjects a new mail's stem may be the next mail of: itself, and without a trailing
    "2" ("vpn impossible 2" -> "vpn impossible", the second mail of a matter)."""
    base = stem[:-2] if stem.endswith(" 2") else ""
    return [stem, base] if base and not is_generic(base) else [stem]


# The store's table of each requester's subjects ("matters", keyed by address): a new mail
# on the subject of an open ticket of theirs joins it however long ago it was opened.
MATTERS = "matters"


def matter_event(ticket: Ticket, stem: str, at: str) -> tuple[str, str, dict[str, object]]:
    return (MATTERS, ticket.requester, {"at": at, "ticket": ticket.number, "stem": stem})


def open_ticket_on(view: View, requester: str, stem: str) -> Ticket | None:
    """The requester's open ticket whose subject is `stem` (or `stem` is its second mail: see
    `stems`), whenever it was opened."""
    wanted = stems(stem)
    numbers = [e["ticket"] for e in view.recent(MATTERS, requester)
               if e.get("stem") in wanted and isinstance(e.get("ticket"), int)]
    for number in sorted(set(numbers), reverse=True)[:_LAST]:
        ticket = view.ticket(number)
        if _is_theirs(ticket, requester) and subject_stem(ticket.subject) in wanted:  # type: ignore[union-attr]
            return ticket
    return None


def _is_theirs(ticket: Ticket | None, requester: str) -> bool:
    return (ticket is not None and ticket.status != "closed" and ticket.requester == requester
            and ticket.channel == "email")


def _similar(old: str, new: str) -> bool:
    """The same subject, or one that adds words to the other ("scanner", "scanner du 2e")."""
    return old == new or new.startswith(f"{old} ") or old.startswith(f"{new} ")


def is_generic(stem: str) -> bool:
    return stem in _GENERIC


def recent_ticket(view: View, requester: str, stem: str, since: datetime) -> Ticket | None:
    """The requester's open ticket on the subject `stem` (or one it adds words to, or that adds
    words to it), opened by mail since `since`: one of
    their last few, so that a backlog of one sender's hundred mails is not a hundred ticket reads
    per mail."""
    numbers = [e["ticket"] for e in view.recent("opened", requester)
               if isinstance(e.get("ticket"), int) and datetime.fromisoformat(e["at"]) >= since]
    for number in sorted(set(numbers), reverse=True)[:_LAST]:
        ticket = view.ticket(number)
        if _is_theirs(ticket, requester) and _similar(subject_stem(ticket.subject), stem):  # type: ignore[union-attr]
            return ticket
    return None


# --- a new matter under an old subject -------------------------------------------------------

_NEW = re.compile(r"(?<!\w)(?:autre chose|autre demande|nouvelle demande|autre question|"
                  r"rien a voir|sans rapport|par ailleurs|une autre|something else|another "
                  r"(?:thing|request|question)|unrelated|on another note)(?!\w)")
_STOP = frozenset((
    "avec", "dans", "pour", "plus", "mais", "sans", "sous", "chez", "votre", "notre", "vous",
    "nous", "leur", "elle", "demande", "cloturee", "ticket", "probleme", "with", "from", "your",
    "this", "that", "have"))
_GREETING = re.compile(r"^\s*(?:bonjour|bonsoir|salut|hello|hi|dear|madame|monsieur)\b[^\n]*"
                       r"\n", re.IGNORECASE)
_LEAD = re.compile(r"^\s*(?:autre chose|autre demande|nouvelle demande|autre question|"
                   r"par ailleurs|sinon|also|something else|another (?:thing|request))"
                   r"\s*[:,.-]*\s*", re.IGNORECASE)


# "Elle refait le même bruit": the old matter again, even when its name is not repeated.
_AGAIN_SAID = re.compile(r"(?<!\w)(?:refai\w*|recommence\w*|revien\w*|reprend\w*|persiste\w*|"
                         r"continue\w*|meme|encore|toujours|de nouveau|a nouveau|pareil|idem|"
                         r"rebelote|again|still|same)(?!\w)")


def is_new_matter(old_subject: str, text: str) -> bool:
    """The mail says it is about something else, or names nothing of the old subject and does
    not say it is back."""
    folded = fold(text)
    if _NEW.search(folded):
        return True
    words = [w for w in re.findall(r"\w{4,}", subject_stem(old_subject)) if w not in _STOP]
    return bool(words) and not _AGAIN_SAID.search(folded) and not any(
        re.search(rf"(?<!\w){re.escape(w[:5])}", folded) for w in words)


def subject_of(text: str, limit: int = 60) -> str:
    """A new matter's name from its first sentence ("Pourriez-vous m'installer un deuxième
    écran ?"), without greeting or lead-in, cut on a word."""
    body = _LEAD.sub("", _GREETING.sub("", text.strip() + "\n", count=1).strip())
    first = re.split(r"(?<=[.?!])\s|\n", body, maxsplit=1)[0].strip()
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return first[:1].upper() + first[1:]
