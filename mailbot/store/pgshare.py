"""What several daemons on one database share besides the tickets (mailbot.store.postgres):
who is alive (each instance's session lock and row), and the outbox leases: a daemon leases a
row (`lease`: SELECT ... FOR UPDATE SKIP LOCKED, then a lease that expires) before it hands the
mail to SMTP; another daemon skips the row while the lease holds, and takes it over after a
crash once it has expired. Before the server is given the message the holder marks the row
(`mark_sending`); a row still marked when its holder is gone (killed between the server's
acceptance and the row's removal) is not sent again but kept as 'maybe sent' for the
operator: the server may have it, and a duplicate to a person is worse."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.types.json import Jsonb

from mailbot.storage import StoreUnavailable
from mailbot.store.sendlog import MAYBE_SENT_ERROR, report_maybe_sent

log = logging.getLogger("mailbot")

CLAIMS = 0x6D6C636C  # "mlcl": session locks on the Message-ID keys of mail this daemon claimed
INSTANCES = 0x6D6C6274  # first key of the instances' session locks ("mlbt"), then hashtext(name)
ADOPTION_WAIT = "20s"  # at start, for another daemon taking this instance's mail back
# A pending row whose SMTP attempt was marked by a holder now gone: kept, not sent again.
_MAYBE_SENT = ("status = 'maybe_sent', lease_holder = NULL, lease_until = NULL, "
               "sending_at = NULL, doc = doc || jsonb_build_object('status', 'maybe_sent', "
               f"'last_error', '{MAYBE_SENT_ERROR}'::text)")


class Sharing:
    """PgStore's steps for several daemons: `register`, `orphans`, `adopted`, `lease`,
    `mark_sending`, `mark_sent`, `mark_unsent`; and the operator's `by_hand`."""

    # Set by PgStore (mailbot.store.postgres).
    where: str
    holder: str
    _conninfo: str
    _conn: psycopg.Connection | None
    _in_pass: bool
    _instance: tuple[str, str] | None
    _side: psycopg.Connection | None
    _side_lock: threading.Lock
    _claims: set[str]

    if TYPE_CHECKING:
        def _run(self, sql: str, args: Any = None) -> psycopg.Cursor: ...
        def _read(self, sql: str, args: Any = None) -> list[tuple[Any, ...]]: ...
        def _alone(self, sql: str, args: Any = None) -> list[tuple[Any, ...]]: ...
        def _end(self, *, commit: bool) -> None: ...
        def _fail(self) -> None: ...

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
        # Waited for a while: another daemon that found this instance gone (its previous
        # run) holds the lock while it takes its claimed mail back, a few seconds.
        try:
            conn.execute(f"SET LOCAL lock_timeout = '{ADOPTION_WAIT}'")
            conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (INSTANCES, name))
        except psycopg.errors.LockNotAvailable:
            conn.close()
            raise StoreUnavailable(f"database {self.where}: instance {name!r} is held by "
                                   f"another daemon (each needs its own [mailbox] instance)"
                                   ) from None
        # This instance's previous run (killed, restarted): what it was sending is 'maybe
        # sent', the rest of its leases free at once rather than when they expire.
        _settle_gone(conn.execute, name, self.holder)
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
            _settle_gone(self._run, name, self.holder)
            self._run("DELETE FROM mailbot_instance WHERE name = %s", (name,))
        self._run("SELECT pg_advisory_unlock(%s, hashtext(%s))", (INSTANCES, name))
        self._end(commit=True)

    # --- the mail this daemon claimed ---------------------------------------------------------

    def hold_claims(self, keys: list[str]) -> None:
        """Before this daemon claims mail in the shared mailbox: the index keys of their
        Message-IDs (`mid:<id>`) are held by its session until the pass that files them has
        committed (`release_claims`). Another daemon's pass deciding a reply to one of them
        waits for that (`hold_keys`), then finds its ticket. A key another daemon holds (the
        same Message-ID claimed there) is left to it."""
        wanted = sorted(set(keys) - self._claims)
        if not wanted:
            return
        rows = self._alone("SELECT k FROM unnest(%s::text[]) AS k "
                           "WHERE pg_try_advisory_lock(%s, hashtext(k))", (wanted, CLAIMS))
        self._claims.update(k for (k,) in rows)

    def release_claims(self) -> None:
        """The pass that filed the claimed mail has ended (committed, or rolled back: then
        two daemons' passes may be waiting for each other's claims, and the pass is taken
        again without them)."""
        held, self._claims = sorted(self._claims), set()
        if held and self._conn is not None and not self._conn.closed:
            self._alone("SELECT count(pg_advisory_unlock(%s, hashtext(k))) "
                        "FROM unnest(%s::text[]) AS k", (CLAIMS, held))

    # --- the outbox leases ----------------------------------------------------------------

    def lease(self, message_ids: list[str], seconds: float) -> set[str]:
        """Take the rows of these pending mails that no other daemon holds; returns the ids
        taken. The lease ends with the row's next write (sent, deferred) or at its expiry."""
        if not message_ids:
            return set()
        run = self._alone if not self._in_pass else (
            lambda sql, args: self._run(sql, args).fetchall())
        # A row marked as being sent whose holder's lease ran out, or that this daemon marked
        # and whose outcome it lost (not in flight here: the caller asks for no such row),
        # is not taken: it becomes 'maybe sent'.
        rows = run(
            "WITH lost AS (UPDATE mailbot_outbox o SET " + _MAYBE_SENT + " FROM ("
            "  SELECT message_id, lease_holder FROM mailbot_outbox "
            "  WHERE message_id = ANY(%(ids)s) AND status = 'pending' AND sending_at IS NOT NULL"
            "  AND (lease_until IS NULL OR lease_until < now() OR lease_holder = %(me)s) "
            "  FOR UPDATE SKIP LOCKED) was WHERE o.message_id = was.message_id "
            "  RETURNING o.message_id, o.doc->>'kind' AS kind, o.doc->>'ticket' AS ticket, "
            "  was.lease_holder AS holder), "
            "taken AS (UPDATE mailbot_outbox SET lease_holder = %(me)s, "
            "  lease_until = now() + make_interval(secs => %(secs)s) "
            "  WHERE message_id IN (SELECT message_id FROM mailbot_outbox "
            "  WHERE message_id = ANY(%(ids)s) AND status = 'pending' AND sending_at IS NULL "
            "  AND (lease_until IS NULL OR lease_until < now() OR lease_holder = %(me)s) "
            "  FOR UPDATE SKIP LOCKED) RETURNING message_id) "
            "SELECT message_id, NULL, NULL, NULL FROM taken UNION ALL SELECT * FROM lost",
            {"me": self.holder, "secs": seconds, "ids": message_ids})
        for message_id, kind, ticket, was in rows:
            if kind is not None:
                report_maybe_sent(message_id, kind, ticket, was or "its daemon")
        return {message_id for message_id, kind, _, _ in rows if kind is None}

    def mark_sending(self, message_id: str) -> bool:
        """Before the server is given the message (a courier thread, on a connection of its
        own): the row is marked as being sent by this holder. False, and the mail does not go,
        if this daemon no longer holds its lease or the database does not answer."""
        with self._side_lock:
            try:
                conn = self._side_conn()
                # Flushed to disk before the message goes (whatever the connection's default):
                # lost in a crash of the database server, the mark would let the mail go twice.
                with conn.pipeline(), conn.transaction():
                    conn.execute("SET LOCAL synchronous_commit = on")
                    update = conn.execute(
                        "UPDATE mailbot_outbox SET sending_at = now() WHERE message_id = %s "
                        "AND lease_holder = %s AND status = 'pending'", (message_id, self.holder))
                marked = update.rowcount
            except psycopg.Error as exc:
                log.warning("could not record that %s is being sent (it waits): %s",
                            message_id, _first_line(exc))
                self._side = None
                return False
        if not marked:
            log.warning("outbox mail %s not sent: its lease is no longer this daemon's",
                        message_id)
        return bool(marked)

    def _side_conn(self) -> psycopg.Connection:
        """The courier threads' connection. The records of an answer (sent, not sent) do not
        wait for their WAL flush (one disk flush a mail fewer in the passes' way): committed,
        they are what every session sees, whatever becomes of this daemon; a crash of the
        database server itself in the next fraction of a second can lose one, and the pass
        records the answer again (or the mail, still marked, is 'maybe sent'). The mark made
        before DATA does wait for it (`mark_sending`)."""
        if self._side is None or self._side.closed:
            self._side = psycopg.connect(self._conninfo, autocommit=True)
            self._side.execute("SET synchronous_commit = off")
        return self._side

    def mark_unsent(self, message_id: str) -> None:
        """The server did not take it: the mark goes (the pass records the deferral)."""
        with self._side_lock:
            try:
                self._side_conn().execute(
                    "UPDATE mailbot_outbox SET sending_at = NULL WHERE message_id = %s "
                    "AND lease_holder = %s", (message_id, self.holder))
            except psycopg.Error:
                self._side = None  # the pass's write of the row clears it as well

    def interrupted(self) -> tuple[set[str], set[str]]:
        """Settled in the database itself (`register`, `adopted`, `lease`)."""
        return set(), set()

    def sends_settled(self) -> None:
        """Nothing kept outside the database."""

    def mark_sent(self, message_id: str) -> None:
        """The server took this mail: its row goes now (from a courier thread, on a connection
        of its own), so that a daemon killed before its next pass leaves nothing to send twice.
        On failure the next pass records it as usual."""
        with self._side_lock:
            try:
                self._side_conn().execute("DELETE FROM mailbot_outbox WHERE message_id = %s",
                                          (message_id,))
            except psycopg.Error as exc:
                log.warning("could not record %s as sent at once (the pass will): %s",
                            message_id, _first_line(exc))
                self._side = None

    def by_hand(self, message_id: str, status: str, changes: dict[str, Any] | None) -> bool:
        """The operator's decision (`mailbot outbox --resend/--drop`, mailbot.outbox_hand) on
        a row still in `status`: `changes` to its document (back to 'pending'), or None to
        delete it. False when the row is gone or no longer in that state."""
        if changes is None:
            rows = self._alone("DELETE FROM mailbot_outbox WHERE message_id = %s AND status = %s "
                               "RETURNING message_id", (message_id, status))
        else:
            rows = self._alone(
                "UPDATE mailbot_outbox SET status = %s, doc = doc || %s, lease_holder = NULL, "
                "lease_until = NULL, sending_at = NULL WHERE message_id = %s AND status = %s "
                "RETURNING message_id",
                (changes["status"], Jsonb(changes), message_id, status))
        return bool(rows)


def _settle_gone(execute: Any, name: str, me: str) -> None:
    """The outbox rows leased by a gone run of instance `name` (not `me`): those it was sending
    become 'maybe sent', the others free."""
    pattern = name.replace("%", r"\%").replace("_", r"\_") + ":%"
    lost = execute("UPDATE mailbot_outbox SET " + _MAYBE_SENT + " WHERE lease_holder LIKE %s "
                   "AND lease_holder <> %s AND status = 'pending' AND sending_at IS NOT NULL "
                   "RETURNING message_id, doc->>'kind', doc->>'ticket'", (pattern, me)
                   ).fetchall()
    for message_id, kind, ticket in lost:
        report_maybe_sent(message_id, kind, ticket, f"instance {name}")
    execute("UPDATE mailbot_outbox SET lease_holder = NULL, lease_until = NULL, "
            "sending_at = NULL WHERE lease_holder LIKE %s AND lease_holder <> %s",
            (pattern, me))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
