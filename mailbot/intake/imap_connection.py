"""The IMAP intake's one connection: opening it (TLS, STARTTLS, login by password or XOAUTH2),
retrying with back-off, renewing a refused access token once, and noticing a new UIDVALIDITY.
Mixed into ImapIntake (mailbot.intake.imap), whose state it uses."""

from __future__ import annotations

import contextlib
import imaplib
import logging
from collections.abc import Callable
from typing import TypeVar

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import (
    ImapToolsError,
    MailboxLoginError,
)

from mailbot.intake.base import (
    IntakeError,
    LoginRefused,
    backoff_delay,
)
from mailbot.intake.imap_commands import (
    LINK_ERRORS,
    hierarchy_delimiter,
    server_answer,
    xoauth2,
)
from mailbot.oauth2 import TokenRefused, TokenUnavailable

log = logging.getLogger("mailbot.intake")  # one logger for every room of the intake

T = TypeVar("T")


class ImapConnection:
    """ImapIntake's connection handling; every operation goes through `_run`."""

    def _run(self, what: str, operation: Callable[[BaseMailBox], T]) -> T:
        """Run `operation` on a live connection, reconnecting once if the link drops."""
        for attempt in (1, 2):
            mailbox = self._connected()
            try:
                return operation(mailbox)
            except LINK_ERRORS as exc:
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
                    f"{renewed}: {server_answer(exc)}")
            except TokenRefused as exc:
                failure = LoginRefused(f"IMAP login for {self._user}: no access token: {exc}")
            except TokenUnavailable as exc:
                failure = IntakeError(f"IMAP login for {self._user}: no access token: {exc}")
            except (*LINK_ERRORS, imaplib.IMAP4.error, ImapToolsError) as exc:
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
                     self._host, self._port, self._user, server_answer(exc))
            return self._connect(renew=True)

    def _connect(self, *, renew: bool = False) -> BaseMailBox:
        # The token first: a refusal by the identity provider opens no IMAP connection.
        token = self._tokens.token(renew=renew) if self._tokens is not None else ""
        mailbox = self._open()
        try:
            if self._tokens is not None:
                xoauth2(mailbox, self._user, token)
            else:
                mailbox.login(self._user, self._password, initial_folder=None)
            # The capabilities read before login lack MOVE and others; imap-tools' move needs
            # the real list.
            typ, data = mailbox.client.capability()
            if typ == "OK" and data and data[-1]:
                mailbox.client.capabilities = tuple(data[-1].decode().upper().split())
            self._delimiter = hierarchy_delimiter(mailbox) or self._delimiter
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
