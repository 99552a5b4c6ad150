"""One message assessed by the organisation's rules: type, category, priority, and why.

    information? -> classification -> URGENT policy -> VIP floor

Pure: the counts that come from the store (previous URGENT subjects of the sender) are passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from mailbot.parsers import ParsedMessage
from mailbot.parsers.body import clean_body
from mailbot.parsers.subject import is_forward_subject, peel_prefixes
from mailbot.rules.aside import before_aside
from mailbot.rules.base import Outcome
from mailbot.rules.classification import (
    FAMILY,
    Candidate,
    Classification,
    ClassificationRule,
    Facts,
    classify,
    compile_rules,
    facts_of,
)
from mailbot.rules.information import (
    THANKS_ONLY,
    InformationRule,
    information_rule,
    thanks_open,
)
from mailbot.rules.learning import Learner, learn
from mailbot.rules.lemmas import spellings
from mailbot.rules.settings import InformationConfig, TriageConfig, UrgentConfig, VipConfig
from mailbot.rules.text import expand, word_regex
from mailbot.rules.urgent import UrgentVerdict, urgent_policy
from mailbot.rules.vip import VipVerdict, role_reason, vip_policy
from mailbot.rules.vip_titles import on_behalf, signed_title, title_regex, vip_directory

if TYPE_CHECKING:
    from mailbot.config import Config


@dataclass(frozen=True)
class Policy:
    """The compiled rules of one configuration (compiled once, not once per message)."""

    rules: tuple[ClassificationRule, ...]
    information: InformationRule
    information_settings: InformationConfig
    urgent: UrgentConfig
    vip: VipConfig
    default_priority: str = "P3"
    urgent_priority: str = "P2"
    triage: TriageConfig = field(default_factory=TriageConfig)
    asking: re.Pattern[str] | None = None  # a demand: a mail no rule names is a request...
    broken: re.Pattern[str] | None = None  # ...unless something is broken
    blocking: re.Pattern[str] | None = None  # what makes URGENT legitimate (seed 004)

    vip_addresses: frozenset[str] = frozenset()  # bare, lower-case

    vip_titles: re.Pattern[str] | None = None
    management_titles: re.Pattern[str] | None = None  # [vip] management
    vip_directory: dict[str, str] = field(default_factory=dict)  # address -> VIP title
    vip_roles: frozenset[str] = frozenset()  # [vip] roles, local parts
    own_domains: frozenset[str] = frozenset()  # [vip] domains, or the configured addresses'

    def is_vip(self, address: str) -> bool:
        return address.lower() in self.vip_addresses or address.lower() in self.vip_directory

    def vip_reason(self, msg: ParsedMessage, requester: str) -> str | None:
        """Why the requester is a VIP when not by [vip] addresses: the directory's title, or
        the title they sign with (their own mail only, not a forward of someone else's)."""
        if (title := self.vip_directory.get(requester.lower())) is not None:
            return f"{requester} is \"{title}\" in [vip] directory"
        if role := role_reason(requester, self.vip_roles, self.own_domains):
            return role
        if requester.lower() != msg.sender.lower() or msg.forwarded is not None:
            return None
        if msg.kind != "person":  # a list's post or a robot's report signs for no one here
            return None
        signature = _signature(msg.body)
        if title := signed_title(signature, msg.text, self.vip_titles):
            return f"{requester} signs \"{title}\" ([vip] titles)"
        if title := on_behalf((msg.subject, msg.text, signature), self.vip_titles):
            return f"{requester} writes for the \"{title}\" ([vip] titles): the ticket is theirs"
        return None

    def management_reason(self, msg: ParsedMessage, requester: str) -> str | None:
        """A member of management who is not a VIP, by the title signed ([vip] management)."""
        if requester.lower() != msg.sender.lower() or msg.kind != "person":
            return None
        signature = _signature(msg.body)
        if title := signed_title(signature, msg.text, self.management_titles):
            return f"{requester} signs \"{title}\" ([vip] management): a member of management"
        return None


@lru_cache(maxsize=4)
def _signature(body: str) -> str:
    """The body's signature block, cut once for the VIP and the management checks of a mail."""
    return clean_body(body).signature if body else ""


_COMPILED: dict[int, tuple[object, Policy]] = {}


def own_domains(config: Config) -> frozenset[str]:
    """[vip] domains, else the domains of the addresses the configuration names (the support
    address, the mailbox, the team, the technicians, the VIPs and their contacts)."""
    from mailbot.config import address_of

    if config.vip.domains:
        return frozenset(d.lower().lstrip("@") for d in config.vip.domains)
    vip = config.vip
    named = [config.smtp.from_, config.mailbox.user, config.team.address,
             *config.team.technicians, *vip.addresses, vip.support_manager,
             vip.security_officer, vip.it_director]
    return frozenset(a.rpartition("@")[2] for n in named if "@" in (a := address_of(n).lower()))


def policy_of(config: Config) -> Policy:
    """The configuration's compiled policy, cached while that configuration object lives."""
    cached = _COMPILED.get(id(config))
    if cached is not None and cached[0] is config:
        return cached[1]
    from mailbot.config import address_of  # "Directeur Général <dg@x.fr>" is dg@x.fr

    vocabulary = config.vocabulary
    demands = [w.removeprefix("=") for w in expand(["@asking", "@broken"], vocabulary)]
    triage = config.triage
    asked = expand(["@asking"], vocabulary)
    broken = expand(["@broken"], vocabulary)
    blocking = expand(["@blocking"], vocabulary) if "blocking" in vocabulary else []
    policy = Policy(
        rules=compile_rules(config.classification, vocabulary, triage),
        information=information_rule(
            config.information.markers, [d for d in demands if not d.startswith("@")],
            config.information.resolved, asked),
        information_settings=config.information, urgent=config.urgent, vip=config.vip,
        default_priority=config.priorities.default, urgent_priority=config.priorities.urgent,
        triage=triage,
        asking=word_regex(spellings(asked)),
        broken=word_regex(spellings(broken)),
        blocking=word_regex(spellings(blocking)),
        vip_addresses=frozenset(address_of(a) for a in config.vip.addresses),
        vip_titles=title_regex(config.vip.titles),
        management_titles=title_regex(config.vip.management),
        vip_directory=vip_directory(config.vip_directory, title_regex(config.vip.titles)),
        vip_roles=frozenset(r.lower().rstrip("@") for r in config.vip.roles),
        own_domains=own_domains(config))
    if len(_COMPILED) > 16:  # tests build many configurations; a daemon has one
        _COMPILED.clear()
    _COMPILED[id(config)] = (config, policy)
    return policy


@dataclass(frozen=True)
class Assessment:
    type: str
    category: str | None
    priority: str | None
    classified_priority: str | None  # before URGENT and the VIP floor
    rule: str | None  # the deciding classification rule
    description: str  # its line, for the team notice
    acknowledge: bool  # information mail is not acknowledged unless configured
    urgent: UrgentVerdict
    vip: VipVerdict
    trace: list[Outcome] = field(default_factory=list)
    weak: bool = False  # "priorité à confirmer": the team is asked to confirm
    candidates: tuple[Candidate, ...] = ()  # the two best rules, strongest first

    @property
    def information(self) -> bool:
        return self.type == "information"

    def why(self) -> list[str]:
        """Every rule tried, hit or miss, one line each (`why` in show --json)."""
        return [o.line() for o in self.trace]


def assess(msg: ParsedMessage, policy: Policy, *, requester: str | None = None,
           previous_urgent: int = 0) -> Assessment:
    """`requester`: who the ticket is for, when it is not the sender (a technician's forward
    or phone log)."""
    requester = (requester or msg.sender).lower()
    known = policy.vip_reason(msg, requester)
    vip = policy.is_vip(requester) or bool(known)
    # The rules written for "un membre de la direction" (`vip = true`) also read management.
    manager = None if vip else policy.management_reason(msg, requester)
    facts = facts_of(msg, requester=requester, vip=vip or bool(manager))
    main = main_facts(msg, requester=requester, text=msg.text, vip=vip or bool(manager))
    assessment = assess_facts(facts, policy, urgent=msg.urgent, previous_urgent=previous_urgent,
                              vip=known, quoted=quoted_subject(msg), main=main)
    if manager:
        assessment.trace.append(Outcome("vip/management", True, manager))
    return assessment


def main_facts(msg: ParsedMessage, *, requester: str, text: str, vip: bool) -> Facts | None:
    """The mail before an aside ("Et sinon, ...", "Also, ..."), or None when it has none."""
    first = before_aside(text)
    return facts_of(msg, requester=requester, text=first, vip=vip) if first else None


def quoted_subject(msg: ParsedMessage) -> bool:
    """The subject is the one of the mail answered ("RE: [Info DSI] Nouveaux comptes Teams"),
    not the writer's words about their problem: a reply, not a forward."""
    return bool(peel_prefixes(msg.subject_raw or "")[1]) and not is_forward_subject(
        msg.subject_raw or "")


def _classify(facts: Facts, policy: Policy, quoted: bool,
              main: Facts | None = None) -> Classification:
    """The rules on the mail; on a reply's text alone first when it names its own matter (a
    new fault written over an IT announcement: the announcement's subject decides nothing);
    `main`: the mail before an aside ("Et sinon, ..."), whose fault outranks what the aside
    asks."""
    result = _classify_all(facts, policy, quoted)
    if main is None or result.type == "incident" and not result.worked_around:
        return result
    aside = facts.text[len(main.text):]
    if result.type == "incident" and not (policy.asking and policy.asking.search(aside)):
        return result  # "Sinon, pas urgent": the requester's own word on this fault
    first = _classify_all(main, policy, quoted)
    if first.type != "incident" or first.rule is None or first.weak or first.worked_around:
        return result
    return replace(first, trace=[*first.trace, Outcome(
        f"{FAMILY}/aside", True, "the fault comes first; what follows \"et sinon\", \"also\" "
        "... is an aside")])


def _classify_all(facts: Facts, policy: Policy, quoted: bool) -> Classification:
    def run(of: Facts) -> Classification:
        return classify(of, policy.rules, default_priority=policy.default_priority,
                        weak_below=policy.triage.weak_below, asking=policy.asking,
                        broken=policy.broken)
    if quoted and facts.subject:
        own = run(replace(facts, subject="", subject_sentences=(), subject_both=""))
        if own.rule is not None and not own.weak:
            return replace(own, trace=[*own.trace, Outcome(
                f"{FAMILY}/reply", True, "a reply: its subject is the mail answered, the "
                "text names its own matter")])
    return run(facts)


def assess_facts(facts: Facts, policy: Policy, *, urgent: bool,
                 previous_urgent: int = 0, vip: str | None = None,
                 learner: Learner | None = None, call: bool = False,
                 quoted: bool = False, main: Facts | None = None) -> Assessment:
    """`vip`: why the requester is a VIP when not by address (`Policy.vip_reason`);
    `learner`: the technicians' corrections, which may overrule the rules; `call`: a phone
    call a technician logged, never information (its account ends "tout remarche");
    `quoted`: the subject is the answered mail's (`quoted_subject`); `main`: the mail before
    an aside (`aside.before_aside`)."""
    trace: list[Outcome] = []
    info = (Outcome(f"information/{policy.information.name}", False, "a call logged by a "
                    "technician: someone phoned for something") if call
            else policy.information.check(facts, urgent=urgent))
    classification = None
    if info.hit and info.detail == THANKS_ONLY:
        # A thank-you with no marker is information only when no rule names work to do in it.
        classification = _classify(facts, policy, quoted, main)
        if _names_work(classification, opening=thanks_open(facts)):
            info = Outcome(info.rule, False, f"thanks, but {classification.rule} names work "
                                             "to do")
    trace.append(info)
    if info.hit:
        classification = Classification("information", "information", None,
                                         "information", policy.information.description)
    else:
        classification = classification or _classify(facts, policy, quoted, main)
        if learner is not None and learner.entries:
            classification, taught = learn(facts, classification, learner, policy.triage)
            trace.append(taught)
        trace += classification.trace
    verdict = urgent_policy(requested=urgent, classification=classification,
                            previous=previous_urgent, settings=policy.urgent,
                            urgent_priority=policy.urgent_priority,
                            blocking=_blocking(facts, policy))
    trace += verdict.trace
    vip = vip_policy(requester=facts.requester, priority=verdict.priority,
                     category=classification.category, type_=classification.type,
                     settings=policy.vip, known=vip)
    trace += vip.trace
    acknowledge = not info.hit or policy.information_settings.acknowledge
    return Assessment(classification.type, classification.category, vip.priority,
                      classification.priority, classification.rule,
                      classification.description, acknowledge, verdict, vip, trace,
                      classification.weak, classification.candidates)


def _names_work(classification: Classification, *, opening: bool) -> bool:
    """A rule found a fault or a demand in a thank-you. When the thanks open the mail, a device
    or a program alone is what they are for ("merci pour l'imprimante", "la salle visio a
    parfaitement marché"): only a device with its symptom ("' + '"), a pattern or a pasted
    error is work. Thanks in passing after a report leave any rule's word the point."""
    evidence = classification.evidence
    if classification.rule is None or evidence.startswith("program "):
        return False
    return not opening or " + " in evidence or evidence.startswith(("pattern", "pasted error"))


def _blocking(facts: Facts, policy: Policy) -> str | None:
    """The words saying the problem blocks someone (seed 004 point 4), or None; "" when no
    [vocabulary] blocking list is configured (nothing is demoted for it)."""
    if policy.blocking is None:
        return ""
    found = next((m for t in (facts.subject_both, facts.text_both)
                  if (m := policy.blocking.search(t))), None)
    return found.group(0) if found else None
