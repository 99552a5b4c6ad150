"""List traffic and no-reply senders: list headers, list managers' addresses, subject tags."""

from __future__ import annotations

import re

from mailbot.parsers.machine.facts import Facts, Rule

_BRACKETED = re.compile(r"\[([\w.+-]{2,64})\]")


def _list_headers(f: Facts) -> str | None:
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
    return None


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


def _noreply_sender(f: Facts) -> str | None:
    local = f.sender.split("@", 1)[0]
    if any(p in local for p in f.rules.noreply_patterns):
        return f"no-reply sender: {f.sender}"
    return None


# The list rules in their order; every hit is a reason.
LIST_RULES: tuple[Rule, ...] = (_list_headers, _list_subject_tag, _noreply_sender,
                                _list_robot_sender)
