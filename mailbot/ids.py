"""Identifiers the bot hands out, each encoder beside its decoder.

Message-IDs of the bot's own mail carry the ticket number, so that a reply's In-Reply-To leads
straight to its ticket file without an index; the random part makes them unguessable, and a
decoded number is only trusted once the id is found in that ticket's `message_ids`.
Tracking tokens start with the ticket number (readable in a support call); the 32 random
url-safe characters after it (192 bits) are the secret. The page does not use that number: it
finds the ticket by a digest of the whole token (`token_key`), kept in the store's index.
VERP envelope senders (`support+b42-<mac>@domain`) name a ticket and, through an HMAC over the
ticket and the recipient, the one recipient a bounce to them is about; without the key nobody
can make one that suppresses an address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import threading

_OWN_ID = re.compile(r"^<mailbot\.t(\d{1,9})\.[a-z_]+\.[A-Za-z0-9_-]+@[^>]+>$")
_TOKEN = re.compile(r"^(\d{1,9})-[A-Za-z0-9_-]{32}$")


def new_message_id(number: int | None, kind: str, domain: str) -> str:
    return f"<mailbot.t{number or 0}.{kind}.{_urlsafe(12)}@{domain}>"


# The operating system's randomness (os.urandom, as `secrets` reads it), taken 4 kB at a time:
# each call gives up the GIL, and the daemon's thread then waited for the courier's (issue 18:
# 3 % of a backlog for two identifiers a ticket). Each byte is handed out once; a forked child
# draws its own.
_POOL_SIZE = 4096
_pool = bytearray()
_pool_pid = 0
_pool_lock = threading.Lock()


def _urlsafe(nbytes: int) -> str:
    """secrets.token_urlsafe(nbytes) from the pool."""
    global _pool, _pool_pid
    with _pool_lock:
        if len(_pool) < nbytes or _pool_pid != os.getpid():
            _pool, _pool_pid = bytearray(os.urandom(_POOL_SIZE)), os.getpid()
        drawn = bytes(_pool[:nbytes])
        del _pool[:nbytes]
    return base64.urlsafe_b64encode(drawn).rstrip(b"=").decode("ascii")


def ticket_of_message_id(message_id: str) -> int | None:
    match = _OWN_ID.match(message_id.strip())
    return int(match.group(1)) if match else None


def new_token(number: int) -> str:
    return f"{number}-{_urlsafe(24)}"


def token_key(token: str) -> str:
    """The store's index key of a tracking token: a digest of the whole token. The tracking
    page finds a ticket by this key alone, so a near miss (the right number, a wrong secret) is
    an index miss like a random guess: no prefix is compared, no ticket read (RELIABILITY S11)."""
    return "tok:" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def ticket_of_token(token: str) -> int | None:
    match = _TOKEN.match(token)
    return int(match.group(1)) if match else None


_VERP = re.compile(r"^[^@+]+\+b(\d{1,9})-([0-9a-f]{20})@", re.IGNORECASE)


def _verp_mac(number: int, recipient: str, key: bytes) -> str:
    message = f"{number}:{recipient.strip().lower()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:20]  # 80 bits


def verp_address(bot_address: str, number: int, recipient: str, key: bytes) -> str:
    local, _, domain = bot_address.rpartition("@")
    return f"{local}+b{number}-{_verp_mac(number, recipient, key)}@{domain}"


def verp_ticket(address: str) -> tuple[int, str] | None:
    """(ticket number, mac) of an address shaped like ours; not yet verified."""
    match = _VERP.match(address.strip())
    return (int(match.group(1)), match.group(2).lower()) if match else None


def verp_recipient(number: int, mac: str, candidates: list[str], key: bytes) -> str | None:
    """The candidate the mac was made for, or None (a forged or foreign address)."""
    if not key:
        return None
    for candidate in candidates:
        if hmac.compare_digest(_verp_mac(number, candidate, key), mac):
            return candidate.strip().lower()
    return None
