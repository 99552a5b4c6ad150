"""A technician's day in mail, shared by the end-to-end tests of the technicians' work: the
people and the clock of those tests, one `mailbot run --once` pass at a given time, the mails
the recording SMTP server received for one address, and what a mail client sends when a
person answers one of them."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.harness import PARIS, TEAM, TECHS, env, mail, mailbot, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
CLAIRE = "claire.martin@groupe-exemple.fr"
ALICE, BRUNO = TECHS
AUTHSERV = "mx.groupe-exemple.fr"


def run_once(rules: Path, dovecot: DovecotServer, now: datetime = NOW) -> None:
    mailbot("run", "--once", "--config", str(rules), "--now", now.isoformat(),
            environ=env(dovecot))


def sent_to(smtp: RecordingSmtpServer, address: str) -> list[ReceivedMail]:
    return [m for m in smtp.messages if address in m.recipients]


def body(mail: ReceivedMail) -> str:
    part = mail.message.get_body(("plain",))
    assert part is not None
    return part.get_content()


def words(received: ReceivedMail) -> str:
    """The plain text of `received` with its white space folded, to find a sentence that a
    line break may cut."""
    return " ".join(body(received).split())


def reply(to: ReceivedMail, *, sender: str, text: str, quote: bool = True,
          **more: object) -> bytes:
    """What a mail client sends when one answers `to`: threading headers, quoted text."""
    original = to.message
    quoted = "\n".join(f"> {line}" for line in body(to).splitlines()) if quote else ""
    references = f"{original['References'] or ''} {original['Message-ID']}".strip()
    return mail(sender=sender, subject=f"RE: {original['Subject']}",
                body=f"{text}\n\nLe 23/11/2026 à 09:30, Support a écrit :\n{quoted}\n",
                in_reply_to=original["Message-ID"], references=references, **more)  # type: ignore[arg-type]


def open_ticket(rules: Path, dovecot: DovecotServer, smtp: RecordingSmtpServer, *,
                subject: str = "Imprimante 2e étage HS", cc: str | None = None
                ) -> tuple[int, ReceivedMail]:
    """Claire's printer mail, one pass: its ticket number and the team's notice."""
    dovecot.append(mail(subject=subject, message_id="<claire-1@groupe-exemple.fr>", cc=cc))
    run_once(rules, dovecot)
    [notice] = sent_to(smtp, TEAM)
    return tickets(rules)[-1]["number"], notice


def answered_ticket(rules: Path, dovecot: DovecotServer, smtp: RecordingSmtpServer, *,
                    sender: str, subject: str, body: str, answer: str,
                    message_id: str) -> tuple[int, ReceivedMail]:
    """An employee's mail (`sender` as "Name <address>"), one pass, then Alice's `answer` to
    the team notice half an hour later: the ticket's number and the answer the employee got."""
    dovecot.append(mail(sender=sender, subject=subject, message_id=message_id, body=body))
    run_once(rules, dovecot)
    [number] = [t["number"] for t in tickets(rules)]
    notice = sent_to(smtp, TEAM)[0]
    dovecot.append(reply(notice, sender=ALICE, text=f"Bonjour,\n\n{answer}\n\nAlice"))
    run_once(rules, dovecot, NOW + timedelta(minutes=30))
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return number, sent_to(smtp, address)[-1]
