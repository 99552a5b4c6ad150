"""Applying a `Commit` to the PostgreSQL tables (mailbot.store.postgres): the same upserts as
the TinyDB documents get (mailbot.store.commit), the same bounds on what is kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg.types.json import Jsonb

from mailbot.store.commit import MAX_COUNTED, RECENT_KEEP, Commit

Run = Callable[..., Any]  # PgStore._run: execute in the pass's transaction


def write_commit(run: Run, c: Commit) -> None:
    """Apply `c` in the current transaction (the caller holds the pass lock and commits)."""
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
    _write_outbox(run, c)
    _write_counts(run, c)


def _write_outbox(run: Run, c: Commit) -> None:
    for message_id, mail in c.outbox.items():
        # As in state.json: the message itself lives in its ticket's history.
        dropped = ("data", "text") if mail.get("ticket") else ("text",)
        doc = {k: v for k, v in mail.items() if k not in dropped}
        run("INSERT INTO mailbot_outbox (message_id, doc, status) VALUES (%s, %s, %s) "
            "ON CONFLICT (message_id) DO UPDATE SET doc = EXCLUDED.doc, "
            "status = EXCLUDED.status, lease_holder = NULL, lease_until = NULL",
            (message_id, Jsonb(doc), doc.get("status", "pending")))
    if c.outbox_done:
        run("DELETE FROM mailbot_outbox WHERE message_id = ANY(%s)", (list(c.outbox_done),))


def _write_counts(run: Run, c: Commit) -> None:
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
