"""Sending in threads of their own, so that SMTP round trips overlap with the next batch and
with each other.

Each worker owns one transport (one SMTP connection); the daemon's thread hands mails over and
reads back (mail, delivery) pairs. Only that thread writes the store: one writer, as before,
except `on_sent`, which a store shared by several daemons uses to record a sent mail at once
(PgStore.mark_sent, on a connection of its own).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

from mailbot.model import OutgoingMail
from mailbot.transport import Delivery, DeliveryResult, Transport

Result = tuple[OutgoingMail, Delivery]
CHUNK = 25  # mails a worker takes at once: large enough to reuse its connection


class Courier:
    def __init__(self, make_transport: Callable[[], Transport], *, workers: int = 2,
                 on_sent: Callable[[OutgoingMail], object] | None = None):
        self.in_flight: set[str] = set()  # Message-IDs handed over and not yet reported
        self._jobs: queue.Queue[list[OutgoingMail] | None] = queue.Queue()
        self._done: queue.Queue[list[Result]] = queue.Queue()
        self._transports = [make_transport() for _ in range(max(1, workers))]
        if on_sent is not None:  # told in the worker's thread, as each server says yes
            for transport in self._transports:
                transport.on_delivery = (  # type: ignore[attr-defined]
                    lambda mail, delivery: on_sent(mail)
                    if delivery.result is DeliveryResult.SENT else None)
        self._threads = [threading.Thread(target=self._run, args=(t,), daemon=True,
                                          name=f"mailbot-courier-{i}")
                         for i, t in enumerate(self._transports)]
        for thread in self._threads:
            thread.start()

    def submit(self, mails: Sequence[OutgoingMail]) -> None:
        fresh = [m for m in mails if m.message_id not in self.in_flight]
        self.in_flight.update(m.message_id for m in fresh)
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
