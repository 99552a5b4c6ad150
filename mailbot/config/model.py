"""`Config`: the whole of `rules.toml` once read, with what is derived from it."""

from __future__ import annotations

import copy
import functools
import tomllib
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from mailbot.clock.policy import TimePolicy
from mailbot.clock.settings import CalendarConfig, DigestConfig, EscalationConfig
from mailbot.config.addresses import address_of
from mailbot.config.errors import ConfigError
from mailbot.config.mapping import coerce
from mailbot.config.secrets import missing_oauth2_settings, read_password
from mailbot.config.sections import (
    AttachmentsConfig,
    MailboxConfig,
    MailConfig,
    OAuth2Config,
    PrioritiesConfig,
    ProgramConfig,
    SmtpConfig,
    StorageConfig,
    TeamConfig,
    TicketsConfig,
    WebConfig,
)
from mailbot.parsers import ParseRules, Program
from mailbot.report.settings import ReportConfig
from mailbot.rules.settings import (
    ClassificationRuleConfig,
    FloodConfig,
    InformationConfig,
    MassConfig,
    TriageConfig,
    UrgentConfig,
    VipConfig,
)


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
        "classification": coerce(list[ClassificationRuleConfig], data["classification"],
                                  "classification", problems),
        "vocabulary": coerce(dict[str, list[str]], data["vocabulary"], "vocabulary",
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
    report: ReportConfig = field(default_factory=ReportConfig)
    vocabulary: dict[str, list[str]] = field(default_factory=_default_vocabulary)
    classification: list[ClassificationRuleConfig] = field(
        default_factory=_default_classification)
    information: InformationConfig = field(default_factory=InformationConfig)
    triage: TriageConfig = field(default_factory=TriageConfig)
    urgent: UrgentConfig = field(default_factory=UrgentConfig)
    vip: VipConfig = field(default_factory=VipConfig)
    mass: MassConfig = field(default_factory=MassConfig)
    flood: FloodConfig = field(default_factory=FloodConfig)
    attachments: AttachmentsConfig = field(default_factory=AttachmentsConfig)
    source: str = field(default="", metadata={"internal": True})
    # The key that signs VERP envelope addresses: kept in the state directory (runtime), never
    # in rules.toml; empty (replay, tests of the pure core): automatic mail goes out with <>.
    verp_key: bytes = field(default=b"", metadata={"internal": True}, repr=False)
    # [vip] directory's entries (address, title), read from its file when the configuration is
    # loaded: compiling the rules and classifying a mail never touch the disk.
    vip_directory: tuple[tuple[str, str], ...] = field(default=(), metadata={"internal": True},
                                                       repr=False)

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
        return read_password("MAILBOT_IMAP_PASSWORD", self.mailbox.password_file, "mailbox")

    def smtp_password(self) -> str:
        return read_password("MAILBOT_SMTP_PASSWORD", self.smtp.password_file, "smtp")

    def db_password(self) -> str:
        return read_password("MAILBOT_DB_PASSWORD", self.storage.password_file, "storage")

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
        return problems + missing_oauth2_settings(self.oauth2, self.state_dir)


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
