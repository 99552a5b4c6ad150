"""Day 9's triage defects 1 and 5 (issues 16 and 17), each class on wordings of our own.

1. A shared device out of order for a whole floor or service (a printer, a copier, a scanner,
   a badge reader, the coffee machine) is that device, not a department stopped: procedure 002
   makes "Imprimante hors service" P3 and says nothing of a shared printer at P2; its P1 is a
   department that cannot work. Nobody able to work, no network, the ERP down stay P1.
5. A newcomer's arrival with the accounts and the folder to open listed is the account creation
   (procedure 002, P3 request), not a change of an existing account's rights (P2), however the
   arrival is said ("l'arrivée de X le ...", "X arrive lundi", "suite à l'embauche de").
"""

from __future__ import annotations

import pytest

from tests.test_triage_round7 import judge

# ---- defect 1: a shared device for a floor is not a department stopped ------------------------


@pytest.mark.parametrize("subject, body", [
    ("Imprimante 4e", "Bonjour, l'imprimante du 4e étage indique un bourrage alors qu'elle est "
                      "vide. Plus personne ne peut imprimer au 4e.\nMerci\nAlice"),
    ("Printer on 3rd floor", "Hi, the printer on the 3rd floor shows a paper jam, nobody on "
                             "the floor can print.\nTom"),
    ("imprimante compta", "L'imprimante partagée de la compta n'imprime plus rien, tout le "
                          "service est bloqué pour les impressions."),
])
def test_a_shared_printer_down_for_a_floor_is_a_printer_down(subject: str, body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("incident", "P3"), result.why()[:3]
    assert result.rule != "department_stopped"


@pytest.mark.parametrize("subject, body", [
    ("Photocopieur", "Bonjour, le photocopieur du 1er est en panne, personne à l'étage ne peut "
                     "faire de photocopies.\nMarc"),
    ("Scanner accueil", "Le scanner de l'accueil ne marche plus, plus personne au service ne "
                        "peut scanner le courrier."),
    ("Badgeuse", "Bonjour, la badgeuse de l'entrée B ne lit plus les cartes, personne ne peut "
                 "badger ce matin."),
    ("Machine à café", "La machine à café du 2e est HS, toute l'équipe est privée de café !"),
    ("Copier", "Hello, the copier on our floor is broken, nobody in the team can make copies."),
])
def test_another_shared_device_for_a_floor_is_not_a_department_stopped(subject: str,
                                                                      body: str) -> None:
    result = judge(subject, body)
    assert result.rule != "department_stopped" and result.priority != "P1", result.why()[:3]


@pytest.mark.parametrize("subject, body", [
    ("Plus rien au 2e", "Plus de réseau au 2e étage : personne ne peut travailler, même "
                        "l'imprimante ne répond plus."),
    ("ERP achats", "L'ERP est inaccessible pour tout le service achats, personne ne peut saisir "
                   "les commandes ni imprimer les bons."),
    ("Network down", "Hi, no network on the whole 3rd floor, nobody can work, we can't even "
                     "print."),
    ("Compta bloquée", "Toute la compta est à l'arrêt : Sage ne s'ouvre plus, impossible "
                       "d'imprimer quoi que ce soit."),
    ("Magasin", "Depuis le passage du technicien sur les scanners, toute l'équipe du magasin "
                "est bloquée : personne ne peut préparer les commandes."),
])
def test_a_department_that_cannot_work_stays_p1_with_a_printer_named(subject: str,
                                                                     body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("incident", "P1"), result.why()[:3]


# ---- defect 5: a newcomer's arrival with folder access is the account creation ----------------


@pytest.mark.parametrize("subject, body", [
    ("Arrivée Hugo Lemaire le 04/01", "Bonjour,\nMerci de préparer l'arrivée de Hugo Lemaire "
     "(acheteur) le lundi 4 janvier : compte Windows, messagerie, un PC portable et l'accès au "
     "dossier Achats.\nService RH"),
    ("Nouveau au service achats", "Bonjour, Hugo Lemaire arrive lundi au service achats : "
     "merci de lui préparer un compte, une boîte mail et l'accès au dossier Achats."),
    ("Embauche Nadia Colin", "Bonjour, suite à l'embauche de Nadia Colin (assistante RH) le 5 "
     "janvier, pourriez-vous prévoir sa session, sa messagerie et l'accès au dossier RH ?"),
    ("Logistique", "Bonjour, Karim Diallo rejoint l'équipe logistique le 11/01. Il lui faut un "
                   "identifiant, une adresse mail et un accès au répertoire Transport."),
    ("Chloe in marketing", "Hi, Chloe joins us on Monday in marketing: please create her account, "
                           "her mailbox and give her access to the Marketing share."),
])
def test_a_newcomers_arrival_with_a_folder_is_the_account_creation(subject: str,
                                                                  body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("request", "P3"), result.why()[:3]
    assert result.rule in ("new_starter", "new_account")


@pytest.mark.parametrize("subject, body", [
    ("Dossier Qualité", "Bonjour, depuis mon arrivée en septembre je n'ai jamais eu accès au "
                        "dossier Qualité avec mon compte, pourriez-vous me le donner ?"),
    ("Accès stagiaire", "Bonjour, notre stagiaire arrivée lundi a déjà son compte : pourriez-"
                        "vous lui donner accès au dossier Ventes ?"),
    ("Accès Julie", "Bonjour, Julie a rejoint l'équipe compta le mois dernier : pourriez-vous "
                    "donner à son compte l'accès au dossier Clôture ?"),
    ("Dossier Export", "Bonjour, Yann est arrivé le 2 novembre aux achats et sa messagerie "
                       "marche : pourriez-vous lui donner accès au dossier Export ?"),
])
def test_access_for_someone_already_here_stays_a_change_of_rights(subject: str,
                                                                  body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority, result.rule) == ("request", "P2", "access_rights"), \
        result.why()[:3]
