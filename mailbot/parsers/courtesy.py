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


# A signature under the thanks that the signature cutter left (no "-- ", no sign-off line of
# its own): up to 4 short lines, the first a name ("Sophie Leroy", "S. Leroy"), the others a
# role, a department, a company or a phone number (issue 16 §5).
_MAX_SIGNATURE_LINES = 4
_NAME_LINE = re.compile(r"^[^\W\d_][\w.'’-]*(?:[ \t]+[^\W\d_][\w.'’-]*){0,3}$")
_PHONE_LINE = re.compile(r"^(?:(?:t[eé]l|tel|phone|mobile|portable|poste|ligne|fixe|gsm|ext)"
                         r"[\w.]*\s*:?\s*)?\+?[\d(][\d ().-]{3,20}\d$", re.IGNORECASE)
_ADDRESS_LINE = re.compile(r"^\S+@\S+\.\w+$|^(?:https?://|www\.)\S+$")
# Words of a role or a department line written in lower case ("Responsable des ressources
# humaines"): any other lower-case word there makes the line a sentence, not a signature.
_ROLE_WORDS = frozenset((
    "de", "des", "du", "d", "la", "le", "les", "l", "et", "en", "a", "au", "aux", "and", "of",
    "the", "for", "service", "services", "responsable", "assistant", "assistante", "direction",
    "directeur", "directrice", "departement", "pole", "chef", "cheffe", "charge", "chargee",
    "comptable", "comptabilite", "ressources", "humaines", "gestionnaire", "technicien",
    "technicienne", "secretaire", "secretariat", "accueil", "commercial", "commerciale",
    "juridique", "achats", "agence", "site", "equipe", "projet", "projets", "paie", "clients",
    "client", "ventes", "marketing", "communication", "logistique", "production", "qualite",
    "administratif", "administrative", "financier", "financiere", "finance", "generale",
    "general", "adjoint", "adjointe", "manager", "department", "head", "team", "office",
    "sales", "human", "resources", "accounting", "support", "informatique", "stagiaire",
))


def thanks_only(text: str) -> bool:
    """True when `text` (already cut of quotes and signature) only thanks or acknowledges,
    maybe above a short signature the cutter did not recognise."""
    text = text.strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for cut in range(1, min(_MAX_SIGNATURE_LINES, len(lines) - 1) + 1):
        if _signature(lines[-cut:]) and _thanks(" \n".join(lines[:-cut])):
            return True
    return _thanks(text)


def _signature(lines: list[str]) -> bool:
    return bool(_NAME_LINE.match(lines[0])) and _names_only(lines[0], [
        _plain(w).replace(" ", "") for w in _WORD.findall(lines[0])]) and all(
        _PHONE_LINE.match(line) or _ADDRESS_LINE.match(line) or _role_line(line)
        for line in lines[1:])


def _role_line(line: str) -> bool:
    words = _WORD.findall(line)
    if not words or len(words) > 6 or len(line) > 60 or line.endswith(("?", "!", ".")):
        return False
    if _BUT.search(_plain(line)):
        return False
    return all(w[:1].isupper() or _plain(w).replace(" ", "") in _ROLE_WORDS
               or all(part in _ROLE_WORDS for part in _plain(w).split()) for w in words)


def _thanks(text: str) -> bool:
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
