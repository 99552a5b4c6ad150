"""The monthly report of a busy month: 10,000 tickets created in November, `mailbot report
--month 2026-11` run as an operator runs it (a subprocess, Python's start and matplotlib's import
included), and the same with `--mail` into a local Maildir outbox. Target: under 10 s each.

    python3 bench/report.py [--tickets 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mailbot import ids  # noqa: E402
from mailbot.model import Entry, Ticket  # noqa: E402
from mailbot.store import Commit, Store  # noqa: E402
from tests.harness import env, write_rules  # noqa: E402

PARIS = timezone(timedelta(hours=1))
TARGET_SECONDS = 10.0


def month_ticket(number: int, created: datetime, rng: random.Random) -> Ticket:
    """A ticket as the daemon leaves it: its request and acknowledgement in the history, due
    times, and for most an answer and a closure."""
    answered = created + timedelta(hours=rng.choice((1, 2, 5, 9)))
    closed = created + timedelta(hours=rng.choice((4, 20, 50, 120)))
    done = rng.random() < 0.8
    requester = f"employe{number % 400}@groupe-exemple.fr"
    messages = [Entry(message_id=f"<r{number}@groupe-exemple.fr>", author=requester,
                      kind="request", date=created.isoformat(), subject=f"Demande {number}",
                      text="Bonjour, mon poste ne démarre plus depuis ce matin. Merci."),
                Entry(message_id=f"<a{number}@groupe-exemple.fr>", author="support@x",
                      kind="automatic", date=created.isoformat(), direction="out",
                      text="Nous avons bien reçu votre demande.")]
    urgent = rng.random() < 0.1
    return Ticket(
        number=number, subject=f"Demande {number}", requester=requester,
        token=ids.new_token(number), created_at=created.isoformat(),
        updated_at=created.isoformat(), status="closed" if done else "open",
        priority=rng.choice(("P1", "P2", "P3", "P3", "P4")),
        type=rng.choice(("incident", "request")),
        first_response_due=(created + timedelta(hours=4)).isoformat(),
        resolution_due=(created + timedelta(hours=48)).isoformat(),
        first_response_at=answered.isoformat() if done or rng.random() < .5 else None,
        resolved_at=closed.isoformat() if done else None,
        closed_at=closed.isoformat() if done else None,
        urgent_requested=urgent, urgent_demoted=urgent and rng.random() < 0.3,
        escalation_level=rng.choice((0, 0, 0, 1, 2)), messages=messages)


def working_days() -> list[datetime]:
    """November 2026's working days (Monday to Friday, 11 November is a holiday), 09:00."""
    days = [datetime(2026, 11, d, 9, 0, tzinfo=PARIS) for d in range(1, 31)]
    return [d for d in days if d.weekday() < 5 and d.day != 11]


def seed(state: Path, count: int) -> None:
    rng = random.Random(5)
    store = Store(state, writer=True)
    days = working_days()
    try:
        for first in range(1, count + 1, 5000):
            commit = Commit()
            for number in range(first, min(first + 5000, count + 1)):
                day = days[(number - 1) * len(days) // count]
                created = day + timedelta(minutes=rng.randrange(9 * 60))
                commit.tickets[number] = month_ticket(number, created, rng).to_dict()
            commit.next_number = min(first + 5000, count + 1)
            store.commit(commit)
    finally:
        store.close()


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env(), cwd=ROOT,
                          timeout=120)
    return time.perf_counter() - began, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailbot-report-bench-") as tmp_name:
        tmp = Path(tmp_name)
        rules = write_rules(tmp)
        seed(tmp / "state", args.tickets)
        base = [sys.executable, "-m", "mailbot.cli", "report", "--config", str(rules),
                "--month", "2026-11", "--now", "2026-12-01T09:00:00+01:00"]
        rows = []
        for label, command in (("report (printed)", base), ("report --mail", [*base, "--mail"])):
            seconds, done = timed(command)
            if done.returncode != 0:
                print(done.stdout, done.stderr, file=sys.stderr)
                return 1
            rows.append((label, seconds))
        sent = list((tmp / "outbox" / "new").iterdir())
        print(f"tickets in the month: {args.tickets}; mails in the outbox: {len(sent)}; "
              f"nproc {os.cpu_count()}")
        for label, seconds in rows:
            verdict = "ok" if seconds < TARGET_SECONDS else "OVER TARGET"
            print(f"{label:<20} {seconds:6.2f} s   (target < {TARGET_SECONDS:g} s: {verdict})")
        return 0 if all(s < TARGET_SECONDS for _, s in rows) and len(sent) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
