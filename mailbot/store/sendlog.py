"""The one-writer store's record of each SMTP attempt (the state directory's `sending.log`), so
that a daemon killed between the server's acceptance of a mail and the pass that records it
neither sends that mail again nor forgets it.

A courier thread appends `sending <Message-ID>` (written to disk, fsync) before it gives the
server the message, then `sent <Message-ID>` once the server accepted it, or `unsent
<Message-ID>` when it did not take it (refused, deferred, or the connection lost). After a
crash, the next daemon reads what each outbox mail's last line says (`interrupted`):

    sent      the server accepted it before the crash: recorded as sent, not sent again
    sending   the process died between the two lines: the server may have it or not. The
              mail is kept as "maybe sent" for the operator, not sent again (a duplicate
              acknowledgement is worse than one an operator sends by hand)
    unsent    nothing was accepted: it stays pending and goes again

The file is emptied once every mail it names has its outcome committed (`settled`)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from mailbot.storage import append

log = logging.getLogger("mailbot")

NAME = "sending.log"


class SendLog:
    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / NAME
        self._lock = threading.Lock()
        self._written = self.path.exists() and self.path.stat().st_size > 0

    def _append(self, line: str, *, sync: bool) -> bool:
        with self._lock:
            try:
                append(self.path, line.encode("utf-8"), durable=sync)
            except OSError as exc:
                log.error("could not write %s: %s", self.path, exc)
                return False
            self._written = True
            return True

    def sending(self, message_id: str) -> bool:
        """Before the message goes: False if that could not be written (it does not go)."""
        return self._append(f"sending {message_id}\n", sync=True)

    def sent(self, message_id: str) -> None:
        # No fsync: a kill -9 keeps what was written; a power cut may lose the line, and the
        # mail is then "maybe sent", not sent twice.
        self._append(f"sent {message_id}\n", sync=False)

    def unsent(self, message_id: str) -> None:
        self._append(f"unsent {message_id}\n", sync=False)

    def interrupted(self) -> tuple[set[str], set[str]]:
        """(accepted, unknown): the Message-IDs whose last line is `sent`, and `sending`."""
        try:
            text = self.path.read_text("utf-8", errors="replace")
        except FileNotFoundError:
            return set(), set()
        last: dict[str, str] = {}
        for line in text.splitlines():
            word, _, message_id = line.partition(" ")
            if message_id and word in ("sending", "sent", "unsent"):
                last[message_id] = word
        return ({m for m, w in last.items() if w == "sent"},
                {m for m, w in last.items() if w == "sending"})

    def settled(self) -> None:
        """Every mail named here has its outcome committed: start afresh."""
        with self._lock:
            if not self._written:
                return
            try:
                self.path.unlink(missing_ok=True)
            except OSError as exc:
                log.error("could not empty %s: %s", self.path, exc)
                return
            self._written = False


MAYBE_SENT_ERROR = ("maybe sent: the daemon was stopped while the SMTP server was given it; "
                    "not sent again")


def report_maybe_sent(message_id: str, kind: str, ticket: object, who: str) -> None:
    """The log line of a mail kept as "maybe sent" after a crash."""
    about = f"for ticket #{ticket}" if ticket not in (None, "") else "(about no ticket)"
    log.warning("maybe sent %s %s %s: %s was stopped between giving it to the SMTP server and "
                "recording the answer; not sent again, a duplicate being worse than a mail an "
                "operator resends (look for this Message-ID in the server's log; `mailbot "
                "outbox` lists it)", kind, message_id, about, who)
