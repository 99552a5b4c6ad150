"""The verdict on one message: the rule families in their order of precedence."""

from __future__ import annotations

from mailbot.parsers.machine.auto_replies import AUTO_REPLY_RULES
from mailbot.parsers.machine.bounces import bounce_details, bounce_reasons
from mailbot.parsers.machine.bulk import ALERT_RULES, BULK_RULES
from mailbot.parsers.machine.devices import DEVICE_RULES, RECALL_RULES
from mailbot.parsers.machine.facts import Facts, Rule, Verdict
from mailbot.parsers.machine.lists import LIST_RULES, written_to_us_and_the_list
from mailbot.parsers.machine.loops import LOOP_RULES


def classify(facts: Facts) -> Verdict:
    """The flow as a table: (kind, rules). The first kind with a hit wins; every hit is a
    reason."""
    loop_reasons = _hits(LOOP_RULES, facts)
    if loop_reasons:
        return Verdict("loop", loop_reasons)
    bounce = bounce_reasons(facts)
    if bounce:
        return Verdict("bounce", bounce, bounce_details(facts))
    reasons = [r for r in (rule(facts) for rule in AUTO_REPLY_RULES) if r]
    if reasons:
        value = facts.header("Auto-Submitted")
        answering = value.startswith("auto-replied") or bool(_hits(AUTO_REPLY_RULES[1:], facts))
        return Verdict("auto_reply", reasons + [r for r in _hits(LIST_RULES, facts)],
                       answering=answering)
    reasons = _hits(RECALL_RULES, facts)
    if reasons:  # a client's request about a mail sent before: it answers that mail
        return Verdict("auto_reply", reasons, answering=True)
    reasons = _hits(ALERT_RULES, facts) or _hits(DEVICE_RULES, facts)
    if reasons:  # a program's report, a device's or a calendar's mail: answering no mail of ours
        return Verdict("auto_reply", reasons)
    reasons = _hits(LIST_RULES, facts) + _hits(BULK_RULES, facts)
    if reasons and written_to_us_and_the_list(facts):
        return Verdict()  # a person wrote to us and to a list: the list's copy is theirs
    return Verdict("list", reasons) if reasons else Verdict()


def _hits(rules: tuple[Rule, ...], facts: Facts) -> list[str]:
    return [r for r in (rule(facts) for rule in rules) if r]
