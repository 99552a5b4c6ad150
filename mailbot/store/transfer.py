"""`mailbot migrate-store`: copy the tickets between the two stores, TinyDB state directory ->
PostgreSQL (and back), then check the copy.

Everything a store holds is copied: the tickets with their history, the index (incoming
Message-IDs, and the tracking tokens' digests, so that links already mailed keep working), the
open tickets' deadlines, the outbox, the counters and cursors, the automatic mails and the
events the rules count, the raw messages and attachments. The target must be empty. The check
compares the counts of each kind and a sample of tickets, token look-ups and outbox messages.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailbot import ids
from mailbot.storage import read_json
from mailbot.store.commit import Commit
from mailbot.store.database import Store

CHUNK = 500  # tickets (and their index keys) per commit
Say = Callable[[str], None]


class TransferError(Exception):
    """The operator's problem: a non-empty target, or a copy that does not compare equal."""


@dataclass
class Contents:
    """Everything of a store but the tickets and files (which are streamed)."""

    index: dict[str, int] = field(default_factory=dict)
    deadlines: dict[str, str | None] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    outbox: dict[str, dict[str, Any]] = field(default_factory=dict)
    automatic: list[list[str]] = field(default_factory=list)
    recent: list[list[Any]] = field(default_factory=list)


def tinydb_contents(store: Store) -> Contents:
    state = read_json(store.dir / "state.json") or {}
    out = Contents()
    for path in sorted((store.dir / "index").glob("*/*.json")):
        for doc in ((read_json(path) or {}).get("_default", {})).values():
            out.index[doc["key"]] = doc["ticket"]
    out.deadlines = {str(n): d for n, d in store.deadlines().items()}
    out.meta = {d["name"]: d["value"] for d in state.get("meta", {}).values()
                if d.get("name") != "schema"}
    out.outbox = {d["message_id"]: d for d in state.get("outbox", {}).values()}
    out.automatic = [[d["recipient"], at] for d in state.get("automatic", {}).values()
                     for at in d.get("at", [])]
    out.recent = [[name[len("recent_"):], d["key"], event] for name, rows in state.items()
                  if name.startswith("recent_") for d in rows.values()
                  for event in d.get("events", [])]
    return out


def tinydb_files(store: Store) -> Iterator[tuple[str, bytes]]:
    for top in ("raw", "files"):
        for path in sorted((store.dir / top).rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                yield str(path.relative_to(store.dir)), path.read_bytes()


def pg_contents(store: Any) -> Contents:  # a PgStore
    out = Contents()
    out.index = dict(store._read("SELECT key, ticket FROM mailbot_index"))
    out.deadlines = {str(n): d for n, d in store.deadlines().items()}
    out.meta = dict(store._read("SELECT name, value FROM mailbot_meta"))
    out.outbox = {doc["message_id"]: doc
                  for (doc,) in store._read("SELECT doc FROM mailbot_outbox")}
    out.automatic = [list(r) for r in store._read(
        "SELECT recipient, at FROM mailbot_automatic")]
    out.recent = [list(r) for r in store._read("SELECT tbl, key, event FROM mailbot_recent")]
    return out


def pg_files(store: Any) -> Iterator[tuple[str, bytes]]:
    paths = [p for (p,) in store._read("SELECT path FROM mailbot_file ORDER BY path")]
    for rel in paths:
        yield rel, store.read_file(rel)


def copy(source: Any, target: Any, contents: Contents,
         files: Iterator[tuple[str, bytes]], say: Say) -> None:
    """Copy into an empty `target` (TinyDB Store or PgStore)."""
    if target.next_number() > 1 or next(iter(target.tickets()), None) is not None:
        raise TransferError("the target store already holds tickets: refusing to mix two "
                            "helpdesks (empty it, or copy into a new database or directory)")
    tickets = 0
    chunk: dict[int, dict[str, Any]] = {}
    for ticket in source.tickets():
        chunk[ticket.number] = ticket.to_dict()
        if len(chunk) >= CHUNK:
            target.commit(Commit(tickets=chunk))
            tickets, chunk = tickets + len(chunk), {}
    if chunk:
        target.commit(Commit(tickets=chunk))
        tickets += len(chunk)
    say(f"tickets: {tickets} copied")
    kept = 0
    for rel, data in files:
        target.keep(rel, data)
        kept += 1
    say(f"raw messages and attachments: {kept} copied")
    meta = dict(contents.meta)
    next_number = meta.pop("next_number", None)
    cursors = meta.pop("cursors", None) or {}
    keys = list(contents.index.items())
    for start in range(0, len(keys), 5 * CHUNK):
        target.commit(Commit(index=dict(keys[start:start + 5 * CHUNK])))
    target.commit(Commit(deadlines=contents.deadlines, meta=meta, outbox=contents.outbox,
                         automatic=contents.automatic, recent=contents.recent,
                         next_number=next_number, cursors=cursors))
    say(f"index keys {len(keys)}, open deadlines {len(contents.deadlines)}, outbox "
        f"{len(contents.outbox)}, counters and cursors copied")


def check(source: Any, target: Any, source_contents: Contents, target_contents: Contents,
          say: Say, *, sample: int = 50) -> None:
    """Counts of each kind, then a sample of tickets, token look-ups and outbox messages."""
    problems = []
    numbers = [t.number for t in source.tickets()]
    if numbers != [t.number for t in target.tickets()]:
        problems.append("tickets: the numbers differ")
    for kind in ("index", "deadlines", "outbox", "automatic"):
        a, b = getattr(source_contents, kind), getattr(target_contents, kind)
        if len(a) != len(b):
            problems.append(f"{kind}: {len(a)} in the source, {len(b)} in the target")
    if {tuple(r[:2]) for r in source_contents.recent} != {
            tuple(r[:2]) for r in target_contents.recent}:
        problems.append("recent events: the keys differ")
    if source.next_number() != target.next_number():
        problems.append("next ticket number differs")
    for number in random.Random(0).sample(numbers, min(sample, len(numbers))):
        ticket = source.ticket(number)
        copied = target.ticket(number)
        if copied is None or copied.to_dict() != ticket.to_dict():
            problems.append(f"ticket #{number}: differs in the target")
        elif target.lookup(ids.token_key(ticket.token)) != number:
            problems.append(f"ticket #{number}: its tracking link finds nothing in the target")
    for mail in source.outbox()[:sample]:
        if source.outgoing_data(mail) != target.outgoing_data(mail):
            problems.append(f"outbox {mail.message_id}: the message differs in the target")
    if problems:
        raise TransferError("the copy does not compare equal: " + "; ".join(problems[:10]))
    say(f"checked: counts equal, {min(sample, len(numbers))} sampled tickets equal with "
        f"working tracking links, {min(sample, len(source.outbox()))} outbox messages equal")


def migrate(config: Any, *, back: bool, say: Say) -> None:
    """TinyDB (storage.dir) -> PostgreSQL (storage.dsn), or back with `back`."""
    from mailbot.store.backend import conninfo, describe
    from mailbot.store.postgres import PgStore

    tiny = Store(Path(config.state_dir), writer=back)
    pg = PgStore(conninfo(config), config.state_dir, writer=True, where=describe(config))
    source, target = (pg, tiny) if back else (tiny, pg)
    read = pg_contents if back else tinydb_contents
    files = pg_files(pg) if back else tinydb_files(tiny)
    say(f"copying {'PostgreSQL ' + describe(config) if back else 'TinyDB ' + str(tiny.dir)} "
        f"-> {'TinyDB ' + str(tiny.dir) if back else 'PostgreSQL ' + describe(config)}")
    contents = read(source)
    copy(source, target, contents, files, say)
    check(source, target, contents, tinydb_contents(tiny) if back else pg_contents(pg), say)
    pg.close()
    tiny.close()
