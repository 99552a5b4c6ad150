"""The deadline index: open tickets and their next deadline live in a small file written in
the same commit as the tickets, survive a crash mid-commit, and closed tickets leave it."""

from __future__ import annotations

import json
from pathlib import Path

from mailbot.clock.policy import TimePolicy
from mailbot.config import Config
from mailbot.model import Ticket
from mailbot.store import Commit, Store

POLICY = TimePolicy.from_config(Config())


def _ticket(number: int, **fields: object) -> Ticket:
    ticket = Ticket(number=number, subject="s", requester="a@example.com", token="t" * 32,
                    created_at="2026-11-29T03:00:00+01:00",
                    updated_at="2026-11-29T03:00:00+01:00", priority="P1")
    for name, value in fields.items():
        setattr(ticket, name, value)
    return ticket


def test_the_index_follows_the_tickets_it_describes(tmp_path: Path) -> None:
    store = Store(tmp_path, writer=True)
    open_p1, closed = _ticket(1), _ticket(2, status="closed")
    store.commit(Commit(tickets={1: open_p1.to_dict(), 2: closed.to_dict()},
                        deadlines={"1": POLICY.index_entry(open_p1),
                                   "2": POLICY.index_entry(closed)}))
    # A P1 opened at 03:00 Paris goes up to level 2 at 03:15, i.e. 02:15 UTC.
    assert store.deadlines() == {1: "2026-11-29T02:15:00+00:00"}
    store.commit(Commit(deadlines={"1": None}, meta={"digest_day": "2026-11-30"}))
    assert store.deadlines() == {}
    assert store.meta("digest_day") == "2026-11-30"
    reader = Store(tmp_path)  # another process (mailbot tickets) sees the same
    assert reader.meta("digest_day") == "2026-11-30"


def test_a_commit_interrupted_after_its_journal_is_replayed_with_its_deadlines(
        tmp_path: Path) -> None:
    Store(tmp_path, writer=True)
    journal = {"tickets": {"7": _ticket(7).to_dict()},
               "deadlines": {"7": "2026-12-01T08:00:00+00:00"},
               "meta": {"digest_day": "2026-12-01"}}
    (tmp_path / "journal.json").write_text(json.dumps(journal), encoding="utf-8")
    store = Store(tmp_path, writer=True)  # the next start re-applies the journal
    assert store.deadlines() == {7: "2026-12-01T08:00:00+00:00"}
    assert store.meta("digest_day") == "2026-12-01"
    assert store.ticket(7) is not None
