"""What the running daemon tells the world about itself (RELIABILITY O01, O03, O13).

    systemd     READY=1 at the first outcome (a pass done, or the mailbox found unreachable),
                STATUS= when the state changes, WATCHDOG=1 while the loop makes progress,
                STOPPING=1 on SIGTERM (mailbot.sdnotify)
    operator    one ERROR line, and one mail to the team, once per IMAP outage that lasts
                longer than [mailbox] alert_after_minutes
    the page    <storage.dir>/heartbeat.json: when the daemon last completed a pass, written
                atomically at most about once a minute (never state.json: an idle daemon does
                not rewrite the tickets)

READY is not held back until IMAP answers: a server down at start would make systemd time the
start out and restart the unit in a loop, while the daemon's own back-off is the right answer.
It goes out with the STATUS that says so ("IMAP unreachable since …, retrying").
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from mailbot import sdnotify
from mailbot.storage import atomic_write

log = logging.getLogger("mailbot")

HEARTBEAT_FILE = "heartbeat.json"
HEARTBEAT_EVERY = 60.0  # seconds between two heartbeat writes, at most


def read_heartbeat(state_dir: Path) -> datetime | None:
    """When the daemon last completed a pass, or None (never, or unreadable)."""
    try:
        data = json.loads((state_dir / HEARTBEAT_FILE).read_text("utf-8"))
        return datetime.fromisoformat(data["pass_completed_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


class Health:
    def __init__(self, *, clock: Callable[[], datetime], state_dir: Path | None = None,
                 alert_after: timedelta = timedelta(minutes=15),
                 heartbeat_every: float = HEARTBEAT_EVERY,
                 on_alert: Callable[[datetime, str], object] | None = None) -> None:
        self.clock = clock
        self.state_dir = state_dir  # None: no heartbeat (tests of the bare loop)
        self.alert_after = alert_after
        self.heartbeat_every = heartbeat_every
        self.on_alert = on_alert  # queues the team's mail; the ERROR line is logged here
        self.watchdog = sdnotify.Watchdog()
        self.ready = False
        self.outage_since: datetime | None = None
        self.alerted = False
        self._status = ""
        self._heartbeat_at: float | None = None
        self._heartbeat_now: datetime | None = None  # the pass time last written
        self._heartbeat_warned = False

    # -- systemd ------------------------------------------------------------------------------

    def status(self, text: str) -> None:
        """STATUS=text when it changed; READY=1 with the first one."""
        if text == self._status and self.ready:
            return
        self._status = text
        lines = [f"STATUS={text}"]
        if not self.ready:
            lines.insert(0, "READY=1")
            self.ready = True
            log.info("ready: %s", text)
        sdnotify.notify(*lines)

    def stopping(self) -> None:
        self._status = "Stopping: finishing the message in hand"
        sdnotify.notify("STOPPING=1", f"STATUS={self._status}")

    def progress(self) -> None:
        self.watchdog.progress()

    def longest_wait(self, seconds: float) -> float:
        """`seconds`, shortened so that the loop wakes up in time to ping the watchdog and to
        refresh the heartbeat (an idle pass completes, and says so, at least that often)."""
        wake = self.watchdog.wake
        if self.state_dir is not None:
            seconds = min(seconds, self.heartbeat_every)
        return seconds if wake is None else min(seconds, wake)

    def pause(self, seconds: float, stop: threading.Event) -> bool:
        """Wait `seconds` (a back-off) unless `stop` is set, pinging the watchdog meanwhile: a
        deliberate wait is progress, a call that never returns is not. True when stopped."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.progress()
            if stop.wait(self.longest_wait(left)):
                return True
        self.progress()
        return stop.is_set()

    # -- the loop's outcomes ------------------------------------------------------------------

    def pass_done(self, now: datetime) -> None:
        if self.outage_since is not None:
            # `now` is the pass's clock, read when it began: the outage it lived through began
            # later (its fetch retried), so the end is read now (issue 16 §9: not "after 0 s").
            ended = max(now, self.clock())
            log.warning("mailbox reachable again after %s (unreachable since %s)",
                        _span(ended - self.outage_since), self.outage_since.isoformat())
            self.outage_since, self.alerted = None, False
        self.status("Running: mailbox reachable, waiting for mail")
        self.progress()
        self._heartbeat(now)

    def unreachable(self, error: Exception) -> None:
        """A failed connection to the mailbox (each attempt of the back-off)."""
        now = self.clock()
        if self.outage_since is None:
            self.outage_since = now
        since = self.outage_since
        self.status(f"IMAP unreachable since {since.isoformat(timespec='seconds')}, "
                    f"retrying: {error}")
        self.progress()
        if self.alerted or now - since < self.alert_after:
            return
        self.alerted = True  # once per outage, whatever follows
        log.error("ALERT: mailbox unreachable for %s (since %s, threshold %s): %s; mail "
                  "waits on the server and the daemon keeps retrying", _span(now - since),
                  since.isoformat(timespec="seconds"), _span(self.alert_after), error)
        if self.on_alert is not None:
            self.on_alert(since, str(error))

    def state_unwritable(self, error: Exception) -> None:
        self.status(f"State directory unwritable, processing stopped: {error}")
        self.progress()

    # -- the tracking page's heartbeat --------------------------------------------------------

    def _heartbeat(self, now: datetime) -> None:
        if self.state_dir is None:
            return
        moment = time.monotonic()
        # Throttled on the real clock; but a pass whose `now` moved on further than that (a
        # clock set by --now, the demo's next day) is written at once: the page compares the
        # heartbeat with its own clock, which is the daemon's.
        if (self._heartbeat_at is not None and moment - self._heartbeat_at < self.heartbeat_every
                and self._heartbeat_now is not None
                and abs((now - self._heartbeat_now).total_seconds()) < self.heartbeat_every):
            return
        data = json.dumps({"pass_completed_at": now.isoformat()}).encode("utf-8")
        try:
            atomic_write(self.state_dir / HEARTBEAT_FILE, data)
        except OSError as exc:  # the page shows older data; the commit's own error tells more
            if not self._heartbeat_warned:
                log.warning("cannot write %s: %s", self.state_dir / HEARTBEAT_FILE, exc)
                self._heartbeat_warned = True
            return
        self._heartbeat_at, self._heartbeat_now = moment, now
        self._heartbeat_warned = False


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60:02d}"
