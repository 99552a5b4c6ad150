"""A ticket block kept by the writer as its documents' JSON (issue 18: memory and CPU).

The block's file must be the very bytes a plain JSON encoding of the whole block gives, pass
after pass, whatever was read, changed or added in between; a ticket only read is not kept
parsed once its block is written again, and one not changed is not encoded again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailbot import storage
from mailbot.model import Entry, Ticket
from mailbot.storage import EncodedTable
from mailbot.store import Commit, Store


def _ticket(number: int, subject: str = "Imprimante HS", text: str = "Bonjour") -> dict:
    return Ticket(number=number, subject=subject, requester="claire@groupe-exemple.fr",
                  token=f"{number}-" + "a" * 32, created_at="2026-11-23T09:00:00+01:00",
                  updated_at="2026-11-23T09:00:00+01:00",
                  messages=[Entry(message_id=f"<m{number}@x>", author="claire@groupe-exemple.fr",
                                  kind="request", date="2026-11-23T09:00:00+01:00", text=text)],
                  message_ids=[f"<m{number}@x>"]).to_dict()


def _plain(path: Path) -> bytes:
    """What the whole block encodes to, from what the file holds."""
    data = json.loads(path.read_bytes())
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def test_a_block_written_pass_after_pass_is_the_plain_encoding_of_its_tickets(
        tmp_path: Path) -> None:
    store = Store(tmp_path, writer=True)
    store.commit(Commit(tickets={n: _ticket(n) for n in (1, 2, 3)}))
    assert store.ticket(2).subject == "Imprimante HS"  # read, not changed
    store.commit(Commit(tickets={3: _ticket(3, "Écran noir « au démarrage »"),
                                 4: _ticket(4, text="ligne\nsuivante \\ \"cité\"")}))
    store.commit(Commit(tickets={1: _ticket(1, "Mot de passe expiré")}))
    path = tmp_path / "tickets" / "00000.json"
    assert path.read_bytes() == _plain(path)
    assert list(json.loads(path.read_bytes())["_default"]) == ["1", "2", "3", "4"]
    fresh = Store(tmp_path)  # another process's reader
    assert [fresh.ticket(n).subject for n in (1, 2, 3, 4)] == [
        "Mot de passe expiré", "Imprimante HS", "Écran noir « au démarrage »", "Imprimante HS"]
    assert fresh.ticket(4).messages[0].text == "ligne\nsuivante \\ \"cité\""
    assert store.ticket(3).subject == "Écran noir « au démarrage »"  # the writer, from bytes


def test_only_the_tickets_set_since_the_last_write_are_encoded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    encoded: list[object] = []
    real = storage._dumps
    monkeypatch.setattr(storage, "_dumps", lambda value: encoded.append(value) or real(value))
    table = EncodedTable({str(n): _ticket(n) for n in range(1, 101)})
    first = table.encode()
    assert len(encoded) == 100
    encoded.clear()
    assert table["7"]["number"] == 7  # read: parsed from its JSON
    table["42"] = _ticket(42, "Sage 100 bloqué")
    second = table.encode()
    assert [doc["number"] for doc in encoded] == [42]  # type: ignore[index]
    assert json.loads(second)["_default"]["42"]["subject"] == "Sage 100 bloqué"
    assert json.loads(first)["_default"]["7"] == json.loads(second)["_default"]["7"]
    # What stays parsed: the ticket just written (the outbox reads it next), not the one read.
    assert set(table._docs) == {"42"}


def test_an_unknown_ticket_of_a_block_is_missing_as_in_a_dict() -> None:
    table = EncodedTable({"1": _ticket(1)})
    table.encode()
    assert table.get("2") is None and "2" not in table and len(table) == 1
    del table["1"]
    assert table.encode() == b'{"_default":{}}'
