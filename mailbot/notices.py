"""The mails that no message triggers: escalation notices and the morning digest.

Pure, like `mailbot.mails` (whose threading and drafting they share): the ticket(s), the
configuration and `now` in, an `OutgoingMail` out. Dates are written in the business calendar's
time zone, which the mails name. Words are in templates/mail/escalation.* and digest.*.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from mailbot import compose, i18n
from mailbot.clock import digest as digests
from mailbot.clock.ladder import Crossing, Level
from mailbot.clock.sla import lateness
from mailbot.config import Config
from mailbot.mails.base import (
    _draft,
    _outgoing,
    _team_subject,
    readers,
    requester_words,
    team_thread,
    tracking_url,
)
from mailbot.mails.reports import escalation_words
from mailbot.mails.reports import shown_requester as shown
from mailbot.model import OutgoingMail, Ticket
from mailbot.tags import format_tag

_KINDS = {"functional": {"fr": "escalade fonctionnelle", "en": "functional escalation"},
          "hierarchical": {"fr": "escalade hiérarchique", "en": "hierarchical escalation"}}
# One phrase per state, the lateness in it: day 5 read "respecté en retard, en retard de
# 3 h 30 min" (met and late at once, the lateness twice) and "EN RETARD, en retard de 7 j".
_STATES = {"met": {"fr": "respecté", "en": "met"},
           "met_late": {"fr": "dépassé de {late} (fait le {done})",
                        "en": "missed by {late} (done {done})"},
           "running": {"fr": "en cours", "en": "running"},
           "paused": {"fr": "en pause (attente du demandeur)",
                      "en": "paused (waiting for the requester)"},
           "late": {"fr": "EN RETARD de {late}", "en": "LATE by {late}"}}
_SECTIONS = {"due_today": {"fr": "Échéance aujourd'hui", "en": "Due today"},
             "late": {"fr": "En retard", "en": "Late"},
             "waiting": {"fr": "En attente du demandeur depuis plus {}",
                         "en": "Waiting for the requester for more than {}"},
             "unassigned": {"fr": "Non attribués", "en": "Unassigned"},
             "other": {"fr": "Autres tickets ouverts", "en": "Other open tickets"}}
# Which deadline a date in the digest is (day 4 item 12: first answers and resolutions mixed).
_DEADLINES = {"first_response": {"fr": "première réponse attendue le {}",
                                 "en": "first answer due {}"},
              "resolution": {"fr": "résolution attendue le {}", "en": "resolution due {}"},
              # Past due: what is late and since when, not "attendue le" a day gone by.
              "first_response_late": {"fr": "première réponse en retard depuis le {}",
                                      "en": "first answer overdue since {}"},
              "resolution_late": {"fr": "résolution en retard depuis le {}",
                                  "en": "resolution overdue since {}"},
              "paused": {"fr": "délais en pause (attente du demandeur)",
                         "en": "deadlines paused (waiting for the requester)"},
              "none": {"fr": "sans échéance", "en": "no due time"}}


def duration_text(hours: float, lang: str, *, working: bool) -> str:
    """"4 heures ouvrées" / "4 working hours"; minutes below one hour."""
    return compose.hours_text(hours, lang, working=working).split(" ", 1)[1]


def _days(days: int, lang: str) -> str:
    """"de 3 jours" / "d'un jour" after "plus" (never "plus de 1 jours"); "3 days", "one day"."""
    if days == 1:
        return "d'un jour" if lang == "fr" else "one day"
    return f"de {days} jours" if lang == "fr" else f"{days} days"


def _span(delta: timedelta, lang: str) -> str:
    """"3 j 2 h 5 min"; under a minute "moins d'une minute", never "0 min" (day 8: "EN
    RETARD de 0 min")."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "moins d'une minute" if lang == "fr" else "less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} j" if lang == "fr" else f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes or not parts else []
    return " ".join(parts)


_WHY = {
    "threshold": {"fr": "ticket non résolu {} après sa création",
                  "en": "ticket not resolved {} after it was opened"},
    "threshold_changed": {"fr": "ticket non résolu {} après le passage en {}",
                          "en": "ticket not resolved {} after it was set to {}"},
    "threshold_reopened": {"fr": "ticket non résolu {} après sa réouverture",
                           "en": "ticket not resolved {} after it was reopened"},
    "asked": {"fr": "escalade demandée par {}", "en": "escalation asked by {}"},
    "immediate": {"fr": "escalade hiérarchique immédiate pour un ticket {} ({})",
                  "en": "immediate hierarchical escalation for a {} ticket (the {})"},
    # Day 6 §10: a technician's #priority P1, not the ticket's creation, is why.
    "raised": {"fr": "escalade hiérarchique immédiate : {2} a passé le ticket en {0} "
                     "(commande #priority de son message du {3}) ({1})",
               "en": "immediate hierarchical escalation: {2} set the ticket to {0} "
                     "(#priority in their mail of {3}) (the {1})"},
}
# Issue 16 day 1 §9: the procedure that calls for the immediate notice, named as it applies:
# the VIP escalation procedure only when a VIP is involved, the escalation procedure otherwise.
_IMMEDIATE_PROCEDURE = {True: {"fr": "procédure d'escalade VIP", "en": "VIP escalation procedure"},
                        False: {"fr": "procédure de remontée des problèmes",
                                "en": "escalation procedure"}}


def escalation(ticket: Ticket, level: Level, *, threshold_hours: float | None,
               config: Config, now: datetime, asked_by: str = "",
               reason: str = "", passed: Sequence[Level] = (),
               raised: tuple[str, datetime] | None = None,
               reports: Sequence[Ticket] = ()) -> OutgoingMail:
    """Seed 001: the notice to a ladder level's contacts; says why (a threshold crossed, a
    technician's #escalate, or seed 003's immediate notice for a VIP or critical ticket), what
    the ticket is, what was done, and how to act by replying (technicians' commands work).
    `passed`: lower levels crossed in the same pass (a burst), named but not told apart;
    `reports`: a mass incident's reports, listed (mails/reports.py)."""
    lang = config.mail.language
    policy = config.time
    tz = policy.calendar.tz
    why = _why(ticket, config, threshold_hours=threshold_hours, asked_by=asked_by,
               reason=reason, raised=raised)
    engagements = [{
        "name": i18n.t(f"sla.{e.name}", lang),
        "due": i18n.format_date(e.due, lang, tz=tz) if e.due else "—",
        "state": _STATES[e.state][lang].format(
            late=_span(lateness(e.due, e.met_at, now), lang),
            done=i18n.format_date(e.met_at, lang, tz=tz) if e.met_at else "")
        if e.state else "—"} for e in policy.engagements(ticket, now)]
    request = next((m for m in ticket.messages if m.kind in ("request", "phone_call")), None)
    # The last thing a person said in public (the requester, or a technician's relayed answer),
    # not the bot's own acknowledgement.
    public = [m for m in ticket.public_messages()
              if m.text and m.kind in ("request", "reply", "phone_call")]
    last = public[-1] if public else None
    # The last #note: no answer, so the ladder goes on; the level told reads what is known.
    note = next(reversed(ticket.internal_notes()), None)
    body = compose.render(
        "escalation", lang, tag=format_tag(ticket.number, config.mail.tag_prefix),
        level=level.number, role=level.role, kind=_KINDS[level.kind][lang],
        passed=[{"number": p.number, "role": p.role} for p in passed],
        engagements=engagements,
        **requester_words(ticket, lang), subject=ticket.subject,
        priority=i18n.priority_text(ticket.priority, lang),
        status=i18n.label(i18n.TEAM_STATUS_LABELS, ticket.status, lang),
        program=ticket.program, created=i18n.format_date(ticket.created_at, lang, tz=tz),
        errors=request.errors if request else [], assignee=ticket.assignee,
        first_response=i18n.format_date(ticket.first_response_at, lang, tz=tz)
        if ticket.first_response_at else "", done=_what_was_done(ticket, lang, tz),
        **escalation_words(ticket, reports, why=why, last=last, config=config),
        tracking_url=tracking_url(ticket, config),
        note_author=note.author if note else "", note_text=note.text if note else "",
        note_date=i18n.format_date(note.arrived, lang, tz=tz) if note else "",
        zone=tz.key, readers=readers(_with_passed(level, passed), config))
    title = (f"Escalade niveau {level.number} ({level.role})" if lang == "fr"
             else f"Escalation level {level.number} ({level.role})")
    draft = _draft("escalation", ticket, config, now, to=_with_passed(level, passed),
                   subject=_team_subject(ticket, title, lang, config), body=body,
                   thread=team_thread(ticket, config), auto_submitted="auto-generated",
                   reply_to=config.bot_address)
    return _outgoing("escalation", ticket, draft, now)


def _why(ticket: Ticket, config: Config, *, threshold_hours: float | None, asked_by: str,
         reason: str, raised: tuple[str, datetime] | None) -> str:
    """Why a level is told: a threshold crossed, a #escalate, or the immediate notice
    (`raised`: who set the priority that calls for it, and when they wrote)."""
    lang, policy = config.mail.language, config.time
    if threshold_hours:
        after = duration_text(threshold_hours, lang,
                              working=not policy.round_the_clock(ticket.priority))
        if ticket.clock_from and ticket.clock_from == ticket.reopened_at:
            return _WHY["threshold_reopened"][lang].format(after)
        return (_WHY["threshold_changed"][lang].format(after, ticket.priority)
                if ticket.clock_from else _WHY["threshold"][lang].format(after))
    if asked_by:
        return _WHY["asked"][lang].format(asked_by + (f" ({reason})" if reason else ""))
    return _WHY["raised" if raised else "immediate"][lang].format(
        reason, _IMMEDIATE_PROCEDURE[bool(ticket.vip)][lang],
        *((raised[0], i18n.format_date(raised[1].isoformat(), lang, tz=policy.calendar.tz))
          if raised else ()))


def escalation_summary(items: Sequence[tuple[Ticket, Crossing, Sequence[Level]]], *,
                       config: Config, now: datetime) -> OutgoingMail:
    """O12: one notice for many tickets whose ladder reached levels with the same contacts in
    one pass (a backlog after an outage): each ticket on a line (level, why, its link), not
    one mail per ticket. About no single ticket, it threads nowhere: it says how to act."""
    lang = config.mail.language
    policy = config.time
    tz = policy.calendar.tz
    lines = [{
        "tag": format_tag(t.number, config.mail.tag_prefix),
        "priority": t.priority or "-", "subject": t.subject, "requester": shown(t, lang),
        "level": c.level.number, "role": c.level.role,
        "after": duration_text(c.threshold_hours, lang,
                               working=not policy.round_the_clock(t.priority)),
        "passed": ", ".join(str(level.number) for level in passed),
        "created": i18n.format_date(t.created_at, lang, tz=tz),
        "tracking_url": tracking_url(t, config)} for t, c, passed in items]
    roles = sorted({(c.level.number, c.level.role) for _, c, _ in items})
    body = compose.render("escalation_summary", lang, tickets=lines, count=len(lines),
                          limit=config.escalation.group_above, bot=config.bot_address, zone=tz.key,
                          roles=[{"number": n, "role": r} for n, r in roles],
                          passed=_passed_levels(items, config))
    title = (f"Escalades : {len(lines)} tickets" if lang == "fr"
             else f"Escalations: {len(lines)} tickets")
    passed = [level for _, _, levels in items for level in levels]
    draft = _draft("escalation_summary", None, config, now,
                   to=_with_passed(items[0][1].level, passed), subject=title, body=body,
                   auto_submitted="auto-generated", reply_to=config.bot_address)
    return _outgoing("escalation_summary", None, draft, now)


def _passed_levels(items: Sequence[tuple[Ticket, Crossing, Sequence[Level]]],
                   config: Config) -> list[dict[str, object]]:
    """The levels a summary stands for (its lower recipients), each with the tickets that
    passed it: a level 3 reader of a "niveau 5" summary reads which tickets are theirs (day 5:
    levels 3 to 5 were sent a summary that named level 5 alone)."""
    levels: dict[int, tuple[Level, list[str]]] = {}
    for ticket, _, passed in items:
        for level in passed:
            levels.setdefault(level.number, (level, []))[1].append(
                format_tag(ticket.number, config.mail.tag_prefix))
    return [{"number": n, "role": level.role, "tickets": ", ".join(tags)}
            for n, (level, tags) in sorted(levels.items())]


def _with_passed(level: Level, passed: Sequence[Level]) -> list[str]:
    """The level's contacts, then those of the levels a burst passed meanwhile: the notice
    stands for theirs ("cet avis les remplace"), so they read it too, once each."""
    return list(dict.fromkeys([*level.contacts, *(c for p in passed for c in p.contacts)]))


def passed_note(passed: Sequence[Level]) -> str:
    """What a burst notice's history entry says of the lower levels it stands for."""
    return ("levels passed meanwhile, counted as notified by this notice: "
            + ", ".join(str(level.number) for level in passed))


_LEVEL = re.compile(r"\b(?:niveau|level) (\d+)")


def _what_was_done(ticket: Ticket, lang: str, tz: tzinfo) -> list[str]:
    # A technician's answer is one entry coming in and its relay going out: count it once.
    replies = sum(1 for m in ticket.messages if m.kind == "reply" and m.direction == "in")
    notes = len(ticket.internal_notes())
    # Each earlier level once, by its number (a grouped summary's subject names no ticket).
    earlier: dict[str, str] = {}
    for m in ticket.messages:
        found = _LEVEL.search(m.subject) or _LEVEL.search(m.text[:200])
        if m.kind == "escalation" and found and found.group(1) not in earlier:
            earlier[found.group(1)] = m.date
    if lang == "fr":
        lines = [f"Réponses transmises au demandeur : {replies}", f"Notes internes : {notes}"]
        lines += [f"Escalade précédente : niveau {n}, {i18n.format_date(d, lang, tz=tz)}"
                  for n, d in earlier.items()]
    else:
        lines = [f"Answers relayed to the requester: {replies}", f"Internal notes: {notes}"]
        lines += [f"Earlier escalation: level {n}, {i18n.format_date(d, lang, tz=tz)}"
                  for n, d in earlier.items()]
    return lines


def digest(tickets: Sequence[Ticket], config: Config, now: datetime) -> OutgoingMail | None:
    """The morning digest to the team address, or None when nothing needs anyone's eyes."""
    policy = config.time
    lang = config.mail.language
    tz = policy.calendar.tz
    content = digests.build(tickets, now, policy.calendar, waiting_days=policy.waiting_days)
    if content.is_empty():
        return None

    def line(t: Ticket) -> dict[str, str]:
        return {"tag": format_tag(t.number, config.mail.tag_prefix), "priority": t.priority or "-",
                "subject": t.subject, "requester": shown(t, lang), "assignee": t.assignee or "",
                "due": _deadline_text(t, lang, tz, now),
                "status": i18n.label(i18n.TEAM_STATUS_LABELS, t.status, lang)}

    def sections(lists: dict[str, list[Ticket]]) -> list[dict[str, object]]:
        return [{"title": _SECTIONS[name][lang].format(_days(policy.waiting_days, lang)),
                 "other": name == digests.OTHER,
                 "tickets": [line(t) for t in lists[name]]} for name in lists]

    stamp = i18n.format_date(now.isoformat(), lang, tz=tz)  # "lundi 30 novembre 2026 à 09:05"
    day = stamp.rsplit(" à ", 1)[0] if lang == "fr" else stamp.rsplit(", ", 1)[0]
    body = compose.render(
        "digest", lang, day=day, sections=sections(content.sections),
        assignees=[{"name": who, "sections": sections(lists)}
                   for who, lists in sorted(content.per_assignee.items())],
        zone=tz.key, at=policy.digest_at)
    subject = (f"Tickets à suivre, {day}" if lang == "fr" else f"Tickets to follow, {day}")
    draft = _draft("digest", None, config, now, to=[config.team_address], subject=subject,
                   body=body, auto_submitted="auto-generated", reply_to=config.bot_address)
    return _outgoing("digest", None, draft, now)


def _deadline_text(ticket: Ticket, lang: str, tz: tzinfo, now: datetime) -> str:
    """Which deadline runs and when ("résolution attendue le ..."), since when it is late
    ("résolution en retard depuis le ..."), or why none runs."""
    deadline = digests.running_deadline(ticket)
    if deadline is not None:
        name, due = deadline
        late = datetime.fromisoformat(due) < now
        return _DEADLINES[f"{name}_late" if late else name][lang].format(
            i18n.format_date(due, lang, tz=tz))
    paused = ticket.status == "waiting" and not ticket.resolved_at and ticket.resolution_due
    return _DEADLINES["paused" if paused else "none"][lang]


def _minutes(minutes: float, lang: str) -> str:
    """"d'une minute" / "de 15 minutes" ("plus {}"), "a minute" / "15 minutes" ("more than {}")."""
    if lang == "fr":
        return "d'une minute" if minutes == 1 else f"de {minutes:g} minutes".replace(".", ",")
    return "a minute" if minutes == 1 else f"{minutes:g} minutes"


def mailbox_outage(config: Config, *, since: datetime, error: str,
                   now: datetime) -> OutgoingMail:
    """To the team, once per outage: the support mailbox cannot be read (RELIABILITY O01)."""
    lang = config.mail.language
    tz = config.time.calendar.tz
    box = config.mailbox
    body = compose.render(
        "mailbox_outage", lang, mailbox=f"{box.folder} ({box.host}:{box.port})",
        since=i18n.format_date(since.isoformat(), lang, tz=tz), error=error, user=box.user,
        threshold=_minutes(box.alert_after_minutes, lang))
    subject = ("mailbot : boîte de support injoignable" if lang == "fr"
               else "mailbot: support mailbox unreachable")
    draft = _draft("mailbox_outage", None, config, now, to=[config.team_address],
                   subject=subject, body=body, auto_submitted="auto-generated",
                   reply_to=config.bot_address)
    return _outgoing("mailbox_outage", None, draft, now)


_DIED = re.compile(r"^the process died (\d+) times while handling it \(mailbox\.max_attempts = "
                   r"(\d+)\)")
_OVERSIZE = re.compile(r"^(\d+) bytes, over mailbox\.max_message_mb \(([\d.]+) MB\)")
_EXCEPTION = re.compile(r"^([A-Z]\w*(?:Error|Exception|Fault)\w*): ?(.*)$", re.DOTALL)


def quarantine_reason(reason: str, lang: str) -> str:
    """Why a message was set aside, in the mail's language (the log keeps the English line):
    the reasons the daemon writes, and a program error with its technical detail last."""
    if lang != "fr":
        return reason
    if found := _DIED.match(reason):
        return (f"le traitement a été interrompu {found.group(1)} fois sur ce message "
                f"(mailbox.max_attempts = {found.group(2)}) : il n'est plus relu")
    if found := _OVERSIZE.match(reason):
        return (f"{i18n.format_size(int(found.group(1)), lang)}, au-delà de la limite "
                f"mailbox.max_message_mb ({found.group(2).replace('.', ',')} Mo) : seul "
                "l'en-tête a été lu")
    if found := _EXCEPTION.match(reason):
        return f"erreur du programme (détail technique : {found.group(1)} : {found.group(2)})"
    return reason


def store_outage(config: Config, *, since: datetime, error: str, database: str,
                 instance: str, now: datetime) -> OutgoingMail:
    """To the team, once per outage: the ticket database refuses the pass (sent straight to
    SMTP: the outbox lives in that database)."""
    lang = config.mail.language
    body = compose.render(
        "store_outage", lang, database=database, error=error, instance=instance,
        since=i18n.format_date(since.isoformat(), lang, tz=config.time.calendar.tz))
    subject = ("mailbot : base des tickets injoignable" if lang == "fr"
               else "mailbot: ticket database unreachable")
    draft = _draft("store_outage", None, config, now, to=[config.team_address],
                   subject=subject, body=body, auto_submitted="auto-generated",
                   reply_to=config.bot_address)
    return _outgoing("store_outage", None, draft, now)


def quarantined(items: Sequence[dict[str, str]], config: Config, *, copies: str,
                now: datetime) -> OutgoingMail:
    """To the team, once per pass that set messages aside (RELIABILITY D08, M04): which ones
    (key, sender, subject, reason) and how to put them back."""
    lang = config.mail.language
    items = [{"oversize": "", "told": "", **item,
              "reason": quarantine_reason(item.get("reason", ""), lang)} for item in items]
    body = compose.render("quarantine", lang, items=items, copies=copies,
                          folder=config.mailbox.quarantine_folder)
    count = len(items)
    subject = (f"mailbot : {count} message(s) mis de côté" if lang == "fr"
               else f"mailbot: {count} message(s) set aside")
    draft = _draft("quarantine", None, config, now, to=[config.team_address],
                   subject=subject, body=body, auto_submitted="auto-generated",
                   reply_to=config.bot_address)
    return _outgoing("quarantine", None, draft, now)
