"""The tracking site: the aiohttp application, its handlers, middlewares and rate limit."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import math
import re
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
from markupsafe import Markup

from mailbot import i18n
from mailbot.clock.policy import TimePolicy
from mailbot.model import Ticket
from mailbot.web.view import default_policy, freshness_view, link_expired, tracking_view

logger = logging.getLogger("mailbot.web")  # one name for the page's log lines, as before

# secrets.token_urlsafe(24) gives 32 characters; anything shorter was not made by us. The upper
# bound keeps absurd paths away from the store.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,256}")

_TEMPLATES = Path(__file__).parent.parent / "templates"
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
        if ticket.merged_into and ticket.merged_token:  # #merge: the kept ticket's page
            query = f"?{request.query_string}" if request.query_string else ""
            return web.Response(status=302, headers={
                "Location": f"/t/{ticket.merged_token}{query}"})
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
                tz=(self.policy or default_policy()).calendar.tz)
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
