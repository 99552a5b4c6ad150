"""`Store`: the state directory's TinyDB files (see the package's docstring for the layout),
its reads, the files kept beside the database, and the one write path through the journal.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.table import Document

from mailbot import ids
from mailbot.faults import crash_point
from mailbot.model import OutgoingMail, StoredAttachment, Ticket
from mailbot.parsers.identity import content_identity
from mailbot.passlog import PassLog, Staging, create_file
from mailbot.storage import AtomicJSONStorage, StateUnwritable, read_json
from mailbot.store.commit import Commit, apply_state, upsert_documents, upsert_keys
from mailbot.store.fields import by_key, events_by_key, meta_by_name, sent_by_recipient
from mailbot.store.single import OneWriter

log = logging.getLogger("mailbot")

BLOCK = 100  # tickets per file
SHARDS = 4096
# Files kept parsed in memory, per kind.
KEEP_OPEN = {"bucket": 16, "shard": 512, "state": 1, "deadlines": 1}
# The layout's version. 1: until the index key carried the content hash (no version written);
# 2: an incoming message's key is its Message-ID plus the SHA-256 of its bytes (`mid:<id>
# sha256:<hex>`), `mid:<id>` alone only finds the ticket for threading, and each key that
# version 1 used for deduplication is kept as `v1:mid:<id>` (see `_upgrade_1`); 3: every
# ticket's tracking token is in the index under `tok:<sha256 of the token>` (`ids.token_key`),
# the tracking page's only way to a ticket; 4: the key's hash is the content's identity, trace
# fields left out (`mid:<id> content:<hex>`, `mailbot.parsers.identity`), so that a copy
# delivered again with other Received lines is a duplicate; each version 3 key whose raw copy is
# kept gets its version 4 key (see `_keys_of_version_3`).
SCHEMA = 4


class StateTooNew(Exception):
    """The operator's problem: the state directory was written by a newer mailbot."""


class Store(OneWriter):
    kind = "tinydb"

    def __init__(self, state_dir: Path, *, writer: bool = False):
        self.dir = Path(state_dir)
        self.writer = writer
        # The database files a commit changes, serialized, until the pass log holds them.
        self._log = PassLog(self.dir) if writer else None
        self._staged = Staging(self._log) if self._log is not None else None
        self._dbs: dict[str, OrderedDict[Path, TinyDB]] = {}
        self._shard_paths: dict[int, Path] = {}
        self._state_path = self.dir / "state.json"
        self._interrupted = False  # a commit failed part way: its journal is applied first
        version = self._check_version()  # before anything is read, written or recovered
        if writer:
            for sub in ("tickets", "index", "raw", "files"):
                (self.dir / sub).mkdir(parents=True, exist_ok=True)
            self._recover()
            if version < SCHEMA:
                self._upgrade(version)

    # --- schema version -----------------------------------------------------------------------

    def _check_version(self) -> int:
        """The state's schema version (1 when none is written); refuses a newer one. The
        writer reads it from the pass log's last state.json when there is one: newer than the
        file, which a power cut may have left torn."""
        logged = self._log.latest("state.json") if self._log is not None else None
        data = (json.loads(logged) if logged else read_json(self.dir / "state.json")) or {}
        stored = next((d.get("value") for d in data.get("meta", {}).values()
                       if d.get("name") == "schema"), None)
        version = stored if isinstance(stored, int) else 1
        if version > SCHEMA:
            raise StateTooNew(
                f"{self.dir} was written by a newer mailbot (state schema {version}, this one "
                f"knows up to {SCHEMA}); refusing to read or change it: upgrade mailbot")
        return version

    def _upgrade(self, version: int) -> None:
        """Bring an older layout (or a new directory) to `SCHEMA` in one commit: through the
        journal, a crash part way leaves the old version or the whole upgrade."""
        upgrade = Commit(meta={"schema": SCHEMA})
        if version < 2:
            upgrade.index.update(self._keys_of_version_1())
        if version < 3:
            upgrade.index.update({ids.token_key(t.token): t.number for t in self.tickets()})
        if version < 4:
            upgrade.index.update(self._keys_of_version_3())
        self._commit(upgrade)

    def _keys_of_version_1(self) -> dict[str, int]:
        """Version 1 deduplicated by `mid:<id>` alone. Version 2 still writes `mid:<id>` (for
        threading) but deduplicates by Message-ID and content, so each old entry is copied to
        `v1:mid:<id>`: a message handled before the upgrade is not handled again."""
        keys: dict[str, int] = {}
        for path in sorted((self.dir / "index").glob("*/*.json")):
            for doc in ((read_json(path) or {}).get("_default", {})).values():
                if str(doc.get("key", "")).startswith("mid:"):
                    keys[f"v1:{doc['key']}"] = doc["ticket"]
        return keys

    def _keys_of_version_3(self) -> dict[str, int]:
        """Version 3 deduplicated by the SHA-256 of the raw bytes (`[mid:<id> ]sha256:<hex>`),
        and kept every message under `raw/<yyyy>/<mm>/<that hex>.eml`: the identity of each
        kept copy gives its version 4 key, so a message handled before the upgrade and
        delivered again after it is still a duplicate. (A copy deleted by hand only loses
        that: the same bytes again would then be handled again.)"""
        kept = {path.stem: path for path in (self.dir / "raw").glob("*/*/*.eml")}
        keys: dict[str, int] = {}
        for path in sorted((self.dir / "index").glob("*/*.json")):
            for doc in ((read_json(path) or {}).get("_default", {})).values():
                thread, found, digest = str(doc.get("key", "")).rpartition("sha256:")
                copy = kept.get(digest) if found else None
                if copy is not None and (not thread or thread.endswith(" ")):
                    keys[f"{thread}content:{content_identity(copy.read_bytes())}"] = doc["ticket"]
        return keys

    # --- files ------------------------------------------------------------------------------

    def _db(self, path: Path, *, kind: str) -> TinyDB:
        """The TinyDB of `path`, from a small per-kind cache of recently used files.

        Bounded so that memory does not grow with history: ticket blocks are the big files (up
        to 100 tickets each), index shards are small.
        """
        cache = self._dbs.setdefault(kind, OrderedDict())
        db = cache.get(path)
        if db is None:
            db = TinyDB(path, storage=AtomicJSONStorage, cache=self.writer,
                        read_only=not self.writer, staged=self._staged,
                        encodings=self.writer and kind == "bucket")
            cache[path] = db
            if len(cache) > KEEP_OPEN[kind]:
                _, old = cache.popitem(last=False)
                old.close()
        else:
            cache.move_to_end(path)
        return db

    def _bucket(self, number: int) -> TinyDB:
        return self._db(self.dir / "tickets" / f"{number // BLOCK:05d}.json", kind="bucket")

    def _shard(self, key: str) -> TinyDB:
        return self._db(self._shard_path(key), kind="shard")

    def _shard_path(self, key: str) -> Path:
        # A message's key lives in the shard of its Message-ID, beside the `mid:<id>` entry
        # that threading reads: one file written for both (`decision.index_keys`).
        thread, found, _ = key.rpartition(" content:")
        basis = thread if found and thread.startswith("mid:") else key
        digest = hashlib.blake2b(basis.encode("utf-8", "surrogatepass"),
                                 digest_size=4).hexdigest()
        shard = int(digest, 16) % SHARDS
        path = self._shard_paths.get(shard)
        if path is None:  # a Path is dear to build; 4,096 of them at most
            path = self._shard_paths[shard] = (
                self.dir / "index" / f"{shard >> 8:x}" / f"{shard & 0xFF:02x}.json")
        return path

    def _state(self) -> TinyDB:
        return self._db(self._state_path, kind="state")

    def _deadlines(self) -> TinyDB:
        return self._db(self.dir / "deadlines.json", kind="deadlines")

    # --- reads ------------------------------------------------------------------------------

    def ticket(self, number: int) -> Ticket | None:
        if number <= 0:
            return None
        doc = self._bucket(number).get(doc_id=number)
        return Ticket.from_dict(dict(doc)) if doc is not None else None

    def tickets(self) -> Iterator[Ticket]:
        folder = self.dir / "tickets"
        for path in sorted(folder.glob("*.json")) if folder.exists() else []:
            data = read_json(path) or {}
            for _, doc in sorted(data.get("_default", {}).items(), key=lambda kv: int(kv[0])):
                yield Ticket.from_dict(doc)

    def lookup(self, key: str) -> int | None:
        """The ticket an incoming message (by key) was filed on; 0 if handled without one."""
        return self._shard(key).storage.derived("keys", by_key).get(key)

    def meta(self, name: str, default: Any = None) -> Any:
        names = self._state().storage.derived("meta", meta_by_name)
        return names.get(name, default)

    def next_number(self) -> int:
        return int(self.meta("next_number", 1))

    def cursor(self, folder: str) -> tuple[int, int] | None:
        value = (self.meta("cursors", {}) or {}).get(folder)
        return (value[0], value[1]) if value else None

    def deadlines(self) -> dict[int, str]:
        """Every open ticket and its next deadline (UTC ISO 8601, "" for none)."""
        data = self._deadlines().storage.read() or {}
        return {int(k): v for k, v in data.get("open", {}).items()}

    def due(self, by: str) -> dict[int, str]:
        """The open tickets whose deadline is at or before `by` (UTC ISO 8601)."""
        return {n: d for n, d in self.deadlines().items() if d and d <= by}

    def outbox(self) -> list[OutgoingMail]:
        """The mails not yet sent (or failed), without their `data` (see `outgoing_data`)."""
        return [OutgoingMail.from_dict({**d, "data": ""})
                for d in self._state().table("outbox").all()]

    def outgoing_data(self, mail: OutgoingMail) -> str | None:
        """The whole message of an outbox mail: from its ticket's history, from the file that
        holds a large one, or (a mail about no ticket) from the outbox itself."""
        if not mail.ticket:
            doc = self._state().table("outbox").get(Query().message_id == mail.message_id)
            if (doc or {}).get("data_file"):
                return (self.dir / doc["data_file"]).read_bytes().decode("utf-8")  # type: ignore[index]
            return (doc or {}).get("data") or None
        doc = self._bucket(mail.ticket).get(doc_id=mail.ticket)
        for entry in (doc or {}).get("messages", ())[::-1]:
            if entry.get("message_id") == mail.message_id:
                if entry.get("data_file"):
                    return (self.dir / entry["data_file"]).read_bytes().decode("utf-8")
                return entry.get("data") or None
        return None

    def automatic_since(self, recipient: str, since_iso: str) -> int:
        sent = self._state().storage.derived("automatic", sent_by_recipient).get(recipient, [])
        return len(sent) - bisect.bisect_left(sent, since_iso)

    def recent(self, table: str, key: str) -> list[dict[str, Any]]:
        """The events of `table` under `key` still inside their window, oldest first."""
        name = f"recent_{table}"
        events = self._state().storage.derived(name, lambda data: events_by_key(data, name))
        return list(events.get(key, ()))

    # --- files kept beside the database ---------------------------------------------------------

    def keep_raw(self, raw: bytes, content_hash: str, date_path: str) -> str:
        """Keep an incoming message byte for byte; returns its path relative to the state dir."""
        rel = Path("raw") / date_path / f"{content_hash}.eml"
        self._keep(rel, raw)
        return str(rel)

    def keep_file(self, content: bytes, sha256: str) -> str:
        rel = StoredAttachment.path_for(sha256)
        self._keep(Path(rel), content)
        return rel

    def keep(self, rel: str, data: bytes) -> None:
        """A raw message or attachment under its relative path (migrate-store)."""
        self._keep(Path(rel), data)

    def _keep(self, rel: Path, data: bytes) -> None:
        """In the pass log (durable with the pass's commit, written back by a recovery) and,
        unless it is there already (content-addressed: same name, same bytes), on disk."""
        assert self._log is not None, "store opened read-only"
        path = self.dir / rel
        try:
            self._log.add(str(rel), data)
            create_file(path, data)
        except OSError as exc:
            raise StateUnwritable(f"cannot write {path}: {exc.strerror or exc}") from exc

    def read_file(self, rel: str) -> bytes | None:
        try:
            return (self.dir / rel).read_bytes()
        except FileNotFoundError:
            return None

    # --- the one write path -------------------------------------------------------------------

    def commit(self, commit: Commit) -> None:
        self._commit(commit)

    def _commit(self, commit: Commit) -> None:  # also the schema upgrade's, at open
        if not self.writer:
            raise PermissionError("store opened read-only")
        if commit.empty():
            return
        try:
            if self._interrupted:  # finish the commit that failed before adding another
                self._recover()
                self._interrupted = False
            self._write(commit)
        except OSError as exc:
            self._interrupted = True
            raise StateUnwritable(f"cannot commit to {self.dir}: {exc.strerror or exc}") from exc

    def _write(self, commit: Commit) -> None:
        """One pass, one durable commit: the files it changes go to the pass log, which is
        fsynced once; then they replace the old ones (mailbot.passlog)."""
        try:
            self._apply(commit)
            self._flush()
        except BaseException:
            self._forget()
            raise

    def _flush(self) -> None:
        assert self._log is not None and self._staged is not None
        self._log.commit()
        crash_point("log_committed")  # durable, no file replaced yet
        self._staged.publish()
        if self._log.due():
            self._log.checkpoint()

    def _forget(self) -> None:
        """A commit failed part way: what this process holds in memory may differ from the
        disk; it is read again after the recovery that precedes the next commit."""
        if self._staged is not None:
            self._staged.discard()
        if self._log is not None:
            self._log.abandon()
        self.close()

    def _recover(self) -> None:
        assert self._log is not None
        journal = self.dir / "journal.json"  # the commit in flight of a mailbot before the log
        data = read_json(journal) if journal.exists() else None
        if data is not None:
            data["tickets"] = {int(k): v for k, v in data.get("tickets", {}).items()}
            data.setdefault("deadlines", {})
            data.setdefault("meta", {})
            self._write(Commit(**data))
            journal.unlink()
        self._log.replay()
        self.close()  # what was read before the replay is stale
        # Writes interrupted before their rename. Only where the database lives: raw/ and
        # files/ grow with history and a leftover there is harmless.
        stale = [*self.dir.glob(".*.tmp"), *(self.dir / "tickets").glob(".*.tmp"),
                 *(self.dir / "index").glob("*/.*.tmp")]
        for path in stale:
            path.unlink()

    def _apply(self, commit: Commit) -> None:
        by_bucket: dict[int, list[Document]] = {}
        for number, doc in commit.tickets.items():
            by_bucket.setdefault(number // BLOCK, []).append(Document(doc, doc_id=number))
        for docs in by_bucket.values():
            upsert_documents(self._bucket(docs[0].doc_id), docs)
        by_shard: dict[Path, list[tuple[str, int]]] = {}
        for key, number in commit.index.items():
            by_shard.setdefault(self._shard_path(key), []).append((key, number))
        for path, entries in by_shard.items():
            upsert_keys(self._db(path, kind="shard"), entries)
        if commit.deadlines:
            self._apply_deadlines(commit.deadlines)
        self._apply_state(commit)

    def _apply_deadlines(self, changes: dict[str, str | None]) -> None:
        db = self._deadlines()
        data = db.storage.read() or {}
        open_ = data.setdefault("open", {})
        for number, deadline in changes.items():
            if deadline is None:
                open_.pop(str(number), None)
            else:
                open_[str(number)] = deadline
        db.storage.write(data)

    def _apply_state(self, commit: Commit) -> None:
        state = self._state()
        data = state.storage.read() or {}
        apply_state(data, commit)
        state.storage.write(data)

    def checkpoint(self) -> None:
        """Make every file durable and drop the pass log: the state directory whole on its
        own, as an older mailbot or a hand edit would expect it."""
        if self._log is not None:
            self._log.checkpoint()

    def close(self) -> None:
        """Forget what is cached. The pass log stays until its next checkpoint: it is durable,
        and the next start writes its passes back (a clean stop does not pay a syncfs)."""
        for cache in self._dbs.values():
            for db in cache.values():
                db.close()
        self._dbs.clear()
        if self._log is not None:
            self._log.close()

