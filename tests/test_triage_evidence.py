"""The classification reads like a person (issue 17): lemmas, negation, scope, the strength of
the evidence, weak evidence, learning from corrections. Pure and fast: the shipped rules on
authored sentences."""

from __future__ import annotations

import pytest

from mailbot import config as configuration
from mailbot import triage
from mailbot.rules import scope
from mailbot.rules.assess import Assessment, assess_facts, policy_of
from mailbot.rules.classification import Facts
from mailbot.rules.learning import Learner, correction_entry, signature
from mailbot.rules.lemmas import lemmatise
from tests.harness import ROOT

CONFIG = configuration.load(ROOT / "rules.toml")
POLICY = policy_of(CONFIG)


def _assess(subject: str, text: str, **kw: object) -> Assessment:
    return assess_facts(Facts.build(subject=subject, text=text), POLICY, urgent=False, **kw)


def test_lemmas_find_inflections_the_rules_do_not_list() -> None:
    assert lemmatise("Les imprimantes ne démarraient plus") == "les imprimante ne demarrer plus"
    # "ne redémarre plus" is a rule word; "ne redémarrait plus" is not, its lemma is.
    result = _assess("NAS", "Le NAS ne redémarrait plus ce matin.")
    assert (result.rule, result.priority) == ("server_down", "P1")


@pytest.mark.parametrize(("text", "denied"), [
    ("ce n'est pas le mot de passe, outlook plante", True),
    ("ce n'est pas un probleme de mot de passe", True),
    ("le mot de passe n'est pas en cause", True),
    ("le mot de passe fonctionne bien", True),
    ("mon mot de passe a expire", False),
    ("pas de mot de passe pour ce compte", False),
])
def test_a_subject_named_to_be_denied_is_not_the_subject(text: str, denied: bool) -> None:
    start = text.index("mot de passe")
    assert scope.denied(text, start, start + len("mot de passe")) is denied


def test_a_password_said_not_to_be_the_problem_does_not_make_a_reset() -> None:
    result = _assess("Outlook", "Ce n'est pas un problème de mot de passe : Outlook plante dès "
                                "l'ouverture.")
    assert (result.type, result.rule) == ("incident", "mail_problem")
    assert any("'mot de passe' is denied" in w for w in result.why())


@pytest.mark.parametrize(("text", "word", "reversed_"), [
    ("outlook ne plante plus", "plante", True),
    ("le poste n'est plus bloque", "bloque", True),
    ("l'imprimante ne marche plus", "marche plus", False),  # its own negation: a breakdown
    ("outlook plante", "plante", False),
])
def test_a_symptom_reversed_by_a_negation(text: str, word: str, reversed_: bool) -> None:
    start = text.index(word)
    assert scope.reversed_symptom(text, start, start + len(word)) is reversed_


def test_a_word_in_a_list_of_accesses_is_not_the_subject() -> None:
    text = "supprimer ses acces : windows, vpn, messagerie et badge"
    start = text.index("vpn")
    assert scope.listed(text, start, start + 3)
    result = _assess("Départ de Julie", "Julie part vendredi, c'est son dernier jour. Merci de "
                                        "supprimer ses accès : Windows, VPN, messagerie.")
    assert (result.type, result.priority, result.rule) == ("request", "P2", "leaver_account")


def test_the_strongest_evidence_decides_not_the_first_rule() -> None:
    """The printers are one symptom of the site-wide outage: the outage decides."""
    result = _assess("Panne générale", "Plus personne n'a internet au siège, et les imprimantes "
                                       "ne marchent plus non plus.")
    assert (result.rule, result.priority) == ("site_offline", "P1")
    assert result.why()[1].startswith("hit classification/site_offline:")  # after information
    assert "strength" in result.why()[1]


def test_a_workaround_lowers_a_p3_incident_and_a_date_to_agree_a_request() -> None:
    incident = _assess("Clavier", "Mon clavier saute des lettres, en attendant j'utilise un "
                                  "clavier USB.")
    assert (incident.type, incident.priority) == ("incident", "P4")
    request = _assess("Visio", "Pourriez-vous installer Visio sur mon poste ? Nous pouvons "
                               "convenir d'une date.")
    assert (request.type, request.priority) == ("request", "P4")
    # Several people hit is not "1 seul utilisateur", whatever the workaround.
    floor = _assess("Imprimante", "L'imprimante ne marche plus pour les collègues de l'étage, "
                                  "en attendant nous imprimons au 1er.")
    assert floor.priority == "P3"


def test_a_demand_no_rule_names_is_a_request_and_a_breakdown_an_incident() -> None:
    assert _assess("Badges", "À qui dois-je m'adresser pour les badges visiteurs ?").type == \
        "request"
    assert _assess("Badges", "Le lecteur de badges est débranché, c'est normal ?").type == \
        "incident"


def test_weak_evidence_keeps_the_default_and_names_two_candidates() -> None:
    result = _assess("Salle B", "Pour la réunion de lundi il manque encore la rallonge.")
    assert result.weak and (result.type, result.priority) == ("incident", "P3")
    sentence = triage.to_confirm(result, "fr")
    assert sentence.startswith("priorité à confirmer")
    assert "« #type demande P3 »" in sentence and "« #type incident P3 »" in sentence


def _learner(n: int, to: dict[str, str], text: str) -> Learner:
    words = signature(Facts.build(subject="Badge parking", text=text))
    return Learner.of([correction_entry(10 + i, words, {"type": "incident", "priority": "P3"},
                                        to, "t@x.fr", "") for i in range(n)])


def test_three_agreeing_corrections_teach_a_resembling_mail_two_do_not() -> None:
    text = "Mon badge de parking ne fonctionne plus à la barrière du sous-sol."
    new = ("Badge", "Le badge parking ne fonctionne plus à la barrière du sous-sol depuis hier.")
    to = {"type": "request", "priority": "P4"}
    learnt = _assess(*new, learner=_learner(3, to, text))
    assert (learnt.type, learnt.priority) == ("request", "P4")
    assert any("appris de #10, #11, #12" in w for w in learnt.why())
    assert (_assess(*new, learner=_learner(2, to, text)).type) == "incident"
    other = _assess("Imprimante", "L'imprimante du 2e fait des traces noires.",
                    learner=_learner(3, to, text))
    assert other.type == "incident"  # not alike: the rules decide


def test_a_mail_that_only_thanks_is_information_not_a_receipt_nor_thanks_before_a_demand() -> None:
    assert _assess("Merci !", "Un grand merci pour votre aide ce matin !").type == "information"
    assert _assess("Thanks", "Many thanks for the quick fix yesterday!").type == "information"
    # an auto-reply's receipt, a demand closed by thanks, thanks before work to do
    for subject, text in [("Votre message", "Merci pour votre message, nous le traitons."),
                          ("Teams", "Merci d'avance de m'installer Teams."),
                          ("Merci", "Merci pour hier. Il faudrait aussi installer Teams sur "
                                    "mon poste.")]:
        assert _assess(subject, text).type != "information", text


def test_a_lists_post_signed_by_a_director_makes_no_vip() -> None:
    """A title in a signature makes a VIP of a person writing to us, never of a mailing list's
    post or a robot's report (they would mail the hierarchy for a message meant for no one)."""
    from mailbot.parsers import parse
    from tests.harness import mail

    config = configuration.load(ROOT / "rules.toml")
    body = ("Bonjour à tous,\n\nLe VPN sera coupé samedi.\n\nCordialement,\nBruno Girard\n"
            "DSI\n")
    person = parse(mail(sender="bruno.girard@groupe-exemple.fr", body=body),
                   config.parse_rules())
    listed = parse(mail(sender="bruno.girard@groupe-exemple.fr", body=body,
                        headers={"List-Id": "DSI filiales <dsi-filiales.groupe-exemple.fr>"}),
                   config.parse_rules())
    policy = policy_of(config)
    assert policy.vip_reason(person, person.sender) is not None
    assert listed.kind == "list"
    assert policy.vip_reason(listed, listed.sender) is None
