"""Other helpdesks' automatic mail: the acknowledgement a ticketing system (Zendesk, Freshdesk,
ServiceNow, Jira Service Management, GLPI, osTicket, OTRS/Znuny, Request Tracker, Zammad,
Help Scout, Freshservice) sends when our mail reaches it. Answering it would open a ticket there
that acknowledges ours again: the ping-pong RFC 3834 §3.1.8 warns of. Such a mail is automatic
when the system names itself in its headers, or when a role address (support@, helpdesk@...)
answers a mail of ours with a foreign ticket tag or an acknowledgement's wording in its own
text; a person writing from a role address with neither keeps an answer. A CRM's case
acknowledgement (Salesforce Email-to-Case, ServiceNow, Dynamics 365) answers no mail of ours at
times: its case thread token, or a role address announcing the case in its subject, with the
acknowledgement's wording, says a system wrote it; a salesperson's mail carries neither."""

from __future__ import annotations

import re

from mailbot.parsers.body import clean_body
from mailbot.parsers.machine.facts import Facts
from mailbot.parsers.wording import acknowledgement_wording, ticket_opened_wording

# Header names the systems stamp on their mail (their documented or known fields).
_VENDOR_PREFIXES = ("x-zendesk-", "x-freshdesk-", "x-freshservice-", "x-servicenow-",
                    "x-jira-", "x-atlassian-", "x-glpi-", "x-otrs-", "x-znuny-", "x-zammad-",
                    "x-helpscout-", "x-osticket-", "rt-ticket", "rt-originator", "x-rt-")
# Not CRMs' fields (X-HubSpot-Sales, X-SFDC-*): salespeople and agents write through them too;
# their acknowledgements are read by the role address and the wording below.
# Their X-Mailer values, and Message-IDs under their own names.
_VENDOR_NAMES = re.compile(
    r"zendesk|freshdesk|freshservice|servicenow|service-now|jira|atlassian|\bglpi\b|osticket|"
    r"\botrs\b|znuny|request tracker|\brt \d|zammad|help ?scout", re.IGNORECASE)
_ROLE = re.compile(
    r"^(?:it[._-]?)?(?:support|helpdesk|help[._-]desk|help|servicedesk|service[._-]desk|"
    r"hotline|assistance|tickets?|sav|customer[._-]?(?:care|service)|service[._-]client|"
    r"services?|care|customers?|clients?|serviceclient|relation[._-]?client)"
    r"(?:[._+-].*)?$", re.IGNORECASE)
# Ticket tags of other systems: osTicket/Zendesk "[#12345]", OTRS/Znuny/Zammad "[Ticket#2024...]",
# "Request #123", RT "[example.com #123]", a Jira key "[ITSM-123]", ServiceNow's INC/RITM numbers.
_FOREIGN_TAG = re.compile(
    r"\[#\d+\]|ticket\s*#\s*\d+|\b(?:request|demande|ticket|case|incident)\s*(?:#|n[°o]\.?)\s*"
    r"\d+|\[[\w.-]+\s+#\d+\]|\[[A-Z][A-Z0-9]{1,9}-\d+\]|\b(?:INC|RITM|REQ|SCTASK)\d{5,}\b",
    re.IGNORECASE)
_OUR_ID = re.compile(r"<mailbot\.t(\d{1,9})\.")
# The thread tokens CRMs' case modules put in their case mail so that an answer finds its case:
# Salesforce Email-to-Case ("ref:_00D..._500...:ref", Lightning threading "ref:!00D...!500...:ref";
# 00D is an organisation's key prefix, 500 a Case's), ServiceNow's watermark ("Ref:MSG0012345"),
# Dynamics 365's tracking token ("CRM:0001234"). A salesperson's mail carries none of them.
_CASE_THREAD = re.compile(r"\bref:[_!]00D\w{5,}\.?[_!]500\w{5,}:ref\b|\bRef:MSG\d{7,}\b|"
                          r"\bCRM:\d{7,}\b")
# A subject announcing that a case was opened: "Case 00012345 created", "Ticket #881 opened",
# "Demande 4410 enregistrée", "[Case: 12345] received".
_CASE_OPENED_SUBJECT = re.compile(
    r"\b(?:case|ticket|request|incident|demande|dossier)\W{0,3}(?:#|n[°o]\.?|number)?\W{0,2}"
    r"[A-Z0-9-]*\d{3,}\W{0,3}(?:has been |a [ée]t[ée] )?(?:created|opened|received|logged|"
    r"registered|cr[ée]{2}e?|ouverte?|re[çc]ue?|enregistr[ée]e?)\b", re.IGNORECASE)


def vendor_ticketing(f: Facts) -> str | None:
    """The system names itself: one of its own headers, its X-Mailer, its Message-ID."""
    name = f.any_prefixed(_VENDOR_PREFIXES)
    if name:
        return f"{name} header (a ticketing system)"
    for name in ("X-Mailer", "User-Agent", "X-Generated-By", "Message-ID"):
        value = f.has(name) and str(f.message.get(name, ""))
        found = value and _VENDOR_NAMES.search(value)
        if found:
            return f"{name} names a ticketing system: {found.group(0)}"
    return None


def _ours_answered(f: Facts) -> set[str]:
    """The ticket numbers of our own mails this one answers (In-Reply-To, References)."""
    text = f"{f.header('In-Reply-To')} {f.header('References')}"
    return set(_OUR_ID.findall(text))


def case_acknowledgement(f: Facts) -> str | None:
    """A CRM's or helpdesk's acknowledgement that opened a case for a mail, whether or not it
    answers one of ours (Email-to-Case answers the employee's copy, or none): its own text says
    a case was opened, and the case's thread token or a role address announcing it in the
    subject says a system wrote it."""
    # the cheap signs first: most mail has neither, and its text is then not cleaned here
    token = _CASE_THREAD.search(f.subject) or _CASE_THREAD.search(f.body)
    announced = not token and _ROLE.match(f.sender.split("@", 1)[0]) and (
        _CASE_OPENED_SUBJECT.search(f.subject))
    if not (token or announced):
        return None
    own = clean_body(f.body).text  # what it says itself, not a mail it quotes
    if token and not (_CASE_THREAD.search(f.subject) or _CASE_THREAD.search(own)):
        return None
    wording = ticket_opened_wording(own) or acknowledgement_wording(own)
    if not wording:
        return None
    if token:
        return f"a case acknowledgement ({wording!r}) with a CRM's thread token"
    return f"a role address announcing a case opened ({wording!r})"


def role_acknowledgement(f: Facts) -> str | None:
    """A role address answering our mail with a foreign ticket tag or an acknowledgement."""
    if not _ROLE.match(f.sender.split("@", 1)[0]):
        return None
    ours = _ours_answered(f)
    if not ours:
        return None
    tag = _FOREIGN_TAG.search(f.subject)
    if tag and not any(f"#{number}]" in tag.group(0) for number in ours):
        return f"a role address answering our mail under a foreign ticket tag {tag.group(0)!r}"
    own = clean_body(f.body).text  # what it says itself, not our quoted mail
    found = ticket_opened_wording(own) or acknowledgement_wording(own)
    if found:
        return f"a role address acknowledging our mail: {found!r}"
    return None
