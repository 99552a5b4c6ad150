"""Identifiers the bot hands out, each encoder beside its decoder.

Message-IDs of the bot's own mail carry the ticket number, so that a reply's In-Reply-To leads
straight to its ticket file without an index; the random part makes them unguessable, and a
decoded number is only trusted once the id is found in that ticket's `message_ids`.
Tracking tokens also start with the ticket number for the same reason; the 32 random url-safe
characters after it (192 bits) are the secret.
"""

from __future__ import annotations

import re
import secrets

_OWN_ID = re.compile(r"^<mailbot\.t(\d{1,9})\.[a-z_]+\.[A-Za-z0-9_-]+@[^>]+>$")
_TOKEN = re.compile(r"^(\d{1,9})-[A-Za-z0-9_-]{32}$")


def new_message_id(number: int | None, kind: str, domain: str) -> str:
    return f"<mailbot.t{number or 0}.{kind}.{secrets.token_urlsafe(12)}@{domain}>"


def ticket_of_message_id(message_id: str) -> int | None:
    match = _OWN_ID.match(message_id.strip())
    return int(match.group(1)) if match else None


def new_token(number: int) -> str:
    return f"{number}-{secrets.token_urlsafe(24)}"


def ticket_of_token(token: str) -> int | None:
    match = _TOKEN.match(token)
    return int(match.group(1)) if match else None
