"""What a ninth day of use left open in mass incidents and wording (issue 16, day-9 report
items 7, 9 and 11 and the known defects of mass escalations), end to end on Dovecot and the
recording SMTP server: a mass incident escalates as itself, and everyone its ladder told hears
it is resolved; its notices read as an incident of N reports; acknowledgements name what was
sent (a report, a request); the oversized-mail alert ends its sentences."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot import notices
from tests.harness import TEAM, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer
from tests.test_day8_fixes import big_mail, words
from tests.test_technicians import run_once, sent_to

pytestmark = pytest.mark.e2e

DOMAIN = "groupe-exemple.fr"


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Path:
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server)


# --- item 11: the oversized-mail alert ends its sentence -----------------------------------------

def test_the_oversized_mail_alert_says_what_to_do_and_ends_its_sentences(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules.write_text(rules.read_text("utf-8").replace(
        "[mailbox]\n", "[mailbox]\nmax_message_mb = 0.05\n"), "utf-8")
    dovecot.append(big_mail(f"sarah.klein@{DOMAIN}", "Vidéo du bug Excel", "d9d-big"))
    run_once(rules, dovecot)
    [alert] = sent_to(smtp_server, TEAM)
    text = alert.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    said = words(alert)
    assert "mailbot reprocess » n'y changera rien." in said, said
    assert "n'y changera rien tant que la limite reste la même :" not in said
    assert "Que faire : demander à l'expéditeur d'envoyer le fichier autrement" in said
    assert not [line for line in text.splitlines() if line.rstrip().endswith(":")], text
    assert tickets(rules) == []


def test_the_english_oversized_alert_ends_its_sentences(tmp_path: Path) -> None:
    config = configuration.load(write_rules(tmp_path, language="en"))
    mail = notices.quarantined([{
        "key": "1796643101:31", "sender": "sarah@example.com", "subject": "Video",
        "reason": "28311552 bytes, over mailbox.max_message_mb (25 MB): header only",
        "oversize": "yes", "told": "yes"}], config, copies="/var/lib/mailbot/quarantine",
        now=datetime(2026, 12, 7, 10, 0).astimezone())
    assert not [line for line in mail.text.splitlines() if line.rstrip().endswith(":")]
    assert "What to do: ask the sender" in " ".join(mail.text.split())
