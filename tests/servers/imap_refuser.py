"""A thin IMAP relay in front of a test Dovecot that really refuses what a server without some
capabilities would: Dovecot 2.3 has no setting to turn a command off (`imap_capability` only
changes what it advertises, MOVE and UID EXPUNGE still work), so a test of "a server without
MOVE" would pass against a server that moves anyway.

Withheld capability -> what the relay answers `BAD` to instead of passing it on:
- MOVE: `MOVE` and `UID MOVE` (RFC 6851);
- UIDPLUS: `UID EXPUNGE` (RFC 4315), and the COPYUID / APPENDUID response codes are taken out
  of the server's answers;
- IDLE: `IDLE` (RFC 2177).

Everything else goes through unchanged, line by line, literals (`{n}`, `{n+}`) byte for byte.
No STARTTLS through it (the tests that use it talk in clear on loopback).
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from typing import BinaryIO

REFUSED = {
    "MOVE": ("MOVE", "UID MOVE"),
    "UIDPLUS": ("UID EXPUNGE",),
    "IDLE": ("IDLE",),
}
_LITERAL = re.compile(rb"\{(\d+)\+?\}\r?\n$")
_UIDPLUS_CODE = re.compile(rb"^(\S+ OK )\[(?:COPYUID|APPENDUID) [^\]]*\] ?")


class RefusingRelay:
    """Listens on 127.0.0.1:`port`; each connection is relayed to `upstream_port`."""

    def __init__(self, upstream_port: int, withheld: tuple[str, ...]) -> None:
        self.upstream_port = upstream_port
        self.withheld = tuple(name for name in withheld if name in REFUSED)
        self.refusing = {command for name in self.withheld for command in REFUSED[name]}
        self.refused: list[str] = []  # the commands answered BAD, in order, for the tests
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="imap-relay").start()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(client,), daemon=True).start()

    def _session(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        lock = threading.Lock()  # one writer at a time towards the client
        answers = threading.Thread(target=self._answers, daemon=True,
                                   args=(upstream.makefile("rb"), client, lock))
        answers.start()
        try:
            self._commands(client.makefile("rb"), client, upstream, lock)
        finally:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _commands(self, reader: BinaryIO, client: socket.socket, upstream: socket.socket,
                  lock: threading.Lock) -> None:
        continuation = False  # the line after a literal belongs to the same command
        while line := reader.readline():
            if not continuation:
                words = line.split()
                name = words[1].upper().decode("ascii", "replace") if len(words) > 1 else ""
                if name == "UID" and len(words) > 2:
                    name = "UID " + words[2].upper().decode("ascii", "replace")
                if name in self.refusing:
                    self.refused.append(name)
                    tag = words[0].decode("ascii", "replace")
                    with lock:
                        client.sendall(f"{tag} BAD Error in IMAP command {name}: "
                                       "Unknown command.\r\n".encode())
                    continue
            upstream.sendall(line)
            literal = _LITERAL.search(line)
            continuation = literal is not None
            if literal:
                upstream.sendall(reader.read(int(literal.group(1))))

    def _answers(self, reader: BinaryIO, client: socket.socket, lock: threading.Lock) -> None:
        with contextlib.suppress(OSError):
            while line := reader.readline():
                literal = _LITERAL.search(line)
                if "UIDPLUS" in self.withheld and literal is None:
                    line = _UIDPLUS_CODE.sub(rb"\1", line)
                data = line + (reader.read(int(literal.group(1))) if literal else b"")
                with lock:
                    client.sendall(data)
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_RDWR)
