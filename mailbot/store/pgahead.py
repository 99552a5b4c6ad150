"""The reads of a pass on PostgreSQL (mailbot.store.postgres), in as few exchanges with the
server as the pass can know them in.

On a loaded machine each exchange is a wait for the server's process to be scheduled, and a
message used to ask a dozen questions one by one (the index, its ticket, the events the rules
count, the loop caps, the meta values). Now:

- `hold_keys`, at the start of a pass, takes the locks of the batch's Message-IDs (one
  statement, in one order) and, in the same exchange, those of the ids they answer that no
  other pass holds (a try: the original may be in another daemon's batch, waited for only
  when its reply asks), and reads what their header sections tell the messages will ask
  (`ReadAhead`): those index keys, every meta value, the senders' recent events and counts of
  automatic mail. A second exchange does the same for the tickets those replies belong to and
  reserves numbers for the new tickets expected.
- What a pass has read is kept until it ends (`Memo`) and not asked again: an index key or a
  ticket is locked by the pass (nobody else writes it meanwhile); the other values are the
  state the pass decides on, as a read at its start would have given.

A message's own key (`mid:<id> content:<identity>`) is known absent without asking when its
`mid:<id>` is held and absent: every handled message writes both (`decision.index_keys`,
and the upgrades of older keys kept both), so the first cannot exist without the second.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import psycopg

from mailbot.model import Ticket
from mailbot.store.ahead import ReadAhead
from mailbot.store.pgshare import CLAIMS

KEYS = 0x6D6C6B79  # "mlky": transaction-level advisory locks on index keys, hashtext(key)
TICKETS = 0x6D6C7478  # "mltx": ... on tickets, by number
_UNKNOWN = object()


class Memo:
    """What the current pass has read (JSON documents as text: each read gets its own copy)."""

    def __init__(self) -> None:
        self.index: dict[str, int | None] = {}
        self.tickets: dict[int, str | None] = {}
        self.meta: dict[str, str | None] | None = None
        self.recent: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.automatic: dict[tuple[str, str], int] = {}

    def key(self, key: str, held: set[tuple[int, int | str]]) -> Any:
        if key in self.index:
            return self.index[key]
        thread, found, _ = key.rpartition(" content:")
        if (found and thread.startswith("mid:") and (KEYS, thread) in held
                and thread in self.index and self.index[thread] is None):
            return None
        return _UNKNOWN


class PassReads:
    """PgStore's reads that a pass keeps (`Memo`) and reads ahead (`hold_keys`)."""

    # Set by PgStore (mailbot.store.postgres).
    writer: bool
    _in_pass: bool
    _held: set[tuple[int, int | str]]
    _free: list[int]
    _used: list[int]
    _memo: Memo
    _instance: tuple[str, str] | None

    if TYPE_CHECKING:
        def _connection(self) -> psycopg.Connection: ...
        def _read(self, sql: str, args: Any = None) -> list[tuple[Any, ...]]: ...
        def _held_read(self, space: int, key: int | str, sql: str,
                       args: Any) -> list[tuple[Any, ...]]: ...
        def _failed(self, exc: psycopg.Error) -> Exception: ...
        def _run(self, sql: str, args: Any = None) -> psycopg.Cursor: ...

    def ticket(self, number: int) -> Ticket | None:
        if number <= 0:
            return None
        if self._in_pass and number in self._memo.tickets:
            text = self._memo.tickets[number]
        else:  # in a pass: no other pass writes it until this one ends
            rows = self._held_read(TICKETS, number, "SELECT doc::text FROM mailbot_ticket "
                                   "WHERE number = %s", (number,))
            text = rows[0][0] if rows else None
            if self._in_pass:
                self._memo.tickets[number] = text
        return Ticket.from_dict(json.loads(text)) if text is not None else None

    def lookup(self, key: str) -> int | None:
        if self._in_pass:
            known = self._memo.key(key, self._held)
            if known is not _UNKNOWN:
                return known  # type: ignore[no-any-return]
        # In a pass: present or not, nobody else files it meanwhile.
        rows = self._held_read(KEYS, key, "SELECT ticket FROM mailbot_index WHERE key = %s",
                               (key,))
        number = rows[0][0] if rows else None
        if self._in_pass:
            self._memo.index[key] = number
        return number

    def meta(self, name: str, default: Any = None) -> Any:
        if not self._in_pass:
            rows = self._read("SELECT value FROM mailbot_meta WHERE name = %s", (name,))
            return rows[0][0] if rows else default
        if self._memo.meta is None:  # a small table: all of it, once a pass
            self._memo.meta = dict(self._read(_META))  # type: ignore[arg-type]
        if name not in self._memo.meta:
            return default
        text = self._memo.meta[name]
        return json.loads(text) if text is not None else None

    def automatic_since(self, recipient: str, since_iso: str) -> int:
        counted = self._memo.automatic.get((recipient, since_iso)) if self._in_pass else None
        if counted is None:
            rows = self._read("SELECT count(*) FROM mailbot_automatic WHERE recipient = %s "
                              "AND at >= %s", (recipient, since_iso))
            counted = int(rows[0][0])
            if self._in_pass:
                self._memo.automatic[(recipient, since_iso)] = counted
        return counted

    def recent(self, table: str, key: str) -> list[dict[str, Any]]:
        events = self._memo.recent.get((table, key)) if self._in_pass else None
        if events is None:
            events = [event for (event,) in self._read(
                "SELECT event FROM mailbot_recent WHERE tbl = %s AND key = %s ORDER BY at",
                (table, key))]
            if self._in_pass:
                self._memo.recent[(table, key)] = events
        return [dict(event) for event in events]

    def next_number(self) -> int:
        """In a pass: the number this daemon has reserved for its next new ticket (from the
        sequence; no other daemon gets it). Otherwise: the number after the highest one
        written (or the counter a copy wrote, migrate-store), read in a transaction."""
        if self._in_pass and self.writer:
            if not self._free:
                row = self._run("SELECT nextval('mailbot_ticket_number')").fetchone()
                self._free = [int(row[0])] if row else []
            return self._free[0]
        rows = self._read("SELECT GREATEST((SELECT (value::text)::integer FROM mailbot_meta "
                          "WHERE name = 'next_number'), (SELECT max(number) + 1 FROM "
                          "mailbot_ticket), 1)")
        return int(rows[0][0])

    def number_taken(self, number: int) -> None:
        """The pass opened ticket `number`: the next gets another (this one again if rolled
        back)."""
        if number in self._free:
            self._free.remove(number)
            self._used.append(number)

    # --- the read-ahead -----------------------------------------------------------------------

    def hold_keys(self, keys: list[str], ahead: ReadAhead | None = None) -> None:
        """At the start of a pass: hold the index keys of the messages it is about to decide
        (their Message-IDs), all at once and in one order; a reply that another daemon
        decides meanwhile waits for this pass, then finds the ticket its original opened.
        Then read what `ahead` says the messages will ask (two exchanges), the ids they answer
        and their tickets if no other pass holds them (else when asked, waiting then)."""
        if not self._in_pass:
            return
        ahead = ahead or ReadAhead()
        threads = sorted({k for key in keys for k in ahead.threads.get(key, ())})
        conn = self._connection()
        mine = {k for space, k in self._held if space == KEYS}
        try:
            with conn.pipeline():
                # Daemons claiming mail: an id answered that another daemon has claimed (its mail
                # being downloaded or decided) is waited for first, holding nothing else.
                claimed = (sorted(set(threads) - set(keys))
                           if self._instance and self._instance[1] else [])
                if claimed:
                    conn.execute(_WAIT_CLAIMS, (CLAIMS, claimed))
                wanted = sorted(set(keys) - mine)
                if wanted:
                    conn.execute(_LOCK_KEYS, (KEYS, wanted))
                # The ids answered: only those no other pass holds (their original may be in
                # its batch); the others are waited for when the message asks, not before.
                tried = sorted(set(threads) - set(keys) - mine)
                got = conn.execute(_TRY_KEYS, (tried, KEYS)) if tried else None
                asked = [*keys, *(f"v1:{k}" for k in keys), *threads]
                index = conn.execute(b"SELECT key, ticket FROM mailbot_index "
                                     b"WHERE key = ANY(%s)", (asked,))
                meta = conn.execute(_META.encode()) if self._memo.meta is None else None
                people = [p for p in ahead.people if p]
                recent = (conn.execute(
                    b"SELECT tbl, key, event FROM mailbot_recent WHERE tbl = ANY(%s) "
                    b"AND key = ANY(%s) ORDER BY at", (list(ahead.tables), people))
                    if people and ahead.tables else None)
                counts = (conn.execute(
                    b"SELECT recipient, count(*) FROM mailbot_automatic WHERE "
                    b"recipient = ANY(%s) AND at >= %s GROUP BY recipient",
                    (people, ahead.since)) if people and ahead.since else None)
            self._held.update((KEYS, k) for k in [*wanted, *(k for (k,) in got or ())])
            known = [k for k in asked if k.startswith("v1:") or (KEYS, k) in self._held]
            self._remember(known, index, meta, recent, counts, ahead, people)
            self._tickets_ahead(keys, ahead)
        except psycopg.Error as exc:
            raise self._failed(exc) from exc

    def _remember(self, asked: list[str], index: psycopg.Cursor, meta: psycopg.Cursor | None,
                  recent: psycopg.Cursor | None, counts: psycopg.Cursor | None,
                  ahead: ReadAhead, people: list[str]) -> None:
        memo = self._memo
        memo.index.update(dict.fromkeys(asked))
        memo.index.update((k, n) for k, n in index.fetchall() if k in memo.index)
        if meta is not None:
            memo.meta = dict(meta.fetchall())
        if recent is not None:
            for table in ahead.tables:
                for person in people:
                    memo.recent[(table, person)] = []
            for table, key, event in recent.fetchall():
                memo.recent[(table, key)].append(event)
        if counts is not None:
            for person in people:
                memo.automatic[(person, ahead.since)] = 0
            memo.automatic.update(((r, ahead.since), int(n)) for r, n in counts.fetchall())

    def _tickets_ahead(self, keys: list[str], ahead: ReadAhead) -> None:
        """The tickets the replies answer that no other pass holds (locked, then read) and
        the numbers of the new tickets expected (messages neither known nor answering a
        known message), in one more exchange."""
        memo = self._memo
        found = {memo.index[k] for key in keys for k in ahead.threads.get(key, ())
                 if memo.index.get(k)} | set(ahead.tickets)
        numbers = sorted(n for n in found if n > 0 and n not in memo.tickets)
        expected = sum(1 for key in keys if memo.index.get(key, 0) is None and all(
            k in memo.index and memo.index[k] is None for k in ahead.threads.get(key, ())))
        reserve = max(0, expected - len(self._free)) if self.writer else 0
        if not numbers and not reserve:
            return
        conn = self._connection()
        with conn.pipeline():
            tried = [n for n in numbers if (TICKETS, n) not in self._held]
            got = (conn.execute(b"SELECT n FROM unnest(%s::integer[]) AS n "
                                b"WHERE pg_try_advisory_xact_lock(%s, n)", (tried, TICKETS))
                   if tried else None)
            docs = (conn.execute(b"SELECT number, doc::text FROM mailbot_ticket "
                                 b"WHERE number = ANY(%s)", (numbers,)) if numbers else None)
            taken = (conn.execute(b"SELECT nextval('mailbot_ticket_number') "
                                  b"FROM generate_series(1, %s)", (reserve,))
                     if reserve else None)
        self._held.update((TICKETS, n) for (n,) in (got.fetchall() if got else ()))
        if docs is not None:  # those held: another pass's are read when asked for
            held = [n for n in numbers if (TICKETS, n) in self._held]
            memo.tickets.update(dict.fromkeys(held))
            memo.tickets.update((n, doc) for n, doc in docs.fetchall() if n in memo.tickets)
        if taken is not None:
            self._free = sorted({*self._free, *(int(n) for (n,) in taken.fetchall())})


_META = "SELECT name, value::text FROM mailbot_meta"
_LOCK_KEYS = (b"SELECT count(pg_advisory_xact_lock(%s, hashtext(k))) FROM "
              b"(SELECT k FROM unnest(%s::text[]) AS k ORDER BY k) AS ordered")
_WAIT_CLAIMS = (b"SELECT count(pg_advisory_xact_lock_shared(%s, hashtext(k))) FROM "
                b"(SELECT k FROM unnest(%s::text[]) AS k ORDER BY k) AS ordered")
_TRY_KEYS = (b"SELECT k FROM unnest(%s::text[]) AS k "
             b"WHERE pg_try_advisory_xact_lock(%s, hashtext(k))")
