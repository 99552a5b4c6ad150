"""What a fifth day of use found (issue 16), end to end on Dovecot and the recording SMTP
server. The SLA start of mail that was there before the last pass is in test_clock_day3."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flow import ALICE, run_once, sent_to, words
from tests.harness import TEAM, mail, show, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

pytestmark = pytest.mark.e2e




# A technician's account of a call ends the way calls end: "tout remarche", "merci". That is
# how the call went, not a mail of information: someone phoned because something was wrong.
CALLS = {
    "fixed_on_the_phone": ("[TEL] Mme Martin - Outlook ne s'ouvre plus",
                           "#phone\n#requester claire.martin@groupe-exemple.fr\n"
                           "#priority P1\n#close Résolu par téléphone\n\nBonjour,\n"
                           "Profil Outlook corrompu, recréé avec elle au téléphone, tout "
                           "remarche.\nAlice"),
    "thanks_at_the_end": ("[TEL] Claire - imprimante",
                          "#phone\n#requester claire.martin@groupe-exemple.fr\n\n"
                          "Bourrage papier retiré avec elle, c'est réglé, elle remercie.\n"
                          "Alice"),
}


@pytest.mark.parametrize("subject, text", CALLS.values(), ids=CALLS.keys())
def test_a_logged_call_is_never_filed_as_information(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        subject: str, text: str) -> None:
    dovecot.append(mail(sender=f"Alice Tech <{ALICE}>", subject=subject, body=text))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    shown = show(rules, ticket["number"])
    assert shown["channel"] == "phone"
    assert shown["type"] != "information" and shown["priority"] is not None
    if shown["status"] == "closed":  # a call logged closed tells the team nothing (day 7 §9):
        assert sent_to(smtp_server, TEAM) == []  # what is said is the technician's transcript
        [notice] = sent_to(smtp_server, ALICE)
    else:
        [notice] = sent_to(smtp_server, TEAM)
    said = words(notice)
    assert "Information" not in said and "archivée sans réponse" not in said
