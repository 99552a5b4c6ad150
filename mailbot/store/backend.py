"""The one place that picks the ticket store: `[storage] kind` = "tinydb" (the state directory,
mailbot.store.database) or "postgresql" (mailbot.store.postgres). Both offer `TicketStore`;
nothing else in mailbot asks which one it has."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mailbot.model import OutgoingMail, Ticket
from mailbot.store.commit import Commit
from mailbot.store.database import Store

if TYPE_CHECKING:
    from mailbot.config import Config


class TicketStore(Protocol):
    """What the core (through mailbot.batch) and the daemon use of a store."""

    kind: str
    dir: Path  # this machine's state directory

    def ticket(self, number: int) -> Ticket | None: ...
    def tickets(self) -> Iterator[Ticket]: ...
    def lookup(self, key: str) -> int | None: ...
    def meta(self, name: str, default: Any = None) -> Any: ...
    def next_number(self) -> int: ...
    def cursor(self, folder: str) -> tuple[int, int] | None: ...
    def deadlines(self) -> dict[int, str]: ...
    def due(self, by: str) -> dict[int, str]: ...
    def outbox(self) -> list[OutgoingMail]: ...
    def outgoing_data(self, mail: OutgoingMail) -> str | None: ...
    def automatic_since(self, recipient: str, since_iso: str) -> int: ...
    def recent(self, table: str, key: str) -> list[dict[str, Any]]: ...
    def read_file(self, rel: str) -> bytes | None: ...
    def keep_raw(self, raw: bytes, content_hash: str, date_path: str) -> str: ...
    def keep_file(self, content: bytes, sha256: str) -> str: ...
    def begin(self) -> None: ...
    def rollback(self) -> None: ...
    def lease(self, message_ids: list[str], seconds: float) -> set[str]: ...
    def mark_sending(self, message_id: str) -> bool: ...
    def mark_sent(self, message_id: str) -> None: ...
    def mark_unsent(self, message_id: str) -> None: ...
    def interrupted(self) -> tuple[set[str], set[str]]: ...
    def sends_settled(self) -> None: ...
    def register(self, name: str, claim_folder: str) -> None: ...
    def orphans(self) -> list[tuple[str, str]]: ...
    def adopted(self, name: str, *, done: bool) -> None: ...
    def commit(self, commit: Commit) -> None: ...
    def close(self) -> None: ...


def open_store(config: Config, *, writer: bool = False, wait: bool = False) -> TicketStore:
    """The configured store; a writer creates or upgrades what it needs. `wait`: a database
    that does not answer yet is no error (the daemon's passes wait for it)."""
    if config.storage.kind == "tinydb":
        return Store(config.state_dir, writer=writer)
    from mailbot.store.postgres import PgStore

    return PgStore(conninfo(config), config.state_dir, writer=writer, holder=holder(config),
                   where=describe(config), wait=wait)


def conninfo(config: Config) -> str:
    """The libpq connection string: the DSN, the password from the environment or its file, the
    TLS keys as they are, and a name the server's pg_stat_activity shows."""
    from psycopg.conninfo import make_conninfo

    storage = config.storage
    extra: dict[str, Any] = {"connect_timeout": storage.connect_timeout_seconds,
                             "application_name": f"mailbot {instance(config)}"[:63]}
    password = config.db_password()
    if password:
        extra["password"] = password
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if getattr(storage, key):
            extra[key] = getattr(storage, key)
    return make_conninfo(storage.dsn, **extra)


def describe(config: Config) -> str:
    """The DSN as it may be logged (a password in it is masked)."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", config.storage.dsn)


def instance(config: Config) -> str:
    return config.mailbox.instance or re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())


def holder(config: Config) -> str:
    """Who holds an outbox lease: this instance and process."""
    return f"{instance(config)}:{os.getpid()}"
