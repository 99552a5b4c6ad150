"""Where the secrets come from, and whether they are there: passwords and OAuth2 secrets.

Secrets never live in `rules.toml`. Each is read from an environment variable, a `*_file` named
in the file or a systemd credential (LoadCredential=), here and nowhere else; none of them is
ever put in a log line or an exception's text. `mailbot.oauth2` uses them to get tokens.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from mailbot.config.errors import ConfigError
from mailbot.config.sections import OAuth2Config

TOKEN_CACHE = "oauth2-token-cache.json"  # in the state directory, mode 0600 (refresh token)

# Where each secret comes from, in order: environment variable, `oauth2.<key>`, systemd credential.
CLIENT_SECRET = ("MAILBOT_OAUTH2_CLIENT_SECRET", "client_secret_file", "oauth2-client-secret")
CERTIFICATE = ("MAILBOT_OAUTH2_CERTIFICATE", "certificate_file", "oauth2-certificate")
SERVICE_ACCOUNT = ("MAILBOT_OAUTH2_SERVICE_ACCOUNT", "service_account_file",
                   "oauth2-service-account")


def read_password(variable: str, password_file: str, section: str) -> str:
    if value := os.environ.get(variable):
        return value
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")  # systemd LoadCredential=
    if not password_file and credentials:
        candidate = Path(credentials) / f"{section}-password"
        if candidate.exists():
            password_file = str(candidate)
    if password_file:
        try:
            return Path(password_file).read_text("utf-8").strip()
        except OSError as exc:
            raise ConfigError([f"{section}.password_file: cannot read: {exc}"]) from exc
    return ""


def read_secret(oauth2: OAuth2Config, where: tuple[str, str, str]) -> str:
    variable, key, credential = where
    if value := os.environ.get(variable):
        return value.strip()
    path = getattr(oauth2, key)
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")  # systemd LoadCredential=
    if not path and credentials and (Path(credentials) / credential).exists():
        path = str(Path(credentials) / credential)
    if not path:
        return ""
    try:
        return Path(path).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"oauth2.{key}: cannot read {path}: {exc.strerror or exc}"]) from exc


def _where(spec: tuple[str, str, str]) -> str:
    variable, key, credential = spec
    return f"{variable}, oauth2.{key} or the systemd credential \"{credential}\""


def missing_oauth2_settings(oauth2: OAuth2Config, state_dir: Path) -> list[str]:
    """What the chosen provider lacks in the environment, one line each (check-config)."""
    provider = oauth2.provider
    try:
        if provider == "microsoft":
            if not read_secret(oauth2, CLIENT_SECRET) and not read_secret(oauth2, CERTIFICATE):
                return [f"oauth2: no client secret or certificate for the Microsoft 365 app: "
                        f"set {_where(CLIENT_SECRET)}; or {_where(CERTIFICATE)}"]
            if not read_secret(oauth2, CLIENT_SECRET):
                certificate_credential(read_secret(oauth2, CERTIFICATE))
        elif provider == "google":
            if not read_secret(oauth2, SERVICE_ACCOUNT):
                return [f"oauth2: no service-account key for Google Workspace: set "
                        f"{_where(SERVICE_ACCOUNT)}"]
            service_account_info(read_secret(oauth2, SERVICE_ACCOUNT))
        elif not (state_dir / TOKEN_CACHE).exists():
            return [f"oauth2: no delegated login stored in {state_dir / TOKEN_CACHE}: "
                    f"run `mailbot login` once"]
    except ConfigError as exc:
        return exc.problems
    return []


def certificate_credential(pem: str) -> dict[str, str]:
    """msal's client_credential for a certificate: the PEM private key and the certificate.

    Given the certificate (not a SHA-1 thumbprint), msal signs its client assertion with PS256
    and the certificate's SHA-256 thumbprint, as Microsoft now asks.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    if "ENCRYPTED PRIVATE KEY" in pem or "Proc-Type: 4,ENCRYPTED" in pem:
        raise ConfigError(["oauth2: the certificate's private key is encrypted; the daemon has "
                           "no passphrase: keep it unencrypted in a file or credential of mode "
                           "0600 (openssl pkey -in key.pem -out plain.pem)"])
    key = re.search(r"-----BEGIN (?:RSA |EC )?PRIVATE KEY-----.*?"
                    r"-----END (?:RSA |EC )?PRIVATE KEY-----", pem, re.S)
    if key is None:
        raise ConfigError(["oauth2: the certificate file lacks its private key (PEM)"])
    try:
        cert = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise ConfigError(["oauth2: the certificate is not a PEM file holding the private key "
                           "and the certificate (see README, Microsoft 365)"]) from None
    return {"private_key": key.group(0),
            "public_certificate": cert.public_bytes(Encoding.PEM).decode()}


def service_account_info(text: str) -> dict[str, Any]:
    try:
        info = json.loads(text)
    except ValueError:
        raise ConfigError(["oauth2: the service-account key is not JSON (download it as JSON "
                           "from the Google Cloud console)"]) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ConfigError(["oauth2: the service-account key is not of type \"service_account\""])
    return info
