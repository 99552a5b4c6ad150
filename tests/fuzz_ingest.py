"""RELIABILITY M01: a coverage-guided (atheris, libFuzzer) fuzz of the whole ingest, from raw
bytes through the daemon's own shell: each input is delivered to a real Maildir inbox, fetched
by MaildirIntake and handled as `Daemon._handle` does (parse, keep the raw message and the
attachments in a real Store, decide, or quarantine on any `Exception` but `StateUnwritable`),
then the pass's team notice of what was set aside, one commit, the message moved; the mails
built and the tracking pages must pass tests/test_ingest_fuzz.py's checks, else an
AssertionError is the crash atheris reports (with the input saved as crash-<sha1>).

By hand, for a longer run (the corpus directory keeps what it learns; seed it with our fixtures):

    mkdir -p /tmp/corpus && cp tests/formats/*/*.eml /tmp/corpus/
    .venv/bin/python tests/fuzz_ingest.py -max_total_time=600 -timeout=30 /tmp/corpus

A crash input is replayed with `.venv/bin/python tests/fuzz_ingest.py crash-<sha1>`.
tests/test_fuzz_ingest.py runs it bounded in the suite. MAILBOT_FUZZ_PLANT=bcc (tests only)
slips a Bcc line into every mail before it is checked: the run must then fail.
MAILBOT_FUZZ_QUARANTINE_LOG=FILE lists the inputs set aside (sha1 and reason), one a line.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
import zlib
from dataclasses import replace
from datetime import timedelta
from hashlib import sha1, sha256
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `tests` and `mailbot`

with atheris.instrument_imports(include=["mailbot", "authres", "tnefparse"]):
    from mailbot import config as configuration
    from mailbot.daemon import Daemon, Summary
    from mailbot.intake import MaildirIntake
    from mailbot.model import OutgoingMail, StoredAttachment
    from mailbot.store import Store
    from mailbot.transport import MaildirTransport

from tests.test_ingest_fuzz import BUDGET, NOW, TECHS, check_mails, check_pages  # noqa: E402

# A fresh state directory every so many inputs: a store of thousands of tickets would slow each
# input down without reaching new code (follow-ups need only a few tickets before them).
RESET_EVERY = 500
PLANT = os.environ.get("MAILBOT_FUZZ_PLANT", "")
# Quarantine is an accepted end (M01), but for a well-formed mail it is a bug: each one is
# logged here (the input's sha1, the reason) for tests/test_fuzz_ingest.py to look at.
QUARANTINE_LOG = os.environ.get("MAILBOT_FUZZ_QUARANTINE_LOG", "")


class Ingest:
    """A daemon on a temporary state directory and Maildirs, fed one message at a time."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mailbot-fuzz-"))
        self.count = 0
        self.quarantined = 0
        self.daemon = self._daemon()

    def _daemon(self) -> Daemon:
        shutil.rmtree(self.root, ignore_errors=True)
        config = configuration.load(None)
        config.storage.dir = str(self.root / "state")
        config.team.technicians = list(TECHS)
        self.inbox = MaildirIntake(self.root / "inbox", poll_interval=0.0)
        outbox = self.root / "outbox"
        return Daemon(config, store=Store(config.state_dir, writer=True), intake=self.inbox,
                      make_transport=lambda: MaildirTransport(outbox))

    def one(self, raw: bytes) -> None:
        """One message through the daemon's pass, as `Daemon.run_pass` does minus the timers
        and the outbox hand-over: handle (parse, keep the raw message and the attachments,
        decide, or quarantine), the team's notice of what was set aside, one commit, move."""
        started = time.perf_counter()
        self.count += 1
        if self.count % RESET_EVERY == 0:
            self.daemon.courier.close()  # its worker thread, idle: nothing is handed to it
            self.daemon = self._daemon()
        daemon = self.daemon
        (self.root / "inbox" / "new" / f"fuzz.{self.count}").write_bytes(raw)
        items = self.inbox.fetch_pending(limit=1)
        assert [item.raw for item in items] == [raw], "the Maildir lost the message"
        minutes = zlib.crc32(raw) % (60 * 24 * 30)  # spread over a month, like the Hypothesis fuzz
        now = (NOW + timedelta(minutes=minutes)).astimezone(daemon.config.time.calendar.tz)
        batch = daemon.batch()
        daemon._aside = []
        # StateUnwritable propagates (never the message's fault): a crash here, the tmp store
        # being writable; any other Exception is quarantined by _handle itself.
        done = daemon._handle(items, set(), batch, Summary(), now)
        daemon._tell_team_of_aside(batch, now)
        daemon.store.commit(batch.commit)
        if done:
            self.inbox.mark_processed(done)
        self.quarantined += len(daemon._aside)
        if daemon._aside and QUARANTINE_LOG:
            with open(QUARANTINE_LOG, "a", encoding="utf-8") as log_file:
                log_file.write(f"{sha1(raw).hexdigest()} {daemon._aside[0]['reason']}\n")
        assert len(done) + len(daemon._aside) == 1, "the message was neither handled nor set aside"
        if daemon._aside:  # its copy, byte for byte, and the error are in the state directory
            copy = next(daemon.store.dir.glob(f"quarantine/*-fuzz.{self.count}*.eml"))
            assert copy.read_bytes() == raw and copy.with_suffix(".error.txt").exists(), copy
        else:  # the raw message is kept byte for byte (Store.keep_raw), named by its hash
            kept = Path(daemon.store.dir, "raw", now.strftime("%Y/%m"),
                        f"{sha256(raw).hexdigest()}.eml")
            assert kept.read_bytes() == raw, kept
        assert not any((self.root / "inbox" / "new").iterdir()), "the message was not moved"
        mails = [OutgoingMail.from_dict(data) for data in batch.commit.outbox.values()]
        if PLANT == "bcc":  # tests/test_fuzz_ingest.py: the checks must catch this
            mails = [replace(mail, data=mail.data.replace("\r\n", "\r\nBcc: x@example.com\r\n", 1))
                     for mail in mails]
        check_mails(mails)
        tickets = [t for t in map(daemon.store.ticket, batch.commit.tickets) if t is not None]
        for attachment in (a for t in tickets for m in t.messages for a in m.attachments):
            path = daemon.store.dir / StoredAttachment.path_for(attachment.sha256)
            assert sha256(path.read_bytes()).hexdigest() == attachment.sha256, path
        check_pages(tickets, now, timedelta(minutes=minutes % 30))
        assert time.perf_counter() - started < BUDGET


INGEST: Ingest | None = None


def test_one_input(data: bytes) -> None:
    global INGEST
    if INGEST is None:  # made in the fuzzing process, after atheris.Setup
        logging.disable(logging.CRITICAL)  # a quarantine's ERROR line per input: noise here
        INGEST = Ingest()
    INGEST.one(data)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
