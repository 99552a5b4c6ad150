"""A real day, and the week-end after it, without one wrong mail (issue 16).

Employees and technicians write the way hurried people write: a greeting above a command, a
capital and a colon, "# close", a non-breaking space after "#", a signature line starting with
"#", Outlook's HTML with the command in a <div>, thanks above a four-line signature, a phone log,
a forward with a line on top, "#priority P1" on a request, a forgery with dmarc=fail, a mail
dated next March. The clock moves with `--now` across a Friday, its night, the week-end and
Monday morning, with the shipped calendar (Europe/Paris, quiet hours). A real Dovecot, a
recording aiosmtpd server, the real `mailbot` command.

Each person's mail is checked as that person reads it; then every mail of the day is checked
against the rules no mail may break (`assert_no_wrong_mail`).
"""

from __future__ import annotations

import re
import urllib.request
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path

import pytest

from mailbot.runtime import ticket_finder
from mailbot.web import WebServer, make_app
from tests.harness import BOT, PARIS, TEAM, TECHS, env, mail, mailbot, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e

ALICE, BRUNO = TECHS
AUTHSERV = "mx.groupe-exemple.fr"
CLAIRE, MARC, ELODIE, SOPHIE, JOHN, LUCIE, PAUL, NATHALIE = (
    f"{name}@groupe-exemple.fr" for name in (
        "claire.martin", "marc.dubois", "elodie.mercier", "sophie.leroy", "john.smith",
        "lucie.bernard", "paul.roux", "nathalie.rousseau"))
PIRATE = "pirate@ailleurs.example"
PHONE = "04 72 00 00 00"
FRIDAY = datetime(2026, 11, 27, 9, 10, tzinfo=PARIS)
MONDAY = datetime(2026, 11, 30, 9, 5, tzinfo=PARIS)
STAFF = {*TECHS, TEAM}
HASH_WORD = re.compile(r"^[ \t\u00a0]*#[ \t\u00a0]*[^\W\d_]", re.MULTILINE)


class Day:
    """The servers, the rules and the clock of the day."""

    def __init__(self, rules: Path, dovecot: DovecotServer, smtp: RecordingSmtpServer) -> None:
        self.rules, self.dovecot, self.smtp = rules, dovecot, smtp
        self.passes: list[datetime] = []

    def run(self, now: datetime) -> str:
        self.passes.append(now)
        done = mailbot("run", "--once", "--config", str(self.rules), "--now", now.isoformat(),
                       environ=env(self.dovecot))
        return done.stderr

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.smtp.messages if address in m.recipients]

    def ticket_of(self, requester: str) -> dict:
        return next(t for t in tickets(self.rules) if t["requester"] == requester)

    def notice(self, number: int) -> ReceivedMail:
        return next(m for m in self.to(TEAM) if f"[#{number}]" in m.message["Subject"]
                    and "Nouveau ticket" in m.message["Subject"])


def text(received: ReceivedMail) -> str:
    part = received.message.get_body(("plain",))
    assert part is not None
    return part.get_content().replace("\r\n", "\n")


def words(received: ReceivedMail) -> str:
    return " ".join(text(received).split())


def technician(sender: str, body: str, *, answering: ReceivedMail | None = None,
               subject: str | None = None, date: datetime, html: bool = False,
               verdict: str = "dmarc=pass (p=reject) header.from=groupe-exemple.fr",
               reply_to: str | None = None) -> bytes:
    """A technician's mail as their server delivers it: an Authentication-Results field of
    ours on top; a reply quotes what it answers."""
    msg = EmailMessage()
    msg["Authentication-Results"] = f"{AUTHSERV}; {verdict}"
    msg["From"], msg["To"] = sender, BOT
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = make_msgid(domain="groupe-exemple.fr")
    quoted = ""
    if answering is not None:
        original = answering.message
        msg["Subject"] = f"RE: {original['Subject']}"
        msg["In-Reply-To"] = original["Message-ID"]
        msg["References"] = f"{original['References'] or ''} {original['Message-ID']}".strip()
        quoted = "\n".join(f"> {line}" for line in text(answering).splitlines())
    else:
        msg["Subject"] = subject or ""
    if html:
        msg.set_content(f"<html><body>{body}<div style='border-top:solid #E1E1E1 1pt'><p>"
                        f"<b>De :</b> Support<br><b>Objet :</b> {msg['Subject']}</p></div>"
                        f"<blockquote>{quoted.replace(chr(10), '<br>')}</blockquote>"
                        "</body></html>", subtype="html")
    else:
        msg.set_content(f"{body}\n\nLe {date:%d/%m/%Y} à {date:%H:%M}, Support a écrit :\n"
                        f"{quoted}\n" if quoted else f"{body}\n")
    return msg.as_bytes()


def answer(received: ReceivedMail, sender: str, body: str, *, date: datetime) -> bytes:
    """An employee's reply to the bot's mail."""
    original = received.message
    references = f"{original['References'] or ''} {original['Message-ID']}".strip()
    quoted = "\n".join(f"> {line}" for line in text(received).splitlines())
    return mail(sender=sender, subject=f"RE: {original['Subject']}", date=date,
                body=f"{body}\n\nLe 27/11/2026, Support a écrit :\n{quoted}\n",
                in_reply_to=original["Message-ID"], references=references)


def page(day: Day, number: int, now: datetime) -> str:
    token = show(day.rules, number)["tracking_url"].split("/t/", 1)[1]
    server = WebServer(make_app(ticket_finder(day.rules.parent / "state"), clock=lambda: now),
                       "127.0.0.1:0")
    server.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/t/{token}") as response:
            return response.read().decode("utf-8")
    finally:
        server.stop()


@pytest.fixture
def day(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Day:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules="",
                        extra=f'\n[urgent]\nphone = "{PHONE}"\n')
    content = rules.read_text("utf-8").replace("[mail]", f'authserv_id = "{AUTHSERV}"\n\n[mail]')
    rules.write_text(content, "utf-8")
    return Day(rules, dovecot, smtp_server)


def test_a_day_and_a_week_end_without_one_wrong_mail(day: Day) -> None:  # noqa: PLR0915
    box = day.dovecot
    # --- Friday 08:30: employees write --------------------------------------------------------
    box.append(mail(sender=CLAIRE, subject="Écran noir au bureau 12", date=FRIDAY,
                    body="Bonjour,\n\nMon deuxième écran reste noir depuis ce matin.\n\nClaire\n"))
    box.append(mail(sender=MARC, subject="Mot de passe expiré", date=FRIDAY,
                    body="Bonjour,\nmon mot de passe a expiré, pouvez-vous le réinitialiser ?\n"
                         "Marc\n"))
    box.append(mail(sender=ELODIE, subject="URGENT : nouveau logo sur le papier à en-tête",
                    date=FRIDAY, body="Pouvez-vous changer le logo du modèle de courrier ?\n"))
    box.append(mail(sender=SOPHIE, subject="Imprimante RH bourrage", date=FRIDAY,
                    body="Bonjour,\nl'imprimante du service RH fait des bourrages.\nSophie\n"))
    box.append(mail(sender=JOHN, subject="VPN not connecting", date=FRIDAY,
                    body="Hello,\n\nThe VPN client says 'authentication failed' since today.\n\n"
                         "John\n"))
    # Lucie's computer clock is wrong: her mail is dated next March.
    box.append(mail(sender=LUCIE, subject="Scanner du 3e en panne",
                    date=datetime(2027, 3, 1, 10, 0, tzinfo=PARIS),
                    body="Bonjour,\nle scanner du 3e ne répond plus.\nLucie\n"))
    day.run(FRIDAY)
    claire, marc, elodie, sophie, john, lucie = (
        day.ticket_of(a)["number"] for a in (CLAIRE, MARC, ELODIE, SOPHIE, JOHN, LUCIE))
    assert show(day.rules, marc)["type"] == "request"
    [elodie_ack] = day.to(ELODIE)  # one mail: the acknowledgement says the demotion too
    assert "vous avez indiqué URGENT" in words(elodie_ack)
    assert "les abus seront déclassés et notifiés" in words(elodie_ack)
    assert PHONE in words(elodie_ack)
    assert PHONE in words(day.to(CLAIRE)[0])  # every acknowledgement gives the number

    # --- Friday 09:00: technicians answer, the way hurried people write ------------------------
    t0 = FRIDAY + timedelta(minutes=30)
    box.append(technician(ALICE, "Bonjour,\n\n#Close: câble DisplayPort remplacé",
                          answering=day.notice(claire), date=t0))
    box.append(technician(BRUNO, "#priority P1", answering=day.notice(marc), date=t0))
    box.append(technician(ALICE, "<div>Bonjour Sophie,</div><div><br></div>"
                                 "<div>#close&nbsp;: bourrage retiré, rouleau changé</div>",
                          answering=day.notice(sophie), date=t0, html=True))
    box.append(technician(BRUNO, "Hello John,\n\nPlease restart the VPN client and try again."
                                 "\n\nBruno\n#TeamSupport", answering=day.notice(john), date=t0))
    box.append(technician(ALICE, "#close pirated", answering=day.notice(lucie), date=t0,
                          reply_to=PIRATE,
                          verdict="spf=fail smtp.mailfrom=ailleurs.example; dkim=none; "
                                  "dmarc=fail (p=reject) header.from=groupe-exemple.fr"))
    box.append(technician(ALICE, "#phone\n#requester Paul Roux <paul.roux@groupe-exemple.fr>\n\n"
                                 "Outlook se ferme dès l'ouverture, réparation d'Office lancée.",
                          subject="Appel de Paul : Outlook plante", date=t0))
    box.append(technician(ALICE, "Ticket pour Nathalie, merci.\n\n"
                                 "-----Message d'origine-----\n"
                                 f"De : Nathalie Rousseau <{NATHALIE}>\n"
                                 "Envoyé : vendredi 27 novembre 2026 08:12\n"
                                 f"À : Alice <{ALICE}>\n"
                                 "Objet : Dossier compta inaccessible\n\n"
                                 "Bonjour,\nLe dossier Compta ne s'ouvre plus.\nNathalie\n",
                          subject="TR: Dossier compta inaccessible", date=t0))
    day.run(t0)
    paul, nathalie = day.ticket_of(PAUL)["number"], day.ticket_of(NATHALIE)["number"]

    assert show(day.rules, claire)["status"] == "closed"
    [closure] = day.to(CLAIRE)[1:]
    assert "câble DisplayPort remplacé" in text(closure)
    assert show(day.rules, sophie)["status"] == "closed"
    assert "bourrage retiré, rouleau changé" in text(day.to(SOPHIE)[-1])
    # #priority P1 on a request: refused, and why.
    assert show(day.rules, marc)["priority"] == "P2"
    assert "une demande ne va pas au-delà de P2" in words(day.to(BRUNO)[0])
    # The signature hashtag: nothing reaches John, Bruno is told why.
    assert len(day.to(JOHN)) == 1
    assert "#TeamSupport" in text(day.to(BRUNO)[1]) and "placez une ligne « -- » au-dessus" in (
        words(day.to(BRUNO)[1]))
    # The forgery: nothing done, the team told, the forger never.
    assert show(day.rules, lucie)["status"] == "new"
    assert [m for m in day.to(TEAM) if "non authentifié" in m.message["Subject"]]
    # ... and Alice, whose name was used, at her configured address (day 1 §5).
    assert [m for m in day.to(ALICE) if "non authentifié" in m.message["Subject"]]
    # Paul never wrote: his acknowledgement is no reply to anything.
    [paul_ack] = day.to(PAUL)
    assert not paul_ack.message["Subject"].lower().startswith("re:")
    assert "Suite à votre appel" in text(paul_ack)
    call = show(day.rules, paul)["messages"][0]
    assert (call["kind"], call["author"]) == ("phone_call", ALICE)
    # Alice's line above the forward is kept, for the team only.
    notes = [m for m in show(day.rules, nathalie)["messages"] if m["kind"] == "internal_note"]
    assert any("Ticket pour Nathalie" in m["text"] for m in notes)
    assert "Ticket pour Nathalie" not in page(day, nathalie, t0)
    assert "Ticket pour Nathalie, merci." in text(day.notice(nathalie))  # day 1 §13

    # --- Friday 09:30: thanks, a resend -------------------------------------------------------
    t1 = FRIDAY + timedelta(hours=1)
    sent = len(day.smtp.messages)
    box.append(answer(day.to(SOPHIE)[-1], SOPHIE, "Super, merci et bonne journée !\n\n"
                      "Sophie Leroy\nService RH\nGroupe Exemple\nTél. : 01 23 45 67 89", date=t1))
    box.append(answer(closure, CLAIRE, "Merci !", date=t1))
    # Claire's out-of-office answers the closure; Marc's first mail is delivered again.
    out_of_office = answer(closure, CLAIRE, "Je suis absente jusqu'au 30 novembre.", date=t1)
    box.append(out_of_office.replace(b"Subject:", b"Auto-Submitted: auto-replied\nSubject:", 1))
    box.append(next(m.raw for m in box.messages("mailbot.processed")
                    if b"From: marc.dubois@" in m.raw))
    day.run(t1)
    assert len(tickets(day.rules)) == 8 and show(day.rules, claire)["status"] == "closed"
    about = [m.message["Subject"] for m in day.smtp.messages[sent:]
             if f"[#{sophie}]" in m.message["Subject"] or f"[#{claire}]" in m.message["Subject"]]
    assert about == []  # thanks disturb nobody
    assert show(day.rules, sophie)["status"] == "closed"
    box.append(technician(BRUNO, "Hello John,\n\nPlease restart the VPN client and try again.",
                          answering=day.notice(john), date=t1 + timedelta(minutes=5)))
    day.run(t1 + timedelta(minutes=5))
    [relayed] = day.to(JOHN)[1:]
    assert "Please restart the VPN client" in text(relayed)

    # --- Friday night, the week-end: staff notices wait; Monday morning they go ----------------
    night = datetime(2026, 11, 27, 21, 30, tzinfo=PARIS)
    box.append(mail(sender=CLAIRE, subject="Webcam HS", date=night,
                    body="Bonsoir,\nma webcam ne marche plus.\nClaire\n"))
    log = day.run(night)
    assert "held" in log and "for ticket #None" not in log
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=PARIS)
    day.run(saturday)
    weekend = [m for m in day.smtp.messages if m.recipients == [TEAM]
               and "Webcam" in m.message["Subject"]]
    assert weekend == []
    day.run(MONDAY)
    [webcam] = [m for m in day.to(TEAM) if "Webcam" in m.message["Subject"]]
    # Dated when it left, Monday morning, not on Friday night (day 1 §6).
    assert parsedate_to_datetime(webcam.message["Date"]).date() == MONDAY.date()

    # The page of Lucie's ticket never shows a date after its last pass.
    html = page(day, lucie, MONDAY)
    assert "2027" not in html

    assert_no_wrong_mail(day)


def assert_no_wrong_mail(day: Day) -> None:
    """The rules no mail of the day may break."""
    levels: dict[str, list[int]] = {}
    for received in day.smtp.messages:
        body, subject = text(received), received.message["Subject"]
        people = [r for r in received.recipients if r not in STAFF and "@example.com" not in r]
        assert "seed" not in (body + subject).lower(), subject
        assert not re.search(r"\b1 heure ouvrées", body), subject  # day 1 §14
        assert PIRATE not in received.recipients
        if people:
            assert not HASH_WORD.findall(body), (subject, HASH_WORD.findall(body))
        assert not re.search(r"\b(?:technician|NOT authenticated|authenticated)\b", body), subject
        if PAUL in received.recipients:
            assert not subject.lower().startswith("re:"), subject
        found = re.search(r"\[#(\d+)\] Escalade niveau (\d)", subject)
        if found:
            levels.setdefault(found.group(1), []).append(int(found.group(2)))
    for number, told in levels.items():
        assert told == sorted(set(told)), (number, told)  # once each, never lower after higher
