"""The `[vip] directory` file an organisation exports (CSV of address, name, title), read by
configuration loading so that the rules, which are pure, never touch a file."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def read_directory(path: str) -> tuple[tuple[str, str], ...]:
    """(address, title) of every entry of the directory file; read once, when the
    configuration is loaded (`mailbot.config.load`), never while a mail is classified. A missing
    or unreadable file is one log line and an empty directory: the daemon goes on."""
    if not path:
        return ()
    rows: list[tuple[str, str]] = []
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
            for row in csv.reader(handle, dialect):
                if len(row) < 3 or "@" not in row[0]:
                    continue  # the header, or a line without an address
                rows.append((row[0].strip().lower(), row[2].strip()))
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        log.warning("vip.directory %s: not read (%s); VIPs by address and title only", path, exc)
        return ()
    return tuple(rows)
