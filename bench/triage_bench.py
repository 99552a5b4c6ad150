"""Triage cost: the classification of one mail, and `mailbot triage-report` on 10,000 corrected
tickets (issue 17: "well under 5 ms" and "under 2 s").

1. Classification: every helpdesk_fr scenario of the corpus, parsed once, then the organisation's
   rules applied (`assess`: information, every classification rule on the folded text and its
   lemmas, URGENT, VIP) best of N, with 1,000 stored corrections to consult (the learning's
   lookup included). Median and worst per mail.
2. Report: a state directory seeded through `mailbot.store.Store` with 10,000 tickets, each with
   a first guess and a technician's correction (a third of them changed), then
   `python -m mailbot.cli triage-report` timed as an operator runs it (process start included).

    python3 bench/triage_bench.py [--tickets 10000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailbot import config as configuration  # noqa: E402
from mailbot import triage_report  # noqa: E402
from mailbot.model import Ticket  # noqa: E402
from mailbot.parsers import parse  # noqa: E402
from mailbot.rules.assess import assess_facts, policy_of  # noqa: E402
from mailbot.rules.classification import facts_of  # noqa: E402
from mailbot.rules.learning import correction_entry, learner_of, signature  # noqa: E402
from mailbot.store import Commit, Store  # noqa: E402

CLASSIFY_TARGET_MS = 5.0
REPORT_TARGET_S = 2.0
WORDS = ["imprimante", "serveur", "compte", "messagerie", "dossier", "partage", "logiciel",
         "installer", "sauvegarde", "restaurer", "standard", "telephone", "reseau", "portable",
         "ecran", "clavier", "acces", "droits", "vpn", "outlook", "excel", "sage", "badge"]


def _corrections(n: int) -> list[dict[str, object]]:
    rng = random.Random(7)
    return [correction_entry(i, rng.sample(WORDS, 8), {"type": "incident", "priority": "P3"},
                             {"type": "request", "priority": "P2"}, "tech@x.fr", "2026-11-23")
            for i in range(n)]


def classification(repeat: int) -> list[float]:
    config = configuration.load(ROOT / "rules.toml")
    policy = policy_of(config)
    corpus = Path(os.environ.get("MAILBOT_CORPUS", ROOT.parent / "shared" / "corpus"))
    learner = learner_of(_corrections(1000))
    times = []
    for path in sorted((corpus / "helpdesk_fr").glob("*.eml")):
        msg = parse(path.read_bytes(), config.parse_rules())
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            facts = facts_of(msg, requester=msg.sender)
            signature(facts)
            assess_facts(facts, policy, urgent=msg.urgent, learner=learner)
            best = min(best, time.perf_counter() - start)
        times.append(best * 1000)
    return times


def seed(state: Path, count: int) -> None:
    rng = random.Random(11)
    store = Store(state, writer=True)
    tickets: dict[int, dict[str, object]] = {}
    for n in range(1, count + 1):
        guess = {"type": rng.choice(["incident", "request"]),
                 "priority": rng.choice(["P1", "P2", "P3", "P4"]),
                 "rule": rng.choice(["printer_down", "password_reset", "server_down", None]),
                 "words": rng.sample(WORDS, 8)}
        changed = rng.random() < 0.33
        fix = {"type": guess["type"], "priority": "P2" if changed else guess["priority"],
               "by": "tech@groupe-exemple.fr", "at": "2026-11-23T10:00:00+01:00"}
        ticket = Ticket(number=n, subject=f"Demande {n}", requester=f"u{n % 200}@x.fr",
                        token=f"{n}-t", created_at="2026-11-23T09:00:00+01:00",
                        updated_at="2026-11-23T10:00:00+01:00", status="closed",
                        first_guess=guess, correction=fix)
        tickets[n] = ticket.to_dict()
        if len(tickets) == 1000:
            store.commit(Commit(tickets=tickets, next_number=n + 1))
            tickets = {}
    if tickets:
        store.commit(Commit(tickets=tickets, next_number=count + 1))
    store.close()


def report(count: int) -> tuple[float, float, str]:
    """(seconds of the report itself: reading the store and counting, seconds of the whole
    `mailbot triage-report` process, its first line)."""
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        seed(state, count)
        start = time.perf_counter()
        triage_report.render(triage_report.build(Store(state).tickets()))
        inside = time.perf_counter() - start
        rules = Path(tmp) / "rules.toml"
        rules.write_text((ROOT / "rules.toml").read_text("utf-8").replace(
            'dir = "/var/lib/mailbot"', f'dir = "{state}"'), "utf-8")
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "mailbot.cli", "triage-report", "--config",
                              str(rules)], capture_output=True, text=True, check=True, cwd=ROOT)
        return inside, time.perf_counter() - start, out.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    times = classification(args.repeat)
    print(f"classification of one mail ({len(times)} scenarios, 1,000 corrections to consult): "
          f"median {statistics.median(times):.2f} ms, worst {max(times):.2f} ms "
          f"(target < {CLASSIFY_TARGET_MS} ms)")
    seconds, process, text = report(args.tickets)
    print(f"triage-report on {args.tickets:,} corrected tickets: {seconds:.2f} s reading the "
          f"store and counting (target < {REPORT_TARGET_S} s); {process:.2f} s for the whole "
          f"`mailbot triage-report` process, the CLI's imports included")
    print("  " + text.splitlines()[0])
    ok = max(times) < CLASSIFY_TARGET_MS and seconds < REPORT_TARGET_S
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
