"""RELIABILITY O13: the tracking page says how old its data is, and the page and the daemon do
not take each other down.

The daemon writes <storage.dir>/heartbeat.json when it completes a pass (at most about once a
minute, never state.json); the page shows "Informations à jour au …" from it and, once it is
older than [web] stale_after_minutes, that the follow-up may not be up to date.
"""

from __future__ import annotations

import html
import mailbox
import signal
import subprocess
import sys
import threading
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.config import load
from mailbot.health import HEARTBEAT_FILE, read_heartbeat
from mailbot.runtime import Runtime
from mailbot.store import Store
from mailbot.web import freshness_view
from tests.harness import ROOT, env, mail, tickets, write_rules
from tests.servers.dovecot import DovecotServer, _free_port
from tests.servers.smtp import RecordingSmtpServer
from tests.support import wait_until

PARIS = ZoneInfo("Europe/Paris")



def page(url: str) -> str:
    """The page's HTML with entities decoded (autoescape writes ' as &#39;)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return html.unescape(response.read().decode("utf-8"))


def test_the_page_shows_the_data_age_and_says_when_it_may_be_out_of_date(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: RecordingSmtpServer) -> None:
    """A running daemon: the page says "Informations à jour au <its last pass>" (English on
    request) and no warning; the heartbeat moves while state.json stays as it was. Dovecot
    goes down: passes stop completing, and past the threshold the page says so."""
    port = _free_port()
    rules = write_rules(tmp_path, imap=dovecot, smtp=smtp_server, web_port=port)
    rules.write_text(rules.read_text().replace(f'listen = "127.0.0.1:{port}"\n',
                                               f'listen = "127.0.0.1:{port}"\n'
                                               "stale_after_minutes = 0.05\n"
                                               # This test reads the page often; the rate
                                               # limit is test_web's business, not this one's.
                                               "requests_per_minute = 100000\n"))
    state = tmp_path / "state"
    log = tmp_path / "daemon.log"
    with open(log, "w") as handle:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "mailbot.cli", "-v", "run", "--config", str(rules)],
            cwd=ROOT, env=env(dovecot), stdout=subprocess.DEVNULL, stderr=handle)
    try:
        dovecot.append(mail())
        smtp_server.wait_for(2, timeout=20)
        url = tickets(rules)[0]["tracking_url"]
        wait_until(lambda: (state / HEARTBEAT_FILE).exists())

        fresh = page(url)
        beat = read_heartbeat(state)
        assert beat is not None and abs(datetime.now(UTC) - beat) < timedelta(seconds=10)
        assert 'id="as-of">Informations à jour au ' in fresh
        assert f"à {beat.astimezone(PARIS):%H}:" in fresh.split('id="as-of"')[1][:80]
        assert 'id="stale"' not in fresh
        english = page(url + "?lang=en")
        assert 'id="as-of">Information as of ' in english and 'id="stale"' not in english

        # Idle passes refresh the heartbeat, not the tickets' state.
        stamp = (state / "state.json").stat().st_mtime_ns
        first = (state / HEARTBEAT_FILE).stat().st_mtime_ns
        wait_until(lambda: (state / HEARTBEAT_FILE).stat().st_mtime_ns != first, timeout=10)
        assert (state / "state.json").stat().st_mtime_ns == stamp

        dovecot.stop()  # no pass completes any more; the page, in its own thread, stays up
        # Polled once a second: a page fetch per 50 ms on a loaded machine is load of our own.
        wait_until(lambda: 'id="stale"' in page(url), timeout=30, interval=1.0)
        stale = page(url)
        assert "Ce suivi n'est peut-être pas à jour" in stale
        assert 'id="as-of">Informations à jour au ' in stale  # the age of what is shown
        assert "This follow-up may not be up to date" in page(url + "?lang=en")
        assert daemon.poll() is None
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
    assert daemon.returncode == 0, log.read_text()[-2000:]


def test_the_freshness_words_and_threshold() -> None:
    """The view, with its clock passed in: fresh, stale (naming the threshold), never seen."""
    now = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)
    ten = timedelta(minutes=10)

    fresh = freshness_view(now - timedelta(minutes=9), now, stale_after=ten, lang="fr", tz=PARIS)
    assert fresh == {"as_of": "Informations à jour au vendredi 27 novembre 2026 à 15:21.",
                     "stale": ""}
    old = freshness_view(now - timedelta(minutes=11), now, stale_after=ten, lang="en", tz=PARIS)
    assert old["as_of"] == "Information as of Friday 27 November 2026, 15:19."
    assert old["stale"] == ("This follow-up may not be up to date: mail has not been collected "
                            "for more than 10 minutes.")
    never = freshness_view(None, now, stale_after=ten, lang="fr", tz=PARIS)
    assert never == {"as_of": "", "stale": "Ce suivi n'est peut-être pas à jour."}


def test_the_daemon_goes_on_when_its_tracking_page_is_down(tmp_path: Path) -> None:
    """RELIABILITY O13, the other way round: the page's server stops (as if its thread had
    died); the daemon goes on ticketing and acknowledging mail, and stops cleanly."""
    port = _free_port()
    rules = write_rules(tmp_path, web_port=port)
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(mail(subject="Premier ticket"))
    runtime = Runtime(load(rules))
    runtime.open()
    loop = threading.Thread(target=runtime.daemon.run_forever, daemon=True)
    try:
        runtime.start_web()
        loop.start()
        wait_until(lambda: len(list(Store(tmp_path / "state").tickets())) == 1)
        url = tickets(rules)[0]["tracking_url"]
        assert "Premier ticket" in page(url)

        assert runtime.web is not None
        runtime.web.stop()
        with pytest.raises(OSError):  # connection refused: the page is down
            page(url)
        inbox.add(mail(subject="Deuxième ticket", sender="paul@groupe-exemple.fr"))
        wait_until(lambda: len(list(Store(tmp_path / "state").tickets())) == 2)
        outbox = mailbox.Maildir(tmp_path / "outbox", create=False)
        wait_until(lambda: any("paul@groupe-exemple.fr" in str(m["To"]) for m in outbox))
        assert loop.is_alive()
    finally:
        runtime.request_stop()
        loop.join(timeout=30)
        runtime.web = None  # stopped above
        runtime.close()
    assert not loop.is_alive()
