"""A new ticket meets the organisation's rules: classification, URGENT, VIP, information mail,
mass incidents and the per-address cap (issue 7), between the parsers and the mails.

    facts -> assess (information? classification, URGENT, VIP) -> mass? -> cap -> fields

Pure: the counts come from the View (`recent` events kept in the store), `now` is passed in,
and what must be remembered for later counts is returned as events for the pass's one commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mailbot.parsers import ParsedMessage
from mailbot.rules import flood, learning, mass, urgent
from mailbot.rules.assess import (
    Assessment,
    Policy,
    assess_facts,
    main_facts,
    policy_of,
    quoted_subject,
)
from mailbot.rules.base import Outcome
from mailbot.rules.classification import Classification, Facts, facts_of
from mailbot.rules.flood import CapVerdict
from mailbot.rules.mass import MassVerdict
from mailbot.rules.settings import UrgentConfig
from mailbot.rules.text import fold

if TYPE_CHECKING:
    from mailbot.config import Config
    from mailbot.decision import View
    from mailbot.model import Ticket

Event = tuple[str, str, dict[str, Any]]


@dataclass
class Triage:
    assessment: Assessment
    keys: list[str]  # the mass-incident fingerprints of this report
    mass: MassVerdict
    cap: CapVerdict
    events: list[Event] = field(default_factory=list)
    urgent_settings: UrgentConfig = field(default_factory=UrgentConfig)
    floor: str = "P2"  # [vip] floor
    # Recent tickets of other senders with the same failure when this report is the last one
    # below the mass threshold: its team notice is held (the mass incident's notice lists all).
    held: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # the mail's significant words (learning)
    # The mass incident's priority by its impact, and why (rules/mass.py impact_priority).
    impact: tuple[str | None, str] | None = None
    whole: bool = False  # the report speaks for a whole floor, department or site


def _assess(msg: ParsedMessage, facts: Facts, policy: Policy, *, requester: str, asked: bool,
            known: str | None, text: str, channel: str, view: View, config: Config,
            now: datetime) -> Assessment:
    """The rules on the mail, with the store's counts: previous URGENT, corrections."""
    dates = [e["at"] for e in view.recent("urgent", requester)]
    previous = urgent.previous_in_window(dates, now, config.urgent)
    learner = learning.learner_of(view.meta("corrections", None))
    return assess_facts(facts, policy, urgent=asked, previous_urgent=previous, vip=known,
                        learner=learner, call=channel == "phone", quoted=quoted_subject(msg),
                        main=main_facts(msg, requester=requester, text=text, vip=facts.vip))


def triage(msg: ParsedMessage, *, requester: str, text: str, channel: str, view: View,
           config: Config, now: datetime) -> Triage:
    policy = policy_of(config)
    known = policy.vip_reason(msg, requester)
    vip = policy.is_vip(requester) or bool(known)
    # A member of management signing with their title (the SLA procedure's "membre de la
    # direction", P2 for their computer down) reads the rules written for `vip = true`, as in
    # `assess`; no VIP floor and no notice for them.
    manager = None if vip else policy.management_reason(msg, requester)
    facts = facts_of(msg, requester=requester, text=text, vip=vip or bool(manager))
    # URGENT is the requester's own word: a technician's phone log does not ask for it.
    asked = msg.urgent and channel == "email"
    result = _assess(msg, facts, policy, requester=requester, asked=asked, known=known,
                     text=text, channel=channel, view=view, config=config, now=now)
    if manager:
        result.trace.append(Outcome("vip/management", True, manager))
    keys: list[str] = []
    if not result.information:
        classified = Classification(result.type, result.category, result.classified_priority,
                                    result.rule)
        keys = mass.fingerprints(facts, classified,
                                 errors=[(e.message, list(e.codes)) for e in msg.errors],
                                 whole=fold(text), signed=fold(msg.body))
    reports = [mass.Report(key, e["sender"], e["at"], e["ticket"], e.get("parent"),
                           bool(e.get("whole")))
               for key in keys for e in view.recent("reports", key)]
    whole = bool(keys) and mass.speaks_for_all(facts)
    verdict = mass.mass_verdict(keys, requester, reports, now, config.mass, whole=whole)
    if verdict.parent is None:  # the window is for forming an incident, not for joining one
        verdict = _open_incident(keys, view) or verdict
    window = now - timedelta(minutes=config.mass.window_minutes)
    said = any(r.whole for r in reports if r.key == verdict.key
               and datetime.fromisoformat(r.at) >= window)
    impact = mass.impact_priority(result.classified_priority, verdict.senders, facts,
                                  config.mass, key=verdict.key,
                                  said=said) if verdict.is_mass else None
    similar = [r for r in reports
               if r.sender != requester and datetime.fromisoformat(r.at) >= window]
    # The report just below the threshold: the team has the first one's notice and the next
    # one makes the mass incident's notice, so this one's is held (≤ 2 notices by default).
    last_before = len({r.sender for r in similar}) + 1 == config.mass.senders - 1
    held = sorted({r.ticket for r in similar}) if similar and last_before else []
    if whole or any(r.whole for r in similar):  # two make an incident: the first one's
        held = []  # notice went alone, the second one's is the incident's
    cap, events = _opening_events(msg, requester, view, config, now,
                                  counts_urgent=asked and not result.urgent.demoted)
    return Triage(result, keys, verdict, cap, events, config.urgent, config.vip.floor, held,
                  learning.signature(facts), impact, whole)


def _opening_events(msg: ParsedMessage, requester: str, view: View, config: Config,
                    now: datetime, *, counts_urgent: bool) -> tuple[CapVerdict, list[Event]]:
    """The sender's flood cap, and the events this opening records (opened; a granted URGENT)."""
    start = now - timedelta(minutes=config.flood.window_minutes)
    opened = sum(1 for e in view.recent("opened", requester)
                 if datetime.fromisoformat(e["at"]) >= start)
    cap = flood.new_ticket_cap(opened, config.flood)
    # The message's hash with the instant: the store keeps events as a set, and the messages of
    # one pass share its instant; without it, five new tickets from one address in one pass
    # would count as one (a backlog slipped past [flood]), while a journal applied twice must
    # still count each once.
    at = {"at": _utc(now), "id": msg.content_hash[:16]}
    events: list[Event] = [("opened", requester, dict(at))]
    if counts_urgent:
        # Only a granted URGENT counts towards `[urgent] max`: a demoted one was already
        # "déclassé et notifié" (procedure 004); counting it again would demote the sender's
        # next, legitimately urgent mail for abuses already sanctioned (day 4 item 9).
        events.append(("urgent", requester, dict(at)))
    return cap, events


def apply(ticket: Ticket, t: Triage) -> None:
    """The assessment's fields on the ticket being opened."""
    a = t.assessment
    ticket.type, ticket.category = a.type, a.category
    ticket.priority = a.priority  # type: ignore[assignment]
    ticket.classified_priority = a.classified_priority  # type: ignore[assignment]
    ticket.vip = a.vip.vip
    if a.urgent.demoted:
        ticket.urgent_demoted = True
        # What the requester reads on the tracking page, in their language (set again once the
        # ticket's language is known).
        ticket.demotion_reason = demotion_reason(t, ticket.language)
    ticket.why = compact_why(a)
    ticket.first_guess = {"type": a.type, "priority": a.classified_priority, "rule": a.rule,
                          "words": t.words}


def corrections_meta(view: View, before: Ticket, after: Ticket | None) -> dict[str, Any]:
    """The store's corrections once a technician's #priority or #type corrected (or confirmed)
    a ticket's first guess: what the learning reads for the next mails. Empty: nothing new."""
    if after is None or after.correction is None or after.first_guess is None:
        return {}
    if after.correction == before.correction:
        return {}
    first, fix = after.first_guess, after.correction
    entries = [e for e in (view.meta("corrections", None) or [])  # type: ignore[attr-defined]
               if e.get("ticket") != after.number]
    entries.append(learning.correction_entry(
        after.number, first.get("words", []),
        {"type": first.get("type"), "priority": first.get("priority"), "rule": first.get("rule")},
        {"type": fix.get("type"), "priority": fix.get("priority")}, fix.get("by", ""),
        fix.get("at", "")))
    return {"corrections": entries[-learning.KEEP:]}


def mass_parent_priority(t: Triage) -> tuple[str | None, list[str]]:
    """A mass incident's parent: the priority of its impact, and the why line that says so."""
    classified = t.assessment.classified_priority
    if t.impact is None:
        return classified, []
    priority, reason = t.impact
    return priority, [f"hit mass/impact: {reason}: {priority}"]


def _open_incident(keys: list[str], view: View) -> MassVerdict | None:
    """The mass incident still open that a report of the same failure joins, however long after
    it formed (day 9 §6: "Sage refuse de s'ouvrir chez moi aussi" an hour later, the incident
    still open, became a P3 ticket of its own, never closed with it), or None."""
    for key in keys:
        for event in reversed(view.recent("incidents", key)):
            parent = view.ticket(event["parent"])
            if parent is not None and parent.status != "closed" and parent.children:
                return MassVerdict(key, parent.number, (), len(parent.children) + 1, Outcome(
                    "mass/same_failure", True,
                    f"{key}: mass incident #{parent.number} still open"))
    return None


def report_events(t: Triage, ticket: Ticket, sender: str, now: datetime) -> list[Event]:
    # The incident a report is part of, under the failure that made it: a later report of it
    # joins it while it is open (`_open_incident`).
    incident: list[Event] = ([("incidents", t.mass.key, {"parent": ticket.parent,
                                                         "at": _utc(now)})]
                             if ticket.parent is not None and t.mass.key else [])
    return [*[("reports", key, {"sender": sender, "at": _utc(now), "ticket": ticket.number,
                                "parent": ticket.parent, **({"whole": True} if t.whole else {})})
              for key in t.keys], *incident]


def _utc(moment: datetime) -> str:
    # Events are compared as strings when the store prunes them: one zone for all.
    return moment.astimezone(UTC).isoformat()


def horizons(config: Config, now: datetime) -> dict[str, str]:
    """Per table of recent events, the instant before which nothing counts any more."""
    return {"urgent": _utc(now - timedelta(days=config.urgent.window_days)),
            "opened": _utc(now - timedelta(minutes=config.flood.window_minutes)),
            "reports": _utc(now - timedelta(minutes=config.mass.window_minutes)),
            # A requester's subjects, a year: their next mail on one joins its open ticket
            # (steps/matter.py; day 7).
            "matters": _utc(now - timedelta(days=365)),
            # The mass incident of each failure, a year: a report joins it while it is open.
            "incidents": _utc(now - timedelta(days=365))}


# --- why, in words ----------------------------------------------------------------------------

def compact_why(a: Assessment) -> list[str]:
    """What the ticket keeps (`why` in show --json): every hit with its evidence, and the
    misses of each family on one line (`mailbot replay` prints each miss with its reason)."""
    lines: list[str] = []
    missed: dict[str, list[str]] = {}
    for outcome in a.trace:
        family, _, name = outcome.rule.partition("/")
        if outcome.hit:
            lines.append(outcome.line())
        else:
            missed.setdefault(family, []).append(name)
    lines += [f"miss {family}: {', '.join(names)}" for family, names in missed.items()]
    return lines


_SENTENCES = {
    "rule": {"fr": "{priority} selon la règle « {rule} » ({description})",
             "en": "{priority} by the rule \"{rule}\" ({description})"},
    "default": {"fr": "{priority} : aucune règle de classement ne s'applique (priorité par "
                      "défaut)",
                "en": "{priority}: no classification rule applies (default priority)"},
    "learnt": {"fr": "{type} {priority} appris des corrections des techniciens ({description})",
               "en": "{type} {priority} learnt from the technicians' corrections "
                     "({description})"},
    "information": {"fr": "information (procédure des niveaux d'urgence, niveau 4) : archivée "
                          "sans réponse",
                    "en": "information (urgency levels procedure, level 4): archived, no answer"},
    "urgent": {"fr": "URGENT dans l'objet : {priority}",
               "en": "URGENT in the subject: {priority}"},
    "demoted": {"fr": "URGENT déclassé : {reason}", "en": "URGENT demoted: {reason}"},
    "vip": {"fr": "VIP : jamais en dessous de {floor}", "en": "VIP: never below {floor}"},
}
# What the requester reads after "Motif :", whole sentences in the procedure's words: the rule
# that matched is quoted, never named, and never wrapped in parentheses of ours (its own may
# hold some: "changement mineur (logo d'un papier à en-tête, déplacement d'un PC)"). The
# "{quoted}" part is left out when the rule has no description.
_REASONS = {
    urgent.CANNOT_BE_URGENT: {
        "fr": "D'après notre procédure SLA, votre demande est de priorité basse{quoted}. Pour "
              "ces demandes, une date est convenue avec vous.",
        "en": "Under our SLA procedure, your request is a low-priority one{quoted}. For such "
              "requests, a date is agreed with you."},
    urgent.MINOR_INCIDENT: {
        "fr": "D'après notre procédure SLA, votre signalement est de priorité basse{quoted}.",
        "en": "Under our SLA procedure, your report is a low-priority one{quoted}."},
    urgent.NOT_BLOCKING: {
        "fr": "Votre message ne dit pas que le problème bloque un client ni qu'il vous empêche "
              "de travailler.",
        "en": "Your message does not say that the problem blocks a client or stops you "
              "from working."},
    urgent.WORKED_AROUND: {
        "fr": "Votre message indique que vous pouvez continuer autrement en attendant, ou que "
              "cela peut attendre : le problème ne vous bloque pas.",
        "en": "Your message says you can carry on another way meanwhile, or that it can wait: "
              "the problem does not block you."},
    urgent.TOO_OFTEN: {
        "fr": "URGENT a été demandé plus de {max} fois en {days} jours depuis votre adresse.",
        "en": "URGENT was asked for more than {max} times in {days} days from your address."},
}
_QUOTED = {"fr": " : « {} »", "en": ": \"{}\""}
# Said instead of the quote when the rule has no description.
_UNQUOTED = {urgent.MINOR_INCIDENT: {
    "fr": " : il ne touche qu'une personne ou peut être contourné en attendant",
    "en": ": it affects one person or can be worked around meanwhile"}}


# The same reasons as the team notice says them, after the rule and its description.
_TEAM_REASONS = {
    urgent.CANNOT_BE_URGENT: {
        "fr": "une demande de priorité basse ne peut pas être urgente",
        "en": "a low-priority request cannot be urgent"},
    urgent.MINOR_INCIDENT: {
        "fr": "un incident de priorité basse ne peut pas être urgent",
        "en": "a low-priority incident cannot be urgent"},
    urgent.NOT_BLOCKING: {
        "fr": "une demande qui ne bloque ni un client ni le travail du demandeur n'est pas "
              "urgente",
        "en": "a request that blocks neither a client nor the requester's work is not "
              "urgent"},
    urgent.WORKED_AROUND: {
        "fr": "un contournement ou un délai accepté est indiqué : le demandeur n'est pas bloqué",
        "en": "a workaround or an accepted delay is stated: the requester is not blocked"},
    urgent.TOO_OFTEN: {
        "fr": "URGENT demandé plus de {max} fois en {days} jours par ce demandeur",
        "en": "URGENT asked for more than {max} times in {days} days by this requester"},
}


_TYPE_WORDS = {"fr": {"incident": "incident", "request": "demande",
                      "information": "information"},
               "en": {"incident": "incident", "request": "request",
                      "information": "information"}}


def to_confirm(a: Assessment, lang: str) -> str:
    """Weak evidence: the default is kept, and the team is asked to confirm one of the two
    best candidates with one command."""
    words = _TYPE_WORDS[lang]
    options = []
    candidates = [(c.type, c.priority, f"{c.rule}{' :' if lang == 'fr' else ':'} {c.evidence}")
                  for c in a.candidates[:2]]
    if len(candidates) < 2:  # the default is the other candidate
        candidates.append((a.type, a.classified_priority,
                           "par défaut" if lang == "fr" else "default"))
    for type_, priority, why in candidates:
        value = f"{words[type_]} {priority or ''}".rstrip()
        if lang == "fr":
            options.append(f"{value} ({why}) → « #type {value} »")
        else:
            options.append(f"{value} ({why}) → \"#type {value}\"")
    default = f"{words[a.type]} {a.classified_priority}"
    if lang == "fr":
        return (f"priorité à confirmer : les indices sont faibles, le ticket garde la valeur par "
                f"défaut ({default}) ; candidats : " + " ; ".join(options))
    return (f"priority to confirm: the evidence is weak, the ticket keeps the default "
            f"({default}); candidates: " + "; ".join(options))


def demotion_reason(t: Triage, lang: str, *, audience: str = "requester") -> str:
    """Why URGENT was demoted: in the words the requester reads (the mails and the tracking
    page; the notice quotes the support mailbox procedure around it), or as the team notice
    says it."""
    a = t.assessment
    code = a.urgent.reason or urgent.TOO_OFTEN
    table = _REASONS if audience == "requester" else _TEAM_REASONS
    # The sentence names the procedure itself: a description's own "procédure 002 P4 demande:"
    # reference would say it twice.
    description = re.sub(r"^(?:seed \d{3}|procédure \d{3}|(?:la )?procédure SLA)[^:]*:\s*", "",
                         a.description or "").strip().rstrip(".")
    quoted = (_QUOTED[lang].format(description) if description
              else _UNQUOTED.get(code, {}).get(lang, ""))
    return table[code][lang].format(quoted=quoted, max=t.urgent_settings.max,
                                    days=t.urgent_settings.window_days)


def sentence(t: Triage, lang: str) -> str:
    """Why the ticket has its priority, in one sentence for the team notice."""
    a = t.assessment
    if a.information:
        return _SENTENCES["information"][lang]
    key = "rule" if a.rule else "default"
    parts = [_SENTENCES[key][lang].format(priority=a.classified_priority, rule=a.rule,
                                          description=a.description)]
    if a.weak:
        parts = [to_confirm(a, lang)]
    elif a.rule and a.rule.startswith("learnt:"):
        parts = [_SENTENCES["learnt"][lang].format(priority=a.classified_priority,
                                                   type=_TYPE_WORDS[lang][a.type],
                                                   description=a.description)]
    if a.urgent.requested and a.urgent.demoted:
        parts.append(_SENTENCES["demoted"][lang].format(
            reason=demotion_reason(t, lang, audience="team")))
    elif a.urgent.requested:
        parts.append(_SENTENCES["urgent"][lang].format(priority=a.urgent.priority))
    if a.vip.vip:
        parts.append(_SENTENCES["vip"][lang].format(floor=t.floor))
    return " ; ".join(parts) if lang == "fr" else "; ".join(parts)
