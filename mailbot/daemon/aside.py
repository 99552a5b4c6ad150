"""Setting mail aside: a message that cannot be handled (it raised, it is over the size cap,
or the process died with it in hand too often) goes to the quarantine with a copy and its
error in the state directory, and the team hears of it once a pass. Mixed into Daemon."""

from __future__ import annotations

import json
import logging
import traceback
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from mailbot import notices, oversize, pipeline
from mailbot.batch import Batch
from mailbot.config import Config
from mailbot.intake.base import IncomingMail, Intake
from mailbot.parsers import ParseRules, parse
from mailbot.parsers.headers import decode_text
from mailbot.storage import StateUnwritable
from mailbot.store import TicketStore

log = logging.getLogger("mailbot")

HEADER_PEEK = 64 * 1024  # bytes of a set-aside message read for its From and Subject


class AsideHandling:
    """Daemon's quarantine steps (RELIABILITY D07, D08, M04)."""

    # Set by Daemon.__init__ (mailbot.daemon.loop).
    config: Config
    store: TicketStore
    intake: Intake
    rules: ParseRules
    _aside: list[dict[str, str]]

    def _quarantine(self, item: IncomingMail, exc: Exception, now: datetime) -> None:
        first = str(exc).splitlines()[0] if str(exc) else ""
        self._set_aside(item, f"{type(exc).__name__}: {first}",
                        "".join(traceback.format_exception(exc)), now)

    def _set_aside(self, item: IncomingMail, reason: str, detail: str, now: datetime, *,
                   level: int = logging.ERROR) -> None:
        """Quarantine: a copy (`raw`, the header alone for an oversize message) and `detail`
        in the state directory, then the message to the quarantine folder; one log line. A
        `.json` names the key and where the message now is, for `mailbot reprocess`."""
        folder = self.store.dir / "quarantine"
        stem = f"{now.strftime('%Y%m%dT%H%M%S')}-{item.key.replace('/', '_').replace(':', '-')}"
        try:  # without its copy, the message must not leave the mailbox (RELIABILITY D07)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{stem}.eml").write_bytes(item.raw)
            (folder / f"{stem}.error.txt").write_text(detail, encoding="utf-8")
        except OSError as write_error:
            raise StateUnwritable(f"cannot quarantine {item.key} in {folder}: "
                                  f"{write_error.strerror or write_error}") from None
        log.log(level, "message %s quarantined: %s (copy in %s)", item.key, reason,
                folder / f"{stem}.eml")
        self._aside.append({"key": item.key, "reason": reason, **_who(item.raw)})
        try:
            location = self.intake.quarantine(item)
        except Exception as move_error:  # the copy is kept; the next pass tries again
            log.error("could not move %s to quarantine: %s", item.key, move_error)
            return
        entry = {"key": item.key, "location": location, "reason": reason,
                 "quarantined_at": now.isoformat()}
        try:
            (folder / f"{stem}.json").write_text(json.dumps(entry), encoding="utf-8")
        except OSError as exc:  # the copy and the message are safe; only reprocess lacks it
            log.error("could not record %s for mailbot reprocess: %s", item.key, exc)

    def _tell_team_of_aside(self, batch: Batch, now: datetime) -> None:
        """One mail to the team for the messages this pass set aside (not one per message: a
        flood of poison must not become a flood of alerts)."""
        if not self._aside:
            return
        copies = str(self.store.dir / "quarantine")
        mail = notices.quarantined(self._aside, self.config, copies=copies, now=now)
        batch.stage(pipeline.Decision("timer", None, None, [mail], [
            f"team told of {len(self._aside)} message(s) set aside"]))

    def _given_up(self, item: IncomingMail, now: datetime) -> None:
        """RELIABILITY D08: the process died this many times with the message in hand; it is
        not parsed again. The alert line is CRITICAL: the operator should look at it."""
        n, limit = self.attempts.count(item.key), self.attempts.limit
        reason = (f"the process died {n} times while handling it (mailbox.max_attempts = "
                  f"{limit}): not parsed again")
        self._set_aside(item, reason, reason + "\n", now, level=logging.CRITICAL)

    def _oversize(self, item: IncomingMail, batch: Batch, now: datetime) -> None:
        """RELIABILITY M04: the intake fetched only the header of a message over the cap; no
        ticket is made from a part of a message. Its sender is told when the loop guard lets
        an automatic mail go to them (mailbot.oversize)."""
        cap = self.config.mailbox.max_message_mb
        reason = (f"{item.oversize} bytes, over mailbox.max_message_mb ({cap:g} MB): not "
                  "downloaded, header only")
        self._set_aside(item, reason, reason + "\n", now)
        try:
            header = parse(item.raw, self.rules)
        except Exception as exc:  # the message is safe; only the notice is lost
            log.error("message %s: header unreadable, sender not told: %s", item.key, exc)
            return
        decision = oversize.decide(header, size=item.oversize or 0, view=batch,
                                   config=self.config, now=now)
        log.info("%s", decision.log_line(header.message_id))
        batch.stage(decision)
        # The team's alert says whether the sender was told, and that reprocessing alone
        # cannot help a message that is still too large.
        refused = next((r.removeprefix("sender not told: ") for r in decision.reasons
                        if r.startswith("sender not told: ")), "")
        for entry in self._aside:
            if entry["key"] == item.key:
                entry.update(oversize="1", told=oversize.told_text(
                    "" if decision.mails else refused or "?", self.config.mail.language))


def _who(raw: bytes) -> dict[str, str]:
    """The From and Subject of a message set aside, for the team's alert: read from the header
    alone (the message may be what broke the parser), one line each, cut short."""
    try:
        header = BytesHeaderParser(policy=compat32).parsebytes(raw[:HEADER_PEEK])
        sender, subject = (decode_text(header.get(name)) for name in ("from", "subject"))
    except Exception:  # noqa: BLE001 - the alert goes without them
        sender = subject = ""
    return {"sender": _one_line(sender), "subject": _one_line(subject)}


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200] or "?"
