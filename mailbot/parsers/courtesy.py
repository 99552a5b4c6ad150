"""Courtesy replies: a text that only thanks or acknowledges ("merci", "ok merci, bonne journée",
"thanks!", "parfait"), which must not reopen a closed ticket.

The test is built from how people close a conversation, not from a list of whole sentences:
the text is cut into words and the courtesy phrases of French and English are taken away; what
is left may only be a short sign-off name ("Merci, Jean"). Anything else (a question, a "mais",
"toujours pas", "still", a second sentence about the problem) is a real follow-up.
"""

from __future__ import annotations

import re
import unicodedata

_MAX_WORDS = 30  # a thank-you note is short; a longer text says something more
# Phrases, accent-free and lower-case, longest first so that "merci beaucoup" is one phrase.
_PHRASES = sorted((
    # thanks
    "merci", "merci beaucoup", "merci bien", "mille mercis", "mille merci", "grand merci",
    "merci a vous", "merci a toi", "merci pour tout", "merci pour votre aide",
    "merci pour ton aide", "merci pour la reponse", "merci pour votre reponse",
    "merci de votre aide", "merci de ton aide", "merci infiniment", "encore merci",
    "thanks", "thank you", "thank you very much", "thanks a lot", "many thanks", "thx", "ty",
    "thanks again", "thank you so much", "cheers", "much appreciated",
    # acknowledgement
    "ok", "okay", "oki", "d accord", "dac", "parfait", "super", "genial", "top", "au top",
    "nickel", "impeccable", "excellent", "tres bien", "c est bon", "c est parfait",
    "c est note", "bien note", "bien recu", "recu", "note", "ca marche", "ca fonctionne",
    "ca marche bien", "tout fonctionne", "tout marche", "c est regle", "c est resolu",
    "ca remarche", "ca refonctionne", "oui", "yes", "great", "perfect", "noted", "got it",
    "all good", "works", "it works", "works now", "it works now", "fine", "good", "awesome",
    "resolu", "regle", "cool",
    # greetings and sign-offs
    "bonjour", "bonsoir", "salut", "hello", "hi", "bonne journee", "bonne soiree",
    "bonne fin de journee", "bon week end", "bon weekend", "bonne semaine", "a bientot",
    "cordialement", "bien cordialement", "bien a vous", "salutations", "bonne continuation",
    "regards", "best regards", "kind regards", "best", "have a nice day", "have a good day",
    "again", "encore", "a vous", "pour tout", "tout", "vraiment", "really", "so much",
    "et", "and", "de", "pour", "votre", "ton", "aide", "help", "your", "the", "reponse",
), key=lambda p: -len(p.split()))
_PHRASE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in _PHRASES) + r")\b")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Words that turn a thank-you into a report: "merci mais ça ne marche toujours pas".
_BUT = re.compile(r"\b(?:mais|toujours|encore\s+(?:un|une|le|la|des)|ne|pas|plus|jamais|"
                  r"probleme|souci|erreur|but|still|not|no|again\s+\w+|problem|issue|error)\b")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"['’-]", " ", text)


def thanks_only(text: str) -> bool:
    """True when `text` (already cut of quotes and signature) only thanks or acknowledges."""
    text = text.strip()
    if not text or "?" in text:
        return False
    words = _WORD.findall(text)
    if not words or len(words) > _MAX_WORDS:
        return False
    plain = _plain(text)
    if _BUT.search(plain):
        return False
    left = _PHRASE.sub(" ", plain)
    rest = _WORD.findall(left)
    # What is left may only be a sign-off: one or two capitalised words ("Jean", "J. Martin").
    return len(rest) <= 2 and _names_only(text, rest)


def _names_only(text: str, rest: list[str]) -> bool:
    originals = {_plain(w).replace(" ", ""): w for w in _WORD.findall(text)}
    for word in rest:
        original = originals.get(word)
        if original is None or not original[:1].isupper():
            return False
    return True
