"""OAuth2 access tokens for the IMAP and SMTP logins (`auth = "oauth2"`).

Each provider's own library does the protocol work: Microsoft's `msal` for Entra ID (app-only
client credentials, or a user's consent given once by `mailbot login` with the device-code flow),
Google's `google-auth` for a service account with domain-wide delegation. A `TokenSource` hands
out a valid access token, fetched again by the library before the cached one expires; `renew`
drops the cached one, for a token that the mail server refused although it looked valid (revoked
consent, permissions changed in the tenant).

Secrets are read by `mailbot.config.secrets` and nowhere else, from the environment, a `*_file`
or a systemd credential; none of them, nor any token, is ever put in a log line or an
exception's text.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from mailbot.config import Config, ConfigError
from mailbot.config.secrets import (
    CERTIFICATE,
    CLIENT_SECRET,
    SERVICE_ACCOUNT,
    TOKEN_CACHE,
    certificate_credential,
    read_secret,
    service_account_info,
)
from mailbot.storage import atomic_write

log = logging.getLogger(__name__)
# google-auth's debug records carry the signed JWT assertion (a short-lived credential) unhashed:
# keep them out even of `mailbot -v`. msal masks its tokens itself.
logging.getLogger("google.auth").setLevel(logging.INFO)
logging.getLogger("google.oauth2").setLevel(logging.INFO)

# One scope covers both IMAP.AccessAsApp and SMTP.SendAsApp granted to the app (app-only).
MICROSOFT_APP_SCOPES = ("https://outlook.office365.com/.default",)
# Delegated: the user's IMAP and SMTP AUTH permissions; msal adds offline_access itself.
MICROSOFT_DELEGATED_SCOPES = ("https://outlook.office.com/IMAP.AccessAsUser.All",
                              "https://outlook.office.com/SMTP.Send")
GOOGLE_SCOPES = ("https://mail.google.com/",)  # the only scope Gmail's IMAP and SMTP accept
# A hung identity provider must not hold the intake or a courier thread for ever.
HTTP_TIMEOUT = 30


class TokenError(Exception):
    """No access token could be had. The text names the provider and its answer, never a secret."""


class TokenRefused(TokenError):
    """The identity provider answered and refused: the operator's problem (revoked secret…)."""


class TokenUnavailable(TokenError):
    """The identity provider could not be reached: trying later may work."""


class TokenSource(Protocol):
    description: str  # e.g. "Microsoft 365 app-only (tenant contoso.fr)", for check-connection

    def token(self, *, renew: bool = False) -> str: ...


# --- Microsoft (msal) ---------------------------------------------------------------------------

def _msal_failure(result: dict[str, Any] | None, who: str) -> TokenError:
    """A TokenError from msal's error dict: error code and the first line of the description."""
    if not result:
        return TokenRefused(f"{who}: no token and no error from the identity provider")
    description = str(result.get("error_description", "")).splitlines()
    detail = f"{result.get('error', 'error')}: {description[0] if description else ''}".strip()
    if result.get("error") in ("temporarily_unavailable", "server_error"):
        return TokenUnavailable(f"{who}: {detail}")
    return TokenRefused(f"{who} refused: {detail}")


def _entra(config: Config) -> str:
    oauth2 = config.oauth2
    return f"Entra ID {oauth2.authority_host}/{oauth2.tenant} for client {oauth2.client_id}"


def _network_errors() -> tuple[type[BaseException], ...]:
    import requests

    return (requests.RequestException, OSError)


def _guarded(who: str, call: Callable[[], Any]) -> Any:
    """Run a library call, turning its network and discovery failures into TokenErrors."""
    try:
        return call()
    except _network_errors() as exc:
        raise TokenUnavailable(f"{who}: cannot reach the identity provider: "
                               f"{type(exc).__name__}") from exc
    except ValueError as exc:  # msal: authority discovery failed (unknown tenant, bad host)
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise TokenRefused(f"{who}: {first}") from exc


class MicrosoftApp:
    """App-only (client credentials) for a shared mailbox: IMAP.AccessAsApp, SMTP.SendAsApp."""

    def __init__(self, config: Config) -> None:
        oauth2 = config.oauth2
        self.description = f"Microsoft 365 app-only (tenant {oauth2.tenant})"
        self._who = _entra(config)
        secret = read_secret(oauth2, CLIENT_SECRET)
        self._credential: Any = secret or certificate_credential(read_secret(oauth2, CERTIFICATE))
        self._client_id = oauth2.client_id
        self._authority = f"https://{oauth2.authority_host}/{oauth2.tenant}"
        self._scopes = list(oauth2.scopes) or list(MICROSOFT_APP_SCOPES)
        self._app: Any = None
        self._lock = threading.Lock()  # the intake and the courier threads share one source

    def token(self, *, renew: bool = False) -> str:
        with self._lock:
            app = self._application()
            if renew:
                app.remove_tokens_for_client()  # msal serves its cached token until near expiry
            result = _guarded(self._who, lambda: app.acquire_token_for_client(self._scopes))
            if not result or "access_token" not in result:
                raise _msal_failure(result, self._who)
            return str(result["access_token"])

    def _application(self) -> Any:
        if self._app is None:  # msal discovers the tenant at construction: a network call
            import msal

            self._app = _guarded(self._who, lambda: msal.ConfidentialClientApplication(
                self._client_id, client_credential=self._credential, authority=self._authority,
                instance_discovery=False, token_cache=msal.TokenCache(), timeout=HTTP_TIMEOUT))
        return self._app


class MicrosoftDelegated:
    """A user's delegated consent, given once by `mailbot login`; the refresh token is kept in
    the state directory (mode 0600) and msal refreshes the access token from it."""

    def __init__(self, config: Config) -> None:
        oauth2 = config.oauth2
        self.description = f"Microsoft 365 delegated login (tenant {oauth2.tenant})"
        self._who = _entra(config)
        self._client_id = oauth2.client_id
        self._authority = f"https://{oauth2.authority_host}/{oauth2.tenant}"
        self._scopes = list(oauth2.scopes) or list(MICROSOFT_DELEGATED_SCOPES)
        self._user = config.mailbox.user or config.smtp.user
        self._path = config.state_dir / TOKEN_CACHE
        self._app: Any = None
        self._cache: Any = None
        self._lock = threading.Lock()

    def token(self, *, renew: bool = False) -> str:
        with self._lock:
            app = self._application()
            accounts = app.get_accounts(username=self._user) or app.get_accounts()
            if not accounts:
                raise TokenRefused(f"no delegated login stored in {self._path}: run "
                                   f"`mailbot login`")
            result = _guarded(self._who, lambda: app.acquire_token_silent_with_error(
                self._scopes, accounts[0], force_refresh=renew))
            self._save()  # a refresh may have rotated the refresh token
            if not result or "access_token" not in result:
                raise _msal_failure(result, self._who)
            return str(result["access_token"])

    def login(self, show: Callable[[str], None]) -> str:
        """The device-code flow: `show` prints where to go and which code to type; returns the
        account that signed in once the user has done so."""
        with self._lock:
            app = self._application()
            flow = _guarded(self._who, lambda: app.initiate_device_flow(scopes=self._scopes))
            if "user_code" not in flow:
                raise _msal_failure(flow, self._who)
            # Entra ID words the instructions itself; RFC 8628 servers give only the parts.
            show(str(flow.get("message") or (
                f"To sign in, use a web browser to open the page {flow['verification_uri']} "
                f"and enter the code {flow['user_code']} to authenticate.")))
            result = _guarded(self._who, lambda: app.acquire_token_by_device_flow(flow))
            if not result or "access_token" not in result:
                raise _msal_failure(result, self._who)
            self._save()
            claims = result.get("id_token_claims") or {}
            return str(claims.get("preferred_username") or claims.get("sub") or "?")

    def _application(self) -> Any:
        if self._app is None:
            import msal

            self._cache = msal.SerializableTokenCache()
            if self._path.exists():
                self._cache.deserialize(self._path.read_text("utf-8"))
            self._app = _guarded(self._who, lambda: msal.PublicClientApplication(
                self._client_id, authority=self._authority, instance_discovery=False,
                token_cache=self._cache, timeout=HTTP_TIMEOUT))
        return self._app

    def _save(self) -> None:
        if not self._cache.has_state_changed:
            return
        write_private(self._path, self._cache.serialize())
        self._cache.has_state_changed = False


def write_private(path: Path, text: str) -> None:
    """Write `text` readable by its owner only, atomically: a crash leaves the previous file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    owner = None
    if os.geteuid() == 0:
        # `sudo mailbot login`: the daemon's user (systemd's DynamicUser) owns the state
        # directory and must be able to read the file.
        directory = path.parent.stat()
        owner = (directory.st_uid, directory.st_gid)
    atomic_write(path, text.encode("utf-8"), mode=0o600, owner=owner)


# --- Google (google-auth) -----------------------------------------------------------------------

class GoogleServiceAccount:
    """A service account allowed by domain-wide delegation to act as the support mailbox."""

    def __init__(self, config: Config) -> None:
        from google.oauth2 import service_account

        info = service_account_info(read_secret(config.oauth2, SERVICE_ACCOUNT))
        subject = config.mailbox.user if config.mailbox.auth == "oauth2" else config.smtp.user
        self.description = f"Google Workspace service account {info.get('client_email')}"
        self._who = f"Google token endpoint for {info.get('client_email')} as {subject}"
        scopes = list(config.oauth2.scopes) or list(GOOGLE_SCOPES)
        try:
            self._credentials = service_account.Credentials.from_service_account_info(
                info, scopes=scopes, subject=subject)
        except (ValueError, KeyError) as exc:
            raise ConfigError([f"oauth2: the service-account key is incomplete: "
                               f"{type(exc).__name__}"]) from None
        self._lock = threading.Lock()

    def token(self, *, renew: bool = False) -> str:
        import google.auth.exceptions

        with self._lock:
            # `valid` is False from a few minutes before expiry: the refresh comes early.
            if renew or not self._credentials.valid:
                try:
                    self._credentials.refresh(_TimedRequest())
                except google.auth.exceptions.TransportError as exc:
                    raise TokenUnavailable(f"{self._who}: cannot reach it") from exc
                except google.auth.exceptions.RefreshError as exc:
                    raise TokenRefused(f"{self._who} refused: {_google_reason(exc)}") from exc
            return str(self._credentials.token)


class _TimedRequest:
    """google-auth's requests transport with our timeout (its default is two minutes)."""

    def __init__(self) -> None:
        from google.auth.transport.requests import Request

        self._request = Request()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = min(kwargs.get("timeout") or HTTP_TIMEOUT, HTTP_TIMEOUT)
        return self._request(*args, **kwargs)


def _google_reason(exc: Exception) -> str:
    # RefreshError's args are (message, response body): the body names the error, no secret.
    args = exc.args
    body = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
    if body:
        return f"{body.get('error', '')}: {body.get('error_description', '')}".strip(": ")
    return str(args[0])[:200] if args else type(exc).__name__


# --- choosing ------------------------------------------------------------------------------------

_PROVIDERS: dict[str, Callable[[Config], TokenSource]] = {
    "microsoft": MicrosoftApp,
    "microsoft-delegated": MicrosoftDelegated,
    "google": GoogleServiceAccount,
}


def make_token_source(config: Config) -> TokenSource | None:
    """The token source for this configuration, or None when no login uses OAuth2."""
    if not config.uses_oauth2:
        return None
    return _PROVIDERS[config.oauth2.provider](config)
