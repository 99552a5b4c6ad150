"""`mailbot triage-report` (contract name): how often the triage's first guess was right, from
the technicians' corrections, and which rules and learnt examples they corrected most. The
service manager reads it to fix rules.toml.

A ticket counts when the rules classified it (it has a first guess) and a technician set its
`#priority` or `#type` (a correction, or a confirmation when the value did not change). Pure
over an iterable of tickets, so that 10,000 of them take well under two seconds.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mailbot.model import Ticket

PRIORITIES = ("P1", "P2", "P3", "P4", None)
TYPES = ("incident", "request", "information")


@dataclass
class Report:
    classified: int = 0
    corrected: int = 0  # reviewed: a #priority or #type was given
    right: int = 0
    by_priority: dict[str | None, list[int]] = field(default_factory=dict)  # [right, total]
    by_type: dict[str, list[int]] = field(default_factory=dict)
    rules: Counter[str] = field(default_factory=Counter)  # rule -> wrong first guesses
    changes: dict[str, Counter[str]] = field(default_factory=dict)  # rule -> "a -> b"
    learnt: Counter[str] = field(default_factory=Counter)

    def add(self, ticket: Ticket) -> None:
        first = ticket.first_guess
        if first is None:
            return
        self.classified += 1
        fix = ticket.correction
        if fix is None:
            return
        self.corrected += 1
        was = (first.get("type"), first.get("priority"))
        now = (fix.get("type"), fix.get("priority"))
        ok = was == now
        self.right += ok
        for table, key in ((self.by_priority, was[1]), (self.by_type, was[0] or "?")):
            cell = table.setdefault(key, [0, 0])  # type: ignore[arg-type]
            cell[0] += ok
            cell[1] += 1
        if ok:
            return
        rule = first.get("rule") or "(default)"
        if rule.startswith("learnt:"):
            self.learnt[rule.removeprefix("learnt:")] += 1
        else:
            self.rules[rule] += 1
            self.changes.setdefault(rule, Counter())[_pair(was) + " -> " + _pair(now)] += 1


def _pair(value: tuple[object, object]) -> str:
    return " ".join(str(v) for v in value if v)


def build(tickets: Iterable[Ticket]) -> Report:
    report = Report()
    for ticket in tickets:
        report.add(ticket)
    return report


def _pct(cell: list[int]) -> str:
    right, total = cell
    return f"{100 * right / total:5.1f} % ({right}/{total})" if total else "    - (0)"


def render(report: Report, *, top: int = 10) -> str:
    lines = [f"triage report: {report.corrected} reviewed tickets (a #priority or #type given) "
             f"of {report.classified} classified"]
    if not report.corrected:
        lines.append("no corrections yet: the first guesses have not been reviewed")
        return "\n".join(lines)
    lines.append(f"first guess right (type and priority): "
                 f"{_pct([report.right, report.corrected])}")
    lines.append("by first-guess priority:")
    for priority in PRIORITIES:
        if priority in report.by_priority:
            lines.append(f"  {priority or 'none':<12} {_pct(report.by_priority[priority])}")
    lines.append("by first-guess type:")
    for type_ in (*TYPES, *sorted(set(report.by_type) - set(TYPES))):
        if type_ in report.by_type:
            lines.append(f"  {type_:<12} {_pct(report.by_type[type_])}")
    lines.append("rules corrected most (rules.toml [[classification]] name):")
    for rule, count in report.rules.most_common(top):
        changes = ", ".join(f"{c} x{n}" for c, n in report.changes[rule].most_common(3))
        lines.append(f"  {rule:<28} {count:>5}  ({changes})")
    if not report.rules:
        lines.append("  none")
    lines.append("learnt guesses corrected most (the tickets they were learnt from):")
    for learnt, count in report.learnt.most_common(top):
        lines.append(f"  {learnt:<28} {count:>5}")
    if not report.learnt:
        lines.append("  none")
    return "\n".join(lines)


def register(sub: argparse._SubParsersAction,  # type: ignore[type-arg]
             config_arg: Callable[[argparse.ArgumentParser], None],
             tickets_of: Callable[[Path | None], Iterable[Ticket]]) -> None:
    """The `triage-report` command; `tickets_of(config path)` reads the store (the CLI's)."""
    parser = sub.add_parser(
        "triage-report",
        help="how often the triage's first guess was right, from the technicians' #priority "
             "and #type, and the rules and learnt examples corrected most (works while the "
             "daemon runs)")
    config_arg(parser)
    parser.add_argument("--top", type=int, default=10, metavar="N",
                        help="how many rules and learnt examples to list (default 10)")

    def run(args: argparse.Namespace) -> int:
        print(render(build(tickets_of(args.config)), top=args.top))
        return 0

    parser.set_defaults(func=run)
