"""Whether a technician's answer asks the requester something: the one thing that puts a ticket
in `waiting` (its SLA clocks and ladder paused) when it is relayed.

Helpdesks pause the clock only while the agent waits on the requester. "Je le remplace d'ici 30
minutes", "je passe à 9h30" tell; the ball stays with the support and the clock runs (a day of
use: a P1 informed this way was paused all night). An answer asks when the technician's own
text (quotes, signature and command lines already cut) has a question mark outside a link, or
one of the phrases people ask with when they skip it ("pouvez-vous", "merci de me dire",
"could you", "let me know"). When in doubt the clock runs: a needless escalation is a smaller
wrong than a P1 nobody sees.
"""

from __future__ import annotations

import re
import unicodedata

_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Accent-free, lower-case; a phrase is matched on word boundaries.
_PHRASES = (
    # French: a question without its mark, a request for an answer or a try
    r"pouvez[- ]vous", r"pourriez[- ]vous", r"peux[- ]tu", r"pourrais[- ]tu",
    r"auriez[- ]vous", r"avez[- ]vous", r"voulez[- ]vous", r"est[- ]ce que",
    r"merci de (?:me|m'|nous|bien vouloir)", r"(?:dites|dis|faites|fais)[- ]moi",
    r"(?:envoyez|envoie|transmettez|renvoyez|rappelez)[- ]moi",
    r"tenez[- ](?:moi|nous) au courant", r"j'attends votre", r"dans l'attente de votre",
    r"(?:me|nous) (?:confirmer|preciser|indiquer|dire|faire savoir)\b",
    # English
    r"could you", r"can you", r"would you", r"will you", r"do you", r"did you", r"are you",
    r"let (?:me|us) know", r"please (?:send|confirm|tell|reply|check|try|call|let)",
    r"waiting for your",
)
_ASKS = re.compile(r"\b(?:" + "|".join(_PHRASES) + r")", re.IGNORECASE)


def asks_requester(text: str) -> bool:
    """True when `text`, a technician's own words to the requester, asks them something."""
    plain = _plain(_LINK.sub(" ", text))
    return "?" in plain or _ASKS.search(plain) is not None


def _plain(text: str) -> str:
    text = text.replace("’", "'").replace("\u00a0", " ")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
