"""The SLA clock and the escalation ladder as a third day of use found them (issue 16): a P3
that reached management before its resolution target, a full mailbox that silenced a person for
two months, a clock started when the daemon came back instead of when the mail arrived, held
notices that told last Friday's lateness on Monday. End to end: a real Dovecot, a recording
aiosmtpd server, the real `mailbot` with `--now`, the shipped calendar (Europe/Paris)."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.harness import PARIS, TECHS, env, mail, mailbot, show, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e

CLAIRE = "claire.martin@groupe-exemple.fr"
# The built-in ladder's contacts (mailbot/clock/settings.py), by level.
CONTACTS = {2: "support-n2@example.com", 3: "superviseur-support@example.com",
            4: "chef-service-si@example.com", 5: "responsable-technique@example.com",
            6: "directeur-exploitation@example.com", 7: "vp-operations@example.com"}
HIERARCHICAL = (3, 4, 6, 7)


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Path:
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules="")


def run_at(rules: Path, dovecot: DovecotServer, when: datetime) -> subprocess.CompletedProcess:
    return mailbot("run", "--once", "--config", str(rules), "--now", when.isoformat(),
                   environ=env(dovecot))


def escalations(smtp: RecordingSmtpServer) -> list[ReceivedMail]:
    return [m for m in smtp.messages if "Escalade niveau" in m.message["Subject"]]


def level_of(received: ReceivedMail) -> int:
    found = re.search(r"Escalade niveau (\d)", received.message["Subject"])
    assert found is not None
    return int(found.group(1))


def text(received: ReceivedMail) -> str:
    part = received.message.get_body(("plain",))
    assert part is not None
    return " ".join(part.get_content().split())


def working_mornings(start: datetime, days: int) -> list[datetime]:
    out = []
    for n in range(days):
        day = start + timedelta(days=n)
        if day.weekday() < 5:
            out.append(day)
    return out


# --- 1. a P3 reaches management only after its resolution target ----------------------------

def test_a_p3_reaches_no_hierarchical_level_before_its_resolution_target(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """A printer out of order (the SLA procedure's P3) opened on Monday 23 November, never
    answered: the senior specialist (functional) is told the same day; the supervisor, the head
    of service and above (hierarchical) hear nothing before its resolution target (120 working
    hours: Friday 11 December, 18:00) has passed, then come one after the other in the
    procedure's order, each once."""
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
    dovecot.append(mail(date=monday))
    run_at(rules, dovecot, monday)
    ticket = show(rules, 1)
    assert ticket["priority"] == "P3"
    due = datetime.fromisoformat(ticket["resolution_due"])
    assert due == datetime(2026, 12, 11, 18, 0, tzinfo=PARIS)
    passes = [monday.replace(hour=15)] + [
        d.replace(hour=h) for d in working_mornings(monday + timedelta(days=1), 30)
        for h in (10, 16)]
    told: list[tuple[datetime, int]] = []
    for when in passes:
        before = len(escalations(smtp_server))
        run_at(rules, dovecot, when)
        told += [(when, level_of(m)) for m in escalations(smtp_server)[before:]]
    levels = [level for _, level in told]
    assert levels == sorted(set(levels)), told  # the procedure's order, each level once
    assert told[0] == (monday.replace(hour=15), 2)
    early = [(when, level) for when, level in told if level in HIERARCHICAL and when <= due]
    assert early == [], early
    assert 3 in levels and 4 in levels, told
    for level in HIERARCHICAL:
        mails = [m for m in smtp_server.messages if CONTACTS[level] in m.recipients]
        assert len(mails) <= 1, (level, [m.message["Subject"] for m in mails])
