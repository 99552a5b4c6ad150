"""What a sixth day of use found in the notices (issue 16, day 6: defects 3 and 7 to 16), end
to end on Dovecot and the recording SMTP server: who gets which mail, what it says, how it
threads. Management answering an escalation never reaches the employee; the people a ladder
woke hear the ticket is resolved; a technician's transcript lists every mail its commands sent.
"""

from __future__ import annotations

import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.runtime import ticket_finder
from mailbot.web import WebServer, make_app
from tests.flow import (
    ALICE,
    BRUNO,
    CLAIRE,
    NOW,
    body,
    open_ticket,
    reply,
    run_once,
    sent_to,
    words,
)
from tests.harness import LADDER, TEAM, mail, show, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e

SUPERVISOR = LADDER[3]






def page_of(rules: Path, number: int) -> str:
    """The tracking page as the requester reads it, over HTTP from the real web server."""
    config = configuration.load(rules)
    server = WebServer(make_app(ticket_finder(config.state_dir)), "127.0.0.1:0")
    server.start()
    try:
        token = show(rules, number)["tracking_url"].rsplit("/", 1)[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/t/{token}") as response:
            return str(response.read().decode())
    finally:
        server.stop()


def escalated_p1(rules: Path, dovecot: DovecotServer,
                 smtp: RecordingSmtpServer) -> tuple[int, ReceivedMail, ReceivedMail]:
    """Claire's ticket, raised to P1 by Bruno: the supervisor gets the immediate notice."""
    number, notice = open_ticket(rules, dovecot, smtp)
    dovecot.append(reply(notice, sender=BRUNO, text="#priority P1"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    [escalation] = sent_to(smtp, SUPERVISOR)
    return number, notice, escalation


# --- 3. an escalation contact's reply stays internal --------------------------------------------

def test_a_supervisors_reply_to_an_escalation_never_reaches_the_employee(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice, escalation = escalated_p1(rules, dovecot, smtp_server)
    told = words(escalation)
    # The notice says what a reply does, to whom it is addressed: the supervisor is no
    # technician, so no "votre réponse est transmise au demandeur".
    assert "transmise au demandeur" not in told
    assert "reste interne" in told
    dovecot.append(reply(escalation, sender=f"François Dupuis <{SUPERVISOR}>",
                         text="Qui est dessus ? Tenez-moi au courant.\nFrançois"))
    run_once(rules, dovecot, NOW + timedelta(minutes=20))
    ticket = show(rules, number)
    [entry] = [m for m in ticket["messages"] if m["author"] == SUPERVISOR]
    assert entry["kind"] == "internal_note" and not entry["public"]
    assert "Tenez-moi au courant" not in page_of(rules, number)
    [team] = [m for m in sent_to(smtp_server, TEAM) if "Tenez-moi" in body(m)]
    assert "non transmise au demandeur" in words(team)
    assert len(sent_to(smtp_server, CLAIRE)) == 1  # the acknowledgement, nothing since
    sup_mid = escalation.message["Message-ID"]

    dovecot.append(reply(notice, sender=ALICE, text="#close Toner changé."))
    run_once(rules, dovecot, NOW + timedelta(minutes=40))
    [closure] = sent_to(smtp_server, CLAIRE)[1:]
    assert closure.recipients == [CLAIRE]
    assert SUPERVISOR not in str(closure.message["Cc"] or "")
    supervisor_reply = next(m["message_id"] for m in show(rules, number)["messages"]
                            if m["author"] == SUPERVISOR)
    threading = f"{closure.message['In-Reply-To']} {closure.message['References']}"
    assert supervisor_reply not in threading and sup_mid not in threading
    assert "Tenez-moi" not in body(closure)


# --- 10. #priority P1 on an old ticket: the notice says why, the transcript names it -----------

def test_priority_p1_notice_says_who_raised_it_and_the_transcript_lists_it(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    created = NOW - timedelta(days=7)
    dovecot.append(mail(subject="VPN impossible depuis la maison", date=created,
                        body="Bonjour,\nle VPN refuse ma connexion depuis ce matin.\nClaire\n",
                        message_id="<claire-vpn@groupe-exemple.fr>"))
    run_once(rules, dovecot, created)
    [notice] = sent_to(smtp_server, TEAM)
    dovecot.append(reply(notice, sender=BRUNO, text="#priority P1", date=NOW))
    run_once(rules, dovecot, NOW + timedelta(minutes=2))
    [escalation] = sent_to(smtp_server, SUPERVISOR)
    told = words(escalation)
    assert f"{BRUNO} a passé le ticket en P1" in told
    assert "commande #priority de son message du lundi 23 novembre 2026 à 09:30" in told
    [transcript] = sent_to(smtp_server, BRUNO)
    said = words(transcript)
    assert "Envoyé aussi :" in said
    assert f"{escalation.message['Subject']} », à {SUPERVISOR}" in " ".join(said.split())


# --- 9. the people a ladder woke hear the P1 is resolved ----------------------------------------

ON_CALL = "astreinte@groupe-exemple.fr"


def test_closing_an_escalated_night_p1_tells_each_person_the_ladder_woke_once(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server,
                        time_rules="[digest]\nenabled = false\n[report]\nenabled = false\n")
    text = rules.read_text("utf-8").replace("[team]\n", f'[team]\non_call = "{ON_CALL}"\n')
    rules.write_text(text, "utf-8")
    number, notice = open_ticket(rules, dovecot, smtp_server)
    evening = NOW.replace(hour=19, minute=40)  # Monday evening: quiet hours, P1 round the clock
    dovecot.append(reply(notice, sender=BRUNO, text="#priority P1\nL'ERP est tombé.",
                         date=evening))
    run_once(rules, dovecot, evening)
    [woken] = sent_to(smtp_server, SUPERVISOR)
    assert ON_CALL in woken.recipients  # sent at once, on-call in copy
    morning = NOW + timedelta(days=1, minutes=-20)  # Tuesday 09:10
    dovecot.append(reply(notice, sender=ALICE, text="#close Serveur ERP redémarré.",
                         date=morning))
    run_once(rules, dovecot, morning)
    for person in (SUPERVISOR, ON_CALL):
        [resolved] = [m for m in sent_to(smtp_server, person) if "Résolu" in
                      m.message["Subject"]]
        assert resolved.recipients == [person]
        said = words(resolved)
        assert f"[#{number}]" in resolved.message["Subject"]
        assert "est résolu" in said and ALICE in said and "Serveur ERP redémarré." in said
    assert not [m for m in sent_to(smtp_server, CLAIRE) if "Résolu :" in m.message["Subject"]]
    [transcript] = [m for m in sent_to(smtp_server, ALICE)]
    assert SUPERVISOR in words(transcript) and ON_CALL in words(transcript)


# --- 7. closing a mass incident: the transcript lists the reporters' closures ------------------

def test_closing_a_mass_incident_lists_each_reporters_closure_in_the_transcript(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    reporters = [f"compta{n}@groupe-exemple.fr" for n in range(3)]
    for n, sender in enumerate(reporters):
        dovecot.append(mail(sender=sender, subject="Dossier Compta",
                            body="Bonjour, le dossier partagé Compta n'est plus accessible.\n",
                            message_id=f"<share-{n}@groupe-exemple.fr>"))
        run_once(rules, dovecot, NOW + timedelta(minutes=3 * n))
    [notice] = [m for m in sent_to(smtp_server, TEAM) if "masse" in m.message["Subject"]]
    dovecot.append(reply(notice, sender=ALICE, text="#close Serveur de fichiers redémarré."))
    run_once(rules, dovecot, NOW + timedelta(minutes=30))
    for sender in reporters:
        # After the acknowledgement (and, for the first two, day 7's "incident déjà connu").
        [closure] = [m for m in sent_to(smtp_server, sender) if m.recipients == [sender]][-1:]
        assert "Serveur de fichiers redémarré." in body(closure)
    [transcript] = sent_to(smtp_server, ALICE)
    said = words(transcript)
    assert "Rien n'a été envoyé" not in said
    assert "Envoyé aux demandeurs de ses signalements :" in said
    for sender in reporters:
        assert f"le message de clôture, avec votre texte, à {sender}" in said
    assert f"Demandeur : {TEAM}" not in said
    assert "Demandeur : incident de masse, 3 signalements" in said


# --- 8. an assistant writing for a director is not "the VIP" -----------------------------------

MANAGER = "resp.support@groupe-exemple.fr"
SOPHIE = "sophie.lambert@groupe-exemple.fr"


@pytest.mark.parametrize("words_for", ["de la part de", "pour le compte de"])
def test_an_assistant_writing_for_the_president_is_named_as_such(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        words_for: str) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server,
                        extra=f'\n[vip]\nsupport_manager = "{MANAGER}"\n')
    dovecot.append(mail(sender=f"Sophie Lambert <{SOPHIE}>", subject="Imprimante du bureau 12",
                        body=f"Bonjour,\n\nJe vous écris {words_for} M. Bernard, notre "
                             "Président : son imprimante n'imprime plus.\n\nSophie Lambert\n"
                             "Assistante de direction\n"))
    run_once(rules, dovecot, NOW)
    [vip_notice] = sent_to(smtp_server, MANAGER)
    said = words(vip_notice)
    assert f"{SOPHIE} a écrit au support pour M. Bernard (Président), VIP" in said
    assert "Ce qui est demandé pour M. Bernard (Président) :" in said
    assert f"{SOPHIE} (VIP)" not in said and "Ce que le VIP demande" not in said
    [team] = [m for m in sent_to(smtp_server, TEAM) if "Nouveau ticket" in m.message["Subject"]]
    assert f"Demandeur : {SOPHIE}, pour M. Bernard (Président, VIP)" in words(team)


# --- 11. a reassignment tells the previous assignee ---------------------------------------------

def test_assigning_someone_elses_ticket_tells_the_previous_assignee_once(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=BRUNO, text="#assign me"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    assert len(sent_to(smtp_server, BRUNO)) == 1  # his transcript; nobody else to tell
    dovecot.append(reply(notice, sender=ALICE, text="#assign alice"))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    assert show(rules, number)["assignee"] == ALICE
    [told] = sent_to(smtp_server, BRUNO)[1:]
    assert told.recipients == [BRUNO]
    said = words(told)
    assert f"Le ticket [#{number}] vous était attribué : {ALICE} l'a attribué à {ALICE}" in said
    assert "Il ne vous est plus attribué" in said
    [transcript] = sent_to(smtp_server, ALICE)
    assert f"à {BRUNO}" in words(transcript)
    dovecot.append(reply(notice, sender=ALICE, text="#assign alice"))  # again: no news
    run_once(rules, dovecot, NOW + timedelta(minutes=15))
    assert len(sent_to(smtp_server, BRUNO)) == 2


# --- 12. a requester whose reply reopens the ticket is told -------------------------------------

def test_a_requester_whose_reply_reopens_the_ticket_gets_a_short_mail(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="#close Toner changé."))
    run_once(rules, dovecot, NOW + timedelta(hours=1))
    [closure] = sent_to(smtp_server, CLAIRE)[1:]
    back = reply(closure, sender=CLAIRE, text="ça recommence, l'imprimante refait des bourrages",
                 message_id="<claire-again@groupe-exemple.fr>")
    dovecot.append(back)
    run_once(rules, dovecot, NOW + timedelta(days=1))
    assert show(rules, number)["status"] == "open"
    [told] = sent_to(smtp_server, CLAIRE)[2:]
    said = words(told)
    assert "Votre message a rouvert votre signalement « Imprimante 2e étage HS »" in said
    assert told.message["In-Reply-To"] == "<claire-again@groupe-exemple.fr>"
    assert f"[#{number}]" in told.message["Subject"]
    assert [m for m in sent_to(smtp_server, TEAM) if "rouvert" in m.message["Subject"]]


# --- 14. a drive letter's colon stays in the subject -------------------------------------------

def test_a_drive_letters_colon_is_kept_in_the_subject(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(subject="lecteur P:", body="Bonjour,\nle lecteur P: a disparu de mon "
                                                   "poste.\nClaire\n"))
    run_once(rules, dovecot, NOW)
    [ticket] = [show(rules, 1)]
    assert ticket["subject"] == "lecteur P:"
    [ack] = sent_to(smtp_server, CLAIRE)
    assert str(ack.message["Subject"]).endswith("lecteur P:")
    assert "« lecteur P: »" in words(ack)


# --- 15. a closure says what was closed: an incident resolved, a request done ------------------

CLOSED = {
    "incident_fr": (CLAIRE, "Wi-Fi coupé en salle B",
                    "Bonjour,\nle Wi-Fi ne marche plus en salle B depuis ce matin.\nClaire\n",
                    "Incident résolu", "Votre signalement « Wi-Fi coupé en salle B » "
                    "(ticket 1) est résolu"),
    "request_fr": (CLAIRE, "Mot de passe expiré",
                   "Bonjour,\nmon mot de passe a expiré, pouvez-vous le réinitialiser ?\n"
                   "Claire\n", "Demande traitée", "Votre demande « Mot de passe expiré » "
                   "(ticket 1) est traitée"),
    "incident_en": ("john.smith@groupe-exemple.fr", "Laptop screen broken",
                    "Hello,\nmy laptop screen is broken, it stays black since this morning and "
                    "I cannot work.\nThanks,\nJohn\n", "Incident resolved",
                    'Your report "Laptop screen broken" (ticket 1) is resolved'),
}


@pytest.mark.parametrize("sender, subject, text, label, sentence", CLOSED.values(),
                         ids=CLOSED.keys())
def test_a_closure_says_incident_resolved_or_request_done(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        sender: str, subject: str, text: str, label: str, sentence: str) -> None:
    dovecot.append(mail(sender=sender, subject=subject, body=text))
    run_once(rules, dovecot, NOW)
    [notice] = sent_to(smtp_server, TEAM)
    dovecot.append(reply(notice, sender=ALICE, text="#close C'est réglé."))
    run_once(rules, dovecot, NOW + timedelta(minutes=30))
    [closure] = sent_to(smtp_server, sender)[1:]
    assert f"[#1] {label} : {subject}" in str(closure.message["Subject"]) or \
        f"[#1] {label}: {subject}" in str(closure.message["Subject"])
    assert sentence in words(closure)
    assert "clôturée" not in str(closure.message["Subject"])


# --- 16. team notices thread under the ticket's notice, not a forgery warning ------------------

def test_a_team_notice_never_threads_under_a_forgery_warning(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    authserv = "mx.groupe-exemple.fr"
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    text = rules.read_text("utf-8").replace("[mail]", f'authserv_id = "{authserv}"\n\n[mail]')
    rules.write_text(text, "utf-8")
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(mail(sender=ALICE, body="#close forged", in_reply_to=notice.message[
        "Message-ID"], subject=f"RE: {notice.message['Subject']}", headers={
        "Authentication-Results": f"{authserv}; dkim=none; dmarc=fail header.from="
                                  "groupe-exemple.fr"}))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    [warning] = [m for m in sent_to(smtp_server, TEAM) if "non authentifié" in
                 m.message["Subject"]]
    [ack] = sent_to(smtp_server, CLAIRE)
    dovecot.append(reply(ack, sender=CLAIRE, text="Toujours en panne, et ça clignote."))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    [update] = [m for m in sent_to(smtp_server, TEAM) if "Toujours en panne" in body(m)]
    assert update.message["In-Reply-To"] == notice.message["Message-ID"]
    assert warning.message["Message-ID"] not in str(update.message["References"])
