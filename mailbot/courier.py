"""Sending in a thread of its own, so that SMTP round trips overlap with the next batch.

The courier only talks to the transport. Everything it learns goes back to the daemon's thread
as (mail, delivery) pairs, and only that thread writes the store: one writer, as before.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence

from mailbot.model import OutgoingMail
from mailbot.transport import Delivery, DeliveryResult, Transport

Result = tuple[OutgoingMail, Delivery]


class Courier:
    def __init__(self, transport: Transport):
        self.transport = transport
        self.in_flight: set[str] = set()  # Message-IDs handed over and not yet reported
        self._jobs: queue.Queue[list[OutgoingMail] | None] = queue.Queue()
        self._done: queue.Queue[list[Result]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="mailbot-courier", daemon=True)
        self._thread.start()

    def submit(self, mails: Sequence[OutgoingMail]) -> None:
        fresh = [m for m in mails if m.message_id not in self.in_flight]
        if fresh:
            self.in_flight.update(m.message_id for m in fresh)
            self._jobs.put(fresh)

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
        self._jobs.put(None)
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while (mails := self._jobs.get()) is not None:
            try:
                deliveries = self.transport.send_many(mails)
            except Exception as exc:  # a transport bug must not lose mail: try again later
                deliveries = [Delivery(DeliveryResult.RETRY, f"transport error: {exc!r}")
                              for _ in mails]
            self._done.put(list(zip(mails, deliveries, strict=True)))
