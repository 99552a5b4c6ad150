"""A technician's command never sends a wrong mail (day 4 of use): #demote keeps a VIP's floor,
a transcript says exactly what was sent and to whom, an internal note is no answer, a caller is
told of their call in their own terms. End to end: a real Dovecot, a recording aiosmtpd server
and the real `mailbot`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.flow import ALICE, CLAIRE, NOW, body, reply, run_once, sent_to, words
from tests.harness import TEAM, mail, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e

DG = "dg@groupe-exemple.fr"
CHANTAL = "chantal.girard@groupe-exemple.fr"


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Path:
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server,
                       extra=f'\n[vip]\naddresses = ["{DG}"]\nfloor = "P2"\n')



def transcripts(smtp: RecordingSmtpServer) -> list[ReceivedMail]:
    return [m for m in sent_to(smtp, ALICE) if "Commandes" in m.message["Subject"]]


# --- #demote on a VIP's ticket ------------------------------------------------------------------

def test_demoting_a_vips_urgent_never_goes_below_the_vip_floor(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Day 4: the director's URGENT printer went to P3 on #demote, and she was told so."""
    dovecot.append(mail(sender=DG, subject="URGENT imprimante bureau",
                        body="Mon imprimante personnelle n'imprime plus.\n\nHélène Vidal\n"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert (ticket["priority"], ticket["vip"]) == ("P2", True)
    [notice] = [m for m in sent_to(smtp_server, TEAM) if "Nouveau ticket" in m.message["Subject"]]
    told_before = len(sent_to(smtp_server, DG))
    dovecot.append(reply(notice, sender=ALICE,
                         text="#demote imprimante personnelle, une imprimante de prêt est en "
                              "place"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    after = show(rules, ticket["number"])
    assert (after["priority"], after["urgent_demoted"]) == ("P2", True)
    # Nothing was lowered: the director is not told of a demotion that changed nothing.
    assert len(sent_to(smtp_server, DG)) == told_before
    [transcript] = transcripts(smtp_server)
    text = words(transcript)
    assert f"Demandeur : {DG} (VIP)" in text
    assert "Priorité : P2 – haute" in text and "P3" not in text
    assert "la priorité reste P2 – haute" in text
    assert "Rien n'a été envoyé au demandeur." in text


# --- a transcript says exactly what was sent, and to whom ------------------------------------

@pytest.mark.parametrize(("commands", "expected"), [
    ("#close", ["le message de clôture, à " + CLAIRE]),
    ("#type information\n#close", ["le message de clôture, à " + CLAIRE]),
    ("#demote une imprimante sur quatre\n#note vu avec elle",
     ["l'avis que son URGENT est retiré, à " + CLAIRE]),
    ("#close Toner changé.", ["le message de clôture, avec votre texte, à " + CLAIRE]),
    ("#assign me\nBonjour Claire,\n\nJe passe à 14 h.", ["votre texte, à " + CLAIRE]),
    ("#note toner commandé", []),
])
def test_a_transcript_names_every_mail_the_requester_was_sent(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer, commands: str,
        expected: list[str]) -> None:
    """Day 4: "ticket clôturé, le demandeur est prévenu" then "Rien n'a été envoyé au
    demandeur." while the closure mail went (#close without text, #type information + #close,
    #demote + #note)."""
    dovecot.append(mail(subject="URGENT imprimante 2e étage",
                        message_id="<claire-1@groupe-exemple.fr>"))
    run_once(rules, dovecot)
    [notice] = [m for m in sent_to(smtp_server, TEAM) if "Nouveau ticket" in m.message["Subject"]]
    before = len(sent_to(smtp_server, CLAIRE))
    dovecot.append(reply(notice, sender=ALICE, text=commands))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    went = sent_to(smtp_server, CLAIRE)[before:]
    assert len(went) == len(expected)
    [transcript] = transcripts(smtp_server)
    text = words(transcript)
    assert "prévenu" not in text.split("État du ticket")[0]  # no claim of its own
    if expected:
        assert "Rien n'a été envoyé au demandeur" not in text
        assert "Envoyé au demandeur : " + " ".join(f"- {line}" for line in expected) in text
    else:
        assert "Rien n'a été envoyé au demandeur." in text and "Envoyé au demandeur" not in text


# --- no hidden command -------------------------------------------------------------------------

def test_a_word_the_card_does_not_list_is_refused_and_one_it_lists_works(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(message_id="<claire-1@groupe-exemple.fr>"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    [notice] = sent_to(smtp_server, TEAM)
    dovecot.append(reply(notice, sender=ALICE, text="#resolved\nLe toner est changé."))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    assert show(rules, ticket["number"])["status"] == "new"
    assert len(sent_to(smtp_server, CLAIRE)) == 1  # the acknowledgement only
    assert "refusé : commande inconnue" in words(transcripts(smtp_server)[-1])
    dovecot.append(reply(notice, sender=ALICE, text="#Résolu\nLe toner est changé."))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    assert show(rules, ticket["number"])["status"] == "closed"
    assert "#résolu = #close" not in words(transcripts(smtp_server)[-1])  # no help: all went well
    assert "#résolu" in body(notice)  # the notice's list of commands names it


# --- a caller is told of their call in their own terms -----------------------------------------

@pytest.mark.parametrize(("subject", "topic"), [
    ("[TEL] Mme Girard - Outlook ne s'ouvre plus", "Outlook ne s'ouvre plus"),
    ("[TEL] Appel de Chantal Girard : Outlook ne s'ouvre plus", "Outlook ne s'ouvre plus"),
    ("[TEL] Outlook ne s'ouvre plus (Mme Girard)", "Outlook ne s'ouvre plus"),
    ("[TEL] Outlook ne s'ouvre plus - C. Girard", "Outlook ne s'ouvre plus"),
    ("[TEL] Outlook : erreur 0x8004010F", "Outlook : erreur 0x8004010F"),
])
def test_a_phone_calls_closure_tells_the_caller_of_their_call_not_the_technicians_subject(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer, subject: str,
        topic: str) -> None:
    """Day 4: "votre demande « Mme Girard - Outlook ne s'ouvre plus »" to Mme Girard."""
    dovecot.append(mail(sender=ALICE, subject=subject,
                        body=f"#requester {CHANTAL}\n#close Profil Outlook recréé par "
                             "téléphone, tout fonctionne.\n\nAppel à 09h10, Outlook bloqué."))
    run_once(rules, dovecot)
    [closure] = sent_to(smtp_server, CHANTAL)
    text = words(closure)
    assert "Girard" not in text.replace(CHANTAL, "") and "Mme" not in text
    assert "Girard" not in closure.message["Subject"]
    assert f"Suite à votre appel au sujet de « {topic} », votre signalement a été consigné" in text
    assert topic in closure.message["Subject"]
    assert "Profil Outlook recréé par téléphone" in text
    [transcript] = transcripts(smtp_server)
    assert (f"Envoyé au demandeur : - le message de clôture, avec votre texte, à {CHANTAL}"
            in words(transcript))


def test_a_call_whose_subject_is_only_the_callers_name_is_told_without_one(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(sender=ALICE, subject="[TEL] Mme Girard",
                        body=f"#requester {CHANTAL}\n\nOutlook ne s'ouvre plus, à rappeler."))
    run_once(rules, dovecot)
    [ack] = sent_to(smtp_server, CHANTAL)
    text = words(ack)
    assert "Mme Girard" not in text and "«" not in text.split("Priorité")[0]
    assert "Suite à votre appel, le service informatique a pris note de votre signalement." in text
    assert "Girard" not in ack.message["Subject"]


# --- an internal note is no answer: the ladder goes on ------------------------------------------

def test_an_internal_note_is_no_answer_and_the_ladder_goes_on_showing_it(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Day 4: a ticket whose only news was a #note climbed the ladder. The procedure escalates a
    problem not resolved: a note tells the team, not the requester, and resolves nothing, so
    the ladder goes on; the level told sees the note."""
    dovecot.append(mail(message_id="<claire-1@groupe-exemple.fr>"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    [notice] = sent_to(smtp_server, TEAM)
    dovecot.append(reply(notice, sender=ALICE,
                         text="#note toner commandé chez le fournisseur, livraison jeudi"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    after = show(rules, ticket["number"])
    assert (after["status"], after["first_response_at"]) == ("new", None)
    assert len(sent_to(smtp_server, CLAIRE)) == 1  # the acknowledgement only
    assert "Rien n'a été envoyé au demandeur." in words(transcripts(smtp_server)[-1])
    run_once(rules, dovecot, NOW + timedelta(hours=3, minutes=10))  # P3: level 2 after 3 h
    [escalation] = [m for m in smtp_server.messages
                    if "Escalade niveau 2" in m.message["Subject"]]
    text = words(escalation)
    assert "Première réponse : aucune" in text
    assert (f"--- Dernière note interne ({ALICE}, lundi 23 novembre 2026 à 09:35) --- toner "
            "commandé chez le fournisseur, livraison jeudi") in text
