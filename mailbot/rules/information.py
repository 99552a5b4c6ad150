"""Information mail (seed 000 level 4): "Ces informations sont archivées pour consultation future
et ne demandent pas de réponse ou d'intervention de notre part."

A message is information when its subject or its first line opens with a marker ("Info :",
"Pour information", "FYI", "À titre d'information"...) and nothing in it asks for anything: a
question or a demand hidden behind "pour info" ("pour info, l'imprimante ne marche plus, vous
pouvez passer ?") makes it an ordinary ticket again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.rules.base import Outcome
from mailbot.rules.classification import Facts
from mailbot.rules.text import fold, word_regex

# Said in information mail to make clear that nothing is asked: not a demand.
_NOTHING_ASKED = word_regex([
    "pas besoin", "aucun besoin", "sans besoin", "nul besoin", "aucune réponse",
    "pas de réponse", "pas la peine", "aucune action", "rien à faire", "no need",
    "no action", "nothing to do", "no reply needed"])


@dataclass(frozen=True)
class InformationRule:
    name: str
    description: str
    opening: re.Pattern[str]
    demands: re.Pattern[str] | None

    def check(self, facts: Facts, *, urgent: bool = False) -> Outcome:
        rule = f"information/{self.name}"
        found = self.opening.match(facts.subject) or self.opening.match(facts.text)
        if found is None:
            return Outcome(rule, False, "no information marker at the start")
        marker = found.group(1).strip()
        if urgent:
            return Outcome(rule, False, f"{marker!r} but URGENT is asked")
        for text in (facts.subject, facts.text):
            if "?" in text:
                return Outcome(rule, False, f"{marker!r} but a question is asked")
            cleaned = _NOTHING_ASKED.sub(" ", text) if _NOTHING_ASKED else text
            if self.demands is not None and (demand := self.demands.search(cleaned)):
                return Outcome(rule, False, f"{marker!r} but {demand.group(0)!r} asks for action")
        return Outcome(rule, True, f"opens with {marker!r} and asks for nothing")


def information_rule(markers: Sequence[str], demands: Sequence[str]) -> InformationRule:
    """`markers` open the subject or the text; `demands` (words, already expanded) undo it."""
    spelled = sorted({fold(m).strip() for m in markers if m.strip()}, key=lambda m: (-len(m), m))
    # A single word ("Info", "Information") must be followed by a separator, as in "Info :";
    # a phrase ("pour info", "fyi") may run straight into the sentence.
    alternatives = []
    for marker in spelled:
        escaped = re.escape(marker).replace("\\ ", r"\s+").replace("'", r"'\s*")
        if " " in marker or marker == "fyi":
            alternatives.append(escaped + r"(?!\w)")
        else:
            alternatives.append(escaped + r"(?=\s*[:\-–—,!])")
    opening = re.compile(r"\s*\W{0,3}\s*(" + "|".join(alternatives) + ")")
    return InformationRule(
        "marker", "seed 000 niveau 4: communication informative, archivée sans réponse",
        opening, word_regex(demands))
