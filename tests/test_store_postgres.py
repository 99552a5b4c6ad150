"""The ticket store on a real PostgreSQL (a private cluster, tests/servers/postgres.py): the
schema's migrations, one pass as one transaction, the outbox leases, the due-time index, and
the program end to end on the database."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from mailbot.config import load
from mailbot.model import Ticket
from mailbot.store import Commit, StateTooNew, open_store
from mailbot.store.migrate import LATEST
from mailbot.store.postgres import PgStore, StoreUnavailable
from tests.harness import PARIS, env, mail, mailbot, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.postgres import PostgresServer
from tests.servers.smtp import RecordingSmtpServer

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)


def pg_rules(tmp_path: Path, dsn: str, **kw: object) -> Path:
    rules = write_rules(tmp_path, **kw)  # type: ignore[arg-type]
    text = rules.read_text().replace(
        "[storage]\n", f'[storage]\nkind = "postgresql"\ndsn = "{dsn}"\n', 1)
    rules.write_text(text)
    return rules


def store_of(tmp_path: Path, dsn: str, *, writer: bool = True) -> PgStore:
    store = open_store(load(pg_rules(tmp_path, dsn)), writer=writer)
    assert isinstance(store, PgStore)
    return store


def ticket(number: int) -> dict:
    return Ticket(number=number, subject=f"Sujet {number}", requester="a@groupe-exemple.fr",
                  token=f"{number}-tok", created_at=NOW.isoformat(),
                  updated_at=NOW.isoformat()).to_dict()


def test_the_schema_is_created_at_start_and_recorded(tmp_path: Path, postgres_db: str,
                                                      postgres: PostgresServer) -> None:
    store_of(tmp_path, postgres_db).close()
    store_of(tmp_path, postgres_db).close()  # a second start applies nothing twice
    with postgres.connect(postgres_db.rsplit("/", 1)[1]) as conn:
        rows = conn.execute("SELECT version, name FROM mailbot_schema ORDER BY 1").fetchall()
    assert rows == [(1, "0001_initial.sql"), (2, "0002_instances.sql"),
                    (3, "0003_ticket_number.sql"), (4, "0004_outbox_sending.sql")
                    ] and LATEST == 4


def test_a_database_written_by_a_newer_mailbot_is_refused(
        tmp_path: Path, postgres_db: str, postgres: PostgresServer,
        dovecot: DovecotServer) -> None:
    store_of(tmp_path, postgres_db).close()
    with postgres.connect(postgres_db.rsplit("/", 1)[1]) as conn:
        conn.execute("INSERT INTO mailbot_schema (version, name) VALUES (%s, 'future.sql')",
                     (LATEST + 1,))
    with pytest.raises(StateTooNew, match="newer mailbot"):
        store_of(tmp_path, postgres_db)
    rules = pg_rules(tmp_path, postgres_db, imap=dovecot)
    dovecot.append(mail())
    done = mailbot("run", "--once", "--config", str(rules), environ=env(dovecot),
                   check=False)
    assert done.returncode != 0 and "newer mailbot" in done.stderr
    assert len(dovecot.messages("INBOX")) == 1  # nothing taken from the mailbox


def test_a_failed_transaction_leaves_nothing_half_written(tmp_path: Path,
                                                          postgres_db: str) -> None:
    store = store_of(tmp_path, postgres_db)
    store.begin()
    raw = store.keep_raw(b"From: x\r\n\r\nbody", "ab" * 32, "2026/11")
    broken = Commit(tickets={1: ticket(1)}, next_number=2,
                    index={"mid:<x@y>": "not a number"})  # type: ignore[dict-item]
    with pytest.raises(StoreUnavailable):
        store.commit(broken)
    assert store.ticket(1) is None and store.next_number() == 1
    assert store.read_file(raw) is None  # the raw copy of the pass went with it
    store.begin()
    store.commit(Commit(tickets={1: ticket(1)}, next_number=2))  # and the store goes on
    assert store.ticket(1) is not None and store.next_number() == 2


def test_an_outbox_row_is_leased_by_one_daemon_until_its_lease_expires(
        tmp_path: Path, postgres_db: str) -> None:
    one, two = store_of(tmp_path, postgres_db), store_of(tmp_path, postgres_db)
    one.holder, two.holder = "a:1", "b:2"
    ids = [f"<m{i}@groupe-exemple.fr>" for i in range(10)]
    one.commit(Commit(outbox={i: {"message_id": i, "kind": "team_notice", "status": "pending",
                                  "recipients": ["x@y.fr"], "data": "x"} for i in ids}))
    first = one.lease(ids[:6], 60)
    second = two.lease(ids, 60)
    assert first == set(ids[:6]) and second == set(ids[6:])  # disjoint, all taken
    assert two.lease(ids, 60) == set(ids[6:])  # a holder keeps its own
    assert one.lease(ids, 0.01) == set(ids[:6])  # renewed, expiring at once
    import time
    time.sleep(0.05)
    assert two.lease(ids, 60) == set(ids)  # expired: taken over (a daemon that died)


def test_the_due_sweep_reads_an_index_range(tmp_path: Path, postgres_db: str,
                                            postgres: PostgresServer) -> None:
    store = store_of(tmp_path, postgres_db)
    store.commit(Commit(deadlines={str(n): f"2027-{1 + n % 12:02d}-01T00:00:00+00:00"
                                   for n in range(1, 20001)}))
    store.commit(Commit(deadlines={"7": "2026-11-01T00:00:00+00:00", "8": ""}))
    assert store.due("2026-11-23T08:30:00+00:00") == {7: "2026-11-01T00:00:00+00:00"}
    with postgres.connect(postgres_db.rsplit("/", 1)[1]) as conn:
        conn.execute("ANALYZE mailbot_deadline")
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT number, due FROM mailbot_deadline WHERE due <> '' "
            "AND due <= '2026-11-23T08:30:00+00:00'"))
    assert "mailbot_deadline_due" in plan and "Seq Scan" not in plan, plan


def test_the_daemon_keeps_its_tickets_in_the_database(
        tmp_path: Path, postgres_db: str, postgres: PostgresServer, dovecot: DovecotServer,
        smtp_server: RecordingSmtpServer) -> None:
    rules = pg_rules(tmp_path, postgres_db, imap=dovecot, smtp=smtp_server)
    dovecot.append(mail(subject="Écran noir"))
    mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat(),
            environ=env(dovecot))
    assert [t["subject"] for t in tickets(rules)] == ["Écran noir"]
    with postgres.connect(postgres_db.rsplit("/", 1)[1]) as conn:
        docs = conn.execute("SELECT doc->>'subject' FROM mailbot_ticket").fetchall()
        files = conn.execute("SELECT count(*) FROM mailbot_file WHERE path LIKE 'raw/%'"
                             ).fetchone()
    assert docs == [("Écran noir",)] and files == (1,)
    assert not (tmp_path / "state" / "tickets").exists()  # nothing in the TinyDB layout
    assert len(smtp_server.messages) == 2  # the acknowledgement and the team's notice


def test_check_config_and_check_connection_know_the_database(
        tmp_path: Path, postgres_db: str, postgres: PostgresServer) -> None:
    rules = pg_rules(tmp_path, postgres_db)
    environ = env(MAILBOT_DB_PASSWORD=postgres.password)
    assert "OK" in mailbot("check-config", "--config", str(rules), environ=environ).stdout
    done = mailbot("check-connection", "--config", str(rules), environ=environ)
    assert f"PostgreSQL {postgres_db}: ok" in done.stdout, done.stdout
    wrong = env(MAILBOT_DB_PASSWORD="wrong")
    done = mailbot("check-connection", "--config", str(rules), environ=wrong, check=False)
    assert done.returncode == 4 and "PostgreSQL" in done.stdout and "FAILED" in done.stdout
    bad = write_rules(tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path)
    bad.write_text(bad.read_text().replace(
        "[storage]\n", '[storage]\nkind = "postgresql"\ndsn = "postgresql://u:pw@h/db"\n', 1))
    done = mailbot("check-config", "--config", str(bad), check=False)
    assert done.returncode != 0 and "storage.dsn: holds a password" in done.stderr


def test_the_password_comes_from_the_environment_not_the_file(
        tmp_path: Path, postgres_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILBOT_DB_PASSWORD")
    assert "MAILBOT_DB_PASSWORD" not in os.environ
    with pytest.raises(StoreUnavailable, match="password"):
        store_of(tmp_path, postgres_db)
    secret = tmp_path / "db-password"
    secret.write_text("s3cret-db\n")
    rules = pg_rules(tmp_path, postgres_db)
    rules.write_text(rules.read_text().replace(
        "[storage]\n", f'[storage]\npassword_file = "{secret}"\n', 1))
    store = open_store(load(rules), writer=True)
    assert store.next_number() == 1


def test_tls_keys_reach_libpq(tmp_path: Path, postgres_db: str) -> None:
    """The test cluster has no TLS: sslmode = "require" must make libpq refuse it."""
    rules = pg_rules(tmp_path, postgres_db)
    rules.write_text(rules.read_text().replace(
        "[storage]\n", '[storage]\nsslmode = "require"\n', 1))
    with pytest.raises(StoreUnavailable, match="SSL"):
        open_store(load(rules), writer=True)
    assert psycopg  # the driver is the one the store uses


def test_a_mail_about_no_ticket_kept_in_a_file_is_read_back(tmp_path: Path,
                                                            postgres_db: str) -> None:
    """The monthly report waits in the outbox with its message in a file of its own."""
    from mailbot.model import OutgoingMail

    store = store_of(tmp_path, postgres_db)
    store.begin()
    body = "Subject: rapport\r\n\r\n" + "x" * 70000
    path = store.keep_file(body.encode(), "cd" * 32)
    mail = {"message_id": "<report@x>", "kind": "report", "status": "pending",
            "recipients": ["equipe-si@groupe-exemple.fr"], "data": "", "data_file": path,
            "ticket": None, "sender": "support@groupe-exemple.fr",
            "created_at": "2026-12-01T08:00:00+01:00"}
    store.commit(Commit(outbox={"<report@x>": mail}))
    queued = store.outbox()
    assert [m.message_id for m in queued] == ["<report@x>"]
    assert store.outgoing_data(OutgoingMail.from_dict({**mail, "data": ""})) == body
