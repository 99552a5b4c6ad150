"""Other helpdesks' automatic mail: the acknowledgement a ticketing system (Zendesk, Freshdesk,
ServiceNow, Jira Service Management, GLPI, osTicket, OTRS/Znuny/OTOBO, Request Tracker, Zammad,
Help Scout, Freshservice, iTop, EasyVista, Ivanti, ManageEngine ServiceDesk Plus, TOPdesk,
Cherwell, SolarWinds Web Help Desk, Spiceworks, Kayako, HappyFox, Zoho Desk, BMC Remedy/Helix,
Axios Assyst, Octopus...) sends when our mail reaches it. Answering it would open a ticket there
that acknowledges ours again: the ping-pong RFC 3834 §3.1.8 warns of. Such a mail is automatic
when the system names itself in its headers, or when a role address (support@, helpdesk@...)
answers a mail of ours with a foreign ticket tag or an acknowledgement's wording in its own
text; a person writing from a role address with neither keeps an answer. A CRM's case
acknowledgement (Salesforce Email-to-Case, ServiceNow, Dynamics 365) answers no mail of ours at
times: its case thread token, or a role address announcing the case in its subject, with the
acknowledgement's wording, says a system wrote it; a salesperson's mail carries neither. And
a role or no-reply address that answers no mail of ours, but says in its own words that a
request was created or received under a ticket reference (iTop's "R-001234", ServiceNow's
"INC0012345"), is the acknowledgement of a system that its administrator set up without any
RFC 3834 field; a person there writes in the first person, or says nothing of the kind."""

from __future__ import annotations

import re

from mailbot.parsers.body import clean_body
from mailbot.parsers.machine.facts import Facts
from mailbot.parsers.subject import is_forward_subject
from mailbot.parsers.wording import acknowledgement_wording, ticket_opened_wording

# Header names the systems stamp on their mail (their documented or known fields).
_VENDOR_PREFIXES = ("x-zendesk-", "x-freshdesk-", "x-freshservice-", "x-servicenow-",
                    "x-jira-", "x-atlassian-", "x-glpi-", "x-otrs-", "x-znuny-", "x-zammad-",
                    "x-helpscout-", "x-osticket-", "rt-ticket", "rt-originator", "x-rt-",
                    # fields named after the other systems (iTop/Combodo, OTOBO, Kayako...)
                    "x-itop-", "x-combodo-", "x-otobo-", "x-kayako-", "x-happyfox-",
                    "x-easyvista-", "x-topdesk-", "x-cherwell-", "x-spiceworks-", "x-assyst-")
# Not CRMs' fields (X-HubSpot-Sales, X-SFDC-*): salespeople and agents write through them too;
# their acknowledgements are read by the role address and the wording below.
# Their X-Mailer values, and Message-IDs under their own names.
# iTop's notifications: "<iTop_UserRequest_123_1761234567.123400@production.openitop.org>".
_VENDOR_NAMES = re.compile(
    r"zendesk|freshdesk|freshservice|servicenow|service-now|jira|atlassian|\bglpi\b|osticket|"
    r"\botrs\b|znuny|\botobo\b|request tracker|\brt \d|zammad|help ?scout|\bitop_\w+_\d+_|"
    r"openitop|\bcombodo\b|easyvista|topdesk|cherwell|spiceworks|kayako|happyfox|zoho ?desk|"
    r"manageengine|servicedesk ?plus|sdpondemand|web ?help ?desk|solarwinds|\bassyst\b|"
    r"\bsysaid\b|freescout|deskpro", re.IGNORECASE)
# Names also borne by companies or words: only in a mailer's own field, never a Message-ID.
_MAILER_NAMES = re.compile(r"\bivanti\b|\bheat\b|frontrange|\bremedy\b|\bbmc\b|\bhelix\b|"
                           r"\boctopus\b", re.IGNORECASE)
_ROLE = re.compile(
    r"^(?:it[._-]?)?(?:support|helpdesk|help[._-]desk|help|servicedesk|service[._-]desk|"
    r"hotline|assistance|tickets?|sav|customer[._-]?(?:care|service)|service[._-]client|"
    r"services?|care|customers?|clients?|serviceclient|relation[._-]?client|"
    # IT departments' and service centres' mailboxes, and the ticketing tools' own accounts
    r"it|dsi|informatique|csu|cds|centre[._-]?(?:de[._-]?)?services?|incidents?|requests?|"
    r"demandes?|itsm|itop|glpi|otrs|otobo|easyvista|topdesk|servicenow|jira|remedy|assyst|"
    r"cherwell|ivanti|spiceworks|kayako|happyfox|zammad|osticket|sdp|servicedeskplus|octopus|"
    r"ticketing|notifications?|contact|info)"
    r"(?:[._+-].*)?$", re.IGNORECASE)
# Ticket tags of other systems: osTicket/Zendesk "[#12345]", OTRS/Znuny/Zammad "[Ticket#2024...]",
# "Request #123", RT "[example.com #123]", a Jira key "[ITSM-123]", ServiceNow's INC/RITM numbers,
# ManageEngine's "##1234##", Zoho Desk's "[## 1234 ##]", Kayako's "[#ABC-123-45678]".
_FOREIGN_TAG = re.compile(
    r"\[#\d+\]|ticket\s*#\s*\d+|\b(?:request|demande|ticket|case|incident)\s*(?:#|n[°o]\.?)\s*"
    r"\d+|\[[\w.-]+\s+#\d+\]|\[[A-Z][A-Z0-9]{1,9}-\d+\]|\b(?:INC|RITM|REQ|SCTASK)\d{5,}\b|"
    r"##\s?\d+\s?##|\[#?[A-Z]{3}-\d{3}-\d{5}\]|(?-i:\b[RIPC]-\d{6}\b)",
    re.IGNORECASE)
# The references ticketing systems give a request, as their acknowledgements print them: iTop's
# "R-001234" / "I-000123" (R- request, I- incident, C- change, P- problem: a letter and six
# digits), ServiceNow's and BMC Remedy/Helix's INC/REQ/RITM/CRQ/WO numbers, Dynamics'
# "CAS-01234-X7Y8Z9", EasyVista's "S240312_000123", TOPdesk's "I 2403 123", ManageEngine's
# "##1234##", a number after "ticket/demande/incident n°" or "#". Case matters: "r-001234" in
# a path is no reference.
_REFERENCE = re.compile(
    r"(?<![\w/-])[RIPCSW]-\d{5,7}\b|"
    r"\b(?:INC|REQ|RITM|SCTASK|CRQ|CHG|PRB|WO|SR|TKT|CAS|CS|RFC|IM|SD)[-_]?\d{4,}\b|"
    r"\bCAS-\d{4,}-[A-Z0-9]{4,}\b|\b[SI]\d{6}_\d{4,}\b|\b[IMC] ?\d{4}[ -]\d{3,4}\b|"
    r"##\s?\d+\s?##|"
    r"(?i:\b(?:ticket|demande|requ[êe]te|incident|dossier|request|case|r[ée]f[ée]rence|"
    r"reference|ref\.?|r[ée]f\.?)\s*(?:#|n[°o]\.?|num[ée]ro|number|:)?\s*:?\s*#?\d{3,}\b)")
_HEAD = 3000  # the characters of a body searched for a reference
# A system's notice in the third person, once a role address and a reference are there: "La
# demande R-004512 vient d'être créée", "Le ticket I-000873 est enregistré", "Request R-004512
# was logged". Not one opened at another company ("créé chez Dell", "auprès de l'éditeur"),
# which is a person telling the news.
_NOTICE = re.compile(
    r"\b(?:demande|ticket|incident|requ[êe]te|dossier|request|case)\b[^.\n]{0,60}?(?:a (?:bien )?"
    r"[ée]t[ée]|vient d['’][êe]tre|est|has been|was|is) (?:bien )?(?:cr[ée]{2}e?|ouverte?|"
    r"enregistr[ée]e?|re[çc]ue?|pris(?:e)? en (?:compte|charge)|created|opened|logged|"
    r"registered|received|submitted|recorded)\b(?![^.\n]{0,40}\b(?:chez|aupr[èe]s d))",
    re.IGNORECASE)
# The first person singular: an agent or an employee speaking, never a system's notice.
_FIRST_PERSON = re.compile(
    r"(?<![\w-])(?:(?i:j['’](?:ai|aurai|avais)\b|je\s)|I(?:['’](?:ve|ll|m|d)\b|\s+(?:have|will|am|"
    r"opened|created|logged|raised|filed|just|called|asked|sent)\b))")
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
        found = value and (_VENDOR_NAMES.search(value) or name != "Message-ID" and (
            _MAILER_NAMES.search(value)))
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


# A From whose name is a service's, whatever its mailbox: "Service Desk <jdupont@…>" (a
# ticketing system sending through an agent's account).
_ROLE_NAME = re.compile(
    r"^\s*\"?(?:(?:le |the |votre |your )?(?:it |dsi )?(?:service ?desk|help ?desk|"
    r"centre (?:de )?services?|support(?: technique| informatique| client)?|hotline|"
    r"assistance(?: technique| informatique)?)\b[^<@\"]{0,40}\"?\s*<)", re.IGNORECASE)


def _system_sender(f: Facts) -> bool:
    """A role or no-reply mailbox, or a From whose name is a service's or a ticketing
    system's ("Service Desk", "iTop")."""
    local = f.sender.split("@", 1)[0]
    if _ROLE.match(local) or any(p in local for p in f.rules.noreply_patterns):
        return True
    sender = str(f.message.get("From", ""))
    return bool(_ROLE_NAME.match(sender) or _VENDOR_NAMES.search(sender))


# A heading over the request's recap ("Description :", "Détails de votre demande :") and a
# recap's "Field : value" lines: the request's own text may follow, in its writer's first person.
_HEADING = re.compile(r"^[ \t]*\S[^\n]{0,60}?[ \t\xa0]?[:：][ \t\xa0]*$", re.MULTILINE)
_FIELD = re.compile(r"^[ \t]*[^\W\d_][\w ’'./-]{0,30}?[ \t\xa0]?[:：][ \t\xa0]+\S[^\n]*$",
                    re.MULTILINE)


def _voice(own: str) -> str:
    """The notice's own sentences: above a recap's heading, without its "Field : value" lines."""
    heading = _HEADING.search(own)
    return _FIELD.sub("", own[:heading.start()] if heading else own)


def reference_acknowledgement(f: Facts) -> str | None:
    """A role or no-reply address that answers no mail of ours and says, in its own words and
    not in the first person, that a request was created or received under a reference: the
    acknowledgement a ticketing system sends without RFC 3834's fields (iTop's action emails,
    EasyVista, TOPdesk...). A person there writes "j'ai ouvert le ticket", or asks something
    about the request without announcing it; a forward carries the acknowledgement as a
    quote."""
    # the cheap signs first: a person's mailbox, or no reference at all, end it here
    if not _system_sender(f) or _ours_answered(f) or is_forward_subject(f.subject):
        return None
    # an acknowledgement is short and says its reference at the top: a long mail's text is
    # not searched whole (its own text is at most _MAX_AUTO_REPLY_CHARS for the wording)
    reference = _REFERENCE.search(f.subject) or _REFERENCE.search(f.body, 0, _HEAD)
    if not reference:
        return None
    own = clean_body(f.body).text  # what it says itself, not a mail it quotes
    voice = _voice(own)
    if _FIRST_PERSON.search(voice):
        return None  # an agent or an employee speaking
    if not (_REFERENCE.search(f.subject) or _REFERENCE.search(own)):
        return None  # the reference was only in a quoted mail
    # the notice above a long recap of the request says it too
    wording = (ticket_opened_wording(voice) or acknowledgement_wording(voice)
               or ticket_opened_wording(own) or acknowledgement_wording(own))
    notice = not wording and len(voice) <= _HEAD and _NOTICE.search(voice)
    if notice:
        wording = notice.group(0)
    if not wording:
        return None
    return (f"a role or no-reply address announcing a request under a reference "
            f"({reference.group(0)!r}: {wording!r})")
