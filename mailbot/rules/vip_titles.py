"""Who is a VIP (seed 003), not only by address: by the title the person signs with
("Directrice Générale", "DAF", "CEO"), and by the directory the organisation exports (a CSV of
address, name, title).

A title counts only on a short line of the signature (the block the parser cut, or the last
lines of the text: "Marie Dupont\\nDirectrice Générale"): "le directeur m'a demandé..." in a
sentence is not a signature, nor "Assistante du Directeur Général". But an assistant writing for a
director ("de la part de M. Arnaud, notre Directeur Général", "on behalf of our CEO") makes the
ticket the director's (`on_behalf`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailbot.rules.text import fold, word_regex

# On a signature line, these make the title someone else's.
_NOT_THEIRS = re.compile(r"(?<!\w)(?:assistant\w*|secretaire|secretariat|de la part|pour le "
                         r"compte|p\.o|adjoint(?:e)? (?:au|a la|du|de la)|on behalf)(?!\w)")
_SENTENCE = re.compile(r"[.!?;]\s*$|(?<!\w)(?:je|j'|nous|il|elle|vous|merci)(?!\w)")


def title_regex(titles: Sequence[str]) -> re.Pattern[str] | None:
    return word_regex([t for t in titles if t.strip()])


def signed_title(signature: str, text: str, titles: re.Pattern[str] | None) -> str | None:
    """The VIP title on a signature line, if any."""
    if titles is None:
        return None
    tail = [line for line in text.splitlines() if line.strip()][-4:]
    lines = [line for line in signature.splitlines() if line.strip()][:8] + tail
    for line in lines:
        folded = fold(line).strip()
        if not folded or _SENTENCE.search(folded) or _NOT_THEIRS.search(folded):
            continue
        # "Directeur industriel - membre du Comité de Direction": each part is a short title
        for part in _TITLE_PARTS.split(folded):
            if len(part.split()) <= 7 and (found := titles.search(part)):
                return found.group(0)
    return None


# Between two titles on one signature line: " - ", " | ", " / ", ", ".
_TITLE_PARTS = re.compile(r"\s+[-\u2013\u2014|/]\s+|,\s+")


# Before a VIP title in the text: the writer acts for its holder ("je vous écris de la part de
# M. Arnaud, notre Directeur Général", "on behalf of our CEO", "l'imprimante de Mme Roux, notre
# directrice financière", "Assistante du Directeur Général"); a few words may stand between.
_FOR_HOLDER = re.compile(
    r"(?:de la part d|pour le compte d|au nom d|on behalf of|(?:writ\w*|ecri\w*|appel\w*|"
    r"call\w*) (?:pour|for)|assistant\w* (?:du|de|of|to)|(?:de|of|for) (?:m|mme|mr|mrs|ms|"
    r"monsieur|madame)\.? [\w-]+,? (?:notre|our|votre))[^!?\n]{0,30}$|"
    r"(?:pour|for) (?:notre|our|le|la|l'|the) ?$")
# After it: the holder asked ("la DAF m'a demandé de vous transmettre ..."), or the writer is
# the holder's assistant in English ("I'm the CEO's assistant", "the CFO's PA").
_HOLDER_ASKED = re.compile(r"^[^!?.\n]{0,40}?(?:m'a demande|m'a charge|asked me|wants me)|"
                           r"^['\u2019]s (?:executive |personal )?(?:assistant|pa|secretary)\b")


def on_behalf(texts: Sequence[str], titles: re.Pattern[str] | None) -> str | None:
    """The VIP title of the person the writer writes for, if any: the ticket is theirs."""
    if titles is None:
        return None
    for text in texts:
        folded = fold(text)
        for found in titles.finditer(folded):
            before = folded[max(0, found.start() - 70):found.start()]
            if _FOR_HOLDER.search(before) or _HOLDER_ASKED.search(folded[found.end():]):
                return found.group(0)
    return None


def vip_directory(rows: Sequence[tuple[str, str]],
                  titles: re.Pattern[str] | None) -> dict[str, str]:
    """address -> title, for the directory's entries whose title is a VIP title."""
    if titles is None:
        return {}
    return {address: title for address, title in rows if titles.search(fold(title))}
