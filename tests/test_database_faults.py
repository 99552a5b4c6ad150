"""The ticket database goes away (storage.kind = "postgresql"): at start, or under load in the
middle of a burst. The daemon stops consuming, the mail stays on the server, one alert line and
one mail to the team per outage, and it resumes by itself; nothing is half-written. A
PostgreSQL of its own per test (stopping the session's would stop the other tests')."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import ROOT, TEAM, env, mail, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.postgres import PostgresServer
from tests.servers.smtp import RecordingSmtpServer

OUTAGE_SUBJECT = "mailbot : base des tickets injoignable"


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.cleanup()


def start(tmp: Path, dovecot: DovecotServer, smtp: RecordingSmtpServer,
          pg: PostgresServer, dsn: str) -> tuple[subprocess.Popen, Path, Path]:
    rules = write_rules(tmp, imap=dovecot, smtp=smtp)
    rules.write_text(rules.read_text().replace(
        "[storage]\n", f'[storage]\nkind = "postgresql"\ndsn = "{dsn}"\n'
                       "connect_timeout_seconds = 2\n", 1).replace(
        "poll_seconds = 1.0\n", "poll_seconds = 1.0\nbatch = 5\n", 1))
    log = tmp / "daemon.log"
    with open(log, "w") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mailbot.cli", "-v", "run", "--config", str(rules)],
            cwd=ROOT, env=env(dovecot, MAILBOT_DB_PASSWORD=pg.password),
            stdout=subprocess.DEVNULL, stderr=handle, text=True)
    return proc, rules, log


def wait_until(condition, timeout: float, what) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what() if callable(what) else what
        time.sleep(0.2)


def outage_mails(smtp: RecordingSmtpServer) -> list:
    return [m for m in smtp.messages if m.message["Subject"] == OUTAGE_SUBJECT]


def acks(smtp: RecordingSmtpServer) -> list:
    return [m for m in smtp.messages if m.message["Auto-Submitted"] == "auto-replied"]


def alert_lines(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines()
            if line.startswith("ERROR") and "ticket database unwritable" in line]


def test_the_database_stopped_and_restarted_under_load(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        own_postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILBOT_DB_PASSWORD", own_postgres.password)
    n = 40
    dsn = own_postgres.dsn(own_postgres.create_database())
    proc, rules, log = start(tmp_path, dovecot, smtp_server, own_postgres, dsn)
    try:
        wait_until(lambda: "IMAP INBOX: idling" in log.read_text(), 30, log.read_text)
        dovecot.append_many([mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}")
                             for i in range(n)])
        wait_until(lambda: len(dovecot.messages("mailbot.processed")) >= 5, 60, log.read_text)
        own_postgres.stop("immediate")  # as if its machine died, in the middle of the burst
        wait_until(lambda: outage_mails(smtp_server), 60, log.read_text)
        time.sleep(4)  # several passes fail meanwhile: still one line, one mail
        stuck = len(dovecot.messages("INBOX"))
        assert stuck > 0  # the rest waits on the server
        processed = len(dovecot.messages("mailbot.processed"))
        time.sleep(2)
        assert len(dovecot.messages("mailbot.processed")) == processed  # nothing consumed
        assert len(alert_lines(log)) == 1, log.read_text()
        own_postgres.restart_server()
        wait_until(lambda: len(dovecot.messages("mailbot.processed")) == n, 120,
                   log.read_text)
        wait_until(lambda: len(acks(smtp_server)) >= n, 60, log.read_text)
        time.sleep(2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    text = log.read_text()
    assert proc.returncode == 0, text
    assert "ticket database writable again: processing resumed" in text
    assert len(alert_lines(log)) == 1 and len(outage_mails(smtp_server)) == 1
    assert outage_mails(smtp_server)[0].recipients == [TEAM]
    made = tickets(rules)
    assert sorted(t["subject"] for t in made) == sorted(f"Panne {i}" for i in range(n))
    assert sorted(a.recipients[0] for a in acks(smtp_server)) == sorted(
        f"user{i}@groupe-exemple.fr" for i in range(n))  # one each: nothing half-written
    assert dovecot.messages("INBOX") == []


def test_the_database_unreachable_at_start(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        own_postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILBOT_DB_PASSWORD", own_postgres.password)
    dsn = own_postgres.dsn(own_postgres.create_database())
    own_postgres.stop()
    dovecot.append_many([mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}")
                         for i in range(3)])
    proc, rules, log = start(tmp_path, dovecot, smtp_server, own_postgres, dsn)
    try:
        wait_until(lambda: outage_mails(smtp_server), 60, log.read_text)
        assert proc.poll() is None  # it waits, it does not exit
        assert len(dovecot.messages("INBOX")) == 3
        own_postgres.restart_server()
        wait_until(lambda: len(dovecot.messages("mailbot.processed")) == 3, 60, log.read_text)
        smtp_server.wait_for(1 + 6, timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert len(alert_lines(log)) == 1 and len(outage_mails(smtp_server)) == 1
    assert len(tickets(rules)) == 3
