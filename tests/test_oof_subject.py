"""An out-of-office subject prefix is a weak sign: with a second one (a header, the
out-of-office wording, an answer to our mail) the mail is automatic; a person writing about
their own automatic answer under such a subject stays a person (blind round 10's miss)."""

from __future__ import annotations

import pytest
from parsers_factory import mail

from mailbot.parsers import parse

# Persons about an out-of-office, under the very subject an auto-responder writes.
PERSONS = [
    ("Réponse automatique : à désactiver",
     "Bonjour,\n\nje suis rentrée de congés lundi mais ma réponse automatique part toujours. "
     "Pouvez-vous la désactiver ?\n\nMerci,\nNadia Ferreira\nComptabilité"),
    ("Réponse automatique : toujours active",
     "Bonjour,\n\nMa réponse automatique dit encore « Je suis absente du bureau jusqu'au 4 "
     "décembre ». Je suis revenue, merci de l'arrêter.\n\nCordialement,\nÉmilie Roux"),
    ("Automatic reply: won't turn off",
     "Hi,\n\nmy auto-reply won't turn off since I came back from leave. Outlook shows it as "
     "disabled but people still get it.\n\nThanks,\nGrace Hall"),
    ("Out of Office: still sending",
     "Hello,\n\nI'm back but my out of office is still sending replies to everyone who "
     "writes to me. Please switch it off for me.\n\nTom Becker"),
    ("Absence du bureau : message d'absence",
     "Bonjour,\n\nje n'arrive pas à supprimer mon message d'absence dans le nouvel Outlook, le "
     "bouton est grisé.\n\nBien à vous,\nLucie Marchand"),
    ("Automatische Antwort: bitte abschalten",
     "Hallo,\n\nbitte deaktivieren Sie meine Abwesenheitsnotiz, ich bin wieder im Haus.\n\n"
     "Danke\nJonas Weber"),
    ("RE: Réponse automatique : [sans objet]",
     "Bonjour,\n\nle poste de Julien ne démarre plus depuis ce matin, écran bleu au "
     "démarrage.\n\nMerci,\nSandrine"),
]


@pytest.mark.parametrize(("subject", "body"), PERSONS)
def test_a_person_about_an_out_of_office_is_a_person(subject: str, body: str) -> None:
    result = parse(mail(body, subject=subject).as_bytes())
    assert result.kind == "person", result.machine_reasons


# Out-of-office answers with nothing but their subject and their text (no header says it).
AUTO_REPLIES = [
    ("Réponse automatique : Imprimante du 2e étage",
     "Bonjour,\n\nJe suis absente du bureau jusqu'au lundi 7 décembre inclus.\n\nNadia Ferreira"),
    ("Réponse automatique : Imprimante du 2e étage",
     "Je serai de retour le 14 décembre. Pour toute urgence, contactez Marc Petit au 4521."),
    ("Automatic reply: VPN access",
     "Thank you for your message. I am currently out of the office with no access to email."),
    ("Out of Office: VPN access",
     "I will be back on Monday 14 December and will read your message then.\n\nGrace Hall"),
    ("Automatische Antwort: Drucker",
     "Ich bin bis einschließlich 11.12. nicht im Büro und habe keinen Zugriff auf E-Mails."),
    ("Respuesta automática: Impresora",
     "Estoy fuera de la oficina hasta el lunes. En caso de urgencia, llame al 4521."),
    ("Absence du bureau : Écran noir",
     "Ceci est une réponse automatique. Je consulterai mes messages à mon retour."),
]


@pytest.mark.parametrize(("subject", "body"), AUTO_REPLIES)
def test_an_out_of_office_with_its_subject_and_wording_is_automatic(subject: str,
                                                                    body: str) -> None:
    result = parse(mail(body, subject=subject).as_bytes())
    assert result.kind == "auto_reply", result.machine_reasons
    assert any("out-of-office" in reason for reason in result.machine_reasons)


# A person away who leaves the support a task, in a new mail under a subject of their own: the
# absence and the return are in the text, nothing says it answers a mail (blind triage round 11).
AWAY_WITH_A_TASK = [
    ("pas urgent - écran qui scintille",
     "Bonjour,\n\nMon deuxième écran scintille de temps en temps. Rien de grave, je suis en "
     "congés toute la semaine prochaine, vous pouvez passer à mon retour.\n\nMerci !\nÉmilie"),
    ("Clavier du poste 12",
     "Bonjour,\n\nla touche Entrée du clavier colle. Je suis en déplacement jusqu'à jeudi, "
     "à mon retour ce serait bien de l'avoir changé.\n\nJulien"),
    ("Docking station",
     "Hi,\n\nmy docking station only charges the laptop now, no screens. I'm on leave until "
     "Monday, upon my return would be fine.\n\nRegards,\nSam"),
]
# The same words answering a mail, or under a subject that says the absence, stay automatic.
ANSWERING = [("Re: Votre demande", "Re"), ("Absent jusqu'au 14", "Absent")]


@pytest.mark.parametrize(("subject", "body"), AWAY_WITH_A_TASK)
def test_a_new_mail_from_a_person_away_is_a_person(subject: str, body: str) -> None:
    result = parse(mail(body, subject=subject).as_bytes())
    assert result.kind == "person", result.machine_reasons


@pytest.mark.parametrize("subject", [s for s, _ in ANSWERING])
def test_the_absence_wording_answering_a_mail_stays_automatic(subject: str) -> None:
    body = ("Bonjour,\n\nJe suis actuellement en congés. Je traiterai votre message à mon "
            "retour le 4 janvier.\n\nCordialement,\nPaul Henry")
    result = parse(mail(body, subject=subject).as_bytes())
    assert result.kind == "auto_reply", result.machine_reasons
