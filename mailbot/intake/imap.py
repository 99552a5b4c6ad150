"""The support mailbox over IMAP (imap-tools): the Intake protocol, fetching, moving, waiting.

Its connection is in mailbot.intake.imap_connection, its claims (C02) in mailbot.intake.claim,
the commands it sends beyond imap-tools in mailbot.intake.imap_commands. What an intake
promises (nothing leaves the inbox before its effects are stored) is in mailbot.intake.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import random
import re
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from imap_tools import BaseMailBox
from imap_tools.errors import (
    ImapToolsError,
)

from mailbot.intake.base import (
    CursorStore,
    IncomingMail,
    IntakeError,
    MemoryCursorStore,
)
from mailbot.intake.claim import CLAIMED, ImapClaims, drop_claims
from mailbot.intake.imap_commands import (
    LINK_ERRORS,
    parse_fetch,
    quoted,
    take_new_mail_notices,
    transfer,
    uid_set,
    wait_readable,
)
from mailbot.intake.imap_connection import ImapConnection
from mailbot.intake.size import parse_arrivals, parse_sizes
from mailbot.net import SECURITY_MODES, is_loopback
from mailbot.oauth2 import TokenSource

log = logging.getLogger("mailbot.intake")  # one logger for every room of the intake


# RFC 2177: a client should re-issue IDLE at least every 29 minutes or be logged off.
IDLE_RENEW_SECONDS = 25 * 60


class ImapIntake(ImapClaims, ImapConnection):
    """The support mailbox over IMAP, through imap-tools, with one connection re-used."""

    def __init__(self, *, host: str, port: int, security: str, user: str, password: str = "",
                 tokens: TokenSource | None = None, folder: str = "INBOX",
                 processed_folder: str = "mailbot/processed",
                 quarantine_folder: str = "mailbot/quarantine", cursor: CursorStore | None = None,
                 ssl_context: ssl.SSLContext | None = None, timeout: float = 30.0,
                 poll_interval: float = 30.0, idle_renew: float = IDLE_RENEW_SECONDS,
                 max_attempts: int = 10, sleep: Callable[[float], object] = time.sleep,
                 rng: random.Random | None = None,
                 on_failure: Callable[[IntakeError], object] | None = None,
                 max_message_bytes: int | None = None, claim_folder: str = "") -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {', '.join(SECURITY_MODES)}: {security!r}")
        if security == "none" and not is_loopback(host):
            raise ValueError(f"security 'none' sends the password in clear: refused for {host}")
        self._host, self._port, self._security = host, port, security
        self._user, self._password = user, password
        self._tokens = tokens  # OAuth2 (SASL XOAUTH2) instead of the password when set
        self._folder = folder
        # RELIABILITY C02, opt-in: several instances share the mailbox. Each first claims new
        # mail in `folder` with a conditional STORE of its keywords (RFC 7162 UNCHANGEDSINCE:
        # one instance wins; a bare UID MOVE is no claim, Dovecot's Maildir let two sessions
        # move one message), moves what it won into its own claim folder and works from
        # there; what a crash left is handled after the restart. `_work` is the folder whose
        # UIDs are handed out.
        self._claim = claim_folder
        self._keyword = f"{CLAIMED}-{claim_folder.rsplit('/', 1)[-1]}"  # this instance's
        self._work = folder
        self._targets = {"processed": processed_folder, "quarantine": quarantine_folder}
        self._cursor = cursor if cursor is not None else MemoryCursorStore()
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._timeout = timeout
        self._poll_interval = poll_interval
        self._idle_renew = min(idle_renew, IDLE_RENEW_SECONDS)
        self._max_attempts = max(1, max_attempts)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._on_failure = on_failure  # told of each failed connection attempt (the outage)
        self._max_bytes = max_message_bytes  # beyond it, only the header is downloaded
        self._mailbox: BaseMailBox | None = None
        self._uidvalidity: int | None = None
        self._last_uid = 0  # in this process only: a restart rescans the whole folder
        self._delimiter = "/"
        self._ready_folders: set[str] = set()

    def __repr__(self) -> str:  # never the password
        return f"ImapIntake({self._user}@{self._host}:{self._port} {self._security})"

    @property
    def mechanism(self) -> str:
        return "XOAUTH2" if self._tokens is not None else "password"

    def check(self) -> str:
        """Log in once (no back-off), select the folder and say what was found; for
        `mailbot check-connection`. Reads nothing, moves nothing. Raises IntakeError."""
        self._max_attempts = 1
        mailbox = self._connected()
        try:
            typ, data = mailbox.client.status(quoted(self._folder), "(MESSAGES)")
            count = re.search(rb"MESSAGES (\d+)", data[0] or b"") if typ == "OK" else None
            found = f"{int(count.group(1))} message(s)" if count else "status unknown"
            return (f"logged in as {self._user} ({self.mechanism}); folder {self._folder}: "
                    f"{found}")
        finally:
            self.close()

    # -- the Intake protocol ----------------------------------------------------------------

    def fetch_pending(self, *, limit: int = 100) -> list[IncomingMail]:
        """The next messages of the folder in UID order, at most `limit`, as raw bytes."""
        return self._run("fetch", lambda mailbox: self._fetch(mailbox, limit))

    def mark_processed(self, items: Sequence[IncomingMail]) -> None:
        self._run("move", lambda mailbox: self._move(mailbox, items, "processed"))

    def quarantine(self, item: IncomingMail) -> str | None:
        """Returns "UIDVALIDITY:UID" of the message in the quarantine folder (RFC 4315
        COPYUID), or None when the server did not say."""
        moved = self._run("move", lambda mailbox: self._move(mailbox, [item], "quarantine"))
        return moved.get(int(item.uid or 0))

    def release(self, locations: Sequence[str]) -> set[str]:
        """Locations are "UIDVALIDITY:UID" in the quarantine folder, as `quarantine` gave."""
        return self._run("move", lambda mailbox: self._release(mailbox, locations))

    def take_over(self, claim_folder: str) -> int:
        """Several daemons on one database (C02 with PostgreSQL): another instance died holding
        claimed mail; it goes back to the watched folder. Returns how many messages moved."""
        return self._run("move", lambda mailbox: self._take_over(mailbox, claim_folder))

    def wait_for_mail(self, timeout: float, stop: threading.Event) -> bool:
        """Block until new mail may be there (True), `timeout` passes or `stop` is set (False).

        Uses IMAP IDLE when the server offers it, else polls every `poll_interval` seconds. A lost
        connection returns True: the next fetch reconnects, with back-off, and looks.
        """
        if stop.is_set():
            return False
        deadline = time.monotonic() + timeout
        mailbox = self._connected()
        try:
            if self._claim:
                return self._wait_on_source(mailbox, deadline, stop)
            if "IDLE" in mailbox.client.capabilities:
                return self._idle(mailbox, deadline, stop)
            return self._poll(mailbox, deadline, stop, lambda: bool(self._new_uids(mailbox)))
        except LINK_ERRORS as exc:
            log.warning("IMAP %s:%s: connection lost while waiting (%s)",
                        self._host, self._port, exc)
            self._discard()
            return True
        except (imaplib.IMAP4.error, ImapToolsError) as exc:
            self._discard()
            raise IntakeError(f"IMAP wait for mail failed: {exc}") from exc

    def rewind(self) -> None:
        self._last_uid = 0

    def close(self) -> None:
        mailbox, self._mailbox = self._mailbox, None
        if mailbox is not None:
            # The server may be going or gone: there is nothing left to release then.
            with contextlib.suppress(*LINK_ERRORS, imaplib.IMAP4.error, ImapToolsError):
                mailbox.logout()

    # -- fetching and moving ----------------------------------------------------------------

    def _fetch(self, mailbox: BaseMailBox, limit: int) -> list[IncomingMail]:
        if self._claim:
            self._claim_new(mailbox, limit)
        batch = self._new_uids(mailbox)[:limit]
        if not batch:
            return []
        # The sizes first, for the whole batch in one command: a message over the cap is not
        # downloaded, only its header (for the quarantine copy), so a 2 GB mail costs nothing.
        sizes = self._sizes(mailbox, batch) if self._max_bytes is not None else {}
        big = {uid for uid, size in sizes.items() if size > (self._max_bytes or 0)}
        bodies = self._download(mailbox, [uid for uid in batch if uid not in big], "BODY.PEEK[]")
        headers = self._download(mailbox, sorted(big), "BODY.PEEK[HEADER]")
        arrivals = self._arrivals(mailbox, batch)
        assert self._uidvalidity is not None  # set by _connect
        self._last_uid = batch[-1]
        self._cursor.set(self._work, self._uidvalidity, self._last_uid)
        items = []
        for uid in batch:
            raw = headers.get(uid) if uid in big else bodies.get(uid)
            if raw is None:  # searched but not fetched: expunged meanwhile by another client
                continue
            items.append(IncomingMail(key=f"{self._uidvalidity}:{uid}", raw=raw, uid=str(uid),
                                      uidvalidity=self._uidvalidity, folder=self._work,
                                      oversize=sizes[uid] if uid in big else None,
                                      arrived=arrivals.get(uid)))
        return items

    @staticmethod
    def _arrivals(mailbox: BaseMailBox, uids: list[int]) -> dict[int, datetime]:
        """When each message reached the server (INTERNALDATE): where its SLA clock starts
        when the daemon takes it in later (a stop, an outage). A server that will not say
        leaves the pass's time."""
        typ, data = mailbox.client.uid("FETCH", uid_set(uids), "(UID INTERNALDATE)")
        if typ != "OK":
            log.warning("IMAP FETCH INTERNALDATE refused by the server: %r", data)
            return {}
        return parse_arrivals(data)

    @staticmethod
    def _sizes(mailbox: BaseMailBox, uids: list[int]) -> dict[int, int]:
        typ, data = mailbox.client.uid("FETCH", uid_set(uids), "(UID RFC822.SIZE)")
        if typ != "OK":
            raise IntakeError(f"IMAP FETCH RFC822.SIZE refused by the server: {data!r}")
        return parse_sizes(data)

    @staticmethod
    def _download(mailbox: BaseMailBox, uids: list[int], item: str) -> dict[int, bytes]:
        if not uids:
            return {}
        typ, data = mailbox.client.uid("FETCH", uid_set(uids), f"(UID {item})")
        if typ != "OK":
            raise IntakeError(f"IMAP FETCH refused by the server: {data!r}")
        return parse_fetch(data, set(uids))

    def _new_uids(self, mailbox: BaseMailBox) -> list[int]:
        # A session sees other clients' deliveries only once the server syncs it, which NOOP
        # does; what the search then finds needs no separate wake-up.
        mailbox.client.noop()
        take_new_mail_notices(mailbox)
        typ, data = mailbox.client.uid("SEARCH", f"UID {self._last_uid + 1}:* NOT DELETED")
        if typ != "OK":
            raise IntakeError(f"IMAP SEARCH refused by the server: {data!r}")
        # "n:*" always matches the highest UID, even when it is below n.
        return sorted(uid for uid in map(int, (data[0] or b"").split()) if uid > self._last_uid)

    def _move(self, mailbox: BaseMailBox, items: Sequence[IncomingMail],
              target: str) -> dict[int, str]:
        """Move these messages to the target folder; returns the new "UIDVALIDITY:UID" of
        those the server named (COPYUID)."""
        current = [item for item in items if item.uidvalidity == self._uidvalidity]
        if len(current) < len(items):
            # Their UIDs name nothing any more: they will come back under the new UIDVALIDITY.
            log.warning("IMAP: %d message(s) not moved to %s, fetched before a UIDVALIDITY "
                        "change; they will be fetched again", len(items) - len(current), target)
            self._last_uid = 0
        if not current:
            return {}
        folder = self._ensure_folder(mailbox, self._targets[target])
        uids = {int(item.uid or 0) for item in current}
        for _attempt in range(10):
            try:
                return transfer(mailbox, uids, folder)
            except ImapToolsError:
                # A person in their mail client may have moved or expunged some since the
                # fetch: the server then refuses the whole command ([EXPUNGEISSUED]). Move
                # those still here; what the person took is theirs (the ticket is stored).
                still = self._still_here(mailbox, uids)
                if still == uids:
                    raise
                log.warning("IMAP: %d message(s) moved or deleted by another client before "
                            "the move to %s", len(uids - still), target)
                uids = still
                if not uids:
                    return {}
        return transfer(mailbox, uids, folder)  # still racing after ten rounds: let it raise

    def _release(self, mailbox: BaseMailBox, locations: Sequence[str]) -> set[str]:
        source = self._ensure_folder(mailbox, self._targets["quarantine"])
        mailbox.folder.set(source)
        try:
            typ, data = mailbox.client.response("UIDVALIDITY")
            uidvalidity = int(data[-1])
            # A location from another UIDVALIDITY of the folder names nothing any more.
            wanted = {int(loc.split(":")[1]): loc for loc in locations
                      if loc.split(":")[0] == str(uidvalidity)}
            here = self._still_here(mailbox, set(wanted)) if wanted else set()
            if here:
                drop_claims(mailbox, here)
                transfer(mailbox, here, self._folder)
        finally:
            self._select_work(mailbox)
        return {wanted[uid] for uid in here}

    @staticmethod
    def _still_here(mailbox: BaseMailBox, uids: set[int]) -> set[int]:
        typ, data = mailbox.client.uid("SEARCH", f"UID {uid_set(uids)}")
        return {int(u) for u in (data[0] or b"").split()} & uids if typ == "OK" else uids

    def _ensure_folder(self, mailbox: BaseMailBox, path: str) -> str:
        name = path.replace("/", self._delimiter)
        if name not in self._ready_folders:
            if not mailbox.folder.exists(name):
                log.info("IMAP: creating folder %s", name)
                mailbox.folder.create(name)
            self._ready_folders.add(name)
        return name

    # -- waiting ----------------------------------------------------------------------------

    def _idle(self, mailbox: BaseMailBox, deadline: float, stop: threading.Event) -> bool:
        if take_new_mail_notices(mailbox):
            return True  # announced during an earlier command: no need to idle
        while not stop.is_set() and time.monotonic() < deadline:
            round_end = min(deadline, time.monotonic() + self._idle_renew)
            log.debug("IMAP %s: idling", self._folder)  # tests wait for this line, not a clock
            mailbox.idle.start()
            try:
                wait_readable(mailbox, round_end, stop)
            finally:
                # Leaving IDLE reads whatever the server said, in blocking mode, up to its
                # tagged answer, so no half-read line is left behind; EOF raises here.
                mailbox.idle.stop()
            if take_new_mail_notices(mailbox):
                return True
        return False

    def _poll(self, mailbox: BaseMailBox, deadline: float, stop: threading.Event,
              new_mail: Callable[[], bool]) -> bool:
        while True:
            if new_mail():
                return True
            log.debug("IMAP %s: polled, nothing new", self._folder)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or stop.wait(min(self._poll_interval, remaining)):
                return False

    def _select_work(self, mailbox: BaseMailBox) -> None:
        mailbox.folder.set(self._work)
        typ, data = mailbox.client.response("UIDVALIDITY")
        if self._claim:  # a SELECT's EXISTS is no news: the source is searched before waits
            take_new_mail_notices(mailbox)
        self._adopt_uidvalidity(int(data[-1]))
