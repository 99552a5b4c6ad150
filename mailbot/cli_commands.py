"""What each `mailbot` command does (the argument parser is `mailbot.cli`): read the
configuration, run the daemon, list and show tickets, parse or replay one message, reprocess
the quarantine, the demo, the corpus report."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from mailbot import config as configuration
from mailbot.clock.policy import TimePolicy
from mailbot.config import Config, ConfigError
from mailbot.mails import tracking_url
from mailbot.model import Ticket, as_incident
from mailbot.storage import StateUnwritable
from mailbot.store import Store, TicketStore, open_store

log = logging.getLogger("mailbot")
DEFAULT_CONFIG = "/etc/mailbot/rules.toml"


class InputUnreadable(Exception):
    """The operator's problem: the .eml named on the command line cannot be read."""


def _read_input(path: Path) -> bytes:
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputUnreadable(f"cannot read {path}: {exc.strerror or exc}") from None


def load_config(path: Path | None) -> Config:
    if path is None:
        env = os.environ.get("MAILBOT_CONFIG")
        if env:
            path = Path(env)
        elif Path(DEFAULT_CONFIG).exists():
            path = Path(DEFAULT_CONFIG)
    return configuration.load(path)


# --- commands ----------------------------------------------------------------------------------

def cmd_check_config(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    problems = config.environment_problems()  # what the chosen login mechanism lacks
    if problems:
        raise ConfigError([f"{config.source}: {p}" for p in problems])
    print(f"{config.source}: OK")
    for warning in config.warnings():
        print(f"{config.source}: warning: {warning}")
    return 0


def cmd_check_connection(args: argparse.Namespace) -> int:
    from mailbot.connectivity import check_connection

    config = load_config(args.config)
    return 0 if check_connection(config, print) else 4


def cmd_login(args: argparse.Namespace) -> int:
    from mailbot.connectivity import login
    from mailbot.oauth2 import TokenError

    config = load_config(args.config)
    try:
        login(config, lambda line: print(line, flush=True))
    except TokenError as exc:
        print(f"mailbot: login failed: {exc}", file=sys.stderr)
        return 4
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from mailbot.runtime import Runtime

    config = load_config(args.config)
    if problems := config.environment_problems():  # what check-config would refuse
        raise ConfigError([f"{config.source}: {p}" for p in problems])
    runtime = Runtime(config, now=args.now, once=args.once)
    runtime.open()
    try:
        signal.signal(signal.SIGTERM, lambda *_: runtime.request_stop())
        signal.signal(signal.SIGINT, lambda *_: runtime.request_stop())
        if args.once:
            summary = runtime.daemon.run_once()
            log.info("run --once: %d handled, %d quarantined, %d sent, %d deferred, %d failed, "
                     "%d held for quiet hours", summary.handled, summary.quarantined,
                     summary.sent, summary.deferred, summary.failed, summary.held)
        else:
            from mailbot.web import WebServerError  # aiohttp only where the page is served

            try:
                runtime.start_web()
            except WebServerError as exc:  # web.listen taken or not allowed: a setting
                print(f"mailbot: web.listen: {exc}", file=sys.stderr)
                return 2
            runtime.daemon.run_forever()
            log.info("stopped cleanly")
    finally:
        runtime.close()
    return 0


def _reading(config: Config) -> TicketStore:
    """The state directory (or database) a read-only command reads, named on stderr (stdout
    stays the output): run from the wrong directory, a relative storage.dir is an empty state."""
    if config.storage.kind == "postgresql":
        from mailbot.store.backend import describe

        print(f"mailbot: database {describe(config)}, from {config.source}", file=sys.stderr)
        return open_store(config)
    where = config.state_dir.resolve()
    missing = "" if where.is_dir() else " (does not exist: no tickets yet)"
    print(f"mailbot: state directory {where}{missing}, from {config.source}", file=sys.stderr)
    return Store(config.state_dir)


def cmd_tickets(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    store = _reading(config)
    stored = {t.number: t for t in store.tickets()}
    # A mass incident's report at the incident's priority and due times, as its mail and page
    # say (day 10 §9: P3 here, "P1 – critique" there).
    tickets = [as_incident(t, stored.get(t.parent or 0)) for t in stored.values()]
    if args.json:
        policy = TimePolicy.from_config(config)
        print(json.dumps([{**ticket_json(t, config, messages=False, policy=policy),
                           **_reporters(t, store)} for t in tickets],
                         ensure_ascii=False, indent=2))
        return 0
    for t in tickets:
        flags = (" AUTO" if t.automatic else
                 " URGENT" if t.urgent_requested and not t.urgent_demoted else "")
        print(f"#{t.number:<6} {t.status:<8} {t.priority or '-':<3}{flags:<7} "
              f"{_requester_shown(t, store):<32} {t.subject}")
    if not tickets:
        print("no tickets")
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    """The outbox: mails waiting (pending), given up (failed), and 'maybe sent' (the daemon was
    killed while the server was being given one: look for its Message-ID in the server's log).
    `--resend ID` / `--drop ID`: the operator's decision on one of them (mailbot.outbox_hand)."""
    if args.resend or args.drop:
        from mailbot.outbox_hand import NotSettled, settle

        try:
            print(settle(load_config(args.config), args.resend or args.drop,
                         resend=bool(args.resend)))
        except NotSettled as exc:
            print(f"mailbot: {exc}", file=sys.stderr)
            return 1
        return 0
    mails = [m for m in _reading(load_config(args.config)).outbox()
             if args.all or m.status != "pending" or m.attempts]
    order = {"maybe_sent": 0, "failed": 1, "pending": 2}
    mails.sort(key=lambda m: (order.get(m.status, 3), m.created_at))
    if args.json:
        print(json.dumps([{k: v for k, v in m.to_dict().items() if k not in ("data", "text")}
                          for m in mails], ensure_ascii=False, indent=2))
        return 0
    for m in mails:
        about = f"#{m.ticket}" if m.ticket is not None else "-"
        error = f": {m.last_error}" if m.last_error else ""
        print(f"{m.status:<10} {m.kind:<16} {about:<7} {m.message_id} to "
              f"{', '.join(m.recipients)} ({m.created_at}){error}")
    if not mails:
        print("nothing waiting, failed or maybe sent" if not args.all else "the outbox is empty")
    return 0


def _requester_shown(ticket: Ticket, store: Any) -> str:
    """Who a ticket is for, as a person reads it. A mass incident has no requester of its own
    (the team address stands in its field): "mass incident, 3 reports, first
    emilie@x" (day 7 §18)."""
    if not ticket.children:
        return ticket.requester
    first = store.ticket(ticket.children[0])
    return (f"mass incident, {len(ticket.children)} reports"
            + (f", first {first.requester}" if first is not None else ""))


def _reporters(ticket: Ticket, store: Any) -> dict[str, object]:
    """JSON fields beside the contract's `requester` (which keeps its meaning: the address in
    the ticket's field, the team's for a mass incident): who a person reads the ticket is for
    (`requester_shown`), and a mass incident's reporters, in order (`reporters`, [] else)."""
    reports = [r for r in (store.ticket(n) for n in ticket.children) if r is not None]
    return {"requester_shown": _requester_shown(ticket, store),
            "reporters": list(dict.fromkeys(r.requester for r in reports))}


def cmd_show(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    store = _reading(config)
    ticket = store.ticket(args.number)
    if ticket is None:
        print(f"mailbot: no ticket #{args.number}", file=sys.stderr)
        return 1
    ticket = as_incident(ticket, store.ticket(ticket.parent) if ticket.parent else None)
    data = {**ticket_json(ticket, config, messages=True, now=args.now),
            **_reporters(ticket, store)}
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for key in ("number", "subject", "status", "priority", "type", "program", "requester",
                "channel", "urgent_requested", "urgent_demoted", "vip", "automatic",
                "escalation_level", "created_at", "tracking_url"):
        value = _requester_shown(ticket, store) if key == "requester" else data[key]
        print(f"{key:>17}: {_shown(value)}")
    for m in data["messages"]:
        print(f"\n--- {m['date']}  {m['kind']}  {_shown(m['author'])}  {_shown(m['message_id'])}")
        if m["text"]:
            print(m["text"])
    return 0


def _shown(value: object) -> str:
    """A field as an operator reads it: no Python `None`, `True` or `False` on the screen."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def cmd_parse(args: argparse.Namespace) -> int:
    from mailbot import people
    from mailbot.parsers import parse

    config = load_config(args.config)
    raw = _read_input(args.file)
    parsed = parse(raw, config.parse_rules())
    result = parsed.to_json()
    # Who the daemon would take it from: the core decides, with the same configuration.
    author = people.identify(parsed, config)
    result["author"] = author.verdict
    result["requester"] = people.requester_of(parsed, author, config)
    result["is_phone_log"] = people.is_phone_log(parsed, author)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>15}: {_shown(value)}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from mailbot import people
    from mailbot.batch import Batch
    from mailbot.parsers import parse
    from mailbot.pipeline import decide
    from mailbot.runtime import make_clock

    config = load_config(args.config)
    raw = _read_input(args.file)
    parsed = parse(raw, config.parse_rules())
    view = Batch(open_store(config))  # a read-only store: nothing is committed
    decision = decide(parsed, raw_path="(replay)", view=view, config=config,
                      now=make_clock(args.now)())
    print(f"decision: {decision.action}")
    print(f"author:   {people.identify(parsed, config).verdict}")
    ticket = decision.ticket
    if ticket is None:
        handled = view.lookup(decision.key) if decision.action == "duplicate" else None
        print(f"ticket:   #{handled} (already handled)" if handled else "ticket:   -")
    elif view.store.ticket(ticket.number) is None:
        print(f"ticket:   #{ticket.number} would be created ({ticket.status}, {ticket.priority})")
    else:
        print(f"ticket:   #{ticket.number} ({ticket.status}, {ticket.priority})")
    for line in decision.reasons or ["-"]:
        print(f"why:      {line}")
    for line in decision.trace:  # every rule tried, hit or miss, with its reason
        print(f"rule:     {line}")
    for command in parsed.commands:
        print(f"command:  {command}")
    for mail in decision.mails:
        print(f"mail:     {mail.kind} to {', '.join(mail.recipients)}: {mail.subject}")
        if args.show_mails:
            print("\n".join(f"    {line}" for line in mail.text.splitlines()))
    return 0


def cmd_reprocess(args: argparse.Namespace) -> int:
    from mailbot.reprocess import reprocess

    if bool(args.keys) == bool(args.all):
        print("mailbot: reprocess: give KEY... or --all", file=sys.stderr)
        return 2
    config = load_config(args.config)
    try:
        complete = reprocess(config, None if args.all else args.keys, print)
    except OSError as exc:
        raise StateUnwritable(f"{config.state_dir}: {exc.strerror or exc}") from exc
    return 0 if complete else 1


def cmd_migrate_store(args: argparse.Namespace) -> int:
    from mailbot.store.transfer import TransferError, migrate

    config = load_config(args.config)
    if config.storage.kind != "postgresql" or not config.storage.dsn:
        raise ConfigError([f"{config.source}: migrate-store needs storage.kind = "
                           f"\"postgresql\" and storage.dsn (and storage.dir: the state "
                           f"directory)"])
    try:
        migrate(config, back=args.back, say=print)
    except TransferError as exc:
        print(f"mailbot: migrate-store: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from mailbot.demo import run_demo

    return run_demo(args.dir, serve=not args.no_serve, port=args.port)


def cmd_corpus_report(args: argparse.Namespace) -> int:
    from mailbot.parsers.report import main as report

    if args.blind is not None:
        return report(["--blind", str(args.blind)])
    return report(["--quiet"] if args.quiet else [], by_source=args.by_source,
                  only_source=args.source) or 0


def cmd_report(args: argparse.Namespace) -> int:
    from mailbot.report import figures, run
    from mailbot.runtime import make_tokens, make_transport

    config = load_config(args.config)
    now = args.now or datetime.now(config.time.calendar.tz)
    month = args.month or figures.previous_month(config.time.calendar.local(now).date())
    report = run.compute(_reading(config).tickets(), config, month, now)
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=2) if args.json
          else run.text(report, config), end="\n" if args.json else "")
    if not args.mail:
        return 0
    mail = run.mail(report, config, now)
    transport = make_transport(config, make_tokens(config))
    try:
        delivery = transport.send(mail)
    finally:
        transport.close()
    if delivery.result.value != "sent":
        print(f"mailbot: report not sent: {delivery.detail}", file=sys.stderr)
        return 4
    print(f"\nSent to {', '.join(mail.recipients)} ({mail.message_id}).")
    return 0


def ticket_json(ticket: Ticket, config: Config, *, messages: bool,
                policy: TimePolicy | None = None, now: datetime | None = None
                ) -> dict[str, Any]:
    data: dict[str, Any] = {
        key: getattr(ticket, key) for key in (
            "number", "status", "priority", "type", "category", "program", "requester",
            "subject", "channel", "urgent_requested", "urgent_demoted", "demotion_reason", "vip",
            "automatic", "escalation_level", "clock_from", "assignee", "created_at", "updated_at",
            "first_response_due", "first_response_missed", "resolution_due", "first_response_at",
            "resolved_at", "closed_at", "resolution_confirmed", "previous", "parent", "children",
            "language", "why")
    }
    data["tracking_url"] = tracking_url(ticket, config)
    data["attachments"] = [{"filename": a.filename, "size": a.size, "sha256": a.sha256,
                            "content_type": a.content_type} for a in ticket.attachments()]
    # Each SLA target: hours, due time, when met, and its state now (met, met_late, running,
    # paused while waiting for the requester, late).
    policy = policy or TimePolicy.from_config(config)
    now = now or datetime.now(policy.calendar.tz)
    data["sla"] = [e.to_json() for e in policy.engagements(ticket, now)]
    data["waiting_periods"] = [list(p) for p in ticket.waiting_periods]
    if messages:
        data["messages"] = [{"author": m.author, "kind": m.kind, "date": m.date, "text": m.text,
                             "message_id": m.message_id, "direction": m.direction,
                             "public": m.public, "note": m.note} for m in ticket.messages]
    return data


def stored_tickets(path: Path | None) -> Iterator[Ticket]:
    """Every ticket of the store the configuration at `path` names (triage-report)."""
    return _reading(load_config(path)).tickets()
