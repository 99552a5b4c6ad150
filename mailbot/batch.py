"""A batch of decisions, committed at once: the View `decide` reads while a batch is staged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from mailbot import ids, loopguard
from mailbot.decision import Decision, index_keys
from mailbot.model import Ticket
from mailbot.store import Commit, TicketStore

# The automatic mails that a stranger's mail can trigger: counted per recipient for the loop cap
# (the demotion notice too: RELIABILITY S07; the notice of a message over the size cap: M04).
CAPPED = ("acknowledgement", "unauthenticated", "demotion", "oversize_notice", "known_incident")
# The automatic mails to requesters, counted together for the global cap (S12, under
# loopguard.ALL); staff notices are not.
TOTAL = ("acknowledgement", "demotion", "oversize_notice", "known_incident")


class Batch:
    """A View of the store plus the decisions staged since the last commit."""

    def __init__(self, store: TicketStore, *,
                 deadline: Callable[[Ticket], str | None] | None = None):
        self.store = store
        # The ticket -> next-deadline rule (mailbot.clock.policy.TimePolicy.index_entry): every
        # staged ticket's entry in the deadline index is written in the same commit.
        self.deadline = deadline
        self.commit = Commit()
        self._next: int | None = None
        # The staged events and automatic mails by (table, key) and by recipient: every message
        # asks, and a scan of the whole batch's would cost the square of its size.
        self._events: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._sent: dict[str, list[str]] = {}

    def ticket(self, number: int) -> Ticket | None:
        staged = self.commit.tickets.get(number)
        return Ticket.from_dict(staged) if staged is not None else self.store.ticket(number)

    def lookup(self, key: str) -> int | None:
        if key in self.commit.index:
            return self.commit.index[key]
        return self.store.lookup(key)

    def next_number(self) -> int:
        return self._next if self._next is not None else self.store.next_number()

    def deadlines(self) -> dict[int, str]:
        """Open tickets -> next deadline, staged changes included."""
        merged = self.store.deadlines()
        for number, deadline in self.commit.deadlines.items():
            if deadline is None:
                merged.pop(int(number), None)
            else:
                merged[int(number)] = deadline
        return merged

    def tickets(self) -> Iterator[Ticket]:
        """Every ticket, staged changes included (the monthly report reads them all)."""
        staged = dict(self.commit.tickets)
        for ticket in self.store.tickets():
            data = staged.pop(ticket.number, None)
            yield Ticket.from_dict(data) if data is not None else ticket
        for number in sorted(staged):
            yield Ticket.from_dict(staged[number])

    def due(self, by: str) -> dict[int, str]:
        """Open tickets whose deadline is at or before `by`, staged changes included (from
        the store's index: the sweep does not read every open ticket)."""
        merged = self.store.due(by)
        for number, deadline in self.commit.deadlines.items():
            if deadline and deadline <= by:
                merged[int(number)] = deadline
            else:
                merged.pop(int(number), None)
        return merged

    def meta(self, name: str, default: object = None) -> object:
        if name in self.commit.meta:
            return self.commit.meta[name]
        return self.store.meta(name, default)
    def recent(self, table: str, key: str) -> list[dict[str, Any]]:
        return [*self.store.recent(table, key), *self._events.get((table, key), ())]

    def automatic_since(self, recipient: str, since_iso: str) -> int:
        staged = sum(1 for at in self._sent.get(recipient, ()) if at >= since_iso)
        return staged + self.store.automatic_since(recipient, since_iso)

    def stage(self, decision: Decision) -> None:
        number = decision.ticket.number if decision.ticket else 0
        # A timer decision has no incoming message; a duplicate's entries are there already
        # (rewriting them with no ticket would lose the ticket its Message-ID threads to).
        # The first message under a Message-ID keeps its thread: another one reusing that id
        # (now a message of its own, not a duplicate) does not take the replies away from it.
        if decision.key is not None and decision.action != "duplicate":
            for key in index_keys(decision.key):
                if key == decision.key or self.lookup(key) is None:
                    self.commit.index[key] = number
        # A store shared by several daemons (PostgreSQL) numbers each new ticket itself: told
        # which number a ticket took, it reserves another for the next one.
        taken = getattr(self.store, "number_taken", None)
        for ticket in [*decision.others, *([decision.ticket] if decision.ticket else [])]:
            self.commit.tickets[ticket.number] = ticket.to_dict()
            if ticket.number >= self.store.next_number():  # new: its token goes in the index
                self.commit.index[ids.token_key(ticket.token)] = ticket.number
                if taken is not None:
                    taken(ticket.number)
            if self.deadline is not None:
                self.commit.deadlines[str(ticket.number)] = self.deadline(ticket)
            if taken is None and ticket.number >= self.next_number():
                self._next = self.commit.next_number = ticket.number + 1
        self.commit.meta.update(decision.meta)
        for table, key, event in decision.events:
            self.commit.recent.append([table, key, event])
            self._events.setdefault((table, key), []).append(event)
        self.commit.outbox_done.extend(decision.cancel)
        for mail in decision.mails:
            self.commit.outbox[mail.message_id] = mail.to_dict()
            # The instant, then the mail's id: several mails of one pass share the instant
            # and must each count, while a journal applied twice must count each once (the
            # store keeps a set). The id after a space still compares as its instant.
            at = datetime.fromisoformat(mail.created_at).astimezone(UTC).isoformat()
            at = f"{at} {mail.message_id}"
            counted = [*(mail.recipients if mail.kind in CAPPED else []),
                       *([loopguard.ALL] if mail.kind in TOTAL else [])]
            for recipient in counted:
                self._sent.setdefault(recipient, []).append(at)
                self.commit.automatic.append([recipient, at])
