"""Classes of triage misses seen on mail nobody tuned on (issue 17, third round), end to end: a
real Dovecot, the recording SMTP server, the real `mailbot` run once with `--now`.

Each test reads what a person would see: the ticket in `mailbot show --json` and the mails the
requester and the team receive. The mails are worded for these tests, not taken from a blind set.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.harness import PARIS, TEAM, env, mail, mailbot, show, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=PARIS)


def run_once(rules: Path, dovecot: DovecotServer) -> None:
    mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat(),
            environ=env(dovecot))


def words(received: ReceivedMail) -> str:
    part = received.message.get_body(("plain",))
    assert part is not None
    return " ".join(part.get_content().split())


def kind_of(received: ReceivedMail) -> str:
    return received.message["Message-ID"].split(".")[2]  # <mailbot.tN.KIND.random@domain>




def test_urgent_on_one_users_peripheral_is_demoted_and_no_mail_says_seed(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    # No workaround said, nothing "can wait": the peripheral of one person is the P4 of the
    # SLA procedure all the same.
    dovecot.append(mail(sender="lea.moreau@groupe-exemple.fr", subject="TRES URGENT souris",
                        body="Bonjour,\n\nMa souris ne répond plus du tout, je pense que c'est "
                             "la pile.\n\nLéa\n"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert (ticket["type"], ticket["priority"], ticket["urgent_demoted"]) == (
        "incident", "P4", True)
    # The demotion is told in the acknowledgement, with the procedure's name.
    [ack] = [m for m in smtp_server.messages if kind_of(m) == "ack"]
    assert ack.recipients == ["lea.moreau@groupe-exemple.fr"]
    assert "URGENT" in words(ack) and "procédure SLA" in words(ack)
    [notice] = [m for m in smtp_server.messages if kind_of(m) == "team_notice"]
    assert "P4 selon la règle « peripheral_minor » (la procédure SLA, P4 : incident d'un seul " \
           "utilisateur" in words(notice)
    assert not [m for m in smtp_server.messages if "seed" in words(m).lower()]


def test_a_service_for_the_clients_down_is_p1_whatever_the_pasted_error(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender="hugo.blanc@groupe-exemple.fr", subject="Boutique en ligne",
                        body="Bonjour,\n\nLa boutique en ligne ne répond plus depuis 10 h, plus "
                             "aucune commande ne passe. Le navigateur affiche :\n\n"
                             "502 Bad Gateway\n\nHugo\n"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    shown = show(rules, ticket["number"])
    assert (shown["type"], shown["priority"]) == ("incident", "P1")
    assert shown["why"][0].startswith("hit classification/client_service_down:")
    [notice] = [m for m in smtp_server.messages if kind_of(m) == "team_notice"]
    assert "P1 selon la règle « client_service_down »" in words(notice)


def test_a_mail_that_only_thanks_is_archived_and_one_that_asks_more_is_a_ticket(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender="paul.martin@groupe-exemple.fr", subject="Merci !",
                        body="Bonjour,\n\nMerci beaucoup pour votre réactivité ce matin !\n\n"
                             "Paul\n"))
    dovecot.append(mail(sender="nina.perrin@groupe-exemple.fr", subject="Merci",
                        body="Merci pour hier. Il faudrait aussi installer Teams sur mon "
                             "poste.\n\nNina\n"))
    run_once(rules, dovecot)
    by = {t["requester"]: t for t in tickets(rules)}
    paul, nina = by["paul.martin@groupe-exemple.fr"], by["nina.perrin@groupe-exemple.fr"]
    assert (paul["type"], paul["status"], paul["priority"]) == ("information", "closed", None)
    assert (nina["type"], nina["priority"]) == ("request", "P3")
    acks = [m for m in smtp_server.messages if kind_of(m) == "ack"]
    assert [m.recipients for m in acks] == [["nina.perrin@groupe-exemple.fr"]]
    [line] = [m for m in smtp_server.messages if m.recipients == [TEAM]
              and "paul.martin" in words(m)]
    assert words(line).startswith("Information archivée")
