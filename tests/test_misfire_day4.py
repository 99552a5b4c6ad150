"""What a fourth day of use found wrong (issue 16, day 4 items 7, 8, 9, 16): an answer that
informs paused the clock, an out-of-office filed as the requester's words and answered in its
thread, a legitimately urgent fourth URGENT demoted, a forgery warning before working hours.
End to end: a real Dovecot, a recording aiosmtpd server and the real `mailbot`."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.flow import (
    ALICE,
    CLAIRE,
    NOW,
    body,
    open_ticket,
    reply,
    run_once,
    sent_to,
)
from tests.harness import LADDER, PARIS, TEAM, mail, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

pytestmark = pytest.mark.e2e

CHEF = LADDER[4]




# --- item 7: only an answer that asks something waits for the requester ----------------------

INFORMS = {
    "switch": "Bonjour,\nUn switch est tombé, je le remplace, le réseau devrait revenir d'ici "
              "30 minutes.\nPaul",
    "visit": "Bonjour Madame Vidal,\nJe passe dans votre bureau à 9h30 avec une imprimante de "
             "prêt.\nCordialement,\nJulie",
    "link_with_a_query": "La procédure est ici : https://intranet.example/kb?id=42",
}
ASKS = {
    "question_mark": "Le certificat a expiré, je l'ai renouvelé. Pouvez-vous réessayer ?",
    "no_mark": "Bonjour Nadia, pourriez-vous me dire sur quel dossier vous enregistrez. Merci.",
    "english": "Could you restart the printer and let me know",
}


@pytest.mark.parametrize("text", INFORMS.values(), ids=INFORMS.keys())
def test_an_answer_that_informs_keeps_the_clock_and_the_ladder_running(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str) -> None:
    """A P1 told "je le remplace d'ici 30 minutes" is not waiting for anyone: it stays open
    and, still unresolved four hours later, goes up to level 4."""
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text=f"#priority P1\n{text}"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    assert text.splitlines()[-1] in body(sent_to(smtp_server, CLAIRE)[-1])
    ticket = show(rules, number)
    assert ticket["status"] == "open" and ticket["first_response_at"]
    assert ticket["waiting_periods"] == []
    run_once(rules, dovecot, NOW + timedelta(hours=5))
    assert [m for m in sent_to(smtp_server, CHEF) if f"[#{number}]" in m.message["Subject"]]


@pytest.mark.parametrize("text", ASKS.values(), ids=ASKS.keys())
def test_an_answer_that_asks_waits_for_the_requester_and_pauses_the_ladder(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text=f"#priority P1\n{text}"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    ticket = show(rules, number)
    assert ticket["status"] == "waiting" and ticket["waiting_periods"][-1][1] is None
    run_once(rules, dovecot, NOW + timedelta(hours=5))
    assert sent_to(smtp_server, CHEF) == []


# --- item 8: an out-of-office on a ticket is a machine's mail, never answered in its thread ---

def test_an_out_of_office_is_filed_as_automatic_and_the_next_answer_threads_on_a_persons_mail(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    [ack] = sent_to(smtp_server, CLAIRE)
    away = mail(subject=f"Absence du bureau : {ack.message['Subject']}",
                message_id="<claire-absente@groupe-exemple.fr>",
                in_reply_to=ack.message["Message-ID"], references=ack.message["Message-ID"],
                headers={"Auto-Submitted": "auto-replied"},
                body="Je suis absente jusqu'au 8 décembre. Pour toute urgence, contactez "
                     "compta@groupe-exemple.fr.\n")
    dovecot.append(away)
    run_once(rules, dovecot, NOW + timedelta(minutes=2))
    filed = show(rules, number)["messages"][-1]
    assert filed["message_id"] == "<claire-absente@groupe-exemple.fr>"
    assert (filed["kind"], filed["public"]) == ("automatic", False)

    dovecot.append(reply(notice, sender=ALICE, text="Bonjour Claire,\nLe toner est changé."))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    relayed = sent_to(smtp_server, CLAIRE)[-1].message
    assert "Le toner est changé." in body(sent_to(smtp_server, CLAIRE)[-1])
    assert relayed["In-Reply-To"] == ack.message["Message-ID"]
    assert "claire-absente" not in relayed["References"]
    assert "<claire-1@groupe-exemple.fr>" in relayed["References"]


# --- item 9: URGENTs already demoted do not make the next, real one an abuse ------------------

KEVIN = "kevin.roche@groupe-exemple.fr"


def test_a_legitimate_urgent_after_three_demoted_ones_is_granted(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Kevin's three URGENTs of the fortnight were each demoted and he was told each time; the
    fourth says a client is waiting on the phone: it is urgent (P2), and he is not told off."""
    for n in range(3):
        dovecot.append(mail(sender=KEVIN, subject=f"URGENT : nouveau logo sur l'en-tête ({n})",
                            body="Pouvez-vous changer le logo du modèle de courrier ?\n"))
        run_once(rules, dovecot, NOW + timedelta(days=2 * n))
    assert [t["urgent_demoted"] for t in tickets(rules)] == [True, True, True]
    dovecot.append(mail(sender=KEVIN, subject="[URGENT] Excel",
                        body="Excel ne s'ouvre plus du tout, j'ai un message d'erreur et j'ai "
                             "un client au téléphone\n"))
    run_once(rules, dovecot, NOW + timedelta(days=7))
    excel = tickets(rules)[-1]
    assert (excel["priority"], excel["urgent_demoted"]) == ("P2", False)
    ack = sent_to(smtp_server, KEVIN)[-1]
    assert "Excel" in ack.message["Subject"]
    assert "déclassé" not in body(ack) and "abus" not in body(ack)


def test_a_fourth_granted_urgent_in_the_window_is_still_demoted(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """The contract stands (PRODUCT.md §4): more than three URGENTs granted in fourteen days,
    the next is demoted, whatever it says."""
    for n in range(4):
        dovecot.append(mail(sender=KEVIN, subject=f"[URGENT] Excel ({n})",
                            body="Excel ne s'ouvre plus, j'ai un client au téléphone\n"))
        run_once(rules, dovecot, NOW + timedelta(days=n))
    assert [t["urgent_demoted"] for t in tickets(rules)] == [False, False, False, True]


# --- item 16: a forgery warning goes at once, even before working hours -----------------------

def test_a_forgery_warning_is_not_held_for_quiet_hours(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """A security warning to staff does not wait for the working morning: the team and the
    technician whose name was used hear at once; the forger never."""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules="")
    rules.write_text(rules.read_text("utf-8").replace(
        "[mail]", 'authserv_id = "mx.groupe-exemple.fr"\n\n[mail]'), "utf-8")
    early = datetime(2026, 11, 30, 7, 30, tzinfo=PARIS)  # a Monday, before working hours
    dovecot.append(mail(sender=ALICE, subject="Re: mot de passe du compte admin", date=early,
                        headers={"Authentication-Results": "mx.groupe-exemple.fr; dkim=fail "
                                 "header.d=groupe-exemple.fr; dmarc=fail "
                                 "header.from=groupe-exemple.fr",
                                 "Reply-To": "attacker@evil.example"},
                        body="#close\nmerci de me renvoyer le mot de passe admin\n"))
    run_once(rules, dovecot, early)
    warned = [m for m in smtp_server.messages if "non authentifié" in m.message["Subject"]]
    assert {r for m in warned for r in m.recipients} == {TEAM, ALICE}
    assert not [m for m in smtp_server.messages if "attacker@evil.example" in m.recipients]
