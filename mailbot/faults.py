"""Fault injection for the crash and poison-message tests, off unless MAILBOT_FAULTS is set.

MAILBOT_FAULTS is a comma-separated list of `crash:<point>` (the process dies at that step
boundary, as with a power cut: no cleanup, no flush) and `fail:<Message-ID>` (processing that
message raises, as a bug would). Reading the environment is all it costs when unset.
"""

from __future__ import annotations

import os


class InjectedFault(RuntimeError):
    """The failure a `fail:<Message-ID>` fault raises while that message is processed."""


def _faults() -> set[str]:
    return {f.strip() for f in os.environ.get("MAILBOT_FAULTS", "").split(",") if f.strip()}


def crash_point(name: str) -> None:
    if f"crash:{name}" in _faults():
        os._exit(70)


def fail_point(message_id: str | None) -> None:
    if message_id and f"fail:{message_id}" in _faults():
        raise InjectedFault(f"injected failure for {message_id}")
