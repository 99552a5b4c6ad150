"""Mass incidents: the same failure reported by several people is one incident.

Two reports are the same failure when they share a fingerprint: an error code, the main line of
a pasted error, the same P1 or P2 rule on the same program or site, or the same component
failing for the same department or site, in whatever words (rules/mass_topics.py). At
`[mass] senders` different senders within `[mass] window_minutes` they become children of one
parent ticket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from mailbot.rules import mass_topics as topics
from mailbot.rules.base import Outcome, higher
from mailbot.rules.classification import Classification, Facts
from mailbot.rules.settings import MassConfig
from mailbot.rules.text import fold

_SITE = re.compile(
    r"(?<!\w)(?:site|agence|usine|entrepot|siege|magasin|depot)"
    r"\s+(?:de\s+|d'\s*|du\s+)?(?:la\s+|l'\s*)?([a-z0-9][\w-]{1,30})")
_NUMBERS = re.compile(r"\d+")


def site_of(facts: Facts) -> str | None:
    """The place a message names ("tout le site de Vénissieux" -> "venissieux"); floors and
    buildings are `places_of`'s."""
    for text in (facts.subject, facts.text):
        if found := _SITE.search(text):
            return found.group(1)
    return None


def places_of(facts: Facts, text: str | None = None) -> list[str]:
    """The floors and buildings the report names ("etage:3", "batiment:b")."""
    return topics.places(f"{facts.subject}\n{facts.text if text is None else text}")


def fingerprints(facts: Facts, classification: Classification, *,
                 errors: list[tuple[str | None, list[str]]], whole: str | None = None,
                 signed: str = "") -> list[str]:
    """What makes two reports the same failure. `errors`: (main line, codes) of each pasted
    error. A message line is compared without its numbers (a time, a count, a line number).
    `whole`: the mail's folded text with what it quotes from the screen ("« Aucun accès
    réseau »" names the failing component too); `facts.text` when not given. `signed`: the
    folded body with its signature ("Omar Saïd, Service Logistique" below "--"), where the
    department is read when the text names none."""
    keys: list[str] = []
    for message, codes in errors:
        keys += [f"code:{c.lower()}" for c in codes]
        if message:
            keys.append("error:" + _NUMBERS.sub("#", fold(message)).strip()[:200])
    # The same P1 or P2 incident rule on the same place: a site's network, a department's
    # network share ("Dossier réseau plus accessible", seed 002 P2) reported by several people.
    if (classification.priority in ("P1", "P2") and classification.rule
            and classification.type == "incident"):
        where = facts.program or site_of(facts) or next(iter(places_of(facts)), None)
        keys.append(f"rule:{classification.rule}:{fold(where) if where else '*'}")
    keys += topic_keys(facts, classification, facts.text if whole is None else whole, signed)
    return list(dict.fromkeys(keys))


def topic_keys(facts: Facts, classification: Classification, text: str, signed: str = ""
               ) -> list[str]:
    """The same component failing for the same group, in whatever words (day 6: six people of
    one department, six ways to say the network or the share is down): `topic:<component>:
    <group>`, "*" for a group no report names. A report says something is broken; a request
    for something new ("pourriez-vous m'installer un écran") is no report of a failure."""
    if classification.type == "information" or (
            classification.type != "incident" and not topics.is_report(facts.subject, text)):
        return []
    group = topics.group_of(f"{text}\n{signed}", facts.requester, site_of(facts))
    # A floor or a building is a group too for what fails for a whole place, the network and
    # the shares (day 7: three people of the 3rd floor, one signing "(compta)", one
    # "Responsable comptable", one nothing): its key beside the department's. A printer or the
    # mail named with a floor ("l'imprimante du 2e") is one person's as often as the floor's.
    places = places_of(facts, text)
    keys: list[str] = []
    for c in topics.components(facts.subject, text, facts.program):
        named = [g for g in (group, *(places if c in topics.ANYWHERE else ())) if g]
        keys += [f"topic:{c}:{where}"
                 for where in (named or (["*"] if c in topics.ANYWHERE else []))]
    return keys


@dataclass(frozen=True)
class Report:
    """One earlier report in the store: its fingerprint, who sent it, when, where it went."""

    key: str
    sender: str
    at: str  # ISO 8601
    ticket: int
    parent: int | None = None
    whole: bool = False  # the report speaks for a whole floor, department or site


@dataclass(frozen=True)
class MassVerdict:
    key: str | None  # the fingerprint shared
    parent: int | None  # the existing parent to join, if any
    siblings: tuple[int, ...] = ()  # tickets to gather under a new parent
    senders: int = 0
    outcome: Outcome | None = None

    @property
    def is_mass(self) -> bool:
        return self.key is not None


def mass_verdict(keys: list[str], sender: str, reports: list[Report], now: datetime,
                 settings: MassConfig, *, whole: bool = False) -> MassVerdict:
    """Join a known mass incident, or gather the reports that now reach the threshold. Two
    senders are enough when one of them says the whole floor, department or site is down
    (`whole`: this report does): the second confirms a failure already told as everyone's."""
    start = now - timedelta(minutes=settings.window_minutes)
    best: MassVerdict | None = None
    for key in keys:
        recent = [r for r in reports if r.key == key and datetime.fromisoformat(r.at) >= start]
        senders = {r.sender for r in recent} | {sender.lower()}
        parent = next((r.parent for r in reversed(recent) if r.parent is not None), None)
        everyone = whole or any(r.whole for r in recent if r.sender != sender.lower())
        needed = min(settings.senders, 2) if everyone else settings.senders
        if parent is None and len(senders) < needed:
            continue
        verdict = MassVerdict(
            key, parent, tuple(dict.fromkeys(r.ticket for r in recent if r.parent is None)),
            len(senders), Outcome("mass/same_failure", True,
                                  f"{key}: {len(senders)} senders in "
                                  f"{settings.window_minutes} min"))
        if parent is not None:
            return verdict
        best = best or verdict
    if best is not None:
        return best
    return MassVerdict(None, None, outcome=Outcome(
        "mass/same_failure", False,
        f"fewer than {settings.senders} senders in {settings.window_minutes} min"))


# A report that speaks for a whole department or site (seed 002 P1 "un département entier").
_WHOLE = re.compile(
    r"(?<!\w)(?:tout le (?:service|departement|pole|site|batiment|etage|plateau|siege|monde)|"
    r"tout le (?:\d{1,2}\s?(?:e|eme|er)|rez[- ]de[- ]chaussee|rdc)(?: etage)?|"
    r"toute? l'etage|tout le batiment \w+|"
    r"(?:aucun|plus aucun|pas un) (?:pc|poste|ordinateur|ordi|collegue)s?|"
    r"toute l'(?:equipe|agence|usine)|toute la (?:direction|compta\w*|production)|"
    r"tous les (?:collegues|collaborateurs|postes|utilisateurs|bureaux)|"
    r"l'ensemble (?:du service|de l'equipe|des (?:collegues|collaborateurs|postes|utilisateurs))|"
    r"personne (?:ne peut|n'arrive|n'a)|plus personne|"
    r"whole (?:team|department|site|office)|entire (?:team|department|site|office)|"
    r"everyone|nobody|no one|the whole (?:floor|building|site|office))(?!\w)")


def speaks_for_all(facts: Facts) -> bool:
    """The report says a whole floor, department or site is down ("tout le 3e étage", "aucun
    PC du 3ème", "plus personne")."""
    return bool(_WHOLE.search(facts.subject) or _WHOLE.search(facts.text))


def impact_priority(classified: str | None, senders: int, facts: Facts,
                    settings: MassConfig, *, key: str | None = None,
                    said: bool = False) -> tuple[str | None, str]:
    """A mass incident's priority by its impact: several reporters make it at least P2, a
    department or a site P1 (seed 002: "Tout incident impactant ... un département entier"),
    said in the report (or an earlier one of it: `said`), reached by `[mass]
    department_senders` reporters, or the network of a named floor or building down for
    several people (seed 002: "Tous les collaborateurs d'un site déconnectés du réseau")."""
    whole = _WHOLE.search(facts.subject) or _WHOLE.search(facts.text)
    place = key is not None and re.match(r"topic:network:(?:etage|batiment):", key)
    if whole or said or place or senders >= settings.department_senders:
        reason = (f"{whole.group(0)!r}: a whole department or site" if whole else
                  "an earlier report says a whole floor, department or site" if said else
                  f"{key}: the network of a whole floor or building" if place else
                  f"{senders} reporters, at least [mass] department_senders "
                  f"({settings.department_senders}): a department")
        return higher(classified, "P1"), f"mass incident: {reason} (the SLA procedure, P1)"
    return higher(classified, "P2"), (f"mass incident: {senders} reporters of one failure, at "
                                      f"least P2")
