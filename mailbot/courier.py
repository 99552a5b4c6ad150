"""Sending in threads of their own, so that SMTP round trips overlap with the next batch and
with each other.

Each worker owns one transport (one SMTP connection); the daemon's thread hands mails over and
reads back (mail, delivery) pairs. Only that thread writes the store's tickets and outbox: one
writer, as before. The workers tell the store of each SMTP attempt as it happens (`Sending`:
before DATA, then accepted or not), so that a daemon killed in between neither sends the mail
twice nor forgets it: the TinyDB store in its send log (mailbot.store.sendlog), PostgreSQL on
the outbox row (mailbot.store.pgshare), on a connection of its own.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from mailbot.faults import crash_point
from mailbot.model import OutgoingMail
from mailbot.transport import Delivery, DeliveryResult, Transport

Result = tuple[OutgoingMail, Delivery]
CHUNK = 25  # mails a worker takes at once: large enough to reuse its connection


class Sending(Protocol):
    """The store's record of each attempt (mailbot.store.backend.TicketStore)."""

    def mark_sending(self, message_id: str) -> bool: ...
    def mark_sent(self, message_id: str) -> None: ...
    def mark_unsent(self, message_id: str) -> None: ...


class Courier:
    def __init__(self, make_transport: Callable[[], Transport], *, workers: int = 2,
                 sending: Sending | None = None):
        self.in_flight: set[str] = set()  # Message-IDs handed over and not yet reported
        self._unrecorded: set[str] = set()  # ... of mails the store does not hold
        self._jobs: queue.Queue[list[OutgoingMail] | None] = queue.Queue()
        self._done: queue.Queue[list[Result]] = queue.Queue()
        self._transports = [make_transport() for _ in range(max(1, workers))]
        self._sending = sending
        if sending is not None:  # told in the worker's thread, as each attempt goes
            for transport in self._transports:
                transport.on_attempt = self._attempt  # type: ignore[attr-defined]
                transport.on_delivery = self._delivered  # type: ignore[attr-defined]
        self._threads = [threading.Thread(target=self._run, args=(t,), daemon=True,
                                          name=f"mailbot-courier-{i}")
                         for i, t in enumerate(self._transports)]
        for thread in self._threads:
            thread.start()

    def _attempt(self, mail: OutgoingMail) -> bool:
        assert self._sending is not None
        return mail.message_id in self._unrecorded or self._sending.mark_sending(mail.message_id)

    def _delivered(self, mail: OutgoingMail, delivery: Delivery) -> None:
        assert self._sending is not None
        if mail.message_id in self._unrecorded:
            return
        if delivery.result is DeliveryResult.SENT:
            crash_point("after_accept")  # the server has it; nothing says so yet
            self._sending.mark_sent(mail.message_id)
        else:
            self._sending.mark_unsent(mail.message_id)

    def submit(self, mails: Sequence[OutgoingMail], *, unrecorded: bool = False) -> None:
        """Hand mails over; `unrecorded`: mails the store does not hold (the outage mail about
        the database itself), whose attempts it is not told of."""
        fresh = [m for m in mails if m.message_id not in self.in_flight]
        self.in_flight.update(m.message_id for m in fresh)
        if unrecorded:
            self._unrecorded.update(m.message_id for m in fresh)
        for start in range(0, len(fresh), CHUNK):
            self._jobs.put(fresh[start:start + CHUNK])

    def results(self, *, wait: bool) -> list[Result]:
        """What was sent since the last call; with `wait`, everything handed over."""
        out: list[Result] = []
        while self.in_flight:
            try:
                batch = self._done.get(block=wait)
            except queue.Empty:
                break
            for mail, delivery in batch:
                self.in_flight.discard(mail.message_id)
                self._unrecorded.discard(mail.message_id)
                out.append((mail, delivery))
        return out

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=60)
        for transport in self._transports:
            transport.close()

    def _run(self, transport: Transport) -> None:
        while (mails := self._jobs.get()) is not None:
            try:
                deliveries = transport.send_many(mails)
            except Exception as exc:  # a transport bug must not lose mail: try again later
                deliveries = [Delivery(DeliveryResult.RETRY, f"transport error: {exc!r}")
                              for _ in mails]
            self._done.put(list(zip(mails, deliveries, strict=True)))
