"""Round 5 of issue 17's triage: the classes of misses triage-r4 showed, each tested on
sentences of its own (not the blind set's): an assistant writing for a director, a member of
management by title, "pas urgent" in the subject, an employee away who leaves a problem, a
firewall that blocks a site, thanks that only close a report."""

from __future__ import annotations

import pytest

from mailbot import config as configuration
from mailbot.parsers import parse
from mailbot.parsers.wording import auto_reply_wording
from mailbot.rules.assess import Assessment, assess, policy_of
from tests.harness import ROOT, mail

CONFIG = configuration.load(ROOT / "rules.toml")
POLICY = policy_of(CONFIG)
EMPLOYEE = "sam.employe@groupe-exemple.fr"


def judge(subject: str, body: str, sender: str = EMPLOYEE) -> Assessment:
    return assess(parse(mail(sender=sender, subject=subject, body=body + "\n"),
                        CONFIG.parse_rules()), POLICY)


@pytest.mark.parametrize("body", [
    "Bonjour, je vous écris de la part de M. Martin, notre Directeur Général : il faudrait "
    "installer Acrobat Pro sur son portable.\nMerci\nNina, assistante de direction",
    "Hello, on behalf of our CFO, could you install Power BI on her laptop?\nNina",
    "Bonjour, la Directrice Financière m'a demandé de vous transmettre sa demande : il lui "
    "faudrait Visio.\nNina",
])
def test_an_assistant_writing_for_a_director_makes_the_ticket_the_directors(body: str) -> None:
    result = judge("Demande", body)
    assert (result.type, result.priority, result.vip.vip) == ("request", "P2", True)
    assert any("writes for the" in w for w in result.why())


def test_a_director_named_in_passing_is_not_whom_the_mail_is_for() -> None:
    result = judge("Excel", "Bonjour, le directeur m'a parlé du budget. Mon Excel plante à "
                            "l'ouverture du fichier.\nNina")
    assert (result.vip.vip, result.priority) == (False, "P3")


@pytest.mark.parametrize("title", ["Directeur des Opérations", "Directrice Juridique",
                                   "Head of Operations"])
def test_a_member_of_management_by_title_gets_the_procedures_p2_computer(title: str) -> None:
    result = judge("PC", f"Bonjour, mon ordinateur ne démarre plus.\n\nPaul Leroy\n{title}",
                   sender="paul.leroy@groupe-exemple.fr")
    assert (result.type, result.priority, result.rule) == ("incident", "P2",
                                                           "executive_computer_down")
    assert result.vip.vip is False  # no VIP floor, no VIP notice
    assert any("[vip] management" in w for w in result.why())
    employee = judge("PC", "Bonjour, mon ordinateur ne démarre plus.\n\nPaul Leroy\nComptable",
                     sender="paul.leroy@groupe-exemple.fr")
    assert employee.priority == "P3"


@pytest.mark.parametrize("subject", ["Pas urgent", "Webcam - pas urgent", "Webcam (non urgent)"])
def test_pas_urgent_in_the_subject_lowers_to_p4(subject: str) -> None:
    msg = parse(mail(sender=EMPLOYEE, subject=subject, body="Ma webcam ne marche plus.\n"),
                CONFIG.parse_rules())
    assert "urgent" in msg.subject.lower() and not msg.urgent
    result = assess(msg, POLICY)
    assert (result.type, result.priority) == ("incident", "P4")


def test_an_employee_away_who_leaves_a_problem_is_not_an_out_of_office() -> None:
    body = ("Bonjour, ma souris décroche. Je suis en congés demain, vous pourrez regarder à "
            "mon retour, pas urgent.\nSam")
    assert auto_reply_wording("Souris", body) == []
    msg = parse(mail(sender=EMPLOYEE, subject="Souris", body=body + "\n"), CONFIG.parse_rules())
    assert msg.kind == "person"
    assert auto_reply_wording("Absence", "Je suis absent du bureau jusqu'au 12. À mon retour, "
                                         "je traiterai votre message.")


@pytest.mark.parametrize("body", [
    "Bonjour, le pare-feu bloque le site de notre fournisseur, pourriez-vous le débloquer ?",
    "Hi, the firewall blocks our partner's website, could you unblock it?",
])
def test_a_firewall_blocking_a_site_is_a_request_to_unblock(body: str) -> None:
    result = judge("Site bloqué", body)
    assert (result.type, result.priority) == ("request", "P3")
    down = judge("Firewall", "Bonjour, le firewall ne répond plus, plus rien ne passe.")
    assert (down.type, down.priority) == ("incident", "P1")


def test_thanks_that_close_a_report_do_not_hide_a_failure_going_on() -> None:
    going_on = judge("VPN", "Hi team, working from home and the VPN keeps failing since this "
                            "morning. Thanks for your help.")
    assert (going_on.type, going_on.priority) == ("incident", "P3")
    sorted_ = judge("Re: wifi", "Hi,\nall sorted now, thanks a lot!")
    assert sorted_.type == "information"
