"""Round 11 of issue 17's triage: the classes of triage round 9's misses (a blind set of 70 mails,
not read by whoever tunes the rules), each on wordings of our own, French and English:
- a minor fault the writer works around is procedure 002's P4 incident, in English too;
- URGENT on a whole shop or site offline (no tills, nobody can work) is P1, not URGENT's P2;
- a password reset worded as a fault, written from a shared kiosk or terminal, is a P2 request;
- a network share failing while the writer says their own PC is fine (the PC is not the subject)
  is procedure 002's P2 "dossier réseau plus accessible";
- a network switch told by a layman (a box in the technical room without lights, nobody around
  has network) is P1;
- adding a folder to the backup, worded as a suspected fault, is a P3 request, not a restore;
- the mail server down seen through Outlook (disconnected, nobody receives mail) is a P2 incident;
- "urgent" in lower case in the text of a nuisance with a workaround is still a P4 incident;
- the telephone exchange down told by its symptoms (no calls in or out, dead lines) is P1;
- a firewall rule to change, worded "it blocks ... please open it", is a P3 request.
The decisive sign between a request worded as a fault and a fault worded as a request is what
the person wants done (open, add, reset) against what stopped working for them.
"""

from __future__ import annotations

import pytest

from tests.test_triage_round7 import judge


def _ok(subject: str, body: str, expected: tuple[str, str | None],
        sender: str = "sam.employe@groupe-exemple.fr") -> None:
    result = judge(subject, body, sender=sender)
    assert (result.type, result.priority) == expected, result.why()


@pytest.mark.parametrize("subject, body", [
    ("Second monitor flickers", "Hi, my second screen flickers every few minutes. I can work on "
     "the laptop screen in the meantime, so no big deal. Could someone have a look?\nThanks, Ben"),
    ("PDF button gone", "Hello, the Save as PDF button has disappeared from Word's ribbon. I'm "
     "using Print to PDF instead for now, it does the job. Thanks\nLiz"),
    ("Sound", "Hi, there's no sound from my laptop speakers since Monday, I use my earbuds "
     "instead. Could you check it?\nRaj"),
    ("VPN drops", "Hello, the VPN drops once or twice a day, I just reconnect and carry on. "
     "Could you have a look?\nMia"),
    ("Raccourci disparu", "Bonjour, le raccourci de l'intranet a disparu de mon bureau, je passe "
     "par le navigateur en attendant. Vous pourrez regarder ?\nMerci, Léa"),
])
def test_a_minor_fault_worked_around_is_a_p4_incident(subject: str, body: str) -> None:
    _ok(subject, body, ("incident", "P4"))


@pytest.mark.parametrize("subject, body", [
    ("URGENT magasin de Lyon", "Bonjour, plus aucune caisse ne fonctionne au magasin de Lyon "
     "depuis 9h, on ne peut plus encaisser les clients. Personne ne peut travailler.\nMarc"),
    ("URGENT - agence de Nantes hors ligne", "Bonjour, toute l'agence de Nantes est hors ligne "
     "depuis ce matin, aucun poste ne marche, personne ne peut bosser.\nJulie"),
    ("URGENT store down", "Hi, the Bordeaux store is completely offline: the tills don't work, "
     "we cannot sell anything and nobody in the shop can work.\nTom"),
    ("URGENT: whole site offline", "Hello, the whole Lille site has been offline since 8, no "
     "one here can work at all.\nNora"),
    ("URGENT", "Bonjour, au dépôt de Caen plus rien ne marche, ni les PC ni les scanners, "
     "personne ne peut bosser.\nLou"),
    ("URGENT point de vente", "Plus de connexion au point de vente de Nîmes : pas de ventes "
     "possibles, l'équipe ne peut rien faire.\nAli"),
])
def test_urgent_on_a_whole_shop_or_site_offline_is_p1(subject: str, body: str) -> None:
    _ok(subject, body, ("incident", "P1"))


@pytest.mark.parametrize("subject, body, sender", [
    ("Connexion impossible", "Bonjour, je n'arrive plus à me connecter à ma session, il me dit "
     "que mon mot de passe est incorrect. J'écris depuis le poste partagé de l'atelier, pouvez-"
     "vous le réinitialiser ?\nKarim", "borne.atelier@groupe-exemple.fr"),
    ("Can't log in", "Hi, I can't log into my account anymore, it says my password has expired. "
     "I'm writing from the shared terminal in the warehouse.\nJo", "kiosk@groupe-exemple.fr"),
    ("Session bloquée", "Bonjour, je n'arrive plus à me connecter, mon compte est verrouillé "
     "après plusieurs essais. Je vous écris du PC commun de l'entrepôt.\nPaul Girard",
     "accueil.entrepot@groupe-exemple.fr"),
    ("Plus moyen de me connecter", "Bonjour, impossible de me connecter depuis lundi, on me dit "
     "identifiants invalides. J'utilise la borne de la salle de pause pour écrire.\nSonia",
     "borne.pause@groupe-exemple.fr"),
    ("Connexion", "Bonjour, j'écris depuis la borne du magasin car je n'arrive plus à me "
     "connecter à mon compte. Pouvez-vous m'aider ?\nMehdi", "borne.magasin@groupe-exemple.fr"),
])
def test_a_password_reset_worded_as_a_fault_from_a_shared_terminal_is_a_p2_request(
        subject: str, body: str, sender: str) -> None:
    _ok(subject, body, ("request", "P2"), sender=sender)


@pytest.mark.parametrize("subject, body", [
    ("Shared drive", "Hi, I can't open the S: drive since this morning. My PC is fine otherwise, "
     "internet and email work.\nDan"),
    ("Network drive not working", "Hello, the team's network drive won't open anymore. My "
     "computer itself is fine, everything else works.\nAmy"),
    ("Team folder unreachable", "The shared folder of the sales team is unreachable today. It's "
     "not my laptop, that works fine.\nKim"),
    ("Lecteur réseau", "Bonjour, le lecteur réseau P: ne s'ouvre plus depuis ce matin. Mon PC va "
     "bien, internet et la messagerie marchent.\nLuc"),
    ("Network share", "Hi, the network share won't open for me, Windows says the path is not "
     "accessible. My PC itself is fine and not slow at all.\nOla"),
])
def test_a_share_failing_while_the_pc_is_fine_is_the_share_at_p2(subject: str,
                                                                  body: str) -> None:
    _ok(subject, body, ("incident", "P2"))


@pytest.mark.parametrize("subject, body", [
    ("Plus de réseau au 2e", "Bonjour, le boîtier dans le local technique du 2e n'a plus aucun "
     "voyant allumé et personne autour de moi n'a de réseau.\nÉric"),
    ("No network", "Hi, the box with all the cables in the comms room has no lights at all, and "
     "nobody on our floor has network.\nSue"),
    ("Réseau coupé", "Le boîtier gris dans la baie du local informatique est tout éteint, plus "
     "une lumière, et les collègues du plateau sont tous sans réseau.\nYann"),
    ("Network gone", "Hello, the grey box in the server cupboard is dark, no lights, and "
     "everyone around me lost the network.\nPhil"),
    ("Réseau HS", "Bonjour, l'appareil dans la baie du local technique ne clignote plus du "
     "tout, et tout l'open space est sans réseau.\nMax"),
])
def test_a_switch_described_by_a_layman_is_p1(subject: str, body: str) -> None:
    _ok(subject, body, ("incident", "P1"))


@pytest.mark.parametrize("subject, body", [
    ("Sauvegarde", "Bonjour, je crois que le dossier D:\\Projets n'est pas sauvegardé, il "
     "n'apparaît pas dans la sauvegarde. Pouvez-vous l'ajouter ?\nMerci, Inès"),
    ("Backup", "Hi, it looks like the Contracts folder isn't included in the nightly backup. "
     "Could you add it?\nMark"),
    ("Dossier pas dans la sauvegarde ?", "Bonjour, on dirait que notre dossier Qualité n'est pas "
     "pris en compte par la sauvegarde, il faudrait l'inclure.\nHélène"),
    ("Backup missing a folder?", "Hello, I think our Finance folder is not being backed up. "
     "Can you add it to the backup please?\nOwen"),
    ("Sauvegarde du dossier Compta", "Bonjour, il me semble que le dossier Compta n'est pas "
     "dans la sauvegarde de la nuit. Est-ce que vous pourriez l'ajouter ?\nZoé"),
])
def test_adding_a_folder_to_the_backup_worded_as_a_fault_is_a_p3_request(subject: str,
                                                                         body: str) -> None:
    _ok(subject, body, ("request", "P3"))


@pytest.mark.parametrize("subject, body", [
    ("Outlook déconnecté", "Bonjour, Outlook affiche « Déconnecté » en bas depuis 10h et "
     "personne dans le service ne reçoit plus de mails.\nAnne"),
    ("Outlook disconnected", "Hi, Outlook says Disconnected at the bottom and none of us are "
     "receiving emails since this morning.\nGreg"),
    ("Messagerie", "Outlook reste sur « Tentative de connexion » chez tout le monde, aucun mail "
     "n'arrive depuis une heure.\nCamille"),
    ("No emails", "Outlook keeps trying to connect for everyone in the office, nobody has "
     "received a mail since 9.\nIan"),
])
def test_the_mail_server_down_seen_through_outlook_is_a_p2_incident(subject: str,
                                                                    body: str) -> None:
    _ok(subject, body, ("incident", "P2"))


@pytest.mark.parametrize("subject, body", [
    ("Écran qui clignote", "Bonjour, mon deuxième écran clignote de temps en temps, je travaille "
     "sur celui du portable en attendant. urgent merci de regarder\nNina"),
    ("Teams notifications", "hi, teams notifications don't pop up anymore, I check the app by "
     "hand for now. urgent please\nSam"),
    ("Signature Outlook", "c'est urgent : ma signature outlook ne s'affiche plus, je la colle à "
     "la main pour l'instant. Pouvez-vous regarder ?\nRémi"),
    ("Dock", "my docking station stopped charging the laptop, I plug the charger directly "
     "meanwhile. urgent pls\nAl"),
])
def test_lowercase_urgent_on_a_nuisance_worked_around_is_a_p4_incident(subject: str,
                                                                       body: str) -> None:
    _ok(subject, body, ("incident", "P4"))


@pytest.mark.parametrize("subject, body", [
    ("Téléphones", "Bonjour, depuis ce matin plus aucun appel n'entre ni ne sort, toutes les "
     "lignes sont mortes.\nOdile"),
    ("Phones dead", "Hi, no calls are coming in or going out, all the lines are dead since "
     "9am.\nRick"),
    ("Plus d'appels", "Bonjour, on ne reçoit plus aucun appel et on ne peut plus appeler "
     "l'extérieur, il n'y a plus de tonalité sur les lignes.\nBruno"),
    ("Phones", "Hello, nobody can call us and we cannot call out, every line is silent.\nEve"),
    ("Appels", "Bonjour, depuis ce matin on ne reçoit plus d'appels et on ne peut pas appeler "
     "non plus.\nLéon"),
])
def test_the_telephone_exchange_down_told_by_its_symptoms_is_p1(subject: str, body: str) -> None:
    _ok(subject, body, ("incident", "P1"))


@pytest.mark.parametrize("subject, body", [
    ("Site bloqué", "Bonjour, le pare-feu bloque le site du fournisseur dont j'ai besoin pour "
     "les commandes. Pouvez-vous l'autoriser ?\nMerci, Alice"),
    ("Port blocked", "Hi, the firewall is blocking port 8443 to our supplier's portal, could you "
     "please open it for us?\nDave"),
    ("Accès bloqué", "Bonjour, le firewall bloque l'accès au site de la banque depuis la compta, "
     "merci de l'ouvrir.\nFred"),
    ("Website blocked", "Hello, a training website we need is blocked by the proxy. Could you "
     "unblock it for our team?\nJane"),
    ("Port bloqué", "Bonjour, le port 3389 est bloqué vers le serveur du prestataire, merci de "
     "l'ouvrir sur le firewall.\nHugo"),
])
def test_a_firewall_rule_to_open_worded_as_it_blocks_is_a_p3_request(subject: str,
                                                                     body: str) -> None:
    _ok(subject, body, ("request", "P3"))
