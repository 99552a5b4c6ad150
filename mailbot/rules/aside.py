"""Two topics in one mail, the fault first: what comes after "Et sinon", "Par ailleurs", "Au
passage", "Also", "Unrelated" is an aside (not a P.S., which often holds the decisive fact).
When the mail reports a fault before it, the fault is the ticket; a request said in the aside
(with its own "quand vous pourrez") does not decide its type or priority (procedure 002 rates
the incident reported); an aside that asks nothing ("Sinon, pas urgent") is the requester's
word on the fault. Pure."""

from __future__ import annotations

import re

# A sentence or line that opens on a change of topic.
_ASIDE = re.compile(
    r"(?:^|(?<=[.!?\n]))[ \t]*(?:et |mais )?(?:sinon|par ailleurs|au passage|autre chose|"
    r"d'autre part|tant que j'y suis|accessoirement|aussi|also|unrelated|separately|"
    r"by the way|btw|on another note|another thing)\b",
    re.IGNORECASE)


def before_aside(text: str) -> str | None:
    """The text before the first aside, or None when there is none (or nothing before it)."""
    found = _ASIDE.search(text or "")
    if found is None or not text[:found.start()].strip():
        return None
    return text[:found.start()]
