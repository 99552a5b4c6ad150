"""`ReadAhead`: what a pass's messages will ask of the store, known before any is parsed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ReadAhead:
    """What a pass's messages will ask of a shared store, as their header sections tell before
    any is parsed (the daemon's pass passes it to `hold_keys` with the batch's Message-ID
    keys): a store of another process (PostgreSQL) reads it for the whole batch at once
    rather than message by message. Only a hint: what it misses is read when asked."""

    threads: dict[str, list[str]] = field(default_factory=dict)  # mid key -> replied ids' keys
    tickets: list[int] = field(default_factory=list)  # numbers our own replied ids name
    people: list[str] = field(default_factory=list)  # senders (and loopguard.ALL)
    tables: tuple[str, ...] = ()  # the recent-event tables read per sender
    since: str = ""  # the start of the loop cap's window (the counts of automatic mail)
