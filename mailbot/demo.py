"""`mailbot demo`: the main job on the embedded default, with no mail server.

Seeds a local Maildir inbox with the sample mails shipped in mailbot/samples, runs the daemon
over it (the same code as `mailbot run --once`) in two rounds: first the employees' mails
(samples 0x), then the technicians' answers from their mail client (samples 1x: a relayed
answer with a command, a demoted URGENT closed at once, a phone call logged by its subject
marker). It prints the tickets and the mails the bot wrote (delivered into a local Maildir
outbox), ends with the month's report (printed, and mailed into the outbox), then serves the
tracking page. It runs on the shipped calendar, its clock standing still at its instants.
"""

from __future__ import annotations

import email
import mailbox
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.policy import default
from importlib import resources
from pathlib import Path

from mailbot import config as configuration
from mailbot.clock.settings import CalendarConfig
from mailbot.config import Config
from mailbot.pipeline import tracking_url
from mailbot.report import run as reports
from mailbot.runtime import Runtime, make_transport
from mailbot.store import Store

DEMO_MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=1)))


def demo_config(directory: Path, port: int = 8025) -> Config:
    config = configuration.load(None)
    # The demo's Monday is a real working day: the shipped calendar (Europe/Paris, Monday to
    # Friday, 09:00-12:30 and 13:30-18:00, French holidays), not the embedded default's
    # round-the-clock one, so that due times read as a person expects.
    config.calendar = CalendarConfig()
    config.report = replace(config.report, enabled=True)
    config.web = replace(config.web, listen=f"127.0.0.1:{port}",
                         base_url=f"http://127.0.0.1:{port}")
    directory = directory.resolve()
    config.mailbox = replace(config.mailbox, path=str(directory / "inbox"))
    config.smtp = replace(config.smtp, path=str(directory / "outbox"))
    config.storage = replace(config.storage, dir=str(directory / "state"))
    return config


def seed_inbox(path: Path, round_: str = "0") -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    inbox = mailbox.Maildir(path, create=True)
    samples = sorted(p for p in resources.files("mailbot").joinpath("samples").iterdir()
                     if p.name.endswith(".eml") and p.name.startswith(round_))
    for sample in samples:
        inbox.add(sample.read_bytes())
    return len(samples)


def run_demo(directory: Path, *, serve: bool, port: int = 8025,
             stop: threading.Event | None = None) -> int:
    config = demo_config(directory, port)
    # The demo lives on the samples' Monday morning, then comes back the next day, when the
    # ticket nobody answered has crossed levels of its escalation ladder.
    # Its clock stands still at the demo's instants (as `run --once --now` does): the
    # heartbeat the tracking page reads is the demo's time, so the page is not called stale.
    runtime = Runtime(config, now=DEMO_MONDAY, once=True)
    runtime.open()
    try:
        for round_, who in (("0", "employees' mails"), ("1", "technicians' answers")):
            count = seed_inbox(Path(config.mailbox.path), round_)
            print(f"Delivered {count} {who} into {config.mailbox.path}")
            summary = runtime.daemon.run_once()
            print(f"Processed {summary.handled} mails: {summary.actions}; "
                  f"{summary.sent} mails sent.\n")
        tuesday = DEMO_MONDAY + timedelta(days=1)
        runtime.clock = runtime.daemon.clock = runtime.daemon.health.clock = lambda: tuesday
        summary = runtime.daemon.run_once()
        print(f"The next day, the due times are checked: {summary.sent} mails sent.\n")
        _print_tickets(config)
        _print_outbox(Path(config.smtp.path))
        _monthly_report(config, tuesday)
        if serve:
            runtime.start_web()
            print(f"Tracking pages served on {config.web.base_url}/t/<token> "
                  "(the links above). Ctrl-C to stop.")
            (stop or threading.Event()).wait()
    except KeyboardInterrupt:  # Ctrl-C is how the demo ends
        print("\nStopped.")
    finally:
        runtime.close()
    return 0


def _monthly_report(config: Config, now: datetime) -> None:
    """The month so far, as `mailbot report --month 2026-11 --mail` prints and sends it."""
    report = reports.compute(Store(config.state_dir).tickets(), config, report_month(now),
                             now)
    print(f"The month's report (mailbot report --month {report.month} --mail):\n")
    print("    " + "\n    ".join(reports.text(report, config).rstrip().splitlines()))
    mail = reports.mail(report, config, now)
    transport = make_transport(config)
    try:
        delivery = transport.send(mail)
    finally:
        transport.close()
    print(f"\nReport mailed to {', '.join(mail.recipients)} with its chart and CSV "
          f"({delivery.result.value}, into {config.smtp.path}).\n")


def report_month(now: datetime) -> str:
    return f"{now.year:04d}-{now.month:02d}"


def _print_tickets(config: Config) -> None:
    print("Tickets:")
    for t in Store(config.state_dir).tickets():
        print(f"  #{t.number} [{t.status}, {t.priority or t.type}] {t.requester}: {t.subject}")
        print(f"      {len(t.messages)} messages; tracking: {tracking_url(t, config)}")
    print()


def _print_outbox(path: Path) -> None:
    print(f"Mails the bot sent (delivered into {path}):")
    sent = mailbox.Maildir(path, create=True)
    for key in sorted(sent.keys()):
        with sent.get_file(key) as handle:
            msg = email.message_from_binary_file(handle, policy=default)
        part = msg.get_body(("plain",))
        body = part.get_content() if part is not None else ""
        cc = f"\n  Cc: {msg['Cc']}" if msg["Cc"] else ""
        print(f"  To: {msg['To']}{cc}\n  Subject: {msg['Subject']}")
        print("    " + "\n    ".join(body.strip().splitlines()[:8]) + "\n    ...\n")
