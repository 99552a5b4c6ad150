"""RELIABILITY C02: two mailbots (two hosts, two state directories) on one mailbox, with
`mailbox.claim_folder`: a real Dovecot, a recording SMTP server, two real daemons."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.harness import ROOT, env, mail, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

N = 40


def start(rules: Path, dovecot: DovecotServer, log: Path) -> subprocess.Popen:
    with open(log, "w") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "mailbot.cli", "-v", "run", "--config", str(rules)],
            cwd=ROOT, env=env(dovecot), stdout=subprocess.DEVNULL, stderr=handle, text=True)


def instance_rules(tmp: Path, name: str, dovecot: DovecotServer,
                   smtp: RecordingSmtpServer) -> Path:
    home = tmp / name
    home.mkdir()
    rules = write_rules(home, imap=dovecot, smtp=smtp, extra="")
    # Small batches: the two instances race for the inbox many times over.
    keys = f'claim_folder = "Processing"\ninstance = "{name}"\nbatch = 3\n'
    rules.write_text(rules.read_text().replace("poll_seconds = 1.0\n",
                                               f"poll_seconds = 1.0\n{keys}", 1))
    return rules


def wait_until(condition, timeout: float, what) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what() if callable(what) else what
        time.sleep(0.1)


def test_two_instances_on_one_mailbox_ticket_each_message_once(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = {name: instance_rules(tmp_path, name, dovecot, smtp_server) for name in "ab"}
    logs = {name: tmp_path / f"{name}.log" for name in "ab"}
    daemons = {name: start(rules[name], dovecot, logs[name]) for name in "ab"}
    try:
        for name in "ab":  # both wait on the inbox before the mail lands
            wait_until(lambda n=name: "IMAP INBOX: idling" in logs[n].read_text()
                       or daemons[n].poll() is not None, 60, logs[name])
            assert daemons[name].poll() is None, logs[name].read_text()
        dovecot.append_many([mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Problème {i}")
                             for i in range(N)])
        # Deadlines for a loaded 2-core machine, not a speed claim (bench/ measures speed).
        smtp_server.wait_for(2 * N, timeout=180)
        wait_until(lambda: len(dovecot.messages("mailbot.processed")) == N, 120,
                   lambda: {f: len(dovecot.messages(f)) for f in (
                       "INBOX", "Processing.a", "Processing.b", "mailbot.processed")})
    finally:
        for daemon in daemons.values():
            daemon.send_signal(signal.SIGTERM)
        for daemon in daemons.values():
            daemon.wait(timeout=30)
    for name in "ab":
        assert daemons[name].returncode == 0, logs[name].read_text()

    made = {name: tickets(rules[name]) for name in "ab"}
    subjects = [t["subject"] for name in "ab" for t in made[name]]
    assert sorted(subjects) == sorted(f"Problème {i}" for i in range(N))  # each exactly once
    # Both instances took mail: the race was run, not won by one instance alone.
    assert made["a"] and made["b"], {name: len(made[name]) for name in "ab"}
    acks = [m for m in smtp_server.messages if m.message["Auto-Submitted"] == "auto-replied"]
    assert sorted(a.recipients[0] for a in acks) == sorted(
        f"user{i}@groupe-exemple.fr" for i in range(N))  # one acknowledgement each
    assert len(smtp_server.messages) == 2 * N  # and one team notice each, no more
    assert dovecot.messages("INBOX") == []
    assert dovecot.messages("Processing.a") == [] and dovecot.messages("Processing.b") == []
