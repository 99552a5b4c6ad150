"""What a tenth day of use found (issue 16, day 10: defects 1, 2, 6, 13 and 14), end to end on
Dovecot and the recording SMTP server: a fault said to be over ("ça ne clignote plus", "plus
aucun souci depuis") read as a fault, a reworded subject from the same person opening a second
ticket, a confirmation from the requester's assistant or a colleague in Cc not taken, a phone
call's sign-off kept under its note, and a reopening missing from the tracking page.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.flow import ALICE, NOW, answered_ticket, reply, run_once, sent_to, words
from tests.harness import LADDER, TEAM, mail, show, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer
from tests.test_day8_fixes import page

pytestmark = pytest.mark.e2e

DOMAIN = "groupe-exemple.fr"
EMMA = f"emma.roux@{DOMAIN}"
MANAGEMENT = set(LADDER.values())


def screen_ticket(rules: Path, dovecot: DovecotServer, smtp: RecordingSmtpServer,
                  answer: str) -> tuple[int, ReceivedMail]:
    """Emma's flickering screen, answered by Alice with `answer`; the answer Emma got."""
    return answered_ticket(rules, dovecot, smtp, sender=f"Emma Roux <{EMMA}>",
                           subject="Écran qui clignote", message_id=f"<screen-1@{DOMAIN}>",
                           body="Bonjour,\nmon deuxième écran clignote sans arrêt depuis ce "
                                "matin.\nEmma\n", answer=answer)


SIGNATURE = "\n\nEmma Roux\nComptabilité"


# --- defect 1: a fault said to be over ---------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Parfait merci, ça ne clignote plus !", "No more flickering issues since, thanks.",
])
def test_a_fault_said_to_be_over_on_an_open_ticket_confirms_it(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str) -> None:
    number, answer = screen_ticket(rules, dovecot, smtp_server,
                                   "Je passe à 14h changer le câble.")
    dovecot.append(reply(answer, sender=EMMA, text=text + SIGNATURE))
    run_once(rules, dovecot, NOW + timedelta(hours=5))
    update = sent_to(smtp_server, TEAM)[-1]
    assert "confirme la résolution" in update.message["Subject"]
    assert show(rules, number)["resolution_confirmed"]
    before = len([m for m in smtp_server.messages if MANAGEMENT & set(m.recipients)])
    for days in (1, 4, 12):
        run_once(rules, dovecot, NOW + timedelta(days=days))
    assert len([m for m in smtp_server.messages if MANAGEMENT & set(m.recipients)]) == before


@pytest.mark.parametrize("text", [
    "Merci, mais l'écran ne marche plus du tout maintenant.",
    "Il ne clignote plus mais il reste noir.",
])
def test_a_working_state_gone_is_still_a_fault(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str) -> None:
    number, answer = screen_ticket(rules, dovecot, smtp_server,
                                   "Je passe à 14h changer le câble.")
    dovecot.append(reply(answer, sender=EMMA, text=text + SIGNATURE))
    run_once(rules, dovecot, NOW + timedelta(hours=5))
    assert not show(rules, number)["resolution_confirmed"]
    assert "Nouveau message" in sent_to(smtp_server, TEAM)[-1].message["Subject"]


@pytest.mark.parametrize(("text", "days"), [
    ("Merci encore, plus aucun souci depuis.", 20),  # long after [tickets] reopen_days
    ("Thanks again, it hasn't crashed since.", 2),  # within it
])
def test_a_fault_said_to_be_over_after_the_closure_is_filed_quietly(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str, days: int) -> None:
    number, answer = screen_ticket(rules, dovecot, smtp_server,
                                   "Je passe à 14h changer le câble.")
    notice = sent_to(smtp_server, TEAM)[0]
    dovecot.append(reply(notice, sender=ALICE, text="#close Câble DisplayPort changé."))
    run_once(rules, dovecot, NOW + timedelta(hours=6))
    closure = sent_to(smtp_server, EMMA)[-1]
    before = len(smtp_server.messages)
    dovecot.append(reply(closure, sender=EMMA, text=text + SIGNATURE))
    run_once(rules, dovecot, NOW + timedelta(days=days))
    assert [t["number"] for t in tickets(rules)] == [number]  # no new ticket
    assert show(rules, number)["status"] == "closed"
    assert smtp_server.messages[before:] == []  # no acknowledgement, no notice


# --- defect 6: the requester's assistant or a colleague in Cc confirms --------------------------

GILLES = f"gilles.martin@{DOMAIN}"
LUCIE = f"lucie.perrin@{DOMAIN}"
DG = f"isabelle.fournier@{DOMAIN}"
NATHALIE = f"nathalie.roux@{DOMAIN}"


@pytest.mark.parametrize(("requester", "cc", "sender", "text", "who"), [
    (GILLES, LUCIE, LUCIE, "c'est bon ça marche, quelqu'un a changé la cartouche.",
     "en copie du ticket"),
    (DG, None, NATHALIE, "Bonjour Alice,\nOui c'est bon, Madame Fournier reçoit de nouveau ses "
     "mails. Merci !\nNathalie Roux\nAssistante de direction", "qui écrit pour le demandeur"),
    (GILLES, LUCIE, f"marc.dupuis@{DOMAIN}", "c'est bon ça marche", None),  # a stranger
])
def test_a_confirmation_from_a_colleague_in_cc_or_the_assistant_is_taken(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        requester: str, cc: str | None, sender: str, text: str, who: str | None) -> None:
    dovecot.append(mail(sender=requester, cc=cc, subject="Plus de mails depuis ce matin",
                        message_id=f"<mails-1@{DOMAIN}>",
                        body="Bonjour,\nje ne reçois plus aucun mail depuis ce matin.\n"))
    run_once(rules, dovecot)
    [number] = [t["number"] for t in tickets(rules)]
    dovecot.append(reply(sent_to(smtp_server, TEAM)[0], sender=ALICE,
                         text="Bonjour,\n\nLa boîte était pleine, j'ai archivé 2019. Pouvez-vous "
                              "confirmer ?\n\nAlice"))
    run_once(rules, dovecot, NOW + timedelta(minutes=30))
    dovecot.append(reply(sent_to(smtp_server, requester)[-1], sender=sender, text=text))
    run_once(rules, dovecot, NOW + timedelta(minutes=50))
    update = sent_to(smtp_server, TEAM)[-1]
    if who is None:
        assert not show(rules, number)["resolution_confirmed"]
        assert not [m for m in sent_to(smtp_server, TEAM) if "confirm" in m.message["Subject"]]
        return
    assert "Résolution confirmée pour le demandeur" in update.message["Subject"]
    assert f"{sender}, {who}, confirme que c'est résolu" in words(update)
    assert show(rules, number)["resolution_confirmed"]
    before = len([m for m in smtp_server.messages if MANAGEMENT & set(m.recipients)])
    for days in (1, 4, 12):
        run_once(rules, dovecot, NOW + timedelta(days=days))
    assert len([m for m in smtp_server.messages if MANAGEMENT & set(m.recipients)]) == before


# --- defect 2: the same matter under a reworded subject -----------------------------------------

HUGO = f"hugo.vidal@{DOMAIN}"


@pytest.mark.parametrize(("first", "second", "later", "joined"), [
    ("imprimante bureau 204", "imprimante 204 toujours en panne", timedelta(hours=5), True),
    ("souris sans fil", "toujours la souris", timedelta(days=18), True),  # says "again"
    ("imprimante bureau 204", "imprimante 310 en panne", timedelta(hours=5), False),
    ("imprimante bureau 204", "écran noir au 204", timedelta(hours=5), False),
    ("souris sans fil", "souris du bureau", timedelta(days=3), False),  # too long after
])
def test_a_reworded_subject_from_the_same_person_joins_the_open_ticket(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        first: str, second: str, later: timedelta, joined: bool) -> None:
    dovecot.append(mail(sender=HUGO, subject=first, message_id=f"<first@{DOMAIN}>",
                        body="Bonjour,\nça ne marche pas depuis ce matin, pouvez-vous "
                             "passer ?\nHugo\n"))
    run_once(rules, dovecot)
    dovecot.append(mail(sender=HUGO, subject=second, message_id=f"<second@{DOMAIN}>",
                        body="Bonjour,\nça ne marche toujours pas, personne n'est passé.\nHugo\n"))
    run_once(rules, dovecot, NOW + later)
    numbers = [t["number"] for t in tickets(rules)]
    acknowledgements = sent_to(smtp_server, HUGO)
    news = [m for m in sent_to(smtp_server, TEAM) if "Nouveau ticket" in m.message["Subject"]]
    if not joined:
        assert len(numbers) == 2 and len(acknowledgements) == 2 and len(news) == 2
        return
    assert len(numbers) == 1 and len(acknowledgements) == 1 and len(news) == 1
    assert len(show(rules, numbers[0])["messages"]) >= 2
    notice = sent_to(smtp_server, TEAM)[-1]
    assert f"[#{numbers[0]}] Nouveau message" in notice.message["Subject"]
    assert f"sous l'objet « {second} », ajouté au ticket #{numbers[0]}" in words(notice)


# --- defect 13: a phone call logged open ---------------------------------------------------------

JEAN = f"jean.dupont@{DOMAIN}"
CALL = "Teams plante au lancement depuis la mise à jour, je reprends demain matin."


@pytest.mark.parametrize("sign_off", ["Alice", "Cordialement,\nAlice Tech"])
def test_a_call_logged_open_shows_its_note_without_the_sign_off_and_says_it_once(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        sign_off: str) -> None:
    dovecot.append(mail(sender=f"Alice Tech <{ALICE}>", subject="[APPEL] Jean Dupont - Teams",
                        body=f"#tel\n#demandeur {JEAN}\n{CALL}\n{sign_off}\n"))
    run_once(rules, dovecot)
    [number] = [t["number"] for t in tickets(rules)]
    [ack] = sent_to(smtp_server, JEAN)
    text = words(ack)
    assert "le service informatique a pris note de votre signalement" in text
    assert text.count("enregistr") == 1, text
    notice = words(sent_to(smtp_server, TEAM)[-1])
    assert CALL in notice and f"{CALL} Alice" not in notice and "Cordialement" not in notice
    shown = page(rules, number)
    assert CALL in shown and f"{CALL} Alice" not in shown and "Cordialement" not in shown


# --- defect 14: a technician's #rouvrir on the tracking page ------------------------------------

def test_a_technicians_reopening_is_the_last_entry_of_the_tracking_page(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, _answer = screen_ticket(rules, dovecot, smtp_server, "Je passe à 14h.")
    notice = sent_to(smtp_server, TEAM)[0]
    dovecot.append(reply(notice, sender=ALICE, text="#close Câble changé."))
    run_once(rules, dovecot, NOW + timedelta(hours=6))
    dovecot.append(reply(notice, sender=ALICE,
                         text="#rouvrir\n#note Emma a rappelé, l'écran clignote le soir."))
    run_once(rules, dovecot, NOW + timedelta(days=1))
    assert show(rules, number)["status"] == "open"
    shown = page(rules, number)
    assert "Câble changé" in shown  # the closure mail
    reopened = shown.rindex("Ticket rouvert")
    assert reopened > shown.rindex("Câble changé")
    assert "a rouvert ce ticket" in shown[reopened:]
    assert "rappelé" not in shown  # the internal note stays internal
