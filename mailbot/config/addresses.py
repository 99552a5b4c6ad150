"""Addresses as people write them ("Support <support@x.fr>"), read with the standard library."""

from __future__ import annotations

from email.utils import getaddresses
from functools import lru_cache


# The configuration's addresses are read again for every mail (the bot's, the team's, each
# technician's: 6 to 12 times a mail): the same few strings, parsed once each.
@lru_cache(maxsize=1024)
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
