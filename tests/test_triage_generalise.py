"""Triage that generalises (issue 17, round 4): general mechanisms, each tried on sentences
written for this test, not on the paraphrase set (tests/triage_paraphrases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.rules import scope
from mailbot.rules.assess import Assessment, assess_facts, policy_of
from mailbot.rules.classification import Facts
from mailbot.rules.information import told_as_past
from mailbot.rules.lemmas import spellings
from tests.harness import ROOT

POLICY = policy_of(configuration.load(ROOT / "rules.toml"))


def _assess(subject: str, text: str) -> Assessment:
    return assess_facts(Facts.build(subject=subject, text=text), POLICY, urgent=False)


@pytest.mark.parametrize(("text", "own"), [
    ("je n'arrive pas a me connecter au reseau", True),
    ("impossible de se connecter au reseau", True),
    ("pouvez-vous me connecter au reseau", False),
    ("il me faut un cable pour me connecter au reseau", False),
    ("merci de connecter l'automate au reseau", False),
])
def test_the_requesters_own_attempt_is_not_a_change_asked(text: str, own: bool) -> None:
    assert scope.own_doing(text, text.index("connecter")) is own


@pytest.mark.parametrize(("text", "word", "negated"), [
    ("les mails ne partent plus et n'arrivent plus", "arrivent", True),
    ("le stagiaire ne commence pas lundi", "commence", True),
    ("le stagiaire commence lundi", "commence", False),
])
def test_a_verb_in_the_negative_is_what_does_not_happen(text: str, word: str,
                                                         negated: bool) -> None:
    assert scope.negated_verb(text, text.index(word)) is negated


def test_a_word_written_with_an_equals_sign_is_not_lemmatised() -> None:
    # "phones" (every phone of the office) must not become "phone" (one person's)
    assert spellings(["=phones", "imprimantes"]) == ["phones", "imprimantes", "imprimante"]
    result = _assess("Phone", "Hi, my desk phone is dead, the screen stays black.")
    assert result.rule != "phone_system_down" and result.priority != "P1", result.why()


@pytest.mark.parametrize(("sentence", "past"), [
    ("la coupure d'hier venait de l'operateur", True),
    ("the outage last week was caused by the works", True),
    ("depuis hier l'imprimante ne marche plus", False),
    ("la panne d'hier est toujours la", False),
    ("l'imprimante ne marche plus", False),
])
def test_a_failure_told_as_past_and_over(sentence: str, past: bool) -> None:
    assert told_as_past(sentence) is past


def test_information_may_mention_a_past_failure_not_a_current_one() -> None:
    assert _assess("Pour info", "Pour info, la coupure réseau de mardi dernier était due aux "
                                "travaux de la rue.").type == "information"
    assert _assess("Pour info", "Pour info, depuis hier le réseau coupe sans arrêt.").type == \
        "incident"


def test_thanks_anywhere_and_the_writers_own_plans_are_information() -> None:
    assert _assess("Écran", "Bonjour, je tenais à vous remercier pour le nouvel écran, il est "
                            "parfait.").type == "information"
    assert _assess("Lundi", "Bonjour, je travaillerai depuis l'agence de Tours lundi.").type == \
        "information"
    # thanks that end a demand are not information
    assert _assess("Écran", "Je vous remercie de m'installer un second écran.").type == "request"


@pytest.mark.parametrize(("subject", "text", "rule"), [
    ("Chargeur", "Le chargeur de mon portable a fondu et il y a des étincelles.",
     "safety_hazard"),
    ("Salle de réunion", "Ça sent le brûlé dans la salle de réunion, vers la prise.",
     "safety_hazard"),
    ("UPS", "The UPS in the server room is smoking!", "safety_hazard"),
])
def test_a_danger_to_people_is_p1_whatever_the_device(subject: str, text: str,
                                                      rule: str) -> None:
    result = _assess(subject, text)
    assert (result.type, result.priority, result.rule) == ("incident", "P1", rule), result.why()
    assert result.why()[1].startswith(f"hit classification/{rule}:")


def test_a_hazard_denied_is_no_hazard() -> None:
    result = _assess("Portable", "Mon portable chauffe un peu mais la batterie n'est pas "
                                 "gonflée, pas de fumée.")
    assert result.priority != "P1", result.why()


@pytest.mark.parametrize(("subject", "text"), [
    ("Teams", "Teams me redemande mes identifiants à chaque démarrage, sans arrêt."),
    ("Outlook", "Outlook keeps prompting for my password even after I type it."),
])
def test_an_authentication_prompt_loop_is_an_incident(subject: str, text: str) -> None:
    result = _assess(subject, text)
    assert (result.type, result.priority) == ("incident", "P3"), result.why()
    assert result.rule == "auth_prompt_loop"


def test_a_director_phone_is_not_the_executives_computer() -> None:
    result = _assess("Portable pro", "Le smartphone du directeur commercial est cassé, "
                                     "l'écran est fendu.")
    assert result.rule not in ("executive_computer_named", "executive_computer_down")
    computer = _assess("PC", "Le PC du directeur commercial ne démarre plus.")
    assert (computer.rule, computer.priority) == ("executive_computer_named", "P2")


def test_one_persons_mail_is_not_everyones() -> None:
    mine = _assess("Mails", "Plus aucun mail n'arrive dans ma boîte, seulement moi apparemment.")
    assert (mine.type, mine.priority) == ("incident", "P3"), mine.why()
    everyone = _assess("Mails", "Plus aucun mail n'arrive, et pas que moi : tout l'étage.")
    assert everyone.priority == "P2", everyone.why()


def test_the_vip_directory_is_read_with_the_configuration_not_by_the_policy(
        tmp_path: Path) -> None:
    directory = tmp_path / "annuaire.csv"
    directory.write_text("adresse;nom;titre\nm.dupont@groupe-exemple.fr;Marie Dupont;"
                         "Directrice Générale\nj.roux@groupe-exemple.fr;Jean Roux;Comptable\n",
                         "utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text((ROOT / "rules.toml").read_text("utf-8").replace(
        'directory = ""', f'directory = "{directory}"'), "utf-8")
    config = configuration.load(rules)
    directory.unlink()  # compiling the rules' policy reads no file
    policy = policy_of(config)
    assert policy.is_vip("m.dupont@groupe-exemple.fr")
    assert not policy.is_vip("j.roux@groupe-exemple.fr")
