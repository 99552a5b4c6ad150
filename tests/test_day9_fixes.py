"""What a ninth day of use found (issue 16, day 9: defects 2, 3 and 10), end to end on Dovecot
and the recording SMTP server: "Oui c'est bon, tout le monde a de nouveau accès au S:" answering
a technician's "Pouvez-vous confirmer ?" not read as a confirmation (the P1 climbed to the VP),
"URGENT fond d'écran (suite)" opening a second ticket beside "URGENT fond d'écran", and the
confirmation notice quoting « ca marche » instead of the requester's « ça marche ».
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.flow import NOW, answered_ticket, reply, run_once, sent_to, words
from tests.harness import LADDER, TEAM, mail, show, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e

DOMAIN = "groupe-exemple.fr"
GILLES = f"gilles.bernard@{DOMAIN}"
MANAGEMENT = set(LADDER.values())


def asked_ticket(rules: Path, dovecot: DovecotServer, smtp: RecordingSmtpServer,
                 question: str) -> tuple[int, ReceivedMail]:
    """Gilles's shared drive fault, answered by Alice with `question`; the answer he got."""
    return answered_ticket(rules, dovecot, smtp, sender=f"Gilles Bernard <{GILLES}>",
                           subject="Plus d'accès au lecteur S:", message_id=f"<drive-1@{DOMAIN}>",
                           body="Bonjour,\nplus personne au service n'arrive à ouvrir le "
                                "lecteur S: depuis ce matin.\nGilles\n",
                           answer=f"J'ai redémarré le service de partage.\n{question}")


SIGNATURE = "\n\nGilles Bernard\nResponsable logistique - Groupe Exemple"


@pytest.mark.parametrize(("text", "quoted"), [
    ("Oui c'est bon, tout le monde a de nouveau accès au S:. Merci !", "a de nouveau accès"),
    ("Oui c'est bon, merci Alice.", "Oui c'est bon"),
    ("C'est bon merci", "C'est bon"),
    ("Yes it's fine, thanks!", "Yes it's fine"),
    ("Ça remarche, merci !", "Ça remarche"),
    ("The drive works again, thank you.", "works again"),
])
def test_a_yes_to_the_technicians_question_confirms_the_fix_and_the_ladder_waits(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str, quoted: str) -> None:
    number, answer = asked_ticket(rules, dovecot, smtp_server,
                                  "Pouvez-vous confirmer de votre côté ?")
    dovecot.append(reply(answer, sender=GILLES, text=text + SIGNATURE))
    run_once(rules, dovecot, NOW + timedelta(minutes=40))
    update = sent_to(smtp_server, TEAM)[-1]
    assert "confirme la résolution" in update.message["Subject"]
    assert f"« {quoted} »" in words(update)
    assert show(rules, number)["resolution_confirmed"]
    before = len([m for m in smtp_server.messages if MANAGEMENT & set(m.recipients)])
    for days in (1, 4, 12):
        run_once(rules, dovecot, NOW + timedelta(days=days))
    assert len([m for m in smtp_server.messages if MANAGEMENT & set(m.recipients)]) == before


@pytest.mark.parametrize(("question", "text"), [
    ("Pouvez-vous confirmer ?", "C'est bon à savoir mais ça plante toujours."),
    ("Pouvez-vous confirmer ?", "Oui, mais le lecteur S: reste inaccessible pour Marc."),
    ("Pouvez-vous confirmer ?", "On a de nouveau accès au S:, faut-il redémarrer les postes ?"),
    ("J'ai relancé le service.", "Oui c'est bon, merci."),  # no question asked: a thanks
])
def test_a_yes_with_a_remaining_fault_a_question_or_to_no_question_is_no_confirmation(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        question: str, text: str) -> None:
    number, answer = asked_ticket(rules, dovecot, smtp_server, question)
    dovecot.append(reply(answer, sender=GILLES, text=text + SIGNATURE))
    run_once(rules, dovecot, NOW + timedelta(minutes=40))
    assert not show(rules, number)["resolution_confirmed"]
    assert not [m for m in sent_to(smtp_server, TEAM)
                if "confirme la résolution" in m.message["Subject"]]


# --- defect 3: the URGENT tag does not split a requester's matter ------------------------------

JEAN = f"jean.petit@{DOMAIN}"


@pytest.mark.parametrize(("first", "second"), [
    ("URGENT fond d'écran", "URGENT fond d'écran (suite)"),
    ("fond d'écran", "[URGENT] fond d'écran"),
    ("TRÈS URGENT - fond d'écran", "fond d'écran (suite)"),
    ("urgent : fond d'écran", "URGENT fond d'écran"),
])
def test_the_same_subject_with_or_without_urgent_joins_the_open_ticket(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        first: str, second: str) -> None:
    dovecot.append(mail(sender=JEAN, subject=first, message_id=f"<wall-1@{DOMAIN}>",
                        body="Bonjour,\nmon fond d'écran a changé tout seul, je voudrais "
                             "remettre le logo de l'entreprise.\nJean\n"))
    run_once(rules, dovecot, NOW.replace(hour=8, minute=15))
    dovecot.append(mail(sender=JEAN, subject=second, message_id=f"<wall-2@{DOMAIN}>",
                        body="Bonjour,\ntoujours le même fond d'écran, pouvez-vous regarder "
                             "?\nJean\n"))
    run_once(rules, dovecot, NOW.replace(hour=10, minute=22))
    [ticket] = tickets(rules)
    assert len(show(rules, ticket["number"])["messages"]) >= 2
    assert len(sent_to(smtp_server, JEAN)) == 1  # one acknowledgement, not two
    assert not [m for m in sent_to(smtp_server, TEAM)
                if "Nouveau ticket" in m.message["Subject"]][1:]
