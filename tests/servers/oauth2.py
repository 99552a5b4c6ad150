"""A real OAuth2 authorization server on loopback, built with Authlib, for the OAuth2 login tests.

Authlib does the protocol (RFC 6749 client credentials and refresh, RFC 7523 JWT bearer as
Google's service accounts use it, RFC 8628 device code, RFC 7662 introspection); this file only
stores clients and tokens in memory and serves HTTPS with the standard library. It answers at the
paths msal expects of an Entra ID tenant, so the daemon's msal code runs unchanged against it:

    GET  /{tenant}/v2.0/.well-known/openid-configuration
    POST /{tenant}/oauth2/v2.0/token         POST /{tenant}/oauth2/v2.0/devicecode
    POST /introspect   (Dovecot's oauth2 passdb and the recording SMTP server ask here)

Tests steer it: `expire_tokens()` (every token issued so far stops being active), `revoke(client)`
(its secret and its tokens stop working), `approve(user_code)` (the user signs in on the device
page). `issued` lists the tokens handed out, so that tests can grep logs for them.
"""

from __future__ import annotations

import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import InvalidClientError, OAuth2Request, grants
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion, JWTBearerGrant
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc8628 import DeviceAuthorizationEndpoint, DeviceCodeGrant
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey, RSAKey
from joserfc.jws import JWSRegistry

HOST = "127.0.0.1"
TENANT = "groupe-exemple.fr"
# msal puts the app's certificate in its client assertion's header (x5c), as Entra ID accepts;
# joserfc caps headers at 512 bytes by default, against hostile input.
JWSRegistry.max_header_length = 8192
# msal reads the id_token's claims without checking its signature; any key will do.
_ID_TOKEN_KEY = OctKey.import_key(secrets.token_bytes(32))


@dataclass
class Client:
    client_id: str
    secret: str | None  # None: a public client (device code)
    grant_types: tuple[str, ...]
    public_key: Any = None  # JWT bearer: the service account's key
    revoked: bool = False

    # Authlib's ClientMixin
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return ""

    def get_allowed_scope(self, scope: str) -> str:
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return (not self.revoked and self.secret is not None
                and secrets.compare_digest(self.secret, client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.public_key is not None and "client_credentials" in self.grant_types:
            return method == _ClientAssertion.CLIENT_AUTH_METHOD and not self.revoked
        if self.secret is None:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return not self.revoked and grant_type in self.grant_types


@dataclass
class Token:
    client_id: str
    user: str
    access_token: str
    scope: str
    expires_at: float
    refresh_token: str | None = None
    revoked: bool = False

    # Authlib's TokenMixin
    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int(self.expires_at - time.time())

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> str:
        return self.user

    def get_client(self) -> Client:
        raise NotImplementedError


@dataclass
class DeviceCredential:
    client_id: str
    scope: str
    device_code: str
    user_code: str
    expires_at: float

    def get_client_id(self) -> str:
        return self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_user_code(self) -> str:
        return self.user_code

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at


@dataclass
class Store:
    """Everything the server knows; one lock, as the HTTP server answers in threads."""

    user: str
    clients: dict[str, Client] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    devices: dict[str, DeviceCredential] = field(default_factory=dict)
    approved: dict[str, str] = field(default_factory=dict)  # user_code -> user
    lock: threading.RLock = field(default_factory=threading.RLock)


class _Server(AuthorizationServer):
    """Authlib's server bound to the in-memory store and to plain (method, uri, form) requests."""

    def __init__(self, store: Store, base_url: str, lifetime: int) -> None:
        super().__init__()
        self.store = store
        self.base_url = base_url
        generator = BearerTokenGenerator(lambda **_: secrets.token_urlsafe(32),
                                         lambda **_: secrets.token_urlsafe(40),
                                         lambda *_: lifetime)
        self.register_token_generator("default", self._with_id_token(generator))
        self.register_client_auth_method(_ClientAssertion.CLIENT_AUTH_METHOD,
                                         _ClientAssertion(base_url))
        self.register_grant(_ClientCredentials)
        self.register_grant(_Refresh)
        self.register_grant(_DeviceCode)
        self.register_grant(_ServiceAccount)
        self.register_endpoint(_Introspection)
        self.register_endpoint(_DeviceAuthorization)

    def _with_id_token(self, generator: BearerTokenGenerator) -> Any:
        # msal keeps an account (and so its refresh token) only for a sign-in with an id_token.
        def generate(grant_type: str, client: Client, user: str | None = None,
                     **kwargs: Any) -> dict[str, Any]:
            token = generator(grant_type=grant_type, client=client, user=user, **kwargs)
            if user is not None and grant_type != "client_credentials":
                now = int(time.time())
                claims = {"iss": f"{self.base_url}/{TENANT}/v2.0", "sub": user,
                          "aud": client.client_id, "iat": now, "exp": now + 3600,
                          "preferred_username": user, "tid": TENANT}
                token["id_token"] = jwt.encode({"alg": "HS256"}, claims, _ID_TOKEN_KEY)
            return token

        return generate

    def query_client(self, client_id: str) -> Client | None:
        return self.store.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        client = request.client
        user = request.user or self.store.user  # app-only: the mailbox the app may open
        with self.store.lock:
            self.store.tokens[token["access_token"]] = Token(
                client.client_id, user, token["access_token"], token.get("scope", ""),
                time.time() + token["expires_in"], token.get("refresh_token"))

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass


class _ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post",
                                   "client_assertion_jwt"]


class _ClientAssertion(JWTBearerClientAssertion):
    """A certificate instead of a secret (RFC 7523 client authentication), as msal sends it."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.seen: set[str] = set()

    def get_audiences(self) -> list[str]:
        return [f"{self.base_url}/{TENANT}/oauth2/v2.0/token"]

    def validate_jti(self, claims: Any, jti: str) -> bool:
        fresh = jti not in self.seen
        self.seen.add(jti)
        return fresh

    def resolve_client_public_key(self, client: Client) -> Any:
        return RSAKey.import_key(client.public_key)

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> Any:
        # msal signs with PS256 (SHA-256 thumbprint), which joserfc does not accept unasked.
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=["PS256", "RS256"])
        except JoseError as exc:
            raise InvalidClientError(description=exc.description) from exc
        self.verify_claims(token.claims)
        return token.claims


class _Refresh(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        store = self.server.store
        with store.lock:
            for token in store.tokens.values():
                if token.refresh_token == refresh_token and not token.revoked:
                    return token
        return None

    def authenticate_user(self, refresh_token: Token) -> str:
        return refresh_token.user

    def revoke_old_credential(self, refresh_token: Token) -> None:
        refresh_token.refresh_token = None


class _DeviceCode(DeviceCodeGrant):
    def query_device_credential(self, device_code: str) -> DeviceCredential | None:
        return self.server.store.devices.get(device_code)

    def query_user_grant(self, user_code: str) -> tuple[str, bool] | None:
        user = self.server.store.approved.get(user_code)
        return (user, True) if user else None

    def should_slow_down(self, credential: DeviceCredential) -> bool:
        return False


class _DeviceAuthorization(DeviceAuthorizationEndpoint):
    INTERVAL = 1  # msal polls at this pace: keeps the login test short
    CLIENT_AUTH_METHODS = ["none", "client_secret_post"]

    def get_verification_uri(self) -> str:
        return f"{self.server.base_url}/device"

    def save_device_credential(self, client_id: str, scope: str, data: dict[str, Any]) -> None:
        self.server.store.devices[data["device_code"]] = DeviceCredential(
            client_id, scope or "", data["device_code"], data["user_code"],
            time.time() + data["expires_in"])


class _ServiceAccount(JWTBearerGrant):
    """Google's service-account grant: an assertion signed with the account's key, `sub` the
    mailbox it acts as (domain-wide delegation)."""

    def resolve_issuer_client(self, issuer: str) -> Client | None:
        return self.server.store.clients.get(issuer)

    def resolve_client_public_key(self, client: Client) -> Any:
        return RSAKey.import_key(client.public_key)

    def authenticate_user(self, subject: str) -> str | None:
        return subject if subject == self.server.store.user else None

    def get_audiences(self) -> list[str]:
        # google-auth addresses its assertions to Google's token endpoint whatever the key
        # file's token_uri says: this server plays that endpoint.
        return [f"{self.server.base_url}/{TENANT}/oauth2/v2.0/token",
                "https://oauth2.googleapis.com/token"]

    def has_granted_permission(self, client: Client, user: str) -> bool:
        return not client.revoked


class _Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        return self.server.store.tokens.get(token_string)

    def introspect_token(self, token: Token) -> dict[str, Any]:
        return {"active": True, "client_id": token.client_id, "username": token.user,
                "scope": token.scope, "token_type": "Bearer", "exp": int(token.expires_at)}

    def check_permission(self, token: Token, client: Client, request: OAuth2Request) -> bool:
        return client.client_id == "introspector"


class OAuth2Server:
    """The authorization server on https://127.0.0.1:<port>, in a thread of its own."""

    INTROSPECTOR = ("introspector", "introspector-secret")

    def __init__(self, *, certificate: tuple[str, str], user: str, lifetime: int = 3600) -> None:
        self.store = Store(user=user)
        self.store.clients[self.INTROSPECTOR[0]] = Client(*self.INTROSPECTOR, grant_types=())
        self._httpd = ThreadingHTTPServer((HOST, 0), _Handler)
        self.port = self._httpd.server_address[1]
        self.base_url = f"https://{HOST}:{self.port}"
        self.authority_host = f"{HOST}:{self.port}"
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.oauth2 = _Server(self.store, self.base_url, lifetime)  # type: ignore[attr-defined]
        self.requests: list[str] = []  # grant types asked at the token endpoint, in order
        self._httpd.recorder = self.requests  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> OAuth2Server:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def introspection_url(self) -> str:
        name, secret = self.INTROSPECTOR
        return f"https://{name}:{secret}@{HOST}:{self.port}/introspect"

    # -- what tests arrange and look at ---------------------------------------------------

    def add_app(self, client_id: str, secret: str) -> None:
        """A confidential client allowed the client-credentials grant (Entra ID app-only)."""
        self.store.clients[client_id] = Client(client_id, secret, ("client_credentials",))

    def add_app_with_certificate(self, client_id: str, public_key: bytes) -> None:
        """A confidential client that proves itself with a certificate's key, not a secret."""
        self.store.clients[client_id] = Client(client_id, None, ("client_credentials",),
                                               public_key=public_key)

    def add_public_app(self, client_id: str) -> None:
        """A public client for the device-code flow, with refresh tokens."""
        self.store.clients[client_id] = Client(
            client_id, None, (DeviceCodeGrant.GRANT_TYPE, "refresh_token"))

    def add_service_account(self, client_email: str, public_key: Any) -> None:
        self.store.clients[client_email] = Client(
            client_email, None, (JWTBearerGrant.GRANT_TYPE,), public_key=public_key)

    def approve(self, user_code: str) -> None:
        self.store.approved[user_code] = self.store.user

    def expire_tokens(self) -> None:
        with self.store.lock:
            for token in self.store.tokens.values():
                token.expires_at = min(token.expires_at, time.time() - 1)

    def revoke(self, client_id: str) -> None:
        with self.store.lock:
            self.store.clients[client_id].revoked = True
            for token in self.store.tokens.values():
                if token.client_id == client_id:
                    token.revoked = True

    def is_active(self, access_token: str) -> bool:
        with self.store.lock:
            token = self.store.tokens.get(access_token)
            return bool(token and not token.revoked and not token.is_expired())

    @property
    def issued(self) -> list[str]:
        """Every access and refresh token handed out, for the no-secret-in-logs checks."""
        with self.store.lock:
            tokens = list(self.store.tokens.values())
        return [t.access_token for t in tokens] + [t.refresh_token for t in tokens
                                                    if t.refresh_token]


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet tests
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        if path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
            base = f"{self.server.oauth2.base_url}/{TENANT}"
            self._reply(200, {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            }, {})
        else:
            self._reply(404, {"error": "not_found"}, {})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode()))
        request = OAuth2Request("POST", self.server.oauth2.base_url + self.path,
                                headers=dict(self.headers))
        request.payload = BasicOAuth2Payload(form)
        request._body = form  # Authlib's client authentication reads `form`
        oauth2: _Server = self.server.oauth2
        path = urlsplit(self.path).path
        with oauth2.store.lock:
            if path == f"/{TENANT}/oauth2/v2.0/token":
                self.server.recorder.append(form.get("grant_type", ""))
                status, body, headers = oauth2.create_token_response(request)
            elif path == f"/{TENANT}/oauth2/v2.0/devicecode":
                status, body, headers = oauth2.create_endpoint_response(
                    "device_authorization", request)
            elif path == "/introspect":
                status, body, headers = oauth2.create_endpoint_response("introspection", request)
            else:
                status, body, headers = 404, {"error": "not_found"}, []
        self._reply(status, body, dict(headers))

    def _reply(self, status: int, body: Any, headers: dict[str, str]) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        headers.setdefault("Content-Type", "application/json")
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def introspector(url: str, cafile: str) -> Any:
    """`token -> user or None`, asking the introspection endpoint as a resource server does."""
    import base64
    import urllib.request

    parts = urlsplit(url)
    credentials = base64.b64encode(f"{parts.username}:{parts.password}".encode()).decode()
    plain_url = f"{parts.scheme}://{parts.hostname}:{parts.port}{parts.path}"
    context = ssl.create_default_context(cafile=cafile)

    def introspect(token: str) -> str | None:
        request = urllib.request.Request(
            plain_url, data=f"token={token}".encode(), method="POST",
            headers={"Authorization": f"Basic {credentials}",
                     "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, context=context, timeout=5) as response:
            answer = json.loads(response.read())
        return answer.get("username") if answer.get("active") else None

    return introspect
