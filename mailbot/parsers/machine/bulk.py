"""Bulk mail without list headers, and alerts written by programs: what only they show.

- A newsletter sent from a role address (RFC 2142's info@, and marketing's newsletter@, news@)
  that carries a bulk mailer's signs: an unsubscribe or "view online" line, a 1x1 tracking
  image, links rewritten by a click tracker. A person writing from info@ shows none of them.
- Monitoring and backup reports: Nagios/Icinga's notification commands (their documented
  "Notification Type:" block), Veeam's job reports ("[Success] Job ..." with its product name),
  and senders that only programs use (calendar-notification@, nagios@, zabbix@...).
- Security gateways' quarantine digests (`quarantine`: Proofpoint, Mimecast, Microsoft...).
Alerts answer no mail of ours: they are ticketed as automatic, never acknowledged.
"""

from __future__ import annotations

import re

from mailbot.parsers.machine.facts import Facts, Rule
from mailbot.parsers.machine.lists import canonical_local_part, not_addressed_to_us
from mailbot.parsers.machine.quarantine import quarantine_report

_ROLE = re.compile(r"^(?:newsletters?|news|info|infos|information|marketing|communication|"
                   r"actualites|actus?|promo(?:tions?)?|offres?|offers|events?|evenements?|"
                   r"webinars?|hello|bonjour|contact|mailing|emailing|crm)$", re.IGNORECASE)
_UNSUBSCRIBE = re.compile(
    r"unsubscribe|d[ée]sabonner|d[ée]sinscri|d[ée]sinscription|ne plus recevoir|"
    r"abmelden|abbestellen|darse de baja|cancelar (?:la )?suscripci|disiscriv|"
    r"afmelden|view (?:it |this (?:e-?mail|message) )?(?:in (?:your|a) )?(?:browser|online)|"
    r"version en ligne|voir (?:la version )?en ligne|afficher dans (?:le|votre) navigateur|"
    r"im browser (?:ansehen|anzeigen)|manage (?:your )?(?:e-?mail )?preferences|"
    r"g[ée]rer (?:vos|mes) pr[ée]f[ée]rences",
    re.IGNORECASE)
_PIXEL = re.compile(rb"<img\b[^>]*\b(?:width\s*=\s*[\"']?[01](?:px)?[\"'\s/>][^>]*"
                    rb"height\s*=\s*[\"']?[01](?:px)?\b|height\s*=\s*[\"']?[01](?:px)?[\"'\s/>]"
                    rb"[^>]*width\s*=\s*[\"']?[01](?:px)?\b)", re.IGNORECASE)
_TRACKED_LINK = re.compile(rb"href\s*=\s*[\"']?https?://[^\"'\s>]*(?:utm_(?:source|medium|campaign)"
                           rb"|/(?:track|trk|click|ls/click|wf/click|c/|e/c/)|list-manage\.com|"
                           rb"sendibt\d?\.com|mjt\.lu|r\.email\.|click\.)", re.IGNORECASE)
_MAX_HTML = 400_000


def _html(f: Facts) -> bytes:
    parts = f.message.walk() if f.message.is_multipart() else iter([f.message])
    for n, part in enumerate(parts):
        if n > 40:
            break
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            return payload[:_MAX_HTML] if isinstance(payload, bytes) else b""
    return b""


def bulk_signs(f: Facts) -> list[str]:
    signs = []
    if _UNSUBSCRIBE.search(f.body[-6000:]) or _UNSUBSCRIBE.search(f.body[:1500]):
        signs.append("an unsubscribe or view-online line")
    html = _html(f)
    if html and _PIXEL.search(html):
        signs.append("a 1x1 tracking image")
    if html and len(_TRACKED_LINK.findall(html)) >= 2:
        signs.append("tracked links")
    return signs


def _role_newsletter(f: Facts) -> str | None:
    local = canonical_local_part(f.sender)
    if not _ROLE.match(local):
        return None
    signs = bulk_signs(f)
    if not_addressed_to_us(f):
        signs.append("not addressed to us")
    if signs:
        return f"bulk mail from a role address ({', '.join(signs)})"
    return None


# Local parts that only programs send from (monitoring, schedulers, calendars).
_PROGRAM_SENDER = re.compile(
    r"^(?:nagios|icinga\d?|zabbix|centreon|prtg|shinken|naemon|checkmk|monit|monitoring|"
    r"alerts?|alerting|notifications?|notify|calendar-notification|calendar|cron|crond|root|"
    r"daemon|veeam|backup-?reports?|scan-?to-?mail|scanner)$|-notifications?$|^notifications?-",
    re.IGNORECASE)
# Nagios/Icinga's default notify-by-email commands: these fields, one a line.
_NAGIOS_BLOCK = re.compile(r"^\s*Notification Type:\s*\w+\s*$(?:\n.*){0,12}?\n\s*(?:Host|Service)"
                           r"\s*:", re.IGNORECASE | re.MULTILINE)
_VEEAM_SUBJECT = re.compile(r"^\s*\[(?:success|warning|failed|error)\]\s", re.IGNORECASE)


def _program_alert(f: Facts) -> str | None:
    local = canonical_local_part(f.sender)
    if _PROGRAM_SENDER.search(local):
        return "a program's sender address"
    head = f.body[:3000]
    if _NAGIOS_BLOCK.search(head):
        return "a monitoring notification (Nagios/Icinga fields)"
    if _VEEAM_SUBJECT.match(f.subject) and "veeam" in f.body[-6000:].lower():
        return "a backup job report (Veeam)"
    return None


BULK_RULES: tuple[Rule, ...] = (_role_newsletter,)
ALERT_RULES: tuple[Rule, ...] = (_program_alert, quarantine_report)
