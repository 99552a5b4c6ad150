"""Sending as delivery into a local Maildir: the embedded default, or a host whose MTA picks
the mail up."""

from __future__ import annotations

import logging
import mailbox
import os
import re
import socket
import time
from collections.abc import Callable, Sequence
from itertools import count
from pathlib import Path

from mailbot.model import OutgoingMail
from mailbot.storage import atomic_write
from mailbot.transport.delivery import Delivery, DeliveryResult, envelope_problem

log = logging.getLogger("mailbot.transport")  # one logger for every way of sending


_maildir_counter = count()


class MaildirTransport:
    # As SmtpTransport.on_delivery: each mail's delivery, as soon as it is known.
    on_delivery: Callable[[OutgoingMail, Delivery], object] | None = None
    on_attempt: Callable[[OutgoingMail], bool] | None = None  # as SmtpTransport.on_attempt
    """Sending as delivery into a local Maildir, the way a local delivery agent does it.

    The embedded default (the README demo needs no mail server) and the choice for a host whose
    own MTA picks the mail up. The envelope, which a file has no other place for, is kept in
    `Return-Path` and `Envelope-To` trace headers put on top; the message itself is unchanged
    but for line ends, stored the Unix way as Maildir readers expect.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        mailbox.Maildir(self.path, create=True)  # tmp/, new/ and cur/, if missing

    def __repr__(self) -> str:
        return f"MaildirTransport({str(self.path)!r})"

    def send(self, mail: OutgoingMail) -> Delivery:
        problem = envelope_problem(mail)
        if problem is not None:
            return Delivery(DeliveryResult.FAILED, problem)
        trace = f"Return-Path: <{mail.mail_from}>\nEnvelope-To: {', '.join(mail.recipients)}\n"
        body = re.sub(rb"\r\n?", b"\n", mail.data.encode("utf-8"))
        try:
            name = self._deliver(trace.encode("utf-8") + body)
        except OSError as exc:  # a full disk or a permission: the operator can fix it
            log.warning("maildir %s: cannot deliver %s: %s", self.path, mail.message_id, exc)
            return Delivery(DeliveryResult.RETRY, f"cannot write into {self.path}: {exc}")
        log.debug("maildir %s: delivered %s as %s", self.path, mail.message_id, name)
        return Delivery(DeliveryResult.SENT, f"delivered to {self.path}/new/{name}")

    def send_many(self, mails: Sequence[OutgoingMail]) -> list[Delivery]:
        deliveries = []
        for mail in mails:
            if self.on_attempt is not None and not self.on_attempt(mail):
                deliveries.append(Delivery(DeliveryResult.RETRY,
                                           "not sent: the attempt could not be recorded"))
                continue
            deliveries.append(self.send(mail))
            if self.on_delivery is not None:
                self.on_delivery(mail, deliveries[-1])
        return deliveries

    def close(self) -> None:
        """Nothing to release: every delivery opens and closes its own file."""

    def _deliver(self, data: bytes) -> str:
        # The Maildir protocol: write in tmp/, make it durable, then rename into new/, so a
        # reader never sees half a message and a crash leaves at worst a stray file in tmp/.
        now = time.time()
        name = (
            f"{int(now)}.M{int(now % 1 * 1e6)}P{os.getpid()}Q{next(_maildir_counter)}"
            f".{socket.gethostname().replace('/', '_').replace(':', '_')}"
        )
        atomic_write(self.path / "new" / name, data, tmp=self.path / "tmp" / name)
        return name
