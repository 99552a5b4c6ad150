"""Text as the rules see it: folded once per message, searched by word-bounded patterns.

Employees write "Mot de passe expiré", "mot de passe expire", "MOT DE PASSE EXPIRÉ" and
"mot-de-passe expiré": folding (lower case, accents and ligatures removed, typographic
apostrophes made plain) lets one spelling in rules.toml find them all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'",
                              "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "\xa0": " "})
# A sentence ends at . ! ? ; or a line break; the subject is a sentence of its own.
_SENTENCE_END = re.compile(r"[.!?;\n]+(?:\s+|$)")


def fold(text: str) -> str:
    """Lower case, no accents, plain apostrophes: the form every rule matches against."""
    text = text.translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def sentences(folded: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(folded) if s.strip()]


@lru_cache(maxsize=8192)  # per spelling: a [vocabulary] list's words recur in many rules
def _word_pattern(word: str) -> str:
    """One rules.toml word as a regex: spaces and hyphens interchangeable, apostrophes
    optional before a space ("l'etage", "l' etage"), a trailing * for any ending; "re:" starts
    a regular expression on the folded text, for what words cannot say ("lecteur S:")."""
    if word.startswith("re:"):
        return f"(?:{word[3:]})"
    word = fold(word.strip())
    prefix = word.endswith("*")
    word = word.rstrip("*")
    parts = []
    for token in re.split(r"([\s\-]+|')", word):
        if not token:
            continue
        if token == "'":
            parts.append(r"'\s*")
        elif token.isspace() or set(token) <= set(" -\t"):
            parts.append(r"[\s\-]+")
        else:
            parts.append(re.escape(token))
    return "".join(parts) + (r"\w*" if prefix else "")


def word_regex(words: Iterable[str]) -> re.Pattern[str] | None:
    """All the words as one alternation, longest first, bounded by non-word characters."""
    source = word_regex_source(words)
    return None if source is None else re.compile(source)


def word_regex_source(words: Iterable[str]) -> str | None:
    """`word_regex`'s pattern, not compiled."""
    spelled = sorted({w for w in words if w.strip("* ")}, key=lambda w: (-len(w), w))
    if not spelled:
        return None
    # Each spelling ends on a word boundary, except one that ends with an elision ("j'"),
    # which runs into the next word.
    patterns = [_word_pattern(w) + ("" if w.rstrip().endswith("'") else r"(?!\w)")
                for w in spelled]
    return rf"(?<!\w)(?:{_by_first_letter(patterns)})"


def _by_first_letter(patterns: list[str]) -> str:
    """One alternation, its spellings grouped by their first letter ("i(?:mprimante|nternet)"):
    the same matches (two spellings that start differently never match at the same place, and
    each group keeps the longest first), but the regex engine tries one group per word of the
    mail instead of every spelling: a [vocabulary] list of 300 spellings stays cheap."""
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for pattern in patterns:
        if pattern[:1].isalnum():
            groups.setdefault(pattern[0], []).append(pattern[1:])
        else:  # a "re:" pattern, an escaped character: kept whole, tried first
            others.append(pattern)
    grouped = [f"{first}(?:{'|'.join(rests)})" if len(rests) > 1 else first + rests[0]
               for first, rests in groups.items()]
    return "|".join(others + grouped)


def valid_word_regex(word: str) -> str | None:
    """The error of a "re:" word, None when it compiles (or is a plain word)."""
    if not word.startswith("re:"):
        return None
    try:
        re.compile(word[3:])
    except re.error as exc:
        return str(exc)
    return None


def expand(words: Iterable[str], vocabulary: dict[str, list[str]]) -> list[str]:
    """Replace each "@name" by the `[vocabulary]` list of that name (unknown names are left
    for `check_rules` to report)."""
    out: list[str] = []
    for word in words:
        if word.startswith("@") and word[1:] in vocabulary:
            out.extend(vocabulary[word[1:]])
        else:
            out.append(word)
    return out
