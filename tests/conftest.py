"""Shared fixtures: real servers on loopback, one section per server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.harness import write_rules
from tests.servers.dovecot import USER, DovecotServer, TlsFiles, make_self_signed_cert
from tests.servers.oauth2 import OAuth2Server

# ---------------------------------------------------------------------------------------------
# Dovecot (IMAP). A fresh server per test (it starts in a few hundredths of a second), so every
# test has empty mailboxes; one self-signed certificate for the whole session.
#
#   def test_x(dovecot: DovecotServer):
#       uid = dovecot.append(raw)               # deliver into INBOX, returns the UID
#       dovecot.messages("mailbot.processed")   # [StoredMessage(uid, flags, raw)]
#       dovecot.tls.client_context()            # an ssl.SSLContext trusting the server
#       dovecot.restart(); dovecot.change_uidvalidity()
#   make_dovecot(without=("IDLE",)) gives a server that neither advertises nor accepts IDLE
#   (nor MOVE, nor UIDPLUS's UID EXPUNGE: tests/servers/imap_refuser.py).
#   make_dovecot(introspection_url=oauth2.introspection_url) also takes XOAUTH2 / OAUTHBEARER
#   logins, checked by Dovecot's oauth2 passdb against that RFC 7662 endpoint.
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dovecot_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_self_signed_cert(tmp_path_factory.mktemp("dovecot-tls"))


@pytest.fixture
def make_dovecot(dovecot_tls: TlsFiles) -> Iterator[Callable[..., DovecotServer]]:
    """Start extra servers, e.g. `make_dovecot(without=("IDLE",))`; all stopped at teardown."""
    servers: list[DovecotServer] = []

    def make(*, without: tuple[str, ...] = (),
             introspection_url: str | None = None) -> DovecotServer:
        server = DovecotServer(tls=dovecot_tls, without=without,
                               introspection_url=introspection_url)
        servers.append(server)
        server.start()
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.cleanup()


@pytest.fixture
def dovecot(make_dovecot: Callable[..., DovecotServer]) -> DovecotServer:
    """A running Dovecot, user `support`: IMAP (and STARTTLS) on `.port`, IMAPS on `.tls_port`."""
    return make_dovecot()


# ---------------------------------------------------------------------------------------------
# SMTP: a recording aiosmtpd server per test (see tests/servers/smtp.py): .messages, fail_next(),
# drop()/restore(), wait_for(n).
# ---------------------------------------------------------------------------------------------
from tests.servers.smtp import RecordingSmtpServer, smtp_server  # noqa: E402, F401

# ---------------------------------------------------------------------------------------------
# OAuth2: an Authlib authorization server on https://127.0.0.1 (tests/servers/oauth2.py) using
# the Dovecot certificate; `oauth2_server.introspection_url` feeds make_dovecot() and
# RecordingSmtpServer(introspect=introspector(...)).
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def oauth2_server(dovecot_tls: TlsFiles) -> Iterator[OAuth2Server]:
    server = OAuth2Server(certificate=(str(dovecot_tls.cert), str(dovecot_tls.key)),
                          user=USER).start()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# PostgreSQL: one private cluster per session (tests/servers/postgres.py); `postgres_db` gives a
# test a database of its own (its DSN, the password in MAILBOT_DB_PASSWORD). The end-to-end
# tests that touch the store run on both stores: `store_backend` (tests/backends.py).
# ---------------------------------------------------------------------------------------------
from tests.backends import (  # noqa: E402, F401
    postgres,
    postgres_db,
    pytest_generate_tests,
    store_backend,
)


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer,
          smtp_server: RecordingSmtpServer) -> Path:  # noqa: F811 (the fixture above)
    """The test configuration (tests/harness.py write_rules) on this test's Dovecot and
    recording SMTP server; a test file that needs other settings defines its own."""
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
