"""Reading `rules.toml` strictly.

The file is mapped onto the dataclasses of `sections`. Every field's type hint is the schema:
an unknown key, a value of the wrong type or a bad value is a `ConfigError` whose lines each
name the key's path (``mailbox.port: expected an integer, got "993"``). Secrets never live in
the file: passwords come from MAILBOT_IMAP_PASSWORD / MAILBOT_SMTP_PASSWORD or a
`password_file`.

The package, by section of the work: `sections` (one dataclass per section of the file),
`model` (`Config`, the whole file and what is derived from it), `loading` (`load` and the checks
of the values), `mapping` (the generic strict mapping of TOML onto the dataclasses), `secrets`
(passwords and OAuth2 secrets: where each comes from), `addresses` and `errors`. Importers use
the names below; the modules of the package import one another by their full path.
"""

from mailbot.config.addresses import address_of
from mailbot.config.errors import ConfigError
from mailbot.config.loading import claim_path, load
from mailbot.config.model import Config, check_secrets
from mailbot.config.sections import (
    AttachmentsConfig,
    Auth,
    MailboxConfig,
    MailConfig,
    OAuth2Config,
    PrioritiesConfig,
    ProgramConfig,
    SmtpConfig,
    StorageConfig,
    Target,
    TeamConfig,
    TicketsConfig,
    WebConfig,
)

__all__ = [
    "AttachmentsConfig",
    "Auth",
    "Config",
    "ConfigError",
    "MailConfig",
    "MailboxConfig",
    "OAuth2Config",
    "PrioritiesConfig",
    "ProgramConfig",
    "SmtpConfig",
    "StorageConfig",
    "Target",
    "TeamConfig",
    "TicketsConfig",
    "WebConfig",
    "address_of",
    "check_secrets",
    "claim_path",
    "load",
]
