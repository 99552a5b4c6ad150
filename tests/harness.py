"""End-to-end helpers: write mails, write a rules.toml pointing at the loopback servers, run the
real `mailbot` (in a subprocess when a crash or a second process is part of the scenario)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PARIS = timezone(timedelta(hours=1))
BOT = "support@groupe-exemple.fr"
TEAM = "equipe-si@groupe-exemple.fr"
TECHS = ("tech.alice@groupe-exemple.fr", "tech.bruno@groupe-exemple.fr")

def _ladder_contacts() -> dict[int, str]:
    from mailbot.clock.settings import EscalationConfig

    return {n: level.contacts[0] for n, level in enumerate(EscalationConfig().levels, start=1)}


# The built-in escalation ladder's contact, by level (mailbot/clock/settings.py), for the tests
# whose rules do not set [escalation]: read from the product, not copied.
LADDER = _ladder_contacts()


def mail(*, sender: str = "claire.martin@groupe-exemple.fr", subject: str = "Imprimante HS",
         body: str = "Bonjour,\n\nL'imprimante du 2e étage ne marche plus.\n\nClaire\n",
         to: str = BOT, cc: str | None = None, message_id: str | None = None,
         in_reply_to: str | None = None, references: str | None = None,
         headers: dict[str, str] | None = None, date: datetime | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    msg["Message-ID"] = message_id or make_msgid(domain="groupe-exemple.fr")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


# Tests that are not about time must not depend on the hour they run at (CI runs at night and on
# Sundays): every hour is a working hour (no quiet hours) and no digest. The time tests pass
# `time_rules=""` to get the shipped calendar, and run with --now.
ANY_HOUR = """
[calendar]
working_days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
hours = ["00:00-24:00"]
holidays = ""

[digest]
enabled = false

[report]
enabled = false
"""


# Extra `[storage]` keys of every rules.toml written: set by the `store_backend` fixture to put
# the tickets in a PostgreSQL database (tests/backends.py); empty: the state directory's TinyDB.
STORAGE_KEYS = ""


def write_rules(tmp: Path, *, imap: Any = None, smtp: Any = None, web_port: int = 0,
                language: str = "fr", extra: str = "", time_rules: str = ANY_HOUR) -> Path:
    """A rules.toml for the loopback servers (or local Maildirs when a server is None)."""
    state = tmp / "state"
    if imap is not None:
        mailbox = (f'kind = "imap"\nhost = "127.0.0.1"\nport = {imap.port}\n'
                   f'security = "none"\nuser = "{imap.user}"\npoll_seconds = 1.0\n')
    else:
        mailbox = f'kind = "maildir"\npath = "{tmp / "inbox"}"\n'
    if smtp is not None:
        transport = (f'kind = "smtp"\nhost = "127.0.0.1"\nport = {smtp.port}\n'
                     f'security = "none"\nuser = ""\ntimeout_seconds = 2.0\n')
    else:
        transport = f'kind = "maildir"\npath = "{tmp / "outbox"}"\n'
    text = f"""
[mailbox]
{mailbox}
[smtp]
{transport}from = "{BOT}"

[web]
base_url = "http://127.0.0.1:{web_port}"
listen = "127.0.0.1:{web_port}"

[storage]
dir = "{state}"
{STORAGE_KEYS}
[team]
address = "{TEAM}"
technicians = {json.dumps(list(TECHS))}

[mail]
language = "{language}"
{extra}
{time_rules}
"""
    path = tmp / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def env(imap: Any = None, **more: str) -> dict[str, str]:
    out = dict(os.environ)
    out.pop("MAILBOT_FAULTS", None)
    if imap is not None:
        out["MAILBOT_IMAP_PASSWORD"] = imap.password
    out["PYTHONPATH"] = str(ROOT)
    out.update(more)
    return out


def mailbot(*args: str, environ: dict[str, str] | None = None, timeout: float = 60.0,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "mailbot.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=environ or env(), timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"mailbot {' '.join(args)} exited {done.returncode}:\n"
                             f"{done.stderr}")
    return done


def tickets(rules: Path) -> list[dict[str, Any]]:
    return json.loads(mailbot("tickets", "--json", "--config", str(rules)).stdout)


def show(rules: Path, number: int, *, now: datetime | None = None) -> dict[str, Any]:
    """`mailbot show --json`; the SLA states are as at `now` when given (else the real time)."""
    at = ("--now", now.isoformat()) if now else ()
    return json.loads(
        mailbot("show", str(number), "--json", "--config", str(rules), *at).stdout)
