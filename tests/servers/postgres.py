"""A real PostgreSQL on loopback: a private cluster made with Debian's `initdb` in a temp dir and
run with `pg_ctl`, one per test session; each test that asks gets a database of its own.

PostgreSQL refuses to run as root: as root the cluster belongs to an unprivileged user (the
"nobody" account) and its programs run through `runuser`. Logins use a password (SCRAM), as a
site's would, so that the daemon's MAILBOT_DB_PASSWORD path is the one under test.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.servers.smtp import free_port
from tests.support import unavailable

BIN = Path(os.environ.get("MAILBOT_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "mailbot"
PASSWORD = "s3cret-db"
_RUN_AS = "nobody"


class PostgresServer:
    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable  # fsync on, as a site runs it (the benchmarks)
        if not (BIN / "initdb").exists() or not (BIN / "pg_ctl").exists():
            unavailable(f"PostgreSQL is not installed ({BIN}/initdb): apt-get install "
                        "postgresql (scripts/test.sh does)")
        self.root = Path(tempfile.mkdtemp(prefix="mailbot-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.user, self.password = USER, PASSWORD
        self._names = itertools.count(1)
        self._as_root = os.geteuid() == 0
        if self._as_root:  # the cluster's files belong to the user that runs it
            account = pwd.getpwnam(_RUN_AS)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.root.chmod(0o700)

    def _command(self, *args: str) -> list[str]:
        return ["runuser", "-u", _RUN_AS, "--", *args] if self._as_root else list(args)

    def start(self) -> PostgresServer:
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD)
        if self._as_root:
            account = pwd.getpwnam(_RUN_AS)
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        subprocess.run(self._command(str(BIN / "initdb"), "-D", str(self.data), "-U", USER,
                                     "--pwfile", str(pwfile), "--auth", "scram-sha-256",
                                     "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync"),
                       check=True, capture_output=True, cwd=self.root)
        pwfile.unlink()
        with open(self.data / "postgresql.conf", "a") as conf:
            # Loopback only, a socket in the cluster's own directory. A test cluster need not
            # survive a power cut (fsync off keeps the machine's disk for the other tests), but
            # it must survive its own crash: synchronous_commit stays on, so that a commit the
            # daemon was told of (and moved the mail after) outlives `pg_ctl stop -m immediate`.
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.root}'\nmax_connections = 60\n"
                       f"fsync = {'on' if self.durable else 'off'}\n")
        self._pg_ctl("start", "-w", "-t", "30", "-l", str(self.root / "server.log"))
        return self

    def _pg_ctl(self, *args: str) -> None:
        done = subprocess.run(self._command(str(BIN / "pg_ctl"), "-D", str(self.data), *args),
                              capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl {args[0]}: {done.stderr or done.stdout}\n"
                               f"{self.log()}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server ("immediate": as if the machine died)."""
        self._pg_ctl("stop", "-w", "-m", mode)

    def restart_server(self) -> None:
        self._pg_ctl("start", "-w", "-t", "30", "-l", str(self.root / "server.log"))

    def pid(self) -> int:
        """The server's main process (its backends are its children)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):  # type: ignore[no-untyped-def]
        import psycopg

        return psycopg.connect(self.dsn(database), password=PASSWORD, autocommit=True)

    def create_database(self) -> str:
        """A fresh, empty database; returns its name."""
        name = f"mailbot_test_{os.getpid()}_{next(self._names)}"
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.connect().close()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def cleanup(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
