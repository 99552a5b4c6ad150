"""A local Maildir inbox as the intake: the embedded default, or mail delivered by the host's
MTA."""

from __future__ import annotations

import glob
import logging
import os
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from mailbot.intake.base import (
    IncomingMail,
    IntakeError,
)
from mailbot.intake.size import read_header

log = logging.getLogger("mailbot.intake")  # one logger for every room of the intake


class MaildirIntake:
    """A local Maildir inbox: the embedded default, or mail delivered by the host's own MTA.

    Handled mail is renamed (atomically, bytes untouched) into the sibling Maildirs `processed`
    and `quarantine`. Waiting polls: a stat of new/ and cur/, and a listing only when they
    changed.
    """

    def __init__(self, path: Path, *, processed: Path | None = None,
                 quarantine: Path | None = None, poll_interval: float = 0.2,
                 max_message_bytes: int | None = None) -> None:
        self._path = Path(path)
        self._max_bytes = max_message_bytes  # beyond it, only the header is read
        self._targets = {
            "processed": Path(processed) if processed else self._path.with_name("processed"),
            "quarantine": Path(quarantine) if quarantine else self._path.with_name("quarantine"),
        }
        for maildir in (self._path, *self._targets.values()):
            for sub in ("tmp", "new", "cur"):
                (maildir / sub).mkdir(parents=True, exist_ok=True)
        self._poll_interval = poll_interval
        self._handed_out: dict[str, Path] = {}  # fetched, not yet moved
        self._scan_stamp: tuple[int, ...] | None = None

    def __repr__(self) -> str:
        return f"MaildirIntake({self._path})"

    def fetch_pending(self, *, limit: int = 100) -> list[IncomingMail]:
        """The oldest deliveries first (by file time, then name), at most `limit`."""
        items: list[IncomingMail] = []
        for key, path in self._pending()[:limit]:
            try:
                stat = path.stat()
                size = stat.st_size
                big = self._max_bytes is not None and size > self._max_bytes
                raw = read_header(path) if big else path.read_bytes()
            except FileNotFoundError:
                continue  # taken by another reader meanwhile
            self._handed_out[key] = path
            # Delivered when the file was written: its time, as Dovecot's INTERNALDATE is.
            arrived = datetime.fromtimestamp(stat.st_mtime, UTC)
            items.append(IncomingMail(key=key, raw=raw, oversize=size if big else None,
                                      arrived=arrived))
        return items

    def mark_processed(self, items: Sequence[IncomingMail]) -> None:
        for item in items:
            self._move(item, "processed")

    def quarantine(self, item: IncomingMail) -> str | None:
        """Returns the key: a Maildir name stays the same in the quarantine Maildir."""
        return item.key if self._move(item, "quarantine") else None

    def release(self, locations: Sequence[str]) -> set[str]:
        moved: set[str] = set()
        quarantine = self._targets["quarantine"]
        for key in locations:
            for sub in ("new", "cur"):
                for path in (quarantine / sub).glob(f"{glob.escape(key)}*"):
                    if path.name.split(":", 1)[0] == key:
                        os.replace(path, self._path / sub / path.name)
                        moved.add(key)
        return moved

    def wait_for_mail(self, timeout: float, stop: threading.Event) -> bool:
        deadline = time.monotonic() + timeout
        while not stop.is_set():
            stamp = self._stamp()
            if stamp != self._scan_stamp and self._pending():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0 or stop.wait(min(self._poll_interval, remaining)):
                return False
        return False

    def rewind(self) -> None:
        self._handed_out.clear()
        self._scan_stamp = None

    def close(self) -> None:
        self._handed_out.clear()

    def _pending(self) -> list[tuple[str, Path]]:
        stamp = self._stamp()
        found: list[tuple[int, str, Path]] = []
        for sub in ("new", "cur"):
            with os.scandir(self._path / sub) as entries:
                for entry in entries:
                    key = entry.name.split(":", 1)[0]
                    if entry.name.startswith(".") or key in self._handed_out:
                        continue
                    try:
                        found.append((entry.stat().st_mtime_ns, key, Path(entry.path)))
                    except FileNotFoundError:
                        continue
        # A change within the clock tick of the stamp could hide behind an equal mtime, so a
        # stamp is trusted only once it is a second old.
        if time.time_ns() - max(stamp) > 1_000_000_000:
            self._scan_stamp = stamp
        else:
            self._scan_stamp = None
        return [(key, path) for _mtime, key, path in sorted(found)]

    def _stamp(self) -> tuple[int, ...]:
        return tuple((self._path / sub).stat().st_mtime_ns for sub in ("new", "cur"))

    def _move(self, item: IncomingMail, target: str) -> bool:
        source = self._handed_out.pop(item.key, None) or self._find(item.key)
        if source is None:
            log.warning("Maildir %s: %s is gone, not moved to %s", self._path, item.key, target)
            return False
        destination = self._targets[target] / source.parent.name / source.name
        try:
            os.replace(source, destination)
        except OSError as exc:
            self._handed_out.clear()  # unsure what moved: the next fetch rescans everything
            raise IntakeError(f"Maildir: cannot move {item.key} to {target}: {exc}") from exc
        return True

    def _find(self, key: str) -> Path | None:
        for sub in ("new", "cur"):
            for path in (self._path / sub).glob(f"{glob.escape(key)}*"):
                if path.name.split(":", 1)[0] == key:
                    return path
        return None
