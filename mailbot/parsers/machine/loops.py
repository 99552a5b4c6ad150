"""Our own mail coming back (a forwarding rule, an auto-responder that copies headers)."""

from __future__ import annotations

from mailbot.parsers.headers import decode_text
from mailbot.parsers.machine.facts import Facts, Rule


def _bot_itself(f: Facts) -> str | None:
    return "From: the bot's own address" if f.sender and f.sender in f.rules.bot_addresses else None


def _own_loop_header(f: Facts) -> str | None:
    # Every automatic mail of ours carries "X-Loop: <our address>" (compose.py); one coming
    # back (a forwarding rule, an auto-responder that copies headers) must stop here. Several
    # X-Loop fields may be stacked, one per hop: any of them naming us is enough.
    ours = {a.lower() for a in f.rules.bot_addresses}
    for value in f.message.get_all("X-Loop") or []:
        named = decode_text(value).strip().strip("<>").strip().lower()
        if named in ours:
            return f"X-Loop: {named} (our own loop header)"
    return None


# Our own mail coming back: checked first, never ticketed (RELIABILITY L08).
LOOP_RULES: tuple[Rule, ...] = (_own_loop_header, _bot_itself)
