"""The PostgreSQL schema: numbered SQL files (mailbot/store/migrations/NNNN_name.sql) applied in
order at the writer's start, each in the transaction that records it in `mailbot_schema`.

A database whose highest version is above the last file here was written by a newer mailbot:
it is refused before anything is read or written, as a newer state directory is. Two daemons
starting at once serialize on an advisory lock: the second finds the work done.
"""

from __future__ import annotations

import re
from importlib import resources

import psycopg

from mailbot.store.database import StateTooNew

MIGRATIONS_LOCK = 0x6D61696C62_01  # pg_advisory_xact_lock key: "mailb" + 1
_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped, in order."""
    folder = resources.files("mailbot.store").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _NAME.fullmatch(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    assert [v for v, _, _ in found] == list(range(1, len(found) + 1)), "gap in migrations"
    return found


LATEST = len(migrations())


def current_version(conn: psycopg.Connection) -> int:
    """The database's schema version (0: empty); no table is created."""
    exists = conn.execute("SELECT to_regclass('mailbot_schema') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT max(version) FROM mailbot_schema").fetchone()
    return int(row[0] or 0) if row else 0


def refuse_newer(version: int, where: str) -> None:
    if version > LATEST:
        raise StateTooNew(
            f"{where} was written by a newer mailbot (database schema {version}, this one "
            f"knows up to {LATEST}); refusing to read or change it: upgrade mailbot")


def upgrade(conn: psycopg.Connection, where: str) -> list[str]:
    """Bring the database to LATEST; returns the names of the files applied."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATIONS_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS mailbot_schema (version integer PRIMARY KEY, "
                     "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
        version = current_version(conn)
        refuse_newer(version, where)
        for number, name, sql in migrations():
            if number <= version:
                continue
            conn.execute(sql.encode("utf-8"))
            conn.execute("INSERT INTO mailbot_schema (version, name) VALUES (%s, %s)",
                         (number, name))
            applied.append(name)
    return applied
