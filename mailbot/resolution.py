"""A requester confirming that it works again ("oui c'est revenu, merci", "c'est bon
maintenant") on an open ticket: the team is told so and the ladder waits until a technician
acts (day 6: the operations director was woken for a P1 its requester had confirmed fixed).

Pure. Read from the `[information] resolved` phrases, without the ones that only thank ("merci
pour votre aide" thanks for the help, it does not say the problem is gone), and only in a short
mail that asks nothing and says nothing is still wrong: a doubt keeps the ticket as it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from mailbot.rules.text import fold, word_regex

# A confirmation is a few lines; a longer mail tells more than that.
MAX_LENGTH = 300
# Anything that doubts or goes on: "pas encore", "mais", "toujours", "ça ne remarche pas".
_DOUBT = re.compile(
    r"\?|(?<!\w)(?:ne|n'|pas|toujours|encore|mais|par contre|sauf|recommence|de nouveau en "
    r"panne|not|still|but|except|again)(?!\w)")
_GRATITUDE = re.compile(r"^(?:merci|thank|thanks|bravo)(?!\w)")


@lru_cache(maxsize=8)
def _phrases(resolved: tuple[str, ...]) -> re.Pattern[str] | None:
    return word_regex(fold(p) for p in resolved if not _GRATITUDE.match(fold(p).strip()))


# What people say on a ticket of theirs once it works, beyond the information phrases (those
# also classify new mail, where "ça marche" alone says nothing): "c'est bon ça marche", "ça
# fonctionne, merci", "it works, thanks". Not "ça marche pour jeudi" (agreeing to a proposal),
# nor "c'est bon merci" alone (as much "understood" as "fixed": a thanks, filed quietly).
# Day 8: "Merci Paul, c'est parfait.", "nickel", "tout est ok", "that did it", "sorted" too.
_EVERYDAY = re.compile(
    r"(?<!\w)(?:ca marche|ca fonctionne|ca refonctionne|c'est parfait|parfait,? merci|"
    r"nickel|impeccable|tout est (?:ok|bon|en ordre)|c'est (?:regle|resolu|ok maintenant)|"
    r"probleme (?:resolu|regle)|"
    r"it works|it's working|all good|it's ok now|perfect,? thanks?|perfect,? thank you|"
    r"that did it|that did the trick|that's done it|sorted|all sorted|works perfectly)"
    r"(?!\w)(?!\s*(?:pour|for|avec|with|le|la|"
    r"les|a|au|aux|on|at|demain|tomorrow)(?!\w))")


# Day 9: access or service said to be back ("tout le monde a de nouveau accès au S:", "ça
# remarche", "c'est rétabli", "it works again", "the server is back up"). "De nouveau" and
# "again" are doubt words elsewhere ("de nouveau en panne"): these phrases are taken out before
# the doubt is looked for.
_BACK = re.compile(
    r"(?<!\w)(?:(?:(?:a|ont|ai|avons|avez) )?(?:de nouveau|a nouveau) (?:acces|access)|"
    r"(?:(?:ca|tout|il|elle) )?(?:remarche|refonctionne)\w*|"
    r"(?:c'est|est|sont) (?:de nouveau )?retabli\w*|(?:recoi\w*|recev\w*|arriv\w*|"
    r"fonctionn\w*|march\w*|imprim\w*|demarr\w*) (?:de nouveau|a nouveau)|"
    r"(?:works|working|work) again|"
    r"(?:access|acces) again|(?:is|it's|its|are|we're|i'm) back (?:up|online|to normal))(?!\w)")
# Day 10: a symptom said to have stopped ("ça ne clignote plus", "plus aucun souci depuis", "il
# n'a plus planté", "no more errors", "hasn't crashed since"). The negated word must be the
# symptom, never the working state: "ça ne marche plus" and "plus aucun accès" are faults, so
# only the words below (a fault's verbs and nouns) count. Taken out before the doubt is looked
# for, like `_BACK`.
_SYMPTOM_VERB = (r"(?:re)?(?:clignot|plant|bloqu|coup|freez|gel|crash|beug|bug|ram|ralenti|"
                 r"deconnect|gresill|saut|redemarr\w* tout seul|"
                 r"fig|affich\w* (?:plus )?(?:d'|de |l'|le |la |les |ce |cette )?(?:message|"
                 r"erreur|ecran bleu|alerte))\w*")
_SYMPTOM_NOUN = (r"(?:souci|probleme|soucis|problemes|erreur|erreurs|message d'erreur|"
                 r"messages d'erreur|bug|bugs|plantage|plantages|coupure|coupures|ecran bleu|"
                 r"bruit|lenteur|lenteurs|clignotement|deconnexion|deconnexions|alerte|alertes|"
                 r"blocage|blocages|gresillement|freeze)")
_EN_SYMPTOM = (r"(?:crash\w*|freez\w*|froze\w*|flicker\w*|blink\w*|drop\w*|hang\w*|"
               r"hung|fail\w*|disconnect\w*|beep\w*|error\w*|problem\w*|issue\w*)")
_FIXED = re.compile(
    r"(?:(?<!\w)(?:ne |n')(?:(?:se|s'|me|m'|nous|le|la|les|l'|lui) ?)?" + _SYMPTOM_VERB
    + r" (?:plus|jamais plus|plus jamais)|"
    r"(?<!\w)n'(?:a|ont|avons|ai) (?:plus|plus jamais|jamais plus|pas) (?:re)?"
    + _SYMPTOM_VERB + "|"
    # "plus de" is "no more" only after a negation or opening a sentence: "de plus en plus de
    # problèmes", "plus de bruit qu'avant" are faults.
    r"(?<!\w)plus (?:aucun|aucune) " + _SYMPTOM_NOUN + r"(?!\w)|"
    r"(?:(?:(?<!\w)n'(?:ai|a|avons|ont|y a)|^|[,.!;:\n])\s*)plus "
    r"(?:de |d'|du tout de |le |la |les |l'|ce |cet |cette )?" + _SYMPTOM_NOUN + r"(?!\w)|"
    r"(?<!\w)(?:aucun|aucune|pas de|pas un) (?:nouveau |nouvel |nouvelle |seul |seule )?"
    + _SYMPTOM_NOUN + r" depuis|"
    r"(?<!\w)no (?:more|further) " + _EN_SYMPTOM + "|"
    r"(?<!\w)(?:hasn't|has not|haven't|have not|didn't|did not|hasnt|havent|didnt|no longer) "
    r"(?:been )?" + _EN_SYMPTOM + r"(?: (?:again|since|anymore|any more))?|"
    r"(?<!\w)(?:doesn't|does not|don't|do not|won't|isn't|is not) " + _EN_SYMPTOM
    + r" (?:anymore|any more|since|again))(?!\w)")


# A yes to a technician's question ("Pouvez-vous confirmer ?"): "oui c'est bon", "c'est bon",
# "yes it's fine"; not "c'est bon à savoir" (good to know) nor "c'est bon pour jeudi".
_YES = re.compile(
    r"(?<!\w)(?:(?:oui|yes)[\s,!.]*(?:c'est bon|ca va|tout va bien|it's fine|it's ok|"
    r"it's good|all good|that's fine)|c'est bon|c'est ok|it's fine|that's fine)(?!\w)"
    r"(?!\s*(?:a savoir|to know|pour|for|avec|with|le|la|les|a|au|aux|on|at|demain|"
    r"tomorrow)(?!\w))")
# ... or a bare "Oui, merci !" / "Yes, thanks." as the whole first sentence.
_BARE_YES = re.compile(r"^(?:oui|yes|yep|ouais)(?:[\s,!.]*(?:merci|thanks|thank you)"
                       r"(?: \w+)?)?[\s,!.]*$")
_GREETING = re.compile(r"^(?:bonjour|bonsoir|salut|hello|hi)(?: \w+)?[\s,!.]*")


def confirmation(text: str, resolved: Sequence[str], *, asked: bool = False,
                 broken: re.Pattern[str] | None = None) -> str | None:
    """The words by which `text` (the requester's own top block) confirms it works again, as
    they wrote them, or None. `asked`: a technician's last answer asked a question, which a
    plain yes answers; `broken`: the organisation's words for a fault, which a yes or an "it
    is back" must not name in the same mail."""
    folded = fold(text).strip()
    if not folded or len(folded) > MAX_LENGTH:
        return None
    plain = _FIXED.sub(" ", _AGAIN_THANKS.sub(" ", folded))  # "merci encore" is no doubt
    if not _DOUBT.search(plain):
        pattern = _phrases(tuple(resolved))
        found = ((pattern.search(plain) if pattern is not None else None)
                 or _EVERYDAY.search(plain))
        if found:
            return as_written(text, found.group(0))
    rest = _BACK.sub(" ", plain)
    if _DOUBT.search(rest) or (broken is not None and broken.search(rest)):
        return None
    found = (_BACK.search(folded) or _FIXED.search(folded)
             or (_YES.search(folded) if asked else None))
    if found:
        return as_written(text, found.group(0))
    first = re.split(r"[.!\n]\s", _GREETING.sub("", folded), maxsplit=1)[0]
    return as_written(text, first.strip(" ,!.")) if asked and _BARE_YES.match(first) else None


def as_written(text: str, folded_words: str) -> str:
    """`folded_words` (found in `fold(text)`) as `text` has them: « ça marche », not « ca
    marche »."""
    starts: list[int] = []  # for each folded character, the original one it comes from
    for i, char in enumerate(text):
        starts.extend([i] * len(fold(char)))
    folded = fold(text)
    at = folded.find(folded_words)
    if at < 0 or len(starts) != len(folded):
        return folded_words
    end = at + len(folded_words)
    stop = starts[end] if end < len(starts) else len(text)
    return text[starts[at]:stop].strip()


# After a closure, a reply that only thanks or praises, maybe with a happy word about what it
# allows ("Top merci, les camions partiront à l'heure !", "Great, thanks! The trucks will leave
# on time."): it reports nothing and asks nothing, so it never reopens (day 8: such a thanks to
# an earlier mail of a closed P1 reopened it and woke management for days).
_PRAISE = re.compile(
    r"(?<!\w)(?:merci|remerci\w*|bravo|chapeau|top|au top|super|genial|geniale|parfait|"
    r"parfaite|nickel|impeccable|excellent|excellente|formidable|extra|trop bien|"
    r"thanks?|thank you|thx|ty|cheers|kudos|great|perfect|awesome|brilliant|fantastic|"
    r"amazing|wonderful|lifesaver|you rock|the best|much appreciated|appreciated)(?!\w)"
    "|[\U0001F44D\U0001F44C\U0001F64F\U0001F642\U0001F60A\U0001F600\U0001F603\U0001F604"
    "\U0001F389\U0001F4AA\u2764\u2705\u263A]")
# Thanks said again is no fault said again: "merci encore", "encore bravo", "thanks again".
_AGAIN_THANKS = re.compile(
    r"(?<!\w)(?:(?:encore|de nouveau|a nouveau) (?:une fois )?(?:merci|bravo)|"
    r"(?:merci|bravo) (?:encore|de nouveau|a nouveau)(?: une fois)?|"
    r"(?:thanks|thank you) (?:again|once again)|again,? thanks)(?!\w)")
# What a report says beyond the organisation's broken words: the fault came back or a new one.
_FAULT = re.compile(
    r"(?<!\w)(?:de nouveau|a nouveau|re-?\w*(?:fait|commence|vient|plante|bloque)\w*|"
    r"disparu\w*|traces?|lent\w*|slow\w*|souci\w*|probleme\w*|panne\w*|bug\w*|erreur\w*|"
    r"issue\w*|problem\w*|error\w*|fail\w*|though|however|although|autre chose|"
    r"something else|aussi|also|egalement|rest(?:e|ent)|noir\w*|il (?:me|nous) faut|"
    r"au fait|by the way|btw)(?!\w)")


def appreciation(text: str, *, broken: re.Pattern[str] | None,
                 asking: re.Pattern[str] | None) -> bool:
    """True when `text` (the requester's own top block) only thanks or praises: a word of
    thanks or praise, no question, no doubt, nothing broken (the organisation's `broken` words
    and ours), nothing asked (its `asking` words)."""
    folded = fold(text).strip()
    if not folded or len(folded) > MAX_LENGTH or "?" in folded:
        return False
    # "Merci encore, plus aucun souci depuis." (day 10): a fault said to be over is praise too.
    if not _PRAISE.search(folded) and not _FIXED.search(folded):
        return False
    plain = _FIXED.sub(" ", _AGAIN_THANKS.sub(" ", folded))
    return not any(p is not None and p.search(plain)
                   for p in (_DOUBT, _FAULT, broken, asking))
