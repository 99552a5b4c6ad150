"""The monthly report's pure parts: its figures from a month of tickets, its chart (a PNG a
phone shows, whose bars are the report's numbers) and its CSV (one row per ticket created in
the month)."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from mailbot import config as configuration
from mailbot.model import Ticket
from mailbot.report import chart, figures, mail, table

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=PARIS)


def month_of_tickets(count: int = 120, seed: int = 7) -> list[Ticket]:
    """Tickets of October to early December, with every kind of outcome."""
    rnd = random.Random(seed)
    out = []
    start = datetime(2026, 10, 20, tzinfo=PARIS)
    for n in range(1, count + 1):
        created = start + timedelta(minutes=rnd.randrange(45 * 24 * 60))
        if created >= NOW:
            created = NOW - timedelta(hours=1)
        first_due, due = created + timedelta(hours=4), created + timedelta(hours=40)
        answered = created + timedelta(hours=rnd.choice([1, 3, 6])) if rnd.random() < .8 else None
        closed = created + timedelta(hours=rnd.choice([5, 30, 70])) if rnd.random() < .6 else None
        if answered and answered > NOW:
            answered = None
        if closed and closed > NOW:
            closed = None
        urgent = rnd.random() < .15
        out.append(Ticket(
            number=n, subject=f"ticket {n}", requester=f"p{n % 9}@example.com", token="x",
            created_at=created.isoformat(), updated_at=created.isoformat(),
            priority=rnd.choice(["P1", "P2", "P3", "P3", "P4"]),
            type=rnd.choice(["incident", "request", "information"]),
            status="closed" if closed else rnd.choice(["new", "open", "waiting"]),
            first_response_due=first_due.isoformat(), resolution_due=due.isoformat(),
            first_response_at=answered.isoformat() if answered else None,
            resolved_at=closed.isoformat() if closed else None,
            closed_at=closed.isoformat() if closed else None,
            urgent_requested=urgent, urgent_demoted=urgent and rnd.random() < .4,
            escalation_level=rnd.choice([0, 0, 0, 1, 2, 3])))
    return out


def test_figures_count_the_month_in_its_time_zone() -> None:
    tickets = month_of_tickets()
    report = figures.compute(tickets, "2026-11", PARIS, NOW)
    nov = [t for t in tickets if datetime.fromisoformat(t.created_at).astimezone(PARIS).month == 11]
    assert report.opened == len(nov) == sum(report.opened_by_type.values())
    assert sum(report.opened_by_priority.values()) == len(nov)
    closed = [t for t in tickets if t.closed_at
              and datetime.fromisoformat(t.closed_at).astimezone(PARIS).month == 11]
    assert report.closed == len(closed) == sum(w.closed for w in report.weeks)
    assert sum(w.opened for w in report.weeks) == len(nov)
    p1 = [t for t in nov if t.priority == "P1"]
    met = sum(1 for t in p1 if t.first_response_at and t.first_response_at <= t.first_response_due)
    assert report.targets["P1"]["first_response"].met == met
    assert report.urgent_requested == sum(t.urgent_requested for t in nov)
    assert report.urgent_granted + report.urgent_demoted == report.urgent_requested
    assert sum(report.escalations.values()) == sum(1 for t in nov if t.escalation_level)
    assert len(report.oldest_open) == 10
    assert [t.number for t in report.oldest_open] == [t.number for t in sorted(
        (t for t in tickets if t.created_at < report.end.isoformat() and (
            t.status != "closed" or t.closed_at > report.end.isoformat())),
        key=lambda t: (t.created_at, t.number))[:10]]
    assert report.still_open == sum(1 for t in tickets if t.created_at < report.end.isoformat()
                                    and (t.status != "closed"
                                         or t.closed_at > report.end.isoformat()))


def test_the_text_says_which_tickets_each_count_is() -> None:
    """"Tickets ouverts : 30" was read as still open (day 4 item 18): each line says which."""
    report = figures.compute(month_of_tickets(), "2026-11", PARIS, NOW)
    config = configuration.load(None)
    fr = mail.text(report, config, "fr", tz=PARIS, csv_name="t.csv")
    assert f"Tickets ouverts dans le mois : {report.opened} (" in fr
    assert f"Tickets clos dans le mois : {report.closed} (" in fr
    assert (f"Tickets encore ouverts à la fin du mois : {report.still_open} "
            "(ouverts dans le mois ou avant)") in fr
    en = mail.text(report, config, "en", tz=PARIS, csv_name="t.csv")
    assert f"Tickets opened in the month: {report.opened} (" in en
    assert f"Tickets still open at the end of the month: {report.still_open} " in en


def test_a_target_met_late_or_overdue_is_missed_one_still_running_is_pending() -> None:
    assert figures.outcome("2026-11-02T10:00:00+01:00", "2026-11-02T09:00:00+01:00", NOW) == "met"
    assert figures.outcome("2026-11-02T10:00:00+01:00", "2026-11-02T11:00:00+01:00",
                           NOW) == "missed"
    assert figures.outcome("2026-11-02T10:00:00+01:00", None, NOW) == "missed"
    assert figures.outcome("2026-12-02T10:00:00+01:00", None, NOW) == "pending"
    assert figures.outcome(None, None, NOW) is None


def test_the_chart_is_a_phone_sized_png_that_draws_the_reports_numbers() -> None:
    report = figures.compute(month_of_tickets(), "2026-11", PARIS, NOW)
    drawn = chart.draw(report, "fr")
    image = Image.open(io.BytesIO(drawn.png))
    assert image.format == "PNG"
    width, height = image.size
    assert 600 <= width <= 1200 and height > width  # portrait, a phone's width
    image.load()
    series = json.loads(image.text[chart.SERIES_KEY])  # read back from the drawn bars
    assert series["opened"] == [w.opened for w in report.weeks]
    assert series["closed"] == [w.closed for w in report.weeks]
    assert series["weeks"] == [w.first_day.strftime("%d/%m") for w in report.weeks]
    assert series["weeks"][0] == "01/11"  # the week that starts in October is named by the 1st
    assert series["priorities"] == ["P1", "P2", "P3", "P4"]
    for name in ("first_response", "resolution"):
        assert series[name] == [report.targets[p][name].percent or 0.0
                                for p in ("P1", "P2", "P3", "P4")]


def test_the_csv_has_one_row_per_ticket_created_in_the_month() -> None:
    tickets = month_of_tickets()
    report = figures.compute(tickets, "2026-11", PARIS, NOW)
    rows = list(csv.DictReader(io.StringIO(table.csv_text(report))))
    assert [int(r["number"]) for r in rows] == [t.number for t in report.created]
    by_number = {t.number: t for t in tickets}
    for row in rows:
        t = by_number[int(row["number"])]
        assert row["created"] == t.created_at and row["priority"] == t.priority
        assert row["first_response_due"] == t.first_response_due
        # A closed ticket was answered by its closure at the latest (day 8: a mass
        # incident's reports closed through it).
        assert row["first_response_done"] == (t.first_answered_at or "")
        assert row["first_response"] == figures.outcome(t.first_response_due,
                                                        t.first_answered_at, NOW)
        assert row["resolution_done"] == (t.resolved_at or "")
    met = sum(1 for r in rows if r["priority"] == "P2" and r["resolution"] == "met")
    assert met == report.targets["P2"]["resolution"].met
