"""List traffic and no-reply senders: list headers, list managers' addresses, subject tags."""

from __future__ import annotations

import re

from mailbot.parsers.headers import addresses
from mailbot.parsers.machine.facts import Facts, Rule

_BRACKETED = re.compile(r"\[([\w.+-]{2,64})\]")
# A list's tag opening the subject ("[compta-users] ..."), not a ticket tag ("[#42]").
_LEADING_TAG = re.compile(r"^\s*(?:(?:re|tr|fwd?|aw|wg)\s*:\s*)*\[([a-z][\w.+-]{1,63})\]",
                          re.IGNORECASE)


def _list_headers(f: Facts) -> str | None:
    if _gateway_unsubscribe_only(f):
        return None
    for name in ("List-Id", "List-Unsubscribe", "List-Post", "List-Help", "List-Archive",
                 "List-Subscribe", "List-Owner", "Mailing-List", "X-Mailing-List",
                 "X-BeenThere", "X-Mailman-Version", "X-Google-Group-Id",
                 "X-Listprocessor-Version", "X-Ecartis-Version", "X-ML-Name"):
        if f.has(name):
            return f"{name} header"
    for name in ("Precedence", "X-Precedence"):
        precedence = f.header(name)
        if precedence in ("bulk", "list", "junk"):
            return f"{name}: {precedence}"
    # Any other RFC 2369/2919/8058 field (List-Unsubscribe-Post, a list software's own List-*)
    # on a mail that did not name us in To/Cc: it came through the list, not to us.
    other = f.has_prefixed("list-")
    if other and f.rules.bot_addresses and not f.rules.bot_addresses & set(f.recipients):
        return f"{other} header, and not addressed to us"
    return None


_OTHER_LIST_SIGNS = ("List-Id", "List-Post", "List-Help", "List-Archive", "List-Subscribe",
                     "List-Owner", "Mailing-List", "X-Mailing-List", "X-BeenThere",
                     "X-Mailman-Version", "X-Google-Group-Id", "Feedback-ID", "X-Campaign",
                     "X-Mailer-Campaign", "X-CSA-Complaints")
_UNSUBSCRIBE_WORDS = re.compile(
    r"unsubscribe|d[ée]sabonn|d[ée]sinscri|ne plus recevoir|abmelden|abbestellen|darse de baja|"
    r"disiscriv|afmelden|uitschrijven|manage (?:your )?preferences|pr[ée]f[ée]rences",
    re.IGNORECASE)


def _gateway_unsubscribe_only(f: Facts) -> bool:
    """A List-Unsubscribe that some outbound gateways and CRMs stamp on every mail: alone
    (no List-Id or other list or campaign header, no Precedence), on a mail that names us in
    To/Cc and offers no unsubscribing in its text, it says nothing about a list (RFC 2369
    fields describe a list's message; this one belongs to no list)."""
    if not f.has("List-Unsubscribe") or any(f.has(n) for n in _OTHER_LIST_SIGNS):
        return False
    if f.header("Precedence") or f.header("X-Precedence") or f.has("Auto-Submitted"):
        return False
    if not f.rules.bot_addresses & set(f.recipients):
        return False
    return not _UNSUBSCRIBE_WORDS.search(f.body)


# List managers' own addresses (RFC 2142 and the list software's conventions).
_LIST_ROBOT = re.compile(r"^(?:owner-.+|.+-(?:request|owner|bounces?)|listserv|majordomo)$",
                         re.IGNORECASE)
# SRS (SRS0=hash=tt=domain=local) and BATV (prvs=tag=local) wrap the original local part.
_WRAPPED_LOCAL = re.compile(r"^(?:srs[01]|prvs|msprvs\d|btv1)=.*=([^=]+)$", re.IGNORECASE)


def canonical_local_part(address: str) -> str:
    """The sender's own local part, with SRS and BATV rewriting undone."""
    local = address.rsplit("@", 1)[0]
    wrapped = _WRAPPED_LOCAL.match(local)
    return wrapped.group(1) if wrapped else local


def is_list_robot(local: str) -> bool:
    """A list manager's own local part (owner-x, x-request, listserv...)."""
    return bool(_LIST_ROBOT.match(local))


def _list_robot_sender(f: Facts) -> str | None:
    local = canonical_local_part(f.sender)
    return f"list manager address: {f.sender}" if _LIST_ROBOT.match(local) else None


def _list_subject_tag(f: Facts) -> str | None:
    # Mailman-style lists tag subjects with their own name: "[notmuch] ..." sent to
    # notmuch@...; archives and digests often keep that and drop the List-* headers.
    # An employee who writes "[support] ..." to support@ is a person, never a list.
    tags = {t.lower() for t in _BRACKETED.findall(f.subject)}
    for address in f.recipients:
        if address in f.rules.bot_addresses:
            continue
        if address.split("@", 1)[0] in tags:
            return f"subject tag names the list address {address}"
    return None


def not_addressed_to_us(f: Facts) -> bool:
    """The mail reached the bot though neither To nor Cc names it (a list, an alias, a Bcc):
    a sign that weighs with others, never alone (a person may Bcc the helpdesk)."""
    ours = f.rules.bot_addresses
    return bool(ours) and bool(f.recipients) and not ours & set(f.recipients)


def _list_sender_header(f: Facts) -> str | None:
    # RFC 5322 Sender: the agent that sent the mail for its author; list managers put their
    # own address there (Mailman "x-bounces@", ezmlm/Sympa "x-owner@", LISTSERV "owner-x@").
    for _name, address in addresses(f.message.get_all("Sender") or []):
        if _LIST_ROBOT.match(canonical_local_part(address)):
            return "Sender: a list manager's address"
    return None


_MARKERS = frozenset({
    "ext", "externe", "external", "extern", "exterieur", "extérieur", "spam", "suspect",
    "suspicious", "phishing", "caution", "warning", "attention", "urgent", "important",
    "confidentiel", "confidential", "secure", "encrypt", "chiffré", "bulk", "marketing", "info",
    "tel", "appel", "fyi", "pj", "rappel", "reminder", "draft", "brouillon", "test",
})


def _tag_not_to_us(f: Facts) -> str | None:
    # A list names itself in a leading subject tag; when the mail is not addressed to us
    # either, it came through the list (RFC 2919 lists often drop their headers in digests).
    # The markers people and mail gateways add ("[TEL]", "[EXT]", "[URGENT]", "[SPAM]") are
    # not list names; neither is a configured phone marker.
    tag = _LEADING_TAG.match(f.subject)
    name = tag.group(1).lower() if tag else ""
    markers = {m.strip("[]").lower() for m in f.rules.phone_markers}
    if (name and not name.isdigit() and name not in markers and name not in _MARKERS
            and not_addressed_to_us(f)):
        return "a list's subject tag, and not addressed to us"
    return None


def _noreply_sender(f: Facts) -> str | None:
    local = f.sender.split("@", 1)[0]
    if any(p in local for p in f.rules.noreply_patterns):
        return f"no-reply sender: {f.sender}"
    return None


# List software that writes no List-* field: LISTSERV's X-LSV-ListID and "Comments: To:",
# Sympa's X-Sympa-To, Groups.io's X-Groupsio-*; Sender names a list host (LISTSERV's
# "LIST@LISTSERV.EXAMPLE.ORG", lists.*, Google Groups, Groups.io).
_LIST_SOFTWARE = ("X-LSV-ListID", "X-Sympa-To", "X-Sympa-Family", "X-Groupsio-Msg-Num",
                  "X-Groupsio-Group-Id")
_LIST_HOST = re.compile(r"@(?:listserv|lists?|groups|listes?|sympa|mailman)\.|@groups\.io$|"
                        r"@googlegroups\.com$", re.IGNORECASE)


def _unlisted_list(f: Facts) -> str | None:
    """Traffic of a list software that writes no List-* field, on a mail not addressed to us."""
    if not not_addressed_to_us(f):
        return None
    for name in _LIST_SOFTWARE:
        if f.has(name):
            return f"{name} header, and not addressed to us"
    if f.header("Comments").lstrip().startswith("to:"):
        return "LISTSERV's Comments: To: header, and not addressed to us"
    loop = f.header("X-Loop").strip().strip("<>")
    if "@" in loop and loop not in f.rules.bot_addresses:
        return f"X-Loop: {loop} (a list's loop header), and not addressed to us"
    reply_to = {a for _n, a in addresses(f.message.get_all("Reply-To") or [])}
    for _name, address in addresses(f.message.get_all("Sender") or []):
        if address != f.sender and (_LIST_HOST.search(address) or address in reply_to):
            # a list host, or LISTSERV's way: the list both sends and takes the replies
            return f"Sender: {address} (a list's address), and not addressed to us"
    return None


# The list rules in their order; every hit is a reason.
LIST_RULES: tuple[Rule, ...] = (_list_headers, _list_subject_tag, _noreply_sender,
                                _list_robot_sender, _list_sender_header, _tag_not_to_us,
                                _unlisted_list)


def written_to_us_and_the_list(f: Facts) -> bool:
    """A person's mail to the helpdesk *and* a discussion list, received as the list's copy:
    To/Cc name us and the list's own posting address (RFC 2369 List-Post), and nothing says
    bulk. The route is the list's; the request is the author's."""
    if not f.rules.bot_addresses & set(f.recipients):
        return False
    if f.header("Precedence") in ("bulk", "junk") or f.has("Auto-Submitted"):
        return False
    post = [a for _n, a in addresses([f.header("List-Post").replace("mailto:", "")])]
    # RFC 2919: a List-Id is the list's name under a domain, most often its address's form.
    list_id = re.search(r"<([^<>.\s]+)\.([^<>\s]+)>", f.header("List-Id"))
    named = {*post[:1], *([f"{list_id.group(1)}@{list_id.group(2)}"] if list_id else [])}
    return bool(named & set(f.recipients))
