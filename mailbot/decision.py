"""What the functional core returns, and the read-only view of the tickets it reads.

`mailbot.pipeline` decides for a message, `mailbot.timekeeping` for the clock; the daemon stages
every `Decision` of a pass in a `mailbot.batch.Batch` (a `View` that sees them) and commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from mailbot.model import OutgoingMail, Ticket


class View(Protocol):
    def ticket(self, number: int) -> Ticket | None: ...
    def lookup(self, key: str) -> int | None: ...
    def next_number(self) -> int: ...
    def automatic_since(self, recipient: str, since_iso: str) -> int: ...
    def deadlines(self) -> dict[int, str]: ...  # open tickets -> next deadline (UTC ISO, "")
    def due(self, by: str) -> dict[int, str]: ...  # open tickets due at or before `by`
    def meta(self, name: str, default: object = None) -> object: ...
    def tickets(self) -> Iterable[Ticket]: ...  # every ticket (the monthly report)
    def recent(self, table: str, key: str) -> list[dict[str, Any]]: ...


@dataclass
class Decision:
    # new_ticket | follow_up | reopened | filed_thanks | technician | commands_refused |
    # unauthenticated | delivery_failure | filed_automatic | dropped | loop | duplicate | timer
    action: str
    key: str | None  # the incoming message's idempotency key; None for a timer decision
    ticket: Ticket | None = None
    mails: list[OutgoingMail] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    meta: dict[str, object] = field(default_factory=dict)  # store values (the digest's day)
    # Other tickets this decision changes (a mass incident's parent and children).
    others: list[Ticket] = field(default_factory=list)
    # Events the rules count later: (table, key, event with an "at"), see Store.recent.
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    # Lines for the operator, logged as warnings (an address that hit the automatic-mail cap).
    warnings: list[str] = field(default_factory=list)
    # Every rule tried on a new ticket, hit or miss, with its reason (`mailbot replay`).
    trace: list[str] = field(default_factory=list)
    # Outbox mails this decision makes unnecessary (a held notice that a mass incident's
    # notice now covers); dropped from the outbox in the same commit.
    cancel: list[str] = field(default_factory=list)

    def log_line(self, message_id: str | None) -> str:
        where = f"ticket #{self.ticket.number}" if self.ticket else "no ticket"
        sent = ", ".join(f"{m.kind}->{len(m.recipients)}" for m in self.mails) or "no mail"
        why = f" ({'; '.join(self.reasons)})" if self.reasons else ""
        return f"{message_id or '<no Message-ID>'}: {self.action}, {where}, {sent}{why}"


def index_keys(key: str) -> list[str]:
    """The index entries a handled message writes: its key, and `mid:<id>` alone, which
    threading looks up (`mailbot.steps.common.ticket_of_id`) to find the ticket a reply refers
    to."""
    thread, found, _ = key.rpartition(" content:")
    return [key, thread] if found and thread.startswith("mid:") else [key]
