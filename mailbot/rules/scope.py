"""Negation and scope: whether a word a rule found is what the mail is about.

    "ce n'est pas le mot de passe"        the password is named, and denied: not the subject
    "le mot de passe n'est pas en cause"  the same, said after it
    "Outlook ne plante plus"              a symptom reversed by "ne ... plus"
    "supprimer ses accès : Windows, VPN"  VPN is one item of a list, not the subject

The checks read the few characters around a match in the folded (or lemmatised) sentence: no
parsing, a handful of anchored patterns, so that one mail stays well under a millisecond.
"""

from __future__ import annotations

import re

# Before a subject word: it is named to be denied ("ce n'est pas le VPN", "pas un problème de
# mot de passe", "I don't need a password").
_DENIED_BEFORE = re.compile(
    r"(?:(?:ce|c'|cela|ca)\s*(?:n'\s*)?(?:est|etait|etre|semble|sembler)\s+pas|"
    r"ne\s+(?:concerne|concerner|vient|venir)\s+pas|"
    r"pas\s+(?:un|une|de|d')\s*(?:probleme|souci|soucis|bug|panne)\s+(?:de|d'|du|avec)|"
    r"aucun\s+(?:probleme|souci)\s+(?:de|d'|du|avec)|"
    r"pas\s+besoin\s+(?:de|d'|du)|sans\s+(?:besoin\s+de|probleme\s+de|souci\s+de)|"
    r"(?:it'?s|it\s+is|this\s+is|is)\s+not|isn't|not\s+(?:a|an)\s+(?:problem|issue)\s+with|"
    r"sauf|hormis|a\s+part|except|other\s+than|rather\s+than|"
    r"(?:n'\s*)?(?:ai|avons|a)\s+(?:pas|bien|deja)\s+(?:change|modifie|oublie|touche|verifie|"
    r"reinitialise|changer|modifier|oublier|verifier)|j'\s*ai\s+(?:bien\s+)?(?:verifie|teste|"
    r"retape|ressaisi|verifier|tester)|(?:haven't|have\s+not|didn't|did\s+not)\s+(?:change|"
    r"changed|forget|forgot|touch|touched|reset)|(?:i\s+)?(?:checked|tested|retyped))"
    r"\s+(?:(?:le|la|les|l'|un|une|du|de\s+la|des|de|d'|mon|ma|mes|son|sa|ses|notre|nos|votre|"
    r"vos|leur|the|a|an|my|our|your)\s*)?$")
# After a subject word: it is declared fine or not the cause.
_DENIED_AFTER = re.compile(
    r"^\s*(?:[\w']+\s+){0,2}?(?:(?:n'\s*)?(?:est|etait|etre|sont)\s+(?:pas|plus|jamais)\s+"
    r"(?:le\s+|la\s+|en\s+|du\s+tout\s+)?(?:probleme|souci|cause|responsable|concerne|"
    r"concerner|en\s+cause|bloque|bloquer|expire|expirer|perdu|perdre|oublie|oublier)|"
    r"(?:fonctionn\w*|march\w*|va|aller|passe|passer)\s+(?:bien|tres\s+bien|correctement|"
    r"parfaitement|normalement|sans\s+probleme)|"
    r"(?:est|etre|sont)\s+(?:ok|bon|bonne|correct|correcte|valide|a\s+jour)(?!\w)|"
    r"(?:is|are|was)\s+(?:fine|ok|correct|right|good|not\s+the\s+(?:problem|issue)|"
    r"working\s+fine)|works\s+(?:fine|elsewhere|on)|"
    r"(?:fonctionn\w*|march\w*)\s+(?:sur|ailleurs|avec|dans|on))")
# Before a symptom: reversed ("ne plante plus", "n'est plus bloqué", "is no longer down").
_NEGATOR_BEFORE = re.compile(
    r"(?:(?:^|\s)ne\s+|n'\s*(?:est|etait|etre|sont|semble|sembler)\s+(?:pas|plus|jamais)"
    r"(?:\s+du\s+tout)?\s+(?:[\w']+\s+)?|"
    r"(?:plus|pas|jamais)\s+(?:du\s+tout\s+)?(?:de|d')\s*|"
    r"(?:is|are|was|not|no\s+longer|never|n't)\s+(?:not\s+|no\s+longer\s+|never\s+)?)$")
_NEGATOR_AFTER = re.compile(r"^\s*(?:pas|plus|jamais)(?!\w)")
_NEGATION_WORD = re.compile(r"(?<!\w)(?:ne|n'|pas|plus|jamais|aucun\w*|rien|not|n't|no|"
                            r"never)(?!\w)")
_SEPARATOR = "\u2063"  # between the folded and the lemmatised form of one text

# A list: items separated by commas, slashes or "et", or a bullet line.
_LIST_AROUND = re.compile(r"[,/+]|(?<!\w)(?:et|and|ou|or)(?!\w)")
_BULLET = re.compile(r"^\s*(?:[-*•·▪–]|\d+[.)])\s*")
# A greeting's comma is no list separator: "Hi, the network share won't open for me, ..."
_GREETING = re.compile(r"(?:^|\n)\s*(?:hi|hello|hey|dear|bonjour|salut|coucou|bonsoir)"
                       r"(?:\s+[\w-]+)?\s*,")


# Before a request's action verb: the requester does it to themself ("je n'arrive pas à me
# connecter au réseau" is a connection that fails, not a port to open), unless someone is asked
# to do it for them ("pouvez-vous me connecter", "merci de me", "pour me connecter").
_OWN_DOING = re.compile(r"(?:(?<!\w)(?:me|se|te)\s+|(?<!\w)(?:m|s|t)'\s*)$")
_DONE_FOR = re.compile(r"(?:vous|tu|de|d'|pour|afin\s+de|please|to)\s+(?:me|m'|nous)\s*$")


def _window(text: str, start: int, end: int, width: int = 60) -> tuple[str, str]:
    left = text[max(0, start - width):start]
    right = text[end:end + width]
    return left.rpartition(_SEPARATOR)[2], right.partition(_SEPARATOR)[0]


def denied(text: str, start: int, end: int) -> bool:
    """The subject word at text[start:end] is named to be denied or declared fine."""
    left, right = _window(text, start, end)
    return bool(_DENIED_BEFORE.search(left) or _DENIED_AFTER.match(right))


def own_doing(text: str, start: int) -> bool:
    """The verb at text[start:] is reflexive: the requester's own attempt, not a change asked
    for ("à me connecter au réseau"; not "pouvez-vous me connecter au réseau")."""
    left, _ = _window(text, start, start, 30)
    return bool(_OWN_DOING.search(left)) and not _DONE_FOR.search(left)


_NE_BEFORE = re.compile(r"(?:(?<!\w)ne\s+|(?<!\w)n'\s*)$")


def negated_verb(text: str, start: int) -> bool:
    """The word at text[start:] is a verb in the negative ("les mails ... n'arrivent plus",
    "ne commence pas"): what does not happen, a fault, not a person arriving or starting."""
    left, _ = _window(text, start, start, 12)
    return bool(_NE_BEFORE.search(left))


def reversed_symptom(text: str, start: int, end: int) -> bool:
    """The symptom at text[start:end] is negated ("ne plante plus"); a symptom that carries its
    own negation ("ne marche plus", "pas de réseau") is never reversed again."""
    if _NEGATION_WORD.search(text[start:end]):
        return False
    left, right = _window(text, start, end, 40)
    if _NEGATOR_BEFORE.search(left):
        # "ne" alone needs its second half after the word: "ne plante plus"
        if re.search(r"(?:^|\s)ne\s+$", left):
            return bool(_NEGATOR_AFTER.match(right))
        return True
    return False


def listed(text: str, start: int, end: int) -> bool:
    """The word is one item of an enumeration ("Windows, VPN, messagerie", "- VPN")."""
    line_start = max(text.rfind("\n", 0, start), text.rfind(_SEPARATOR, 0, start)) + 1
    ends = [i for i in (text.find("\n", end), text.find(_SEPARATOR, end)) if i >= 0]
    line = text[line_start:min(ends) if ends else len(text)]
    if _BULLET.match(line) and len(line.split()) <= 6:
        return True
    left, right = _window(text, start, end, 30)
    left, right = left.rsplit(".", 1)[-1], right.split(".", 1)[0]
    left = left[greeting.end():] if (greeting := _GREETING.search(left)) else left
    before = bool(_LIST_AROUND.search(left[-20:]) or left.rstrip().endswith(":"))
    after = bool(_LIST_AROUND.search(right[:20]))
    separators = len(_LIST_AROUND.findall(left + " " + right))
    return before and after and separators >= 2


def aside(text: str, start: int, end: int) -> bool:
    """The word stands inside brackets, a detail of the sentence ("l'archive (40 000 fichiers,
    certains avec des droits particuliers)"), not what it is about."""
    left, right = _window(text, start, end, 80)
    opened = left.rfind("(")
    return opened > left.rfind(")") and ")" in right.split("(", 1)[0]
