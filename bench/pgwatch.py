"""Where the daemons' database sessions spend the wall time, for `bench/backlog.py --store
postgresql`: pg_stat_activity sampled every 20 ms in a thread of the bench (its own session),
counted by what each mailbot session was doing, and the daemons' logs counted for wasted work
(claims lost to the other daemon, passes rolled back, empty passes)."""

from __future__ import annotations

import re
import threading
from collections import Counter

import psycopg

SAMPLE = """SELECT state, coalesce(wait_event_type, ''), coalesce(wait_event, ''),
                   (state = 'idle in transaction' AND xact_start IS NOT NULL)
            FROM pg_stat_activity WHERE application_name LIKE 'mailbot%%'
            AND pid <> pg_backend_pid()"""


class Watch:
    def __init__(self, conninfo: str) -> None:
        self.counts: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            rows = self._conn.execute(SAMPLE).fetchall()
            self.samples += 1
            for state, kind, event, _ in rows:
                if state == "active":
                    what = f"running, waiting {kind}:{event}" if kind else "running (CPU)"
                elif state == "idle in transaction":
                    what = "in a pass, waiting for the daemon (its Python)"
                else:
                    what = f"{state}"
                self.counts[what] += 1

    def rows(self) -> list[tuple[str, str]]:
        """(what, share of the sampled session time) for each state seen."""
        total = sum(self.counts.values()) or 1
        return [(what, f"{100 * n / total:.1f} % ({n} samples)")
                for what, n in self.counts.most_common()]


def wasted(log: str) -> list[tuple[str, str]]:
    """What the daemons' logs say was done for nothing."""
    lost = [(int(a), int(b)) for a, b in
            re.findall(r"claimed (\d+) of (\d+) new message\(s\)", log)]
    passes = re.findall(r"pass: (\d+) message\(s\) fetched", log)
    return [
        ("claims lost", f"{sum(b - a for a, b in lost)} message(s) in {len(lost)} claim(s) "
                        "another daemon won first (fetched, not taken)"),
        ("passes with mail", f"{len(passes)}, {sum(map(int, passes))} message(s), "
                             f"{sum(map(int, passes)) / max(1, len(passes)):.1f} a pass"),
        ("passes rolled back", f"{log.count('pass rolled back')}"),
    ]
