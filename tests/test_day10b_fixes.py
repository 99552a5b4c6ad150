"""What a tenth day of use found (issue 16, day 10: defects 7, 8, 10, 11, 12, 15 and 5), end to
end on Dovecot and the recording SMTP server: the demotion notice's "elle est traitée" of a
report and its lone "l'appel sera consigné" line, `#aide` answered as "Commandes refusées", ...
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from mailbot import compose
from tests.flow import ALICE, CLAIRE, NOW, body, reply, run_once, sent_to, words
from tests.harness import mail, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e

PHONE = "01 23 45 67 89"


def paragraphs(received: ReceivedMail) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", body(received)) if p.strip()]


# --- defect 8: the demotion notice's sentences are whole, its words agree ----------------------

@pytest.mark.parametrize(("phone", "subject", "text", "kind", "treated", "wrong"), [
    (PHONE, "URGENT - Excel très lent", "Bonjour,\nExcel met une minute à ouvrir chaque "
     "fichier depuis ce matin.\nOlivier", "incident", "il est traité", "elle est traitée"),
    ("", "URGENT - Excel très lent", "Bonjour,\nExcel met une minute à ouvrir chaque "
     "fichier depuis ce matin.\nOlivier", "incident", "il est traité", "elle est traitée"),
    (PHONE, "URGENT - Excel very slow", "Hello,\nExcel takes a minute to open every file "
     "since this morning, can you help?\nOlivier", "incident", "it is handled", "elle"),
    ("", "URGENT - Excel very slow", "Hello,\nExcel takes a minute to open every file "
     "since this morning, can you help?\nOlivier", "incident", "it is handled", "elle"),
])
def test_the_demotion_notice_says_each_sentence_whole_with_or_without_a_phone(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        phone: str, subject: str, text: str, kind: str, treated: str, wrong: str) -> None:
    extra = f'\n[urgent]\nphone = "{phone}"\n' if phone else ""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, extra=extra)
    olivier = "olivier.blanc@groupe-exemple.fr"
    dovecot.append(mail(sender=olivier, subject=subject, body=text + "\n",
                        message_id="<excel-1@groupe-exemple.fr>"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert (ticket["type"], ticket["urgent_demoted"]) == (kind, False)
    notice = sent_to(smtp_server, "equipe-si@groupe-exemple.fr")[0]
    dovecot.append(reply(notice, sender=ALICE, text="#déclasser lent mais utilisable"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    [demotion] = [m for m in sent_to(smtp_server, olivier)
                  if "lent mais utilisable" in body(m)]
    said = words(demotion)
    assert treated in said and wrong not in said
    for paragraph in paragraphs(demotion):
        # No paragraph begins mid-sentence or ends on a colon announcing nothing.
        assert paragraph[0].isupper() or paragraph.startswith("http"), paragraph
        assert not paragraph.endswith(":"), paragraph
    english = "Hello" in text
    if english:
        call = f"call the IT department on {phone}." if phone else "call the IT department."
        assert call in said and "Your call will be recorded in this ticket." in said
    else:
        call = (f"appelez le service informatique au {phone}." if phone
                else "appelez le service informatique.")
        assert call in said and "Votre appel sera consigné dans ce ticket." in said
        whose = "signalement reste bien enregistré" if kind == "incident" else \
            "demande reste bien enregistrée"
        assert whose in said


@pytest.mark.parametrize("phone", [PHONE, ""])
def test_the_demotion_of_a_request_says_elle_and_whole_sentences(phone: str) -> None:
    """A request is seldom demoted by hand (the rules demote an URGENT request at once, in its
    acknowledgement): its words, rendered as the mail would be."""
    text = compose.render("demotion", "fr", reason="motif", tag="[#3]", subject="Accès",
                          kind="request", priority="P3 – normale", tracking_url="http://t/3",
                          phone=phone, organisation="Service informatique")
    said = " ".join(text.split())
    assert "elle est traitée" in said and "il est traité" not in said
    assert "Votre demande reste bien enregistrée et sera traitée." in said
    assert "Votre appel sera consigné dans ce ticket." in said
    assert ("au " + phone + "." if phone else "service informatique.") in said


# --- defect 10: #aide alone is answered with the help, not refused ----------------------------

@pytest.mark.parametrize("text", ["#aide", "Bonjour,\n\n#help"])
def test_help_alone_is_answered_as_help_not_as_refused_commands(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str) -> None:
    dovecot.append(mail(sender=ALICE, subject="aide", body=text + "\n"))
    run_once(rules, dovecot)
    assert tickets(rules) == []
    [answer] = sent_to(smtp_server, ALICE)
    assert answer.message["Subject"] == "Aide : commandes du support"
    said = words(answer)
    assert "refusé" not in said and "corrigez et renvoyez" not in said
    assert "Rien n'a été appliqué" not in said
    assert "#close" in said and "#priority" in said


def test_help_beside_a_wrong_command_is_still_a_refusal(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender=ALICE, subject="aide", body="#aide\n#urgent\n"))
    run_once(rules, dovecot)
    [answer] = sent_to(smtp_server, ALICE)
    assert answer.message["Subject"] != "Aide : commandes du support"
    assert "#close" in body(answer)


_ = (CLAIRE, show)
