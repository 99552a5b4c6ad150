"""`mailbot outbox --resend ID` and `--drop ID`: the operator's decision on an outgoing mail the
daemon will not settle by itself.

A 'maybe sent' mail (the daemon died between handing it to the SMTP server and recording the
answer) is never sent again by the daemon: the server may have it, and a duplicate to a person
is worse than a mail resent by hand. The operator looks for its Message-ID in the relay's log
or asks the recipient, then either puts it back in the queue (`--resend`: the daemon sends it
on its next pass, under the same Message-ID, so a mail client that has the first copy shows
one) or takes it out (`--drop`: it did arrive, or is no longer of use). The same holds for a
'failed' mail (given up after its retries) once the cause is fixed.

On PostgreSQL this works while the daemons run: the row changes only if it is still in the
state the operator saw. The embedded store has one writer, the daemon: it must be stopped."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

from mailbot.config import Config
from mailbot.model import OutgoingMail
from mailbot.store import AlreadyRunning, StateLock, open_store
from mailbot.store.commit import Commit
from mailbot.store.database import Store

log = logging.getLogger("mailbot")

# What the operator may settle: the daemon will not touch these by itself.
SETTLED_BY_HAND = ("maybe_sent", "failed")


class NotSettled(Exception):
    """The mail is not in the outbox, not in a state the operator may settle, or the store
    cannot be written now: one line for the operator."""


def settle(config: Config, message_id: str, *, resend: bool) -> str:
    """Put one 'maybe sent' or 'failed' mail back in the queue (`resend`) or out of the outbox;
    the line that says what was done (also logged)."""
    wanted = _normalised(message_id)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if config.storage.kind == "tinydb":
        mail = _settle_tinydb(config, wanted, resend=resend, now=now)
    else:
        mail = _settle_postgres(config, wanted, resend=resend, now=now)
    about = f"for ticket #{mail.ticket}" if mail.ticket is not None else "(about no ticket)"
    to = ", ".join(mail.recipients)
    if resend:
        line = (f"{mail.kind} {mail.message_id} {about} to {to}: was {mail.status}, back in the "
                "outbox, sent by the daemon's next pass under the same Message-ID")
    else:
        line = (f"{mail.kind} {mail.message_id} {about} to {to}: was {mail.status}, dropped "
                "from the outbox, not sent again")
    log.warning("outbox by hand: %s", line)
    return line


def _normalised(message_id: str) -> str:
    bare = message_id.strip().strip("<>")
    if not bare:
        raise NotSettled("no Message-ID given")
    return f"<{bare}>"


def _changes(now: str) -> dict[str, object]:
    """What a resend resets: due at once, its attempts and errors forgotten, and marked as the
    operator's (the daemon's 24-hour limit on acknowledgements does not drop it)."""
    return {"status": "pending", "attempts": 0, "next_attempt_at": "", "last_error": "",
            "unconfirmed": 0, "resent_by_hand": now}


def _find(mails: list[OutgoingMail], wanted: str) -> OutgoingMail:
    mail = next((m for m in mails if m.message_id.strip() == wanted), None)
    if mail is None:
        raise NotSettled(f"no mail {wanted} in the outbox (`mailbot outbox --all` lists it)")
    if mail.status not in SETTLED_BY_HAND:
        raise NotSettled(f"{wanted} is {mail.status}, not maybe_sent or failed: the daemon "
                         "still sends it by itself")
    return mail


def _settle_tinydb(config: Config, wanted: str, *, resend: bool, now: str) -> OutgoingMail:
    lock = StateLock(config.state_dir)
    try:
        lock.acquire()
    except AlreadyRunning:
        raise NotSettled(f"the daemon is running on {config.state_dir}: with the embedded store "
                         "only it writes there; stop it (systemctl stop mailbot), run this "
                         "again, then start it") from None
    try:
        store = Store(config.state_dir, writer=True)
        try:
            mail = _find(store.outbox(), wanted)
            commit = Commit()
            if resend:
                kept = mail.data if mail.ticket else (store.outgoing_data(mail) or "")
                commit.outbox[mail.message_id] = {**replace(mail, data=kept).to_dict(),
                                                  **_changes(now)}
            else:
                commit.outbox_done.append(mail.message_id)
            store.commit(commit)
        finally:
            store.close()
    finally:
        lock.release()
    return mail


def _settle_postgres(config: Config, wanted: str, *, resend: bool,
                     now: str) -> OutgoingMail:
    store = open_store(config)
    try:
        mail = _find(store.outbox(), wanted)
        changed = store.by_hand(mail.message_id, mail.status,  # type: ignore[attr-defined]
                                _changes(now) if resend else None)
    finally:
        store.close()
    if not changed:
        raise NotSettled(f"{wanted} changed meanwhile (a daemon or another operator): see "
                         "`mailbot outbox` and try again")
    return mail
