"""RELIABILITY O12: SMTP down for hours, then 5,000 messages waiting in a real Dovecot.

The messages are written straight into the Maildir under the test Dovecot's home (as its LDA
would deliver them; an APPEND each would take most of the test's time). The real `mailbot`
works through them with SMTP down, in bounded batches, then SMTP comes back; the escalations
the backlog has crossed meanwhile go as one summary. 50-65 s on the shared 2-core machine."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from mailbot.store import Store
from tests.harness import PARIS, env, mail, mailbot, write_rules
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

T0 = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
MESSAGES, SENDERS, BATCH = 5000, 100, 500
SPECIALIST = "support-n2@example.com"  # level 2 of the default ladder


def _deliver(dovecot: DovecotServer, raws: list[bytes]) -> None:
    """Maildir delivery (new/, unique names), owned by the mail user as the LDA leaves it."""
    maildir = dovecot.home / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    stamp = int(time.time())
    for i, raw in enumerate(raws):
        (maildir / "new" / f"{stamp}.M{i}P1.mailbot-test").write_bytes(raw)
    dovecot._give_to_mail_owner(dovecot.home)


def _run(rules: Path, dovecot: DovecotServer, at: datetime) -> str:
    done = mailbot("run", "--once", "--config", str(rules), "--now", at.isoformat(),
                   environ=env(dovecot), timeout=240)
    return done.stderr


def test_o12_five_thousand_waiting_with_smtp_down_then_back(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    rules.write_text(rules.read_text().replace("[mailbox]\n", f"[mailbox]\nbatch = {BATCH}\n"))
    senders = [f"agent{n:03d}@groupe-exemple.fr" for n in range(SENDERS)]
    # One message built by the standard library, the others by replacing its variable parts
    # (building 5,000 EmailMessage objects alone took seconds).
    template = mail(sender="{sender}", subject="Demande {i}", message_id="<backlog.{i}@x>",
                    body="Bonjour,\n\nMon poste {i} affiche un message inconnu.\n\nMerci\n")
    raws = [template.replace(b"{sender}", senders[i % SENDERS].encode()).replace(
        b"{i}", f"{i:04d}".encode()) for i in range(MESSAGES)]
    _deliver(dovecot, raws)
    smtp_server.drop()

    started = time.monotonic()
    down = _run(rules, dovecot, T0)
    # Bounded batches: never more than [mailbox] batch fetched and committed at once.
    passes = [int(n) for n in re.findall(r"pass: (\d+) message\(s\) fetched", down)]
    assert sum(passes) == MESSAGES and max(passes) <= BATCH and len(passes) >= MESSAGES // BATCH
    assert smtp_server.messages == []
    listed = list(Store(tmp_path / "state").tickets())
    # Every message ticketed, once.
    assert sorted(t.subject for t in listed) == [f"Demande {i:04d}" for i in range(MESSAGES)]
    assert all(t.escalation_level == 0 for t in listed)

    smtp_server.restore()
    back = _run(rules, dovecot, T0 + timedelta(hours=4))  # level 2 is at 3 h for a P3
    elapsed = time.monotonic() - started
    sent = smtp_server.messages
    ids = [m.message["Message-ID"] for m in sent]
    assert len(ids) == len(set(ids)), "a mail went twice"
    kinds = Counter(i.split(".")[2] for i in ids)
    # Acknowledgements under the caps: [flood] lets 3 new tickets an hour per address be
    # acknowledged and told to the team, then one warning per address; the loop cap (10 per
    # hour) is never reached.
    acks = Counter(m.recipients[0] for m in sent if ".ack." in m.message["Message-ID"])
    assert set(acks) == set(senders) and set(acks.values()) == {3}
    flood = [m for m in sent if "Trop de nouveaux tickets" in m.message["Subject"]]
    assert len(flood) == SENDERS
    assert kinds["team_notice"] == 3 * SENDERS + SENDERS
    # The escalations the backlog crossed meanwhile: ONE summary to level 2, not 5,000 mails.
    assert kinds["escalation"] == 0
    [summary] = [m for m in sent if ".escalation_summary." in m.message["Message-ID"]]
    assert summary.recipients == [SPECIALIST]
    assert summary.message["Subject"] == f"Escalades : {MESSAGES} tickets"
    text = summary.message.get_content()
    numbers = {int(n) for n in re.findall(r"^\[#(\d+)\] P3 ", text, flags=re.MULTILINE)}
    assert numbers == {t.number for t in listed}
    assert len(sent) == sum(kinds.values()) == 3 * SENDERS + 4 * SENDERS + 1
    assert {t.escalation_level for t in Store(tmp_path / "state").tickets()} == {2}
    assert "pass:" not in back  # nothing left in the mailbox
    print(f"O12: {MESSAGES} messages, both runs in {elapsed:.1f} s")
