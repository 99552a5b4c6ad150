"""Round 6 of issue 17's triage: the classes of misses triage-r5 showed, each tested on
sentences of its own (not the blind set's): a VIP by the role address of the direction, a share
said without its technical word, slowness that is not an outage, an activity stopped that
outranks a component among its symptoms, the decisive fact in the subject alone."""

from __future__ import annotations

import pytest

from mailbot import config as configuration
from mailbot.parsers import parse
from mailbot.rules.assess import Assessment, assess, policy_of
from tests.harness import BOT, ROOT, mail

CONFIG = configuration.load(ROOT / "rules.toml")
POLICY = policy_of(CONFIG)


def judge(subject: str, body: str, sender: str, to: str = BOT) -> Assessment:
    return assess(parse(mail(sender=sender, subject=subject, body=body + "\n", to=to),
                        CONFIG.parse_rules()), POLICY)


FAULT = ("Outlook", "Bonjour, Outlook plante dès que j'ouvre une pièce jointe.\nMerci")


@pytest.mark.parametrize("sender", ["pdg@groupe-exemple.fr", "CEO@groupe-exemple.fr",
                                    "Direction <direction@groupe-exemple.fr>"])
def test_a_role_address_of_the_direction_at_our_domain_is_a_vip(sender: str) -> None:
    result = judge(*FAULT, sender=sender)
    assert (result.type, result.priority, result.vip.vip) == ("incident", "P2", True)
    assert any("[vip] roles" in w for w in result.why())


@pytest.mark.parametrize("to", ["support@rival-exemple.com",
                                "support@rival-exemple.com, support@groupe-exemple.fr",
                                "Support <SUPPORT@rival-exemple.com>"])
def test_an_outsider_writing_to_a_support_address_at_his_own_domain_is_no_vip(to: str) -> None:
    # Round 6 counted the domain the mail was written to as ours: the sender writes the To
    # field, so "ceo@rival-exemple.com" to "support@rival-exemple.com" (our mailbox in Bcc,
    # or in Cc) became a VIP. Only the configured domains are the organisation's.
    result = judge(*FAULT, sender="ceo@rival-exemple.com", to=to)
    assert (result.priority, result.vip.vip) == ("P3", False)
    assert not any("[vip] roles" in w for w in result.why())


def test_a_domain_listed_in_vip_domains_is_ours(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (ROOT / "rules.toml").read_text("utf-8")
    assert "\ndomains = []\n" in text
    rules = tmp_path / "rules.toml"
    rules.write_text(text.replace("\ndomains = []\n",
                                  '\ndomains = ["groupe-exemple.fr", "filiale-exemple.com"]\n'),
                     "utf-8")
    config = configuration.load(rules)
    msg = parse(mail(sender="ceo@filiale-exemple.com", subject=FAULT[0], body=FAULT[1] + "\n",
                     to="support@rival-exemple.com"), config.parse_rules())
    result = assess(msg, policy_of(config))
    assert (result.priority, result.vip.vip) == ("P2", True)
    assert any("organisation's domain filiale-exemple.com" in w for w in result.why())


@pytest.mark.parametrize("sender, to", [
    ("pdg@gmail.com", BOT),  # the same local part elsewhere is nobody's
    ("ceo@fournisseur.com", "support@groupe-exemple.fr"),
    ("ceo@fournisseur.com", "contact@fournisseur.com, support@groupe-exemple.fr"),
    ("paul.dg@groupe-exemple.fr", BOT),  # a name, not the role
])
def test_a_role_local_part_elsewhere_or_in_a_name_is_no_vip(sender: str, to: str) -> None:
    result = judge(*FAULT, sender=sender, to=to)
    assert (result.priority, result.vip.vip) == ("P3", False)


EMPLOYEE = "sam.employe@groupe-exemple.fr"


@pytest.mark.parametrize("subject, body", [
    ("Lecteur S", "Bonjour, le lecteur S: n'est pas disponible depuis ce matin."),
    ("Commun", "Bonjour, impossible d'ouvrir le lecteur commun, Windows dit que l'emplacement "
               "n'est pas disponible."),
    ("Drive", "Hi, I can't get to the team drive since 9am."),
])
def test_a_share_said_without_its_technical_word_is_the_share_down(subject: str,
                                                                    body: str) -> None:
    result = judge(subject, body, sender=EMPLOYEE)
    assert (result.type, result.priority, result.rule) == ("incident", "P2",
                                                           "network_share_down")


@pytest.mark.parametrize("body", [
    "Bonjour, tout le service trouve l'ERP très lent depuis lundi, on ne peut plus travailler "
    "vite.",
    "Hi, the whole team finds the CRM slow this week.",
])
def test_a_department_that_works_slowly_is_not_stopped(body: str) -> None:
    result = judge("Lenteurs", body, sender=EMPLOYEE)
    assert result.rule != "department_stopped"
    assert result.priority == "P3"


def test_an_activity_stopped_outranks_a_component_told_among_its_symptoms() -> None:
    # The share's word and symptom are in one sentence, the department's words one item of a
    # list: the stronger words are the component's, the impact is the P1.
    result = judge("Ce matin", "Salut, au 3e : Outlook tourne en rond, le lecteur commun a une "
                   "croix rouge.\nMon voisin, tout le service achats et ceux du fond du plateau, "
                   "pareil, impossible de rien faire.", sender=EMPLOYEE)
    assert (result.priority, result.rule) == ("P1", "department_stopped")
