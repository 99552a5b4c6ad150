"""The note of a phone call a technician logs: what the ticket's history, the team notice and
the tracking page show as the call (day 3: they showed the technician's first name, the only
line left of a mail whose account of the call was in `#close` or in the subject)."""

from __future__ import annotations

import re

from mailbot import commands
from mailbot.parsers import ParsedMessage
from mailbot.parsers.commands import is_greeting

_CLOSING = re.compile(r"^(?:bien |tr[eè]s )?cordialement|^bonne (?:journ[ée]e|soir[ée]e)|"
                      r"^(?:best |kind )?regards|^merci(?: beaucoup)?$|^thanks$|^a\+$",
                      re.IGNORECASE)
_MAX_SIGN_OFF_LINES = 4


def call_note(msg: ParsedMessage, *, author: str, markers: tuple[str, ...] | list[str]) -> str:
    """The technician's account of the call: their text below the commands without a greeting
    or their sign-off; else the `#note` or `#close` text; else what the subject says the call
    was about (`[TEL] what the call was about`, the technicians' card)."""
    text = commands.strip_commands(msg.text, msg.commands)
    lines = text.splitlines()
    if lines and is_greeting(lines[0]):
        lines = lines[1:]
    names = _names(msg.sender_name, author)
    note = "\n".join(_without_sign_off(lines, names)).strip()
    if note:
        return note
    read = commands.read(msg.commands)
    for name in ("note", "close"):
        given = [c.argument for c in read if c.name == name and c.argument]
        if given:
            return given[0]
    subject = msg.subject or msg.subject_raw or ""
    for marker in markers:
        subject = re.sub(re.escape(marker), " ", subject, flags=re.IGNORECASE)
    return " ".join(subject.split())


def _names(display: str, address: str) -> set[str]:
    """The words a technician signs with: their display name's and their address's parts."""
    local = address.partition("@")[0]
    return {w.lower() for w in re.split(r"[\s._-]+", f"{display} {local}") if len(w) > 1}


def _without_sign_off(lines: list[str], names: set[str]) -> list[str]:
    """`lines` without the closing sign-off: "Cordialement," and the lines under it, or a last
    short paragraph that starts with the technician's own name ("Alice", "Alice Tech")."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    # The name alone on the last line, right under the account ("... demain matin.\nMarc").
    last = {w.lower() for w in re.split(r"[\s.,_-]+", lines[-1]) if w} if lines else set()
    if len(lines) > 1 and last and last <= names:
        lines = lines[:-1]
        if _CLOSING.match(lines[-1].strip()):  # "Cordialement,\nMarc"
            lines = lines[:-1]
        return lines
    start = len(lines)
    while start and lines[start - 1].strip():
        start -= 1
    block = [line.strip() for line in lines[start:]]
    if not block or len(block) > _MAX_SIGN_OFF_LINES + 1:
        return lines
    for i, line in enumerate(block):
        if _CLOSING.match(line):
            return lines[:start + i]
    first = {w.lower() for w in re.split(r"[\s.,_-]+", block[0]) if w}
    if first and first <= names | {""}:
        cut = lines[:start]
        # "Cordialement," alone in the paragraph above the name goes with it.
        while cut and not cut[-1].strip():
            cut = cut[:-1]
        if cut and _CLOSING.match(cut[-1].strip()) and (len(cut) == 1 or not cut[-2].strip()):
            cut = cut[:-1]
        return cut
    return lines
