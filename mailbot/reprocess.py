"""`mailbot reprocess`: put quarantined messages back in the intake (RELIABILITY D08).

The daemon records each message it sets aside in `<state>/quarantine/<stem>.json`: its key and
where it now is (IMAP: "UIDVALIDITY:UID" in the quarantine folder, from the server's COPYUID;
Maildir: its name). Reprocessing moves the message back to the watched folder (IMAP UID MOVE,
or a rename into the inbox Maildir), clears its attempt count, and moves the local copy to
`<state>/quarantine/reprocessed/`. The daemon then takes it as new mail: fixed code (or a
raised `max_message_mb`) handles it; otherwise it is quarantined again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mailbot.attempts import Attempts
from mailbot.config import Config
from mailbot.store import AlreadyRunning, StateLock


@dataclass(frozen=True)
class Quarantined:
    stem: str  # the local copy's files are <stem>.eml, .error.txt, .json
    key: str
    location: str | None
    reason: str


def quarantined(state_dir: Path) -> list[Quarantined]:
    """What the quarantine holds and has not been reprocessed, oldest first."""
    found = []
    for path in sorted((state_dir / "quarantine").glob("*.json")):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # hand-edited or torn: `--all` leaves it, a KEY names it as missing
        found.append(Quarantined(path.name[:-len(".json")], str(entry.get("key")),
                                 entry.get("location"), str(entry.get("reason", ""))))
    return found


def reprocess(config: Config, keys: Sequence[str] | None, say: Callable[[str], None]) -> bool:
    """Put back the messages named by `keys` (all when None); one line each through `say`.
    Returns False when one of them could not be put back. Raises IntakeError (mailbox
    unreachable) and OSError (state directory)."""
    from mailbot.runtime import make_intake, make_tokens

    state = config.state_dir
    entries = quarantined(state)
    if keys is None and not entries:  # --all with nothing to do still answers (issue 16 §9)
        say(f"nothing to reprocess: the quarantine of {state} is empty")
        return True
    chosen = entries if keys is None else [e for e in entries if e.key in set(keys)]
    complete = True
    for key in sorted(set(keys or ()) - {e.key for e in chosen}):
        say(f"{key}: not in the quarantine of {state}")
        complete = False
    movable = [e for e in chosen if e.location]
    for entry in chosen:
        if not entry.location:
            say(f"{entry.key}: where it is in the quarantine folder is unknown (the move "
                "failed when it was set aside): move it back by hand")
            complete = False
    if not movable:
        return complete
    intake = make_intake(config, None, threading.Event(), cursor=None, attempts=1,
                         tokens=make_tokens(config))
    try:
        moved = intake.release([e.location for e in movable if e.location])
    finally:
        intake.close()
    _clear_counts(state, [e.key for e in movable if e.location in moved], config)
    done_dir = state / "quarantine" / "reprocessed"
    inbox = config.mailbox.folder if config.mailbox.kind == "imap" else config.mailbox.path
    for entry in movable:
        if entry.location not in moved:
            say(f"{entry.key}: no longer in the quarantine folder (moved or deleted by hand)")
            complete = False
            continue
        done_dir.mkdir(exist_ok=True)
        for part in (state / "quarantine").glob(f"{entry.stem}.*"):
            part.replace(done_dir / part.name)
        say(f"{entry.key}: back in {inbox} (quarantined for: {entry.reason})")
    return complete


def _clear_counts(state: Path, keys: list[str], config: Config) -> None:
    """A running daemon holds no count for a quarantined message once its pass committed, and
    owns attempts.json: the counts are cleared only when no daemon runs."""
    lock = StateLock(state)
    try:
        lock.acquire()
    except AlreadyRunning:
        return
    try:
        Attempts(state, limit=config.mailbox.max_attempts).clear(keys)
    finally:
        lock.release()
