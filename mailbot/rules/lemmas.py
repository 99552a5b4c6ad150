"""Lemmas: "les imprimantes ne démarraient plus" reads as "le imprimante ne démarrer plus".

Employees conjugate and inflect; rules.toml lists one form. simplemma (a maintained,
dictionary-based lemmatiser for French and English, pure Python, no model download) gives each
word its dictionary form, and a rule's words are put through the same function, so that "ne
démarre plus" in rules.toml finds "ne démarrait plus", "imprimante" finds "imprimantes" and
"quitter l'entreprise" finds "quittera l'entreprise".

Short words and the function words the negation and scope checks read ("pas", "plus", "est",
"tout") are kept as written: "pas" is not "pa", "hs" is not "h".
"""

from __future__ import annotations

import re
from functools import lru_cache

import simplemma

from mailbot.rules.text import fold

LANGUAGES = ("fr", "en")
# simplemma's low-memory mode reads the same shipped dictionaries, decoded on lookup from their
# compressed form instead of unpacked into one dict of every entry: the same lemmas (all 152,513
# distinct words of the corpus, the procedures and the rules compared), and the daemon's peak
# RSS about 45 MB lower (issue 18 §2). Lookups are cached here and in simplemma.
# Kept as written: the negation and scope checks read them, and the lemmatiser would blur them.
_KEEP = frozenset([
    "pas", "plus", "est", "sont", "etait", "etaient", "suis", "sommes", "etes", "tout",
    "toute", "tous", "toutes", "personne", "rien", "aucun", "aucune", "jamais", "moins",
    "bien", "tres", "sans", "avec", "pour", "dans", "chez", "sous", "vers", "depuis", "entre",
    "mais", "donc", "car", "puis", "alors", "ceux", "celle", "celles", "cela", "ceci", "elle",
    "elles", "nous", "vous", "leur", "leurs", "notre", "votre", "nos", "vos", "mes", "tes",
    "ses", "une", "des", "les", "aux", "du", "au", "not", "none", "never", "no", "nothing",
    "nobody", "every", "all", "this", "that", "these", "those", "with", "from", "your",
    "their", "does", "doesn't", "isn't", "aren't", "wasn't", "panne", "mort", "morte", "ordi",
    "ordis"])
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The dictionary form of one lower-case word, folded (no accents)."""
    if len(word) <= 3 or fold(word) in _KEEP:
        return fold(word)
    return fold(simplemma.lemmatize(word, lang=LANGUAGES, low_memory=True))


def _replace(match: re.Match[str]) -> str:
    word = match.group(0)
    end = match.end()
    text = match.string
    if end < len(text) and text[end] == "'":  # an elision: "l'", "qu'", "jusqu'"
        return fold(word)
    return lemma(word)


def lemmatise(text: str) -> str:
    """Every word replaced by its folded lemma, everything else (punctuation, line breaks,
    spaces) kept in place, so that sentences split where they split in the folded text."""
    return _WORD.sub(_replace, text.translate(_APOSTROPHES).lower())


def spellings(words: list[str]) -> list[str]:
    """Each rules.toml word as written and in lemma form; a word written "=phones" is kept as
    written only: "les téléphones" (every phone of the office) must not become "le téléphone"
    (one person's)."""
    exact = [w[1:] for w in words if w.startswith("=")]
    plain = [w for w in words if not w.startswith("=")]
    return [*exact, *plain, *(lemmatise_word(w) for w in plain)]


@lru_cache(maxsize=8192)  # per rules.toml word: [vocabulary] lists recur in many rules
def lemmatise_word(word: str) -> str:
    """A rules.toml word or phrase in lemma form (a "re:" pattern or a prefix* is kept)."""
    if word.startswith("re:") or word.rstrip().endswith("*"):
        return word
    return lemmatise(word)
