"""A redelivered copy is the same mail (RELIABILITY D04, issue 18 §1).

The same message, delivered again with other trace fields on top (a second delivery path, an
alias expansion, a forwarding rule, a restore of the mailbox), is one ticket and one
acknowledgement; a different message reusing a Message-ID is not dropped. On a real Dovecot:
copies delivered over LMTP (Dovecot adds its own Return-Path, Delivered-To and Received to each),
a restored mailbox appended back over IMAP, and `mailbot replay` saying the same.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.batch import Batch
from mailbot.parsers import parse
from mailbot.pipeline import decide
from mailbot.store import Commit, Store
from tests.harness import PARIS, env, mail, mailbot, tickets
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import RecordingSmtpServer

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
CLAIRE = "claire.martin@groupe-exemple.fr"
PROCESSED = "mailbot.processed"
MESSAGE_ID = "<imprimante-2e@groupe-exemple.fr>"

# What the second path puts on top before Dovecot adds its own: the relay that expanded the
# helpdesk alias and forwarded the mail (RFC 5322 §3.6.6-3.6.7, RFC 5598 §5).
FORWARDED = (
    b"X-Original-To: helpdesk@groupe-exemple.fr\r\n"
    b"Received: from relais.groupe-exemple.fr (relais.groupe-exemple.fr [192.0.2.25])\r\n"
    b"\tby mx1.groupe-exemple.fr (Postfix) with ESMTPS id 4Qz9k2;\r\n"
    b"\tMon, 23 Nov 2026 09:14:03 +0100 (CET)\r\n"
    b"Authentication-Results: mx1.groupe-exemple.fr; dkim=pass header.d=groupe-exemple.fr\r\n"
    b"ARC-Seal: i=1; a=rsa-sha256; t=1795421643; cv=none; d=groupe-exemple.fr; s=arc; b=Qw\r\n"
    b"ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=groupe-exemple.fr; b=Er\r\n"
    b"ARC-Authentication-Results: i=1; relais.groupe-exemple.fr; spf=pass\r\n"
    b"Received-SPF: pass (mx1.groupe-exemple.fr) client-ip=192.0.2.25\r\n"
    b"X-Spam-Status: No, score=-2.1\r\n"
    b"Resent-From: helpdesk@groupe-exemple.fr\r\n"
    b"Resent-Date: Mon, 23 Nov 2026 09:14:02 +0100\r\n"
)


def original() -> bytes:
    return mail(subject="Imprimante du 2e étage en panne", message_id=MESSAGE_ID)


def run_once(rules: Path, dovecot: DovecotServer, *, minutes: int = 0,
             ) -> subprocess.CompletedProcess[str]:
    return mailbot("run", "--once", "--config", str(rules),
                   "--now", (NOW + timedelta(minutes=minutes)).isoformat(), environ=env(dovecot))


def acks(smtp: RecordingSmtpServer) -> list:
    return [m for m in smtp.messages if m.message["Auto-Submitted"] == "auto-replied"]


def duplicates(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if ": duplicate, " in line]




@pytest.mark.parametrize("later", [False, True], ids=["same_pass", "later_pass"])
def test_the_same_mail_delivered_again_over_lmtp_with_other_trace_fields_is_one_ticket(
        later: bool, rules: Path, dovecot: DovecotServer,
        smtp_server: RecordingSmtpServer) -> None:
    """Claire's mail reaches the mailbox directly, then again through the helpdesk alias: the
    second copy has the relay's fields and its own Return-Path, Delivered-To and Received."""
    dovecot.lmtp_deliver(original(), mail_from=CLAIRE)
    if later:
        run_once(rules, dovecot)
    dovecot.lmtp_deliver(FORWARDED + original(), mail_from="helpdesk-alias@groupe-exemple.fr")
    done = run_once(rules, dovecot, minutes=5)
    copies = [m.raw for m in dovecot.messages(PROCESSED)]
    assert len(copies) == 2 and copies[0] != copies[1]  # two different byte sequences
    assert [t["number"] for t in tickets(rules)] == [1]
    [ack] = acks(smtp_server)
    assert ack.message["Subject"] == "Re: [#1] Imprimante du 2e étage en panne"
    assert len(duplicates(done)) == 1
    assert dovecot.messages("INBOX") == []  # the copy is filed, not left behind


def test_a_restored_mailbox_appended_back_over_imap_makes_no_second_ticket(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """The operator restores the inbox from the backup server's copy (its own trace on top,
    bare LF line ends as a Maildir keeps them) with an IMAP APPEND, after the mail was handled."""
    dovecot.lmtp_deliver(original(), mail_from=CLAIRE)
    run_once(rules, dovecot)
    [handled] = dovecot.messages(PROCESSED)
    backup = (b"Received: from mx1.groupe-exemple.fr by sauvegarde.groupe-exemple.fr with LMTP;"
              b" Mon, 23 Nov 2026 09:12:09 +0100\r\nDelivered-To: archive@groupe-exemple.fr\r\n")
    restored = (backup + handled.raw).replace(b"\r\n", b"\n")
    dovecot.append(restored)
    done = run_once(rules, dovecot, minutes=60)
    assert [t["number"] for t in tickets(rules)] == [1]
    assert len(acks(smtp_server)) == 1
    assert len(duplicates(done)) == 1 and dovecot.messages("INBOX") == []


def test_a_different_mail_reusing_the_message_id_is_not_dropped(
        rules: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """A careless mailer (or a forger) reuses Claire's Message-ID: another sender, or the same
    sender with another text, is another mail, each its own ticket and acknowledgement."""
    dovecot.lmtp_deliver(original(), mail_from=CLAIRE)
    run_once(rules, dovecot)
    paul = mail(subject="Écran noir", sender="paul.durand@groupe-exemple.fr",
                message_id=MESSAGE_ID)
    # Another matter (the same subject within minutes would be added to her ticket #1).
    again = mail(subject="Scanner du 2e étage en panne", message_id=MESSAGE_ID,
                 body="Bonjour,\n\nLe scanner ne numérise plus rien.\n\nClaire\n")
    dovecot.lmtp_deliver(paul, mail_from="paul.durand@groupe-exemple.fr")
    dovecot.lmtp_deliver(FORWARDED + again, mail_from=CLAIRE)
    done = run_once(rules, dovecot, minutes=5)
    assert [t["number"] for t in tickets(rules)] == [1, 2, 3]
    assert sorted(a.recipients[0] for a in acks(smtp_server)) == [
        CLAIRE, CLAIRE, "paul.durand@groupe-exemple.fr"]
    assert duplicates(done) == []


def test_replay_agrees_a_redelivered_copy_is_handled_and_a_reused_id_is_not(
        tmp_path: Path, rules: Path, dovecot: DovecotServer) -> None:
    dovecot.lmtp_deliver(original(), mail_from=CLAIRE)
    run_once(rules, dovecot)
    [handled] = dovecot.messages(PROCESSED)
    eml = tmp_path / "copy.eml"
    eml.write_bytes(FORWARDED + handled.raw)
    out = mailbot("replay", str(eml), "--config", str(rules)).stdout
    assert "decision: duplicate" in out and "ticket:   #1 (already handled)" in out
    eml.write_bytes(mail(subject="Écran noir", sender="paul.durand@groupe-exemple.fr",
                         message_id=MESSAGE_ID))
    out = mailbot("replay", str(eml), "--config", str(rules)).stdout
    assert "decision: new_ticket" in out and "ticket:   #2 would be created" in out


def test_a_mail_handled_before_the_upgrade_is_still_a_duplicate_when_redelivered(
        tmp_path: Path) -> None:
    """Schema 3 knew a message by its Message-ID and the SHA-256 of its bytes, and kept the
    bytes under that hash: the upgrade gives each kept copy its new key, so a copy delivered
    after the upgrade with other trace fields is a duplicate. A reused Message-ID is not."""
    config = configuration.load(None)
    config.storage.dir = str(tmp_path / "state")
    store = Store(config.state_dir, writer=True)
    raw = b"Return-Path: <" + CLAIRE.encode() + b">\r\n" + original()
    first = decide(parse(raw), raw_path="raw/2026/11/x.eml", view=Batch(store), config=config,
                   now=NOW)
    old_hash = parse(raw).content_hash
    kept = store.keep_raw(raw, old_hash, "2026/11")
    store.commit(Commit(tickets={1: first.ticket.to_dict()}, next_number=2, index={
        f"mid:{MESSAGE_ID} sha256:{old_hash}": 1, f"mid:{MESSAGE_ID}": 1}))  # what 3 wrote
    store.checkpoint()  # an older mailbot's state has no pass log
    store.close()
    _set_schema(config.state_dir, 3)
    upgraded = Batch(Store(config.state_dir, writer=True))
    assert (config.state_dir / kept).read_bytes() == raw
    copy = decide(parse(FORWARDED + original()), raw_path="raw/y.eml", view=upgraded,
                  config=config, now=NOW)
    assert copy.action == "duplicate" and upgraded.lookup(copy.key) == 1
    other = decide(parse(mail(subject="Écran noir", sender="paul.durand@groupe-exemple.fr",
                              message_id=MESSAGE_ID)),
                   raw_path="raw/z.eml", view=upgraded, config=config, now=NOW)
    assert other.action == "new_ticket"


def _set_schema(state_dir: Path, version: int) -> None:
    path = state_dir / "state.json"
    data = json.loads(path.read_text())
    for doc in data["meta"].values():
        if doc["name"] == "schema":
            doc["value"] = version
    path.write_text(json.dumps(data))

