"""The mail intake against a real Dovecot on loopback, and against a local Maildir."""

from __future__ import annotations

import imaplib
import itertools
import logging
import mailbox
import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot.intake import (
    BACKOFF_CAP_SECONDS,
    ImapIntake,
    IncomingMail,
    IntakeError,
    LoginRefused,
    MaildirIntake,
    MemoryCursorStore,
    backoff_delay,
    uid_set,
)
from tests.servers.dovecot import DovecotServer

PROCESSED = "mailbot.processed"  # "mailbot/processed" with Dovecot's Maildir++ delimiter
QUARANTINE = "mailbot.quarantine"


def mail(n: int) -> bytes:
    # 8-bit text and trailing blanks: the bytes handed out must be exactly the stored ones.
    return (
        f"From: Employee {n} <e{n}@example.com>\r\nTo: support@example.com\r\n"
        f"Subject: Printer {n} jams  \r\nMessage-ID: <m{n}@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + "Le café est renversé sur l'imprimante.\r\n\r\n".encode()


def visible_flags(flags: tuple[str, ...]) -> set[str]:
    return set(flags) - {"\\Recent"}  # \Recent depends on which session looked first


@pytest.fixture
def intake_for(dovecot: DovecotServer) -> Iterator:
    """Build ImapIntakes on the test's server; each is closed at teardown."""
    made: list[ImapIntake] = []

    def make(server: DovecotServer = dovecot, **options: object) -> ImapIntake:
        settings: dict = dict(host=server.host, port=server.port, security="none",
                              user=server.user, password=server.password, timeout=5.0)
        settings.update(options)
        intake = ImapIntake(**settings)
        made.append(intake)
        return intake

    yield make
    for intake in made:
        intake.close()


class IntakeLog(logging.Handler):
    """The intake's debug lines as they come: what the tests synchronise on (not sleeps)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.appended_at = 0.0  # monotonic time of the last append_when delivery
        self.polls_at_append = 0  # "polled" lines logged when it was delivered

    def emit(self, record: logging.LogRecord) -> None:
        with self.changed:
            self.lines.append(record.getMessage())
            self.changed.notify_all()

    def wait_for(self, text: str, count: int = 1, timeout: float = 10.0) -> None:
        with self.changed:
            assert self.changed.wait_for(
                lambda: sum(text in line for line in self.lines) >= count, timeout), self.lines


@pytest.fixture
def intake_log() -> Iterator[IntakeLog]:
    logger = logging.getLogger("mailbot.intake")
    handler, level = IntakeLog(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def append_when(server: DovecotServer, raw: bytes, log: IntakeLog, text: str,
                count: int = 1) -> threading.Thread:
    """Append `raw` from another client once the intake has logged `text` `count` times."""
    def deliver() -> None:
        log.wait_for(text, count)
        server.append(raw)
        log.appended_at = time.monotonic()
        log.polls_at_append = sum("polled, nothing new" in line for line in log.lines)

    thread = threading.Thread(target=deliver)
    thread.start()
    return thread


# -- fetching ----------------------------------------------------------------------------------


def test_fetch_hands_out_exact_bytes_in_uid_order_without_marking_seen(dovecot, intake_for):
    """Three mails, one already flagged: fetched exactly, and no flag changes on the server."""
    uids = dovecot.append_many([mail(1), mail(2)])
    uids.append(dovecot.append(mail(3), flags="\\Flagged"))
    intake = intake_for()

    items = intake.fetch_pending()

    validity = dovecot.uidvalidity()
    assert [item.raw for item in items] == [mail(1), mail(2), mail(3)]
    assert [item.key for item in items] == [f"{validity}:{uid}" for uid in uids]
    assert [(item.uid, item.uidvalidity) for item in items] == [(str(u), validity) for u in uids]
    assert [visible_flags(m.flags) for m in dovecot.messages()] == [set(), set(), {"\\Flagged"}]


def test_fetch_in_batches_never_hands_out_a_message_twice_in_one_run(dovecot, intake_for):
    """Five mails fetched two at a time; then nothing until a new one arrives."""
    dovecot.append_many([mail(n) for n in range(5)])
    intake = intake_for()

    batches = [intake.fetch_pending(limit=2) for _ in range(4)]

    assert [[item.raw for item in batch] for batch in batches] == [
        [mail(0), mail(1)], [mail(2), mail(3)], [mail(4)], []]
    dovecot.append(mail(5))
    assert [item.raw for item in intake.fetch_pending()] == [mail(5)]


def test_a_new_run_fetches_again_whatever_is_still_in_the_inbox(dovecot, intake_for):
    """A crash between storing and moving: the next process sees the same mail again."""
    dovecot.append_many([mail(1), mail(2)])
    cursors = MemoryCursorStore()
    first = intake_for(cursor=cursors)
    handled = first.fetch_pending()
    first.mark_processed(handled[:1])
    first.close()

    again = intake_for(cursor=cursors).fetch_pending()

    assert [item.key for item in again] == [handled[1].key]


def test_uid_set_folds_runs():
    assert uid_set([7, 1, 2, 3, 5, 6]) == "1:3,5:7"
    assert uid_set([4]) == "4"


# -- moving ------------------------------------------------------------------------------------


def test_mark_processed_moves_the_batch_into_a_created_folder(dovecot, intake_for):
    """Processed mail leaves INBOX for mailbot/processed, created on first use, bytes intact."""
    dovecot.append_many([mail(n) for n in range(4)])
    intake = intake_for()
    items = intake.fetch_pending()
    assert PROCESSED not in dovecot.folders()

    intake.mark_processed(items[:3])

    assert PROCESSED in dovecot.folders()
    assert [m.raw for m in dovecot.messages(PROCESSED)] == [mail(0), mail(1), mail(2)]
    assert [m.raw for m in dovecot.messages()] == [mail(3)]


def big_mail(n: int, size: int) -> bytes:
    header, body = mail(n).split(b"\r\n\r\n", 1)
    return header + b"\r\n\r\n" + body + b"x" * 76 * (size // 78) + b"\r\n" * (size // 78)


def test_a_message_over_the_size_cap_is_fetched_for_its_header_only(dovecot, intake_for):
    """RELIABILITY M04: RFC822.SIZE is read for the batch first; a message over the cap is not
    downloaded, only its header, and says how large it is."""
    big = big_mail(2, 200_000)
    dovecot.append_many([mail(1), big, mail(3)])
    intake = intake_for(max_message_bytes=100_000)

    small, oversize, last = intake.fetch_pending()

    assert (small.raw, small.oversize, last.raw, last.oversize) == (mail(1), None, mail(3), None)
    assert oversize.raw == big.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    assert oversize.oversize == len(big) and oversize.key.endswith(":2")
    intake.quarantine(oversize)  # the whole message is moved, untouched
    assert [m.raw for m in dovecot.messages(QUARANTINE)] == [big]


def test_claiming_is_won_by_one_instance_and_the_loser_sets_nothing(dovecot, intake_for):
    """RELIABILITY C02. Instance b read the inbox's MODSEQs just before instance a claimed the
    same messages: b's conditional STORE finds them modified and sets nothing, so b has nothing
    to handle and a everything; a's crash leaves them in its folder for its restart."""
    dovecot.append_many([mail(1), mail(2), mail(3)])
    a = intake_for(claim_folder="Processing/a")
    b = intake_for(claim_folder="Processing/b")
    b_box = b._connected()
    b_box.folder.set("INBOX")
    free, highest = b._claim_read(b_box, [1, 2, 3])  # an instant before a's claim
    assert free == [1, 2, 3]
    a_box = a._connected()
    a_box.folder.set("INBOX")
    assert a._claim_uids(a_box, [1, 2, 3]) == 3

    assert b._claim_store(b_box, free, highest) == 0
    flags = {m.uid: set(m.flags) for m in dovecot.messages("INBOX")}
    assert all("$MailbotClaimed-b" not in f and "$MailbotClaimed-a" in f
               for f in flags.values()), flags
    b._select_work(b_box)
    assert b.fetch_pending() == []
    a._select_work(a_box)
    mine = a.fetch_pending()
    assert [m.raw for m in mine] == [mail(1), mail(2), mail(3)]
    assert {m.folder for m in mine} == {"Processing.a"}
    assert dovecot.messages("INBOX") == [] and dovecot.messages("Processing.b") == []
    # a dies before moving them on: its next start finds them in its own folder.
    a.close()
    again = intake_for(claim_folder="Processing/a").fetch_pending()
    assert [m.raw for m in again] == [mail(1), mail(2), mail(3)]
    intake_for(claim_folder="Processing/a").mark_processed(again)
    assert [m.raw for m in dovecot.messages(PROCESSED)] == [mail(1), mail(2), mail(3)]
    assert dovecot.messages("Processing.a") == []


def test_a_claim_left_in_the_inbox_by_a_crash_is_moved_by_its_instance(dovecot, intake_for):
    """Between the STORE that won a message and the MOVE, the process died: the next claim
    finds the instance's keyword and moves the message; another instance leaves it alone."""
    dovecot.append(mail(1))
    a = intake_for(claim_folder="Processing/a")
    a_box = a._connected()
    a_box.folder.set("INBOX")
    assert a._claim_uids(a_box, [1]) == 1
    a.close()
    dovecot.append(mail(2))
    assert [m.raw for m in intake_for(claim_folder="Processing/b").fetch_pending()] == [mail(2)]
    assert [m.raw for m in intake_for(claim_folder="Processing/a").fetch_pending()] == [mail(1)]


def test_a_released_message_loses_its_claim_and_any_instance_may_take_it(dovecot, intake_for):
    """`mailbot reprocess` with claiming: the message comes back to the inbox without the
    claim keywords it took into the quarantine, so it is claimed afresh, by one instance."""
    dovecot.append(mail(1))
    a = intake_for(claim_folder="Processing/a")
    [item] = a.fetch_pending()
    location = a.quarantine(item)
    assert location is not None and location.endswith(":1")
    assert a.release([location]) == {location}
    [back] = dovecot.messages("INBOX")
    assert not any(flag.startswith("$MailbotClaimed") for flag in back.flags), back.flags
    assert [m.raw for m in intake_for(claim_folder="Processing/b").fetch_pending()] == [mail(1)]


def test_quarantine_sets_one_message_aside(dovecot, intake_for):
    dovecot.append_many([mail(1), mail(2)])
    intake = intake_for()
    poison, good = intake.fetch_pending()

    intake.quarantine(poison)
    intake.mark_processed([good])

    assert [m.raw for m in dovecot.messages(QUARANTINE)] == [mail(1)]
    assert [m.raw for m in dovecot.messages(PROCESSED)] == [mail(2)]
    assert dovecot.messages() == []


def test_without_move_a_quarantined_message_keeps_its_location_for_reprocess(make_dovecot,
                                                                            intake_for):
    """Without MOVE the quarantine is a COPY: its COPYUID still gives the message's place in
    the quarantine folder, so `mailbot reprocess` finds it and puts it back (the COPYUID of a
    COPY was read from the wrong place, and the location was lost)."""
    server = make_dovecot(without=("MOVE",))
    server.append_many([mail(1), mail(2)])
    intake = intake_for(server)
    poison, _ = intake.fetch_pending()
    location = intake.quarantine(poison)
    [kept] = server.messages(QUARANTINE)
    assert location == f"{server.uidvalidity(QUARANTINE)}:{kept.uid}"
    assert intake.release([location]) == {location}
    assert sorted(m.raw for m in server.messages() if "\\Deleted" not in m.flags) == [
        mail(1), mail(2)]
    assert server.relay is not None and server.relay.refused == []


def test_the_servers_without_move_or_uidplus_really_refuse_them(dovecot, make_dovecot):
    """The test servers "without" a capability refuse its commands, as such a server does
    (Dovecot alone keeps running them when imap_capability hides them), and one without
    UIDPLUS answers a COPY with no COPYUID. The normal server takes both."""
    for server, refused in ((make_dovecot(without=("MOVE",)), {"MOVE"}),
                            (make_dovecot(without=("MOVE", "UIDPLUS")), {"MOVE", "UIDPLUS"}),
                            (dovecot, set())):
        uid = server.append(mail(1))
        server.append(mail(2), folder=PROCESSED)  # the folder exists
        conn = imaplib.IMAP4(server.host, server.port, timeout=10)
        conn.login(server.user, server.password)
        capabilities = set(conn.capability()[1][0].decode().upper().split())
        assert refused.isdisjoint(capabilities) and {"MOVE", "UIDPLUS"} - refused <= capabilities
        conn.select("INBOX")
        conn.untagged_responses.pop("COPYUID", None)
        assert conn.uid("COPY", str(uid), PROCESSED)[0] == "OK"
        assert ("COPYUID" in conn.untagged_responses) == ("UIDPLUS" not in refused)
        for command, needs in ((("MOVE", str(uid), PROCESSED), "MOVE"),
                               (("EXPUNGE", str(uid)), "UIDPLUS")):
            if needs in refused:
                with pytest.raises(imaplib.IMAP4.error, match="Unknown command"):
                    conn.uid(*command)
            else:
                assert conn.uid(*command)[0] == "OK"
        conn.logout()
        assert [m.uid for m in server.messages()] == ([uid] if "MOVE" in refused else [])


def test_without_move_the_batch_is_copied_then_expunged(make_dovecot, intake_for):
    """A server without MOVE: COPY, \\Deleted and EXPUNGE give the same result."""
    server = make_dovecot(without=("MOVE",))
    server.append_many([mail(1), mail(2)])
    intake = intake_for(server)

    intake.mark_processed(intake.fetch_pending())

    assert [m.raw for m in server.messages(PROCESSED)] == [mail(1), mail(2)]
    assert server.messages() == []
    assert server.relay is not None and server.relay.refused == []  # MOVE was never tried


def test_without_move_another_clients_deleted_message_survives(make_dovecot, intake_for):
    """RELIABILITY O06: a person marked a message \\Deleted in their mail client (not yet
    expunged). Moving our batch by COPY must expunge our messages only (UID EXPUNGE, RFC 4315),
    never that one with a bare EXPUNGE."""
    server = make_dovecot(without=("MOVE",))
    server.append_many([mail(1), mail(2)])
    theirs = server.append(mail(3), flags="\\Deleted")
    intake = intake_for(server)

    intake.mark_processed(intake.fetch_pending())

    assert [m.raw for m in server.messages(PROCESSED)] == [mail(1), mail(2)]
    [left] = server.messages()
    assert left.uid == theirs and left.raw == mail(3) and "\\Deleted" in left.flags


def test_without_uidplus_ours_stay_deleted_and_nothing_else_is_expunged(make_dovecot,
                                                                         intake_for, caplog):
    """RELIABILITY O06 without UIDPLUS (and without MOVE): no UID EXPUNGE, and a bare EXPUNGE
    would also destroy what another client marked \\Deleted, so our batch is copied then left
    flagged \\Deleted in the inbox, with a warning; another client's \\Deleted message is
    still there; the next fetch does not hand ours out again."""
    server = make_dovecot(without=("MOVE", "UIDPLUS"))
    ours = server.append_many([mail(1), mail(2)])
    theirs = server.append(mail(3), flags="\\Deleted")
    intake = intake_for(server)

    with caplog.at_level(logging.WARNING, logger="mailbot.intake"):
        intake.mark_processed(intake.fetch_pending())

    assert [m.raw for m in server.messages(PROCESSED)] == [mail(1), mail(2)]
    left = {m.uid: m for m in server.messages()}
    assert sorted(left) == sorted([*ours, theirs])
    assert all("\\Deleted" in m.flags for m in left.values())
    assert any("no UIDPLUS" in r.getMessage() for r in caplog.records)
    assert intake.fetch_pending() == []
    assert server.relay is not None and server.relay.refused == []  # never tried MOVE either


def test_a_backlog_is_fetched_and_moved_in_batches(dovecot, intake_for):
    """300 mails waiting: three batches of 100, each fetched and moved whole, nothing left or
    moved twice. How fast is bench/backlog.py's figure, not a test's (a loaded machine)."""
    dovecot.append_many([mail(n) for n in range(300)])
    intake = intake_for()
    sizes = []
    while batch := intake.fetch_pending(limit=100):
        sizes.append(len(batch))
        intake.mark_processed(batch)

    assert sizes == [100, 100, 100]
    assert sorted(m.raw for m in dovecot.messages(PROCESSED)) == sorted(mail(n) for n in range(300))
    assert dovecot.messages("INBOX") == []


# -- UIDVALIDITY -------------------------------------------------------------------------------


def test_uidvalidity_change_resets_the_cursor_and_rescans(dovecot, intake_for, caplog):
    """The server renumbers INBOX: everything is fetched again under the new UIDVALIDITY."""
    dovecot.append_many([mail(1), mail(2)])
    cursors = MemoryCursorStore()
    intake = intake_for(cursor=cursors)
    stale = intake.fetch_pending()
    assert intake.fetch_pending() == []

    new_validity = dovecot.change_uidvalidity()
    with caplog.at_level(logging.WARNING, logger="mailbot.intake"):
        rescanned = intake.fetch_pending()
        intake.mark_processed(stale)  # UIDs of the old numbering name nothing: not moved

    assert [item.raw for item in rescanned] == [mail(1), mail(2)]
    assert {item.uidvalidity for item in rescanned} == {new_validity}
    assert "UIDVALIDITY changed" in caplog.text
    assert cursors.get("INBOX") == (new_validity, int(rescanned[-1].uid or 0))
    assert dovecot.messages(PROCESSED) == []
    intake.mark_processed(rescanned)
    assert [m.raw for m in dovecot.messages(PROCESSED)] == [mail(1), mail(2)]


def test_uidvalidity_change_between_runs_is_reported(dovecot, intake_for, caplog):
    dovecot.append(mail(1))
    cursors = MemoryCursorStore()
    cursors.set("INBOX", dovecot.uidvalidity() - 5, 40)

    with caplog.at_level(logging.WARNING, logger="mailbot.intake"):
        items = intake_for(cursor=cursors).fetch_pending()

    assert [item.raw for item in items] == [mail(1)]
    assert "UIDVALIDITY changed" in caplog.text


# -- waiting for mail --------------------------------------------------------------------------


def test_idle_wakes_up_soon_after_a_delivery(dovecot, intake_for, intake_log):
    """Another client appends once the intake is idling: IDLE returns within about a second."""
    intake = intake_for()
    assert intake.fetch_pending() == []
    sender = append_when(dovecot, mail(1), intake_log, "idling")

    woke = intake.wait_for_mail(10.0, threading.Event())
    returned = time.monotonic()

    sender.join()
    assert woke
    assert intake_log.lines.count("IMAP INBOX: idling") == 1  # woken by IDLE, not a timeout
    assert returned - intake_log.appended_at < 1.5
    assert [item.raw for item in intake.fetch_pending()] == [mail(1)]


def test_mail_arriving_between_fetch_and_idle_is_not_missed(dovecot, intake_for):
    intake = intake_for()
    assert intake.fetch_pending() == []
    dovecot.append(mail(1))

    started = time.monotonic()
    assert intake.wait_for_mail(10.0, threading.Event())
    assert time.monotonic() - started < 1.5


def test_idle_returns_false_at_timeout_and_at_once_on_stop(dovecot, intake_for):
    intake = intake_for()
    intake.fetch_pending()
    started = time.monotonic()
    assert intake.wait_for_mail(0.5, threading.Event()) is False
    assert 0.4 < time.monotonic() - started < 1.5

    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    assert intake.wait_for_mail(30.0, stop) is False
    assert time.monotonic() - started < 1.0


def test_idle_is_renewed_and_still_wakes_up(dovecot, intake_for, intake_log):
    """IDLE re-issued every 0.3 s (25 minutes in production): a mail after three renewals
    still wakes."""
    intake = intake_for(idle_renew=0.3)
    intake.fetch_pending()
    sender = append_when(dovecot, mail(1), intake_log, "idling", count=3)

    assert intake.wait_for_mail(10.0, threading.Event())
    sender.join()
    assert [item.raw for item in intake.fetch_pending()] == [mail(1)]


def test_polling_fallback_on_a_server_without_idle(make_dovecot, intake_for, intake_log):
    server = make_dovecot(without=("IDLE",))
    conn = server.client()
    assert "IDLE" not in conn.capability()[1][0].decode().split()
    conn.logout()
    intake = intake_for(server, poll_interval=0.2)
    intake.fetch_pending()

    assert intake.wait_for_mail(0.5, threading.Event()) is False
    polls = sum("polled" in line for line in intake_log.lines)
    sender = append_when(server, mail(1), intake_log, "polled", count=polls + 1)
    assert intake.wait_for_mail(10.0, threading.Event())
    sender.join()
    # Found by the poll that followed the delivery, however slow the machine: counted in polls,
    # not in seconds. At most the poll in flight at delivery time says "nothing new".
    empty = sum("polled, nothing new" in line for line in intake_log.lines)
    assert empty - intake_log.polls_at_append <= 1, intake_log.lines


# -- outages and refusals ----------------------------------------------------------------------


def test_reconnects_after_the_server_restarts(dovecot, intake_for):
    """The link drops under a fetch and under an IDLE: the intake carries on."""
    dovecot.append(mail(1))
    intake = intake_for()
    first = intake.fetch_pending()

    dovecot.restart()
    dovecot.append(mail(2))
    assert [item.raw for item in intake.fetch_pending()] == [mail(2)]
    intake.mark_processed(first)
    assert [m.raw for m in dovecot.messages(PROCESSED)] == [mail(1)]

    restart = threading.Timer(0.3, dovecot.restart)
    restart.start()
    assert intake.wait_for_mail(10.0, threading.Event())  # lost link: "go and look"
    restart.join()  # the server is back (restart() returns once it accepts connections)
    dovecot.append(mail(3))
    assert [item.raw for item in intake.fetch_pending()] == [mail(3)]


def test_refused_login_is_retried_with_backoff_then_reported(dovecot, intake_for, caplog):
    sleeps: list[float] = []
    intake = intake_for(password="wrong-password", max_attempts=4, sleep=sleeps.append)

    with caplog.at_level(logging.INFO, logger="mailbot.intake"), pytest.raises(LoginRefused):
        intake.fetch_pending()

    assert len(sleeps) == 3 and within_steps(sleeps), sleeps
    assert len([r for r in caplog.records if "login refused" in r.getMessage()]) == 3
    assert "wrong-password" not in caplog.text


def test_login_succeeds_once_the_account_is_fixed(dovecot, intake_for):
    """The operator fixes the password during the back-off: the next attempt gets in."""
    dovecot.append(mail(1))
    users = dovecot.root / "users"

    def set_password(password: str, *, age: int) -> None:
        # Dovecot looks at the passwd-file's mtime at most once a second: give each change its
        # own mtime, then wait until Dovecot answers with the new password (an outcome, not a
        # guessed delay).
        users.write_text(f"{dovecot.user}:{{PLAIN}}{password}\n")
        os.utime(users, (time.time() - age, time.time() - age))
        deadline = time.monotonic() + 10
        while not _logs_in(dovecot, password):
            assert time.monotonic() < deadline, "Dovecot never took the new password"
            time.sleep(0.1)

    set_password("another", age=60)
    sleeps: list[float] = []

    def fix_on_second_wait(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            set_password(dovecot.password, age=30)

    intake = intake_for(max_attempts=5, sleep=fix_on_second_wait)
    assert [item.raw for item in intake.fetch_pending()] == [mail(1)]
    assert len(sleeps) == 2 and within_steps(sleeps), sleeps


STEPS = [1, 2, 4, 8, 16, 32, 60, 60]  # the capped exponential the jitter works within


def within_steps(sleeps: list[float]) -> bool:
    """Equal jitter: each pause between half its step and the whole step."""
    return len(sleeps) <= len(STEPS) and all(
        step / 2 <= pause <= step for pause, step in zip(sleeps, STEPS, strict=False))


def test_unreachable_server_backs_off_up_to_a_cap(dovecot, intake_for):
    dovecot.stop()
    sleeps: list[float] = []
    intake = intake_for(max_attempts=9, sleep=sleeps.append, rng=random.Random(9))

    with pytest.raises(IntakeError) as raised:
        intake.fetch_pending()

    assert not isinstance(raised.value, LoginRefused)
    assert len(sleeps) == 8 and within_steps(sleeps), sleeps
    # Jittered: not the bare exponential, so daemons cut off together do not return in step.
    assert all(pause != step for pause, step in zip(sleeps, STEPS, strict=True)), sleeps


def test_the_back_off_jitter_stays_within_half_and_whole_step_and_spreads():
    """RELIABILITY O01: over many seeds, every pause is in [step/2, step] of the capped
    exponential, and two daemons restarted together do not wait the same time."""
    for seed in range(200):
        rng = random.Random(seed)
        pauses = [backoff_delay(attempt, rng) for attempt in range(1, 40)]
        steps = [min(2.0 ** (a - 1), BACKOFF_CAP_SECONDS) for a in range(1, 40)]
        assert all(s / 2 <= p <= s for p, s in zip(pauses, steps, strict=True)), seed
        assert max(pauses) <= BACKOFF_CAP_SECONDS
    first = {round(backoff_delay(6, random.Random(seed)), 3) for seed in range(50)}
    assert len(first) > 40  # spread over [16, 32] s, not one value
    assert min(first) < 20 and max(first) > 28


def test_a_name_that_does_not_resolve_is_retried_with_back_off_like_a_refusal():
    """RELIABILITY O01, DNS failure at start: ".invalid" never resolves (RFC 2606). The same
    jittered back-off as a refused connection, then one IntakeError naming the host."""
    sleeps: list[float] = []
    intake = ImapIntake(host="imap.mailbot-test.invalid", port=993, security="tls",
                        user="support", password="x", timeout=5.0, max_attempts=3,
                        sleep=sleeps.append, rng=random.Random(1))
    with pytest.raises(IntakeError, match=r"imap\.mailbot-test\.invalid:993 unreachable"):
        intake.fetch_pending()
    assert len(sleeps) == 2 and within_steps(sleeps), sleeps


def test_a_server_that_accepts_and_never_answers_times_out():
    """RELIABILITY O03: the TCP handshake succeeds (the kernel's backlog) but no greeting ever
    comes. Every IMAP operation has a socket timeout: the fetch fails as one IntakeError after
    it, instead of blocking the daemon's loop for ever."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # never accept()ed, never a byte sent
        intake = ImapIntake(host="127.0.0.1", port=silent.getsockname()[1], security="none",
                            user="support", password="x", timeout=1.0, max_attempts=2,
                            sleep=lambda _: None)
        outcome: list[BaseException] = []

        def fetch() -> None:
            try:
                intake.fetch_pending()
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread
                outcome.append(exc)

        started = time.monotonic()
        worker = threading.Thread(target=fetch, daemon=True)
        worker.start()
        worker.join(timeout=15)
        assert not worker.is_alive(), "the IMAP connect blocked with no timeout"
        assert isinstance(outcome[0], IntakeError) and "unreachable" in str(outcome[0])
        assert "timed out" in str(outcome[0])
        assert time.monotonic() - started < 10


# -- security ----------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_encrypted_connections_with_the_servers_certificate(dovecot, intake_for, security):
    dovecot.append(mail(1))
    port = dovecot.tls_port if security == "tls" else dovecot.port
    intake = intake_for(security=security, port=port, ssl_context=dovecot.tls.client_context())

    items = intake.fetch_pending()
    intake.mark_processed(items)

    assert [item.raw for item in items] == [mail(1)]
    assert [m.raw for m in dovecot.messages(PROCESSED)] == [mail(1)]
    dovecot.append(mail(2))
    assert intake.wait_for_mail(5.0, threading.Event())


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_an_untrusted_certificate_is_refused(dovecot, intake_for, security):
    port = dovecot.tls_port if security == "tls" else dovecot.port
    intake = intake_for(security=security, port=port, max_attempts=1)  # system CAs only

    with pytest.raises(IntakeError, match="CERTIFICATE_VERIFY_FAILED"):
        intake.fetch_pending()


def test_cleartext_is_refused_off_loopback():
    with pytest.raises(ValueError, match="clear"):
        ImapIntake(host="imap.example.com", port=143, security="none", user="u", password="p")
    with pytest.raises(ValueError, match="security"):
        ImapIntake(host="127.0.0.1", port=143, security="ssl", user="u", password="p")
    assert "p'" not in repr(
        ImapIntake(host="::1", port=143, security="none", user="u", password="p"))


def _logs_in(server: DovecotServer, password: str) -> bool:
    conn = imaplib.IMAP4(server.host, server.port, timeout=5)
    try:
        conn.login(server.user, password)
    except imaplib.IMAP4.error:
        return False
    finally:
        conn.shutdown()
    return True


# -- Maildir -----------------------------------------------------------------------------------


@pytest.fixture
def inbox(tmp_path: Path) -> mailbox.Maildir:
    return mailbox.Maildir(tmp_path / "inbox", create=True)


_FILE_TIMES = itertools.count(1_700_000_000)


def deliver(inbox: mailbox.Maildir, raw: bytes) -> str:
    key = inbox.add(raw)
    # Delivery order is file time order: give each file its own time, one second apart.
    [path] = [p for sub in ("new", "cur") for p in (Path(inbox._path) / sub).glob(f"{key}*")]
    moment = next(_FILE_TIMES)
    os.utime(path, (moment, moment))
    return key


def test_maildir_fetch_is_exact_ordered_and_leaves_files_alone(inbox, tmp_path):
    keys = [deliver(inbox, mail(n)) for n in range(3)]
    files_before = sorted(p.name for p in (tmp_path / "inbox" / "new").iterdir())
    intake = MaildirIntake(tmp_path / "inbox")

    items = intake.fetch_pending(limit=2)

    assert [(i.key, i.raw) for i in items] == [(keys[0], mail(0)), (keys[1], mail(1))]
    # Its arrival is the file's time (Dovecot's INTERNALDATE for a Maildir), never its Date.
    delivered = {p.name.split(":", 1)[0]: p.stat().st_mtime
                 for p in (tmp_path / "inbox" / "new").iterdir()}
    assert [i.arrived for i in items] == [datetime.fromtimestamp(delivered[k], UTC)
                                          for k in keys[:2]]
    assert all(isinstance(i, IncomingMail) and i.oversize is None for i in items)
    assert [item.raw for item in intake.fetch_pending()] == [mail(2)]
    assert intake.fetch_pending() == []
    assert sorted(p.name for p in (tmp_path / "inbox" / "new").iterdir()) == files_before


def test_maildir_a_message_over_the_size_cap_is_read_for_its_header_only(inbox, tmp_path):
    big = big_mail(2, 300_000)
    deliver(inbox, mail(1))
    deliver(inbox, big)
    intake = MaildirIntake(tmp_path / "inbox", max_message_bytes=100_000)

    small, oversize = intake.fetch_pending()

    assert (small.raw, small.oversize) == (mail(1), None)
    assert oversize.raw == big.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    assert oversize.oversize == len(big)


def test_maildir_processed_and_quarantine_are_sibling_maildirs(inbox, tmp_path):
    for n in range(3):
        deliver(inbox, mail(n))
    intake = MaildirIntake(tmp_path / "inbox")
    first, poison, last = intake.fetch_pending()

    intake.mark_processed([first, last])
    intake.quarantine(poison)

    processed = mailbox.Maildir(tmp_path / "processed", create=False)
    quarantine = mailbox.Maildir(tmp_path / "quarantine", create=False)
    assert sorted(processed.get_bytes(k) for k in processed.iterkeys()) == [mail(0), mail(2)]
    assert [quarantine.get_bytes(k) for k in quarantine.iterkeys()] == [mail(1)]
    assert list(inbox.keys()) == []


def test_maildir_new_run_fetches_again_what_was_not_moved(inbox, tmp_path):
    deliver(inbox, mail(1))
    deliver(inbox, mail(2))
    first = MaildirIntake(tmp_path / "inbox")
    handled = first.fetch_pending()
    first.mark_processed(handled[:1])

    again = MaildirIntake(tmp_path / "inbox").fetch_pending()

    assert [item.raw for item in again] == [mail(2)]


def test_maildir_wait_wakes_on_delivery_and_stops_on_request(inbox, tmp_path):
    intake = MaildirIntake(tmp_path / "inbox", poll_interval=0.05)
    assert intake.fetch_pending() == []
    assert intake.wait_for_mail(0.3, threading.Event()) is False

    threading.Timer(0.2, lambda: inbox.add(mail(1))).start()
    started = time.monotonic()
    assert intake.wait_for_mail(5.0, threading.Event())
    assert time.monotonic() - started < 1.0

    intake.fetch_pending()  # in hand, not moved yet: no reason to wake up again
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    assert intake.wait_for_mail(30.0, stop) is False
    assert time.monotonic() - started < 1.0
