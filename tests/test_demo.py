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
    assert re.search(r"#3 \[closed, information\] marc\.petit@\S+: Absence du bureau", out)
    assert "Nous avons bien reçu votre signalement" in out
    # The technicians' round: Alice's answer relayed, Bruno's demotion and closure, a call.
    assert re.search(r"#1 \[open, P3\] claire\.martin@", out)  # told, not asked: open
    assert re.search(r"#2 \[closed, P3\] paul\.durand@", out)  # URGENT demoted, closed
    # A logged call is named by its topic, without the caller said in the log's subject.
    assert re.search(r"#5 \[closed, P3\] martine\.martin@\S+: Outlook ne s'ouvre plus", out)
    assert "Je passe vers 14 h" in out and "fait : attribué à tech.alice@" in out
    # The next day, the ticket nobody answered climbs its escalation ladder: on the shipped
    # calendar, eight working hours later, one notice goes to the highest level crossed.
    assert re.search(r"Subject: \[#4\] Escalade niveau 2 .*VPN", out)
    # Its Monday is a working day of the shipped calendar: no due time falls on a weekend.
    assert "sous 48 heures ouvrées" in out
    assert not re.search(r"échéance (samedi|dimanche)", out)
    assert "échéance lundi 30 novembre 2026 à 18:00" in out  # 48 working hours from Monday 9:00
    # Anna writes in English: she is answered in English; the team reads French.
    assert re.search(r"To: anna\.schmidt@\S+\n  Subject: Re: \[#4\] VPN disconnects every 10 "
                     r"minutes\n    Hello,\n    \n    We have received your report", out)
    # It ends with the month's report, printed and mailed.
    assert "Rapport mensuel du support : novembre 2026" in out
    # Five tickets, less the out-of-office: an automatic answer is nobody's request and the
    # monthly report leaves it out (docs/report.md).
    assert "Tickets ouverts dans le mois : 4 " in out
    assert "Demandés : 1 ; accordés : 0 ; déclassés : 1" in out
    assert re.search(r"Report mailed to equipe-si@\S+ with its chart and CSV \(sent, into "
                     r"\S+/outbox\)\.$", out.rstrip())  # the demo's last line
    sent = mailbox.Maildir(tmp_path / "demo" / "outbox", create=False)
    by_kind = {m["Message-ID"].split(".")[2]: m for m in sent}
    assert set(by_kind) >= {"ack", "team_notice", "relay", "transcript", "closure", "demotion",
                            "report"}
    report = by_kind["report"]
    kinds = [part.get_content_type() for part in report.walk()]
    assert "image/png" in kinds and "text/csv" in kinds
    # Sophie was in Cc of Paul's mail: the closure reaches her too.
    [paul] = [m for m in sent if m["To"] == "paul.durand@groupe-exemple.fr"
              and ".closure." in m["Message-ID"]]
    assert "sophie.leroy@groupe-exemple.fr" in str(paul["Cc"])
    recipients = sorted(m["To"] for m in sent)
    # The team: three new tickets (the Sage one carrying its follow-up of the same pass, day 7
    # §19), none for the call logged already closed (day 7 §9), and the month's report;
    # nothing for the archived out-of-office.
    assert recipients.count("equipe-si@groupe-exemple.fr") == 4
    assert "marc.petit@groupe-exemple.fr" not in recipients  # no answer to an auto-reply


def test_the_demo_serves_the_tracking_page(tmp_path: Path) -> None:
    from tests.servers.dovecot import _free_port

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mailbot.cli", "demo", "--dir",
                             str(tmp_path / "demo"), "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        urls = []
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            match = re.search(r"tracking: (http://\S+/t/\S+)", line)
            if match:
                urls.append(match.group(1))
            if "Ctrl-C" in line:
                break
        assert urls and f":{port}/t/" in urls[0], "".join(lines)
        with urllib.request.urlopen(urls[0], timeout=5) as response:
            page = response.read().decode()
        assert "Imprimante du 2e étage hors service" in page
        # The demo's clock stands still: its pages are as fresh as its last pass.
        assert "Informations à jour au mardi 24 novembre 2026" in page
        assert "pas à jour" not in page
        # Anna's ticket opens in English, her language (?lang= still switches).
        with urllib.request.urlopen(urls[3], timeout=5) as response:
            page = response.read().decode()
        assert "Ticket #4" in page and "Information as of Tuesday 24 November 2026" in page
        assert "may not be up to date" not in page
        with urllib.request.urlopen(urls[3] + "?lang=fr", timeout=5) as response:
            assert "Demande n° 4" in response.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
