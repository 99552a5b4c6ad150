"""Program names that are also common words: "Access", "Word", "Teams", "Outlook", "Sage"...

"Access denied" in a pasted English error is no sign of Microsoft Access, "in other words" none
of Word, "soyez sage" none of Sage 100. Such a spelling names the program only

- outside the phrases the word makes in English or French ("access denied", "access to",
  "word of mouth", "teams are", "edge case", "project manager"...), and
- with some evidence that it is the program: written with its capital ("sous Access", "Outlook
  ne s'ouvre plus"), followed by a version or an edition ("Access 2016", "Teams web"), preceded
  by French words that only a program follows ("sous access", "mon outlook", "le fichier
  excel"), followed by what programs do ("excel plante", "outlook won't open"), or a file of
  the program named in the same text ("base.accdb", "export.xlsx").

Spellings that are no words of either language ("PowerPoint", "OneDrive", "winword") need none.
"""

from __future__ import annotations

import re

# Lower-case spellings of the catalogues that are English or French words.
_ENGLISH = frozenset({
    "access", "word", "teams", "outlook", "excel", "office", "project", "edge", "zoom", "slack",
    "eclipse", "safari", "windows", "paint",
})
_FRENCH = frozenset({"sage", "office", "zoom", "safari"})
AMBIGUOUS = _ENGLISH | _FRENCH
# People's short nicknames of programs, also other things' initials or slang ("NPP": "ne pas
# publier"; "acro" in French: hooked; "TSE", "PBI"): they count only with a sign of the
# program: a version, what it does ("NPP plante"), or words only a program follows ("sous
# NPP", "pb Acro").
NICKNAMES = frozenset({"npp", "acro", "tse", "pbi"})

# What the word means when it is no program, written after it (case-insensitive).
_PHRASES_AFTER: dict[str, str] = {
    "access": r"(?:is|was|has\s+been|are|were|will\s+be|being)?\s*(?:denied|refused|refus|"
              r"restricted|forbidden|granted|blocked|revoked|not\b)|to\b|denied|violation|"
              r"rights?\b|control|token|level|code|key|point|request|permission|list|mode|"
              r"policy|polic|management|card|badge|log\b|logs\b|time\b",
    "word": r"of\s+mouth|for\s+word|count|\w*\s+(?:of|with)\s+you|limit",
    "teams": r"(?:are|were|have|will|of|that|who|which|and\s+departments)\b",
    "outlook": r"(?:for|on|is\s+(?:positive|negative|good|bad|stable))\b",
    "excel": r"(?:at|in)\b",
    "office": r"(?:hours?|du\s+tourisme|notarial|manager|space|building|supplies|chair|"
              r"d[ée]partemental|national|public)\b",
    "project": r"(?:manager|management|lead|leader|team|name|code|number|owner|office|plan|"
               r"status|phase|kick)",
    "edge": r"(?:cases?|of|computing|router|device|node)\b",
    "zoom": r"(?:in|out|level|sur|avant|arri[èe]re)\b",
    "slack": r"(?:off|time|period|in\s+the)\b",
    "windows": r"(?:are|were|of|and\s+doors|closed|open(?:ed)?)\b",
    "sage": r"(?:femme|conseil|advice|decision|words?)\b",
    "paint": r"(?:job|colou?r|brush|on|the)\b",
}
# ... and before it, whatever its case: the words that make a compound of it ("remote access",
# "cutting edge", "head office", "password"'s "pass word", "plus sage").
_PHRASES_BEFORE: dict[str, str] = {
    "access": r"(?:no|have|has|had|get|got|gain|gained|give|grant|granted|need|needs|request|"
              r"requested|remote|read|write|full|admin|user|internet|network|vpn|web|file|"
              r"folder|denied|lost|restricted|limited|without|guest|revoke|revoked|public|"
              r"unauthori[sz]ed|direct|easy|quick|shared|any|restore|to|cannot|can['’]t|"
              r"couldn['’]t|could\s+not|unable\s+to|privileged|conditional)\s+",
    "word": r"(?:other|last|final|key|pass|magic|kind|in\s+a)\s+",
    "teams": r"(?:sales|support|it|project|different|both|several|many|two|three)\s+",
    "outlook": r"(?:economic|financial|positive|negative|weather|business|market)\s+",
    "office": r"(?:head|back|post|home|front|main|box|at\s+the|in\s+the)\s+",
    "project": r"(?:pilot|new|this|that)\s+",
    "edge": r"(?:on\s+the|cutting|leading|trailing|sharp|competitive)\s+",
    "sage": r"(?:tr[èe]s|plus|soit|soyez|sois|rester|[êe]tre|reste|est)\s+",
    "windows": r"(?:open|opened|close|closed|browser|pop-?up|multiple|several|many|few|two|"
               r"three|all)\s+",
}
# Determiners before a word written in lower case ("our teams won't be there", "the outlook
# 2027"): the common noun; with a capital ("the Word document", "our Teams channel") the name.
_DETERMINER = re.compile(
    r"(?:^|(?<=[\W_]))(?:the|a|an|one|this|that|these|those|every|each|my|your|his|her|its|our|"
    r"their|all|both|other|same|no|what|which|whose|some|any|good|bad|un|une|cet|cette|l['’])"
    r"\s*\Z", re.IGNORECASE)
_AFTER = {word: re.compile(r"\s*(?:" + p + ")", re.IGNORECASE) for word, p in
          _PHRASES_AFTER.items()}
_BEFORE = {word: re.compile(r"(?:^|(?<=[\W_]))(?:" + p + r")\Z", re.IGNORECASE) for word, p in
           _PHRASES_BEFORE.items()}

# Evidence around a spelling written in lower case.
_VERSION_AFTER = re.compile(r"[\s-]*(?:(?:19|20)\d\d\b|\d+(?:\.\d+)*\b|365\b|desktop\b|"
                            r"for\s+(?:windows|mac)\b)", re.IGNORECASE)
# Words only a program follows in French (an English word after them would be odd).
_FRENCH_BEFORE = re.compile(
    r"(?:^|(?<=[\W_]))(?:sous|dans|avec|depuis|sur|via|ouvrir|ouvre|lancer|lance|"
    r"logiciel|application|appli|fichiers?|base|classeur|document|mon|ma|mes|le|la|l['’]|"
    r"notre|votre|son|d['’]|de|pb|probl[èe]mes?|soucis?|bug|erreur|plantage|panne)\s*\Z",
    re.IGNORECASE)
# Words only a program follows, before a nickname ("sous NPP", "pb Acro", "connexion au TSE",
# "with NPP"); not the determiners ("le TSE a publié"), which any initials take.
_NICKNAME_BEFORE = re.compile(
    r"(?:^|(?<=[\W_]))(?:sous|avec|via|ouvrir|ouvre|lancer|lance|logiciel|application|appli|"
    r"pb|probl[èe]mes?|soucis?|bug|erreur|plantage|panne|connexion(?:\s+(?:au|[àa]|sur\s+le))?|"
    r"acc[èe]s\s+(?:au|[àa])|with|using|open|opening|launch|issue|problem|error)\s*\Z",
    re.IGNORECASE)
_DOES_AFTER = re.compile(
    r"\s*(?:plante|crash|bugu?e|freeze|fige|se\s+ferme|ne\s+veut\s+(?:plus|pas)|"
    r"ne\s+(?:s['’]ouvre|d[ée]marre|r[ée]pond|"
    r"marche|fonctionne|se\s+lance)|n['’](?:arrive|ouvre)|bloqu|won['’]t|wont|doesn['’]t|"
    r"does\s+not|keeps|is\s+(?:crashing|frozen|not\s+(?:responding|opening|starting))|"
    r"crashes|froze|has\s+stopped|stopped\s+working|not\s+responding)", re.IGNORECASE)
_FILES: dict[str, re.Pattern[str]] = {
    "access": re.compile(r"\.(?:accdb|accde|mdb)\b|\bmsaccess\b", re.IGNORECASE),
    "word": re.compile(r"\.docx?\b|\bwinword\b", re.IGNORECASE),
    "excel": re.compile(r"\.xls[xmb]?\b", re.IGNORECASE),
    "outlook": re.compile(r"\.(?:pst|ost)\b", re.IGNORECASE),
    "teams": re.compile(r"\bms-teams\b|\bteams\.exe\b", re.IGNORECASE),
}


# The operating system as the place where things happen or the owner of a setting ("un réglage
# de Windows", "sous Windows 11", "on Windows", "depuis la mise à jour de Windows"): Windows
# is then no program at fault, unless something happens to it ("Windows ne démarre plus").
_OS_BEFORE = re.compile(
    r"(?:^|(?<=[\W_]))(?:sous|de|d['’]|du|dans|depuis|avec|pour|sur|on|under|in|with|for|of|"
    r"from|running)\s*\Z", re.IGNORECASE)
# A program named as the type of a file ("le tableau Excel des congés", "a Word document's"):
# the file, not the program, unless something happens to it ("le fichier Excel plante").
_FILE_TYPE_BEFORE = re.compile(
    r"(?:^|(?<=[\W_]))(?:fichiers?|tableaux?|classeurs?|documents?|exports?|extractions?|"
    r"feuilles?|mod[èe]les?|format|files?|spreadsheets?|workbooks?|sheets?|attachments?)\s*\Z",
    re.IGNORECASE)
_FILE_TYPE_AFTER = re.compile(r"['’]?s?\s+(?:documents?|files?|spreadsheets?|workbooks?|"
                              r"sheets?|attachments?)\b", re.IGNORECASE)  # "the Word document"


def os_only(text: str, start: int, end: int) -> bool:
    """Whether "Windows" written at text[start:end] names the operating system around the
    trouble, not the program at fault (a subject names its topic: never there)."""
    head = text[max(0, start - 20):start]
    return (text[start:end].lower().startswith("windows") and not _subject_like(text)
            and _OS_BEFORE.search(head) is not None and not _DOES_AFTER.match(text, end))


def file_type_only(text: str, start: int, end: int) -> bool:
    """Whether a program is named only as the type of a file ("le tableau Excel des ...")."""
    if _FILE_TYPE_AFTER.match(text, end):
        return True
    return (_FILE_TYPE_BEFORE.search(text[max(0, start - 20):start]) is not None
            and not _DOES_AFTER.match(text, end))


def _subject_like(text: str) -> bool:
    """A subject (one short line) names its topic; a common English word there in lower case,
    outside its phrases, is the program ("souci outlook", "excel", "teams micro")."""
    return len(text) <= 200 and "\n" not in text


def names_program(text: str, start: int, end: int) -> bool:
    """Whether the catalogue spelling written at text[start:end] names the program, not the
    word it also is."""
    written = text[start:end]
    word = written.lower()
    if word in NICKNAMES:
        return bool(_VERSION_AFTER.match(text, end) or _DOES_AFTER.match(text, end)
                    or _NICKNAME_BEFORE.search(text[max(0, start - 40):start]))
    if word not in AMBIGUOUS:
        return True
    after = _AFTER.get(word)
    if after is not None and after.match(text, end):
        return False
    before = _BEFORE.get(word)
    head = text[max(0, start - 40):start]
    if before is not None and before.search(head):
        return False
    if written[0].isupper():  # "Access", "OUTLOOK": the program's own capital
        return True
    if _DETERMINER.search(head):
        return False
    if _VERSION_AFTER.match(text, end) or _DOES_AFTER.match(text, end):
        return True
    if word in _ENGLISH and word not in _FRENCH and (
            _FRENCH_BEFORE.search(head) or _subject_like(text)):
        return True  # "sous excel", "pb outlook"; a subject names its topic: "outlook bloqué"
    files = _FILES.get(word)
    return files is not None and files.search(text) is not None
