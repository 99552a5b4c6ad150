"""Sending over SMTP (aiosmtplib): one session per batch, login by password or XOAUTH2, and
the MAIL/RCPT/DATA exchange that turns every server answer into SENT, RETRY or FAILED."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence

import aiosmtplib
from aiosmtplib import SMTPResponseException

from mailbot.model import OutgoingMail
from mailbot.net import SECURITY_MODES, is_loopback
from mailbot.oauth2 import TokenError, TokenSource
from mailbot.transport.delivery import Delivery, DeliveryResult, envelope_problem

log = logging.getLogger("mailbot.transport")  # one logger for every way of sending


def _one_line(text: str | bytes, limit: int = 300) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())[:limit]


def _result_for(code: int) -> DeliveryResult:
    # Only a 5xx is final; anything else unexpected is treated as temporary so no mail is lost.
    return DeliveryResult.FAILED if 500 <= code < 600 else DeliveryResult.RETRY


class _Unreachable(Exception):
    """No session could be opened: every mail left in the batch has to wait."""


class _LostBeforeData(Exception):
    """The connection went away before the message was sent: safe to resend elsewhere."""


class SmtpTransport:
    # Called with each mail and its delivery as soon as the server answered it (the courier
    # sets it: several daemons on one database record a sent mail at once).
    on_delivery: Callable[[OutgoingMail, Delivery], object] | None = None
    # Called with each mail once its recipients are accepted, before DATA: the store records
    # the attempt (a crash after it leaves the mail 'maybe sent', not sent twice); False and
    # the mail is not given to the server (RETRY).
    on_attempt: Callable[[OutgoingMail], bool] | None = None
    """Sends over SMTP with aiosmtplib, one connection per batch.

    The daemon is synchronous, so the coroutines run on a private event loop owned by the
    transport; call it from a thread with no running event loop. A batch opens one session,
    sends every mail on it, reconnects once if the server hangs up between two mails, and says
    QUIT at the end: between batches the connection would only sit idle until the server
    timed it out.

    All-or-nothing for a temporary refusal: if any recipient gets a 4xx, no DATA is sent and
    the whole mail is retried later, so nobody receives it twice. A 5xx for some recipients
    is final for them: the others get the mail and the result is FAILED, naming who refused.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        user: str | None = None,
        password: str | None = None,
        tokens: TokenSource | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"smtp security must be one of {', '.join(SECURITY_MODES)}")
        if security == "none" and not is_loopback(host):
            raise ValueError(f"smtp security 'none' is allowed on loopback only, not {host!r}")
        if tokens is not None and (user is None or password is not None):
            raise ValueError("smtp OAuth2 needs a user and no password")
        if tokens is None and (user is None) != (password is None):
            raise ValueError("smtp user and password go together")
        self.host = host
        self.port = port
        self.security = security
        self.timeout = timeout
        self._user = user
        self._password = password
        self._tokens = tokens  # OAuth2 (SASL XOAUTH2) instead of the password when set
        self._ssl_context = ssl_context
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:  # no password, ever
        return f"SmtpTransport({self.host}:{self.port}, {self.security}, user={self._user!r})"

    def send(self, mail: OutgoingMail) -> Delivery:
        return self.send_many([mail])[0]

    def send_many(self, mails: Sequence[OutgoingMail]) -> list[Delivery]:
        if not mails:
            return []
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(self._send_batch(list(mails)))

    def close(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.close()
        self._loop = None

    async def _send_batch(self, mails: list[OutgoingMail]) -> list[Delivery]:
        deliveries: list[Delivery] = []
        session: list[aiosmtplib.SMTP] = []  # the open connection, if any, shared by the batch
        try:
            for index, mail in enumerate(mails):
                try:
                    deliveries.append(await self._send_one(mail, session))
                    if self.on_delivery is not None:  # told at once, before the next mail
                        self.on_delivery(mail, deliveries[-1])
                except _Unreachable as exc:
                    # Down for one is down for all: don't wait out a timeout per mail.
                    deliveries.extend(
                        Delivery(DeliveryResult.RETRY, str(exc)) for _ in mails[index:]
                    )
                    break
        finally:
            if session:
                await _quit(session[0])
        for mail, delivery in zip(mails, deliveries, strict=True):
            log.debug("smtp %s %s: %s", mail.message_id, delivery.result.value, delivery.detail)
        return deliveries

    async def _send_one(self, mail: OutgoingMail, session: list[aiosmtplib.SMTP]) -> Delivery:
        problem = envelope_problem(mail)
        if problem is not None:
            return Delivery(DeliveryResult.FAILED, problem)
        if not session or not session[0].is_connected:
            session[:] = [await self._connect()]
        try:
            return await _transaction(session[0], mail, self.on_attempt)
        except _LostBeforeData:
            # Typically an idle connection closed by the server, or a 421 "too many messages":
            # nothing was accepted, so one fresh connection is safe.
            session[:] = [await self._connect()]
        try:
            return await _transaction(session[0], mail, self.on_attempt)
        except _LostBeforeData as exc:
            session.clear()
            return Delivery(DeliveryResult.RETRY, f"connection lost twice before DATA: {exc}")

    @property
    def mechanism(self) -> str:
        if self._tokens is not None:
            return "XOAUTH2"
        return "password" if self._user is not None else "no login"

    def check(self) -> str:
        """Open a session, log in and say QUIT; for `mailbot check-connection`. Sends nothing.
        Raises ConnectionError naming what failed and what the server answered."""
        async def probe() -> str:
            try:
                client = await self._connect()
            except _Unreachable as exc:
                raise ConnectionError(str(exc)) from None
            if not client.esmtp_extensions:  # no login nor STARTTLS: no EHLO said yet
                try:
                    await client.ehlo()
                except aiosmtplib.SMTPException as exc:
                    await _quit(client)
                    raise ConnectionError(f"EHLO refused: {exc}") from None
            extensions = (" ".join(sorted(e.upper() for e in client.esmtp_extensions))
                          or "no ESMTP extension (HELO only)")
            await _quit(client)
            who = f"logged in as {self._user} ({self.mechanism})" if self._user else "no login"
            return f"{who}; server offers: {extensions}"

        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(probe())

    async def _connect(self) -> aiosmtplib.SMTP:
        try:
            return await self._open()
        except aiosmtplib.SMTPAuthenticationError as exc:
            if self._tokens is None:
                raise self._refused(exc, "") from exc
            # The token may have been revoked or have expired early: a fresh one, once.
            log.info("smtp %s:%s refused the access token of %s (%s %s); renewing it",
                     self.host, self.port, self._user, exc.code, _one_line(exc.message))
        try:
            return await self._open(renew=True)
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise self._refused(exc, " (access token renewed once)") from exc

    def _refused(self, exc: aiosmtplib.SMTPAuthenticationError, note: str) -> _Unreachable:
        # The operator's problem, not the mail's: keep the mail until the config is fixed.
        log.error("smtp %s:%s refused the login of %r%s: %s %s", self.host, self.port,
                  self._user, note, exc.code, _one_line(exc.message))  # fmt: skip
        return _Unreachable(f"login refused{note}: {exc.code} {_one_line(exc.message)}")

    async def _open(self, *, renew: bool = False) -> aiosmtplib.SMTP:
        token: str | None = None
        if self._tokens is not None:
            try:  # msal and google-auth block on HTTP: keep the event loop free meanwhile
                token = await asyncio.to_thread(self._tokens.token, renew=renew)
            except TokenError as exc:
                log.error("smtp %s:%s: no access token for %s: %s", self.host, self.port,
                          self._user, exc)
                raise _Unreachable(f"no access token: {exc}") from exc
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self.timeout,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            tls_context=self._ssl_context,
            username=self._user,
            password=self._password,
            oauth_token_generator=None if token is None else _constant(token),
        )
        try:
            await client.connect()
        except aiosmtplib.SMTPAuthenticationError:
            client.close()
            raise
        except (aiosmtplib.SMTPException, OSError) as exc:
            # OSError covers refused connections and TLS failures (ssl.SSLError).
            client.close()
            detail = f"cannot open an SMTP session with {self.host}:{self.port}: {_describe(exc)}"
            log.warning("%s", detail)
            raise _Unreachable(detail) from exc
        return client


def _constant(token: str) -> Callable[[], Awaitable[str]]:
    async def generate() -> str:  # aiosmtplib asks for the token once per login
        return token

    return generate


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SMTPResponseException):
        return f"{exc.code} {_one_line(exc.message)}"
    return _one_line(f"{type(exc).__name__}: {exc}") or type(exc).__name__


async def _quit(client: aiosmtplib.SMTP) -> None:
    if not client.is_connected:
        return
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()  # the server went first; nothing is lost by not saying goodbye


async def _reset(client: aiosmtplib.SMTP) -> None:
    """Abandon the envelope so the connection can carry the next mail."""
    if not client.is_connected:
        return
    try:
        await client.rset()
    except (aiosmtplib.SMTPException, OSError):
        client.close()


def _mail_options(client: aiosmtplib.SMTP, mail: OutgoingMail, data: bytes) -> list[str] | None:
    """MAIL FROM parameters, or None when the server cannot take this mail at all."""
    options: list[str] = []
    if client.supports_extension("size"):
        options.append(f"SIZE={len(data)}")
    if not data.isascii() and client.supports_extension("8bitmime"):
        options.append("BODY=8BITMIME")
    if not all(a.isascii() for a in [mail.mail_from, *mail.recipients]):
        if not client.supports_extension("smtputf8"):
            return None
        options.append("SMTPUTF8")
    return options


async def _transaction(client: aiosmtplib.SMTP, mail: OutgoingMail,
                       attempt: Callable[[OutgoingMail], bool] | None = None) -> Delivery:
    """One MAIL/RCPT/DATA exchange on an open session; `attempt` is told before DATA."""
    data = mail.data.encode("utf-8")
    options = _mail_options(client, mail, data)
    if options is None:
        return Delivery(DeliveryResult.FAILED, "non-ASCII address and no SMTPUTF8 on the server")
    encoding = "utf-8" if "SMTPUTF8" in options else "ascii"
    try:
        # aiosmtplib quotes "" as MAIL FROM:<>, the null sender of automatic mail.
        await client.mail(mail.mail_from, options=options, encoding=encoding)
    except aiosmtplib.SMTPSenderRefused as exc:
        if exc.code == 421 or not client.is_connected:
            raise _LostBeforeData(f"{exc.code} {_one_line(exc.message)}") from exc
        await _reset(client)
        detail = f"sender refused: {exc.code} {_one_line(exc.message)}"
        if exc.code == 530:
            # "Authentication required": the config lacks a login, which no mail can fix.
            log.error("smtp %s requires a login: set [smtp] user and its password", client.hostname)
            return Delivery(DeliveryResult.RETRY, detail)
        return Delivery(_result_for(exc.code), detail)
    except aiosmtplib.SMTPServerDisconnected as exc:
        raise _LostBeforeData(_describe(exc)) from exc
    except aiosmtplib.SMTPTimeoutError as exc:
        return Delivery(DeliveryResult.RETRY, f"timeout at MAIL: {_describe(exc)}")

    refusals = await _recipients(client, mail.recipients, encoding)
    if isinstance(refusals, Delivery):
        return refusals
    accepted = [r for r in mail.recipients if r not in refusals]
    refused = "; ".join(f"{r}: {code} {text}" for r, (code, text) in refusals.items())
    if any(code < 500 for code, _ in refusals.values()) or not accepted:
        await _reset(client)
        # One deferral makes the whole mail wait; only refusals that are all final fail it.
        result = _result_for(min(code for code, _ in refusals.values()))
        return Delivery(result, f"recipients refused: {refused}")
    if attempt is not None and not attempt(mail):
        await _reset(client)
        return Delivery(DeliveryResult.RETRY, "not sent: the attempt could not be recorded")
    return await _data(client, data, refused)


async def _recipients(
    client: aiosmtplib.SMTP, recipients: list[str], encoding: str
) -> dict[str, tuple[int, str]] | Delivery:
    """RCPT for each recipient: the refusals by address, or a Delivery if the session failed."""
    refusals: dict[str, tuple[int, str]] = {}
    for address in recipients:
        try:
            await client.rcpt(address, encoding=encoding)
        except aiosmtplib.SMTPRecipientRefused as exc:
            if exc.code == 421 or not client.is_connected:
                return Delivery(DeliveryResult.RETRY, f"session closed at RCPT: {exc.code}")
            refusals[address] = (exc.code, _one_line(exc.message))
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            return Delivery(DeliveryResult.RETRY, f"session lost at RCPT: {_describe(exc)}")
    return refusals


async def _data(client: aiosmtplib.SMTP, data: bytes, refused: str) -> Delivery:
    try:
        response = await client.data(data)
    except aiosmtplib.SMTPDataError as exc:
        await _reset(client)
        return Delivery(
            _result_for(exc.code), f"message refused: {exc.code} {_one_line(exc.message)}"
        )
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
        # RFC 1047's window: the server may have the message without having said so. Retrying
        # risks a duplicate (same Message-ID, so clients fold it); not retrying risks a loss.
        # The outbox retries such a mail once (RELIABILITY O10). aiosmtplib sends DATA and the
        # message in one call, so a loss while waiting for the 354 counts here too.
        return Delivery(DeliveryResult.RETRY, f"no answer after the message was sent (DATA): "
                        f"{_describe(exc)}", unconfirmed=True)
    accepted = f"{response.code} {_one_line(response.message)}"
    if refused:
        return Delivery(DeliveryResult.FAILED, f"accepted ({accepted}) except for {refused}")
    return Delivery(DeliveryResult.SENT, accepted)
