"""The monthly report end to end: from the stored tickets to the text printed and the mail.

Used by `mailbot report` (printed; `--mail` sends it at once through the configured transport)
and by the daemon's monthly timer (timekeeping: queued in the outbox like any mail).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from mailbot.config import Config
from mailbot.model import OutgoingMail, Ticket
from mailbot.report import chart, figures
from mailbot.report import mail as report_mail


def recipients(config: Config) -> list[str]:
    """`[report] recipients`, or the team address when none is configured."""
    return list(config.report.recipients) or [config.team_address]


def compute(tickets: Iterable[Ticket], config: Config, month: str,
            now: datetime) -> figures.Report:
    return figures.compute(tickets, month, config.time.calendar.tz, now)


def text(report: figures.Report, config: Config) -> str:
    return report_mail.text(report, config, config.mail.language, tz=config.time.calendar.tz,
                            csv_name=report_mail.csv_name(report))


def mail(report: figures.Report, config: Config, now: datetime) -> OutgoingMail:
    drawn = chart.draw(report, config.mail.language)
    return report_mail.mail(report, drawn, config, now, recipients=recipients(config),
                            tz=config.time.calendar.tz)
