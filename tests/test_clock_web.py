"""A requester opens the tracking page of a ticket with SLA due times and sees, in a real
browser, each target, its due time in the organisation's time zone, and whether it was met, is
running, is late or is paused while IT waits for their answer."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mailbot.web import WebServer, make_app
from tests.test_web import Page, Store, _chromium, make_ticket

NOW = datetime.fromisoformat("2026-11-30T12:00:00+01:00")  # Monday noon, Paris


@pytest.fixture(scope="module")
def store() -> Store:
    return Store()


@pytest.fixture(scope="module")
def base_url(store: Store) -> Iterator[str]:
    server = WebServer(make_app(store.find, clock=lambda: NOW), "127.0.0.1:0")
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def _browse(url: str, tmp_path: Path) -> Page:
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path}", "--dump-dom", url,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return Page(result.stdout)


def _rows(page: Page) -> list[str]:
    return [" ".join(text.split()) for text in page.texts("tr")][1:]  # without the header


def test_the_page_shows_each_target_its_due_time_and_its_state(
        base_url: str, store: Store, tmp_path: Any) -> None:
    # A P2 opened on Friday at 16:00 (stored in UTC): answered on Monday at 10:30, before its
    # 11:00 due time; resolution due on 15 December, still running.
    ticket = make_ticket(
        number=51, priority="P2", created_at="2026-11-27T15:00:00+00:00",
        first_response_due="2026-11-30T11:00:00+01:00",
        first_response_at="2026-11-30T10:30:00+01:00",
        resolution_due="2026-12-15T16:00:00+01:00")
    page = _browse(f"{base_url}/t/{store.add(ticket)}", tmp_path)
    assert page.by_id("created") == "vendredi 27 novembre 2026 à 16:00"
    first, resolution = _rows(page)
    assert first.startswith("Première réponse sous 4 heures ouvrées lundi 30 novembre 2026 à 11:00")
    assert "Respecté" in first and "Réalisé le lundi 30 novembre 2026 à 10:30" in first
    assert resolution == ("Résolution sous 96 heures ouvrées mardi 15 décembre 2026 à 16:00 "
                          "En cours")
    assert page.texts("span", "met") == ["Respecté"]
    assert page.texts("span", "pending") == ["En cours"]
    assert page.by_id("time-zone") == "Heures données dans le fuseau Europe/Paris"


def test_late_paused_and_round_the_clock_targets(base_url: str, store: Store,
                                                 tmp_path: Any) -> None:
    # A P1 (round the clock) never answered, and its resolution paused while waiting.
    ticket = make_ticket(
        number=52, priority="P1", status="waiting", created_at="2026-11-29T03:00:00+01:00",
        first_response_due="2026-11-29T03:15:00+01:00",
        resolution_due="2026-11-29T07:00:00+01:00",
        waiting_periods=[["2026-11-29T04:00:00+01:00", None]])
    page = _browse(f"{base_url}/t/{store.add(ticket)}?lang=en", tmp_path)
    first, resolution = _rows(page)
    assert first == "First response within 15 minutes Sunday 29 November 2026, 03:15 Overdue"
    assert resolution == ("Resolution within 4 hours Sunday 29 November 2026, 07:00 "
                          "Paused: waiting for your answer")
