"""RELIABILITY S11: how the tracking page finds a ticket by its token (a digest of the whole
token in the store's index, never the number the token starts with), and the link's expiry
after closure (`[web] link_days_after_close`). Real store in tmp, real aiohttp server."""

from __future__ import annotations

import hashlib
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mailbot import ids
from mailbot import store as stores
from mailbot.batch import Batch
from mailbot.decision import Decision
from mailbot.model import Ticket
from mailbot.runtime import ticket_finder
from mailbot.store import Store
from mailbot.web import WebServer, link_expired, make_app

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _ticket(number: int, **fields: object) -> Ticket:
    values: dict[str, object] = {"created_at": NOW.isoformat(), "updated_at": NOW.isoformat()}
    values.update(fields)
    return Ticket(number=number, subject=f"Panne {number}", requester="claire@groupe-exemple.fr",
                  token=ids.new_token(number), **values)  # type: ignore[arg-type]


def _stored(state: Path, *tickets: Ticket) -> None:
    """The tickets committed as the daemon commits new tickets (through a Batch)."""
    batch = Batch(Store(state, writer=True))
    for ticket in tickets:
        batch.stage(Decision("new_ticket", None, ticket))
    batch.store.commit(batch.commit)


def _near_misses(token: str) -> list[str]:
    number, secret = token.split("-", 1)
    flipped = secret.swapcase() if secret.swapcase() != secret else secret[::-1]
    last = "A" if secret[-1] != "A" else "B"
    return [f"{number}-{flipped}", f"{number}-{secret[:-1]}{last}", f"{number}-{secret}x",
            f"{number}-{secret[:-1]}", f"{int(number) + 1}-{secret}", secret,
            f"0{number}-{secret}"]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[object]]:
    """Every index lookup and ticket read the finder's store makes."""
    calls: dict[str, list[object]] = {"lookup": [], "ticket": []}
    lookup, ticket = stores.Store.lookup, stores.Store.ticket

    def counting_lookup(self: Store, key: str) -> int | None:
        calls["lookup"].append(key)
        return lookup(self, key)

    def counting_ticket(self: Store, number: int) -> Ticket | None:
        calls["ticket"].append(number)
        return ticket(self, number)

    monkeypatch.setattr(stores.Store, "lookup", counting_lookup)
    monkeypatch.setattr(stores.Store, "ticket", counting_ticket)
    return calls


def test_a_near_miss_token_costs_what_a_random_one_costs(
        tmp_path: Path, counted: dict[str, list[object]]) -> None:
    """The lookup is keyed by a digest of the whole token: a guess that shares the ticket's
    number, or all but one character of its secret, is one index miss and no ticket read,
    exactly like a random guess; only the real token reads its ticket."""
    tickets = [_ticket(n) for n in range(1, 6)]
    _stored(tmp_path, *tickets)
    find = ticket_finder(tmp_path)
    real = tickets[2].token
    assert find(real) == tickets[2]
    assert counted["lookup"] == ["tok:" + hashlib.sha256(real.encode()).hexdigest()]
    assert counted["ticket"] == [3]
    for kind, guesses in (("near", _near_misses(real)),
                          ("random", [f"3-{secrets.token_urlsafe(24)}",
                                      secrets.token_urlsafe(24),
                                      f"99-{secrets.token_urlsafe(24)}"])):
        for guess in guesses:
            counted["lookup"].clear(), counted["ticket"].clear()
            assert find(guess) is None, (kind, guess)
            assert counted["lookup"] == [ids.token_key(guess)], (kind, guess)
            assert counted["ticket"] == [], (kind, guess)  # no read: no timing difference


def test_tokens_of_a_state_written_before_the_token_index_are_indexed_at_the_upgrade(
        tmp_path: Path) -> None:
    """Schema 2 had no token index: the writer's start indexes every ticket's token."""
    tickets = [_ticket(n) for n in (1, 2, 150)]
    writer = Store(tmp_path, writer=True)
    writer.commit(stores.Commit(tickets={t.number: t.to_dict() for t in tickets},
                                next_number=151))
    assert ticket_finder(tmp_path)(tickets[2].token) is None  # as schema 2 left it
    writer.commit(stores.Commit(meta={"schema": 2}))
    del writer
    Store(tmp_path, writer=True)
    assert Store(tmp_path).meta("schema") == stores.SCHEMA == 4
    find = ticket_finder(tmp_path)
    assert [find(t.token) for t in tickets] == tickets


def test_link_expiry_counts_days_from_the_closure() -> None:
    closed = _ticket(1, status="closed", closed_at="2026-01-10T10:00:00+01:00")
    at = datetime.fromisoformat("2026-01-10T10:00:00+01:00")
    assert not link_expired(closed, at + timedelta(days=364, hours=23), 365)
    assert link_expired(closed, at + timedelta(days=365), 365)
    assert not link_expired(closed, at + timedelta(days=3650), 0)  # 0: never
    reopened = _ticket(1, status="open", closed_at=None)
    assert not link_expired(reopened, at + timedelta(days=3650), 365)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, dict[str, Ticket]]]:
    old = _ticket(1, status="closed", closed_at="2025-11-20T10:00:00+01:00")
    recent = _ticket(2, status="closed", closed_at="2025-11-25T10:00:00+01:00")
    still_open = _ticket(3, created_at="2024-01-01T10:00:00+01:00")
    _stored(tmp_path, old, recent, still_open)
    server = WebServer(make_app(ticket_finder(tmp_path), clock=lambda: NOW,
                                link_days_after_close=365), "127.0.0.1:0")
    server.start()
    yield (f"http://127.0.0.1:{server.port}",
           {"old": old, "recent": recent, "open": still_open})
    server.stop()


def test_an_expired_link_answers_the_same_404_as_an_unknown_one(
        site: tuple[str, dict[str, Ticket]]) -> None:
    base, tickets = site
    unknown_status, unknown = _get(f"{base}/t/1-{secrets.token_urlsafe(24)}")
    assert unknown_status == 404
    assert _get(f"{base}/t/{tickets['old'].token}") == (404, unknown)  # closed 368 days ago
    status, page = _get(f"{base}/t/{tickets['recent'].token}")  # closed 363 days ago
    assert status == 200 and "Panne 2" in page
    status, page = _get(f"{base}/t/{tickets['open'].token}")  # old but open: no expiry
    assert status == 200 and "Panne 3" in page
