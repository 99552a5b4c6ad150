"""A technician's mail never misfires (issue 16 §1-§5): commands written the way hurried people
write them, a priority raised on an old ticket, a forgery, the escalation ladder, thanks under a
signature. End to end: a real Dovecot, a recording aiosmtpd server and the real `mailbot`."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

from tests.flow import (
    ALICE,
    AUTHSERV,
    BRUNO,
    CLAIRE,
    NOW,
    body,
    open_ticket,
    reply,
    run_once,
    sent_to,
)
from tests.harness import BOT, LADDER, TEAM, mail, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e

SUPERVISOR = LADDER[3]
LEVELS = {n: LADDER[n] for n in (2, 3, 4, 7)}
HASH_WORD = re.compile(r"^\s*#\s*[^\W\d_]", re.MULTILINE)




def no_hash_line_reaches(smtp: RecordingSmtpServer, person: str) -> None:
    for received in sent_to(smtp, person):
        lines = HASH_WORD.findall(body(received))
        assert not lines, f"{received.message['Subject']}: {lines}"


def outlook_html(notice: ReceivedMail, sender: str, html: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, BOT, f"RE: {notice.message['Subject']}"
    msg["Message-ID"], msg["In-Reply-To"] = make_msgid(), notice.message["Message-ID"]
    msg["Date"] = format_datetime(NOW)
    msg.set_content(html, subtype="html")
    return msg.as_bytes()


# --- §1 commands as people type them ---------------------------------------------------------

HURRIED = {
    "capital_and_colon": ("#Close: doublon du ticket 2, Sage est rétabli",
                          "doublon du ticket 2, Sage est rétabli"),
    "greeting_then_blank_line": ("Bonjour,\n\n#close Câble DisplayPort remplacé",
                                 "Câble DisplayPort remplacé"),
    "greeting_with_a_name": ("Bonjour Claire,\n#close Câble DisplayPort remplacé",
                             "Câble DisplayPort remplacé"),
    "space_after_hash": ("# close Toner changé", "Toner changé"),
    "non_breaking_space_after_hash": ("#\u00a0close Toner changé", "Toner changé"),
    "capitals_and_dash": ("#CLOSE - Toner changé", "Toner changé"),
}


@pytest.mark.parametrize("text, words", HURRIED.values(), ids=HURRIED.keys())
def test_a_hurried_close_closes_and_no_command_line_reaches_the_employee(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str, words: str) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text=text))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    ticket = show(rules, number)
    assert ticket["status"] == "closed"
    [closure] = sent_to(smtp_server, CLAIRE)[1:]
    assert "Incident résolu" in closure.message["Subject"] and words in body(closure)
    no_hash_line_reaches(smtp_server, CLAIRE)
    [transcript] = sent_to(smtp_server, ALICE)
    assert "fait : ticket clôturé" in body(transcript)


def test_outlook_html_with_a_greeting_and_the_command_in_a_div(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(outlook_html(notice, BRUNO, (
        '<html><body><div class="WordSection1"><p class="MsoNormal">Bonjour Claire,<o:p></o:p>'
        '</p><p class="MsoNormal"><o:p>&nbsp;</o:p></p><div><p class="MsoNormal">#Close&nbsp;: '
        'Toner remplacé<o:p></o:p></p></div><p class="MsoNormal">Bonne journée,<o:p></o:p></p>'
        '<p class="MsoNormal">Bruno<o:p></o:p></p><div style="border:none;border-top:solid '
        '#E1E1E1 1.0pt"><p class="MsoNormal"><b>De&nbsp;:</b> Support<br><b>Envoyé&nbsp;:</b> '
        'lundi 23 novembre 2026 09:30<br><b>Objet&nbsp;:</b> Nouveau ticket</p></div>'
        '<p>#demote [motif]</p></div></body></html>')))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    ticket = show(rules, number)
    assert ticket["status"] == "closed" and not ticket["urgent_demoted"]
    [closure] = sent_to(smtp_server, CLAIRE)[1:]
    assert "Toner remplacé" in body(closure)
    no_hash_line_reaches(smtp_server, CLAIRE)


REFUSED = {
    "unknown_word": ("#fermer-vite\n\nC'est réparé, bonne journée.", "commande inconnue"),
    "signature_hashtag": ("Bonjour Claire,\n\nC'est réparé, bonne journée.\n\nAlice\n"
                          "#TeamSupport", "placez une ligne « -- » au-dessus"),
    "command_below_the_text": ("Bonjour Claire,\n\nC'est réparé.\n\n#close",
                               "placée après le texte"),
    "two_greetings": ("Bonjour,\nBonjour Claire,\n#close fini", "placée après le texte"),
}


@pytest.mark.parametrize("text, why", REFUSED.values(), ids=REFUSED.keys())
def test_a_hash_word_that_is_no_command_refuses_the_whole_mail(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str, why: str) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text=f"#assign me\n{text}"
                         if text.startswith("#") else text))
    run_once(rules, dovecot, NOW + timedelta(minutes=10))
    ticket = show(rules, number)
    assert ticket["status"] == "new" and ticket["assignee"] is None
    assert len(sent_to(smtp_server, CLAIRE)) == 1  # the acknowledgement only: nothing relayed
    [transcript] = sent_to(smtp_server, ALICE)
    text_sent = " ".join(body(transcript).split())
    assert "refusé" in text_sent and why in text_sent
    assert "Rien n'a été appliqué ni transmis au demandeur" in text_sent
    note = [m for m in ticket["messages"] if m["author"] == ALICE]
    assert [m["kind"] for m in note] == ["internal_note"]  # kept, never public


# --- §2 #priority on an older ticket ----------------------------------------------------------

def test_priority_p1_on_a_request_is_refused_with_the_reason(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    dovecot.append(mail(subject="Mot de passe expiré",
                        body="Bonjour,\nmon mot de passe a expiré, pouvez-vous le réinitialiser ?"
                             "\nClaire\n", message_id="<claire-1@groupe-exemple.fr>"))
    run_once(rules, dovecot, NOW - timedelta(minutes=30))
    [notice] = sent_to(smtp_server, TEAM)
    assert show(rules, 1)["type"] == "request"
    dovecot.append(reply(notice, sender=ALICE, text="#priority P1"))
    run_once(rules, dovecot, NOW)
    ticket = show(rules, 1)
    assert ticket["priority"] == "P2"
    [transcript] = sent_to(smtp_server, ALICE)
    text = " ".join(body(transcript).split())
    assert "refusé : une demande ne va pas au-delà de P2" in text
    assert "procédure SLA" in text
    assert not [m for m in smtp_server.messages if "Escalade" in m.message["Subject"]]


def test_priority_p1_on_a_twenty_day_old_incident_sends_one_notice_and_counts_from_the_change(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Only the immediate hierarchical notice goes at once; the new clocks and the ladder count
    from the change: no "niveau 7" for a ticket that became P1 a minute ago, no level told
    twice, none below the one already told."""
    created = NOW - timedelta(days=20)
    dovecot.append(mail(subject="Imprimante 2e étage HS", date=created,
                        message_id="<claire-1@groupe-exemple.fr>"))
    run_once(rules, dovecot, created)
    [notice] = sent_to(smtp_server, TEAM)
    before = len(smtp_server.messages)
    dovecot.append(reply(notice, sender=BRUNO, text="#priority P1"))
    run_once(rules, dovecot, NOW)
    ticket = show(rules, 1)
    assert ticket["priority"] == "P1" and ticket["escalation_level"] == 3
    assert ticket["clock_from"] == NOW.isoformat()
    assert ticket["first_response_due"] == (NOW + timedelta(minutes=15)).isoformat()
    escalations = [m for m in smtp_server.messages[before:] if "Escalade" in m.message["Subject"]]
    assert [m.recipients for m in escalations] == [[SUPERVISOR]]
    assert "escalade hiérarchique immédiate" in body(escalations[0])
    assert not sent_to(smtp_server, LEVELS[7])

    for minutes in (20, 65):  # level 2's and level 3's thresholds: neither is told now
        run_once(rules, dovecot, NOW + timedelta(minutes=minutes))
    assert not sent_to(smtp_server, LEVELS[2]) and len(sent_to(smtp_server, SUPERVISOR)) == 1
    run_once(rules, dovecot, NOW + timedelta(hours=4, minutes=5))
    [head] = sent_to(smtp_server, LEVELS[4])
    assert "4 heures après le passage en P1" in " ".join(body(head).split())
    assert ticket_level(rules) == 4 and not sent_to(smtp_server, LEVELS[2])


def ticket_level(rules: Path) -> int:
    return int(show(rules, 1)["escalation_level"])


# --- §3 a forgery warns the team ---------------------------------------------------------------

def test_a_forged_technician_mail_warns_the_team_once_per_mail_and_never_the_forger(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    text = rules.read_text("utf-8").replace("[mail]", f'authserv_id = "{AUTHSERV}"\n\n[mail]')
    rules.write_text(text, "utf-8")
    number, notice = open_ticket(rules, dovecot, smtp_server)
    thread = {"in_reply_to": notice.message["Message-ID"],
              "subject": f"RE: {notice.message['Subject']}"}
    for n in range(2):
        dovecot.append(mail(
            sender=ALICE, body=f"#close forged {n}", **thread,  # type: ignore[arg-type]
            headers={"Reply-To": "pirate@ailleurs.example",
                     "Authentication-Results": f"{AUTHSERV}; spf=fail smtp.mailfrom="
                     "ailleurs.example; dkim=none; dmarc=fail (p=reject) "
                     "header.from=groupe-exemple.fr"}))
    run_once(rules, dovecot, NOW + timedelta(minutes=5))
    assert show(rules, number)["status"] == "new"
    warnings = [m for m in sent_to(smtp_server, TEAM) if "non authentifié" in m.message["Subject"]]
    assert len(warnings) == 2
    assert not sent_to(smtp_server, "pirate@ailleurs.example")
    assert len(sent_to(smtp_server, CLAIRE)) == 1
    text = " ".join(body(warnings[0]).split())
    # §9: the verdict in French, not the log line.
    assert "NOT authenticated" not in text and "technician" not in text
    assert "Vérification : non authentifié" in text and "dmarc=fail" in text


# --- §4 the ladder: each level once, never a lower one after a higher -------------------------

def test_each_level_is_told_once_never_a_lower_one_after_a_higher_and_counts_are_right(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="Bonjour Claire,\n\nJe regarde ça."))
    run_once(rules, dovecot, NOW + timedelta(minutes=1))
    [relayed] = sent_to(smtp_server, CLAIRE)[1:]
    dovecot.append(reply(relayed, sender=CLAIRE, text="Tout l'étage est bloqué maintenant."))
    run_once(rules, dovecot, NOW + timedelta(minutes=2))
    dovecot.append(reply(notice, sender=BRUNO, text="#priority P1\n#note tout l'étage bloqué"))
    run_once(rules, dovecot, NOW + timedelta(minutes=3))
    for minutes in (20, 70, 250, 251):
        run_once(rules, dovecot, NOW + timedelta(minutes=minutes))
    escalations = [m for m in smtp_server.messages if "Escalade niveau" in m.message["Subject"]]
    levels = [int(re.search(r"niveau (\d)", m.message["Subject"]).group(1))  # type: ignore[union-attr]
              for m in escalations]
    assert levels == [3, 4], levels
    text = body(escalations[-1])
    assert "Réponses transmises au demandeur : 1" in text
    assert text.count("Escalade précédente : niveau 3") == 1
    assert show(rules, number)["escalation_level"] == 4


# --- §5 thanks under a signature ----------------------------------------------------------------

def test_thanks_with_a_four_line_signature_neither_reopens_nor_notifies(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    number, notice = open_ticket(rules, dovecot, smtp_server)
    dovecot.append(reply(notice, sender=ALICE, text="#close Toner changé."))
    run_once(rules, dovecot, NOW + timedelta(hours=1))
    [closure] = sent_to(smtp_server, CLAIRE)[1:]
    sent = len(smtp_server.messages)
    dovecot.append(reply(closure, sender=CLAIRE,
                         text="Super, merci et bonne journée !\n\nSophie Leroy\nService RH\n"
                              "Groupe Exemple\nTél. : 01 23 45 67 89"))
    run_once(rules, dovecot, NOW + timedelta(hours=2))
    run_once(rules, dovecot, NOW + timedelta(days=8))
    ticket = show(rules, number)
    assert ticket["status"] == "closed"
    assert smtp_server.messages[sent:] == []


def test_earlier_escalations_are_named_once_each_even_from_grouped_summaries() -> None:
    """Issue 16 §4: two grouped summaries in a ticket's history made the notice say "Escalade
    précédente : Escalades : 16 tickets" twice; each earlier level is named once, by number."""
    from mailbot import notices
    from mailbot.config import Config
    from mailbot.model import Entry, Ticket

    config = Config()
    summary = dict(kind="escalation", direction="out", subject="Escalades : 16 tickets",
                   author=BOT, public=False)
    ticket = Ticket(number=7, subject="Imprimante", requester=CLAIRE, token="7-x",
                    created_at=NOW.isoformat(), updated_at=NOW.isoformat(), priority="P3",
                    escalation_level=3, messages=[
                        Entry(message_id="<a@x>", date=NOW.isoformat(),
                              text="level 2 (Spécialiste) after 3 h", **summary),
                        Entry(message_id="<b@x>", date=(NOW + timedelta(hours=9)).isoformat(),
                              text="level 3 (Superviseur) after 12 h", **summary),
                        Entry(message_id="<c@x>", date=(NOW + timedelta(hours=9)).isoformat(),
                              text="level 3 (Superviseur) after 12 h", **summary)])
    level = config.time.levels[3]
    text = notices.escalation(ticket, level, threshold_hours=48.0, config=config,
                              now=NOW + timedelta(days=3)).text
    lines = [line for line in text.splitlines() if "Escalade précédente" in line]
    assert [line.split(" : ")[1].split(",")[0] for line in lines] == ["niveau 2", "niveau 3"]
    assert "Escalades : 16 tickets" not in text


def test_commands_for_a_ticket_tag_that_names_no_ticket_are_refused(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """A typo in the tag ([#42] for [#4]): the technician's #close opens and closes no ticket
    of their own (no acknowledgement, no closure to them); the transcript says why."""
    dovecot.append(mail(sender=ALICE, subject="Re: [#42] Imprimante", body="#close Réglé"))
    run_once(rules, dovecot)
    assert tickets(rules) == []
    [transcript] = sent_to(smtp_server, ALICE)
    assert "aucun ticket ne correspond à ce message" in body(transcript)
    assert "Rien n'a été appliqué" in body(transcript)


@pytest.mark.parametrize("text", ["#help", "Bonjour,\n\n#aide"])
def test_help_in_a_new_mail_of_a_technicians_own_is_answered_and_opens_no_ticket(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        text: str) -> None:
    """A day of use: a technician wrote `#help` in a new mail and got an acknowledgement of a
    ticket of their own, which climbed the escalation ladder the next morning."""
    dovecot.append(mail(sender=ALICE, subject="aide", body=text + "\n"))
    run_once(rules, dovecot)
    assert tickets(rules) == []
    [answer] = smtp_server.messages
    assert answer.recipients == [ALICE]
    assert "#close" in body(answer) and "#priority" in body(answer)
    run_once(rules, dovecot, NOW + timedelta(days=3))
    assert len(smtp_server.messages) == 1
