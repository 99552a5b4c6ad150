"""Backlog: N messages waiting in a real Dovecot, then `mailbot run --once`: messages per second.

    python3 bench/backlog.py                 # 5,000 messages (the figure in the README)
    python3 bench/backlog.py --messages 500  # a quick run
    python3 bench/backlog.py --store postgresql               # the tickets in PostgreSQL
    python3 bench/backlog.py --store postgresql --daemons 2   # two daemons, one database

With --store postgresql a private PostgreSQL cluster is started as the tests do (Debian's
initdb and pg_ctl, tests/servers/postgres.py). With --daemons N, N daemons share the mailbox
(mailbox.claim_folder, each its own instance) and the database; the wall time runs from the
start of the first to the exit of the last.

Most messages are new requests (each must become a ticket and get an acknowledgement); the rest
are follow-ups, by In-Reply-To to an earlier message of the same backlog or of the tickets
opened before it, or by the tag alone to a ticket opened before it (each must land in that
ticket, with a team notice and no acknowledgement). The tickets opened before (a tenth of the
backlog's size) are handled by one daemon first, not timed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import time
from pathlib import Path

from _common import (
    acks,
    issue,
    machine,
    print_table,
    process_tree_cpu,
    request,
    run_daemon,
    run_daemons,
    senders,
    servers,
)
from pgwatch import Watch, wasted

from mailbot.config import load
from mailbot.store import open_store


def backlog(count: int, *, seed: int = 1,
            opened: int = 0) -> tuple[list[bytes], list[bytes], int]:
    """(the mails of `opened` tickets opened before the backlog, the backlog's raw messages in
    arrival order, how many new requests in both).

    A follow-up by its tag alone names a ticket opened before the backlog: its number is the
    one the requester read in her acknowledgement. (Numbered from the arrival order, a ticket
    opened within the backlog would only have that number with one daemon: several daemons
    number their new tickets as they decide them, at the same time.)"""
    rng = random.Random(seed)
    people = senders(200)
    before: list[bytes] = []
    raws: list[bytes] = []
    # What each sender wrote before: (ticket number it will get, Message-ID, subject, text).
    earlier: dict[str, list[tuple[int, str, str, str]]] = {}
    new = 0
    for i in range(opened + count):
        sender = rng.choice(people)
        history = earlier.get(sender[1], [])
        tagged = [entry for entry in history if entry[0] <= opened]
        if i >= opened and history and rng.random() < 0.15:
            number, first_id, subject, text = rng.choice(history)
            if rng.random() < 0.6 or not tagged:  # a reply to her own mail (Outlook keeps
                raw, _ = request(rng, sender, subject=f"RE : {subject}",  # the thread)
                                 text="Le problème est toujours là, pouvez-vous regarder ?",
                                 in_reply_to=first_id, quoted=text)
            else:  # a new mail with only the tag in the subject
                number, first_id, subject, text = rng.choice(tagged)
                raw, _ = request(rng, sender, subject=f"TR : [#{number}] {subject}",
                                 text="Je complète ma demande : voici une capture.",
                                 attachment=rng.random() < 0.3)
        else:
            subject, text = issue(rng)
            new += 1
            raw, message_id = request(rng, sender, subject=subject, text=text,
                                      attachment=rng.random() < 0.1)
            earlier.setdefault(sender[1], []).append((new, message_id, subject, text))
        (before if i < opened else raws).append(raw)
    return before, raws, new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=None,
                        help="mailbox.batch in rules.toml (default: the shipped default)")
    parser.add_argument("--store", choices=("tinydb", "postgresql"), default="tinydb")
    parser.add_argument("--daemons", type=int, default=1,
                        help="daemons sharing the mailbox and the database (postgresql only)")
    parser.add_argument("--own-sessions", action="store_true",
                        help="each daemon in a session of its own (setsid), as systemd starts "
                             "it: Linux's autogroup scheduling gives each session its share "
                             "of the cores (default: the bench's session, shared)")
    args = parser.parse_args()
    if args.daemons > 1 and args.store != "postgresql":
        parser.error("--daemons above 1 needs --store postgresql (one writer per directory)")
    database = _postgres() if args.store == "postgresql" else None
    try:
        _bench(args, database[1] if database else "", database[0].pid() if database else 0)
    finally:
        if database:
            database[0].cleanup()


def _postgres():  # type: ignore[no-untyped-def]
    from tests.servers.postgres import PostgresServer

    server = PostgresServer(durable=True).start()  # fsync on: a fair match for TinyDB's
    os.environ["MAILBOT_DB_PASSWORD"] = server.password  # the daemons inherit it
    return server, server.dsn(server.create_database())


def _extra_tickets(tickets: list, raws: list[bytes]) -> str:  # type: ignore[type-arg]
    """A failed check's tickets opened by a follow-up: their numbers and Message-IDs."""
    import email

    follow = {str(m["Message-ID"]).strip() for raw in raws
              for m in [email.message_from_bytes(raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")]
              if m["In-Reply-To"] or "[#" in str(m["Subject"])}
    found = [f"#{t.number} {t.messages[0].message_id}" for t in tickets
             if t.messages and t.messages[0].message_id in follow]
    return ("\ntickets opened by a follow-up: " + "; ".join(found)) if found else ""


def _conninfo(dsn: str) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(dsn, password=os.environ["MAILBOT_DB_PASSWORD"])


def _daemon_rules(box, dsn: str, count: int, batch: int | None) -> list[Path]:  # type: ignore[no-untyped-def]
    """One rules.toml per daemon: its own state directory (and instance, when several)."""
    out = []
    for i in range(count):
        rules = box.rules()
        if count > 1:
            home = box.work / f"d{i}"
            home.mkdir()
            moved = home / "rules.toml"
            moved.write_text(rules.read_text().replace(str(box.work / "state"),
                                                       str(home / "state")))
            rules = moved
            _add(rules, "[mailbox]\n", f'claim_folder = "Processing"\ninstance = "d{i}"\n')
        if dsn:
            _add(rules, "[storage]\n", f'kind = "postgresql"\ndsn = "{dsn}"\n')
        if batch:
            _add(rules, "[mailbox]\n", f"batch = {batch}\n")
        out.append(rules)
    return out


def _each(run) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """One row per daemon: its CPU, its wait for a core, its claims; and the machine's idle."""
    rows = []
    for i, ((cpu, queued, wall), log) in enumerate(zip(run.each, run.logs, strict=False)):
        claims = [(int(a), int(b)) for a, b in
                  re.findall(r"claimed (\d+) of (\d+) new message\(s\)", log)]
        filed = sum(map(int, re.findall(r"pass: (\d+) message\(s\) fetched", log)))
        rows.append((f"daemon {i}", f"wall {wall:.1f} s, CPU {cpu:.1f} s ({cpu / wall:.2f} of a "
                     f"core), its main thread waiting for a core {queued:.1f} s; "
                     f"{filed} message(s) fetched in passes; "
                     f"{sum(b - a for a, b in claims)} read as candidates and "
                     "claimed by the other daemon first"))
    if run.each:
        rows.append(("machine idle", f"{100 * run.machine_idle:.0f} % of both cores' time "
                     "over the run (/proc/stat, idle + iowait)"))
    return rows


def _add(rules: Path, section: str, keys: str) -> None:
    rules.write_text(rules.read_text(encoding="utf-8").replace(section, section + keys, 1),
                     encoding="utf-8")


def _bench(args: argparse.Namespace, dsn: str, database_pid: int) -> None:
    opened = args.messages // 10
    before, raws, new = backlog(args.messages, opened=opened)
    size_mb = sum(map(len, raws)) / 1e6
    with servers() as box:
        all_rules = _daemon_rules(box, dsn, args.daemons, args.batch)
        rules = all_rules[0]
        # The tickets opened before (not timed): one daemon, as the requesters saw them.
        box.dovecot.append_many(before)
        if run_daemon(box, rules, "--once").returncode != 0:
            raise SystemExit("mailbot exited with an error on the tickets opened before")
        started = time.perf_counter()
        box.dovecot.append_many(raws)
        append_s = time.perf_counter() - started
        pg_cpu = process_tree_cpu(database_pid) if database_pid else 0.0
        load_start = os.getloadavg()[0]
        watch = Watch(_conninfo(dsn)) if dsn else contextlib.nullcontext()
        with watch:
            profiled = os.environ.get("BENCH_PYSPY") or os.environ.get("BENCH_CPROFILE")
            run = (run_daemon(box, rules, "--once") if profiled
                   else run_daemons(box, all_rules, "--once",
                                    own_sessions=args.own_sessions))
        pg_cpu = (process_tree_cpu(database_pid) - pg_cpu) if database_pid else 0.0
        if run.returncode != 0:
            said = [line for line in run.log.splitlines()
                    if line.startswith(("mailbot:", "ERROR", "WARNING")) or "Traceback" in line]
            raise SystemExit(f"mailbot exited {run.returncode}:\n" + "\n".join(said[:20]))
        total = opened + args.messages
        # Every acknowledgement (the team notices are fewer than the mails since follow-ups
        # of one pass make one notice per ticket: not counted here).
        waited = time.monotonic() + 30
        while acks(box.smtp) < new and time.monotonic() < waited:
            time.sleep(0.1)
        if acks(box.smtp) < new:
            trouble = [line for line in run.log.splitlines()
                       if " deferred " in line or "ERROR" in line or "Traceback" in line]
            raise SystemExit("\n".join(trouble[:20]) or run.log[-3000:])
        got_acks = acks(box.smtp)
        store = open_store(load(rules))
        tickets = list(store.tickets())
        incoming = sum(1 for t in tickets for m in t.messages if m.direction == "in")
        left = len(box.dovecot.messages("INBOX"))
        checks = (len(tickets) == new and got_acks == new and incoming == total
                  and left == 0)
        rate = args.messages / run.seconds
        print_table("machine", machine())
        print_table(f"backlog: {args.messages} messages in Dovecot, `mailbot run --once`, "
                    f"store {args.store}, {args.daemons} daemon(s)"
                    + (", each in its own session" if args.own_sessions else ""), [
            ("before", f"{opened} tickets opened by one daemon (not timed)"),
            ("messages", f"{args.messages} ({new - opened} new requests, "
                         f"{args.messages - new + opened} follow-ups), {size_mb:.1f} MB"),
            ("APPEND time", f"{append_s:.1f} s (not counted)"),
            ("daemon wall time", f"{run.seconds:.1f} s (process start to exit)"),
            ("throughput", f"{rate:.0f} messages/s  (target >= 50, aim 100)"),
            ("per message", f"{1000 * run.seconds / args.messages:.1f} ms"),
            ("CPU", f"daemon(s) {run.cpu_seconds:.1f} s"
                    + (f", PostgreSQL {pg_cpu:.1f} s" if database_pid else "")
                    + f"; load average {load_start:.1f} at the start, "
                      f"{os.getloadavg()[0]:.1f} at the end"),
            ("tickets", f"{len(tickets)} (expected {new}, {opened} of them before)"),
            ("acknowledgements", f"{got_acks} received by SMTP (expected {new})"),
            ("SMTP messages", f"{len(box.smtp.messages)} (acks + team notices)"),
            ("messages filed", f"{incoming} (expected {total}); left in INBOX: {left}"),
            ("peak RSS (daemon)", f"{run.peak_rss_mb:.0f} MB  (target < 150)"),
            *([("passes taken again", f"{run.log.count('pass rolled back')} (two passes in "
                                      "each other's way: rolled back, done again)")]
              if args.daemons > 1 else []),
            *([("database sessions", "")] + [(f"  {w}", share) for w, share in watch.rows()]
              if dsn else []),
            *_each(run),
            *wasted(run.log),
            ("verdict", "all ticketed and acknowledged" if checks else "CHECK FAILED"),
        ])
        if not checks:
            kept = Path(os.environ.get("TMPDIR", "/tmp")) / f"backlog-{os.getpid()}.log"
            kept.write_text(run.log, encoding="utf-8")
            extra = _extra_tickets(tickets, raws)
            raise SystemExit(f"the daemons' log is in {kept}" + extra)


if __name__ == "__main__":
    main()
