"""How many times a message was tried by passes that never committed (RELIABILITY D08).

A message that makes the process die (kill -9 from a watchdog, the OOM killer, a crash in C code)
raises nothing the loop could catch: it stays in the inbox, comes back after the restart and
kills the process again. So each message's attempt count is written before it is tried, and the
commit of the pass that tried it clears it. A count found at start-up was left by a pass that
died: the daemon then takes messages one at a time (a count written before each, a commit after
each) until those are settled, and a message at `mailbox.max_attempts` is quarantined without
being parsed again (Mailman's MAX_BAK_COUNT, 3).

Cheap on the hot path: one atomic write per pass for the whole batch, and an unlink when the pass
commits, neither fsynced. A count must outlive the process that dies, not the machine: the page
cache keeps it through a kill -9; one lost or come back after a power cut only makes the next
start less or more careful.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from mailbot.passlog import replace_file
from mailbot.storage import StateUnwritable, read_json

log = logging.getLogger("mailbot")

FILE = "attempts.json"


class Attempts:
    def __init__(self, state_dir: Path, *, limit: int = 3):
        self.path = Path(state_dir) / FILE
        self.limit = limit
        data = read_json(self.path) or {}
        self._counts: dict[str, int] = {str(key): int(n) for key, n in data.items()}
        self._before: dict[str, int] = dict(self._counts)
        self._suspects = set(self._counts)  # left by passes that died

    @property
    def careful(self) -> bool:
        """Whether counts left by a pass that died are still unsettled."""
        return bool(self._suspects)

    def count(self, key: str) -> int:
        return self._counts.get(key, 0)

    def exhausted(self, key: str) -> bool:
        return self.count(key) >= self.limit

    def begin(self, keys: Iterable[str]) -> None:
        """Count one more attempt for each key, durably, before any of them is tried."""
        self._before = dict(self._counts)
        for key in keys:
            self._counts[key] = self._counts.get(key, 0) + 1
        try:
            self._save()
        except OSError as exc:
            self._counts = self._before
            raise StateUnwritable(f"cannot write {self.path}: {exc.strerror or exc}") from exc

    def abandon(self) -> None:
        """The pass stopped on a state-directory fault, not a dead process: forget its counts
        in memory (the file is rewritten by the next `begin`)."""
        self._counts = dict(self._before)

    def committed(self, keys: Iterable[str]) -> None:
        """The pass that tried these keys committed: they are settled."""
        for key in keys:
            self._counts.pop(key, None)
            self._suspects.discard(key)
        self._before = dict(self._counts)
        try:
            if self._counts:
                self._save()
            else:
                self.path.unlink(missing_ok=True)
        except OSError as exc:  # a stale count only makes the next start careful
            log.warning("could not update %s: %s (the next start will take messages one at a "
                        "time)", self.path, exc.strerror or exc)

    def forget_suspects(self) -> None:
        """The inbox has nothing more to hand out: the counts left name mail that is gone."""
        self.committed(list(self._suspects))

    def clear(self, keys: Iterable[str]) -> list[str]:
        """`mailbot reprocess`: drop these keys' counts; returns those that had one."""
        dropped = [key for key in keys if key in self._counts]
        self.committed(dropped)
        return dropped

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(self.path, json.dumps(self._counts, sort_keys=True).encode("utf-8"))
