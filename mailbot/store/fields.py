"""Lookups of the state directory's TinyDB files by a field (a meta name, a recipient, an index
key), built once from a file's cached documents and kept until its next write
(`AtomicJSONStorage.derived`): a TinyDB query scans the whole table at every call, and the
pipeline asks several such questions of every message (issue 18)."""

from __future__ import annotations

from typing import Any


def by_key(data: dict[str, Any]) -> dict[str, int]:
    keys: dict[str, int] = {}
    for doc in data.get("_default", {}).values():
        keys.setdefault(doc["key"], doc["ticket"])  # the first, as a query would find
    return keys


def meta_by_name(data: dict[str, Any]) -> dict[str, Any]:
    names: dict[str, Any] = {}
    for doc in data.get("meta", {}).values():
        if doc.get("name") not in names:
            names[doc.get("name")] = doc["value"]
    return names


def sent_by_recipient(data: dict[str, Any]) -> dict[str, list[str]]:
    sent: dict[str, list[str]] = {}
    for doc in data.get("automatic", {}).values():
        sent.setdefault(doc["recipient"], sorted(doc.get("at", [])))
    return sent


def events_by_key(data: dict[str, Any], table: str) -> dict[str, list[dict[str, Any]]]:
    events: dict[str, list[dict[str, Any]]] = {}
    for doc in data.get(table, {}).values():
        events.setdefault(doc["key"], doc.get("events", []))
    return events
