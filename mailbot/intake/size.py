"""Size checks: a message over the cap is not downloaded, only its header (RELIABILITY M04).

The IMAP intake asks the sizes first (`parse_sizes` reads the answer); the Maildir intake
reads the header of a file over the cap with `read_header`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_INTERNALDATE = re.compile(
    rb'INTERNALDATE "\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"')


def parse_arrivals(data: Sequence[object]) -> dict[int, datetime]:
    """UID -> arrival from an imaplib `UID FETCH (UID INTERNALDATE)` answer (RFC 3501
    date-time, "07-Dec-2026 09:15:02 +0100"); a UID whose date cannot be read is left out."""
    found: dict[int, datetime] = {}
    for element in data:
        line = element[0] if isinstance(element, tuple) else element
        if not isinstance(line, bytes):
            continue
        uid, date = re.search(rb"UID (\d+)", line), _INTERNALDATE.search(line)
        if uid is None or date is None:
            continue
        day, month, year, hh, mm, ss, sign, oh, om = (g.decode() for g in date.groups())
        if month.lower() not in _MONTHS:
            continue
        offset = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == "-" else 1)
        try:
            found[int(uid.group(1))] = datetime(int(year), _MONTHS.index(month.lower()) + 1,
                                                int(day), int(hh), int(mm), int(ss),
                                                tzinfo=timezone(offset))
        except ValueError:
            continue
    return found


def parse_sizes(data: Sequence[object]) -> dict[int, int]:
    """UID -> size from an imaplib `UID FETCH (UID RFC822.SIZE)` answer (no literals in it)."""
    sizes: dict[int, int] = {}
    for element in data:
        line = element[0] if isinstance(element, tuple) else element
        if not isinstance(line, bytes):
            continue
        uid, size = re.search(rb"UID (\d+)", line), re.search(rb"RFC822\.SIZE (\d+)", line)
        if uid is not None and size is not None:
            sizes[int(uid.group(1))] = int(size.group(1))
    return sizes



# Enough for any real header section; an endless one is cut here (the parser copes).
MAX_HEADER_BYTES = 1024 * 1024


def read_header(path: Path) -> bytes:
    """The header section of the message in `path`, up to and with its blank line, read in
    chunks: the body of a message over the size cap is never loaded."""
    data = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(64 * 1024):
            data += chunk
            ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n")
                    if (i := data.find(sep)) >= 0]
            if ends:
                return data[:min(ends)]
            if len(data) >= MAX_HEADER_BYTES:
                break
    return data[:MAX_HEADER_BYTES]
