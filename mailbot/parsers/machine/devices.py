"""Mail that software sends for a person or a device, with a person's name on it at times.

- Calendar scheduling (iMIP, RFC 6047 over iTIP, RFC 5546): an attendee's response or an
  organiser's cancellation carries its `text/calendar` part with a METHOD (REPLY, CANCEL,
  COUNTER...), which the client generated when its user clicked. An invitation (REQUEST,
  PUBLISH, ADD) is the organiser's own act, often with a request in its text (an employee
  inviting the helpdesk to a meeting about a problem): it stays a person's mail and is
  acknowledged like any other.
- A copier's scan-to-mail: a scanned document (PDF, TIFF, JPEG) with the device's own wording
  ("Please open the attached document. It was scanned...", "Message from "RNP..."") or from a
  device's address or model name.
- A phone system's voicemail-to-mail: a recording (audio/*) with the voicemail's wording or from
  the phone system.
- A message recall (Outlook): "Recall:"/"Rappel :" and the sentence the client writes.
- Notifications of forges and forums (GitLab, GitHub, Gitea, Discourse, Jira, Redmine): their
  own headers, or their footer from their own sender.
None of it is a request; none of it gets an acknowledgement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message

from mailbot.parsers.machine.facts import Facts, Rule
from mailbot.parsers.machine.lists import canonical_local_part

_MAX_PARTS = 30
# iTIP methods a client sends by itself for its user (RFC 5546 §1.4): the answers to an
# invitation and the organiser's cancellation. REQUEST, PUBLISH and ADD are not among them.
_RESPONSES = frozenset({"reply", "cancel", "counter", "declinecounter", "refresh"})
_METHOD_LINE = re.compile(rb"^METHOD:[ \t]*([A-Za-z-]+)", re.MULTILINE)


@dataclass
class _Leaves:
    """What the device rules look for among a message's parts, found in one walk."""

    calendars: list[Message] = field(default_factory=list)
    scan: bool = False  # a scanned document attached
    audio: bool = False  # a recording attached


def _leaves(f: Facts) -> _Leaves:
    found = f.memo.get("devices")
    if isinstance(found, _Leaves):
        return found
    found = _Leaves()
    f.memo["devices"] = found
    message = f.message
    if not message.is_multipart():
        if message.get_content_type() == "text/calendar":
            found.calendars.append(message)
        return found
    for n, part in enumerate(message.walk()):
        if n > _MAX_PARTS:
            break
        ctype = part.get_content_type()
        if ctype.startswith(("multipart/", "text/plain", "text/html", "message/")):
            continue
        name = _filename(part)
        if ctype in ("text/calendar", "application/ics") or name.endswith(".ics"):
            found.calendars.append(part)
        elif name or part.get_content_disposition() == "attachment":
            found.scan = found.scan or ctype in _SCAN_TYPES or name.endswith(_SCAN_NAMES)
            found.audio = (found.audio or ctype.startswith("audio/")
                           or bool(_AUDIO_NAMES.search(name)))
    return found


def _filename(part: Message) -> str:
    try:
        return (part.get_filename() or "").lower()
    except (TypeError, ValueError, LookupError):
        return ""


def _calendar_method(part: Message) -> str:
    method = str(part.get_param("method") or "").lower()
    if method:
        return method
    payload = part.get_payload(decode=True)
    found = _METHOD_LINE.search(payload[:20_000]) if isinstance(payload, bytes) else None
    return found.group(1).decode("ascii").lower() if found else ""


def _calendar(f: Facts) -> str | None:
    for part in _leaves(f).calendars:
        method = _calendar_method(part)
        if method in _RESPONSES:
            return f"a calendar's scheduling message (iMIP, METHOD:{method.upper()})"
    return None


_SCAN_TYPES = ("application/pdf", "image/tiff", "image/jpeg", "image/png", "application/xps",
               "application/oxps", "image/jpg")
_SCAN_NAMES = (".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".xps")
_AUDIO_NAMES = re.compile(r"\.(?:wav|mp3|m4a|ogg|opus|gsm|amr|wma)$")
# A device's address (its local part: "scan", "canon-c5535", "km-c450i") or its model in the
# display name ("Xerox WorkCentre", "KM_C450i"), never a surname that is also a brand.
_DEVICE_LOCAL = re.compile(
    r"^(?:scans?|scanner|scan-?2-?e?mail|scan-?to-?e?mail|numerisation|copieur|copier|"
    r"photocopieur|mfp|mfc|multifonction|printer|imprimante|km|bizhub|rnp|xrx|workcentre|"
    r"versalink|altalink|imagerunner|taskalfa|ecosys|sharp|ricoh|xerox|kyocera|konica|canon|"
    r"brother|epson|lexmark)(?:[\d._-].*)?$|^(?:rnp|xrx)[0-9a-f]+$|^km_c", re.IGNORECASE)
_DEVICE_NAME = re.compile(
    r"\b(?:km_c\w*|bizhub|rnp[0-9a-f]{6,}|xrx[0-9a-f]{6,}|workcentre|versalink|altalink|"
    r"ir-adv|imagerunner|taskalfa|ecosys|scanner|copieur|multifonction|scan\s+to\s+e-?mail)\b",
    re.IGNORECASE)
_SCAN_WORDING = re.compile(
    r"^\s*(?:scan(?:ned)?\s+(?:from|image|document)|message\s+from\s+\"|message\s+from\s+"
    r"(?:km_|rnp|xrx|mx-)|image\s+num[ée]ris[ée]e|document\s+num[ée]ris[ée]|num[ée]risation\s+"
    r"(?:de|depuis|du)|num[ée]ris[ée]\s+(?:depuis|de|par|avec)|attached\s+image|scan\s+to\s+"
    r"e-?mail|gescannt|scansione|escaneado)"
    r"|it\s+was\s+scanned\s+and\s+sent|was\s+sent\s+from\s+\"|scan\s+date\s*:|device\s+name\s*:|"
    r"number\s+of\s+images\s*:|nombre\s+de\s+pages\s*:|num[ée]ris[ée]\s+et\s+envoy[ée]|"
    r"a\s+[ée]t[ée]\s+num[ée]ris[ée]|envoy[ée]\s+depuis\s+(?:le|un|une)\s+(?:copieur|"
    r"multifonction|scanner|imprimante)|this\s+e-?mail\s+was\s+sent\s+from\s+(?:a|the|\")",
    re.IGNORECASE | re.MULTILINE)
_VOICE_WORDING = re.compile(
    r"vous\s+avez\s+(?:re[çc]u\s+)?un\s+(?:nouveau\s+)?message\s+vocal|"
    r"you\s+(?:have\s+)?(?:received\s+)?(?:a\s+)?(?:new\s+)?voice\s?(?:mail|message)|"
    r"^\s*(?:nouveau\s+)?message\s+vocal\s+(?:de|du|from)\b|^\s*(?:new\s+)?voice\s?mail\s+"
    r"(?:message\s+)?from\b|^\s*voice\s+message\s+from\b|^\s*message\s+(?:from|de)\s+"
    r"\+?[\d\s().-]{6,}|sie\s+haben\s+eine\s+neue\s+sprachnachricht|neue\s+sprachnachricht\s+von|"
    r"nuovo\s+messaggio\s+vocale\s+da|nuevo\s+mensaje\s+de\s+voz\s+de",
    re.IGNORECASE | re.MULTILINE)
_PHONE_LOCAL = re.compile(
    r"^(?:pbx|ipbx|3cx|voicemail|voice-?mail|messagerie(?:-?vocale)?|unity(?:connection)?|"
    r"cucm|asterisk|freepbx|wildix|xivo|ringover|aircall|microsoftexchange[0-9a-f]{16,})"
    r"(?:[\d._-].*)?$", re.IGNORECASE)
_FORWARDED = re.compile(r"^\s*(?:tr|fwd?|wg|rv|i|vs|doorst)\s*:", re.IGNORECASE)


def _device_mail(f: Facts) -> str | None:
    if _FORWARDED.match(f.subject):
        return None  # a person passing a device's mail on, with a word of their own
    leaves = _leaves(f)
    scan, audio = leaves.scan, leaves.audio
    if not (scan or audio):
        return None
    words = f"{f.subject}\n{f.body[:2000]}"
    local = canonical_local_part(f.sender)
    if audio and (_VOICE_WORDING.search(words) or _PHONE_LOCAL.match(local)):
        return "a phone system's voicemail (a recording and its wording or sender)"
    device = _DEVICE_LOCAL.match(local) or _DEVICE_NAME.search(f.header("From"))
    if scan and (_SCAN_WORDING.search(words) or (device and len(f.body.strip()) < 400)):
        return "a copier's scan-to-mail (a scanned document and the device's wording or sender)"
    return None


_RECALL_SUBJECT = re.compile(r"^\s*(?:recall|rappel|r[üu]ckruf|richiamo|recuperar|intrekken|"
                             r"återkalla|odvolat)\s*[:：]", re.IGNORECASE)
_RECALL_WORDING = re.compile(
    r"would\s+like\s+to\s+recall\s+the\s+message|souhaite\s+rappeler\s+le\s+message|"
    r"voudrait\s+rappeler\s+le\s+message|m[öo]chte\s+die\s+nachricht\s.{0,120}?zur[üu]ckrufen|"
    r"desea\s+recuperar\s+el\s+mensaje|vorrebbe\s+richiamare\s+il\s+messaggio|"
    r"wil\s+het\s+bericht\s.{0,120}?intrekken|deseja\s+recolher\s+a\s+mensagem",
    re.IGNORECASE | re.DOTALL)


def _recall(f: Facts) -> str | None:
    if _RECALL_SUBJECT.match(f.subject) and _RECALL_WORDING.search(f.body[:1000]):
        return "a message recall (Outlook)"
    return None


_FORGE_HEADERS = ("x-gitlab-", "x-github-", "x-gitea-", "x-forgejo-", "x-discourse-",
                  "x-jira-", "x-atlassian-", "x-redmine-", "x-bitbucket-", "x-phabricator-")
_FORGE_FOOTER = re.compile(
    r"reply\s+to\s+this\s+email\s+directly|view\s+it\s+on\s+(?:gitlab|github|gitea)|"
    r"you(?:'re|\s+are)\s+receiving\s+this\s+(?:email\s+)?because|"
    r"visit\s+(?:the\s+)?topic\s+or\s+reply\s+to\s+this\s+email|visitez\s+le\s+sujet\s+ou\s+"
    r"r[ée]pondez|pour\s+ne\s+plus\s+recevoir\s+ces\s+notifications|to\s+unsubscribe\s+from\s+"
    r"these\s+emails|vous\s+recevez\s+(?:cet|ce)\s+e-?mail\s+(?:car|parce)|"
    # Jira's and Confluence's footers; SharePoint's alerts ("Modifier mes paramètres d'alerte")
    r"this\s+message\s+was\s+sent\s+by\s+atlassian|ce\s+message\s+a\s+[ée]t[ée]\s+envoy[ée]\s+par"
    r"\s+atlassian|you\s+received\s+this\s+alert|vous\s+avez\s+re[çc]u\s+cette\s+alerte|"
    r"modifier\s+mes\s+param[èe]tres\s+d['’]alerte|change\s+my\s+alert\s+settings|"
    r"manage\s+my\s+alerts|g[ée]rer\s+mes\s+alertes",
    re.IGNORECASE)
_EXCHANGE_SYSTEM = re.compile(r"^microsoftexchange[0-9a-f]{20,}$", re.IGNORECASE)
_FORGE_SENDER = re.compile(r"^(?:gitlab|github|gitea|forgejo|discourse|forum|jira|confluence|"
                           r"redmine|bitbucket|sharepoint|teams|noreply|no-reply)$", re.IGNORECASE)


def _forge_notification(f: Facts) -> str | None:
    header = f.any_prefixed(_FORGE_HEADERS)
    if header:
        return f"a forge's or forum's notification ({header} header)"
    local = canonical_local_part(f.sender)
    if _EXCHANGE_SYSTEM.match(local):  # meeting forward notifications, voicemail, reports
        return "Exchange's system mailbox (MicrosoftExchange...)"
    if _FORGE_SENDER.match(local) and _FORGE_FOOTER.search(
            f.body[-2500:]):
        return "a forge's or forum's notification (its sender and footer)"
    return None


DEVICE_RULES: tuple[Rule, ...] = (_calendar, _device_mail, _forge_notification)
RECALL_RULES: tuple[Rule, ...] = (_recall,)
