"""No wrong mail to a person (issue 16 §6-§9): phone logs told as the technician's, forwards with
a line on top, dates a sender chooses, our own words, and the smaller things of the same day.
End to end: a real Dovecot, a recording aiosmtpd server and the real `mailbot`."""

from __future__ import annotations

import re
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailbot.runtime import ticket_finder
from mailbot.web import WebServer, make_app
from tests.flow import (
    ALICE,
    BRUNO,
    CLAIRE,
    NOW,
    body,
    open_ticket,
    reply,
    run_once,
    sent_to,
    words,
)
from tests.harness import PARIS, TEAM, env, mail, mailbot, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer
from tests.test_mail_loop import _dsn

pytestmark = pytest.mark.e2e

PAUL = "paul.roux@groupe-exemple.fr"
ELODIE = "elodie.mercier@groupe-exemple.fr"
PHONE = "04 72 00 00 00"


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Path:
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server,
                       extra=f'\n[urgent]\nphone = "{PHONE}"\n')


def page(rules: Path, number: int, now: datetime = NOW) -> str:
    token = show(rules, number)["tracking_url"].split("/t/", 1)[1]
    server = WebServer(make_app(ticket_finder(rules.parent / "state"), clock=lambda: now),
                       "127.0.0.1:0")
    server.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/t/{token}") as response:
            return response.read().decode("utf-8")
    finally:
        server.stop()




# --- §6 phone logs and forwards ---------------------------------------------------------------

def test_a_phone_log_is_the_technicians_call_never_a_mail_the_employee_wrote(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender=f"Alice Tech <{ALICE}>", subject="Appel de Paul : Outlook plante",
                        body="#phone\n#requester Paul Roux <paul.roux@groupe-exemple.fr>\n\n"
                             "Outlook se ferme dès l'ouverture, réparation d'Office lancée."))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    number = ticket["number"]
    call = show(rules, number)["messages"][0]
    assert (call["kind"], call["author"]) == ("phone_call", ALICE)
    [ack] = sent_to(smtp_server, PAUL)
    assert not ack.message["Subject"].lower().startswith("re:")
    assert ack.message["In-Reply-To"] is None  # Paul wrote no mail to answer
    assert "Suite à votre appel" in body(ack)
    html = page(rules, number)
    assert "Message du demandeur" not in html and "Appel téléphonique" in html
    assert "Outlook se ferme" in html

    dovecot.append(mail(sender=BRUNO, subject=f"Re: [#{number}] Outlook plante",
                        body="#escalate voir avec le N2"))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    [escalation] = [m for m in smtp_server.messages if "Escalade niveau" in m.message["Subject"]]
    last = re.search(r"--- Dernier message public \((.*?),", body(escalation))
    assert last is not None and last.group(1) == ALICE
    # Later mail to Paul about the call is no reply to a mail of his either.
    dovecot.append(mail(sender=ALICE, subject=f"Re: [#{number}] Outlook plante",
                        body="#close Office réparé."))
    run_once(rules, dovecot, NOW + timedelta(minutes=20))
    assert all(not m.message["Subject"].lower().startswith("re:")
               for m in sent_to(smtp_server, PAUL))


def test_a_forwarding_technicians_line_above_the_forward_is_kept_as_an_internal_note(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender=ALICE, subject="TR: Dossier compta inaccessible",
                        body="Ticket pour Claire, merci.\n\n"
                             "-----Message d'origine-----\n"
                             f"De : Claire Martin <{CLAIRE}>\n"
                             "Envoyé : lundi 23 novembre 2026 08:12\n"
                             f"À : Alice <{ALICE}>\n"
                             "Objet : Dossier compta inaccessible\n\n"
                             "Bonjour,\nLe dossier Compta ne s'ouvre plus.\nClaire\n"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert ticket["requester"] == CLAIRE
    messages = show(rules, ticket["number"])["messages"]
    assert "Le dossier Compta" in messages[0]["text"]
    notes = [m for m in messages if m["kind"] == "internal_note"]
    assert [(m["author"], m["text"], m["public"]) for m in notes] == [
        (ALICE, "Ticket pour Claire, merci.", False)]
    assert "Ticket pour Claire" not in page(rules, ticket["number"])
    assert all("Ticket pour Claire" not in body(m) for m in sent_to(smtp_server, CLAIRE))


# --- §7 dates a sender chooses -----------------------------------------------------------------

def test_a_mail_dated_next_march_never_dates_the_page_after_its_arrival(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(date=datetime(2027, 3, 1, 10, 0, tzinfo=PARIS)))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    details = show(rules, ticket["number"])
    assert details["updated_at"] <= NOW.isoformat()
    html = page(rules, ticket["number"], NOW + timedelta(minutes=1))
    assert "2027" not in html and "mars" not in html
    assert "lundi 23 novembre 2026" in html


# --- §8 our words, one demotion mail, the phone number ------------------------------------------

def test_an_urgent_minor_change_gets_one_mail_with_the_demotion_and_the_phone_and_no_seed(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender=ELODIE, subject="URGENT : nouveau logo sur le papier à en-tête",
                        body="Pouvez-vous changer le logo du modèle de courrier ?\n"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert (ticket["priority"], ticket["urgent_demoted"]) == ("P4", True)
    [ack] = sent_to(smtp_server, ELODIE)  # one mail, not an acknowledgement and a demotion
    text = words(ack)
    assert "P4 – basse (vous avez indiqué URGENT)" in text
    assert "les abus seront déclassés et notifiés" in text
    assert f"appelez le service informatique au {PHONE}" in text
    for received in smtp_server.messages:
        assert "seed" not in (body(received) + received.message["Subject"]).lower()
    [notice] = sent_to(smtp_server, TEAM)
    assert "procédure SLA" in words(notice)


def test_every_acknowledgement_gives_the_configured_phone_number(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    open_ticket(rules, dovecot, smtp_server)
    [ack] = sent_to(smtp_server, CLAIRE)
    assert f"appelez le service informatique au {PHONE}" in words(ack)


def test_a_technicians_demotion_is_one_mail(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """#demote after the acknowledgement went: the demotion has a mail of its own, once."""
    number, notice = open_ticket(rules, dovecot, smtp_server, subject="URGENT imprimante")
    dovecot.append(reply(notice, sender=ALICE, text="#demote une imprimante sur quatre"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    demotions = [m for m in sent_to(smtp_server, CLAIRE) if "comme URGENT" in body(m)]
    assert len(demotions) == 1 and PHONE in words(demotions[0])
    assert "seed" not in body(demotions[0]).lower()


# --- §9 the smaller things of the same day ------------------------------------------------------

def test_a_bounced_answer_tells_the_team_and_keeps_the_clock_running(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="Bonjour Claire,\n\nPouvez-vous redémarrer ?"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    assert show(rules, number)["status"] == "waiting"
    relayed = sent_to(smtp_server, CLAIRE)[-1]
    dovecot.append(_dsn(relayed.message["Message-ID"], relayed.message["Subject"], CLAIRE))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    ticket = show(rules, number)
    assert ticket["status"] == "open"  # the team's move: the clock runs again
    assert ticket["waiting_periods"][-1][1] is not None
    [told] = [m for m in sent_to(smtp_server, TEAM) if "Échec de remise" in m.message["Subject"]]
    assert CLAIRE in body(told)


def test_log_lines_never_name_ticket_none_and_held_notices_are_counted(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules="")
    for n in range(3):
        dovecot.append(mail(subject=f"Souci {n}", message_id=f"<s{n}@groupe-exemple.fr>"))
    dovecot.append(mail(message_id="<poison@groupe-exemple.fr>"))  # set aside: a mail to
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)          # the team, no ticket
    done = mailbot("run", "--once", "--config", str(rules), "--now", saturday.isoformat(),
                   environ=env(dovecot, MAILBOT_FAULTS="fail:<poison@groupe-exemple.fr>"))
    assert "#None" not in done.stderr and "quarantine" in done.stderr
    assert re.search(r"sent quarantine \S+ \(about no ticket\)", done.stderr), done.stderr
    [summary] = [line for line in done.stderr.splitlines() if "run --once:" in line]
    # Three acknowledgements and the quarantine notice go; three team notices wait for Monday.
    assert "4 sent" in summary and "3 held for quiet hours" in summary, summary


def test_check_connection_lists_the_smtp_servers_capabilities(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    done = mailbot("check-connection", "--config", str(rules), environ=env(dovecot))
    [line] = [line for line in done.stdout.splitlines() if "server offers" in line]
    offered = line.split("server offers", 1)[1]
    assert "8BITMIME" in offered or "SIZE" in offered or "SMTPUTF8" in offered, done.stdout


def test_a_pasted_dialog_names_its_program_once_in_the_team_notice(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(subject="Sage 100 bloqué", body=(
        "Bonjour,\nSage refuse d'ouvrir le dossier :\n\n"
        "---------------------------\nSage 100 Comptabilité\n---------------------------\n"
        "Sage 100 Comptabilité : Erreur 1045, le fichier est verrouillé.\n"
        "---------------------------\nOK\n---------------------------\n\nClaire\n")))
    run_once(rules, dovecot)
    [notice] = sent_to(smtp_server, TEAM)
    lines = [line for line in body(notice).splitlines()
             if line.startswith("- [") and "1045" in line]
    assert lines and all(line.count("Sage 100 Comptabilité") == 1 for line in lines), lines


def test_the_quarantine_and_outage_mails_speak_french_to_the_team(tmp_path: Path) -> None:
    """The reasons the daemon logs in English, and thresholds of one minute, as the team
    reads them (issue 16 §9: "2.1 MB", "plus de 1 minutes")."""
    from dataclasses import replace

    from mailbot import notices
    from mailbot.config import load

    config = load(write_rules(tmp_path))
    config = replace(config, mailbox=replace(config.mailbox, alert_after_minutes=1))
    items = [{"key": "7:42", "sender": "a@b.fr", "subject": "Gros",
              "reason": "2202009 bytes, over mailbox.max_message_mb (0.05 MB): not "
                        "downloaded, header only"},
             {"key": "7:43", "sender": "c@d.fr", "subject": "Boucle",
              "reason": "the process died 3 times while handling it (mailbox.max_attempts = 3)"
                        ": not parsed again"}]
    text = notices.quarantined(items, config, copies="/var/lib/mailbot/quarantine",
                               now=NOW).text
    assert "Raison : 2,1 Mo, au-delà de la limite mailbox.max_message_mb (0,05 Mo)" in text
    assert "Raison : le traitement a été interrompu 3 fois sur ce message" in text
    assert "bytes" not in text and "MB" not in text and "died" not in text
    assert "2 messages reçus" in text and "Ils sont dans le dossier" in text
    outage = notices.mailbox_outage(config, since=NOW, error="connection refused", now=NOW)
    assert "(plus d'une minute)" in " ".join(outage.text.split())
