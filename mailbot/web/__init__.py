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

The rooms: `view` (what the page shows of a ticket: the view-model, pure), `site` (the aiohttp
application: handlers, middlewares, rate limit, security headers) and `server` (`WebServer`, the
thread that serves it). Importers use the names below.
"""

from mailbot.web.server import WebServer, WebServerError, parse_listen
from mailbot.web.site import STALE_AFTER, TOKEN_PATTERN, RateLimit, client_address, make_app
from mailbot.web.view import (
    clean,
    freshness_view,
    link_expired,
    reflow,
    sla_state,
    tracking_view,
)

__all__ = [
    "STALE_AFTER",
    "TOKEN_PATTERN",
    "RateLimit",
    "WebServer",
    "WebServerError",
    "client_address",
    "clean",
    "freshness_view",
    "link_expired",
    "make_app",
    "parse_listen",
    "reflow",
    "sla_state",
    "tracking_view",
]
