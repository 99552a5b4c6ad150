"""What every rule shares: a name, one line of description, a check that only looks, and the
record of its verdict.

Each decision keeps the rules that matched *and* those that were tried and did not (after
Mailman's rule_hits / rule_misses), so that "why did this ticket get P2?" has an answer in
`show --json`, in the team notice and in `mailbot replay`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outcome:
    """One rule tried on one message."""

    rule: str  # "family/name", e.g. "classification/site_down", "urgent/too_often"
    hit: bool
    detail: str = ""  # the evidence on a hit, the reason on a miss (may be empty)
    score: float = 0.0  # a classification hit: the strength of its evidence

    def line(self) -> str:
        head = f"{'hit' if self.hit else 'miss'} {self.rule}"
        return f"{head}: {self.detail}" if self.detail else head


class Rule(Protocol):
    name: str
    description: str


def hits(trace: list[Outcome]) -> list[Outcome]:
    return [o for o in trace if o.hit]


def misses(trace: list[Outcome]) -> list[Outcome]:
    return [o for o in trace if not o.hit]


def higher(a: str | None, b: str | None) -> str | None:
    """The more urgent of two priorities ("P1" is the highest); None is no priority."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
