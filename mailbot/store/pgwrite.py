"""Applying a `Commit` to the PostgreSQL tables (mailbot.store.postgres): the same upserts as
the TinyDB documents get (mailbot.store.commit), the same bounds on what is kept. Rows of one
kind go in one `executemany` (psycopg sends them in one pipeline: one round trip, not one per
row)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg.types.json import Jsonb

from mailbot.store.commit import MAX_COUNTED, RECENT_KEEP, Commit

Many = Callable[[str, list[Any]], None]  # PgStore._many: executemany in the pass's transaction


def write_commit(many: Many, c: Commit) -> None:
    """Apply `c` in the current transaction (the caller commits)."""
    many("INSERT INTO mailbot_ticket (number, doc) VALUES (%s, %s) ON CONFLICT (number) "
         "DO UPDATE SET doc = EXCLUDED.doc", [(n, Jsonb(d)) for n, d in c.tickets.items()])
    many("INSERT INTO mailbot_index (key, ticket) VALUES (%s, %s) ON CONFLICT (key) "
         "DO UPDATE SET ticket = EXCLUDED.ticket", list(c.index.items()))
    many("DELETE FROM mailbot_deadline WHERE number = %s",
         [(int(n),) for n, due in c.deadlines.items() if due is None])
    many("INSERT INTO mailbot_deadline (number, due) VALUES (%s, %s) ON CONFLICT (number) "
         "DO UPDATE SET due = EXCLUDED.due",
         [(int(n), due) for n, due in c.deadlines.items() if due is not None])
    meta = dict(c.meta)
    if c.next_number is not None:  # a copy (migrate-store): the sequence goes on from there
        # (setval is not undone by a rollback: a failed copy leaves a gap, never a reuse)
        meta["next_number"] = c.next_number
        many("SELECT setval('mailbot_ticket_number', %s) FROM mailbot_ticket_number "
             "WHERE NOT is_called OR last_value < %s", [(c.next_number - 1, c.next_number - 1)]
             if c.next_number > 1 else [])
    many("INSERT INTO mailbot_meta (name, value) VALUES (%s, %s) ON CONFLICT (name) "
         "DO UPDATE SET value = EXCLUDED.value", [(k, Jsonb(v)) for k, v in meta.items()])
    if c.cursors:
        many("INSERT INTO mailbot_meta (name, value) VALUES ('cursors', %s) ON CONFLICT "
             "(name) DO UPDATE SET value = coalesce(mailbot_meta.value, '{}') || "
             "EXCLUDED.value", [(Jsonb(c.cursors),)])
    _write_outbox(many, c)
    _write_counts(many, c)


def _write_outbox(many: Many, c: Commit) -> None:
    rows = []
    for message_id, mail in c.outbox.items():
        # As in state.json: the message itself lives in its ticket's history.
        dropped = (("data", "text") if mail.get("ticket") or mail.get("data_file")
                   else ("text",))
        doc = {k: v for k, v in mail.items() if k not in dropped}
        rows.append((message_id, Jsonb(doc), doc.get("status", "pending")))
    many("INSERT INTO mailbot_outbox (message_id, doc, status) VALUES (%s, %s, %s) "
         "ON CONFLICT (message_id) DO UPDATE SET doc = EXCLUDED.doc, "
         "status = EXCLUDED.status, lease_holder = NULL, lease_until = NULL, sending_at = NULL",
         rows)
    if c.outbox_done:
        many("DELETE FROM mailbot_outbox WHERE message_id = ANY(%s)", [(list(c.outbox_done),)])


def _write_counts(many: Many, c: Commit) -> None:
    many("INSERT INTO mailbot_automatic (recipient, at) VALUES (%s, %s) "
         "ON CONFLICT DO NOTHING", [(r, at) for r, at in c.automatic])
    # Bounded, as in state.json.
    many("DELETE FROM mailbot_automatic WHERE recipient = %s AND at < (SELECT at FROM "
         "mailbot_automatic WHERE recipient = %s ORDER BY at DESC OFFSET %s LIMIT 1)",
         [(r, r, MAX_COUNTED - 1) for r in sorted({r for r, _ in c.automatic})])
    if c.automatic_before is not None:
        many("DELETE FROM mailbot_automatic WHERE at < %s", [(c.automatic_before,)])
    many("INSERT INTO mailbot_recent (tbl, key, at, event) VALUES (%s, %s, %s, %s) "
         "ON CONFLICT DO NOTHING", [(t, k, e["at"], Jsonb(e)) for t, k, e in c.recent])
    many("DELETE FROM mailbot_recent WHERE tbl = %s AND key = %s AND at < (SELECT at "
         "FROM mailbot_recent WHERE tbl = %s AND key = %s ORDER BY at DESC OFFSET %s "
         "LIMIT 1)", [(t, k, t, k, RECENT_KEEP - 1)
                      for t, k in sorted({(t, k) for t, k, _ in c.recent})])
    many("DELETE FROM mailbot_recent WHERE tbl = %s AND at < %s",
         list(c.recent_before.items()))
