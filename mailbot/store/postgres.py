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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from mailbot.model import OutgoingMail, StoredAttachment, Ticket
from mailbot.storage import StoreUnavailable
from mailbot.store.commit import MAX_COUNTED, RECENT_KEEP, Commit
from mailbot.store.migrate import LATEST, current_version, refuse_newer, upgrade

log = logging.getLogger("mailbot")

PASS_LOCK = 0x6D61696C62_02  # pg_advisory_xact_lock key: "mailb" + 2


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
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def _end(self, *, commit: bool) -> None:
        conn = self._conn
        self._in_pass = self._locked = False
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
        if not mail.ticket:
            rows = self._read("SELECT doc->>'data' FROM mailbot_outbox WHERE message_id = %s",
                              (mail.message_id,))
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

    def _keep(self, rel: str, data: bytes) -> None:
        # In the pass's transaction: a pass rolled back leaves no orphan.
        self._run("INSERT INTO mailbot_file (path, content) VALUES (%s, %s) "
                  "ON CONFLICT (path) DO NOTHING", (rel, data), lock=True)
        if not self._in_pass:
            self._end(commit=True)

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

    # --- the one write path -----------------------------------------------------------------

    def commit(self, commit: Commit) -> None:
        if not self.writer:
            raise PermissionError("store opened read-only")
        if commit.empty():
            self._end(commit=self._in_pass)  # a pass that only read (or kept files)
            return
        self._write(commit)
        self._end(commit=True)

    def _write(self, c: Commit) -> None:
        run = self._run
        run("SELECT 1", lock=True)  # the pass lock, for a commit made outside a pass
        for number, doc in c.tickets.items():
            run("INSERT INTO mailbot_ticket (number, doc) VALUES (%s, %s) ON CONFLICT (number) "
                "DO UPDATE SET doc = EXCLUDED.doc", (number, Jsonb(doc)))
        for key, number in c.index.items():
            run("INSERT INTO mailbot_index (key, ticket) VALUES (%s, %s) ON CONFLICT (key) "
                "DO UPDATE SET ticket = EXCLUDED.ticket", (key, number))
        for number, due in c.deadlines.items():
            if due is None:
                run("DELETE FROM mailbot_deadline WHERE number = %s", (int(number),))
            else:
                run("INSERT INTO mailbot_deadline (number, due) VALUES (%s, %s) "
                    "ON CONFLICT (number) DO UPDATE SET due = EXCLUDED.due", (int(number), due))
        meta = dict(c.meta)
        if c.next_number is not None:
            meta["next_number"] = c.next_number
        for name, value in meta.items():
            run("INSERT INTO mailbot_meta (name, value) VALUES (%s, %s) ON CONFLICT (name) "
                "DO UPDATE SET value = EXCLUDED.value", (name, Jsonb(value)))
        if c.cursors:
            run("INSERT INTO mailbot_meta (name, value) VALUES ('cursors', %s) ON CONFLICT "
                "(name) DO UPDATE SET value = coalesce(mailbot_meta.value, '{}') || "
                "EXCLUDED.value", (Jsonb(c.cursors),))
        self._write_outbox(c)
        self._write_counts(c)

    def _write_outbox(self, c: Commit) -> None:
        for message_id, mail in c.outbox.items():
            # As in state.json: the message itself lives in its ticket's history.
            dropped = ("data", "text") if mail.get("ticket") else ("text",)
            doc = {k: v for k, v in mail.items() if k not in dropped}
            self._run("INSERT INTO mailbot_outbox (message_id, doc, status) VALUES (%s, %s, %s) "
                      "ON CONFLICT (message_id) DO UPDATE SET doc = EXCLUDED.doc, "
                      "status = EXCLUDED.status, lease_holder = NULL, lease_until = NULL",
                      (message_id, Jsonb(doc), doc.get("status", "pending")))
        if c.outbox_done:
            self._run("DELETE FROM mailbot_outbox WHERE message_id = ANY(%s)",
                      (list(c.outbox_done),))

    def _write_counts(self, c: Commit) -> None:
        run = self._run
        for recipient, at in c.automatic:
            run("INSERT INTO mailbot_automatic (recipient, at) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING", (recipient, at))
        for recipient in {r for r, _ in c.automatic}:  # bounded, as in state.json
            run("DELETE FROM mailbot_automatic WHERE recipient = %s AND at < (SELECT at FROM "
                "mailbot_automatic WHERE recipient = %s ORDER BY at DESC OFFSET %s LIMIT 1)",
                (recipient, recipient, MAX_COUNTED - 1))
        if c.automatic_before is not None:
            run("DELETE FROM mailbot_automatic WHERE at < %s", (c.automatic_before,))
        for table, key, event in c.recent:
            run("INSERT INTO mailbot_recent (tbl, key, at, event) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING", (table, key, event["at"], Jsonb(event)))
        for table, key in {(t, k) for t, k, _ in c.recent}:
            run("DELETE FROM mailbot_recent WHERE tbl = %s AND key = %s AND at < (SELECT at "
                "FROM mailbot_recent WHERE tbl = %s AND key = %s ORDER BY at DESC OFFSET %s "
                "LIMIT 1)", (table, key, table, key, RECENT_KEEP - 1))
        for table, before in c.recent_before.items():
            run("DELETE FROM mailbot_recent WHERE tbl = %s AND at < %s", (table, before))

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(psycopg.Error):
                conn.rollback()
                conn.close()


def check_database(conninfo: str, where: str) -> str:
    """check-connection: log in, read the server's version and the schema's; changes nothing."""
    try:
        with psycopg.connect(conninfo) as conn:
            server = conn.execute("SHOW server_version").fetchone()
            version = current_version(conn)
            tls = conn.info.pgconn.ssl_in_use
    except psycopg.Error as exc:
        raise StoreUnavailable(f"database {where}: {_first_line(exc)}") from exc
    refuse_newer(version, where)
    schema = f"schema {version} of {LATEST}" if version else "empty (created at the first run)"
    return (f"PostgreSQL {server[0] if server else '?'}, {'TLS' if tls else 'no TLS'}, "
            f"{schema}")


def pooled_finder(conninfo: str):  # type: ignore[no-untyped-def]
    """find_ticket(token) for the tracking page: by the token's digest, on a connection of a
    small pool (the page's executor threads each take one; a lost one is replaced)."""
    import secrets

    from psycopg_pool import ConnectionPool

    from mailbot import ids

    pool = ConnectionPool(conninfo, min_size=1, max_size=4, open=False, timeout=10,
                          kwargs={"autocommit": True})
    pool.open(wait=False)

    def find(token: str) -> Ticket | None:
        with pool.connection() as conn:
            row = conn.execute("SELECT t.doc FROM mailbot_index i JOIN mailbot_ticket t "
                               "ON t.number = i.ticket WHERE i.key = %s",
                               (ids.token_key(token),)).fetchone()
        ticket = Ticket.from_dict(row[0]) if row else None
        if ticket is None or not secrets.compare_digest(ticket.token, token):
            return None
        return ticket

    find.pool = pool  # type: ignore[attr-defined]  # closed with the web server
    return find


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
