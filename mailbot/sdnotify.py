"""Telling systemd how the daemon is doing: sd_notify(3) with the standard library.

The protocol is one datagram of "KEY=value" lines on the AF_UNIX socket named by $NOTIFY_SOCKET
(a leading "@" names the abstract namespace). Outside systemd the variable is unset and every
call does nothing. A notification that cannot be sent is logged once and otherwise ignored:
telling systemd must never stop the helpdesk.

    READY=1       the state is loaded and the main loop runs (Type=notify)
    STATUS=...    one line `systemctl status` shows: what the daemon is doing or waiting for
    STOPPING=1    SIGTERM received: finishing the message in hand
    WATCHDOG=1    the main loop made progress (WatchdogSec=; see `Watchdog`)
"""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger("mailbot")

_warned = False


def notify(*lines: str) -> bool:
    """Send `lines` as one notification; False when there is no socket or it failed."""
    global _warned
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall("\n".join(lines).encode("utf-8"))
        return True
    except OSError as exc:
        if not _warned:  # one line, not one per loop
            log.warning("systemd notification socket %s: %s", address.lstrip("\0"), exc)
            _warned = True
        return False


class Watchdog:
    """WATCHDOG=1 at most every half of $WATCHDOG_USEC, sent only when the main loop calls
    `progress()`: a loop wedged in a call that never returns stops the pings, and systemd
    kills and restarts the daemon (WatchdogSec=, RELIABILITY O03)."""

    def __init__(self, *, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        usec = os.environ.get("WATCHDOG_USEC", "")
        pid = os.environ.get("WATCHDOG_PID", "")
        enabled = usec.isdigit() and int(usec) > 0 and (not pid or pid == str(os.getpid()))
        # A ping every half of WatchdogSec; None when systemd does not watch. The loop wakes at
        # least every `wake` seconds, so that pings are at most 3/4 of WatchdogSec apart (plus
        # one pass) while it makes progress.
        self.interval: float | None = int(usec) / 2e6 if enabled else None
        self.wake: float | None = self.interval / 2 if self.interval else None
        self._clock = clock
        self._last: float | None = None

    def progress(self) -> None:
        if self.interval is None:
            return
        now = self._clock()
        if self._last is None or now - self._last >= self.interval:
            notify("WATCHDOG=1")
            self._last = now
