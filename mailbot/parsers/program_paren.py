"""A program named in parentheses after a description of it: "l'outil des notes de frais
(Concur)", "le logiciel de paie (Silae)", "our expense tool (SAP Concur)".

People name a program by what it does and give its name in parentheses; the name is the
program, even when the description also matches a catalogue entry ("notes de frais" is the
site's expense portal's spelling, the parenthesised "Concur" says which one it is).
"""

from __future__ import annotations

import re

from mailbot.parsers.programs import Program
from mailbot.parsers.subject import catalogue_program

_DESCRIBED = re.compile(
    r"\b(?:outil|logiciel|progiciel|application|appli|app|portail|plate-?forme|solution|"
    r"module|interface|site|service|syst[èe]me|tool|software|platform|portal|programme|"
    r"program|client)s?\b(?P<what>[^()\n.!?]{0,60}?)[ \t\xa0]*"
    # the name: capitalised words (a product's), no counter nor aside ("(2e étage)", "(urgent)")
    r"\((?P<name>(?-i:[A-Z][\w.+&'’-]*|[a-z]+[A-Z][\w.+&-]*)"
    r"(?:[ \t](?-i:[A-Z][\w.+&-]*|[a-z]+[A-Z][\w.+&-]*)){0,2})\)",
    re.IGNORECASE)
_NOT_NAMES = frozenset({"pj", "cf", "voir", "urgent", "merci", "svp", "ex", "nb", "ps", "rh",
                        "dsi", "it", "ok", "tbc", "todo"})


def parenthesised_program(text: str) -> tuple[str, str] | None:
    """(the name in parentheses, the description before it), for the first such naming."""
    for match in _DESCRIBED.finditer(text):
        name = match["name"]
        if name.lower() not in _NOT_NAMES and not name.isdigit():
            return name, match[0][: match.start("name") - match.start() - 1]
    return None


def with_parenthesised(found: str | None, text: str,
                       catalogues: tuple[tuple[Program, ...], ...]) -> str | None:
    """The program of a text whose program so far is `found`: the name in parentheses when the
    text describes a program and names it so, and `found` is none or what the description
    itself matched; the catalogues spell the name as they know it."""
    paren = parenthesised_program(text) if "(" in text else None
    if paren is None:
        return found
    name, description = paren
    if found is not None and found not in (catalogue_program(part, c) for c in catalogues
                                           for part in (description, name)):
        return found  # another program, named on its own: the writer's subject
    spelling = name.lower()  # the name as a catalogue spells it, whole ("SAP Concur" is no SAP)
    return next((p.name for c in catalogues for p in c
                 if spelling in (p.name.lower(), *(a.lower() for a in p.aliases))), name)
