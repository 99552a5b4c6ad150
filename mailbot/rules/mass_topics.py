"""What a report of a shared failure is about, in the reporter's own words: the component that
fails (the network, a network share, the mail, the phones, a printer, a program) and the group
that suffers it (a department, a site, the sender's sub-domain).

Six people of one department never describe a network outage the same way ("plus de réseau",
"Aucun accès réseau", "internet coupé", "câble branché pourtant"), nor a share ("lecteur P:",
"dossier partagé COMPTA", "P:\\ introuvable", "serveur de fichiers"): the same component in the
same group within the mass window is one failure (rules/mass.py). Pure; every text is folded.
"""

from __future__ import annotations

import re

# Checked in this order; the share's words are taken out before the network's are looked for
# ("lecteur réseau" is the share, not the network).
_SHARE = re.compile(
    r"(?<!\w)(?:lecteurs? (?:reseau|partage|commun)s?|partages? (?:reseau|commun)s?|"
    r"(?:dossiers?|repertoires?|disques?) (?:partages?|communs?|reseaux?)|"
    r"serveurs? (?:de )?fichiers|chemin (?:d'acces )?(?:reseau|introuvable)|"
    r"lecteurs? [a-z]:|(?<![\w:])[a-z]:(?=\\|/|\s|$|\)|,|\.)|\\\\[\w.-]+|"
    r"network (?:drive|share|folder)s?|shared (?:drive|folder)s?|file ?servers?)(?!\w)")
_COMPONENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("network", re.compile(
        r"(?<!\w)(?:reseau|reseaux|internet|wi-?fi|ethernet|network|(?:pas|plus|aucune?) de "
        r"connexion|(?:pas|plus|aucun) d'acces (?:au )?reseau|hors ligne|offline|"
        # everyday forms: "le net ne marche plus", "aucun PC n'a de connexion" ("se connecter"
        # is not: "impossible de me connecter à ma session" is a password, not the network)
        r"(?:le|du|au|sur le) net|n'\w+ (?:de|d'aucune|pas de|plus de) connexion)(?!\w)")),
    ("mail", re.compile(r"(?<!\w)(?:messagerie|outlook|boite (?:mail|aux lettres)|courriels?|"
                        r"e-?mails?|mails?|webmail|exchange)(?!\w)")),
    ("phone", re.compile(r"(?<!\w)(?:telephones?|telephonie|standard|softphone|"
                         r"lignes? fixes?|phones?)(?!\w)")),
    ("printer", re.compile(r"(?<!\w)(?:imprimantes?|impressions?|imprimer|photocopieu\w*|"
                           r"copieurs?|printers?|printing)(?!\w)")),
    ("vpn", re.compile(r"(?<!\w)vpn(?!\w)")),
)

# Something is broken (a request that says so is a report too: "pouvez-vous rétablir le
# réseau ?", "le partage a disparu, c'est normal ?").
_BROKEN = re.compile(
    r"(?<!\w)(?:ne \w+ (?:plus|pas)|n'\w+ (?:plus|pas)|plus (?:aucun|acces|rien)|"
    r"inaccessibles?|introuvables?|coupee?s?|hs|en panne|tombee?s?|disparue?s?|croix rouge|"
    r"erreur|impossible|bloquee?s?|aucun acces|pas d'acces|down|not working|can't|cannot|"
    r"no (?:access|connection))(?!\w)|(?<!\w)plus (?:de |d')|"
    # still out, asked again: "toujours pas de réseau ?", "still no network?", "ça revient quand ?"
    r"(?<!\w)(?:(?:toujours|encore) (?:pas|aucune?) (?:de |d')|still no |revient quand)")

# A department by a name of it that people use anywhere in a mail ("ici à la logistique",
# "dossier partagé COMPTA", "David Lopez / RH"), and what it stands for.
_KNOWN = (
    ("comptabilite", r"compta\w*|accounting"), ("achats", r"achats?|purchasing"),
    ("rh", r"rh|drh|ressources humaines|human resources"), ("paie", r"paie|payroll"),
    ("logistique", r"logistique|logistics"), ("juridique", r"juridique|legal"),
    ("marketing", r"marketing"), ("tresorerie", r"tresorerie"),
    ("controle de gestion", r"controle de gestion"),
)
_KNOWN_ANYWHERE = re.compile(
    "|".join(f"(?P<d{n}>(?<!\\w)(?:{words})(?!\\w))" for n, (_name, words) in enumerate(_KNOWN)))
# "Service Comptabilité" alone on a line (a signature), or "au service compta" in a sentence.
_GROUP = r"(?:service|departement|direction|pole|equipe|dept\.?|department|team)"
_SIGNED = re.compile(rf"(?:^|[,/|-])\s*{_GROUP}\s+(?:des?\s+|du\s+|de la\s+|de l'|d')?"
                     r"([a-z][a-z' -]{1,40}?)\s*$", re.MULTILINE)
_NAMED = re.compile(rf"(?<!\w){_GROUP}\s+(?:des?\s+|du\s+|de la\s+|de l'|d')?([a-z]{{2,}})")
# Words after "service" that name no department ("tout le service est bloqué") or name ours.
_NOT_A_GROUP = frozenset((
    "est", "a", "ne", "n", "qui", "que", "de", "du", "la", "le", "les", "et", "aussi", "entier",
    "entiere", "complet", "bloque", "bloquee", "concerne", "touche", "informatique", "it", "si",
    "dsi", "support", "technique", "helpdesk", "client", "clients", "apres-vente", "public",
    "desk", "pas", "plus", "se", "s", "y", "il", "elle", "on"))
# The components that group reports naming no department or site: the network and the shares
# fail for everyone at once and are rarely named in passing. The mail, the phones, a program or a
# printer come up in many unrelated mails ("envoyer un mail", "Outlook lent"): only within a
# named group.
ANYWHERE = frozenset({"network", "share"})


# Where people are, as they name it: a floor ("3e étage", "au 2ème", "du 3ème", "rez-de-chaussée",
# "4th floor", "floor 4"), a building ("bâtiment B", "bat. B", "building C"). A place names a group
# for any component: three people of one floor without network are one failure, whatever
# department each signs with (day 7).
_ORDINALS = {"premier": "1", "premiere": "1", "deuxieme": "2", "second": "2", "seconde": "2",
             "troisieme": "3", "quatrieme": "4", "cinquieme": "5", "sixieme": "6",
             "septieme": "7", "huitieme": "8", "first": "1", "third": "3", "fourth": "4",
             "fifth": "5", "sixth": "6", "seventh": "7", "eighth": "8"}
_NTH = r"(\d{1,2})\s?(?:e|eme|er|ere|nd|st|rd|th|°)"
_WORD_NTH = "|".join(_ORDINALS)
# "au 3e" (or "au troisième") alone is a floor when nothing follows that it could count ("au 2e
# essai", "du premier coup").
_BARE = (r"(?=\s*(?:$|[,.;:!?)]|(?:n'|ne |ni |et |non |aussi|depuis|on |nous |je |tout|"
         r"personne|plus |pas |c'|ca |egalement)))")
_FLOOR = re.compile(
    rf"(?<!\w)(?:{_NTH}\s+(?:etage|floor)|etage\s+(\d{{1,2}})|floor\s+(\d{{1,2}})|"
    rf"({_WORD_NTH})\s+(?:etage|floor)|(?:au|du|sur le|on the)\s+{_NTH}{_BARE}|"
    rf"(?:au|du|sur le|on the)\s+({_WORD_NTH}){_BARE}|"
    r"(rez[- ]de[- ]chaussee|rdc|ground floor))(?!\w)")
_BUILDING = re.compile(r"(?<!\w)(?:batiment|bat\.?|building|bldg\.?)\s*([a-z]|\d{1,2})(?!\w)")


def places(text: str) -> list[str]:
    """The floors and buildings a (folded) report names: "etage:3", "batiment:b"."""
    found: list[str] = []
    for match in _FLOOR.finditer(text):
        number, after, floor, word, nth, bare_word, ground = match.groups()
        value = number or after or floor or nth or _ORDINALS.get(word or bare_word or "") or (
            "0" if ground else None)
        if value is not None:
            found.append(f"etage:{int(value)}")
    found += [f"batiment:{m.group(1)}" for m in _BUILDING.finditer(text)]
    return list(dict.fromkeys(found))


def components(subject: str, text: str, program: str | None = None) -> list[str]:
    """The components a report says fail, most specific first (folded subject and text)."""
    found = [f"program:{program.lower()}"] if program else []
    whole = f"{subject}\n{text}"
    if _SHARE.search(whole):
        found.append("share")
    rest = _SHARE.sub(" ", whole)
    found += [name for name, pattern in _COMPONENTS if pattern.search(rest)]
    return found


def is_report(subject: str, text: str) -> bool:
    """The mail says something is broken."""
    return bool(_BROKEN.search(subject) or _BROKEN.search(text))


def group_of(text: str, sender: str, site: str | None = None) -> str | None:
    """The department (a signature line, "au service X", a department's usual name), else the
    site, else the sender's sub-domain ("compta" of x@compta.exemple.fr); None: unknown."""
    for pattern in (_SIGNED, _NAMED):
        for found in pattern.finditer(text):
            if name := _canonical(found.group(1)):
                return name
    if found := _KNOWN_ANYWHERE.search(text):
        return _KNOWN[int(next(k for k, v in found.groupdict().items() if v)[1:])][0]
    if site and site not in _NOT_A_GROUP:  # "2e étage ne marche plus" names no site "ne"
        return site
    labels = sender.rpartition("@")[2].split(".")
    return labels[0] if len(labels) >= 3 else None


def _canonical(phrase: str) -> str | None:
    if found := _KNOWN_ANYWHERE.search(phrase):
        return _KNOWN[int(next(k for k, v in found.groupdict().items() if v)[1:])][0]
    word = phrase.split()[0].strip("'-") if phrase.split() else ""
    if len(word) < 2 or word in _NOT_A_GROUP:
        return None
    return word[:-1] if word.endswith("s") and len(word) > 3 else word
