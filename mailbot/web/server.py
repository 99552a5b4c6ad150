"""`WebServer`: the tracking site on its own event loop in a daemon thread, next to the
synchronous mail loop; its access log never holds a token."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import threading

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

logger = logging.getLogger("mailbot.web")  # one name for the page's log lines, as before


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
