"""The facts a message gives the classification rules: its subject and own text, folded and
lemmatised once, with what the parsers found (program, pasted errors, attachments) and who
wrote it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.parsers import ParsedMessage
from mailbot.rules import scope
from mailbot.rules.lemmas import lemmatise
from mailbot.rules.own_words import pasted_errors, without_pasted_errors
from mailbot.rules.text import fold, sentences

SEP = f" {scope._SEPARATOR} "  # between a text's folded form and its lemmas


def _both(folded: str, lemmas: str) -> str:
    return folded if folded == lemmas else folded + SEP + lemmas


@dataclass(frozen=True)
class Facts:
    """What the parsers found, in the form the rules read (folded and lemmatised once)."""

    subject: str
    text: str
    program: str | None = None
    error_kinds: frozenset[str] = frozenset()
    requester: str = ""
    vip: bool = False
    attachments: int = 0
    subject_sentences: tuple[str, ...] = ()  # each: folded, separator, lemmas
    text_sentences: tuple[str, ...] = ()
    subject_both: str = ""
    text_both: str = ""

    @classmethod
    def build(cls, *, subject: str, text: str, program: str | None = None,
              error_kinds: Sequence[str] = (), requester: str = "", vip: bool = False,
              attachments: int = 0) -> Facts:
        s, t = fold(subject), fold(text)
        ls, lt = lemmatise(subject), lemmatise(text)
        return cls(s, t, program, frozenset(error_kinds), requester.lower(), vip, attachments,
                   _pairs(s, ls), _pairs(t, lt), _both(s, ls), _both(t, lt))


def _pairs(folded: str, lemmas: str) -> tuple[str, ...]:
    a, b = sentences(folded), sentences(lemmas)
    if len(a) != len(b):  # never seen; the folded sentences alone then
        return tuple(a)
    return tuple(_both(x, y) for x, y in zip(a, b, strict=True))


def facts_of(msg: ParsedMessage, *, requester: str = "", text: str | None = None,
             vip: bool = False) -> Facts:
    errors = pasted_errors(msg.errors)
    own = without_pasted_errors(msg.text if text is None else text,
                                [e.message for e in errors])
    return Facts.build(
        subject=msg.subject or msg.subject_raw, text=own,
        program=msg.program, error_kinds=[e.kind for e in errors],
        requester=requester or msg.sender, vip=vip,
        attachments=sum(1 for a in msg.attachments if not a.inline))
