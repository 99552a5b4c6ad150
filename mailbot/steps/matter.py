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
from datetime import datetime, timedelta

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


# --- the same matter under a reworded subject (day 10) ----------------------------------------

# "imprimante bureau 204" at 08:21, "imprimante 204 toujours en panne" at 14:00; "souris sans
# fil", then "toujours la souris": the same person about the same thing. Joined when the
# significant words of the two subjects mostly overlap (numbers kept, and never two different
# numbers: "imprimante 204" is not "imprimante 310"), and the new mail comes within
# REWORDED_HOURS of the ticket's opening or last change, or its subject says it is the same
# again ("toujours", "encore", "relance", "suite", "still", "again") while the ticket is open.
REWORDED_HOURS = 24
_SAID_AGAIN = re.compile(r"(?<!\w)(?:toujours|encore|relance|rappel|suite|still|again|"
                         r"follow[- ]?up)(?!\w)")
_FILLER = frozenset((
    "le", "la", "les", "un", "une", "des", "du", "de", "au", "aux", "en", "et", "ou", "sur",
    "pour", "par", "avec", "dans", "sans", "mon", "ma", "mes", "son", "sa", "ses", "notre",
    "votre", "nos", "vos", "leur", "ce", "cet", "cette", "ces", "qui", "que", "ne", "pas", "plus",
    "est", "sont", "a", "tres", "vraiment", "toujours", "encore", "suite", "relance", "rappel",
    "bis", "panne",
    "probleme", "souci", "marche", "fonctionne", "bloque", "bloquee", "plante", "erreur", "hs",
    "impossible", "besoin", "demande", "aide", "urgent", "rien", "personne", "depuis", "the",
    "an", "my", "is", "not", "still", "again", "broken", "down", "issue", "problem", "error",
    "working", "work", "works", "doesn't", "with", "of", "on", "in", "for", "to", "and", "or"))


def significant(subject: str) -> set[str]:
    """The words that name a subject's matter: folded, singular, without the words that say
    nothing of it ("toujours", "en", "panne"); numbers kept."""
    return set(_significant_in_order(subject))


def _significant_in_order(subject: str) -> list[str]:
    words = []
    for word in re.split(r"[^\w]+", _URGENT.sub(" ", _PREFIX.sub("", fold(subject or "")))):
        if word in _FILLER:
            continue
        if len(word) > 3 and word[-1] in "sx" and not word.isdigit():
            word = word[:-1]  # "souris" and "souri" alike: only ever compared with each other
        if (len(word) > 1 or word.isdigit()) and word not in _FILLER:
            words.append(word)
    return words


def _another_thing(old: str, new: str) -> bool:
    """Each subject has words the other lacks and they open on different words: one thing put
    for another ("Imprimante du 2e étage en panne", then "Scanner du 2e étage en panne"), not
    the same thing told again ("Outlook keeps crashing", "Outlook still crashing + mailbox
    full?")."""
    a, b = _significant_in_order(old), _significant_in_order(new)
    return bool(set(a) - set(b)) and bool(set(b) - set(a)) and a[:1] != b[:1]


def overlap(old: str, new: str) -> bool:
    """The two subjects name the same thing: a word in common, no two different numbers, at
    least two thirds of the shorter one's words in the other and half of the longer one's."""
    a, b = significant(old), significant(new)
    numbers_a, numbers_b = {w for w in a if w.isdigit()}, {w for w in b if w.isdigit()}
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return False
    common = a & b
    if not common - numbers_a - numbers_b or _another_thing(old, new):
        return False
    return (3 * len(common) >= 2 * min(len(a), len(b))
            and 2 * len(common) >= max(len(a), len(b)))


def reworded_ticket(view: View, requester: str, subject: str, now: datetime) -> Ticket | None:
    """The requester's open ticket whose subject the new `subject` rewords (see above)."""
    again = bool(_SAID_AGAIN.search(fold(subject or "")))
    numbers = {e["ticket"] for e in view.recent(MATTERS, requester)
               if isinstance(e.get("ticket"), int)}
    for number in sorted(numbers, reverse=True)[:_LAST]:
        ticket = view.ticket(number)
        if not _is_theirs(ticket, requester) or not overlap(ticket.subject, subject):  # type: ignore[union-attr]
            continue
        assert ticket is not None
        last = max(datetime.fromisoformat(ticket.created_at),
                   datetime.fromisoformat(ticket.updated_at))
        if again or now - last <= timedelta(hours=REWORDED_HOURS):
            return ticket
    return None
