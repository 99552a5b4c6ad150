"""The due-time sweep on PostgreSQL: the open tickets whose deadline has passed, read from the
index `mailbot_deadline_due`, with 1,000 and 100,000 open tickets (10 of them due): medians.

    python3 bench/due_sweep.py                      # 1,000 and 100,000 open tickets
    python3 bench/due_sweep.py --sizes 1000 10000   # a quick run

The TinyDB store's sweep (deadlines.json read whole, then filtered) is measured beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import machine, print_table

from mailbot.store import Commit, Store
from mailbot.store.postgres import PgStore
from tests.servers.postgres import PostgresServer

NOW = "2026-11-23T08:30:00+00:00"


def deadlines(count: int) -> dict[str, str | None]:
    out: dict[str, str | None] = {str(n): f"2027-{1 + n % 12:02d}-01T00:00:00+00:00"
                                  for n in range(1, count + 1)}
    out.update({str(n): "2026-11-01T00:00:00+00:00" for n in range(1, 11)})
    return out


def median_ms(call, rounds: int = 50) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        assert len(call()) == 10
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000])
    args = parser.parse_args()
    server = PostgresServer(durable=True).start()
    rows = []
    try:
        for size in args.sizes:
            dsn = server.dsn(server.create_database())
            work = Path(tempfile.mkdtemp(prefix="mailbot-due-"))
            os.environ["PGPASSWORD"] = server.password  # libpq's own variable
            pg = PgStore(dsn, work, writer=True)
            pg.commit(Commit(deadlines=deadlines(size)))
            pg._run("ANALYZE mailbot_deadline")
            pg._end(commit=True)
            tiny = Store(work / "state", writer=True)
            tiny.commit(Commit(deadlines=deadlines(size)))
            on_pg = median_ms(lambda: pg.due(NOW))  # noqa: B023 (called at once)
            on_tiny = median_ms(lambda: tiny.due(NOW))  # noqa: B023
            rows.append((f"{size:,} open tickets",
                         f"PostgreSQL {on_pg:.2f} ms, TinyDB {on_tiny:.2f} ms"))
            pg.close()
    finally:
        server.cleanup()
    print_table("machine", machine())
    print_table("due sweep: 10 tickets due, medians of 50 sweeps", rows)


if __name__ == "__main__":
    main()
