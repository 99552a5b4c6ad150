"""The sections of `rules.toml`, one dataclass each: every field's type hint is the schema.

The rules' own sections (classification, vip, mass, flood...) live in `mailbot.rules.settings`,
the clocks' (calendar, escalation, digest) in `mailbot.clock.settings`; `mailbot.config.model`
gathers them all in `Config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from mailbot.net import Security
from mailbot.parsers import ParseRules
from mailbot.parsers.attachment_policy import DEFAULT_REFUSED, AttachmentPolicy

Auth = Literal["password", "oauth2"]


class ConfigError(Exception):
    """The operator's problem: `rules.toml` or the environment is wrong. One line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class MailboxConfig:
    kind: Literal["imap", "maildir"] = "imap"
    host: str = "localhost"
    port: int = 993
    security: Security = "tls"
    user: str = "support"
    auth: Auth = "password"
    password_file: str = ""
    folder: str = "INBOX"
    processed_folder: str = "mailbot/processed"
    quarantine_folder: str = "mailbot/quarantine"
    path: str = ""  # maildir: the inbox Maildir
    poll_seconds: float = 60.0
    idle_renew_minutes: float = 25.0
    batch: int = 100
    # An outage longer than this: one ERROR line and one mail to the team (RELIABILITY O01).
    alert_after_minutes: float = 15.0
    max_message_mb: float = 25.0  # beyond it a message is not downloaded but set aside
    max_attempts: int = 3  # a message the process died on this many times is set aside
    # Several instances on one mailbox (RELIABILITY C02): each claims new mail into
    # claim_folder/instance first. Empty: off. instance empty: the host name.
    claim_folder: str = ""
    instance: str = ""


@dataclass
class SmtpConfig:
    kind: Literal["smtp", "maildir"] = "smtp"
    host: str = "localhost"
    port: int = 465
    security: Security = "tls"
    user: str = ""
    auth: Auth = "password"
    password_file: str = ""
    from_: str = "support@example.com"
    path: str = ""  # maildir: where outgoing mail is delivered
    timeout_seconds: float = 30.0
    connections: int = 2
    # MAIL FROM of the bot's automatic mail (RFC 3834 §3.3): "null" (<>), "verp" (a signed
    # support+token address whose bounces are recognised), or "address" (the support address,
    # for relays that refuse a null sender). A relayed technician answer always uses the address.
    envelope: Literal["null", "verp", "address"] = "null"


@dataclass
class OAuth2Config:
    """Who issues the access tokens when `[mailbox] auth` or `[smtp] auth` is "oauth2"."""

    # microsoft: Entra ID app-only (client credentials); microsoft-delegated: a user's consent
    # given once with `mailbot login` (device code); google: a service account with domain-wide
    # delegation.
    provider: Literal["microsoft", "microsoft-delegated", "google"] = "microsoft"
    tenant: str = ""
    client_id: str = ""
    client_secret_file: str = ""
    certificate_file: str = ""
    service_account_file: str = ""
    # Sovereign clouds (login.microsoftonline.us, login.partner.microsoftonline.cn) and tests.
    authority_host: str = "login.microsoftonline.com"
    scopes: list[str] = field(default_factory=list)  # empty: the provider's own for IMAP+SMTP


@dataclass
class WebConfig:
    enabled: bool = True
    base_url: str = "http://localhost:8025"
    listen: str = "127.0.0.1:8025"
    requests_per_minute: int = 60  # per client address; 0: no limit
    # No pass completed for this long: the page says the follow-up may not be up to date.
    stale_after_minutes: float = 10.0
    forwarded_for: bool = False  # the client address from a reverse proxy's X-Forwarded-For
    link_days_after_close: int = 365  # the page's life after closure (0: forever); rules.toml


@dataclass
class StorageConfig:
    # "tinydb": the embedded store in `dir` (one daemon); "postgresql": the tickets in a
    # PostgreSQL database (`dsn`), shared by several daemons (mailbot.store.postgres).
    kind: Literal["tinydb", "postgresql"] = "tinydb"
    dir: str = "/var/lib/mailbot"
    dsn: str = ""  # postgresql: a libpq URI, postgresql://user@host:5432/mailbot
    password_file: str = ""  # postgresql: else MAILBOT_DB_PASSWORD, or credential storage-password
    # Passed to libpq as they are (https://www.postgresql.org/docs/current/libpq-ssl.html).
    sslmode: Literal["", "disable", "allow", "prefer", "require", "verify-ca",
                     "verify-full"] = ""
    sslrootcert: str = ""
    sslcert: str = ""
    sslkey: str = ""
    connect_timeout_seconds: int = 10


@dataclass
class TeamConfig:
    address: str = "equipe-si@example.com"
    technicians: list[str] = field(default_factory=list)
    # The receiving server whose Authentication-Results verdict authenticates technicians
    # (RFC 8601); empty: From alone is trusted (check-config warns).
    authserv_id: str = ""
    # Subject markers that make a technician's mail a phone-call log, like #phone.
    phone_markers: list[str] = field(default_factory=lambda: ["[TEL]", "[APPEL]"])
    # Who gets the notices of round-the-clock priorities (P1) outside working hours, in
    # addition to the team address; empty: the team address alone.
    on_call: str = ""


@dataclass
class TicketsConfig:
    # A reply within this many days of closure reopens the ticket; later, it opens a new one.
    reopen_days: int = 10
    # A new mail from a requester within this many minutes of opening a ticket, on the same
    # subject ("scanner", "scanner (suite)", "RE: scanner"), is added to that ticket. 0: never.
    merge_minutes: int = 10


@dataclass
class MailConfig:
    language: Literal["fr", "en"] = "fr"
    tag_prefix: str = "#"
    organisation: str = "Service informatique"
    # At most this many automatic mails to one address per window: Mailman's 10 a day (L09).
    max_automatic_mails: int = 10
    automatic_window_minutes: int = 1440
    # At most this many acknowledgements and demotion notices to all requesters together per
    # window (S12); staff notices are not counted.
    max_automatic_total: int = 300
    # After a bounce that says an address does not take our mail, no automatic mail goes to it
    # for this many days (RELIABILITY L11); 0: never suppressed.
    suppress_bounced_days: int = 60
    # After a transient failure (RFC 3463: a 4.x.x status, or a full mailbox, X.2.2), for this
    # many hours only; 0: never suppressed. A mail from the address lifts either block.
    suppress_transient_bounce_hours: int = 24
    # A message with no Return-Path at all (some stores never add one): acknowledged when every
    # other check passes (logged), or never (RELIABILITY L02).
    acknowledge_without_return_path: bool = True
    noreply_patterns: list[str] = field(default_factory=lambda: list(ParseRules().noreply_patterns))


@dataclass
class AttachmentsConfig:
    refused_extensions: list[str] = field(default_factory=lambda: list(DEFAULT_REFUSED))
    refuse_macro_office: bool = True
    max_size_mb: float = 25.0

    def policy(self) -> AttachmentPolicy:
        return AttachmentPolicy(tuple(e.lower() for e in self.refused_extensions),
                                self.refuse_macro_office, int(self.max_size_mb * 1024 * 1024))


@dataclass
class Target:
    first_response_hours: float
    resolution_hours: float
    round_the_clock: bool = False


def _default_targets() -> dict[str, Target]:
    # Seed 000: level 1 immediate; level 2 react within hours, solved in 48-96 working hours;
    # level 3 first answer in 12-48 working hours, solved in 5-15 working days (8 h a day).
    return {
        "P1": Target(0.25, 4.0, round_the_clock=True),
        "P2": Target(4.0, 96.0),
        "P3": Target(48.0, 120.0),
        "P4": Target(96.0, 320.0),
    }


@dataclass
class PrioritiesConfig:
    default: Literal["P1", "P2", "P3", "P4"] = "P3"
    urgent: Literal["P1", "P2", "P3", "P4"] = "P2"
    targets: dict[str, Target] = field(default_factory=_default_targets)


@dataclass
class ProgramConfig:
    name: str
    aliases: list[str] = field(default_factory=list)
