"""The tracking page, `{web.base_url}/t/{token}`: a read-only view of one ticket.

Anyone holding the link sees the ticket, so the token is the only key: it is checked for shape
before any lookup, compared in constant time, and never written to a log. Every string that came
from an email is escaped (jinja2 autoescape), stripped of control characters and isolated from
its surroundings for bidirectional text. The pages load nothing: no scripts, no images, no
external resources, one inline stylesheet allowed by its hash in the Content-Security-Policy.

Each client address may ask for a bounded number of pages a minute (`RateLimit`): a token cannot
be guessed at speed, and the answer past the limit is a 429 with Retry-After and the same
generic page as any error.

`make_app` builds the aiohttp application; `WebServer` runs it on its own event loop in a
daemon thread, next to the synchronous mail loop.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import hashlib
import hmac
import logging
import math
import re
import socket
import threading
import time
import traceback
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from markupsafe import Markup

from mailbot import i18n
from mailbot.clock import sla as clocks
from mailbot.clock.policy import TimePolicy
from mailbot.compose import hours_text
from mailbot.model import Entry, Ticket

logger = logging.getLogger(__name__)

# secrets.token_urlsafe(24) gives 32 characters; anything shorter was not made by us. The upper
# bound keeps absurd paths away from the store.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,256}")

_TEMPLATES = Path(__file__).parent / "templates"
STALE_AFTER = timedelta(minutes=10)  # [web] stale_after_minutes' default

# The stylesheet lives here rather than in the template because the CSP names its hash: the two
# must change together.
_STYLE = """
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--card:#f6f8fa;
--line:#d0d7de;--accent:#0b5cad;--ok:#1a7f37;--bad:#b42318;--warn:#9a6700}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;
--card:#161b22;--line:#30363d;--accent:#6cb6ff;--ok:#3fb950;--bad:#ff7b72;--warn:#d29922}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);line-height:1.5;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.page{max-width:50rem;margin:0 auto;padding:1rem}
a{color:var(--accent)}
.top{display:flex;justify-content:space-between;gap:1rem;color:var(--muted)}
.top p{margin:0}
h1{font-size:1.5rem;margin:.25rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem;border-bottom:1px solid var(--line)}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.summary dt{color:var(--muted)}
dl.summary dd{margin:0;overflow-wrap:anywhere}
.urgent{font-weight:600;color:var(--warn)}
.stale{font-weight:600;color:var(--warn);margin:0 0 .5rem}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.met{color:var(--ok)}.missed,.overdue{color:var(--bad)}
.pending,.paused,.no_target{color:var(--muted)}
ol.history{list-style:none;padding:0;margin:0}
ol.history>li{background:var(--card);border:1px solid var(--line);border-radius:.4rem;
padding:.75rem;margin:0 0 .75rem}
.meta{margin:0 0 .5rem;color:var(--muted);overflow-wrap:anywhere}
.author{color:var(--fg);font-weight:600}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
.text+.meta{margin-top:.75rem}
.files{margin:.5rem 0 0;padding-left:1.25rem;overflow-wrap:anywhere}
footer{margin-top:2rem;color:var(--muted);font-size:.9rem}
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
    "Server": "mailbot",  # not aiohttp's name and version
}

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean(text: str | None) -> str:
    """Email-derived text made safe to display (escaping is the template's job, not this).

    Control characters go (a NUL or an escape sequence has no business on a page). Bidi
    embeddings and overrides become U+FFFD rather than vanishing, so that a file name like
    "facture\u202efdp.exe" shows that something was there instead of reading as "...exe.pdf".
    Lone surrogates (possible in JSON) would make the UTF-8 encoding of the page fail.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BIDI_CONTROLS.sub("\ufffd", _CONTROLS.sub("", text))
    return text.encode("utf-8", "replace").decode("utf-8")


def _moment(iso: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(iso or "")
    except ValueError:
        return None
    # The store writes offsets; a naive value can only be a hand edit, read it as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# The page's words for mailbot.clock.sla's states (which `show --json` gives as they are).
_PAGE_STATES = {"met": "met", "met_late": "missed", "running": "pending", "late": "overdue",
                "paused": "paused", None: "no_target"}


def sla_state(due: str | None, done: str | None, now: datetime, *, paused: bool = False) -> str:
    """met | missed (done, late) | pending | overdue (not done, past due) | paused (waiting for
    the requester) | no_target."""
    if _moment(due) is None:
        return "no_target"
    if done is not None and _moment(done) is None:
        done = None
    return _PAGE_STATES[clocks.state(due, done, now, paused=paused)]


# A line of a hard-wrapped paragraph: about as long as mail clients wrap (72 to 78 columns,
# some at 60-65), and the next line continues the sentence rather than starting a list, a
# quote, a framed error dialog or a signature.
_WRAPPED = range(60, 81)
_NOT_CONTINUATION = re.compile(r"\s*(?:$|[-*•>|=_+]|\d+[.)]\s|--)")


def reflow(text: str) -> str:
    """Join the lines a mail client broke only to keep them short, so that the page wraps them
    to the reader's screen. Flowed mail (RFC 3676) arrives already joined (the parser decodes
    it); this is the cautious heuristic for the rest: short lines, lists, quotes and framed
    error texts keep their breaks."""
    out: list[str] = []
    last: str | None = None  # the previous line as written
    for line in text.split("\n"):
        if (last is not None and len(last.rstrip()) in _WRAPPED
                and not _NOT_CONTINUATION.match(last) and not _NOT_CONTINUATION.match(line)
                and not last.rstrip().endswith(":")):
            out[-1] = f"{out[-1].rstrip()} {line.lstrip()}"
        else:
            out.append(line)
        last = line
    return "\n".join(out)


def _without_own_link(text: str, token: str) -> str:
    """An acknowledgement as shown on the page it links to: the line with the link goes (the
    reader is already there), and so does the blank line it leaves."""
    lines = text.split("\n")
    kept = [line for line in lines if f"/t/{token}" not in line]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)) if len(kept) < len(lines) else text


def _entry_view(entry: Entry, lang: str, ticket: Ticket, tz: Any) -> dict[str, Any]:
    # Outgoing mail reaches the requester from the support address, whoever wrote it, so the
    # page names the team rather than a technician's own address. Incoming mail shows the full
    # address: only the people in the conversation hold the link.
    # A technician's answer is shown as the support team's, like the mail the requester got.
    support = entry.direction == "out" or entry.kind == "reply"
    author = i18n.t("author.support", lang) if support else clean(entry.author)
    kind = i18n.label(i18n.KIND_LABELS, entry.kind, lang)
    if entry.direction == "in" and entry.kind == "request" and (
            entry.author.lower() != ticket.requester.lower()):
        kind = i18n.t("kind.participant", lang)  # a colleague in Cc, not the requester
    text = clean(entry.text)
    if entry.direction == "out":
        text = _without_own_link(text, ticket.token)
    written = ""
    if entry.received_at and _far_apart(entry.date, entry.received_at):
        written = i18n.t("history.written", lang).format(
            date=i18n.format_date(entry.date, lang, tz=tz))
    return {
        "author": author,
        "kind": kind,
        "date": i18n.format_date(entry.arrived, lang, tz=tz),
        "iso": clean(entry.arrived),
        "written": written,
        "text": reflow(text),
        "attachments": [
            {"name": clean(a.filename), "size": i18n.format_size(a.size, lang)}
            for a in entry.attachments
        ],
    }


def _far_apart(written: str, arrived: str) -> bool:
    """Whether the sender's Date is worth showing beside the arrival (more than 10 minutes)."""
    a, b = _moment(written), _moment(arrived)
    return a is not None and b is not None and abs((a - b).total_seconds()) > 600


def tracking_view(ticket: Ticket, lang: str, now: datetime,
                  policy: TimePolicy | None = None) -> dict[str, Any]:
    """What the tracking page shows of `ticket`, as display strings: no internal notes. Dates
    are given in the business calendar's time zone, which the page names."""
    policy = policy or _default_policy()
    tz = policy.calendar.tz
    urgent = None
    if ticket.urgent_requested or ticket.urgent_demoted:
        urgent = {"demoted": ticket.urgent_demoted, "reason": clean(ticket.demotion_reason)}
    target = policy.targets.get(ticket.priority or "")
    paused = clocks.is_waiting(ticket.waiting_periods)
    sla = [
        ("sla.first_response", target.first_response_hours if target else None,
         ticket.first_response_due, ticket.first_response_at, False),
        ("sla.resolution", target.resolution_hours if target else None,
         ticket.resolution_due, ticket.resolved_at, paused),
    ]
    working = not (target and target.round_the_clock)
    return {
        "lang": lang,
        "other_lang": "en" if lang == "fr" else "fr",
        "number": ticket.number,
        "subject": clean(ticket.subject),
        "status": i18n.label(i18n.STATUS_LABELS, ticket.status, lang),
        "priority": (
            i18n.label(i18n.PRIORITY_LABELS, ticket.priority, lang)
            if ticket.priority
            else i18n.t("priority.none", lang)
        ),
        "urgent": urgent,
        "type": clean(i18n.label(i18n.TYPE_LABELS, ticket.type, lang)),
        "program": clean(ticket.program) or i18n.t("value.none", lang),
        "created": i18n.format_date(ticket.created_at, lang, tz=tz),
        "updated": i18n.format_date(ticket.updated_at, lang, tz=tz),
        "zone": tz.key,
        "sla": [
            {
                "name": i18n.t(key, lang),
                "target": hours_text(hours, lang, working=working) if hours and due else "",
                "due": i18n.format_date(due, lang, tz=tz) if due else "",
                "done": i18n.format_date(done, lang, tz=tz) if done else "",
                "state": (state := sla_state(due, done, now, paused=on_hold)),
                "state_label": i18n.t(f"sla.{state}", lang),
            }
            for key, hours, due, done, on_hold in sla
        ],
        # In the order they reached the helpdesk (the list's order), dated by arrival.
        "messages": [_entry_view(entry, lang, ticket, tz)
                     for entry in ticket.public_messages()],
    }


_POLICY: list[TimePolicy] = []


def link_expired(ticket: Ticket, now: datetime, days_after_close: int) -> bool:
    """`[web] link_days_after_close`: a ticket closed that many days ago has no page any more
    (0: never). A reopened ticket is not closed: its link works again."""
    if days_after_close <= 0 or ticket.status != "closed" or not ticket.closed_at:
        return False
    closed = datetime.fromisoformat(ticket.closed_at)
    return now >= closed + timedelta(days=days_after_close)


def _default_policy() -> TimePolicy:
    # The built-in rules' calendar, for callers (tests, tools) that pass no configuration.
    if not _POLICY:
        from mailbot.config import Config

        _POLICY.append(TimePolicy.from_config(Config()))
    return _POLICY[0]


class RateLimit:
    """At most `per_minute` requests per client address in any 60 seconds (a sliding window).

    `check(address, now)` records a request and says how many seconds the client must wait,
    None when it may go on. `now` is a monotonic clock in seconds (passed in: tests move it).
    Memory is bounded: at most `addresses` addresses are followed, the least recently seen
    forgotten first (a flood of addresses costs each of them their history, nothing else).
    """

    WINDOW = 60.0

    def __init__(self, per_minute: int, *, addresses: int = 10_000) -> None:
        self.per_minute = per_minute
        self.addresses = addresses
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, address: str, now: float) -> float | None:
        times = self._seen.pop(address, None) or deque()
        while times and times[0] <= now - self.WINDOW:
            times.popleft()
        self._seen[address] = times  # most recently seen last
        if len(self._seen) > self.addresses:
            self._seen.popitem(last=False)
        if len(times) >= self.per_minute:
            return times[0] + self.WINDOW - now  # a refused request does not count
        times.append(now)
        return None


def client_address(request: web.BaseRequest, *, forwarded_for: bool) -> str:
    """Who is asking: the peer, or behind a reverse proxy (`forwarded_for`) the address that
    proxy appended last to X-Forwarded-For (earlier entries are whatever the client wrote)."""
    if forwarded_for:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
        if hops[-1]:
            return hops[-1]
    return request.remote or "?"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,  # every template here is HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def freshness_view(heartbeat: datetime | None, now: datetime, *, stale_after: timedelta,
                   lang: str, tz: Any) -> dict[str, Any]:
    """What the page says about the data's age: "as of" the daemon's last completed pass, and
    a warning once that is older than `stale_after` (or unknown: no pass done yet)."""
    as_of = (i18n.t("page.as_of", lang).format(
        date=i18n.format_date(heartbeat.isoformat(), lang, tz=tz)) if heartbeat else "")
    if heartbeat is None:
        stale = i18n.t("page.stale_unknown", lang)
    elif now - heartbeat > stale_after:
        minutes = int(stale_after.total_seconds() // 60)
        stale = (i18n.t("page.stale", lang).format(minutes=minutes) if minutes
                 else i18n.t("page.stale_unknown", lang))
    else:
        stale = ""
    return {"as_of": as_of, "stale": stale}


class _TrackingSite:
    """The request handlers, holding what they need: the lookup, the templates, the clock."""

    def __init__(
        self,
        find_ticket: Callable[[str], Ticket | None],
        default_language: str,
        clock: Callable[[], datetime],
        policy: TimePolicy | None = None,
        heartbeat: Callable[[], datetime | None] | None = None,
        stale_after: timedelta = STALE_AFTER,
        link_days_after_close: int = 0,
    ) -> None:
        self.find_ticket = find_ticket
        self.heartbeat = heartbeat
        self.stale_after = stale_after
        self.link_days_after_close = link_days_after_close
        self.policy = policy
        self.default_language = default_language
        self.clock = clock
        self.env = _environment()

    def _render(self, template: str, status: int, lang: str, **context: Any) -> web.Response:
        html = self.env.get_template(template).render(
            t=partial(i18n.t, lang=lang), lang=lang, style=Markup(_STYLE), **context
        )
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")

    def message_page(self, request: web.Request, status: int, key: str) -> web.Response:
        # The same page whatever the token: an unknown link and a malformed one look alike.
        lang = i18n.language(request.query.get("lang")) or self.default_language
        return self._render("not_found.html", status, lang, key=key)

    async def tracking(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if not TOKEN_PATTERN.fullmatch(token):
            raise web.HTTPNotFound()
        loop = asyncio.get_running_loop()
        ticket = await loop.run_in_executor(None, self.find_ticket, token)
        # The store is trusted to look up by token; checking again costs nothing and keeps a
        # lookup bug from showing someone else's ticket.
        if ticket is None or not hmac.compare_digest(ticket.token.encode(), token.encode()):
            raise web.HTTPNotFound()
        now = self.clock()
        if link_expired(ticket, now, self.link_days_after_close):
            raise web.HTTPNotFound()  # the same 404 as an unknown link
        lang = (
            i18n.language(request.query.get("lang"))
            or i18n.language(ticket.language)
            or self.default_language
        )
        view = tracking_view(ticket, lang, now, self.policy)
        view["freshness"] = None
        if self.heartbeat is not None:  # the daemon's page; a bare app (tests) has none
            beat = await loop.run_in_executor(None, self.heartbeat)
            view["freshness"] = freshness_view(
                beat, now, stale_after=self.stale_after, lang=lang,
                tz=(self.policy or _default_policy()).calendar.tz)
        return self._render("tracking.html", 200, lang, view=view)

    def rate_limited(self, limit: RateLimit, *, forwarded_for: bool,
                     monotonic: Callable[[], float]) -> Any:
        """The middleware that answers 429 past `limit`, before any lookup."""
        warned: set[str] = set()

        @web.middleware
        async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
            address = client_address(request, forwarded_for=forwarded_for)
            wait = limit.check(address, monotonic())
            if wait is None:
                warned.discard(address)
                return await handler(request)
            if address not in warned:  # once per burst; the address is not logged (privacy)
                warned.add(address)
                logger.warning("tracking page: a client went over %d requests a minute; "
                               "answering 429 until it slows down", limit.per_minute)
            response = self.message_page(request, 429, "toomany")
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return response

        return middleware

    @web.middleware
    async def error_pages(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Our own body for every error, so that nothing about the server or the token leaks."""
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status == 405:
                response = self.message_page(request, 405, "notallowed")
                response.headers["Allow"] = exc.headers.get("Allow", "GET, HEAD")
                return response
            if exc.status == 404:
                return self.message_page(request, 404, "notfound")
            return self.message_page(request, exc.status, "error")
        except Exception as exc:
            details = "".join(traceback.format_exception(exc))
            token = request.match_info.get("token", "")
            if token:
                details = details.replace(token, "<token>")
            logger.error("tracking page failed: %s", details)
            return self.message_page(request, 500, "error")


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)


def make_app(
    find_ticket: Callable[[str], Ticket | None],
    *,
    default_language: str = "fr",
    clock: Callable[[], datetime] | None = None,
    policy: TimePolicy | None = None,
    requests_per_minute: int = 0,
    forwarded_for: bool = False,
    monotonic: Callable[[], float] = time.monotonic,
    heartbeat: Callable[[], datetime | None] | None = None,
    stale_after: timedelta = STALE_AFTER,
    link_days_after_close: int = 0,
) -> web.Application:
    """The tracking site: GET and HEAD on /t/{token}, 404 for anything else.

    `find_ticket(token)` is synchronous (the store) and runs in a worker thread. `clock` gives
    the time the SLA states are judged at (UTC now by default); `policy` the time rules (the
    calendar's zone, the targets), the built-in ones by default. `requests_per_minute` per
    client address (0: no limit; the client address from X-Forwarded-For when
    `forwarded_for`), measured on `monotonic`. `heartbeat()` says when the daemon last
    completed a pass (mailbot.health): the page shows it, and says the follow-up may not be up
    to date once it is older than `stale_after`. `link_days_after_close`: a ticket closed that
    long ago answers the same 404 as an unknown token (0: never).
    """
    lang = i18n.language(default_language)
    if lang is None:
        raise ValueError(f"unsupported default_language {default_language!r}: use fr or en")
    site = _TrackingSite(find_ticket, lang, clock or (lambda: datetime.now(UTC)), policy,
                         heartbeat=heartbeat, stale_after=stale_after,
                         link_days_after_close=link_days_after_close)
    middlewares = [site.error_pages]
    if requests_per_minute > 0:  # outermost: a refused request costs no lookup
        middlewares.insert(0, site.rate_limited(RateLimit(requests_per_minute),
                                                forwarded_for=forwarded_for,
                                                monotonic=monotonic))
    app = web.Application(middlewares=middlewares)
    app.router.add_get("/t/{token}", site.tracking)  # add_get also answers HEAD
    app.on_response_prepare.append(_security_headers)
    return app


class _RedactingAccessLogger(AbstractAccessLogger):
    """One line per request, without the token (a path under /t/ is the key to a ticket) and
    without the query string, the client's address or its headers."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = request.path
        if path.startswith("/t/"):
            path = "/t/<token>"
        elif len(path) > 64:
            path = path[:64] + "..."
        self.logger.info(
            "%s %s -> %d in %.1f ms", request.method, path, response.status, time * 1000
        )


class WebServerError(RuntimeError):
    """The operator's problem: the web server cannot listen where the configuration says."""


def parse_listen(listen: str) -> tuple[str | None, int]:
    """(host, port) of "127.0.0.1:8080", "[::1]:8080", "localhost:8080" or ":8080".

    An empty host means every interface (None for aiohttp, which then binds IPv4 and IPv6).
    """
    host, sep, port_text = listen.strip().rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise WebServerError(f"web listen {listen!r}: expected HOST:PORT, [IPV6]:PORT or :PORT")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise WebServerError(f"web listen {listen!r}: write an IPv6 address in brackets")
    return host or None, int(port_text)


def _all_interfaces_socket(port: int) -> socket.socket:
    """One listening socket for IPv4 and IPv6 where the system allows it.

    aiohttp would open one socket per address family, and with port 0 each gets its own port:
    the port we report would then be right for only one of them.
    """
    if socket.has_dualstack_ipv6():
        try:
            return socket.create_server(("::", port), family=socket.AF_INET6, dualstack_ipv6=True)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise
            # IPv6 disabled in the kernel despite the support compiled in: IPv4 only.
    return socket.create_server(("0.0.0.0", port))


class WebServer:
    """Serves an aiohttp application from a daemon thread with its own event loop, so that the
    synchronous mail loop and the page do not wait for each other."""

    def __init__(self, app: web.Application, listen: str) -> None:
        self._app = app
        self._listen = listen
        self._host, self._requested_port = parse_listen(listen)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._port: int | None = None

    def start(self, *, timeout: float = 30.0) -> None:
        """Returns once the socket listens; raises WebServerError if it cannot."""
        if self._thread is not None:
            raise RuntimeError("WebServer.start() called twice")
        self._thread = threading.Thread(target=self._run, name="mailbot-web", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise WebServerError(f"web server on {self._listen} did not start in {timeout} s")
        if self._error is not None:
            self._thread.join()
            raise WebServerError(f"cannot listen on {self._listen}: {self._error}") from (
                self._error
            )
        logger.info("tracking page listening on %s (port %d)", self._listen, self.port)

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("WebServer is not listening")
        return self._port

    def stop(self, *, timeout: float = 10.0) -> None:
        """Stops listening, lets requests in flight finish, and joins the thread."""
        thread, loop, stop_event = self._thread, self._loop, self._stop_event
        if thread is None or loop is None or stop_event is None or not thread.is_alive():
            return
        loop.call_soon_threadsafe(stop_event.set)
        thread.join(timeout)
        if thread.is_alive():
            logger.warning("web server thread did not stop within %s s", timeout)
        self._port = None

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start() rather than lost in a thread
            if not self._ready.is_set():
                self._error = exc
                self._ready.set()
            else:
                logger.exception("web server stopped on an error")

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        runner = web.AppRunner(
            self._app,
            access_log_class=_RedactingAccessLogger,
            access_log=logger,
            shutdown_timeout=5.0,
        )
        await runner.setup()
        try:
            site: web.BaseSite
            if self._host is None:
                site = web.SockSite(runner, _all_interfaces_socket(self._requested_port))
            else:
                site = web.TCPSite(runner, self._host, self._requested_port)
            await site.start()
            self._port = runner.addresses[0][1]
            self._ready.set()
            await self._stop_event.wait()
        finally:
            await runner.cleanup()
