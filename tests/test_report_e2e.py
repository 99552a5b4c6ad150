"""The monthly report end to end: a month of mail through a real Dovecot and a real SMTP
server, then `mailbot report` whose figures are recounted from `mailbot tickets --json`; its
mail (`--mail`) with the chart decoded as a PNG whose bars are the report's numbers and the CSV's
rows the month's tickets; and the daemon's own monthly mail, sent once across restarts."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from mailbot.report.chart import SERIES_KEY
from tests.harness import PARIS, TECHS, env, mail, mailbot, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer

pytestmark = pytest.mark.e2e
MANAGERS = ["resp.support@groupe-exemple.fr", "dsi@groupe-exemple.fr"]
REPORT = f"""
[report]
enabled = true
recipients = {json.dumps(MANAGERS)}
at = "09:00"
"""
END = datetime(2026, 11, 30, 17, 0, tzinfo=PARIS)


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Path:
    # The shipped calendar (Europe/Paris, Monday to Friday, French holidays), no digest.
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules="",
                       extra=REPORT + "\n[digest]\nenabled = false\n")


def run_at(rules: Path, dovecot: DovecotServer, when: datetime) -> None:
    mailbot("run", "--once", "--config", str(rules), "--now", when.isoformat(),
            environ=env(dovecot))


def a_month_of_mail(rules: Path, dovecot: DovecotServer) -> None:
    """October's last ticket, then November: requests, URGENT ones, answers and closures."""
    days = [(datetime(2026, 10, 30, 10, 0, tzinfo=PARIS), ["Souris cassée"]),
            (datetime(2026, 11, 2, 10, 0, tzinfo=PARIS),
             ["Imprimante bloquée", "URGENT serveur de fichiers inaccessible"]),
            (datetime(2026, 11, 12, 10, 0, tzinfo=PARIS),
             ["Demande de nouveau poste", "URGENT changer mon fond d'écran"]),
            (datetime(2026, 11, 24, 10, 0, tzinfo=PARIS), ["Outlook ne démarre plus"])]
    for n, (when, subjects) in enumerate(days):
        for i, subject in enumerate(subjects):
            dovecot.append(mail(sender=f"employe{n}{i}@groupe-exemple.fr", subject=subject,
                                body=f"Bonjour,\n\n{subject} depuis ce matin.\n\nMerci\n",
                                date=when))
        run_at(rules, dovecot, when)
        if n in (1, 2):  # a technician answers the first ticket of the day, the next day
            number = max(t["number"] for t in tickets(rules)) - len(subjects) + 1
            dovecot.append(mail(sender=TECHS[0], subject=f"Re: [#{number}] suite",
                                body="#close C'est réparé.\n"))
            run_at(rules, dovecot, when.replace(day=when.day + 1))


def test_the_reports_figures_are_the_tickets_recounted(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    a_month_of_mail(rules, dovecot)
    args = ["report", "--config", str(rules), "--month", "2026-11", "--now", END.isoformat()]
    figures = json.loads(mailbot(*args, "--json").stdout)
    listed = tickets(rules)
    nov = [t for t in listed if datetime.fromisoformat(t["created_at"]).astimezone(PARIS)
           .strftime("%Y-%m") == "2026-11"]
    closed = [t for t in listed if t["closed_at"] and datetime.fromisoformat(
        t["closed_at"]).astimezone(PARIS).strftime("%Y-%m") == "2026-11"]
    assert figures["opened"] == len(nov) == 5
    assert figures["closed"] == len(closed) == 2
    for priority in ("P1", "P2", "P3", "P4"):
        assert figures["opened_by_priority"][priority] == sum(
            1 for t in nov if t["priority"] == priority)
        mine = [t for t in nov if t["priority"] == priority and t["first_response_due"]]
        met = sum(1 for t in mine if t["first_response_at"]
                  and t["first_response_at"] <= t["first_response_due"])
        late = sum(1 for t in mine if (t["first_response_at"] or END.isoformat())
                   > t["first_response_due"])
        tally = figures["targets"][priority]["first_response"]
        assert (tally["met"], tally["missed"]) == (met, late), priority
    urgent = [t for t in nov if t["urgent_requested"]]
    assert figures["urgent"] == {
        "requested": len(urgent), "demoted": sum(t["urgent_demoted"] for t in urgent),
        "granted": sum(not t["urgent_demoted"] for t in urgent)}
    assert figures["urgent"]["requested"] == 2 and figures["urgent"]["demoted"] == 1
    levels: dict[str, int] = {}
    for t in nov:
        if t["escalation_level"]:
            levels[str(t["escalation_level"])] = levels.get(str(t["escalation_level"]), 0) + 1
    assert figures["escalations"] == levels
    assert figures["mass_incidents"] == [{"number": t["number"], "reports": len(t["children"])}
                                         for t in nov if t["children"]]
    assert figures["closed_by_type"] == {
        kind: sum(1 for t in closed if t["type"] == kind)
        for kind in ("incident", "request", "information")}
    open_then = sorted((t for t in listed if not t["closed_at"]),
                       key=lambda t: (t["created_at"], t["number"]))
    assert figures["oldest_open"] == [t["number"] for t in open_then][:10]
    # What a manager reads says the same.
    text = mailbot(*args).stdout
    assert "Rapport mensuel du support : novembre 2026" in text
    # Which tickets each figure counts, said in words (day 4 item 18).
    assert f"Tickets ouverts dans le mois : {len(nov)} " in text
    assert f"Tickets clos dans le mois : {len(closed)} " in text
    assert figures["still_open"] == len(open_then)
    # Made before the month's end: the count is as of that instant, and says so.
    assert ("Tickets encore ouverts au lundi 30 novembre 2026 à 17:00 : "
            f"{len(open_then)} (ouverts dans le mois ou avant)") in text
    assert "Demandés : 2 ; accordés : 1 ; déclassés : 1" in text


def parts_of(received: ReceivedMail) -> dict[str, object]:
    found: dict[str, object] = {}
    for part in received.message.walk():
        kind = part.get_content_type()
        if kind in ("image/png", "text/csv"):
            found[kind] = part
    return found


def test_the_report_mail_has_its_chart_inline_and_its_csv(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    a_month_of_mail(rules, dovecot)
    args = ["report", "--config", str(rules), "--month", "2026-11", "--now", END.isoformat()]
    figures = json.loads(mailbot(*args, "--json").stdout)
    before = len(smtp_server.messages)
    mailbot(*args, "--mail", environ=env(dovecot))
    [sent] = smtp_server.messages[before:]
    assert sorted(sent.recipients) == sorted(MANAGERS)
    assert "novembre 2026" in str(sent.message["Subject"])
    parts = parts_of(sent)
    png = parts["image/png"]
    assert png.get_content_disposition() == "inline"  # type: ignore[attr-defined]
    image = Image.open(io.BytesIO(png.get_content()))  # type: ignore[attr-defined]
    assert image.format == "PNG" and 600 <= image.size[0] <= 1200 < image.size[1] + 400
    image.load()
    drawn = json.loads(image.text[SERIES_KEY])
    assert drawn["opened"] == [w["opened"] for w in figures["weeks"]]
    assert drawn["closed"] == [w["closed"] for w in figures["weeks"]]
    assert sum(drawn["opened"]) == figures["opened"]
    for name in ("first_response", "resolution"):
        assert drawn[name] == [figures["targets"][p][name]["percent"] or 0.0
                               for p in ("P1", "P2", "P3", "P4")]
    table = parts["text/csv"]
    assert table.get_content_disposition() == "attachment"  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(table.get_content())))  # type: ignore[attr-defined]
    nov = sorted(t["number"] for t in tickets(rules)
                 if datetime.fromisoformat(t["created_at"]).astimezone(PARIS).month == 11)
    assert [int(r["number"]) for r in rows] == nov
    assert {r["first_response"] for r in rows} <= {"met", "missed", "pending", ""}


def test_the_monthly_mail_goes_once_on_the_first_working_day_even_across_restarts(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    a_month_of_mail(rules, dovecot)

    def reports(month: str = "novembre 2026") -> list[ReceivedMail]:
        return [m for m in smtp_server.messages if ".report." in m.message["Message-ID"]
                and month in str(m.message["Subject"])]

    # Monday 2 November was the first working day of November: October's report went then.
    assert len(reports("octobre 2026")) == 1
    run_at(rules, dovecot, datetime(2026, 12, 1, 8, 30, tzinfo=PARIS))  # before [report] at
    assert reports() == []
    # SMTP is down when it is due: the report waits in the outbox, in a file of its own (not in
    # state.json, which every commit rewrites), and goes once SMTP is back.
    smtp_server.drop()
    run_at(rules, dovecot, datetime(2026, 12, 1, 9, 5, tzinfo=PARIS))
    state = rules.parent / "state" / "state.json"
    assert reports() == [] and '.report.' in state.read_text("utf-8")
    assert state.stat().st_size < 64 * 1024
    smtp_server.restore()
    run_at(rules, dovecot, datetime(2026, 12, 1, 9, 6, tzinfo=PARIS))
    [sent] = reports()
    assert sorted(sent.recipients) == sorted(MANAGERS)
    assert "novembre 2026" in str(sent.message["Subject"])
    assert {"image/png", "text/csv"} <= set(parts_of(sent))
    for later in (datetime(2026, 12, 1, 9, 7, tzinfo=PARIS),  # each run is a new process
                  datetime(2026, 12, 1, 15, 0, tzinfo=PARIS),
                  datetime(2026, 12, 2, 9, 5, tzinfo=PARIS)):
        run_at(rules, dovecot, later)
    assert len(reports()) == 1
    assert len(reports("octobre 2026")) == 1
