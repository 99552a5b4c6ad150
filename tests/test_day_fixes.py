"""What a day of real use found (issue 16, second round): a vendor's newsletter kept off the
escalation ladder. End to end: a real Dovecot, a recording aiosmtpd server, the real
`mailbot`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.harness import TEAM, mail, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer
from tests.test_technicians import NOW, run_once

pytestmark = pytest.mark.e2e

VENDOR = "noreply@fournisseur.example"
LADDER = ("support-n2@example.com", "superviseur-support@example.com",
          "chef-service-si@example.com", "vp-operations@example.com")


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Path:
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server)


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
