"""A rule's word pattern, searched only in a text that holds one of the words it starts with.

Every `[[classification]]` rule is tried on every new mail, and most find nothing: a search of
the folded text and its lemmas by each rule's alternation was a third of the classification's
CPU (issue 18 §2). A spelling of `text.word_regex` can only match where the text has each of
its plain words as a word (a run of `\\w`): "passe" for "mot de passe", or a word starting
with the last one for a prefix ("imprim*"). The text's words are collected once (cached by
text) and a rule none of whose spellings' longest word is there is answered "no match" without
the regex; spellings with no plain word ("re:" patterns, "c++") are a smaller regex of their own,
searched then. The matches, when the regex runs, are the regex's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from mailbot.rules.text import fold, word_regex, word_regex_source

_WORDS = re.compile(r"\w+")
_WORD = re.compile(r"\w+")
_SPLIT = re.compile(r"([\s\-]+|')")  # as text._word_pattern splits a word into tokens


@lru_cache(maxsize=64)
def words_of(text: str) -> frozenset[str]:
    """The text's words, as `\\w+` runs (the rules search the same few texts many times)."""
    return frozenset(_WORDS.findall(text))


# Whether a spellings-without-words regex is found in a text, by (regex, text): a [vocabulary]
# list is shared by many rules ("@broken" by a dozen), and the same regex (re's cache compiles
# a pattern string once) would search the same text once for each.
_FOUND: dict[tuple[str, str], bool] = {}


def _found(regex: re.Pattern[str], text: str) -> bool:
    key = (regex.pattern, text)
    found = _FOUND.get(key)
    if found is None:
        if len(_FOUND) > 64:
            _FOUND.clear()
        found = _FOUND[key] = regex.search(text) is not None
    return found


class GatedPattern:
    """A `word_regex` behind a test of the words it can start with. `search` and `finditer`
    on a whole text answer as the regex does; any other use goes to the regex. The regex is
    compiled the first time a text passes the gate: a rule whose words no mail has is never
    compiled (a [vocabulary] list of 300 spellings costs a few ms to compile, 60 rules about
    0.4 s of CPU at each start)."""

    __slots__ = ("_compiled", "_exact", "_others", "_prefixes", "_source")

    def __init__(self, source: str, exact: frozenset[str],
                 prefixes: tuple[str, ...], others: re.Pattern[str] | None) -> None:
        self._source, self._exact, self._prefixes = source, exact, prefixes
        self._others = others
        self._compiled: re.Pattern[str] | None = None

    @property
    def _regex(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self._source)
        return self._compiled

    def _may_match(self, text: str) -> bool:
        return (not self._exact.isdisjoint(words_of(text))
                or any(p in text for p in self._prefixes)
                or self._others is not None and _found(self._others, text))

    def search(self, text: str) -> re.Match[str] | None:
        return self._regex.search(text) if self._may_match(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self._regex.finditer(text) if self._may_match(text) else iter(())

    def __getattr__(self, name: str) -> object:
        return getattr(self._regex, name)


@lru_cache(maxsize=8192)  # per spelling: a [vocabulary] list's words recur in many rules
def _needs(word: str) -> tuple[str, str]:
    """What a text must have for `word` to match: ("exact", its longest plain word), ("prefix",
    the start of a word) or ("other", "") when it has no plain word ("re:...", "c++")."""
    folded = "" if word.startswith("re:") else fold(word.strip())
    prefix = folded.endswith("*")
    tokens = [t for t in _SPLIT.split(folded.rstrip("*")) if t]
    # Each token that is a plain word sits between separators (or the spelling's ends): the
    # text has it as a word of its own, or, the last one of a prefix, as a word's start. The
    # longest is the rarest, and stands for the spelling.
    plain = [t for t in tokens[:-1] if _WORD.fullmatch(t)]
    last = tokens[-1] if tokens and _WORD.fullmatch(tokens[-1]) else None
    if last is not None and not prefix:
        plain.append(last)
    if plain:
        return "exact", max(plain, key=len)
    if last is not None:
        return "prefix", last  # "imprim*": a word that starts with it
    return "other", ""  # "re:...", "c++": searched as word_regex would


def gated_word_regex(words: Iterable[str]) -> re.Pattern[str] | GatedPattern | None:
    """`word_regex(words)` behind the plain words its spellings need; the spellings with none
    ("re:" patterns, "c++") make a smaller regex of their own, searched when no word is found."""
    words = list(words)
    source = word_regex_source(words)
    if source is None:
        return None
    found: dict[str, set[str]] = {"exact": set(), "prefix": set()}
    others: list[str] = []
    for word in sorted({w for w in words if w.strip("* ")}):
        kind, needed = _needs(word)
        if kind == "other":
            others.append(word)
        else:
            found[kind].add(needed)
    # The others' regex is compiled now: a "re:" pattern that does not compile fails at start.
    return GatedPattern(source, frozenset(found["exact"]), tuple(sorted(found["prefix"])),
                        word_regex(others))
