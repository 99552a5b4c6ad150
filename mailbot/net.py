"""The network policy shared by the mailbox, the SMTP transport and the configuration.

One definition each, so that what `check-config` accepts is exactly what the intake and the
transport will agree to open.
"""

from __future__ import annotations

import ipaddress
import typing
from typing import Literal

# "none" sends passwords in clear: allowed only where the traffic never leaves the host.
Security = Literal["tls", "starttls", "none"]
SECURITY_MODES: tuple[str, ...] = typing.get_args(Security)


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine: "localhost" or a loopback address (127/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
