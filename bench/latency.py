"""Latency: with `mailbot run` idling on Dovecot, from a message's arrival to its acknowledgement.

    python3 bench/latency.py                # 50 messages, 0.3 s apart (the README figure)
    python3 bench/latency.py --messages 10  # a quick run

Arrival is the moment the APPEND of the message completes (another client delivering it, as
the MTA's LDA would); the end is the moment the SMTP server has received the acknowledgement
(its In-Reply-To names the message). Dovecot itself waits about 0.5 s before telling an idling
client about new mail, so that delay is part of the figure.
"""

from __future__ import annotations

import argparse
import imaplib
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

from _common import ROOT, Servers, issue, machine, print_table, request, senders, servers

from tests.harness import env
from tests.servers.smtp import RecordingSmtpServer


class Stopwatch(threading.Thread):
    """Stamps each mail the SMTP server receives, keyed by its In-Reply-To."""

    def __init__(self, smtp: RecordingSmtpServer) -> None:
        super().__init__(daemon=True)
        self.smtp = smtp
        self.acked: dict[str, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        seen = 0
        while not self.done.is_set():
            try:
                mails = self.smtp.wait_for(seen + 1, timeout=0.5)
            except AssertionError:
                continue
            now = time.monotonic()
            for mail in mails[seen:]:
                if mail.message["Auto-Submitted"] == "auto-replied":
                    self.acked.setdefault(str(mail.message["In-Reply-To"]), now)
            seen = len(mails)


def start_daemon(box: Servers) -> tuple[subprocess.Popen[bytes], object]:
    log = open(box.work / "daemon.log", "wb")  # noqa: SIM115 (closed by the caller)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailbot.cli", "run", "--config", str(box.rules())],
        cwd=ROOT, env=env(box.dovecot), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while b"connected as" not in (box.work / "daemon.log").read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the daemon did not start:\n"
                             + (box.work / "daemon.log").read_text(errors="replace"))
        time.sleep(0.05)
    return proc, log


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)  # linear interpolation between closest ranks
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--spacing", type=float, default=0.3, help="seconds between appends")
    args = parser.parse_args()
    rng = random.Random(11)
    people = senders(200)
    with servers() as box:
        watch = Stopwatch(box.smtp)
        watch.start()
        proc, log = start_daemon(box)
        arrived: dict[str, float] = {}
        conn: imaplib.IMAP4 = box.dovecot.client()
        try:
            time.sleep(1.0)  # let it settle into IDLE
            for index in range(args.messages + 1):  # the first one warms up, not counted
                subject, text = issue(rng)
                raw, message_id = request(rng, rng.choice(people), subject=subject, text=text,
                                          attachment=rng.random() < 0.1)
                began = time.monotonic()
                typ, data = conn.append("INBOX", None, None, raw)
                if typ != "OK":
                    raise SystemExit(f"APPEND failed: {data!r}")
                if index:
                    arrived[message_id] = time.monotonic()
                else:
                    box.smtp.wait_for(2, timeout=10)
                time.sleep(max(0.0, args.spacing - (time.monotonic() - began)))
            deadline = time.monotonic() + 15
            while len(set(arrived) & set(watch.acked)) < len(arrived):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        finally:
            conn.logout()
            watch.done.set()
            proc.send_signal(signal.SIGTERM)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            log.close()  # type: ignore[attr-defined]
        latencies = [watch.acked[m] - t for m, t in arrived.items() if m in watch.acked]
        missing = len(arrived) - len(latencies)
        print_table("machine", machine())
        rows = [
            ("messages", f"{len(arrived)} appended {args.spacing} s apart (+1 warm-up), "
                         f"{len(latencies)} acknowledged, {missing} missing"),
        ]
        if latencies:
            rows += [
                ("median", f"{statistics.median(latencies):.3f} s  (target < 0.6 s)"),
                ("99th percentile", f"{percentile(latencies, 0.99):.3f} s"),
                ("min / max", f"{min(latencies):.3f} s / {max(latencies):.3f} s"),
            ]
        rows += [("peak RSS (daemon)", f"{usage.ru_maxrss / 1024:.0f} MB"),
                 ("daemon exit", f"{proc.returncode} after SIGTERM")]
        print_table("latency: APPEND completed -> acknowledgement received by SMTP (IDLE)", rows)
        if missing:
            daemon_log = (box.work / "daemon.log").read_text(errors="replace").splitlines()
            for message_id in (m for m in arrived if m not in watch.acked):
                print(f"not acknowledged: {message_id}")
                tickets = {f"ticket #{n} " for line in daemon_log if message_id in line
                           for n in re.findall(r"ticket #(\d+)", line)}
                for line in daemon_log:
                    if message_id in line or any(t in line for t in tickets):
                        print(f"    {line}")
            raise SystemExit(1)


if __name__ == "__main__":
    main()
