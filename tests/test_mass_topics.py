"""What a report of a shared failure is about, in people's own words (rules/mass_topics.py):
the component that fails and the group that suffers it (day 6, defects 1 and 2)."""

from __future__ import annotations

import pytest

from mailbot.rules import mass_topics as topics
from mailbot.rules.text import fold

COMPONENTS = {
    "drive_letter": ("S: introuvable", "S:\\ introuvable", ["share"]),
    "drive_named": ("Partage", "Le lecteur réseau des achats est vide", ["share"]),
    "file_server": ("Serveur fichiers", "le serveur de fichiers ne répond plus", ["share"]),
    "shared_folder": ("dossier", "le dossier partagé JURIDIQUE ne s'ouvre plus", ["share"]),
    "unc_path": ("accès", "\\\\srv-fic01\\commun ne répond pas", ["share"]),
    "network": ("connexion", "Aucun accès réseau, câble branché", ["network"]),
    "internet": ("internet", "plus d'internet", ["network"]),
    "wifi": ("Wi-Fi", "le wifi ne passe plus en salle B", ["network"]),
    "mail": ("Outlook", "Outlook reste déconnecté du serveur", ["mail"]),
    "phone": ("standard", "le téléphone ne sonne plus", ["phone"]),
    "printer_and_network": ("imprimante", "l'imprimante réseau ne répond plus",
                            ["network", "printer"]),
    "nothing_shared": ("écran", "mon écran clignote", []),
}


@pytest.mark.parametrize("subject, text, expected", COMPONENTS.values(), ids=COMPONENTS.keys())
def test_the_failing_component_in_people_s_words(subject: str, text: str,
                                                 expected: list[str]) -> None:
    assert topics.components(fold(subject), fold(text)) == expected


def test_a_program_is_a_component_of_its_own() -> None:
    assert topics.components("sage", "sage ne demarre plus", "Sage 100") == ["program:sage 100"]


GROUPS = {
    "signature": ("Bonjour,\nplus de réseau\nMarc\nService Logistique\n", "logistique"),
    "signature_after_name": ("réseau HS\n--\nOmar Saïd, Service Logistique", "logistique"),
    "said_in_text": ("chez nous au service compta le lecteur est vide", "comptabilite"),
    "long_name": ("Emma\nService Ressources Humaines", "rh"),
    "short_name": ("David Lopez\nRH", "rh"),
    "usual_name_anywhere": ("plus d'internet ici à la logistique", "logistique"),
    "unknown_department_signed": ("Paul\nService Expéditions", "expedition"),
    "whole_service_is_no_name": ("tout le service est bloqué", None),
    "it_is_not_a_group": ("Bonjour le service informatique, plus de réseau", None),
}


@pytest.mark.parametrize("text, expected", GROUPS.values(), ids=GROUPS.keys())
def test_the_group_that_suffers_it(text: str, expected: str | None) -> None:
    assert topics.group_of(fold(text), "x@groupe-exemple.fr") == expected


def test_a_site_then_a_sub_domain_when_no_department_is_named() -> None:
    assert topics.group_of("plus de reseau", "x@exemple.fr", "venissieux") == "venissieux"
    assert topics.group_of("plus de reseau", "x@achats.exemple.fr") == "achats"
    assert topics.group_of("plus de reseau", "x@exemple.fr") is None
    assert topics.group_of("l'imprimante du 2e etage ne marche plus", "x@exemple.fr", "ne") is None


@pytest.mark.parametrize("text, broken", [
    ("plus d'internet ni de reseau", True), ("je ne peux pas travailler", True),
    ("le partage a disparu, c'est normal ?", True),
    ("pourriez-vous m'installer un deuxieme ecran ?", False)])
def test_a_report_says_something_is_broken(text: str, broken: bool) -> None:
    assert topics.is_report("", text) is broken


def test_reports_naming_no_group_are_grouped_for_the_network_and_shares_only() -> None:
    from mailbot.rules import mass
    from mailbot.rules.classification import Classification, Facts

    incident = Classification("incident", None, "P3", None)

    def keys(subject: str, text: str) -> list[str]:
        facts = Facts.build(subject=subject, text=text, requester="a@exemple.fr")
        return mass.topic_keys(facts, incident, facts.text)

    assert keys("Outlook", "Outlook ne marche plus") == []
    assert keys("réseau", "plus de réseau") == ["topic:network:*"]
    assert keys("Outlook", "Outlook ne marche plus\nService Achats") == ["topic:mail:achats"]
    request = Classification("request", None, "P4", None)
    facts = Facts.build(subject="écran", text="pourriez-vous m'installer un écran réseau ?")
    assert mass.topic_keys(facts, request, facts.text) == []


# --- day 7: where people are ------------------------------------------------------------------

PLACES = {
    "floor_ordinal": ("Plus de réseau sur tout le 3e étage (compta)", ["etage:3"]),
    "floor_eme": ("URGENT réseau 3ème étage", ["etage:3"]),
    "bare_au": ("internet ne marche plus au 3e, ni les lecteurs", ["etage:3"]),
    "bare_du": ("aucun PC du 3ème n'a de réseau", ["etage:3"]),
    "floor_word": ("le wifi du deuxième étage est tombé", ["etage:2"]),
    "floor_first": ("coupure au 1er étage", ["etage:1"]),
    "ground": ("plus de réseau au rez-de-chaussée", ["etage:0"]),
    "rdc": ("RDC sans internet", ["etage:0"]),
    "english_nth": ("no network on the 4th floor", ["etage:4"]),
    "english_number": ("internet is down on floor 4", ["etage:4"]),
    "english_word": ("the fifth floor is offline", ["etage:5"]),
    "building": ("coupure réseau bâtiment B", ["batiment:b"]),
    "building_short": ("le net ne fonctionne plus au bat. C", ["batiment:c"]),
    "building_en": ("building 2 has no wifi", ["batiment:2"]),
    "not_a_floor_day": ("depuis le 2e jour ça plante", []),
    "not_a_floor_try": ("au 2e essai ça passe", []),
    "not_a_floor_count": ("la 3e fois ce mois-ci", []),
}


@pytest.mark.parametrize("text, expected", PLACES.values(), ids=PLACES.keys())
def test_a_floor_or_a_building_in_people_s_words(text: str, expected: list[str]) -> None:
    assert topics.places(fold(text)) == expected


EVERYDAY_NETWORK = {
    "le_net": "le net ne marche plus",
    "no_connection": "aucun PC n'a de connexion",
}


@pytest.mark.parametrize("text", EVERYDAY_NETWORK.values(), ids=EVERYDAY_NETWORK.keys())
def test_everyday_words_for_the_network(text: str) -> None:
    assert "network" in topics.components("", fold(text))


def test_logging_in_is_not_the_network() -> None:
    assert topics.components("session", fold("impossible de me connecter à ma session")) == []
