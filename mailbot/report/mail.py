"""The monthly report as people read it: its text (the team's language) and its mail, with
the chart inline and the CSV attached.

    multipart/mixed
        text/plain              the figures (templates/mail/report.LANG.txt)
        image/png  inline       the chart, shown after the text by mail clients, phones too
        text/csv   attachment   one row per ticket created in the month
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from email import encoders
from email.mime.base import MIMEBase
from email.mime.text import MIMEText

from mailbot import compose, i18n, ids
from mailbot.config import Config
from mailbot.mails.base import _outgoing, envelope_sender
from mailbot.model import OutgoingMail
from mailbot.report.chart import Chart, percent_text
from mailbot.report.figures import PRIORITIES, Report, Tally
from mailbot.report.table import csv_text
from mailbot.tags import format_tag

_MONTHS = {"fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                  "septembre", "octobre", "novembre", "décembre"],
           "en": ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"]}


def month_name(month: str, lang: str) -> str:
    year, number = month.split("-")
    return f"{_MONTHS[lang][int(number) - 1]} {year}"


def tally_text(tally: Tally, lang: str) -> str:
    """"12/14 (85,7 %), 2 en cours" / "12/14 (85.7%), 2 pending"."""
    if not tally.decided and not tally.pending:
        return "aucun" if lang == "fr" else "none"
    text = (f"{tally.met}/{tally.decided} ({percent_text(tally.percent, lang)})"
            if tally.percent is not None else "0/0")
    if tally.pending:
        text += f", {tally.pending} en cours" if lang == "fr" else f", {tally.pending} pending"
    return text


def _counts(counts: dict[str, int], table: dict[str, dict[str, str]] | None,
            lang: str) -> str:
    names = [(i18n.label(table, k, lang) if table else k, n) for k, n in counts.items() if n]
    separator = " : " if lang == "fr" else ": "
    return ", ".join(f"{name}{separator}{n}" for name, n in names)


def text(report: Report, config: Config, lang: str, *, tz: tzinfo, csv_name: str) -> str:
    tag = config.mail.tag_prefix
    cutoff = min(report.end, report.now)
    return compose.render(
        "report", lang, month_name=month_name(report.month, lang),
        opened=report.opened, closed=report.closed,
        opened_by_type=_counts(report.opened_by_type, i18n.TYPE_LABELS, lang),
        opened_by_priority=_counts(report.opened_by_priority, None, lang),
        closed_by_type=_counts(report.closed_by_type, i18n.TYPE_LABELS, lang),
        closed_by_priority=_counts(report.closed_by_priority, None, lang),
        targets=[{"priority": p,
                  "first_response": tally_text(report.targets[p]["first_response"], lang),
                  "resolution": tally_text(report.targets[p]["resolution"], lang)}
                 for p in PRIORITIES],
        urgent={"requested": report.urgent_requested, "granted": report.urgent_granted,
                "demoted": report.urgent_demoted},
        escalations=list(report.escalations.items()),
        mass_incidents=[{"tag": format_tag(t.number, tag), "subject": t.subject, "reports": n}
                        for t, n in report.mass_incidents],
        oldest=[{"tag": format_tag(t.number, tag), "priority": t.priority or "-",
                 "created": i18n.format_date(t.created_at, lang, tz=tz),
                 "status": i18n.label(i18n.TEAM_STATUS_LABELS, t.status, lang),
                 "subject": t.subject} for t in report.oldest_open],
        cutoff=i18n.format_date(cutoff.isoformat(), lang, tz=tz),
        still_open=report.still_open, month_over=cutoff >= report.end,
        generated=i18n.format_date(report.now.isoformat(), lang, tz=tz),
        zone=getattr(tz, "key", str(tz)), csv_name=csv_name)


def csv_name(report: Report) -> str:
    return f"tickets-{report.month}.csv"


def subject(report: Report, lang: str) -> str:
    name = month_name(report.month, lang)
    return (f"Rapport mensuel du support : {name}" if lang == "fr"
            else f"Monthly support report: {name}")


def mail(report: Report, chart: Chart, config: Config, now: datetime, *,
         recipients: Sequence[str], tz: tzinfo) -> OutgoingMail:
    lang = config.mail.language
    domain = config.bot_address.rpartition("@")[2] or "mailbot.invalid"
    name = csv_name(report)
    image = MIMEBase("image", "png")
    image.set_payload(chart.png)
    encoders.encode_base64(image)
    image.add_header("Content-Disposition", "inline", filename=f"report-{report.month}.png")
    image.add_header("Content-ID", f"<chart-{report.month}@{domain}>")
    table = MIMEText(csv_text(report), "csv", "utf-8")
    table.add_header("Content-Disposition", "attachment", filename=name)
    draft = compose.Draft(
        message_id=ids.new_message_id(None, "report", domain), sender=config.bot_address,
        sender_name=config.bot_name, to=list(recipients), subject=subject(report, lang),
        body=text(report, config, lang, tz=tz, csv_name=name), date=now,
        auto_submitted="auto-generated", reply_to=config.team_address or None,
        parts=(image, table), envelope=envelope_sender(None, list(recipients), config))
    return _outgoing("report", None, draft, now)
