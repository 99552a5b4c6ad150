"""An error code written in prose, with no error block around it: the error is the sentence
that carries the code, not the greeting before it nor the sign-off after it.

A short mail often fits on one line ("Bonjour, depuis ce matin le VPN refuse la connexion
(erreur 809). Je ne peux pas travailler. Karim"): the whole line carries the code, and the team's
notices showed it whole as the "error". Here a line is cut into sentences; the greeting that
opens it, the sentences of the writer's own (first person, thanks, a question to us) and the
name or courtesy that closes it go; what a program printed ("Erreur 0x80070005. Accès refusé.")
stays whole, since it speaks of no one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_CLAUSE = re.compile(r",[ \t\xa0]+")
_MAX_LINE = 1000  # a longer line is a log's or a program's dump: left whole
# A sentence ends at . ! ? or … followed by a space (never inside "5.1.10" nor "49.4C02").
_SENTENCE_END = re.compile(r"(?<=[.!?…])[ \t\xa0]+(?=\S)")
_GREETING = re.compile(
    r"^(?:bonjour|bonsoir|salut|coucou|hello|hi|hey|hallo|guten (?:tag|morgen)|buongiorno|"
    r"hola|dear|madame|monsieur|re)\b[^,.!:;\n]{0,40}[,!.:;][ \t\xa0]*", re.IGNORECASE)
# The writer speaking of themself or to us: not what a program printed.
_OWN_WORDS = re.compile(
    r"(?:^|[\s(])(?:(?:je|nous|moi|mon|ma|mes|i|i['’]m|we|my|our|ich|wir)(?=[\s,.])|j['’])|"
    r"\b(?:merci|thanks?|thank you|cordialement|bonne (?:journ[ée]e|soir[ée]e)|"
    r"pouvez-vous|pourriez-vous|could you|can you|please|svp|s'il vous pla[iî]t|urgent)\b",
    re.IGNORECASE)
# A name alone closing the line ("Karim", "Marie D.", "J.-P. Martin").
_NAME = re.compile(r"^(?:[A-ZÀ-Ý][\w'’.-]*)(?:[ \t]+[A-ZÀ-Ý][\w'’.-]*){0,2}[.!]?$")


def error_sentences(line: str, has_code: Callable[[str], bool]) -> str:
    """The part of one line of prose that is the error: its sentences that carry a code
    (`has_code`) and what a program printed next to them, without the greeting, the writer's
    own sentences or the name that signs the line. A line that is all error comes back as is."""
    text = line.strip()
    if len(text) > _MAX_LINE or not _SENTENCE_END.search(text) and not _GREETING.match(
            text) and ", " not in text:
        return text  # one sentence, no greeting nor clauses (the common case), or a log's line
    sentences = _SENTENCE_END.split(text)
    sentences[0] = _GREETING.sub("", sentences[0], count=1) or sentences[0]
    coded = [has_code(s) for s in sentences]
    if not any(coded):
        return text
    own = [bool(_OWN_WORDS.search(s) or _NAME.match(s)) for s in sentences]
    kept = [_coded_clauses(s, has_code) if coded[i] and own[i] else s
            for i, s in enumerate(sentences) if coded[i] or not own[i] and (
                _reaches_code(coded, own, range(i + 1, len(sentences)))
                or _reaches_code(coded, own, range(i - 1, -1, -1)))]
    return " ".join(kept).strip() or text


def _coded_clauses(sentence: str, has_code: Callable[[str], bool]) -> str:
    """A sentence of the writer's own cut to its clauses that carry the code ("j'ai redémarré
    le PC, toujours erreur 809." -> "toujours erreur 809.")."""
    clauses = _CLAUSE.split(sentence)
    coded = [i for i, clause in enumerate(clauses) if has_code(clause)]
    return ", ".join(clauses[coded[0]:coded[-1] + 1]) if coded else sentence


def _reaches_code(coded: list[bool], own: list[bool], steps: range) -> bool:
    """Whether, going along `steps`, a sentence with a code comes before one of the writer's
    own: the program's message around a code goes on until the writer speaks."""
    for j in steps:
        if coded[j]:
            return True
        if own[j]:
            return False
    return False
