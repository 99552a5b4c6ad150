"""Round 9 (issue 19): a program named only by its executable, whose name is not the product's
("7z.exe" is 7-Zip, "soffice.exe" LibreOffice, "PBIDesktop.exe" Power BI, "atmgr.exe" Webex,
"wuauclt.exe" Windows Update), in the subject or in the text, as Task Manager, an error dialog
or the event log print it; executables named after their product ("vlc.exe", "AnyDesk.exe",
"msedge.exe", "ms-teams.exe") keep being found. Texts written for this project."""

from __future__ import annotations

import pytest
from parsers_factory import mail as parser_mail

from mailbot.parsers import ParseRules, parse

RULES = ParseRules(bot_addresses=frozenset({"support@exemple.fr"}))


def _program(subject: str, body: str) -> str | None:
    return parse(parser_mail(body, subject=subject).as_bytes(), RULES).program


@pytest.mark.parametrize(("subject", "body", "program"), [
    ("Archive fournisseur", "Bonjour,\n\n7z.exe plante dès que j'ouvre le fichier reçu.\n",
     "7-Zip"),
    ("7zFM.exe ne répond plus", "Bonjour,\n\nvoir la capture.\n", "7-Zip"),
    ("Extraction", "Hello,\n\nthe dialog says 7zG.exe has stopped working.\n", "7-Zip"),
    ("Bureautique", "Bonjour,\n\nsoffice.exe se ferme à l'ouverture du devis.\n",
     "LibreOffice"),
    ("Tableur", "Bonjour,\n\nscalc.exe reste à 100 % du processeur.\n", "LibreOffice"),
    ("Rapports mensuels", "Bonjour,\n\nPBIDesktop.exe se ferme au rafraîchissement.\n",
     "Power BI"),
    ("Réunion client", "Bonjour,\n\natmgr.exe a cessé de fonctionner pendant l'appel.\n",
     "Webex"),
    ("Supplier call", "Hello,\n\nCiscoCollabHost.exe crashes when I share my screen.\n",
     "Webex"),
    ("Formation", "Bonjour,\n\ng2mcomm.exe bloque le micro.\n", "GoTo Meeting"),
    ("Poste lent", "Bonjour,\n\nwuauclt.exe tourne en boucle depuis hier.\n",
     "Windows Update"),
    ("PDF", "Bonjour,\n\nRdrCEF.exe consomme toute la mémoire.\n", "Acrobat"),
    ("Bureau virtuel", "Bonjour,\n\nmsrdcw.exe ne trouve plus mon espace de travail.\n",
     "Connexion Bureau à distance"),
    ("Dépannage", "Bonjour,\n\nTeamViewer_Service.exe ne démarre plus.\n", "TeamViewer"),
    ("Télétravail", "Bonjour,\n\ncsc_ui.exe affiche une erreur de certificat.\n",
     "Cisco AnyConnect"),
    ("Cartographie", "Hello,\n\nArcGISPro.exe freezes on start.\n", "ArcGIS"),
    ("Synchronisation", "Bonjour,\n\nGoogleDriveFS.exe ne synchronise plus.\n", "Google Drive"),
    # named after the product: found as before
    ("Vidéo", "Bonjour,\n\nvlc.exe ne lit plus les vidéos de formation.\n", "VLC"),
    ("Prise en main", "Bonjour,\n\nAnyDesk.exe est bloqué par l'antivirus.\n", "AnyDesk"),
    ("Navigateur", "Bonjour,\n\nmsedge.exe consomme 90 % du processeur.\n", "Microsoft Edge"),
    ("Réunions", "Bonjour,\n\nms-teams.exe ne se lance plus.\n", "Teams"),
    ("Éditeur", "Bonjour,\n\nnotepad++.exe se ferme tout seul.\n", "Notepad++"),
])
def test_an_executable_names_its_program(subject: str, body: str, program: str) -> None:
    assert _program(subject, body) == program


@pytest.mark.parametrize(("subject", "body"), [
    ("Colis", "Bonjour,\n\nle receiver du colis n'a pas signé le bon.\n"),
    ("Planning", "Bonjour,\n\nle tableau des congés est à jour.\n"),
    ("Sauvegarde", "Bonjour,\n\nl'archive sauvegarde.7z est trop grosse pour le mail.\n"),
])
def test_a_word_like_an_executable_names_no_program(subject: str, body: str) -> None:
    assert _program(subject, body) is None
