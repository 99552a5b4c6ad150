"""Who wrote a message: the one place that decides whether a mail is a technician's.

A technician is an address of `[team] technicians`, and a mail counts as theirs only when it
passes the authentication the rules ask for:

- `[team] authserv_id` set: the topmost Authentication-Results field (RFC 8601) written by that
  server must say `dmarc=pass`, or `dkim=pass` with `header.d` equal to the From domain
  (RFC 7489's alignment, strict). Fields of any other authserv-id are ignored: anyone can write
  them. Only the topmost one counts: the receiving server adds its own field above those the
  message arrived with.
- unset: From alone is trusted (`check-config` warns).

Pure: a parsed message and the configuration in, an `Author` out.
"""

from __future__ import annotations

from dataclasses import dataclass

import authres

from mailbot import commands
from mailbot.config import Config, address_of
from mailbot.parsers import ParsedMessage


@dataclass(frozen=True)
class Author:
    address: str
    claims_technician: bool  # From is one of the technicians' addresses
    authenticated: bool  # ... and the mail passed the authentication the rules ask for
    verdict: str  # one line for the logs, `replay` and the internal note

    @property
    def technician(self) -> bool:
        return self.claims_technician and self.authenticated


def identify(msg: ParsedMessage, config: Config) -> Author:
    sender = msg.sender.lower()
    if sender not in config.technicians:
        return Author(sender, False, False, "not a technician")
    if not msg.sender_unambiguous:
        return Author(sender, True, False, "technician, NOT authenticated: the From field is "
                                           "ambiguous (several addresses or a malformed one)")
    if not config.team.authserv_id:
        return Author(sender, True, True, "technician (From trusted: no authserv_id set)")
    ok, why = verify(msg.authentication_results, config.team.authserv_id, sender)
    return Author(sender, True, ok, f"technician, {'authenticated' if ok else 'NOT authenticated'}"
                                    f": {why}")


def _ours(fields: list[str], authserv_id: str) -> list[authres.core.AuthenticationResult] | None:
    """The results of the topmost Authentication-Results field written by `authserv_id`, or
    None when it wrote none. Fields by any other server are skipped: anyone can write them."""
    for value in fields:  # in header order: the topmost first
        try:
            header = authres.AuthenticationResultsHeader.parse_value(" ".join(value.split()))
        except Exception:  # noqa: BLE001 - authres raises its own syntax errors; any is a miss
            continue
        if (header.authserv_id or "").lower() == authserv_id.lower():
            return list(header.results)
    return None


def has_verdict(fields: list[str], authserv_id: str) -> bool:
    """Whether `authserv_id` wrote an Authentication-Results field on the message."""
    return _ours(fields, authserv_id) is not None


def verify(fields: list[str], authserv_id: str, sender: str) -> tuple[bool, str]:
    """Whether the topmost Authentication-Results of `authserv_id` vouches for `sender`."""
    domain = sender.rpartition("@")[2].lower()
    results = _ours(fields, authserv_id)
    if results is None:
        return False, f"no Authentication-Results from {authserv_id}"
    for result in results:
        method, verdict = (result.method or "").lower(), (result.result or "").lower()
        if method == "dmarc" and verdict == "pass":
            return True, f"dmarc=pass from {authserv_id}"
        if method == "dkim" and verdict == "pass":
            signer = next((p.value for p in result.properties
                           if p.type == "header" and p.name == "d"), "")
            if (signer or "").lower() == domain:
                return True, f"dkim=pass for {domain} from {authserv_id}"
    verdicts = ", ".join(f"{r.method}={r.result}" for r in results) or "no result"
    return False, f"{authserv_id} says {verdicts}"


def dmarc_failed(msg: ParsedMessage, config: Config) -> bool:
    """The receiving server found the From domain's DMARC check failed: the From is forged,
    and an acknowledgement would go to someone who never wrote (backscatter)."""
    if not config.team.authserv_id:
        return False
    results = _ours(msg.authentication_results, config.team.authserv_id) or []
    return any((r.method or "").lower() == "dmarc" and (r.result or "").lower() == "fail"
               for r in results)


def requester_of(msg: ParsedMessage, author: Author, config: Config) -> str:
    """On whose behalf a message opens a ticket: a technician may name the requester
    (`#requester`) or forward an employee's mail; anyone else writes for themselves."""
    if not author.technician:
        return msg.sender.lower()
    named = next((c.argument for c in commands.read(msg.commands) if c.name == "requester"),
                 None)
    if named and address_of(named):
        return address_of(named)
    original = msg.forwarded.original_sender if msg.forwarded else ""
    if original and original not in staff(config):
        return original
    return msg.sender.lower()


def is_phone_log(msg: ParsedMessage, author: Author) -> bool:
    """A technician logging a call (seed 004 EXCEPTIONS): `#phone` or a subject marker."""
    if not author.technician:
        return False
    # Every alias of #phone, in any case, accented or not ("#Tél", "#appel").
    return msg.phone_marker or any(c.name == "phone" for c in commands.read(msg.commands))


def is_forward_on_behalf(msg: ParsedMessage, author: Author, config: Config) -> bool:
    original = msg.forwarded.original_sender if msg.forwarded else ""
    return author.technician and bool(original) and original not in staff(config)


def staff(config: Config) -> set[str]:
    """The addresses on the helpdesk's side: technicians, the team and the bot itself."""
    return {*config.technicians, config.team_address, config.bot_address}
