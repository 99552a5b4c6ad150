"""Cases of ../shared/RELIABILITY.md that no other test file covers (see tests/RELIABILITY.md):
a `--now` far ahead, the tracking page and the CLI under load during a backlog, and a human
moving mail in the inbox while the daemon runs. Real Dovecot, real SMTP, the real `mailbot`."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from mailbot.store import Store
from tests.harness import PARIS, ROOT, TEAM, env, mail, mailbot, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer, _free_port
from tests.servers.smtp import RecordingSmtpServer

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)


def _run_once(rules: Path, dovecot: DovecotServer | None, now: datetime,
              **more: str) -> subprocess.CompletedProcess[str]:
    return mailbot("run", "--once", "--config", str(rules), "--now", now.isoformat(),
                   environ=env(dovecot, **more))


def test_a_now_far_ahead_sends_each_waiting_mail_once_and_no_burst(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """D12. SMTP was down: six mails wait in the outbox with their back-off. A run a year
    ahead sends each of them once, creates nothing, and runs back at the real date or later
    send nothing more (the clock going back does not make anything due again)."""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    smtp_server.drop()
    dovecot.append_many([mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}")
                         for i in range(3)])
    _run_once(rules, dovecot, NOW)
    assert smtp_server.messages == []
    smtp_server.restore()

    far = _run_once(rules, dovecot, NOW + timedelta(days=365))
    ids = [m.message["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids)), far.stderr  # nothing twice
    # The team notices go once; the acknowledgements, a year late, are dropped as stale (O08).
    assert len([i for i in ids if ".team_notice." in i]) == 3
    assert not [i for i in ids if ".ack." in i]
    assert far.stderr.count("dropped stale acknowledgement") == 3
    assert len(tickets(rules)) == 3
    # A year on, the never-answered tickets have crossed every level of their ladder at once:
    # a burst. ONE notice per ticket, to the top level and the levels passed meanwhile;
    # every level counts as notified (the ladder is done, nothing is due again).
    escalations = [m for m in smtp_server.messages if ".escalation." in m.message["Message-ID"]]
    for ticket in tickets(rules):
        number = ticket["number"]
        [notice] = [m for m in escalations
                    if m.message["Message-ID"].startswith(f"<mailbot.t{number}.")]
        # Level 7, then in copy the levels the notice stands for (2 to 6), once each.
        assert notice.recipients == [
            "vp-operations@example.com", "support-n2@example.com",
            "superviseur-support@example.com", "chef-service-si@example.com",
            "responsable-technique@example.com", "directeur-exploitation@example.com"]
        text = notice.message.get_content()
        assert "niveau 7, Vice-président des opérations client" in text
        assert "Niveaux franchis entre-temps, sans avis séparé" in text
        for level in ("niveau 2, Spécialiste senior", "niveau 3, Superviseur",
                      "niveau 4, Chef de service", "niveau 5, Responsable technique",
                      "niveau 6, Directeur d'exploitation"):
            assert level in text
        shown = show(rules, number)
        assert shown["escalation_level"] == 7
        [entry] = [e for e in shown["messages"] if e["kind"] == "escalation"]
        assert entry["note"].endswith("notified by this notice: 2, 3, 4, 5, 6")
    sent = len(ids)

    _run_once(rules, dovecot, NOW + timedelta(minutes=5))
    _run_once(rules, dovecot, NOW + timedelta(days=366))
    assert len(smtp_server.messages) == sent and len(tickets(rules)) == 3
    assert len(escalations) == 3 == sent - 3


def test_an_acknowledgement_that_could_not_go_out_within_a_day_is_dropped_as_stale(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """O08. SMTP is down when Claire writes and comes back 25 hours later: the ticket was
    created at once; the team notice still goes; "we have received your request", a day late,
    does not, and the log says so. Within the day, it would have gone (second ticket)."""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    smtp_server.drop()
    dovecot.append(mail(message_id="<late-1@groupe-exemple.fr>"))
    _run_once(rules, dovecot, NOW)
    dovecot.append(mail(message_id="<late-2@groupe-exemple.fr>", sender="paul@groupe-exemple.fr"))
    _run_once(rules, dovecot, NOW + timedelta(hours=23))
    assert smtp_server.messages == [] and len(tickets(rules)) == 2
    smtp_server.restore()
    back = _run_once(rules, dovecot, NOW + timedelta(hours=25))
    # (The escalation ladder has started meanwhile: those mails are not the point here.)
    mails = [m for m in smtp_server.messages if ".escalation." not in m.message["Message-ID"]]
    sent = sorted((m.recipients[0], m.message["Auto-Submitted"]) for m in mails)
    assert sent == [("equipe-si@groupe-exemple.fr", "auto-generated")] * 2 + [
        ("paul@groupe-exemple.fr", "auto-replied")]  # two team notices, Paul's acknowledgement
    assert back.stderr.count("dropped stale acknowledgement") == 1
    assert "<mailbot.t1.ack." in back.stderr


def _get(url: str, *, client: str | None = None) -> int:
    """The status of a GET; `client`: claims to be forwarded for that address."""
    headers = {"X-Forwarded-For": client} if client else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:  # refused or reset: counted as a failure, shown as 0
        return 0


def test_a_thousand_tracking_page_reads_and_cli_reads_during_a_backlog(tmp_path: Path) -> None:
    """C03. The daemon works through 300 waiting mails while the tracking page of an earlier
    ticket is read 1,000 times and `mailbot tickets --json` runs in a loop: every page is a 200,
    every listing is whole JSON, and the backlog ends fully ticketed."""
    port = _free_port()
    rules = write_rules(tmp_path, web_port=port)
    # Every read comes from one loopback address: this is a load test of the page, not of its
    # per-address rate limit (S11, tested in test_web), which is turned off here.
    rules.write_text(rules.read_text().replace(f'listen = "127.0.0.1:{port}"\n',
                                               f'listen = "127.0.0.1:{port}"\n'
                                               'requests_per_minute = 0\n'))
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(mail(subject="Premier ticket", message_id="<first@groupe-exemple.fr>"))
    mailbot("run", "--once", "--config", str(rules))
    [first] = tickets(rules)
    url = first["tracking_url"]
    for i in range(300):
        inbox.add(mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}"))

    log = tmp_path / "daemon.log"
    with open(log, "w") as handle:
        daemon = subprocess.Popen([sys.executable, "-m", "mailbot.cli", "run", "--config",
                                   str(rules)], cwd=ROOT, env=env(), stdout=subprocess.DEVNULL,
                                  stderr=handle)
    listings: list[int] = []
    done = threading.Event()

    def list_in_a_loop() -> None:
        while not done.is_set():
            out = mailbot("tickets", "--json", "--config", str(rules)).stdout
            listings.append(len(json.loads(out)))  # a torn file would not parse

    lister = threading.Thread(target=list_in_a_loop)
    try:
        deadline = time.monotonic() + 30
        while _get(url) != 200:  # the page is up once the daemon serves
            assert daemon.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        lister.start()
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(_get, [url] * 1000))
        deadline = time.monotonic() + 120
        while len(list((tmp_path / "processed" / "cur").iterdir())) + len(
                list((tmp_path / "processed" / "new").iterdir())) < 301:
            assert daemon.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        done.set()
        if lister.is_alive():
            lister.join(60)
        daemon.terminate()
        daemon.wait(30)
    assert statuses == [200] * 1000
    assert listings and listings == sorted(listings)  # never a step back, never a torn read
    assert len(tickets(rules)) == 301
    text = log.read_text()
    assert "Traceback" not in text and "tracking page failed" not in text


def test_the_daemon_limits_the_tracking_page_per_address_as_configured(tmp_path: Path) -> None:
    """S11 through the daemon: [web] requests_per_minute reaches the page; X-Forwarded-For
    is not believed unless forwarded_for says a proxy sets it."""
    port = _free_port()
    rules = write_rules(tmp_path, web_port=port)
    rules.write_text(rules.read_text().replace(f'listen = "127.0.0.1:{port}"\n',
                                               f'listen = "127.0.0.1:{port}"\n'
                                               'requests_per_minute = 5\n'))
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(mail(subject="Premier ticket", message_id="<first@groupe-exemple.fr>"))
    mailbot("run", "--once", "--config", str(rules))
    [first] = tickets(rules)
    log = tmp_path / "daemon.log"
    with open(log, "w") as handle:
        daemon = subprocess.Popen([sys.executable, "-m", "mailbot.cli", "run", "--config",
                                   str(rules)], cwd=ROOT, env=env(), stdout=subprocess.DEVNULL,
                                  stderr=handle)
    try:
        deadline = time.monotonic() + 30
        while _get(first["tracking_url"]) == 0:  # refused until the daemon listens
            assert daemon.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        statuses = [_get(first["tracking_url"], client=f"192.0.2.{i}") for i in range(6)]
    finally:
        daemon.terminate()
        daemon.wait(30)
    assert statuses == [200, 200, 200, 200, 429, 429]  # the first read above was the 1st
    text = log.read_text()
    assert text.count("went over 5 requests a minute") == 1 and "Traceback" not in text
    assert "192.0.2" not in text  # no client address in the log


def test_a_human_moving_deleting_and_flagging_inbox_mail_during_a_run(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """C04. While `run --once` works in batches of 10, another client moves, deletes and flags
    random INBOX messages (imaptest-style). Nothing crashes; every message the daemon moved to
    its processed folder has exactly one ticket; no message is ticketed twice; what the human
    left in the inbox is processed."""
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    rules.write_text(rules.read_text().replace('poll_seconds = 1.0\n',
                                               'poll_seconds = 1.0\nbatch = 10\n'))
    raws = [mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}",
                 message_id=f"<human-{i}@groupe-exemple.fr>") for i in range(200)]
    dovecot.append_many(raws)
    dovecot.append(mail(subject="dossier"), folder="Human")  # the human's own folder

    proc = subprocess.Popen([sys.executable, "-m", "mailbot.cli", "run", "--once", "--config",
                             str(rules), "--now", NOW.isoformat()], cwd=ROOT, env=env(dovecot),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    human = dovecot.client()
    chance = random.Random(4)
    actions = 0
    try:
        while proc.poll() is None:
            human.select("INBOX")
            uids = (human.uid("SEARCH", "ALL")[1][0] or b"").split()
            if not uids:
                break
            uid = chance.choice(uids).decode()
            action = chance.choice(["move", "delete", "flag"])
            if action == "move":
                human.uid("MOVE", uid, "Human")
            elif action == "delete":
                human.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
                human.expunge()
            else:
                human.uid("STORE", uid, "+FLAGS", "(\\Flagged \\Seen)")
            actions += 1
    finally:
        human.logout()
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert actions > 5, "the human did not get to act during the run"
    assert "Traceback" not in err and " 0 quarantined," in err

    _run_once(rules, dovecot, NOW)  # a second pass finds nothing left behind
    assert dovecot.messages("INBOX") == []
    first_ids = [t.messages[0].message_id for t in Store(tmp_path / "state").tickets()]
    assert len(first_ids) == len(set(first_ids))  # never two tickets for one message
    processed = {m.raw.split(b"Message-ID: ")[1].split(b"\r\n")[0].decode()
                 for m in dovecot.messages("mailbot.processed")}
    assert processed <= set(first_ids)


def _outbox(tmp_path: Path) -> list[email.message.EmailMessage]:
    box = mailbox.Maildir(tmp_path / "outbox", create=True)
    return [email.message_from_bytes(m.as_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for m in box]


def test_sigterm_in_the_middle_of_a_backlog_loses_nothing_and_doubles_nothing(
        tmp_path: Path) -> None:
    """D11. SIGTERM while 150 waiting mails are being handled: the daemon finishes the message
    in hand and exits 0 well within TimeoutStopSec (60 s); the next run handles the rest. In
    the end every mail has one ticket and one acknowledgement."""
    rules = write_rules(tmp_path)
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    for i in range(150):
        inbox.add(mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}",
                       message_id=f"<term-{i}@groupe-exemple.fr>"))
    log = tmp_path / "daemon.log"
    with open(log, "w") as handle:
        daemon = subprocess.Popen([sys.executable, "-m", "mailbot.cli", "run", "--config",
                                   str(rules)], cwd=ROOT, env=env(), stdout=subprocess.DEVNULL,
                                  stderr=handle)
    deadline = time.monotonic() + 60
    while "new_ticket" not in log.read_text():
        assert daemon.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.02)
    daemon.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    daemon.wait(60)
    assert daemon.returncode == 0 and time.monotonic() - stopped < 60, log.read_text()
    assert "stopped cleanly" in log.read_text()
    assert 0 < len(tickets(rules)) < 150  # it really stopped in the middle
    mailbot("run", "--once", "--config", str(rules))

    assert len(tickets(rules)) == 150
    acks = [m for m in _outbox(tmp_path) if m["Auto-Submitted"] == "auto-replied"]
    assert sorted(str(m["To"]) for m in acks) == sorted(
        f"user{i}@groupe-exemple.fr" for i in range(150))
    assert len(inbox) == 0


def test_l09_an_address_at_the_cap_makes_one_operator_warning_per_window(
        tmp_path: Path) -> None:
    """L09. The cap stops automatic mail to an address: the operator gets one warning line for
    that address per window, not one per mail, and a restart inside the window repeats none."""
    rules = write_rules(tmp_path, extra="max_automatic_mails = 3\n\n[flood]\n"
                                        "max_new_tickets = 100\n")
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)

    def run(count: int, start: int, now: datetime) -> list[str]:
        for i in range(start, start + count):
            inbox.add(mail(sender="robot@partenaire.example", subject=f"Rapport {i}",
                           message_id=f"<robot-{i}@partenaire.example>"))
        done = mailbot("run", "--once", "--config", str(rules), "--now", now.isoformat())
        return [line for line in done.stderr.splitlines()
                if line.startswith("WARNING") and " cap " in line]

    first = run(20, 0, NOW)
    assert len(first) == 1 and "robot@partenaire.example" in first[0], first
    assert run(5, 20, NOW + timedelta(minutes=20)) == []  # restarted, same window
    again = run(5, 25, NOW + timedelta(days=1, minutes=30))  # a new window (a day): 3 acks
    assert len(again) == 1 and "robot@partenaire.example" in again[0], again
    acks = [m for m in _outbox(tmp_path) if str(m["To"]) == "robot@partenaire.example"]
    assert len(acks) == 6 and len(tickets(rules)) == 30
    # The team is told by mail as well, once per address and window.
    alerts = [m for m in _outbox(tmp_path) if str(m["To"]) == TEAM
              and str(m["Subject"]).startswith("Plafond de messages automatiques")]
    assert len(alerts) == 2
    assert all(m["Auto-Submitted"] == "auto-generated" and "robot@partenaire.example" in
               m.get_content() for m in alerts)


def test_a_robot_answering_every_acknowledgement_gets_at_most_the_cap(tmp_path: Path) -> None:
    """L09. An auto-responder that marks nothing (no Auto-Submitted, no threading, a fresh
    subject each time) writes 50 times over four hours: 38 mails at once get exactly
    `[flood] max_new_tickets` (3) acknowledgements, the first three; each later hour lets
    three more through until mail.max_automatic_mails (10) in the day is reached, then
    silence. Every mail is still filed, the log says why each one got no answer, and the team
    is warned once of the flood and once of the cap."""
    rules = write_rules(tmp_path)
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    robot = "robot@partenaire.example"
    sent = 0
    counts, refused = [], 0
    for hour, batch in enumerate([38, 3, 3, 3, 3]):
        for i in range(sent, sent + batch):
            inbox.add(mail(sender=robot, subject=f"Accusé de réception {i}",
                           message_id=f"<robot-{i}@partenaire.example>"))
        sent += batch
        now = NOW + timedelta(minutes=65 * hour)
        done = mailbot("run", "--once", "--config", str(rules), "--now", now.isoformat())
        refused += done.stderr.count("no acknowledgement: ")
        counts.append(len([m for m in _outbox(tmp_path) if str(m["To"]) == robot]))
        if hour == 0:
            first = {str(m["In-Reply-To"]) for m in _outbox(tmp_path) if str(m["To"]) == robot}
            assert first == {f"<robot-{i}@partenaire.example>" for i in range(3)}
    assert counts == [3, 6, 9, 10, 10]
    assert len(tickets(rules)) == 50
    assert refused == 50 - 10
    team = [str(m["Subject"]) for m in _outbox(tmp_path) if str(m["To"]) == TEAM]
    assert sum(s.startswith("Plafond de messages automatiques") for s in team) == 1, team
    assert sum("Trop de nouveaux tickets" in s for s in team) == 1, team


def test_s15_one_address_flooding_is_capped_and_the_other_senders_are_still_served(
        tmp_path: Path) -> None:
    """S15. 300 mails from one address within the hour, five colleagues writing in the middle
    of it: the flooding address gets exactly `[flood] max_new_tickets` (3) acknowledgements and
    the team one warning instead of 297 notices; each colleague gets her acknowledgement and
    the team its notice, as on a quiet day. Every mail is kept (as a ticket of its own)."""
    rules = write_rules(tmp_path)
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    flooder = "alertes@partenaire.example"
    others = [f"collegue{i}@groupe-exemple.fr" for i in range(5)]
    for i in range(300):
        inbox.add(mail(sender=flooder, subject=f"Alerte {i}",
                       message_id=f"<alerte-{i}@partenaire.example>"))
        if i % 60 == 30:
            person = others[i // 60]
            inbox.add(mail(sender=person, subject=f"Mon écran {i}",
                           message_id=f"<{i}@groupe-exemple.fr>"))
    mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat(), timeout=300)
    sent = _outbox(tmp_path)
    assert len([m for m in sent if str(m["To"]) == flooder]) == 3
    for person in others:
        assert len([m for m in sent if str(m["To"]) == person]) == 1, person
    team = [str(m["Subject"]) for m in sent if str(m["To"]) == TEAM]
    assert sum("Trop de nouveaux tickets" in s for s in team) == 1
    assert sum(s.split(" : ", 1)[-1].startswith("Alerte") and "Nouveau ticket" in s
               for s in team) == 3
    assert sorted(s.split(" : ", 1)[-1] for s in team if "Mon écran" in s) == sorted(
        f"Mon écran {i}" for i in range(30, 300, 60))
    assert len(tickets(rules)) == 305
