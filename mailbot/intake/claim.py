"""Claiming (RELIABILITY C02, opt-in): several instances share one mailbox, and each message
is taken by one of them only. Mixed into ImapIntake (mailbot.intake.imap), whose state it uses."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

from imap_tools import BaseMailBox

from mailbot.faults import pause_point
from mailbot.intake.base import (
    IntakeError,
)
from mailbot.intake.imap_commands import (
    parse_fetch,
    take_new_mail_notices,
    transfer,
    uid_set,
)
from mailbot.parsers.tree import thread_of

log = logging.getLogger("mailbot.intake")  # one logger for every room of the intake

# The IMAP keyword of a claimed message (with a second one naming the instance), see C02.
CLAIMED = "$MailbotClaimed"


class ImapClaims:
    """ImapIntake's claiming steps: a conditional STORE of keywords, then a move into this
    instance's claim folder."""

    # Several daemons on one database: called with the candidates' `mid:<Message-ID>` keys
    # before they are claimed (the store holds them until the pass that files them ends).
    on_claim: Callable[[list[str]], None] | None = None
    # The last claim lost candidates to another instance: mail may still wait in the inbox
    # though this pass took none of it (`run --once` goes on, mailbot.daemon.loop).
    contended = False

    def _claim_new(self, mailbox: BaseMailBox, limit: int) -> None:
        """Claim up to `limit` messages waiting in the watched folder and move what this
        instance holds there into its claim folder.

        A UID MOVE alone is no claim: on a Maildir, Dovecot lets two sessions move the same
        message at the same instant, both told OK with a COPYUID (the two-instance test saw
        it). The claim is a compare-and-set instead: a conditional STORE (RFC 7162
        UNCHANGEDSINCE) of the keyword CLAIMED and this instance's own keyword, which the
        server applies to a message only if nobody changed it since we read its MODSEQ; the
        loser's STORE finds it modified and sets nothing. Then one UID MOVE takes every
        message bearing our keyword (also those a crash left between STORE and MOVE)."""
        mailbox.folder.set(self._folder)
        try:
            candidates = self._source_uids(mailbox, f"UNKEYWORD {CLAIMED}")[:limit]
            if candidates and self.on_claim is not None:
                self.on_claim(self._message_id_keys(mailbox, candidates))
            pause_point("before_claim")  # candidates read, not yet claimed (tests: a race)
            won = self._claim_uids(mailbox, candidates) if candidates else 0
            self.contended = won < len(candidates)
            mine = self._source_uids(mailbox, f"KEYWORD {self._keyword}")
            if mine:
                transfer(mailbox, set(mine), self._work)
            if won < len(candidates):
                log.info("IMAP: claimed %d of %d new message(s); the rest was taken by another "
                         "instance", won, len(candidates))
        finally:
            self._select_work(mailbox)

    @staticmethod
    def _message_id_keys(mailbox: BaseMailBox, uids: list[int]) -> list[str]:
        typ, data = mailbox.client.uid("FETCH", uid_set(uids),
                                       "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        if typ != "OK":
            raise IntakeError(f"IMAP FETCH refused by the server: {data!r}")
        found = (thread_of(header)[0] for header in parse_fetch(data, set(uids)).values())
        return [f"mid:{mid}" for mid in found if mid]

    def _claim_uids(self, mailbox: BaseMailBox, uids: list[int]) -> int:
        """Returns how many of `uids` this instance won."""
        free, highest = self._claim_read(mailbox, uids)
        return self._claim_store(mailbox, free, highest) if free else 0

    @staticmethod
    def _claim_read(mailbox: BaseMailBox, uids: list[int]) -> tuple[list[int], int]:
        """The UIDs still unclaimed and the highest MODSEQ among them: MODSEQ grows for the
        whole folder, so any change made after this read is above it."""
        typ, data = mailbox.client.uid("FETCH", uid_set(uids), "(UID FLAGS MODSEQ)")
        seen = {int(m.group(1)): (int(m.group(3)), m.group(2))
                for line in data if isinstance(line, bytes)
                for m in [re.search(rb"UID (\d+) FLAGS \(([^)]*)\) MODSEQ \((\d+)\)", line)]
                if m} if typ == "OK" else {}
        free = sorted(uid for uid, (_, flags) in seen.items() if CLAIMED.encode() not in flags)
        return free, max((seen[uid][0] for uid in free), default=0)

    def _claim_store(self, mailbox: BaseMailBox, free: list[int], highest: int) -> int:
        """The conditional STORE; returns how many of `free` now bear our keyword."""
        client = mailbox.client
        typ, data = client.uid("STORE", uid_set(free), f"(UNCHANGEDSINCE {highest})",
                               "+FLAGS.SILENT", f"({CLAIMED} {self._keyword})")
        if typ != "OK":
            raise IntakeError(f"IMAP conditional STORE refused by the server: {data!r}")
        client.untagged_responses.pop("MODIFIED", None)  # those we lost: no use to us
        return len(set(self._source_uids(mailbox, f"KEYWORD {self._keyword}")) & set(free))

    def _source_uids(self, mailbox: BaseMailBox, criteria: str = "") -> list[int]:
        typ, data = mailbox.client.uid("SEARCH", f"NOT DELETED {criteria}".strip())
        if typ != "OK":
            raise IntakeError(f"IMAP SEARCH refused by the server: {data!r}")
        return sorted(map(int, (data[0] or b"").split()))

    def _wait_on_source(self, mailbox: BaseMailBox, deadline: float,
                        stop: threading.Event) -> bool:
        """Wait for mail in the watched folder (IDLE or polling there), then select the claim
        folder again."""
        mailbox.folder.set(self._folder)
        try:
            take_new_mail_notices(mailbox)  # the SELECT's own EXISTS
            unclaimed = f"UNKEYWORD {CLAIMED}"
            if self._source_uids(mailbox, unclaimed):
                return True
            if "IDLE" in mailbox.client.capabilities:
                return self._idle(mailbox, deadline, stop)
            return self._poll(mailbox, deadline, stop,
                              lambda: bool(self._source_uids(mailbox, unclaimed)))
        finally:
            self._select_work(mailbox)


    def _take_over(self, mailbox: BaseMailBox, claim_folder: str) -> int:
        """Move every message of another instance's claim folder back to the watched folder,
        its claim keywords dropped, and drop that instance's keywords from what it had claimed
        but not yet moved (a crash between STORE and MOVE): any instance may claim it again."""
        keyword = f"{CLAIMED}-{claim_folder.rsplit('/', 1)[-1]}"
        name = claim_folder.replace("/", self._delimiter)
        try:
            mailbox.folder.set(self._folder)
            stranded = set(self._source_uids(mailbox, f"KEYWORD {keyword}"))
            if stranded:
                drop_claims(mailbox, stranded)
            if not mailbox.folder.exists(name):
                return len(stranded)
            mailbox.folder.set(name)
            uids = set(self._source_uids(mailbox))
            if uids:
                drop_claims(mailbox, uids)
                transfer(mailbox, uids, self._folder)
            return len(stranded) + len(uids)
        finally:
            self._select_work(mailbox)


def drop_claims(mailbox: BaseMailBox, uids: set[int]) -> None:
    """Remove the claim keywords (C02) a message took with it into the quarantine: back in the
    inbox it must be claimable again, and by one instance only."""
    typ, data = mailbox.client.uid("FETCH", uid_set(uids), "(UID FLAGS)")
    # "FLAGS ($MailbotClaimed ...)": the first flag follows a parenthesis.
    keywords = {word for line in (data if typ == "OK" else []) if isinstance(line, bytes)
                for word in re.split(r"[\s()]+", line.decode("ascii", "replace"))
                if word.startswith(CLAIMED)}
    if keywords:
        mailbox.client.uid("STORE", uid_set(uids), "-FLAGS.SILENT",
                           f"({' '.join(sorted(keywords))})")
