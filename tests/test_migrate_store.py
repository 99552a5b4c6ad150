"""`mailbot migrate-store`: a state directory written by the real daemon (tickets, history, an
attachment, mail still in the outbox, open deadlines) copied into PostgreSQL and back; tracking
links keep working and the outbox is sent from the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailbot.config import load
from mailbot.runtime import ticket_finder
from tests.harness import PARIS, env, mail, mailbot, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.postgres import PostgresServer
from tests.servers.smtp import RecordingSmtpServer

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)


def with_attachment() -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = "paul.durand@groupe-exemple.fr", "support@groupe-exemple.fr"
    msg["Subject"], msg["Message-ID"] = "Capture de l'erreur", "<capture-1@groupe-exemple.fr>"
    msg["Date"] = "Mon, 23 Nov 2026 09:00:00 +0100"
    msg.set_content("Voici la capture.\n")
    msg.add_attachment(b"\x89PNG fake image bytes", maintype="image", subtype="png",
                       filename="erreur.png")
    return msg.as_bytes()


def as_postgresql(rules: Path, dsn: str) -> Path:
    other = rules.with_name("rules-pg.toml")
    other.write_text(rules.read_text().replace(
        "[storage]\n", f'[storage]\nkind = "postgresql"\ndsn = "{dsn}"\n', 1))
    return other


def comparable(rules: Path) -> list[dict]:
    return [{**show(rules, t["number"]), "tracking_url": t["tracking_url"]}
            for t in tickets(rules)]


def test_a_state_directory_goes_to_postgresql_and_back(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        postgres: PostgresServer, postgres_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    dovecot.append_many([mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}")
                         for i in range(6)] + [with_attachment()])
    mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat(),
            environ=env(dovecot))
    smtp_server.drop()  # the next mails wait in the outbox
    dovecot.append(mail(sender="zoe@groupe-exemple.fr", subject="Messagerie lente"))
    mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat(),
            environ=env(dovecot))
    before = comparable(rules)
    assert len(before) == 8
    sent = len(smtp_server.messages)

    pg_rules = as_postgresql(rules, postgres_db)
    done = mailbot("migrate-store", "--config", str(pg_rules))
    assert "tickets: 8 copied" in done.stdout and "checked: counts equal" in done.stdout
    assert comparable(pg_rules) == before  # every ticket and its whole history
    token = before[0]["tracking_url"].rsplit("/", 1)[1]
    find = ticket_finder(tmp_path / "state", load(pg_rules))
    assert find(token).number == before[0]["number"]  # the links already mailed still work
    again = mailbot("migrate-store", "--config", str(pg_rules), check=False)
    assert again.returncode == 1 and "already holds tickets" in again.stderr

    smtp_server.restore()  # the database's daemon sends what the directory had queued
    later = NOW + timedelta(minutes=10)  # past the deferred mails' next attempt
    mailbot("run", "--once", "--config", str(pg_rules), "--now", later.isoformat(),
            environ=env(dovecot))
    queued = smtp_server.messages[sent:]
    assert sorted(m.recipients[0] for m in queued) == sorted(
        ["zoe@groupe-exemple.fr", "equipe-si@groupe-exemple.fr"])

    back = tmp_path / "back"
    back.mkdir()
    back_rules = as_postgresql(write_rules(back, imap=dovecot, smtp=smtp_server), postgres_db)
    done = mailbot("migrate-store", "--back", "--config", str(back_rules))
    assert "checked: counts equal" in done.stdout
    tiny_again = back / "rules.toml"
    assert comparable(tiny_again) == comparable(pg_rules)
    attached = [a for t in comparable(tiny_again) for a in t["attachments"]]
    assert [a["filename"] for a in attached] == ["erreur.png"]
    sha = attached[0]["sha256"]
    kept = back / "state" / "files" / sha[:2] / sha  # the content came back with the ticket
    assert kept.read_bytes() == b"\x89PNG fake image bytes"
