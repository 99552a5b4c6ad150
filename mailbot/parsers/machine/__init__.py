"""Mail written by machines: bounces, auto-replies, list traffic. None of it gets an answer.

Each check is a small named rule that only looks and says why. A person must never be taken for
a machine, so a rule on the subject needs the forms machines use (a prefix with its colon,
Lotus Notes' "AUTO:", Exchange's "(Automatic Response)") and a second sign (a header, the
out-of-office wording, our ticket tag), never a word a person could write.
The verdict's precedence: loop (our own mail back), bounce, then auto-reply, then list.

The rooms: `facts` (what the rules look at, and the verdict), `loops` (our own mail back),
`bounces`, `auto_replies`, `lists` (list traffic and no-reply senders), and `verdict` (the
families in their order of precedence). Importers use the names below.
"""

from mailbot.parsers.machine.auto_replies import AUTO_REPLY_RULES
from mailbot.parsers.machine.facts import Facts, Rule, Verdict
from mailbot.parsers.machine.lists import LIST_RULES, canonical_local_part, is_list_robot
from mailbot.parsers.machine.loops import LOOP_RULES
from mailbot.parsers.machine.verdict import classify

__all__ = [
    "AUTO_REPLY_RULES",
    "LIST_RULES",
    "LOOP_RULES",
    "Facts",
    "Rule",
    "Verdict",
    "canonical_local_part",
    "classify",
    "is_list_robot",
]
