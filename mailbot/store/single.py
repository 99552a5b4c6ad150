"""What the one-writer TinyDB store answers to the parts of the store interface that only
several daemons on one database need (mailbot.store.backend.TicketStore): a pass needs no
transaction of its own, an outbox mail no lease, and there is no other instance."""

from __future__ import annotations


class OneWriter:
    def begin(self) -> None:
        """A pass starts (the one writer's passes follow each other: nothing to do)."""

    def rollback(self) -> None:
        """A pass failed: nothing of it was committed (the pass log keeps only committed passes)."""

    def lease(self, message_ids: list[str], seconds: float) -> set[str]:
        return set(message_ids)  # the one writer sends them all

    def mark_sent(self, message_id: str) -> None:
        """The pass after the delivery records it (the journal makes that one commit)."""

    def register(self, name: str, claim_folder: str) -> None:
        """Several daemons share a PostgreSQL store only: nothing to say here."""

    def orphans(self) -> list[tuple[str, str]]:
        return []

    def adopted(self, name: str, *, done: bool) -> None:
        """Never called: a state directory has no other instance."""
