"""Corrections teach: a technician's `#priority` or `#type` on a new ticket corrects the first
guess; when `[triage] learn_after` corrections agree on mails that resemble each other, a later
mail that resembles them gets the corrected value, and `why` names the tickets it learnt from
("appris de #12, #15, #19").

A mail is remembered by its significant words (lemmas of four letters or more, common words
left out, at most `WORDS` of them); two mails resemble each other when their words overlap by
`[triage] resemblance` (Jaccard). The corrections live in the store (meta "corrections", the
newest `KEEP`), nothing leaves the machine. An inverted index makes a lookup cost the words of
the new mail, not the number of corrections.

Pure: the corrections are passed in, nothing here reads the store or the clock.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mailbot.rules.base import Outcome
from mailbot.rules.classification import Classification, Facts
from mailbot.rules.settings import TriageConfig

WORDS = 40
KEEP = 5000  # corrections kept in the store, the newest
_WORD = re.compile(r"[a-z][a-z'-]{3,}")
_COMMON = frozenset([
    "bonjour", "bonsoir", "merci", "cordialement", "salut", "madame", "monsieur", "bonne",
    "journee", "soiree", "semaine", "avoir", "etre", "faire", "pouvoir", "vouloir", "devoir",
    "aller", "venir", "falloir", "savoir", "depuis", "avec", "dans", "pour", "sans", "sous",
    "chez", "mais", "donc", "alors", "aussi", "encore", "toujours", "deja", "tres", "plus",
    "moins", "tout", "toute", "tous", "toutes", "cette", "celui", "celle", "ceux", "elle",
    "elles", "nous", "vous", "leur", "leurs", "notre", "votre", "quand", "comme", "quoi",
    "quel", "quelle", "quels", "quelles", "dont", "parce", "d'avance", "hello", "thanks",
    "thank", "regards", "please", "with", "from", "have", "this", "that", "there", "what",
    "when", "your", "about", "would", "could", "should", "will", "just"])


def signature(facts: Facts) -> list[str]:
    """The mail's significant words: lemmas of the subject and the text, in order of first
    appearance, at most WORDS."""
    lemmas = " ".join(part.rpartition("\u2063")[2] for part in (facts.subject_both,
                                                              facts.text_both))
    seen: dict[str, None] = {}
    for word in _WORD.findall(lemmas):
        word = word.strip("'-")
        if len(word) >= 4 and word not in _COMMON and "'" not in word:
            seen.setdefault(word, None)
            if len(seen) >= WORDS:
                break
    return list(seen)


def correction_entry(ticket: int, words: Sequence[str], first: dict[str, Any],
                     to: dict[str, Any], by: str, at: str) -> dict[str, Any]:
    """What the store keeps of one correction."""
    return {"ticket": ticket, "words": list(words), "from": dict(first), "to": dict(to),
            "by": by, "at": at}


@dataclass
class Learner:
    """The corrections, indexed by word."""

    entries: list[dict[str, Any]]
    index: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: Sequence[dict[str, Any]]) -> Learner:
        learner = cls(list(entries))
        for i, entry in enumerate(learner.entries):
            for word in entry.get("words", ()):
                learner.index.setdefault(word, []).append(i)
        return learner

    def similar(self, words: Sequence[str], resemblance: float) -> list[dict[str, Any]]:
        mine = set(words)
        shared: Counter[int] = Counter()
        for word in mine:
            for i in self.index.get(word, ()):
                shared[i] += 1
        found = []
        for i, common in shared.items():
            theirs = len(self.entries[i].get("words", ()))
            if common / (len(mine) + theirs - common) >= resemblance:
                found.append(self.entries[i])
        return found

    def suggest(self, words: Sequence[str], settings: TriageConfig
                ) -> tuple[str, str | None, list[int]] | None:
        """(type, priority, tickets learnt from) when `learn_after` resembling corrections
        agree, the newest of them named; None otherwise."""
        if settings.learn_after < 1 or not words:
            return None
        votes: dict[tuple[str, str | None], list[int]] = {}
        for entry in self.similar(words, settings.resemblance):
            to = entry.get("to", {})
            votes.setdefault((to.get("type", ""), to.get("priority")), []).append(
                int(entry.get("ticket", 0)))
        if not votes:
            return None
        (type_, priority), tickets = max(votes.items(), key=lambda v: len(v[1]))
        others = sum(len(t) for key, t in votes.items() if key != (type_, priority))
        if len(tickets) < settings.learn_after or others >= len(tickets) or not type_:
            return None
        return type_, priority, sorted(tickets)[-settings.learn_after:]


_CACHE: dict[int, tuple[object, Learner]] = {}


def learner_of(entries: Sequence[dict[str, Any]] | None) -> Learner:
    """The index of one list of corrections, built once while that list lives."""
    entries = entries or []
    cached = _CACHE.get(id(entries))
    if cached is not None and cached[0] is entries:
        return cached[1]
    learner = Learner.of(entries)
    _CACHE.clear()
    _CACHE[id(entries)] = (entries, learner)
    return learner


def learn(facts: Facts, classification: Classification, learner: Learner,
          settings: TriageConfig) -> tuple[Classification, Outcome]:
    """The classification, or what the resembling corrections taught instead."""
    suggestion = learner.suggest(signature(facts), settings)
    if suggestion is None:
        return classification, Outcome("learning/corrections", False,
                                       "no agreeing corrections on resembling mails")
    type_, priority, tickets = suggestion
    if (type_, priority) == (classification.type, classification.priority):
        return classification, Outcome("learning/corrections", False, (
            "resembling corrections agree with the rules: "
            + ", ".join(f"#{t}" for t in tickets)))
    names = ", ".join(f"#{t}" for t in tickets)
    learnt = Classification(
        type_, classification.category if type_ == classification.type else None, priority,
        f"learnt:{names}", f"appris de {names}", classification.trace, False,
        classification.candidates, classification.evidence)
    return learnt, Outcome("learning/corrections", True,
                           f"{type_} {priority or ''}".strip() + f": appris de {names} "
                           f"(instead of {classification.type} {classification.priority})")
