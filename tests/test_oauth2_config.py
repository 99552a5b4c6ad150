"""What `check-config` says about an OAuth2 setup, one line per missing piece, and how the token
sources behave against the tests' authorization server (refresh before expiry, renew on demand)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.config import ConfigError
from mailbot.oauth2 import MicrosoftApp, TokenRefused, TokenUnavailable, make_token_source
from tests.servers.dovecot import TlsFiles
from tests.servers.oauth2 import TENANT, OAuth2Server

ROOT = Path(__file__).resolve().parents[1]

OAUTH2_RULES = """
[mailbox]
host = "outlook.office365.com"
auth = "oauth2"
user = "support@groupe-exemple.fr"
[smtp]
host = "smtp.office365.com"
port = 587
security = "starttls"
auth = "oauth2"
user = "support@groupe-exemple.fr"
[storage]
dir = "{state}"
[oauth2]
{oauth2}
"""


def _check(tmp_path: Path, oauth2: str, **environ: str) -> subprocess.CompletedProcess[str]:
    rules = tmp_path / "rules.toml"
    rules.write_text(OAUTH2_RULES.format(state=tmp_path / "state", oauth2=oauth2))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **environ}
    return subprocess.run([sys.executable, "-m", "mailbot.cli", "check-config", "--config",
                           str(rules)], capture_output=True, text=True, cwd=ROOT, env=env)


def test_check_config_names_each_missing_microsoft_setting(tmp_path: Path) -> None:
    done = _check(tmp_path, 'provider = "microsoft"\n')
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2
    assert len(lines) == 2, done.stderr
    assert "oauth2.tenant: required for Microsoft 365" in lines[0]
    assert "oauth2.client_id: required for Microsoft 365" in lines[1]


def test_check_config_says_where_the_client_secret_is_looked_for(tmp_path: Path) -> None:
    done = _check(tmp_path, f'tenant = "{TENANT}"\nclient_id = "abc"\n')
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "no client secret or certificate for the Microsoft 365 app" in line
    assert "MAILBOT_OAUTH2_CLIENT_SECRET" in line and "oauth2-client-secret" in line
    ok = _check(tmp_path, f'tenant = "{TENANT}"\nclient_id = "abc"\n',
                MAILBOT_OAUTH2_CLIENT_SECRET="s3cret-value")
    assert ok.returncode == 0, ok.stderr
    assert "s3cret-value" not in ok.stdout + ok.stderr


def test_check_config_reads_secrets_from_systemd_credentials(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "oauth2-client-secret").write_text("from-systemd\n")
    done = _check(tmp_path, f'tenant = "{TENANT}"\nclient_id = "abc"\n',
                  CREDENTIALS_DIRECTORY=str(credentials))
    assert done.returncode == 0, done.stderr


def test_check_config_rejects_a_certificate_without_its_key(tmp_path: Path,
                                                            dovecot_tls: TlsFiles) -> None:
    done = _check(tmp_path, f'tenant = "{TENANT}"\nclient_id = "abc"\n'
                            f'certificate_file = "{dovecot_tls.cert}"\n')
    assert done.returncode == 2
    assert "lacks its private key" in done.stderr
    pem = tmp_path / "app.pem"
    pem.write_text(dovecot_tls.key.read_text() + dovecot_tls.cert.read_text())
    ok = _check(tmp_path, f'tenant = "{TENANT}"\nclient_id = "abc"\n'
                          f'certificate_file = "{pem}"\n')
    assert ok.returncode == 0, ok.stderr


def test_check_config_for_google_and_for_the_delegated_login(tmp_path: Path) -> None:
    google = _check(tmp_path, 'provider = "google"\n')
    assert google.returncode == 2
    assert "no service-account key for Google Workspace" in google.stderr
    assert "MAILBOT_OAUTH2_SERVICE_ACCOUNT" in google.stderr
    wrong = _check(tmp_path, 'provider = "google"\n', MAILBOT_OAUTH2_SERVICE_ACCOUNT='{"a": 1}')
    assert "not of type \"service_account\"" in wrong.stderr
    delegated = _check(tmp_path, f'provider = "microsoft-delegated"\ntenant = "{TENANT}"\n'
                                 f'client_id = "abc"\n')
    assert delegated.returncode == 2 and "run `mailbot login` once" in delegated.stderr


def test_an_oauth2_login_needs_the_mailbox_address(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[smtp]\nauth = "oauth2"\nuser = ""\n[oauth2]\ntenant = "t"\n'
                     'client_id = "c"\n')
    with pytest.raises(ConfigError) as caught:
        configuration.load(rules)
    assert any("smtp.user: required with auth = \"oauth2\"" in p for p in caught.value.problems)


def test_a_client_secret_in_rules_toml_is_refused_and_not_echoed(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[oauth2]\nclient_secret = "Xy7~leaked"\n')
    with pytest.raises(ConfigError) as caught:
        configuration.load(rules)
    [problem] = caught.value.problems
    assert "oauth2.client_secret: secrets are never read from rules.toml" in problem
    assert "Xy7~leaked" not in problem


def test_password_logins_need_no_token_source(tmp_path: Path) -> None:
    assert make_token_source(configuration.load(ROOT / "rules.toml")) is None


# --- the app-only token source against the tests' authorization server -------------------------

def _app(tmp_path: Path, server: OAuth2Server, monkeypatch: pytest.MonkeyPatch,
         cert: Path) -> MicrosoftApp:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    monkeypatch.setenv("MAILBOT_OAUTH2_CLIENT_SECRET", "app-secret")
    server.add_app("app", "app-secret")
    rules = tmp_path / "rules.toml"
    rules.write_text(OAUTH2_RULES.format(state=tmp_path / "state", oauth2=(
        f'tenant = "{TENANT}"\nclient_id = "app"\nauthority_host = "{server.authority_host}"')))
    return MicrosoftApp(configuration.load(rules))


def test_a_valid_token_is_reused_and_renew_fetches_a_new_one(
        tmp_path: Path, oauth2_server: OAuth2Server, dovecot_tls: TlsFiles,
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path, oauth2_server, monkeypatch, dovecot_tls.cert)
    first = app.token()
    assert app.token() == first and oauth2_server.requests == ["client_credentials"]
    renewed = app.token(renew=True)
    assert renewed != first and oauth2_server.is_active(renewed)
    assert oauth2_server.requests == ["client_credentials"] * 2


def test_a_token_close_to_its_expiry_is_replaced_before_use(
        tmp_path: Path, dovecot_tls: TlsFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens that live 4 minutes: each login gets a fresh one rather than one that could
    expire during the session (msal keeps a five-minute margin)."""
    server = OAuth2Server(certificate=(str(dovecot_tls.cert), str(dovecot_tls.key)),
                          user="support", lifetime=240).start()
    try:
        app = _app(tmp_path, server, monkeypatch, dovecot_tls.cert)
        assert app.token() != app.token()
        assert server.requests == ["client_credentials"] * 2
    finally:
        server.stop()


def test_a_revoked_app_is_a_token_refusal_naming_the_provider_answer(
        tmp_path: Path, oauth2_server: OAuth2Server, dovecot_tls: TlsFiles,
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(tmp_path, oauth2_server, monkeypatch, dovecot_tls.cert)
    oauth2_server.revoke("app")
    with pytest.raises(TokenRefused) as caught:
        app.token()
    assert "invalid_client" in str(caught.value) and "app-secret" not in str(caught.value)


def test_an_unreachable_identity_provider_is_a_temporary_failure(
        tmp_path: Path, dovecot_tls: TlsFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    server = OAuth2Server(certificate=(str(dovecot_tls.cert), str(dovecot_tls.key)),
                          user="support").start()
    app = _app(tmp_path, server, monkeypatch, dovecot_tls.cert)
    server.stop()  # nothing listens there any more
    with pytest.raises(TokenUnavailable) as caught:
        app.token()
    assert "cannot reach the identity provider" in str(caught.value)


def test_the_daemon_does_not_start_without_its_client_secret(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(OAUTH2_RULES.format(state=tmp_path / "state", oauth2=(
        f'tenant = "{TENANT}"\nclient_id = "abc"')))
    done = subprocess.run([sys.executable, "-m", "mailbot.cli", "run", "--once", "--config",
                           str(rules)], capture_output=True, text=True, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2
    assert "no client secret or certificate for the Microsoft 365 app" in done.stderr
    assert "Traceback" not in done.stderr
