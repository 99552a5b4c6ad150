"""Two topics in one mail, the fault first: what comes after "Et sinon", "Par ailleurs", "Au
passage", "Also", "Unrelated", "P.S." is an aside. When the mail reports a fault before it, the
fault is the ticket; a request (or a "no hurry") said in the aside does not decide its type or
priority (procedure 002 rates the incident reported). Pure."""

from __future__ import annotations

import re

# A sentence or line that opens on a change of topic.
_ASIDE = re.compile(
    r"(?:^|(?<=[.!?\n]))[ \t]*(?:et |mais )?(?:sinon|par ailleurs|au passage|autre chose|"
    r"d'autre part|tant que j'y suis|accessoirement|aussi|also|unrelated|separately|"
    r"by the way|btw|on another note|another thing|p\.?\s?s\.?)\b",
    re.IGNORECASE)


def before_aside(text: str) -> str | None:
    """The text before the first aside, or None when there is none (or nothing before it)."""
    found = _ASIDE.search(text or "")
    if found is None or not text[:found.start()].strip():
        return None
    return text[:found.start()]
