"""`mailbot check-connection` and `mailbot login`: the operator's tools for the mail logins.

check-connection logs in to IMAP and SMTP (and to PostgreSQL when the tickets live there) with
the real configuration, as the daemon would, and says for each what worked or what the server
answered. It sends nothing and moves nothing: the IMAP side asks for the folder's STATUS, the
SMTP side says QUIT after the login, the database side reads the schema version.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from mailbot.config import Config, ConfigError
from mailbot.intake import ImapIntake, IntakeError
from mailbot.oauth2 import MicrosoftDelegated, TokenError, TokenSource
from mailbot.runtime import make_intake, make_tokens, make_transport
from mailbot.storage import StateUnwritable
from mailbot.transport import SmtpTransport

Say = Callable[[str], None]


def check_connection(config: Config, say: Say) -> bool:
    """One line per step ("ok" or "FAILED" and the answer); True when every step worked."""
    tokens = make_tokens(config)  # ConfigError: what the environment lacks, one line each
    results = []
    if tokens is not None:
        results.append(_step("OAuth2 token", say, lambda: _token(tokens)))
    box = config.mailbox
    if box.kind == "imap":
        intake = make_intake(config, None, threading.Event(), cursor=None, attempts=1,
                             tokens=tokens)
        assert isinstance(intake, ImapIntake)
        results.append(_step(f"IMAP {box.host}:{box.port} ({box.security})", say, intake.check))
    else:
        say(f"IMAP: not used (mailbox.kind = \"maildir\", {box.path})")
    smtp = config.smtp
    if smtp.kind == "smtp":
        transport = make_transport(config, tokens)
        assert isinstance(transport, SmtpTransport)
        try:
            results.append(_step(f"SMTP {smtp.host}:{smtp.port} ({smtp.security})", say,
                                 transport.check))
        finally:
            transport.close()
    else:
        say(f"SMTP: not used (smtp.kind = \"maildir\", {smtp.path})")
    if config.storage.kind == "postgresql":
        from mailbot.store.backend import conninfo, describe
        from mailbot.store.pgtools import check_database

        results.append(_step(f"PostgreSQL {describe(config)}", say,
                             lambda: check_database(conninfo(config), describe(config))))
    else:
        say(f"Tickets: in the state directory {config.state_dir} (storage.kind = \"tinydb\")")
    return all(results)


def _token(tokens: TokenSource) -> str:
    tokens.token()  # the token itself is a secret: only say that there is one
    return f"obtained from {tokens.description}"


def _step(name: str, say: Say, run: Callable[[], str]) -> bool:
    try:
        detail = run()
    except (IntakeError, ConnectionError, TokenError, StateUnwritable) as exc:
        say(f"{name}: FAILED: {exc}")
        return False
    say(f"{name}: ok: {detail}")
    return True


def login(config: Config, say: Say) -> None:
    """The device-code flow for `provider = "microsoft-delegated"`; stores the refresh token."""
    if config.oauth2.provider != "microsoft-delegated":
        raise ConfigError([f"oauth2.provider: `mailbot login` is for \"microsoft-delegated\"; "
                           f"\"{config.oauth2.provider}\" needs no interactive login"])
    delegated = MicrosoftDelegated(config)
    account = delegated.login(say)
    say(f"signed in as {account}; the refresh token is stored in "
        f"{config.state_dir} (readable by this user only)")
