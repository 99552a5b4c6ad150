"""What every intake shares: the mail it hands out, its errors, the Intake protocol, where
the IMAP cursor is kept, and the back-off between connection attempts."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

BACKOFF_CAP_SECONDS = 60.0


def backoff_delay(attempt: int, rng: random.Random, *, cap: float = BACKOFF_CAP_SECONDS) -> float:
    """The pause after the `attempt`-th failed connection: capped exponential (1, 2, 4 … cap s)
    with equal jitter, half of the step plus a random share of the other half. Daemons that
    lost the same server together (a restart, a network cut) do not all come back in step,
    and no pause is shorter than half its step (full jitter could hammer at almost 0 s)."""
    step = min(2.0 ** min(max(attempt, 1) - 1, 16), cap)
    return step / 2 + rng.uniform(0, step / 2)


class IntakeError(Exception):
    """The operator's problem: the mailbox cannot be reached or used as configured."""


class LoginRefused(IntakeError):
    """The server refused the configured user and password or access token (after the
    retries), or the identity provider refused to issue a token."""


@dataclass(frozen=True)
class IncomingMail:
    key: str  # stable id of the item in its source: f"{uidvalidity}:{uid}" or the Maildir name
    raw: bytes  # exact bytes as stored, fetched without marking the message seen
    uid: str | None = None
    uidvalidity: int | None = None
    # Its size in bytes when it is over the intake's cap: `raw` then holds its header only, and
    # the daemon sets it aside unparsed (RELIABILITY M04). None: `raw` is the whole message.
    oversize: int | None = None
    folder: str | None = None  # IMAP: the folder the UID is in (a claim folder, see C02)
    # When it reached our mail server: IMAP's INTERNALDATE, a Maildir file's time (Dovecot's
    # own INTERNALDATE there). Never the sender's Date, which the sender chooses. None: unknown.
    arrived: datetime | None = None


class Intake(Protocol):
    def fetch_pending(self, *, limit: int = 100) -> list[IncomingMail]: ...

    def mark_processed(self, items: Sequence[IncomingMail]) -> None: ...

    def quarantine(self, item: IncomingMail) -> str | None:
        """Set the message aside; returns where it now is in the quarantine (for `release`),
        when the mailbox says so."""

    def release(self, locations: Sequence[str]) -> set[str]:
        """`mailbot reprocess`: move quarantined messages back to the inbox; returns the
        locations that were still there and moved."""

    def wait_for_mail(self, timeout: float, stop: threading.Event) -> bool: ...

    def rewind(self) -> None:
        """Forget what was handed out: the next fetch sees again all that is still there."""

    def close(self) -> None: ...


class CursorStore(Protocol):
    """Where the IMAP intake remembers (UIDVALIDITY, last UID handed out) per folder."""

    def get(self, folder: str) -> tuple[int, int] | None: ...

    def set(self, folder: str, uidvalidity: int, uid: int) -> None: ...


class MemoryCursorStore:
    """A CursorStore that lives as long as the process: for tests and one-shot runs."""

    def __init__(self) -> None:
        self._cursors: dict[str, tuple[int, int]] = {}

    def get(self, folder: str) -> tuple[int, int] | None:
        return self._cursors.get(folder)

    def set(self, folder: str, uidvalidity: int, uid: int) -> None:
        self._cursors[folder] = (uidvalidity, uid)

