"""`PgStore`: the ticket store in a PostgreSQL database, shared by several daemons.

The same reads and the same `Commit` as the TinyDB `Store` (mailbot.store.database); the core
and the daemon do not know which one they talk to. What differs is underneath:

- One pass is one transaction. `begin` opens it; the first statement of the pass takes the pass
  lock (a transaction-level advisory lock), so the passes of several daemons on one database run
  one after the other and each decides on what the previous one committed: one ticket and one
  acknowledgement per mail, a reply threaded into its ticket whoever fetched it, the timers
  (escalation, digest) run by one daemon at a time and never twice. `commit` writes the pass's
  `Commit` and commits; anything that fails rolls the whole pass back.
- Outside a pass a read is a short transaction of its own, without the lock.
- The outbox: a daemon leases a row (`lease`: SELECT ... FOR UPDATE SKIP LOCKED, then a lease
  that expires) before it hands the mail to SMTP; another daemon skips the row while the lease
  holds, and takes it over after a crash once it has expired.
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
from mailbot.storage import StoreUnavailable
from mailbot.store.commit import Commit
from mailbot.store.migrate import current_version, refuse_newer, upgrade
from mailbot.store.pgwrite import write_commit

log = logging.getLogger("mailbot")

PASS_LOCK = 0x6D61696C62_02  # pg_advisory_xact_lock key: "mailb" + 2
INSTANCES = 0x6D6C6274  # first key of the instances' session locks ("mlbt"), then hashtext(name)


class PgStore:
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
        self._locked = False
        self._checked = False  # the schema is checked (and upgraded) on each first connection
        self._instance: tuple[str, str] | None = None  # (name, claim folder) once registered
        self._side: psycopg.Connection | None = None  # mark_sent's, used by courier threads
        self._side_lock = threading.Lock()
        self._files: dict[str, bytes] = {}  # kept this pass, written with its commit
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
                if self._instance is not None:
                    self._hold_instance(conn)
            except psycopg.Error as exc:
                raise StoreUnavailable(f"database {self.where} unreachable: "
                                       f"{_first_line(exc)}") from exc
            self._conn = conn
        return self._conn

    def _run(self, sql: str, args: Any = None, *, lock: bool = False) -> psycopg.Cursor:
        """Execute in the current transaction (the pass's, or a new one)."""
        conn = self._connection()
        try:
            if (self._in_pass or lock) and not self._locked:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (PASS_LOCK,))
                self._locked = True
            return conn.execute(sql.encode(), args)
        except psycopg.Error as exc:
            self._fail()
            raise StoreUnavailable(f"database {self.where}: {_first_line(exc)}") from exc

    def _read(self, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
        rows = self._run(sql, args).fetchall()
        if not self._in_pass and not self._locked:  # a read of its own: end it now
            self._end(commit=False)
        return rows

    def _fail(self) -> None:
        """A failed statement: the transaction is lost; so may be the connection."""
        conn, self._conn = self._conn, None
        self._in_pass = self._locked = False
        self._files = {}
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def _end(self, *, commit: bool) -> None:
        conn = self._conn
        self._in_pass = self._locked = False
        if not commit:
            self._files = {}
        if conn is None or conn.closed:
            return
        try:
            conn.commit() if commit else conn.rollback()
        except psycopg.Error as exc:
            self._fail()
            raise StoreUnavailable(f"database {self.where}: {_first_line(exc)}") from exc

    def begin(self) -> None:
        """A pass starts: everything up to `commit` (or `rollback`) is one transaction."""
        if self._in_pass or self._locked:
            self._end(commit=False)
        self._in_pass = True

    def rollback(self) -> None:
        self._end(commit=False)

    # --- several daemons: who is alive ------------------------------------------------------

    def register(self, name: str, claim_folder: str) -> None:
        """This daemon is instance `name` (claiming into `claim_folder`) for as long as its
        connection lives: a session advisory lock on the name, and a row that says so."""
        self._instance = (name, claim_folder)
        if self._conn is not None and not self._conn.closed:
            try:
                self._hold_instance(self._conn)
            except psycopg.Error as exc:
                self._fail()
                raise StoreUnavailable(f"database {self.where}: {_first_line(exc)}") from exc

    def _hold_instance(self, conn: psycopg.Connection) -> None:
        assert self._instance is not None
        name, folder = self._instance
        row = conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                           (INSTANCES, name)).fetchone()
        if not row or not row[0]:
            conn.close()
            raise StoreUnavailable(f"database {self.where}: instance {name!r} is held by "
                                   f"another daemon (each needs its own [mailbox] instance)")
        conn.execute("INSERT INTO mailbot_instance (name, claim_folder) VALUES (%s, %s) "
                     "ON CONFLICT (name) DO UPDATE SET claim_folder = EXCLUDED.claim_folder, "
                     "started_at = now()", (name, folder))
        conn.commit()

    def orphans(self) -> list[tuple[str, str]]:
        """The instances registered here whose daemon is gone (its lock is free), with their
        claim folders; each is held by this daemon until `adopted`."""
        if self._instance is None:
            return []
        rows = self._read("SELECT name, claim_folder FROM mailbot_instance WHERE name <> %s",
                          (self._instance[0],))
        gone = []
        for name, folder in rows:
            got = self._run("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                            (INSTANCES, name)).fetchone()
            if got and got[0]:
                gone.append((name, folder))
        self._end(commit=True)
        return gone

    def adopted(self, name: str, *, done: bool) -> None:
        """`done`: the instance's claimed mail is back in the watched folder; its outbox
        leases are released and it is forgotten until it starts again. Either way, its lock
        goes."""
        if done:
            self._run("UPDATE mailbot_outbox SET lease_holder = NULL, lease_until = NULL "
                      "WHERE lease_holder LIKE %s", (name.replace("%", r"\%") + ":%",))
            self._run("DELETE FROM mailbot_instance WHERE name = %s", (name,))
        self._run("SELECT pg_advisory_unlock(%s, hashtext(%s))", (INSTANCES, name))
        self._end(commit=True)

    # --- reads ------------------------------------------------------------------------------

    def ticket(self, number: int) -> Ticket | None:
        if number <= 0:
            return None
        rows = self._read("SELECT doc FROM mailbot_ticket WHERE number = %s", (number,))
        return Ticket.from_dict(rows[0][0]) if rows else None

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

    def lookup(self, key: str) -> int | None:
        rows = self._read("SELECT ticket FROM mailbot_index WHERE key = %s", (key,))
        return rows[0][0] if rows else None

    def meta(self, name: str, default: Any = None) -> Any:
        rows = self._read("SELECT value FROM mailbot_meta WHERE name = %s", (name,))
        return rows[0][0] if rows else default

    def next_number(self) -> int:
        return int(self.meta("next_number", 1))

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

    def automatic_since(self, recipient: str, since_iso: str) -> int:
        rows = self._read("SELECT count(*) FROM mailbot_automatic WHERE recipient = %s "
                          "AND at >= %s", (recipient, since_iso))
        return int(rows[0][0])

    def recent(self, table: str, key: str) -> list[dict[str, Any]]:
        rows = self._read("SELECT event FROM mailbot_recent WHERE tbl = %s AND key = %s "
                          "ORDER BY at", (table, key))
        return [event for (event,) in rows]

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
            self._run("SELECT 1", lock=True)
            self._flush_files()
            self._end(commit=True)

    def _flush_files(self) -> None:
        files, self._files = self._files, {}
        self._many("INSERT INTO mailbot_file (path, content) VALUES (%s, %s) "
                   "ON CONFLICT (path) DO NOTHING", list(files.items()))

    # --- the outbox leases ----------------------------------------------------------------

    def lease(self, message_ids: list[str], seconds: float) -> set[str]:
        """Take the rows of these pending mails that no other daemon holds; returns the ids
        taken. The lease ends with the row's next write (sent, deferred) or at its expiry."""
        if not message_ids:
            return set()
        rows = self._run(
            "UPDATE mailbot_outbox SET lease_holder = %(me)s, "
            "lease_until = now() + make_interval(secs => %(secs)s) "
            "WHERE message_id IN (SELECT message_id FROM mailbot_outbox "
            "  WHERE message_id = ANY(%(ids)s) AND status = 'pending' "
            "  AND (lease_until IS NULL OR lease_until < now() OR lease_holder = %(me)s) "
            "  FOR UPDATE SKIP LOCKED) RETURNING message_id",
            {"me": self.holder, "secs": seconds, "ids": message_ids}).fetchall()
        if not self._in_pass:
            self._end(commit=True)
        return {message_id for (message_id,) in rows}

    def mark_sent(self, message_id: str) -> None:
        """The server took this mail: its row goes now (from a courier thread, on a connection
        of its own), so that a daemon killed before its next pass leaves nothing to send twice.
        On failure the next pass records it as usual."""
        with self._side_lock:
            try:
                if self._side is None or self._side.closed:
                    self._side = psycopg.connect(self._conninfo, autocommit=True)
                self._side.execute("DELETE FROM mailbot_outbox WHERE message_id = %s",
                                   (message_id,))
            except psycopg.Error as exc:
                log.warning("could not record %s as sent at once (the pass will): %s",
                            message_id, _first_line(exc))
                self._side = None

    # --- the one write path -----------------------------------------------------------------

    def commit(self, commit: Commit) -> None:
        if not self.writer:
            raise PermissionError("store opened read-only")
        if commit.empty():
            if self._files:
                self._run("SELECT 1", lock=True)
                self._flush_files()
            self._end(commit=self._in_pass or bool(self._locked))  # read, or kept files
            return
        self._run("SELECT 1", lock=True)  # the pass lock, for a commit made outside a pass
        self._flush_files()
        write_commit(self._many, commit)
        self._end(commit=True)

    def _many(self, sql: str, rows: list[Any]) -> None:
        if not rows:
            return
        try:
            with self._connection().cursor() as cursor:
                cursor.executemany(sql.encode(), rows)
        except psycopg.Error as exc:
            self._fail()
            raise StoreUnavailable(f"database {self.where}: {_first_line(exc)}") from exc

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
