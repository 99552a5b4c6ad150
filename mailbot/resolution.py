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
_EVERYDAY = re.compile(
    r"(?<!\w)(?:ca marche|ca fonctionne|ca refonctionne|"
    r"it works|it's working|all good|it's ok now)(?!\w)(?!\s*(?:pour|for|avec|with|le|la|"
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
