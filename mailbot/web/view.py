"""What the tracking page shows of a ticket, as display strings: the page's view-model.

Pure functions of the ticket, the language and the time: every string that came from an email is
cleaned here (`clean`); escaping is the templates' job.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from mailbot import i18n
from mailbot.clock import sla as clocks
from mailbot.clock.policy import TimePolicy
from mailbot.compose import hours_text
from mailbot.model import REOPENED, Entry, Ticket

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean(text: str | None) -> str:
    """Email-derived text made safe to display (escaping is the template's job, not this).

    Control characters go (a NUL or an escape sequence has no business on a page). Bidi
    embeddings and overrides become U+FFFD rather than vanishing, so that a file name like
    "facture\u202efdp.exe" shows that something was there instead of reading as "...exe.pdf".
    Lone surrogates (possible in JSON) would make the UTF-8 encoding of the page fail.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BIDI_CONTROLS.sub("\ufffd", _CONTROLS.sub("", text))
    return text.encode("utf-8", "replace").decode("utf-8")


def _moment(iso: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(iso or "")
    except ValueError:
        return None
    # The store writes offsets; a naive value can only be a hand edit, read it as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# The page's words for mailbot.clock.sla's states (which `show --json` gives as they are).
_PAGE_STATES = {"met": "met", "met_late": "missed", "running": "pending", "late": "overdue",
                "paused": "paused", None: "no_target"}


def sla_state(due: str | None, done: str | None, now: datetime, *, paused: bool = False) -> str:
    """met | missed (done, late) | pending | overdue (not done, past due) | paused (waiting for
    the requester) | no_target."""
    if _moment(due) is None:
        return "no_target"
    if done is not None and _moment(done) is None:
        done = None
    return _PAGE_STATES[clocks.state(due, done, now, paused=paused)]


# A line of a hard-wrapped paragraph: about as long as mail clients wrap (72 to 78 columns,
# some at 60-65), and the next line continues the sentence rather than starting a list, a
# quote, a framed error dialog or a signature.
_WRAPPED = range(60, 81)
_NOT_CONTINUATION = re.compile(r"\s*(?:$|[-*•>|=_+]|\d+[.)]\s|--)")


def reflow(text: str) -> str:
    """Join the lines a mail client broke only to keep them short, so that the page wraps them
    to the reader's screen. Flowed mail (RFC 3676) arrives already joined (the parser decodes
    it); this is the cautious heuristic for the rest: short lines, lists, quotes and framed
    error texts keep their breaks."""
    out: list[str] = []
    last: str | None = None  # the previous line as written
    for line in text.split("\n"):
        if (last is not None and len(last.rstrip()) in _WRAPPED
                and not _NOT_CONTINUATION.match(last) and not _NOT_CONTINUATION.match(line)
                and not last.rstrip().endswith(":")):
            out[-1] = f"{out[-1].rstrip()} {line.lstrip()}"
        else:
            out.append(line)
        last = line
    return "\n".join(out)


def _without_own_link(text: str, token: str) -> str:
    """An acknowledgement as shown on the page it links to: the line with the link goes (the
    reader is already there), and so does the blank line it leaves."""
    lines = text.split("\n")
    kept = [line for line in lines if f"/t/{token}" not in line]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)) if len(kept) < len(lines) else text


def _entry_view(entry: Entry, lang: str, ticket: Ticket, tz: Any) -> dict[str, Any]:
    # Outgoing mail reaches the requester from the support address, whoever wrote it, so the
    # page names the team rather than a technician's own address. Incoming mail shows the full
    # address: only the people in the conversation hold the link.
    # A technician's answer is shown as the support team's, like the mail the requester got.
    # So is a phone call a technician logged: the support's account of it, not a mail the
    # requester wrote (issue 16 §6).
    support = (entry.direction == "out" or entry.kind in ("reply", "phone_call")
               or entry.note == REOPENED)
    author = i18n.t("author.support", lang) if support else clean(entry.author)
    kind = i18n.label(i18n.KIND_LABELS, entry.kind, lang)
    if entry.direction == "in" and entry.kind == "request" and (
            entry.author.lower() != ticket.requester.lower()):
        kind = i18n.t("kind.participant", lang)  # a colleague in Cc, not the requester
    text = clean(entry.text)
    if entry.note == REOPENED:  # a technician's #reopen: shown, an internal note's text not
        kind = i18n.t("kind.reopened", lang)
        text = text if entry.public else i18n.t("history.reopened", lang)
    if entry.direction == "out":
        text = _without_own_link(text, ticket.token)
    written = ""
    if entry.received_at and _written_before(entry.date, entry.received_at):
        written = i18n.t("history.written", lang).format(
            date=i18n.format_date(entry.date, lang, tz=tz))
    return {
        "author": author,
        "kind": kind,
        "date": i18n.format_date(entry.arrived, lang, tz=tz),
        "iso": clean(entry.arrived),
        "written": written,
        "text": reflow(text),
        "attachments": [
            {"name": clean(a.filename), "size": i18n.format_size(a.size, lang)}
            for a in entry.attachments
        ],
    }


def _written_before(written: str, arrived: str) -> bool:
    """Whether the sender's Date is worth showing beside the arrival: more than 10 minutes
    before it. A Date after the arrival is a wrong clock, never shown (issue 16 §7: a mail
    dated next March made the page speak of March)."""
    a, b = _moment(written), _moment(arrived)
    return a is not None and b is not None and (b - a).total_seconds() > 600


def tracking_view(ticket: Ticket, lang: str, now: datetime,
                  policy: TimePolicy | None = None) -> dict[str, Any]:
    """What the tracking page shows of `ticket`, as display strings: no internal notes. Dates
    are given in the business calendar's time zone, which the page names."""
    policy = policy or default_policy()
    tz = policy.calendar.tz
    urgent = None
    if ticket.urgent_requested or ticket.urgent_demoted:
        urgent = {"demoted": ticket.urgent_demoted, "reason": clean(ticket.demotion_reason)}
    target = policy.targets.get(ticket.priority or "")
    paused = clocks.is_waiting(ticket.waiting_periods)
    sla = [
        ("sla.first_response", target.first_response_hours if target else None,
         ticket.first_response_target, ticket.first_answered_at, False),
        ("sla.resolution", target.resolution_hours if target else None,
         ticket.resolution_due, ticket.resolved_at, paused),
    ]
    working = not (target and target.round_the_clock)
    return {
        "lang": lang,
        "other_lang": "en" if lang == "fr" else "fr",
        "number": ticket.number,
        "subject": clean(ticket.subject),
        "status": i18n.label(i18n.STATUS_LABELS, ticket.status, lang),
        "priority": (
            i18n.label(i18n.PRIORITY_LABELS, ticket.priority, lang)
            if ticket.priority
            else i18n.t("priority.none", lang)
        ),
        "urgent": urgent,
        "type": clean(i18n.label(i18n.TYPE_LABELS, ticket.type, lang)),
        "program": clean(ticket.program) or i18n.t("value.none", lang),
        "created": i18n.format_date(ticket.created_at, lang, tz=tz),
        "updated": i18n.format_date(ticket.updated_at, lang, tz=tz),
        "zone": tz.key,
        "sla": [
            {
                "name": i18n.t(key, lang),
                "target": hours_text(hours, lang, working=working) if hours and due else "",
                "due": i18n.format_date(due, lang, tz=tz) if due else "",
                "done": i18n.format_date(done, lang, tz=tz) if done else "",
                "state": (state := sla_state(due, done, now, paused=on_hold)),
                "state_label": i18n.t("sla.confirmed" if state == "paused"
                                      and ticket.resolution_confirmed else f"sla.{state}", lang),
            }
            for key, hours, due, done, on_hold in sla
        ],
        # In the order they reached the helpdesk (the list's order), dated by arrival.
        "messages": [_entry_view(entry, lang, ticket, tz)
                     for entry in _shown_once(_history(ticket))],
    }


def _history(ticket: Ticket) -> list[Entry]:
    """The public messages, and the technicians' reopenings (day 10: the page said "En cours"
    under a closure mail as its last entry)."""
    return [m if m.public and m.kind != "internal_note" else replace(m, attachments=[])
            for m in ticket.messages
            if (m.public and m.kind != "internal_note") or m.note == REOPENED]


def _shown_once(entries: list[Entry]) -> list[Entry]:
    """The history without a technician's closing answer that the closure mail right after it
    quotes whole: the page shows the closure text once (day 7, defect 14)."""
    def flat(text: str) -> str:
        return " ".join(text.split())

    return [e for n, e in enumerate(entries)
            if not (e.direction == "in" and e.kind == "reply" and flat(e.text)
                    and any(later.direction == "out" and flat(e.text) in flat(later.text)
                            for later in entries[n + 1:n + 3]))]


_POLICY: list[TimePolicy] = []


def link_expired(ticket: Ticket, now: datetime, days_after_close: int) -> bool:
    """`[web] link_days_after_close`: a ticket closed that many days ago has no page any more
    (0: never). A reopened ticket is not closed: its link works again."""
    if days_after_close <= 0 or ticket.status != "closed" or not ticket.closed_at:
        return False
    closed = datetime.fromisoformat(ticket.closed_at)
    return now >= closed + timedelta(days=days_after_close)


def default_policy() -> TimePolicy:
    # The built-in rules' calendar, for callers (tests, tools) that pass no configuration.
    if not _POLICY:
        from mailbot.config import Config

        _POLICY.append(TimePolicy.from_config(Config()))
    return _POLICY[0]


def freshness_view(heartbeat: datetime | None, now: datetime, *, stale_after: timedelta,
                   lang: str, tz: Any) -> dict[str, Any]:
    """What the page says about the data's age: "as of" the daemon's last completed pass, and
    a warning once that is older than `stale_after` (or unknown: no pass done yet)."""
    as_of = (i18n.t("page.as_of", lang).format(
        date=i18n.format_date(heartbeat.isoformat(), lang, tz=tz)) if heartbeat else "")
    if heartbeat is None:
        stale = i18n.t("page.stale_unknown", lang)
    elif now - heartbeat > stale_after:
        minutes = int(stale_after.total_seconds() // 60)
        stale = (i18n.t("page.stale", lang).format(minutes=minutes) if minutes
                 else i18n.t("page.stale_unknown", lang))
    else:
        stale = ""
    return {"as_of": as_of, "stale": stale}
