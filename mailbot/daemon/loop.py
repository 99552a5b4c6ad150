"""The daemon's pass and its loop. The imperative shell: the one place that touches the
mailbox, the store, SMTP and the clock.

    fetch -> parse -> decide (pure, mailbot.pipeline) -> one store commit -> move -> outbox flush

A message leaves the inbox only after the commit that records its effects. A message whose
processing raises is set aside (quarantine folder + a copy and the error in the state directory)
and the loop goes on with the next one.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

import schedule

from mailbot import ids, loopguard, pipeline, timekeeping, triage
from mailbot.attempts import Attempts
from mailbot.batch import Batch
from mailbot.config import Config
from mailbot.courier import Courier
from mailbot.daemon.aside import AsideHandling
from mailbot.daemon.outbox import OutboxHandling
from mailbot.daemon.summary import Summary
from mailbot.faults import crash_point, fail_point, pause_point
from mailbot.health import Health
from mailbot.intake.base import IncomingMail, Intake, IntakeError, backoff_delay
from mailbot.parsers import parse
from mailbot.parsers.tree import thread_of
from mailbot.storage import StateUnwritable, StoreConflict
from mailbot.store import ReadAhead, TicketStore
from mailbot.transport.delivery import Transport

log = logging.getLogger("mailbot")


Clock = Callable[[], datetime]
LARGE_MAIL = 64 * 1024  # characters; beyond, an outgoing mail is kept in a file of its own
# Seconds between rounds of reconnection attempts once back-off gave up (jittered, 30-60 s).
OUTAGE_PAUSE = 60.0
# How many of the ids a mail answers (In-Reply-To, then References) a pass reads ahead; the
# threading reads any others when it asks.
MAX_REPLIED = 20
# `run --once` with several daemons: empty passes in a row whose claims were all lost before it
# stops (the other daemons are draining the inbox meanwhile).
CONTENDED_PASSES = 50


class PendingCursor(Protocol):
    def take(self) -> dict[str, list[int]]: ...


def store_words(store: TicketStore) -> str:
    return "ticket database" if store.kind == "postgresql" else "state directory"


def system_clock() -> datetime:
    return datetime.now().astimezone()


class Daemon(AsideHandling, OutboxHandling):
    """The pass and the loop; setting mail aside is in mailbot.daemon.aside, the outbox and
    the outage mail in mailbot.daemon.outbox."""

    def __init__(self, config: Config, *, store: TicketStore, intake: Intake,
                 make_transport: Callable[[], Transport],
                 clock: Clock = system_clock, stop: threading.Event | None = None,
                 cursor: PendingCursor | None = None,
                 timer_steps: Sequence[timekeeping.TimerStep] = timekeeping.TIMER_STEPS,
                 health: Health | None = None, simulated: bool = False):
        self.config = config
        # `run --now`: the pass's clock is not the real one the servers date mail by.
        self.simulated = simulated
        # systemd, the operator's alert and the page's heartbeat (mailbot.health)
        self.health = health or Health(clock=clock)
        self.cursor = cursor
        self.timer_steps = timer_steps
        self.store = store
        self.intake = intake
        self.clock = clock
        self.rules = config.parse_rules()
        self.stop = stop or threading.Event()
        # One worker per SMTP connection; a local Maildir needs no more than one.
        workers = config.smtp.connections if config.smtp.kind == "smtp" else 1
        self.rng = random.Random()  # the jitter of the pause between outage rounds
        self.courier = Courier(make_transport, workers=workers, sending=store)
        self.attempts = Attempts(store.dir, limit=config.mailbox.max_attempts)
        self._aside: list[dict[str, str]] = []  # set aside this pass: the team hears once
        # Several daemons on one database: the mail this one claims is held there from before
        # its claim to the end of the pass that files it (a reply to it waits for that).
        self._release_claims = getattr(store, "release_claims", lambda: None)
        if hasattr(intake, "on_claim") and hasattr(store, "hold_claims"):
            intake.on_claim = store.hold_claims
        if self.attempts.careful:
            log.warning("the process died while handling a pass: taking messages one at a "
                        "time until those are settled (RELIABILITY D08)")

    # --- one pass ----------------------------------------------------------------------------
    #
    #   deliveries reported by the courier -> fetch a batch -> decide each message ->
    #   timer decisions -> cursor and loop-cap pruning -> ONE store commit -> move the messages
    #   -> hand the due outbox to the courier
    #
    # The clock is read once per pass, and every effect of the pass is in its one commit.

    def run_once(self) -> Summary:
        """Process everything pending (mail, due timers, then the outbox) and return;
        `mailbot run --once`. The last pass finds no mail but still runs the timers."""
        summary = Summary()
        lost = 0
        while not self.stop.is_set():
            if self.run_pass(summary):
                lost = 0
            # Several daemons: a pass whose claims another daemon all won took nothing, yet
            # mail waits in the inbox; not the end (a few such passes: the other drains it).
            elif getattr(self.intake, "contended", False) and lost < CONTENDED_PASSES:
                lost += 1
            else:
                break
        self.finish_deliveries(summary)
        # Staff notices waiting out quiet hours are neither sent nor deferred: say how many.
        now = self.clock()
        summary.held = sum(1 for mail in self.store.outbox() if mail.status == "pending"
                           and mail.hold_until and datetime.fromisoformat(mail.hold_until) > now)
        return summary

    def run_pass(self, summary: Summary, *, wait: bool = False) -> int:
        """One pass; returns how many messages it fetched."""
        # In the business calendar's zone: the bot's own dates (created_at, Date:) read like
        # the people's, "+01:00" in Paris, rather than the server's UTC.
        now = self.clock().astimezone(self.config.time.calendar.tz)
        self._adopt_orphans()
        items, spent = self._fetch()  # before the pass's transaction: the mailbox is slow
        if items:
            pause_point("after_fetch")
        self.store.begin()  # one pass, one transaction (a no-op for the one-writer TinyDB)
        batch = self.batch()
        self._aside = []
        try:
            self._hold_keys(items, now)
            self._record_deliveries(batch, summary, now, wait=wait)
            self._settle_interrupted(batch)
            self._drop_stale_acknowledgements(batch, now)
            self._drop_held_notices_of_closed_tickets(batch, now)
            self._recheck_held_notices(batch, now)
            done = self._handle(items, spent, batch, summary, now)
            self._tell_team_of_aside(batch, now)
            self._stage_upkeep(batch, now)
            if items or batch.meta(pipeline.WATCHED) is None:
                # When the mailbox was last looked at: a later mail's clock may start at its
                # arrival (pipeline.arrival). Rides on a pass that took mail in.
                batch.commit.meta[pipeline.WATCHED] = now.isoformat()
            self._drop_released_notices_overtaken(batch, now)
            crash_point("before_commit")
            self.store.commit(batch.commit)
            self._release_claims()
            self.sends_committed()
        except StoreConflict as exc:  # another daemon's pass in the way: take it again
            self._abandon_pass()
            self._release_claims()
            self.intake.rewind()
            log.info("pass rolled back, its %d message(s) taken again: %s", len(items), exc)
            return len(items) or 1
        except StateUnwritable:  # the process lives: no attempt to count
            self._abandon_pass()
            raise
        except BaseException:
            self.store.rollback()  # nothing of the pass is half-written
            raise
        self.attempts.committed(item.key for item in items)
        if items:  # a backlog is worked through in bounded batches: one line for each
            log.info("pass: %d message(s) fetched (mailbox.batch %d), committed", len(items),
                     self.config.mailbox.batch)
        if done:
            crash_point("after_commit")
            self.intake.mark_processed(done)
            crash_point("after_move")
        crash_point("before_dispatch")  # committed (an escalation, say), not yet handed over
        self.dispatch_outbox(now)  # sent while the next batch is being handled
        self.health.pass_done(now)
        return len(items)

    def _hold_keys(self, items: list[IncomingMail], now: datetime) -> None:
        """Several daemons on one database: the batch's Message-IDs are held by this pass
        before any is decided, so that a reply another daemon fetched waits for its original,
        and what their header sections say they will ask is read at once (`ReadAhead`; a
        store of one daemon has no `hold_keys`)."""
        hold = getattr(self.store, "hold_keys", None)
        if hold is None:
            return
        keys: list[str] = []
        ahead = ReadAhead(tables=("urgent", loopguard.BOUNCED),
                          since=loopguard.window_start(now, self.config))
        people = {loopguard.ALL}
        for item in items:
            mid, replied, sender = thread_of(item.raw)
            people.add(sender)
            ahead.tickets.extend(n for r in replied if (n := ids.ticket_of_message_id(r)))
            if mid:
                keys.append(f"mid:{mid}")
                ahead.threads[keys[-1]] = [f"mid:{r}" for r in replied[:MAX_REPLIED]
                                           if ids.ticket_of_message_id(r) is None]
        ahead.people = sorted(people - {""})
        hold(keys, ahead)

    def _adopt_orphans(self) -> None:
        """Several daemons on one database: the mail claimed by an instance that died goes
        back to the watched folder for the others (its outbox leases are released too)."""
        take_over = getattr(self.intake, "take_over", None)
        for name, folder in self.store.orphans():
            done = False
            try:
                if take_over is not None:
                    moved = take_over(folder)
                    log.warning("instance %s is gone: %d message(s) of its claim folder %s "
                                "back in %s for the others; its outbox leases released",
                                name, moved, folder, self.config.mailbox.folder)
                done = True
            finally:
                self.store.adopted(name, done=done)

    def _abandon_pass(self) -> None:
        self.attempts.abandon()
        with contextlib.suppress(StateUnwritable):  # a lost connection: so is its transaction
            self.store.rollback()

    def _fetch(self) -> tuple[list[IncomingMail], set[str]]:
        """The next batch, its attempts counted in one write before any is tried, and the keys
        of those at max_attempts (not to be tried again). While counts left by a pass that
        died are unsettled, one message a pass: a message that kills the process must not use
        up its batch-mates' attempts (RELIABILITY D08)."""
        careful = self.attempts.careful
        items = self.intake.fetch_pending(limit=1 if careful else self.config.mailbox.batch)
        if careful and not items:
            self.attempts.forget_suspects()  # what they name has left the inbox
        spent = {item.key for item in items if self.attempts.exhausted(item.key)}
        tried = [item.key for item in items if item.oversize is None and item.key not in spent]
        if tried:
            self.attempts.begin(tried)
        return items, spent

    def _stage_upkeep(self, batch: Batch, now: datetime) -> None:
        """What every pass commits besides the mail: due timers, pruning, cursors."""
        # Several daemons on one database: the timers run in one pass at a time, the others
        # skip them (a store of one daemon has no `take_timers`: always).
        take_timers = getattr(self.store, "take_timers", None)
        timers = (timekeeping.timers(batch, self.config, now, self.timer_steps)
                  if take_timers is None or take_timers() else [])
        for decision in timers:
            log.info("%s", decision.log_line(None))
            for mail in decision.mails:  # the monthly report: its own file, not state.json
                if mail.ticket is None and len(mail.data) > LARGE_MAIL:
                    data = mail.data.encode("utf-8")
                    mail.data_file = self.store.keep_file(data, hashlib.sha256(data).hexdigest())
                    mail.data = ""
            batch.stage(decision)
        # The loop cap only looks back one window: older counts would only make state.json grow.
        batch.commit.automatic_before = loopguard.window_start(now, self.config)
        # So do the events the rules count (URGENT per sender, new tickets, mass reports).
        batch.commit.recent_before = triage.horizons(self.config, now)
        batch.commit.recent_before[loopguard.CAP_WARNED] = batch.commit.automatic_before
        batch.commit.recent_before[loopguard.BOUNCED] = loopguard.suppression_start(
            now, self.config)
        batch.commit.cursors.update(self.cursor_updates())

    def batch(self) -> Batch:
        # Every ticket a pass changes gets its deadline-index entry in the same commit.
        return Batch(self.store, deadline=self.config.time.index_entry)

    def cursor_updates(self) -> dict[str, list[int]]:
        return self.cursor.take() if self.cursor is not None else {}

    def _handle(self, items: list[IncomingMail], spent: set[str], batch: Batch,
                summary: Summary, now: datetime) -> list[IncomingMail]:
        done: list[IncomingMail] = []
        for item in items:
            if self.stop.is_set():  # SIGTERM: finish the message in hand, leave the rest
                break
            if item.oversize is not None:
                self._oversize(item, batch, now)
                summary.quarantined += 1
                continue
            if item.key in spent:
                self._given_up(item, now)
                summary.quarantined += 1
                continue
            try:
                decision = self._decide(item, batch, now)
            except StateUnwritable:  # not the message's fault: stop, leave it on the server
                raise
            except Exception as exc:  # a poison message never stops the loop
                self._quarantine(item, exc, now)
                summary.quarantined += 1
                continue
            batch.stage(decision)
            done.append(item)
            summary.handled += 1
            summary.actions[decision.action] = summary.actions.get(decision.action, 0) + 1
        return done

    def _decide(self, item: IncomingMail, batch: Batch,
                now: datetime) -> pipeline.Decision:
        parsed = parse(item.raw, self.rules)
        fail_point(parsed.message_id)
        raw_path = self.store.keep_raw(item.raw, parsed.content_hash, now.strftime("%Y/%m"))
        for attachment in parsed.attachments:
            self.store.keep_file(attachment.content, attachment.sha256)
        decision = pipeline.decide(parsed, raw_path=raw_path, view=batch, config=self.config,
                                   now=now, arrived=pipeline.simulated_arrival(
                                       item.arrived, system_clock() if self.simulated else None))
        self._offload_large_mails(decision)
        # Where the message came from and its content hash: the idempotency key alone does not
        # say which copy on the server a duplicate was (RELIABILITY D04's diagnostics).
        where = (f"{item.folder or self.config.mailbox.folder} UIDVALIDITY {item.uidvalidity} "
                 f"UID {item.uid}"
                 if item.uid is not None else f"maildir {item.key}")
        log.info("%s [%s, sha256 %s]", decision.log_line(parsed.message_id), where,
                 parsed.content_hash[:16])
        for warning in decision.warnings:
            log.warning("%s", warning)
        for defect in list(dict.fromkeys(parsed.defects))[:3]:
            log.info("%s: defect: %s", parsed.message_id or item.key, defect)
        return decision

    def _offload_large_mails(self, decision: pipeline.Decision) -> None:
        """A mail with attachments is kept in a file of its own, not in the ticket's JSON (a
        ticket block is rewritten whenever one of its tickets changes)."""
        if decision.ticket is None:
            return
        for entry in decision.ticket.messages:
            if entry.direction == "out" and len(entry.data) > LARGE_MAIL:
                data = entry.data.encode("utf-8")
                entry.data_file = self.store.keep_file(data, hashlib.sha256(data).hexdigest())
                entry.data = ""

    # --- forever -----------------------------------------------------------------------------

    def run_forever(self) -> None:
        idle = self.config.mailbox.idle_renew_minutes * 60
        # The `schedule` package is only the trigger: every minute it ends the wait for mail so
        # that a pass checks due times (the arithmetic is pure, with the pass's `now`).
        ticks = schedule.Scheduler()
        ticks.every(1).minutes.do(lambda: None)
        halted: str | None = None  # the state-directory fault being waited out, if any
        while not self.stop.is_set():
            try:
                self.run_once()
                if halted is not None:
                    log.warning("%s writable again: processing resumed",
                                store_words(self.store))
                    halted = None
                ticks.run_pending()
                timeout = min(idle, max(0.5, ticks.idle_seconds or 60.0))
                retry = self.next_outbox_attempt()
                if retry is not None:
                    timeout = max(0.5, min(timeout, (retry - self.clock()).total_seconds()))
                if not self.stop.is_set():
                    # Back in time for the watchdog's ping: a wait that returns is progress.
                    self.intake.wait_for_mail(self.health.longest_wait(timeout), self.stop)
                    self.health.progress()
            except IntakeError as exc:  # the intake already retried with back-off
                pause = backoff_delay(99, self.rng, cap=OUTAGE_PAUSE)
                # A warning: the operator's one ERROR line per outage is the health alert.
                log.warning("mailbox unreachable: %s; trying again in %.0f s", exc, pause)
                self.health.pause(pause, self.stop)
            except StateUnwritable as exc:  # disk full, read-only, database down: wait
                self.intake.rewind()  # what was fetched but not stored is fetched again
                what = store_words(self.store)
                if halted is None:  # one alert line per fault, not one per retry
                    log.error("%s unwritable, processing stopped, mail stays on the server: %s",
                              what, exc)
                    self.store_fault(exc)
                else:
                    log.debug("%s still unwritable: %s", what, exc)
                halted = str(exc)
                self.health.state_unwritable(exc)
                self.health.pause(min(self.config.mailbox.poll_seconds, OUTAGE_PAUSE), self.stop)
