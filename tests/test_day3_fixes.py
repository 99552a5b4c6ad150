"""What the third day of use still found (issue 16): a thanks on a ticket waiting for the
employee, a no-op command in a mail of several, a phone log's content, the demotion reason's
words, a missing value inside a sentence, and a technician's `#` signature. Mails are written
the way hurried people write them. End to end: a real Dovecot, a recording aiosmtpd server and
the real `mailbot`."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.flow import ALICE, CLAIRE, NOW, body, open_ticket, reply, run_once, sent_to, words
from tests.harness import TEAM, mail, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer
from tests.test_misfire_people import page

pytestmark = pytest.mark.e2e

ELODIE = "elodie.mercier@groupe-exemple.fr"





# --- 1. a thanks on a ticket waiting for the employee ---------------------------------------------

THANKS = {
    "ok_merci": "ok merci !",
    "super_merci": "Super merci",
    # ("Parfait, merci" is a confirmation since day 8, and "C'est bon merci" answering the
    # technician's "pouvez-vous réessayer ?" since day 9: the team is told,
    # tests/test_day8_fixes.py and tests/test_day9_fixes.py)
    "signature": "Bonjour,\n\nMerci beaucoup !\n\nCordialement,\nClaire Martin\n"
                 "Assistante de direction\nTél : 04 72 00 00 02",
}


@pytest.mark.parametrize("thanks", THANKS.values(), ids=THANKS.keys())
def test_a_thanks_on_a_waiting_ticket_is_recorded_and_leaves_it_waiting_without_a_notice(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        thanks: str) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=f"Alice Tech <{ALICE}>",
                         text="Bonjour Claire,\n\nJ'ai relancé le spouleur, pouvez-vous "
                              "réessayer ?\n\nAlice"))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    [relayed] = sent_to(smtp_server, CLAIRE)[1:]
    assert show(rules, number)["status"] == "waiting"
    sent = len(smtp_server.messages)
    dovecot.append(reply(relayed, sender=f"Claire Martin <{CLAIRE}>", text=thanks))
    run_once(rules, dovecot, NOW + timedelta(minutes=20))
    ticket = show(rules, number)
    assert ticket["status"] == "waiting"
    assert smtp_server.messages[sent:] == []  # no team notice, nothing to anyone
    last = ticket["messages"][-1]
    assert last["author"] == CLAIRE and "merci" in last["text"].lower()  # in the history


# --- 2. a no-op command does not refuse the others ------------------------------------------------

def test_demote_on_a_ticket_already_demoted_is_a_no_op_and_close_applies(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender=ELODIE, subject="URGENT : nouveau logo sur le papier à en-tête",
                        body="Bonjour,\n\nPouvez-vous changer le logo du modèle de courrier ?"
                             "\n\nMerci\nÉlodie"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert ticket["urgent_demoted"] is True
    [notice] = sent_to(smtp_server, TEAM)
    dovecot.append(reply(notice, sender=f"Alice Tech <{ALICE}>",
                         text="Bonjour,\n#Demote\n#Close: logo changé sur le modèle.\n\nAlice"))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    shown = show(rules, ticket["number"])
    assert shown["status"] == "closed"
    to_elodie = sent_to(smtp_server, ELODIE)
    assert len(to_elodie) == 2  # the acknowledgement, then the closure: no second demotion
    assert "logo changé sur le modèle" in words(to_elodie[-1])
    [transcript] = sent_to(smtp_server, ALICE)
    text = words(transcript)
    assert "refusé" not in text and "Rien n'a été appliqué" not in text
    assert "sans effet : URGENT déjà déclassé" in text
    assert "fait : ticket clôturé" in text


# --- 3. a phone log's content is the technician's note of the call --------------------------------

PHONE_LOGS = {
    "close_text": ("[TEL] Claire - VPN bloqué",
                   "#phone\n#requester claire.martin@groupe-exemple.fr\n"
                   "#close Jeton VPN réinitialisé avec elle, connexion OK.\n\nAlice",
                   "Jeton VPN réinitialisé avec elle, connexion OK."),
    "prose": ("[TEL] imprimante",
              "Bonjour,\n\n#requester Claire Martin <claire.martin@groupe-exemple.fr>\n"
              "L'imprimante du 2e bourre à chaque impression, je passe cet après-midi.\n\n"
              "Cordialement,\nAlice",
              "L'imprimante du 2e bourre à chaque impression, je passe cet après-midi."),
    "subject_only": ("[TEL] Claire : mot de passe Windows expiré",
                     "#phone\n#requester claire.martin@groupe-exemple.fr\n\nAlice\n",
                     "Claire : mot de passe Windows expiré"),
}


@pytest.mark.parametrize("subject, text, note", PHONE_LOGS.values(), ids=PHONE_LOGS.keys())
def test_a_phone_log_records_the_note_of_the_call_not_the_technicians_name(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        subject: str, text: str, note: str) -> None:
    dovecot.append(mail(sender=f"Alice Tech <{ALICE}>", subject=subject, body=text))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    call = show(rules, ticket["number"])["messages"][0]
    assert call["kind"] == "phone_call"
    assert call["text"] == note
    assert note in html.unescape(page(rules, ticket["number"]))
    if ticket["status"] == "closed":  # a call logged closed tells the team nothing (day 7 §9)
        assert sent_to(smtp_server, TEAM) == []
        return
    [notice] = sent_to(smtp_server, TEAM)
    message = body(notice).split("--- Message ---", 1)[1]
    assert note in " ".join(message.split())
    assert not re.search(r"^Alice$", message, re.MULTILINE)


# --- 4. the demotion reason in a person's words ---------------------------------------------------

URGENT_MAILS = {
    "minor_change": ("URGENT : nouveau logo sur le papier à en-tête",
                     "Bonjour,\n\nPouvez-vous changer le logo du modèle de courrier ?\n\n"
                     "Merci\nÉlodie"),
    "one_mouse": ("URGENT souris", "Bonjour,\n\nMa souris sans fil ne marche plus, j'utilise "
                                   "celle du portable en attendant.\n\nÉlodie"),
}


@pytest.mark.parametrize("subject, text", URGENT_MAILS.values(), ids=URGENT_MAILS.keys())
def test_the_demotion_reason_reads_as_a_person_writes_it(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        subject: str, text: str) -> None:
    dovecot.append(mail(sender=ELODIE, subject=subject, body=text))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert ticket["urgent_demoted"] is True
    [ack] = sent_to(smtp_server, ELODIE)
    said = words(ack)
    reason = said.split("Motif : ", 1)[1].split(" La procédure du support", 1)[0]
    assert reason[:1].isupper() and reason.endswith(".")
    assert reason.count("(") == reason.count(")") and "))" not in reason and "((" not in reason
    assert not re.search(r"\w_\w|seed|rule", reason)  # no internal rule name
    assert not re.search(r"\w[:;!?]", reason)  # French typography: a space before : ; ! ?
    # The tracking page gives the same reason, in the employee's language.
    assert reason in " ".join(html.unescape(page(rules, ticket["number"])).split())


def test_the_demotion_reason_in_english_reads_as_a_person_writes_it(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, language="en")
    dovecot.append(mail(sender=ELODIE, subject="URGENT: new logo on the letterhead",
                        body="Hi,\n\nCould you change the logo on our letter template "
                             "(changement mineur, logo du papier à en-tête)?\n\nThanks\nElodie"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert ticket["urgent_demoted"] is True
    [ack] = sent_to(smtp_server, ELODIE)
    said = words(ack)
    reason = said.split("Reason: ", 1)[1].split(" As the support procedure", 1)[0]
    assert reason[:1].isupper() and reason.endswith(".")
    assert reason.count("(") == reason.count(")") and "))" not in reason and "((" not in reason
    assert not re.search(r"\w_\w|seed|rule", reason)


# --- 5. a missing value is never written inside a sentence ----------------------------------------

def test_a_ticket_without_priority_is_told_without_a_non_precise_value(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """`#type information` archives the ticket and takes its priority away; the employee's
    next word reopens it: neither the transcript nor the team's notice writes "Non précisé"."""
    number, notice = open_ticket(rules, dovecot, smtp_server)
    [ack] = sent_to(smtp_server, CLAIRE)
    dovecot.append(reply(notice, sender=f"Alice Tech <{ALICE}>",
                         text="#Type information\n\nAlice"))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    assert show(rules, number)["priority"] is None
    dovecot.append(reply(ack, sender=f"Claire Martin <{CLAIRE}>",
                         text="Bonjour,\n\nL'imprimante ne marche toujours pas, elle affiche "
                              "une erreur de bourrage.\n\nClaire"))
    run_once(rules, dovecot, NOW + timedelta(minutes=20))
    assert show(rules, number)["status"] == "open"
    [transcript] = sent_to(smtp_server, ALICE)
    reopened = sent_to(smtp_server, TEAM)[-1]
    for received in (transcript, reopened):
        assert "Non précisé" not in body(received)
        # No clause left empty ("priorité : ;", "Priorité :" and nothing).
        assert not re.search(r"priorit\w+ :[ \t]*(?:;|\r?$)", body(received),
                             re.MULTILINE | re.IGNORECASE)
    assert "Priorité : aucune" in body(transcript)
    assert re.search(r"^Statut : en cours\r?$", body(reopened), re.MULTILINE)


# --- 6. a technician's signature that carries a `#` line ------------------------------------------

CUT_SIGNATURES = {
    "dash_dash": "Bonjour Claire,\n\nLe toner est changé, pouvez-vous réessayer ?\n\n-- \nAlice\n"
                 "#TeamSupport",
    "sign_off": "Bonjour Claire,\n\nLe toner est changé, pouvez-vous réessayer ?\n\n"
                "Cordialement,\nAlice\n#TeamSupport",
}


@pytest.mark.parametrize("text", CUT_SIGNATURES.values(), ids=CUT_SIGNATURES.keys())
def test_a_hash_line_in_a_signature_the_bot_cuts_is_never_sent_and_the_answer_goes(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=f"Alice Tech <{ALICE}>", text=text))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    [relayed] = sent_to(smtp_server, CLAIRE)[1:]
    said = body(relayed)
    assert "Le toner est changé" in said
    assert "#TeamSupport" not in said and not re.search(r"^#\w", said, re.MULTILINE)
    assert show(rules, number)["status"] == "waiting"
    assert sent_to(smtp_server, ALICE) == []  # nothing refused: no transcript


def test_a_hash_line_below_the_text_without_a_signature_mark_refuses_and_says_how_to_sign(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=f"Alice Tech <{ALICE}>",
                         text="Bonjour Claire,\n\nLe toner est changé, pouvez-vous réessayer ?"
                              "\n\nAlice\n#TeamSupport"))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    assert len(sent_to(smtp_server, CLAIRE)) == 1  # the acknowledgement only
    assert show(rules, number)["status"] == "new"
    [transcript] = sent_to(smtp_server, ALICE)
    said = words(transcript)
    assert "#TeamSupport -> refusé" in said
    assert "placez une ligne « -- » au-dessus" in said
    assert "Rien n'a été appliqué ni transmis au demandeur" in said
