"""`mailbot`: the daemon and the operator's commands (PRODUCT.md §10 is the contract): the argument
parser; what each command does is in `mailbot.cli_commands`."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from datetime import datetime
from pathlib import Path

from mailbot import triage_report
from mailbot.cli_commands import (
    InputUnreadable,
    cmd_check_config,
    cmd_check_connection,
    cmd_corpus_report,
    cmd_demo,
    cmd_login,
    cmd_migrate_store,
    cmd_outbox,
    cmd_parse,
    cmd_replay,
    cmd_report,
    cmd_reprocess,
    cmd_run,
    cmd_show,
    cmd_tickets,
    stored_tickets,
)
from mailbot.config import ConfigError
from mailbot.intake import IntakeError
from mailbot.storage import CorruptStore, StateUnwritable, StoreUnavailable
from mailbot.store import AlreadyRunning, StateTooNew

DESCRIPTION = """\
An email-first helpdesk daemon. It watches the support mailbox, opens and updates tickets,
acknowledges with a tracking link, notifies the team, relays technicians' answers to the
requester and executes their commands (#close, #priority P2, #assign me, #note, #demote,
#escalate, #requester, #language, #phone, #help) with a transcript. `mailbot report`
prints or mails the monthly report.

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
refused (check-connection: a login failed; login: the identity provider refused; report
--mail: the mail was not accepted); 141 output
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
        if isinstance(exc, StoreUnavailable):
            print(f"mailbot: ticket database unavailable, mail left on the server: {exc}",
                  file=sys.stderr)
        else:
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailbot", description=DESCRIPTION, epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    _daemon_commands(sub)
    _ticket_commands(sub)
    _tool_commands(sub)
    _report_command(sub)
    return parser


def _daemon_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The daemon and its setup: run, check-config, check-connection, login, migrate-store."""
    run = sub.add_parser("run", help="run the daemon (IMAP IDLE, due checks every minute, "
                                     "outbox, tracking page)")
    _config_arg(run)
    run.add_argument("--once", action="store_true",
                     help="process what is pending (mail, due escalations and digest, outbox) "
                          "and exit 0")
    run.add_argument("--now", type=_iso, metavar="ISO8601",
                     help="behave as if it were this time (due times, quiet hours, digest), "
                          "e.g. 2026-11-23T09:00:00+01:00; with --once the clock stays at "
                          "that time for the whole run; mail the server received within an "
                          "hour of the real time is dated by this clock")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check-config", help="validate the configuration, one line a problem")
    _config_arg(check)
    check.set_defaults(func=cmd_check_config)

    connection = sub.add_parser(
        "check-connection", help="log in to IMAP and SMTP (and PostgreSQL with storage.kind = "
                                 "\"postgresql\") with the configuration and say what worked "
                                 "or what the server answered (sends and moves nothing)")
    _config_arg(connection)
    connection.set_defaults(func=cmd_check_connection)

    login = sub.add_parser(
        "login", help="oauth2.provider = \"microsoft-delegated\": sign in once with a device "
                      "code; the refresh token is kept in the state directory (mode 0600)")
    _config_arg(login)
    login.set_defaults(func=cmd_login)

    move = sub.add_parser(
        "migrate-store", help="copy the tickets of the state directory (storage.dir, TinyDB) "
                              "into the empty PostgreSQL database of storage.dsn, then compare "
                              "counts and a sample; --back copies the database into an empty "
                              "state directory. Stop the daemons first")
    _config_arg(move)
    move.add_argument("--back", action="store_true",
                      help="PostgreSQL -> TinyDB instead of TinyDB -> PostgreSQL")
    move.set_defaults(func=cmd_migrate_store)


def _ticket_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Reading the tickets and the mail: tickets, show, parse, replay, reprocess."""
    tickets = sub.add_parser("tickets", help="list tickets (works while the daemon runs; "
                                             "stderr names the state directory read)")
    _config_arg(tickets)
    tickets.add_argument("--json", action="store_true", help="a JSON list (PRODUCT.md §10)")
    tickets.set_defaults(func=cmd_tickets)

    outbox = sub.add_parser(
        "outbox", help="the outbox's mails that need a look: 'maybe sent' (the daemon was killed "
                       "while the SMTP server was given one: find its Message-ID in the "
                       "server's log), failed, and pending ones already tried")
    _config_arg(outbox)
    outbox.add_argument("--all", action="store_true", help="every pending mail as well")
    outbox.add_argument("--json", action="store_true", help="a JSON list (no message bodies)")
    decided = outbox.add_mutually_exclusive_group()
    decided.add_argument(
        "--resend", metavar="MESSAGE-ID",
        help="put a 'maybe sent' or failed mail back in the queue: the daemon sends it on its "
             "next pass, under the same Message-ID. Only once the SMTP server's log (or the "
             "recipient) shows it did not arrive: the daemon never resends it by itself")
    decided.add_argument(
        "--drop", metavar="MESSAGE-ID",
        help="take a 'maybe sent' or failed mail out of the outbox (it arrived, or is no "
             "longer of use). Both work while the daemons run on PostgreSQL; with the "
             "embedded store, stop the daemon first")
    outbox.set_defaults(func=cmd_outbox)

    show = sub.add_parser("show", help="one ticket with its history")
    _config_arg(show)
    show.add_argument("number", type=int)
    show.add_argument("--json", action="store_true")
    show.add_argument("--now", type=_iso, metavar="ISO8601",
                      help="the SLA states as at this time (default: now)")
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


def _tool_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Tools around the product: the demo and the corpus report."""
    demo = sub.add_parser("demo", help="fill a local Maildir with sample mails, process them, "
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
    report.add_argument("--blind", metavar="DIR", type=Path,
                        help="score a frozen blind set (DIR/machine, replies, forwards, errors, "
                             "programs: NNN.eml beside its NNN.json label) without printing its "
                             "texts: per slice the score, per miss its class and what differed "
                             "in kind")
    report.set_defaults(func=cmd_corpus_report)
    triage_report.register(sub, _config_arg, stored_tickets)


def _report_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    monthly = sub.add_parser(
        "report", help="the monthly report: tickets opened and closed, service targets met, "
                       "oldest open tickets, URGENT, escalations, mass incidents (printed; "
                       "--mail sends it with its chart and CSV to [report] recipients)")
    _config_arg(monthly)
    monthly.add_argument("--month", type=_month, metavar="YYYY-MM",
                         help="the month (default: the previous month)")
    monthly.add_argument("--json", action="store_true",
                         help="the figures as JSON instead of the text")
    monthly.add_argument("--mail", action="store_true",
                         help="send it now through [smtp] (not the daemon's outbox)")
    monthly.add_argument("--now", type=_iso, metavar="ISO8601",
                         help="compute it as if at this time (targets still running then are "
                              "pending)")
    monthly.set_defaults(func=cmd_report)


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"not a month like 2026-11: {value!r}")
    return value


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


if __name__ == "__main__":
    sys.exit(main())
