"""A mass incident as the notices about it tell it (day 9): why it has its priority ("incident
de masse : 3 signalements (réseau, 3e étage)", not the first report's rule), its reports (who,
when) and the first report's text, where a ticket of one requester shows that requester's."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import tzinfo

from mailbot import i18n
from mailbot.config import Config
from mailbot.mails.base import requester_words
from mailbot.model import Entry, Ticket
from mailbot.rules.mass_words import in_words
from mailbot.tags import format_tag

# The parent's first why line (steps/mass.py): "hit mass/same_failure: KEY: 3 senders ...".
_KEY = re.compile(r"^hit mass/same_failure: (.+?): \d+ senders")
# What procedure 002 says of the incident's priority, by the impact line (rules/mass.py).
_IMPACT = {
    "P1": {"fr": "la procédure SLA classe P1 tout incident qui touche un service, un étage ou "
                 "un site entier",
           "en": "the SLA procedure makes any incident that hits a whole department, floor or "
                 "site P1"},
    "P2": {"fr": "plusieurs personnes touchées par la même panne : au moins P2",
           "en": "several people hit by the same failure: at least P2"},
}
_REASON = {"fr": "incident de masse : {count} signalements{where}",
           "en": "mass incident: {count} reports{where}"}


def shown_requester(ticket: Ticket, lang: str) -> str:
    """A listing's requester: a mass incident's "incident de masse, 3 signalements", never the
    team address that stands in its field (day 9 §9: the digest read equipe-si@...)."""
    return str(requester_words(ticket, lang)["requester"]) if ticket.children else \
        ticket.requester


def mass_key(parent: Ticket) -> str:
    """The failure that gathered the reports ("topic:network:etage:3"), or ""."""
    return next((found.group(1) for w in parent.why if (found := _KEY.match(w))), "")


def mass_reason(parent: Ticket, lang: str) -> str:
    """Why a mass incident has its priority, for a person: how many reports of what failure
    where, and the procedure's rule that makes it P1 (or P2). "" for no mass incident."""
    if not parent.children:
        return ""
    lang = "en" if lang == "en" else "fr"
    key = mass_key(parent)
    said = [_REASON[lang].format(count=len(parent.children),
                                 where=f" ({in_words(key, lang)})" if key else "")]
    impact = next((w for w in parent.why if w.startswith("hit mass/impact:")), "")
    if "(the SLA procedure, P1)" in impact:
        said.append(_IMPACT["P1"][lang])
    elif "at least P2" in impact:
        said.append(_IMPACT["P2"][lang])
    return " ; ".join(said) if lang == "fr" else "; ".join(said)


def reports_of(parent: Ticket, lookup: Callable[[int], Ticket | None]) -> list[Ticket]:
    """The parent's reports, in the order they joined, as `lookup` finds them."""
    return [t for t in (lookup(n) for n in parent.children) if t is not None]


def first_request(reports: Iterable[Ticket]) -> Entry | None:
    """The first report's own words (its request or the call logged), for "(sans texte)"."""
    for report in reports:
        found = next((m for m in report.messages
                      if m.kind in ("request", "phone_call") and m.text.strip()), None)
        if found is not None:
            return found
    return None


def report_lines(reports: Sequence[Ticket], *, prefix: str, lang: str, tz: tzinfo) -> list[str]:
    """One line per report: its tag, who, when, its subject, and the escalation it had of its
    own before the incident gathered it ("[#16] pierre@x, lundi 7 décembre 2026 à 10:40 :
    plus de réseau (déjà escaladé : niveau 3)")."""
    sep = " : " if lang == "fr" else ": "
    lines = []
    for r in reports:
        told = (f" (déjà escaladé : niveau {r.escalation_level})" if lang == "fr" else
                f" (escalated on its own: level {r.escalation_level})") \
            if r.escalation_level else ""
        lines.append(f"{format_tag(r.number, prefix)} {r.requester}, "
                     f"{i18n.format_date(r.created_at, lang, tz=tz)}{sep}{r.subject}{told}")
    return lines


def escalation_words(ticket: Ticket, reports: Sequence[Ticket], *, why: str,
                     last: Entry | None, config: Config) -> dict[str, object]:
    """What an escalation notice says of why, of its reports and of the last words: for a mass
    incident, why it has its priority after the ladder's reason, its reports, and the first
    report's text where the parent, which has no requester, has no public message."""
    lang, tz, prefix = config.mail.language, config.time.calendar.tz, config.mail.tag_prefix
    shown = last
    first = ticket.children and last is None
    if first:
        shown = first_request(reports)
    if ticket.children:
        why = f"{why} ; {mass_reason(ticket, lang)}" if lang == "fr" else \
            f"{why}; {mass_reason(ticket, lang)}"
    return {"why": why, "first_report": bool(first and shown),
            "reports": report_lines(reports, prefix=prefix, lang=lang, tz=tz),
            "last_author": shown.author if shown else "—",
            "last_date": i18n.format_date(shown.arrived, lang, tz=tz)
            if shown else "—",
            "last_text": shown.text if shown else ""}
