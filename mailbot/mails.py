"""Every mail the bot writes, in one place: who gets it, how it threads, what it says.

    to the requester (their language):  acknowledgement, relay (a technician's answer),
                                        closure, demotion notice
    to the team (the team's language):  new-ticket notice, update notice, escalation notice,
                                        unauthenticated-mail warning
    to one technician:                  command transcript, unauthenticated-mail notice

Pure: each builder takes the ticket as it will be stored, the configuration and `now`, and
returns an `OutgoingMail` whose Message-ID and bytes are decided here, before anything is sent.
The words are in the templates (mailbot/templates/mail/NAME.LANG.txt).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailbot import compose, i18n, ids
from mailbot.commands import Outcome
from mailbot.config import Config
from mailbot.model import Entry, OutgoingMail, Ticket
from mailbot.parsers import Attachment, ParsedMessage
from mailbot.parsers.attachment_policy import RefusedAttachment
from mailbot.parsers.subject import peel_prefixes
from mailbot.tags import format_tag

# What each kind of mail is in the ticket's history: its entry kind, and whether the requester
# sees it on the tracking page.
HISTORY = {
    "acknowledgement": ("automatic", True),
    "closure": ("automatic", True),
    "demotion": ("automatic", True),
    "relay": ("reply", False),  # the technician's incoming answer is the public entry
    "team_notice": ("automatic", False),
    "transcript": ("automatic", False),
    "escalation": ("escalation", False),
    "unauthenticated": ("automatic", False),
    "vip_notice": ("escalation", False),
}


@dataclass(frozen=True)
class Incoming:
    """What a team notice shows of the message that caused it."""

    sender: str
    text: str
    errors: Sequence[object] = ()
    attachments: Sequence[Attachment] = ()
    refused_attachments: Sequence[RefusedAttachment] = ()  # not kept (the attachment policy)

    @classmethod
    def of(cls, msg: ParsedMessage, text: str | None = None) -> Incoming:
        return cls(msg.sender, msg.text if text is None else text, msg.errors, msg.attachments,
                   msg.refused_attachments)


def requester_address(ticket: Ticket) -> str:
    """Where mail to the requester goes: the Reply-To the loop checks accepted, else the
    requester's own address (RELIABILITY L15); always one address."""
    return ticket.reply_to or ticket.requester


def tracking_url(ticket: Ticket, config: Config) -> str:
    return f"{config.web.base_url.rstrip('/')}/t/{ticket.token}"


# --- threading -----------------------------------------------------------------------------------
# The requester's conversation and the team's are two threads of the same ticket: each mail
# answers the latest message of its own thread and lists that thread in References, so that both
# sides' clients show one conversation, and a reply from either side comes back by its headers.

def requester_thread(ticket: Ticket, config: Config) -> tuple[str | None, tuple[str, ...]]:
    staff = {*config.technicians, config.team_address, config.bot_address}
    ids_ = [m.message_id for m in ticket.messages
            if (m.direction == "in" and m.kind in ("request", "automatic")
                and m.author not in staff)
            or (m.direction == "out" and requester_address(ticket) in m.to)]
    return (ids_[-1] if ids_ else None), tuple(ids_)


def team_thread(ticket: Ticket, config: Config) -> tuple[str | None, tuple[str, ...]]:
    ids_ = [m.message_id for m in ticket.messages
            if m.direction == "out" and config.team_address in m.to]
    return (ids_[-1] if ids_ else None), tuple(ids_[:1] + ids_[-1:])


def _domain(config: Config) -> str:
    return config.bot_address.rpartition("@")[2] or "mailbot.invalid"


def _outgoing(kind: str, ticket: Ticket | None, draft: compose.Draft,
              now: datetime) -> OutgoingMail:
    return OutgoingMail(message_id=draft.message_id, ticket=ticket.number if ticket else None,
                        kind=kind, sender=draft.sender, recipients=[*draft.to, *draft.cc],
                        data=compose.build(draft), created_at=now.isoformat(),
                        next_attempt_at=now.isoformat(), subject=draft.subject, text=draft.body,
                        envelope=draft.envelope)


def envelope_sender(ticket: Ticket | None, recipients: Sequence[str],
                    config: Config) -> str | None:
    """MAIL FROM of an automatic mail (RFC 3834 §3.3: null, or an address that recognises its
    bounces); None: the support address, as `[smtp] envelope = "address"` asks. A VERP address
    names one recipient, so a mail to several (a closure with copies) goes out with <>."""
    mode = config.smtp.envelope
    if mode == "address":
        return None
    if mode == "verp" and ticket is not None and len(recipients) == 1 and config.verp_key:
        return ids.verp_address(config.bot_address, ticket.number, recipients[0],
                                config.verp_key)
    return ""


def _draft(kind: str, ticket: Ticket | None, config: Config, now: datetime, *, to: list[str],
           subject: str, body: str, thread: tuple[str | None, tuple[str, ...]] = (None, ()),
           **more: object) -> compose.Draft:
    if more.get("auto_submitted", "auto-replied") is not None:
        # Automatic mail; a relayed technician answer is a person's mail and keeps the address.
        cc = more.get("cc") or ()
        more["envelope"] = envelope_sender(ticket, [*to, *cc], config)  # type: ignore[misc]
    return compose.Draft(
        message_id=ids.new_message_id(ticket.number if ticket else None, kind, _domain(config)),
        sender=config.bot_address, sender_name=str(more.pop("sender_name", config.bot_name)),
        to=to, subject=subject, body=body, date=now, in_reply_to=thread[0],
        references=thread[1], **more)  # type: ignore[arg-type]


def with_outgoing(ticket: Ticket, mail: OutgoingMail, now: datetime) -> Ticket:
    """The ticket with `mail` in its history (the outbox reads the message from there)."""
    kind, public = HISTORY[mail.kind]
    entry = Entry(message_id=mail.message_id, author=mail.sender, kind=kind,  # type: ignore[arg-type]
                  date=now.isoformat(), direction="out", subject=mail.subject,
                  to=list(mail.recipients), text=mail.text, public=public, data=mail.data)
    ticket.messages = [*ticket.messages, entry]
    ticket.message_ids = [*ticket.message_ids, mail.message_id]
    return ticket


# --- to the requester --------------------------------------------------------------------------

def acknowledgement(ticket: Ticket, config: Config, now: datetime, *,
                    thread: tuple[str | None, tuple[str, ...]],
                    known_incident: str | None = None,
                    refused_attachments: Sequence[RefusedAttachment] = ()) -> OutgoingMail:
    lang = ticket.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    target = config.priorities.targets.get(ticket.priority or "P3")
    expected = (compose.hours_text(target.first_response_hours, lang,
                                   working=not target.round_the_clock) if target else "")
    echo = subject_echo(ticket.subject)
    body = compose.render(
        "acknowledgement", lang, subject=echo, number=ticket.number,
        priority=i18n.label(i18n.PRIORITY_LABELS, ticket.priority, lang),
        urgent_requested=ticket.urgent_requested, expected=expected,
        tracking_url=tracking_url(ticket, config), tag=tag, organisation=config.mail.organisation,
        phone=ticket.channel == "phone", known_incident=known_incident,
        refused_attachments=refused_attachments)
    draft = _draft("ack", ticket, config, now, to=[requester_address(ticket)],
                   subject=reply_subject(tag, echo), body=body, thread=thread,
                   auto_submitted="auto-replied")
    return _outgoing("acknowledgement", ticket, draft, now)


def reply_subject(tag: str, echo: str) -> str:
    """"Re: " + the tag + the original's one line (RELIABILITY L13): the prefixes it may still
    carry are peeled first, so that it never reads "Re: Re:"."""
    return f"Re: {tag} {peel_prefixes(echo)[0] or echo}"


ECHO_LIMIT = 110  # characters of the sender's subject an automatic answer repeats (Zammad's)


def subject_echo(subject: str) -> str:
    """The sender's subject as an automatic answer repeats it: one line, at most ECHO_LIMIT
    characters. A forged sender's 1,000-character spam subject is not mailed back whole to the
    victim (RELIABILITY L16, S12)."""
    line = " ".join(subject.split())
    return line if len(line) <= ECHO_LIMIT else line[:ECHO_LIMIT - 1].rstrip() + "…"


def _copies(ticket: Ticket, config: Config) -> list[str]:
    """Colleagues who are part of the ticket (Cc of the requester's mails): they get the
    answers too, as a reply-all would give them."""
    staff = {*config.technicians, config.team_address, config.bot_address, ticket.requester,
             requester_address(ticket)}
    return [p for p in ticket.participants if p not in staff]


def relay(ticket: Ticket, *, technician: str, technician_name: str, text: str,
          attachments: Sequence[Attachment], config: Config, now: datetime) -> OutgoingMail:
    """A technician's answer, from the support address, in the requester's own thread.

    A person's answer: no Auto-Submitted, so the requester's client and auto-responders treat
    it as the mail it is.
    """
    lang = ticket.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    body = compose.render("relay", lang, text=text, tag=tag, number=ticket.number,
                          technician=technician_name or technician,
                          tracking_url=tracking_url(ticket, config),
                          organisation=config.mail.organisation)
    name = f"{technician_name} ({config.bot_name})" if technician_name else config.bot_name
    draft = _draft("relay", ticket, config, now, to=[requester_address(ticket)],
                   cc=_copies(ticket, config), subject=f"Re: {tag} {ticket.subject}", body=body,
                   thread=requester_thread(ticket, config), auto_submitted=None,
                   sender_name=name,
                   attachments=tuple((a.filename, a.content_type, a.content)
                                     for a in attachments if a.content))
    return _outgoing("relay", ticket, draft, now)


def closure(ticket: Ticket, *, text: str, config: Config, now: datetime,
            incident: str | None = None) -> OutgoingMail:
    lang = ticket.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    body = compose.render("closure", lang, text=text, tag=tag, number=ticket.number,
                          subject=ticket.subject, tracking_url=tracking_url(ticket, config),
                          reopen_days=config.tickets.reopen_days, incident=incident,
                          link_days=config.web.link_days_after_close if config.web.enabled
                          else 0,
                          organisation=config.mail.organisation,
                          phone=ticket.channel == "phone")
    label = "Demande clôturée" if lang == "fr" else "Ticket closed"
    draft = _draft("closure", ticket, config, now, to=[requester_address(ticket)],
                   cc=_copies(ticket, config), subject=f"{tag} {label} : {ticket.subject}"
                   if lang == "fr" else f"{tag} {label}: {ticket.subject}", body=body,
                   thread=requester_thread(ticket, config), auto_submitted="auto-generated")
    return _outgoing("closure", ticket, draft, now)


def demotion(ticket: Ticket, *, reason: str, config: Config, now: datetime) -> OutgoingMail:
    """Seed 004: "les abus seront déclassés et notifiés", courteously, with the way to reach
    IT in a real emergency."""
    lang = ticket.language
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    body = compose.render("demotion", lang, reason=reason, tag=tag, subject=ticket.subject,
                          priority=i18n.label(i18n.PRIORITY_LABELS, ticket.priority, lang),
                          tracking_url=tracking_url(ticket, config), phone=config.urgent.phone,
                          organisation=config.mail.organisation)
    label = "Priorité de votre demande" if lang == "fr" else "Priority of your request"
    draft = _draft("demotion", ticket, config, now, to=[requester_address(ticket)],
                   subject=f"{tag} {label} : {ticket.subject}" if lang == "fr"
                   else f"{tag} {label}: {ticket.subject}", body=body,
                   thread=requester_thread(ticket, config), auto_submitted="auto-generated")
    return _outgoing("demotion", ticket, draft, now)


# --- to the team ---------------------------------------------------------------------------------

def _team_subject(ticket: Ticket, title: str, lang: str, config: Config) -> str:
    tag = format_tag(ticket.number, config.mail.tag_prefix)
    separator = " : " if lang == "fr" else ": "
    return f"{tag} {title}{separator}{ticket.subject}"


def _ticket_words(ticket: Ticket, lang: str) -> dict[str, object]:
    return {"status": i18n.label(i18n.TEAM_STATUS_LABELS, ticket.status, lang),
            "priority": i18n.label(i18n.PRIORITY_LABELS, ticket.priority, lang),
            "type": i18n.label(i18n.TYPE_LABELS, ticket.type, lang),
            "channel": i18n.label(i18n.CHANNEL_LABELS, ticket.channel, lang)}


def team_new(ticket: Ticket, incoming: Incoming, config: Config, now: datetime, *,
             blocked: list[str], why: list[str]) -> OutgoingMail:
    lang = config.mail.language
    body = compose.render(
        "team_new", lang, tag=format_tag(ticket.number, config.mail.tag_prefix),
        requester=ticket.requester, vip=ticket.vip, sender=incoming.sender,
        subject=ticket.subject, why=why, program=ticket.program, acknowledged=not blocked,
        no_ack_reason=", ".join(blocked), text=incoming.text, errors=incoming.errors,
        attachments=incoming.attachments, tracking_url=tracking_url(ticket, config),
        assignee=ticket.assignee, refused_attachments=incoming.refused_attachments,
        **_ticket_words(ticket, lang))
    title = "Nouveau ticket" if lang == "fr" else "New ticket"
    draft = _draft("team_notice", ticket, config, now, to=[config.team_address],
                   subject=_team_subject(ticket, title, lang, config), body=body,
                   auto_submitted="auto-generated", reply_to=config.bot_address)
    return _outgoing("team_notice", ticket, draft, now)


_HEADLINES = {
    "follow_up": {"fr": "Nouveau message sur le ticket", "en": "New message on ticket"},
    "reopened": {"fr": "Ticket rouvert par le demandeur", "en": "Ticket reopened by the requester"},
    "delivery_failure": {"fr": "Échec de remise d'un message du ticket",
                         "en": "Delivery failure on ticket"},
    "unauthenticated": {"fr": "Message non authentifié au nom d'un technicien",
                        "en": "Unauthenticated mail in a technician's name"},
    "escalation": {"fr": "Escalade du ticket", "en": "Ticket escalated"},
}


def team_update(ticket: Ticket, incoming: Incoming, config: Config, now: datetime, *,
                headline: str, detail: str = "") -> OutgoingMail:
    lang = config.mail.language
    title = _HEADLINES[headline][lang]
    body = compose.render(
        "team_update", lang, headline=title, tag=format_tag(ticket.number, config.mail.tag_prefix),
        sender=incoming.sender, requester=ticket.requester, vip=ticket.vip,
        subject=ticket.subject, text=incoming.text, detail=detail,
        attachments=incoming.attachments, tracking_url=tracking_url(ticket, config),
        assignee=ticket.assignee, refused_attachments=incoming.refused_attachments,
        **_ticket_words(ticket, lang))
    kind = "escalation" if headline == "escalation" else "team_notice"
    draft = _draft("team_notice", ticket, config, now, to=[config.team_address],
                   subject=_team_subject(ticket, title, lang, config), body=body,
                   thread=team_thread(ticket, config), auto_submitted="auto-generated",
                   reply_to=config.bot_address)
    return _outgoing(kind, ticket, draft, now)


def team_information(ticket: Ticket, config: Config, now: datetime) -> OutgoingMail:
    """Information mail (seed 000 level 4) is archived: the team gets one line, not a notice."""
    lang = config.mail.language
    body = compose.render("team_information", lang,
                          tag=format_tag(ticket.number, config.mail.tag_prefix),
                          requester=ticket.requester, vip=ticket.vip, subject=ticket.subject,
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
                          count=len(children), senders=senders, key=key,
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
                          requester=ticket.requester, subject=ticket.subject, why=why,
                          text=text[:3000], case=escalation.case, kind=escalation.kind,
                          prescription=getattr(escalation, lang),
                          tracking_url=tracking_url(ticket, config),
                          **_ticket_words(ticket, lang))
    title = "VIP : escalade hiérarchique" if lang == "fr" else "VIP: hierarchical escalation"
    draft = _draft("vip_notice", ticket, config, now, to=list(to),
                   subject=_team_subject(ticket, title, lang, config), body=body,
                   auto_submitted="auto-generated", reply_to=config.bot_address)
    return _outgoing("vip_notice", ticket, draft, now)


# --- to one technician ------------------------------------------------------------------------

OUTCOMES: dict[str, dict[str, str]] = {
    "close": {"fr": "fait : ticket clôturé, le demandeur est prévenu",
              "en": "done: ticket closed, the requester is told"},
    "reopen": {"fr": "fait : ticket rouvert", "en": "done: ticket reopened"},
    "priority": {"fr": "fait : priorité {}", "en": "done: priority {}"},
    "assign": {"fr": "fait : attribué à {}", "en": "done: assigned to {}"},
    "note": {"fr": "fait : note interne (le demandeur ne la voit pas)",
             "en": "done: internal note (the requester never sees it)"},
    "demote": {"fr": "fait : URGENT déclassé, le demandeur est prévenu",
               "en": "done: URGENT demoted, the requester is told"},
    "escalate": {"fr": "fait : escalade enregistrée, l'équipe est prévenue",
                 "en": "done: escalation recorded, the team is told"},
    "requester": {"fr": "fait : demandeur {}", "en": "done: requester {}"},
    "phone": {"fr": "fait : appel téléphonique consigné", "en": "done: phone call logged"},
    "help": {"fr": "fait : aide ci-dessous", "en": "done: help below"},
    "unknown": {"fr": "refusé : commande inconnue", "en": "refused: unknown command"},
    "already_closed": {"fr": "refusé : le ticket est déjà clôturé",
                       "en": "refused: the ticket is already closed"},
    "not_closed": {"fr": "refusé : le ticket n'est pas clôturé",
                   "en": "refused: the ticket is not closed"},
    "bad_priority": {"fr": "refusé : « {} » n'est pas une priorité (P1 à P4)",
                     "en": "refused: \"{}\" is not a priority (P1 to P4)"},
    "unknown_technician": {"fr": "refusé : « {} » n'est pas un technicien (ou « me »)",
                           "en": "refused: \"{}\" is not a technician (or \"me\")"},
    "no_urgent": {"fr": "refusé : le demandeur n'a pas demandé URGENT",
                  "en": "refused: the requester did not ask for URGENT"},
    "already_demoted": {"fr": "refusé : URGENT déjà déclassé", "en": "refused: already demoted"},
    "closed": {"fr": "refusé : le ticket est clôturé", "en": "refused: the ticket is closed"},
    "bad_address": {"fr": "refusé : « {} » n'est pas une adresse",
                    "en": "refused: \"{}\" is not an address"},
    "staff_address": {"fr": "refusé : {} est une adresse du support",
                      "en": "refused: {} is a support address"},
    "conflict_close_reopen": {"fr": "refusé : #close et #reopen ensemble",
                              "en": "refused: #close and #reopen together"},
    "not_applied": {"fr": "non appliqué : une autre commande est refusée",
                    "en": "not applied: another command was refused"},
    "phone_without_requester": {
        "fr": "refusé : un appel se consigne avec #requester adresse-de-l-appelant",
        "en": "refused: a phone call is logged with #requester caller-address"},
    "no_ticket": {"fr": "refusé : aucun ticket ne correspond à ce message",
                  "en": "refused: no ticket matches this message"},
}


def outcome_text(outcome: Outcome, lang: str) -> str:
    return OUTCOMES[outcome.code][lang].format(outcome.value)


def transcript(ticket: Ticket | None, *, technician: str, outcomes: list[Outcome], applied: bool,
               relayed: bool, help_wanted: bool, config: Config, now: datetime) -> OutgoingMail:
    """What a technician's commands did, to the technician's configured address, in the
    ticket's team thread."""
    lang = config.mail.language
    state = {}
    if ticket is not None:
        state = dict(requester=ticket.requester, subject=ticket.subject,
                     tracking_url=tracking_url(ticket, config), assignee=ticket.assignee,
                     **_ticket_words(ticket, lang))
    body = compose.render(
        "transcript", lang, tag=format_tag(ticket.number, config.mail.tag_prefix)
        if ticket else "", lines=[(o.line, outcome_text(o, lang)) for o in outcomes],
        applied=applied, relayed=relayed, help_wanted=help_wanted or not applied,
        ticket=ticket is not None, **state)
    title = "Commandes" if lang == "fr" else "Commands"
    subject = _team_subject(ticket, title, lang, config) if ticket else (
        "Commandes refusées" if lang == "fr" else "Commands refused")
    draft = _draft("transcript", ticket, config, now, to=[technician], subject=subject,
                   body=body, thread=team_thread(ticket, config) if ticket else (None, ()),
                   auto_submitted="auto-replied", reply_to=config.bot_address)
    return _outgoing("transcript", ticket, draft, now)


def oversize_notice(msg: ParsedMessage, *, to: str, size: int, limit_mb: float,
                    config: Config, now: datetime) -> OutgoingMail:
    """To the sender of a message over `mailbox.max_message_mb` (RELIABILITY M04), at `to`
    (loopguard.answer_address): it was not recorded; about no ticket, in the configured
    language."""
    lang = config.mail.language
    echo = subject_echo(msg.subject_raw or "")
    body = compose.render("oversize", lang, subject=echo, size=f"{size / 1024 / 1024:.1f} MB",
                          limit=f"{limit_mb:g} MB", organisation=config.mail.organisation)
    title = {"fr": "Message trop volumineux", "en": "Message too large"}[lang]
    thread = (msg.message_id, (msg.message_id,)) if msg.message_id else (None, ())
    draft = _draft("oversize", None, config, now, to=[to],
                   subject=f"{title} : {echo}" if lang == "fr" else f"{title}: {echo}",
                   body=body, thread=thread, auto_submitted="auto-replied")
    return _outgoing("oversize_notice", None, draft, now)


def unauthenticated(ticket: Ticket | None, msg: ParsedMessage, *, technician: str,
                    verdict: str, config: Config, now: datetime) -> list[OutgoingMail]:
    """A mail in a technician's name that failed authentication: the team is warned, and the
    technician hears of it at their configured address (never a Reply-To the mail chose)."""
    lang = config.mail.language
    tag = format_tag(ticket.number, config.mail.tag_prefix) if ticket else ""
    context = dict(tag=tag, technician=technician, verdict=verdict, subject=msg.subject_raw,
                   message_id=msg.message_id or "", commands=msg.commands, text=msg.text[:2000])
    title = _HEADLINES["unauthenticated"][lang]
    mails = []
    for to, template in ((config.team_address, "unauthenticated_team"),
                         (technician, "unauthenticated_technician")):
        body = compose.render(template, lang, **context)
        subject = f"{tag} {title}".strip()
        draft = _draft("unauthenticated", ticket, config, now, to=[to], subject=subject,
                       body=body, auto_submitted="auto-generated",
                       thread=team_thread(ticket, config) if ticket else (None, ()))
        mails.append(_outgoing("unauthenticated", ticket, draft, now))
    return mails
