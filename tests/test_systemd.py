"""The daemon under systemd (RELIABILITY O01, O03): READY, STATUS, WATCHDOG and STOPPING on a
real notification socket around a real `mailbot run`, with Dovecot down, wedged and back.

systemd's side is played by a datagram socket bound where $NOTIFY_SOCKET points, as PID 1
does for a Type=notify unit; WATCHDOG_USEC is what WatchdogSec= sets.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailbot import sdnotify
from mailbot.health import Health
from tests.harness import ROOT, TEAM, env, mail, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer
from tests.support import wait_until

WATCHDOG_USEC = "4000000"  # WatchdogSec=4s: the daemon pings every 2 s while all is well
WATCHDOG_SECONDS = 4.0



class NotifySocket:
    """systemd's end: every datagram received, with its arrival time."""

    def __init__(self, address: str) -> None:
        self.address = address  # as written in $NOTIFY_SOCKET
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.sock.settimeout(0.2)
        self.received: list[tuple[float, list[str]]] = []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while self.running:
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                self.received.append((time.monotonic(), data.decode().split("\n")))

    def messages(self) -> list[list[str]]:
        with self.lock:
            return [lines for _, lines in self.received]

    def pings(self, since: float = 0.0, until: float = float("inf")) -> list[float]:
        with self.lock:
            return [at for at, lines in self.received
                    if "WATCHDOG=1" in lines and since <= at < until]

    def statuses(self) -> list[str]:
        return [line[len("STATUS="):] for lines in self.messages() for line in lines
                if line.startswith("STATUS=")]

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture(params=["path", "abstract"])
def notify_socket(request: pytest.FixtureRequest) -> Iterator[NotifySocket]:
    """Both forms of $NOTIFY_SOCKET: a file path, and "@name" in the abstract namespace."""
    if request.param == "abstract":
        listener = NotifySocket(f"@mailbot-test-{os.getpid()}-{time.monotonic_ns()}")
        yield listener
        listener.close()
        return
    with tempfile.TemporaryDirectory(dir="/tmp") as short:  # AF_UNIX paths: 107 bytes at most
        listener = NotifySocket(str(Path(short) / "notify"))
        yield listener
        listener.close()


@pytest.fixture
def path_socket() -> Iterator[NotifySocket]:
    with tempfile.TemporaryDirectory(dir="/tmp") as short:
        listener = NotifySocket(str(Path(short) / "notify"))
        yield listener
        listener.close()


class Daemon:
    """`mailbot -v run` in the background under a fake systemd."""

    def __init__(self, rules: Path, environ: dict[str, str]) -> None:
        self.log = rules.parent / "daemon.log"
        with open(self.log, "w") as handle:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mailbot.cli", "-v", "run", "--config", str(rules)],
                cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=handle)

    def text(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)


def systemd_env(dovecot: DovecotServer, listener: NotifySocket) -> dict[str, str]:
    return env(dovecot, NOTIFY_SOCKET=listener.address, WATCHDOG_USEC=WATCHDOG_USEC)


def test_ready_status_watchdog_and_stopping_and_the_pings_stop_when_imap_wedges(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        notify_socket: NotifySocket) -> None:
    """A Type=notify daemon says READY=1 once it runs, pings the watchdog while its loop goes
    round, and stops pinging when an IMAP call hangs (Dovecot frozen): systemd's WatchdogSec
    then kills and restarts it. SIGTERM says STOPPING=1 and the daemon exits 0."""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    daemon = Daemon(rules, systemd_env(dovecot, notify_socket))
    try:
        wait_until(lambda: any("READY=1" in m for m in notify_socket.messages()))
        ready = next(m for m in notify_socket.messages() if "READY=1" in m)
        assert "STATUS=Running: mailbox reachable, waiting for mail" in ready
        dovecot.append(mail(message_id="<printer@groupe-exemple.fr>"))
        smtp_server.wait_for(2, timeout=20)  # acknowledgement and team notice: the loop works
        start = time.monotonic()
        wait_until(lambda: len(notify_socket.pings(since=start)) >= 3, timeout=20)
        pings = notify_socket.pings(since=start)
        # What systemd checks: no gap reaches WatchdogSec (the daemon aims at half of it, which
        # leaves a loaded machine the other half).
        assert all(b - a < WATCHDOG_SECONDS for a, b in zip(pings, pings[1:], strict=False)), pings

        dovecot.freeze()
        frozen = time.monotonic()
        try:
            time.sleep(8)  # the observation window itself: no outcome to wait for
            # One ping may still leave while the loop reaches its next IMAP command (within one
            # ping period); none after, so systemd would kill it.
            assert notify_socket.pings(since=frozen + 3.0) == [], daemon.text()[-2000:]
            assert daemon.proc.poll() is None
        finally:
            dovecot.thaw()
        thawed = time.monotonic()
        wait_until(lambda: notify_socket.pings(since=thawed), timeout=40)  # moving again

        daemon.stop()
        assert daemon.proc.returncode == 0, daemon.text()[-2000:]
        last = notify_socket.messages()[-1]
        assert "STOPPING=1" in last, notify_socket.messages()[-3:]
    finally:
        daemon.stop()


def test_imap_down_at_start_is_ready_with_a_status_and_one_alert_per_outage(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        path_socket: NotifySocket) -> None:
    """Dovecot is down when the unit starts. READY=1 goes out at once with a STATUS naming the
    outage (waiting for IMAP would time the start out and crash-loop the unit), the back-off
    keeps the watchdog fed, and past [mailbox] alert_after_minutes one ERROR line and one team
    mail say so, once (a next outage alerts again: see the test after the next one)."""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    rules.write_text(rules.read_text().replace("[mailbox]\n",
                                               "[mailbox]\nalert_after_minutes = 0.05\n", 1))
    dovecot.stop()
    daemon = Daemon(rules, systemd_env(dovecot, path_socket))

    def alerts() -> list[str]:
        return [line for line in daemon.text().splitlines() if "ALERT: mailbox unreachable" in line]

    def outage_mails() -> list[str]:
        return [m.message["Subject"] for m in smtp_server.messages
                if "injoignable" in str(m.message["Subject"])]

    try:
        wait_until(lambda: any("READY=1" in m for m in path_socket.messages()))
        ready = next(m for m in path_socket.messages() if "READY=1" in m)
        assert any(line.startswith("STATUS=IMAP unreachable since ") and "retrying" in line
                   for line in ready), ready
        wait_until(lambda: alerts(), timeout=30)
        assert " ERROR " in alerts()[0] or "ERROR" in alerts()[0]
        wait_until(lambda: outage_mails(), timeout=20)
        sent = [m for m in smtp_server.messages if m.recipients == [TEAM]]
        assert sent and "la boîte sera de nouveau joignable" in sent[0].message.get_content()
        # The outage goes on: one more failed attempt, and still one line and one mail.
        seen = daemon.text().count("unreachable: ")
        wait_until(lambda: daemon.text().count("unreachable: ") > seen, timeout=30)
        assert len(alerts()) == 1 and len(outage_mails()) == 1
        assert len(path_socket.pings()) >= 3  # waiting out a back-off is not being wedged
        assert daemon.proc.poll() is None
    finally:
        daemon.stop()
    assert daemon.proc.returncode == 0, daemon.text()[-2000:]
    assert "Traceback" not in daemon.text()


def test_notify_is_silent_outside_systemd_and_survives_a_dead_socket(monkeypatch) -> None:
    """Without $NOTIFY_SOCKET nothing is sent; a socket that is gone is one warning, never an
    exception into the helpdesk's loop."""
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sdnotify.notify("READY=1") is False
    monkeypatch.setenv("NOTIFY_SOCKET", "/nonexistent/notify")
    assert sdnotify.notify("READY=1") is False
    assert sdnotify.notify("WATCHDOG=1") is False


def test_the_alert_is_once_per_outage_and_the_status_follows_the_state(monkeypatch) -> None:
    """Health's outage bookkeeping with its clock passed in: failures under the threshold are
    quiet, the first one past it alerts, later ones do not; a completed pass ends the outage,
    and the next outage alerts again."""
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    now = [datetime(2026, 11, 27, 9, 0, tzinfo=UTC)]
    alerts: list[tuple[datetime, str]] = []
    health = Health(clock=lambda: now[0], alert_after=timedelta(minutes=15),
                    on_alert=lambda since, error: alerts.append((since, error)))

    def fail_at(minute: int) -> None:
        now[0] = datetime(2026, 11, 27, 9, minute, tzinfo=UTC)
        health.unreachable(OSError("connection refused"))

    for minute in (0, 5, 14):
        fail_at(minute)
    assert alerts == [] and health.ready
    fail_at(16)
    fail_at(30)
    assert [since.minute for since, _ in alerts] == [0]
    health.pass_done(datetime(2026, 11, 27, 9, 31, tzinfo=UTC))
    assert health.outage_since is None
    for minute in (40, 50, 56):
        fail_at(minute)
    assert [since.minute for since, _ in alerts] == [0, 40]


def test_the_end_of_an_outage_is_logged_with_its_real_length(monkeypatch, caplog) -> None:
    """Issue 16 §9: a pass whose clock was read before its fetch failed for four minutes
    reports those four minutes, not "0 s"."""
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    now = [start + timedelta(seconds=1)]
    health = Health(clock=lambda: now[0], alert_after=timedelta(minutes=15))
    health.unreachable(OSError("connection refused"))
    now[0] = start + timedelta(minutes=4, seconds=1)
    with caplog.at_level("WARNING", logger="mailbot"):
        health.pass_done(start)  # the pass's clock, read as it began
    [line] = [r.getMessage() for r in caplog.records if "reachable again" in r.getMessage()]
    assert line.startswith("mailbox reachable again after 4 min"), line
