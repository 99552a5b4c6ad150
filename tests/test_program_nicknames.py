"""Programs named by their common nicknames ("N++", "NPP", "Acro", "PDF Creator"...), and
short nicknames that are also initials or slang counted only with a sign of the program
(blind round 10)."""

from __future__ import annotations

import pytest
from parsers_factory import mail

from mailbot.parsers import parse


@pytest.mark.parametrize(("subject", "body", "program"), [
    ("N++ ne s'ouvre plus", "Bonjour,\n\nimpossible de lancer l'éditeur depuis ce matin.\n",
     "Notepad++"),
    ("NPP plante au démarrage", "Bonjour,\n\nil se ferme tout seul.\n", "Notepad++"),
    ("Problème NPP", "Bonjour,\n\nles onglets ont disparu.\n", "Notepad++"),
    ("Éditeur", "Bonjour,\n\nquand je lance N++ j'ai une erreur de plugin.\n", "Notepad++"),
    ("Notepad ++ plante", "Bonjour.\n", "Notepad++"),
    ("Acro ne veut plus imprimer", "Bonjour,\n\nrien ne sort.\n", "Acrobat"),
    ("Adobe Acrobat Pro DC figé", "Bonjour.\n", "Acrobat"),
    ("PDF Creator ne crée plus de PDF", "Bonjour.\n", "PDFCreator"),
    ("le Citrix rame", "Bonjour,\n\ntout est lent.\n", "Citrix"),
    ("XenApp déconnecté", "Bonjour.\n", "Citrix"),
    ("Excell plante à l'ouverture", "Bonjour.\n", "Excel"),
    ("Problème avec VSCode", "Bonjour.\n", "Visual Studio Code"),
    ("Connexion au TSE impossible", "Bonjour,\n\nécran noir après le mot de passe.\n",
     "Connexion Bureau à distance"),
])
def test_a_program_named_by_its_nickname_is_found(subject: str, body: str,
                                                  program: str) -> None:
    assert parse(mail(body, subject=subject).as_bytes()).program == program


@pytest.mark.parametrize(("subject", "body"), [
    ("Je suis acro au café", "Bonjour,\n\nla machine du 3e est en panne depuis lundi.\n"),
    ("Badge", "Bonjour,\n\nle document est NPP (ne pas publier) : merci de ne pas le diffuser.\n"),
    ("Élections", "Bonjour,\n\nle TSE a publié les résultats, la page ne s'affiche pas.\n"),
])
def test_a_short_nickname_without_a_sign_of_the_program_is_not_one(subject: str,
                                                                   body: str) -> None:
    program = parse(mail(body, subject=subject).as_bytes()).program
    assert program not in ("Notepad++", "Acrobat", "Connexion Bureau à distance")
