"""Where mail comes in: the support mailbox over IMAP, or a local Maildir.

An intake hands out raw messages exactly as stored, never marking them seen, and moves each one
out of the inbox only when the daemon says its effects are stored (`mark_processed`) or that it
cannot be processed (`quarantine`). Until then a message stays in the inbox, so a crash at any
point means it is fetched again after the restart; the daemon's idempotency by Message-ID makes
that harmless. The same rule covers every doubt here: when the state of the mailbox is unsure
(a failed move, a new UIDVALIDITY), the intake forgets its cursor and rescans the inbox.

One thread drives an intake; it is not thread-safe. The rooms:

    base             what every intake shares: IncomingMail, the errors, the Intake protocol,
                     the cursor store, the back-off between connection attempts
    imap             ImapIntake: the Intake protocol over IMAP, fetching, moving, waiting
    imap_connection  its one connection: login (password or XOAUTH2), retries, UIDVALIDITY
    imap_commands    the IMAP commands and answers beyond imap-tools (UID sets, moves, IDLE)
    claim            claiming, when several instances share the mailbox (RELIABILITY C02)
    size             size checks: over the cap, only the header is read (RELIABILITY M04)
    maildir          MaildirIntake: a local Maildir inbox

The names below are re-exported for the code outside the package; modules inside it import
each other by their full path.
"""

from mailbot.intake.base import (
    BACKOFF_CAP_SECONDS,
    CursorStore,
    IncomingMail,
    Intake,
    IntakeError,
    LoginRefused,
    MemoryCursorStore,
    backoff_delay,
)
from mailbot.intake.claim import CLAIMED
from mailbot.intake.imap import IDLE_RENEW_SECONDS, ImapIntake
from mailbot.intake.imap_commands import expand_uid_set, parse_fetch, uid_set
from mailbot.intake.maildir import MaildirIntake
from mailbot.intake.size import MAX_HEADER_BYTES, parse_sizes, read_header

__all__ = [
    "BACKOFF_CAP_SECONDS",
    "CLAIMED",
    "IDLE_RENEW_SECONDS",
    "MAX_HEADER_BYTES",
    "CursorStore",
    "ImapIntake",
    "IncomingMail",
    "Intake",
    "IntakeError",
    "LoginRefused",
    "MaildirIntake",
    "MemoryCursorStore",
    "backoff_delay",
    "expand_uid_set",
    "parse_fetch",
    "parse_sizes",
    "read_header",
    "uid_set",
]
