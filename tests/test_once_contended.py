"""`mailbot run --once` with two daemons on one mailbox and one database: a daemon whose whole
claim the other won has not finished (mail still waits in the inbox). Real Dovecot, SMTP and
PostgreSQL; the race is opened on purpose (a pause between reading the candidates and claiming
them), and waited for through the database rather than by the clock."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import psycopg

from mailbot.store.pgshare import CLAIMS
from tests.harness import ROOT, env, mail
from tests.servers.dovecot import DovecotServer
from tests.servers.postgres import PostgresServer
from tests.servers.smtp import RecordingSmtpServer
from tests.test_several_daemons import counts, instance_rules, wait_until


def once(rules: Path, dovecot: DovecotServer, log: Path, password: str,
         faults: str) -> subprocess.Popen:
    with open(log, "w") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "mailbot.cli", "run", "--once", "--config", str(rules)],
            cwd=ROOT, env=env(dovecot, MAILBOT_DB_PASSWORD=password, MAILBOT_FAULTS=faults),
            stdout=subprocess.DEVNULL, stderr=handle, text=True)


def claims_held(dsn: str, password: str) -> int:
    """Message-IDs a daemon holds before its claim (its session's advisory locks)."""
    with psycopg.connect(dsn, password=password, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                            "AND classid = %s", (CLAIMS,)).fetchone()[0]


def handled(log: Path) -> int:
    [count] = re.findall(r"run --once: (\d+) handled", log.read_text())
    return int(count)


def test_run_once_goes_on_after_the_other_daemon_won_its_whole_claim(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        postgres: PostgresServer, postgres_db: str) -> None:
    """Six mails, passes of three. Daemon a reads its three candidates and pauses before
    claiming them; daemon b claims those three meanwhile (and stays in its pass). a's claim
    wins nothing: it is not the end of a's run, which claims the other three and handles
    them. (Before: a left at once, its share left to b.)"""
    rules = {n: instance_rules(tmp_path, n, dovecot, smtp_server, postgres_db) for n in "ab"}
    logs = {n: tmp_path / f"{n}.log" for n in "ab"}
    dovecot.append_many([mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}")
                         for i in range(6)])
    a = once(rules["a"], dovecot, logs["a"], postgres.password, "pause:before_claim:6")
    try:
        wait_until(lambda: claims_held(postgres_db, postgres.password) == 3
                   or a.poll() is not None, 60, lambda: logs["a"].read_text()[-3000:])
        b = once(rules["b"], dovecot, logs["b"], postgres.password, "pause:after_fetch:30")
        try:
            assert a.wait(timeout=120) == 0, logs["a"].read_text()[-3000:]
            assert b.wait(timeout=120) == 0, logs["b"].read_text()[-3000:]
        finally:
            if b.poll() is None:
                b.kill()
    finally:
        if a.poll() is None:
            a.kill()
    assert "IMAP: claimed 0 of 3 new message(s)" in logs["a"].read_text()
    assert (handled(logs["a"]), handled(logs["b"])) == (3, 3)
    assert counts(dovecot)["INBOX"] == 0 and counts(dovecot)["mailbot.processed"] == 6
    assert len([m for m in smtp_server.messages
                if m.message["Auto-Submitted"] == "auto-replied"]) == 6
