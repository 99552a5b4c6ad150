"""The pass log: one pass of the daemon made durable by one sequential write and one fsync.

A pass changes many files: index shards, ticket blocks, state.json, deadlines.json, the raw copy
of each message, attachments. Written and fsynced one by one, that was five and a half fsyncs a
message, a third of the daemon's time. The log makes them one:

    state/journal.log   every pass since the last checkpoint, appended: a frame per file the pass
                        writes, holding the file's whole new content, then a trailer that closes
                        the pass (how many frames, the SHA-256 of them all)

A pass appends its frames (raw copies and attachments as they are kept, the database files at the
commit), then its trailer, and fsyncs the log once: that is the commit, the instant the pass is
durable. Only then are its database files replaced (a temporary file renamed over the old one,
not fsynced). Raw copies and attachments are written when kept: they are named by their content,
and one left by a pass that never committed is harmless.

Recovery, at the writer's start: each pass of the log closed by a valid trailer is written again,
file by file, in order; frames after the last trailer are a pass that never committed, dropped.
The log holds whole files, not changes, so recovery reads nothing but the log: a file a power cut
left torn (renamed before its data reached the disk) is simply written again.

Checkpoint, when the log has grown past `CHECKPOINT_BYTES`: one syncfs(2) makes every file the
log describes durable, then the log is removed. A clean stop leaves the log (durable already):
the next start writes it back and appends to it, so that a `run --once` pays no syncfs. A crash
at any instant leaves the files of the last checkpoint plus a log that rebuilds every later
pass.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mailbot.faults import armed, crash_point, forced
from mailbot.storage import atomic_write, fsync_dir, rename_over

log = logging.getLogger("mailbot")

LOG = "journal.log"
# Past this size the log is checkpointed: bounded disk use and a bounded replay at start, for
# one syncfs every few dozen passes of a backlog.
CHECKPOINT_BYTES = 32 * 1024 * 1024
_FRAME, _TRAILER = b"F", b"C"


class PassLog:
    """The log of one state directory; used by its one writer (`mailbot.store.StateLock`)."""

    def __init__(self, state_dir: Path, *, checkpoint_bytes: int = CHECKPOINT_BYTES):
        self.dir = Path(state_dir)
        self.path = self.dir / LOG
        self.checkpoint_bytes = checkpoint_bytes
        self._file: BinaryIO | None = None
        self._committed = 0  # the log's length at the end of the last trailer
        self._seen = False  # whether this process has opened the log
        self._frames = 0  # frames of the pass in hand
        self._digest = hashlib.sha256()

    # --- a pass ----------------------------------------------------------------------------

    def add(self, rel: str, data: bytes) -> None:
        """Append one file's whole new content to the pass in hand (not yet durable)."""
        handle = self._open()
        if self._frames == 0 and handle.tell() != self._committed:
            # What a pass that failed before its trailer left: not part of this one.
            handle.truncate(self._committed)
            handle.seek(self._committed)
        name = rel.encode("utf-8", "surrogateescape")
        header = b"%s %d %d\n" % (_FRAME, len(name), len(data))
        try:
            for part in (header, name, data):
                handle.write(part)
                self._digest.update(part)
        except BaseException:
            self.abandon()
            raise
        self._frames += 1

    def commit(self) -> None:
        """Close the pass in hand with its trailer and make it durable (one fsync)."""
        if self._frames == 0:
            return
        handle = self._open()
        try:
            handle.write(b"%s %d %s\n" % (_TRAILER, self._frames,
                                           self._digest.hexdigest().encode()))
            handle.flush()
            os.fdatasync(handle.fileno())
        except BaseException:
            self.abandon()
            raise
        self._committed = handle.tell()
        self._frames, self._digest = 0, hashlib.sha256()

    def abandon(self) -> None:
        """Drop the pass in hand: the next frame starts a new pass where the last one ended."""
        self._frames, self._digest = 0, hashlib.sha256()
        if self._file is not None:  # its buffer too: what did not fit is cut by the next add
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None

    def due(self) -> bool:
        return self._committed >= self.checkpoint_bytes or forced("checkpoint")

    def checkpoint(self) -> None:
        """Make every file the log describes durable, then drop the log."""
        if self._file is None and not self.path.exists():
            return
        sync_filesystem(self.dir)
        crash_point("checkpoint_synced")
        self.close()
        self.path.unlink(missing_ok=True)
        fsync_dir(self.dir)  # a log that came back would only be replayed: still, not twice
        self._committed = 0

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._frames, self._digest = 0, hashlib.sha256()

    def _open(self) -> BinaryIO:
        if self._file is None:
            new = not self.path.exists()
            self._file = open(self.path, "w+b" if new else "r+b")  # noqa: SIM115 - kept open
            self._file.seek(0, os.SEEK_END)
            if new:
                self._committed = 0
                fsync_dir(self.dir)  # the log itself must be found after a power cut
            elif not self._seen:  # a log left by another process, never replayed here
                self._committed = self._file.tell()
            self._seen = True
        return self._file

    # --- recovery --------------------------------------------------------------------------

    def replay(self) -> int:
        """Write again every file of every committed pass in the log, and cut off what follows
        the last trailer (a pass that never committed); returns the passes. New passes are
        then appended to the same log."""
        if not self.path.exists():
            return 0
        passes, end = 0, 0
        with open(self.path, "rb") as handle:
            for frames in _committed_passes(handle):
                for rel, data in frames:
                    replace_file(self.dir / rel, data)
                crash_point("replay_applying")
                passes, end = passes + 1, handle.tell()
        self.close()
        if end < self.path.stat().st_size:
            os.truncate(self.path, end)
        self._committed, self._seen = end, True
        return passes

    def latest(self, rel: str) -> bytes | None:
        """The last committed content of one file in the log, if it is there."""
        if not self.path.exists():
            return None
        found = None
        with open(self.path, "rb") as handle:
            for frames in _committed_passes(handle):
                found = next((data for name, data in reversed(frames) if name == rel), found)
        return found


def _committed_passes(handle: BinaryIO) -> Iterator[list[tuple[str, bytes]]]:
    """The passes of a log closed by a valid trailer; stops at the first torn or bad one."""
    frames: list[tuple[str, bytes]] = []
    digest = hashlib.sha256()
    while header := handle.readline():
        kind, first, second = (header.split() + [b"", b"", b""])[:3]
        if kind == _FRAME and first.isdigit() and second.isdigit() and header.endswith(b"\n"):
            name, data = handle.read(int(first)), handle.read(int(second))
            if len(name) != int(first) or len(data) != int(second):
                break  # torn in a frame
            for part in (header, name, data):
                digest.update(part)
            frames.append((name.decode("utf-8", "surrogateescape"), data))
        elif (kind == _TRAILER and first == b"%d" % len(frames) and header.endswith(b"\n")
              and second == digest.hexdigest().encode()):
            yield frames
            frames, digest = [], hashlib.sha256()
        else:
            break
    if frames or header:
        log.warning("%s: the end of the log is a pass that never committed: dropped",
                    handle.name)


# --- the commit in hand ---------------------------------------------------------------------

class Staging:
    """The database files of the commit in hand: each goes to the pass log and to a temporary
    file beside its place, renamed over it once the log has committed. Nothing is held in
    memory: a pass over years of history may change dozens of large ticket blocks."""

    def __init__(self, journal: PassLog):
        self.log = journal
        self._tmp: dict[Path, Path] = {}

    def put(self, path: Path, data: bytes) -> None:
        self.log.add(str(path.relative_to(self.log.dir)), data)
        self._tmp[path] = _write(path, data, publish=False)

    def get(self, path: Path) -> bytes | None:
        """What the commit in hand wrote to `path`, if anything."""
        tmp = self._tmp.get(path)
        return tmp.read_bytes() if tmp is not None else None

    def publish(self, *, first: str = "index") -> None:
        """Rename every staged file over its place, those under `first` first (a crash
        between the two is a boundary the crash tests take)."""
        staged = sorted(self._tmp.items(), key=lambda item: item[0].parent.parent.name != first)
        self._tmp.clear()
        for number, (path, tmp) in enumerate(staged):
            if number and staged[number - 1][0].parent.parent.name == first != (
                    path.parent.parent.name):
                crash_point("files_half_written")  # the index replaced, the tickets not yet
            rename_over(tmp, path)

    def discard(self) -> None:
        for tmp in self._tmp.values():
            tmp.unlink(missing_ok=True)
        self._tmp.clear()


# --- files ----------------------------------------------------------------------------------

def replace_file(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically for other processes (rename), not fsynced: the
    log it was written after makes it durable."""
    _write(path, data, publish=True)


def create_file(path: Path, data: bytes) -> None:
    """A content-addressed file (a raw copy, an attachment: same name, same bytes) written in
    place unless it is there, not fsynced (the log makes it durable): one open, no temporary
    file, no rename, no stat (issue 18). Nobody reads it before the commit that names it. A copy
    a kill cut short (shorter than `data`) is written again whole, atomically."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        if path.stat().st_size != len(data):
            replace_file(path, data)
        return
    except FileNotFoundError:
        if path.parent.exists():
            raise
        path.parent.mkdir(parents=True, exist_ok=True)
        return create_file(path, data)
    try:
        with os.fdopen(fd, "wb") as handle:
            if armed("file_half_created"):  # a kill in the middle of the write
                handle.write(data[:len(data) // 2])
                handle.flush()
                crash_point("file_half_created")
            handle.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _write(path: Path, data: bytes, *, publish: bool) -> Path:
    """The temporary file written (and renamed over `path` if `publish`), directories made."""
    try:
        return atomic_write(path, data, durable=False, publish=publish)
    except FileNotFoundError:
        if path.parent.exists():
            raise
        path.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write(path, data, durable=False, publish=publish)


_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def sync_filesystem(directory: Path) -> None:
    """syncfs(2): everything written to the file system holding `directory` reaches the disk,
    in one call (sync(2) where there is no syncfs)."""
    syncfs = getattr(_LIBC, "syncfs", None)
    fd = os.open(directory, os.O_RDONLY)
    try:
        if syncfs is None or syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)
