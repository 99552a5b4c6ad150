"""What a transport says about each mail (SENT, RETRY, FAILED), the Transport protocol, the
envelope check every transport makes first, and the outbox's wait between retries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Protocol

from mailbot.model import OutgoingMail

RETRY_FIRST_DELAY = timedelta(minutes=1)
RETRY_MAX_DELAY = timedelta(hours=1)


class DeliveryResult(Enum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Delivery:
    result: DeliveryResult
    detail: str  # one line, for the log and the outbox's last_error
    # RETRY only: the session was lost after the message went out, before the server's answer
    # (RFC 1047's window): the server may have it, and a retry may deliver it twice.
    unconfirmed: bool = False


class Transport(Protocol):
    def send(self, mail: OutgoingMail) -> Delivery: ...

    def send_many(self, mails: Sequence[OutgoingMail]) -> list[Delivery]: ...

    def close(self) -> None: ...


def retry_delay(attempts: int) -> timedelta:
    """The wait after `attempts` failed attempts: 1 min, 2, 4, 8, ... never more than 1 h."""
    doublings = min(max(attempts, 1) - 1, 16)  # bounded, so a huge count cannot overflow
    return min(RETRY_FIRST_DELAY * 2**doublings, RETRY_MAX_DELAY)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def envelope_problem(mail: OutgoingMail) -> str | None:
    """Why this envelope cannot be used at all, or None.

    A control character in an address would let it inject SMTP commands or headers; no
    recipient means nowhere to send. Both are the bot's own bug, hence permanent.
    """
    if not mail.recipients:
        return "no recipients"
    for address in [mail.mail_from, *mail.recipients]:
        if _CONTROL.search(address):
            return f"control character in envelope address {address!r}"
    for address in mail.recipients:
        if "@" not in address:
            return f"not an address: {address!r}"
    return None
