"""A technician's `#reopen` on the tracking page (mailbot/web/view.py, day 10 defect 14): the
page said "En cours" under the closure mail as its last entry; the reopening is an entry now,
without the text or attachments of the internal note that carried it."""

from __future__ import annotations

from datetime import UTC, datetime

from mailbot.model import REOPENED, Entry, StoredAttachment, Ticket
from mailbot.web.view import tracking_view

AT = "2026-12-07T10:00:00+01:00"


def ticket(*entries: Entry) -> Ticket:
    return Ticket(number=9, subject="Outlook", requester="kevin@exemple.fr", token="t",
                  created_at=AT, updated_at=AT, status="open", messages=list(entries))


def entry(kind: str, text: str, **more: object) -> Entry:
    return Entry(**{"message_id": f"<{kind}{len(text)}@x>", "author": "paul.tech@exemple.fr",
                    "kind": kind, "date": AT, "text": text, **more})  # type: ignore[arg-type]


def test_a_reopening_by_a_technician_is_shown_without_the_note() -> None:
    shown = tracking_view(ticket(
        entry("request", "Outlook plante", author="kevin@exemple.fr"),
        entry("automatic", "Votre signalement est résolu.", direction="out"),
        entry("internal_note", "client rappelé, pas convaincu", public=False, note=REOPENED,
              attachments=[StoredAttachment("capture.png", "image/png", 10, "ab")]),
        entry("internal_note", "une autre note", public=False),
    ), "fr", datetime(2026, 12, 8, tzinfo=UTC))["messages"]
    assert [m["kind"] for m in shown] == [
        "Message du demandeur", "Message automatique", "Ticket rouvert"]
    last = shown[-1]
    assert last["author"] == "Service support" and last["attachments"] == []
    assert "rouvert ce ticket" in last["text"] and "rappelé" not in last["text"]


def test_a_reopening_with_an_answer_shows_the_answer() -> None:
    shown = tracking_view(ticket(
        entry("reply", "Je repasse demain matin.", note=REOPENED),
    ), "en", datetime(2026, 12, 8, tzinfo=UTC))["messages"]
    assert shown[0]["kind"] == "Ticket reopened" and "repasse" in shown[0]["text"]
