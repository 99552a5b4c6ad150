"""Tracking-page token timing (RELIABILITY S11): is a near-miss token answered faster or slower
than a random one?

    python3 bench/token_timing.py                  # 2,000 tickets, 3,000 rounds
    python3 bench/token_timing.py --rounds 500     # a quick run

A state directory is seeded with tickets through `mailbot.batch.Batch` (as the daemon writes new
tickets: each token's digest in the index). Then, interleaved round by round so that the
machine's noise hits every kind alike, it times:

- the lookup the page uses (`mailbot.runtime.ticket_finder`) for a real token, near misses (the
  right ticket number with one character of the secret changed, or the case flipped) and random
  tokens (a random number, or an existing number with a random secret);
- the same through HTTP (`GET /t/{token}` on the real aiohttp server, a 404 page for each miss);
- for comparison, the lookup before RELIABILITY S11 (the ticket number the token starts with,
  then a read of that ticket): a near miss read a ticket, a random number did not.

It prints the median and 90th percentile of each, in microseconds, and the near-miss / random
ratio of the medians: ~1.0 means no difference to measure.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python3 bench/x.py` puts bench/, not the repo root, on the path
    sys.path.insert(0, str(ROOT))

from _common import machine, print_table  # noqa: E402

from mailbot import ids  # noqa: E402
from mailbot.batch import Batch  # noqa: E402
from mailbot.decision import Decision  # noqa: E402
from mailbot.model import Ticket  # noqa: E402
from mailbot.runtime import ticket_finder  # noqa: E402
from mailbot.store import Store  # noqa: E402
from mailbot.web import WebServer, make_app  # noqa: E402

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def seed(state: Path, count: int) -> list[Ticket]:
    tickets = [Ticket(number=n, subject=f"Panne {n}", requester=f"user{n % 200}@example.fr",
                      token=ids.new_token(n), created_at=NOW.isoformat(),
                      updated_at=NOW.isoformat()) for n in range(1, count + 1)]
    store = Store(state, writer=True)
    for start in range(0, count, 500):
        batch = Batch(store)
        for ticket in tickets[start:start + 500]:
            batch.stage(Decision("new_ticket", None, ticket))
        store.commit(batch.commit)
    return tickets


def near_miss(token: str, rng: random.Random) -> str:
    number, secret = token.split("-", 1)
    if rng.random() < 0.5:
        return f"{number}-{secret.swapcase()}"
    i = rng.randrange(len(secret))
    other = "A" if secret[i] != "A" else "B"
    return f"{number}-{secret[:i]}{other}{secret[i + 1:]}"


def random_token(count: int, rng: random.Random) -> str:
    number = rng.randrange(1, count + 1) if rng.random() < 0.5 else rng.randrange(10**6, 10**7)
    return f"{number}-{secrets.token_urlsafe(24)}"


def old_finder(state: Path) -> Callable[[str], Ticket | None]:
    """The lookup before S11: by the number the token starts with."""
    reader = Store(state)

    def find(token: str) -> Ticket | None:
        number = ids.ticket_of_token(token)
        ticket = reader.ticket(number) if number else None
        return ticket if ticket is not None and secrets.compare_digest(ticket.token,
                                                                       token) else None
    return find


def http_get(url: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError as error:
        error.read()


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    call()
    return (time.perf_counter_ns() - start) / 1000


def summary(samples: dict[str, list[float]], prefix: str) -> list[tuple[str, str]]:
    rows = []
    for kind, values in samples.items():
        rows.append((f"{prefix} {kind}", f"median {statistics.median(values):8.1f} µs, "
                     f"p90 {statistics.quantiles(values, n=10)[-1]:8.1f} µs"))
    ratio = statistics.median(samples["near miss"]) / statistics.median(samples["random"])
    rows.append((f"{prefix} near miss / random", f"{ratio:.2f}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3000)
    parser.add_argument("--http-rounds", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-") as work:
        state = Path(work) / "state"
        tickets = seed(state, args.tickets)
        finders = {"now": ticket_finder(state), "before S11": old_finder(state)}
        samples = {name: {"real": [], "near miss": [], "random": []} for name in finders}
        for _ in range(args.rounds):
            real = rng.choice(tickets).token
            tokens = {"real": real, "near miss": near_miss(real, rng),
                      "random": random_token(args.tickets, rng)}
            for name, find in finders.items():
                for kind in rng.sample(list(tokens), len(tokens)):
                    samples[name][kind].append(timed(lambda f=find, t=tokens[kind]: f(t)))
        server = WebServer(make_app(finders["now"], clock=lambda: NOW), "127.0.0.1:0")
        server.start()
        base = f"http://127.0.0.1:{server.port}/t/"
        pages: dict[str, list[float]] = {"real": [], "near miss": [], "random": []}
        try:
            for _ in range(args.http_rounds):
                real = rng.choice(tickets).token
                tokens = {"real": real, "near miss": near_miss(real, rng),
                          "random": random_token(args.tickets, rng)}
                for kind in rng.sample(list(tokens), len(tokens)):
                    pages[kind].append(timed(lambda t=tokens[kind]: http_get(base + t)))
        finally:
            server.stop()
    print_table("machine", machine())
    print_table(f"token lookup, {args.tickets} tickets, {args.rounds} rounds",
                summary(samples["now"], "lookup") + summary(samples["before S11"],
                                                             "before S11"))
    print_table(f"GET /t/<token>, {args.http_rounds} rounds", summary(pages, "page"))


if __name__ == "__main__":
    main()
