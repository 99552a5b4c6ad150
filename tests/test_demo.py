"""The README's first command: the main job on the embedded default, no mail server."""

from __future__ import annotations

import mailbox
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.harness import ROOT


def test_the_demo_tickets_the_samples_and_writes_the_replies(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "mailbot.cli", "demo", "--no-serve", "--dir",
                           str(tmp_path / "demo")], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Priorité : P2 – haute (vous avez indiqué URGENT)" in out  # Paul's first answer
    # The follow-up joined #2; the out-of-office, matching no ticket, is #3, marked automatic,
    # never answered and archived at once: it asks for nothing (RELIABILITY L01).
    assert "#6" not in out
    assert re.search(r"#3 \[closed, P3\] marc\.petit@\S+: Absence du bureau", out)
    assert "Nous avons bien reçu votre demande" in out
    # The technicians' round: Alice's answer relayed, Bruno's demotion and closure, a call.
    assert re.search(r"#1 \[waiting, P3\] claire\.martin@", out)
    assert re.search(r"#2 \[closed, P3\] paul\.durand@", out)  # URGENT demoted, closed
    assert re.search(r"#5 \[closed, P3\] martine\.martin@\S+: Martine : Outlook", out)
    assert "Je passe vers 14 h" in out and "fait : attribué à tech.alice@" in out
    # The next day, the ticket nobody answered climbs its escalation ladder: levels 2 and 3
    # were crossed since the last run, one notice goes to level 3 (RELIABILITY D12).
    assert re.search(r"Subject: \[#4\] Escalade niveau 3 .*VPN", out)
    sent = mailbox.Maildir(tmp_path / "demo" / "outbox", create=False)
    by_kind = {m["Message-ID"].split(".")[2]: m for m in sent}
    assert set(by_kind) >= {"ack", "team_notice", "relay", "transcript", "closure", "demotion"}
    # Sophie was in Cc of Paul's mail: the closure reaches her too.
    [paul] = [m for m in sent if m["To"] == "paul.durand@groupe-exemple.fr"
              and ".closure." in m["Message-ID"]]
    assert "sophie.leroy@groupe-exemple.fr" in str(paul["Cc"])
    recipients = sorted(m["To"] for m in sent)
    # The team: four new tickets and a follow-up; nothing for the archived out-of-office.
    assert recipients.count("equipe-si@groupe-exemple.fr") == 5
    assert "marc.petit@groupe-exemple.fr" not in recipients  # no answer to an auto-reply


def test_the_demo_serves_the_tracking_page(tmp_path: Path) -> None:
    from tests.servers.dovecot import _free_port

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mailbot.cli", "demo", "--dir",
                             str(tmp_path / "demo"), "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        url = None
        deadline = time.monotonic() + 30
        lines = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            match = re.search(r"tracking: (http://\S+/t/\S+)", line)
            url = url or (match.group(1) if match else None)
            if "Ctrl-C" in line:
                break
        assert url and f":{port}/t/" in url, "".join(lines)
        with urllib.request.urlopen(url, timeout=5) as response:
            assert "Imprimante du 2e étage hors service" in response.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
