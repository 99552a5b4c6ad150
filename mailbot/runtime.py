"""Wiring a configuration into a running daemon: lock, store, intake, transport, web."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from mailbot import ids
from mailbot.config import Config, ConfigError, claim_path
from mailbot.daemon import Clock, Daemon, system_clock
from mailbot.health import HEARTBEAT_EVERY, Health, read_heartbeat
from mailbot.intake import ImapIntake, Intake, MaildirIntake
from mailbot.model import Ticket, as_incident
from mailbot.oauth2 import TokenSource, make_token_source
from mailbot.storage import StateUnwritable, atomic_write
from mailbot.store import StateLock, Store, TicketStore, open_store
from mailbot.store.backend import conninfo, instance
from mailbot.transport import MaildirTransport, SmtpTransport, Transport

log = logging.getLogger("mailbot")


def make_clock(now: datetime | None) -> Clock:
    """The real clock, or one that starts at `now` (`--now`) and runs from there."""
    if now is None:
        return system_clock
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


class StoreCursor:
    """The intake's (UIDVALIDITY, UID) cursor, kept in state.json so that a UIDVALIDITY change
    between two runs is noticed (and the folder rescanned). A new position is held here until
    the daemon's pass commits it with everything else (`take`)."""

    def __init__(self, store: TicketStore):
        self.store = store
        self._pending: dict[str, tuple[int, int]] = {}

    def get(self, folder: str) -> tuple[int, int] | None:
        return self._pending.get(folder) or self.store.cursor(folder)

    def set(self, folder: str, uidvalidity: int, uid: int) -> None:
        self._pending[folder] = (uidvalidity, uid)

    def take(self) -> dict[str, list[int]]:
        changed = {folder: list(value) for folder, value in self._pending.items()
                   if self.store.cursor(folder) != value}
        self._pending.clear()
        return changed


def make_tokens(config: Config) -> TokenSource | None:
    """The one token source shared by the intake and every courier thread, or None; what the
    environment lacks for it stops here, one line each."""
    problems = config.environment_problems()
    if problems:
        raise ConfigError(problems)
    return make_token_source(config)


def make_intake(config: Config, store: TicketStore | None, stop: threading.Event, *,
                cursor: StoreCursor | None, attempts: int = 10,
                tokens: TokenSource | None = None, health: Health | None = None) -> Intake:
    box = config.mailbox
    cap = int(box.max_message_mb * 1024 * 1024)
    if box.kind == "maildir":
        return MaildirIntake(Path(box.path), poll_interval=min(box.poll_seconds, 1.0),
                             max_message_bytes=cap)
    oauth2 = box.auth == "oauth2"
    return ImapIntake(host=box.host, port=box.port, security=box.security, user=box.user,
                      password="" if oauth2 else config.imap_password(),
                      tokens=tokens if oauth2 else None, folder=box.folder,
                      processed_folder=box.processed_folder,
                      quarantine_folder=box.quarantine_folder, cursor=cursor,
                      poll_interval=box.poll_seconds, idle_renew=box.idle_renew_minutes * 60,
                      max_attempts=attempts, max_message_bytes=cap,
                      claim_folder=claim_path(box),
                      # back-off pauses end at once on SIGTERM, and ping the watchdog
                      sleep=stop.wait if health is None else lambda s: health.pause(s, stop),
                      on_failure=None if health is None else health.unreachable)


def make_transport(config: Config, tokens: TokenSource | None = None) -> Transport:
    smtp = config.smtp
    if smtp.kind == "maildir":
        return MaildirTransport(Path(smtp.path))
    if smtp.auth == "oauth2":
        return SmtpTransport(host=smtp.host, port=smtp.port, security=smtp.security,
                             user=smtp.user, tokens=tokens, timeout=smtp.timeout_seconds)
    password = None
    if smtp.user:  # check_secrets made sure there is one
        password = config.smtp_password()
    elif os.environ.get("MAILBOT_SMTP_PASSWORD") or smtp.password_file:
        log.warning("smtp: a password is given but smtp.user is empty: sending without login")
    return SmtpTransport(host=smtp.host, port=smtp.port, security=smtp.security,
                         user=smtp.user or None, password=password,
                         timeout=smtp.timeout_seconds)


VERP_KEY_FILE = "verp.key"


def verp_key(state_dir: Path) -> bytes:
    """The key that signs VERP envelope addresses: made once, kept (0600) in the state
    directory, so that it moves with the tickets whose bounces it recognises."""
    path = state_dir / VERP_KEY_FILE
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = b""
    if len(key) < 32:
        key = secrets.token_bytes(32)
        atomic_write(path, key, mode=0o600)
    return key


def ticket_finder(state_dir: Path, config: Config | None = None):  # type: ignore[no-untyped-def]
    """find_ticket(token) for the tracking page: a read-only store of its own (thread safety);
    on PostgreSQL, connections from a small pool."""
    if config is not None and config.storage.kind == "postgresql":
        from mailbot.store.pgtools import pooled_finder

        return pooled_finder(conninfo(config))
    reader = Store(state_dir)
    lock = threading.Lock()  # aiohttp calls this from several executor threads

    def find(token: str) -> Ticket | None:
        # By a digest of the whole token, never by the number it starts with: a near miss is
        # an index miss like any guess, answered in the same time (RELIABILITY S11).
        key = ids.token_key(token)
        with lock:
            number = reader.lookup(key)
            ticket = reader.ticket(number) if number else None
            parent = reader.ticket(ticket.parent) if ticket and ticket.parent else None
        if ticket is None or not secrets.compare_digest(ticket.token, token):
            return None
        return as_incident(ticket, parent)  # a report reads at its incident's priority

    return find


def make_health(config: Config, clock: Clock) -> Health:
    # The heartbeat is written about once a minute, and often enough that a page with a
    # threshold under a few minutes does not call fresh data stale between two writes.
    every = min(HEARTBEAT_EVERY, config.web.stale_after_minutes * 60 / 4)
    return Health(clock=clock, state_dir=config.state_dir, heartbeat_every=every,
                  alert_after=timedelta(minutes=config.mailbox.alert_after_minutes))


class Runtime:
    def __init__(self, config: Config, *, now: datetime | None = None, once: bool = False):
        self.config = config
        self.once = once  # `run --once` gives up on an unreachable mailbox sooner
        # `run --once --now X` decides everything as at X: a frozen clock, so that what is due
        # at X does not depend on how long the start took (the tests' and the operator's trials).
        self.clock = (lambda: now) if once and now is not None else make_clock(now)
        self.simulated = now is not None
        self.lock = StateLock(config.state_dir)
        self.daemon: Daemon
        self.web = None

    def open(self) -> None:
        try:  # a full or read-only state directory is the operator's one-line problem
            self.lock.acquire()  # before anything else: a second daemon stops here
        except OSError as exc:
            raise StateUnwritable(f"{self.config.state_dir}: {exc.strerror or exc}") from exc
        tokens = make_tokens(self.config)
        try:
            store = open_store(self.config, writer=True, wait=not self.once)
        except OSError as exc:
            raise StateUnwritable(f"{self.config.state_dir}: {exc.strerror or exc}") from exc
        if self.config.smtp.envelope == "verp":
            try:
                self.config.verp_key = verp_key(self.config.state_dir)
            except OSError as exc:
                raise StateUnwritable(f"{self.config.state_dir}: {exc.strerror or exc}") from exc
        if store.kind == "postgresql":  # several daemons may share it: say who this one is
            store.register(instance(self.config), claim_path(self.config.mailbox))
        stop = threading.Event()
        cursor = StoreCursor(store)
        health = make_health(self.config, self.clock)
        intake = make_intake(self.config, store, stop, cursor=cursor,
                             attempts=3 if self.once else 10, tokens=tokens, health=health)
        self.daemon = Daemon(self.config, store=store, intake=intake, cursor=cursor,
                             make_transport=lambda: make_transport(self.config, tokens),
                             clock=self.clock, stop=stop, health=health,
                             simulated=self.simulated)
        health.on_alert = self.daemon.alert_team
        for warning in self.config.warnings():
            log.warning("%s", warning)
        log.info("mailbot started: state %s, config %s", self.config.state_dir,
                 self.config.source)

    def start_web(self) -> None:
        if not self.config.web.enabled:
            return
        from mailbot.clock.policy import TimePolicy
        from mailbot.web import WebServer, make_app

        app = make_app(ticket_finder(self.config.state_dir, self.config),
                       default_language=self.config.mail.language, clock=self.clock,
                       policy=TimePolicy.from_config(self.config),
                       requests_per_minute=self.config.web.requests_per_minute,
                       forwarded_for=self.config.web.forwarded_for,
                       heartbeat=lambda: read_heartbeat(self.config.state_dir),
                       stale_after=timedelta(minutes=self.config.web.stale_after_minutes),
                       link_days_after_close=self.config.web.link_days_after_close)
        self.web = WebServer(app, self.config.web.listen)
        self.web.start()
        log.info("tracking page on %s (public base %s)", self.config.web.listen,
                 self.config.web.base_url)

    def request_stop(self) -> None:
        log.info("stop requested: finishing the message in hand")
        self.daemon.health.stopping()
        self.daemon.stop.set()

    def close(self) -> None:
        if self.web is not None:
            self.web.stop()
        daemon = getattr(self, "daemon", None)
        if daemon is not None:
            daemon.intake.close()
            daemon.courier.close()
            daemon.store.close()
        self.lock.release()
