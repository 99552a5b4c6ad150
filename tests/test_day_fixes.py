"""What a day of real use found (issue 16, second round): a vendor's newsletter kept off the
escalation ladder. End to end: a real Dovecot, a recording aiosmtpd server, the real
`mailbot`."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.flow import ALICE, CLAIRE, NOW, body, open_ticket, reply, run_once, sent_to
from tests.harness import LADDER, PARIS, TEAM, mail, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

pytestmark = pytest.mark.e2e

VENDOR = "noreply@fournisseur.example"
LEVELS = {n: LADDER[n] for n in (2, 3, 4, 7)}
LADDER = tuple(LEVELS.values())




def test_a_vendor_newsletter_is_kept_archived_and_never_climbs_the_ladder(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(
        sender=VENDOR, subject="Nos offres de fin d'année",
        body="Découvrez nos offres de fin d'année sur les imprimantes et le toner.\n",
        headers={"Precedence": "bulk",
                 "List-Unsubscribe": "<https://fournisseur.example/desabonnement?id=42>"}))
    run_once(rules, dovecot, NOW)
    for days in (1, 2, 3, 6, 10):
        run_once(rules, dovecot, NOW + timedelta(days=days))
    [ticket] = tickets(rules)
    assert ticket["requester"] == VENDOR
    assert ticket["status"] == "closed"
    assert ticket["automatic"] is True
    assert not ticket["escalation_level"]
    sent = [(m.recipients, m.message["Subject"]) for m in smtp_server.messages]
    assert not [s for s in sent if VENDOR in s[0]], sent
    assert not [s for s in sent if TEAM in s[0]], sent
    assert not [s for s in sent if set(s[0]) & set(LADDER)], sent


# --- held notices after a long stop: released in working time, the highest level only -------

CALENDAR = """
[calendar]
time_zone = "Europe/Paris"
working_days = ["monday", "tuesday", "wednesday", "thursday", "friday"]
hours = ["09:00-12:30", "13:30-18:00"]
holidays = "FR"

[digest]
enabled = false

[report]
enabled = false
"""


def test_held_notices_wait_for_working_time_and_only_the_highest_level_goes_out(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules=CALENDAR)
    # December 2025: the mail reaches Dovecot now (the real time), which must not be later than
    # the pass taking it in, or the ticket would start there (INTERNALDATE).
    friday = datetime(2025, 12, 12, 16, 30, tzinfo=PARIS)
    dovecot.append(mail(subject="URGENT : imprimante du 2e étage", date=friday,
                        body="Bonjour,\n\nL'imprimante du 2e étage ne marche plus.\n\nClaire\n"))
    run_once(rules, dovecot, friday)
    [ticket] = tickets(rules)
    assert ticket["priority"] == "P2"
    # Saturday: level 2 is reached (1 working hour); quiet hours, nothing goes out.
    run_once(rules, dovecot, datetime(2025, 12, 13, 10, 0, tzinfo=PARIS))
    assert not escalations(smtp_server)
    # Not run again until Christmas, a public holiday: nothing goes out.
    run_once(rules, dovecot, datetime(2025, 12, 25, 10, 0, tzinfo=PARIS))
    assert not escalations(smtp_server), escalations(smtp_server)
    # Friday 26 (a working day): one notice, the highest level reached, not level 2.
    run_once(rules, dovecot, datetime(2025, 12, 26, 9, 30, tzinfo=PARIS))
    sent = escalations(smtp_server)
    assert len(sent) == 1, sent
    assert sent[0][1] != LEVELS[2] and "niveau 2 " not in sent[0][0], sent


def escalations(smtp: RecordingSmtpServer) -> list[tuple[str, str]]:
    return [(m.message["Subject"], m.recipients[0]) for m in smtp.messages
            if "Escalade" in m.message["Subject"]]


# --- an employee's forward: the forwarded mail is the request ---------------------------------

def test_an_employees_forward_keeps_the_forwarded_problem_in_the_ticket_and_the_notice(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(
        sender="marc.dubois@groupe-exemple.fr", subject="TR: scanner",
        body="Vous pouvez regarder ?\n\n-----Message d'origine-----\n"
             "De : Sophie Leroy <sophie.leroy@groupe-exemple.fr>\n"
             "Envoyé : jeudi 19 novembre 2026 16:05\n"
             "À : Marc Dubois <marc.dubois@groupe-exemple.fr>\n"
             "Objet : scanner\n\n"
             "Bonjour Marc,\n\nLe scanner du 3e étage n'envoie plus les numérisations par "
             "mail depuis ce matin.\n\nSophie\n"))
    run_once(rules, dovecot, NOW)
    [ticket] = tickets(rules)
    shown = show(rules, ticket["number"])
    request = shown["messages"][0]["text"]
    assert "Vous pouvez regarder ?" in request
    assert "n'envoie plus les numérisations" in request
    assert "Sophie Leroy" in request and "19 novembre 2026" in request
    [notice] = [m for m in smtp_server.messages if TEAM in m.recipients]
    part = notice.message.get_body(("plain",))
    assert part is not None
    notice_text = " ".join(part.get_content().split())
    assert "Vous pouvez regarder ?" in notice_text
    assert "n'envoie plus les numérisations par mail" in notice_text
    assert "Sophie Leroy" in notice_text


# --- a reply to a closure mail after the reopen window ----------------------------------------

def test_a_late_reply_to_a_closure_takes_the_original_subject_and_names_the_old_ticket(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server,
                                 subject="Teams : micro ne marche pas")
    dovecot.append(reply(notice, sender=ALICE, text="#close Pilote audio réinstallé"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    [closure] = [m for m in sent_to(smtp_server, CLAIRE)
                 if "Incident résolu" in m.message["Subject"]]
    dovecot.append(reply(closure, sender=CLAIRE, text="Le micro ne marche de nouveau plus."))
    run_once(rules, dovecot, NOW + timedelta(days=40))
    new = tickets(rules)[-1]
    assert new["number"] != number
    assert new["subject"] == "Teams : micro ne marche pas"
    ack = sent_to(smtp_server, CLAIRE)[-1]
    team = sent_to(smtp_server, TEAM)[-1]
    assert f"[#{new['number']}]" in ack.message["Subject"]
    assert f"[#{new['number']}]" in team.message["Subject"]
    for received in (ack, team):
        assert "clôturée" not in received.message["Subject"]
        assert "résolu" not in received.message["Subject"]
        words = " ".join(body(received).split())
        assert "clôturée" not in words and "Incident résolu" not in words
        assert f"uite du ticket #{number}" in words, words
