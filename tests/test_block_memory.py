"""What the store's writer keeps of the ticket blocks (issue 18 §2: peak RSS ≤ 100 MB).

A block is a hundred tickets of about 12 KB of JSON each (the mails sent are in their
history). The writer keeps a few recent blocks, each as its tickets' JSON: a block read back
from its file (a follow-up to an older ticket) holds no parsed ticket but the one read, and
no more blocks are kept than `KEEP_OPEN` says, whatever the history's length."""

from __future__ import annotations

import json
from pathlib import Path

from mailbot.model import Entry, Ticket
from mailbot.store import Commit, Store
from mailbot.store.database import BLOCK, KEEP_OPEN


def _ticket(number: int, subject: str = "Imprimante HS") -> dict:
    return Ticket(number=number, subject=subject, requester="claire@groupe-exemple.fr",
                  token=f"{number}-" + "a" * 32, created_at="2026-11-23T09:00:00+01:00",
                  updated_at="2026-11-23T09:00:00+01:00",
                  messages=[Entry(message_id=f"<m{number}@x>", author="claire@groupe-exemple.fr",
                                  kind="request", date="2026-11-23T09:00:00+01:00",
                                  text="Bonjour")],
                  message_ids=[f"<m{number}@x>"]).to_dict()


def _parsed(store: Store) -> dict[int, int]:
    """Block number -> how many of its tickets the writer holds parsed."""
    out = {}
    for path, db in store._dbs.get("bucket", {}).items():
        table = (db.storage.read() or {}).get("_default")
        out[int(path.stem)] = len(table._docs)
    return out


def test_a_block_read_back_for_one_ticket_holds_only_that_ticket_parsed(
        tmp_path: Path) -> None:
    Store(tmp_path, writer=True).commit(
        Commit(tickets={n: _ticket(n) for n in range(1, BLOCK)}))
    store = Store(tmp_path, writer=True)  # a new process: the block is read from its file
    assert store.ticket(42).subject == "Imprimante HS"
    assert _parsed(store) == {0: 1}


def test_the_writer_keeps_a_bounded_number_of_blocks_and_writes_a_block_read_back_whole(
        tmp_path: Path) -> None:
    store = Store(tmp_path, writer=True)
    blocks = KEEP_OPEN["bucket"] + 3
    for block in range(blocks):  # one pass a block, as a backlog fills them
        store.commit(Commit(tickets={n: _ticket(n) for n in range(
            max(1, block * BLOCK), (block + 1) * BLOCK)}))
    assert len(store._dbs["bucket"]) == KEEP_OPEN["bucket"]
    # A follow-up to a ticket of the first block, long evicted: read back, changed, written.
    store.commit(Commit(tickets={5: _ticket(5, "Imprimante HS (relance)")}))
    path = tmp_path / "tickets" / "00000.json"
    data = json.loads(path.read_bytes())["_default"]
    assert len(data) == BLOCK - 1
    assert data["5"]["subject"] == "Imprimante HS (relance)"
    assert data["6"] == _ticket(6)
    assert path.read_bytes() == json.dumps(
        {"_default": data}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    fresh = Store(tmp_path)
    assert [fresh.ticket(n).subject for n in (4, 5, blocks * BLOCK - 1)] == [
        "Imprimante HS", "Imprimante HS (relance)", "Imprimante HS"]
