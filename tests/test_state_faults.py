"""A bad day for the state directory (RELIABILITY D07, D09): full, or refusing a write.

Nothing may leave the mailbox while its effects cannot be stored: the daemon stops consuming
with one alert line, stays up (so systemd never sees a crash loop), and resumes by itself once
the operator has made room.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import ROOT, env, mail, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer
from tests.support import unavailable, wait_until

PROCESSED, QUARANTINE = "mailbot.processed", "mailbot.quarantine"
ALERT = "state directory unwritable, processing stopped, mail stays on the server"



class Daemon:
    """`mailbot run` in the background, its log in a file (a pipe could fill up and block it)."""

    def __init__(self, rules: Path, environ: dict[str, str]) -> None:
        self.log = rules.parent / "daemon.log"
        command = [sys.executable, "-m", "mailbot.cli", "-v", "run", "--config", str(rules)]
        with open(self.log, "w") as handle:
            self.proc = subprocess.Popen(command, cwd=ROOT, env=environ,
                                         stdout=subprocess.DEVNULL, stderr=handle)
        wait_until(lambda: "mailbot started" in self.text())

    def text(self) -> str:
        return self.log.read_text()

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        assert self.proc.returncode == 0, self.text()
        return self.text()




def test_a_quarantine_that_cannot_be_written_stops_consumption_then_resumes(
        tmp_path: Path, rules: Path, dovecot: DovecotServer) -> None:
    """A poison message meets a quarantine the daemon cannot write (here a file stands where the
    folder goes, which fails even for root). Before the fix the OSError escaped handle_batch and
    killed the daemon: under Restart=on-failure, a crash loop."""
    blocker = tmp_path / "state" / "quarantine"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory")
    environ = env(dovecot, MAILBOT_FAULTS="fail:<poison@groupe-exemple.fr>")
    daemon = Daemon(rules, environ)
    try:
        dovecot.append(mail(message_id="<poison@groupe-exemple.fr>"))
        dovecot.append(mail(message_id="<fine@groupe-exemple.fr>",
                            sender="paul@groupe-exemple.fr"))
        wait_until(lambda: ALERT in daemon.text())
        wait_until(lambda: daemon.text().count("state directory still unwritable") >= 3)
        assert daemon.proc.poll() is None, daemon.text()  # alive: no crash, no restart loop
        assert len(dovecot.messages("INBOX")) == 2  # nothing left the server
        assert tickets(rules) == []
        blocker.unlink()  # the operator fixes it
        wait_until(lambda: len(dovecot.messages(QUARANTINE)) == 1)
        wait_until(lambda: len(dovecot.messages(PROCESSED)) == 1)
        assert [t["requester"] for t in tickets(rules)] == ["paul@groupe-exemple.fr"]
        assert len(list(blocker.glob("*.eml"))) == 1
    finally:
        log = daemon.stop()
    assert log.count(ALERT) == 1, log  # one alert line, not one per retry
    assert "Traceback" not in log
    assert "state directory writable again: processing resumed" in log


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: a state directory whose disk can really fill up (ENOSPC)."""
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        reason = f"cannot mount a small tmpfs (needs root): {done.stderr.strip()}"
        unavailable(reason)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def test_a_full_state_disk_leaves_mail_on_the_server_until_there_is_room(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        small_disk: Path) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    rules.write_text(rules.read_text().replace(str(tmp_path / "state"), str(small_disk / "s")))
    daemon = Daemon(rules, env(dovecot))
    try:
        filler = _fill(small_disk)
        for i in range(3):
            dovecot.append(mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}"))
        wait_until(lambda: ALERT in daemon.text())
        assert "No space left on device" in daemon.text()
        assert daemon.proc.poll() is None
        assert len(dovecot.messages("INBOX")) == 3 and smtp_server.messages == []
        filler.unlink()  # room again
        wait_until(lambda: len(dovecot.messages(PROCESSED)) == 3)
        smtp_server.wait_for(6, timeout=20)  # three acknowledgements, three team notices
        assert len(tickets(rules)) == 3
    finally:
        log = daemon.stop()
    assert log.count(ALERT) == 1 and "Traceback" not in log, log


def test_run_once_on_a_full_state_disk_is_one_line_and_leaves_the_mail(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        small_disk: Path) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    rules.write_text(rules.read_text().replace(str(tmp_path / "state"), str(small_disk / "s")))
    (small_disk / "s").mkdir()
    dovecot.append(mail())
    _fill(small_disk)
    done = subprocess.run([sys.executable, "-m", "mailbot.cli", "run", "--once", "--config",
                           str(rules)], cwd=ROOT, env=env(dovecot), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(
        "mailbot: state directory unwritable, mail left on the server:")
    assert len(dovecot.messages("INBOX")) == 1 and smtp_server.messages == []
