"""What the daemon does with mail it must not trust, on a real Dovecot and the real `mailbot`:
a message over the size cap (RELIABILITY M04), a message that kills the process (D08), and
putting quarantined mail back (`mailbot reprocess`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.harness import PARIS, env, mail, mailbot, tickets, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
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


@pytest.fixture
def rules(tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> Path:
    return write_rules(tmp_path, imap=dovecot, smtp=smtp_server)


# -- M04: a message over mailbox.max_message_mb ----------------------------------------------


def test_a_message_over_the_size_cap_is_quarantined_without_being_downloaded(
        tmp_path: Path, rules: Path, dovecot: DovecotServer,
        smtp_server: RecordingSmtpServer) -> None:
    """A 60 KB mail with a cap of 0.05 MB (52 KB): no ticket, no acknowledgement, the whole
    message in the quarantine folder, its header and the reason in the state directory, one
    log line; the small mail after it is ticketed as usual."""
    with_mailbox_keys(rules, "max_message_mb = 0.05")
    big = mail(subject="Scan de 300 pages", message_id="<big@groupe-exemple.fr>",
               body="x" * 70 + "\n" * 800 + "y" * 60_000).replace(b"\n", b"\r\n")
    dovecot.append(big)
    dovecot.append(mail(sender="paul@groupe-exemple.fr", subject="Écran noir"))
    done = run_once(rules, dovecot)

    assert [t["subject"] for t in tickets(rules)] == ["Écran noir"]
    assert [a.recipients for a in acks(smtp_server)] == [["paul@groupe-exemple.fr"]]
    assert [m.raw for m in dovecot.messages(QUARANTINE)] == [big]
    [line] = [x for x in done.stderr.splitlines() if "quarantined" in x and "max_message" in x]
    assert f"{len(big)} bytes, over mailbox.max_message_mb (0.05 MB)" in line
    quarantine = tmp_path / "state" / "quarantine"
    [copy] = quarantine.glob("*.eml")
    assert copy.read_bytes() == big.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"  # the header alone
    [reason] = quarantine.glob("*.error.txt")
    assert reason.read_text().count("\n") == 1 and "max_message_mb" in reason.read_text()


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
