"""OAuth2 logins end to end: a real Dovecot checking XOAUTH2 tokens with its `oauth2` passdb
against the RFC 7662 introspection endpoint of an Authlib authorization server on loopback, the
recording SMTP server checking them the same way, and the real `mailbot` getting its tokens from
that server with msal (Microsoft 365 app-only, delegated) or google-auth (service account)."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import ROOT, env, mail, mailbot, tickets, write_rules
from tests.servers.dovecot import DovecotServer, TlsFiles
from tests.servers.oauth2 import TENANT, OAuth2Server, introspector
from tests.servers.smtp import RecordingSmtpServer

pytestmark = pytest.mark.e2e

CLIENT_ID = "6f1c2a9e-mailbot-app"
CLIENT_SECRET = "Xy7~app-secret-never-in-logs-0123456789"


@dataclass
class Site:
    """The servers and files of one OAuth2 scenario."""

    dovecot: DovecotServer
    smtp: RecordingSmtpServer
    oauth2: OAuth2Server
    rules: Path
    environ: dict[str, str]
    tmp: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return mailbot(*args, "--config", str(self.rules), environ=self.environ, check=check)

    def secrets(self) -> list[str]:
        """Everything that must never be printed: the client secret, every token issued, and
        the XOAUTH2 strings built from them."""
        found = [CLIENT_SECRET, *self.oauth2.issued]
        for token in self.oauth2.issued:
            sasl = f"user={self.dovecot.user}\x01auth=Bearer {token}\x01\x01".encode()
            found.append(base64.b64encode(sasl).decode())
        return found

    def assert_no_secret(self, *outputs: str) -> None:
        assert self.oauth2.issued, "no token was issued: the scenario did not log in"
        for text in outputs:
            for secret in self.secrets():
                assert secret not in text


def _oauth2_rules(tmp: Path, dovecot: DovecotServer, smtp: RecordingSmtpServer,
                  oauth2: OAuth2Server, *, provider: str = "microsoft",
                  imap_user: str | None = None) -> Path:
    rules = write_rules(tmp, imap=dovecot, smtp=smtp, extra=f"""
[oauth2]
provider = "{provider}"
tenant = "{TENANT}"
client_id = "{CLIENT_ID}"
authority_host = "{oauth2.authority_host}"
""")
    text = rules.read_text()
    text = text.replace("[mailbox]\n", '[mailbox]\nauth = "oauth2"\n', 1)
    text = text.replace('user = ""\n', f'user = "{dovecot.user}"\nauth = "oauth2"\n', 1)
    if imap_user is not None:
        text = text.replace(f'user = "{dovecot.user}"\npoll', f'user = "{imap_user}"\npoll', 1)
    rules.write_text(text)
    return rules


@pytest.fixture
def site(tmp_path: Path, make_dovecot: Callable[..., DovecotServer], oauth2_server: OAuth2Server,
         dovecot_tls: TlsFiles) -> Iterator[Site]:
    oauth2_server.add_app(CLIENT_ID, CLIENT_SECRET)
    dovecot = make_dovecot(introspection_url=oauth2_server.introspection_url)
    smtp = RecordingSmtpServer(introspect=introspector(oauth2_server.introspection_url,
                                                       str(dovecot_tls.cert)))
    with smtp:
        environ = env(None, MAILBOT_OAUTH2_CLIENT_SECRET=CLIENT_SECRET,
                      REQUESTS_CA_BUNDLE=str(dovecot_tls.cert))  # trusts the test server only
        for name in ("MAILBOT_IMAP_PASSWORD", "MAILBOT_SMTP_PASSWORD"):
            environ.pop(name, None)  # no password anywhere: only a token can log in
        rules = _oauth2_rules(tmp_path, dovecot, smtp, oauth2_server)
        yield Site(dovecot, smtp, oauth2_server, rules, environ, tmp_path)


def _start(site: Site) -> tuple[subprocess.Popen[str], Path]:
    """The daemon, logging at debug level into a file (a pipe could fill up and block it)."""
    log = site.tmp / "daemon.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailbot.cli", "-v", "run", "--config", str(site.rules)],
        cwd=ROOT, env=site.environ, stdout=subprocess.DEVNULL, stderr=log.open("w"), text=True)
    return proc, log


def _stop(proc: subprocess.Popen[str], log: Path) -> str:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert proc.returncode == 0, log.read_text()
    return log.read_text()


def _wait(condition: Callable[[], bool], log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out; daemon log:\n{log.read_text()[-4000:]}")


def test_mail_is_fetched_and_acknowledged_over_xoauth2(site: Site) -> None:
    """A request in a mailbox reachable only by OAuth2 gets its ticket and its acknowledgement,
    both logins made with a token from the app-only (client credentials) flow."""
    site.dovecot.append(mail(subject="Imprimante HS"))
    done = site.run("-v", "run", "--once")
    [ticket] = tickets(site.rules)
    assert ticket["subject"] == "Imprimante HS"
    assert site.dovecot.messages("INBOX") == []
    assert len(site.dovecot.messages("mailbot.processed")) == 1
    sent = site.smtp.wait_for(2)  # the acknowledgement and the team's notice
    [ack] = [m for m in sent if m.recipients == ["claire.martin@groupe-exemple.fr"]]
    assert f"[#{ticket['number']}]" in str(ack.message["Subject"])
    assert set(site.smtp.oauth2_logins) == {site.dovecot.user}
    assert re.search(r"Login: user=<support>, method=XOAUTH2", site.dovecot.log())
    assert site.oauth2.requests == ["client_credentials"]  # one token served both logins
    shown = site.run("show", str(ticket["number"]), "--json").stdout
    site.assert_no_secret(done.stderr, done.stdout, shown, site.rules.read_text(),
                          *(p.read_text(errors="replace") for p in (site.tmp / "state").rglob("*")
                            if p.is_file()))


def test_an_expired_token_is_refreshed_without_losing_a_message(site: Site) -> None:
    """The running daemon's token stops being valid at the identity provider (its lifetime ran
    out early, or an admin revoked the sessions). SMTP refuses it first, while the IMAP session
    stays up; later IMAP drops the link and refuses it at the new login. Each time the token is
    renewed once, the mail is fetched and acknowledged, and nothing is lost."""
    proc, log = _start(site)
    try:
        site.dovecot.append(mail(subject="Premier"))
        _wait(lambda: len(site.smtp.messages) == 2, log)  # acknowledgement, team notice
        site.oauth2.expire_tokens()  # the IMAP session goes on: only SMTP logs in again
        site.dovecot.append(mail(subject="Second"))
        _wait(lambda: len(site.smtp.messages) == 4, log)
        site.oauth2.expire_tokens()
        site.dovecot.restart()  # the session is gone: the daemon must log in again
        site.dovecot.append(mail(subject="Troisième"))
        _wait(lambda: len(site.smtp.messages) == 6, log)
    finally:
        output = _stop(proc, log)
    assert sorted(t["subject"] for t in tickets(site.rules)) == ["Premier", "Second",
                                                                  "Troisième"]
    assert site.dovecot.messages("INBOX") == []
    assert re.search(r"smtp 127\.0\.0\.1:\d+ refused the access token of support \(535 .*\); "
                     r"renewing it", output), output
    assert re.search(r"IMAP 127\.0\.0\.1:\d+ refused the access token of support "
                     r"\(\[AUTHENTICATIONFAILED\].*\); renewing it", output), output
    assert site.oauth2.requests == ["client_credentials"] * 3
    assert "Traceback" not in output and "ERROR" not in output
    site.assert_no_secret(output)


def test_a_revoked_client_gives_one_clear_line_and_no_crash_loop(site: Site) -> None:
    """The app's secret is revoked in the tenant while the daemon runs: each login attempt is
    one line naming the refusal, attempts slow down (the password back-off), the daemon keeps
    running and the waiting mail stays in the inbox."""
    proc, log = _start(site)
    try:
        site.dovecot.append(mail(subject="Avant"))
        _wait(lambda: len(site.smtp.messages) == 2, log)  # acknowledgement, team notice
        site.oauth2.revoke(CLIENT_ID)
        site.dovecot.restart()
        site.dovecot.append(mail(subject="Pendant"))
        time.sleep(8)
        assert proc.poll() is None, log.read_text()
    finally:
        output = _stop(proc, log)
    refusals = [line for line in output.splitlines() if "invalid_client" in line]
    assert refusals, output
    assert all("IMAP login for support: no access token: Entra ID" in line for line in refusals)
    # The password back-off (1, 2, 4 … s): a handful of attempts in 8 s, not hundreds, and
    # none after SIGTERM.
    # Each pause lies in its step's jittered range (0.5-1, 1-2, 2-4 … s) and each is longer
    # than the one before. The log prints tenths ("retry 2/9 in 1.4 s").
    retries = [(int(n), float(d)) for n, d in
               re.findall(r"; retry (\d+)/9 in ([\d.]+) s", "\n".join(refusals))]
    assert len(retries) >= 2, refusals
    first = retries[0][0]
    assert [n for n, _ in retries] == list(range(first, first + len(retries))), refusals
    assert all(2 ** (n - 1) / 2 - 0.05 <= d <= 2 ** (n - 1) + 0.05 for n, d in retries), retries
    delays = [d for _, d in retries]
    assert all(b > a for a, b in zip(delays, delays[1:], strict=False)), retries
    assert 2 <= len(refusals) <= 5
    assert site.oauth2.requests.count("client_credentials") <= 6
    assert [m.raw for m in site.dovecot.messages("INBOX")] and len(tickets(site.rules)) == 1
    assert "Traceback" not in output
    site.assert_no_secret(output)


# --- check-connection ---------------------------------------------------------------------------

def test_check_connection_says_what_worked_and_sends_and_moves_nothing(site: Site) -> None:
    site.dovecot.append(mail())
    done = site.run("check-connection")
    lines = done.stdout.splitlines()
    assert lines[0].startswith("OAuth2 token: ok: obtained from Microsoft 365 app-only")
    assert re.match(r"IMAP 127\.0\.0\.1:\d+ \(none\): ok: logged in as support \(XOAUTH2\); "
                    r"folder INBOX: 1 message\(s\)", lines[1])
    assert re.match(r"SMTP 127\.0\.0\.1:\d+ \(none\): ok: logged in as support \(XOAUTH2\)",
                    lines[2])
    assert site.smtp.messages == [] and site.smtp.oauth2_logins == ["support"]
    [waiting] = site.dovecot.messages("INBOX")
    assert "\\Seen" not in waiting.flags
    site.assert_no_secret(done.stdout, done.stderr)


def test_check_connection_shows_the_server_answer_to_a_refused_token(
        site: Site, make_dovecot: Callable[..., DovecotServer]) -> None:
    """The token is valid but not for this mailbox (in Exchange Online: no
    Add-MailboxPermission for the app): the server's refusal is printed, after one renewal."""
    _oauth2_rules(site.tmp, site.dovecot, site.smtp, site.oauth2, imap_user="direction")
    done = site.run("check-connection", check=False)
    assert done.returncode == 4, done.stdout + done.stderr
    imap = next(line for line in done.stdout.splitlines() if line.startswith("IMAP"))
    assert "FAILED: IMAP login refused for direction" in imap
    assert "(access token renewed once)" in imap and "AUTHENTICATIONFAILED" in imap
    assert site.oauth2.requests == ["client_credentials"] * 2  # renewed once, not more
    site.assert_no_secret(done.stdout, done.stderr)


def test_check_connection_shows_a_wrong_password(tmp_path: Path, dovecot: DovecotServer) -> None:
    with RecordingSmtpServer(user="support", password="smtp-pass") as smtp:
        rules = write_rules(tmp_path, imap=dovecot, smtp=smtp)
        rules.write_text(rules.read_text().replace('user = ""', 'user = "support"'))
        environ = env(dovecot, MAILBOT_IMAP_PASSWORD="Wr0ng-imap-pw",
                      MAILBOT_SMTP_PASSWORD="Wr0ng-smtp-pw")
        done = mailbot("check-connection", "--config", str(rules), environ=environ, check=False)
        assert smtp.messages == []
    assert done.returncode == 4
    imap, smtp_line, store = done.stdout.splitlines()
    assert store.startswith("Tickets: in the state directory")
    assert "IMAP" in imap and "FAILED: IMAP login refused for support" in imap
    assert "AUTHENTICATIONFAILED" in imap
    assert "SMTP" in smtp_line and "FAILED: login refused: 535" in smtp_line
    assert "Wr0ng" not in done.stdout + done.stderr


def test_check_connection_with_the_right_password(tmp_path: Path, dovecot: DovecotServer,
                                                  smtp_server: RecordingSmtpServer) -> None:
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server)
    done = mailbot("check-connection", "--config", str(rules), environ=env(dovecot))
    imap, smtp_line, store = done.stdout.splitlines()
    assert store.startswith("Tickets: in the state directory") and "tinydb" in store
    assert "ok: logged in as support (password); folder INBOX: 0 message(s)" in imap
    assert "ok: no login" in smtp_line


# --- the delegated login and Google ---------------------------------------------------------------

def test_mailbot_login_stores_a_refresh_token_that_the_daemon_uses(site: Site) -> None:
    """`mailbot login` shows a code, the administrator signs in with it, the refresh token is
    kept in the state directory readable by its owner only, and the daemon logs in from it."""
    site.oauth2.add_public_app(CLIENT_ID + "-public")
    text = site.rules.read_text().replace('provider = "microsoft"',
                                          'provider = "microsoft-delegated"')
    site.rules.write_text(text.replace(f'client_id = "{CLIENT_ID}"',
                                       f'client_id = "{CLIENT_ID}-public"'))
    before = site.run("check-config", check=False)
    assert before.returncode == 2 and "run `mailbot login` once" in before.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailbot.cli", "login", "--config", str(site.rules)],
        cwd=ROOT, env=site.environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    code = re.search(r"enter the code (\S+)", first)
    assert code, first + (proc.stderr.read() if proc.stderr else "")
    site.oauth2.approve(code.group(1))
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "signed in as support" in out
    cache = site.tmp / "state" / "oauth2-token-cache.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert any(t in cache.read_text() for t in site.oauth2.issued)  # the refresh token
    site.dovecot.append(mail())
    done = site.run("-v", "run", "--once")
    assert len(tickets(site.rules)) == 1 and len(site.smtp.wait_for(2)) == 2
    assert "refresh_token" in site.oauth2.requests or site.oauth2.requests.count(
        "urn:ietf:params:oauth:grant-type:device_code") >= 1
    site.assert_no_secret(out, err, done.stderr)


def test_a_google_service_account_logs_in_as_the_mailbox(site: Site) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    email = "mailbot@groupe-exemple.iam.gserviceaccount.com"
    site.oauth2.add_service_account(email, key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    account = {"type": "service_account", "project_id": "groupe-exemple",
               "private_key_id": "k1", "private_key": private, "client_email": email,
               "client_id": "1234567890",
               "token_uri": f"{site.oauth2.base_url}/{TENANT}/oauth2/v2.0/token"}
    key_file = site.tmp / "service-account.json"
    key_file.write_text(json.dumps(account))
    os.chmod(key_file, 0o600)
    site.rules.write_text(site.rules.read_text().replace(
        'provider = "microsoft"', f'provider = "google"\nservice_account_file = "{key_file}"'))
    site.dovecot.append(mail())
    done = site.run("-v", "run", "--once")
    assert len(tickets(site.rules)) == 1 and len(site.smtp.wait_for(2)) == 2
    assert site.oauth2.requests == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    site.assert_no_secret(done.stderr)
    assert "PRIVATE KEY" not in done.stderr


def test_an_app_with_a_certificate_instead_of_a_secret(site: Site) -> None:
    """The Entra ID app proves itself with a certificate (msal signs a client assertion with
    its key), read from the systemd credential; no client secret anywhere."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailbot")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    site.oauth2.add_app_with_certificate("cert-app", key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    credentials = site.tmp / "credentials"
    credentials.mkdir()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()) + cert.public_bytes(
                                serialization.Encoding.PEM)
    (credentials / "oauth2-certificate").write_bytes(pem)
    site.environ.pop("MAILBOT_OAUTH2_CLIENT_SECRET")
    site.environ["CREDENTIALS_DIRECTORY"] = str(credentials)
    site.rules.write_text(site.rules.read_text().replace(f'client_id = "{CLIENT_ID}"',
                                                         'client_id = "cert-app"'))
    site.dovecot.append(mail())
    done = site.run("-v", "run", "--once")
    assert len(tickets(site.rules)) == 1 and len(site.smtp.wait_for(2)) == 2
    assert site.oauth2.requests == ["client_credentials"]
    site.assert_no_secret(done.stderr)
    assert "PRIVATE KEY" not in done.stderr
