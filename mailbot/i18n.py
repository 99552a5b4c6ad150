"""What the requester reads, in French (the default) and English: UI strings, labels, dates.

Shared by the tracking page and the mail templates, so that a status or a priority has the same
name everywhere. Strings are plain text: the HTML templates escape them like any other value.
Some strings carry `{placeholders}` for `str.format`; only ever format them with our own values
(numbers, other labels), never with email-derived text, which is rendered next to them instead.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

DEFAULT_LANGUAGE = "fr"
LANGUAGES = ("fr", "en")

_STRINGS: dict[str, dict[str, str]] = {
    "ticket.heading": {"fr": "Demande n° {number}", "en": "Ticket #{number}"},
    "ticket.summary": {"fr": "Résumé", "en": "Summary"},
    "ticket.no_subject": {"fr": "(sans objet)", "en": "(no subject)"},
    "field.subject": {"fr": "Objet", "en": "Subject"},
    "field.status": {"fr": "État", "en": "Status"},
    "field.priority": {"fr": "Priorité", "en": "Priority"},
    "field.type": {"fr": "Type", "en": "Type"},
    "field.program": {"fr": "Logiciel concerné", "en": "Program"},
    "field.created": {"fr": "Créée le", "en": "Opened"},
    "field.updated": {"fr": "Mise à jour le", "en": "Last updated"},
    "value.none": {"fr": "Non précisé", "en": "Not specified"},
    "priority.none": {"fr": "Non définie", "en": "Not set"},
    "urgent.requested": {"fr": "URGENT demandé", "en": "URGENT requested"},
    "urgent.demoted": {"fr": "URGENT déclassé", "en": "URGENT demoted"},
    "urgent.reason": {"fr": "Motif\u00a0:", "en": "Reason:"},
    "sla.heading": {"fr": "Engagements de délai", "en": "Service targets"},
    "sla.target": {"fr": "Engagement", "en": "Target"},
    "sla.due": {"fr": "Échéance", "en": "Due"},
    "sla.done": {"fr": "Réalisé le", "en": "Done on"},
    "sla.state": {"fr": "Statut", "en": "Status"},
    "sla.first_response": {"fr": "Première réponse", "en": "First response"},
    "sla.resolution": {"fr": "Résolution", "en": "Resolution"},
    "sla.met": {"fr": "Respecté", "en": "Met"},
    "sla.missed": {"fr": "Dépassé", "en": "Missed"},
    "sla.pending": {"fr": "En cours", "en": "Pending"},
    "sla.overdue": {"fr": "En retard", "en": "Overdue"},
    "sla.no_target": {"fr": "Sans engagement", "en": "No target"},
    "sla.paused": {"fr": "En pause : en attente de votre réponse",
                   "en": "Paused: waiting for your answer"},
    # The requester confirmed it works again; a technician will close it (day 6).
    "sla.confirmed": {"fr": "En pause : vous avez confirmé que c'est résolu",
                      "en": "Paused: you confirmed it is resolved"},
    "sla.zone": {"fr": "Heures données dans le fuseau", "en": "Times are given in time zone"},
    "history.heading": {"fr": "Historique", "en": "History"},
    "history.empty": {"fr": "Aucun message pour l'instant.", "en": "No messages yet."},
    "history.attachments": {"fr": "Pièces jointes", "en": "Attachments"},
    "history.no_text": {"fr": "(message sans texte)", "en": "(no text)"},
    "author.support": {"fr": "Service support", "en": "Support team"},
    # A request-kind message whose author is not the requester: a colleague in the thread.
    "kind.participant": {"fr": "Message d'un participant", "en": "Message from a participant"},
    "kind.reopened": {"fr": "Ticket rouvert", "en": "Ticket reopened"},
    "history.reopened": {"fr": "Le service informatique a rouvert ce ticket : il est de nouveau "
                                "en cours de traitement.",
                         "en": "The IT department reopened this ticket: it is being worked on "
                               "again."},
    "history.written": {"fr": "écrit le {date}", "en": "written {date}"},
    "page.readonly": {
        "fr": "Cette page est en lecture seule. Pour compléter votre demande, répondez "
        "simplement au dernier e-mail reçu à son sujet.",
        "en": "This page is read-only. To add to your ticket, simply reply to the last "
        "email you received about it.",
    },
    "page.private": {
        "fr": "Ce lien est personnel : ne le transmettez pas, il donne accès à votre demande.",
        "en": "This link is personal: do not pass it on, it gives access to your ticket.",
    },
    "page.other_language": {"fr": "English", "en": "Français"},
    # The data's age (RELIABILITY O13): when the daemon last completed a pass.
    "page.as_of": {"fr": "Informations à jour au {date}.", "en": "Information as of {date}."},
    "page.stale": {
        "fr": "Ce suivi n'est peut-être pas à jour : les messages n'ont pas été relevés "
        "depuis plus de {minutes} minutes.",
        "en": "This follow-up may not be up to date: mail has not been collected for more "
        "than {minutes} minutes.",
    },
    "page.stale_unknown": {"fr": "Ce suivi n'est peut-être pas à jour.",
                           "en": "This follow-up may not be up to date."},
    "notfound.title": {"fr": "Page introuvable", "en": "Page not found"},
    "notfound.body": {
        "fr": "Ce lien de suivi n'est pas valide ou n'est plus disponible. Vérifiez qu'il a "
        "été copié en entier depuis l'e-mail reçu.",
        "en": "This tracking link is not valid or no longer available. Check that it was "
        "copied in full from the email you received.",
    },
    "toomany.title": {"fr": "Trop de demandes", "en": "Too many requests"},
    "toomany.body": {
        "fr": "Trop de demandes en peu de temps. Réessayez dans une minute.",
        "en": "Too many requests in a short time. Please try again in a minute.",
    },
    "notallowed.title": {"fr": "Opération impossible", "en": "Not allowed"},
    "notallowed.body": {
        "fr": "Cette page se consulte seulement ; elle ne peut pas être modifiée.",
        "en": "This page can only be viewed, not changed.",
    },
    "error.title": {"fr": "Service indisponible", "en": "Service unavailable"},
    "error.body": {
        "fr": "Le suivi des demandes est momentanément indisponible. Réessayez plus tard.",
        "en": "Ticket tracking is unavailable at the moment. Please try again later.",
    },
}

# Tables of labels for stored values, by language then value: STATUS_LABELS["en"]["waiting"].
STATUS_LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "new": "Nouvelle",
        "open": "En cours de traitement",
        "waiting": "En attente de votre réponse",
        "closed": "Clôturée",
    },
    "en": {
        "new": "New",
        "open": "In progress",
        "waiting": "Waiting for your reply",
        "closed": "Closed",
    },
}
# The same statuses as the team speaks of them (notices, transcripts, digests).
TEAM_STATUS_LABELS: dict[str, dict[str, str]] = {
    "fr": {"new": "nouveau", "open": "en cours", "waiting": "en attente du demandeur",
           "closed": "clos"},
    "en": {"new": "new", "open": "open", "waiting": "waiting for the requester",
           "closed": "closed"},
}
PRIORITY_LABELS: dict[str, dict[str, str]] = {
    "fr": {"P1": "P1 – critique", "P2": "P2 – haute", "P3": "P3 – normale", "P4": "P4 – basse"},
    "en": {"P1": "P1 – critical", "P2": "P2 – high", "P3": "P3 – normal", "P4": "P4 – low"},
}
TYPE_LABELS: dict[str, dict[str, str]] = {
    "fr": {"incident": "Incident", "request": "Demande", "information": "Information"},
    "en": {"incident": "Incident", "request": "Request", "information": "Information"},
}
KIND_LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "request": "Message du demandeur",
        "reply": "Réponse du support",
        "phone_call": "Appel téléphonique",
        "internal_note": "Note interne",
        "automatic": "Message automatique",
        "escalation": "Escalade",
        "delivery_failure": "Échec de distribution",
    },
    "en": {
        "request": "Requester's message",
        "reply": "Support reply",
        "phone_call": "Phone call",
        "internal_note": "Internal note",
        "automatic": "Automatic message",
        "escalation": "Escalation",
        "delivery_failure": "Delivery failure",
    },
}
# Languages by name, in each language: LANGUAGE_LABELS["fr"]["en"] == "anglais".
LANGUAGE_LABELS: dict[str, dict[str, str]] = {
    "fr": {"fr": "français", "en": "anglais"},
    "en": {"fr": "French", "en": "English"},
}
CHANNEL_LABELS: dict[str, dict[str, str]] = {
    "fr": {"email": "E-mail", "phone": "Téléphone"},
    "en": {"email": "Email", "phone": "Phone"},
}

_MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}
_WEEKDAYS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
_SIZE_UNITS = {"fr": ["octets", "Ko", "Mo", "Go"], "en": ["bytes", "KB", "MB", "GB"]}


def language(lang: str | None) -> str | None:
    """The supported language `lang` names ("en", "EN", "en-GB", "fr_CA"), or None."""
    if not lang:
        return None
    base = lang.strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


def _lang(lang: str) -> str:
    return language(lang) or DEFAULT_LANGUAGE


def t(key: str, lang: str) -> str:
    """The UI string `key` in `lang` (French for an unsupported language).

    An unknown key raises KeyError: a typo in a template must fail its tests, not show a blank.
    """
    return _STRINGS[key][_lang(lang)]


def label(table: dict[str, dict[str, str]], value: str | None, lang: str) -> str:
    """The label of a stored value in one of the tables above; the value itself if unlisted
    (types and categories are free strings in rules.toml), "not specified" if empty."""
    if not value:
        return t("value.none", lang)
    return table[_lang(lang)].get(value, value)


def priority_text(priority: str | None, lang: str) -> str:
    """"P2 – haute" for a mail, or "" for a ticket without priority (information): the
    templates then leave the clause out or say "aucune", never "Non précisé" mid-line."""
    return label(PRIORITY_LABELS, priority, lang) if priority else ""


def format_date(iso: str, lang: str, *, tz: tzinfo | None = None) -> str:
    """An ISO 8601 date for people: "lundi 23 novembre 2026 à 09:05" / "Monday 23 November
    2026, 09:05".

    Shown in the offset it was stored with, or converted to `tz` when given. Text that does not
    parse is returned as it is: a page with one odd date beats a page that fails to render.
    """
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or ""
    if tz is not None and moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    code = _lang(lang)
    day = f"{_WEEKDAYS[code][moment.weekday()]} {moment.day} {_MONTHS[code][moment.month - 1]}"
    clock = f"{moment.hour:02d}:{moment.minute:02d}"
    if code == "fr":
        return f"{day} {moment.year} à {clock}"
    return f"{day} {moment.year}, {clock}"


def weekday(moment: datetime, lang: str) -> str:
    return _WEEKDAYS[_lang(lang)][moment.weekday()]


def month(moment: datetime, lang: str) -> str:
    return _MONTHS[_lang(lang)][moment.month - 1]


def format_size(size: int, lang: str) -> str:
    """A file size for people, in powers of 1024 as file managers show them: "1,5 Mo"."""
    code = _lang(lang)
    units = _SIZE_UNITS[code]
    value = float(max(size, 0))
    unit = 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        return f"{int(value)} {units[0]}"
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    if code == "fr":
        text = text.replace(".", ",")
    return f"{text} {units[unit]}"


_VERDICTS = (
    (re.compile(r"^technician, NOT authenticated: the From field is ambiguous.*$"),
     {"fr": "non authentifié : le champ From est ambigu (plusieurs adresses ou une adresse "
            "mal formée)",
      "en": "not authenticated: the From field is ambiguous (several addresses or a "
            "malformed one)"}),
    (re.compile(r"^technician, NOT authenticated: no Authentication-Results from (?P<x>.+)$"),
     {"fr": "non authentifié : aucun résultat d'authentification (Authentication-Results) "
            "de {x}",
      "en": "not authenticated: no Authentication-Results from {x}"}),
    (re.compile(r"^technician, NOT authenticated: (?P<x>\S+) says (?P<y>.+)$"),
     {"fr": "non authentifié : {x} indique {y}", "en": "not authenticated: {x} says {y}"}),
)


def verdict_text(verdict: str, lang: str) -> str:
    """people.identify's verdict (an English log line) as a warning mail says it (issue 16 §9:
    "Vérification : technician, NOT authenticated" in a French mail)."""
    for pattern, words in _VERDICTS:
        if found := pattern.match(verdict):
            return words[_lang(lang)].format(**found.groupdict())
    return verdict
