"""Fault injection for the crash and poison-message tests, off unless MAILBOT_FAULTS is set.

MAILBOT_FAULTS is a comma-separated list of `crash:<point>` (the process dies at that step
boundary, as with a power cut: no cleanup, no flush), `force:checkpoint` (the store's pass log is
checkpointed after every commit, so that a small test reaches the checkpoint's boundary),
`fail:<Message-ID>` (processing that message raises, as a bug would), `kill:<Message-ID>`
(processing that message gets the process a SIGKILL, as from a watchdog or the OOM killer)
and `pause:<point>:<seconds>` (the process sleeps at that step, as on a loaded machine).
Reading the environment is all it costs when unset.
"""

from __future__ import annotations

import os
import signal
import time


class InjectedFault(RuntimeError):
    """The failure a `fail:<Message-ID>` fault raises while that message is processed."""


def _faults() -> set[str]:
    return {f.strip() for f in os.environ.get("MAILBOT_FAULTS", "").split(",") if f.strip()}


def crash_point(name: str) -> None:
    if f"crash:{name}" in _faults():
        os._exit(70)


def pause_point(name: str) -> None:
    """`pause:<name>:<seconds>`: a slow step, to open a race window on purpose."""
    for fault in _faults():
        kind, _, rest = fault.partition(":")
        point, _, seconds = rest.rpartition(":")
        if kind == "pause" and point == name:
            time.sleep(float(seconds))


def armed(name: str) -> bool:
    """Whether `crash:<name>` is set: a crash point that needs work done first (half a file)."""
    return f"crash:{name}" in _faults()


def forced(name: str) -> bool:
    return f"force:{name}" in _faults()


def fail_point(message_id: str | None) -> None:
    if not message_id:
        return
    faults = _faults()
    if f"kill:{message_id}" in faults:
        os.kill(os.getpid(), signal.SIGKILL)
    if f"fail:{message_id}" in faults:
        raise InjectedFault(f"injected failure for {message_id}")
