"""What the daemon does with mail it must not trust, on a real Dovecot and the real `mailbot`:
a message over the size cap (RELIABILITY M04), a message that kills the process (D08), and
putting quarantined mail back (`mailbot reprocess`)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from tests.harness import PARIS, TEAM, env, mail, mailbot, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
CLAIRE = "claire.martin@groupe-exemple.fr"
QUARANTINE = "mailbot.quarantine"  # rules.toml's mailbot/quarantine with Dovecot's delimiter


def run_once(rules: Path, dovecot: DovecotServer, *, check: bool = True, **more: str):
    return mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat(),
                   environ=env(dovecot, **more), check=check)


def with_mailbox_keys(rules: Path, keys: str) -> Path:
    """Add `[mailbox]` keys to a rules.toml written by write_rules."""
    text = rules.read_text()
    rules.write_text(text.replace("poll_seconds = 1.0\n", f"poll_seconds = 1.0\n{keys}\n", 1))
    return rules


def acks(smtp: RecordingSmtpServer) -> list:
    return [m for m in smtp.messages if m.message["Auto-Submitted"] == "auto-replied"]




# -- M04: a message over mailbox.max_message_mb ----------------------------------------------


def test_a_message_over_the_size_cap_is_quarantined_without_being_downloaded(
        tmp_path: Path, rules: Path, dovecot: DovecotServer,
        smtp_server: RecordingSmtpServer) -> None:
    """A 60 KB mail with a cap of 0.05 MB (52 KB): no ticket, no acknowledgement, the whole
    message in the quarantine folder, its header and the reason in the state directory, one
    log line; its sender is told it was not recorded; the small mail after it is ticketed."""
    with_mailbox_keys(rules, "max_message_mb = 0.05")
    rules.write_text(rules.read_text().replace("[team]\n", '[team]\nauthserv_id = "mx.test"\n'))
    big = mail(subject="Scan de 300 pages", message_id="<big@groupe-exemple.fr>",
               body="x" * 70 + "\n" * 800 + "y" * 60_000, headers={
                   "Authentication-Results": "mx.test; dmarc=pass header.from=groupe-exemple.fr"}
               ).replace(b"\n", b"\r\n")
    dovecot.append(big)
    dovecot.append(mail(sender="paul@groupe-exemple.fr", subject="Écran noir"))
    done = run_once(rules, dovecot)

    assert [t["subject"] for t in tickets(rules)] == ["Écran noir"]
    assert [m.raw for m in dovecot.messages(QUARANTINE)] == [big]
    [line] = [x for x in done.stderr.splitlines() if "quarantined" in x and "max_message" in x]
    assert f"{len(big)} bytes, over mailbox.max_message_mb (0.05 MB)" in line
    quarantine = tmp_path / "state" / "quarantine"
    [copy] = quarantine.glob("*.eml")
    assert copy.read_bytes() == big.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"  # the header alone
    [reason] = quarantine.glob("*.error.txt")
    assert reason.read_text().count("\n") == 1 and "max_message_mb" in reason.read_text()
    # Claire (vouched for by our server) hears that her message was not recorded, in a reply
    # to it; Paul gets his ack.
    [notice] = [m for m in smtp_server.messages if m.recipients == [CLAIRE]]
    assert notice.message["Subject"] == "Message trop volumineux : Scan de 300 pages"
    assert notice.message["In-Reply-To"] == "<big@groupe-exemple.fr>"
    assert notice.message["Auto-Submitted"] == "auto-replied"
    text = notice.message.get_content()
    # Sizes written the French way (issue 16 §9: "2.1 MB" in a French mail).
    assert re.search(r"fait \d+ Ko", text) and "(51 Ko)" in text
    assert "pas été lu ni enregistré" in text
    assert "MB" not in text
    assert [a.recipients for a in acks(smtp_server) if a is not notice] == [
        ["paul@groupe-exemple.fr"]]


def test_the_sender_of_an_oversize_message_is_not_told_when_dmarc_fails_or_a_robot_sent_it(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    with_mailbox_keys(rules, "max_message_mb = 0.05")
    rules.write_text(rules.read_text().replace("[team]\n", '[team]\nauthserv_id = "mx.test"\n'))
    forged = mail(subject="Facture", body="y" * 60_000, headers={
        "Authentication-Results": "mx.test; dmarc=fail header.from=groupe-exemple.fr"})
    robot = mail(sender="noreply@groupe-exemple.fr", subject="Rapport", body="y" * 60_000)
    dovecot.append_many([forged, robot])
    done = run_once(rules, dovecot)
    # Only the team hears of them (one alert for the pass), neither sender.
    assert [m.recipients for m in smtp_server.messages] == [[TEAM]]
    assert len(dovecot.messages(QUARANTINE)) == 2
    assert "sender not told: forged_sender" in done.stderr
    assert done.stderr.count("sender not told: ") == 2


def test_the_maildir_intake_applies_the_size_cap_too(tmp_path: Path) -> None:
    import mailbox

    rules = write_rules(tmp_path)  # a Maildir inbox and outbox
    rules.write_text(rules.read_text().replace('path = "', 'max_message_mb = 0.05\npath = "', 1))
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(mail(subject="Scan", body="y" * 60_000))
    done = mailbot("run", "--once", "--config", str(rules), "--now", NOW.isoformat())
    assert tickets(rules) == []
    assert "over mailbox.max_message_mb (0.05 MB)" in done.stderr
    assert len(list((tmp_path / "quarantine" / "new").iterdir())) == 1


# -- D08: a message that kills the process ---------------------------------------------------

KILLER = "<killer@groupe-exemple.fr>"


def test_a_message_that_kills_the_process_is_quarantined_after_three_attempts(
        tmp_path: Path, rules: Path, dovecot: DovecotServer,
        smtp_server: RecordingSmtpServer) -> None:
    """The process gets a SIGKILL whenever it handles one message (as from a watchdog or the
    OOM killer). Each attempt is counted on disk before the try; after a death the messages are
    taken one at a time, so the mail around it is ticketed; the third death is the last: the
    next start quarantines it unparsed, with a CRITICAL line, and clears the counts."""
    dovecot.append(mail(message_id="<before@groupe-exemple.fr>"))
    dovecot.append(mail(message_id=KILLER, sender="paul@groupe-exemple.fr", subject="Crash"))
    dovecot.append(mail(message_id="<after@groupe-exemple.fr>", sender="lea@groupe-exemple.fr",
                        subject="Souris"))
    counts = tmp_path / "state" / "attempts.json"
    fault = {"MAILBOT_FAULTS": f"kill:{KILLER}"}

    first = run_once(rules, dovecot, check=False, **fault)
    assert first.returncode == -9, first.stderr  # a real SIGKILL: nothing could be caught
    assert sorted(json.loads(counts.read_text()).values()) == [1, 1, 1]  # one write, the batch
    assert tickets(rules) == []

    for death in (2, 3):  # one at a time now: the message before it is ticketed, alone
        again = run_once(rules, dovecot, check=False, **fault)
        assert again.returncode == -9, again.stderr
        assert "taking messages one at a time" in again.stderr
        assert sorted(json.loads(counts.read_text()).values())[-1] == death
    assert [t["subject"] for t in tickets(rules)] == ["Imprimante HS"]

    last = run_once(rules, dovecot, **fault)
    [alert] = [x for x in last.stderr.splitlines() if x.startswith("CRITICAL")]
    assert "died 3 times" in alert and "mailbox.max_attempts = 3" in alert
    assert sorted(t["subject"] for t in tickets(rules)) == ["Imprimante HS", "Souris"]
    # One acknowledgement each: a death right after the SMTP server took Claire's, before the
    # pass recorded it, is recorded as sent by the next start (the send log), never sent twice.
    sent = {(a.recipients[0], a.message["Message-ID"]) for a in acks(smtp_server)}
    assert sorted(recipient for recipient, _ in sent) == [
        "claire.martin@groupe-exemple.fr", "lea@groupe-exemple.fr"]
    [held] = dovecot.messages(QUARANTINE)
    assert KILLER.encode() in held.raw
    assert not counts.exists()
    assert dovecot.messages("INBOX") == []


def test_an_ordinary_exception_still_quarantines_at_once_and_counts_nothing(
        tmp_path: Path, rules: Path, dovecot: DovecotServer) -> None:
    dovecot.append(mail(message_id=KILLER))
    done = run_once(rules, dovecot, MAILBOT_FAULTS=f"fail:{KILLER}")
    assert "InjectedFault" in done.stderr and len(dovecot.messages(QUARANTINE)) == 1
    assert not (tmp_path / "state" / "attempts.json").exists()


def test_max_attempts_is_configurable(tmp_path: Path, rules: Path,
                                      dovecot: DovecotServer) -> None:
    with_mailbox_keys(rules, "max_attempts = 1")
    dovecot.append(mail(message_id=KILLER))
    assert run_once(rules, dovecot, check=False, MAILBOT_FAULTS=f"kill:{KILLER}").returncode == -9
    done = run_once(rules, dovecot, MAILBOT_FAULTS=f"kill:{KILLER}")
    assert "died 1 times" in done.stderr and len(dovecot.messages(QUARANTINE)) == 1


# -- mailbot reprocess -----------------------------------------------------------------------


def test_reprocess_puts_quarantined_mail_back_and_it_is_handled_once_fixed(
        tmp_path: Path, rules: Path, dovecot: DovecotServer,
        smtp_server: RecordingSmtpServer) -> None:
    """A message quarantined for a bug (fail) and one for its size; the bug is fixed and the cap
    raised; `mailbot reprocess KEY` puts one back, `--all` the other: both are ticketed, once."""
    with_mailbox_keys(rules, "max_message_mb = 0.05")
    rules.write_text(rules.read_text().replace("[team]\n", '[team]\nauthserv_id = "mx.test"\n'))
    dovecot.append(mail(message_id="<bug@groupe-exemple.fr>", subject="Bug"))
    dovecot.append(mail(message_id="<big@groupe-exemple.fr>", subject="Gros",
                        sender="paul@groupe-exemple.fr", body="y" * 60_000, headers={
                            "Authentication-Results": "mx.test; dmarc=pass "
                                                      "header.from=groupe-exemple.fr"}))
    done = run_once(rules, dovecot, MAILBOT_FAULTS="fail:<bug@groupe-exemple.fr>")
    keys = re.findall(r"message (\d+:\d+) quarantined", done.stderr)
    assert len(keys) == 2 and len(dovecot.messages(QUARANTINE)) == 2

    unknown = mailbot("reprocess", "9:9", "--config", str(rules), environ=env(dovecot),
                      check=False)
    assert unknown.returncode == 1 and unknown.stdout.strip() == (
        f"9:9: not in the quarantine of {tmp_path / 'state'}")
    usage = mailbot("reprocess", "--config", str(rules), environ=env(dovecot), check=False)
    assert usage.returncode == 2

    one = mailbot("reprocess", keys[0], "--config", str(rules), environ=env(dovecot))
    [line] = one.stdout.splitlines()
    assert line.startswith(f"{keys[0]}: back in INBOX (quarantined for: InjectedFault")
    assert len(dovecot.messages("INBOX")) == 1 and len(dovecot.messages(QUARANTINE)) == 1
    run_once(rules, dovecot)  # the bug is fixed (no fault any more)
    assert [t["subject"] for t in tickets(rules)] == ["Bug"]

    rules.write_text(rules.read_text().replace("max_message_mb = 0.05", "max_message_mb = 1"))
    every = mailbot("reprocess", "--all", "--config", str(rules), environ=env(dovecot))
    [line] = every.stdout.splitlines()
    assert line.startswith(f"{keys[1]}: back in INBOX (quarantined for: ")
    assert "over mailbox.max_message_mb (0.05 MB)" in line
    run_once(rules, dovecot)
    assert sorted(t["subject"] for t in tickets(rules)) == ["Bug", "Gros"]
    # Each ticket acknowledged once (Paul, vouched for by our server, was also told his first
    # try was too large).
    assert sorted(a.message["Subject"] for a in acks(smtp_server)) == [
        "Message trop volumineux : Gros", "Re: [#1] Bug", "Re: [#2] Gros"]
    assert dovecot.messages(QUARANTINE) == [] and dovecot.messages("INBOX") == []
    # The local copies are marked: nothing is left to reprocess.
    quarantine = tmp_path / "state" / "quarantine"
    assert list(quarantine.glob("*.json")) == []
    assert len(list((quarantine / "reprocessed").glob("*.json"))) == 2
    nothing = mailbot("reprocess", "--all", "--config", str(rules), environ=env(dovecot))
    # ... and saying so (issue 16 §9: it printed nothing).
    assert nothing.stdout == (
        f"nothing to reprocess: the quarantine of {tmp_path / 'state'} is empty\n")


def test_reprocess_on_a_maildir_moves_the_file_back_and_clears_its_count(tmp_path: Path) -> None:
    import mailbox

    rules = write_rules(tmp_path)
    rules.write_text(rules.read_text().replace('path = "', 'max_attempts = 1\npath = "', 1))
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    key = inbox.add(mail(message_id=KILLER))
    fault = env(MAILBOT_FAULTS=f"kill:{KILLER}")
    run = ("run", "--once", "--config", str(rules), "--now", NOW.isoformat())
    assert mailbot(*run, environ=fault, check=False).returncode == -9
    mailbot(*run, environ=fault)  # quarantined: the process died once, the limit
    assert list(inbox.keys()) == []
    # A count left for it (as after a death between the quarantine and the commit).
    (tmp_path / "state" / "attempts.json").write_text(json.dumps({key: 1}))

    done = mailbot("reprocess", key, "--config", str(rules))
    assert done.stdout.startswith(f"{key}: back in {tmp_path / 'inbox'} (quarantined for: ")
    assert list(mailbox.Maildir(tmp_path / "inbox").keys()) == [key]
    assert not (tmp_path / "state" / "attempts.json").exists()
    mailbot(*run)
    assert [t["subject"] for t in tickets(rules)] == ["Imprimante HS"]
