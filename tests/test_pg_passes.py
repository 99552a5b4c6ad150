"""Two daemons' passes on one PostgreSQL database at the same instant (a real cluster,
tests/servers/postgres.py): the race windows of deciding in parallel. Each "daemon" is a store
of its own on its own connection, deciding real messages with the pipeline, as the daemon's
pass does (begin, decide into a Batch, commit); the second one runs in a thread, so that the
test can hold the first one's pass open while the second decides."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mailbot.batch import Batch
from mailbot.config import Config, load
from mailbot.parsers import parse
from mailbot.parsers.tree import message_id_of
from mailbot.pipeline import Decision, decide
from mailbot.storage import StoreConflict, StoreUnavailable
from mailbot.store import ReadAhead, open_store
from mailbot.store.postgres import PgStore
from tests.harness import PARIS, mail
from tests.test_store_postgres import pg_rules

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
CLAIRE = "claire.martin@groupe-exemple.fr"


class Daemon:
    """One daemon's store and configuration (its own state directory and connection)."""

    def __init__(self, tmp_path: Path, dsn: str, name: str) -> None:
        home = tmp_path / name
        home.mkdir()
        self.config: Config = load(pg_rules(home, dsn))
        store = open_store(self.config, writer=True)
        assert isinstance(store, PgStore)
        self.store = store
        self.batch = Batch(store)

    def begin(self) -> None:
        self.store.begin()
        self.batch = Batch(self.store, deadline=self.config.time.index_entry)

    def decide(self, raw: bytes) -> Decision:
        decision = decide(parse(raw, self.config.parse_rules()), raw_path="raw/x.eml",
                          view=self.batch, config=self.config, now=NOW)
        self.batch.stage(decision)
        return decision

    def commit(self) -> None:
        self.store.commit(self.batch.commit)

    def pass_of(self, *raws: bytes) -> list[Decision]:
        self.begin()
        decisions = [self.decide(raw) for raw in raws]
        self.commit()
        return decisions


class Background:
    """A call in a thread: whether it is still waiting, and what it returned or raised."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.result = call()
            except BaseException as exc:  # handed to the test
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def waiting(self, seconds: float) -> bool:
        self.thread.join(seconds)
        return self.thread.is_alive()


@pytest.fixture
def two(tmp_path: Path, postgres_db: str) -> tuple[Daemon, Daemon]:
    a, b = Daemon(tmp_path, postgres_db, "a"), Daemon(tmp_path, postgres_db, "b")
    yield a, b
    a.store.close()
    b.store.close()


def gone(store: PgStore, backend: int) -> None:
    """Wait until the server has ended the session of process `backend` (its locks free)."""
    deadline = time.monotonic() + 10
    while store._read("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,)):
        assert time.monotonic() < deadline, f"backend {backend} still there"
        time.sleep(0.05)


def acknowledgements(store: PgStore) -> list[str]:
    return [m.recipients[0] for m in store.outbox() if m.kind == "acknowledgement"]


def test_a_pass_does_not_wait_for_another_daemons_pass_on_other_mail(
        two: tuple[Daemon, Daemon]) -> None:
    a, b = two
    a.begin()
    first = a.decide(mail(sender="anne@groupe-exemple.fr", subject="Écran noir"))
    other = Background(lambda: b.pass_of(mail(sender="bruno@groupe-exemple.fr",
                                              subject="VPN coupé")))
    assert not other.waiting(10), "the second daemon's pass waited for the first one's"
    assert other.error is None
    a.commit()
    second = other.result[0]
    assert first.action == second.action == "new_ticket"
    assert first.ticket.number != second.ticket.number  # numbered apart, from the sequence
    assert sorted(t.subject for t in a.store.tickets()) == ["VPN coupé", "Écran noir"]
    assert sorted(acknowledgements(a.store)) == ["anne@groupe-exemple.fr",
                                                 "bruno@groupe-exemple.fr"]


def test_a_reply_decided_while_its_original_is_lands_in_its_ticket(
        two: tuple[Daemon, Daemon]) -> None:
    a, b = two
    original = mail(sender=CLAIRE, message_id="<panne-1@groupe-exemple.fr>")
    reply = mail(sender="paul.durand@groupe-exemple.fr", subject="RE: Imprimante HS",
                 in_reply_to="<panne-1@groupe-exemple.fr>",
                 body="Même chose au 3e étage.\n")
    a.begin()
    opened = a.decide(original)
    answer = Background(lambda: b.pass_of(reply))
    assert answer.waiting(1.5), "the reply was decided before its original's pass ended"
    a.commit()
    assert not answer.waiting(10) and answer.error is None
    threaded = answer.result[0]
    assert opened.action == "new_ticket" and threaded.action != "new_ticket"
    assert threaded.ticket is not None and threaded.ticket.number == opened.ticket.number
    stored = a.store.ticket(opened.ticket.number)
    assert [m.direction for m in stored.messages].count("in") == 2
    assert len(list(a.store.tickets())) == 1 and acknowledgements(a.store) == [CLAIRE]


def test_a_reply_decided_before_its_original_waits_for_the_pass_that_fetched_it(
        two: tuple[Daemon, Daemon]) -> None:
    """The daemon's pass holds its batch's Message-IDs before deciding any (the reply may be
    first in the other daemon's batch, the original last in this one's)."""
    a, b = two
    original = mail(sender=CLAIRE, message_id="<panne-2@groupe-exemple.fr>")
    reply = mail(sender=CLAIRE, subject="RE: Imprimante HS",
                 in_reply_to="<panne-2@groupe-exemple.fr>", body="Toujours en panne.\n")
    a.begin()
    a.store.hold_keys([f"mid:{message_id_of(original)}"])
    answer = Background(lambda: b.pass_of(reply))
    assert answer.waiting(1.5), "the reply was decided before its original"
    opened = a.decide(original)
    a.commit()
    assert not answer.waiting(10) and answer.error is None
    assert answer.result[0].ticket.number == opened.ticket.number
    assert len(list(a.store.tickets())) == 1 and acknowledgements(a.store) == [CLAIRE]


def test_a_reply_to_mail_another_daemon_claimed_waits_until_its_pass_has_filed_it(
        two: tuple[Daemon, Daemon]) -> None:
    """Daemon a has claimed the original in the mailbox (its Message-ID held from before the
    claim) and is still downloading it: no pass of a's holds it yet. b's pass deciding the
    reply waits for a's claim, not only for a's pass."""
    a, b = two
    a.store.register("a", "Processing/a")
    b.store.register("b", "Processing/b")
    original = mail(sender=CLAIRE, message_id="<panne-3@groupe-exemple.fr>")
    reply = mail(sender="paul.durand@groupe-exemple.fr", subject="RE: Imprimante HS",
                 message_id="<re-panne-3@groupe-exemple.fr>",
                 in_reply_to="<panne-3@groupe-exemple.fr>", body="Pareil au 3e.\n")
    a.store.hold_claims(["mid:<panne-3@groupe-exemple.fr>"])

    def reply_pass() -> Decision:
        b.begin()
        b.store.hold_keys(["mid:<re-panne-3@groupe-exemple.fr>"], ReadAhead(threads={
            "mid:<re-panne-3@groupe-exemple.fr>": ["mid:<panne-3@groupe-exemple.fr>"]}))
        decision = b.decide(reply)
        b.commit()
        return decision

    answer = Background(reply_pass)
    assert answer.waiting(1.5), "the reply was decided while its original was claimed, unfiled"
    opened = a.pass_of(original)[0]
    assert answer.waiting(1.0), "the reply went on before the claim was released"
    a.store.release_claims()
    assert not answer.waiting(10) and answer.error is None
    assert answer.result.ticket.number == opened.ticket.number
    assert len(list(a.store.tickets())) == 1 and acknowledgements(a.store) == [CLAIRE]


def test_a_message_claimed_twice_is_one_ticket_and_one_acknowledgement(
        two: tuple[Daemon, Daemon]) -> None:
    a, b = two
    raw = mail(sender=CLAIRE, message_id="<deux-fois@groupe-exemple.fr>")
    a.begin()
    first = a.decide(raw)
    again = Background(lambda: b.pass_of(raw))
    assert again.waiting(1.5), "the second copy was decided before the first one's pass ended"
    a.commit()
    assert not again.waiting(10) and again.error is None
    assert first.action == "new_ticket" and again.result[0].action == "duplicate"
    assert len(list(a.store.tickets())) == 1 and acknowledgements(a.store) == [CLAIRE]


def test_a_ticket_number_of_a_pass_rolled_back_goes_to_the_next_ticket(
        two: tuple[Daemon, Daemon]) -> None:
    a, b = two
    a.begin()
    lost = a.decide(mail(sender="anne@groupe-exemple.fr", subject="Écran noir"))
    a.store.rollback()
    kept = a.pass_of(mail(sender="anne@groupe-exemple.fr", subject="Écran noir"))[0]
    other = b.pass_of(mail(sender="bruno@groupe-exemple.fr", subject="VPN coupé"))[0]
    assert kept.ticket.number == lost.ticket.number
    assert sorted(t.number for t in a.store.tickets()) == sorted(
        {kept.ticket.number, other.ticket.number})
    assert a.store.next_number() == max(kept.ticket.number, other.ticket.number) + 1


def test_the_timers_run_in_one_pass_at_a_time(two: tuple[Daemon, Daemon]) -> None:
    a, b = two
    a.begin()
    b.begin()
    assert a.store.take_timers()
    assert not b.store.take_timers()  # skipped, not waited for: b's pass goes on
    a.commit()
    b.commit()
    b.begin()
    assert b.store.take_timers()  # a's pass is over: b's next pass runs them
    b.commit()


def test_two_passes_waiting_for_each_other_both_are_taken_again_and_go_on(
        two: tuple[Daemon, Daemon]) -> None:
    """A deadlock: the server rolls one pass back. The other's wait then ends on a key the
    first did not file (it was rolled back with it: a message this pass's mail may answer,
    decided again next): deciding now would open a ticket beside the original's, so it is
    taken again too. (The two-daemon backlog bench found 5 replies opening tickets of their
    own after one deadlock.)"""
    a, b = two
    connections = (a.store._conn, b.store._conn)
    a.begin()
    b.begin()
    a.store.lookup("mid:<one@groupe-exemple.fr>")
    b.store.lookup("mid:<two@groupe-exemple.fr>")
    crossing = Background(lambda: a.store.lookup("mid:<two@groupe-exemple.fr>"))
    assert crossing.waiting(0.5)
    try:
        b.store.lookup("mid:<one@groupe-exemple.fr>")
        b_error = None
    except StoreConflict as exc:
        b_error = exc
    assert not crossing.waiting(10)
    said = sorted("deadlock" if "deadlock detected" in str(e) else
                  "not filed" if "did not file it; taken again" in str(e) else str(e)
                  for e in (crossing.error, b_error) if isinstance(e, StoreConflict))
    assert said == ["deadlock", "not filed"], (crossing.error, b_error)
    # The connections stay (they hold the instances' locks) and the next passes go on.
    assert (a.store._conn, b.store._conn) == connections
    assert a.pass_of(mail(sender="anne@groupe-exemple.fr"))[0].action == "new_ticket"
    assert b.pass_of(mail(sender="bruno@groupe-exemple.fr"))[0].action == "new_ticket"


def test_a_daemon_starting_waits_while_another_takes_its_mail_back(
        two: tuple[Daemon, Daemon], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = two
    a.store.register("a", "Processing/a")
    b.store.register("b", "Processing/b")
    backend = b.store._connection().info.backend_pid
    b.store.close()  # b's previous run ended: its instance is free to be adopted
    gone(a.store, backend)  # (the server ends b's session a moment after it hung up)
    assert a.store.orphans() == [("b", "Processing/b")]  # a holds b's lock meanwhile
    restart = Background(lambda: b.store.register("b", "Processing/b") or b.store.meta("x"))
    assert restart.waiting(1.5), "b started while a was taking its mail back"
    a.store.adopted("b", done=True)
    assert not restart.waiting(10) and restart.error is None
    # A second daemon under the same name, for real: refused once the wait is over.
    monkeypatch.setattr("mailbot.store.pgshare.ADOPTION_WAIT", "1s")
    third = open_store(b.config, writer=True)
    with pytest.raises(StoreUnavailable, match="held by another daemon"):
        third.register("b", "Processing/b")
    third.close()
