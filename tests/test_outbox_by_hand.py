"""`mailbot outbox --resend ID` and `--drop ID` end to end, on both stores: a real Dovecot, the
recording SMTP server, the real `mailbot` command. The 'maybe sent' mail is made as it happens:
the daemon killed between the server's acceptance of the acknowledgement and its record."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailbot.config import load
from mailbot.store import StateLock
from tests.flow import NOW
from tests.harness import env, mail, mailbot, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
          store_backend: str) -> Path:
    """conftest's, after `store_backend`: every test here runs on TinyDB and on PostgreSQL,
    the store chosen before the configuration is written."""
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server)


def run_once(rules: Path, dovecot: DovecotServer, *, now: datetime = NOW, check: bool = True,
             **more: str) -> subprocess.CompletedProcess[str]:
    return mailbot("run", "--once", "--config", str(rules), "--now", now.isoformat(),
                   environ=env(dovecot, **more), check=check)


def outbox(rules: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return mailbot("outbox", "--config", str(rules), *args, check=check)


def sent_ids(smtp: RecordingSmtpServer) -> list[str]:
    return [m.message["Message-ID"] for m in smtp.messages
            if m.message["Auto-Submitted"] == "auto-replied"]


def maybe_sent(rules: Path, dovecot: DovecotServer, smtp: RecordingSmtpServer) -> str:
    """Claire's acknowledgement accepted by the server, the daemon killed before recording it,
    the next run keeping it as 'maybe sent': its Message-ID."""
    dovecot.append(mail())
    crashed = run_once(rules, dovecot, check=False, MAILBOT_FAULTS="crash:after_accept")
    assert crashed.returncode == 70, crashed.stderr
    [message_id] = sent_ids(smtp)
    run_once(rules, dovecot)
    [line] = outbox(rules).stdout.splitlines()
    assert line.startswith("maybe_sent ") and message_id in line
    return message_id


def test_a_maybe_sent_acknowledgement_resent_by_the_operator_goes_out_once_more(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """The operator found no trace of it in the relay's log: `--resend` puts it back, the next
    pass sends it under the same Message-ID (two days later: the 24-hour limit on
    acknowledgements does not drop a mail the operator asked for), and once only."""
    message_id = maybe_sent(rules, dovecot, smtp_server)
    done = outbox(rules, "--resend", message_id.strip("<>"))
    assert done.stdout.strip() == (
        f"acknowledgement {message_id} for ticket #1 to claire.martin@groupe-exemple.fr: was "
        "maybe_sent, back in the outbox, sent by the daemon's next pass under the same "
        "Message-ID")
    assert f"outbox by hand: acknowledgement {message_id}" in done.stderr
    assert outbox(rules).stdout.strip() == "nothing waiting, failed or maybe sent"
    later = run_once(rules, dovecot, now=NOW + timedelta(days=2))
    assert sent_ids(smtp_server) == [message_id, message_id]
    assert (f"sent acknowledgement {message_id} for ticket #1 to 1 recipient(s) (resent at "
            "the operator's request of ") in later.stderr
    run_once(rules, dovecot, now=NOW + timedelta(days=2, hours=1))
    assert sent_ids(smtp_server) == [message_id, message_id]
    assert outbox(rules, "--all").stdout.strip() == "the outbox is empty"
    assert len(tickets(rules)) == 1


def test_a_maybe_sent_mail_dropped_by_the_operator_leaves_the_outbox_unsent(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """The relay's log shows the acknowledgement was delivered: `--drop` takes it out; it is
    never sent again and the outbox has nothing left to show."""
    message_id = maybe_sent(rules, dovecot, smtp_server)
    done = outbox(rules, "--drop", message_id)
    assert done.stdout.strip().endswith("was maybe_sent, dropped from the outbox, not sent "
                                        "again")
    assert "outbox by hand:" in done.stderr
    run_once(rules, dovecot, now=NOW + timedelta(hours=1))
    assert sent_ids(smtp_server) == [message_id]
    assert outbox(rules, "--all").stdout.strip() == "the outbox is empty"


def test_what_the_operator_may_not_settle_is_refused_in_one_line(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        store_backend: str) -> None:
    """An unknown Message-ID, a mail the daemon still sends by itself, a mail settled already:
    exit 1, one line, nothing changed."""
    message_id = maybe_sent(rules, dovecot, smtp_server)
    unknown = outbox(rules, "--resend", "<nobody@groupe-exemple.fr>", check=False)
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == [
        "mailbot: no mail <nobody@groupe-exemple.fr> in the outbox (`mailbot outbox --all` "
        "lists it)"]
    outbox(rules, "--resend", message_id)
    pending = outbox(rules, "--drop", message_id, check=False)
    assert pending.returncode == 1
    assert pending.stderr.strip() == (f"mailbot: {message_id} is pending, not maybe_sent or "
                                      "failed: the daemon still sends it by itself")
    both = outbox(rules, "--resend", message_id, "--drop", message_id, check=False)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_with_the_embedded_store_a_running_daemon_is_left_alone(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        store_backend: str) -> None:
    """TinyDB has one writer, the daemon: while it holds its state directory, `--resend` says
    to stop it and changes nothing. PostgreSQL settles the row while the daemons run."""
    message_id = maybe_sent(rules, dovecot, smtp_server)
    lock = StateLock(load(rules).state_dir)  # what a running daemon holds
    lock.acquire()
    try:
        done = outbox(rules, "--resend", message_id, check=False)
    finally:
        lock.release()
    if store_backend == "tinydb":
        assert done.returncode == 1
        assert done.stderr.strip().startswith("mailbot: the daemon is running on ")
        assert "stop it (systemctl stop mailbot)" in done.stderr
        assert outbox(rules).stdout.startswith("maybe_sent ")
    else:
        assert done.returncode == 0, done.stderr
        assert outbox(rules).stdout.strip() == "nothing waiting, failed or maybe sent"
