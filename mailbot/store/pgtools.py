"""PostgreSQL tools beside the daemon's store: `check_database` (check-connection) and
`pooled_finder` (the tracking page's look-ups, on a small psycopg_pool pool)."""

from __future__ import annotations

import psycopg

from mailbot.model import Ticket, as_incident
from mailbot.storage import StoreUnavailable
from mailbot.store.migrate import LATEST, current_version, refuse_newer


def check_database(conninfo: str, where: str) -> str:
    """check-connection: log in, read the server's version and the schema's; changes nothing."""
    try:
        with psycopg.connect(conninfo) as conn:
            server = conn.execute("SHOW server_version").fetchone()
            version = current_version(conn)
            tls = conn.info.pgconn.ssl_in_use
    except psycopg.Error as exc:
        raise StoreUnavailable(f"database {where}: {_first_line(exc)}") from exc
    refuse_newer(version, where)
    schema = f"schema {version} of {LATEST}" if version else "empty (created at the first run)"
    return (f"PostgreSQL {server[0] if server else '?'}, {'TLS' if tls else 'no TLS'}, "
            f"{schema}")


def pooled_finder(conninfo: str):  # type: ignore[no-untyped-def]
    """find_ticket(token) for the tracking page: by the token's digest, on a connection of a
    small pool (the page's executor threads each take one; a lost one is replaced)."""
    import secrets

    from psycopg_pool import ConnectionPool

    from mailbot import ids

    pool = ConnectionPool(conninfo, min_size=1, max_size=4, open=False, timeout=10,
                          kwargs={"autocommit": True})
    pool.open(wait=False)

    def find(token: str) -> Ticket | None:
        with pool.connection() as conn:
            row = conn.execute("SELECT t.doc FROM mailbot_index i JOIN mailbot_ticket t "
                               "ON t.number = i.ticket WHERE i.key = %s",
                               (ids.token_key(token),)).fetchone()
            ticket = Ticket.from_dict(row[0]) if row else None
            if ticket is None or not secrets.compare_digest(ticket.token, token):
                return None
            up = (conn.execute("SELECT doc FROM mailbot_ticket WHERE number = %s",
                               (ticket.parent,)).fetchone() if ticket.parent else None)
        # A mass incident's report reads at its incident's priority and due times.
        return as_incident(ticket, Ticket.from_dict(up[0]) if up else None)

    find.pool = pool  # type: ignore[attr-defined]  # closed with the web server
    return find


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
