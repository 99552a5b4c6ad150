"""A requester confirming that it works again ("oui c'est revenu, merci", "c'est bon
maintenant") on an open ticket: the team is told so and the ladder waits until a technician
acts (day 6: the operations director was woken for a P1 its requester had confirmed fixed).

Pure. Read from the `[information] resolved` phrases, without the ones that only thank ("merci
pour votre aide" thanks for the help, it does not say the problem is gone), and only in a short
mail that asks nothing and says nothing is still wrong: a doubt keeps the ticket as it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from mailbot.rules.text import fold, word_regex

# A confirmation is a few lines; a longer mail tells more than that.
MAX_LENGTH = 300
# Anything that doubts or goes on: "pas encore", "mais", "toujours", "ça ne remarche pas".
_DOUBT = re.compile(
    r"\?|(?<!\w)(?:ne|n'|pas|toujours|encore|mais|par contre|sauf|recommence|de nouveau en "
    r"panne|not|still|but|except|again)(?!\w)")
_GRATITUDE = re.compile(r"^(?:merci|thank|thanks|bravo)(?!\w)")


@lru_cache(maxsize=8)
def _phrases(resolved: tuple[str, ...]) -> re.Pattern[str] | None:
    return word_regex(fold(p) for p in resolved if not _GRATITUDE.match(fold(p).strip()))


# What people say on a ticket of theirs once it works, beyond the information phrases (those
# also classify new mail, where "ça marche" alone says nothing): "c'est bon ça marche", "ça
# fonctionne, merci", "it works, thanks". Not "ça marche pour jeudi" (agreeing to a proposal),
# nor "c'est bon merci" alone (as much "understood" as "fixed": a thanks, filed quietly).
# Day 8: "Merci Paul, c'est parfait.", "nickel", "tout est ok", "that did it", "sorted" too.
_EVERYDAY = re.compile(
    r"(?<!\w)(?:ca marche|ca fonctionne|ca refonctionne|c'est parfait|parfait,? merci|"
    r"nickel|impeccable|tout est (?:ok|bon|en ordre)|c'est (?:regle|resolu|ok maintenant)|"
    r"probleme (?:resolu|regle)|"
    r"it works|it's working|all good|it's ok now|perfect,? thanks?|perfect,? thank you|"
    r"that did it|that did the trick|that's done it|sorted|all sorted|works perfectly)"
    r"(?!\w)(?!\s*(?:pour|for|avec|with|le|la|"
    r"les|a|au|aux|on|at|demain|tomorrow)(?!\w))")


def confirmation(text: str, resolved: Sequence[str]) -> str | None:
    """The words by which `text` (the requester's own top block) confirms it works again, or
    None."""
    folded = fold(text).strip()
    pattern = _phrases(tuple(resolved))
    if not folded or len(folded) > MAX_LENGTH or _DOUBT.search(folded):
        return None
    found = (pattern.search(folded) if pattern is not None else None) or _EVERYDAY.search(folded)
    return found.group(0) if found else None


# After a closure, a reply that only thanks or praises, maybe with a happy word about what it
# allows ("Top merci, les camions partiront à l'heure !", "Great, thanks! The trucks will leave
# on time."): it reports nothing and asks nothing, so it never reopens (day 8: such a thanks to
# an earlier mail of a closed P1 reopened it and woke management for days).
_PRAISE = re.compile(
    r"(?<!\w)(?:merci|remerci\w*|bravo|chapeau|top|au top|super|genial|geniale|parfait|"
    r"parfaite|nickel|impeccable|excellent|excellente|formidable|extra|trop bien|"
    r"thanks?|thank you|thx|ty|cheers|kudos|great|perfect|awesome|brilliant|fantastic|"
    r"amazing|wonderful|lifesaver|you rock|the best|much appreciated|appreciated)(?!\w)"
    "|[\U0001F44D\U0001F44C\U0001F64F\U0001F642\U0001F60A\U0001F600\U0001F603\U0001F604"
    "\U0001F389\U0001F4AA\u2764\u2705\u263A]")
# Thanks said again is no fault said again: "merci encore", "encore bravo", "thanks again".
_AGAIN_THANKS = re.compile(
    r"(?<!\w)(?:(?:encore|de nouveau|a nouveau) (?:une fois )?(?:merci|bravo)|"
    r"(?:merci|bravo) (?:encore|de nouveau|a nouveau)(?: une fois)?|"
    r"(?:thanks|thank you) (?:again|once again)|again,? thanks)(?!\w)")
# What a report says beyond the organisation's broken words: the fault came back or a new one.
_FAULT = re.compile(
    r"(?<!\w)(?:de nouveau|a nouveau|re-?\w*(?:fait|commence|vient|plante|bloque)\w*|"
    r"disparu\w*|traces?|lent\w*|slow\w*|souci\w*|probleme\w*|panne\w*|bug\w*|erreur\w*|"
    r"issue\w*|problem\w*|error\w*|fail\w*|though|however|although|autre chose|"
    r"something else|aussi|also|egalement|rest(?:e|ent)|noir\w*|il (?:me|nous) faut|"
    r"au fait|by the way|btw)(?!\w)")


def appreciation(text: str, *, broken: re.Pattern[str] | None,
                 asking: re.Pattern[str] | None) -> bool:
    """True when `text` (the requester's own top block) only thanks or praises: a word of
    thanks or praise, no question, no doubt, nothing broken (the organisation's `broken` words
    and ours), nothing asked (its `asking` words)."""
    folded = fold(text).strip()
    if not folded or len(folded) > MAX_LENGTH or "?" in folded:
        return False
    if not _PRAISE.search(folded):
        return False
    plain = _AGAIN_THANKS.sub(" ", folded)
    return not any(p is not None and p.search(plain)
                   for p in (_DOUBT, _FAULT, broken, asking))
