"""The decision for a message over `mailbox.max_message_mb` (RELIABILITY M04), pure.

The daemon has only its header (the intake did not download the rest) and has set it aside; no
ticket is made from part of a message. Its sender is told, once, when an automatic mail may go
to them (at the address automatic mail answers, `loopguard.answer_address`): not to a machine,
a list or a loop, not when the receiving server found the From's DMARC check failed
(backscatter to a forged address), not to an address that bounced, not past the per-recipient
or the global cap (`mailbot.loopguard.refused_for`).
"""

from __future__ import annotations

from datetime import datetime

from mailbot import loopguard, mails
from mailbot.config import Config
from mailbot.decision import Decision, View
from mailbot.parsers import ParsedMessage


def decide(msg: ParsedMessage, *, size: int, view: View, config: Config,
           now: datetime) -> Decision:
    limit = config.mailbox.max_message_mb
    reasons = [f"{size} bytes, over mailbox.max_message_mb ({limit:g} MB)"]
    to = loopguard.answer_address(msg, config) if msg.sender else ""
    blocked = loopguard.refused_for(msg, to, view, config, now) if to else ["no_sender"]
    if blocked:
        reasons.append(f"sender not told: {', '.join(blocked)}")
        return Decision("oversize", None, reasons=reasons)
    notice = mails.oversize_notice(msg, to=to, size=size, limit_mb=limit, config=config,
                                   now=now)
    return Decision("oversize", None, mails=[notice], reasons=reasons)
