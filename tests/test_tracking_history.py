"""The tracking page's history as a requester reads it, built by the real daemon (Maildir
inbox, `run --once --now`) and read over HTTP from the real web server.

Claire writes on 23 Nov at 08:52 with her colleague Paul in Cc, but a backlog means the
helpdesk only takes it in on 27 Nov at 10:48; Paul answers in the thread (his mail is dated
23 Nov 09:05, taken in at 11:00) from a client that sends format=flowed.
"""

from __future__ import annotations

import mailbox
import re
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.runtime import ticket_finder
from mailbot.web import WebServer, make_app
from tests.harness import PARIS, mail, mailbot, show, tickets, write_rules

CLAIRE, PAUL = "claire.martin@groupe-exemple.fr", "paul.leroy@groupe-exemple.fr"
WRAPPED = ("Depuis ce matin, impossible d'ouvrir le dossier partagé de la comptabilité\n"
           "sur le serveur de fichiers : Windows refuse l'accès alors que tout marchait\n"
           "vendredi soir.")
FLOWED = (b"From: paul.leroy@groupe-exemple.fr\r\nTo: support@groupe-exemple.fr\r\n"
          b"Subject: Re: Dossier compta inaccessible\r\n"
          b"Message-ID: <paul-1@groupe-exemple.fr>\r\nIn-Reply-To: <claire-1@groupe-exemple.fr>\r\n"
          b"Date: Mon, 23 Nov 2026 09:05:00 +0100\r\nMIME-Version: 1.0\r\n"
          b"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n"
          b"Content-Transfer-Encoding: 8bit\r\n\r\n"
          b"Pareil pour moi sur le poste de l'accueil, le  \r\nmessage d'erreur est le m\xc3\xaame "
          b"depuis  \r\nhuit heures.\r\n\r\nPaul\r\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, Path]:
    """(the page's HTML, the ticket's token, the state directory), built once."""
    tmp_path = tmp_path_factory.mktemp("history")
    rules = write_rules(tmp_path)
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(mail(sender=CLAIRE, cc=PAUL, subject="Dossier compta inaccessible",
                   message_id="<claire-1@groupe-exemple.fr>", body=f"Bonjour,\n\n{WRAPPED}\n",
                   date=datetime(2026, 11, 23, 8, 52, tzinfo=PARIS)))
    mailbot("run", "--once", "--config", str(rules), "--now", "2026-11-27T10:48:00+01:00")
    inbox.add(FLOWED)
    mailbot("run", "--once", "--config", str(rules), "--now", "2026-11-27T11:00:00+01:00")
    [ticket] = tickets(rules)
    # Public: Claire's request, her acknowledgement, Paul's message (team mail is private).
    public = [m for m in show(rules, ticket["number"])["messages"] if m["public"]]
    assert [m["author"] for m in public] == [CLAIRE, "support@groupe-exemple.fr", PAUL]
    config = configuration.load(rules)
    server = WebServer(make_app(ticket_finder(config.state_dir)), "127.0.0.1:0")
    server.start()
    try:
        token = ticket["tracking_url"].rsplit("/", 1)[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/t/{token}") as response:
            return response.read().decode(), token, config.state_dir
    finally:
        server.stop()


def _history(page: str) -> list[str]:
    return re.findall(r"<li>\s*<article>(.*?)</article>", page, re.S)


def test_the_history_is_in_arrival_order_and_dated_by_arrival(built: tuple[str, str, Path]) -> None:
    page, _, _ = built
    moments = [datetime.fromisoformat(m) for m in re.findall(r'<time datetime="([^"]+)"', page)]
    assert len(moments) == 3  # Claire, the acknowledgement, Paul (the team notice is private)
    assert moments == sorted(moments)
    arrival = datetime(2026, 11, 27, 10, 48, tzinfo=PARIS)  # --now, plus the run's seconds
    assert arrival <= moments[0] < arrival + timedelta(seconds=30)
    # When the sender's own date is far from the arrival, the page says when it was written.
    claire = _history(page)[0]
    assert "(écrit le lundi 23 novembre 2026 à 08:52)" in claire, claire


def test_a_colleagues_message_is_not_labelled_as_the_requesters(
        built: tuple[str, str, Path]) -> None:
    claire, ack, paul = _history(built[0])
    assert CLAIRE in claire and "Message du demandeur" in claire
    assert PAUL in paul and "Message du demandeur" not in paul
    assert "Message d&#39;un participant" in paul or "Message d'un participant" in paul


def test_hard_wrapped_and_flowed_text_is_reflowed(built: tuple[str, str, Path]) -> None:
    claire, ack, paul = _history(built[0])
    assert " ".join(WRAPPED.split("\n")) in claire.replace("&#39;", "'")
    # format=flowed; delsp=yes: soft breaks joined, the wrap's own spaces removed.
    assert ("Pareil pour moi sur le poste de l&#39;accueil, le message d&#39;erreur est le même "
            "depuis huit heures.\n\nPaul") in paul


def test_the_acknowledgement_does_not_repeat_the_link_of_the_page_it_is_on(
        built: tuple[str, str, Path]) -> None:
    page, token, _ = built
    ack = _history(page)[1]
    assert "Nous avons bien reçu votre signalement" in ack
    assert token not in page and "/t/" not in ack and "Suivre votre ticket" not in ack


def test_a_real_browser_shows_the_history_as_the_page_says(
        built: tuple[str, str, Path], tmp_path: Path) -> None:
    """Headless Chromium renders the same page: three entries in arrival order, Paul's labelled
    as a participant's, the reflowed paragraphs as single lines, no link in the ack."""
    import subprocess

    from tests.test_web import Page, _chromium

    _, token, state = built
    server = WebServer(make_app(ticket_finder(state)), "127.0.0.1:0")
    server.start()
    try:
        command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", f"--user-data-dir={tmp_path}", "--dump-dom",
                   f"http://127.0.0.1:{server.port}/t/{token}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr[-2000:]
    dom = Page(done.stdout)
    articles = [text for tag, _, text in dom.elements if tag == "article"]
    assert len(articles) == 3
    claire, ack, paul = articles
    assert "Message du demandeur" in claire and "Message d'un participant" in paul
    assert " ".join(WRAPPED.split("\n")) in claire
    assert "le message d'erreur est le même depuis huit heures." in paul
    assert "/t/" not in ack and "Nous avons bien reçu votre signalement" in ack
    moments = [attrs["datetime"] for tag, attrs, _ in dom.elements if tag == "time"]
    assert moments == sorted(moments, key=datetime.fromisoformat)
