"""Several daemons, one mailbox, one PostgreSQL database (storage.kind = "postgresql", the same
rules but their own [mailbox] instance and state directory): every mail one ticket and one
acknowledgement, a reply fetched by any of them in its ticket, each mail sent once, and after a
kill -9 of one mid-burst the others finish its work. Real Dovecot, SMTP and PostgreSQL."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.harness import ROOT, env, mail, mailbot, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.postgres import PostgresServer
from tests.servers.smtp import RecordingSmtpServer

CLAIRE = "claire.martin@groupe-exemple.fr"
FOLDERS = ("INBOX", "Processing.a", "Processing.b", "Processing.c", "mailbot.processed")


def start(rules: Path, dovecot: DovecotServer, log: Path, password: str,
          **more: str) -> subprocess.Popen:
    with open(log, "w") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "mailbot.cli", "-v", "run", "--config", str(rules)],
            cwd=ROOT, env=env(dovecot, MAILBOT_DB_PASSWORD=password, **more),
            stdout=subprocess.DEVNULL, stderr=handle, text=True)


def instance_rules(tmp: Path, name: str, dovecot: DovecotServer, smtp: RecordingSmtpServer,
                   dsn: str) -> Path:
    home = tmp / name
    home.mkdir()
    rules = write_rules(home, imap=dovecot, smtp=smtp)
    keys = f'claim_folder = "Processing"\ninstance = "{name}"\nbatch = 3\n'
    text = rules.read_text().replace("poll_seconds = 1.0\n", f"poll_seconds = 1.0\n{keys}", 1)
    text = text.replace("[storage]\n", f'[storage]\nkind = "postgresql"\ndsn = "{dsn}"\n', 1)
    rules.write_text(text)
    return rules


def wait_until(condition, timeout: float, what) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what() if callable(what) else what
        time.sleep(0.2)


def counts(dovecot: DovecotServer) -> dict[str, int]:
    return {folder: len(dovecot.messages(folder)) for folder in FOLDERS}


def maybe_sent(rules: Path) -> list[dict]:
    """`mailbot outbox --json`'s mails kept as 'maybe sent' (a daemon killed while the SMTP
    server was given them): reported to the operator, not sent again."""
    listed = json.loads(mailbot("outbox", "--json", "--config", str(rules)).stdout)
    return [m for m in listed if m["status"] == "maybe_sent"]


class Daemons:
    def __init__(self, tmp: Path, names: str, dovecot: DovecotServer,
                 smtp: RecordingSmtpServer, postgres: PostgresServer, dsn: str,
                 faults: dict[str, str] | None = None, idle: bool = True,
                 smtp_keys: str = "") -> None:
        self.rules = {n: instance_rules(tmp, n, dovecot, smtp, dsn) for n in names}
        for rules in self.rules.values():
            rules.write_text(rules.read_text().replace("[smtp]\n", f"[smtp]\n{smtp_keys}", 1))
        self.logs = {n: tmp / f"{n}.log" for n in names}
        self.procs = {}
        for n in names:
            more = {"MAILBOT_FAULTS": faults[n]} if faults and n in faults else {}
            self.procs[n] = start(self.rules[n], dovecot, self.logs[n], postgres.password, **more)
        for n in names if idle else ():  # each waits on the inbox before the mail lands
            wait_until(lambda n=n: "IMAP INBOX: idling" in self.logs[n].read_text()
                       or self.procs[n].poll() is not None, 30, lambda n=n: self.log(n))
            assert self.procs[n].poll() is None, self.log(n)

    def log(self, name: str) -> str:
        return self.logs[name].read_text()[-3000:]

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            proc.wait(timeout=60)


def acks(smtp: RecordingSmtpServer) -> list:
    return [m for m in smtp.messages if m.message["Auto-Submitted"] == "auto-replied"]


def test_three_daemons_one_database_every_mail_one_ticket_and_replies_thread(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        postgres: PostgresServer, postgres_db: str) -> None:
    n = 45
    daemons = Daemons(tmp_path, "abc", dovecot, smtp_server, postgres, postgres_db)
    try:
        dovecot.append_many([mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}")
                             for i in range(n)])
        smtp_server.wait_for(2 * n, timeout=120)
        wait_until(lambda: counts(dovecot)["mailbot.processed"] == n, 60,
                   lambda: counts(dovecot))
        first = acks(smtp_server)
        # Each requester answers the acknowledgement: whichever daemon fetches the reply, it
        # lands in the ticket the other one may have opened.
        dovecot.append_many([mail(sender=ack.recipients[0], subject=f"Re: {ack.message['Subject']}",
                                  in_reply_to=ack.message["Message-ID"],
                                  body="Toujours en panne ce matin.\n") for ack in first[:12]])
        wait_until(lambda: counts(dovecot)["mailbot.processed"] == n + 12, 90,
                   lambda: counts(dovecot))
    finally:
        daemons.stop()
    for name, proc in daemons.procs.items():
        assert proc.returncode == 0, daemons.log(name)
    made = tickets(daemons.rules["a"])
    assert sorted(t["subject"] for t in made) == sorted(f"Panne {i}" for i in range(n))
    assert sorted(a.recipients[0] for a in acks(smtp_server)) == sorted(
        f"user{i}@groupe-exemple.fr" for i in range(n))  # one acknowledgement each, no more
    by_requester = {t["requester"]: t["number"] for t in made}
    for ack in first[:12]:
        history = show(daemons.rules["b"], by_requester[ack.recipients[0]])["messages"]
        assert [m["direction"] for m in history].count("in") == 2, history
    handled_by = {name: daemons.logs[name].read_text().count(f"[Processing.{name} ")
                  for name in "abc"}
    assert sum(1 for count in handled_by.values() if count) >= 2, handled_by  # shared work
    assert counts(dovecot)["INBOX"] == 0


def test_kill_9_of_one_daemon_mid_burst_the_others_finish_its_work(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        postgres: PostgresServer, postgres_db: str) -> None:
    n = 60
    daemons = Daemons(tmp_path, "abc", dovecot, smtp_server, postgres, postgres_db)
    try:
        dovecot.append_many([mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}")
                             for i in range(n)])
        # b is killed once it holds claimed mail of its own, in the middle of the burst.
        wait_until(lambda: counts(dovecot)["Processing.b"] > 0
                   and counts(dovecot)["mailbot.processed"] >= 6, 60,
                   lambda: counts(dovecot))
        daemons.procs["b"].send_signal(signal.SIGKILL)
        daemons.procs["b"].wait(timeout=10)
        wait_until(lambda: counts(dovecot)["mailbot.processed"] == n, 120,
                   lambda: (counts(dovecot), daemons.log("a")))
        # Every mail is sent, or kept as 'maybe sent' when b was killed while the server was
        # being given it (then the server may have it or not).
        wait_until(lambda: len({m.message["Message-ID"] for m in smtp_server.messages}
                               | {m["message_id"] for m in maybe_sent(daemons.rules["a"])})
                   >= 2 * n, 120, lambda: (len(smtp_server.messages), daemons.log("a")))
        time.sleep(3)  # a duplicate would come now: a pass or two of both daemons
    finally:
        daemons.stop()
    for name in "ac":
        assert daemons.procs[name].returncode == 0, daemons.log(name)
    assert "instance b is gone" in daemons.logs["a"].read_text() + daemons.logs["c"].read_text()
    made = tickets(daemons.rules["a"])
    assert sorted(t["subject"] for t in made) == sorted(f"Panne {i}" for i in range(n))
    ids = [m.message["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids))  # no duplicate
    kept = maybe_sent(daemons.rules["a"])
    assert len(kept) <= 1, kept  # b had one SMTP session: one mail at most in that window
    unsent = [m for m in kept if m["message_id"] not in ids]
    assert len(ids) + len(unsent) == 2 * n  # no loss: what did not reach the server is listed
    assert sorted([a.recipients[0] for a in acks(smtp_server)]
                  + [m["recipients"][0] for m in unsent if m["kind"] == "acknowledgement"]
                  ) == sorted(f"user{i}@groupe-exemple.fr" for i in range(n))
    assert counts(dovecot) == {"INBOX": 0, "Processing.a": 0, "Processing.b": 0,
                               "Processing.c": 0, "mailbot.processed": n}


def test_kill_of_one_daemon_after_the_server_accepted_a_mail_no_duplicate_and_it_is_reported(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        postgres: PostgresServer, postgres_db: str) -> None:
    """The window SMTP leaves, hit on purpose: b dies as the server accepts its first mail,
    before the outbox row is removed. The survivors take b's work over but do not send that
    mail again (the row was marked as being sent by b): it is 'maybe sent', listed by
    `mailbot outbox`, and named in a survivor's log. Every other mail goes once."""
    n = 24
    # b alone first, so that it has mail of its own: it dies as the server accepts the first
    # mail of its first pass. a and c start then, find b gone and take its work over.
    first = Daemons(tmp_path, "b", dovecot, smtp_server, postgres, postgres_db,
                    faults={"b": "crash:after_accept"}, smtp_keys="connections = 1\n")
    dovecot.append_many([mail(sender=f"user{i}@groupe-exemple.fr", subject=f"Panne {i}")
                         for i in range(n)])
    wait_until(lambda: first.procs["b"].poll() is not None, 90,
               lambda: (counts(dovecot), first.log("b")))
    assert first.procs["b"].returncode == 70, first.log("b")
    assert len(smtp_server.messages) == 1  # the one the server accepted as b died (one worker)
    daemons = Daemons(tmp_path, "ac", dovecot, smtp_server, postgres, postgres_db, idle=False)
    try:
        wait_until(lambda: counts(dovecot)["mailbot.processed"] == n, 120,
                   lambda: (counts(dovecot), daemons.log("a")))
        smtp_server.wait_for(2 * n, timeout=120)  # b's last one is among them
        time.sleep(3)  # a duplicate would come now: a pass or two of both daemons
    finally:
        daemons.stop()
    for name in "ac":
        assert daemons.procs[name].returncode == 0, daemons.log(name)
    ids = [m.message["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids)) == 2 * n  # every mail once: no loss, no duplicate
    [kept] = maybe_sent(daemons.rules["c"])
    assert kept["message_id"] in ids and kept["last_error"].startswith("maybe sent")
    logs = daemons.logs["a"].read_text() + daemons.logs["c"].read_text()
    assert f"maybe sent {kept['kind']} {kept['message_id']}" in logs
    assert "instance b is gone" in logs
    assert sorted(t["subject"] for t in tickets(daemons.rules["a"])) == sorted(
        f"Panne {i}" for i in range(n))
    assert counts(dovecot)["mailbot.processed"] == n


def test_a_reply_fetched_while_another_daemon_holds_its_original_unfiled_lands_in_its_ticket(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer,
        postgres: PostgresServer, postgres_db: str) -> None:
    """The window between a daemon's claim of a mail (moved into its claim folder, being
    downloaded) and its pass: a slow step there (a loaded machine, a large mail) lets the
    other daemon decide a reply to that mail first. Made wide on purpose (a pauses 25 s after
    its fetch)."""
    first = Daemons(tmp_path, "a", dovecot, smtp_server, postgres, postgres_db,
                    faults={"a": "pause:after_fetch:25"})
    second = None
    try:
        dovecot.append_many([mail(sender=CLAIRE, message_id="<imprimante-9@groupe-exemple.fr>")])
        wait_until(lambda: counts(dovecot)["Processing.a"] == 1, 30, lambda: counts(dovecot))
        second = Daemons(tmp_path, "b", dovecot, smtp_server, postgres, postgres_db)
        dovecot.append_many([mail(sender="paul.durand@groupe-exemple.fr",
                                  subject="RE: Imprimante HS", body="Pareil au 3e.\n",
                                  in_reply_to="<imprimante-9@groupe-exemple.fr>")])
        wait_until(lambda: counts(dovecot)["mailbot.processed"] == 2, 90,
                   lambda: (counts(dovecot), first.log("a"), second and second.log("b")))
    finally:
        first.stop()
        if second is not None:
            second.stop()
    assert "[Processing.b " in second.logs["b"].read_text(), second.log("b")  # b took the reply
    made = tickets(first.rules["a"])
    assert len(made) == 1, (made, first.log("a"), second.log("b"))
    history = show(first.rules["a"], made[0]["number"])["messages"]
    assert [m["direction"] for m in history].count("in") == 2, history
    assert [a.recipients[0] for a in acks(smtp_server)] == [CLAIRE]
