"""More of what the fifth day of use found (issue 16, "no wrong mail to a person"): a grouped
escalation summary that named one level to three, a held bounce notice overtaken by the
person's own mail, SLA states said twice, commands that changed nothing answered "fait", a bare
thanks on an unanswered ticket, a call's subject with the caller in it, a short English mail
answered in French. End to end: a real Dovecot, a recording aiosmtpd server, the real
`mailbot`."""

from __future__ import annotations

import re
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailbot.runtime import ticket_finder
from mailbot.web import WebServer, make_app
from tests.flow import (
    ALICE,
    CLAIRE,
    NOW,
    body,
    open_ticket,
    reply,
    run_once,
    sent_to,
    words,
)
from tests.harness import PARIS, TEAM, mail, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e




def page(rules: Path, number: int) -> str:
    server = WebServer(make_app(ticket_finder(rules.parent / "state"), clock=lambda: NOW),
                       "127.0.0.1:0")
    server.start()
    try:
        path = show(rules, number)["tracking_url"].split("/t/", 1)[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/t/{path}") as got:
            return got.read().decode("utf-8")
    finally:
        server.stop()


# --- 4. a command that changes nothing says so ---------------------------------------------------

def test_commands_that_change_nothing_say_sans_effet_and_the_others_apply(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """`#priority P2` on a P2 ticket, `#assign me` on a ticket already Alice's, `#requester`
    naming the requester: "sans effet", never "fait"; the mail's other commands apply."""
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="#priority P2\n#assign me\n#note vu"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    assert show(rules, number)["priority"] == "P2"
    dovecot.append(reply(notice, sender=ALICE,
                         text=f"#Priority: p2\n#assign me\n#requester {CLAIRE}\n"
                              "#note toner commandé"))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    transcript = words(sent_to(smtp_server, ALICE)[-1])
    assert "sans effet : le ticket est déjà en priorité P2 – haute" in transcript
    assert f"sans effet : le ticket est déjà attribué à {ALICE}" in transcript
    assert f"sans effet : {CLAIRE} est déjà le demandeur" in transcript
    assert "fait : priorité" not in transcript and "fait : attribué" not in transcript
    assert "fait : note interne" in transcript and "refusé" not in transcript
    ticket = show(rules, number)
    assert ticket["priority"] == "P2" and ticket["assignee"] == ALICE
    assert [m for m in ticket["messages"]
            if m["kind"] == "internal_note" and "toner commandé" in m["text"]]


def test_a_no_change_in_english(tmp_path: Path, dovecot: DovecotServer,
                                smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, language="en")
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="#priority P3\n#type incident P3"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    dovecot.append(reply(notice, sender=ALICE, text="#priority P3"))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    transcript = words(sent_to(smtp_server, ALICE)[-1])
    assert "no change: the ticket already has priority P3" in transcript
    assert "done:" not in transcript
    assert show(rules, number)["priority"] == "P3"


# --- 6. a logged call's subject is the matter, not the caller ------------------------------------

def test_a_logged_calls_title_has_no_caller_prefix(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    girard = "sandrine.girard@groupe-exemple.fr"
    dovecot.append(mail(sender=f"Alice Tech <{ALICE}>",
                        subject="[TEL] Mme Girard - Outlook ne s'ouvre plus",
                        body=f"#phone\n#requester {girard}\n\nBonjour,\nProfil Outlook "
                             "corrompu, je passe la voir à 14 h.\nAlice"))
    run_once(rules, dovecot)
    [ticket] = tickets(rules)
    assert ticket["subject"] == "Outlook ne s'ouvre plus"
    html = page(rules, ticket["number"])
    title = re.search(r'<h1 id="subject"[^>]*>(.*?)</h1>', html, re.S)
    assert title and "Girard" not in title.group(1) and "Outlook ne s" in title.group(1), title
    assert "Mme Girard" not in html
    for sent in smtp_server.messages:
        assert "Girard" not in sent.message["Subject"], sent.message["Subject"]
    [notice] = sent_to(smtp_server, TEAM)
    assert "Outlook ne s'ouvre plus" in notice.message["Subject"]
    # The call opens the ticket: its #requester sets it, nothing was "already so".
    transcript = words(sent_to(smtp_server, ALICE)[-1])
    assert "fait : demandeur" in transcript and "sans effet" not in transcript


# --- 5. a bare thanks on a ticket nobody has answered yet ----------------------------------------

THANKS = {
    "merci_beaucoup": "Merci beaucoup !\nClaire",
    "with_a_signature": "Super, merci et bonne journée !\n\nClaire Martin\nComptabilité\n"
                        "01 23 45 67 89",
    "english": "Thanks a lot!",
}


@pytest.mark.parametrize("text", THANKS.values(), ids=THANKS.keys())
def test_a_bare_thanks_on_an_unanswered_ticket_is_filed_quietly(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str) -> None:
    number, _notice = open_ticket(rules, dovecot, smtp_server)
    [ack] = sent_to(smtp_server, CLAIRE)
    before = len(smtp_server.messages)
    dovecot.append(reply(ack, sender=CLAIRE, text=text))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    assert len(smtp_server.messages) == before  # no team notice, no acknowledgement
    ticket = show(rules, number)
    assert ticket["status"] == "new"
    assert ticket["messages"][-1]["text"].startswith(text.split("\n")[0])


def test_a_thanks_with_new_information_still_tells_the_team(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, _notice = open_ticket(rules, dovecot, smtp_server)
    [ack] = sent_to(smtp_server, CLAIRE)
    dovecot.append(reply(ack, sender=CLAIRE, text="Merci ! Au fait, l'écran de l'imprimante "
                                                  "affiche maintenant « erreur E-52 ».\nClaire"))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    [_new, update] = sent_to(smtp_server, TEAM)
    assert f"[#{number}]" in update.message["Subject"] and "E-52" in words(update)


def test_a_thanks_after_a_technicians_answer_is_still_news_for_the_team(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """The answered, open ticket: "merci, je teste" is the team's to read (unchanged)."""
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="Bonjour Claire,\nLe toner est changé."))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    relayed = sent_to(smtp_server, CLAIRE)[-1]
    dovecot.append(reply(relayed, sender=CLAIRE, text="Merci beaucoup !"))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    assert len(sent_to(smtp_server, TEAM)) == 2


# --- 1. a grouped escalation summary tells each level it goes to --------------------------------

def test_a_grouped_summary_names_every_level_it_is_sent_to(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Three P3 tickets left unread for five days cross levels 2 to 4 in one pass; one
    summary goes to levels 4, 2 and 3 (it stands for the lower levels' notices). Each of those
    readers finds their own level named, with its role and the tickets that passed it, not
    "niveau 4" alone."""
    from mailbot.clock.settings import EscalationConfig

    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server,
                        extra="[escalation]\ngroup_above = 2\n")
    people = ["claire.martin", "sophie.leroy", "karim.haddad"]
    for n, who in enumerate(people):
        dovecot.append(mail(sender=f"{who}@groupe-exemple.fr", subject=f"Imprimante HS ({n})"))
    run_once(rules, dovecot)
    assert [t["priority"] for t in tickets(rules)] == ["P3"] * 3
    run_once(rules, dovecot, NOW + timedelta(hours=125))
    [summary] = [m for m in smtp_server.messages if m.message["Subject"].startswith("Escalades")]
    levels = {n: level for n, level in enumerate(EscalationConfig().levels, start=1)}
    assert set(summary.recipients) == {levels[n].contacts[0] for n in (2, 3, 4)}
    text = words(summary)
    assert f"(niveau 4, {levels[4].role})" in text
    assert "sans avis séparé (ce message, qui leur est aussi adressé, le remplace)" in text
    for n in (2, 3):
        assert f"- niveau {n}, {levels[n].role} : [#1], [#2], [#3]" in text, n


# --- 3. an SLA state says one thing -------------------------------------------------------------

@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_escalation_notice_says_each_sla_state_once(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        language: str) -> None:
    """A first answer given late and a resolution overdue: "dépassé de 2 h (fait le ...)"
    and "EN RETARD de ...", never "respecté en retard, en retard de" (met and late at once)."""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, language=language)
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="Bonjour Claire,\nJe passe demain matin."))
    run_once(rules, dovecot, NOW + timedelta(hours=50))  # the target is 48 hours
    assert show(rules, number)["sla"][0]["state"] == "met_late"
    run_once(rules, dovecot, NOW + timedelta(hours=121))
    [level3] = [m for m in smtp_server.messages
                if re.search(r"(niveau|level) 3 ", m.message["Subject"])]
    [first, resolution] = [line[2:] for line in body(level3).splitlines() if line.startswith((
        "- Première réponse", "- Résolution", "- First response", "- Resolution"))]
    if language == "fr":
        assert re.search(r"; dépassé de 2 h \(fait le mercredi 25 novembre 2026 à 11:30\)$",
                         first), first
        assert re.search(r"; EN RETARD de \d+ h( \d+ min)?$", resolution), resolution
    else:
        assert re.search(r"; missed by 2 h \(done .*25 November 2026.* 11:30\)$", first), first
        assert re.search(r"; LATE by \d+ h( \d+ min)?$", resolution), resolution
    for said in (first, resolution):
        assert "respecté" not in said and "met" not in said.split()
        assert said.count("retard") + said.lower().count("late") <= 1, said


# --- 7. a short mail is answered in its writer's language ---------------------------------------

SHORT = {
    "english_jam": ("john.smith@groupe-exemple.fr", "printer jam", "2nd floor again pls help",
                    "en"),
    "english_outlook": ("john.smith@groupe-exemple.fr", "Outlook not opening",
                        "Hi, Outlook won't open since this morning. Thanks", "en"),
    "french_vpn": ("claire.martin@groupe-exemple.fr", "VPN HS depuis ce matin", "Merci", "fr"),
    "french_sage": ("claire.martin@groupe-exemple.fr", "Sage",
                    "c'est bloqué, j'ai un client au téléphone", "fr"),
    "unsure": ("claire.martin@groupe-exemple.fr", "Excel", "Excel freeze, help", "default"),
}


@pytest.mark.parametrize("default", ["fr", "en"])
@pytest.mark.parametrize("sender, subject, text, language", SHORT.values(), ids=SHORT.keys())
def test_a_short_mail_is_acknowledged_in_its_writers_language(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        sender: str, subject: str, text: str, language: str, default: str) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, language=default)
    dovecot.append(mail(sender=sender, subject=subject, body=text))
    run_once(rules, dovecot)
    [ack] = sent_to(smtp_server, sender)
    expected = default if language == "default" else language
    opening = {"fr": "Bonjour,", "en": "Hello,"}[expected]
    assert body(ack).startswith(opening), body(ack)
    assert tickets(rules)[0]["language"] == expected


# --- 2. a held bounce notice is overtaken by the person's own mail ------------------------------

JOHN = "john.smith@groupe-exemple.fr"


def _bounce_of(sent: ReceivedMail, recipient: str) -> bytes:
    """What the mail server sends back when `sent` could not be delivered: a full mailbox."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.groupe-exemple.fr>\r\n"
        "To: support@groupe-exemple.fr\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.groupe-exemple.fr>\r\nAuto-Submitted: auto-replied\r\n"
        "Date: Mon, 30 Nov 2026 19:40:02 +0100\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\n"
        f"<{recipient}>: host mbox said: 552 5.2.2 Mailbox full (quota exceeded)\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: support@groupe-exemple.fr\r\nSubject: {sent.message['Subject']}\r\n"
        f"Message-ID: {sent.message['Message-ID']}\r\n\r\n--B--\r\n").encode()


@pytest.mark.parametrize("subject, same", [("Outlook still crashing + mailbox full?", True),
                                           ("New badge for the car park", False)],
                         ids=["same_matter", "another_matter"])
def test_a_held_bounce_notice_is_dropped_when_the_person_writes_again(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        subject: str, same: bool) -> None:
    """Monday 17:30 John's request is acknowledged; at 19:40 the acknowledgement bounces
    (mailbox full): the team's notice of it is held for the night. Tuesday 08:10 John writes
    again, a new mail. At 09:00 the team must not read that his address is unreachable: they
    read, in the notice of his new mail, that the acknowledgement of [#1] bounced and that he
    has written since, and, when his new mail is about the same thing, that it most likely
    is."""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules="")
    monday = datetime(2026, 11, 30, 17, 30, tzinfo=PARIS)
    dovecot.append(mail(sender=f"John Smith <{JOHN}>", subject="Outlook keeps crashing",
                        body="Hi,\nOutlook crashes every time I open a calendar invite. Could "
                             "you have a look please?\nThanks,\nJohn", date=monday))
    run_once(rules, dovecot, monday)
    [ack] = sent_to(smtp_server, JOHN)
    dovecot.append(_bounce_of(ack, JOHN))
    run_once(rules, dovecot, monday.replace(hour=19, minute=45))
    def notices() -> list[ReceivedMail]:  # not the morning digest
        return [m for m in sent_to(smtp_server, TEAM) if "[#" in m.message["Subject"]]

    assert len(notices()) == 1  # the bounce's notice waits for the morning
    tuesday = monday + timedelta(days=1)
    dovecot.append(mail(sender=f"John Smith <{JOHN}>", subject=subject,
                        body="Hi,\nI cleaned up my mailbox, it was full. Did you get my "
                             "earlier request?\nJohn", date=tuesday.replace(hour=8, minute=10)))
    run_once(rules, dovecot, tuesday.replace(hour=8, minute=15))
    run_once(rules, dovecot, tuesday.replace(hour=9, minute=5))
    to_team = notices()[1:]
    for notice in to_team:
        assert "injoignable" not in words(notice), words(notice)
    [notice] = to_team
    # His new mail on the same matter, the next morning, joins his open ticket (day 10's
    # reworded subject); on another matter it opens a ticket of its own.
    assert f"[#{1 if same else 2}]" in notice.message["Subject"]
    said = words(notice)
    assert (f"L'accusé de réception du ticket [#1] (« Outlook keeps crashing ») n'a pas pu "
            f"être remis à {JOHN}") in said, said
    assert f"{JOHN} nous a écrit depuis : son adresse fonctionne" in said
    # Added to [#1] itself, "most likely about the same matter as [#1]" would say nothing.
    assert "porte sans doute sur la même chose" not in said
    if same:
        assert len(sent_to(smtp_server, JOHN)) == 1  # no second acknowledgement
        assert len(tickets(rules)) == 1
        return
    assert len(sent_to(smtp_server, JOHN)) == 2  # his new mail is acknowledged
    why = " ".join(show(rules, 2)["why"])
    assert "ack of ticket #1" in why and "bounced" in why
