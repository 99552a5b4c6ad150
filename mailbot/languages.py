"""The ticket's language (issue 21): the requester's, as their mail shows it and as they are
remembered.

    read      the detector reads the requester's own words (parsers/language.py); headers hint
    recall    the last language known for the requester: the store's `recent` table
              "language", one event per change (by their text or a technician's #language)
    decide    a known language holds unless this mail clearly says otherwise; else the text
              when the detector is sure, else a header hint, else `[mail] language`

Pure: the View is read, the event to remember is returned for the pass's one commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mailbot import i18n
from mailbot.decision import View
from mailbot.parsers import ParsedMessage
from mailbot.parsers.language import Choice, choose, detect

TABLE = "language"  # the store's recent_language table: requester -> [{"at", "language"}]
Event = tuple[str, str, dict[str, Any]]


def recall(view: View, requester: str) -> str | None:
    events = view.recent(TABLE, requester)
    return i18n.language(events[-1].get("language")) if events else None


def remember(requester: str, language: str, now: datetime, *, by: str) -> Event:
    return (TABLE, requester, {"at": now.astimezone(UTC).isoformat(), "language": language,
                               "by": by})


def decide(msg: ParsedMessage, text: str, *, requester: str, view: View, default: str,
           now: datetime, read_text: bool = True) -> tuple[Choice, str, list[Event]]:
    """The language of a ticket being opened for `requester`, why (a line for its `why`), and
    the event that remembers it when it is news. `read_text` is False when the text is not the
    requester's (a technician's notes of a phone call)."""
    detection = detect(text if read_text else "", subject=msg.subject if read_text else "",
                       errors=msg.errors, hints=msg.language_hints if read_text else (),
                       languages=i18n.LANGUAGES)
    known = recall(view, requester)
    choice = choose(detection, remembered=known, default=default)
    events = ([remember(requester, choice.language, now, by="text")]
              if choice.remember and choice.language != known else [])
    return choice, choice.why(detection), events
