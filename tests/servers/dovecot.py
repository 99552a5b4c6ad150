"""A real Dovecot IMAP server on loopback, rendered into a temp dir and run with `dovecot -F -c`.

Each `DovecotServer` owns its directory, its ports and one mail user ("support"); it starts in
about a tenth of a second, so tests get a fresh server (and fresh mailboxes) each. The helpers
talk to the server over IMAP with imaplib, independently of the code under test, except
`change_uidvalidity`, which rewrites the Maildir's dovecot-uidlist as a real server-side
rebuild would.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tests.servers.imap_refuser import REFUSED, RefusingRelay
from tests.support import unavailable

DOVECOT_BINARY = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "support"
PASSWORD = "s3cret-support"

# Dovecot refuses to run its login processes as root; these Debian users exist wherever the
# dovecot-core package is installed, "nobody" everywhere else.
_LOGIN_USERS = ("dovenull", "nobody")
_INTERNAL_USERS = ("dovecot", "nobody")
# Dovecot also refuses uid 0 for mail access, so the mailboxes belong to an unprivileged user.
_MAIL_USERS = ("dovecot", "nobody")

_CONF = """\
instance_name = mailbot-test-{port}
protocols = imap{lmtp_protocol}
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
mail_location = maildir:~/Maildir
default_login_user = {login_user}
default_internal_user = {internal_user}
# Whatever system user owns the mailboxes is acceptable here: the fixture picks one.
first_valid_uid = 0
first_valid_gid = 0
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth2_mechanisms}
# Dovecot delays refused logins (2 s, and a growing penalty per address, disabled with the
# anvil listener below); the back-off tests would only wait longer.
auth_failure_delay = 0
{ssl}
{capability}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
{oauth2_passdb}userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
{lmtp_service}service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""

# LMTP (RFC 2033), as an MTA hands mail to Dovecot: a delivery gets its own Return-Path,
# Delivered-To and Received fields on top. Only where dovecot-lmtpd is installed (scripts/test.sh
# installs it); `lmtp_deliver` says clearly when it is missing.
LMTP_BINARY = Path("/usr/lib/dovecot/lmtp")
_LMTP_SERVICE = """\
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
"""

# Dovecot 2.3's post-login capabilities; a server "without" some of them is rendered with
# imap_capability set to the rest (Dovecot still runs their commands: the relay in front of it
# refuses MOVE, UID EXPUNGE and IDLE when withheld).
_DEFAULT_CAPABILITY = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES "
    "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN "
    "NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES "
    "WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW "
    "STATUS=SIZE SAVEDATE LITERAL+ NOTIFY"
)


# Dovecot's own OAuth2 support (the `oauth2` passdb): every XOAUTH2 or OAUTHBEARER login is
# checked against the token introspection endpoint (RFC 7662) of the tests' OAuth2 server.
_OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}
"""
_OAUTH2_ARGS = """\
introspection_mode = post
introspection_url = {introspection_url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
tls_ca_cert_file = {root}/oauth2-ca.pem
"""


def require_dovecot() -> str:
    """The dovecot binary, or skip the test (fail in CI, where a missing server is a bug)."""
    if os.path.exists(DOVECOT_BINARY):
        return DOVECOT_BINARY
    reason = f"dovecot not found at {DOVECOT_BINARY} (apt-get install dovecot-imapd)"
    unavailable(reason)


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts exactly this self-signed certificate."""
        return ssl.create_default_context(cafile=str(self.cert))


def make_self_signed_cert(directory: Path) -> TlsFiles:
    """A certificate for 127.0.0.1 and localhost, made with the openssl CLI (EC: fast)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        reason = "openssl CLI not found: cannot make the test certificate"
        unavailable(reason)
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(cert=directory / "cert.pem", key=directory / "key.pem")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(files.key), "-out", str(files.cert)],
        check=True, capture_output=True,
    )
    return files


@dataclass(frozen=True)
class StoredMessage:
    uid: int
    flags: tuple[str, ...]
    raw: bytes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _existing_user(candidates: tuple[str, ...]) -> str:
    for name in candidates:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return "nobody"


class DovecotServer:
    """One Dovecot instance with a single user, `USER`/`PASSWORD`, and Maildir storage."""

    host = "127.0.0.1"

    def __init__(self, *, tls: TlsFiles, without: tuple[str, ...] = (),
                 introspection_url: str | None = None) -> None:
        require_dovecot()
        # Not pytest's tmp_path: that is 0700 and the unprivileged login processes must reach
        # their sockets; and unix socket paths must stay short.
        self.root = Path(tempfile.mkdtemp(prefix="mbdc-"))
        os.chmod(self.root, 0o755)
        self.tls = tls
        self.without = tuple(name.upper() for name in without)
        # Set: XOAUTH2 and OAUTHBEARER logins too, their tokens checked at this URL.
        self.introspection_url = introspection_url
        # Dovecot's own plain port; `port`, the one given to the code under test, is a relay's
        # that really refuses MOVE, UID EXPUNGE or IDLE when they are withheld (see
        # tests/servers/imap_refuser.py: imap_capability alone only stops advertising them).
        self.direct_port = _free_port()
        self.tls_port = _free_port()
        self.relay = (RefusingRelay(self.direct_port, self.without)
                      if set(self.without) & set(REFUSED) else None)
        self.port = self.relay.port if self.relay else self.direct_port
        self.lmtp_port = _free_port() if LMTP_BINARY.exists() else None
        self.user = USER
        self.password = PASSWORD
        self.home = self.root / "home" / USER
        self._process: subprocess.Popen[bytes] | None = None
        self._mail_owner = pwd.getpwnam(_existing_user(_MAIL_USERS))
        self._write_config()

    # -- life cycle ---------------------------------------------------------------------

    def _write_config(self) -> None:
        ssl_lines = f"ssl = yes\nssl_cert = <{self.tls.cert}\nssl_key = <{self.tls.key}"
        (self.root / "dovecot.conf").write_text(_CONF.format(
            root=self.root, port=self.direct_port, tls_port=self.tls_port, ssl=ssl_lines,
            capability=self._capability_line(),
            oauth2_mechanisms=" xoauth2 oauthbearer" if self.introspection_url else "",
            oauth2_passdb=_OAUTH2_PASSDB.format(root=self.root) if self.introspection_url else "",
            login_user=_existing_user(_LOGIN_USERS),
            internal_user=_existing_user(_INTERNAL_USERS),
            mail_uid=self._mail_owner.pw_uid, mail_gid=self._mail_owner.pw_gid,
            lmtp_protocol=" lmtp" if self.lmtp_port else "",
            lmtp_service=_LMTP_SERVICE.format(lmtp_port=self.lmtp_port) if self.lmtp_port else "",
        ))
        (self.root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        if self.introspection_url:
            # The auth process reads these, not the config parser: keep them in our 0755 root.
            shutil.copyfile(self.tls.cert, self.root / "oauth2-ca.pem")
            os.chmod(self.root / "oauth2-ca.pem", 0o644)
            (self.root / "dovecot-oauth2.conf.ext").write_text(_OAUTH2_ARGS.format(
                root=self.root, introspection_url=self.introspection_url))
        self.home.mkdir(parents=True, exist_ok=True)
        self._give_to_mail_owner(self.home)

    def _capability_line(self) -> str:
        if not self.without:
            return ""
        kept = [name for name in _DEFAULT_CAPABILITY.split() if name not in self.without]
        return "imap_capability = " + " ".join(kept)

    def start(self) -> None:
        self._process = subprocess.Popen(
            [DOVECOT_BINARY, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            # Its own process group, so that stop() can take down every session at once.
            start_new_session=True,
        )
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start:\n{self.log()}")
            if self._accepts(self.direct_port) and self._accepts(self.tls_port):
                return
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"dovecot did not listen within 5 s:\n{self.log()}")

    def _accepts(self, port: int) -> bool:
        try:
            with socket.create_connection((self.host, port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        """Kill the whole server, sessions included, as a crash or a hard restart would.

        A graceful SIGTERM makes Dovecot wait a second for its children; SIGQUIT would leave
        the IMAP sessions running, which is not what a client of a restarted server sees.
        """
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        self._process = None

    def _give_to_mail_owner(self, top: Path) -> None:
        if os.geteuid() != 0:
            return
        uid, gid = self._mail_owner.pw_uid, self._mail_owner.pw_gid
        os.chown(top, uid, gid)
        for path in top.rglob("*"):
            os.chown(path, uid, gid)

    def freeze(self) -> None:
        """A wedged server: every process of this Dovecot stopped (SIGSTOP to its own process
        group). Connections stay open and accepted; nothing is ever answered."""
        assert self._process is not None
        os.killpg(self._process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self._process is not None
        os.killpg(self._process.pid, signal.SIGCONT)

    def restart(self) -> None:
        """Stop and start again on the same ports and storage: clients see their link drop."""
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        if self.relay:
            self.relay.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else "(no log)"

    # -- mailbox helpers (a separate IMAP connection, like another mail client) -----------

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.direct_port, timeout=10)  # the server as it is
        conn.login(self.user, self.password)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX", flags: str = "",
               arrived: datetime | None = None) -> int:
        """Deliver `raw` into `folder` (created if missing); returns its UID."""
        return self.append_many([raw], folder, flags, arrived)[0]

    def append_many(self, raws: list[bytes], folder: str = "INBOX", flags: str = "",
                    arrived: datetime | None = None) -> list[int]:
        """Deliver each message over one connection, in order; returns their UIDs.

        `arrived` is the INTERNALDATE the server keeps (when the mail reached it); by default
        the real time of the APPEND (Dovecot also turns a date more than about an hour ahead
        into that). The daemon never dates a mail after the pass taking it in, so a test whose
        --now is before the real time sees its mail arrive at that pass; one whose --now is
        later than the real time (a scenario in the future) passes `arrived`."""
        conn = self.client()
        try:
            if folder.upper() != "INBOX" and conn.select(_quote(folder))[0] != "OK":
                conn.create(_quote(folder))
            uids = []
            for raw in raws:
                typ, data = conn.append(_quote(folder), f"({flags})" if flags else None,
                                        imaplib.Time2Internaldate(arrived) if arrived else None,
                                        raw)
                match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
                if typ != "OK" or match is None:
                    raise RuntimeError(f"APPEND failed: {data!r}")
                uids.append(int(match.group(1)))
            return uids
        finally:
            conn.logout()

    def lmtp_deliver(self, raw: bytes, *, mail_from: str, rcpt: str | None = None) -> None:
        """Deliver `raw` to the user's INBOX over LMTP, as the MTA's last hop does: Dovecot
        adds its own Return-Path, Delivered-To and Received fields on top."""
        if self.lmtp_port is None:
            unavailable(f"LMTP needs dovecot-lmtpd ({LMTP_BINARY} is missing)")
        with smtplib.LMTP(self.host, self.lmtp_port, timeout=10) as lmtp:
            refused = lmtp.sendmail(mail_from, [rcpt or self.user], raw)
        if refused:
            raise RuntimeError(f"LMTP refused the delivery: {refused!r}")

    def folders(self) -> list[str]:
        conn = self.client()
        try:
            _typ, data = conn.list()
        finally:
            conn.logout()
        names = []
        for line in data:
            match = re.match(rb'\(.*?\) (?:"(?:\\.|[^"])*"|NIL) (.*)$', line or b"")
            if match:
                names.append(match.group(1).decode().strip('"'))
        return sorted(names)

    def messages(self, folder: str = "INBOX") -> list[StoredMessage]:
        """Every message of `folder` in UID order, fetched without touching \\Seen."""
        conn = self.client()
        try:
            typ, _ = conn.select(_quote(folder), readonly=True)
            if typ != "OK":
                return []
            typ, data = conn.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
        finally:
            conn.logout()
        found = []
        for item in data:
            if not isinstance(item, tuple):
                continue
            uid = re.search(rb"UID (\d+)", item[0])
            flags = re.search(rb"FLAGS \(([^)]*)\)", item[0])
            if uid is None:
                continue
            flag_text = flags.group(1).decode() if flags else ""
            found.append(StoredMessage(int(uid.group(1)), tuple(flag_text.split()), item[1]))
        return sorted(found, key=lambda m: m.uid)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        conn = self.client()
        try:
            _typ, data = conn.status(_quote(folder), "(UIDVALIDITY)")
        finally:
            conn.logout()
        match = re.search(rb"UIDVALIDITY (\d+)", data[0])
        assert match is not None, data
        return int(match.group(1))

    def change_uidvalidity(self, folder: str = "INBOX") -> int:
        """Give `folder` a new UIDVALIDITY, as a rebuilt server would; returns the new value.

        Rewrites the Maildir's dovecot-uidlist header, drops the indexes that cache the old
        value and restarts the server so that no session keeps the old view.
        """
        old = self.uidvalidity(folder)
        self.stop()
        maildir = self._maildir(folder)
        uidlist = maildir / "dovecot-uidlist"
        lines = uidlist.read_text().splitlines()
        new = old + 1000
        lines[0] = re.sub(r"\bV\d+", f"V{new}", lines[0])
        uidlist.write_text("\n".join(lines) + "\n")
        for index in maildir.glob("dovecot.index*"):
            index.unlink()
        self._give_to_mail_owner(maildir)
        self.start()
        return new

    def _maildir(self, folder: str) -> Path:
        base = self.home / "Maildir"
        return base if folder.upper() == "INBOX" else base / f".{folder}"


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
