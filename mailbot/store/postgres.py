"""`PgStore`: the ticket store in a PostgreSQL database, shared by several daemons.

The same reads and the same `Commit` as the TinyDB `Store` (mailbot.store.database); the core
and the daemon do not know which one they talk to. What differs is underneath:

- One pass is one transaction. `begin` opens it and `commit` writes the pass's `Commit` and
  commits; anything that fails rolls the whole pass back. There is no lock on the whole pass:
  the passes of several daemons decide at the same time, and only what two of them could
  decide differently is serialised, by transaction-level advisory locks taken as the pass
  reads it and held until it ends: an index key (a Message-ID, a tracking token) before it is
  looked up, present or not, and a ticket before it is read. A reply whose original is being
  decided by another daemon waits for that pass, then finds its ticket; a message fetched
  twice is known as a duplicate by the second pass; two passes never write the same ticket.
  New tickets take their numbers from a sequence (`next_number` reserves one). The timers
  (escalation, digest, report) run in the pass that gets their lock (`take_timers`); another
  daemon's pass skips them meanwhile. Two passes that wait for each other (a deadlock, found
  by the server in a second) or for too long are `StoreConflict`: one is rolled back and taken
  again at once. The reads of a pass, the lookups and locks of its batch read ahead in two
  exchanges, and the reserved ticket numbers are in mailbot.store.pgahead; its writes go in
  one pipeline.
- Outside a pass a read is a short transaction of its own, without locks. The outbox leases
  and the instances alive are in mailbot.store.pgshare.
- A lost connection (the server stopped, the network cut, max_connections reached) is
  `StoreUnavailable`, a `StateUnwritable`: the daemon stops consuming, the mail stays on the
  server, and the next pass connects again.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from mailbot.model import OutgoingMail, StoredAttachment, Ticket
from mailbot.storage import StoreConflict, StoreUnavailable
from mailbot.store.commit import Commit
from mailbot.store.migrate import current_version, refuse_newer, upgrade
from mailbot.store.pgahead import KEYS, Memo, PassReads
from mailbot.store.pgshare import Sharing
from mailbot.store.pgwrite import write_commit

log = logging.getLogger("mailbot")

# Transaction-level advisory locks of a pass: (KEYS, hashtext(index key)), (TICKETS, number)
# (mailbot.store.pgahead), and TIMERS (one key; 0x..._02 was the lock on whole passes).
TIMERS = 0x6D61696C62_03
# How long a pass waits for another daemon's pass that holds what it needs (a pass takes
# seconds; a daemon cut off mid-pass holds its locks until the server notices).
LOCK_TIMEOUT = "60s"
# The server's errors that say "two passes in each other's way", not "the database is down".
CONFLICTS = (psycopg.errors.DeadlockDetected, psycopg.errors.LockNotAvailable,
             psycopg.errors.SerializationFailure)


class PgStore(PassReads, Sharing):
    kind = "postgresql"

    def __init__(self, conninfo: str, state_dir: Path, *, writer: bool = False,
                 holder: str = "", where: str = "the database", wait: bool = False):
        self.dir = Path(state_dir)  # what stays on this machine (attempts, quarantine copies)
        self.writer = writer
        self.holder = holder  # who leases outbox rows: "<instance>:<pid>"
        self.where = where  # the DSN without its password, for messages
        self._conninfo = conninfo
        self._conn: psycopg.Connection | None = None
        self._in_pass = False
        self._open = False  # a write made outside a pass: its transaction is still open
        self._held: set[tuple[int, int | str]] = set()  # this transaction's advisory locks
        self._free: list[int] = []  # ticket numbers this daemon reserved and has not used
        self._used: list[int] = []  # ... and those the pass used (free again if rolled back)
        self._checked = False  # the schema is checked (and upgraded) on each first connection
        self._instance: tuple[str, str] | None = None  # (name, claim folder) once registered
        self._side: psycopg.Connection | None = None  # mark_sent's, used by courier threads
        self._side_lock = threading.Lock()
        self._claims: set[str] = set()  # keys held for the mail claimed (pgshare.hold_claims)
        self._files: dict[str, bytes] = {}  # kept this pass, written with its commit
        self._memo = Memo()  # what the pass has read (mailbot.store.pgahead)
        self._piped = False  # writing a commit in one pipeline: errors come at its end
        # The messages of the mails the last commit queued, by Message-ID: the outbox hands
        # them to the courier right after it without reading their tickets back.
        self._queued: dict[str, str] = {}
        try:
            self._connection()
        except StoreUnavailable as exc:
            if not wait:
                raise
            # The daemon starts all the same: its passes fail, one alert, until the database
            # answers (then the schema is checked before anything else).
            log.warning("%s; the daemon waits for it", exc)

    def _prepare(self, conn: psycopg.Connection) -> None:
        if self.writer:
            for name in upgrade(conn, self.where):
                log.info("database %s: applied migration %s", self.where, name)
        else:
            refuse_newer(current_version(conn), self.where)
            conn.rollback()
        self._checked = True

    # --- the connection and the pass ---------------------------------------------------------

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            try:
                conn = psycopg.connect(self._conninfo)
                if not self._checked:
                    self._prepare(conn)
                conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
                conn.commit()
                if self._instance is not None:
                    self._hold_instance(conn)
            except psycopg.Error as exc:
                raise StoreUnavailable(f"database {self.where} unreachable: "
                                       f"{_first_line(exc)}") from exc
            self._conn = conn
        return self._conn

    def _run(self, sql: str, args: Any = None) -> psycopg.Cursor:
        """Execute in the current transaction (the pass's, or a new one)."""
        conn = self._connection()
        try:
            return conn.execute(sql.encode(), args)
        except psycopg.Error as exc:
            raise self._failed(exc) from exc

    def _writing(self) -> None:
        """A write outside a pass follows: its transaction stays open until `_end`."""
        if not self._in_pass:
            self._open = True

    def _read(self, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
        if self._in_pass or self._open:
            return self._run(sql, args).fetchall()
        return self._alone(sql, args)  # a read of its own

    def _alone(self, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
        """One statement of its own, outside a pass: in autocommit, one exchange with the
        server rather than three (BEGIN, the statement, then ROLLBACK or COMMIT)."""
        conn = self._connection()
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            rows = self._run(sql, args).fetchall()  # (not expected: a transaction left open)
            self._end(commit=True)
            return rows
        conn.autocommit = True
        try:
            cursor = conn.execute(sql.encode(), args)
            return cursor.fetchall() if cursor.description else []
        except psycopg.Error as exc:
            raise self._failed(exc) from exc
        finally:
            if not conn.closed:
                conn.autocommit = False

    def _held_read(self, space: int, key: int | str, sql: str,
                   args: Any) -> list[tuple[Any, ...]]:
        """`_read`; in a pass, after the lock on one index key or ticket (held to its end), in
        the same round trip: the read sees what another pass that held it left."""
        if not self._in_pass or (space, key) in self._held:
            return self._read(sql, args)
        of = "%s, %s" if isinstance(key, int) else "%s, hashtext(%s)"
        conn = self._connection()
        try:
            with conn.pipeline():
                free = conn.execute(f"SELECT pg_try_advisory_xact_lock({of})".encode(),
                                    (space, key))
                conn.execute(f"SELECT pg_advisory_xact_lock({of})".encode(), (space, key))
                rows = conn.execute(sql.encode(), args).fetchall()
                waited = not free.fetchone()[0]  # type: ignore[index]
        except psycopg.Error as exc:
            raise self._failed(exc) from exc
        self._held.add((space, key))
        if waited and not rows and space == KEYS:
            # Another pass held this key and ended without filing it: it may have been rolled
            # back (a deadlock) with the message this one answers, which it decides again
            # now. Deciding this one as new would split the thread: this pass goes again.
            self._end(commit=False)
            raise StoreConflict(f"database {self.where}: index key {str(key)[:60]!r} held by "
                                "another pass that did not file it; taken again")
        return rows

    def _failed(self, exc: psycopg.Error) -> StoreUnavailable:
        """The transaction is lost. Two passes in each other's way: the connection is fine
        (kept: it holds the instance's lock). Anything else: it may be gone too."""
        if isinstance(exc, CONFLICTS) and self._conn is not None and not self._conn.closed:
            with contextlib.suppress(StoreUnavailable):  # then the connection went too
                self._end(commit=False)
                return StoreConflict(f"database {self.where}: {_first_line(exc)}")
        self._fail()
        return StoreUnavailable(f"database {self.where}: {_first_line(exc)}")

    def _fail(self) -> None:
        """A failed statement: the transaction is lost; so may be the connection."""
        conn, self._conn = self._conn, None
        self._reset(committed=False)
        self._claims = set()  # the session's locks go with it
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def _reset(self, *, committed: bool) -> None:
        self._in_pass = self._open = False
        self._held = set()
        self._memo = Memo()
        if not committed:
            self._files = {}
            self._free = sorted({*self._free, *self._used})  # numbers of tickets not written
        self._used = []

    def _end(self, *, commit: bool) -> None:
        conn = self._conn
        self._reset(committed=commit)
        if conn is None or conn.closed:
            return
        try:
            conn.commit() if commit else conn.rollback()
        except psycopg.Error as exc:
            self._fail()
            raise StoreUnavailable(f"database {self.where}: {_first_line(exc)}") from exc

    def begin(self) -> None:
        """A pass starts: everything up to `commit` (or `rollback`) is one transaction."""
        if self._in_pass or self._open:
            self._end(commit=False)
        self._in_pass = True

    def rollback(self) -> None:
        self._end(commit=False)

    # --- reads ------------------------------------------------------------------------------

    def tickets(self) -> Iterator[Ticket]:
        last = 0
        while True:  # in pages: a long history is not held in memory at once
            rows = self._read("SELECT number, doc FROM mailbot_ticket WHERE number > %s "
                              "ORDER BY number LIMIT 500", (last,))
            for number, doc in rows:
                last = number
                yield Ticket.from_dict(doc)
            if len(rows) < 500:
                return

    def take_timers(self) -> bool:
        """In a pass: whether it runs the timers (escalation, digest, report), i.e. no other
        daemon's pass is running them; the lock is held until the pass ends."""
        if not self._in_pass:
            return True
        row = self._run("SELECT pg_try_advisory_xact_lock(%s)", (TIMERS,)).fetchone()
        return bool(row and row[0])

    def cursor(self, folder: str) -> tuple[int, int] | None:
        value = (self.meta("cursors", {}) or {}).get(folder)
        return (value[0], value[1]) if value else None

    def deadlines(self) -> dict[int, str]:
        return dict(self._read("SELECT number, due FROM mailbot_deadline"))

    def due(self, by: str) -> dict[int, str]:
        """The open tickets whose deadline is at or before `by`: a range of the index."""
        return dict(self._read("SELECT number, due FROM mailbot_deadline "
                               "WHERE due <> '' AND due <= %s", (by,)))

    def outbox(self) -> list[OutgoingMail]:
        rows = self._read("SELECT doc FROM mailbot_outbox ORDER BY message_id")
        return [OutgoingMail.from_dict({**doc, "data": ""}) for (doc,) in rows]

    def outgoing_data(self, mail: OutgoingMail) -> str | None:
        if mail.message_id in self._queued:  # queued by the last commit: as it wrote it
            return self._queued[mail.message_id]
        if not mail.ticket:  # in the row, or (the monthly report) in a file of its own
            rows = self._read("SELECT doc->>'data', doc->>'data_file' FROM mailbot_outbox "
                              "WHERE message_id = %s", (mail.message_id,))
            if rows and rows[0][1]:
                content = self.read_file(rows[0][1])
                return content.decode("utf-8") if content is not None else None
            return (rows[0][0] or None) if rows else None
        ticket = self.ticket(mail.ticket)
        for entry in (ticket.messages if ticket else [])[::-1]:
            if entry.message_id == mail.message_id:
                if entry.data_file:
                    content = self.read_file(entry.data_file)
                    return content.decode("utf-8") if content is not None else None
                return entry.data or None
        return None

    def read_file(self, rel: str) -> bytes | None:
        if rel in self._files:
            return self._files[rel]
        rows = self._read("SELECT content FROM mailbot_file WHERE path = %s", (rel,))
        return bytes(rows[0][0]) if rows else None

    # --- files kept with the tickets --------------------------------------------------------

    def keep_raw(self, raw: bytes, content_hash: str, date_path: str) -> str:
        rel = str(Path("raw") / date_path / f"{content_hash}.eml")
        self._keep(rel, raw)
        return rel

    def keep_file(self, content: bytes, sha256: str) -> str:
        rel = StoredAttachment.path_for(sha256)
        self._keep(rel, content)
        return rel

    def keep(self, rel: str, data: bytes) -> None:
        """A raw message or attachment under its relative path (migrate-store)."""
        self._keep(rel, data)

    def _keep(self, rel: str, data: bytes) -> None:
        # Written with the pass's commit, in its transaction: a pass rolled back leaves no
        # orphan, and a pass's files go in one round trip.
        self._files[rel] = data
        if not self._in_pass:
            self._writing()
            self._flush_files()
            self._end(commit=True)

    def _flush_files(self) -> None:
        files, self._files = self._files, {}
        # In one order in every daemon: two passes keeping the same attachment wait for
        # each other's commit, never for each other at once.
        self._many("INSERT INTO mailbot_file (path, content) VALUES (%s, %s) "
                   "ON CONFLICT (path) DO NOTHING", sorted(files.items()))

    # --- the one write path -----------------------------------------------------------------

    def commit(self, commit: Commit) -> None:
        if not self.writer:
            raise PermissionError("store opened read-only")
        if commit.empty():
            if self._files:
                self._writing()
                self._flush_files()
            self._end(commit=self._in_pass or self._open)  # read, or kept files
            return
        in_pass = self._in_pass
        for attempt in range(1, 4):
            try:
                self._writing()
                self._write(commit)
                self._end(commit=True)
                self._queued = {message_id: mail["data"] for message_id, mail
                                in commit.outbox.items()
                                if mail.get("data") and not mail.get("data_file")}
                return
            except StoreConflict:
                # A commit of its own (outside a pass: what the courier reported at the end
                # of a run, the team's outage mail) decided nothing on what it read: written
                # again. A pass's commit is done again by the daemon, decisions and all.
                if in_pass or attempt == 3:
                    raise

    def _write(self, commit: Commit) -> None:
        """The pass's files and its `Commit`, every statement in one pipeline: one exchange
        with the server (then one more for COMMIT)."""
        conn = self._connection()
        self._piped = True
        try:
            with conn.pipeline():
                self._flush_files()
                write_commit(self._many, commit)
        except psycopg.Error as exc:
            raise self._failed(exc) from exc
        finally:
            self._piped = False

    def _many(self, sql: str, rows: list[Any]) -> None:
        if not rows:
            return
        if self._piped:  # errors are raised at the pipeline's end
            with self._connection().cursor() as cursor:
                cursor.executemany(sql.encode(), rows)
            return
        try:
            with self._connection().cursor() as cursor:
                cursor.executemany(sql.encode(), rows)
        except psycopg.Error as exc:
            raise self._failed(exc) from exc

    def close(self) -> None:
        side, self._side = self._side, None
        if side is not None:
            with contextlib.suppress(psycopg.Error):
                side.close()
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(psycopg.Error):
                conn.rollback()
                conn.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
