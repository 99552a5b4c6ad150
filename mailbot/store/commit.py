"""`Commit`: everything one batch changes, and how it is applied to the store's JSON documents.

Applying is an idempotent upsert (a journal re-applied after a crash gives the same files), and
state.json stays bounded: the outbox keeps no message that a ticket's history holds, the
automatic mails and the rules' recent events are forgotten once their window has passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

# Automatic mails remembered per recipient (and under "*" for all requesters): above any cap.
MAX_COUNTED = 5000


@dataclass
class Commit:
    """Everything one batch of messages changes, written at once."""

    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)  # incoming message key -> ticket (0: none)
    outbox: dict[str, dict[str, Any]] = field(default_factory=dict)  # message_id -> mail
    outbox_done: list[str] = field(default_factory=list)
    automatic: list[list[str]] = field(default_factory=list)  # [recipient, iso date]
    next_number: int | None = None
    cursors: dict[str, list[int]] = field(default_factory=dict)  # folder -> [uidvalidity, uid]
    # Forget the automatic mails sent before this instant (the loop cap's window has passed).
    # Rides on whatever else the pass commits: alone, it is not worth a write.
    automatic_before: str | None = None
    # Open ticket (number as text) -> its next deadline, UTC ISO 8601 ("" for none); None: the
    # ticket is closed and leaves the index. Written with the tickets it describes.
    deadlines: dict[str, str | None] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. the day of the last digest
    # Recent events the rules count (URGENT per sender, new tickets per address, mass-incident
    # reports per fingerprint): [table, key, event]; each event has an "at" (ISO 8601).
    recent: list[list[Any]] = field(default_factory=list)
    # Per table, forget the events before this instant (each table's window has passed).
    recent_before: dict[str, str] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.tickets or self.index or self.outbox or self.outbox_done
                    or self.automatic or self.cursors or self.next_number is not None
                    or self.deadlines or self.meta or self.recent)


def apply_state(data: dict[str, Any], commit: Commit) -> None:
    """Apply `commit` to state.json's documents (`data`, changed in place)."""
    meta = data.setdefault("meta", {})
    outbox = data.setdefault("outbox", {})
    automatic = data.setdefault("automatic", {})
    values = {d["name"]: d for d in meta.values()}
    if commit.next_number is not None:
        _set_meta(meta, values, "next_number", commit.next_number)
    if commit.cursors:
        cursors = dict(values.get("cursors", {}).get("value", {}))
        cursors.update(commit.cursors)
        _set_meta(meta, values, "cursors", cursors)
    for name, value in commit.meta.items():
        _set_meta(meta, values, name, value)
    by_id = {d["message_id"]: k for k, d in outbox.items()}
    fresh = int(_next_id(outbox))
    for message_id, mail in commit.outbox.items():
        if message_id not in by_id:
            by_id[message_id], fresh = str(fresh), fresh + 1
        # The message itself lives in the ticket's history: state.json stays small however
        # long the queue grows while SMTP is down.
        # A mail about no ticket (a refused command, a forged technician's mail) is rare
        # and small: it keeps its message here, unless it is kept in a file of its own (the
        # monthly report: `data_file`).
        dropped = (("data", "text") if mail.get("ticket") or mail.get("data_file")
                   else ("text",))
        outbox[by_id[message_id]] = {k: v for k, v in mail.items() if k not in dropped}
    for message_id in commit.outbox_done:
        if message_id in by_id:
            outbox.pop(by_id[message_id], None)
    by_recipient = {d["recipient"]: k for k, d in automatic.items()}
    added: dict[str, set[str]] = {}
    for recipient, at in commit.automatic:
        added.setdefault(recipient, set()).add(at)
    for recipient, ats in added.items():
        key = by_recipient.get(recipient)
        if key is None:
            key = by_recipient[recipient] = _next_id(automatic)
            automatic[key] = {"recipient": recipient, "at": []}
        # Bounded: the caps stop counting long before (mail.max_automatic_total <= 5000).
        automatic[key]["at"] = sorted({*automatic[key]["at"], *ats})[-MAX_COUNTED:]
    _apply_recent(data, commit)
    if commit.automatic_before is not None:
        for key in list(automatic):
            kept = [at for at in automatic[key]["at"] if at >= commit.automatic_before]
            if kept:
                automatic[key]["at"] = kept
            else:
                del automatic[key]


# Events kept per key: enough for every window the rules count (a mass incident of hundreds is
# still counted right: its parent is found in the latest events).
RECENT_KEEP = 200


def _apply_recent(data: dict[str, Any], commit: Commit) -> None:
    """Add the commit's events and drop the ones whose window has passed: state.json holds what
    the rules may still count, not history."""
    keys: dict[str, dict[str, str]] = {}
    for table, key, event in commit.recent:
        rows = data.setdefault(f"recent_{table}", {})
        index = keys.setdefault(table, {d["key"]: k for k, d in rows.items()})
        doc_id = index.get(key)
        if doc_id is None:
            doc_id = index[key] = _next_id(rows)
            rows[doc_id] = {"key": key, "events": []}
        events = [e for e in rows[doc_id]["events"] if e != event] + [event]
        rows[doc_id]["events"] = sorted(events, key=lambda e: e["at"])[-RECENT_KEEP:]
    for table, before in commit.recent_before.items():
        rows = data.get(f"recent_{table}", {})
        for doc_id in list(rows):
            kept = [e for e in rows[doc_id]["events"] if e["at"] >= before]
            if kept:
                rows[doc_id]["events"] = kept
            else:
                del rows[doc_id]


def _next_id(table: dict[str, Any]) -> str:
    return str(max((int(k) for k in table), default=0) + 1)


def _set_meta(meta: dict[str, Any], values: dict[str, Any], name: str, value: Any) -> None:
    if name in values:
        values[name]["value"] = value
    else:
        meta[_next_id(meta)] = values[name] = {"name": name, "value": value}


def upsert_documents(db: TinyDB, docs: list[Document]) -> None:
    # One file write for the whole list (TinyDB's upsert would write once per document).
    data = db.storage.read() or {}
    table = data.setdefault("_default", {})
    for doc in docs:
        table[str(doc.doc_id)] = dict(doc)
    db.storage.write(data)
    db.clear_cache()


def upsert_keys(db: TinyDB, entries: list[tuple[str, int]]) -> None:
    data = db.storage.read() or {}
    table = data.setdefault("_default", {})
    by_key = {d["key"]: k for k, d in table.items()}
    for key, number in entries:
        doc_id = by_key.get(key) or _next_id(table)
        by_key[key] = doc_id
        table[doc_id] = {"key": key, "ticket": number}
    db.storage.write(data)
    db.clear_cache()
