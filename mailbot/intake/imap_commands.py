"""The IMAP commands the intake needs beyond imap-tools, and the reading of their answers:
UID sets, FETCH answers, a move that expunges only its own UIDs, the XOAUTH2 login, and the
wait for the server to speak during IDLE. Functions of a connection; no state of their own."""

from __future__ import annotations

import imaplib
import logging
import re
import select
import ssl
import threading
import time
from collections.abc import Iterable, Sequence

from imap_tools import BaseMailBox
from imap_tools.errors import (
    MailboxCopyError,
    MailboxDeleteError,
    MailboxLoginError,
)
from imap_tools.utils import check_command_status, encode_folder

log = logging.getLogger("mailbot.intake")  # one logger for every room of the intake

# How often a blocked wait looks at the daemon's stop event.
_STOP_CHECK_SECONDS = 0.2
LINK_ERRORS = (imaplib.IMAP4.abort, OSError, EOFError)


def uid_set(uids: Iterable[int]) -> str:
    """An IMAP sequence set with runs folded into ranges: [1, 2, 3, 7] -> "1:3,7"."""
    parts: list[str] = []
    ordered = sorted(set(uids))
    start = prev = ordered[0]
    for uid in ordered[1:] + [None]:
        if uid is not None and uid == prev + 1:
            prev = uid
            continue
        parts.append(str(start) if start == prev else f"{start}:{prev}")
        if uid is not None:
            start = prev = uid
    return ",".join(parts)



def parse_fetch(data: Sequence[object], wanted: set[int]) -> dict[int, bytes]:
    """UID -> raw bytes from an imaplib `UID FETCH (UID BODY.PEEK[])` answer (or
    `BODY.PEEK[HEADER]`).

    Unsolicited FETCH lines (flag changes made by other clients) come without a literal and are
    skipped; a server that puts UID after the literal has it in the element that follows.
    """
    found: dict[int, bytes] = {}
    for index, element in enumerate(data):
        if not isinstance(element, tuple):
            continue
        head, body = element
        match = re.search(rb"UID (\d+)", head)
        if match is None and index + 1 < len(data) and isinstance(data[index + 1], bytes):
            match = re.search(rb"UID (\d+)", data[index + 1])  # type: ignore[arg-type]
        if match is not None and int(match.group(1)) in wanted:
            found[int(match.group(1))] = body
    return found

def xoauth2(mailbox: BaseMailBox, user: str, token: str) -> None:
    """imap-tools' XOAUTH2 login; a refusal reaches us as imaplib's bare error (imap-tools
    calls imaplib's AUTHENTICATE), made a MailboxLoginError like a refused password."""
    try:
        mailbox.xoauth2(user, token, initial_folder=None)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        raise MailboxLoginError(("NO", [str(exc).encode()]), "OK") from None


def server_answer(exc: MailboxLoginError) -> str:
    """What the server said to the login, without imap-tools' framing around it."""
    lines = getattr(exc, "command_result", None)
    data = lines[1] if isinstance(lines, tuple) and len(lines) > 1 else None
    if isinstance(data, list) and data and isinstance(data[-1], bytes):
        return data[-1].decode("utf-8", "replace")[:300]
    return str(exc)[:300]


def quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def transfer(mailbox: BaseMailBox, uids: set[int], folder: str) -> dict[int, str]:
    """Move exactly `uids` to `folder`: one UID MOVE when offered (RFC 6851), else COPY, then
    \\Deleted and UID EXPUNGE of these UIDs only (RFC 4315). imap-tools' fallback sends a bare
    EXPUNGE, which would also destroy what another client marked \\Deleted; without UIDPLUS
    ours stay flagged \\Deleted (the inbox search skips them) rather than risk that.

    Returns source UID -> "UIDVALIDITY:UID" in `folder`, from the server's COPYUID (untagged
    during a MOVE, in the tagged answer of a COPY); empty when it sends none."""
    client, numbers = mailbox.client, uid_set(uids)
    if "MOVE" in client.capabilities:
        client.untagged_responses.pop("COPYUID", None)  # an older answer's
        mailbox.move(numbers, folder)
        return _copyuid(client.untagged_responses.pop("COPYUID", []))
    client.untagged_responses.pop("COPYUID", None)
    copied = client.uid("COPY", numbers, encode_folder(folder))
    check_command_status(copied, MailboxCopyError)
    # imaplib files the tagged answer's [COPYUID ...] under untagged_responses, not in `copied`
    codes = client.untagged_responses.pop("COPYUID", [])
    check_command_status(client.uid("STORE", numbers, "+FLAGS", r"(\Deleted)"),
                         MailboxDeleteError)
    if "UIDPLUS" in client.capabilities:
        check_command_status(client.uid("EXPUNGE", numbers), MailboxDeleteError)
    else:
        log.warning("IMAP: no UIDPLUS: %d message(s) left flagged \\Deleted in the inbox "
                    "(a plain EXPUNGE could remove other clients' mail)", len(uids))
    return _copyuid(codes)


def _copyuid(codes: Sequence[bytes]) -> dict[int, str]:
    """RFC 4315 `COPYUID <uidvalidity> <source set> <destination set>`: the two sets list the
    UIDs in the same order."""
    found: dict[int, str] = {}
    for code in codes:
        parts = code.decode("ascii", "replace").split()
        if len(parts) == 3:
            pairs = zip(expand_uid_set(parts[1]), expand_uid_set(parts[2]), strict=False)
            found.update({src: f"{parts[0]}:{dst}" for src, dst in pairs})
    return found


def expand_uid_set(text: str) -> list[int]:
    """"1:3,7" -> [1, 2, 3, 7] (the inverse of uid_set, for the server's answers)."""
    uids: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition(":")
        low, high = int(first), int(last or first)
        uids.extend(range(min(low, high), max(low, high) + 1))
    return uids


def hierarchy_delimiter(mailbox: BaseMailBox) -> str | None:
    typ, data = mailbox.client.list('""', '""')
    match = re.match(rb'\(.*?\) "(.)"', data[0] or b"") if typ == "OK" and data else None
    return match.group(1).decode() if match else None


def take_new_mail_notices(mailbox: BaseMailBox) -> bool:
    """Whether the server announced new messages (EXISTS, RECENT) since the last call."""
    notices = mailbox.client.untagged_responses
    found = notices.pop("EXISTS", None) is not None
    return notices.pop("RECENT", None) is not None or found


def wait_readable(mailbox: BaseMailBox, until: float, stop: threading.Event) -> None:
    """Until the server says something during IDLE, `until` passes, or `stop` is set."""
    if _has_buffered_input(mailbox.client):
        return
    sock = mailbox.client.sock
    while not stop.is_set():
        remaining = until - time.monotonic()
        if remaining <= 0:
            return
        readable, _, _ = select.select([sock], [], [], min(remaining, _STOP_CHECK_SECONDS))
        if readable:
            return


def _has_buffered_input(client: imaplib.IMAP4) -> bool:
    """Whether bytes already read from the socket wait in imaplib's buffer.

    The server may send "+ idling" and an EXISTS in one segment; reading the first line leaves
    the second in the buffer, where select() cannot see it.
    """
    sock = client.sock
    previous = sock.gettimeout()
    sock.settimeout(0)
    try:
        return bool(client.file.peek(1))
    except (BlockingIOError, ssl.SSLWantReadError):
        return False
    finally:
        sock.settimeout(previous)
