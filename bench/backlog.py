"""Backlog: N messages waiting in a real Dovecot, then `mailbot run --once`: messages per second.

    python3 bench/backlog.py                 # 5,000 messages (the figure in the README)
    python3 bench/backlog.py --messages 500  # a quick run

Most messages are new requests (each must become a ticket and get an acknowledgement); the rest
are follow-ups to an earlier message of the same backlog, by In-Reply-To or by the tag alone
(each must land in that ticket, with a team notice and no acknowledgement).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from _common import acks, issue, machine, print_table, request, run_daemon, senders, servers

from mailbot.store import Store


def backlog(count: int, *, seed: int = 1) -> tuple[list[bytes], int]:
    """(raw messages in arrival order, how many of them are new requests)."""
    rng = random.Random(seed)
    people = senders(200)
    raws: list[bytes] = []
    # What each sender wrote before: (ticket number it will get, Message-ID, subject, text).
    earlier: dict[str, list[tuple[int, str, str, str]]] = {}
    new = 0
    for _ in range(count):
        sender = rng.choice(people)
        history = earlier.get(sender[1], [])
        if history and rng.random() < 0.15:
            number, first_id, subject, text = rng.choice(history)
            if rng.random() < 0.6:  # a reply to her own first mail (Outlook keeps the thread)
                raw, _ = request(rng, sender, subject=f"RE : {subject}",
                                 text="Le problème est toujours là, pouvez-vous regarder ?",
                                 in_reply_to=first_id, quoted=text)
            else:  # a new mail with only the tag in the subject
                raw, _ = request(rng, sender, subject=f"TR : [#{number}] {subject}",
                                 text="Je complète ma demande : voici une capture.",
                                 attachment=rng.random() < 0.3)
        else:
            subject, text = issue(rng)
            new += 1
            raw, message_id = request(rng, sender, subject=subject, text=text,
                                      attachment=rng.random() < 0.1)
            earlier.setdefault(sender[1], []).append((new, message_id, subject, text))
        raws.append(raw)
    return raws, new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=None,
                        help="mailbox.batch in rules.toml (default: the shipped default)")
    args = parser.parse_args()

    raws, new = backlog(args.messages)
    size_mb = sum(map(len, raws)) / 1e6
    with servers() as box:
        started = time.perf_counter()
        box.dovecot.append_many(raws)
        append_s = time.perf_counter() - started
        rules = box.rules()
        if args.batch:
            _set_batch(rules, args.batch)
        run = run_daemon(box, rules, "--once")
        if run.returncode != 0:
            raise SystemExit(f"mailbot exited {run.returncode}:\n{run.log[-3000:]}")
        box.smtp.wait_for(args.messages + new, timeout=30)  # every ack and every team notice
        got_acks = acks(box.smtp)
        store = Store(box.work / "state")
        tickets = list(store.tickets())
        incoming = sum(1 for t in tickets for m in t.messages if m.direction == "in")
        left = len(box.dovecot.messages("INBOX"))
        checks = (len(tickets) == new and got_acks == new and incoming == args.messages
                  and left == 0)
        rate = args.messages / run.seconds
        print_table("machine", machine())
        print_table(f"backlog: {args.messages} messages in Dovecot, `mailbot run --once`", [
            ("messages", f"{args.messages} ({new} new requests, {args.messages - new} "
                         f"follow-ups), {size_mb:.1f} MB"),
            ("APPEND time", f"{append_s:.1f} s (not counted)"),
            ("daemon wall time", f"{run.seconds:.1f} s (process start to exit)"),
            ("throughput", f"{rate:.0f} messages/s  (target >= 50, aim 100)"),
            ("per message", f"{1000 * run.seconds / args.messages:.1f} ms"),
            ("tickets", f"{len(tickets)} (expected {new})"),
            ("acknowledgements", f"{got_acks} received by SMTP (expected {new})"),
            ("SMTP messages", f"{len(box.smtp.messages)} (acks + team notices)"),
            ("messages filed", f"{incoming} (expected {args.messages}); left in INBOX: {left}"),
            ("peak RSS (daemon)", f"{run.peak_rss_mb:.0f} MB  (target < 150)"),
            ("verdict", "all ticketed and acknowledged" if checks else "CHECK FAILED"),
        ])
        if not checks:
            raise SystemExit(1)


def _set_batch(rules: Path, batch: int) -> None:
    text = rules.read_text(encoding="utf-8").replace(
        "[mailbox]\n", f"[mailbox]\nbatch = {batch}\n", 1)
    rules.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
