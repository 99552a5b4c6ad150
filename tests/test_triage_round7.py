"""Round 7 of issue 17's triage: a day of use and triage-r5's remaining classes.

- A faulty device one has is an incident of one user, not an order of a new peripheral (day 5:
  "URGENT souris ... saute tout le temps" was told "périphérique pas encore commandé").
- A program stuck on one of its screens is the program failing, not a computer down (day 5:
  "Teams bloqué sur l'écran de chargement" was told "ordinateur hors service").

Unit tests on sentences of our own; one end-to-end test on Dovecot and the recording SMTP
server reads the acknowledgement the employee receives.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.parsers import parse
from mailbot.rules.assess import Assessment, assess, policy_of
from tests.harness import PARIS, ROOT, env, mail, mailbot, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

CONFIG = configuration.load(ROOT / "rules.toml")
POLICY = policy_of(CONFIG)
EMPLOYEE = "sam.employe@groupe-exemple.fr"


def judge(subject: str, body: str, sender: str = EMPLOYEE) -> Assessment:
    return assess(parse(mail(sender=sender, subject=subject, body=body + "\n"),
                        CONFIG.parse_rules()), POLICY)


@pytest.mark.parametrize("subject, body", [
    ("Clavier", "Bonjour, mon clavier a deux touches qui collent, pouvez-vous regarder svp ?"),
    ("Casque", "Salut, mon casque grésille pendant les appels, merci de voir ça stp"),
    ("Mouse", "Hi, my mouse keeps jumping around the screen, could you help please?"),
    ("urgent webcam", "Ma webcam clignote et s'éteint en pleine réunion, il faudrait regarder."),
])
def test_a_faulty_device_one_has_is_an_incident_of_one_user_not_an_order(
        subject: str, body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("incident", "P4")
    assert "pas encore commandé" not in result.description
    assert "un seul utilisateur" in result.description


@pytest.mark.parametrize("subject, body", [
    ("Casque", "Bonjour, pourriez-vous me fournir un casque svp ?"),
    ("Souris", "Bonjour, la mienne est usée, il me faudrait une nouvelle souris."),
    ("Clavier", "Mon clavier colle, pouvez-vous m'en commander un autre ? Un nouveau clavier "
                "me conviendrait."),
])
def test_a_device_asked_for_is_still_a_request_for_a_peripheral(subject: str,
                                                                body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("request", "P4")
    assert "pas encore commandé" in result.description


@pytest.mark.parametrize("subject, body", [
    ("Outlook", "Bonjour, Outlook reste figé sur l'écran de démarrage depuis ce matin."),
    ("Zoom", "Hi, Zoom is stuck on the loading screen since the update."),
    ("Sage ne démarre plus", "Bonjour, Sage reste sur l'écran de chargement, il ne va pas plus "
                             "loin."),
])
def test_a_program_stuck_on_its_screen_is_the_program_not_the_computer(subject: str,
                                                                       body: str) -> None:
    result = judge(subject, body)
    assert (result.type, result.priority) == ("incident", "P3")
    assert result.rule != "computer_down"
    assert "hors service" not in result.description


def test_a_frozen_screen_is_still_the_computer() -> None:
    result = judge("Ecran", "Bonjour, mon écran reste bloqué, plus rien ne répond.")
    assert (result.type, result.priority, result.rule) == ("incident", "P3", "computer_down")


# End to end: the acknowledgement an employee receives names the right priority and reason.

NOW = datetime(2026, 12, 7, 8, 30, tzinfo=PARIS)


def _words(received: ReceivedMail) -> str:
    part = received.message.get_body(("plain",))
    assert part is not None
    return " ".join(part.get_content().split())


@pytest.mark.e2e
def test_the_acknowledgement_tells_a_faulty_mouse_and_a_stuck_program_their_own_reason(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    dovecot.append(mail(sender="kevin.blanc@groupe-exemple.fr", subject="URGENT souris",
                        body="Salut, ma souris sans fil saute tout le temps, c'est URGENT "
                             "svp !!\n"))
    dovecot.append(mail(sender="hugo.simon@groupe-exemple.fr", subject="Teams ne se lance plus",
                        body="Bonjour, Teams reste bloqué sur l'écran de chargement depuis la "
                             "mise à jour.\nHugo\n"))
    mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat(),
            environ=env(dovecot))
    found = {t["requester"]: t for t in tickets(rules)}
    mouse, teams = found["kevin.blanc@groupe-exemple.fr"], found["hugo.simon@groupe-exemple.fr"]
    assert (mouse["type"], mouse["priority"], mouse["urgent_demoted"]) == ("incident", "P4", True)
    assert (teams["type"], teams["priority"]) == ("incident", "P3")
    acks = {m.recipients[0]: _words(m) for m in smtp_server.messages
            if m.message["Message-ID"].split(".")[2] == "ack"}
    mouse_ack = acks["kevin.blanc@groupe-exemple.fr"]
    teams_ack = acks["hugo.simon@groupe-exemple.fr"]
    # The employee with the mouse is told a P4 report of one user's incident, not an order.
    assert "P4" in mouse_ack and "votre signalement" in mouse_ack
    assert "incident d'un seul utilisateur" in mouse_ack
    assert "pas encore commandé" not in mouse_ack
    assert "P3" in teams_ack
    # The team reads why: the program that fails, not a computer out of order.
    [notice] = [_words(m) for m in smtp_server.messages
                if m.message["Message-ID"].split(".")[2] == "team_notice"
                and "Teams ne se lance plus" in str(m.message["Subject"])]
    assert "« application_named »" in notice and "application locale" in notice
    assert "computer_down" not in notice and "ordinateur" not in notice
