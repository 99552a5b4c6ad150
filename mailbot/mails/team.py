"""The mails to the team, in the team's language: new ticket, update, information, flood and
cap warnings, mass incident, VIP notice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mailbot import compose, i18n
from mailbot.config import Config
from mailbot.mails.base import (
    Incoming,
    _draft,
    _outgoing,
    _team_subject,
    readers,
    requester_words,
    team_thread,
    tracking_url,
)
from mailbot.model import OutgoingMail, Ticket
from mailbot.rules.mass_words import in_words
from mailbot.tags import format_tag


def _ticket_words(ticket: Ticket, lang: str) -> dict[str, object]:
    return {"status": i18n.label(i18n.TEAM_STATUS_LABELS, ticket.status, lang),
            "priority": i18n.priority_text(ticket.priority, lang),
            "type": i18n.label(i18n.TYPE_LABELS, ticket.type, lang),
            "channel": i18n.label(i18n.CHANNEL_LABELS, ticket.channel, lang)}


# What of ours bounced, by the kind in its Message-ID (mailbot/mails/base.py), for the team.
_BOUNCED_WHAT = {"ack": {"fr": "L'accusé de réception", "en": "The acknowledgement"},
                 "relay": {"fr": "La réponse d'un technicien", "en": "A technician's answer"},
                 "closure": {"fr": "Le message de clôture", "en": "The closure mail"},
                 "demotion": {"fr": "L'avis de déclassement", "en": "The demotion notice"}}
_A_MESSAGE = {"fr": "Un message", "en": "A message"}


def bounced_words(bounced: dict[str, object] | None, config: Config,
                  lang: str) -> dict[str, object] | None:
    """The words of a notice about a person who wrote again after our mail to them bounced
    (mailbot/steps/rewrote.py), or None."""
    if not bounced:
        return None
    what = _BOUNCED_WHAT.get(str(bounced.get("what", "")), _A_MESSAGE)[lang]
    at = str(bounced.get("at", ""))
    return {**bounced, "what": what, "at": i18n.format_date(
        at, lang, tz=config.time.calendar.tz) if at else "?"}


def team_new(ticket: Ticket, incoming: Incoming, config: Config, now: datetime, *,
             blocked: list[str], why: list[str], note: str = "",
             bounced: dict[str, object] | None = None) -> OutgoingMail:
    lang = config.mail.language
    body = compose.render(
        "team_new", lang, tag=format_tag(ticket.number, config.mail.tag_prefix),
        sender=incoming.sender, **requester_words(ticket, lang),
        subject=ticket.subject, why=why, program=ticket.program, acknowledged=not blocked,
        no_ack_reason=", ".join(blocked), text=incoming.text, errors=incoming.errors,
        attachments=incoming.attachments, tracking_url=tracking_url(ticket, config),
        assignee=ticket.assignee, refused_attachments=incoming.refused_attachments, note=note,
        requester_language=i18n.label(i18n.LANGUAGE_LABELS, ticket.language, lang)
        if ticket.language != lang else "", previous=ticket.previous,
        bounced=bounced_words(bounced, config, lang), phone=ticket.channel == "phone",
        **_ticket_words(ticket, lang))
    title = "Nouveau ticket" if lang == "fr" else "New ticket"
    draft = _draft("team_notice", ticket, config, now, to=[config.team_address],
                   subject=_team_subject(ticket, title, lang, config), body=body,
                   auto_submitted="auto-generated", reply_to=config.bot_address)
    return _outgoing("team_notice", ticket, draft, now)


_HEADLINES = {
    "follow_up": {"fr": "Nouveau message sur le ticket", "en": "New message on ticket"},
    "reopened": {"fr": "Ticket rouvert par le demandeur", "en": "Ticket reopened by the requester"},
    "confirmed": {"fr": "Le demandeur confirme la résolution",
                  "en": "The requester confirms it is resolved"},
    "confirmed_for": {"fr": "Résolution confirmée pour le demandeur",
                      "en": "Resolved, confirmed for the requester"},
    "delivery_failure": {"fr": "Échec de remise d'un message du ticket",
                         "en": "Delivery failure on ticket"},
    "unauthenticated": {"fr": "Message non authentifié au nom d'un technicien",
                        "en": "Unauthenticated mail in a technician's name"},
    "escalation": {"fr": "Escalade du ticket", "en": "Ticket escalated"},
    "management": {"fr": "Réponse à l'escalade (interne, non transmise au demandeur)",
                   "en": "Reply to the escalation (internal, not sent to the requester)"},
}


_LAST_PUBLIC = {"fr": "Dernier message public ({}, {})", "en": "Last public message ({}, {})"}


def team_update(ticket: Ticket, incoming: Incoming, config: Config, now: datetime, *,
                headline: str, detail: str = "", unreachable: str = "",
                transient: bool = False,
                bounced: dict[str, object] | None = None) -> OutgoingMail:
    """`unreachable`: the requester's address a failure came back from, which replying would
    not reach (the notice says so instead of inviting a reply); `transient`: a failure that
    blocks it for hours (a full mailbox), not days."""
    lang = config.mail.language
    title = _HEADLINES[headline][lang]
    text, text_title = incoming.text, ""
    public = [m for m in ticket.public_messages()
              if m.text and m.kind in ("request", "reply", "phone_call")]
    if not text and headline == "escalation" and public:
        # "#escalate motif" alone: the reason is on its line, the message is the ticket's
        # last public one, never "(sans texte)" (day 10 #11).
        text, text_title = public[-1].text, _LAST_PUBLIC[lang].format(
            public[-1].author, i18n.format_date(public[-1].arrived, lang,
                                                tz=config.time.calendar.tz))
    body = compose.render(
        "team_update", lang, headline=title, tag=format_tag(ticket.number, config.mail.tag_prefix),
        sender=incoming.sender, **requester_words(ticket, lang), text_title=text_title,
        subject=ticket.subject, text=text, detail=detail, unreachable=unreachable,
        suppressed=_blocked_for(config, lang, transient=transient),
        attachments=incoming.attachments, tracking_url=tracking_url(ticket, config),
        assignee=ticket.assignee, refused_attachments=incoming.refused_attachments,
        bounced=bounced_words(bounced, config, lang), **_ticket_words(ticket, lang))
    kind = "escalation" if headline == "escalation" else "team_notice"
    draft = _draft("team_notice", ticket, config, now, to=[config.team_address],
                   subject=_team_subject(ticket, title, lang, config), body=body,
                   thread=team_thread(ticket, config), auto_submitted="auto-generated",
                   reply_to=config.bot_address)
    return _outgoing(kind, ticket, draft, now)


def _blocked_for(config: Config, lang: str, *, transient: bool) -> str:
    """How long a bounce blocks automatic mail to an address, in words ("" for not at all)."""
    if transient:
        n, unit = config.mail.suppress_transient_bounce_hours, ("heure", "hour")
    else:
        n, unit = config.mail.suppress_bounced_days, ("jour", "day")
    if n <= 0:
        return ""
    return f"{n} {unit[lang != 'fr']}{'s' if n > 1 else ''}"


def team_information(ticket: Ticket, config: Config, now: datetime) -> OutgoingMail:
    """Information mail (seed 000 level 4) is archived: the team gets one line, not a notice."""
    lang = config.mail.language
    body = compose.render("team_information", lang,
                          tag=format_tag(ticket.number, config.mail.tag_prefix),
                          **requester_words(ticket, lang), subject=ticket.subject,
                          tracking_url=tracking_url(ticket, config))
    title = "Information archivée" if lang == "fr" else "Information filed"
    draft = _draft("team_notice", ticket, config, now, to=[config.team_address],
                   subject=_team_subject(ticket, title, lang, config), body=body,
                   auto_submitted="auto-generated", reply_to=config.bot_address)
    return _outgoing("team_notice", ticket, draft, now)


def team_flood(ticket: Ticket, *, count: int, config: Config, now: datetime) -> OutgoingMail:
    """One warning when an address opens more tickets than [flood] allows in its window."""
    lang = config.mail.language
    body = compose.render("team_flood", lang, tag=format_tag(ticket.number,
                                                             config.mail.tag_prefix),
                          requester=ticket.requester, subject=ticket.subject, count=count,
                          limit=config.flood.max_new_tickets,
                          minutes=config.flood.window_minutes)
    title = ("Trop de nouveaux tickets d'une même adresse" if lang == "fr"
             else "Too many new tickets from one address")
    draft = _draft("team_notice", ticket, config, now, to=[config.team_address],
                   subject=_team_subject(ticket, title, lang, config), body=body,
                   auto_submitted="auto-generated", reply_to=config.bot_address)
    return _outgoing("team_notice", ticket, draft, now)


def window_text(minutes: int, lang: str) -> str:
    """"24 heures" / "24 hours"; minutes when the window is not a whole number of hours."""
    amount, unit = (minutes // 60, ("heure", "hour")) if minutes % 60 == 0 else (
        minutes, ("minute", "minute"))
    word = unit[0] if lang == "fr" else unit[1]
    return f"{amount} {word}{'s' if amount > 1 else ''}"


def team_cap(ticket: Ticket | None, *, address: str, config: Config,
             now: datetime) -> OutgoingMail:
    """The operator's alert, once per window, that a cap stopped automatic mail: to one
    `address` (RELIABILITY L09), or to every requester when `address` is "" (S12)."""
    lang = config.mail.language
    limit = config.mail.max_automatic_mails if address else config.mail.max_automatic_total
    body = compose.render(
        "team_cap", lang, address=address, limit=limit,
        window=window_text(config.mail.automatic_window_minutes, lang),
        tag=format_tag(ticket.number, config.mail.tag_prefix) if ticket else "",
        subject=ticket.subject if ticket else "",
        tracking_url=tracking_url(ticket, config) if ticket else "")
    title = {("fr", True): f"Plafond de messages automatiques atteint pour {address}",
             ("en", True): f"Automatic mail cap reached for {address}",
             ("fr", False): "Plafond global de messages automatiques atteint",
             ("en", False): "Overall automatic mail cap reached"}[(lang, bool(address))]
    draft = _draft("team_notice", ticket, config, now, to=[config.team_address],
                   subject=title, body=body, auto_submitted="auto-generated",
                   reply_to=config.bot_address)
    return _outgoing("team_notice", ticket, draft, now)


def team_mass(parent: Ticket, *, children: Sequence[Ticket], key: str, senders: int, why: str,
              config: Config, now: datetime) -> OutgoingMail:
    """The one notice of a mass incident: the parent and the count of its reports."""
    lang = config.mail.language
    lines = [f"{format_tag(c.number, config.mail.tag_prefix)} {c.requester} : {c.subject}"
             if lang == "fr" else
             f"{format_tag(c.number, config.mail.tag_prefix)} {c.requester}: {c.subject}"
             for c in children]
    body = compose.render("team_mass", lang, tag=format_tag(parent.number,
                                                            config.mail.tag_prefix),
                          count=len(children), senders=senders, key=in_words(key, lang),
                          minutes=config.mass.window_minutes, subject=parent.subject, why=why,
                          children=lines, tracking_url=tracking_url(parent, config),
                          **_ticket_words(parent, lang))
    title = "Incident de masse" if lang == "fr" else "Mass incident"
    draft = _draft("team_notice", parent, config, now, to=[config.team_address],
                   subject=_team_subject(parent, title, lang, config), body=body,
                   auto_submitted="auto-generated", reply_to=config.bot_address)
    return _outgoing("team_notice", parent, draft, now)


def vip_notice(ticket: Ticket, *, to: Sequence[str], escalation: Any, text: str, why: str,
               config: Config, now: datetime) -> OutgoingMail:
    """Seed 003: a VIP's ticket goes at once to management, saying what the VIP asked and what
    escalation the procedure prescribes for such a case."""
    lang = config.mail.language
    body = compose.render("vip_notice", lang,
                          tag=format_tag(ticket.number, config.mail.tag_prefix),
                          requester=ticket.requester, vip_for=ticket.vip_for,
                          subject=ticket.subject, why=why, text=text[:3000],
                          case=escalation.case, kind=escalation.kind,
                          prescription=getattr(escalation, lang),
                          tracking_url=tracking_url(ticket, config),
                          readers=readers(to, config), **_ticket_words(ticket, lang))
    title = "VIP : escalade hiérarchique" if lang == "fr" else "VIP: hierarchical escalation"
    draft = _draft("vip_notice", ticket, config, now, to=list(to),
                   subject=_team_subject(ticket, title, lang, config), body=body,
                   auto_submitted="auto-generated", reply_to=config.bot_address)
    return _outgoing("vip_notice", ticket, draft, now)


def resolved_notice(ticket: Ticket, *, to: str, technician: str, text: str, config: Config,
                    now: datetime) -> OutgoingMail:
    """To one person an escalation told of the ticket: it is resolved (day 6 §9)."""
    lang = config.mail.language
    tz = config.time.calendar.tz
    body = compose.render("resolved_notice", lang,
                          tag=format_tag(ticket.number, config.mail.tag_prefix),
                          technician=technician, date=i18n.format_date(now.isoformat(), lang,
                                                                       tz=tz),
                          subject=ticket.subject, **requester_words(ticket, lang),
                          priority=i18n.priority_text(ticket.priority, lang), text=text[:1000],
                          tracking_url=tracking_url(ticket, config), zone=tz.key,
                          reports=", ".join(format_tag(n, config.mail.tag_prefix)
                                            for n in ticket.children))
    title = "Résolu" if lang == "fr" else "Resolved"
    draft = _draft("resolved", ticket, config, now, to=[to],
                   subject=_team_subject(ticket, title, lang, config), body=body,
                   thread=team_thread(ticket, config), auto_submitted="auto-generated",
                   reply_to=config.bot_address)
    return _outgoing("resolved_notice", ticket, draft, now)
