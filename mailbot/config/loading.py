"""Reading `rules.toml` strictly: `load` maps the file onto `Config` and checks every value."""

from __future__ import annotations

import re
import socket
import tomllib
from importlib import resources
from pathlib import Path

from mailbot.clock.settings import problems as clock_problems
from mailbot.config.addresses import address_of
from mailbot.config.errors import ConfigError
from mailbot.config.mapping import build
from mailbot.config.model import Config
from mailbot.config.sections import MailboxConfig, SmtpConfig, StorageConfig
from mailbot.net import is_loopback
from mailbot.report.settings import problems as report_problems


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
    config = build(Config, data, "", problems)
    if config is not None and not problems:  # values are checked once their types are right
        problems += _check_values(config)
    if problems:
        raise ConfigError([f"{source}: {p}" for p in problems])
    config.source = source
    if config.vip.directory:
        from mailbot.config.directory import read_directory

        config.vip_directory = read_directory(config.vip.directory)
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
    problems += _check_storage(config.storage)
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
    if not 0 <= config.tickets.merge_minutes <= config.flood.window_minutes:
        # The ticket a mail joins is found among the sender's recent openings ([flood]).
        problems.append("tickets.merge_minutes: must be between 0 and [flood] window_minutes "
                        f"({config.flood.window_minutes})")
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
    if config.mail.suppress_transient_bounce_hours < 0:
        problems.append("mail.suppress_transient_bounce_hours: must be 0 or more")
    problems += _check_oauth2(config)
    problems += clock_problems(config.calendar, config.escalation, config.digest)
    problems += report_problems(config.report)
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


def _check_storage(storage: StorageConfig) -> list[str]:
    """The PostgreSQL keys: a libpq URI without a password (secrets never live here)."""
    given = [key for key in ("dsn", "password_file", "sslmode", "sslrootcert", "sslcert",
                             "sslkey") if getattr(storage, key)]
    if storage.kind == "tinydb":
        return [f"storage.{key}: only used with storage.kind = \"postgresql\""
                for key in given]
    if not storage.dsn.startswith(("postgresql://", "postgres://")):
        return ["storage.dsn: required with kind = \"postgresql\": a libpq URI such as "
                "\"postgresql://mailbot@db.example.org:5432/mailbot\""]
    from psycopg.conninfo import conninfo_to_dict  # only a PostgreSQL site parses one

    try:
        parts = conninfo_to_dict(storage.dsn)
    except Exception as exc:  # psycopg.ProgrammingError: libpq's own words
        return [f"storage.dsn: not a libpq URI: {str(exc).strip()}"]
    problems = []
    if parts.get("password"):
        problems.append("storage.dsn: holds a password; put it in MAILBOT_DB_PASSWORD, "
                        "storage.password_file or the systemd credential storage-password")
    if not parts.get("dbname"):
        problems.append("storage.dsn: names no database (…/mailbot at the end)")
    for key in ("password_file", "sslrootcert", "sslcert", "sslkey"):
        path = getattr(storage, key)
        if path and not Path(path).is_file():
            problems.append(f"storage.{key}: no such file: {path}")
    if not 1 <= storage.connect_timeout_seconds <= 300:
        problems.append("storage.connect_timeout_seconds: must be between 1 and 300")
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
    if config.mass.department_senders < 2:
        problems.append("mass.department_senders: must be at least 2")
    if config.triage.weak_below < 0:
        problems.append("triage.weak_below: must be 0 or more")
    if not 0 < config.triage.resemblance <= 1:
        problems.append("triage.resemblance: must be above 0 and at most 1")
    if config.triage.learn_after < 0:
        problems.append("triage.learn_after: must be 0 (no learning) or more")
    if config.vip.directory and not Path(config.vip.directory).is_file():
        problems.append(f"vip.directory: no such file: {config.vip.directory}")
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
