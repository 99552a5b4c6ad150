"""A TinyDB storage that survives a crash at any instant.

TinyDB's own `JSONStorage` rewrites its file in place: a crash in the middle leaves a torn file,
and an empty file is read as an empty database. Here every write goes to a temporary file in the
same directory, is fsynced, then renamed over the old one (rename is atomic on POSIX), and the
directory is fsynced so the rename itself is durable (as offlineimap does for its UIDVALIDITY
cache). A missing file is an empty database; an empty or unparsable file is an error, never
silently "empty".
"""

from __future__ import annotations

import json
import os
import threading
import zlib
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any, Protocol

from tinydb.storages import Storage


class CorruptStore(Exception):
    """The operator's problem: a state file exists but cannot be read back."""


class StateUnwritable(Exception):
    """The operator's problem: the state directory refuses a write (disk full, read-only,
    permissions). Not the message's fault: nothing may leave the mailbox until it is fixed."""


class StoreUnavailable(StateUnwritable):
    """The ticket database (storage.kind = "postgresql") cannot be reached or refused the
    pass's transaction: nothing of the pass is written, the mail stays on the server, the
    daemon retries."""


class StoreConflict(StoreUnavailable):
    """Two daemons' passes on one database got in each other's way (a deadlock between their
    locks, or a lock waited for too long): this pass is rolled back and taken again at once.
    The database is fine: no alert."""


def atomic_write(path: Path, data: bytes, *, dirty: set[Path] | None = None,
                 tmp: Path | None = None, mode: int = 0o666,
                 owner: tuple[int, int] | None = None, durable: bool = True,
                 publish: bool = True) -> Path:
    """Replace `path` with `data` atomically: the one write-fsync-rename-fsync sequence of the
    project (the store's files, the Maildir outbox and the OAuth2 token caches use it).

    The data goes to `tmp` (by default a hidden file next to `path`, named for this process and
    thread; a Maildir's tmp/ must be on the same file system), created with `mode` (before the
    umask) and `owner`, fsynced, then renamed over `path`; a failure removes it. The rename
    becomes durable once the directory is fsynced: at once, or, when `dirty` is given, later by
    the caller, which turns one directory fsync per file into one per directory.

    `durable=False` skips both fsyncs, for a file that something else makes durable (the store's
    pass log, mailbot.passlog) or that need only outlive the process; `publish=False` also
    leaves the rename to the caller (`rename_over`, once the log has committed). Returns the
    temporary file's path."""
    tmp = tmp or path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if owner is not None:
            os.chown(tmp, *owner)
        if publish:
            rename_over(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not keep half a file as well
        raise
    if not durable or not publish:
        return tmp
    if dirty is None:
        fsync_dir(path.parent)
    else:
        dirty.add(path.parent)
    return tmp


def append(path: Path, data: bytes, *, durable: bool) -> None:
    """Append `data` to `path` (created 0600), fsynced when `durable`: the courier's send log
    (mailbot.store.sendlog) records an attempt this way before the message goes."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)


def rename_over(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_json(path: Path) -> Any | None:
    """The JSON document at `path`, None when the file does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if not data.strip():
        raise CorruptStore(f"{path}: empty state file (refusing to read it as an empty database)")
    try:
        return json.loads(data)
    except ValueError as exc:
        raise CorruptStore(f"{path}: unreadable state file: {exc}") from exc


class Staged(Protocol):
    """Where the store's writer puts what a commit writes (mailbot.passlog.Staging)."""

    def put(self, path: Path, data: bytes) -> None: ...
    def get(self, path: Path) -> bytes | None: ...


class AtomicJSONStorage(Storage):
    """TinyDB storage: atomic replace on write, optional read cache for the single writer.

    The daemon is the only writer of its state directory (see `mailbot.store.StateLock`), so it
    may keep what it last read or wrote in memory instead of parsing the file again. Readers in
    other processes (``mailbot tickets``) open with ``cache=False`` and always see a whole file.
    """

    def __init__(self, path: str | Path, *, cache: bool = False, read_only: bool = False,
                 staged: Staged | None = None, encodings: bool = False):
        super().__init__()
        self.path = Path(path)
        # Given (the store's writer): a write is serialized into it, and the store writes it
        # through its pass log at the commit (mailbot.passlog), not file by file.
        self._staged = staged
        self._cache_enabled = cache
        self._cache: dict[str, Any] | None = None
        self._read_only = read_only
        # Ticket blocks: the default table is kept as its documents' JSON (`EncodedTable`)
        self._keep_encodings = encodings
        # name -> a value computed from the cached data (`derived`), dropped at every write
        self._derived: dict[str, Any] = {}

    def read(self) -> dict[str, Any] | None:
        if self._cache is not None:
            return self._cache
        staged = self._staged.get(self.path) if self._staged is not None else None
        data = json.loads(staged) if staged is not None else read_json(self.path)
        if data is not None and not isinstance(data, dict):
            raise CorruptStore(f"{self.path}: not a TinyDB document")
        if self._cache_enabled:
            if self._keep_encodings and data is not None and len(data) == 1 and isinstance(
                    data.get("_default"), dict):
                data["_default"] = EncodedTable.read_back(data["_default"])
            self._cache = data
        return data

    def derived(self, name: str, build: Callable[[dict[str, Any]], Any]) -> Any:
        """`build(data)`, kept with the cached data until the next write: a lookup by a field
        (a meta name, a recipient, a key) reads a dict instead of scanning the table as a
        TinyDB query does. Without the cache (another process's reader), built each time."""
        known = self._derived.get(name)
        if known is None:
            known = build(self.read() or {})
            if self._cache is not None:
                self._derived[name] = known
        return known

    def write(self, data: dict[str, Any]) -> None:
        if self._read_only:
            raise PermissionError(f"{self.path}: opened read-only")
        # TinyDB mutates what read() returned before calling write(): if the write fails, the
        # cached copy no longer matches the disk and must be dropped.
        self._cache = None
        self._derived = {}
        data_bytes = self._encode(data)
        if self._staged is not None:
            self._staged.put(self.path, data_bytes)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, data_bytes)
        if self._cache_enabled:
            self._cache = data

    def _encode(self, data: dict[str, Any]) -> bytes:
        """`data` as compact JSON. With `encodings` (ticket blocks) each document of the default
        table is encoded once and kept as its JSON (`EncodedTable`): a block rewritten for one
        changed ticket re-encodes that ticket, not its hundred neighbours, and a block kept in
        memory holds its documents' bytes rather than their parsed objects."""
        table = data.get("_default")
        if not self._keep_encodings or len(data) != 1 or not isinstance(table, dict | EncodedTable):
            return _dumps(data)
        if not isinstance(table, EncodedTable):
            table = data["_default"] = EncodedTable(table)
        return table.encode()

    def close(self) -> None:
        self._cache = None
        self._derived = {}


class EncodedTable(MutableMapping[str, Any]):
    """A ticket block's table for its one writer: doc id -> document, each document held as its
    compact JSON once written, and parsed again when it is read. A block has a hundred tickets
    of a dozen kilobytes; parsed, the sixteen blocks the store keeps open were a third of the
    daemon's memory, and each write re-encoded every ticket of the block. Here a write encodes
    the documents set since the last one (`encode`), and keeps those parsed, as the outbox reads
    them right after the commit; the rest are bytes (their JSON, zlib-packed: `_pack`) until
    read. Documents are never edited in
    place (the store replaces a changed one), so the JSON of one not set again is still its
    JSON."""

    def __init__(self, docs: dict[str, Any]):
        self._json: dict[str, bytes | None] = dict.fromkeys(docs)  # in file order; None: to encode
        self._docs: dict[str, Any] = dict(docs)  # parsed: set since the last write, or read

    @classmethod
    def read_back(cls, docs: dict[str, Any]) -> EncodedTable:
        """The table of a block just read from its file: its documents kept as their JSON
        only. Held parsed until the block's next write, the hundred tickets of each block a
        pass reads for one follow-up were its peak memory (3 to 4 MB a block, a dozen blocks
        a pass late in a backlog); encoded now, they are not encoded again at that write."""
        table = cls({})
        table._json = {doc_id: _pack(_dumps(doc)) for doc_id, doc in docs.items()}
        return table

    def __getitem__(self, doc_id: str) -> Any:
        doc = self._docs.get(doc_id)
        if doc is None:
            encoded = self._json[doc_id]  # KeyError for an unknown id, as a dict
            if encoded is None:
                raise KeyError(doc_id)
            doc = self._docs[doc_id] = json.loads(zlib.decompress(encoded))
        return doc

    def __setitem__(self, doc_id: str, doc: Any) -> None:
        self._json[doc_id] = None
        self._docs[doc_id] = doc

    def __delitem__(self, doc_id: str) -> None:
        del self._json[doc_id]
        self._docs.pop(doc_id, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._json)

    def __len__(self) -> int:
        return len(self._json)

    def encode(self) -> bytes:
        """The whole table as the file holds it, `{"_default":{...}}`; only the documents set
        since the last call are encoded; they stay parsed, the ones only read are dropped."""
        written = {}
        for doc_id, encoded in self._json.items():
            if encoded is None:
                self._json[doc_id] = _pack(_dumps(self._docs[doc_id]))
                written[doc_id] = self._docs[doc_id]
        self._docs = written
        return b'{"_default":{' + b",".join(
            _key(doc_id) + b":" + zlib.decompress(encoded)  # type: ignore[arg-type]
            for doc_id, encoded in self._json.items()) + b"}}"


def _pack(encoded: bytes) -> bytes:
    """A ticket's JSON as the writer holds it between writes: zlib at its fastest level, a
    third of the size (the mails sent are most of a ticket). The sixteen blocks kept, 12 KB a
    ticket as plain JSON, were the daemon's growth through a backlog: about 10 MB per 1,000
    mails, 19 MB by 1,600 tickets (issue 18 §2). Unpacked at each write of the block and
    each read of the ticket."""
    return zlib.compress(encoded, 1)


def _key(doc_id: str) -> bytes:
    """A document id as a JSON key: digits need no escaping (a block's hundred ids, each pass)."""
    return b'"%s"' % doc_id.encode("ascii") if doc_id.isdigit() and doc_id.isascii() else (
        _dumps(doc_id))


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
