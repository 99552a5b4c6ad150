"""VIP requesters (seed 003): a priority floor and an immediate hierarchical notice that says what
the VIP asked and which escalation seed 003 prescribes for such a case."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from mailbot.rules.base import Outcome, higher
from mailbot.rules.settings import VipConfig


@dataclass(frozen=True)
class Escalation:
    """One of seed 003's cases: the kind of escalation and what it prescribes."""

    case: str
    kind: str  # hiérarchique | fonctionnelle | mixte
    fr: str
    en: str


# Seed 003, case by case, keyed by the classification's category. The table closes with the
# default: the support manager validates quickly (case 1, "Validation rapide managériale").
ESCALATIONS: dict[str, Escalation] = {
    "software": Escalation(
        "installation urgente d'un logiciel", "hiérarchique",
        "Escalade hiérarchique vers le responsable du support IT, pour une validation rapide "
        "(le responsable sécurité valide normalement une installation).",
        "Hierarchical escalation to the IT support manager for a quick validation (software "
        "installation normally needs the security officer's approval)."),
    "application": Escalation(
        "problème applicatif complexe", "fonctionnelle",
        "Escalade fonctionnelle vers un technicien expert (niveau 2) ; le responsable du "
        "support est informé.",
        "Functional escalation to an expert technician (level 2); the support manager is "
        "informed."),
    # An access outside the security policy (procédure 003's remote access to confidential data
    # from home); an ordinary access grant is the default case below.
    "security": Escalation(
        "décision urgente de sécurité", "hiérarchique",
        "Escalade hiérarchique immédiate vers le responsable sécurité et le DSI, qui valident "
        "une solution sécurisée temporaire.",
        "Immediate hierarchical escalation to the security officer and the IT director, who "
        "validate a temporary secure solution."),
    "business": Escalation(
        "incident critique touchant des équipes", "mixte",
        "Escalade fonctionnelle immédiate vers l'équipe technique L2 et, en même temps, "
        "hiérarchique vers les managers pour communiquer en interne (le DSI autorise les "
        "redémarrages de serveurs).",
        "Immediate functional escalation to the L2 technical team and, at the same time, "
        "hierarchical escalation to management to communicate internally (the IT director "
        "authorises server restarts)."),
    "workstation": Escalation(
        "appareil du VIP défectueux", "mixte",
        "Escalade fonctionnelle directe vers le support du constructeur si le matériel est en "
        "cause, et hiérarchique vers l'acheteur IT pour accélérer le fournisseur ; appareil "
        "rendu fonctionnel sous 24 heures.",
        "Direct functional escalation to the manufacturer's support when the hardware is at "
        "fault, and hierarchical escalation to the IT buyer to speed up the supplier; a working "
        "device within 24 hours."),
    "mail": Escalation(
        "messagerie du VIP indisponible", "mixte",
        "Escalade fonctionnelle immédiate vers l'équipe Infrastructure L2 et hiérarchique "
        "immédiate vers l'Incident Manager pour un suivi rapproché.",
        "Immediate functional escalation to the L2 infrastructure team and immediate "
        "hierarchical escalation to the Incident Manager for close follow-up."),
    "": Escalation(
        "demande VIP", "hiérarchique",
        "Escalade hiérarchique vers le responsable du support IT, pour une validation et un "
        "suivi rapides.",
        "Hierarchical escalation to the IT support manager for quick validation and "
        "follow-up."),
}
# Categories of the shipped rules that share one of the cases above.
_SAME_CASE = {"server": "business", "network": "business",
              "telephony": "workstation", "hardware": "workstation", "file_share": "business"}


def escalation_for(category: str | None) -> Escalation:
    key = _SAME_CASE.get(category or "", category or "")
    return ESCALATIONS.get(key, ESCALATIONS[""])


@dataclass(frozen=True)
class VipVerdict:
    vip: bool
    priority: str | None
    raised: bool = False  # the floor raised the priority
    notify: tuple[str, ...] = ()  # the hierarchical notice's recipients
    escalation: Escalation | None = None
    trace: list[Outcome] = field(default_factory=list)


@dataclass(frozen=True)
class VipFloor:
    name = "vip_floor"
    description = "procédure 003: a VIP's ticket is never below [vip] floor"

    def check(self, requester: str, settings: VipConfig, known: str | None = None) -> Outcome:
        """`known`: why the requester is a VIP when it is not by address (a signed title, the
        directory)."""

        listed = requester.lower() in _listed(tuple(settings.addresses))
        if listed:
            return Outcome(f"vip/{self.name}", True, f"{requester} is listed in [vip] addresses")
        return Outcome(f"vip/{self.name}", known is not None, known or "not a VIP")


@lru_cache(maxsize=64)
def _listed(addresses: tuple[str, ...]) -> frozenset[str]:
    from mailbot.config import address_of

    return frozenset(address_of(a) for a in addresses)


def vip_policy(*, requester: str, priority: str | None, category: str | None,
               type_: str, settings: VipConfig, known: str | None = None) -> VipVerdict:
    outcome = VipFloor().check(requester, settings, known)
    if not outcome.hit:
        return VipVerdict(False, priority, trace=[outcome])
    floored = priority if type_ == "information" else higher(priority, settings.floor)
    escalation = escalation_for(category)
    recipients = [settings.support_manager]
    if (category or "") in settings.security_categories or escalation is ESCALATIONS["security"]:
        recipients += [settings.security_officer, settings.it_director]
    from mailbot.config import address_of

    notify = tuple(dict.fromkeys(address_of(r) for r in recipients if address_of(r)))
    trace = [outcome, Outcome("vip/escalation", True,
                              f"procédure 003 case '{escalation.case}' ({escalation.kind}), "
                              f"notice to {', '.join(notify) or 'nobody configured'}")]
    return VipVerdict(True, floored, floored != priority, notify, escalation, trace)


def role_reason(requester: str, roles: frozenset[str], domains: frozenset[str]) -> str | None:
    """A role address of the direction ([vip] roles: "pdg@", "ceo@") at one of the
    organisation's domains ([vip] domains, or those of the addresses the configuration names).
    The domain the mail was written to never makes a domain ours: the sender chose it, and
    "ceo@rival.com" writing to "support@rival.com" (with our mailbox in Bcc) is an outsider."""
    local, _, domain = requester.lower().rpartition("@")
    local = local.split("+", 1)[0]
    if not roles or local not in roles or domain not in domains:
        return None
    return f"{requester} is the role address \"{local}@\" ([vip] roles) at the organisation's " \
           f"domain {domain}"
