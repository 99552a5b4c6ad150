"""The SLA clock and the escalation ladder as a third day of use found them (issue 16): a P3
that reached management before its resolution target, a full mailbox that silenced a person for
two months, a clock started when the daemon came back instead of when the mail arrived, held
notices that told last Friday's lateness on Monday. End to end: a real Dovecot, a recording
aiosmtpd server, the real `mailbot` with `--now`, the shipped calendar (Europe/Paris)."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.harness import LADDER, PARIS, TECHS, env, mail, mailbot, show, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import ReceivedMail, RecordingSmtpServer
from tests.test_mail_loop import _dsn as dsn

pytestmark = pytest.mark.e2e

CLAIRE = "claire.martin@groupe-exemple.fr"
CONTACTS = LADDER
HIERARCHICAL = (3, 4, 6, 7)


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Path:
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server, time_rules="")


def run_at(rules: Path, dovecot: DovecotServer, when: datetime) -> subprocess.CompletedProcess:
    return mailbot("run", "--once", "--config", str(rules), "--now", when.isoformat(),
                   environ=env(dovecot))


def escalations(smtp: RecordingSmtpServer) -> list[ReceivedMail]:
    return [m for m in smtp.messages if "Escalade niveau" in m.message["Subject"]]


def level_of(received: ReceivedMail) -> int:
    found = re.search(r"Escalade niveau (\d)", received.message["Subject"])
    assert found is not None
    return int(found.group(1))


def text(received: ReceivedMail) -> str:
    part = received.message.get_body(("plain",))
    assert part is not None
    return " ".join(part.get_content().split())


def working_mornings(start: datetime, days: int) -> list[datetime]:
    out = []
    for n in range(days):
        day = start + timedelta(days=n)
        if day.weekday() < 5:
            out.append(day)
    return out


# --- 1. a P3 reaches management only after its resolution target ----------------------------

def test_a_p3_reaches_no_hierarchical_level_before_its_resolution_target(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """A printer out of order (the SLA procedure's P3) opened on Monday 23 November, never
    answered: the senior specialist (functional) is told the same day; the supervisor, the head
    of service and above (hierarchical) hear nothing before its resolution target (120 working
    hours: Friday 11 December, 18:00) has passed, then come one after the other in the
    procedure's order, each once."""
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
    dovecot.append(mail(date=monday))
    run_at(rules, dovecot, monday)
    ticket = show(rules, 1)
    assert ticket["priority"] == "P3"
    due = datetime.fromisoformat(ticket["resolution_due"])
    assert due == datetime(2026, 12, 11, 18, 0, tzinfo=PARIS)
    passes = [monday.replace(hour=15)] + [
        d.replace(hour=h) for d in working_mornings(monday + timedelta(days=1), 30)
        for h in (10, 16)]
    told: list[tuple[datetime, int]] = []
    for when in passes:
        before = len(escalations(smtp_server))
        run_at(rules, dovecot, when)
        told += [(when, level_of(m)) for m in escalations(smtp_server)[before:]]
    levels = [level for _, level in told]
    assert levels == sorted(set(levels)), told  # the procedure's order, each level once
    assert told[0] == (monday.replace(hour=15), 2)
    early = [(when, level) for when, level in told if level in HIERARCHICAL and when <= due]
    assert early == [], early
    assert 3 in levels and 4 in levels, told
    for level in HIERARCHICAL:
        mails = [m for m in smtp_server.messages if CONTACTS[level] in m.recipients]
        assert len(mails) <= 1, (level, [m.message["Subject"] for m in mails])


# --- 4. a notice held over the week-end tells the lateness of the morning it leaves ----------

def test_an_escalation_reached_on_friday_night_tells_mondays_lateness(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """An URGENT printer (P2) on Friday 4 December at 14:00, never answered: its first answer
    was due at 18:00, when it also reached level 3 (4 working hours). The pass of 20:00 is in
    quiet hours, so level 3 is told on Monday at 09:00, and what it says is Monday's: late by
    2 days 15 hours, not the 2 hours of Friday night."""
    friday = datetime(2026, 12, 4, 14, 0, tzinfo=PARIS)
    dovecot.append(mail(subject="URGENT : imprimante du 2e étage", date=friday))
    run_at(rules, dovecot, friday)
    assert show(rules, 1)["priority"] == "P2"
    run_at(rules, dovecot, friday.replace(hour=15, minute=30))
    assert [level_of(m) for m in escalations(smtp_server)] == [2]
    run_at(rules, dovecot, friday.replace(hour=20))
    assert [level_of(m) for m in escalations(smtp_server)] == [2]
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)
    run_at(rules, dovecot, monday)
    sent = escalations(smtp_server)
    assert [level_of(m) for m in sent] == [2, 3]
    words = text(sent[-1])
    assert "EN RETARD de 2 j 15 h" in words, words
    assert "EN RETARD de 2 h" not in words
    assert show(rules, 1)["escalation_level"] == 3
    run_at(rules, dovecot, monday.replace(hour=10))
    assert [level_of(m) for m in escalations(smtp_server)] == [2, 3]


def test_levels_reached_over_a_week_end_go_as_one_notice_in_order_and_none_once_closed(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Two URGENT tickets on Friday at 16:00; the daemon runs on Friday night and through the
    week-end. On Monday morning the open one's highest level reached goes, once (the lower
    ones named in it, never told after it); the one a technician closed on Saturday sends
    nothing."""
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=PARIS)
    dovecot.append(mail(subject="URGENT : imprimante du 2e étage", date=friday))
    dovecot.append(mail(sender="marc.dubois@groupe-exemple.fr", date=friday,
                        subject="URGENT : scanner du 3e étage"))
    run_at(rules, dovecot, friday)
    for when in (friday.replace(hour=21), friday + timedelta(days=1)):
        run_at(rules, dovecot, when)
    dovecot.append(mail(sender=TECHS[0], subject="Re: [#2] URGENT : scanner du 3e étage",
                        body="#close\nScanner redémarré.\n"))
    run_at(rules, dovecot, friday + timedelta(days=1, hours=2))
    assert show(rules, 2)["status"] == "closed"
    run_at(rules, dovecot, friday + timedelta(days=2))
    assert escalations(smtp_server) == []
    monday = datetime(2026, 12, 7, 14, 0, tzinfo=PARIS)
    run_at(rules, dovecot, monday)
    run_at(rules, dovecot, monday.replace(hour=15))
    sent = escalations(smtp_server)
    assert all("[#1]" in m.message["Subject"] for m in sent), [
        m.message["Subject"] for m in sent]
    levels = [level_of(m) for m in sent]
    assert levels == sorted(set(levels)) and levels[0] == 3, levels  # 2 named inside, once
    assert "niveau 2" in text(sent[0])


# --- 2. a full mailbox blocks for a day; a mail from the address lifts any block --------------

def full_mailbox(ack: ReceivedMail, *, status: str = "5.2.2", mid: str = "<dsn1@mx>") -> bytes:
    """The report of the receiving server: Claire's mailbox is full (RFC 3463 X.2.2)."""
    return dsn(ack.message["Message-ID"], ack.message["Subject"], CLAIRE).replace(
        b"Status: 5.1.1", f"Status: {status}".encode()).replace(
        b"550 5.1.1 user unknown", f"552 {status} mailbox full".encode()).replace(
        b"<dsn1@mx.groupe-exemple.fr>", mid.encode())


def test_a_full_mailbox_silences_for_a_day_and_a_mail_from_the_person_lifts_any_block(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Claire's mailbox is full when her acknowledgement arrives (552 5.2.2): a request made
    for her (her address as Reply-To) the same morning gets no acknowledgement, the team is
    told for how long; the next day it is acknowledged again (a day, not 60). Then her address
    is refused for good (5.1.1), and she writes herself: she is acknowledged, and the block is
    gone for what follows."""
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    for_claire = {"Reply-To": CLAIRE}
    accueil = "accueil@groupe-exemple.fr"

    def acks() -> list[ReceivedMail]:
        return [m for m in smtp_server.messages if CLAIRE in m.recipients]

    dovecot.append(mail(date=monday))
    run_at(rules, dovecot, monday)
    [ack] = acks()
    dovecot.append(full_mailbox(ack))
    run_at(rules, dovecot, monday.replace(minute=5))
    [told] = [m for m in smtp_server.messages if "Échec de remise" in m.message["Subject"]]
    assert "pendant 24 heures ou jusqu'à ce qu'il nous écrive" in text(told), text(told)
    dovecot.append(mail(sender=accueil, subject="Scanner HS", headers=for_claire, date=monday))
    run_at(rules, dovecot, monday.replace(hour=11))
    assert len(acks()) == 1  # blocked: her mailbox is full this morning
    tuesday = monday + timedelta(days=1, hours=1)
    dovecot.append(mail(sender=accueil, subject="Clavier HS", headers=for_claire, date=tuesday))
    run_at(rules, dovecot, tuesday)
    assert len(acks()) == 2, [m.message["Subject"] for m in acks()]

    dovecot.append(full_mailbox(acks()[-1], status="5.1.1", mid="<dsn2@mx>"))
    run_at(rules, dovecot, tuesday.replace(minute=5))
    wednesday = tuesday + timedelta(days=1)
    dovecot.append(mail(subject="Souris HS", date=wednesday))
    run_at(rules, dovecot, wednesday)
    assert "Souris HS" in acks()[-1].message["Subject"]  # she wrote: her mailbox works
    dovecot.append(mail(sender=accueil, subject="Écran HS", headers=for_claire, date=wednesday))
    run_at(rules, dovecot, wednesday.replace(hour=12))
    assert "Écran HS" in acks()[-1].message["Subject"]


# --- 3. a mail taken in late keeps the time it arrived ------------------------------------------

def test_a_mail_taken_in_after_a_stop_starts_its_clock_when_it_reached_the_server(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """Claire's mail reaches the server on Friday 27 November at 10:00 (INTERNALDATE); the
    daemon was stopped and takes it in on Monday at 10:00. Her ticket starts on Friday: its
    first answer (48 working hours) is due on Monday 7 December at 10:00, not a day later. The
    Date she wrote (a week earlier) is not where it starts; an arrival after the pass (a
    server's clock ahead) is the pass."""
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)
    monday = datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
    run_at(rules, dovecot, friday - timedelta(days=1))  # it looked on Thursday, then stopped
    dovecot.append(mail(date=friday - timedelta(days=7)), arrived=friday)
    dovecot.append(mail(sender="marc.dubois@groupe-exemple.fr", subject="Scanner HS",
                        date=monday), arrived=monday + timedelta(hours=5))
    run_at(rules, dovecot, monday)
    claire, marc = show(rules, 1, now=monday), show(rules, 2, now=monday)
    assert claire["created_at"] == "2026-11-27T10:00:00+01:00"
    assert claire["first_response_due"] == "2026-12-07T10:00:00+01:00"
    assert claire["resolution_due"] == "2026-12-18T10:00:00+01:00"
    assert marc["created_at"] == "2026-11-30T10:00:00+01:00"
    # Her first answer is not yet late on Monday: she gets the usual acknowledgement.
    assert [e["state"] for e in claire["sla"]] == ["running", "running"]


def test_a_maildir_mail_taken_in_late_starts_when_its_file_was_delivered(
        tmp_path: Path) -> None:
    """The Maildir intake: the file's time is its delivery (Dovecot's INTERNALDATE there)."""
    rules = write_rules(tmp_path, time_rules="")
    inbox = tmp_path / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)
    mailbot("run", "--once", "--config", str(rules), "--now",  # it looked on Thursday
            (friday - timedelta(days=1)).isoformat())
    path = inbox / "new" / "1796000000.M1P1.mx"
    path.write_bytes(mail(date=friday - timedelta(days=7)))
    os.utime(path, (friday.timestamp(), friday.timestamp()))
    mailbot("run", "--once", "--config", str(rules), "--now",
            datetime(2026, 11, 30, 10, 0, tzinfo=PARIS).isoformat())
    ticket = show(rules, 1)
    assert ticket["created_at"] == "2026-11-27T10:00:00+01:00"
    assert ticket["first_response_due"] == "2026-12-07T10:00:00+01:00"


def test_a_mail_that_was_there_when_the_daemon_last_looked_starts_now(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """A day of use ran the bot with --now ahead of the server's real clock: every ticket
    started at the server's time of delivery, hours or days before the pass, and the ladder
    mailed the supervisor, then the vice-president, "EN RETARD" the moment the tickets were
    opened. A mail that reached the server before the last pass looked (the backlog of the
    first pass ever, a mail moved in from another folder, a restored mailbox) starts when it
    is taken in; only one that came after that pass keeps its arrival."""
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=PARIS)
    # The first pass ever: a mail waiting since Friday is not given the weekend's lateness.
    dovecot.append(mail(subject="Tout l'étage sans réseau", date=monday - timedelta(days=3)),
                   arrived=monday - timedelta(days=3))
    run_at(rules, dovecot, monday)
    assert show(rules, 1)["created_at"] == "2026-11-30T09:00:00+01:00"
    # Delivered at 08:00 (before the 09:00 pass looked), put in the inbox at 10:30.
    dovecot.append(mail(sender="marc.dubois@groupe-exemple.fr", subject="Scanner HS",
                        date=monday - timedelta(hours=1)), arrived=monday - timedelta(hours=1))
    run_at(rules, dovecot, monday + timedelta(hours=2))
    assert show(rules, 2)["created_at"] == "2026-11-30T11:00:00+01:00"
    # Delivered at 11:30, after the 11:00 pass: taken in at 14:00, it keeps 11:30.
    dovecot.append(mail(sender="lea.petit@groupe-exemple.fr", subject="Clavier HS",
                        date=monday), arrived=monday + timedelta(hours=2, minutes=30))
    run_at(rules, dovecot, monday + timedelta(hours=5))
    assert show(rules, 3)["created_at"] == "2026-11-30T11:30:00+01:00"
    # The P1's first notices come from its start on Monday, not from Friday's delivery.
    first = escalations(smtp_server)[0]
    assert level_of(first) == 3 and "retard" not in text(first).lower()


def test_internaldate_answers_are_read_with_their_offset() -> None:
    from mailbot.intake.size import parse_arrivals

    data = [b'1 FETCH (UID 7 INTERNALDATE "27-Nov-2026 10:00:00 +0100")',
            (b'2 FETCH (INTERNALDATE " 1-Dec-2026 08:30:05 -0500" UID 9)', b""),
            b'3 FETCH (UID 11 INTERNALDATE "31-Foo-2026 10:00:00 +0100")', b")"]
    assert parse_arrivals(data) == {
        7: datetime(2026, 11, 27, 10, 0, tzinfo=PARIS),
        9: datetime(2026, 12, 1, 14, 30, 5, tzinfo=PARIS)}  # 13:30:05 UTC


def test_a_notice_held_overnight_is_not_sent_once_a_higher_level_was_told(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """An URGENT printer (P2) on Friday at 14:00; at 22:00 a technician writes #escalate: the
    level-2 notice waits for Monday (quiet hours). Monday's first pass finds level 3 reached
    (4 working hours, Friday 18:00) and tells it: the level-2 notice held since Friday is not
    sent after it, nor at all (each level once, never a lower one after a higher one)."""
    friday = datetime(2026, 12, 4, 14, 0, tzinfo=PARIS)
    dovecot.append(mail(subject="URGENT : imprimante du 2e étage", date=friday))
    run_at(rules, dovecot, friday)
    notice = next(m for m in smtp_server.messages if "Nouveau ticket" in m.message["Subject"])
    dovecot.append(mail(sender=TECHS[0], subject=f"Re: {notice.message['Subject']}",
                        in_reply_to=notice.message["Message-ID"], date=friday,
                        body="#escalate le fournisseur ne répond pas\n"))
    run_at(rules, dovecot, friday.replace(hour=22))
    assert show(rules, 1)["escalation_level"] == 2
    assert escalations(smtp_server) == []
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)
    done = run_at(rules, dovecot, monday)
    run_at(rules, dovecot, monday.replace(hour=9, minute=30))
    assert [level_of(m) for m in escalations(smtp_server)] == [3]
    assert CONTACTS[2] not in {r for m in smtp_server.messages for r in m.recipients}
    assert "not sent: level 3 told since" in done.stderr
