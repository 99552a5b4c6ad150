"""What the one-writer TinyDB store answers to the parts of the store interface that only
several daemons on one database need (mailbot.store.backend.TicketStore): a pass needs no
transaction of its own, an outbox mail no lease, and there is no other instance. Its SMTP
attempts are recorded in the state directory's send log (mailbot.store.sendlog)."""

from __future__ import annotations

from pathlib import Path

from mailbot.store.sendlog import SendLog


class OneWriter:
    dir: Path  # set by Store
    _sendlog: SendLog | None = None

    def begin(self) -> None:
        """A pass starts (the one writer's passes follow each other: nothing to do)."""

    def rollback(self) -> None:
        """A pass failed: nothing of it was committed (the pass log keeps only committed passes)."""

    def lease(self, message_ids: list[str], seconds: float) -> set[str]:
        return set(message_ids)  # the one writer sends them all

    def _sends(self) -> SendLog:
        if self._sendlog is None:
            self._sendlog = SendLog(self.dir)
        return self._sendlog

    def mark_sending(self, message_id: str) -> bool:
        """Before the server is given the message (a courier thread): False, it is not."""
        return self._sends().sending(message_id)

    def mark_sent(self, message_id: str) -> None:
        """The server took it; the pass after the delivery records it in the store."""
        self._sends().sent(message_id)

    def mark_unsent(self, message_id: str) -> None:
        """The server did not take it (refused, deferred, the connection lost)."""
        self._sends().unsent(message_id)

    def interrupted(self) -> tuple[set[str], set[str]]:
        """What a previous run of this daemon left: the Message-IDs the server accepted, and
        those it was being given when the process died (mailbot.store.sendlog)."""
        return self._sends().interrupted()

    def sends_settled(self) -> None:
        """Every attempt's outcome is committed: the send log starts afresh."""
        self._sends().settled()

    def register(self, name: str, claim_folder: str) -> None:
        """Several daemons share a PostgreSQL store only: nothing to say here."""

    def orphans(self) -> list[tuple[str, str]]:
        return []

    def adopted(self, name: str, *, done: bool) -> None:
        """Never called: a state directory has no other instance."""
