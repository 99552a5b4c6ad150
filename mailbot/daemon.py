"""The imperative shell: the one place that touches the mailbox, the store, SMTP and the clock.

    fetch -> parse -> decide (pure, mailbot.pipeline) -> one store commit -> move -> outbox flush

A message leaves the inbox only after the commit that records its effects. A message whose
processing raises is set aside (quarantine folder + a copy and the error in the state directory)
and the loop goes on with the next one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Protocol

import schedule

from mailbot import loopguard, notices, oversize, pipeline, timekeeping, triage
from mailbot.attempts import Attempts
from mailbot.batch import Batch
from mailbot.config import Config
from mailbot.courier import Courier
from mailbot.faults import crash_point, fail_point
from mailbot.health import Health
from mailbot.intake import IncomingMail, Intake, IntakeError, backoff_delay
from mailbot.model import OutgoingMail
from mailbot.parsers import parse
from mailbot.parsers.headers import decode_text
from mailbot.storage import StateUnwritable
from mailbot.store import Store
from mailbot.transport import DeliveryResult, Transport, retry_delay

log = logging.getLogger("mailbot")

Clock = Callable[[], datetime]
LARGE_MAIL = 64 * 1024  # characters; beyond, an outgoing mail is kept in a file of its own
HEADER_PEEK = 64 * 1024  # bytes of a set-aside message read for its From and Subject
# Seconds between rounds of reconnection attempts once back-off gave up (jittered, 30-60 s).
OUTAGE_PAUSE = 60.0
# An acknowledgement is useful at once; one that could not go out within a day (SMTP down, a
# --now far ahead) says "we have received your request" too late: dropped, logged (O08).
STALE_ACKNOWLEDGEMENT = timedelta(hours=24)


class PendingCursor(Protocol):
    def take(self) -> dict[str, list[int]]: ...


def system_clock() -> datetime:
    return datetime.now().astimezone()


@dataclass
class Summary:
    handled: int = 0
    quarantined: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    actions: dict[str, int] = field(default_factory=dict)


class Daemon:
    def __init__(self, config: Config, *, store: Store, intake: Intake,
                 make_transport: Callable[[], Transport],
                 clock: Clock = system_clock, stop: threading.Event | None = None,
                 cursor: PendingCursor | None = None,
                 timer_steps: Sequence[timekeeping.TimerStep] = timekeeping.TIMER_STEPS,
                 health: Health | None = None):
        self.config = config
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
        self.courier = Courier(make_transport, workers=workers)
        self.attempts = Attempts(store.dir, limit=config.mailbox.max_attempts)
        self._aside: list[dict[str, str]] = []  # set aside this pass: the team hears once
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
        while not self.stop.is_set():
            if not self.run_pass(summary):
                break
        self.finish_deliveries(summary)
        return summary

    def run_pass(self, summary: Summary, *, wait: bool = False) -> int:
        """One pass; returns how many messages it fetched."""
        # In the business calendar's zone: the bot's own dates (created_at, Date:) read like
        # the people's, "+01:00" in Paris, rather than the server's UTC.
        now = self.clock().astimezone(self.config.time.calendar.tz)
        batch = self.batch()
        self._record_deliveries(batch, summary, now, wait=wait)
        self._drop_stale_acknowledgements(batch, now)
        self._drop_held_notices_of_closed_tickets(batch, now)
        items, spent = self._fetch()
        self._aside = []
        try:
            done = self._handle(items, spent, batch, summary, now)
            self._tell_team_of_aside(batch, now)
            self._stage_upkeep(batch, now)
            crash_point("before_commit")
            self.store.commit(batch.commit)
        except StateUnwritable:  # the process lives: no attempt to count
            self.attempts.abandon()
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
        for decision in timekeeping.timers(batch, self.config, now, self.timer_steps):
            log.info("%s", decision.log_line(None))
            batch.stage(decision)
        # The loop cap only looks back one window: older counts would only make state.json grow.
        batch.commit.automatic_before = loopguard.window_start(now, self.config)
        # So do the events the rules count (URGENT per sender, new tickets, mass reports).
        batch.commit.recent_before = triage.horizons(self.config, now)
        batch.commit.recent_before[loopguard.CAP_WARNED] = batch.commit.automatic_before
        batch.commit.recent_before[loopguard.BOUNCED] = loopguard.suppression_start(
            now, self.config)
        batch.commit.cursors.update(self.cursor_updates())

    def finish_deliveries(self, summary: Summary) -> None:
        """Wait for the courier and commit what it reports (the end of `run --once`)."""
        batch = Batch(self.store)
        self._record_deliveries(batch, summary, self.clock(), wait=True)
        self.store.commit(batch.commit)

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
                                   now=now)
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

    def _quarantine(self, item: IncomingMail, exc: Exception, now: datetime) -> None:
        first = str(exc).splitlines()[0] if str(exc) else ""
        self._set_aside(item, f"{type(exc).__name__}: {first}",
                        "".join(traceback.format_exception(exc)), now)

    def _set_aside(self, item: IncomingMail, reason: str, detail: str, now: datetime, *,
                   level: int = logging.ERROR) -> None:
        """Quarantine: a copy (`raw`, the header alone for an oversize message) and `detail`
        in the state directory, then the message to the quarantine folder; one log line. A
        `.json` names the key and where the message now is, for `mailbot reprocess`."""
        folder = self.store.dir / "quarantine"
        stem = f"{now.strftime('%Y%m%dT%H%M%S')}-{item.key.replace('/', '_').replace(':', '-')}"
        try:  # without its copy, the message must not leave the mailbox (RELIABILITY D07)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{stem}.eml").write_bytes(item.raw)
            (folder / f"{stem}.error.txt").write_text(detail, encoding="utf-8")
        except OSError as write_error:
            raise StateUnwritable(f"cannot quarantine {item.key} in {folder}: "
                                  f"{write_error.strerror or write_error}") from None
        log.log(level, "message %s quarantined: %s (copy in %s)", item.key, reason,
                folder / f"{stem}.eml")
        self._aside.append({"key": item.key, "reason": reason, **_who(item.raw)})
        try:
            location = self.intake.quarantine(item)
        except Exception as move_error:  # the copy is kept; the next pass tries again
            log.error("could not move %s to quarantine: %s", item.key, move_error)
            return
        entry = {"key": item.key, "location": location, "reason": reason,
                 "quarantined_at": now.isoformat()}
        try:
            (folder / f"{stem}.json").write_text(json.dumps(entry), encoding="utf-8")
        except OSError as exc:  # the copy and the message are safe; only reprocess lacks it
            log.error("could not record %s for mailbot reprocess: %s", item.key, exc)

    def _tell_team_of_aside(self, batch: Batch, now: datetime) -> None:
        """One mail to the team for the messages this pass set aside (not one per message: a
        flood of poison must not become a flood of alerts)."""
        if not self._aside:
            return
        copies = str(self.store.dir / "quarantine")
        mail = notices.quarantined(self._aside, self.config, copies=copies, now=now)
        batch.stage(pipeline.Decision("timer", None, None, [mail], [
            f"team told of {len(self._aside)} message(s) set aside"]))

    def _given_up(self, item: IncomingMail, now: datetime) -> None:
        """RELIABILITY D08: the process died this many times with the message in hand; it is
        not parsed again. The alert line is CRITICAL: the operator should look at it."""
        n, limit = self.attempts.count(item.key), self.attempts.limit
        reason = (f"the process died {n} times while handling it (mailbox.max_attempts = "
                  f"{limit}): not parsed again")
        self._set_aside(item, reason, reason + "\n", now, level=logging.CRITICAL)

    def _oversize(self, item: IncomingMail, batch: Batch, now: datetime) -> None:
        """RELIABILITY M04: the intake fetched only the header of a message over the cap; no
        ticket is made from a part of a message. Its sender is told when the loop guard lets
        an automatic mail go to them (mailbot.oversize)."""
        cap = self.config.mailbox.max_message_mb
        reason = (f"{item.oversize} bytes, over mailbox.max_message_mb ({cap:g} MB): not "
                  "downloaded, header only")
        self._set_aside(item, reason, reason + "\n", now)
        try:
            header = parse(item.raw, self.rules)
        except Exception as exc:  # the message is safe; only the notice is lost
            log.error("message %s: header unreadable, sender not told: %s", item.key, exc)
            return
        decision = oversize.decide(header, size=item.oversize or 0, view=batch,
                                   config=self.config, now=now)
        log.info("%s", decision.log_line(header.message_id))
        batch.stage(decision)

    # --- the outbox --------------------------------------------------------------------------

    def dispatch_outbox(self, now: datetime) -> None:
        """Hand the due mails to the courier."""
        # A mail never tried is due whatever the clock says (a --now run, a clock set back),
        # unless quiet hours hold it (a staff notice waits for the working morning).
        due = [m for m in self.store.outbox() if m.status == "pending"
               and m.message_id not in self.courier.in_flight
               and not (m.hold_until and datetime.fromisoformat(m.hold_until) > now)
               and (m.attempts == 0 or datetime.fromisoformat(m.next_attempt_at) <= now)]
        ready = []
        for mail in due:
            data = self.store.outgoing_data(mail)
            if data is None:  # cannot happen unless the state directory was edited by hand
                log.error("outbox mail %s has no message in ticket #%s", mail.message_id,
                          mail.ticket)
                continue
            ready.append(replace(mail, data=data))
        self.courier.submit(ready)

    def _record_deliveries(self, batch: Batch, summary: Summary, now: datetime, *,
                           wait: bool) -> None:
        """Stage what the courier reports: sent, deferred with back-off, or failed."""
        results = self.courier.results(wait=wait)
        if not results:
            return
        crash_point("after_send")
        commit = batch.commit
        for mail, delivery in results:
            if delivery.result is DeliveryResult.SENT:
                commit.outbox_done.append(mail.message_id)
                summary.sent += 1
                log.info("sent %s %s for ticket #%s to %d recipient(s)", mail.kind,
                         mail.message_id, mail.ticket, len(mail.recipients))
            elif delivery.unconfirmed and mail.unconfirmed >= 1:
                # A second time the server went silent after the message: it may have both
                # copies already. A third send would be one more duplicate, not a delivery.
                commit.outbox[mail.message_id] = replace(
                    mail, status="failed", attempts=mail.attempts + 1,
                    unconfirmed=mail.unconfirmed + 1,
                    last_error=f"unconfirmed twice, not retried: {delivery.detail}").to_dict()
                summary.failed += 1
                log.error("gave up %s %s for ticket #%s: no answer after the message was sent, "
                          "twice; the server may have delivered it (check its log for this "
                          "Message-ID): %s", mail.kind, mail.message_id, mail.ticket,
                          delivery.detail)
            elif delivery.unconfirmed:
                commit.outbox[mail.message_id] = replace(
                    _deferred(mail, delivery.detail, now), unconfirmed=1).to_dict()
                summary.deferred += 1
                log.warning("unconfirmed %s %s for ticket #%s: no answer after the message was "
                            "sent; retried once under the same Message-ID, a duplicate is "
                            "possible: %s", mail.kind, mail.message_id, mail.ticket,
                            delivery.detail)
            elif delivery.result is DeliveryResult.RETRY:
                commit.outbox[mail.message_id] = _deferred(mail, delivery.detail, now).to_dict()
                summary.deferred += 1
                log.warning("deferred %s %s for ticket #%s (attempt %d): %s", mail.kind,
                            mail.message_id, mail.ticket, mail.attempts + 1, delivery.detail)
            else:
                commit.outbox[mail.message_id] = replace(
                    mail, status="failed", attempts=mail.attempts + 1,
                    last_error=delivery.detail).to_dict()
                summary.failed += 1
                log.error("failed %s %s for ticket #%s: %s", mail.kind, mail.message_id,
                          mail.ticket, delivery.detail)

    def _drop_stale_acknowledgements(self, batch: Batch, now: datetime) -> None:
        for mail in self.store.outbox():
            if (mail.status != "pending" or mail.kind != "acknowledgement"
                    or mail.message_id in self.courier.in_flight
                    or now - datetime.fromisoformat(mail.created_at) <= STALE_ACKNOWLEDGEMENT):
                continue
            batch.commit.outbox[mail.message_id] = replace(
                mail, status="failed", last_error="stale: not sent within 24 h").to_dict()
            log.warning("dropped stale acknowledgement %s for ticket #%s: not sent since %s",
                        mail.message_id, mail.ticket, mail.created_at)

    def _drop_held_notices_of_closed_tickets(self, batch: Batch, now: datetime) -> None:
        """An escalation notice held for quiet hours whose ticket was closed meanwhile would
        report as late a ticket that is done: it is not sent."""
        for mail in self.store.outbox():
            if (mail.status != "pending" or mail.kind != "escalation" or mail.ticket is None
                    or not mail.hold_until or datetime.fromisoformat(mail.hold_until) <= now):
                continue
            ticket = self.store.ticket(mail.ticket)
            if ticket is None or ticket.status != "closed":
                continue
            batch.commit.outbox[mail.message_id] = replace(
                mail, status="failed", last_error="ticket closed while it was held").to_dict()
            log.info("escalation notice %s not sent: ticket #%s closed while it was held",
                     mail.message_id, mail.ticket)

    def alert_team(self, since: datetime, error: str) -> None:
        """The team's one mail about a mailbox outage past the threshold (RELIABILITY O01):
        queued now, sent when SMTP takes it (the same outbox and retries as any mail)."""
        now = self.clock().astimezone(self.config.time.calendar.tz)
        mail = notices.mailbox_outage(self.config, since=since, error=error, now=now)
        batch = Batch(self.store)
        batch.commit.outbox[mail.message_id] = mail.to_dict()
        try:
            self.store.commit(batch.commit)
        except StateUnwritable as exc:  # the ERROR line went out already; nothing else to do
            log.error("could not queue the outage mail to the team: %s", exc)
            return
        self.dispatch_outbox(now)

    def next_outbox_attempt(self) -> datetime | None:
        pending = [m.next_attempt_at for m in self.store.outbox() if m.status == "pending"]
        return datetime.fromisoformat(min(pending)) if pending else None

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
                    log.warning("state directory writable again: processing resumed")
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
            except StateUnwritable as exc:  # disk full, read-only: wait for the operator
                self.intake.rewind()  # what was fetched but not stored is fetched again
                if halted is None:  # one alert line per fault, not one per retry
                    log.error("state directory unwritable, processing stopped, mail stays on "
                              "the server: %s", exc)
                else:
                    log.debug("state directory still unwritable: %s", exc)
                halted = str(exc)
                self.health.state_unwritable(exc)
                self.health.pause(min(self.config.mailbox.poll_seconds, OUTAGE_PAUSE), self.stop)


def _deferred(mail: OutgoingMail, detail: str, now: datetime) -> OutgoingMail:
    attempts = mail.attempts + 1
    return replace(mail, attempts=attempts, last_error=detail,
                   next_attempt_at=(now + retry_delay(attempts)).isoformat())


def _who(raw: bytes) -> dict[str, str]:
    """The From and Subject of a message set aside, for the team's alert: read from the header
    alone (the message may be what broke the parser), one line each, cut short."""
    try:
        header = BytesHeaderParser(policy=compat32).parsebytes(raw[:HEADER_PEEK])
        sender, subject = (decode_text(header.get(name)) for name in ("from", "subject"))
    except Exception:  # noqa: BLE001 - the alert goes without them
        sender = subject = ""
    return {"sender": _one_line(sender), "subject": _one_line(subject)}


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200] or "?"
