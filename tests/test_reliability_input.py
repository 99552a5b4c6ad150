"""RELIABILITY M02, M03, S05, S10, S14, S16: known-bad inputs of the standard library's email
package, absurd subjects in the bot's own mail, headers that try to steer the ticket, template
syntax, secrets and log lines. Pure core first, then once through the real daemon."""

from __future__ import annotations

import base64
import json
import mailbox
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.batch import Batch
from mailbot.parsers import parse
from mailbot.pipeline import decide
from mailbot.store import Store
from tests.harness import PARIS, ROOT, env, mail, mailbot, show, tickets, write_rules
from tests.servers.dovecot import DovecotServer, _free_port
from tests.servers.smtp import RecordingSmtpServer
from tests.support import wait_until

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
BUDGET = 2.0  # seconds per message, parse and decide together

HEAD = b"From: claire.martin@groupe-exemple.fr\r\nTo: support@groupe-exemple.fr\r\n"
# CPython email bugs the checklist names, rebuilt from their reports' descriptions.
REGRESSIONS = {
    "gh-148518 To with a lone quote and blank lines": b'To: "\r\n\r\n\r\nSubject: x\r\n\r\nb',
    "gh-151857 parameter name* without value": HEAD + b"Subject: x\r\n"
    b"Content-Type: text/plain; name*\r\n\r\nb",
    "gh-151857 To: (c):": b"From: a@groupe-exemple.fr\r\nTo: (c):\r\nSubject: x\r\n\r\nb",
    "bpo-32178 leading colon and two angle addresses":
        b"From: a@groupe-exemple.fr\r\nTo: :Foo <foo@example.com> <bar@example.com>\r\n\r\nb",
    "bpo-32179 empty address": b"From: <>\r\nTo: <>\r\nSubject: x\r\n\r\nb",
    "gh-105802 bracketed Message-ID": HEAD + b"Message-ID: <[1.2.3.4]@microsoft.com]>\r\n\r\nb",
    "bpo-45001 malformed Date": HEAD + b"Date: Tue, 06 Jun 2017 27:39:33 +0600\r\n\r\nb",
    "gh-103800 parseaddr on nested quotes and brackets":
        b'From: "a\\"b" <<c@d>@e>\r\nTo: support@groupe-exemple.fr\r\n\r\nb',
    "bpo-37461 folding whitespace run in an encoded header":
        HEAD + b"Subject: =?utf-8?q?x?=" + b"\r\n " * 5000 + b"\r\n\r\nb",
}


def _decide(raw: bytes, tmp_path: Path):  # type: ignore[no-untyped-def]
    config = configuration.load(ROOT / "rules.toml")
    parsed = parse(raw, config.parse_rules())
    return parsed, decide(parsed, raw_path="raw/x.eml", view=Batch(Store(tmp_path, writer=True)),
                          config=config, now=NOW)


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_m02_regression_inputs_give_a_decision_within_budget(name: str, tmp_path: Path) -> None:
    started = time.perf_counter()
    parsed, decision = _decide(REGRESSIONS[name], tmp_path)
    assert time.perf_counter() - started < BUDGET
    assert decision.action in ("new_ticket", "dropped", "filed_automatic")
    for outgoing in decision.mails:
        assert len(outgoing.recipients) == 1 and "\n" not in outgoing.recipients[0]
        headers = outgoing.data.split("\r\n\r\n", 1)[0]
        assert "Auto-Submitted:" in headers
        assert all(line[:1] in " \t" or ":" in line for line in headers.split("\r\n"))


@pytest.mark.parametrize("subject", [
    "x" * 2000, "打印机坏了" * 200, "Écran " + "=?utf-8?q?" * 300,
])
def test_m03_absurd_subjects_still_give_a_foldable_acknowledgement_in_budget(
        subject: str, tmp_path: Path) -> None:
    raw = mail(subject=subject, message_id="<m03@groupe-exemple.fr>")
    started = time.perf_counter()
    _, decision = _decide(raw, tmp_path)
    assert time.perf_counter() - started < BUDGET
    [ack] = [m for m in decision.mails if m.kind == "acknowledgement"]
    headers = ack.data.split("\r\n\r\n", 1)[0]
    assert max(len(line) for line in headers.split("\r\n")) <= 998  # RFC 5322 §2.1.1


def test_s05_priority_headers_from_a_sender_change_nothing(tmp_path: Path) -> None:
    raw = mail(subject="Souris HS", headers={
        "X-Priority": "1 (Highest)", "Importance": "high", "Priority": "urgent",
        "X-Mailbot-Priority": "P1", "X-Mailbot-Assign": "tech.alice@groupe-exemple.fr"})
    _, decision = _decide(raw, tmp_path)
    assert decision.ticket is not None
    assert decision.ticket.priority == "P3" and decision.ticket.assignee is None
    assert decision.ticket.status == "new"


def test_s10_template_syntax_in_a_subject_is_literal_in_the_acknowledgement(
        tmp_path: Path) -> None:
    subject = "{{ 7*7 }} {% for x in y %} {0.__class__} ${7*7}"
    _, decision = _decide(mail(subject=subject), tmp_path)
    [ack] = [m for m in decision.mails if m.kind == "acknowledgement"]
    # Rendered nowhere: the text outside the tracking link (whose random token may hold "49").
    outside_link = re.sub(r"https?://\S+", "", ack.text)
    assert subject in ack.text and "49" not in outside_link


def test_s14_s16_secrets_stay_out_and_hostile_subjects_make_one_escaped_line(
        tmp_path: Path) -> None:
    """Through the real daemon: a subject with ANSI escapes, a line break and a megabyte of
    text; the log stays one line per event, without the escape character, and no output of the
    run or of `show --json` carries the password it was given."""
    rules = write_rules(tmp_path)
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(b"From: claire.martin@groupe-exemple.fr\r\nTo: support@groupe-exemple.fr\r\n"
              b"Message-ID: <s16@groupe-exemple.fr>\r\n"
              b"Subject: =?utf-8?q?Bonjour_=1B[31mROUGE=1B[0m=0D=0AINFO_mailbot:_faux?=\r\n"
              b"  " + b"A" * 1_000_000 + b"\r\n\r\nCorps.\r\n")
    secret = "imap-secret-5150"
    environ = env(MAILBOT_IMAP_PASSWORD=secret, MAILBOT_SMTP_PASSWORD=secret)
    done = mailbot("-v", "run", "--once", "--config", str(rules), environ=environ)
    [ticket] = tickets(rules)
    shown = mailbot("show", str(ticket["number"]), "--json", "--config", str(rules),
                    environ=environ)
    for output in (done.stdout, done.stderr, shown.stdout, shown.stderr,
                   json.dumps(show(rules, ticket["number"]))):
        assert secret not in output
    assert "\x1b" not in done.stderr
    assert not any(line.startswith("INFO mailbot: faux") for line in done.stderr.splitlines())
    assert max(len(line) for line in done.stderr.splitlines()) < 2000


def test_l16_the_acknowledgement_echoes_at_most_110_characters_of_the_subject(
        tmp_path: Path) -> None:
    subject = "Achetez " + "des montres pas chères " * 40
    _, decision = _decide(mail(subject=subject), tmp_path)
    [ack] = [m for m in decision.mails if m.kind == "acknowledgement"]
    tag = f"Re: [#{decision.ticket.number}] "  # "Re: " + the tag + the echo (L13)
    assert ack.subject.startswith(tag) and len(ack.subject) == len(tag) + 110
    assert ack.subject.endswith("…")
    assert "des montres pas chères " * 5 not in ack.text  # nor whole in the body
    assert decision.ticket.subject.startswith("Achetez des montres")  # the ticket keeps it all
    assert len(decision.ticket.subject) > 500


def test_m05_a_utf32_base64_body_is_read(tmp_path: Path) -> None:
    """RT CVE-2014-9472's shape: a base64 body in UTF-32LE, decoded as such, not as bytes."""
    import base64

    text = "Bonjour, l'imprimante du 2e étage est en panne. 打印机"
    raw = (HEAD + b"Subject: x\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-32le\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n"
           + base64.encodebytes(text.encode("utf-32-le")).replace(b"\n", b"\r\n"))
    parsed, decision = _decide(raw, tmp_path)
    assert parsed.text.strip() == text
    assert decision.action == "new_ticket" and decision.ticket is not None


@pytest.mark.parametrize("raw, acknowledged", [
    (b"To: support@groupe-exemple.fr\r\nSubject: sans expediteur\r\n\r\nb", False),
    (b"From: a@groupe-exemple.fr\r\nFrom: b@groupe-exemple.fr\r\nTo: s@groupe-exemple.fr\r\n"
     b"Subject: deux From\r\n\r\nb", True),  # to the first only; it never commands (S04)
    (HEAD + b"Subject: sans date\r\nMessage-ID: <nodate@groupe-exemple.fr>\r\n\r\nb", True),
    (HEAD + b"Subject: deux ids\r\nMessage-ID: <one@x>\r\nMessage-ID: <two@x>\r\n\r\nb", True),
    (HEAD + b"Message-ID: <nosubject@groupe-exemple.fr>\r\n\r\nb", True),
])
def test_m07_missing_or_doubled_headers_still_give_a_ticket(
        raw: bytes, acknowledged: bool, tmp_path: Path) -> None:
    _, decision = _decide(raw, tmp_path)
    assert decision.action == "new_ticket" and decision.ticket is not None
    assert decision.ticket.subject and decision.ticket.created_at == NOW.isoformat()
    assert any(m.kind == "acknowledgement" for m in decision.mails) is acknowledged
    assert all(len(m.recipients) == 1 for m in decision.mails)


def test_s14_the_secrets_of_a_real_imap_and_smtp_run_appear_in_no_output(
        tmp_path: Path, dovecot: DovecotServer) -> None:
    """S14 through the daemon on real servers: the IMAP password read from a password_file (as
    systemd's LoadCredential gives it), the SMTP password from the environment, both really
    used to log in, and the VERP HMAC key made in the state directory: none of them is in the
    daemon's argv, in its debug log, in `show --json`, `tickets --json` or `check-config`, in
    the mail sent, on the tracking page, nor in the lines of a run refused for a wrong password
    (which names neither the wrong nor the right one)."""
    smtp_secret = "smtp-s3cret-7781"
    smtp = RecordingSmtpServer(user="mailbot", password=smtp_secret).start()
    try:
        secret_file = tmp_path / "imap-password"
        secret_file.write_text(dovecot.password + "\n")
        port = _free_port()
        rules = write_rules(tmp_path, imap=dovecot, smtp=smtp, web_port=port)
        rules.write_text(rules.read_text()
                         .replace(f'user = "{dovecot.user}"\n',
                                  f'user = "{dovecot.user}"\npassword_file = "{secret_file}"\n')
                         .replace('user = ""\n', 'user = "mailbot"\nenvelope = "verp"\n'))
        environ = env(MAILBOT_SMTP_PASSWORD=smtp_secret)
        environ.pop("MAILBOT_IMAP_PASSWORD", None)
        outputs = _a_real_run(rules, dovecot, smtp, environ)
        key = (tmp_path / "state" / "verp.key").read_bytes()
        wrong = tmp_path / "wrong-password"
        wrong.write_text("wrong-pass-9931\n")
        rules.write_text(rules.read_text().replace(str(secret_file), str(wrong)))
        refused = mailbot("run", "--once", "--config", str(rules), check=False,
                          environ=environ, timeout=60)
        assert refused.returncode != 0
        outputs += [refused.stdout, refused.stderr]
    finally:
        smtp.stop()
    assert len(key) >= 32 and len(outputs) == 9
    for output in outputs:
        for secret in (dovecot.password, smtp_secret, "wrong-pass-9931", key.hex(),
                       base64.b64encode(key).decode(), key.decode("latin-1")):
            assert secret not in output, secret
    assert "Traceback" not in outputs[-1] and "login" in outputs[-1].lower()


def _a_real_run(rules: Path, dovecot: DovecotServer, smtp: RecordingSmtpServer,
                environ: dict[str, str]) -> list[str]:
    """Start the daemon, have it ticket one mail, read every output a person could see."""
    log = rules.parent / "daemon.log"
    with open(log, "w") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mailbot.cli", "-v", "run", "--config", str(rules)],
            cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=handle)
    try:
        wait_until(lambda: "IMAP INBOX: idling" in log.read_text() or proc.poll() is not None,
                   60)
        assert proc.poll() is None, log.read_text()
        argv = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode().replace("\0", " ")
        dovecot.append(mail(subject="Mot de passe oublié"))
        sent = smtp.wait_for(2, timeout=120)
        # The server takes mail only after AUTH: these two are a login with the password.
        [ticket] = tickets(rules)
        with urllib.request.urlopen(ticket["tracking_url"], timeout=10) as response:
            page = response.read().decode()
        shown = mailbot("show", str(ticket["number"]), "--json", "--config", str(rules),
                        environ=environ)
        listed = mailbot("tickets", "--json", "--config", str(rules), environ=environ)
        checked = mailbot("check-config", "--config", str(rules), environ=environ)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0 and "Mot de passe" in page
    mails = "\n".join(m.raw.decode("utf-8", "replace") for m in sent)
    return [argv, log.read_text(), page, shown.stdout, listed.stdout,
            checked.stdout + checked.stderr, mails]
