"""When the bot must not answer: each rule is a tiny named object that explains itself.

A rule only looks; `automatic_mail_blocked` returns the names of the rules that hit, so that the
log and the team notice can say why no acknowledgement went out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailbot import people
from mailbot.config import Config
from mailbot.decision import View
from mailbot.parsers import ParsedMessage
from mailbot.parsers.machine import canonical_local_part, is_list_robot


@dataclass(frozen=True)
class Guard:
    name: str
    description: str
    check: Callable[[ParsedMessage, Config], bool]  # True: no automatic mail for this message


def _noreply(msg: ParsedMessage, config: Config) -> bool:
    local = msg.sender.partition("@")[0]
    return any(p in local for p in config.mail.noreply_patterns)


GUARDS: tuple[Guard, ...] = (
    # Machine mail, as the parsers classified it (RFC 3834, RFC 3464, List-*, Precedence, ...).
    Guard("machine", "written by a machine (auto-reply, bounce or list)",
          lambda m, c: m.kind != "person"),
    # RFC 3834 §2: never answer a message whose return path is empty (bounces, notifications).
    Guard("empty_return_path", "the return path is empty (<>)", lambda m, c: m.return_path == ""),
    # No Return-Path at all: the store that delivered it did not say; the operator chooses.
    Guard("no_return_path", "no Return-Path, and mail.acknowledge_without_return_path is off",
          lambda m, c: m.return_path is None and not c.mail.acknowledge_without_return_path),
    Guard("no_sender", "no usable sender address", lambda m, c: not mailable(m.sender)),
    # Our own mail coming back (a misrouted copy, a forwarding loop).
    Guard("own_address", "sent from the bot's own address",
          lambda m, c: m.sender == c.bot_address),
    Guard("noreply_sender", "the sender is a no-reply address", _noreply),
    # Backscatter: the receiving server says the From domain's DMARC check failed.
    Guard("forged_sender", "the From domain's DMARC check failed at our server",
          lambda m, c: people.dmarc_failed(m, c)),
    # RFC 3834 section 2: no automatic answer to mail with List-* fields, even when the parsers
    # hold it a person's request (a copy through a list they wrote to with us, a gateway's
    # List-Unsubscribe): the ticket is theirs, the acknowledgement is not sent.
    Guard("list_header", "List-* header fields (RFC 2369/2919)", lambda m, c: bool(m.list_headers)),
    # Exchange asks for no automatic answer this way (MS-OXCMAIL 2.2.3.2.20); the mail is still
    # a person's request and gets its ticket.
    Guard("suppress_auto_response", "X-Auto-Response-Suppress asks for no automatic answer",
          lambda m, c: any(v in m.auto_response_suppress for v in ("all", "autoreply", "oof"))),
)


def automatic_mail_blocked(msg: ParsedMessage, config: Config) -> list[str]:
    return [g.name for g in GUARDS if g.check(msg, config)]


def _robot(address: str, config: Config) -> bool:
    local = canonical_local_part(address).lower()
    return any(p in local for p in config.mail.noreply_patterns) or is_list_robot(local)


def mailable(address: str) -> bool:
    """An address the bot may write to: local part and domain, no white space, control
    character, separator or bracket (the parsers keep "Big Bug bb@bug.com" as read; nobody
    can be written to there)."""
    local, _, domain = address.rpartition("@")
    return bool(local) and bool(domain) and not any(
        c.isspace() or ord(c) < 32 or c in "<>,;\"()[]\\" for c in address)


def answer_address(msg: ParsedMessage, config: Config) -> str:
    """Where automatic mail answering `msg` goes (RELIABILITY L15): its Reply-To when that holds
    exactly one plausible address that is neither ours nor a robot's (no-reply, list manager,
    mailer-daemon...) and the From domain's DMARC did not fail; else its From. The requester,
    who may follow up (M10), stays the From."""
    if len(msg.reply_to) != 1 or people.dmarc_failed(msg, config):
        return msg.sender.lower()
    address = msg.reply_to[0].strip().lower()
    local, _, domain = address.rpartition("@")
    plausible = bool(local) and "." in domain and not any(
        c.isspace() or ord(c) < 32 or c in "<>,;\"" for c in address)
    ours = {config.bot_address, config.team_address, *config.technicians}
    if not plausible or address in ours or _robot(address, config):
        return msg.sender.lower()
    return address


def refused_for(msg: ParsedMessage, recipient: str, view: View, config: Config,
                now: datetime) -> list[str]:
    """Why no automatic mail caused by `msg` may go to `recipient`, or []: the guards above,
    a recipient that bounced recently, the per-recipient cap ("automatic_mail_cap"), the
    global cap on automatic mail to requesters ("automatic_mail_total")."""
    blocked = automatic_mail_blocked(msg, config)
    since = window_start(now, config)
    # A person writing to us from the address proves it takes mail: a bounce does not block
    # the answer to that very mail (its event lifts the block for the next ones).
    writes = msg.kind == "person" and msg.sender.strip().lower() == recipient.lower()
    if not blocked and not writes and suppressed(view.recent(BOUNCED, recipient), now, config):
        blocked = ["bounced_recipient"]
    if not blocked and over_cap(view.automatic_since(recipient, since), config):
        blocked = ["automatic_mail_cap"]
    if not blocked and over_total(view.automatic_since(ALL, since), config):
        blocked = ["automatic_mail_total"]
    return blocked


def over_cap(sent_in_window: int, config: Config) -> bool:
    """The per-recipient cap on automatic mails (kept in the store, so it survives restarts)."""
    return sent_in_window >= config.mail.max_automatic_mails


# The key under which the store counts the automatic mails to all requesters together (S12):
# not an address, so that no recipient can share it.
ALL = "*"


def over_total(sent_in_window: int, config: Config) -> bool:
    """The global cap on acknowledgements and demotion notices: a flood of forged mail (S12)
    costs at most this many mails a window, whoever it names as sender."""
    return sent_in_window >= config.mail.max_automatic_total


def window_start(now: datetime, config: Config) -> str:
    # Stored and compared as UTC ISO strings, so that a change of offset (DST) cannot reorder them.
    start = now - timedelta(minutes=config.mail.automatic_window_minutes)
    return start.astimezone(UTC).isoformat()


# The table of operator warnings, one event per capped address and window (Store.recent).
CAP_WARNED = "cap_warned"


def cap_warning_due(warned: list[dict[str, str]], now: datetime, config: Config) -> bool:
    """Whether the operator is still to be told that `address` hit the cap in this window:
    one warning per address and window, however many mails the cap stops (RELIABILITY L09)."""
    start = window_start(now, config)
    return not any(event["at"] >= start for event in warned)


def cap_warning(address: str, config: Config) -> str:
    if address == ALL:
        return (f"overall automatic mail cap reached: {config.mail.max_automatic_total} "
                f"acknowledgements and demotion notices in "
                f"{config.mail.automatic_window_minutes} min; requesters get no automatic mail "
                f"until the window has passed (one warning per window)")
    return (f"automatic mail cap reached for {address}: {config.mail.max_automatic_mails} "
            f"automatic mails in {config.mail.automatic_window_minutes} min; no automatic "
            f"mail goes to it until the window has passed (one warning per window)")


# Addresses whose mail bounced: the events the store keeps for `suppress_bounced_days` (or
# `suppress_transient_bounce_hours` when longer). A failure event is {"at": ...}, with "until"
# for a transient one; a mail the address's owner wrote us is {"at": ..., "lifted": true}.
BOUNCED = "bounced"

# RFC 3463: class 4 is a transient failure; of the class 5 details, X.2.2 (mailbox full),
# X.3.1 (mail system full) and X.4.5 (mail system congestion) are "persistent transient"
# conditions: the address exists and will take mail again once it is emptied or unloaded.
_TRANSIENT_DETAILS = ("2.2", "3.1", "4.5")


def transient(status: str) -> bool:
    """Whether a bounce's status code (RFC 3463) says the address will take mail again."""
    status = status.strip()
    return status.startswith("4") or status[2:] in _TRANSIENT_DETAILS


def bounce_event(status: str, now: datetime, config: Config) -> dict[str, object] | None:
    """The BOUNCED event a failure with this status records, or None when it blocks nothing
    (the operator set its duration to 0)."""
    at = now.astimezone(UTC)
    if transient(status):
        hours = config.mail.suppress_transient_bounce_hours
        return ({"at": at.isoformat(), "until": (at + timedelta(hours=hours)).isoformat()}
                if hours > 0 else None)
    return {"at": at.isoformat()} if config.mail.suppress_bounced_days > 0 else None


def block_words(status: str, config: Config) -> str:
    """How long a failure with this status blocks automatic mail, for a log line."""
    if transient(status):
        return f"{config.mail.suppress_transient_bounce_hours} hours"
    return f"{config.mail.suppress_bounced_days} days"


def suppression_start(now: datetime, config: Config) -> str:
    """The oldest BOUNCED event still worth keeping (the store prunes the ones before)."""
    keep = max(timedelta(days=config.mail.suppress_bounced_days),
               timedelta(hours=config.mail.suppress_transient_bounce_hours))
    return (now - keep).astimezone(UTC).isoformat()


def suppressed(events: list[dict[str, object]], now: datetime, config: Config) -> bool:
    """Whether a bounce said this address does not take our mail (RELIABILITY L11): a
    permanent failure within `suppress_bounced_days`, a transient one (a full mailbox) until
    its end; a mail its owner wrote us since lifts both (the mailbox works)."""
    lifted = max((str(e.get("at", "")) for e in events if e.get("lifted")), default="")
    start = (now - timedelta(days=config.mail.suppress_bounced_days)).astimezone(UTC).isoformat()
    current = now.astimezone(UTC).isoformat()
    for event in events:
        at = str(event.get("at", ""))
        if event.get("lifted") or at <= lifted:
            continue
        if "until" in event:
            if str(event["until"]) > current:
                return True
        elif config.mail.suppress_bounced_days > 0 and at >= start:
            return True
    return False


def lift_event(msg: ParsedMessage, view: View, config: Config,
               now: datetime) -> tuple[str, str, dict[str, object]] | None:
    """A person's mail from an address a bounce blocks: the event that lifts the block (a
    person writing to us proves the mailbox works), or None when nothing is blocked."""
    sender = msg.sender.strip().lower()
    if msg.kind != "person" or not sender or not suppressed(view.recent(BOUNCED, sender), now,
                                                             config):
        return None
    return (BOUNCED, sender, {"at": now.astimezone(UTC).isoformat(), "lifted": True})


def lifted_bounce(events: list[dict[str, object]]) -> dict[str, object] | None:
    """The newest bounce event a person's mail lifts: the last one since the last lift."""
    lifted = max((str(e.get("at", "")) for e in events if e.get("lifted")), default="")
    live = [e for e in events if not e.get("lifted") and str(e.get("at", "")) > lifted]
    return live[-1] if live else None
