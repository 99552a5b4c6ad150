"""A real SMTP server on loopback that records what it receives and fails on demand.

It is aiosmtpd's threaded `Controller` with a recording handler, after aiosmtplib's own
`tests/smtpd.py`. Tests use it to see exactly what the bot sent (envelope and bytes) and to put
the bot in front of a bad day: a 4xx or 5xx at MAIL, RCPT or DATA, a server that is down, one
that accepts the connection but never greets, one that hangs up after a few messages.

    server.fail_next(code=451, count=1, at="DATA")
    server.drop()       # connections cut, nothing listening: "connection refused"
    server.stall()      # connections accepted, no greeting: the client times out
    server.hold_answer(3.0)  # each message recorded, its 250 after the final "." held 3 s
    server.restore()    # back to normal, on the same port
    server.wait_for(1)  # the messages, once that many arrived
"""

from __future__ import annotations

import asyncio
import binascii
import json
import socket
import ssl
import subprocess
import threading
import time
import warnings
from base64 import b64decode
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"
FailurePoint = Literal["MAIL", "RCPT", "DATA"]

_INJECTED_TEXT = {
    4: "4.3.0 temporary failure (injected by the test)",
    5: "5.7.1 refused (injected)",
}


@dataclass(frozen=True)
class ReceivedMail:
    """One message the server accepted, as the bot handed it over."""

    sender: str
    recipients: list[str]
    raw: bytes
    message: EmailMessage
    session: int  # which connection carried it (1 for the first one greeted)


class _Recorder:
    """State shared by the server thread and the test thread, always under one lock."""

    def __init__(self, user: str | None, password: str | None) -> None:
        self.user = user
        self.password = password
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.messages: list[ReceivedMail] = []
        self.sessions = 0
        self.failures: list[tuple[FailurePoint, int]] = []
        self.per_connection_limit: int | None = None
        self.stalled = False
        self.hold_answer = 0.0  # seconds the 250 after the final "." waits, once recorded
        self.live: set[RecordingSMTP] = set()
        self.oauth2_logins: list[str] = []

    def take_failure(self, at: FailurePoint) -> int | None:
        with self.lock:
            for index, (point, code) in enumerate(self.failures):
                if point == at:
                    del self.failures[index]
                    return code
        return None


def _injected_reply(code: int) -> str:
    return f"{code} {_INJECTED_TEXT[code // 100]}"


class RecordingHandler:
    """aiosmtpd handler hooks: record, or answer with an injected failure."""

    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        code = self.recorder.take_failure("MAIL")
        if code is not None:
            return _injected_reply(code)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        code = self.recorder.take_failure("RCPT")
        if code is not None:
            return _injected_reply(code)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        code = self.recorder.take_failure("DATA")
        if code is not None:
            return _injected_reply(code)
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        assert isinstance(server, RecordingSMTP)
        server.delivered += 1
        mail = ReceivedMail(
            sender=envelope.mail_from or "",
            recipients=list(envelope.rcpt_tos),
            raw=raw,
            message=parsed,
            session=server.session_number,
        )
        with self.recorder.arrived:
            self.recorder.messages.append(mail)
            self.recorder.arrived.notify_all()
            hold = self.recorder.hold_answer
        if hold:  # the server has the message; the client, waiting for this answer, does not know
            await asyncio.sleep(hold)
        return "250 2.0.0 OK queued"


# Token -> the user it was issued for, or None when not active (the OAuth2 server's RFC 7662
# introspection, asked over HTTPS as a real submission server would).
Introspect = Callable[[str], "str | None"]


class OAuth2Handler(RecordingHandler):
    """Also takes SASL XOAUTH2 logins, answering a refused token as Gmail and Exchange Online
    do: a 334 challenge carrying a JSON error, then 535 once the client has answered it."""

    def __init__(self, recorder: _Recorder, introspect: Introspect) -> None:
        super().__init__(recorder)
        self.introspect = introspect

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        if len(args) > 1:
            blob = args[1].encode()
            try:
                response: bytes | Any = b64decode(blob, validate=True)
            except binascii.Error:
                return AuthResult(success=False, handled=False,
                                  message="501 5.5.2 Cannot decode base64")
        else:
            response = await server.challenge_auth("")
            if response is MISSING:
                return AuthResult(success=False, handled=True)
        fields = dict(part.split("=", 1) for part in response.decode().split("\x01") if "=" in part)
        user, auth = fields.get("user", ""), fields.get("auth", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        owner = await asyncio.to_thread(self.introspect, token) if token else None
        if owner is not None and owner == user:
            with self.recorder.lock:
                self.recorder.oauth2_logins.append(user)
            return AuthResult(success=True, auth_data=user)
        error = json.dumps({"status": "401", "schemes": "bearer", "scope": "smtp"})
        await server.challenge_auth(error)  # the client answers it with an empty line
        return AuthResult(success=False, handled=False,
                          message="535 5.7.3 Authentication unsuccessful")


class RecordingSMTP(SMTP):
    """The protocol, one per connection: counts greetings, knows how to stall and hang up."""

    def __init__(self, handler: RecordingHandler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.recorder = handler.recorder
        self.session_number = 0
        self.delivered = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        with self.recorder.lock:
            self.recorder.live.add(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        with self.recorder.lock:
            self.recorder.live.discard(self)
        super().connection_lost(error)

    async def _handle_client(self) -> None:
        # A stalled server holds the greeting back, as an overloaded MTA does.
        while self.recorder.stalled:
            await asyncio.sleep(0.05)
        await super()._handle_client()

    async def smtp_EHLO(self, hostname: str) -> None:
        self._count_session()
        await super().smtp_EHLO(hostname)

    async def smtp_HELO(self, hostname: str) -> None:
        self._count_session()
        await super().smtp_HELO(hostname)

    async def smtp_MAIL(self, arg: str) -> None:
        # Like Exim's smtp_accept_max_per_connection: 421 at MAIL, then hang up.
        limit = self.recorder.per_connection_limit
        if limit is not None and self.delivered >= limit:
            await self.push("421 4.7.0 too many messages on this connection")
            assert self.transport is not None
            self.transport.close()
            return
        await super().smtp_MAIL(arg)

    def _count_session(self) -> None:
        # Counted at the greeting, not at accept(): aiosmtpd's Controller opens (and closes)
        # one connection of its own at start to check that the server answers.
        if self.session_number == 0:
            with self.recorder.lock:
                self.recorder.sessions += 1
                self.session_number = self.recorder.sessions


class _Controller(Controller):
    def __init__(self, recorder: _Recorder, introspect: Introspect | None = None,
                 **kwargs: Any) -> None:
        self.recorder = recorder
        handler = (RecordingHandler(recorder) if introspect is None
                   else OAuth2Handler(recorder, introspect))
        super().__init__(handler, **kwargs)

    def factory(self) -> RecordingSMTP:
        with warnings.catch_warnings():
            # AUTH over plain text is what the loopback tests want; aiosmtpd warns about it.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return RecordingSMTP(self.handler, **self.SMTP_kwargs)


def _authenticate(recorder: _Recorder) -> Any:
    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == recorder.user
            and auth_data.password.decode() == recorder.password
        )
        return AuthResult(success=ok, handled=False)

    return check


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class RecordingSmtpServer:
    """An SMTP server on 127.0.0.1, optionally with AUTH and STARTTLS or implicit TLS."""

    def __init__(
        self,
        *,
        user: str | None = None,
        password: str | None = None,
        tls: Literal["starttls", "tls"] | None = None,
        certificate: tuple[Path, Path] | None = None,
        introspect: Introspect | None = None,
    ) -> None:
        """`introspect` set: XOAUTH2 logins are taken too (and AUTH is required)."""
        if tls is not None and certificate is None:
            raise ValueError("a TLS server needs a (certfile, keyfile) pair")
        self.host = HOST
        self.port = free_port()
        self.user = user
        self.password = password
        self.tls = tls
        self.introspect = introspect
        self._recorder = _Recorder(user, password)
        self._server_context: ssl.SSLContext | None = None
        if certificate is not None:
            self._server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._server_context.load_cert_chain(str(certificate[0]), str(certificate[1]))
        self._controller: _Controller | None = None

    def start(self) -> RecordingSmtpServer:
        kwargs: dict[str, Any] = {}
        if self.user is not None or self.introspect is not None:
            kwargs.update(
                authenticator=_authenticate(self._recorder),
                auth_required=True,
                # Loopback tests speak plain text; with STARTTLS, insist on it as servers do.
                # (aiosmtpd cannot tell implicit TLS from plain text, hence only STARTTLS.)
                auth_require_tls=self.tls == "starttls",
            )
        if self.tls == "starttls":
            kwargs.update(tls_context=self._server_context, require_starttls=True)
        controller = _Controller(
            self._recorder,
            self.introspect,
            hostname=self.host,
            port=self.port,
            ssl_context=self._server_context if self.tls == "tls" else None,
            **kwargs,
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is None:
            return
        controller, self._controller = self._controller, None
        self._cut_connections(controller)
        controller.stop()

    def __enter__(self) -> RecordingSmtpServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # What it saw

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._recorder.lock:
            return list(self._recorder.messages)

    @property
    def oauth2_logins(self) -> list[str]:
        """The users who logged in with XOAUTH2, one entry per successful login."""
        with self._recorder.lock:
            return list(self._recorder.oauth2_logins)

    @property
    def sessions(self) -> int:
        """How many connections greeted the server (EHLO or HELO)."""
        with self._recorder.lock:
            return self._recorder.sessions

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """The messages, once at least `count` arrived; AssertionError after `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._recorder.arrived:
            while len(self._recorder.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    got = len(self._recorder.messages)
                    raise AssertionError(f"expected {count} messages within {timeout}s, got {got}")
                self._recorder.arrived.wait(left)
            return list(self._recorder.messages)

    def clear(self) -> None:
        with self._recorder.lock:
            self._recorder.messages.clear()
            self._recorder.sessions = 0

    # A bad day, on demand

    def fail_next(self, code: int = 451, count: int = 1, at: FailurePoint = "DATA") -> None:
        """Answer the next `count` MAIL, RCPT or DATA commands with `code` (4xx or 5xx)."""
        if not 400 <= code < 600:
            raise ValueError(f"an injected failure is a 4xx or 5xx code, not {code}")
        with self._recorder.lock:
            self._recorder.failures.extend([(at, code)] * count)

    def limit_per_connection(self, messages: int | None) -> None:
        """After that many messages on one connection, answer MAIL with 421 and hang up."""
        with self._recorder.lock:
            self._recorder.per_connection_limit = messages

    def drop(self) -> None:
        """SMTP down: open connections cut without a word, and nothing listening any more."""
        self.stop()

    def stall(self) -> None:
        """SMTP overloaded: connections are accepted but never greeted."""
        with self._recorder.lock:
            self._recorder.stalled = True

    def hold_answer(self, seconds: float) -> None:
        """Take each message (it is recorded) but answer the final "." only `seconds` later: a
        client with a shorter timeout cannot tell whether it was delivered (RFC 1047)."""
        with self._recorder.lock:
            self._recorder.hold_answer = seconds

    def restore(self) -> None:
        """Back to normal on the same port; pending injected failures are forgotten."""
        with self._recorder.lock:
            self._recorder.hold_answer = 0.0
            self._recorder.stalled = False
            self._recorder.failures.clear()
            self._recorder.per_connection_limit = None
        if self._controller is None:
            self.start()

    def _cut_connections(self, controller: _Controller) -> None:
        async def abort_all() -> None:
            with self._recorder.lock:
                live = list(self._recorder.live)
            for protocol in live:
                if protocol.transport is not None:
                    protocol.transport.abort()

        asyncio.run_coroutine_threadsafe(abort_all(), controller.loop).result(timeout=5)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (certfile, keyfile), made with openssl."""
    certfile, keyfile = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(keyfile), "-out", str(certfile)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certfile, keyfile


@pytest.fixture
def smtp_server() -> Iterator[RecordingSmtpServer]:
    """A plain recording SMTP server on loopback, without AUTH, stopped after the test."""
    with RecordingSmtpServer() as server:
        yield server
