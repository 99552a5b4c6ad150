"""What a subject says: reply/forward prefixes, the ticket tag, URGENT, the program named.

Clients of a European company stack prefixes in many languages ("RE : TR: AW: ..."), with or
without the French space before the colon; all of them are peeled before anything else is read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from mailbot.parsers.layouts import AUTO_REPLY_PREFIX
from mailbot.parsers.program_words import names_program
from mailbot.parsers.programs import Program
from mailbot.tags import find_tag, strip_tags

# Reply prefixes: EN/FR "RE", FR "Réf", DE "AW"/"Antwort", NL "Antw", Nordic "SV"/"VS"/"Vs",
# IT "R"/"Rif", PL "Odp", TR "YNT", ES/PT "RES"/"Resp".
_REPLY_WORDS = r"re|r[ée]f|aw|antwort|antw|sv|vs|r|rif|odp|ynt|res|resp|ref"
# Forward prefixes: FR "TR", EN "FW"/"Fwd", DE "WG", ES "RV"/"Reenv", PT "ENC", NL "Doorst",
# IT "I"/"Inoltro" are left out ("I:" is too common a word to peel), PL "PD", SE "VB".
_FORWARD_WORDS = r"tr|fwd?|wg|rv|reenv|enc|doorst|pd|vb|fs"
_PREFIX = re.compile(
    r"^\s*(?:\[\s*(?:" + _REPLY_WORDS + "|" + _FORWARD_WORDS + r")\s*\]|"
    r"(" + _REPLY_WORDS + "|" + _FORWARD_WORDS + r")(?:\s*[\[(]\d{1,3}[\])])?\s*[:：])\s*",
    re.IGNORECASE,
)
_FORWARD_ONLY = re.compile(r"^(?:" + _FORWARD_WORDS + r")$", re.IGNORECASE)

# A machine's own subject prefixes: peeled for the cleaned subject, judged in machine/.
_AUTO_PREFIX = re.compile(rf"^\s*(?:{AUTO_REPLY_PREFIX})\s*[:：]\s*", re.IGNORECASE)

# URGENT as a word: not "non-urgent", not "urgentistes", and not under a negation.
_URGENT = re.compile(r"(?<![\w-])urgent(?![\w-])", re.IGNORECASE)
_NEGATION_BEFORE = re.compile(
    r"(?:\b(?:pas|non|not|no|nicht|peu|rien\s+d)\W+(?:(?:tr[èe]s|trop|si|vraiment|super|"
    r"very|so|really|that|sehr)\W+)?|\bnon-\s*|\bd')$",
    re.IGNORECASE,
)
# The marker as employees write it at either end: "[URGENT]", "TRES URGENT !!! -", "Urgent :".
_URGENT_MARKER = re.compile(
    r"^\s*[\[(]?\s*(?:tr[èe]s\s+)?urgent\s*[\])]?\s*[!:;,.\-–—]*\s*"
    r"|\s*[\-–—:,(\[]*\s*(?:tr[èe]s\s+)?urgent\s*[\])]?\s*!*\s*$",
    re.IGNORECASE,
)
# Fallback program: a short capitalised name before " : " or " - " at the start of the subject.
_LEADING_NAME = re.compile(r"^\s*([A-Z0-9][\w.+&/-]*(?:\s+[A-Z0-9][\w.+&/-]*){0,2})\s+[:\-–]\s+")
_NOT_PROGRAMS = frozenset({
    "info", "infos", "information", "fyi", "question", "questions", "demande", "probleme",
    "problème", "bug", "erreur", "error", "urgent", "important", "rappel", "test", "help",
    "aide", "bonjour", "merci", "pc", "ordinateur", "imprimante", "printer", "note", "suivi",
    "ticket", "nouveau", "new", "re", "tr", "fw", "fwd", "urgence", "urgente", "très", "tres",
    "panne", "incident", "souci", "pb", "logiciel", "application", "appli", "programme",
    "software", "plantage", "crash", "absence", "réunion", "reunion", "accès", "acces",
    "access", "mot", "password", "compte", "account", "rdv", "hello", "salut", "appel",
    # whom an assistant writes for ("Pour Mme Lefèvre - impression ..."): a person, no program
    "pour", "for", "mme", "mme.", "m.", "mlle", "monsieur", "madame", "mr", "mr.", "mrs",
    "mrs.", "ms", "ms.", "dr", "dr.",
})
_SPACES = re.compile(r"\s+")


@dataclass
class SubjectInfo:
    cleaned: str
    ticket_ref: int | None
    urgent: bool
    program: str | None
    is_reply: bool  # a reply prefix came first: the subject is inherited from an earlier mail
    is_forward: bool  # a forward prefix appears in the chain of prefixes


def peel_prefixes(subject: str) -> tuple[str, list[str]]:
    """The subject without its leading reply/forward prefixes, and those prefixes in order."""
    found: list[str] = []
    rest = subject
    for _ in range(20):  # bounded: a subject of a thousand "RE:" must stay cheap
        match = _PREFIX.match(rest)
        if not match:
            break
        found.append((match.group(1) or match.group(0).strip(" []")).lower())
        rest = rest[match.end():]
    return rest, found


def is_forward_subject(subject: str) -> bool:
    """Whether a subject carries a forward prefix ("TR:", "Fwd:", "WG:" ...) among its prefixes."""
    return any(_FORWARD_ONLY.match(p) for p in peel_prefixes(subject)[1])


def has_urgent(text: str) -> bool:
    """URGENT written as a word and not negated ("pas urgent", "non urgent", "not urgent")."""
    for match in _URGENT.finditer(text):
        if not _NEGATION_BEFORE.search(text[max(0, match.start() - 30):match.start()]):
            return True
    return False


def catalogue_program(text: str, programs: tuple[Program, ...]) -> str | None:
    """The catalogue program named first in `text` (whole words, the longest spelling at a
    place), or None."""
    pattern, names = catalogue_spellings(programs)
    match = next(program_matches(pattern, text), None)
    return spelled(names, match.group(0)) if match else None


def program_matches(pattern: re.Pattern[str], text: str, pos: int = 0,
                    endpos: int | None = None) -> Iterator[re.Match[str]]:
    """The catalogue's spellings in `text` that name their program: "Access" in "access
    denied" is the word, not the program (program_words)."""
    for match in pattern.finditer(text, pos, len(text) if endpos is None else endpos):
        if names_program(text, match.start(), match.end()):
            yield match


def spelled(names: dict[str, str], written: str) -> str:
    """The program of a spelling as the catalogue pattern matched it (spaces or hyphens)."""
    key = " ".join(written.lower().split())
    return names.get(key) or names[" ".join(key.replace("-", " ").split())]


@functools.lru_cache(maxsize=8)
def catalogue_spellings(programs: tuple[Program, ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every spelling of the catalogue, longest first, whole words only (one
    search per text instead of one per spelling); and each spelling's program."""
    names: dict[str, str] = {}
    for program in programs:
        for spelling in (program.name, *program.aliases):
            if spelling.strip():
                names.setdefault(" ".join(spelling.lower().split()), program.name)
    if not names:
        return re.compile(r"(?!)"), names
    trie: dict = {}
    for spelling in names:
        node = trie
        for unit in re.findall(r"\s+|\S", spelling):
            # "VS Code" is written "VS-Code" and "VS\u00a0Code" too
            node = node.setdefault(r"[\s-]+" if unit.isspace() else re.escape(unit), {})
        node[""] = {}
    return re.compile(rf"(?<![\w-])(?:{_trie_pattern(trie)})(?![\w-])", re.IGNORECASE), names


def _trie_pattern(node: dict) -> str:
    """The spellings of a trie as one pattern sharing their prefixes (a search tries each
    starting letter once, not each of a few hundred spellings), longer spellings tried first:
    the pattern an alternation sorted longest-first would be, at a fraction of its cost."""
    branches = [unit + _trie_pattern(child) for unit, child in sorted(node.items()) if unit]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a spelling ends here: the longer ones first, then this one
        return f"(?:{body})?"
    return body


def earlier_well_known(text: str, found: str, programs: tuple[Program, ...],
                       well_known: tuple[Program, ...]) -> str:
    """`found`, the site catalogue's program in `text`, unless a well-known program is named
    before it ("VS Code ne passe plus par le VPN" is about VS Code, not the VPN service)."""
    pattern, _names = catalogue_spellings(programs)
    match = next(program_matches(pattern, text), None)
    if match is None:
        return found
    line = text.rfind("\n", 0, match.start()) + 1  # on its line: the same sentence or so
    # ... or earlier in its paragraph ("J'utilise VS Code ...\nDepuis, le VPN coupe ...")
    paragraph = text.rfind("\n\n", 0, match.start()) + 1
    before = catalogue_program(text[paragraph:match.start()], well_known)
    if before:
        return before
    # ... or named just after a site program that is only the way in: "par le VPN, VS Code
    # ...", "VPN / VS Code", "VPN + VS Code" (the medium and the program that fails through it)
    end = text.find("\n", match.end())
    after_text = text[match.end():len(text) if end < 0 else end]
    medium = _MEDIUM_BEFORE.search(text, line, match.start())
    joined = _JOINED.match(after_text)
    if medium or joined:
        well_pattern, names = catalogue_spellings(well_known)
        after = next(program_matches(well_pattern, after_text,
                                     joined.end() if joined and not medium else 0), None)
        if after and (medium or after.start() == joined.end()):
            return spelled(names, after.group(0))
    return found


# A site program named as the way through which another one fails ("par le VPN", "via
# Citrix", "over the VPN"), or joined to the next name by a bare connector ("VPN / VS Code").
_MEDIUM_BEFORE = re.compile(
    r"(?:\b(?:par|via|sous|derri[èe]re|hors|through|over|behind|across)(?:\s+(?:le|la|l['’]|les|"
    r"the|our|notre))?|\b(?:en|on))\s*\Z", re.IGNORECASE)
_JOINED = re.compile(r"\s*(?:[/+&]|\bet\b|\band\b|\bavec\b|\bwith\b)\s*", re.IGNORECASE)


def find_program(subject: str, programs: tuple[Program, ...]) -> str | None:
    """The catalogue program named in `subject`, else a name leading it ("Qlik : ...")."""
    best = catalogue_program(subject, programs)
    if best:
        return best
    match = _LEADING_NAME.match(subject)
    if match and match.group(1).strip().lower() not in _NOT_PROGRAMS:
        name = match.group(1).strip()
        if not any(w.lower() in _NOT_PROGRAMS for w in name.split()) and _product_like(name):
            # "Firefox 128 : ...", "Python 3.12 - ...": the program, without its version
            return _TRAILING_VERSION.sub("", name) or name
    return _versioned_name(subject)


# What leads a subject before " : " is often where or for whom the mail is ("Lyon : plus aucun
# téléphone", "Direction Achats - ...", "Standard : ..."), not a program. Unknown to every
# catalogue, a leading name is taken for a program only when it is shaped like a product: a
# capital or a digit inside a word ("PowerBI", "Pix4D"; "Paris 15" is a district), a sign
# ("Notepad++", "Node.js"), an acronym of two to four capitals ("GLPI") that is no short
# city's name, or several capitalised words that open on no site's or service's word ("Qlik
# Sense").
_PRODUCT_SHAPE = re.compile(
    r"\w(?-i:[A-Z])|[^\W\d_]\d|\d[^\W\d_]|[+&.]|^(?-i:[A-Z]{2,4})$")
_PLACE_WORDS = frozenset({
    "site", "agence", "service", "direction", "bureau", "siège", "siege", "usine", "entrepôt",
    "entrepot", "magasin", "dépôt", "depot", "département", "departement", "pôle", "pole",
    "équipe", "equipe", "étage", "etage", "salle", "accueil", "standard", "mairie", "ville",
    "région", "region", "saint", "sainte", "st", "ste", "le", "la", "les", "agences", "sites",
    "cabinet", "boutique", "plateforme", "atelier", "laboratoire", "labo", "école", "ecole",
    "collège", "college", "lycée", "lycee", "campus", "filiale", "groupe", "comptabilité",
    "compta", "rh", "dsi", "paie", "achats", "ventes", "commercial", "logistique", "juridique",
    "urgent", "info", "infos", "fyi",
    # a project's, a client's or a file's name is no program either ("Projet Excelsior : ...")
    "projet", "project", "dossier", "client", "affaire", "chantier", "opération", "operation",
})
# French towns whose names are short enough to read as acronyms when written in capitals.
_SHORT_TOWNS = frozenset({"LYON", "NICE", "METZ", "CAEN", "PAU", "ALBI", "AGEN", "DAX", "GAP",
                          "SENS", "AUCH", "FOIX", "LAON", "DOLE", "LENS", "BRON", "SETE", "VIRE"})


def _product_like(name: str) -> bool:
    words = name.split()
    if words[0].lower() in _PLACE_WORDS or name.upper() in _SHORT_TOWNS:
        return False
    return sum(w[0].isalpha() for w in words) > 1 or bool(_PRODUCT_SHAPE.search(name))


# A name followed by its version ("Mercator 8.2 plante", "Teams v1.6", "Sage 100c v9"): the
# version marks a program even when no catalogue knows it. A version, not a date: "v9",
# "version 4", three parts, or two whose second is no zero-padded month ("12.05" is a date);
# a single digit before a month's number is a version ("GIMP 2.10", "Python 3.11").
_VERSIONED = re.compile(
    r"(?<![\w.])((?-i:[A-Z][\w+&-]*)(?:\s+(?:(?-i:[A-Z][\w+&-]*)|\d+[a-z]{1,3}))?)\s+\(?"
    r"(?:v(?:ersion)?\.?\s?\d+(?:\.\d+)*|\d{1,4}\.\d{1,3}(?:\.\d{1,5}){1,3}|20\d\d\.\d{1,2}|"
    r"\d{1,2}\.(?!0\d\b|1[0-2]\b)\d{1,3}|[1-9]\.1[0-2])"
    r"(?![\w.])", re.IGNORECASE)


_TRAILING_VERSION = re.compile(r"(?:\s+(?:v(?:ersion)?\s?)?\d[\w.]*)+$", re.IGNORECASE)


def _versioned_name(subject: str) -> str | None:
    for match in _VERSIONED.finditer(subject):
        words = match.group(1).split()
        if any(w.lower() in _NOT_VERSIONED for w in words):
            continue  # "Salle B 1.4", "Étape 2.1": what the number counts, no program
        while words and words[0].lower() in _NOT_PROGRAMS:
            words.pop(0)  # "Erreur Pix4Dmapper 4.8.1": the program is the last word
        if words and len(" ".join(words)) > 1:
            return " ".join(words)
    return None


def _unless_negated(match: re.Match[str]) -> str:
    """The URGENT marker peeled, unless negated: "Écran - pas urgent" keeps its "pas urgent",
    which says the requester needs no quick resolution (the SLA procedure's P4)."""
    before = match.string[max(0, match.start() - 30):match.start() + 1]
    head = match.group(0)
    word = head.lower().find("urgent")
    if _NEGATION_BEFORE.search(before + head[:word].lstrip(" -–—:,([")):
        return match.group(0)
    return " "


# Words a number follows that are no programs ("Étape 2.1", "Release 4.2", "Article 3.1").
_NOT_VERSIONED = frozenset({
    "version", "release", "étape", "etape", "step", "phase", "lot", "sprint", "page", "article",
    "chapitre", "chapter", "section", "point", "niveau", "level", "annexe", "tome", "figure",
    "salle", "bureau", "bâtiment", "batiment", "étage", "etage", "poste", "facture", "commande",
    "n°", "no", "numéro", "numero", "ref", "réf", "total", "montant", "prix", "tva", "le", "la",
})


def analyse_subject(subject_raw: str, *, tag_prefix: str, programs: tuple[Program, ...]
                    ) -> SubjectInfo:
    rest, prefixes = peel_prefixes(subject_raw)
    ticket_ref = find_tag(subject_raw, tag_prefix)
    is_reply = bool(prefixes) and not _FORWARD_ONLY.match(prefixes[0])
    is_forward = any(_FORWARD_ONLY.match(p) for p in prefixes)
    # A reply carries the URGENT of the subject it answers; only what the sender put before
    # the first reply prefix (e.g. "URGENT RE: ...") is a new request.
    urgent_zone = subject_raw if not is_reply else subject_raw[: _first_prefix_at(subject_raw)]
    urgent = has_urgent(urgent_zone)
    cleaned = strip_tags(rest, tag_prefix)
    for _ in range(3):  # "URGENT RE: [#12] TR: ..." interleaves markers and prefixes
        cleaned, _ = peel_prefixes(cleaned)
        cleaned = _AUTO_PREFIX.sub("", cleaned, count=1)
        cleaned = _URGENT_MARKER.sub(_unless_negated, cleaned, count=2)
    cleaned = _trim(_SPACES.sub(" ", cleaned))
    return SubjectInfo(
        cleaned=cleaned or _SPACES.sub(" ", rest).strip(),
        ticket_ref=ticket_ref,
        urgent=urgent,
        program=find_program(cleaned, programs),
        is_reply=is_reply,
        is_forward=is_forward,
    )


# A drive letter's colon ends a subject with meaning: "lecteur P:" (day 6 §14).
_DRIVE_AT_END = re.compile(r"(?:^|[\s(\"'«])[A-Za-z]:$")


def _trim(subject: str) -> str:
    """The separators a subject's cleaning left at its ends ("URGENT - ", "Re : " peeled), but
    not a colon that means something at its end: a drive letter's."""
    subject = subject.lstrip(" -–—:")
    while subject and subject[-1] in " -–—:":
        if subject[-1] == ":" and _DRIVE_AT_END.search(subject):
            break
        subject = subject[:-1]
    return subject


def _first_prefix_at(subject: str) -> int:
    """Where the first reply/forward prefix starts (at a word start), or the end."""
    for match in _WORD_START.finditer(subject):
        if _PREFIX.match(subject[match.start():]):
            return match.start()
    return len(subject)


_WORD_START = re.compile(r"(?<!\w)\w")
