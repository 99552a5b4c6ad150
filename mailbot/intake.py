"""Where mail comes in: the support mailbox over IMAP, or a local Maildir.

An intake hands out raw messages exactly as stored, never marking them seen, and moves each one
out of the inbox only when the daemon says its effects are stored (`mark_processed`) or that it
cannot be processed (`quarantine`). Until then a message stays in the inbox, so a crash at any
point means it is fetched again after the restart; the daemon's idempotency by Message-ID makes
that harmless. The same rule covers every doubt here: when the state of the mailbox is unsure
(a failed move, a new UIDVALIDITY), the intake forgets its cursor and rescans the inbox.

One thread drives an intake; it is not thread-safe.
"""

from __future__ import annotations

import contextlib
import glob
import imaplib
import logging
import os
import random
import re
import select
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import (
    ImapToolsError,
    MailboxCopyError,
    MailboxDeleteError,
    MailboxLoginError,
)
from imap_tools.utils import check_command_status, encode_folder

from mailbot.net import SECURITY_MODES, is_loopback
from mailbot.oauth2 import TokenRefused, TokenSource, TokenUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

# RFC 2177: a client should re-issue IDLE at least every 29 minutes or be logged off.
IDLE_RENEW_SECONDS = 25 * 60
BACKOFF_CAP_SECONDS = 60.0
# How often a blocked wait looks at the daemon's stop event.
_STOP_CHECK_SECONDS = 0.2
_LINK_ERRORS = (imaplib.IMAP4.abort, OSError, EOFError)
# The IMAP keyword of a claimed message (with a second one naming the instance), see C02.
CLAIMED = "$MailbotClaimed"


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


def uid_set(uids: Iterable[int]) -> str:
    """An IMAP sequence set with runs folded into ranges: [1, 2, 3, 7] -> "1:3,7"."""
    parts: list[str] = []
    ordered = sorted(set(uids))
    start = prev = ordered[0]
    for uid in ordered[1:] + [None]:
        if uid is not None and uid == prev + 1:
            prev = uid
            continue
        parts.append(str(start) if start == prev else f"{start}:{prev}")
        if uid is not None:
            start = prev = uid
    return ",".join(parts)


def parse_sizes(data: Sequence[object]) -> dict[int, int]:
    """UID -> size from an imaplib `UID FETCH (UID RFC822.SIZE)` answer (no literals in it)."""
    sizes: dict[int, int] = {}
    for element in data:
        line = element[0] if isinstance(element, tuple) else element
        if not isinstance(line, bytes):
            continue
        uid, size = re.search(rb"UID (\d+)", line), re.search(rb"RFC822\.SIZE (\d+)", line)
        if uid is not None and size is not None:
            sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def parse_fetch(data: Sequence[object], wanted: set[int]) -> dict[int, bytes]:
    """UID -> raw bytes from an imaplib `UID FETCH (UID BODY.PEEK[])` answer (or
    `BODY.PEEK[HEADER]`).

    Unsolicited FETCH lines (flag changes made by other clients) come without a literal and are
    skipped; a server that puts UID after the literal has it in the element that follows.
    """
    found: dict[int, bytes] = {}
    for index, element in enumerate(data):
        if not isinstance(element, tuple):
            continue
        head, body = element
        match = re.search(rb"UID (\d+)", head)
        if match is None and index + 1 < len(data) and isinstance(data[index + 1], bytes):
            match = re.search(rb"UID (\d+)", data[index + 1])  # type: ignore[arg-type]
        if match is not None and int(match.group(1)) in wanted:
            found[int(match.group(1))] = body
    return found


class ImapIntake:
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
            typ, data = mailbox.client.status(_quoted(self._folder), "(MESSAGES)")
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
        except _LINK_ERRORS as exc:
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
            with contextlib.suppress(*_LINK_ERRORS, imaplib.IMAP4.error, ImapToolsError):
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
                                      oversize=sizes[uid] if uid in big else None))
        return items

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
        _take_new_mail_notices(mailbox)
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
                return _transfer(mailbox, uids, folder)
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
        return _transfer(mailbox, uids, folder)  # still racing after ten rounds: let it raise

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
                _drop_claims(mailbox, here)
                _transfer(mailbox, here, self._folder)
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
        if _take_new_mail_notices(mailbox):
            return True  # announced during an earlier command: no need to idle
        while not stop.is_set() and time.monotonic() < deadline:
            round_end = min(deadline, time.monotonic() + self._idle_renew)
            log.debug("IMAP %s: idling", self._folder)  # tests wait for this line, not a clock
            mailbox.idle.start()
            try:
                _wait_readable(mailbox, round_end, stop)
            finally:
                # Leaving IDLE reads whatever the server said, in blocking mode, up to its
                # tagged answer, so no half-read line is left behind; EOF raises here.
                mailbox.idle.stop()
            if _take_new_mail_notices(mailbox):
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

    # -- claiming (C02) ---------------------------------------------------------------------

    def _claim_new(self, mailbox: BaseMailBox, limit: int) -> None:
        """Claim up to `limit` messages waiting in the watched folder and move what this
        instance holds there into its claim folder.

        A UID MOVE alone is no claim: on a Maildir, Dovecot lets two sessions move the same
        message at the same instant, both told OK with a COPYUID (the two-instance test saw
        it). The claim is a compare-and-set instead: a conditional STORE (RFC 7162
        UNCHANGEDSINCE) of the keyword CLAIMED and this instance's own keyword, which the
        server applies to a message only if nobody changed it since we read its MODSEQ; the
        loser's STORE finds it modified and sets nothing. Then one UID MOVE takes every
        message bearing our keyword (also those a crash left between STORE and MOVE)."""
        mailbox.folder.set(self._folder)
        try:
            candidates = self._source_uids(mailbox, f"UNKEYWORD {CLAIMED}")[:limit]
            won = self._claim_uids(mailbox, candidates) if candidates else 0
            mine = self._source_uids(mailbox, f"KEYWORD {self._keyword}")
            if mine:
                _transfer(mailbox, set(mine), self._work)
            if won < len(candidates):
                log.info("IMAP: claimed %d of %d new message(s); the rest was taken by another "
                         "instance", won, len(candidates))
        finally:
            self._select_work(mailbox)

    def _claim_uids(self, mailbox: BaseMailBox, uids: list[int]) -> int:
        """Returns how many of `uids` this instance won."""
        free, highest = self._claim_read(mailbox, uids)
        return self._claim_store(mailbox, free, highest) if free else 0

    @staticmethod
    def _claim_read(mailbox: BaseMailBox, uids: list[int]) -> tuple[list[int], int]:
        """The UIDs still unclaimed and the highest MODSEQ among them: MODSEQ grows for the
        whole folder, so any change made after this read is above it."""
        typ, data = mailbox.client.uid("FETCH", uid_set(uids), "(UID FLAGS MODSEQ)")
        seen = {int(m.group(1)): (int(m.group(3)), m.group(2))
                for line in data if isinstance(line, bytes)
                for m in [re.search(rb"UID (\d+) FLAGS \(([^)]*)\) MODSEQ \((\d+)\)", line)]
                if m} if typ == "OK" else {}
        free = sorted(uid for uid, (_, flags) in seen.items() if CLAIMED.encode() not in flags)
        return free, max((seen[uid][0] for uid in free), default=0)

    def _claim_store(self, mailbox: BaseMailBox, free: list[int], highest: int) -> int:
        """The conditional STORE; returns how many of `free` now bear our keyword."""
        client = mailbox.client
        typ, data = client.uid("STORE", uid_set(free), f"(UNCHANGEDSINCE {highest})",
                               "+FLAGS.SILENT", f"({CLAIMED} {self._keyword})")
        if typ != "OK":
            raise IntakeError(f"IMAP conditional STORE refused by the server: {data!r}")
        client.untagged_responses.pop("MODIFIED", None)  # those we lost: no use to us
        return len(set(self._source_uids(mailbox, f"KEYWORD {self._keyword}")) & set(free))

    def _source_uids(self, mailbox: BaseMailBox, criteria: str = "") -> list[int]:
        typ, data = mailbox.client.uid("SEARCH", f"NOT DELETED {criteria}".strip())
        if typ != "OK":
            raise IntakeError(f"IMAP SEARCH refused by the server: {data!r}")
        return sorted(map(int, (data[0] or b"").split()))

    def _select_work(self, mailbox: BaseMailBox) -> None:
        mailbox.folder.set(self._work)
        typ, data = mailbox.client.response("UIDVALIDITY")
        if self._claim:  # a SELECT's EXISTS is no news: the source is searched before waits
            _take_new_mail_notices(mailbox)
        self._adopt_uidvalidity(int(data[-1]))

    def _wait_on_source(self, mailbox: BaseMailBox, deadline: float,
                        stop: threading.Event) -> bool:
        """Wait for mail in the watched folder (IDLE or polling there), then select the claim
        folder again."""
        mailbox.folder.set(self._folder)
        try:
            _take_new_mail_notices(mailbox)  # the SELECT's own EXISTS
            unclaimed = f"UNKEYWORD {CLAIMED}"
            if self._source_uids(mailbox, unclaimed):
                return True
            if "IDLE" in mailbox.client.capabilities:
                return self._idle(mailbox, deadline, stop)
            return self._poll(mailbox, deadline, stop,
                              lambda: bool(self._source_uids(mailbox, unclaimed)))
        finally:
            self._select_work(mailbox)

    # -- connection -------------------------------------------------------------------------

    def _run(self, what: str, operation: Callable[[BaseMailBox], T]) -> T:
        """Run `operation` on a live connection, reconnecting once if the link drops."""
        for attempt in (1, 2):
            mailbox = self._connected()
            try:
                return operation(mailbox)
            except _LINK_ERRORS as exc:
                self._discard()
                if attempt == 2:
                    self._last_uid = 0
                    raise IntakeError(f"IMAP {what} failed: connection lost ({exc})") from exc
                log.warning("IMAP %s:%s: connection lost during %s (%s); reconnecting",
                            self._host, self._port, what, exc)
            except (imaplib.IMAP4.error, ImapToolsError) as exc:
                self._discard()
                self._last_uid = 0
                raise IntakeError(f"IMAP {what} failed: {exc}") from exc
        raise AssertionError("unreachable")

    def _connected(self) -> BaseMailBox:
        """The live connection, or a new one after capped exponential back-off with jitter
        (`backoff_delay`: 0.5-1, 1-2, 2-4 … 30-60 s)."""
        if self._mailbox is not None:
            return self._mailbox
        for attempt in range(1, self._max_attempts + 1):
            try:
                self._mailbox = self._connect_renewing()
                return self._mailbox
            except MailboxLoginError as exc:
                renewed = " (access token renewed once)" if self._tokens is not None else ""
                failure: IntakeError = LoginRefused(
                    f"IMAP login refused for {self._user} on {self._host}:{self._port}"
                    f"{renewed}: {_server_answer(exc)}")
            except TokenRefused as exc:
                failure = LoginRefused(f"IMAP login for {self._user}: no access token: {exc}")
            except TokenUnavailable as exc:
                failure = IntakeError(f"IMAP login for {self._user}: no access token: {exc}")
            except (*_LINK_ERRORS, imaplib.IMAP4.error, ImapToolsError) as exc:
                failure = IntakeError(f"IMAP {self._host}:{self._port} unreachable: {exc}")
            if self._on_failure is not None:
                self._on_failure(failure)
            if attempt == self._max_attempts:
                raise failure
            delay = backoff_delay(attempt, self._rng)
            log.warning("%s; retry %d/%d in %.1f s", failure, attempt, self._max_attempts - 1,
                        delay)
            if self._sleep(delay):  # the daemon's stop event: no more attempts on the way out
                raise failure
        raise AssertionError("unreachable")

    def _connect_renewing(self) -> BaseMailBox:
        """Connect; a refused access token is renewed and tried once more straight away: it
        may have been revoked or have expired early, which a fresh token cures."""
        try:
            return self._connect()
        except MailboxLoginError as exc:
            if self._tokens is None:
                raise
            log.info("IMAP %s:%s refused the access token of %s (%s); renewing it",
                     self._host, self._port, self._user, _server_answer(exc))
            return self._connect(renew=True)

    def _connect(self, *, renew: bool = False) -> BaseMailBox:
        # The token first: a refusal by the identity provider opens no IMAP connection.
        token = self._tokens.token(renew=renew) if self._tokens is not None else ""
        mailbox = self._open()
        try:
            if self._tokens is not None:
                _xoauth2(mailbox, self._user, token)
            else:
                mailbox.login(self._user, self._password, initial_folder=None)
            # The capabilities read before login lack MOVE and others; imap-tools' move needs
            # the real list.
            typ, data = mailbox.client.capability()
            if typ == "OK" and data and data[-1]:
                mailbox.client.capabilities = tuple(data[-1].decode().upper().split())
            self._delimiter = _hierarchy_delimiter(mailbox) or self._delimiter
            if self._claim:
                missing = {"MOVE", "CONDSTORE"} - set(mailbox.client.capabilities)
                if missing:  # see _claim_new
                    raise IntakeError("mailbox.claim_folder needs a server with MOVE and "
                                      f"CONDSTORE (RFC 6851, 7162); it lacks "
                                      f"{', '.join(sorted(missing))}")
                self._work = self._ensure_folder(mailbox, self._claim)
            mailbox.folder.set(self._work)
            typ, data = mailbox.client.response("UIDVALIDITY")
            uidvalidity = int(data[-1])
        except BaseException:
            mailbox.client.shutdown()
            raise
        self._adopt_uidvalidity(uidvalidity)
        log.info("IMAP %s:%s: connected as %s (%s, %s), folder %s", self._host, self._port,
                 self._user, self._security, self.mechanism, self._work)
        return mailbox

    def _open(self) -> BaseMailBox:
        if self._security == "tls":
            return MailBox(self._host, self._port, timeout=self._timeout,
                           ssl_context=self._ssl_context)
        if self._security == "starttls":
            return MailBoxStartTls(self._host, self._port, timeout=self._timeout,
                                   ssl_context=self._ssl_context)
        return MailBoxUnencrypted(self._host, self._port, timeout=self._timeout)

    def _adopt_uidvalidity(self, uidvalidity: int) -> None:
        stored = self._cursor.get(self._work)
        known = self._uidvalidity if self._uidvalidity is not None else (
            stored[0] if stored else None)
        if known is not None and known != uidvalidity:
            log.warning("IMAP folder %s: UIDVALIDITY changed from %d to %d; rescanning it",
                        self._work, known, uidvalidity)
            self._last_uid = 0
            self._cursor.set(self._work, uidvalidity, 0)
        self._uidvalidity = uidvalidity

    def _discard(self) -> None:
        mailbox, self._mailbox = self._mailbox, None
        if mailbox is not None:
            with contextlib.suppress(OSError):  # already closed by the peer
                mailbox.client.shutdown()


def _xoauth2(mailbox: BaseMailBox, user: str, token: str) -> None:
    """imap-tools' XOAUTH2 login; a refusal reaches us as imaplib's bare error (imap-tools
    calls imaplib's AUTHENTICATE), made a MailboxLoginError like a refused password."""
    try:
        mailbox.xoauth2(user, token, initial_folder=None)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        raise MailboxLoginError(("NO", [str(exc).encode()]), "OK") from None


def _server_answer(exc: MailboxLoginError) -> str:
    """What the server said to the login, without imap-tools' framing around it."""
    lines = getattr(exc, "command_result", None)
    data = lines[1] if isinstance(lines, tuple) and len(lines) > 1 else None
    if isinstance(data, list) and data and isinstance(data[-1], bytes):
        return data[-1].decode("utf-8", "replace")[:300]
    return str(exc)[:300]


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _transfer(mailbox: BaseMailBox, uids: set[int], folder: str) -> dict[int, str]:
    """Move exactly `uids` to `folder`: one UID MOVE when offered (RFC 6851), else COPY, then
    \\Deleted and UID EXPUNGE of these UIDs only (RFC 4315). imap-tools' fallback sends a bare
    EXPUNGE, which would also destroy what another client marked \\Deleted; without UIDPLUS
    ours stay flagged \\Deleted (the inbox search skips them) rather than risk that.

    Returns source UID -> "UIDVALIDITY:UID" in `folder`, from the server's COPYUID (untagged
    during a MOVE, in the tagged answer of a COPY); empty when it sends none."""
    client, numbers = mailbox.client, uid_set(uids)
    if "MOVE" in client.capabilities:
        client.untagged_responses.pop("COPYUID", None)  # an older answer's
        mailbox.move(numbers, folder)
        return _copyuid(client.untagged_responses.pop("COPYUID", []))
    copied = client.uid("COPY", numbers, encode_folder(folder))
    check_command_status(copied, MailboxCopyError)
    check_command_status(client.uid("STORE", numbers, "+FLAGS", r"(\Deleted)"),
                         MailboxDeleteError)
    if "UIDPLUS" in client.capabilities:
        check_command_status(client.uid("EXPUNGE", numbers), MailboxDeleteError)
    else:
        log.warning("IMAP: no UIDPLUS: %d message(s) left flagged \\Deleted in the inbox "
                    "(a plain EXPUNGE could remove other clients' mail)", len(uids))
    codes = [m.group(1) for line in copied[1] if isinstance(line, bytes)
             for m in [re.search(rb"\[COPYUID ([^\]]+)\]", line)] if m]
    return _copyuid(codes)


def _drop_claims(mailbox: BaseMailBox, uids: set[int]) -> None:
    """Remove the claim keywords (C02) a message took with it into the quarantine: back in the
    inbox it must be claimable again, and by one instance only."""
    typ, data = mailbox.client.uid("FETCH", uid_set(uids), "(UID FLAGS)")
    keywords = {word for line in (data if typ == "OK" else []) if isinstance(line, bytes)
                for word in line.decode("ascii", "replace").replace(")", " ").split()
                if word.startswith(CLAIMED)}
    if keywords:
        mailbox.client.uid("STORE", uid_set(uids), "-FLAGS.SILENT",
                           f"({' '.join(sorted(keywords))})")


def _copyuid(codes: Sequence[bytes]) -> dict[int, str]:
    """RFC 4315 `COPYUID <uidvalidity> <source set> <destination set>`: the two sets list the
    UIDs in the same order."""
    found: dict[int, str] = {}
    for code in codes:
        parts = code.decode("ascii", "replace").split()
        if len(parts) == 3:
            pairs = zip(expand_uid_set(parts[1]), expand_uid_set(parts[2]), strict=False)
            found.update({src: f"{parts[0]}:{dst}" for src, dst in pairs})
    return found


def expand_uid_set(text: str) -> list[int]:
    """"1:3,7" -> [1, 2, 3, 7] (the inverse of uid_set, for the server's answers)."""
    uids: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition(":")
        low, high = int(first), int(last or first)
        uids.extend(range(min(low, high), max(low, high) + 1))
    return uids


def _hierarchy_delimiter(mailbox: BaseMailBox) -> str | None:
    typ, data = mailbox.client.list('""', '""')
    match = re.match(rb'\(.*?\) "(.)"', data[0] or b"") if typ == "OK" and data else None
    return match.group(1).decode() if match else None


def _take_new_mail_notices(mailbox: BaseMailBox) -> bool:
    """Whether the server announced new messages (EXISTS, RECENT) since the last call."""
    notices = mailbox.client.untagged_responses
    found = notices.pop("EXISTS", None) is not None
    return notices.pop("RECENT", None) is not None or found


def _wait_readable(mailbox: BaseMailBox, until: float, stop: threading.Event) -> None:
    """Until the server says something during IDLE, `until` passes, or `stop` is set."""
    if _has_buffered_input(mailbox.client):
        return
    sock = mailbox.client.sock
    while not stop.is_set():
        remaining = until - time.monotonic()
        if remaining <= 0:
            return
        readable, _, _ = select.select([sock], [], [], min(remaining, _STOP_CHECK_SECONDS))
        if readable:
            return


def _has_buffered_input(client: imaplib.IMAP4) -> bool:
    """Whether bytes already read from the socket wait in imaplib's buffer.

    The server may send "+ idling" and an EXISTS in one segment; reading the first line leaves
    the second in the buffer, where select() cannot see it.
    """
    sock = client.sock
    previous = sock.gettimeout()
    sock.settimeout(0)
    try:
        return bool(client.file.peek(1))
    except (BlockingIOError, ssl.SSLWantReadError):
        return False
    finally:
        sock.settimeout(previous)


class MaildirIntake:
    """A local Maildir inbox: the embedded default, or mail delivered by the host's own MTA.

    Handled mail is renamed (atomically, bytes untouched) into the sibling Maildirs `processed`
    and `quarantine`. Waiting polls: a stat of new/ and cur/, and a listing only when they
    changed.
    """

    def __init__(self, path: Path, *, processed: Path | None = None,
                 quarantine: Path | None = None, poll_interval: float = 0.2,
                 max_message_bytes: int | None = None) -> None:
        self._path = Path(path)
        self._max_bytes = max_message_bytes  # beyond it, only the header is read
        self._targets = {
            "processed": Path(processed) if processed else self._path.with_name("processed"),
            "quarantine": Path(quarantine) if quarantine else self._path.with_name("quarantine"),
        }
        for maildir in (self._path, *self._targets.values()):
            for sub in ("tmp", "new", "cur"):
                (maildir / sub).mkdir(parents=True, exist_ok=True)
        self._poll_interval = poll_interval
        self._handed_out: dict[str, Path] = {}  # fetched, not yet moved
        self._scan_stamp: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return f"MaildirIntake({self._path})"

    def fetch_pending(self, *, limit: int = 100) -> list[IncomingMail]:
        """The oldest deliveries first (by file time, then name), at most `limit`."""
        items: list[IncomingMail] = []
        for key, path in self._pending()[:limit]:
            try:
                size = path.stat().st_size
                big = self._max_bytes is not None and size > self._max_bytes
                raw = read_header(path) if big else path.read_bytes()
            except FileNotFoundError:
                continue  # taken by another reader meanwhile
            self._handed_out[key] = path
            items.append(IncomingMail(key=key, raw=raw, oversize=size if big else None))
        return items

    def mark_processed(self, items: Sequence[IncomingMail]) -> None:
        for item in items:
            self._move(item, "processed")

    def quarantine(self, item: IncomingMail) -> str | None:
        """Returns the key: a Maildir name stays the same in the quarantine Maildir."""
        return item.key if self._move(item, "quarantine") else None

    def release(self, locations: Sequence[str]) -> set[str]:
        moved: set[str] = set()
        quarantine = self._targets["quarantine"]
        for key in locations:
            for sub in ("new", "cur"):
                for path in (quarantine / sub).glob(f"{glob.escape(key)}*"):
                    if path.name.split(":", 1)[0] == key:
                        os.replace(path, self._path / sub / path.name)
                        moved.add(key)
        return moved

    def wait_for_mail(self, timeout: float, stop: threading.Event) -> bool:
        deadline = time.monotonic() + timeout
        while not stop.is_set():
            stamp = self._stamp()
            if stamp != self._scan_stamp and self._pending():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0 or stop.wait(min(self._poll_interval, remaining)):
                return False
        return False

    def rewind(self) -> None:
        self._handed_out.clear()
        self._scan_stamp = None

    def close(self) -> None:
        self._handed_out.clear()

    def _pending(self) -> list[tuple[str, Path]]:
        stamp = self._stamp()
        found: list[tuple[int, str, Path]] = []
        for sub in ("new", "cur"):
            with os.scandir(self._path / sub) as entries:
                for entry in entries:
                    key = entry.name.split(":", 1)[0]
                    if entry.name.startswith(".") or key in self._handed_out:
                        continue
                    try:
                        found.append((entry.stat().st_mtime_ns, key, Path(entry.path)))
                    except FileNotFoundError:
                        continue
        # A change within the clock tick of the stamp could hide behind an equal mtime, so a
        # stamp is trusted only once it is a second old.
        if time.time_ns() - max(stamp) > 1_000_000_000:
            self._scan_stamp = stamp
        else:
            self._scan_stamp = None
        return [(key, path) for _mtime, key, path in sorted(found)]

    def _stamp(self) -> tuple[int, ...]:
        return tuple((self._path / sub).stat().st_mtime_ns for sub in ("new", "cur"))

    def _move(self, item: IncomingMail, target: str) -> bool:
        source = self._handed_out.pop(item.key, None) or self._find(item.key)
        if source is None:
            log.warning("Maildir %s: %s is gone, not moved to %s", self._path, item.key, target)
            return False
        destination = self._targets[target] / source.parent.name / source.name
        try:
            os.replace(source, destination)
        except OSError as exc:
            self._handed_out.clear()  # unsure what moved: the next fetch rescans everything
            raise IntakeError(f"Maildir: cannot move {item.key} to {target}: {exc}") from exc
        return True

    def _find(self, key: str) -> Path | None:
        for sub in ("new", "cur"):
            for path in (self._path / sub).glob(f"{glob.escape(key)}*"):
                if path.name.split(":", 1)[0] == key:
                    return path
        return None


# Enough for any real header section; an endless one is cut here (the parser copes).
MAX_HEADER_BYTES = 1024 * 1024


def read_header(path: Path) -> bytes:
    """The header section of the message in `path`, up to and with its blank line, read in
    chunks: the body of a message over the size cap is never loaded."""
    data = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(64 * 1024):
            data += chunk
            ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n")
                    if (i := data.find(sep)) >= 0]
            if ends:
                return data[:min(ends)]
            if len(data) >= MAX_HEADER_BYTES:
                break
    return data[:MAX_HEADER_BYTES]
