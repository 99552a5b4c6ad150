"""Each requester in their own language, end to end: a real Dovecot, a real SMTP server, the
real `mailbot` command. An English mail is answered in English, a French one in French, a
French greeting over an English body in English; a one-line mail and a pasted error alone are
too short to tell and get the team's language (French); a requester once known as English stays
English on a short mail; a technician's `#language` sets it, and the closure follows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.harness import PARIS, TECHS, env, mail, mailbot, show, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)

ENGLISH = ("Hello,\n\nSince yesterday FortiClient drops the VPN connection every ten minutes "
           "when I work from home. I have to reconnect each time.\n\nThanks,\nAnna\n")
FRENCH = ("Bonjour,\n\nL'imprimante du deuxième étage n'imprime plus rien depuis ce matin, "
          "les documents restent bloqués dans la file.\n\nMerci,\nClaire\n")
MIXED = ("Bonjour,\n\nI cannot open the shared calendar of the sales team since yesterday, it "
         "says I have no permission although I had it last week.\n\nBest regards,\nPeter\n")
ERROR = ("---------------------------\nMicrosoft Excel\n---------------------------\n"
         "Excel cannot open the file 'budget.xlsx' because the file format or file extension "
         "is not valid.\n---------------------------\nOK\n---------------------------\n")




def run_once(rules: Path, dovecot: DovecotServer) -> None:
    mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat(),
            environ=env(dovecot))


def text_of(received: ReceivedMail) -> str:
    part = received.message.get_body(("plain",))
    assert part is not None
    return " ".join(part.get_content().split())


def to(smtp: RecordingSmtpServer, address: str, kind: str) -> list[ReceivedMail]:
    return [m for m in smtp.messages if address in m.recipients
            and f".{kind}." in m.message["Message-ID"]]


def test_each_requester_is_acknowledged_in_their_own_language(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    cases = {  # sender: (subject, body, language the ticket must have)
        "anna.schmidt@groupe-exemple.fr": ("VPN disconnects every 10 minutes", ENGLISH, "en"),
        "claire.martin@groupe-exemple.fr": ("Imprimante bloquée", FRENCH, "fr"),
        "peter.jones@groupe-exemple.fr": ("Shared calendar", MIXED, "en"),
        "luc.bernard@groupe-exemple.fr": ("Outlook plante", "Outlook plante\n", "fr"),
        "julie.roux@groupe-exemple.fr": ("Excel", ERROR, "fr"),
    }
    for sender, (subject, body, _) in cases.items():
        dovecot.append(mail(sender=sender, subject=subject, body=body))
    run_once(rules, dovecot)
    by_requester = {t["requester"]: t for t in tickets(rules)}
    for sender, (_, _, language) in cases.items():
        ticket = by_requester[sender]
        assert ticket["language"] == language, (sender, ticket["why"])
        assert show(rules, ticket["number"])["language"] == language
        [ack] = to(smtp_server, sender, "ack")
        words = text_of(ack)
        # What was sent is named by the ticket's type: a report of an incident, a request.
        report = show(rules, ticket["number"])["type"] == "incident"
        if language == "en":
            said = "your report" if report else "your request"
            assert f"We have received {said}" in words and "Bonjour" not in words
        else:
            said = "votre signalement" if report else "votre demande"
            assert f"Nous avons bien reçu {said}" in words
    # The team's notice stays in the team's language, whoever wrote.
    team = [m for m in smtp_server.messages if ".team_notice." in m.message["Message-ID"]
            and "VPN" in str(m.message["Subject"])]
    assert team and "Nouveau ticket" in str(team[0].message["Subject"])
    # ... and tells the technicians in which language to answer.
    assert "Langue du demandeur : anglais" in text_of(team[0])
    french = [m for m in smtp_server.messages if ".team_notice." in m.message["Message-ID"]
              and "Imprimante" in str(m.message["Subject"])]
    assert "Langue du demandeur" not in text_of(french[0])


def test_a_known_language_is_remembered_and_a_technician_can_set_it(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    anna, luc = "anna.schmidt@groupe-exemple.fr", "luc.bernard@groupe-exemple.fr"
    dovecot.append(mail(sender=anna, subject="VPN disconnects every 10 minutes", body=ENGLISH))
    dovecot.append(mail(sender=luc, subject="Outlook plante", body="Outlook plante\n"))
    run_once(rules, dovecot)
    # Anna's next mail is two words: too short to tell, she is known to write English.
    dovecot.append(mail(sender=anna, subject="Teams", body="Teams crashed\n"))
    run_once(rules, dovecot)
    anna_tickets = sorted((t for t in tickets(rules) if t["requester"] == anna),
                          key=lambda t: t["number"])
    assert [t["language"] for t in anna_tickets] == ["en", "en"]
    assert "We have received your report" in text_of(to(smtp_server, anna, "ack")[-1])
    # A technician's answer reaches her with its header in English.
    first = anna_tickets[0]["number"]
    dovecot.append(mail(sender=TECHS[1], subject=f"Re: [#{first}] VPN",
                        body="Please reinstall FortiClient 7.2, it fixes it.\n"))
    run_once(rules, dovecot)
    [relay] = to(smtp_server, anna, "relay")
    assert "reinstall FortiClient" in text_of(relay)
    assert "To answer, simply reply to this message." in text_of(relay)
    # A technician sets Luc's language; the closure is in it, and so is Luc's next ticket.
    [luc_ticket] = [t for t in tickets(rules) if t["requester"] == luc]
    number = luc_ticket["number"]
    dovecot.append(mail(sender=TECHS[0], subject=f"Re: [#{number}] Outlook plante",
                        body="#language en\n#close Outlook was repaired.\n"))
    run_once(rules, dovecot)
    assert show(rules, number)["language"] == "en"
    [closure] = to(smtp_server, luc, "closure")
    assert "Incident resolved" in str(closure.message["Subject"])
    transcript = [m for m in smtp_server.messages if TECHS[0] in m.recipients
                  and ".transcript." in m.message["Message-ID"]]
    assert "ses messages dans la langue « en », retenue pour ses prochains tickets" in text_of(
        transcript[-1])
    dovecot.append(mail(sender=luc, subject="Souris", body="Souris HS\n"))
    run_once(rules, dovecot)
    newest = max((t for t in tickets(rules) if t["requester"] == luc), key=lambda t: t["number"])
    assert newest["language"] == "en"


def test_a_wrong_language_command_refuses_the_mail(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender="claire.martin@groupe-exemple.fr", subject="Imprimante bloquée",
                        body=FRENCH))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    dovecot.append(mail(sender=TECHS[0], subject=f"Re: [#{ticket['number']}] Imprimante",
                        body="#language klingon\nC'est réparé.\n"))
    run_once(rules, dovecot)
    assert show(rules, ticket["number"])["language"] == "fr"
    transcript = [m for m in smtp_server.messages if ".transcript." in m.message["Message-ID"]]
    assert "n'est pas une langue connue" in text_of(transcript[-1])
