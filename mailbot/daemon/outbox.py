"""The daemon's outbox: handing due mail to the courier, recording what it reports (sent,
deferred with back-off, failed), dropping mail that came too late to be of use, and queuing
the team's mail about a mailbox outage. Mixed into Daemon."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from email.utils import format_datetime

from mailbot import notices
from mailbot.batch import Batch
from mailbot.config import Config
from mailbot.courier import Courier
from mailbot.daemon.summary import Summary
from mailbot.faults import crash_point
from mailbot.model import OutgoingMail
from mailbot.storage import StateUnwritable
from mailbot.store import TicketStore
from mailbot.store.sendlog import MAYBE_SENT_ERROR, report_maybe_sent
from mailbot.transport.delivery import DeliveryResult, retry_delay

log = logging.getLogger("mailbot")

# An acknowledgement is useful at once; one that could not go out within a day (SMTP down, a
# --now far ahead) says "we have received your request" too late: dropped, logged (O08).
STALE_ACKNOWLEDGEMENT = timedelta(hours=24)
# The level an escalation notice's subject names ("Escalade niveau 3", "Escalation level 3").
_LEVEL = re.compile(r"(?:niveau|level) (\d+)", re.IGNORECASE)


class OutboxHandling:
    """Daemon's outbox steps (RELIABILITY O01, O08, O10)."""

    # Set by Daemon.__init__ (mailbot.daemon.loop).
    config: Config
    store: TicketStore
    courier: Courier
    clock: Callable[[], datetime]

    _interrupted_settled = False

    def finish_deliveries(self, summary: Summary) -> None:
        """Wait for the courier and commit what it reports (the end of `run --once`)."""
        batch = Batch(self.store)
        self._record_deliveries(batch, summary, self.clock(), wait=True)
        self.store.commit(batch.commit)
        self.sends_committed()

    def sends_committed(self) -> None:
        """After a commit: with nothing in flight, every attempt's outcome is in the store."""
        self._interrupted_settled = True  # the first pass's settling is committed
        if not self.courier.in_flight:
            self.store.sends_settled()

    def _settle_interrupted(self, batch: Batch) -> None:
        """The first pass: the attempts a killed run of this daemon left unrecorded (the TinyDB
        store's send log; PostgreSQL settles them in the database). A mail the server accepted
        is recorded as sent; one it was being given when the process died is kept as 'maybe
        sent', not sent again: a duplicate to a person is worse than a mail the operator
        resends after looking for it in the server's log."""
        if self._interrupted_settled:
            return
        accepted, unknown = self.store.interrupted()
        if not accepted and not unknown:
            return
        for mail in self.store.outbox():
            if mail.status != "pending" or mail.message_id in self.courier.in_flight:
                continue
            if mail.message_id in accepted:
                batch.commit.outbox_done.append(mail.message_id)
                log.info("sent %s %s %s before the restart (the server accepted it): "
                         "recorded, not sent again", mail.kind, mail.message_id, _about(mail))
            elif mail.message_id in unknown:
                batch.commit.outbox[mail.message_id] = replace(
                    mail, status="maybe_sent", last_error=MAYBE_SENT_ERROR).to_dict()
                report_maybe_sent(mail.message_id, mail.kind, mail.ticket,
                                  "the previous run of this daemon")


    def dispatch_outbox(self, now: datetime) -> None:
        """Hand the due mails to the courier."""
        # A mail never tried is due whatever the clock says (a --now run, a clock set back),
        # unless quiet hours hold it (a staff notice waits for the working morning).
        due = [m for m in self.store.outbox() if m.status == "pending"
               and m.message_id not in self.courier.in_flight
               and not (m.hold_until and datetime.fromisoformat(m.hold_until) > now)
               and not self._still_quiet(m, now)
               and (m.attempts == 0 or datetime.fromisoformat(m.next_attempt_at) <= now)]
        due += self._held_notices_told_elsewhere(due, now)
        # Several daemons on one database: each mail is taken by one of them (a lease on its
        # row); the others skip it until the lease expires (a crash before the report).
        taken = self.store.lease([m.message_id for m in due], self.lease_seconds())
        ready = []
        for mail in (m for m in due if m.message_id in taken):
            data = self.store.outgoing_data(mail)
            if data is None:  # cannot happen unless the state directory was edited by hand
                log.error("outbox mail %s %s has no message in the store", mail.message_id,
                          _about(mail))
                continue
            if mail.hold_until:  # held for quiet hours: dated when it leaves (day 1 §6)
                data = redate(data, now.astimezone(self.config.time.calendar.tz))
            ready.append(replace(mail, data=data))
        self.courier.submit(ready)

    def _held_notices_told_elsewhere(self, due: list[OutgoingMail],
                                     now: datetime) -> list[OutgoingMail]:
        """Held new-ticket notices (for the mass window, day 7 defect 3) whose ticket another
        staff mail due now speaks of: an escalation or VIP notice about it, or the morning's
        digest, which lists every open ticket. The team never reads of a ticket there before
        its own notice: the held notice goes in the same pass."""
        digest = any(m.kind == "digest" for m in due)
        told = {m.ticket for m in due if m.kind in ("escalation", "vip_notice")}
        return [m for m in self.store.outbox() if m.status == "pending"
                and m.kind == "team_notice" and m.message_id not in self.courier.in_flight
                and m.hold_until and datetime.fromisoformat(m.hold_until) > now
                and (digest or m.ticket in told) and not self._still_quiet(m, now)]

    def lease_seconds(self) -> float:
        """Long enough for every retry of one SMTP submission, and the next pass's report."""
        return max(300.0, 4 * self.config.smtp.timeout_seconds)

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
                log.info("sent %s %s %s to %d recipient(s)%s", mail.kind,
                         mail.message_id, _about(mail), len(mail.recipients),
                         f" (resent at the operator's request of {mail.resent_by_hand})"
                         if mail.resent_by_hand else "")
            elif delivery.unconfirmed and mail.unconfirmed >= 1:
                # A second time the server went silent after the message: it may have both
                # copies already. A third send would be one more duplicate, not a delivery.
                commit.outbox[mail.message_id] = replace(
                    mail, status="failed", attempts=mail.attempts + 1,
                    unconfirmed=mail.unconfirmed + 1,
                    last_error=f"unconfirmed twice, not retried: {delivery.detail}").to_dict()
                summary.failed += 1
                log.error("gave up %s %s %s: no answer after the message was sent, "
                          "twice; the server may have delivered it (check its log for this "
                          "Message-ID): %s", mail.kind, mail.message_id, _about(mail),
                          delivery.detail)
            elif delivery.unconfirmed:
                commit.outbox[mail.message_id] = replace(
                    _deferred(mail, delivery.detail, now), unconfirmed=1).to_dict()
                summary.deferred += 1
                log.warning("unconfirmed %s %s %s: no answer after the message was "
                            "sent; retried once under the same Message-ID, a duplicate is "
                            "possible: %s", mail.kind, mail.message_id, _about(mail),
                            delivery.detail)
            elif delivery.result is DeliveryResult.RETRY:
                commit.outbox[mail.message_id] = _deferred(mail, delivery.detail, now).to_dict()
                summary.deferred += 1
                log.warning("deferred %s %s %s (attempt %d): %s", mail.kind,
                            mail.message_id, _about(mail), mail.attempts + 1, delivery.detail)
            else:
                commit.outbox[mail.message_id] = replace(
                    mail, status="failed", attempts=mail.attempts + 1,
                    last_error=delivery.detail).to_dict()
                summary.failed += 1
                log.error("failed %s %s %s: %s", mail.kind, mail.message_id,
                          _about(mail), delivery.detail)

    def _drop_stale_acknowledgements(self, batch: Batch, now: datetime) -> None:
        for mail in self.store.outbox():
            if (mail.status != "pending" or mail.kind != "acknowledgement"
                    or mail.message_id in self.courier.in_flight or mail.resent_by_hand
                    or now - datetime.fromisoformat(mail.created_at) <= STALE_ACKNOWLEDGEMENT):
                continue
            batch.commit.outbox[mail.message_id] = replace(
                mail, status="failed", last_error="stale: not sent within 24 h").to_dict()
            log.warning("dropped stale acknowledgement %s %s: not sent since %s",
                        mail.message_id, _about(mail), mail.created_at)

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

    def _drop_released_notices_overtaken(self, batch: Batch, now: datetime) -> None:
        """Held escalation notices due now, read again against the ticket as this pass leaves
        it (its mail and its ladder included): one whose ticket was closed, or has since been
        told a higher level, is not sent: it would tell a step already passed, or a lower
        level after a higher one (issue 16 §4)."""
        for mail in self.store.outbox():
            if (mail.status != "pending" or mail.kind != "escalation" or mail.ticket is None
                    or not mail.hold_until or datetime.fromisoformat(mail.hold_until) > now
                    or mail.message_id in batch.commit.outbox or self._still_quiet(mail, now)):
                continue
            ticket = batch.ticket(mail.ticket)
            if ticket is None:
                continue
            why = ("ticket closed while it was held" if ticket.status == "closed" else
                   f"level {ticket.escalation_level} told since"
                   if 0 < _level(mail) < ticket.escalation_level else "")
            if why:
                batch.commit.outbox[mail.message_id] = replace(
                    mail, status="failed", last_error=why).to_dict()
                log.info("escalation notice %s not sent: %s (ticket #%s)", mail.message_id,
                         why, mail.ticket)

    def _still_quiet(self, mail: OutgoingMail, now: datetime) -> bool:
        """A notice held for quiet hours whose release time has passed but whose sending
        falls outside working time by the calendar now (the daemon not run for days, a public
        holiday): still held, unless its ticket's priority is round the clock."""
        policy = self.config.time
        if not mail.hold_until or policy.calendar.in_working_day(now):
            return False
        ticket = self.store.ticket(mail.ticket) if mail.ticket is not None else None
        return not policy.round_the_clock(ticket.priority if ticket else None)

    def _recheck_held_notices(self, batch: Batch, now: datetime) -> None:
        """Held notices due now: outside working time they wait for the next working morning;
        of a ticket's held escalation notices released together, only the highest level goes
        out (the ones it supersedes would tell people of a step already passed)."""
        released: dict[int, list[OutgoingMail]] = {}
        for mail in self.store.outbox():
            if (mail.status != "pending" or not mail.hold_until
                    or datetime.fromisoformat(mail.hold_until) > now):
                continue
            if self._still_quiet(mail, now):
                release = self.config.time.calendar.next_morning(now).isoformat()
                batch.commit.outbox[mail.message_id] = replace(
                    mail, hold_until=release, next_attempt_at=release).to_dict()
                log.info("held %s %s %s until %s: outside working time", mail.kind,
                         mail.message_id, _about(mail), release)
            elif mail.kind == "escalation" and mail.ticket is not None:
                released.setdefault(mail.ticket, []).append(mail)
        for number, held in released.items():
            held.sort(key=lambda m: (_level(m), m.created_at))
            for mail in held[:-1]:
                batch.commit.outbox[mail.message_id] = replace(
                    mail, status="failed", last_error="superseded by a higher level").to_dict()
                log.info("escalation notice %s not sent: superseded by %s for ticket #%s",
                         mail.message_id, held[-1].message_id, number)

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

    def store_fault(self, error: Exception) -> None:
        """The team's one mail about a ticket database that refuses the pass (the loop calls
        this once per outage): straight to the courier, since the outbox is in that database.
        A state directory that cannot be written is the machine's own problem: the ERROR line
        and systemd's status say it, as before."""
        if self.store.kind != "postgresql":
            return
        from mailbot.store.backend import describe, instance

        now = self.clock().astimezone(self.config.time.calendar.tz)
        mail = notices.store_outage(self.config, since=now, error=str(error),
                                    database=describe(self.config),
                                    instance=instance(self.config), now=now)
        self.courier.submit([mail], unrecorded=True)
        log.warning("outage mail %s handed to SMTP for %s", mail.message_id,
                    self.config.team_address)

    def next_outbox_attempt(self) -> datetime | None:
        pending = [m.next_attempt_at for m in self.store.outbox() if m.status == "pending"]
        return datetime.fromisoformat(min(pending)) if pending else None


_DATE = re.compile(r"^Date:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*", re.MULTILINE | re.IGNORECASE)


def redate(data: str, when: datetime) -> str:
    """The message with its Date header set to `when`: a notice held for quiet hours leaves in
    the morning and must sort there in a mail client, not in the night it was decided in (its
    Message-ID, and so its threading and retries, stay as they were)."""
    end = re.search(r"\r?\n\r?\n", data)
    head, rest = (data[:end.start()], data[end.start():]) if end else (data, "")
    return _DATE.sub(lambda _: f"Date: {format_datetime(when)}", head, count=1) + rest


def _deferred(mail: OutgoingMail, detail: str, now: datetime) -> OutgoingMail:
    attempts = mail.attempts + 1
    return replace(mail, attempts=attempts, last_error=detail,
                   next_attempt_at=(now + retry_delay(attempts)).isoformat())


def _level(mail: OutgoingMail) -> int:
    found = _LEVEL.search(mail.subject)
    return int(found.group(1)) if found else 0


def _about(mail: OutgoingMail) -> str:
    """What a log line says a mail is about: a digest or a quarantine notice is about no
    ticket, and "for ticket #None" is no way to say so (issue 16 §9)."""
    return f"for ticket #{mail.ticket}" if mail.ticket is not None else "(about no ticket)"
