"""Round 6 of issue 17's triage: the classes of misses triage-r5 showed, each tested on
sentences of its own (not the blind set's): a VIP by the role address of the direction."""

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


def test_the_support_address_written_to_at_another_domain_makes_it_ours() -> None:
    result = judge(*FAULT, sender="ceo@filiale-exemple.com", to="support@filiale-exemple.com")
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
