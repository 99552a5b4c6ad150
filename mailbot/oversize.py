"""The decision for a message over `mailbox.max_message_mb` (RELIABILITY M04), pure.

The daemon has only its header (the intake did not download the rest) and has set it aside; no
ticket is made from part of a message. Its sender is told, once, only when the receiving
server vouches for the From (DMARC pass, or DKIM aligned with it, in the Authentication-Results
of `team.authserv_id`: RELIABILITY M04 wants no notice to a sender who is not proven, since a
forged From would turn our notice into backscatter), and when an automatic mail may go to them
(at the address automatic mail answers, `loopguard.answer_address`): not to a machine, a list
or a loop, not to an address that bounced, not past the per-recipient or the global cap
(`mailbot.loopguard.refused_for`).
"""

from __future__ import annotations

from datetime import datetime

from mailbot import loopguard, mails, people
from mailbot.config import Config
from mailbot.decision import Decision, View
from mailbot.parsers import ParsedMessage


def decide(msg: ParsedMessage, *, size: int, view: View, config: Config,
           now: datetime) -> Decision:
    limit = config.mailbox.max_message_mb
    reasons = [f"{size} bytes, over mailbox.max_message_mb ({limit:g} MB)"]
    to = loopguard.answer_address(msg, config) if msg.sender else ""
    blocked = loopguard.refused_for(msg, to, view, config, now) if to else ["no_sender"]
    if not blocked and not _vouched(msg, config):
        blocked = ["sender_not_authenticated"]
    if blocked:
        reasons.append(f"sender not told: {', '.join(blocked)}")
        return Decision("oversize", None, reasons=reasons)
    notice = mails.oversize_notice(msg, to=to, size=size, limit_mb=limit, config=config,
                                   now=now)
    return Decision("oversize", None, mails=[notice], reasons=reasons)


def _vouched(msg: ParsedMessage, config: Config) -> bool:
    if not config.team.authserv_id:  # no server of ours to believe: nobody is proven
        return False
    return people.verify(msg.authentication_results, config.team.authserv_id, msg.sender)[0]
