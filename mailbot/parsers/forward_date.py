"""The date of a forwarded block, as the forwarding client printed it."""

from __future__ import annotations

from datetime import datetime, timedelta

# The languages of the forwarded header blocks the parsers read (forwards.py).
_DATE_LANGUAGES = ["fr", "en", "de", "es", "it", "nl", "pt"]


def forwarded_date(value: str | None, now: datetime) -> datetime | None:
    """A forwarded block's date as the client wrote it ("lundi 23 novembre 2026 08:12",
    "Monday, November 23, 2026 8:12 AM", an RFC 5322 date): dateparser reads them all. A date
    without a zone is the organisation's local time, the zone of `now`."""
    if not value:
        return None
    import dateparser  # loaded only for a forward: its language data takes a while to load

    date = dateparser.parse(value, languages=_DATE_LANGUAGES,
                            settings={"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past",
                                      # "past" is relative to `now`, never the machine's clock
                                      "RELATIVE_BASE": now.replace(tzinfo=None)})
    if date is None:
        return None
    # Zoned first: an RFC 5322 date (a message forwarded attached) carries its zone, and an
    # aware date cannot be compared with a naive one (RELIABILITY M01's fuzz found it).
    date = date if date.tzinfo else date.replace(tzinfo=now.tzinfo)
    # Over a day ahead of now, it is misread (or the sender's clock is wrong): not the date of
    # a mail already written; the forward's own date stands.
    return None if date > now + timedelta(days=1) else date
