"""The tracking page over real HTTP on loopback, and once in a real headless browser.

A WebServer is started on port 0 with an in-memory dict as the ticket store; each test puts its
own tickets (each with a fresh random token) in it and reads pages with urllib.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot import i18n
from mailbot.model import Entry, StoredAttachment, Ticket
from mailbot.web import (
    WebServer,
    WebServerError,
    make_app,
    parse_listen,
    reflow,
    sla_state,
)
from tests.support import unavailable

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Store:
    """The ticket store's lookup, recording every token it was asked for and from which thread."""

    def __init__(self) -> None:
        self.tickets: dict[str, Ticket] = {}
        self.lookups: list[str] = []
        self.threads: list[str] = []
        self.fail_with: Exception | None = None

    def find(self, token: str) -> Ticket | None:
        self.lookups.append(token)
        self.threads.append(threading.current_thread().name)
        if self.fail_with is not None:
            raise self.fail_with
        return self.tickets.get(token)

    def add(self, ticket: Ticket) -> str:
        self.tickets[ticket.token] = ticket
        return ticket.token


@pytest.fixture(scope="module")
def store() -> Store:
    return Store()


@pytest.fixture(scope="module")
def base_url(store: Store) -> Iterator[str]:
    server = WebServer(make_app(store.find, clock=lambda: NOW), "127.0.0.1:0")
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def fetch(url: str, method: str = "GET") -> tuple[int, Any, str]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def make_ticket(**fields: Any) -> Ticket:
    values: dict[str, Any] = {
        "number": 42,
        "subject": "Outlook ne démarre plus",
        "requester": "marie.dupont@example.fr",
        "token": secrets.token_urlsafe(32),
        "created_at": "2026-11-23T09:00:00+01:00",
        "updated_at": "2026-11-23T10:30:00+01:00",
        "program": "Outlook",
        "messages": [
            Entry(
                message_id="<1@example.fr>",
                author="marie.dupont@example.fr",
                kind="request",
                date="2026-11-23T09:00:00+01:00",
                text="Bonjour,\n\nOutlook se ferme au démarrage.",
                attachments=[StoredAttachment("capture.png", "image/png", 153_600, "00")],
            )
        ],
    }
    values.update(fields)
    return Ticket(**values)


class Page(HTMLParser):
    """Every element of a page with its attributes and its text content."""

    VOID = {"meta", "br", "link", "img", "input", "hr", "source", "wbr", "area", "base", "col"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], str]] = []
        self._open: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            self.elements.append((tag, dict(attrs), ""))
        else:
            self._open.append((tag, dict(attrs), []))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            name, attrs, text = self._open.pop()
            self.elements.append((name, attrs, "".join(text)))

    def handle_data(self, data: str) -> None:
        for _, _, text in self._open:
            text.append(data)

    def tags(self) -> set[str]:
        return {tag for tag, _, _ in self.elements}

    def by_id(self, element_id: str) -> str:
        [text] = [text for _, attrs, text in self.elements if attrs.get("id") == element_id]
        return text

    def texts(self, tag: str, css_class: str | None = None) -> list[str]:
        return [
            text
            for name, attrs, text in self.elements
            if name == tag and (css_class is None or attrs.get("class") == css_class)
        ]


# Everything the templates may produce; a tag outside this set came from the data.
PAGE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "div", "header", "p", "a", "h1", "main",
    "section", "h2", "dl", "dt", "dd", "br", "span", "bdi", "table", "thead", "tbody", "tr",
    "th", "td", "ol", "li", "article", "time", "ul", "footer",
}  # fmt: skip


def test_known_token_shows_the_ticket(base_url: str, store: Store) -> None:
    """A requester opens the link from their acknowledgement and sees their ticket."""
    ticket = make_ticket(
        urgent_requested=True,
        first_response_due="2026-11-23T11:00:00+01:00",
        first_response_at="2026-11-23T10:15:00+01:00",
        resolution_due="2026-11-23T12:00:00+01:00",  # before NOW, not resolved: overdue
    )
    status, headers, body = fetch(f"{base_url}/t/{store.add(ticket)}")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    page = Page(body)
    assert 'lang="fr"' in body
    assert page.by_id("number") == "Demande n° 42"
    assert page.by_id("subject") == "Outlook ne démarre plus"
    assert page.by_id("status") == "Nouvelle"
    assert "P3 – normale" in page.by_id("priority")
    assert "URGENT demandé" in page.by_id("priority")
    assert "Outlook" in page.by_id("program")
    assert page.by_id("created") == "lundi 23 novembre 2026 à 09:00"
    assert page.by_id("updated") == "lundi 23 novembre 2026 à 10:30"
    assert page.texts("span", "met") == ["Respecté"]
    assert page.texts("span", "overdue") == ["En retard"]
    assert page.texts("div", "text") == ["Bonjour,\n\nOutlook se ferme au démarrage."]
    assert "capture.png (150 Ko)" in page.texts("li")
    assert "marie.dupont@example.fr" in page.texts("bdi")
    # No download links: the only link switches the language.
    assert [attrs["href"] for tag, attrs, _ in page.elements if tag == "a"] == ["?lang=en"]


def test_demoted_urgent_shows_the_reason(base_url: str, store: Store) -> None:
    ticket = make_ticket(
        urgent_requested=True, urgent_demoted=True, demotion_reason="plus de 3 URGENT en 14 jours"
    )
    _, _, body = fetch(f"{base_url}/t/{store.add(ticket)}")
    page = Page(body)
    assert "URGENT déclassé" in page.by_id("priority")
    assert page.by_id("demotion-reason") == "plus de 3 URGENT en 14 jours"


def test_internal_notes_and_team_mail_are_not_shown(base_url: str, store: Store) -> None:
    """A technician's #note and the team notice never reach the requester's page."""
    entries = [
        Entry("<n1@x>", "tech@example.fr", "internal_note", "2026-11-23T09:10:00+01:00",
              text="NOTE INTERNE secrète"),
        Entry("<n2@x>", "tech@example.fr", "internal_note", "2026-11-23T09:11:00+01:00",
              text="NOTE marquée publique par erreur", public=True),
        Entry("<n3@x>", "bot@example.fr", "automatic", "2026-11-23T09:00:05+01:00",
              direction="out", text="AVIS À L'ÉQUIPE", public=False),
        Entry("<r1@x>", "tech@example.fr", "reply", "2026-11-23T10:00:00+01:00",
              direction="out", text="Pouvez-vous redémarrer ?"),
    ]  # fmt: skip
    ticket = make_ticket()
    ticket.messages.extend(entries)
    _, _, body = fetch(f"{base_url}/t/{store.add(ticket)}")
    for secret in ("NOTE INTERNE", "NOTE marquée", "AVIS À L", "Note interne"):
        assert secret not in body
    page = Page(body)
    assert page.texts("div", "text")[-1] == "Pouvez-vous redémarrer ?"
    # Relayed answers come from the support address: the technician's own address stays hidden.
    assert "tech@example.fr" not in body
    assert "Service support" in page.texts("bdi")


MALFORMED = [
    "abc",
    "a" * 31,
    "a" * 257,
    "A" * 40 + "=",
    "%00" + "a" * 40,
    "a" * 20 + "%2F" + "a" * 20,
    "a" * 20 + "%20" + "a" * 20,
    "%C3%A9" * 40,
    "..%2F..%2Fetc%2Fpasswd" + "a" * 40,
]


def test_unknown_and_malformed_tokens_get_the_same_404(base_url: str, store: Store) -> None:
    """Nothing tells a guessed token from a garbled one, and garbage never reaches the store."""
    unknown = secrets.token_urlsafe(32)
    status, _, reference = fetch(f"{base_url}/t/{unknown}")
    assert status == 404
    assert unknown in store.lookups
    before = len(store.lookups)
    others = MALFORMED + [f"{unknown}/x"]
    paths = [f"/t/{token}" for token in others] + ["/", "/t", "/t/", "/favicon.ico"]
    for path in paths:
        status, _, body = fetch(base_url + path)
        assert (path, status) == (path, 404)
        assert body == reference
    assert len(store.lookups) == before
    assert "Page introuvable" in reference


def test_lookup_runs_in_a_worker_thread(base_url: str, store: Store) -> None:
    token = store.add(make_ticket())
    fetch(f"{base_url}/t/{token}")
    thread = store.threads[store.lookups.index(token)]
    assert thread not in ("mailbot-web", threading.main_thread().name)


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE"])
@pytest.mark.parametrize("known", [True, False])
def test_security_headers_on_every_response(
    base_url: str, store: Store, method: str, known: bool
) -> None:
    token = store.add(make_ticket()) if known else secrets.token_urlsafe(32)
    _, headers, _ = fetch(f"{base_url}/t/{token}", method)
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script" not in csp and "unsafe" not in csp
    assert "aiohttp" not in headers.get("Server", "")


def test_the_csp_allows_exactly_the_page_stylesheet(base_url: str, store: Store) -> None:
    for path in (f"/t/{store.add(make_ticket())}", "/t/unknown"):
        _, headers, body = fetch(base_url + path)
        [style] = Page(body).texts("style")
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"style-src 'sha256-{digest}'" in headers["Content-Security-Policy"]
        assert "<script" not in body.lower() and " style=" not in body


def test_head_answers_like_get_without_a_body(base_url: str, store: Store) -> None:
    token = store.add(make_ticket())
    _, _, body = fetch(f"{base_url}/t/{token}")
    status, headers, head_body = fetch(f"{base_url}/t/{token}", "HEAD")
    assert status == 200
    assert head_body == ""
    assert int(headers["Content-Length"]) == len(body.encode())


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_refused(base_url: str, store: Store, method: str) -> None:
    status, headers, body = fetch(f"{base_url}/t/{store.add(make_ticket())}", method)
    assert status == 405
    assert "GET" in headers["Allow"]
    assert "Opération impossible" in body and "Outlook" not in body


def test_english_on_request_and_by_ticket_language(base_url: str, store: Store) -> None:
    french = store.add(make_ticket())
    english = store.add(make_ticket(language="en"))
    for path in (f"/t/{french}?lang=en", f"/t/{english}", f"/t/{english}?lang=de"):
        _, _, body = fetch(base_url + path)
        page = Page(body)
        assert 'lang="en"' in body
        assert page.by_id("number") == "Ticket #42"
        assert page.by_id("created") == "Monday 23 November 2026, 09:00"
        assert "capture.png (150 KB)" in page.texts("li")
    _, _, body = fetch(f"{base_url}/t/{english}?lang=fr")
    assert Page(body).by_id("status") == "Nouvelle"
    _, _, body = fetch(f"{base_url}/t/{secrets.token_urlsafe(32)}?lang=en")
    assert "Page not found" in body


FRAGMENTS = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>",
    "{{ 7*7 }}", "{% raw %}", "${7*7}", "&amp;", "&lt;script&gt;", "<!--", "]]>", "</textarea>",
    "<style>body{display:none}</style>", "javascript:alert(1)", "\n", "    ", "é", "العربية",
]  # fmt: skip
hostile = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn")), max_size=12),
    ),
    min_size=1,
    max_size=8,
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=hostile, text=hostile, filename=hostile, author=hostile, reason=hostile)
def test_email_derived_text_is_always_escaped(
    base_url: str, store: Store, subject: str, text: str, filename: str, author: str, reason: str
) -> None:
    """Whatever a sender writes, it comes back as text: never as a tag, never as markup."""
    ticket = make_ticket(
        subject=subject, program=reason, urgent_demoted=True, demotion_reason=reason
    )
    ticket.messages[0] = Entry("<h@x>", author, "request", "2026-11-23T09:00:00+01:00",
                               text=text, attachments=[StoredAttachment(filename, "", 1, "")])
    _, _, body = fetch(f"{base_url}/t/{store.add(ticket)}")
    assert "<script" not in body.lower()
    page = Page(body)
    assert page.tags() <= PAGE_TAGS
    assert not [name for _, attrs, _ in page.elements for name in attrs if name.startswith("on")]
    if subject:
        assert page.by_id("subject") == subject
    if reason:
        assert page.by_id("demotion-reason") == reason
    if text:
        # As written, but for hard-wrapped lines joined for small screens (reflow has its own
        # tests in test_tracking_history): a line of 60-80 characters may join the next.
        assert page.texts("div", "text") == [reflow(text)]
    assert filename in page.texts("bdi")
    assert author in page.texts("bdi")


def test_control_and_bidi_characters_are_neutralised(base_url: str, store: Store) -> None:
    """A NUL never reaches the page; an RTL override cannot disguise an .exe as a .pdf."""
    ticket = make_ticket(subject="avant\x00après\x1b[31m")
    ticket.messages[0].attachments = [StoredAttachment("facture\u202efdp.exe", "", 10, "")]
    ticket.messages[0].text = "mot" * 5000
    _, _, body = fetch(f"{base_url}/t/{store.add(ticket)}")
    page = Page(body)
    assert "\x00" not in body and "\x1b" not in body and "\u202e" not in body
    assert page.by_id("subject") == "avantaprès[31m"
    assert "facture\ufffdfdp.exe" in page.texts("bdi")
    assert page.texts("div", "text") == ["mot" * 5000]


def test_template_syntax_in_mail_is_not_evaluated(base_url: str, store: Store) -> None:
    ticket = make_ticket(subject="{{ 7*7 }} {% if true %}x{% endif %}")
    _, _, body = fetch(f"{base_url}/t/{store.add(ticket)}")
    assert Page(body).by_id("subject") == "{{ 7*7 }} {% if true %}x{% endif %}"


def test_tokens_never_reach_the_logs(
    base_url: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    known = store.add(make_ticket())
    unknown = secrets.token_urlsafe(32)
    failing = secrets.token_urlsafe(32)
    assert fetch(f"{base_url}/t/{known}")[0] == 200
    assert fetch(f"{base_url}/t/{unknown}")[0] == 404
    store.fail_with = KeyError(f"store broken while reading {failing}")
    try:
        status, _, body = fetch(f"{base_url}/t/{failing}")
    finally:
        store.fail_with = None
    assert status == 500
    assert "Service indisponible" in body and "KeyError" not in body
    assert "/t/<token> -> 200" in caplog.text  # the access log is on, just redacted
    assert "store broken while reading <token>" in caplog.text
    for token in (known, unknown, failing):
        assert token not in caplog.text


def test_sla_states() -> None:
    due = "2026-11-23T11:00:00+01:00"
    assert sla_state(due, "2026-11-23T10:59:00+01:00", NOW) == "met"
    assert sla_state(due, "2026-11-23T10:01:00+00:00", NOW) == "missed"
    assert sla_state(due, None, NOW) == "overdue"
    assert sla_state(due, None, NOW - timedelta(hours=3)) == "pending"
    assert sla_state(None, None, NOW) == "no_target"


def test_i18n_helpers() -> None:
    assert i18n.t("history.heading", "en-GB") == "History"
    assert i18n.t("history.heading", "de") == "Historique"
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "fr")
    assert i18n.label(i18n.STATUS_LABELS, "waiting", "en") == "Waiting for your reply"
    assert i18n.label(i18n.TYPE_LABELS, "audit", "fr") == "audit"
    paris = timezone(timedelta(hours=1))
    assert i18n.format_date("2026-11-23T08:05:00+00:00", "fr", tz=paris) == (
        "lundi 23 novembre 2026 à 09:05"
    )
    assert i18n.format_date("not a date", "en") == "not a date"
    assert i18n.format_size(512, "fr") == "512 octets"
    assert i18n.format_size(1536, "fr") == "1,5 Ko"
    assert i18n.format_size(5 * 1024**3, "en") == "5.0 GB"


@pytest.mark.parametrize(
    ("listen", "expected"),
    [("127.0.0.1:8080", ("127.0.0.1", 8080)), ("[::1]:0", ("::1", 0)), (":8080", (None, 8080)),
     ("localhost:80", ("localhost", 80))],
)  # fmt: skip
def test_parse_listen(listen: str, expected: tuple[str | None, int]) -> None:
    assert parse_listen(listen) == expected


@pytest.mark.parametrize("listen", ["8080", "::1:8080", "host:port", "127.0.0.1:70000", ""])
def test_parse_listen_rejects(listen: str) -> None:
    with pytest.raises(WebServerError, match="web listen"):
        parse_listen(listen)


def test_a_taken_port_is_a_clear_error(base_url: str, store: Store) -> None:
    port = int(base_url.rsplit(":", 1)[1])
    second = WebServer(make_app(store.find), f"127.0.0.1:{port}")
    with pytest.raises(WebServerError, match=f"cannot listen on 127.0.0.1:{port}"):
        second.start()


def test_all_interfaces_and_stop(store: Store) -> None:
    """":0" listens on IPv4 (and IPv6 where there is one) on one port; stop() closes it."""
    server = WebServer(make_app(store.find), ":0")
    server.start()
    port = server.port
    assert fetch(f"http://127.0.0.1:{port}/t/x")[0] == 404
    if socket.has_dualstack_ipv6() and _has_ipv6_loopback():
        assert fetch(f"http://[::1]:{port}/t/x")[0] == 404
    server.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_stop_lets_a_request_in_flight_finish() -> None:
    """SIGTERM stops the daemon; a page being served at that moment still gets its answer."""
    ticket = make_ticket()
    started = threading.Event()

    def slow_find(token: str) -> Ticket | None:
        started.set()
        time.sleep(0.5)
        return ticket if token == ticket.token else None

    server = WebServer(make_app(slow_find), "127.0.0.1:0")
    server.start()
    results: list[int] = []
    url = f"http://127.0.0.1:{server.port}/t/{ticket.token}"
    client = threading.Thread(target=lambda: results.append(fetch(url)[0]))
    client.start()
    assert started.wait(5)
    server.stop()
    client.join(5)
    assert results == [200]


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def test_ipv6_loopback(store: Store) -> None:
    if not _has_ipv6_loopback():
        reason = "no IPv6 loopback on this machine"
        unavailable(reason)
    server = WebServer(make_app(store.find), "[::1]:0")
    server.start()
    try:
        assert fetch(f"http://[::1]:{server.port}/t/x")[0] == 404
    finally:
        server.stop()


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        reason = "headless Chromium is not installed (apt-get install -y chromium)"
        unavailable(reason)
    return path


def test_a_real_browser_renders_hostile_mail_as_text(
    base_url: str, store: Store, tmp_path: Any
) -> None:
    """Chromium loads the page of a ticket full of script injections and runs none of them."""
    subject = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\"> ça plante"
    ticket = make_ticket(number=77, subject=subject)
    ticket.messages[0].text = (
        "<script>document.title='pwned'</script>\n\"><svg onload=alert(1)>"
    )
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path}", "--dump-dom",
        f"{base_url}/t/{store.add(ticket)}",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = Page(result.stdout)
    assert dom.by_id("subject") == subject
    assert dom.texts("title") == ["Demande n° 77"]
    assert not {"img", "script", "svg"} & dom.tags()
    # Had the onerror handler run, it would have marked <body>; had the script run, the title.
    [body] = [attrs for tag, attrs, _ in dom.elements if tag == "body"]
    assert "data-pwned" not in body


def _get_as(url: str, client: str) -> tuple[int, Any, str]:
    """A GET as the reverse proxy would pass it on for `client` (after what the client wrote)."""
    request = urllib.request.Request(url, headers={"X-Forwarded-For": f"6.6.6.6, {client}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def test_a_client_asking_too_fast_gets_429_with_retry_after_and_nothing_else(
        store: Store) -> None:
    """RELIABILITY S11: per client address, at most N pages a minute; past it a 429 with
    Retry-After, the same page for a real link and a guessed one, before any lookup."""
    now = [1000.0]
    server = WebServer(make_app(store.find, clock=lambda: NOW, requests_per_minute=3,
                                forwarded_for=True, monotonic=lambda: now[0]), "127.0.0.1:0")
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        token = store.add(make_ticket(subject="Imprimante HS"))
        guessed = secrets.token_urlsafe(32)
        assert [_get_as(f"{base}/t/{token}", "203.0.113.7")[0] for _ in range(3)] == [200] * 3
        now[0] += 20
        lookups = len(store.lookups)
        status, headers, page = _get_as(f"{base}/t/{token}", "203.0.113.7")
        other_status, other_headers, other_page = _get_as(f"{base}/t/{guessed}", "203.0.113.7")
        assert status == other_status == 429
        assert headers["Retry-After"] == other_headers["Retry-After"] == "40"
        assert page == other_page  # a real link and a guessed one look alike
        assert "Imprimante" not in page and token not in page and guessed not in page
        assert i18n.t("toomany.body", lang="fr") in page
        assert headers["Content-Security-Policy"] and headers["Cache-Control"] == "no-store"
        assert len(store.lookups) == lookups  # refused before the store is asked
        # Another address is not held back by this one.
        assert _get_as(f"{base}/t/{token}", "198.51.100.1")[0] == 200
        # The window slides: a minute after its first requests, the client is served again.
        now[0] += 40
        assert _get_as(f"{base}/t/{token}", "203.0.113.7")[0] == 200
    finally:
        server.stop()
