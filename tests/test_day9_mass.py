"""What a ninth day of use found in mass incidents (issue 16, defects 4, 6 and 8 of the day-9
report), end to end on Dovecot and the recording SMTP server: every reporter of an incident
reads its priority with its due time, on the acknowledgement and on the tracking page; a report
an hour later joins the incident still open, and is closed with it; the team's notice names the
failure in words."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from mailbot.rules.mass_words import in_words
from tests.flow import ALICE, NOW, reply, run_once, sent_to
from tests.harness import TEAM, mail, show, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer
from tests.test_day7_mass import DOMAIN, SAGE_DOWN, deliver, flat, parents
from tests.test_day8_fixes import page

pytestmark = pytest.mark.e2e



# Day 9: a fourth person of the accounting department, an hour after the incident formed.
LATE = ("bruno.caron", "sage", "Bonjour, Sage refuse de s'ouvrir chez moi aussi (base de "
                               "données inaccessible).\nBruno\nService Comptabilité\n")
# Third floor network: the notice's key was "topic:network:etage:3".
THIRD_FLOOR = [
    ("pierre.lambert", "Plus de réseau", "Plus de réseau au 3e étage depuis 10 minutes.\n"
                                         "Pierre\n"),
    ("paula.roy", "internet", "Internet ne marche plus au 3e étage, rien ne charge.\nPaula\n"),
    ("marc.simon", "réseau 3e", "Le réseau est coupé au 3e étage chez nous aussi.\nMarc\n"),
]
# "soit au plus tard mardi 15 décembre à 09:16": a date in words.
_BY = re.compile(r"au plus tard \w+ \d{1,2} \w+ à \d\d:\d\d")


def _late_report(rules: Path, dovecot: DovecotServer, minutes: int) -> None:
    who, subject, text = LATE
    dovecot.append(mail(sender=f"{who}@{DOMAIN}", subject=subject, body=text,
                        message_id=f"<d9-late@{DOMAIN}>"))
    run_once(rules, dovecot, NOW + timedelta(minutes=minutes))


@pytest.mark.parametrize("one_pass", [False, True], ids=["passes", "one-pass"])
def test_every_reporter_reads_the_incidents_priority_and_due_time_on_mail_and_page(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        one_pass: bool) -> None:
    deliver(rules, dovecot, [*SAGE_DOWN, LATE], one_pass=one_pass)
    [parent] = parents(rules)
    priority = str(parent["priority"])
    assert priority in ("P1", "P2")
    for who, _s, _t in [*SAGE_DOWN, LATE]:
        said = [flat(m) for m in sent_to(smtp_server, f"{who}@{DOMAIN}")]
        last = said[-1]
        assert f"Priorité : {priority}" in last, last
        # The incident's own target, never the report's P3 date days away (day 9 §4).
        assert "48 heures" not in last and not _BY.search(last), last
    for number in parent["children"]:  # type: ignore[union-attr]
        child = show(rules, number)
        # The summary and the due times (the history keeps the mails as they were sent).
        text = page(rules, int(child["number"])).split('id="history-heading"')[0]
        assert f'<dd id="priority">{priority} –' in text, text
        assert "P3" not in text and "48 heures" not in text, text


def test_a_report_an_hour_later_joins_the_open_incident_and_closes_with_it(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    deliver(rules, dovecot, SAGE_DOWN)
    [parent] = parents(rules)
    _late_report(rules, dovecot, 80)  # the window is 30 minutes
    assert len(tickets(rules)) == len(SAGE_DOWN) + 2
    [again] = parents(rules)
    late = [t for t in tickets(rules) if t["requester"] == f"{LATE[0]}@{DOMAIN}"]
    [late_ticket] = late
    assert late_ticket["number"] in again["children"]  # type: ignore[operator]
    [ack] = sent_to(smtp_server, f"{LATE[0]}@{DOMAIN}")
    text = flat(ack)
    assert "incident déjà connu" in text and f"[#{parent['number']}]" in text, text
    assert f"Priorité : {again['priority']}" in text, text
    # The technician closes the incident: the late reporter hears it too.
    notice = next(m for m in sent_to(smtp_server, TEAM) if f"[#{parent['number']}]"
                  in m.message["Subject"])
    dovecot.append(reply(notice, sender=ALICE, text="#close Base Sage rétablie."))
    run_once(rules, dovecot, NOW + timedelta(minutes=100))
    assert show(rules, int(late_ticket["number"]))["status"] == "closed"
    closing = sent_to(smtp_server, f"{LATE[0]}@{DOMAIN}")[-1]
    assert "rétablie" in flat(closing) or "résolu" in flat(closing).lower(), flat(closing)


def test_after_the_incident_is_closed_a_report_is_a_ticket_of_its_own(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    deliver(rules, dovecot, SAGE_DOWN)
    [parent] = parents(rules)
    notice = next(m for m in sent_to(smtp_server, TEAM) if f"[#{parent['number']}]"
                  in m.message["Subject"])
    dovecot.append(reply(notice, sender=ALICE, text="#close Base Sage rétablie."))
    run_once(rules, dovecot, NOW + timedelta(minutes=40))
    _late_report(rules, dovecot, 80)
    [late] = [t for t in tickets(rules) if t["requester"] == f"{LATE[0]}@{DOMAIN}"]
    assert show(rules, int(late["number"]))["parent"] is None
    [ack] = sent_to(smtp_server, f"{LATE[0]}@{DOMAIN}")
    assert "incident déjà connu" not in flat(ack)


def test_the_team_notice_names_the_failure_in_words(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    deliver(rules, dovecot, THIRD_FLOOR)
    [notice] = [m for m in sent_to(smtp_server, TEAM)
                if "Incident de masse" in m.message["Subject"]]
    text = flat(notice)
    assert "(réseau, 3e étage)" in text, text
    assert "topic:" not in text


@pytest.mark.parametrize(("key", "fr", "en"), [
    ("topic:network:etage:3", "réseau, 3e étage", "network, floor 3"),
    ("topic:network:etage:1", "réseau, 1er étage", "network, floor 1"),
    ("topic:share:batiment:b", "partage réseau, bâtiment B", "network share, building B"),
    ("topic:program:sage 100 comptabilité:comptabilite",
     "Sage 100 comptabilité, service comptabilité",
     "Sage 100 comptabilité, accounting department"),
    ("topic:network:*", "réseau", "network"),
    ("topic:printer:venissieux", "imprimante, venissieux", "printer, venissieux"),
    ("code:0x80070005", "code d'erreur 0x80070005", "error code 0x80070005"),
])
def test_a_mass_key_in_words(key: str, fr: str, en: str) -> None:
    assert in_words(key, "fr") == fr
    assert in_words(key, "en") == en
