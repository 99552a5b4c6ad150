"""What a fourth day of use found wrong (issue 16, day 4 items 7, 8, 9, 16): an answer that
informs paused the clock, an out-of-office filed as the requester's words and answered in its
thread, a legitimately urgent fourth URGENT demoted, a forgery warning before working hours.
End to end: a real Dovecot, a recording aiosmtpd server and the real `mailbot`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.harness import show, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer
from tests.test_technicians import (
    ALICE,
    CLAIRE,
    NOW,
    body,
    open_ticket,
    reply,
    run_once,
    sent_to,
)

pytestmark = pytest.mark.e2e

CHEF = "chef-service-si@example.com"  # level 4 of the shipped ladder


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Path:
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server)


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
