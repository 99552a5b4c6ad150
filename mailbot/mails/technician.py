"""The mails to one technician: the transcript of their commands, the notice that their mail
was too large or failed authentication."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mailbot import compose, i18n
from mailbot.commands import Outcome
from mailbot.config import Config
from mailbot.mails.base import (
    _draft,
    _outgoing,
    _team_subject,
    requester_words,
    team_thread,
    tracking_url,
)
from mailbot.mails.requester import subject_echo
from mailbot.mails.team import _HEADLINES, _ticket_words
from mailbot.model import OutgoingMail, Ticket
from mailbot.parsers import ParsedMessage
from mailbot.tags import format_tag

OUTCOMES: dict[str, dict[str, str]] = {
    "close": {"fr": "fait : ticket clôturé", "en": "done: ticket closed"},
    "reopen": {"fr": "fait : ticket rouvert", "en": "done: ticket reopened"},
    "priority": {"fr": "fait : priorité {}", "en": "done: priority {}"},
    "type": {"fr": "fait : type {}", "en": "done: type {}"},
    "assign": {"fr": "fait : attribué à {}", "en": "done: assigned to {}"},
    "note": {"fr": "fait : note interne (le demandeur ne la voit pas)",
             "en": "done: internal note (the requester never sees it)"},
    "demote": {"fr": "fait : URGENT retiré, la priorité passe à {}",
               "en": "done: URGENT removed, the priority is now {}"},
    "demote_kept_vip": {"fr": "fait : URGENT retiré ; la priorité reste {}, le plancher d'un "
                              "VIP : rien n'a baissé, pas d'avis au demandeur",
                        "en": "done: URGENT removed; the priority stays {}, a VIP's floor: "
                              "nothing was lowered, no notice to the requester"},
    "demote_kept": {"fr": "fait : URGENT retiré ; la priorité reste {}, celle des règles sans "
                          "URGENT : rien n'a baissé, pas d'avis au demandeur",
                    "en": "done: URGENT removed; the priority stays {}, the rules' own without "
                          "URGENT: nothing was lowered, no notice to the requester"},
    "escalate": {"fr": "fait : escalade enregistrée, l'équipe est prévenue",
                 "en": "done: escalation recorded, the team is told"},
    "requester": {"fr": "fait : demandeur {}", "en": "done: requester {}"},
    "phone": {"fr": "fait : appel téléphonique consigné", "en": "done: phone call logged"},
    "language": {"fr": "fait : le demandeur reçoit désormais ses messages dans la langue "
                       "« {} », retenue pour ses prochains tickets",
                 "en": "done: the requester now gets their mail in language \"{}\", kept "
                       "for their next tickets"},
    "bad_language": {"fr": "refusé : « {} » n'est pas une langue connue (fr ou en)",
                     "en": "refused: \"{}\" is not a known language (fr or en)"},
    "help": {"fr": "fait : aide ci-dessous", "en": "done: help below"},
    "unknown": {"fr": "refusé : commande inconnue", "en": "refused: unknown command"},
    "stray": {"fr": "refusé : ligne en # sous le texte, qui n'est pas une commande ; si c'est "
                    "votre signature, placez une ligne « -- » au-dessus ou retirez le #",
              "en": "refused: a # line below the text that is no command; if it is your "
                    "signature, put a \"-- \" line above it or drop the #"},
    "misplaced": {"fr": "refusé : commande placée après le texte ; les commandes vont en tête "
                        "du message, après une ligne de salutation au plus",
                  "en": "refused: a command below the text; commands go at the top of the "
                        "mail, after one greeting line at most"},
    "top_level": {"fr": "refusé : le ticket est déjà au dernier niveau d'escalade ({}), "
                        "déjà prévenu",
                  "en": "refused: the ticket is already at the last escalation level ({}), "
                        "already told"},
    "request_no_p1": {"fr": "refusé : une demande ne va pas au-delà de P2 (procédure SLA) ; "
                            "P1 est réservé aux incidents",
                      "en": "refused: a request goes no higher than P2 (the SLA procedure); "
                            "P1 is for incidents"},
    "already_closed": {"fr": "refusé : le ticket est déjà clôturé",
                       "en": "refused: the ticket is already closed"},
    "not_closed": {"fr": "refusé : le ticket n'est pas clôturé",
                   "en": "refused: the ticket is not closed"},
    "bad_priority": {"fr": "refusé : « {} » n'est pas une priorité (P1 à P4)",
                     "en": "refused: \"{}\" is not a priority (P1 to P4)"},
    "bad_type": {"fr": "refusé : « {} » n'est pas un type (incident, demande, information ; "
                       "une priorité P1 à P4 peut suivre, pas de P1 pour une demande)",
                 "en": "refused: \"{}\" is not a type (incident, request, information; a "
                       "priority P1 to P4 may follow, no P1 for a request)"},
    "unknown_technician": {"fr": "refusé : « {} » n'est pas un technicien (ou « me »)",
                           "en": "refused: \"{}\" is not a technician (or \"me\")"},
    "no_urgent": {"fr": "refusé : le demandeur n'a pas demandé URGENT",
                  "en": "refused: the requester did not ask for URGENT"},
    "already_demoted": {"fr": "sans effet : URGENT déjà déclassé sur ce ticket",
                        "en": "no effect: URGENT already demoted on this ticket"},
    "same_priority": {"fr": "sans effet : le ticket est déjà en priorité {}",
                      "en": "no change: the ticket already has priority {}"},
    "same_type": {"fr": "sans effet : le ticket est déjà de type {}",
                  "en": "no change: the ticket already is of type {}"},
    "same_assignee": {"fr": "sans effet : le ticket est déjà attribué à {}",
                      "en": "no change: the ticket is already assigned to {}"},
    "same_requester": {"fr": "sans effet : {} est déjà le demandeur",
                       "en": "no change: {} already is the requester"},
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
    "merge": {"fr": "fait : ticket fusionné dans {}, son historique y est ajouté",
              "en": "done: ticket merged into {}, its history added there"},
    "merge_bad": {"fr": "refusé : {} (#merge suivi du numéro du ticket à garder, seul dans "
                        "le message avec un texte éventuel, ni un autre ticket ni une autre "
                        "commande)",
                  "en": "refused: {} (#merge followed by the number of the ticket to keep, "
                        "alone in the mail with an optional text)"},
}


_TYPES = {"fr": {"request": "demande"}, "en": {}}

# What each mail a technician's commands sent the requester is, in their transcript: said from
# the mails that went, never from what the commands were expected to send (day 4: "le
# demandeur est prévenu" then "Rien n'a été envoyé au demandeur." of one closure mail).
_SENT: dict[str, dict[str, str]] = {
    "closure": {"fr": "le message de clôture", "en": "the closure mail"},
    "relay": {"fr": "votre texte", "en": "your text"},
    "demotion": {"fr": "l'avis que son URGENT est retiré",
                 "en": "the notice that their URGENT is removed"},
    "acknowledgement": {"fr": "l'accusé de réception", "en": "the acknowledgement"},
    "merged": {"fr": "l'avis que son message est ajouté à sa demande ouverte #{}",
               "en": "the notice that their message was added to their open request #{}"},
}
_WITH_TEXT = {"fr": ", avec votre texte", "en": ", with your text"}


def mails_requester(mail: OutgoingMail, ticket: Ticket) -> bool:
    """A mail to the ticket's requester; for a mass incident, to its reporters (closures)."""
    if ticket.children:
        return mail.kind in _TO_REQUESTER
    return bool({ticket.requester, ticket.reply_to} & set(mail.recipients))


def requester_mails(sent: Sequence[OutgoingMail], *, relayed: bool, lang: str) -> list[str]:
    """"le message de clôture, avec votre texte, à claire@…" for each mail to the requester."""
    to = {"fr": "à", "en": "to"}[lang]
    lines = []
    for mail in sent:
        if mail.kind not in _SENT:
            continue
        what = _SENT[mail.kind][lang].format(mail.ticket)
        if relayed and mail.kind == "closure":
            what += _WITH_TEXT[lang]
        lines.append(f"{what}, {to} {', '.join(mail.recipients)}")
    return lines


_TO_REQUESTER = ("closure", "relay", "demotion", "acknowledgement")


def other_mails(sent: Sequence[OutgoingMail], ticket: Ticket | None, *, lang: str) -> list[str]:
    """The other mails a technician's commands sent, to staff (an escalation notice, the
    previous assignee) or to a mass incident's reporters: « subject », to whom (day 6 §7,
    §10: a notice to the supervisor the transcript did not name)."""
    to = {"fr": "à", "en": "to"}[lang]
    lines = []
    for mail in sent:
        if mail.kind in ("transcript", "team_notice") or (
                ticket is not None and mails_requester(mail, ticket)):
            continue  # the team's own notices are the team's thread, not news to the sender
        subject = f"« {mail.subject} »" if lang == "fr" else f'"{mail.subject}"'
        lines.append(f"{subject}, {to} {', '.join(mail.recipients)}")
    return lines


def outcome_text(outcome: Outcome, lang: str) -> str:
    value = outcome.value
    if outcome.code in ("type", "same_type") and value:  # "request P3" is "demande P3"
        type_, _, priority = value.partition(" ")
        value = " ".join(p for p in (_TYPES[lang].get(type_, type_), priority) if p)
    if outcome.done and (outcome.code.startswith("demote")
                         or outcome.code == "same_priority"):  # "P2" is "P2 – haute"
        value = i18n.label(i18n.PRIORITY_LABELS, value, lang)
    return OUTCOMES[outcome.code][lang].format(value)


_HELP_SUBJECT = {"fr": "Aide : commandes du support", "en": "Help: support commands"}


def transcript(ticket: Ticket | None, *, technician: str, outcomes: list[Outcome], applied: bool,
               relayed: bool, help_wanted: bool, config: Config, now: datetime,
               sent: Sequence[OutgoingMail] = ()) -> OutgoingMail:
    """What a technician's commands did, to the technician's configured address, in the
    ticket's team thread. `sent`: the mails of the same pass; those to the requester are
    named, with their recipients (`relayed`: the technician's text is in them). A mail that
    asks only for the help (every command #help, nothing sent) gets the help as its answer."""
    lang = config.mail.language
    help_only = bool(outcomes) and not sent and all(o.code == "help" for o in outcomes)
    state = {}
    if ticket is not None:
        # A mass incident's reports are who it is for (requester_words says so).
        state = dict(requester_words(ticket, lang), subject=ticket.subject,
                     tracking_url=tracking_url(ticket, config), assignee=ticket.assignee,
                     **_ticket_words(ticket, lang))
    body = compose.render(
        "transcript", lang, tag=format_tag(ticket.number, config.mail.tag_prefix)
        if ticket else "", lines=[(o.line, outcome_text(o, lang)) for o in outcomes],
        applied=applied, mass=bool(ticket and ticket.children), to_requester=requester_mails(
            [m for m in sent if ticket is None or mails_requester(m, ticket)], relayed=relayed,
            lang=lang), to_others=other_mails(sent, ticket, lang=lang),
        help_wanted=help_wanted or not applied, help_only=help_only,
        ticket=ticket is not None, **state)
    # A plain answer to a mass incident (no command) is told what went to its reporters.
    titles = {"fr": "Commandes", "en": "Commands"} if outcomes else {
        "fr": "Votre réponse", "en": "Your answer"}
    title = titles[lang]
    subject = _team_subject(ticket, title, lang, config) if ticket else (
        "Commandes refusées" if lang == "fr" else "Commands refused")
    if help_only and ticket is None:  # "#aide" alone asks for the help, refuses nothing
        subject = _HELP_SUBJECT[lang]
    draft = _draft("transcript", ticket, config, now, to=[technician], subject=subject,
                   body=body, thread=team_thread(ticket, config) if ticket else (None, ()),
                   auto_submitted="auto-replied", reply_to=config.bot_address)
    return _outgoing("transcript", ticket, draft, now)


def oversize_notice(msg: ParsedMessage, *, to: str, size: int, limit_mb: float,
                    config: Config, now: datetime, lang: str | None = None) -> OutgoingMail:
    """To the sender of a message over `mailbox.max_message_mb` (RELIABILITY M04), at `to`
    (loopguard.answer_address): it was not recorded; about no ticket, in `lang` (the
    sender's, as far as a header tells it) or the configured language."""
    lang = lang or config.mail.language
    echo = subject_echo(msg.subject_raw or "")
    # Sizes as the reader's file manager writes them: "2,1 Mo" in French (issue 16 §9).
    limit = i18n.format_size(int(limit_mb * 1024 * 1024), lang)
    body = compose.render("oversize", lang, subject=echo, size=i18n.format_size(size, lang),
                          limit=limit, organisation=config.mail.organisation)
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
    context = dict(tag=tag, technician=technician, verdict=i18n.verdict_text(verdict, lang),
                   subject=msg.subject_raw,
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


def reassigned(ticket: Ticket, *, previous: str, author: str, config: Config,
               now: datetime) -> OutgoingMail:
    """To the technician a ticket was assigned to, when another takes it (day 6 §11)."""
    lang = config.mail.language
    tz = config.time.calendar.tz
    body = compose.render("reassigned", lang, tag=format_tag(ticket.number,
                                                             config.mail.tag_prefix),
                          author=author, assignee=ticket.assignee,
                          date=i18n.format_date(now.isoformat(), lang, tz=tz),
                          subject=ticket.subject, tracking_url=tracking_url(ticket, config),
                          zone=tz.key, **requester_words(ticket, lang),
                          **_ticket_words(ticket, lang))
    title = (f"Attribué à {ticket.assignee}" if lang == "fr"
             else f"Assigned to {ticket.assignee}")
    draft = _draft("reassigned", ticket, config, now, to=[previous],
                   subject=_team_subject(ticket, title, lang, config), body=body,
                   thread=team_thread(ticket, config), auto_submitted="auto-generated",
                   reply_to=config.bot_address)
    return _outgoing("reassigned", ticket, draft, now)
