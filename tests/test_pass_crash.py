"""Crashes at each boundary the pass log adds (issue 18 §2, RELIABILITY D02/D03/D06).

A pass is one durable commit: the log's fsync. A kill at any of its new boundaries (the log
committed but no file replaced, half of the files replaced, the checkpoint's syncfs done but the
log not yet removed, a recovery cut half way) must leave one ticket and one acknowledgement per
mail after the restart, on a real Dovecot with the real `mailbot` command. And a file that a
power cut left torn (renamed before its data reached the disk) is written back from the log.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from mailbot.passlog import LOG
from mailbot.storage import CorruptStore
from mailbot.store import Commit, Store
from tests.harness import PARIS, env, mail, mailbot, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer
from tests.test_store import _ticket

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
SENDERS = ("claire.martin", "paul.durand", "ines.roux")


def run_once(rules: Path, dovecot: DovecotServer, *, check: bool = True,
             **more: str) -> subprocess.CompletedProcess[str]:
    return mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat(),
                   environ=env(dovecot, **more), check=check)


def acks(smtp: RecordingSmtpServer) -> list:
    return [m for m in smtp.messages if m.message["Auto-Submitted"] == "auto-replied"]




def _three_requests(dovecot: DovecotServer) -> None:
    dovecot.append_many([
        mail(sender=f"{name}@groupe-exemple.fr", subject=f"Demande de {name}",
             message_id=f"<crash-{name}@groupe-exemple.fr>") for name in SENDERS])


def _one_each(rules: Path, dovecot: DovecotServer, smtp: RecordingSmtpServer) -> None:
    assert sorted(t["requester"] for t in tickets(rules)) == sorted(
        f"{name}@groupe-exemple.fr" for name in SENDERS)
    assert sorted(a.recipients[0] for a in acks(smtp)) == sorted(
        f"{name}@groupe-exemple.fr" for name in SENDERS)
    assert dovecot.messages("INBOX") == []


@pytest.mark.parametrize("point", ["log_committed", "files_half_written", "checkpoint_synced"])
def test_a_kill_at_a_boundary_of_the_pass_log_leaves_one_ticket_and_one_acknowledgement(
        point: str, rules: Path, dovecot: DovecotServer,
        smtp_server: RecordingSmtpServer) -> None:
    _three_requests(dovecot)
    crashed = run_once(rules, dovecot, check=False,
                       MAILBOT_FAULTS=f"crash:{point},force:checkpoint")
    assert crashed.returncode == 70, crashed.stderr
    assert (rules.parent / "state" / LOG).exists()  # the log is what the restart works from
    run_once(rules, dovecot)
    run_once(rules, dovecot)
    _one_each(rules, dovecot, smtp_server)


def _raw_copies(rules: Path) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in (rules.parent / "state" / "raw").glob("*/*/*.eml")}


def test_a_kill_in_the_middle_of_a_raw_copy_leaves_it_whole_after_the_restart(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """A raw copy is written in place, no temporary file (issue 18): a kill half way through
    leaves half a file under its final name; the restart writes it again whole."""
    _three_requests(dovecot)
    crashed = run_once(rules, dovecot, check=False, MAILBOT_FAULTS="crash:file_half_created")
    assert crashed.returncode == 70, crashed.stderr
    torn = _raw_copies(rules)
    assert len(torn) == 1 and all(hashlib.sha256(data).hexdigest() != name
                                  for name, data in torn.items())
    run_once(rules, dovecot)
    kept = _raw_copies(rules)  # whole after that pass, not only once a later start replays
    assert len(kept) == 3 and all(hashlib.sha256(data).hexdigest() == name
                                  for name, data in kept.items())
    run_once(rules, dovecot)
    _one_each(rules, dovecot, smtp_server)


def test_a_kill_during_the_recovery_is_recovered_by_the_next_start(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    _three_requests(dovecot)
    assert run_once(rules, dovecot, check=False,
                    MAILBOT_FAULTS="crash:log_committed").returncode == 70
    assert run_once(rules, dovecot, check=False,
                    MAILBOT_FAULTS="crash:replay_applying").returncode == 70
    run_once(rules, dovecot)
    _one_each(rules, dovecot, smtp_server)


def test_files_a_power_cut_left_torn_are_written_back_from_the_log(tmp_path: Path) -> None:
    """The disk as a power cut may leave it after a committed pass: the log durable, the
    files it replaced (not fsynced) empty or cut. The next start writes them back."""
    live = tmp_path / "live"
    store = Store(live, writer=True)
    store.commit(Commit(tickets={7: _ticket(7).to_dict()}, index={"mid:<m7@x>": 7},
                        next_number=8))
    store.keep_raw(b"From: x\r\n\r\nbody\r\n", "ab" * 32, "2026/11")
    store.commit(Commit(index={"mid:<q@x>": 7}))
    disk = tmp_path / "after-the-cut"
    shutil.copytree(live, disk)  # no checkpoint: the store was never closed
    (disk / "tickets" / "00000.json").write_bytes(b"")
    (disk / "state.json").write_bytes(b'{"meta": {"1": {"na')
    (disk / "raw" / "2026" / "11" / f"{'ab' * 32}.eml").write_bytes(b"From: x\r\n")
    with pytest.raises(CorruptStore):
        Store(disk).ticket(7)
    recovered = Store(disk, writer=True)
    assert recovered.ticket(7) is not None and recovered.next_number() == 8
    assert recovered.lookup("mid:<q@x>") == 7
    assert (disk / "raw" / "2026" / "11" / f"{'ab' * 32}.eml").read_bytes() == (
        b"From: x\r\n\r\nbody\r\n")
    recovered.close()
    # The log stays (durable; a clean stop pays no syncfs) and is written back at each start.
    (disk / "tickets" / "00000.json").write_bytes(b"")
    assert Store(disk, writer=True).ticket(7) is not None
