"""Reading `rules.toml` strictly.

The file is mapped onto the dataclasses below. Every field's type hint is the schema: an unknown
key, a value of the wrong type or a bad value is a `ConfigError` whose lines each name the key's
path (``mailbox.port: expected an integer, got "993"``). Secrets never live in the file: passwords
come from MAILBOT_IMAP_PASSWORD / MAILBOT_SMTP_PASSWORD or a `password_file`.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import socket
import tomllib
import types
import typing
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from email.utils import getaddresses, parseaddr
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from mailbot.clock.policy import TimePolicy
from mailbot.clock.settings import CalendarConfig, DigestConfig, EscalationConfig
from mailbot.clock.settings import problems as clock_problems
from mailbot.net import Security, is_loopback
from mailbot.parsers import ParseRules, Program
from mailbot.parsers.attachment_policy import DEFAULT_REFUSED, AttachmentPolicy
from mailbot.rules.settings import (
    ClassificationRuleConfig,
    FloodConfig,
    InformationConfig,
    MassConfig,
    UrgentConfig,
    VipConfig,
)

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
    dir: str = "/var/lib/mailbot"


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


def _default_programs() -> list[ProgramConfig]:
    from mailbot.parsers.programs import DEFAULT_PROGRAMS

    return [ProgramConfig(p.name, list(p.aliases)) for p in DEFAULT_PROGRAMS]


@functools.cache
def _shipped_classification() -> dict[str, Any]:
    # The shipped rules (seed 002) in their own file, used when rules.toml has none; rules.toml
    # spells out the same rules (tests/test_classification.py keeps the two equal).
    text = resources.files("mailbot.rules").joinpath("default_classification.toml")
    data = tomllib.loads(text.read_text("utf-8"))
    problems: list[str] = []
    built = {
        "classification": _coerce(list[ClassificationRuleConfig], data["classification"],
                                  "classification", problems),
        "vocabulary": _coerce(dict[str, list[str]], data["vocabulary"], "vocabulary",
                              problems)}
    if problems:  # a packaging mistake, not the operator's: fail loudly
        raise RuntimeError("default_classification.toml: " + "; ".join(problems))
    return built


def _default_classification() -> list[ClassificationRuleConfig]:
    return copy.deepcopy(_shipped_classification()["classification"])


def _default_vocabulary() -> dict[str, list[str]]:
    return copy.deepcopy(_shipped_classification()["vocabulary"])


@dataclass
class Config:
    mailbox: MailboxConfig = field(default_factory=MailboxConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    oauth2: OAuth2Config = field(default_factory=OAuth2Config)
    web: WebConfig = field(default_factory=WebConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    team: TeamConfig = field(default_factory=TeamConfig)
    mail: MailConfig = field(default_factory=MailConfig)
    priorities: PrioritiesConfig = field(default_factory=PrioritiesConfig)
    tickets: TicketsConfig = field(default_factory=TicketsConfig)
    programs: list[ProgramConfig] = field(default_factory=_default_programs)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    vocabulary: dict[str, list[str]] = field(default_factory=_default_vocabulary)
    classification: list[ClassificationRuleConfig] = field(
        default_factory=_default_classification)
    information: InformationConfig = field(default_factory=InformationConfig)
    urgent: UrgentConfig = field(default_factory=UrgentConfig)
    vip: VipConfig = field(default_factory=VipConfig)
    mass: MassConfig = field(default_factory=MassConfig)
    flood: FloodConfig = field(default_factory=FloodConfig)
    attachments: AttachmentsConfig = field(default_factory=AttachmentsConfig)
    source: str = field(default="", metadata={"internal": True})
    # The key that signs VERP envelope addresses: kept in the state directory (runtime), never
    # in rules.toml; empty (replay, tests of the pure core): automatic mail goes out with <>.
    verp_key: bytes = field(default=b"", metadata={"internal": True}, repr=False)

    @property
    def state_dir(self) -> Path:
        return Path(self.storage.dir)

    # Addresses are written as people write them ("Support <support@x.fr>" or "support@x.fr"):
    # read with the standard library, never used as written.
    @property
    def bot_address(self) -> str:
        return address_of(self.smtp.from_)

    @property
    def bot_name(self) -> str:
        """The display name of the bot's mails: the one written in smtp.from, else the
        organisation."""
        return parseaddr(self.smtp.from_)[0].strip() or self.mail.organisation

    @property
    def team_address(self) -> str:
        return address_of(self.team.address)

    @cached_property
    def time(self) -> TimePolicy:
        """The time rules (calendar, clocks, ladder), built once per configuration."""
        return TimePolicy.from_config(self)

    @property
    def technicians(self) -> tuple[str, ...]:
        return tuple(address_of(t) for t in self.team.technicians)

    def parse_rules(self) -> ParseRules:
        return ParseRules(
            bot_addresses=frozenset({self.bot_address}),
            tag_prefix=self.mail.tag_prefix,
            programs=tuple(Program(p.name, tuple(p.aliases)) for p in self.programs),
            phone_markers=tuple(self.team.phone_markers),
            noreply_patterns=tuple(self.mail.noreply_patterns),
            attachment_policy=self.attachments.policy(),
        )

    def warnings(self) -> list[str]:
        """What is allowed but weak: shown by check-config and logged at start."""
        out = []
        if self.team.technicians and not self.team.authserv_id:
            out.append("team.authserv_id is not set: a technician is recognised by the From "
                       "address alone, which anyone can forge")
        return out

    def imap_password(self) -> str:
        return _password("MAILBOT_IMAP_PASSWORD", self.mailbox.password_file, "mailbox")

    def smtp_password(self) -> str:
        return _password("MAILBOT_SMTP_PASSWORD", self.smtp.password_file, "smtp")

    @property
    def uses_oauth2(self) -> bool:
        return (self.mailbox.kind == "imap" and self.mailbox.auth == "oauth2") or (
            self.smtp.kind == "smtp" and self.smtp.auth == "oauth2")

    def environment_problems(self) -> list[str]:
        """What the chosen login mechanisms lack in the environment: one line each.

        Separate from `load` because `tickets` and `show` need no secret at all.
        """
        problems = check_secrets(self)  # password logins: the passwords `run` will read
        if not self.uses_oauth2:
            return problems
        from mailbot.oauth2 import missing_settings

        return problems + missing_settings(self)


def load(path: str | Path | None) -> Config:
    """Read `path` (or the embedded default rules when None) and validate it entirely."""
    if path is None:
        text = resources.files("mailbot").joinpath("default_rules.toml").read_text("utf-8")
        source = "<embedded default>"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([f"{path}: cannot read: {exc}"]) from exc
        source = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: not valid TOML: {exc}"]) from exc
    problems: list[str] = []
    config = _build(Config, data, "", problems)
    if config is not None and not problems:  # values are checked once their types are right
        problems += _check_values(config)
    if problems:
        raise ConfigError([f"{source}: {p}" for p in problems])
    config.source = source
    return config


def _check_values(config: Config) -> list[str]:
    problems = []
    sections: tuple[tuple[str, MailboxConfig | SmtpConfig], ...] = (
        ("mailbox", config.mailbox), ("smtp", config.smtp))
    for name, section in sections:
        remote = section.kind in ("imap", "smtp")
        if remote and section.security == "none" and not is_loopback(section.host):
            problems.append(f"{name}.security: \"none\" is only allowed on loopback hosts")
        if section.kind == "maildir" and not section.path:
            problems.append(f"{name}.path: required when {name}.kind is \"maildir\"")
        if not 0 < section.port < 65536:
            problems.append(f"{name}.port: {section.port} is not a TCP port")
    problems += _check_claim(config.mailbox)
    if config.mailbox.idle_renew_minutes >= 29 or config.mailbox.idle_renew_minutes <= 0:
        problems.append("mailbox.idle_renew_minutes: must be above 0 and below 29 (RFC 2177)")
    if not 1 <= config.smtp.connections <= 16:
        problems.append("smtp.connections: must be between 1 and 16")
    on_call = (("team.on_call", config.team.on_call),) if config.team.on_call else ()
    for where, value in (("smtp.from", config.smtp.from_), ("team.address", config.team.address),
                         *((f"team.technicians[{i}]", t)
                           for i, t in enumerate(config.team.technicians)), *on_call):
        if not address_of(value):
            problems.append(f"{where}: not an email address: {value!r}")
    if config.tickets.reopen_days < 0:
        problems.append("tickets.reopen_days: must be 0 or more")
    if not config.web.base_url.startswith(("http://", "https://")):
        problems.append("web.base_url: must start with http:// or https://")
    if ":" not in config.web.listen:
        problems.append("web.listen: expected host:port, e.g. \"127.0.0.1:8025\"")
    if config.web.requests_per_minute < 0:
        problems.append("web.requests_per_minute: must be 0 (no limit) or more")
    if config.web.link_days_after_close < 0:
        problems.append("web.link_days_after_close: must be 0 (never expires) or more")
    for name in config.priorities.targets:
        if name not in ("P1", "P2", "P3", "P4"):
            problems.append(f"priorities.targets.{name}: unknown priority (P1 to P4)")
    if not config.mail.tag_prefix or any(c in config.mail.tag_prefix for c in "[] \t"):
        problems.append("mail.tag_prefix: must be non-empty, without brackets or spaces")
    for name, section in sections:
        if section.password_file and not Path(section.password_file).is_file():
            problems.append(f"{name}.password_file: no such file: {section.password_file}")
    if config.mail.max_automatic_mails < 1:
        problems.append("mail.max_automatic_mails: must be at least 1")
    if not 1 <= config.mail.max_automatic_total <= 5000:
        problems.append("mail.max_automatic_total: must be between 1 and 5000")
    if config.mail.suppress_bounced_days < 0:
        problems.append("mail.suppress_bounced_days: must be 0 or more")
    problems += _check_oauth2(config)
    problems += clock_problems(config.calendar, config.escalation, config.digest)
    return problems + _check_priority_rules(config) + _check_amounts(config)


# An instance name is part of a folder name and of an IMAP keyword: letters, digits, - and _
# (a delimiter would make a sub-folder, a wildcard or a quote another name).
_INSTANCE = re.compile(r"[A-Za-z0-9_-]+")


def claim_path(mailbox: MailboxConfig) -> str:
    """The claim folder of this instance ("Processing/<instance>"), "" when claiming is off.
    The default instance is the host name, its dots (and anything else than letters, digits,
    - and _) made dashes."""
    if not mailbox.claim_folder:
        return ""
    if mailbox.instance:
        return f"{mailbox.claim_folder}/{mailbox.instance}"
    host = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())
    return f"{mailbox.claim_folder}/{host}"


def _check_claim(mailbox: MailboxConfig) -> list[str]:
    if not mailbox.claim_folder:
        return ["mailbox.instance: only used with mailbox.claim_folder"] if mailbox.instance else []
    problems = []
    if mailbox.kind != "imap":
        problems.append("mailbox.claim_folder: only for kind = \"imap\" (several instances "
                        "sharing one IMAP mailbox)")
    if mailbox.instance and not _INSTANCE.fullmatch(mailbox.instance):
        problems.append(f"mailbox.instance: letters, digits, - and _ only: "
                        f"{mailbox.instance!r}")
    if mailbox.claim_folder in (mailbox.folder, mailbox.processed_folder,
                                mailbox.quarantine_folder):
        problems.append("mailbox.claim_folder: must be a folder of its own")
    return problems


def _check_oauth2(config: Config) -> list[str]:
    """What the file itself lacks for OAuth2 logins (secrets are checked by check-config)."""
    if not config.uses_oauth2:
        return []
    oauth2, problems = config.oauth2, []
    if config.mailbox.kind == "imap" and config.mailbox.auth == "oauth2" and not (
            config.mailbox.user):
        problems.append("mailbox.user: required with auth = \"oauth2\" (the mailbox address)")
    if config.smtp.kind == "smtp" and config.smtp.auth == "oauth2" and not config.smtp.user:
        problems.append("smtp.user: required with auth = \"oauth2\" (the mailbox address)")
    if oauth2.provider.startswith("microsoft"):
        if not oauth2.tenant:
            problems.append("oauth2.tenant: required for Microsoft 365 (the tenant's domain "
                            "or Directory ID)")
        if not oauth2.client_id:
            problems.append("oauth2.client_id: required for Microsoft 365 (the app's "
                            "Application (client) ID)")
        if not oauth2.authority_host or "/" in oauth2.authority_host:
            problems.append("oauth2.authority_host: a host name (and :port), no scheme or path")
    return problems


def _check_priority_rules(config: Config) -> list[str]:
    from mailbot.rules.classification import check_rules  # the rules' own checks

    spellings = [s for p in config.programs for s in (p.name, *p.aliases)]
    problems = check_rules(config.classification, config.vocabulary, programs=spellings)
    for i, address in enumerate(config.vip.addresses):
        if not address_of(address):
            problems.append(f"vip.addresses[{i}]: not an email address: {address!r}")
    for key in ("support_manager", "security_officer", "it_director"):
        value = getattr(config.vip, key)
        if value and not address_of(value):
            problems.append(f"vip.{key}: not an email address: {value!r}")
    positive = (("urgent.max", config.urgent.max),
                ("urgent.window_days", config.urgent.window_days),
                ("mass.window_minutes", config.mass.window_minutes),
                ("flood.max_new_tickets", config.flood.max_new_tickets),
                ("flood.window_minutes", config.flood.window_minutes))
    problems += [f"{key}: must be at least 1" for key, value in positive if value < 1]
    if config.mass.senders < 2:
        problems.append("mass.senders: must be at least 2 (one sender is not a mass incident)")
    return problems


def _check_amounts(config: Config) -> list[str]:
    """Counts and durations that parse as numbers yet would make the daemon spin or stall."""
    problems = []
    positive = (("mailbox.poll_seconds", config.mailbox.poll_seconds),
                ("mailbox.batch", config.mailbox.batch),
                ("mailbox.max_message_mb", config.mailbox.max_message_mb),
                ("mailbox.max_attempts", config.mailbox.max_attempts),
                ("smtp.timeout_seconds", config.smtp.timeout_seconds),
                ("mailbox.alert_after_minutes", config.mailbox.alert_after_minutes),
                ("web.stale_after_minutes", config.web.stale_after_minutes),
                ("mail.automatic_window_minutes", config.mail.automatic_window_minutes),
                ("attachments.max_size_mb", config.attachments.max_size_mb))
    for where, value in positive:
        if not value > 0:
            problems.append(f"{where}: must be above 0, got {value}")
    for i, ext in enumerate(config.attachments.refused_extensions):
        if not ext.startswith(".") or len(ext) < 2 or any(c in ext for c in "/\\ *"):
            problems.append(f"attachments.refused_extensions[{i}]: expected an extension such "
                            f"as \".exe\", got {ext!r}")
    for name, target in config.priorities.targets.items():
        where = f"priorities.targets.{name}"
        for key in ("first_response_hours", "resolution_hours"):
            if getattr(target, key) < 0:
                problems.append(f"{where}.{key}: hours cannot be negative")
        if target.resolution_hours < target.first_response_hours:
            problems.append(f"{where}.resolution_hours: {target.resolution_hours} is below "
                            f"first_response_hours ({target.first_response_hours})")
    return problems


def check_secrets(config: Config) -> list[str]:
    """What the environment must give before the daemon can start: the passwords it will need.

    Kept apart from `load` because the file alone is valid without them (tests and `tickets`
    read it with no secret at hand); `check-config` and `run` both call it, so that what
    `check-config` accepts starts.
    """
    problems = []
    needs = []
    if config.mailbox.kind == "imap" and config.mailbox.auth == "password":
        needs.append(("mailbox", "MAILBOT_IMAP_PASSWORD", config.imap_password))
    if config.smtp.kind == "smtp" and config.smtp.auth == "password" and config.smtp.user:
        needs.append(("smtp", "MAILBOT_SMTP_PASSWORD", config.smtp_password))
    for section, variable, read in needs:
        try:
            found = read()
        except ConfigError as exc:
            problems += exc.problems
            continue
        if not found:
            problems.append(f"{section}: no password for user {getattr(config, section).user!r}:"
                            f" set {variable}, {section}.password_file or the systemd credential"
                            f" {section}-password")
    return problems


def address_of(value: str) -> str:
    """The bare, lower-case address in `value` ("Support <Support@X.fr>" -> "support@x.fr"),
    or "" when it holds no single valid address."""
    found = getaddresses([value])
    if len(found) != 1:
        return ""
    address = found[0][1].strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(c in address for c in " <>,;\"\r\n"):
        return ""
    return address


def _password(variable: str, password_file: str, section: str) -> str:
    if value := os.environ.get(variable):
        return value
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")  # systemd LoadCredential=
    if not password_file and credentials:
        candidate = Path(credentials) / f"{section}-password"
        if candidate.exists():
            password_file = str(candidate)
    if password_file:
        try:
            return Path(password_file).read_text("utf-8").strip()
        except OSError as exc:
            raise ConfigError([f"{section}.password_file: cannot read: {exc}"]) from exc
    return ""


# --- the generic strict mapping of TOML values onto the dataclasses above -----------------------

# A secret written into rules.toml by mistake is refused, never silently ignored or echoed back.
_OAUTH2_SECRET_KEYS = ("client_secret", "refresh_token", "access_token", "token", "private_key")
_NAMES = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false"}


def _toml_key(name: str) -> str:
    return name.rstrip("_")  # `from_` in Python is `from` in the file


def _build(cls: Any, data: Any, path: str, problems: list[str]) -> Any:
    if not isinstance(data, dict):
        problems.append(f"{path or 'file'}: expected a table, got {_show(data)}")
        return None
    known = {_toml_key(f.name): f for f in fields(cls) if not f.metadata.get("internal")}
    for key in data:
        if key in ("password", "pass", "secret"):
            where = f"{path}.{key}" if path else key
            problems.append(f"{where}: passwords are never read from rules.toml; set "
                            f"MAILBOT_IMAP_PASSWORD/MAILBOT_SMTP_PASSWORD or {path}.password_file")
        elif key in _OAUTH2_SECRET_KEYS:
            where = f"{path}.{key}" if path else key
            problems.append(f"{where}: secrets are never read from rules.toml; set "
                            f"MAILBOT_OAUTH2_CLIENT_SECRET or oauth2.client_secret_file (a "
                            f"refresh token is stored by `mailbot login`)")
        elif key not in known:
            where = f"{path}.{key}" if path else key
            problems.append(f"{where}: unknown key (known: {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    hints = typing.get_type_hints(cls)
    for key, f in known.items():
        where = f"{path}.{key}" if path else key
        if key in data:
            values[f.name] = _coerce(hints[f.name], data[key], where, problems)
        elif f.default is MISSING and f.default_factory is MISSING:
            problems.append(f"{where}: required key is missing")
    try:
        return cls(**values)
    except TypeError:
        return None


def _coerce(hint: Any, value: Any, where: str, problems: list[str]) -> Any:
    origin = typing.get_origin(hint)
    if is_dataclass(hint):
        return _build(hint, value, where, problems)
    if origin is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            choices = ", ".join(f'"{a}"' for a in allowed)
            problems.append(f"{where}: {_show(value)} is not one of {choices}")
        return value
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list, got {_show(value)}")
            return []
        return [_coerce(item, v, _item_path(where, i, v), problems) for i, v in enumerate(value)]
    if origin is dict:
        _, item = typing.get_args(hint)
        if not isinstance(value, dict):
            problems.append(f"{where}: expected a table, got {_show(value)}")
            return {}
        return {k: _coerce(item, v, f"{where}.{k}", problems) for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        problems.append(f"{where}: expected {_NAMES.get(hint.__name__, hint.__name__)}, "
                        f"got {_show(value)}")
    return value


def _item_path(where: str, index: int, value: Any) -> str:
    # A named table ([[classification]] rules) is named in its problems, not only numbered.
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return f'{where}[{index}] "{value["name"]}"'
    return f"{where}[{index}]"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)
