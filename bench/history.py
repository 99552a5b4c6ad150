"""History: the cost of one message with 1,000 and with 100,000 tickets already stored.

    python3 bench/history.py                               # 1,000 and 100,000 (README figures)
    python3 bench/history.py --sizes 1000 10000 --messages 200   # a quick run
    python3 bench/history.py --due-check-only               # only the due-check figure

For each size, a fresh state directory is seeded through `mailbot.store.Store` itself (tickets
built like the pipeline builds them: a request, its acknowledgement, the team notice, sometimes
a follow-up; most closed, the last few hundred open; every incoming Message-ID indexed). Then the
same kind of traffic is put in a real Dovecot and handled by `mailbot run --once`: new requests,
follow-ups by In-Reply-To (to the acknowledgement, or to the requester's own first mail, which
goes through the Message-ID index) and follow-ups by the tag alone; mostly to open tickets, some
to old closed ones (which reopens them: `tickets.reopen_days` is set to cover the whole seeded
history, ten years, else a reply to a ticket closed more than ten days ago, the default, would
open a new ticket instead). Seeding is not timed; the daemon run is.

The due check (issue 8) is timed in-process on its own seeded state: one pass of the escalation
timer as the daemon runs it every minute (read the deadline index, read the tickets whose next
deadline has passed, decide their notices, one commit), then a second pass at the same instant,
when nothing is due any more: the cost of every other minute.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from _common import (
    PARIS,
    acks,
    issue,
    machine,
    print_table,
    request,
    run_daemon,
    senders,
    servers,
)

from mailbot import ids, timekeeping
from mailbot.batch import Batch
from mailbot.config import Config
from mailbot.model import Entry, Ticket
from mailbot.store import Commit, Store

BOT = "support@groupe-exemple.fr"
TEAM = "equipe-si@groupe-exemple.fr"
OPEN = 300  # the most recent tickets are still open; everything older is closed
SEED_COMMIT = 10_000  # tickets per seeding commit
# The seeded history spans about four years at 100,000 tickets: a follow-up to an old closed
# ticket must reopen it, as the traffic says, not open a new one after the default ten days.
REOPEN_ALL = "reopen_days = 3650"  # a key of [tickets]


@dataclass(frozen=True)
class Seeded:
    number: int
    requester: tuple[str, str]
    first_id: str  # the requester's first mail
    ack_id: str  # the bot's acknowledgement
    subject: str


def _ticket(number: int, created: datetime, sender: tuple[str, str], rng: random.Random,
            *, closed: bool) -> tuple[Ticket, list[str]]:
    """A ticket as the pipeline leaves it; returns it and its incoming Message-IDs."""
    subject, text = issue(rng)
    address = sender[1]
    first = f"<{rng.getrandbits(64):016x}.{number}@{address.rpartition('@')[2]}>"
    when = created.isoformat()
    raw_path = f"raw/{created:%Y/%m}/{rng.getrandbits(128):032x}.eml"
    entries = [
        Entry(message_id=first, author=address, kind="request", date=when, subject=subject,
              text=f"Bonjour,\n\n{text}\n\nMerci,\n{sender[0]}", to=[BOT], raw_path=raw_path),
        Entry(message_id=ids.new_message_id(number, "ack", "groupe-exemple.fr"), author=BOT,
              kind="automatic", date=when, direction="out", subject="acknowledgement",
              to=[address]),
        Entry(message_id=ids.new_message_id(number, "team_notice", "groupe-exemple.fr"),
              author=BOT, kind="automatic", date=when, direction="out", subject="team_notice",
              to=[TEAM], public=False),
    ]
    incoming = [first]
    if rng.random() < 0.5:
        later = (created + timedelta(hours=rng.randint(1, 48))).isoformat()
        follow = f"<{rng.getrandbits(64):016x}.{number}.f@{address.rpartition('@')[2]}>"
        entries.append(Entry(message_id=follow, author=address, kind="request", date=later,
                             subject=f"RE : [#{number}] {subject}",
                             text="Toujours pareil ce matin, merci de regarder.", to=[BOT],
                             raw_path=raw_path.replace(".eml", "f.eml")))
        incoming.append(follow)
    updated = max(e.date for e in entries)
    ticket = Ticket(
        number=number, subject=subject, requester=address, token=ids.new_token(number),
        created_at=when, updated_at=updated, status="closed" if closed else "open",
        priority=rng.choice(("P2", "P3", "P3", "P3", "P4")), participants=[address],
        message_ids=[e.message_id for e in entries], why=["default priority P3"],
        messages=entries, closed_at=updated if closed else None,
        first_response_at=updated if closed else None, resolved_at=updated if closed else None)
    return ticket, incoming


def seed(state: Path, count: int, *, now: datetime, seed_value: int = 3) -> list[Seeded]:
    """`count` tickets in `state`, ~70 a working day back from `now` (100,000 ≈ 4 years)."""
    rng = random.Random(seed_value)
    people = senders(200)
    store = Store(state, writer=True)
    seeded: list[Seeded] = []
    policy = Config().time  # open tickets get their due times and deadline-index entry
    real_fsync = os.fsync
    os.fsync = lambda fd: None  # seeding is set-up, not the thing measured: one sync at the end
    try:
        for start in range(1, count + 1, SEED_COMMIT):
            commit = Commit()
            for number in range(start, min(start + SEED_COMMIT, count + 1)):
                created = now - timedelta(minutes=20 * (count + 1 - number))
                sender = rng.choice(people)
                ticket, incoming = _ticket(number, created, sender, rng,
                                           closed=number <= count - OPEN)
                if ticket.status != "closed":
                    ticket = policy.with_due_times(ticket)
                    commit.deadlines[str(number)] = policy.index_entry(ticket)
                commit.tickets[number] = ticket.to_dict()
                for mid in incoming:
                    commit.index[f"mid:{mid}"] = number
                seeded.append(Seeded(number, sender, incoming[0], ticket.messages[1].message_id,
                                     ticket.subject))
            commit.next_number = min(start + SEED_COMMIT, count + 1)
            store.commit(commit)
        # A state whole on its own, as after weeks of use: the daemon run must not pay for
        # writing back the seeding's pass log (it did at 1,000 tickets, not at 100,000).
        store.checkpoint()
    finally:
        os.fsync = real_fsync
        store.close()
    os.sync()
    return seeded


def traffic(seeded: list[Seeded], count: int, *, seed_value: int = 5) -> list[tuple[bytes, str]]:
    """(raw, what it is) for `count` messages: half new, half follow-ups of three kinds."""
    rng = random.Random(seed_value)
    people = senders(200)
    recent, old = seeded[-OPEN:], seeded[:-OPEN] or seeded
    out: list[tuple[bytes, str]] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.5:
            subject, text = issue(rng)
            raw, _ = request(rng, rng.choice(people), subject=subject, text=text,
                             attachment=rng.random() < 0.1)
            out.append((raw, "new"))
            continue
        target = rng.choice(old if rng.random() < 0.2 else recent)
        if roll < 0.65:  # reply to the acknowledgement: the number is in its Message-ID
            raw, _ = request(rng, target.requester, subject=f"RE : [#{target.number}] "
                             f"{target.subject}", text="Merci, mais cela ne marche toujours pas.",
                             in_reply_to=target.ack_id)
        elif roll < 0.8:  # reply to her own first mail: through the Message-ID index
            raw, _ = request(rng, target.requester, subject=f"RE : {target.subject}",
                             text="Je relance ma demande.", in_reply_to=target.first_id)
        else:  # the tag alone
            raw, _ = request(rng, target.requester, subject=f"[#{target.number}] complément",
                             text="Voici une capture de l'erreur.",
                             attachment=rng.random() < 0.3)
        out.append((raw, f"follow:{target.number}"))
    return out


def measure(size: int, messages: int) -> dict[str, float]:
    with servers() as box:
        state = box.work / "state"
        started = time.perf_counter()
        seeded = seed(state, size, now=datetime.now(PARIS) - timedelta(hours=1))
        seed_s = time.perf_counter() - started
        mails = traffic(seeded, messages)
        box.dovecot.append_many([raw for raw, _ in mails])
        run = run_daemon(box, box.rules(tickets=REOPEN_ALL), "--once")
        if run.returncode != 0:
            raise SystemExit(f"mailbot exited {run.returncode}:\n{run.log[-3000:]}")
        new = sum(1 for _, kind in mails if kind == "new")
        box.smtp.wait_for(messages + new, timeout=30)
        store = Store(state)
        follow_ok = all(store.lookup(f"mid:{_message_id(raw)}") == int(kind.split(":")[1])
                        for raw, kind in mails if kind != "new")
        ok = (acks(box.smtp) == new and store.next_number() == size + new + 1 and follow_ok
              and not box.dovecot.messages("INBOX"))
        return {"seed_s": seed_s, "seconds": run.seconds, "rss": run.peak_rss_mb,
                "ms": 1000 * run.seconds / messages, "new": new, "ok": float(ok),
                "cpu_ms": 1000 * run.cpu_seconds / messages,
                "state_mb": _du(state) / 1e6}


def measure_due_check(size: int, work: Path) -> dict[str, float]:
    """One escalation pass over a state of `size` tickets (300 open), then a second one."""
    state = work / f"due-{size}"
    now = datetime.now(PARIS)
    seed(state, size, now=now - timedelta(hours=1))
    config = Config()
    config.storage.dir = str(state)
    steps = [s for s in timekeeping.TIMER_STEPS if s[0] == "escalation"]
    store = Store(state, writer=True)
    timings, notices = [], []
    for _ in range(2):
        started = time.perf_counter()
        batch = Batch(store, deadline=config.time.index_entry)
        decisions = timekeeping.timers(batch, config, now, steps)
        for decision in decisions:
            batch.stage(decision)
        store.commit(batch.commit)
        timings.append(time.perf_counter() - started)
        notices.append(sum(len(d.mails) for d in decisions))
    store.close()
    return {"first_ms": 1000 * timings[0], "idle_ms": 1000 * timings[1],
            "notices": notices[0], "again": notices[1]}


def _message_id(raw: bytes) -> str:
    head = raw.split(b"\n\n", 1)[0].replace(b"\r", b"")
    for line in head.split(b"\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    raise ValueError("no Message-ID")


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--due-check-only", action="store_true",
                        help="only the due-check figure (no Dovecot, no daemon)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailbot-due-") as work:
        due = {size: measure_due_check(size, Path(work)) for size in args.sizes}
    due_rows = [(f"{size:,} tickets", f"{d['first_ms']:.1f} ms with {int(d['notices'])} "
                 f"escalation notices, then {d['idle_ms']:.1f} ms with nothing due "
                 f"({int(d['again'])} notices)") for size, d in due.items()]
    first_due, last_due = due[args.sizes[0]], due[args.sizes[-1]]
    due_rows.append((f"ratio {args.sizes[-1]:,} / {args.sizes[0]:,}",
                     f"{last_due['first_ms'] / first_due['first_ms']:.2f}x first pass, "
                     f"{last_due['idle_ms'] / first_due['idle_ms']:.2f}x idle pass "
                     "(target <= 1.2x)"))
    print_table("history: one due-check pass (300 open tickets)", due_rows)
    if args.due_check_only:
        return
    results = {size: measure(size, args.messages) for size in args.sizes}
    print_table("machine", machine())
    rows: list[tuple[str, str]] = []
    for size, r in results.items():
        rows.append((f"{size:,} tickets", f"{r['ms']:.1f} ms/message ({args.messages} messages, "
                     f"{int(r['new'])} new, in {r['seconds']:.1f} s; daemon CPU "
                     f"{r['cpu_ms']:.1f} ms/message), peak RSS "
                     f"{r['rss']:.0f} MB, state {r['state_mb']:.0f} MB, seeded in "
                     f"{r['seed_s']:.0f} s{'' if r['ok'] else ', CHECK FAILED'}"))
    first, last = results[args.sizes[0]], results[args.sizes[-1]]
    rows.append((f"ratio {args.sizes[-1]:,} / {args.sizes[0]:,}",
                 f"{last['ms'] / first['ms']:.2f}x  (target <= 1.2x); daemon CPU "
                 f"{last['cpu_ms'] / first['cpu_ms']:.2f}x"))
    rows.append((f"peak RSS at {args.sizes[-1]:,}", f"{last['rss']:.0f} MB  (target < 150)"))
    print_table("history: per-message cost of `mailbot run --once` on Dovecot", rows)
    if not all(r["ok"] for r in results.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
