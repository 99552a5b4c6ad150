"""Quarantine digests and security gateways' reports (Proofpoint, Mimecast, Microsoft Defender
and Exchange Online Protection, Vade, Altospam, MailInBlack, Sophos, Barracuda, Trend Micro).

They carry no Auto-Submitted, Precedence or List-* field, so they are told by what each
gateway documents of itself: its sender (quarantine@messaging.microsoft.com, a vendor's own
domain, a quarantine@ local part), a digest's subject ("Quarantine Summary", "End User Digest",
"Résumé de la quarantaine", "Messages en quarantaine"), and the digest's layout (a list of held
mails with release/allow/block actions). Two signs are needed, never one word a person could
write: a person asking us to release a mail from quarantine writes a subject with no digest
noun, or from their own address, or with a reply prefix, and keeps an answer.
"""

from __future__ import annotations

import re

from mailbot.parsers.machine.facts import Facts

_VENDOR_DOMAIN = re.compile(
    r"(?:^|\.)(?:pphosted\.com|ppe-hosted\.com|proofpoint(?:essentials)?\.com|mimecast\.(?:com|"
    r"co\.uk|net)|messaging\.microsoft\.com|vadesecure\.com|vade\.com|altospam\.com|"
    r"mailinblack\.(?:com|fr)|sophos\.com|barracuda(?:networks)?\.com|cudamail\.com|"
    r"trendmicro\.(?:com|eu|fr)|tmes\.trendmicro\.\w+)$", re.IGNORECASE)
_QUARANTINE_LOCAL = re.compile(
    r"^(?:spam[._-]?)?(?:quarantine|quarantaine)(?:[._-]?(?:notify|notification|digest|"
    r"report|summary|noreply|no-?reply))?$|^(?:end-?user-?)?digest$|^spam-?(?:digest|report)$|"
    r"^(?:quarantine|spam)_notify$", re.IGNORECASE)
# Header names the gateways stamp (also on the mail they pass: a sign that weighs, never alone).
_VENDOR_HEADERS = ("x-proofpoint-", "x-mimecast-", "x-ms-exchange-organization-",
                   "x-forefront-", "x-vade", "x-altospam", "x-mailinblack", "x-sophos",
                   "x-barracuda", "x-tm-as-", "x-tmase-", "x-trendmicro")
_REPLY_PREFIX = re.compile(r"^\s*(?:re|tr|fw|fwd|aw|wg|réf|rép)\s*:", re.IGNORECASE)
_DIGEST_SUBJECT = re.compile(
    r"quarantine\s+(?:summary|digest|report|notification|notice)|end[- ]user\s+digest|"
    r"spam\s+(?:digest|quarantine|report)|messages?\s+(?:in|held\s+in)\s+quarantine|"
    r"(?:r[ée]sum[ée]|rapport|synth[èe]se|r[ée]capitulatif|notification|liste)\s+(?:de\s+(?:la\s+)?"
    r"|des\s+(?:messages?\s+(?:mis\s+)?en\s+)?)quarantaine|"
    r"(?:messages?|courriers?|e-?mails?|mails?)\s+(?:bloqu[ée]s\s+)?(?:mis\s+)?en\s+quarantaine\b"
    r"(?!\s*\?)|quarantine\s+digest|digest\s+(?:de\s+)?(?:quarantaine|spam)", re.IGNORECASE)
_QUARANTINE_WORD = re.compile(r"quarantine|quarantaine", re.IGNORECASE)
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# The actions a digest offers on each held mail (one of them a line, or in a row of links).
_ACTIONS = re.compile(
    r"\b(?:release(?:\s+and\s+allow(?:\s+sender)?)?|allow\s+sender|block\s+sender|"
    r"report\s+as\s+not\s+spam|not\s+spam|permit|whitelist|blacklist|"
    r"lib[ée]rer|d[ée]bloquer|autoriser(?:\s+l['’]exp[ée]diteur)?|bloquer(?:\s+l['’]exp[ée]"
    r"diteur)?|signaler\s+comme\s+(?:non\s+)?(?:spam|ind[ée]sirable)|"
    r"liste\s+(?:blanche|noire)|non\s+spam)\b", re.IGNORECASE)


def _digest_layout(f: Facts) -> bool:
    """A list of held mails with actions on them: at least two kinds of action, and the word
    quarantine in the text."""
    text = f.body[:20000]
    if not _held_list(f):
        return False
    kinds = {m.group(0).lower().split()[0] for m in _ACTIONS.finditer(text)}
    return len(kinds) >= 2


def _held_list(f: Facts) -> bool:
    """The word quarantine and the addresses of at least two held mails' senders."""
    text = f.body[:20000]
    if not _QUARANTINE_WORD.search(text):
        return False
    found = {a.lower() for a in _ADDRESS.findall(text)} - {f.sender.lower()}
    return len(found) >= 2


def quarantine_report(f: Facts) -> str | None:
    """A gateway's quarantine digest or notification: two signs of the vendor's own."""
    if _REPLY_PREFIX.match(f.subject):
        return None  # a person answering or forwarding a digest writes to us
    local, _, domain = f.sender.rpartition("@")
    subject = bool(_DIGEST_SUBJECT.search(f.subject))
    if _QUARANTINE_LOCAL.match(local):
        return "a quarantine digest (the gateway's quarantine sender)"
    vendor = bool(_VENDOR_DOMAIN.search(domain))
    if vendor and (subject or _QUARANTINE_WORD.search(f.body[:20000])):
        return "a quarantine digest (a security gateway's own domain)"
    layout = _digest_layout(f)
    if subject and layout:
        return "a quarantine digest (its subject and its list of held mails)"
    header = f.any_prefixed(_VENDOR_HEADERS)
    if subject and header and _held_list(f):
        return f"a quarantine digest (its subject, {header} header)"
    return None
