"""`mailbot`: the daemon and the operator's commands (PRODUCT.md §10 is the contract)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from mailbot import config as configuration
from mailbot.clock.policy import TimePolicy
from mailbot.config import Config, ConfigError
from mailbot.intake import IntakeError
from mailbot.model import Ticket
from mailbot.pipeline import tracking_url
from mailbot.storage import CorruptStore, StateUnwritable
from mailbot.store import AlreadyRunning, StateTooNew, Store

log = logging.getLogger("mailbot")
DEFAULT_CONFIG = "/etc/mailbot/rules.toml"

DESCRIPTION = """\
An email-first helpdesk daemon. It watches the support mailbox, opens and updates tickets,
acknowledges with a tracking link, notifies the team, relays technicians' answers to the
requester and executes their commands (#close, #priority P2, #assign me, #note, #demote,
#escalate, #requester, #phone, #help) with a transcript.

The configuration is --config PATH, else $MAILBOT_CONFIG, else /etc/mailbot/rules.toml, else the
embedded default (a local Maildir inbox and outbox under ./mailbot-demo: no mail server needed).
Passwords come from MAILBOT_IMAP_PASSWORD / MAILBOT_SMTP_PASSWORD or a password_file; with
`auth = "oauth2"` (Microsoft 365, Google Workspace) the client secret, certificate or
service-account key comes from MAILBOT_OAUTH2_CLIENT_SECRET / _CERTIFICATE / _SERVICE_ACCOUNT
or a *_file.
"""

EXIT_CODES = """\
exit status: 0 done; 1 no such ticket (reprocess: a message not put back); 2 configuration
problem (one line per problem) or an unreadable input file; 3 state directory held by another
daemon, unreadable, unwritable or written by a newer mailbot; 4 mailbox unreachable or login
refused (check-connection: a login failed; login: the identity provider refused); 141 output
closed early (e.g. `| head`).
"""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return args.func(args)
    except ConfigError as exc:
        for line in exc.problems:
            print(f"mailbot: {line}", file=sys.stderr)
        return 2
    except (AlreadyRunning, CorruptStore, StateTooNew) as exc:
        print(f"mailbot: {exc}", file=sys.stderr)
        return 3
    except StateUnwritable as exc:  # `run --once`: nothing left the mailbox
        print(f"mailbot: state directory unwritable, mail left on the server: {exc}",
              file=sys.stderr)
        return 3
    except IntakeError as exc:
        print(f"mailbot: mailbox unreachable: {exc}", file=sys.stderr)
        return 4
    except InputUnreadable as exc:
        print(f"mailbot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `mailbot tickets --json | head`: the reader has all it wanted. Python would report
        # the closed pipe again when flushing stdout at exit; point stdout at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


class InputUnreadable(Exception):
    """The operator's problem: the .eml named on the command line cannot be read."""


def _read_input(path: Path) -> bytes:
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputUnreadable(f"cannot read {path}: {exc.strerror or exc}") from None



def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailbot", description=DESCRIPTION, epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the daemon (IMAP IDLE, due checks every minute, "
                                     "outbox, tracking page)")
    _config_arg(run)
    run.add_argument("--once", action="store_true",
                     help="process what is pending (mail, due escalations and digest, outbox) "
                          "and exit 0")
    run.add_argument("--now", type=_iso, metavar="ISO8601",
                     help="behave as if it were this time (due times, quiet hours, digest), "
                          "e.g. 2026-11-23T09:00:00+01:00; with --once the clock stays at "
                          "that time for the whole run")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check-config", help="validate the configuration, one line a problem")
    _config_arg(check)
    check.set_defaults(func=cmd_check_config)

    connection = sub.add_parser(
        "check-connection", help="log in to IMAP and SMTP with the configuration and say what "
                                 "worked or what the server answered (sends and moves nothing)")
    _config_arg(connection)
    connection.set_defaults(func=cmd_check_connection)

    login = sub.add_parser(
        "login", help="oauth2.provider = \"microsoft-delegated\": sign in once with a device "
                      "code; the refresh token is kept in the state directory (mode 0600)")
    _config_arg(login)
    login.set_defaults(func=cmd_login)

    tickets = sub.add_parser("tickets", help="list tickets (works while the daemon runs; "
                                             "stderr names the state directory read)")
    _config_arg(tickets)
    tickets.add_argument("--json", action="store_true", help="a JSON list (PRODUCT.md §10)")
    tickets.set_defaults(func=cmd_tickets)

    show = sub.add_parser("show", help="one ticket with its history")
    _config_arg(show)
    show.add_argument("number", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)

    parse = sub.add_parser("parse", help="what the bot understands of one message (stores nothing)")
    _config_arg(parse)
    parse.add_argument("file", type=Path, help="an .eml file ('-' for standard input)")
    parse.add_argument("--json", action="store_true")
    parse.set_defaults(func=cmd_parse)

    replay = sub.add_parser("replay", help="what the daemon would decide for one message, "
                                           "against the current tickets (stores and sends nothing)")
    _config_arg(replay)
    replay.add_argument("file", type=Path, help="an .eml file ('-' for standard input)")
    replay.add_argument("--now", type=_iso, metavar="ISO8601", help="decide as if at this time")
    replay.add_argument("--show-mails", action="store_true", help="print the mails it would send")
    replay.set_defaults(func=cmd_replay)

    again = sub.add_parser(
        "reprocess", help="put quarantined messages back in the watched folder (IMAP) or the "
                          "inbox Maildir, clear their attempt counts and mark their copies in "
                          "<state>/quarantine as reprocessed; one line per message")
    _config_arg(again)
    again.add_argument("keys", nargs="*", metavar="KEY",
                       help="a message's key as the quarantine log line names it "
                            "(IMAP: UIDVALIDITY:UID in the watched folder; Maildir: its name)")
    again.add_argument("--all", action="store_true", help="every quarantined message")
    again.set_defaults(func=cmd_reprocess)

    demo = sub.add_parser("demo", help="seed a local Maildir with sample mails, process them, "
                                       "show tickets and replies, serve the tracking page")
    demo.add_argument("--dir", type=Path, default=Path("mailbot-demo"),
                      help="where the demo's inbox, outbox and state go (default ./mailbot-demo)")
    demo.add_argument("--no-serve", action="store_true", help="do not serve the tracking page")
    demo.add_argument("--port", type=int, default=8025,
                      help="port of the tracking page on 127.0.0.1 (default 8025)")
    demo.set_defaults(func=cmd_demo)

    report = sub.add_parser("corpus-report", help="score the parsers on the shared corpus "
                                                  "($MAILBOT_CORPUS or ../shared/corpus)")
    report.add_argument("--quiet", action="store_true", help="scores only, not each failure")
    report.add_argument("--by-source", action="store_true",
                        help="score per source project of the corpus (MANIFEST.tsv's "
                             "source_repo; 'authored' for the corpus's own scenarios)")
    report.add_argument("--source", metavar="NAME",
                        help="only the checks of the sources whose name contains NAME "
                             "(to look at one held-out source)")
    report.set_defaults(func=cmd_corpus_report)
    return parser


def _config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="PATH",
                        help="rules.toml (default: $MAILBOT_CONFIG, /etc/mailbot/rules.toml, "
                             "or the embedded default)")


def _iso(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give an offset, e.g. {value}+01:00")
    return moment


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
            log.info("run --once: %d handled, %d quarantined, %d sent, %d deferred, %d failed",
                     summary.handled, summary.quarantined, summary.sent, summary.deferred,
                     summary.failed)
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


def _reading(config: Config) -> Store:
    """The state directory a read-only command reads, named on stderr (stdout stays the
    output): run from the wrong directory, a relative storage.dir is an empty state."""
    where = config.state_dir.resolve()
    missing = "" if where.is_dir() else " (does not exist: no tickets yet)"
    print(f"mailbot: state directory {where}{missing}, from {config.source}", file=sys.stderr)
    return Store(config.state_dir)


def cmd_tickets(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    store = _reading(config)
    tickets = list(store.tickets())
    if args.json:
        policy = TimePolicy.from_config(config)
        print(json.dumps([ticket_json(t, config, messages=False, policy=policy)
                          for t in tickets], ensure_ascii=False, indent=2))
        return 0
    for t in tickets:
        flags = " URGENT" if t.urgent_requested and not t.urgent_demoted else ""
        print(f"#{t.number:<6} {t.status:<8} {t.priority or '-':<3}{flags:<7} "
              f"{t.requester:<32} {t.subject}")
    if not tickets:
        print("no tickets")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    ticket = _reading(config).ticket(args.number)
    if ticket is None:
        print(f"mailbot: no ticket #{args.number}", file=sys.stderr)
        return 1
    data = ticket_json(ticket, config, messages=True)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for key in ("number", "subject", "status", "priority", "type", "program", "requester",
                "channel", "urgent_requested", "urgent_demoted", "vip", "automatic",
                "escalation_level", "created_at", "tracking_url"):
        print(f"{key:>17}: {_shown(data[key])}")
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
    view = Batch(Store(config.state_dir))  # a read-only store: nothing is committed
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


def cmd_demo(args: argparse.Namespace) -> int:
    from mailbot.demo import run_demo

    return run_demo(args.dir, serve=not args.no_serve, port=args.port)


def cmd_corpus_report(args: argparse.Namespace) -> int:
    from mailbot.parsers.report import main as report

    return report(["--quiet"] if args.quiet else [], by_source=args.by_source,
                  only_source=args.source) or 0


def ticket_json(ticket: Ticket, config: Config, *, messages: bool,
                policy: TimePolicy | None = None, now: datetime | None = None
                ) -> dict[str, Any]:
    data: dict[str, Any] = {
        key: getattr(ticket, key) for key in (
            "number", "status", "priority", "type", "category", "program", "requester",
            "subject", "channel", "urgent_requested", "urgent_demoted", "demotion_reason", "vip",
            "automatic", "escalation_level", "assignee", "created_at", "updated_at",
            "first_response_due", "resolution_due", "first_response_at", "resolved_at",
            "closed_at", "previous", "parent", "children", "why")
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


if __name__ == "__main__":
    sys.exit(main())
